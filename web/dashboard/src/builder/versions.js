// Released versions of a workflow (when each was released) and a side-by-side, line-by-line diff
// of two definitions (any two versions, or the draft against a version).
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { get } from '../api.js';
import { Dialog, ErrorNote, Loading, Select, fmtTime, useData } from '../ui.js';

// Longest-common-subsequence line diff: rows of [left line | null, right line | null, kind].
// Definitions are small (at most 1,000 blocks); past 4,000 lines a side the table would be too big
// to compute in the page, so the rows are then compared position by position.
const DIFF_MAX_LINES = 4000;
export function diffLines(a, b) {
  const n = a.length;
  const m = b.length;
  if (n > DIFF_MAX_LINES || m > DIFF_MAX_LINES) {
    return Array.from({ length: Math.max(n, m) }, (_, i) => [a[i] ?? null, b[i] ?? null, a[i] === b[i] ? 'same' : 'change']);
  }
  const L = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) L[i][j] = a[i] === b[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
  const rows = [];
  let i = 0; let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { rows.push([a[i], b[j], 'same']); i++; j++; }
    else if (j < m && (i === n || L[i][j + 1] >= L[i + 1][j])) { rows.push([null, b[j], 'add']); j++; }
    else { rows.push([a[i], null, 'del']); i++; }
  }
  return rows;
}

const text = (def) => (def ? JSON.stringify(def, null, 2).split('\n') : []);

export function VersionsDialog({ open, onClose, workflowId, draft, version }) {
  const list = useData(() => (open ? get(`/workflows/${workflowId}/versions`).then((r) => r.data) : []), [open, version]);
  const versions = (list.data || []).slice().sort((x, y) => y.versionId - x.versionId);
  const [left, setLeft] = useState('');
  const [right, setRight] = useState('draft');
  useEffect(() => { if (versions.length && !left) setLeft(String(versions[0].versionId)); }, [versions.length]);
  const load = (v) => (v === 'draft' ? Promise.resolve(draft) : v ? get(`/workflows/${workflowId}/versions/${v}`).then((r) => r.data.definition) : Promise.resolve(null));
  const diff = useData(async () => {
    if (!open || !left) return null;
    const [a, b] = await Promise.all([load(left), load(right)]);
    return diffLines(text(a), text(b));
  }, [open, left, right, draft]);
  const options = [{ value: 'draft', label: 'Draft (unreleased)' }, ...versions.map((v) => ({ value: String(v.versionId), label: `Version ${v.versionId}` }))];
  const changed = diff.data ? diff.data.filter((r) => r[2] !== 'same').length : 0;
  return html`<${Dialog} open=${open} title="Versions" onClose=${onClose} size="dialog-full">
    <${ErrorNote} error=${list.error || diff.error} />
    ${list.loading ? html`<${Loading} />` : versions.length === 0 ? html`<p class="muted">No released version yet: “Release this Version” makes version 1.</p>` : html`
      <table class="table compact"><caption class="sr-only">Released versions</caption>
        <thead><tr><th scope="col">Version</th><th scope="col">Released</th><th scope="col">By</th></tr></thead>
        <tbody>${versions.map((v) => html`<tr><td>v${v.versionId}</td><td>${fmtTime(v.lastModified)}</td><td>${v.releasedBy || '—'}</td></tr>`)}</tbody></table>
      <div class="two">
        <${Select} label="Compare" value=${left} onChange=${setLeft} options=${options} />
        <${Select} label="With" value=${right} onChange=${setRight} options=${options} />
      </div>
      ${diff.data && html`<p class="muted" role="status">${changed === 0 ? 'The two definitions are the same.' : `${changed} line${changed === 1 ? '' : 's'} differ.`}</p>
        <div class="diff" role="table" aria-label="Side-by-side diff" tabindex="0">
          ${diff.data.map(([a, b, kind]) => html`<div class=${`diff-row diff-${kind}`} role="row">
            <pre role="cell" class="diff-cell">${a ?? ''}</pre><pre role="cell" class="diff-cell">${b ?? ''}</pre></div>`)}
        </div>`}`}
  <//>`;
}
