// The quick start end to end (spec/quickstart.txt): integration "BigCommerce" with workflow #1
// (BigCommerce order created -> Stream Data to AcmeCo's sink) and workflow #2 (custom event
// "Fulfillment Updated" -> BigCommerce update order status), installed headlessly by a user whose
// credential points at the sandbox store. Runs the real binary and demo/bigcommerce-sandbox.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import path from 'node:path';
import { startServer, api, ID_RE, waitUntil, storeContents } from './server.mjs';
import { startSink } from './sink.mjs';
import { startSandbox } from './sandbox.mjs';

const V = '/2024-03';
const TOKEN = `bc-token-${Date.now()}-marker`;
let s;
let sink;
let shop;
let integrationId;
let wf1;
let wf2;
let userId;
let orderId;

const workflow1 = {
  name: 'When a new order is created in BigCommerce, create a new record in AcmeCo',
  trigger: { type: 'app', app: 'bigcommerce', trigger: 'orderCreated' },
  fields: [{ name: 'webhookUrl', title: 'Webhook URL', required: true, schema: { type: 'string', format: 'uri' } }],
  blocks: [{ id: 'stream', name: 'Stream Data', type: 'streamData',
    inputs: { url: 'config.webhookUrl & "/acme/orders"', body: 'event' } }],
};
const workflow2 = {
  name: 'When a fulfillment status is updated in AcmeCo, update the order status in BigCommerce',
  trigger: { type: 'customEvent', event: 'Fulfillment Updated' },
  blocks: [{ id: 'bc', name: 'Update order status', type: 'appAction', app: 'bigcommerce',
    action: 'updateOrderStatus',
    inputs: { id: '$number(event.orderId)', status_id: "$lookup({'FULFILLED': 10, 'CANCELLED': 5}, event.status)" } }],
};

async function release(definition) {
  const r = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition } });
  assert.equal(r.body.valid, true, JSON.stringify(r.body));
  const rel = await api(s, 'POST', `${V}/workflows/${r.body.workflowId}/release`);
  assert.equal(rel.status, 200, JSON.stringify(rel.body));
  return r.body.workflowId;
}

async function install(user, data) {
  const start = await api(s, 'POST', `${V}/headless/startInstallation`,
    { body: { userId: user, integrationId, workflowIds: data.map((d) => d.workflowId) } });
  assert.equal(start.status, 200, JSON.stringify(start.body));
  const done = await api(s, 'POST', `${V}/headless/completeInstallation`,
    { body: { installationId: start.body.installationId, data } });
  assert.equal(done.status, 200, JSON.stringify(done.body));
}

async function logs(workflowId, user) {
  return (await api(s, 'GET', `${V}/workflows/${workflowId}/logs?userId=${user}&limit=30`)).body.data;
}

before(async () => {
  sink = await startSink();
  shop = await startSandbox({ storeHash: 'acme1', token: TOKEN });
  s = await startServer(['--allow-private-network', '--workers', '2']);
});
after(async () => {
  assert.equal(await s.stop(), 0);
  await shop.stop();
  await sink.close();
});

