// The dashboard's read routes beyond the Alloy API: executions across workflows with filters
// (GET /logs/executions), one run with its steps and trigger data (GET /logs/executions/{id}),
// runs and errors per hour/day with the blocks that fail most (GET /logs/analytics), an
// integration's workflows with drafts and a released version's definition.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, waitUntil } from './server.mjs';

const V = '/2024-03';
let s;
let prodKey;
let wfOk;
let wfBad;
let wfDraft;
let integrationId;
let alice;
let bob;

async function released(definition) {
  const r = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition } });
  assert.equal(r.body.valid, true, JSON.stringify(r.body));
  assert.equal((await api(s, 'POST', `${V}/workflows/${r.body.workflowId}/release`)).status, 200);
  return r.body.workflowId;
}

async function install(userId, workflowId) {
  const start = await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId, integrationId, workflowIds: [workflowId] } });
  const done = await api(s, 'POST', `${V}/headless/completeInstallation`,
    { body: { installationId: start.body.installationId, data: [{ workflowId, blockId: 'config', fields: [] }] } });
  assert.equal(done.status, 200, JSON.stringify(done.body));
}

before(async () => {
  s = await startServer(['--workers', '1']);
  prodKey = s.cli('key', 'create', '--env', 'production').trim().split(/\s+/).find((w) => w.startsWith('sk_'));
  await api(s, 'POST', `${V}/events`, { body: { name: 'Ping', body: { n: 'Number' } } });
  integrationId = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'Pings', app: 'http' } })).body.integrationId;
  wfOk = await released({ name: 'Echo', trigger: { type: 'customEvent', event: 'Ping' },
    blocks: [{ id: 'echo', type: 'transform', inputs: { vars: "{'n': event.n}" } }] });
  wfBad = await released({ name: 'Breaks', trigger: { type: 'customEvent', event: 'Ping' },
    blocks: [{ id: 'bad', name: 'Bad number', type: 'transform', inputs: { vars: "{'n': $number('x' & event.n)}" } }] });
  wfDraft = (await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition: { name: 'Unfinished', blocks: [] } } })).body.workflowId;
  alice = (await api(s, 'POST', `${V}/users`, { body: { username: 'alice' } })).body.userId;
  bob = (await api(s, 'POST', `${V}/users`, { body: { username: 'bob' } })).body.userId;
  await install(alice, wfOk);
  await install(alice, wfBad);
  await install(bob, wfOk);
  for (const userId of [alice, bob]) {
    assert.equal((await api(s, 'POST', `${V}/run/event`, { body: { event: 'Ping', userId, data: { n: 7 } } })).status, 200);
  }
  await waitUntil('three finished runs', async () => {
    const r = (await api(s, 'GET', `${V}/logs/executions`)).body.data;
    return r.length === 3 && r.every((x) => x.status === 'success' || x.status === 'error');
  });
});

after(async () => { assert.equal(await s.stop(), 0); });

test('GET /logs/executions: every workflow, newest first, filtered by workflow, user and status', async () => {
  const all = (await api(s, 'GET', `${V}/logs/executions`)).body.data;
  assert.equal(all.length, 3);
  const times = all.map((x) => x.createdAt);
  assert.deepEqual(times, [...times].sort().reverse());
  assert.deepEqual(new Set(all.map((x) => x.workflowName)), new Set(['Echo', 'Breaks']));
  assert.ok(all.every((x) => x.username === 'alice' || x.username === 'bob'));

  const failed = (await api(s, 'GET', `${V}/logs/executions?status=error`)).body.data;
  assert.deepEqual(failed.map((x) => [x.workflowId, x.userId, x.errorBlock]), [[wfBad, alice, 'Bad number']]);
  assert.match(failed[0].error, /number/i);
  assert.equal((await api(s, 'GET', `${V}/logs/executions?userId=bob`)).body.data.length, 1);
  assert.equal((await api(s, 'GET', `${V}/logs/executions?workflowId=Echo&userId=${alice}`)).body.data.length, 1);
  assert.equal((await api(s, 'GET', `${V}/logs/executions?since=${Date.now() + 60000}`)).body.data.length, 0);
  assert.equal((await api(s, 'GET', `${V}/logs/executions?limit=2&page=1`)).body.data.length, 1);

  assert.equal((await api(s, 'GET', `${V}/logs/executions?status=done`)).status, 400);
  assert.equal((await api(s, 'GET', `${V}/logs/executions?limit=500`)).status, 400);
  assert.equal((await api(s, 'GET', `${V}/logs/executions?workflowId=000000000000000000000000`)).status, 404);
  assert.equal((await api(s, 'GET', `${V}/logs/executions?userId=nobody`)).status, 404);
  assert.deepEqual((await api(s, 'GET', `${V}/logs/executions`, { key: prodKey })).body.data, [], 'nothing crosses environments');
  assert.equal((await api(s, 'GET', `${V}/logs/executions`, { key: 'sk_dev_wrong' })).status, 401);
});

