// Executions: every run of the environment, newest first, filtered by workflow, user, status and
// time (the filters live in the URL). Live over /ws: an event updates its row at once and fetches
// the page again (coalesced), so new runs and status changes appear without polling; only while
// the socket is down does the page poll, slowly (live.js). One run's page shows its steps with
// inputs and outputs (secrets redacted by the server), errors and "Rerun".
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { get, post, qs } from '../api.js';
import { navigate, setQuery } from '../router.js';
import { onLive, onLiveState } from '../live.js';
import { Badge, Empty, ErrorNote, JsonView, Loading, Page, Select, ago, fmtTime, toast, useData, useId } from '../ui.js';

const SINCE = { '': 0, '1h': 3600e3, '24h': 86400e3, '7d': 7 * 86400e3, '30d': 30 * 86400e3 };
const PAGE_SIZE = 30;
// Events arriving together cause one fetch: the first waits this long for the rest...
const COALESCE_MS = 250;
// ...and fetches follow each other at most this often, however busy the environment is.
const MIN_FETCH_GAP_MS = 1000;
// The status an execution event announces, as the list shows it.
const EVENT_STATUS = { started: 'running' };
const ID = /^[0-9a-f]{24}$/;

const LIVE_TEXT = { live: 'Live', connecting: 'Connecting…', down: 'Offline: refreshing every 10 s', off: '' };

// Every released workflow of the environment as select options ("Integration · Workflow"), from
// one GET /integrations (which lists each integration's released workflows).
export async function workflowOptions() {
  const integrations = (await get('/integrations')).data;
  return integrations.flatMap((i) => i.workflows.map((w) => ({ value: w.workflowId, label: `${i.name} · ${w.name}` })));
}

// A schedule for fetching again after live events: fn runs once per burst, never more often than
// MIN_FETCH_GAP_MS.
function useCoalesced(fn) {
  const timer = useRef(null);
  const last = useRef(0);
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => () => clearTimeout(timer.current), []);
  return () => {
    if (timer.current) return;
    const wait = Math.max(COALESCE_MS, last.current + MIN_FETCH_GAP_MS - Date.now());
    timer.current = setTimeout(() => { timer.current = null; last.current = Date.now(); latest.current(); }, wait);
  };
}

function UserFilter({ value, onCommit }) {
  const id = useId('user-filter');
  const listId = useId('user-options');
  const named = useData(() => (ID.test(value) ? get(`/users/${value}`).then((u) => u.username || value).catch(() => value) : value), [value]);
  const [text, setText] = useState(value);
  const [options, setOptions] = useState([]);
  useEffect(() => { if (!named.loading) setText(named.data || ''); }, [named.data, named.loading]);
  useEffect(() => {
    const needle = text.trim();
    if (!needle || needle === named.data) { setOptions([]); return undefined; }
    const t = setTimeout(() => {
      get(`/users${qs({ search: needle, limit: 8 })}`).then((r) => setOptions(r.data), () => setOptions([]));
    }, 200);
    return () => clearTimeout(t);
  }, [text]);
  const commit = () => { const v = text.trim(); if (v !== (named.data || '')) onCommit(v); };
  return html`<div class="field">
    <label for=${id}>User</label>
    <input id=${id} type="search" list=${listId} value=${text} placeholder="Any user" autocomplete="off"
      onInput=${(e) => setText(e.currentTarget.value)} onChange=${commit}
      onKeyDown=${(e) => { if (e.key === 'Enter') { e.preventDefault(); commit(); } }} />
    <datalist id=${listId}>${options.map((u) => html`<option value=${u.username}>${u.fullName || ''}</option>`)}</datalist>
  </div>`;
}