test('the ISV builds the integration: custom event, two released workflows', async () => {
  let r = await api(s, 'POST', `${V}/events`, { body: { name: 'Fulfillment Updated',
    description: 'A fulfillment status changed in AcmeCo', body: { orderId: 'String', status: 'String' } } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  r = await api(s, 'POST', `${V}/integrations`, { body: { name: 'BigCommerce', app: 'bigcommerce' } });
  integrationId = r.body.integrationId;
  assert.match(integrationId, ID_RE);
  wf1 = await release(workflow1);
  wf2 = await release(workflow2);
  const apps = await api(s, 'GET', `${V}/metadata/apps`);
  assert.ok(apps.body.data.some((a) => a.name === 'bigcommerce'
    && a.actions.some((x) => x.name === 'updateOrderStatus') && a.triggers.some((t) => t.name === 'orderCreated')));
});

test('the user stores a BigCommerce credential and installs both workflows headlessly', async () => {
  userId = (await api(s, 'POST', `${V}/users`, { body: { username: 'acme-merchant' } })).body.userId;
  let r = await api(s, 'POST', `${V}/headless/credentials`, { body: { userId,
    credential: { type: 'bigcommerce', data: { store_hash: shop.storeHash, access_token: TOKEN, baseUrl: shop.apiBase } } } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.success, true);
  const list = await api(s, 'GET', `${V}/users/${userId}/credentials`);
  assert.deepEqual(list.body.data.map((c) => [c.credentialId, c.type, c.name]),
    [[r.body.credentialId, 'bigcommerce', `BigCommerce acme1 (${new URL(shop.url).host})`]],
    'a credential pointed at another host than BigCommerce\'s is named with that host');

  await install(userId, [{ workflowId: wf1, blockId: 'config', fields: [{ name: 'webhookUrl', value: sink.url }] }]);
  // Activation subscribes through the connector: the store now has our hook.
  const hooks = await waitUntil('the store/order/created hook', async () => {
    const h = (await shop.call('GET', '/v3/hooks')).body.data;
    return h.length === 1 ? h : null;
  });
  assert.equal(hooks[0].scope, 'store/order/created');
  assert.match(hooks[0].destination, new RegExp(`^${s.url}/hooks/[0-9a-f]{24}$`));
  assert.ok(hooks[0].headers['X-Solder-Hook-Secret'], 'the hook carries a per-subscription secret');
});

test('an order placed in the store reaches AcmeCo\'s sink, enriched with the v2 order', async () => {
  const order = await shop.placeOrder('ada@example.com', 42);
  orderId = order.id;
  await sink.waitFor('/acme/orders', 1);
  const got = JSON.parse(sink.on('/acme/orders')[0].body);
  assert.equal(got.id, orderId);
  assert.equal(got.status, 'Awaiting Fulfillment');
  assert.equal(got.billing_address.email, 'ada@example.com');
  const x = await waitUntil('workflow #1 logged', async () => (await logs(wf1, userId)).find((e) => e.status === 'success'));
  assert.ok(x.executionId);
});

test('a forged delivery is refused with 401 and runs nothing', async () => {
  const hook = (await shop.call('GET', '/v3/hooks')).body.data[0];
  const before = (await logs(wf1, userId)).length;
  const body = JSON.stringify({ scope: 'store/order/created', data: { type: 'order', id: orderId } });
  let res = await fetch(hook.destination, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  assert.equal(res.status, 401);
  res = await fetch(hook.destination, { method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Solder-Hook-Secret': 'guess' }, body });
  assert.equal(res.status, 401);
  res = await fetch(`${s.url}/hooks/000000000000000000000000`, { method: 'POST', body });
  assert.equal(res.status, 404);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await logs(wf1, userId)).length, before);
  assert.equal(sink.on('/acme/orders').length, 1);
});

test('POST /run/event "Fulfillment Updated" changes the order\'s status in the store', async () => {
  await install(userId, [{ workflowId: wf2, blockId: 'config', fields: [] }]);
  const r = await api(s, 'POST', `${V}/run/event`, { body: { event: 'Fulfillment Updated', userId,
    data: { orderId: String(orderId), status: 'FULFILLED' } } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const order = await waitUntil('the order to be Completed', async () => {
    const o = (await shop.call('GET', `/v2/orders/${orderId}`)).body;
    return o.status_id === 10 ? o : null;
  });
  assert.equal(order.status, 'Completed');
  const x = await waitUntil('workflow #2 logged', async () => (await logs(wf2, userId)).find((e) => e.status === 'success'));
  assert.ok(x.executionId);
});

test('Connect runs the connector\'s test request: a wrong token is refused with the store\'s message', async () => {
  const other = (await api(s, 'POST', `${V}/users`, { body: { username: 'refused-token' } })).body.userId;
  const r = await api(s, 'POST', `${V}/headless/credentials`, { body: { userId: other,
    credential: { type: 'bigcommerce', data: { store_hash: shop.storeHash, access_token: 'wrong', api_url: shop.url } } } });
  assert.equal(r.status, 422, r.text);
  assert.equal(r.body.code, 'credential_rejected');
  assert.match(r.body.message, /^BigCommerce refused the credential: HTTP 401 Unauthorized: missing or invalid X-Auth-Token/);
  assert.deepEqual((await api(s, 'GET', `${V}/users/${other}/credentials`)).body.data, [], 'nothing stored');
  const unknown = await api(s, 'POST', `${V}/headless/credentials`, { body: { userId: other,
    credential: { type: 'bigcommerce', data: { store_hash: 'nosuchstore', access_token: TOKEN, api_url: shop.url } } } });
  assert.equal(unknown.status, 422);
  assert.match(unknown.body.message, /HTTP 404 Store not found/);
  const ok = await api(s, 'POST', `${V}/headless/credentials`, { body: { userId: other,
    credential: { type: 'bigcommerce', data: { store_hash: shop.storeHash, access_token: TOKEN, api_url: shop.url } } } });
  assert.equal(ok.status, 200, ok.text);
});

test('a credential\'s API URL must be on a BigCommerce host or one the server allows', async () => {
  const r = await api(s, 'POST', `${V}/headless/credentials`, { body: { userId,
    credential: { type: 'bigcommerce', data: { store_hash: 'abc', access_token: 't', api_url: 'https://evil.example.com' } } } });
  assert.equal(r.status, 422, r.text);
  assert.equal(r.body.errors[0].instancePath, '/api_url');
  assert.match(r.body.errors[0].message, /evil\.example\.com:443 is not a BigCommerce host \(api\.bigcommerce\.com\)/);
  const override = await api(s, 'POST', `${V}/headless/credentials`, { body: { userId,
    credential: { type: 'bigcommerce', data: { store_hash: 'abc', access_token: 't', baseUrl: 'https://user@api.bigcommerce.com.evil.example/stores/abc' } } } });
  assert.equal(override.status, 422, override.text);
  assert.equal(override.body.errors[0].instancePath, '/baseUrl');
});

test('a bad credential makes the provider\'s error visible in /workflows/{id}/errors', async () => {
  const other = (await api(s, 'POST', `${V}/users`, { body: { username: 'wrong-token' } })).body.userId;
  // verify: false stores it without the test request (as for an app that is down for maintenance).
  const r = await api(s, 'POST', `${V}/headless/credentials`, { body: { userId: other, verify: false,
    credential: { type: 'bigcommerce', data: { store_hash: shop.storeHash, access_token: 'wrong', baseUrl: shop.apiBase } } } });
  assert.equal(r.status, 200);
  await install(other, [{ workflowId: wf2, blockId: 'config', fields: [] }]);
  await api(s, 'POST', `${V}/run/event`, { body: { event: 'Fulfillment Updated', userId: other,
    data: { orderId: String(orderId), status: 'CANCELLED' } } });
  const errors = await waitUntil('an error', async () => {
    const e = (await api(s, 'GET', `${V}/workflows/${wf2}/errors?userId=${other}`)).body.data;
    return e.length ? e : null;
  });
  assert.match(JSON.stringify(errors[0]), /HTTP 401.*Unauthorized/);
  assert.equal((await shop.call('GET', `/v2/orders/${orderId}`)).body.status_id, 10, 'unchanged');
});

test('credential validation, deletion and metadata', async () => {
  let r = await api(s, 'POST', `${V}/headless/credentials`, { body: { userId,
    credential: { type: 'bigcommerce', data: { store_hash: 'abc' } } } });
  assert.equal(r.status, 422);
  assert.ok(r.body.errors.some((e) => /access_token/.test(e.message)));
  r = await api(s, 'POST', `${V}/headless/credentials`, { body: { userId, credential: { type: 'nope', data: {} } } });
  assert.equal(r.status, 422);
  r = await api(s, 'POST', `${V}/users/${userId}/credentials`, { body: {
    credential: { type: 'http', data: { headerName: 'Authorization', headerValue: 'Bearer x', baseUrl: 'http://127.0.0.1:9' } } } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const listed = await api(s, 'GET', `${V}/credentials/users/${userId}`);
  assert.equal(listed.body.data.length, 2);
  assert.equal((await api(s, 'DELETE', `${V}/users/${userId}/credentials/${r.body.credentialId}`)).body.success, true);
  assert.equal((await api(s, 'DELETE', `${V}/users/${userId}/credentials/${r.body.credentialId}`)).status, 404);
  const meta = await api(s, 'GET', `${V}/metadata/credentials/bigcommerce`);
  assert.deepEqual(meta.body.data.properties.map((p) => p.name), ['store_hash', 'access_token', 'api_url']);
  const apiUrl = meta.body.data.properties.find((p) => p.name === 'api_url');
  assert.equal(apiUrl.default, 'https://api.bigcommerce.com', 'the modal prefills the real API');
  assert.equal(meta.body.data.properties.find((p) => p.name === 'access_token').secret, true);
  assert.equal(meta.body.data.isOauth, false);
  assert.equal((await api(s, 'GET', `${V}/metadata/credentials/nope`)).status, 404);
});

test('the access token never appears in clear in the database', async () => {
  await new Promise((r) => setTimeout(r, 200));
  const files = storeContents(s).map((c) => c.bytes);
  assert.ok(files.length >= 1);
  assert.ok(!files.some((b) => b.includes(TOKEN)), 'the token is stored sealed');
  const mode = statSync(path.join(s.dataDir, 'master.key')).mode & 0o777;
  assert.equal(mode, 0o600);
});

test('uninstalling the trigger workflow unsubscribes its hook', async () => {
  const r = await api(s, 'DELETE', `${V}/workflows/${wf1}?userId=${userId}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await waitUntil('the hook to be removed', async () => (await shop.call('GET', '/v3/hooks')).body.data.length === 0);
});
