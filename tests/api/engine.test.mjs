// The workflow engine end to end against the real binary: build and release a workflow, install it
// headlessly, run events, and watch deliveries arrive at a local sink — signatures, retries with a
// stable Idempotency-Key, errors, the error stream, logs, upgrades, deletion of a user's logs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, api, ID_RE, BIN, storeArgs, storeContents } from './server.mjs';
import { startSink, verifyStandardWebhook, verifyAlloySignature } from './sink.mjs';

let s;
let sink;
let integrationId;
let workflowId;
let userId;
const V = '/2024-03';

function definition(extraFields = []) {
  return {
    name: 'Fulfillment Updated → AcmeCo',
    trigger: { type: 'customEvent', event: 'Fulfillment Updated' },
    fields: [{ name: 'sinkUrl', title: 'Where to send orders', required: true,
      schema: { type: 'string', format: 'uri' } }, ...extraFields],
    blocks: [
      { id: 'shape', type: 'transform', inputs: { vars: "{'status_id': $lookup({'FULFILLED': 10, 'CANCELLED': 5}, event.status)}" } },
      { id: 'stream', name: 'Stream Data', type: 'streamData',
        inputs: { url: 'config.sinkUrl & "/orders"',
          body: "{'orderId': $number(event.orderId), 'status_id': vars.status_id, 'user': user.username}" } },
    ],
  };
}