export function ExecutionsPage({ query }) {
  const workflowId = query.get('workflowId') || '';
  const userId = query.get('userId') || '';
  const status = query.get('status') || '';
  const range = query.get('range') || '';
  const page = Number(query.get('page') || 0);
  const [liveState, setLiveState] = useState('off');
  const [fresh, setFresh] = useState(new Set());
  const [patched, setPatched] = useState({});
  const workflows = useData(workflowOptions);
  const runs = useData(() => get(`/logs/executions${qs({ workflowId, userId, status, page, limit: PAGE_SIZE,
    since: SINCE[range] ? Date.now() - SINCE[range] : '' })}`).then((r) => { setPatched({}); return r; }),
  [workflowId, userId, status, range, page]);
  const refetch = useCoalesced(runs.reload);
  useEffect(() => onLiveState(setLiveState), []);
  useEffect(() => onLive((e) => {
    if (e.type === 'execution') {
      setFresh((s) => new Set(s).add(e.executionId));
      setPatched((p) => ({ ...p, [e.executionId]: { status: EVENT_STATUS[e.status] || e.status, ...(e.error ? { error: e.error } : {}) } }));
    }
    if (e.type === 'poll' || e.type === 'execution') refetch();
  }), []);
  const rows = ((runs.data && runs.data.data) || []).map((r) => (patched[r.executionId] ? { ...r, ...patched[r.executionId] } : r));
  const filtered = workflowId || userId || status || range;
  const runsError = runs.error && runs.error.status === 404
    ? new Error(/user/.test(runs.error.message) ? `No user “${userId}” in this environment: change the User filter.`
      : 'That workflow does not exist in this environment: change the Workflow filter.')
    : runs.error;
  return html`<${Page} title="Executions" wide>
    <div class="toolbar">
      <${Select} label="Workflow" value=${workflowId} onChange=${(v) => setQuery({ workflowId: v, page: '' })}
        options=${[{ value: '', label: workflows.loading ? 'Loading workflows…' : 'All workflows' }, ...(workflows.data || [])]} />
      <${UserFilter} value=${userId} onCommit=${(v) => setQuery({ userId: v, page: '' })} />
      <${Select} label="Status" value=${status} onChange=${(v) => setQuery({ status: v, page: '' })}
        options=${[['', 'Any status'], ['success', 'Succeeded'], ['error', 'Failed'], ['running', 'Running'], ['queued', 'Queued'], ['stopped', 'Stopped']].map(([value, label]) => ({ value, label }))} />
      <${Select} label="Time" value=${range} onChange=${(v) => setQuery({ range: v, page: '' })}
        options=${[['', 'Any time'], ['1h', 'Last hour'], ['24h', 'Last 24 hours'], ['7d', 'Last 7 days'], ['30d', 'Last 30 days']].map(([value, label]) => ({ value, label }))} />
      ${filtered && html`<button type="button" class="btn btn-ghost" onClick=${() => navigate('/executions')}>Clear filters</button>`}
      <span class=${`live live-${liveState}`} role="status">${LIVE_TEXT[liveState]}</span>
    </div>
    <${ErrorNote} error=${runsError || workflows.error} />
    ${runs.loading && !runs.data ? html`<${Loading} what="Loading runs" />` : runs.error ? null : rows.length === 0
      ? html`<${Empty} title=${filtered ? 'No runs match' : 'No runs yet'}><p class="muted">${filtered
        ? 'Change or clear the filters; new runs that match appear here as they start.'
        : 'Runs appear here as they start: send an event with POST /run/event, or install a workflow.'}</p><//>`
      : html`
      <table class="table"><caption class="sr-only">Executions, newest first</caption>
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
        <button type="button" class="btn" disabled=${rows.length < PAGE_SIZE} onClick=${() => setQuery({ page: page + 1 })}>Older</button>
      </div>`}
  <//>`;
}

export function ExecutionPage({ id }) {
  const { data, error, loading, reload } = useData(() => get(`/logs/executions/${encodeURIComponent(id)}`).then((r) => r.data), [id]);
  const refetch = useCoalesced(reload);
  const finished = !!(data && data.finished);
  useEffect(() => onLive((e) => { if (e.type === 'poll' ? !finished : e.executionId === id) refetch(); }), [id, finished]);
  const [rerunning, setRerunning] = useState(false);
  if (loading && !data) return html`<${Page} title="Execution"><${Loading} what="Loading the run" /><//>`;
  if (!data) return html`<${Page} title="Execution" crumbs=${[{ href: '/executions', label: 'Executions' }]}><${ErrorNote} error=${error} /><//>`;
  const rerun = async () => {
    setRerunning(true);
    try {
      const r = await post(`/workflows/${data.parentWorkflowId}/rerun/${data.executionId}`);
      toast('Rerun queued: this is the new run');
      navigate(`/executions/${r.executionUuid}`);
    } catch (e) { toast(`Not rerun: ${e.message}`, 'error'); } finally { setRerunning(false); }
  };
  const inputs = Object.fromEntries((data.inputs || []).map((i) => [i.stepKey, i.data]));
  const actions = html`<a class="btn" href=${`/workflows/${data.parentWorkflowId}`}>Open workflow</a>
    <button type="button" class="btn btn-primary" disabled=${rerunning} onClick=${rerun}>${rerunning ? 'Rerunning…' : 'Rerun'}</button>`;
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
    ${data.finished && (data.results || []).length === 0 && html`<p class="muted">No step ran.</p>`}
    ${!data.finished && html`<p class="muted" role="status">${data.status === 'queued' ? 'Queued' : 'Running'}… this page updates by itself.</p>`}
  <//>`;
}
