// GET /metrics in Prometheus' text format: behind --metrics-token on the API's address (404 without
// one, 401 with the wrong one), or without a token on --metrics-listen; every series
// docs/operations.md lists is served (and every series served is listed there); the counters move
// with the requests, events, executions and websockets they count; the Grafana dashboard in
// packaging/ queries only series that exist. And --log-format json: the access and server logs as
// one JSON object per line with the text lines' fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { BIN, startServer, api, waitUntil } from './server.mjs';
import { connectWs } from './wsclient.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const V = '/2024-03';
const TOKEN = 'metrics-token-0123456789abcdef';

// Parses the text format: {name: [{labels, value}]}, checking every line's syntax on the way.
function parse(text) {
  const series = {};
  const typed = new Set();
  for (const line of text.split('\n')) {
    if (!line) continue;
    let m = line.match(/^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/);
    if (m) {
      if (m[1] === 'TYPE') {
        assert.match(m[3], /^(counter|gauge|histogram)$/, line);
        typed.add(m[2]);
      }
      continue;
    }
    m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+]+|\+Inf|NaN)$/);
    assert.ok(m, `not a sample line: ${line}`);
    const labels = {};
    for (const [, k, v] of (m[2] || '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    const base = m[1].replace(/_(bucket|sum|count)$/, '');
    assert.ok(typed.has(m[1]) || typed.has(base), `${m[1]} has no # TYPE line`);
    (series[m[1]] ||= []).push({ labels, value: Number(m[3]) });
  }
  return series;
}

const value = (series, name, want = {}) => (series[name] || [])
  .filter((s) => Object.entries(want).every(([k, v]) => s.labels[k] === v))
  .reduce((a, s) => a + s.value, 0);

async function scrape(url, token) {
  const res = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

// The metric names docs/operations.md lists (its table's first column, in backquotes).
function documented() {
  const doc = readFileSync(path.join(here, '../../docs/operations.md'), 'utf8');
  return new Set([...doc.matchAll(/^\| `((?:solder|process)_[a-z_]+)`/gm)].map((m) => m[1]));
}

test('/metrics: behind its token on the API address, without one on --metrics-listen', async () => {
  let s = await startServer(['--rate-limit', 'off']);
  try {
    const none = await api(s, 'GET', '/metrics', { key: null });
    assert.equal(none.status, 404, 'not served without --metrics-token');
    assert.match(none.body.message, /--metrics-token/);
  } finally {
    await s.stop();
  }
  const short = spawnSync(BIN, ['serve', '--metrics-token', 'short'], { encoding: 'utf8' });
  assert.equal(short.status, 2);
  assert.match(short.stderr, /16 to 128 characters/);

  s = await startServer(['--rate-limit', 'off', '--metrics-token', TOKEN, '--metrics-listen', '127.0.0.1:0']);
  try {
    assert.equal((await api(s, 'GET', '/metrics', { key: null })).status, 401);
    assert.equal((await api(s, 'GET', '/metrics', { key: `${TOKEN}x` })).status, 401);
    assert.equal((await api(s, 'GET', '/metrics')).status, 401, 'an API key is not the metrics token');
    const ok = await scrape(`${s.url}/metrics`, TOKEN);
    assert.equal(ok.status, 200);
    assert.match(ok.type, /^text\/plain; version=0\.0\.4/);
    parse(ok.text);
    const at = s.output().match(/metrics +(http:\/\/[0-9.]+:\d+)\/metrics/);
    assert.ok(at, s.output());
    const own = await scrape(`${at[1]}/metrics`);
    assert.equal(own.status, 200, 'no token on the metrics address');
    assert.ok(parse(own.text).solder_build_info);
    assert.equal((await scrape(`${at[1]}/users`)).status, 404, 'only /metrics is served there');
  } finally {
    await s.stop();
  }
});

test('every documented series is served and moves with what it counts; the dashboard uses them', async () => {
  const s = await startServer(['--rate-limit', 'key=1000/2000', '--metrics-token', TOKEN, '--workers', '1']);
  try {
    const read = async () => parse((await scrape(`${s.url}/metrics`, TOKEN)).text);
    const before = await read();
    assert.equal((await api(s, 'POST', `${V}/events`, { body: { name: 'Ping', body: { n: 'Number' } } })).status, 200);
    const user = await api(s, 'POST', `${V}/users`, { body: { username: 'metered' } });
    const userId = user.body.userId;
    const integrationId = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'M', app: 'http' } })).body.integrationId;
    const wf = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition: {
      name: 'Counted', trigger: { type: 'customEvent', event: 'Ping' },
      blocks: [{ id: 'ok', type: 'transform', inputs: { vars: '{"n": event.n}' } }] } } });
    assert.equal(wf.body.valid, true, JSON.stringify(wf.body));
    assert.equal((await api(s, 'POST', `${V}/workflows/${wf.body.workflowId}/release`)).status, 200);
    const start = await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId, integrationId } });
    assert.equal((await api(s, 'POST', `${V}/headless/completeInstallation`,
      { body: { installationId: start.body.installationId, data: [] } })).status, 200);
    for (let i = 0; i < 5; i++) {
      const r = await api(s, 'POST', `${V}/run/event`, { body: { event: 'Ping', userId, data: { n: i } } });
      assert.equal(r.status, 200, r.text);
    }
    assert.equal((await api(s, 'GET', `${V}/users/nobody-here`)).status, 404);
    const ws = await connectWs(`${s.url}/ws`);
    ws.send(JSON.stringify({ type: 'auth', apiKey: s.key }));
    await ws.until((m) => m.some((x) => x.type === 'ready'));
    await waitUntil('five successes', async () => value(await read(), 'solder_executions_total', { outcome: 'success' })
      - value(before, 'solder_executions_total', { outcome: 'success' }) >= 5);
    const after = await read();
    ws.close();

    // Each documented series is served, and each served one is documented.
    const listed = documented();
    assert.ok(listed.size >= 14, `${listed.size} series documented`);
    const served = new Set(Object.keys(after).map((n) => n.replace(/_(bucket|sum|count)$/, '')));
    for (const name of listed) assert.ok(served.has(name), `${name} is documented but not served`);
    for (const name of served) assert.ok(listed.has(name), `${name} is served but not in docs/operations.md`);

    const delta = (name, labels) => value(after, name, labels) - value(before, name, labels);
    assert.equal(delta('solder_http_requests_total', { route: '/run/event', method: 'POST', status: '200' }), 5);
    assert.equal(delta('solder_http_requests_total', { route: '/users/:userId', method: 'GET', status: '404' }), 1);
    assert.equal(delta('solder_events_accepted_total'), 5);
    assert.ok(delta('solder_executions_total', { outcome: 'success' }) >= 5);
    assert.ok(value(after, 'solder_http_request_duration_seconds_count', { route: '/run/event' }) >= 5);
    const inf = after.solder_http_request_duration_seconds_bucket
      .find((b) => b.labels.route === '/run/event' && b.labels.le === '+Inf');
    assert.equal(inf.value, value(after, 'solder_http_request_duration_seconds_count', { route: '/run/event' }),
      'the +Inf bucket holds every observation');
    assert.equal(value(after, 'solder_websockets_open'), 1);
    assert.ok(value(after, 'solder_store_size_bytes') > 4096);
    assert.ok(value(after, 'solder_store_wal_size_bytes') >= 0);
    assert.ok(value(after, 'process_resident_memory_bytes') > 1e6);
    assert.ok(value(after, 'process_cpu_seconds_total') > 0);
    for (const state of ['queued', 'running']) assert.ok(after.solder_queue_executions.some((q) => q.labels.state === state));
    await waitUntil('the socket counted as closed', async () => value(await read(), 'solder_websockets_open') === 0);

    // The Grafana dashboard queries only series that exist.
    const dash = JSON.parse(readFileSync(path.join(here, '../../packaging/grafana-dashboard.json'), 'utf8'));
    const exprs = dash.panels.flatMap((p) => (p.targets || []).map((t) => t.expr));
    assert.ok(exprs.length >= 8, `${exprs.length} queries`);
    for (const expr of exprs) {
      const names = [...expr.matchAll(/\b((?:solder|process)_[a-z_]+)/g)].map((m) => m[1].replace(/_(bucket|sum|count)$/, ''));
      assert.ok(names.length, expr);
      for (const n of names) assert.ok(served.has(n), `the dashboard queries ${n}, which is not served`);
    }
  } finally {
    await s.stop();
  }
});

