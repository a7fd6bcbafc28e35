// Executions: every run of the environment, newest first, filtered by workflow, user, status and
// time; live over /ws (new runs and status changes appear as they happen). One run's page shows
// its steps with inputs and outputs (secrets redacted by the server), errors and "Rerun".
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { get, post, qs } from '../api.js';
import { navigate, setQuery } from '../router.js';
import { onLive, onLiveState } from '../live.js';
import { Badge, ErrorNote, JsonView, Loading, Page, Select, ago, fmtTime, toast, useData } from '../ui.js';

const SINCE = { '': 0, '1h': 3600e3, '24h': 86400e3, '7d': 7 * 86400e3, '30d': 30 * 86400e3 };

export function ExecutionsPage({ query }) {
  const workflowId = query.get('workflowId') || '';
  const userId = query.get('userId') || '';
  const status = query.get('status') || '';
  const range = query.get('range') || '';
  const page = Number(query.get('page') || 0);
  const [tick, setTick] = useState(0);
  const [liveState, setLiveState] = useState('off');
  const [fresh, setFresh] = useState(new Set());
  const filters = useData(async () => {
    const [integrations, users] = await Promise.all([get('/integrations'), get('/users')]);
    const workflows = [];
    for (const i of integrations.data) {
      const all = await get(`/integrations/${i.integrationId}/workflows`);
      for (const w of all.data) workflows.push({ value: w.workflowId, label: `${i.name} · ${w.name}` });
    }
    return { workflows, users: users.data.map((u) => ({ value: u.userId, label: u.username })) };
  });
  const runs = useData(() => get(`/logs/executions${qs({ workflowId, userId, status, page, limit: 30,
    since: SINCE[range] ? Date.now() - SINCE[range] : '' })}`), [workflowId, userId, status, range, page, tick]);
  useEffect(() => onLiveState(setLiveState), []);
  useEffect(() => onLive((e) => {
    if (e.type === 'poll' || e.type === 'execution' || e.type === 'step') {
      if (e.executionId) setFresh((s) => new Set(s).add(e.executionId));
      setTick((n) => n + 1);
    }
  }), []);
  const f = filters.data || { workflows: [], users: [] };
  const rows = (runs.data && runs.data.data) || [];
  return html`<${Page} title="Executions" wide>
    <div class="toolbar">
      <${Select} label="Workflow" value=${workflowId} onChange=${(v) => setQuery({ workflowId: v, page: '' })} options=${[{ value: '', label: 'All workflows' }, ...f.workflows]} />
      <${Select} label="User" value=${userId} onChange=${(v) => setQuery({ userId: v, page: '' })} options=${[{ value: '', label: 'All users' }, ...f.users]} />
      <${Select} label="Status" value=${status} onChange=${(v) => setQuery({ status: v, page: '' })}
        options=${[['', 'Any status'], ['success', 'Succeeded'], ['error', 'Failed'], ['running', 'Running'], ['queued', 'Queued'], ['stopped', 'Stopped']].map(([value, label]) => ({ value, label }))} />
      <${Select} label="Time" value=${range} onChange=${(v) => setQuery({ range: v, page: '' })}
        options=${[['', 'Any time'], ['1h', 'Last hour'], ['24h', 'Last 24 hours'], ['7d', 'Last 7 days'], ['30d', 'Last 30 days']].map(([value, label]) => ({ value, label }))} />
      <span class=${`live live-${liveState}`} role="status">${liveState === 'live' ? 'Live' : liveState === 'connecting' ? 'Connecting…' : 'Refreshing every 3 s'}</span>
    </div>
    <${ErrorNote} error=${runs.error || filters.error} />
    ${runs.loading && !runs.data ? html`<${Loading} />` : rows.length === 0 ? html`<div class="empty"><p class="empty-title">No runs match</p><p class="muted">Runs appear here as they start.</p></div>` : html`
      <table class="table" aria-live="polite"><caption class="sr-only">Executions, newest first</caption>
        <thead><tr><th scope="col">Started</th><th scope="col">Workflow</th><th scope="col">User</th><th scope="col">Status</th><th scope="col">Error</th></tr></thead>
        <tbody>${rows.map((r) => html`<tr key=${r.executionId} class=${fresh.has(r.executionId) ? 'fresh' : ''}>
          <td><a href=${`/executions/${r.executionId}`}>${fmtTime(r.createdAt)}</a><div class="muted small">${ago(r.createdAt)}</div></td>
          <td>${r.workflowName || r.workflowId} <span class="muted small">v${r.workflowVersion}</span></td>
          <td>${r.username ? html`<a href=${`/users/${r.userId}`}>${r.username}</a>` : r.userId}</td>
          <td><${Badge} status=${r.status} /></td>
          <td class="error-cell">${r.error ? `${r.errorBlock ? `${r.errorBlock}: ` : ''}${r.error}` : ''}</td></tr>`)}</tbody></table>
      <div class="pager">
        <button type="button" class="btn" disabled=${page === 0} onClick=${() => setQuery({ page: page - 1 || '' })}>Newer</button>
        <span class="muted">Page ${page + 1}</span>
        <button type="button" class="btn" disabled=${rows.length < 30} onClick=${() => setQuery({ page: page + 1 })}>Older</button>
      </div>`}
  <//>`;
}

