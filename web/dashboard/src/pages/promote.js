// Promote development → production: what `solder export` then `solder import` would change,
// previewed, then applied.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { post } from '../api.js';
import { Confirm, ErrorNote, Loading, Page, toast, useData } from '../ui.js';

export function PromotePage() {
  const { data, error, loading, reload } = useData(() => post('/promote/preview'));
  const [confirm, setConfirm] = useState(false);
  const changes = (data && data.changes) || [];
  const pending = changes.filter((c) => c.action !== 'unchanged');
  return html`<${Page} title="Promote to production" crumbs=${[{ href: '/settings', label: 'Settings' }]}>
    <p class="lead">Copies the development environment’s custom events, integrations and released workflows to production. End users, installations and keys are not copied.</p>
    <${ErrorNote} error=${error} />
    ${loading && !data ? html`<${Loading} what="Comparing environments" />` : data && html`
      <table class="table"><caption>What will change in production</caption>
        <thead><tr><th scope="col">Kind</th><th scope="col">Name</th><th scope="col">Change</th><th scope="col">Details</th></tr></thead>
        <tbody>${changes.map((c) => html`<tr class=${`change-${c.action}`}><td>${c.kind}</td><td>${c.name}</td><td><span class=${`badge badge-${c.action}`}>${c.action}</span></td><td>${c.details || ''}</td></tr>`)}</tbody></table>
      <div class="form-actions">
        <button type="button" class="btn btn-primary" disabled=${pending.length === 0} onClick=${() => setConfirm(true)}>
          ${pending.length === 0 ? 'Production is up to date' : `Promote ${pending.length} change${pending.length === 1 ? '' : 's'}`}</button>
      </div>`}
    <${Confirm} open=${confirm} title="Promote to production?" confirmLabel="Promote" onClose=${() => setConfirm(false)}
      message=${`${pending.length} change${pending.length === 1 ? '' : 's'} will be applied to production.`}
      onConfirm=${async () => { await post('/promote'); toast('Promoted to production'); reload(); }} />
  <//>`;
}