test('--log-format json: access and server log lines are JSON objects with the text lines\' fields', async () => {
  const bad = spawnSync(BIN, ['serve', '--log-format', 'xml'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /text or json/);
  const text = await startServer(['--rate-limit', 'off']);
  await api(text, 'GET', '/healthz', { key: null });
  await api(text, 'GET', `${V}/users/nobody`);
  await text.stop();
  assert.match(text.output(), /^solder: listening on http:/m);
  assert.match(text.output(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S+ GET \/2024-03\/users\/nobody 404 [0-9.]+ms$/m);

  const s = await startServer(['--rate-limit', 'off', '--log-format', 'json']);
  await api(s, 'GET', '/healthz', { key: null });
  await api(s, 'GET', `${V}/users/nobody?q="quoted"`);
  await waitUntil('the access lines', () => s.output().includes('nobody'));
  assert.equal(await s.stop(), 0);
  const lines = s.output().trim().split('\n');
  const objects = lines.map((l) => { try { return JSON.parse(l); } catch { assert.fail(`not JSON: ${l}`); } });
  for (const o of objects) {
    assert.match(o.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(['info', 'error'].includes(o.level));
  }
  const listening = objects.find((o) => /^listening on http:/.test(o.message || ''));
  assert.ok(listening, 'the server notices are JSON too');
  assert.ok(objects.some((o) => o.message === 'stopped'));
  const access = objects.filter((o) => o.kind === 'access');
  const miss = access.find((o) => o.path.startsWith('/2024-03/users/nobody'));
  assert.deepEqual(Object.keys(miss).sort(), ['durationMs', 'kind', 'level', 'method', 'path', 'requestId', 'status', 'time']);
  assert.equal(miss.method, 'GET');
  assert.equal(miss.status, 404);
  assert.equal(typeof miss.durationMs, 'number');
  assert.ok(access.some((o) => o.path === '/healthz' && o.status === 200));
});
