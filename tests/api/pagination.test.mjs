// Pagination of list actions against demo/bigcommerce-sandbox, which pages as BigCommerce does: a
// workflow's listOrders (v2: page/limit, 204 past the end) and listProducts (v3: data and
// meta.pagination.total_pages) return every item of every page, in order, without duplicates;
// the block's maxItems caps them; and bad pagination definitions are refused when connectors load,
// with the file's path and the reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startServer, api, connectorDir } from './server.mjs';
import { startSink } from './sink.mjs';
import { startSandbox } from './sandbox.mjs';

const V = '/2024-03';
const TOKEN = 'bc-pagination-token';
let s;
let sink;
let shop;
let userId;
let runs = 0;

// Orders (or products) created in the store, in parallel batches; their ids in creation order.
async function create(n, make) {
  const ids = [];
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, k) => make(i + k)));
    ids.push(...batch);
  }
  return ids.sort((a, b) => a - b);
}
const newOrders = (n) => create(n, async (i) => (await shop.call('POST', '/v2/orders', {
  billing_address: { first_name: 'Ada', email: `ada${i}@example.com` },
  products: [{ name: 'Widget', quantity: 1, price_inc_tax: 5 }] })).body.id);
const newProducts = (n) => create(n, async (i) => (await shop.call('POST', '/v3/catalog/products',
  { name: `Widget ${i}`, sku: `W-${i}`, price: 5 })).body.data.id);

// Requests the sandbox answered for path, by status (its log has one line per request).
const answered = (p) => {
  const lines = shop.log().split('\n').filter((l) => l.startsWith(`sandbox: GET /stores/acme1${p} `));
  return lines.map((l) => Number(l.split(' ').pop()));
};

// Runs the workflow's action through the event "List" and returns what the block output.
async function list(action, data = {}) {
  const r = await api(s, 'POST', `${V}/run/event`, { body: { event: 'List', userId, data: { action, ...data } } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  runs++;
  await sink.waitFor('/listed', runs);
  return JSON.parse(sink.on('/listed')[runs - 1].body);
}

before(async () => {
  sink = await startSink();
  shop = await startSandbox({ storeHash: 'acme1', token: TOKEN });
  s = await startServer(['--allow-private-network', '--workers', '2']);
  let r = await api(s, 'POST', `${V}/events`, { body: { name: 'List', body: { type: 'object', required: ['action'], properties: { action: { type: 'string' }, max: { type: 'integer' } } } } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const integrationId = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'BigCommerce', app: 'bigcommerce' } })).body.integrationId;
  const definition = {
    name: 'List everything', trigger: { type: 'customEvent', event: 'List' },
    blocks: [{ id: 'pick', type: 'ifElse', inputs: { condition: "event.action = 'orders'" },
      then: [{ id: 'orders', type: 'appAction', app: 'bigcommerce', action: 'listOrders', inputs: { maxItems: 'event.max' } },
        { id: 'sendOrders', type: 'streamData', inputs: { url: `"${sink.url}/listed"`,
          body: "{'ids': [steps.orders.id], 'output': $type(steps.orders)}" } }],
      else: [{ id: 'products', type: 'appAction', app: 'bigcommerce', action: 'listProducts', inputs: { maxItems: 'event.max' } },
        { id: 'sendProducts', type: 'streamData', inputs: { url: `"${sink.url}/listed"`,
          body: "{'ids': [steps.products.id], 'output': $type(steps.products)}" } }] }],
  };
  r = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition } });
  assert.equal(r.body.valid, true, JSON.stringify(r.body));
  const workflowId = r.body.workflowId;
  assert.equal((await api(s, 'POST', `${V}/workflows/${workflowId}/release`)).status, 200);
  userId = (await api(s, 'POST', `${V}/users`, { body: { username: 'pager' } })).body.userId;
  r = await api(s, 'POST', `${V}/headless/credentials`, { body: { userId,
    credential: { type: 'bigcommerce', data: { store_hash: 'acme1', access_token: TOKEN, baseUrl: shop.apiBase } } } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const start = await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId, integrationId } });
  const done = await api(s, 'POST', `${V}/headless/completeInstallation`, { body: { installationId: start.body.installationId,
    data: [{ workflowId, blockId: 'config', fields: [] }] } });
  assert.equal(done.status, 200, JSON.stringify(done.body));
});

after(async () => {
  if (s) assert.equal(await s.stop(), 0);
  if (shop) await shop.stop();
  if (sink) await sink.close();
});

test('listOrders returns every order of every v2 page, in order, once; 204 past the end stops it', async () => {
  const ids = await newOrders(500); // two full pages of 250
  const before = answered('/v2/orders').length;
  const got = await list('orders');
  assert.equal(got.output, 'array');
  assert.equal(got.ids.length, 500);
  assert.deepEqual(got.ids, ids, 'every order, oldest first');
  assert.equal(new Set(got.ids).size, 500, 'no duplicates');
  assert.deepEqual(answered('/v2/orders').slice(before), [200, 200, 204], 'pages 1 and 2, then 204');
});

test('a short last page stops listOrders without asking for another', async () => {
  const more = await newOrders(20);
  const before = answered('/v2/orders').length;
  const got = await list('orders');
  assert.equal(got.ids.length, 520);
  assert.deepEqual(got.ids.slice(500), more);
  assert.equal(new Set(got.ids).size, 520);
  assert.deepEqual(answered('/v2/orders').slice(before), [200, 200, 200]);
});

