// Integrations: the list (app icons, workflows, installs), "New Integration" with a searchable
// chooser of the loaded connectors, and one integration's page with its workflows and
// "New Workflow".
import { useMemo, useState } from 'preact/hooks';
import { html } from '../html.js';
import { ApiError, get, post } from '../api.js';
import { navigate } from '../router.js';
import { AppIcon, Dialog, Empty, ErrorNote, Loading, Page, ago, useData, useId } from '../ui.js';

export async function loadApps() {
  return (await get('/metadata/apps')).data;
}

// Distinct users with an installation, per integration.
function installCounts(installations) {
  const users = {};
  for (const i of installations) (users[i.integrationId] ||= new Set()).add(i.userId);
  return Object.fromEntries(Object.entries(users).map(([k, v]) => [k, v.size]));
}

export function IntegrationsPage() {
  const { data, error, loading } = useData(async () => {
    const [integrations, installations] = await Promise.all([
      get('/integrations'), get('/installations')]);
    return { integrations: integrations.data, installs: installCounts(installations.data) };
  });
  const [choosing, setChoosing] = useState(false);
  const actions = html`<button type="button" class="btn btn-primary" onClick=${() => setChoosing(true)}>New Integration</button>`;
  return html`<${Page} title="Integrations" actions=${actions}>
    <p class="lead">Each integration connects your product to one app. Your users install its workflows from inside your product.</p>
    <${ErrorNote} error=${error} />
    ${loading && !data ? html`<${Loading} />` : data && (data.integrations.length === 0
      ? html`<${Empty} title="No integrations yet">
          <p>Start with the app your customers ask for most.</p>
          <button type="button" class="btn btn-primary" onClick=${() => setChoosing(true)}>New Integration</button>
        <//>`
      : html`<ul class="card-grid" aria-label="Integrations">
          ${data.integrations.map((i) => html`<li key=${i.integrationId}>
            <a class="card card-link" href=${`/integrations/${i.integrationId}`}>
              <div class="card-row"><${AppIcon} icon=${i.icon} name=${i.name} size=${40} />
                <div><div class="card-title">${i.name}</div><div class="muted small">${i.app}</div></div></div>
              <div class="card-stats">
                <span><strong>${i.workflows.length}</strong> released workflow${i.workflows.length === 1 ? '' : 's'}</span>
                <span><strong>${data.installs[i.integrationId] || 0}</strong> install${data.installs[i.integrationId] === 1 ? '' : 's'}</span>
              </div>
            </a></li>`)}
        </ul>`)}
    <${AppChooser} open=${choosing} onClose=${() => setChoosing(false)} />
  <//>`;
}

function AppChooser({ open, onClose }) {
  const apps = useData(() => (open ? loadApps() : null), [open]);
  const [q, setQ] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const searchId = useId('search');
  const shown = useMemo(() => (apps.data || []).filter((a) =>
    `${a.displayName} ${a.name} ${a.description || ''}`.toLowerCase().includes(q.trim().toLowerCase())), [apps.data, q]);
  const create = async (app) => {
    setBusy(true); setError(null);
    try {
      let name = app.displayName;
      for (let n = 2; ; n++) {
        try {
          const r = await post('/integrations', { name, app: app.name, icon: app.icon });
          onClose();
          navigate(`/integrations/${r.integrationId}`);
          return;
        } catch (e) {
          if (!(e instanceof ApiError && e.status === 409) || n > 20) throw e;
          name = `${app.displayName} ${n}`;
        }
      }
    } catch (e) { setError(e); } finally { setBusy(false); }
  };
  return html`<${Dialog} open=${open} title="New Integration" onClose=${onClose} size="dialog-wide">
    <div class="field">
      <label for=${searchId}>Search apps</label>
      <input id=${searchId} type="search" value=${q} onInput=${(e) => setQ(e.currentTarget.value)} placeholder="BigCommerce, Shopify…" autofocus />
    </div>
    <${ErrorNote} error=${error || apps.error} />
    ${apps.loading ? html`<${Loading} what="Loading apps" />` : html`
      <ul class="app-list" aria-label="Apps">
        ${shown.map((a) => html`<li key=${a.name}>
          <button type="button" class="app-choice" disabled=${busy} onClick=${() => create(a)}>
            <${AppIcon} icon=${a.icon} name=${a.displayName} size=${36} />
            <span><span class="app-name">${a.displayName}</span>
              <span class="muted small">${a.actions.length} actions · ${a.triggers.length} triggers</span></span>
          </button></li>`)}
        ${shown.length === 0 && html`<li class="muted">No app matches “${q}”.</li>`}
      </ul>`}
  <//>`;
}

