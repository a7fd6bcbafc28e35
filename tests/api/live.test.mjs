// The live-update websocket (/ws, docs/frontend.md) against the real binary: executions run by two
// worker threads publish their progress while the service thread delivers it and other sessions
// come and go, to an API-key session (the whole environment) and a user-token session (its own
// user only); a refused credential is told so and closed with 4401.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from './server.mjs';
import { connectWs } from './ws-client.mjs';

const V = '/2024-03';
let s;
const users = {};
let workflowId;

before(async () => {
  s = await startServer(['--workers', '2']);
  let r = await api(s, 'POST', `${V}/events`, { body: { name: 'Order Placed', body: { orderId: 'String' } } });
  assert.equal(r.status, 200);
  r = await api(s, 'POST', `${V}/integrations`, { body: { name: 'Live' } });
  const integrationId = r.body.integrationId;
  r = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition: {
    name: 'Order Placed → shape', trigger: { type: 'customEvent', event: 'Order Placed' },
    blocks: [{ id: 'shape', type: 'transform', inputs: { vars: "{'id': $number(event.orderId) * 2}" } }],
  } } });
  workflowId = r.body.workflowId;
  assert.equal((await api(s, 'POST', `${V}/workflows/${workflowId}/release`)).status, 200);
  for (const name of ['alice', 'bob']) {
    users[name] = (await api(s, 'POST', `${V}/users`, { body: { username: name } })).body.userId;
    r = await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId: users[name], integrationId } });
    r = await api(s, 'POST', `${V}/headless/completeInstallation`, { body: { installationId: r.body.installationId, data: [] } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
});
after(async () => { assert.equal(await s.stop(), 0); });

const runEvent = async (name, orderId) => {
  const r = await api(s, 'POST', `${V}/run/event`, { body: { event: 'Order Placed', userId: users[name], data: { orderId: String(orderId) } } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};
const finished = (ws, executionId) => ws.next(`execution ${executionId}`,
  (m) => m.type === 'execution' && m.executionId === executionId && m.status === 'success');

test('an API-key session sees every execution of its environment, from both workers', async () => {
  const ws = await connectWs(s.url);
  ws.send({ type: 'auth', apiKey: s.key });
  const ready = await ws.next('ready', (m) => m.type === 'ready');
  assert.equal(ready.scope, 'environment');
  const before = (await api(s, 'GET', `${V}/workflows/${workflowId}/logs?limit=30`)).body.data.length;
  // Sessions come and go while the workers publish, so that joining and leaving the hub overlaps
  // with publishing (what a race detector needs to see).
  const churn = async () => {
    for (let i = 0; i < 6; i++) {
      const c = await connectWs(s.url);
      c.send({ type: 'auth', apiKey: s.key });
      await c.next('ready', (m) => m.type === 'ready');
      await c.close();
    }
  };
  await Promise.all([churn(), churn(),
    ...Array.from({ length: 24 }, (_, i) => runEvent(i % 2 ? 'alice' : 'bob', i))]);
  const started = () => ws.messages.filter((m) => m.type === 'execution' && m.status === 'started');
  for (let waited = 0; started().length < 24 && waited < 400; waited++) await new Promise((r) => setTimeout(r, 50));
  const ids = [...new Set(started().map((m) => m.executionId))];
  assert.equal(ids.length, 24, `24 executions started: ${JSON.stringify(ws.messages.slice(-5))}`);
  for (const id of ids) {
    const done = await finished(ws, id);
    assert.equal(done.workflowId, workflowId);
    assert.ok(ws.messages.some((m) => m.type === 'step' && m.executionId === id && m.blockId === 'shape' && m.status === 'success'), id);
  }
  assert.deepEqual(new Set(ws.messages.filter((m) => m.type === 'execution').map((m) => m.userId)), new Set([users.alice, users.bob]));
  const logs = (await api(s, 'GET', `${V}/workflows/${workflowId}/logs?limit=30`)).body.data;
  assert.equal(logs.length, Math.min(30, before + 24));
  await ws.close();
});

test("a user-token session sees its own user's executions only", async () => {
  const token = (await api(s, 'GET', `/users/${users.alice}/token`)).body.token;
  const mine = await connectWs(s.url, { path: `/ws?token=${encodeURIComponent(token)}` });
  const ready = await mine.next('ready', (m) => m.type === 'ready');
  assert.deepEqual([ready.scope, ready.userId], ['user', users.alice]);
  const all = await connectWs(s.url);
  all.send({ type: 'auth', apiKey: s.key });
  await all.next('ready', (m) => m.type === 'ready');

  await runEvent('bob', 1000);
  const bobs = await all.next("bob's execution", (m) => m.type === 'execution' && m.userId === users.bob && m.status === 'success');
  await runEvent('alice', 1001);
  const alices = await mine.next("alice's execution", (m) => m.type === 'execution' && m.status === 'success');
  assert.equal(alices.userId, users.alice);
  await finished(all, alices.executionId);
  assert.ok(mine.messages.every((m) => m.type === 'ready' || m.userId === users.alice), JSON.stringify(mine.messages));
  assert.ok(!mine.messages.some((m) => m.executionId === bobs.executionId));
  await mine.close();
  await all.close();
});

test('a refused credential is told so and closed with 4401', async () => {
  const ws = await connectWs(s.url);
  ws.send({ type: 'auth', apiKey: 'not-a-key' });
  const err = await ws.next('error', (m) => m.type === 'error');
  assert.equal(err.code, 'unauthorized');
  assert.equal((await ws.closed).code, 4401);

  const silent = await connectWs(s.url);
  silent.send({ type: 'hello' });
  assert.equal((await silent.closed).code, 4401, 'a first message that is not auth closes too');
});