export function ExecutionPage({ id }) {
  const [tick, setTick] = useState(0);
  const { data, error, loading } = useData(() => get(`/logs/executions/${encodeURIComponent(id)}`).then((r) => r.data), [id, tick]);
  useEffect(() => onLive((e) => { if (e.type === 'poll' ? data && !data.finished : e.executionId === id) setTick((n) => n + 1); }), [id, data && data.finished]);
  if (loading && !data) return html`<${Page} title="Execution"><${Loading} /><//>`;
  if (!data) return html`<${Page} title="Execution"><${ErrorNote} error=${error} /><//>`;
  const rerun = async () => {
    try {
      const r = await post(`/workflows/${data.parentWorkflowId}/rerun/${data.executionId}`);
      toast('Rerun queued');
      navigate(`/executions/${r.executionUuid}`);
    } catch (e) { toast(e.message, 'error'); }
  };
  const inputs = Object.fromEntries((data.inputs || []).map((i) => [i.stepKey, i.data]));
  const actions = html`<a class="btn" href=${`/workflows/${data.parentWorkflowId}`}>Open workflow</a>
    <button type="button" class="btn btn-primary" onClick=${rerun}>Rerun</button>`;
  return html`<${Page} title=${`Run of ${data.workflowName}`} actions=${actions} crumbs=${[{ href: '/executions', label: 'Executions' }]}>
    <dl class="facts">
      <div><dt>Status</dt><dd><${Badge} status=${data.status} /></dd></div>
      <div><dt>User</dt><dd><a href=${`/users/${data.userId}`}>${data.username || data.userId}</a></dd></div>
      <div><dt>Version</dt><dd>v${data.workflowVersion}</dd></div>
      <div><dt>Started</dt><dd>${fmtTime(data.startedAt || data.createdAt)}</dd></div>
      <div><dt>Finished</dt><dd>${fmtTime(data.stoppedAt)}</dd></div>
      <div><dt>Attempt</dt><dd>${data.attempt}</dd></div>
    </dl>
    ${data.error && html`<div class="note note-error" role="alert"><strong>${data.errorBlock || 'Error'}:</strong> ${data.error}</div>`}
    ${data.trigger && html`<details class="step" open><summary><span class="step-name">Trigger · ${data.trigger.name}</span></summary>
      <${JsonView} value=${data.trigger.payload} label="Trigger data" /></details>`}
    <ol class="steps">${(data.results || []).map((s) => html`<li><details class=${`step step-${s.status}`} open>
      <summary><span class="step-name">${s.blockName}</span> <code class="muted small">${s.stepKey}</code> <${Badge} status=${s.status} />
        <span class="muted small">${s.startedAt && s.stoppedAt ? `${new Date(s.stoppedAt) - new Date(s.startedAt)} ms` : ''}</span></summary>
      ${s.error && html`<div class="note note-error">${s.error}</div>`}
      <div class="grid-2"><div><h3>Inputs</h3><${JsonView} value=${inputs[s.stepKey]} label=${`Inputs of ${s.blockName}`} /></div>
        <div><h3>Output</h3><${JsonView} value=${s.data && s.data[0] ? s.data[0].json : undefined} label=${`Output of ${s.blockName}`} /></div></div>
    </details></li>`)}</ol>
    ${!data.finished && html`<p class="muted" role="status">Running… this page updates by itself.</p>`}
  <//>`;
}
