// Connectors beyond BigCommerce, against the real binary: Shopify's orders/create webhook verified
// with X-Shopify-Hmac-Sha256 (a local stand-in for the Admin API receives the subscription), the
// Shopify updateOrder action, and the generic HTTP API connector's credential header.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startServer, api, waitUntil } from './server.mjs';
import { startSink, startStub } from './sink.mjs';

const V = '/2024-03';
const SECRET = 'shpss_test_secret';
let s;
let sink;
let shopify;
let integrationId;
let userId;
let orderWorkflow;

// A stand-in for one shop's Admin REST API: webhooks and orders.
async function startShopify() {
  const webhooks = [];
  let nextId = 900;
  const base = '/admin/api/2024-01';
  const stub = await startStub((req) => {
    if (req.headers['x-shopify-access-token'] !== 'shpat_ok') return { status: 401, body: { errors: '[API] Invalid API key or access token' } };
    if (req.method === 'POST' && req.url === `${base}/webhooks.json`) {
      const w = { id: nextId++, ...JSON.parse(req.body).webhook };
      webhooks.push(w);
      return { status: 201, body: { webhook: w } };
    }
    const del = req.url.match(/webhooks\/(\d+)\.json$/);
    if (req.method === 'DELETE' && del) {
      const i = webhooks.findIndex((w) => String(w.id) === del[1]);
      if (i >= 0) webhooks.splice(i, 1);
      return { body: {} };
    }
    const ord = req.url.match(/orders\/(\d+)\.json$/);
    if (ord && req.method === 'PUT') return { body: { order: { ...JSON.parse(req.body).order, updated: true } } };
    if (ord) return { body: { order: { id: Number(ord[1]), name: '#1001' } } };
    return { status: 404, body: { errors: 'Not Found' } };
  });
  return { ...stub, url: `${stub.url}${base}`, webhooks };
}

async function releaseAndInstall(definition, fields = []) {
  const r = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition } });
  assert.equal(r.body.valid, true, JSON.stringify(r.body));
  const wf = r.body.workflowId;
  assert.equal((await api(s, 'POST', `${V}/workflows/${wf}/release`)).status, 200);
  const start = await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId, integrationId, workflowIds: [wf] } });
  const done = await api(s, 'POST', `${V}/headless/completeInstallation`, { body: {
    installationId: start.body.installationId, data: [{ workflowId: wf, blockId: 'config', fields }] } });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  return wf;
}

before(async () => {
  sink = await startSink();
  shopify = await startShopify();
  s = await startServer(['--allow-private-network', '--workers', '2']);
  integrationId = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'Shopify', app: 'shopify' } })).body.integrationId;
  userId = (await api(s, 'POST', `${V}/users`, { body: { username: 'shop-owner' } })).body.userId;
  const r = await api(s, 'POST', `${V}/headless/credentials`, { body: { userId, credential: { type: 'shopify',
    data: { shopSubdomain: 'my-shop', accessToken: 'shpat_ok', webhookSecret: SECRET, baseUrl: shopify.url } } } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
});
after(async () => {
  assert.equal(await s.stop(), 0);
  await shopify.close();
  await sink.close();
});

test('Shopify orders/create: subscribed, HMAC-verified deliveries run, forged ones get 401', async () => {
  orderWorkflow = await releaseAndInstall({
    name: 'Shopify order → AcmeCo', trigger: { type: 'app', app: 'shopify', trigger: 'orderCreated' },
    blocks: [{ id: 'stream', type: 'streamData', inputs: { url: `"${sink.url}/shopify"`, body: 'event' } }],
  });
  const hook = await waitUntil('the webhook subscription', () => shopify.webhooks[0]);
  assert.equal(hook.topic, 'orders/create');
  const body = JSON.stringify({ id: 450789469, email: 'bob@example.com', total_price: '10.00' });
  const sign = (b, key) => createHmac('sha256', key).update(b).digest('base64');
  let res = await fetch(hook.address, { method: 'POST', body,
    headers: { 'Content-Type': 'application/json', 'X-Shopify-Hmac-Sha256': sign(body, 'wrong') } });
  assert.equal(res.status, 401);
  res = await fetch(hook.address, { method: 'POST', body: body.replace('10.00', '0.01'),
    headers: { 'Content-Type': 'application/json', 'X-Shopify-Hmac-Sha256': sign(body, SECRET) } });
  assert.equal(res.status, 401, 'a body changed after signing');
  res = await fetch(hook.address, { method: 'POST', body,
    headers: { 'Content-Type': 'application/json', 'X-Shopify-Hmac-Sha256': sign(body, SECRET) } });
  assert.equal(res.status, 200);
  await sink.waitFor('/shopify', 1);
  assert.deepEqual(JSON.parse(sink.on('/shopify')[0].body), JSON.parse(body));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(sink.on('/shopify').length, 1, 'only the verified delivery ran');
});

