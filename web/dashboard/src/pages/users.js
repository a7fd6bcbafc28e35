// Users (the ISV's end users): searched and paged by the server (GET /users?search=&page=), and
// one user's installations (each workflow active or not, with Activate), credentials (names
// only), recent runs, "Deactivate workflows" and "Delete logs" (each after a confirmation).
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { del, get, put, qs } from '../api.js';
import { setQuery } from '../router.js';
import { AppIcon, Badge, Confirm, Empty, ErrorNote, Loading, Page, ago, fmtTime, toast, useData, useId } from '../ui.js';

const PAGE_SIZE = 25;
// Typing pauses this long before the search goes to the server.
const SEARCH_DELAY_MS = 250;

export function UsersPage({ query }) {
  const q = query.get('q') || '';
  const page = Number(query.get('page') || 0);
  const [text, setText] = useState(q);
  const searchId = useId('user-search');
  useEffect(() => setText(q), [q]);
  useEffect(() => {
    if (text.trim() === q) return undefined;
    const t = setTimeout(() => setQuery({ q: text.trim(), page: '' }), SEARCH_DELAY_MS);
    return () => clearTimeout(t);
  }, [text]);
  const { data, error, loading } = useData(() => get(`/users${qs({ search: q, page, limit: PAGE_SIZE })}`), [q, page]);
  const rows = (data && data.data) || [];
  const total = data ? data.total : 0;
  const first = page * PAGE_SIZE;
  return html`<${Page} title="Users">
    <p class="lead">Your customers’ accounts in this environment, created by your backend with <code>POST /users</code>.</p>
    <form class="toolbar" role="search" onSubmit=${(e) => { e.preventDefault(); setQuery({ q: text.trim(), page: '' }); }}>
      <div class="field"><label for=${searchId}>Search users</label>
        <input id=${searchId} type="search" placeholder="Username, name or user id" value=${text}
          onInput=${(e) => setText(e.currentTarget.value)} /></div>
      ${loading && data && html`<span class="muted small" role="status">Searching…</span>`}
    </form>
    <${ErrorNote} error=${error} />
    ${loading && !data ? html`<${Loading} what="Loading users" />` : data && (rows.length === 0
      ? html`<${Empty} title=${q ? `No user matches “${q}”` : page > 0 ? 'No more users' : 'No users yet'}>
          ${!q && page === 0 && html`<p class="muted">Your backend creates one per customer account: <code>POST /users {"username": "…"}</code>.</p>`}<//>`
      : html`<p class="muted small" role="status">${total === 1 ? '1 user' : `${first + 1}–${first + rows.length} of ${total} users`}${q ? ` matching “${q}”` : ''}</p>
        <table class="table"><caption class="sr-only">Users${q ? ` matching ${q}` : ''}, newest first</caption>
          <thead><tr><th scope="col">Username</th><th scope="col">Full name</th><th scope="col">User id</th><th scope="col">Created</th></tr></thead>
          <tbody>${rows.map((u) => html`<tr key=${u.userId}><td><a href=${`/users/${u.userId}`}>${u.username}</a></td>
            <td>${u.fullName || html`<span class="muted">—</span>`}</td><td><code>${u.userId}</code></td><td>${ago(u.createdAt)}</td></tr>`)}</tbody></table>
        <div class="pager">
          <button type="button" class="btn" disabled=${page === 0} onClick=${() => setQuery({ page: page - 1 || '' })}>Previous</button>
          <span class="muted">Page ${page + 1} of ${Math.max(1, Math.ceil(total / PAGE_SIZE))}</span>
          <button type="button" class="btn" disabled=${first + rows.length >= total} onClick=${() => setQuery({ page: page + 1 })}>Next</button>
        </div>`)}
  <//>`;
}

