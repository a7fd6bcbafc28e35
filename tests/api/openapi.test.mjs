// `solder connector import-openapi` against the vendor specs in ../shared/testdata/bigcommerce
// (SOLDER_TESTDATA overrides the location; they carry no licence, so they are not in this
// repository, and the tests that need them skip without them, or fail in CI: tests/skip.mjs): every OpenAPI 3 document converts into a connector the
// connector schema accepts, with one action per operation (counted here from the YAML text, not by
// the binary); other documents and broken ones exit 2 naming the problem and its line. Then a
// generated connector is loaded by the real server and one of its actions is run against a local
// stand-in for the store's API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, startServer, api, waitUntil, connectorDir } from './server.mjs';
import { startStub } from './sink.mjs';
import { testNeeding } from '../skip.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const TESTDATA = process.env.SOLDER_TESTDATA || path.join(here, '../../../shared/testdata');
const SPECS = path.join(TESTDATA, 'bigcommerce');
const ORDERS = path.join(SPECS, 'docs-repo/reference/orders.v2.oas2.yml');
const SCHEMA = path.join(here, '../../connectors/connector.schema.json');
const NO_SPECS = existsSync(ORDERS) ? false : `the BigCommerce specs are not at ${SPECS} (set SOLDER_TESTDATA)`;
const V = '/2024-03';
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