test('GET /logs/executions/{id}: the steps with inputs and outputs, and the trigger data', async () => {
  const [x] = (await api(s, 'GET', `${V}/logs/executions?workflowId=${wfOk}&userId=${alice}`)).body.data;
  const r = await api(s, 'GET', `${V}/logs/executions/${x.executionId}`);
  assert.equal(r.status, 200);
  assert.equal(r.body.data.workflowName, 'Echo');
  assert.equal(r.body.data.username, 'alice');
  assert.deepEqual(r.body.data.trigger, { name: 'Ping', payload: { n: 7 } });
  assert.deepEqual(r.body.data.results.map((st) => [st.blockId, st.status, st.data[0].json]), [['echo', 'success', { n: 7 }]]);
  assert.equal((await api(s, 'GET', `${V}/logs/executions/${x.executionId}`, { key: prodKey })).status, 404);
  assert.equal((await api(s, 'GET', `${V}/logs/executions/000000000000000000000000`)).status, 404);
});

test('GET /logs/analytics: runs and errors per bucket, zero-filled, and the failing blocks', async () => {
  const r = await api(s, 'GET', `${V}/logs/analytics?bucket=hour`);
  assert.equal(r.status, 200);
  assert.equal(r.body.series.length, 24);
  assert.ok(r.body.series.every((p, i) => i === 0 || p.t - r.body.series[i - 1].t === 3600000));
  assert.deepEqual(r.body.totals, { runs: 3, errors: 1 });
  assert.deepEqual(r.body.series.at(-1).runs, 3, 'this hour holds the runs');
  assert.deepEqual(r.body.topFailingBlocks.map((b) => [b.workflowId, b.workflowName, b.block, b.errors]),
    [[wfBad, 'Breaks', 'Bad number', 1]]);
  const day = await api(s, 'GET', `${V}/logs/analytics?bucket=day&count=7&workflowId=${wfOk}`);
  assert.equal(day.body.series.length, 7);
  assert.deepEqual(day.body.totals, { runs: 2, errors: 0 });
  assert.deepEqual(day.body.topFailingBlocks, []);
  assert.equal((await api(s, 'GET', `${V}/logs/analytics?bucket=week`)).status, 400);
  assert.equal((await api(s, 'GET', `${V}/logs/analytics?count=1000`)).status, 400);
  assert.deepEqual((await api(s, 'GET', `${V}/logs/analytics`, { key: prodKey })).body.totals, { runs: 0, errors: 0 });
});

test('GET /integrations/{id}/workflows lists drafts too; GET /workflows/{id}/versions/{n} gives a definition', async () => {
  const list = (await api(s, 'GET', `${V}/integrations/${integrationId}/workflows`)).body.data;
  assert.deepEqual(list.map((w) => [w.name, w.version]), [['Echo', 1], ['Breaks', 1], ['Unfinished', 0]]);
  assert.deepEqual(list[2].draft, { name: 'Unfinished', blocks: [] });
  const v = await api(s, 'GET', `${V}/workflows/${wfOk}/versions/1`);
  assert.equal(v.status, 200);
  assert.equal(v.body.data.definition.blocks[0].id, 'echo');
  assert.match(v.body.data.releasedAt, /^\d{4}-\d\d-\d\dT/);
  assert.equal((await api(s, 'GET', `${V}/workflows/${wfOk}/versions/2`)).status, 404);
  assert.equal((await api(s, 'GET', `${V}/workflows/${wfDraft}/versions/1`)).status, 404);
  assert.equal((await api(s, 'GET', `${V}/workflows/${wfOk}/versions/one`)).status, 400);
  assert.equal((await api(s, 'GET', `${V}/integrations/${integrationId}/workflows`, { key: prodKey })).status, 404);
});
