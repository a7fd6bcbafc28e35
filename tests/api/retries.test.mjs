// Deterministic failures are not retried (issue 14, item 4): a host name DNS says does not exist,
// an address the network guard blocks and a 4xx other than 408/429 fail at the first attempt with
// a clear error; 408, 429 and 5xx are retried, and an execution waiting for its next attempt shows
// in the workflow's errors as retrying, until an attempt succeeds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { startServer, api, waitUntil, storeSql } from './server.mjs';
import { startSink } from './sink.mjs';

const V = '/2024-03';
const MISSING_HOST = 'solder-no-such-host.invalid';
let s;
let sink;
let integrationId;
let userId;

const sql = (query) => storeSql(s, query);

before(async () => {
  sink = await startSink();
  // The sink's port only: everything else private stays behind the network guard.
  s = await startServer(['--allow-hosts', new URL(sink.url).host]);
  integrationId = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'Calls' } })).body.integrationId;
  userId = (await api(s, 'POST', `${V}/users`, { body: { username: 'caller' } })).body.userId;
});

after(async () => {
  assert.equal(await s.stop(), 0);
  await sink.close();
});

// A released and installed webhook-triggered workflow calling url; returns its id.
async function calling(name, url) {
  const c = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition: {
    name, trigger: { type: 'webhook' },
    blocks: [{ id: 'call', name: 'Call', type: 'http', inputs: { method: "'POST'", url: `'${url}'`, body: '{"n": 1}' } }] } } });
  assert.equal(c.body.valid, true, JSON.stringify(c.body));
  assert.equal((await api(s, 'POST', `${V}/workflows/${c.body.workflowId}/release`)).status, 200);
  const start = await api(s, 'POST', `${V}/headless/startInstallation`,
    { body: { userId, integrationId, workflowIds: [c.body.workflowId] } });
  await api(s, 'POST', `${V}/headless/completeInstallation`, { body: { installationId: start.body.installationId, data: [] } });
  return c.body.workflowId;
}

async function run(workflowId) {
  const r = await api(s, 'POST', `${V}/run/workflow`, { body: { workflowId, userId, data: {} } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.executionId;
}

async function execution(workflowId, id) {
  const logs = await api(s, 'GET', `${V}/workflows/${workflowId}/logs?limit=30`);
  return logs.body.data.find((x) => x.executionId === id);
}

async function finished(workflowId, id) {
  return waitUntil(`execution ${id}`, async () => {
    const x = await execution(workflowId, id);
    return x?.finished ? x : null;
  });
}

const errorsOf = async (workflowId) => (await api(s, 'GET', `${V}/workflows/${workflowId}/errors`)).body.data;

test('a host name that does not exist fails at once, saying so', async () => {
  const wf = await calling('Missing host', `http://${MISSING_HOST}/orders`);
  const id = await run(wf);
  // The machine's resolver decides: a name it calls missing fails at once; a resolver that cannot
  // answer (no DNS at all) leaves the lookup failure retryable.
  const code = await lookup(MISSING_HOST).then(() => 'FOUND', (e) => e.code);
  if (code === 'ENOTFOUND') {
    const x = await finished(wf, id);
    assert.equal(x.status, 'error');
    assert.equal(x.attempt, 1, 'not retried');
    assert.equal(x.error, `POST http://${MISSING_HOST}/orders: the host ${MISSING_HOST} does not exist (DNS name not found)`);
    const e = (await errorsOf(wf)).find((y) => y.executionId === id);
    assert.equal(e.status, 'failed');
  } else {
    console.log(`retries: the resolver answers ${code} for ${MISSING_HOST}: checking that the failure is retried`);
    const e = await waitUntil('the retrying entry', async () => (await errorsOf(wf)).find((y) => y.executionId === id));
    assert.equal(e.status, 'retrying');
  }
});

test('an address the network guard blocks fails at once, saying so', async () => {
  const wf = await calling('Private address', 'http://10.20.30.40/orders');
  const x = await finished(wf, await run(wf));
  assert.equal(x.status, 'error');
  assert.equal(x.attempt, 1);
  assert.match(x.error, /refused: 10\.20\.30\.40 is a private address \(allow it with --allow-private-network\)/);
  const loop = await calling('Loopback address', 'http://127.0.0.1:9/orders');
  const y = await finished(loop, await run(loop));
  assert.equal(y.attempt, 1);
  assert.match(y.error, /127\.0\.0\.1 is a loopback address/);
});

test('4xx other than 408 and 429 fail at once; 408, 429 and 5xx are retried', async () => {
  for (const status of [400, 401, 403, 404, 409, 422]) {
    sink.plan(`/status/${status}`, [status]);
    const wf = await calling(`Answers ${status}`, `${sink.url}/status/${status}`);
    const x = await finished(wf, await run(wf));
    assert.equal(x.status, 'error', `${status}`);
    assert.equal(x.attempt, 1, `${status} is not retried`);
    assert.match(x.error, new RegExp(`HTTP ${status}`));
    assert.equal(sink.on(`/status/${status}`).length, 1);
  }
  for (const status of [408, 429, 500, 503]) {
    sink.plan(`/status/${status}`, [status]);
    const wf = await calling(`Answers ${status}`, `${sink.url}/status/${status}`);
    const x = await finished(wf, await run(wf));
    assert.equal(x.status, 'success', `${status} then 200`);
    assert.equal(x.attempt, 2, `${status} is retried`);
  }
});

test('an execution waiting for its next attempt is listed as retrying, then leaves the list', async () => {
  sink.plan('/busy', [{ status: 503, headers: { 'Retry-After': '60' } }]);
  const wf = await calling('Busy receiver', `${sink.url}/busy`);
  const id = await run(wf);
  const e = await waitUntil('the retrying entry', async () => (await errorsOf(wf)).find((y) => y.executionId === id));
  assert.equal(e.status, 'retrying');
  assert.equal(e.type, 'execution');
  assert.equal(e.attempt, 1);
  assert.equal(e.block, 'Call');
  assert.match(e.message, /HTTP 503/);
  const wait = Date.parse(e.nextAttemptAt) - Date.parse(e.errorOccurredAt);
  assert.ok(wait >= 55000 && wait <= 61000, `the receiver's Retry-After is honoured (${wait} ms)`);
  assert.equal((await execution(wf, id)).status, 'queued');
  sql(`UPDATE executions SET run_at = 0 WHERE id = '${id}'`);
  const x = await finished(wf, id);
  assert.equal(x.status, 'success');
  assert.equal(x.attempt, 2);
  assert.equal((await errorsOf(wf)).find((y) => y.executionId === id), undefined, 'no longer listed');
});