test('maxItems caps the items, across pages and within one', async () => {
  let got = await list('orders', { max: 260 });
  assert.equal(got.ids.length, 260);
  const all = (await list('orders')).ids;
  assert.deepEqual(got.ids, all.slice(0, 260));
  const before = answered('/v2/orders').length;
  got = await list('orders', { max: 3 });
  assert.deepEqual(got.ids, all.slice(0, 3));
  assert.deepEqual(answered('/v2/orders').slice(before), [200], 'one request (its limit is 3: see tests/unit/pagination.json)');
});

test('listProducts pages v3 data and stops at meta.pagination.total_pages', async () => {
  let got = await list('products');
  assert.deepEqual(got.ids, [], 'no products: an empty array');
  const ids = await newProducts(260);
  const before = answered('/v3/catalog/products').length;
  got = await list('products');
  assert.deepEqual(got.ids, ids);
  assert.equal(answered('/v3/catalog/products').length - before, 2, 'total_pages 2: no third request');
});

test('bad pagination definitions are refused at load with the file and the reason', async () => {
  const dir = connectorDir();
  const file = (app, pagination, extra = {}) => writeFileSync(path.join(dir, `${app}.json`), JSON.stringify({
    app, name: app, baseUrl: 'https://api.example.com', auth: { type: 'none' },
    actions: { list: { method: 'GET', path: '/items', pagination, ...extra } } }));
  file('nocursor', { style: 'cursor', param: 'cursor' });
  file('noparam', { style: 'offset', sizeParam: 'limit' });
  file('misspelt', { style: 'page', param: 'page', pageSize: 50 });
  file('withoutput', { style: 'page', param: 'page' }, { output: 'body' });
  file('fine', { style: 'page', param: 'page', sizeParam: 'limit', size: 100, itemsPath: 'data' });
  file('badoutput', { style: 'page', param: 'page' }, { outputSchema: { type: 'no-such-type' } });
  const other = await startServer(['--connectors', dir]);
  try {
    const log = other.errors();
    const skipped = (app, reason) => assert.ok(
      log.includes(`solder: connector ${path.join(dir, `${app}.json`)} skipped: ${reason}`), `${app}: ${log}`);
    skipped('nocursor', 'actions.list.pagination: style cursor needs nextCursor');
    skipped('noparam', 'actions.list.pagination: style offset needs param');
    skipped('misspelt', '/actions/list/pagination');
    skipped('withoutput', 'actions.list: output cannot be combined with pagination');
    skipped('badoutput', 'actions.list.outputSchema');
    const apps = (await api(other, 'GET', `${V}/metadata/apps`)).body.data;
    const fine = apps.find((a) => a.name === 'fine');
    assert.ok(fine, 'the good file loads');
    assert.ok(!apps.some((a) => ['nocursor', 'noparam', 'misspelt', 'withoutput', 'badoutput'].includes(a.name)));
    assert.equal(fine.actions[0].inputs.properties.maxItems.type, 'integer', 'maxItems is an input of a paginated action');
  } finally {
    assert.equal(await other.stop(), 0);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('link pagination follows rel="next" on the same origin until a page has none', async () => {
  // A local API whose three pages link to each other (relative links, as GitHub-style APIs send).
  const seen = [];
  const pages = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://local');
    seen.push(u.pathname + u.search);
    const page = Number(u.searchParams.get('p') || '1');
    const headers = { 'content-type': 'application/json' };
    if (page < 3) headers.link = `</items?p=${page + 1}>; rel="next", </items?p=1>; rel="first"`;
    res.writeHead(200, headers);
    res.end(JSON.stringify([1, 2, 3].map((i) => ({ id: (page - 1) * 3 + i }))));
  });
  await new Promise((r) => pages.listen(0, '127.0.0.1', r));
  const dir = connectorDir({
    app: 'linked', name: 'Linked', baseUrl: `http://127.0.0.1:${pages.address().port}`, auth: { type: 'none' },
    actions: { list: { method: 'GET', path: '/items', pagination: { style: 'link' } } } });
  const t = await startServer(['--allow-private-network', '--connectors', dir]);
  try {
    let r = await api(t, 'POST', `${V}/events`, { body: { name: 'L', body: { go: 'String' } } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const integrationId = (await api(t, 'POST', `${V}/integrations`, { body: { name: 'Linked', app: 'linked' } })).body.integrationId;
    r = await api(t, 'POST', `${V}/workflows`, { body: { integrationId, definition: {
      name: 'list linked', trigger: { type: 'customEvent', event: 'L' },
      blocks: [{ id: 'list', type: 'appAction', app: 'linked', action: 'list', inputs: {} },
        { id: 'send', type: 'streamData', inputs: { url: `"${sink.url}/linked"`, body: "{'ids': [steps.list.id]}" } }] } } });
    assert.equal(r.body.valid, true, JSON.stringify(r.body));
    const workflowId = r.body.workflowId;
    assert.equal((await api(t, 'POST', `${V}/workflows/${workflowId}/release`)).status, 200);
    const user = (await api(t, 'POST', `${V}/users`, { body: { username: 'linker' } })).body.userId;
    const start = await api(t, 'POST', `${V}/headless/startInstallation`, { body: { userId: user, integrationId } });
    const done = await api(t, 'POST', `${V}/headless/completeInstallation`, { body: { installationId: start.body.installationId,
      data: [{ workflowId, blockId: 'config', fields: [] }] } });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    r = await api(t, 'POST', `${V}/run/event`, { body: { event: 'L', userId: user, data: { go: 'yes' } } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await sink.waitFor('/linked', 1);
    assert.deepEqual(JSON.parse(sink.on('/linked')[0].body).ids, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(seen, ['/items', '/items?p=2', '/items?p=3']);
  } finally {
    assert.equal(await t.stop(), 0);
    pages.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
