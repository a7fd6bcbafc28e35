// Users (the ISV's end users): search, and one user's installations, credentials (names only),
// recent runs, "Deactivate workflows" and "Delete logs" (with a confirmation).
import { useMemo, useState } from 'preact/hooks';
import { html } from '../html.js';
import { del, get, put, qs } from '../api.js';
import { setQuery } from '../router.js';
import { Badge, Confirm, Empty, ErrorNote, Loading, Page, ago, fmtTime, toast, useData, useId } from '../ui.js';

export function UsersPage({ query }) {
  const q = query.get('q') || '';
  const [text, setText] = useState(q);
  const searchId = useId('user-search');
  const { data, error, loading } = useData(() => get('/users').then((r) => r.data));
  const shown = useMemo(() => {
    const needle = q.trim().toLowerCase();
    return (data || []).filter((u) => !needle || `${u.username} ${u.fullName || ''} ${u.userId}`.toLowerCase().includes(needle));
  }, [data, q]);
  return html`<${Page} title="Users">
    <p class="lead">Your customers’ accounts in this environment, created by your backend with <code>POST /users</code>.</p>
    <form class="toolbar" role="search" onSubmit=${(e) => { e.preventDefault(); setQuery({ q: text }); }}>
      <label for=${searchId} class="sr-only">Search users</label>
      <input id=${searchId} type="search" placeholder="Search by username, name or id" value=${text}
        onInput=${(e) => { setText(e.currentTarget.value); setQuery({ q: e.currentTarget.value }); }} />
    </form>
    <${ErrorNote} error=${error} />
    ${loading && !data ? html`<${Loading} />` : data && (shown.length === 0
      ? html`<${Empty} title=${q ? `No user matches “${q}”` : 'No users yet'} />`
      : html`<table class="table"><caption class="sr-only">Users</caption>
          <thead><tr><th scope="col">Username</th><th scope="col">Full name</th><th scope="col">User id</th></tr></thead>
          <tbody>${shown.map((u) => html`<tr><td><a href=${`/users/${u.userId}`}>${u.username}</a></td><td>${u.fullName || html`<span class="muted">—</span>`}</td><td><code>${u.userId}</code></td></tr>`)}</tbody></table>`)}
  <//>`;
}

export function UserPage({ id }) {
  const { data, error, loading, reload } = useData(async () => {
    const [user, installs, creds, integrations, runs] = await Promise.all([
      get(`/users/${encodeURIComponent(id)}`), get('/installations'),
      get(`/users/${encodeURIComponent(id)}/credentials`).catch(() => ({ data: [] })),
      get('/integrations'), get(`/logs/executions${qs({ userId: id, limit: 10 })}`).catch(() => ({ data: [] }))]);
    const u = user.data || user;
    return {
      user: u,
      installs: installs.data.filter((i) => i.userId === u.userId),
      credentials: creds.data || [],
      integrations: Object.fromEntries(integrations.data.map((i) => [i.integrationId, i])),
      runs: runs.data,
    };
  }, [id]);
  const [confirm, setConfirm] = useState(null);
  if (loading && !data) return html`<${Page} title="User"><${Loading} /><//>`;
  if (!data) return html`<${Page} title="User"><${ErrorNote} error=${error} /><//>`;
  const { user, installs, credentials, integrations, runs } = data;
  const actions = html`
    <button type="button" class="btn" onClick=${() => setConfirm('deactivate')}>Deactivate workflows</button>
    <button type="button" class="btn btn-danger-ghost" onClick=${() => setConfirm('logs')}>Delete logs</button>`;
  return html`<${Page} title=${user.username} actions=${actions} crumbs=${[{ href: '/users', label: 'Users' }]}>
    <dl class="facts"><div><dt>Full name</dt><dd>${user.fullName || '—'}</dd></div><div><dt>User id</dt><dd><code>${user.userId}</code></dd></div></dl>
    <div class="grid-2">
      <section class="card"><h2>Installations</h2>
        ${installs.length === 0 ? html`<p class="muted">Nothing installed.</p>` : html`<ul class="plain">
          ${installs.map((i) => html`<li><strong>${(integrations[i.integrationId] || {}).name || i.integrationId}</strong>
            <span class="muted small"> · installed ${ago(i.installedAt)} · </span>${i.enabled === false ? html`<${Badge} status="inactive" />` : html`<${Badge} status="active" />`}
            <ul class="plain small">${(i.workflowIds || []).map((w) => {
              const wf = ((integrations[i.integrationId] || {}).workflows || []).find((x) => x.workflowId === w);
              return html`<li><a href=${`/executions?workflowId=${w}&userId=${user.userId}`}>${wf ? wf.name : w}</a></li>`;
            })}</ul></li>`)}</ul>`}
      </section>
      <section class="card"><h2>Credentials</h2>
        ${credentials.length === 0 ? html`<p class="muted">No connected apps.</p>` : html`<ul class="plain">
          ${credentials.map((c) => html`<li><strong>${c.name || c.type || c.app}</strong> <span class="muted small">${c.type || ''} · ${c.app || ''} ${c.createdAt ? `· added ${ago(c.createdAt)}` : ''}</span></li>`)}</ul>`}
        <p class="muted small">Secrets are never shown.</p>
      </section>
    </div>
    <section class="card"><div class="card-row"><h2>Recent runs</h2><a href=${`/executions?userId=${user.userId}`}>All runs of ${user.username}</a></div>
      ${runs.length === 0 ? html`<p class="muted">No runs.</p>` : html`<table class="table compact"><caption class="sr-only">Recent runs</caption>
        <thead><tr><th scope="col">Started</th><th scope="col">Workflow</th><th scope="col">Status</th></tr></thead>
        <tbody>${runs.map((r) => html`<tr><td><a href=${`/executions/${r.executionId}`}>${fmtTime(r.createdAt)}</a></td><td>${r.workflowName}</td><td><${Badge} status=${r.status} /></td></tr>`)}</tbody></table>`}
    </section>
    <${Confirm} open=${confirm === 'deactivate'} title="Deactivate every workflow of this user?" confirmLabel="Deactivate workflows"
      message=${`${user.username}'s installations stop running until reactivated. Nothing is deleted.`} onClose=${() => setConfirm(null)}
      onConfirm=${async () => { await put(`/users/${user.userId}/deactivate-workflows`); toast('Workflows deactivated'); reload(); }} />
    <${Confirm} open=${confirm === 'logs'} title="Delete this user’s logs?" danger confirmLabel="Delete logs"
      message=${`Every execution, step, error and event payload of ${user.username} is deleted for good. This cannot be undone.`} onClose=${() => setConfirm(null)}
      onConfirm=${async () => { await del(`/users/${user.userId}/logs`); toast('Logs deleted'); reload(); }} />
  <//>`;
}