export function UserPage({ id }) {
  const { data, error, loading, reload } = useData(async () => {
    const user = await get(`/users/${encodeURIComponent(id)}`);
    const [integrations, creds, runs] = await Promise.all([
      get(`/integrations${qs({ userId: user.userId })}`),
      get(`/users/${user.userId}/credentials`),
      get(`/logs/executions${qs({ userId: user.userId, limit: 10 })}`)]);
    return {
      user,
      installed: integrations.data.filter((i) => i.installed)
        .map((i) => ({ ...i, workflows: i.workflows.filter((w) => w.installed) })),
      credentials: creds.data || [],
      runs: runs.data,
    };
  }, [id]);
  const [confirm, setConfirm] = useState(null);
  const [busy, setBusy] = useState(null);
  if (loading && !data) return html`<${Page} title="User"><${Loading} what="Loading the user" /><//>`;
  if (!data) return html`<${Page} title="User" crumbs=${[{ href: '/users', label: 'Users' }]}><${ErrorNote} error=${error} /><//>`;
  const { user, installed, credentials, runs } = data;
  const active = installed.reduce((n, i) => n + i.workflows.filter((w) => w.active).length, 0);
  const activate = async (w) => {
    setBusy(w.workflowId);
    try {
      await put('/workflows/activate', { userId: user.userId, workflowId: w.workflowId });
      toast(`${w.name} activated for ${user.username}`);
      await reload();
    } catch (e) { toast(`Not activated: ${e.message}`, 'error'); } finally { setBusy(null); }
  };
  const actions = html`
    <button type="button" class="btn" disabled=${active === 0} title=${active === 0 ? 'No active workflow' : undefined}
      onClick=${() => setConfirm('deactivate')}>Deactivate workflows</button>
    <button type="button" class="btn btn-danger-ghost" onClick=${() => setConfirm('logs')}>Delete logs</button>`;
  return html`<${Page} title=${user.username} actions=${actions} crumbs=${[{ href: '/users', label: 'Users' }]}>
    <dl class="facts"><div><dt>Full name</dt><dd>${user.fullName || '—'}</dd></div><div><dt>User id</dt><dd><code>${user.userId}</code></dd></div>
      <div><dt>Active workflows</dt><dd>${active}</dd></div></dl>
    <div class="grid-2">
      <section class="card" aria-labelledby="installs-title"><h2 id="installs-title">Installations</h2>
        ${installed.length === 0 ? html`<p class="muted">Nothing installed yet: the user installs from your product (the install modal).</p>` : html`<ul class="plain installs">
          ${installed.map((i) => html`<li><div class="card-row"><${AppIcon} icon=${i.icon} name=${i.name} size=${24} /><strong>${i.name}</strong></div>
            <ul class="plain small">${i.workflows.map((w) => html`<li class="install-row">
              <a href=${`/executions?workflowId=${w.workflowId}&userId=${user.userId}`}>${w.name}</a>
              <span class="muted">v${w.installedVersion}${w.version > w.installedVersion ? ` (v${w.version} released)` : ''}</span>
              <${Badge} status=${w.active ? 'active' : 'inactive'} />
              ${!w.active && html`<button type="button" class="btn btn-small" disabled=${busy === w.workflowId}
                aria-label=${`Activate ${w.name} for ${user.username}`} onClick=${() => activate(w)}>Activate</button>`}
            </li>`)}</ul></li>`)}</ul>`}
      </section>
      <section class="card" aria-labelledby="creds-title"><h2 id="creds-title">Credentials</h2>
        ${credentials.length === 0 ? html`<p class="muted">No connected apps.</p>` : html`<ul class="plain">
          ${credentials.map((c) => html`<li><strong>${c.name || c.type}</strong> <span class="muted small">${c.type}${c.createdAt ? ` · added ${ago(c.createdAt)}` : ''}</span></li>`)}</ul>`}
        <p class="muted small">Names only: secrets are never shown.</p>
      </section>
    </div>
    <section class="card" aria-labelledby="runs-title"><div class="card-row"><h2 id="runs-title">Recent runs</h2><a href=${`/executions?userId=${user.userId}`}>All runs of ${user.username}</a></div>
      ${runs.length === 0 ? html`<p class="muted">No runs.</p>` : html`<table class="table compact"><caption class="sr-only">Recent runs</caption>
        <thead><tr><th scope="col">Started</th><th scope="col">Workflow</th><th scope="col">Status</th></tr></thead>
        <tbody>${runs.map((r) => html`<tr><td><a href=${`/executions/${r.executionId}`}>${fmtTime(r.createdAt)}</a></td><td>${r.workflowName}</td><td><${Badge} status=${r.status} /></td></tr>`)}</tbody></table>`}
    </section>
    <${Confirm} open=${confirm === 'deactivate'} title="Deactivate every workflow of this user?" confirmLabel="Deactivate workflows"
      message=${`${active} active workflow${active === 1 ? '' : 's'} of ${user.username} stop running until activated again. Nothing is deleted.`} onClose=${() => setConfirm(null)}
      onConfirm=${async () => { await put(`/users/${user.userId}/deactivate-workflows`); toast(`Workflows of ${user.username} deactivated`); await reload(); }} />
    <${Confirm} open=${confirm === 'logs'} title="Delete this user’s logs?" danger confirmLabel="Delete logs"
      message=${`Every execution, step, error and event payload of ${user.username} is deleted for good. This cannot be undone.`} onClose=${() => setConfirm(null)}
      onConfirm=${async () => { await del(`/users/${user.userId}/logs`); toast(`Logs of ${user.username} deleted`); await reload(); }} />
  <//>`;
}