const tmp = mkdtempSync(path.join(tmpdir(), 'solder-openapi-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const run = (...args) => spawnSync(BIN, args, { encoding: 'utf8', maxBuffer: 64 << 20 });

function importSpec(spec, ...args) {
  const r = run('connector', 'import-openapi', spec, ...args);
  assert.equal(r.status, 0, `${spec}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function yamlFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(name) ? [p] : [];
  });
}

// Operations in an OpenAPI YAML document, from its text: the method keys one indentation step below
// the paths under `paths:`. Independent of the binary's YAML reader.
function countOperations(text) {
  const lines = text.split(/\r?\n/);
  let i = lines.findIndex((l) => /^paths:\s*$/.test(l));
  const counts = { actions: 0, other: 0 };
  if (i < 0) return counts;
  let step = -1;
  for (i++; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*(#.*)?$/.test(line)) continue;
    const indent = line.match(/^ */)[0].length;
    if (indent === 0) break;
    if (step < 0) step = indent;
    const m = indent === 2 * step && line.match(/^\s*([a-z]+):\s*$/);
    if (m && METHODS.includes(m[1])) counts.actions++;
    else if (m && ['head', 'options', 'trace'].includes(m[1])) counts.other++;
  }
  return counts;
}

testNeeding(NO_SPECS, 'every OpenAPI 3 spec converts: one valid action per operation; other files exit 2', () => {
  let converted = 0;
  for (const file of yamlFiles(SPECS)) {
    const text = readFileSync(file, 'utf8');
    const r = run('connector', 'import-openapi', file, '--app', 'bc');
    if (/^openapi:\s*['"]?3\./m.test(text)) {
      assert.equal(r.status, 0, `${file}: ${r.stderr}`);
      const conn = JSON.parse(r.stdout);
      const { actions } = countOperations(text);
      assert.ok(actions > 0, file);
      assert.equal(Object.keys(conn.actions).length, actions, `${file}: actions`);
      assert.match(r.stderr, new RegExp(`: ${actions} actions, `));
      assert.equal(conn.app, 'bc');
      assert.match(conn.baseUrl, /^https:\/\/api\.bigcommerce\.com\/stores\/\{credential\.store_hash\}\/v[23]$/);
      assert.equal(conn.auth.type, 'apiKey');
      assert.equal(conn.auth.headers['X-Auth-Token'], '{credential.x_auth_token}');
      assert.deepEqual(conn.auth.fields.required, ['store_hash', 'x_auth_token']);
      for (const [name, a] of Object.entries(conn.actions)) {
        // Every {placeholder} of a path is a required input.
        for (const [, input] of a.path.matchAll(/\{inputs\.([^}]+)\}/g)) {
          assert.ok(a.inputs.properties[input], `${file} ${name}: ${input}`);
          assert.ok(a.inputs.required.includes(input), `${file} ${name}: ${input} required`);
        }
        assert.doesNotMatch(JSON.stringify(a), /"\$ref"/, `${file} ${name}: a $ref left`);
      }
      const out = path.join(tmp, `spec-${converted}.json`);
      writeFileSync(out, r.stdout);
      const v = run('schema', 'validate', SCHEMA, out);
      assert.equal(v.status, 0, `${file}: ${v.stdout}${v.stderr}`);
      converted++;
    } else if (/^swagger:/m.test(text)) {
      assert.equal(r.status, 2, file);
      assert.match(r.stderr, /Swagger 2\.0 document: only OpenAPI 3\.0 and 3\.1/);
    } else {
      assert.equal(r.status, 2, file);
      assert.match(r.stderr, /not an OpenAPI document: no top-level "openapi" member/);
    }
    assert.ok(!/ERROR: (Address|Leak)Sanitizer|runtime error/.test(r.stderr), `${file}: ${r.stderr}`);
  }
  assert.ok(converted >= 5, `${converted} specs converted`);
});

testNeeding(NO_SPECS, 'the orders spec: PUT /v2/orders/{order_id} takes status_id; GET /orders maps its filters', () => {
  const conn = importSpec(ORDERS, '--app', 'bcorders', '--name', 'BigCommerce Orders');
  assert.equal(conn.name, 'BigCommerce Orders');
  assert.equal(conn.description, 'Orders V2');
  assert.equal(new URL(conn.baseUrl.replace('{credential.store_hash}', 'x')).pathname, '/stores/x/v2');
  const put = Object.values(conn.actions).find((a) => a.method === 'PUT' && a.path === '/orders/{inputs.order_id}');
  assert.ok(put, 'an action for PUT /v2/orders/{order_id}');
  assert.equal(put, conn.actions.updateOrder);
  assert.equal(put.title, 'Update an Order');
  assert.equal(put.inputs.properties.status_id.type, 'integer');
  assert.equal(put.inputs.properties.order_id.type, 'integer');
  assert.deepEqual(put.inputs.required, ['order_id']);
  assert.equal(put.body, "$sift(inputs, function($v, $k) {$not($k in ['order_id'])})");
  // readOnly members of the request schema are not inputs; allOf parts are merged.
  assert.equal(put.inputs.properties.default_currency_code, undefined);
  assert.ok(put.inputs.properties.billing_address.allOf[0].properties.first_name);
  const list = conn.actions.getOrders;
  assert.equal(list.method, 'GET');
  assert.equal(list.path, '/orders');
  assert.match(list.query, /'status_id': inputs\.status_id/);
  assert.equal(list.body, undefined);
  // The 200 answer's JSON schema is the action's outputSchema, readOnly members kept.
  assert.equal(list.outputSchema.type, 'array');
  const order = conn.actions.getOrder.outputSchema;
  assert.ok(order.allOf.some((part) => part.properties && part.properties.id && part.properties.id.type === 'integer'),
    JSON.stringify(order).slice(0, 300));
  assert.equal(conn.actions.deleteOrder.outputSchema, undefined, 'a 204 answer has no schema');
  assert.deepEqual(Object.keys(conn.actions).slice(0, 5), ['getOrder', 'updateOrder', 'deleteOrder', 'getOrdersCount', 'getOrders']);
  // Array query parameters go comma-separated; names that are not identifiers are quoted.
  const customers = importSpec(path.join(SPECS, 'docs-repo/reference/customers.v3.yml'), '--app', 'c', '--operation', 'getCustomers');
  assert.match(customers.actions.getCustomers.query, /'id:in': \$join\(inputs\.`id:in`\.\$string\(\), ','\)/);
  // A body that is an array stays one input.
  const create = importSpec(path.join(SPECS, 'docs-repo/reference/customers.v3.yml'), '--app', 'c', '--operation', 'createCustomers');
  assert.equal(create.actions.createCustomers.body, 'inputs.body');
  assert.equal(create.actions.createCustomers.inputs.properties.body.type, 'array');
});

testNeeding(NO_SPECS, '--tag and --operation pick a subset; --base-url replaces the server', () => {
  let conn = importSpec(ORDERS, '--app', 'o', '--operation', 'getOrders', '--operation', 'updateOrder');
  assert.deepEqual(Object.keys(conn.actions), ['updateOrder', 'getOrders']);
  conn = importSpec(ORDERS, '--app', 'o', '--tag', 'Order Status', '--base-url', 'https://example.test/v2');
  assert.deepEqual(Object.keys(conn.actions), ['getOrderStatuses', 'getOrderStatusesStatus']);
  assert.equal(conn.baseUrl, 'https://example.test/v2');
  // Without the server variable the credential form holds only the token.
  assert.deepEqual(conn.auth.fields.required, ['x_auth_token']);
  let r = run('connector', 'import-openapi', ORDERS, '--app', 'o', '--tag', 'No Such Tag');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no operation has the tag 'No Such Tag'/);
  r = run('connector', 'import-openapi', ORDERS, '--app', 'o', '--operation', 'frobnicate');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no operation 'frobnicate'/);
  const out = path.join(tmp, 'subset.json');
  r = run('connector', 'import-openapi', ORDERS, '--app', 'o', '--operation', 'getOrder', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.deepEqual(Object.keys(JSON.parse(readFileSync(out, 'utf8')).actions), ['getOrder']);
});

test('bad input exits 2 naming the problem and, for YAML, the line', () => {
  const write = (name, text) => { const p = path.join(tmp, name); writeFileSync(p, text); return p; };
  const tiny = 'openapi: 3.0.0\ninfo: {title: T, version: "1"}\npaths: {}\n';
  let r = run('connector', 'import-openapi', write('not-openapi.yml', 'hello: world\nlist: [1, 2]\n'), '--app', 'x');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /not-openapi\.yml: not an OpenAPI document/);
  r = run('connector', 'import-openapi', write('broken.yml', 'openapi: 3.0.0\ninfo:\n  title: T\n  version: [1, 2\npaths: {}\n'), '--app', 'x');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /broken\.yml:5:\d+: invalid YAML: did not find expected ',' or ']'.* started at 4:12/);
  r = run('connector', 'import-openapi', write('dup.yml', 'openapi: 3.0.0\ninfo: {title: T, version: "1"}\nopenapi: 3.1.0\n'), '--app', 'x');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /dup\.yml:3:1: invalid YAML: duplicate key 'openapi'/);
  r = run('connector', 'import-openapi', write('broken.json', '{"openapi": "3.0.0",\n "paths": {,}}'), '--app', 'x');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /broken\.json:2:\d+: /);
  r = run('connector', 'import-openapi', write('old.yml', 'openapi: 2.5.0\n'), '--app', 'x');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /OpenAPI 2\.5\.0: only 3\.0 and 3\.1/);
  r = run('connector', 'import-openapi', write('ok.yml', tiny));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /missing --app NAME/);
  r = run('connector', 'import-openapi', write('ok.yml', tiny), '--app', '9lives');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--app '9lives'/);
  r = run('connector', 'import-openapi', '--app', 'x');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /missing SPEC/);
  r = run('connector', 'import-openapi', path.join(tmp, 'absent.yml'), '--app', 'x');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot read .*absent\.yml/);
  r = run('connector', 'frobnicate');
  assert.equal(r.status, 2);
  const help = run('connector', '--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /import-openapi SPEC --app NAME/);
  assert.match(run('--help').stdout, /connector\s+connector files: import-openapi/);
});

test('--dump-json prints the YAML as the reader sees it (core schema, aliases)', () => {
  const p = path.join(tmp, 'dump.yml');
  writeFileSync(p, 'a: &x {n: 010, f: 1.5e1, s: "010", t: true, y: yes, z: ~}\nb: *x\n"200": [0x1f, 0o17, null]\n');
  const r = run('connector', 'import-openapi', p, '--dump-json');
  assert.equal(r.status, 0, r.stderr);
  const x = { n: 10, f: 15, s: '010', t: true, y: 'yes', z: null };
  assert.deepEqual(JSON.parse(r.stdout), { a: x, b: x, 200: [31, 15, null] });
});

test('auth and server variables from a hand-written spec: basic, bearer, oauth2, query keys', () => {
  const spec = (security, schemes) => JSON.stringify({
    openapi: '3.1.0', info: { title: 'Acme', version: '1' },
    servers: [{ url: '{scheme}://{tenant}.acme.test/api', variables: { scheme: { default: 'https' }, tenant: { default: 'demo', enum: ['demo', 'prod'] } } }],
    security, components: { securitySchemes: schemes },
    paths: { '/things/{id}': { get: { operationId: 'get-thing', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } },
      { name: 'X-Trace', in: 'header', required: true, schema: { type: 'string' } }, { name: 'X-Opt', in: 'header', schema: { type: 'string' } },
      { name: 'sid', in: 'cookie', schema: { type: 'string' } }] },
    head: { operationId: 'headThing' }, post: { requestBody: { content: { 'text/plain': { schema: { type: 'string' } } } } } } },
  });
  const conv = (security, schemes) => {
    const p = path.join(tmp, 'acme.json');
    writeFileSync(p, spec(security, schemes));
    const r = run('connector', 'import-openapi', p, '--app', 'acme');
    assert.equal(r.status, 0, r.stderr);
    return { conn: JSON.parse(r.stdout), stderr: r.stderr };
  };
  let { conn, stderr } = conv([{ basic: [] }], { basic: { type: 'http', scheme: 'basic' } });
  assert.equal(conn.baseUrl, 'https://{credential.tenant}.acme.test/api');
  assert.deepEqual(conn.auth.fields.properties.tenant.enum, ['demo', 'prod']);
  assert.equal(conn.auth.type, 'basic');
  assert.equal(conn.auth.username, '{credential.username}');
  assert.deepEqual(conn.auth.fields.required, ['tenant', 'username', 'password']);
  assert.equal(conn.auth.credentialName, 'acme {credential.tenant}');
  const get = conn.actions.getThing;
  assert.equal(get.path, '/things/{inputs.id}');
  assert.deepEqual(get.headers, { 'X-Trace': '{inputs.X-Trace}' });
  assert.match(stderr, /optional header parameter X-Opt left out/);
  assert.match(stderr, /cookie parameter sid left out/);
  assert.match(stderr, /1 HEAD, OPTIONS or TRACE operations left out/);
  const post = conn.actions.postThingsById;
  assert.deepEqual(post.headers, { 'Content-Type': 'text/plain' });
  assert.equal(post.body, 'inputs.body');
  ({ conn } = conv([{ token: [] }], { token: { type: 'http', scheme: 'bearer' } }));
  assert.deepEqual(conn.auth.headers, { Authorization: 'Bearer {credential.token}' });
  ({ conn } = conv([{ key: [], app: [] }], { key: { type: 'apiKey', in: 'query', name: 'api_key' }, app: { type: 'apiKey', in: 'header', name: 'X-App' } }));
  assert.deepEqual(conn.auth.query, { api_key: '{credential.api_key}' });
  assert.deepEqual(conn.auth.headers, { 'X-App': '{credential.x_app}' });
  ({ conn } = conv(undefined, { oidc: { type: 'openIdConnect', openIdConnectUrl: 'https://acme.test/.well-known' },
    oauth: { type: 'oauth2', flows: { authorizationCode: { authorizationUrl: 'https://acme.test/authorize', tokenUrl: 'https://acme.test/token', scopes: { read: '', write: '' } } } } }));
  assert.equal(conn.auth.type, 'oauth2');
  assert.equal(conn.auth.authorizeUrl, 'https://acme.test/authorize');
  assert.equal(conn.auth.scopes, 'read write');
  assert.deepEqual(conn.auth.headers, { Authorization: 'Bearer {credential.access_token}' });
  ({ conn, stderr } = conv([{ oidc: [] }], { oidc: { type: 'openIdConnect', openIdConnectUrl: 'https://acme.test/.well-known' } }));
  assert.equal(conn.auth.type, 'apiKey');
  assert.deepEqual(conn.auth.fields.required, ['tenant']);
  assert.match(stderr, /openIdConnect does not map .*the connector has no auth/);
});

// Found by fuzzing the converter: members of the wrong type (a path item, a security requirement,
// a body's content or an oauth2 flow's scopes given as arrays) are skipped, not dereferenced.
test('members of the wrong type are skipped, not a crash', () => {
  const p = path.join(tmp, 'odd.yml');
  writeFileSync(p, [
    'openapi: 3.0.3', 'info: {title: Odd, version: "1"}',
    'security: [[x], k, {o: [read]}]',
    'components: {securitySchemes: {o: {type: oauth2, flows: {authorizationCode: {authorizationUrl: "https://a.test/a", tokenUrl: "https://a.test/t", scopes: [r]}}}}}',
    'paths:', '  /a: [get, put]', '  /b:', '    post: {operationId: b, requestBody: {content: [application/json]}}',
    '    put: {operationId: c, parameters: [1, {name: q}, {in: query}], requestBody: {content: {application/json: {schema: {type: object, properties: [x], items: [{type: string}], prefixItems: []}}}}}',
    ''].join('\n'));
  const r = run('connector', 'import-openapi', p, '--app', 'odd');
  assert.equal(r.status, 0, r.stderr);
  const conn = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(conn.actions), ['b', 'c']);
  assert.equal(conn.auth.type, 'oauth2');
  assert.equal(conn.auth.scopes, 'read');
});

// A stand-in for the store's v2 API: records each request, answers orders as JSON.
function startStore() {
  return startStub((r) => ({ body: r.method === 'GET' ? [{ id: 101, status_id: 11 }] : { id: 77, ...JSON.parse(r.body || '{}') } }));
}

testNeeding(NO_SPECS, 'the server loads a generated connector and runs its actions', async () => {
  const dir = connectorDir();
  const r = run('connector', 'import-openapi', ORDERS, '--app', 'bcorders', '--name', 'BigCommerce Orders',
    '--tag', 'Orders', '--out', path.join(dir, 'bcorders.json'));
  assert.equal(r.status, 0, r.stderr);
  const store = await startStore();
  const s = await startServer(['--allow-private-network', '--connectors', dir]);
  try {
    assert.doesNotMatch(s.errors(), /bcorders\.json skipped/);
    const apps = await api(s, 'GET', `${V}/metadata/apps`);
    const app = apps.body.data.find((a) => a.name === 'bcorders');
    assert.ok(app, JSON.stringify(apps.body));
    assert.equal(app.displayName, 'BigCommerce Orders');
    assert.ok(app.actions.find((a) => a.name === 'getOrders' && a.title));
    assert.equal(app.actions.find((a) => a.name === 'getOrders').outputSchema.type, 'array');
    const creds = await api(s, 'GET', `${V}/metadata/credentials/bcorders`);
    assert.deepEqual(creds.body.data.properties.map((p) => p.name), ['store_hash', 'x_auth_token']);

    const userId = (await api(s, 'POST', `${V}/users`, { body: { username: 'merchant' } })).body.userId;
    let c = await api(s, 'POST', `${V}/headless/credentials`, { body: { userId, credential: { type: 'bcorders', data: { store_hash: 'acme1' } } } });
    assert.equal(c.status, 422, 'the form requires the token');
    c = await api(s, 'POST', `${V}/headless/credentials`, { body: { userId, credential: { type: 'bcorders',
      data: { store_hash: 'acme1', x_auth_token: 'tok-1', baseUrl: `${store.url}/stores/acme1/v2` } } } });
    assert.equal(c.status, 200, JSON.stringify(c.body));

    const integrationId = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'Orders', app: 'bcorders' } })).body.integrationId;
    await api(s, 'POST', `${V}/events`, { body: { name: 'Order Check', body: { status: 'Number', orderId: 'Number' } } });
    const definition = { name: 'Check orders', trigger: { type: 'customEvent', event: 'Order Check' }, blocks: [
      { id: 'list', type: 'appAction', app: 'bcorders', action: 'getOrders', inputs: { status_id: 'event.status', limit: '5' } },
      { id: 'set', type: 'appAction', app: 'bcorders', action: 'updateOrder',
        inputs: { order_id: 'event.orderId', status_id: 'steps.list[0].status_id - 1' } }] };
    const w = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition } });
    assert.equal(w.body.valid, true, JSON.stringify(w.body));
    const wf = w.body.workflowId;
    assert.equal((await api(s, 'POST', `${V}/workflows/${wf}/release`)).status, 200);
    const start = await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId, integrationId, workflowIds: [wf] } });
    const done = await api(s, 'POST', `${V}/headless/completeInstallation`, { body: { installationId: start.body.installationId, data: [] } });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    await api(s, 'POST', `${V}/run/event`, { body: { event: 'Order Check', userId, data: { status: 11, orderId: 77 } } });

    await waitUntil('both actions to reach the store', () => store.requests.length >= 2);
    const [list, put] = store.requests;
    assert.equal(list.method, 'GET');
    assert.equal(list.url, '/stores/acme1/v2/orders?status_id=11&limit=5');
    assert.equal(list.headers['x-auth-token'], 'tok-1');
    assert.equal(put.method, 'PUT');
    assert.equal(put.url, '/stores/acme1/v2/orders/77');
    assert.deepEqual(JSON.parse(put.body), { status_id: 10 });
    assert.equal(put.headers['content-type'], 'application/json');
  } finally {
    assert.equal(await s.stop(), 0);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