async function waitForExecution(executionId, predicate = (x) => x.finished, timeoutMs = 20000) {
  const start = Date.now();
  for (;;) {
    const logs = await api(s, 'GET', `${V}/workflows/${workflowId}/logs?limit=30`);
    const x = logs.body.data.find((e) => e.executionId === executionId);
    if (x && predicate(x)) return x;
    if (Date.now() - start > timeoutMs) throw new Error(`execution ${executionId} not done: ${JSON.stringify(x)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  sink = await startSink();
  s = await startServer(['--allow-private-network', '--workers', '2']);
});
after(async () => {
  assert.equal(await s.stop(), 0);
  await sink.close();
});

test('custom events: create in sample style, list, refuse duplicates and bad schemas', async () => {
  let r = await api(s, 'POST', `${V}/events`, { body: { name: 'Fulfillment Updated',
    description: 'An order was fulfilled in AcmeCo', body: { orderId: 'String', status: 'String' } } });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.data.schema.required, ['orderId', 'status']);
  r = await api(s, 'GET', `${V}/events`);
  assert.deepEqual(r.body.data.map((e) => [e.name, e.body]),
    [['Fulfillment Updated', { orderId: 'String', status: 'String' }]]);
  r = await api(s, 'POST', `${V}/events`, { body: { name: 'Fulfillment Updated', body: { a: 'String' } } });
  assert.equal(r.status, 409);
  r = await api(s, 'POST', `${V}/events`, { body: { name: 'Broken', schema: { type: 'no-such-type' } } });
  assert.equal(r.status, 422);
  r = await api(s, 'POST', `${V}/events`, { body: { name: 'No schema' } });
  assert.equal(r.status, 400);
});

test('integrations and workflows: drafts are validated, releases are numbered', async () => {
  let r = await api(s, 'POST', `${V}/integrations`, { body: { name: 'BigCommerce', app: 'bigcommerce' } });
  assert.equal(r.status, 200);
  integrationId = r.body.integrationId;
  assert.match(integrationId, ID_RE);
  assert.equal((await api(s, 'POST', `${V}/integrations`, { body: { name: 'BigCommerce' } })).status, 409);

  const broken = { name: 'Broken draft', trigger: { type: 'customEvent' }, blocks: [{ id: 'x', type: 'nope' }] };
  r = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition: broken } });
  assert.equal(r.status, 200);
  assert.equal(r.body.valid, false);
  assert.ok(r.body.errors.length >= 2, JSON.stringify(r.body.errors));
  assert.ok(r.body.errors.every((e) => typeof e.path === 'string' && e.message));
  const rel = await api(s, 'POST', `${V}/workflows/${r.body.workflowId}/release`);
  assert.equal(rel.status, 422);
  assert.equal(rel.body.code, 'validation_failed');

  r = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition: definition() } });
  assert.equal(r.body.valid, true, JSON.stringify(r.body));
  workflowId = r.body.workflowId;
  r = await api(s, 'POST', `${V}/workflows/${workflowId}/release`);
  assert.deepEqual(r.body, { workflowId, version: 1 });
  const versions = await api(s, 'GET', `${V}/workflows/${workflowId}/versions`);
  assert.deepEqual(versions.body.data.map((v) => v.versionId), [1]);

  r = await api(s, 'POST', `${V}/workflows`, { body: { integrationId: 'nope', definition: definition() } });
  assert.equal(r.status, 404);
});

test('headless installation validates field values and installs', async () => {
  userId = (await api(s, 'POST', `${V}/users`, { body: { username: 'acme-store-1' } })).body.userId;
  let r = await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId, integrationId } });
  assert.equal(r.status, 200);
  const session = r.body.installationId;
  const entry = r.body.data.find((d) => d.workflowId === workflowId);
  assert.deepEqual(entry.fields.map((f) => [f.name, f.required]), [['sinkUrl', true]]);

  r = await api(s, 'POST', `${V}/headless/completeInstallation`, { body: { installationId: session,
    data: [{ workflowId, blockId: 'config', fields: [] }] } });
  assert.equal(r.status, 422);
  assert.ok(r.body.errors.some((e) => /sinkUrl/.test(e.path + e.message)), JSON.stringify(r.body));
  r = await api(s, 'POST', `${V}/headless/completeInstallation`, { body: { installationId: session,
    data: [{ workflowId, blockId: 'config', fields: [{ name: 'sinkUrl', value: 42 }] }] } });
  assert.equal(r.status, 422);
  let list = await api(s, 'GET', `${V}/integrations?userId=${userId}`);
  assert.equal(list.body.data[0].installed, false, 'nothing installed by the refused attempts');

  r = await api(s, 'POST', `${V}/headless/completeInstallation`, { body: { installationId: session,
    data: [{ workflowId, blockId: 'config', fields: [{ name: 'sinkUrl', value: sink.url }] }] } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  r = await api(s, 'POST', `${V}/headless/completeInstallation`, { body: { installationId: session, data: [] } });
  assert.equal(r.status, 409, 'a session completes once');

  list = await api(s, 'GET', `${V}/integrations?userId=${userId}`);
  const wf = list.body.data[0].workflows.find((w) => w.workflowId === workflowId);
  assert.equal(list.body.data[0].installed, true);
  assert.equal(wf.installed, true);
  assert.equal(wf.active, true);
  assert.equal(wf.version, 1);
  assert.equal(wf.installedVersion, 1);
  assert.deepEqual(wf.blocks.map((b) => b.type), ['customEvent', 'transform', 'streamData']);
  const users = await api(s, 'GET', `${V}/workflows/${workflowId}/users`);
  assert.equal(users.body.data[0].userId, userId);
  assert.equal(users.body.data[0].workflowActive, true);
});

test('run/event refuses bad input before storing anything', async () => {
  const cases = [
    [{ event: 'Nope', userId, data: {} }, 404],
    [{ event: 'Fulfillment Updated', userId: 'nobody', data: { orderId: '1', status: 'x' } }, 404],
    [{ event: 'Fulfillment Updated', userId, data: 'text' }, 422],
    [{ event: 'Fulfillment Updated', userId }, 400],
    [{ userId, data: {} }, 422],
    [{ event: 'Fulfillment Updated', data: { orderId: '1', status: 'x' } }, 400],
  ];
  for (const [body, status] of cases) {
    const r = await api(s, 'POST', `${V}/run/event`, { body });
    assert.equal(r.status, status, JSON.stringify(body));
  }
  const bad = await api(s, 'POST', `${V}/run/event`, { body: { event: 'Fulfillment Updated', userId, data: { orderId: 123 } } });
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.body.errors.map((e) => e.keyword).sort(), ['required', 'type']);
  assert.ok(bad.body.errors.some((e) => e.instancePath === '/orderId' && /string/.test(e.message)));
  assert.equal(sink.on('/orders').length, 0);
});

test('an event reaches the sink mapped, signed twice, and is logged', async () => {
  // The signing secret is shown only by a rotation (GET /settings tells only that it is set).
  const rotated = await api(s, 'POST', `${V}/settings/rotate-signing-secret`);
  assert.equal(rotated.status, 200);
  const secret = rotated.body.signingSecret;
  assert.match(secret, /^whsec_/);
  const r = await api(s, 'POST', `${V}/run/event`, { body: { event: 'Fulfillment Updated', userId,
    data: { orderId: '123', status: 'FULFILLED' } } });
  assert.equal(r.status, 200);
  assert.equal(r.body.message, 'Event successfully triggered');
  assert.equal(r.body.executions.length, 1);
  await sink.waitFor('/orders', 1);
  const got = sink.on('/orders')[0];
  assert.deepEqual(JSON.parse(got.body), { orderId: 123, status_id: 10, user: 'acme-store-1' });
  assert.equal(got.headers['x-alloy-workflowid'], workflowId);
  assert.equal(got.headers['x-alloy-userid'], userId);
  assert.equal(got.headers['x-alloy-blockname'], 'Stream Data');
  assert.equal(got.headers['x-alloy-blocktype'], 'streamData');
  assert.equal(got.headers['x-alloy-executionuuid'], r.body.executions[0]);
  assert.equal(got.headers['webhook-id'], got.headers['idempotency-key']);

  const settings = await api(s, 'GET', `${V}/settings`);
  assert.equal(settings.body.signingSecretSet, true);
  assert.equal(settings.body.signingSecret, undefined, 'the secret is never read back');
  assert.ok(verifyStandardWebhook(secret, got.headers, got.body));
  assert.ok(!verifyStandardWebhook(secret, got.headers, got.body + ' '));
  const pem = (await api(s, 'GET', '/security/public_key.pem', { key: null })).text;
  assert.equal(settings.body.publicKeyPem, pem);
  assert.ok(verifyAlloySignature(pem, 'POST', `${sink.url}/orders`, got.body, got.headers['x-alloy-signature']));
  assert.ok(!verifyAlloySignature(pem, 'PUT', `${sink.url}/orders`, got.body, got.headers['x-alloy-signature']));

  const x = await waitForExecution(r.body.executions[0]);
  assert.equal(x.status, 'success');
  assert.deepEqual(x.results.map((b) => b.blockId), ['shape', 'stream']);
  assert.equal(x.results[1].data[0].json.status, 200);
  assert.equal(x.inputs[1].data.url, `${sink.url}/orders`);
  const analytics = await api(s, 'GET', `${V}/workflows/${workflowId}/analytics`);
  assert.ok(analytics.body.totalWorkflowRuns >= 1);

  // A new secret takes effect at once, also in workers that signed with the old one.
  const next = (await api(s, 'POST', `${V}/settings/rotate-signing-secret`)).body.signingSecret;
  assert.notEqual(next, secret);
  const before = sink.on('/orders').length;
  await api(s, 'POST', `${V}/run/event`, { body: { event: 'Fulfillment Updated', userId,
    data: { orderId: '124', status: 'FULFILLED' } } });
  await sink.waitFor('/orders', before + 1);
  const again = sink.on('/orders')[before];
  assert.ok(verifyStandardWebhook(next, again.headers, again.body));
  assert.ok(!verifyStandardWebhook(secret, again.headers, again.body));
});

test('a sink that fails twice gets the same Idempotency-Key three times', async () => {
  sink.plan('/orders', [500, 503]);
  const before = sink.on('/orders').length;
  const r = await api(s, 'POST', `${V}/run/event`, { body: { event: 'Fulfillment Updated', userId,
    data: { orderId: '777', status: 'SHIPPED' } } });
  await sink.waitFor('/orders', before + 3);
  const attempts = sink.on('/orders').slice(before);
  assert.equal(attempts.length, 3);
  assert.equal(new Set(attempts.map((a) => a.headers['idempotency-key'])).size, 1);
  assert.ok(attempts.every((a) => JSON.parse(a.body).orderId === 777));
  const x = await waitForExecution(r.body.executions[0]);
  assert.equal(x.status, 'success');
  assert.equal(x.attempt, 3);
});

test('a 4xx fails at once: error log, errors endpoint and the error stream', async () => {
  const set = await api(s, 'PUT', `${V}/settings`, { body: { errorWebhookUrl: `${sink.url}/errors` } });
  assert.equal(set.status, 200);
  sink.plan('/orders', [404]);
  const before = sink.on('/orders').length;
  const r = await api(s, 'POST', `${V}/run/event`, { body: { event: 'Fulfillment Updated', userId,
    data: { orderId: '404', status: 'LOST' } } });
  const x = await waitForExecution(r.body.executions[0]);
  assert.equal(x.status, 'error');
  assert.equal(x.attempt, 1);
  assert.equal(sink.on('/orders').length, before + 1, 'no retry on 404');
  const errors = await api(s, 'GET', `${V}/workflows/${workflowId}/errors?userId=${userId}`);
  const e = errors.body.data.find((d) => d.executionId === x.executionId);
  assert.equal(e.block, 'Stream Data');
  assert.match(e.message, /HTTP 404/);
  assert.match(e.errorOccurredAt, /^\d{4}-\d\d-\d\dT/);
  await sink.waitFor('/errors', 1);
  const streamed = sink.on('/errors').map((q) => JSON.parse(q.body)).find((b) => b.executionId === x.executionId);
  assert.ok(streamed, 'the error was streamed');
  assert.equal(sink.on('/errors')[0].headers['x-alloy-workflowid'], workflowId);
  const all = await api(s, 'GET', `${V}/logs?workflowId=${workflowId}`);
  assert.ok(all.body.notifications.some((n) => n.data.executionId === x.executionId));
  const onlyErrors = await api(s, 'GET', `${V}/workflows/${workflowId}/logs?error=true`);
  assert.ok(onlyErrors.body.data.some((d) => d.executionId === x.executionId), 'the failed one is listed');
  assert.ok(onlyErrors.body.data.every((d) => d.status === 'error'));
});

test('deactivate, activate, rerun, upgrade rules, uninstall', async () => {
  let r = await api(s, 'PUT', `${V}/workflows/deactivate`, { body: { userId, workflowId } });
  assert.equal(r.status, 200);
  r = await api(s, 'POST', `${V}/run/event`, { body: { event: 'Fulfillment Updated', userId, data: { orderId: '1', status: 'x' } } });
  assert.deepEqual(r.body.executions, [], 'an inactive installation does not run');
  r = await api(s, 'PUT', `${V}/workflows/activate`, { body: { userId, workflowName: definition().name } });
  assert.deepEqual(r.body, { activated: true });

  const logs = await api(s, 'GET', `${V}/workflows/${workflowId}/logs?userId=${userId}&limit=1`);
  const rerun = await api(s, 'POST', `${V}/workflows/${workflowId}/rerun/${logs.body.data[0].executionId}`);
  assert.equal(rerun.status, 200);
  assert.match(rerun.body.executionUuid, ID_RE);
  await waitForExecution(rerun.body.executionUuid);

  // Version 2 keeps the fields: upgradable.
  await api(s, 'PUT', `${V}/workflows/${workflowId}`, { body: { definition: { ...definition(), description: 'v2' } } });
  assert.equal((await api(s, 'POST', `${V}/workflows/${workflowId}/release`)).body.version, 2);
  r = await api(s, 'PUT', `${V}/workflows/${workflowId}/upgrade?userId=${userId}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.version, 2);
  // Version 3 adds a field: not upgradable without reinstalling.
  await api(s, 'PUT', `${V}/workflows/${workflowId}`, { body: { definition: definition([{ name: 'region', schema: { type: 'string' } }]) } });
  assert.equal((await api(s, 'POST', `${V}/workflows/${workflowId}/release`)).body.version, 3);
  r = await api(s, 'PUT', `${V}/workflows/${workflowId}/upgrade?userId=${userId}`);
  assert.equal(r.status, 409);
  assert.match(r.body.message, /region/);
  const view = await api(s, 'GET', `${V}/workflows/${workflowId}?userId=${userId}`);
  assert.equal(view.body.data.version, 3);
  assert.equal(view.body.data.installedVersion, 2);

  const other = (await api(s, 'POST', `${V}/users`, { body: { username: 'not-installed' } })).body.userId;
  assert.equal((await api(s, 'DELETE', `${V}/workflows/${workflowId}?userId=${other}`)).status, 404);
});