export async function newWorkflow(integrationId) {
  for (let n = 1; n < 50; n++) {
    const name = n === 1 ? 'Untitled Workflow' : `Untitled Workflow ${n}`;
    try {
      const r = await post('/workflows', { integrationId, definition: { name, blocks: [] } });
      return r.workflowId;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 409)) throw e;
    }
  }
  throw new Error('Too many untitled workflows: rename some first.');
}

export function IntegrationPage({ id }) {
  const { data, error, loading } = useData(async () => {
    const [integ, wfs, installs] = await Promise.all([
      get(`/integrations/${encodeURIComponent(id)}`),
      get(`/integrations/${encodeURIComponent(id)}/workflows`),
      get('/installations')]);
    const counts = {};
    for (const i of installs.data) {
      if (i.integrationId !== integ.data.integrationId) continue;
      for (const w of i.workflowIds || []) counts[w] = (counts[w] || 0) + 1;
    }
    return { integration: integ.data, workflows: wfs.data, counts };
  }, [id]);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState(null);
  const create = async () => {
    setBusy(true); setErr(null);
    try { navigate(`/workflows/${await newWorkflow(data.integration.integrationId)}`); } catch (e) { setErr(e); setBusy(false); }
  };
  if (loading && !data) return html`<${Page} title="Integration"><${Loading} /><//>`;
  if (!data) return html`<${Page} title="Integration"><${ErrorNote} error=${error} /><//>`;
  const { integration, workflows, counts } = data;
  const actions = html`<button type="button" class="btn btn-primary" disabled=${busy} onClick=${create}>New Workflow</button>`;
  return html`<${Page} title=${integration.name} actions=${actions} crumbs=${[{ href: '/integrations', label: 'Integrations' }]}>
    <div class="integration-head"><${AppIcon} icon=${integration.icon} name=${integration.name} size=${48} />
      <p class="muted">${integration.description || `Workflows that connect your product with ${integration.app}.`}</p></div>
    <${ErrorNote} error=${err || error} />
    ${workflows.length === 0
      ? html`<${Empty} title="No workflows yet"><p>A workflow is one trigger and the steps that follow it.</p>
          <button type="button" class="btn btn-primary" disabled=${busy} onClick=${create}>New Workflow</button><//>`
      : html`<table class="table">
          <caption class="sr-only">Workflows of ${integration.name}</caption>
          <thead><tr><th scope="col">Workflow</th><th scope="col">Trigger</th><th scope="col">Released</th><th scope="col">Installs</th><th scope="col">Edited</th></tr></thead>
          <tbody>${workflows.map((w) => html`<tr key=${w.workflowId}>
            <td><a href=${`/workflows/${w.workflowId}`}>${w.name}</a></td>
            <td>${triggerLabel(w.draft && w.draft.trigger)}</td>
            <td>${w.version > 0 ? html`<span class="badge badge-success">v${w.version}</span>` : html`<span class="badge">draft</span>`}</td>
            <td>${counts[w.workflowId] || 0}</td>
            <td>${ago(w.updatedAt)}</td></tr>`)}</tbody>
        </table>`}
  <//>`;
}

export function triggerLabel(t) {
  if (!t || !t.type) return 'No trigger yet';
  switch (t.type) {
    case 'customEvent': return `Custom Event: ${t.event || '—'}`;
    case 'app': return `${t.app} · ${t.trigger}`;
    case 'schedule': return `Schedule: ${t.cron || '—'}`;
    case 'webhook': return 'Webhook';
    case 'onInstallation': return 'On installation';
    case 'manual': return 'Manual';
    default: return t.type;
  }
}
