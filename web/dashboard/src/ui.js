// Building blocks shared by the pages: data loading, dialogs, form fields, icons, toasts, copy
// buttons, status badges, relative times. Text always goes through Preact's text nodes, never
// innerHTML, so names and payloads render as text.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.js';

// Loads with fn() on mount and whenever deps change; reload() re-runs it.
export function useData(fn, deps = []) {
  const [state, setState] = useState({ loading: true, data: null, error: null });
  const seq = useRef(0);
  const load = useCallback(() => {
    const n = ++seq.current;
    return Promise.resolve().then(fn).then(
      (data) => { if (n === seq.current) setState({ loading: false, data, error: null }); },
      (error) => { if (n === seq.current) setState({ loading: false, data: null, error }); });
  }, deps);
  useEffect(() => { setState((s) => ({ ...s, loading: true })); load(); }, [load]);
  return { ...state, reload: load };
}

export function Loading({ what = 'Loading' }) {
  return html`<div class="loading" role="status"><span class="spinner" aria-hidden="true"></span>${what}…</div>`;
}

export function ErrorNote({ error }) {
  if (!error) return null;
  return html`<div class="note note-error" role="alert">${error.message || String(error)}</div>`;
}

export function Page({ title, actions, children, wide, crumbs }) {
  useEffect(() => { document.title = `${title} · Solder`; }, [title]);
  return html`<div class=${`page${wide ? ' page-wide' : ''}`}>
    ${crumbs && html`<nav class="crumbs" aria-label="Breadcrumb">${crumbs.map((c, i) => html`${i > 0 && html`<span aria-hidden="true"> / </span>`}<a href=${c.href}>${c.label}</a>`)}</nav>`}
    <div class="page-head">
      <h1 tabindex="-1" class="page-title">${title}</h1>
      ${actions && html`<div class="page-actions">${actions}</div>`}
    </div>
    ${children}
  </div>`;
}