test('DELETE /users/{id}/logs leaves no trace of the user\'s payloads in the database', async () => {
  const marker = `marker-${Date.now()}-zq`;
  const before = sink.on('/orders').length;
  const run = await api(s, 'POST', `${V}/run/event`, { body: { event: 'Fulfillment Updated', userId, data: { orderId: '5', status: marker } } });
  await sink.waitFor('/orders', before + 1);
  await waitForExecution(run.body.executions[0]);
  const dbFiles = () => storeContents(s).map((c) => c.bytes);
  assert.ok(dbFiles().some((b) => b.includes(marker)), 'the marker was stored');
  const r = await api(s, 'DELETE', `${V}/users/${userId}/logs`);
  assert.deepEqual(r.body, { message: 'Success' });
  assert.ok(!dbFiles().some((b) => b.includes(marker)), 'the marker is gone from every file');
  const logs = await api(s, 'GET', `${V}/workflows/${workflowId}/logs?userId=${userId}`);
  assert.deepEqual(logs.body.data, []);
});

test('kill -9 under load, restart: every accepted event\'s execution completes', async () => {
  const dataDir = s.dataDir;
  // A fresh user and installation on the same workflow (version 3 needs both fields).
  const user = (await api(s, 'POST', `${V}/users`, { body: { username: 'crash-test' } })).body.userId;
  const start = await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId: user, integrationId } });
  const done = await api(s, 'POST', `${V}/headless/completeInstallation`, { body: {
    installationId: start.body.installationId, data: [{ workflowId, blockId: 'config',
      fields: [{ name: 'sinkUrl', value: `${sink.url}/crash` }, { name: 'region', value: 'eu' }] }] } });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  const accepted = new Set();
  const fire = async (i) => {
    const r = await api(s, 'POST', `${V}/run/event`, { body: { event: 'Fulfillment Updated', userId: user,
      data: { orderId: String(i), status: 'FULFILLED' } } });
    if (r.status === 200) r.body.executions.forEach((x) => accepted.add(x));
  };
  const N = 300;
  const inflight = [];
  for (let i = 0; i < N; i++) {
    inflight.push(fire(i).catch(() => {}));
    if (i === 200) { await Promise.all(inflight); await s.crash(); break; }
  }
  await Promise.allSettled(inflight);
  assert.ok(accepted.size >= 150, `accepted ${accepted.size}`);
  s = await startServer(['--allow-private-network', '--workers', '2'], { dataDir });
  const deadline = Date.now() + 60000;
  const seen = () => new Set(sink.on('/orders/crash').concat(sink.on('/crash/orders'))
    .map((q) => q.headers['x-alloy-executionuuid']));
  while ([...accepted].some((x) => !seen().has(x)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const missing = [...accepted].filter((x) => !seen().has(x));
  assert.deepEqual(missing, [], `${missing.length} of ${accepted.size} accepted executions never delivered`);
});