test('deactivating unsubscribes, activating subscribes again, an upgrade off the trigger unsubscribes', async () => {
  const first = shopify.webhooks[0].id;
  let r = await api(s, 'PUT', `${V}/workflows/deactivate`, { body: { userId, workflowId: orderWorkflow } });
  assert.equal(r.status, 200);
  await waitUntil('the webhook to be deleted', () => shopify.webhooks.length === 0);
  r = await api(s, 'PUT', `${V}/workflows/activate`, { body: { userId, workflowId: orderWorkflow } });
  assert.equal(r.status, 200);
  const again = await waitUntil('a new webhook', () => shopify.webhooks[0]);
  assert.notEqual(again.id, first);
  await api(s, 'POST', `${V}/events`, { body: { name: 'Manual Order', body: { id: 'Number' } } });
  await api(s, 'PUT', `${V}/workflows/${orderWorkflow}`, { body: { definition: {
    name: 'Shopify order → AcmeCo', trigger: { type: 'customEvent', event: 'Manual Order' },
    blocks: [{ id: 'stream', type: 'streamData', inputs: { url: `"${sink.url}/shopify"`, body: 'event' } }] } } });
  assert.equal((await api(s, 'POST', `${V}/workflows/${orderWorkflow}/release`)).status, 200);
  r = await api(s, 'PUT', `${V}/workflows/${orderWorkflow}/upgrade?userId=${userId}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await waitUntil('the webhook to be deleted after the upgrade', () => shopify.webhooks.length === 0);
});

test('Shopify updateOrder sends the order wrapped, with the access token', async () => {
  await api(s, 'POST', `${V}/events`, { body: { name: 'Order Noted', body: { orderId: 'String', note: 'String' } } });
  const wf = await releaseAndInstall({
    name: 'Note → Shopify', trigger: { type: 'customEvent', event: 'Order Noted' },
    blocks: [{ id: 'up', type: 'appAction', app: 'shopify', action: 'updateOrder',
      inputs: { id: 'event.orderId', note: 'event.note' } },
    { id: 'stream', type: 'streamData', inputs: { url: `"${sink.url}/noted"`, body: 'steps.up' } }],
  });
  await api(s, 'POST', `${V}/run/event`, { body: { event: 'Order Noted', userId, data: { orderId: '77', note: 'gift' } } });
  await sink.waitFor('/noted', 1);
  assert.deepEqual(JSON.parse(sink.on('/noted')[0].body), { id: 77, note: 'gift', updated: true });
  const put = shopify.requests.find((r) => r.method === 'PUT');
  assert.equal(put.url, '/admin/api/2024-01/orders/77.json');
  assert.equal(put.headers['x-shopify-access-token'], 'shpat_ok');
  assert.equal(put.headers['x-alloy-workflowid'], wf);
  assert.ok(put.headers['idempotency-key']);
});

test('the generic HTTP API connector sends the credential\'s header to the credential\'s base URL', async () => {
  const r = await api(s, 'POST', `${V}/headless/credentials`, { body: { userId, credential: { type: 'http',
    data: { headerName: 'X-Api-Key', headerValue: 'k-123', baseUrl: `${sink.url}/api` } } } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await api(s, 'POST', `${V}/events`, { body: { name: 'Ping', body: { n: 'Number' } } });
  await releaseAndInstall({
    name: 'Ping → HTTP', trigger: { type: 'customEvent', event: 'Ping' },
    blocks: [{ id: 'call', type: 'appAction', app: 'http', action: 'post',
      inputs: { path: '"/things"', query: "{'n': event.n}", body: "{'n': event.n}" } }],
  });
  await api(s, 'POST', `${V}/run/event`, { body: { event: 'Ping', userId, data: { n: 5 } } });
  await sink.waitFor('/api/things', 1);
  const got = sink.on('/api/things')[0];
  assert.equal(got.path, '/api/things?n=5');
  assert.equal(got.headers['x-api-key'], 'k-123');
  assert.deepEqual(JSON.parse(got.body), { n: 5 });
});
