// Error streaming to Amazon EventBridge (PUT /settings errorEventBridge): a failed execution's error
// reaches the bus as an "Execution Error" event, signed with SigV4 (static keys and a session
// token, verified by the stand-in), sent again after a throttled attempt; the keys are sealed at
// rest and never answered; a bad target is refused: 422 when not an object (the body schema), 400
// when its members do not make a target.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, waitUntil, storeSql } from './server.mjs';
import { startEventBridge } from './standins.mjs';

const V = '/2024-03';
const KEYS = { accessKeyId: 'ASIAERRORSTREAM7', secretAccessKey: 'stream-secret-Key/abcdefghij0123456789', sessionToken: 'IQoJb3JpZ2luX2VjEstream+token==' };

let s;
let eb;

before(async () => {
  eb = await startEventBridge({ region: 'eu-central-1', keys: KEYS,
    respond: (entries, n) => (n === 1 ? { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } } : null) });
  s = await startServer(['--allow-private-network']);
});
after(async () => {
  if (s) assert.equal(await s.stop(), 0);
  await eb.close();
});

test('a bad EventBridge target is refused; a good one is stored sealed and never answered', async () => {
  const bad = [
    { bus: 'errors', region: 'eu-central-1', accessKeyId: KEYS.accessKeyId },
    { bus: 'errors', region: 'eu-central-1.evil.example/', accessKeyId: 'A', secretAccessKey: 'B' },
    { bus: '', region: 'eu-central-1', accessKeyId: 'A', secretAccessKey: 'B' },
    'arn:aws:events:bus',
  ];
  for (const errorEventBridge of bad) {
    const r = await api(s, 'PUT', `${V}/settings`, { body: { errorEventBridge } });
    assert.equal(r.status, typeof errorEventBridge === 'string' ? 422 : 400, JSON.stringify(r.body));
  }
  const set = await api(s, 'PUT', `${V}/settings`, { body: { errorEventBridge: {
    bus: 'errors', region: 'eu-central-1', ...KEYS, source: 'com.acme.solder', endpoint: eb.url } } });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.deepEqual(set.body.errorEventBridge, { bus: 'errors', region: 'eu-central-1', source: 'com.acme.solder',
    endpoint: eb.url, accessKeyIdEnding: 'EAM7', secretAccessKeySet: true, sessionTokenSet: true });
  const text = JSON.stringify((await api(s, 'GET', `${V}/settings`)).body);
  for (const secret of [KEYS.secretAccessKey, KEYS.sessionToken]) assert.ok(!text.includes(secret));
  const row = storeSql(s, 'SELECT error_eventbridge FROM settings');
  assert.match(row, /"accessKeyId":"ASIAERRORSTREAM7"/);
  for (const secret of [KEYS.secretAccessKey, KEYS.sessionToken]) assert.ok(!row.includes(secret), 'sealed at rest');
  // Another setting changed alone keeps the target.
  await api(s, 'PUT', `${V}/settings`, { body: { logRetentionDays: 30 } });
  assert.equal((await api(s, 'GET', `${V}/settings`)).body.errorEventBridge.bus, 'errors');
});

test("a failed execution's error reaches the bus, signed, after a throttled attempt", async () => {
  const userId = (await api(s, 'POST', `${V}/users`, { body: { username: 'streamed' } })).body.userId;
  const integrationId = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'Errors', app: 'http' } })).body.integrationId;
  const c = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition: {
    name: 'Fails', trigger: { type: 'webhook' }, blocks: [{ id: 'bad', name: 'Bad transform', type: 'transform', inputs: { vars: '42' } }] } } });
  assert.equal(c.body.valid, true, JSON.stringify(c.body));
  const workflowId = c.body.workflowId;
  assert.equal((await api(s, 'POST', `${V}/workflows/${workflowId}/release`)).status, 200);
  const start = await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId, integrationId } });
  assert.equal((await api(s, 'POST', `${V}/headless/completeInstallation`, { body: { installationId: start.body.installationId, data: [] } })).status, 200);
  const r = await api(s, 'POST', `${V}/run/workflow`, { body: { workflowId, userId, data: {} } });
  assert.equal(r.status, 200);
  const event = await waitUntil('the error event', () => eb.events[0], 30000);
  assert.deepEqual(eb.refused, []);
  assert.ok(eb.requests.length >= 2, 'the throttled attempt was followed by another');
  assert.equal(eb.requests[1].headers['x-amz-security-token'], KEYS.sessionToken);
  assert.deepEqual([event.Source, event.DetailType, event.EventBusName], ['com.acme.solder', 'Execution Error', 'errors']);
  assert.equal(event.Detail.type, 'executionError');
  assert.equal(event.Detail.executionId, r.body.executionId);
  assert.equal(event.Detail.userId, userId);
  assert.equal(event.Detail.block, 'Bad transform');
  assert.match(event.Detail.message, /input 'vars' must evaluate to an object/);
  // Sent once: it is marked streamed after delivery.
  await new Promise((res) => setTimeout(res, 2500));
  assert.equal(eb.events.length, 1);
});
