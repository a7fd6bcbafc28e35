// <CodeEditor>: a CodeMirror editor (expression or JSON) as a Preact component. The editor module
// is its own chunk, loaded on first use; a plain textarea with the same label stands in meanwhile.
// The editor lives in a shadow root: there CodeMirror styles itself with constructed style sheets,
// which the dashboard's Content-Security-Policy (style-src 'self', no inline <style>) allows.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.js';

let editorModule = null;
export const loadEditor = () => (editorModule ||= import('./editor.js'));

export function CodeEditor({ kind = 'expression', value, onChange, label, getContext, placeholder, describedBy, viewRef, id }) {
  const host = useRef(null);
  const view = useRef(null);
  const latest = useRef({ onChange, getContext, value });
  latest.current = { onChange, getContext, value };
  const [ready, setReady] = useState(false);
  // The texts this editor reported lately: a value prop equal to one of them is the echo of the
  // user's own typing (renders can lag a few keystrokes behind), not a change from outside, and
  // must not be written back over what was typed since.
  const emitted = useRef([value || '']);
  const remember = (text) => { emitted.current = [...emitted.current.slice(-31), text]; };
  const applying = useRef(false);

  useEffect(() => {
    let alive = true;
    loadEditor().then((m) => {
      if (!alive || !host.current) return;
      const make = kind === 'json' ? m.jsonEditor : m.expressionEditor;
      const root = host.current.shadowRoot || host.current.attachShadow({ mode: 'open' });
      view.current = make(root, {
        value: latest.current.value, label, placeholder, describedBy,
        onChange: (text) => {
          if (applying.current) return;
          remember(text);
          latest.current.onChange(text);
        },
        getContext: () => latest.current.getContext && latest.current.getContext(),
      });
      view.current.setText = (text) => m.setText(view.current, text);
      view.current.insert = (text) => m.insertText(view.current, text);
      if (viewRef) viewRef.current = view.current;
      setReady(true);
    });
    return () => { alive = false; if (view.current) view.current.destroy(); view.current = null; };
  }, []);

  useEffect(() => {
    const v = view.current;
    const text = value || '';
    if (!v || emitted.current.includes(text) || v.state.doc.toString() === text) return;
    emitted.current = [text];
    applying.current = true;
    try { v.setText(text); } finally { applying.current = false; }
  }, [value]);

  return html`<div class=${`code code-${kind}`} id=${id}>
    <div ref=${host} class="code-host"></div>
    ${!ready && html`<textarea class="code-fallback" aria-label=${label} aria-describedby=${describedBy} rows=${kind === 'json' ? 8 : 2}
      value=${value || ''} onInput=${(e) => { remember(e.currentTarget.value); onChange(e.currentTarget.value); }}></textarea>`}
  </div>`;
}
