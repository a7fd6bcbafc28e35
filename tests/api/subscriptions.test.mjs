// An app-trigger subscription that fails is visible (issue 14, item 3): the installation lists it
// (subscriptions: [{app, event, status, error, lastAttemptAt}]), the workflow's errors and the
// error stream carry it, it is tried again with backoff, and at once when the user's credentials
// change. Runs the real binary against demo/bigcommerce-sandbox.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, waitUntil, storeSql } from './server.mjs';
import { startSink } from './sink.mjs';
import { startSandbox } from './sandbox.mjs';

const V = '/2024-03';
const TOKEN = 'subscriptions-token';
let s;
let sink;
let shop;
let integrationId;
let workflowId;
let userId;

const sql = (query) => storeSql(s, query);

const entryOf = async () => (await api(s, 'GET', `${V}/installations`)).body.data.find((i) => i.userId === userId);
const subscriptionOf = async () => (await entryOf())?.subscriptions[0];
const errorsOf = async () => (await api(s, 'GET', `${V}/workflows/${workflowId}/errors?userId=${userId}`)).body.data;

before(async () => {
  sink = await startSink();
  shop = await startSandbox({ storeHash: 'subs1', token: TOKEN });
  s = await startServer(['--allow-private-network']);
  await api(s, 'PUT', `${V}/settings`, { body: { errorWebhookUrl: `${sink.url}/errors` } });
  integrationId = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'BigCommerce', app: 'bigcommerce' } })).body.integrationId;
  const c = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition: {
    name: 'New orders to AcmeCo', trigger: { type: 'app', app: 'bigcommerce', trigger: 'orderCreated' },
    blocks: [{ id: 'stream', name: 'Stream Data', type: 'streamData', inputs: { url: `'${sink.url}/orders'`, body: 'event' } }] } } });
  workflowId = c.body.workflowId;
  assert.equal((await api(s, 'POST', `${V}/workflows/${workflowId}/release`)).status, 200);
  userId = (await api(s, 'POST', `${V}/users`, { body: { username: 'subscriber' } })).body.userId;
});

after(async () => {
  assert.equal(await s.stop(), 0);
  await shop.stop();
  await sink.close();
});

test('a subscription the store refuses shows in the installation, the errors and the error stream', async () => {
  // A mistyped token, stored without the Connect check (verify: false), as an API user may.
  let r = await api(s, 'POST', `${V}/headless/credentials`, { body: { userId, verify: false,
    credential: { type: 'bigcommerce', data: { store_hash: 'subs1', access_token: 'wrong', baseUrl: shop.apiBase } } } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const start = await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId, integrationId } });
  r = await api(s, 'POST', `${V}/headless/completeInstallation`, { body: { installationId: start.body.installationId, data: [] } });
  assert.equal(r.status, 200, JSON.stringify(r.body));

  const before = Date.now();
  const sub = await waitUntil('the failed subscription', async () => {
    const x = await subscriptionOf();
    return x?.status === 'error' ? x : null;
  });
  assert.equal(sub.workflowId, workflowId);
  assert.equal(sub.app, 'bigcommerce');
  assert.equal(sub.event, 'orderCreated');
  assert.match(sub.error, /HTTP 401/);
  assert.ok(Date.parse(sub.lastAttemptAt) > before - 60000);
  // The next attempt waits (15–30 s after the first failure), it is not made at once.
  const wait = Date.parse(sub.nextAttemptAt) - Date.parse(sub.lastAttemptAt);
  assert.ok(wait >= 15000 && wait <= 30000, `next attempt in ${wait} ms`);
  assert.equal((await shop.call('GET', '/v3/hooks')).body.data.length, 0);

  const errors = await errorsOf();
  const e = errors.find((x) => x.type === 'subscription');
  assert.ok(e, JSON.stringify(errors));
  assert.equal(e.status, 'retrying');
  assert.equal(e.childWorkflowId, (await entryOf()).installationId);
  assert.match(e.subscriptionId, /^[0-9a-f]{24}$/);
  assert.equal(e.block, 'BigCommerce trigger: Order created');
  assert.match(e.message, /subscription failed: .*HTTP 401/);

  await sink.waitFor('/errors', 1);
  const streamed = JSON.parse(sink.on('/errors')[0].body);
  assert.equal(streamed.type, 'subscriptionError');
  assert.equal(streamed.subscriptionId, e.subscriptionId);
  assert.equal(streamed.workflowId, workflowId);
  assert.match(streamed.message, /HTTP 401/);
});

test('a failed subscription is tried again with backoff, one error entry for the same reason', async () => {
  const first = await subscriptionOf();
  // Bring the planned attempt forward (as the clock would): it is made, fails the same way, and
  // the next one waits longer.
  sql('UPDATE app_subscriptions SET retry_at = 1 WHERE retry_at IS NOT NULL');
  const again = await waitUntil('the second attempt', async () => {
    const x = await subscriptionOf();
    return x && Date.parse(x.lastAttemptAt) > Date.parse(first.lastAttemptAt) && x.nextAttemptAt ? x : null;
  });
  assert.equal(again.status, 'error');
  const wait = Date.parse(again.nextAttemptAt) - Date.parse(again.lastAttemptAt);
  assert.ok(wait >= 30000 && wait <= 60000, `the second wait doubles (${wait} ms)`);
  const subs = (await errorsOf()).filter((x) => x.type === 'subscription');
  assert.equal(subs.length, 1, 'the same failure is one entry');
  assert.equal(subs[0].attempt, 2);
  assert.equal(sink.on('/errors').length, 1, 'and streamed once');
});

test('a new credential retries at once: the subscription becomes active', async () => {
  const r = await api(s, 'POST', `${V}/headless/credentials`, { body: { userId,
    credential: { type: 'bigcommerce', data: { store_hash: 'subs1', access_token: TOKEN, baseUrl: shop.apiBase } } } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const sub = await waitUntil('the active subscription', async () => {
    const x = await subscriptionOf();
    return x?.status === 'active' ? x : null;
  }, 10000);
  assert.equal(sub.error, null);
  assert.equal(sub.nextAttemptAt, undefined);
  const hooks = (await shop.call('GET', '/v3/hooks')).body.data;
  assert.equal(hooks.length, 1);
  assert.equal(hooks[0].scope, 'store/order/created');
  const e = (await errorsOf()).find((x) => x.type === 'subscription');
  assert.equal(e.status, 'resolved');
});
