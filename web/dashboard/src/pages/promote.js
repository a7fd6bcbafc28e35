// Promote development → production: what `solder export` then `solder import` would change,
// previewed (with development's drafts that cannot be released, which block it), then applied
// after a confirmation.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { post } from '../api.js';
import { Confirm, ErrorNote, Loading, Page, toast, useData } from '../ui.js';

const ACTION_TEXT = { create: 'created', update: 'updated', unchanged: 'unchanged' };
const ORDER = { create: 0, update: 1, unchanged: 2 };

function count(changes, action) {
  return changes.filter((c) => c.action === action).length;
}

export function PromotePage() {
  const { data, error, loading, reload } = useData(() => post('/promote/preview'));
  const [confirm, setConfirm] = useState(false);
  const [applied, setApplied] = useState(null);
  const changes = ((data && data.changes) || []).slice().sort((a, b) => ORDER[a.action] - ORDER[b.action]);
  const problems = (data && data.errors) || [];
  const pending = changes.filter((c) => c.action !== 'unchanged');
  const summary = (list) => `${count(list, 'create')} to create, ${count(list, 'update')} to update`;
  return html`<${Page} title="Promote to production" crumbs=${[{ href: '/settings', label: 'Settings' }]}>
    <p class="lead">Copies the development environment’s custom events, integrations and workflows to production, releasing each workflow whose definition changed. End users, installations, credentials and keys stay where they are.</p>
    <${ErrorNote} error=${error} />
    ${applied && html`<div class="note note-ok" role="status">Promoted: ${count(applied, 'create')} created, ${count(applied, 'update')} updated. Production now has them; switch to Production in the header to see.</div>`}
    ${loading && !data ? html`<${Loading} what="Comparing the environments" />` : data && html`
      ${problems.length > 0 && html`<div class="note note-error" role="alert">
        <p><strong>Development has ${problems.length} problem${problems.length === 1 ? '' : 's'} to fix first</strong>: nothing can be promoted while a draft cannot be released.</p>
        <ul>${problems.map((p) => html`<li><code>${p.path}</code> ${p.message}</li>`)}</ul></div>`}
      ${changes.length === 0 ? html`<p class="muted">Development has nothing to promote yet.</p>` : html`
      <table class="table"><caption>What production gets: ${summary(changes)}</caption>
        <thead><tr><th scope="col">Kind</th><th scope="col">Name</th><th scope="col">Change</th><th scope="col">Details</th></tr></thead>
        <tbody>${changes.map((c) => html`<tr class=${`change-${c.action}`}><td>${c.kind}</td><td>${c.name}</td>
          <td><span class=${`badge badge-${c.action}`}>${ACTION_TEXT[c.action] ? (c.action === 'unchanged' ? 'unchanged' : `will be ${ACTION_TEXT[c.action]}`) : c.action}</span></td>
          <td>${c.details || ''}</td></tr>`)}</tbody></table>`}
      <div class="form-actions">
        <button type="button" class="btn btn-primary" disabled=${pending.length === 0 || problems.length > 0} onClick=${() => setConfirm(true)}>
          ${pending.length === 0 ? 'Production is up to date' : `Promote ${pending.length} change${pending.length === 1 ? '' : 's'}`}</button>
        <button type="button" class="btn" disabled=${loading} onClick=${() => { setApplied(null); reload(); }}>Compare again</button>
      </div>`}
    <${Confirm} open=${confirm} title="Promote to production?" confirmLabel="Promote" onClose=${() => setConfirm(false)}
      message=${`Production gets ${summary(pending)}, in one step. Installed users of a workflow keep their version until it is upgraded.`}
      onConfirm=${async () => { const r = await post('/promote'); setApplied(r.changes || []); toast('Promoted to production'); await reload(); }} />
  <//>`;
}
