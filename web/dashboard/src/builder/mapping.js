// The data mapping of one block input: a JSONata expression in CodeMirror (field-name completion),
// a tree of the data available at that point to pick fields from, and a live preview evaluated in
// the browser by the WASM build of the server's JSONata engine, with errors and their position.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { loadCore } from '../core.js';
import { CodeEditor } from '../code.js';
import { useId } from '../ui.js';
import { joinPath } from './model.js';

export function usePreview(expr, context) {
  const [out, setOut] = useState(null);
  useEffect(() => {
    let alive = true;
    if (!expr || !expr.trim()) { setOut(null); return undefined; }
    const t = setTimeout(() => loadCore().then((core) => {
      if (alive) setOut(core.evaluate(expr, context));
    }, (e) => alive && setOut({ error: { message: `the preview engine could not load: ${e.message}` } })), 60);
    return () => { alive = false; clearTimeout(t); };
  }, [expr, context]);
  return out;
}

function show(v) {
  const s = JSON.stringify(v, null, v && typeof v === 'object' ? 2 : 0);
  return s.length > 2000 ? `${s.slice(0, 2000)}…` : s;
}

export function Preview({ expr, context, id }) {
  const out = usePreview(expr, context);
  if (!out) return html`<div class="preview preview-empty" id=${id} aria-live="polite">Preview: nothing yet</div>`;
  if (out.error) {
    const pos = out.error.position;
    const looksLikeText = expr && /^[A-Za-z]+:\/\//.test(expr.trim());
    return html`<div class="preview preview-error" id=${id} aria-live="polite">
      <span class="preview-label">Error</span>
      <span class="preview-value">${out.error.code ? `${out.error.code}` : ''}${pos != null ? ` at ${pos}` : ''}: ${out.error.message}</span>
      ${pos != null && html`<pre class="caret" aria-hidden="true">${expr}\n${' '.repeat(Math.max(0, pos - 1))}^</pre>`}
      ${looksLikeText && html`<span class="hint">Text must be quoted: '${expr.trim()}'</span>`}
    </div>`;
  }
  if (out.undefined) return html`<div class="preview preview-undef" id=${id} aria-live="polite"><span class="preview-label">Preview</span> <span class="preview-value">nothing (the path finds no value)</span></div>`;
  return html`<div class="preview preview-ok" id=${id} aria-live="polite"><span class="preview-label">Preview</span> <code class="preview-value">${show(out.result)}</code></div>`;
}

// The data tree: each node is a button that inserts its path.
export function FieldTree({ data, onPick, label }) {
  return html`<div class="tree" role="group" aria-label=${label}>
    <${TreeNodes} value=${data} path="" onPick=${onPick} depth=${0} />
  </div>`;
}

function TreeNodes({ value, path, onPick, depth }) {
  if (value == null || typeof value !== 'object' || depth > 6) return null;
  const obj = Array.isArray(value) ? (value.length ? value[0] : null) : value;
  if (!obj || typeof obj !== 'object') return null;
  return html`<ul class="tree-list">
    ${Object.entries(obj).map(([k, v]) => html`<${TreeNode} key=${k} name=${k} value=${v} path=${joinPath(path, k)} onPick=${onPick} depth=${depth} />`)}
  </ul>`;
}

function TreeNode({ name, value, path, onPick, depth }) {
  const nested = value && typeof value === 'object' && Object.keys(Array.isArray(value) ? value[0] || {} : value).length > 0;
  const [open, setOpen] = useState(depth < 1);
  const type = Array.isArray(value) ? 'list' : value === null ? 'null' : typeof value;
  return html`<li>
    <div class="tree-row">
      ${nested ? html`<button type="button" class="tree-toggle" aria-expanded=${open ? 'true' : 'false'} aria-label=${`${open ? 'Collapse' : 'Expand'} ${path}`} onClick=${() => setOpen(!open)}>${open ? '▾' : '▸'}</button>` : html`<span class="tree-toggle" aria-hidden="true"></span>`}
      <button type="button" class="tree-pick" aria-label=${`Insert ${path}`} onClick=${() => onPick(path)}>
        <span class="tree-name">${name}</span><span class="tree-type">${type}</span>
        ${!nested && value !== null && typeof value !== 'object' && html`<span class="tree-sample">${String(value).slice(0, 40)}</span>`}
      </button>
    </div>
    ${nested && open && html`<${TreeNodes} value=${value} path=${path} onPick=${onPick} depth=${depth + 1} />`}
  </li>`;
}

// One input: label, expression editor, field picker, preview, the server's error, and the choice to
// let end users set it at install.
export function MappingInput({ name, schema, required, value, onChange, context, error, configurable, onConfigurable }) {
  const id = useId('map');
  const [picking, setPicking] = useState(false);
  const view = useRef(null);
  const title = schema.title || name;
  const pick = (path) => {
    if (view.current && value && value.trim()) view.current.insert(path); else onChange(path);
    setPicking(false);
  };
  const enumHint = Array.isArray(schema.enum) ? `One of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')} (quote text: '${schema.enum[0]}')` : null;
  const described = `${id}-preview${error ? ` ${id}-error` : ''}`;
  return html`<div class=${`mapping${error ? ' has-error' : ''}`}>
    <div class="mapping-head">
      <span class="mapping-label" id=${`${id}-label`}>${title}${required && html`<span class="req" aria-hidden="true"> *</span>`}<span class="mapping-name">${name}</span></span>
      <div class="mapping-tools">
        <button type="button" class="btn btn-small" aria-expanded=${picking ? 'true' : 'false'} aria-label=${`Pick a field for ${title}`} onClick=${() => setPicking(!picking)}>Pick a field</button>
        ${onConfigurable && html`<label class="check small"><input type="checkbox" checked=${configurable} onChange=${(e) => onConfigurable(e.currentTarget.checked)} /> End users set this</label>`}
      </div>
    </div>
    ${(schema.description || enumHint) && html`<p class="hint">${schema.description || enumHint}</p>`}
    ${configurable
      ? html`<p class="configurable-note">Set by each end user at install (<code>${value}</code>).</p>`
      : html`<${CodeEditor} value=${value} onChange=${onChange} label=${`${title} expression`} describedBy=${described}
          getContext=${() => context} viewRef=${view} placeholder="JSONata, e.g. event.orderId" />`}
    ${picking && html`<div class="picker"><${FieldTree} data=${context} onPick=${pick} label=${`Fields for ${title}`} /></div>`}
    ${!configurable && html`<${Preview} expr=${value} context=${context} id=${`${id}-preview`} />`}
    ${error && html`<p class="field-error" id=${`${id}-error`} role="alert">${error}</p>`}
  </div>`;
}

export function useStableContext(make, deps) {
  return useMemo(make, deps);
}
