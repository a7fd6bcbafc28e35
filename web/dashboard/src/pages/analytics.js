// Analytics: runs and errors per hour or per day, overall or for one workflow, as a chart (uPlot)
// with the same figures as a table for screen readers, and the blocks that fail most.
import { useEffect, useRef } from 'preact/hooks';
import { html } from '../html.js';
import { get, qs } from '../api.js';
import { setQuery } from '../router.js';
import { ErrorNote, Loading, Page, Select, ago, useData } from '../ui.js';
import { workflowOptions } from './executions.js';

export function AnalyticsPage({ query }) {
  const bucket = query.get('bucket') || 'hour';
  const workflowId = query.get('workflowId') || '';
  const workflows = useData(workflowOptions);
  const { data, error, loading } = useData(() => get(`/logs/analytics${qs({ bucket, workflowId, count: bucket === 'hour' ? 24 : 30 })}`), [bucket, workflowId]);
  const rate = data && data.totals.runs ? ((data.totals.errors / data.totals.runs) * 100).toFixed(1) : '0.0';
  return html`<${Page} title="Analytics" wide>
    <div class="toolbar">
      <${Select} label="Workflow" value=${workflowId} onChange=${(v) => setQuery({ workflowId: v })} options=${[{ value: '', label: 'All workflows' }, ...(workflows.data || [])]} />
      <${Select} label="Per" value=${bucket} onChange=${(v) => setQuery({ bucket: v })} options=${[{ value: 'hour', label: 'Hour (last 24 hours)' }, { value: 'day', label: 'Day (last 30 days)' }]} />
    </div>
    <${ErrorNote} error=${error} />
    ${loading && !data ? html`<${Loading} what="Loading analytics" />` : data && html`
      <div class="stats">
        <div class="stat"><span class="stat-value">${data.totals.runs}</span><span class="stat-label">runs</span></div>
        <div class="stat"><span class="stat-value">${data.totals.errors}</span><span class="stat-label">errors</span></div>
        <div class="stat"><span class="stat-value">${rate}%</span><span class="stat-label">error rate</span></div>
      </div>
      <section class="card"><h2>Runs and errors per ${bucket}</h2>
        ${data.totals.runs === 0 && html`<p class="muted">No run ${bucket === 'hour' ? 'in the last 24 hours' : 'in the last 30 days'}${workflowId ? ' of this workflow' : ''}.</p>`}
        <${Chart} series=${data.series} bucket=${bucket} totals=${data.totals} />
        <details><summary>As a table</summary>
          <table class="table compact"><caption class="sr-only">Runs and errors per ${bucket}</caption>
            <thead><tr><th scope="col">${bucket === 'hour' ? 'Hour' : 'Day'}</th><th scope="col">Runs</th><th scope="col">Errors</th></tr></thead>
            <tbody>${data.series.filter((p) => p.runs).map((p) => html`<tr><td>${new Date(p.t).toLocaleString()}</td><td>${p.runs}</td><td>${p.errors}</td></tr>`)}</tbody></table>
        </details>
      </section>
      <section class="card"><h2>Top failing blocks</h2>
        ${data.topFailingBlocks.length === 0 ? html`<p class="muted">No errors in this period.</p>` : html`
          <table class="table compact"><caption class="sr-only">Top failing blocks</caption>
            <thead><tr><th scope="col">Block</th><th scope="col">Workflow</th><th scope="col">Errors</th><th scope="col">Last</th></tr></thead>
            <tbody>${data.topFailingBlocks.map((b) => html`<tr><td><code>${b.block || '—'}</code></td>
              <td><a href=${`/executions?workflowId=${b.workflowId}&status=error`}>${b.workflowName || b.workflowId}</a></td><td>${b.errors}</td><td>${ago(b.lastAt)}</td></tr>`)}</tbody></table>`}
      </section>`}
  <//>`;
}

function Chart({ series, bucket, totals }) {
  const host = useRef(null);
  useEffect(() => {
    let chart = null;
    let alive = true;
    import('../charts.js').then(({ runsChart }) => {
      if (!alive || !host.current) return;
      chart = runsChart(host.current, { series, bucket, width: Math.max(300, host.current.clientWidth) });
    });
    return () => { alive = false; if (chart) chart.destroy(); };
  }, [series, bucket]);
  return html`<div ref=${host} class="chart" role="img" aria-label=${`Chart of runs and errors per ${bucket}: ${totals.runs} runs, ${totals.errors} errors in all`}></div>`;
}