// A modal dialog on the native <dialog> element: focus is trapped, Escape closes, focus returns
// to the opener.
export function Dialog({ open, title, onClose, children, footer, size }) {
  const ref = useRef(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  if (!open) return html`<dialog ref=${ref} class="dialog" aria-label=${title}></dialog>`;
  return html`<dialog ref=${ref} class=${`dialog ${size || ''}`} aria-labelledby="dialog-title"
      onCancel=${(e) => { e.preventDefault(); onClose(); }}>
    <div class="dialog-head">
      <h2 id="dialog-title">${title}</h2>
      <button type="button" class="icon-btn" aria-label="Close" onClick=${onClose}>×</button>
    </div>
    <div class="dialog-body">${children}</div>
    ${footer && html`<div class="dialog-foot">${footer}</div>`}
  </dialog>`;
}

export function Confirm({ open, title, message, confirmLabel, danger, onConfirm, onClose }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const go = async () => {
    setBusy(true); setError(null);
    try { await onConfirm(); onClose(); } catch (e) { setError(e); } finally { setBusy(false); }
  };
  return html`<${Dialog} open=${open} title=${title} onClose=${onClose} footer=${html`
      <button type="button" class="btn" onClick=${onClose}>Cancel</button>
      <button type="button" class=${danger ? 'btn btn-danger' : 'btn btn-primary'} disabled=${busy} onClick=${go}>${confirmLabel}</button>`}>
    <p>${message}</p>
    <${ErrorNote} error=${error} />
  <//>`;
}

let fieldSeq = 0;
export function useId(prefix = 'f') {
  const ref = useRef(null);
  if (!ref.current) ref.current = `${prefix}-${++fieldSeq}`;
  return ref.current;
}

// A labelled control; `required` marks the label with an asterisk (forms where every field is
// required, such as signing in, leave it out and say so in their text).
export function Field({ label, hint, error, children, id, required }) {
  return html`<div class=${`field${error ? ' has-error' : ''}`}>
    <label for=${id}>${label}${required === 'mark' && html`<span class="req" aria-hidden="true"> *</span>`}</label>
    ${children}
    ${hint && !error && html`<p class="hint" id=${`${id}-hint`}>${hint}</p>`}
    ${error && html`<p class="field-error" id=${`${id}-error`} role="alert">${error}</p>`}
  </div>`;
}

export function TextInput({ label, value, onInput, hint, error, type = 'text', required, placeholder, autocomplete, autofocus, name, min, max }) {
  const id = useId('in');
  return html`<${Field} label=${label} hint=${hint} error=${error} id=${id} required=${required}>
    <input id=${id} name=${name} type=${type} value=${value ?? ''} required=${!!required} placeholder=${placeholder}
      autocomplete=${autocomplete} autofocus=${autofocus} min=${min} max=${max}
      aria-invalid=${error ? 'true' : undefined}
      aria-describedby=${error ? `${id}-error` : hint ? `${id}-hint` : undefined}
      onInput=${(e) => onInput(e.currentTarget.value)} />
  <//>`;
}

export function Select({ label, value, onChange, options, hint, error }) {
  const id = useId('sel');
  return html`<${Field} label=${label} hint=${hint} error=${error} id=${id}>
    <select id=${id} value=${value} onChange=${(e) => onChange(e.currentTarget.value)}>
      ${options.map((o) => html`<option value=${o.value} selected=${o.value === value}>${o.label}</option>`)}
    </select>
  <//>`;
}

// An app or block icon: the SVG Solder serves under /icons/, else the name's initial.
export function AppIcon({ icon, name, size = 32 }) {
  const [broken, setBroken] = useState(false);
  const ok = icon && icon.startsWith('/icons/') && !broken;
  return ok
    ? html`<img class="app-icon" src=${icon} alt="" width=${size} height=${size} onError=${() => setBroken(true)} />`
    : html`<span class="app-icon app-initial" aria-hidden="true" style=${`width:${size}px;height:${size}px`}>${(name || '?').trim().charAt(0).toUpperCase()}</span>`;
}

const toasts = { list: [], listeners: new Set(), seq: 0 };
export function toast(message, kind = 'ok') {
  const t = { id: ++toasts.seq, message, kind };
  toasts.list = [...toasts.list, t];
  toasts.listeners.forEach((f) => f(toasts.list));
  setTimeout(() => {
    toasts.list = toasts.list.filter((x) => x.id !== t.id);
    toasts.listeners.forEach((f) => f(toasts.list));
  }, 5000);
}
export function Toasts() {
  const [list, setList] = useState(toasts.list);
  useEffect(() => { toasts.listeners.add(setList); return () => toasts.listeners.delete(setList); }, []);
  return html`<div class="toasts" role="status" aria-live="polite">
    ${list.map((t) => html`<div key=${t.id} class=${`toast toast-${t.kind}`}>${t.message}</div>`)}
  </div>`;
}

export function CopyButton({ text, label = 'Copy' }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try { await navigator.clipboard.writeText(text); } catch {
      const ta = document.createElement('textarea');
      ta.value = text; document.body.appendChild(ta); ta.select();
      document.execCommand('copy'); ta.remove();
    }
    setDone(true); setTimeout(() => setDone(false), 1500);
  };
  return html`<button type="button" class="btn btn-small" onClick=${copy}>${done ? 'Copied' : label}</button>`;
}

export function Badge({ status }) {
  return html`<span class=${`badge badge-${status}`}>${status}</span>`;
}

export function fmtTime(t) {
  if (!t) return '—';
  const d = new Date(t);
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function ago(t) {
  if (!t) return '—';
  const s = Math.round((Date.now() - new Date(t).getTime()) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function Empty({ title, children }) {
  return html`<div class="empty"><p class="empty-title">${title}</p>${children}</div>`;
}

export function JsonView({ value, label }) {
  const text = value === undefined ? 'nothing' : JSON.stringify(value, null, 2);
  return html`<pre class="json" tabindex="0" aria-label=${label}>${text}</pre>`;
}