test('--workers 0 accepts and queues without running; a restart with workers runs the queue', async () => {
  const dataDir = s.dataDir;
  const user = (await api(s, 'POST', `${V}/users`, { body: { username: 'queue-only' } })).body.userId;
  const start = await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId: user, integrationId } });
  const done = await api(s, 'POST', `${V}/headless/completeInstallation`, { body: {
    installationId: start.body.installationId, data: [{ workflowId, blockId: 'config',
      fields: [{ name: 'sinkUrl', value: `${sink.url}/queued` }, { name: 'region', value: 'eu' }] }] } });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.equal(await s.stop({ keep: true }), 0);

  s = await startServer(['--allow-private-network', '--workers', '0'], { dataDir });
  const ids = [];
  for (let i = 0; i < 5; i++) {
    const r = await api(s, 'POST', `${V}/run/event`, { body: { event: 'Fulfillment Updated', userId: user,
      data: { orderId: String(900 + i), status: 'FULFILLED' } } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.executions.length, 1);
    ids.push(r.body.executions[0]);
  }
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(sink.on('/queued/orders').length, 0, 'nothing runs without workers');
  const logs = await api(s, 'GET', `${V}/workflows/${workflowId}/logs?limit=30&userId=${user}`);
  for (const id of ids) {
    const x = logs.body.data.find((e) => e.executionId === id);
    assert.ok(x, `execution ${id} is listed`);
    assert.equal(x.status, 'queued');
    assert.equal(x.finished, false);
  }
  assert.equal(await s.stop({ keep: true }), 0);

  s = await startServer(['--allow-private-network', '--workers', '2'], { dataDir });
  for (const id of ids) await waitForExecution(id);
  const delivered = sink.on('/queued/orders').map((q) => q.headers['x-alloy-executionuuid']);
  assert.deepEqual([...delivered].sort(), [...ids].sort(), 'each queued execution delivered once');
});

test('--workers takes 0 to 256 and refuses anything else', async () => {
  for (const bad of ['-1', '257', 'two', '']) {
    const r = spawnSync(BIN, ['serve', '--workers', bad, '--listen', '127.0.0.1:0', ...storeArgs(s)],
      { encoding: 'utf8', timeout: 10000 });
    assert.equal(r.status, 2, `--workers '${bad}': ${r.stderr}`);
    assert.match(r.stderr, /--workers must be from 0 to 256/);
  }
});
