// The HTTP destinations against local stand-ins (standins.mjs) that check signatures, tokens,
// headers and bodies as the real services document them.
// - Snowflake: an insert's statement and bindings (types FIXED, REAL, TEXT, BOOLEAN; JSON through
//   PARSE_JSON), the credential's warehouse/database/schema/role, a statement answered 202 and
//   polled to its result, a 422 failure reported with Snowflake's code and not retried.
// - EventBridge: PutEvents signed with static keys and with a session token, throttling retried,
//   a partial failure reported per entry (throttled entries sent again alone), a refused signature
//   not retried.
// The credentials' secrets never show in the logs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { startServer, api, waitUntil } from './server.mjs';
import { startEventBridge, startSnowflake } from './standins.mjs';

const V = '/2024-03';
const KEYS = { accessKeyId: 'AKIDSOLDERTEST01', secretAccessKey: 'eb-secret-Key/0123456789abcdefghijkl' };
const TOKEN_KEYS = { accessKeyId: 'ASIASOLDERTEST02', secretAccessKey: 'eb-secret-Key/zyxwvutsrqponm', sessionToken: 'FQoGZXIvYXdzEBsession+token/value==' };

let s;
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' });
const PUBLIC_PEM = publicKey.export({ type: 'spki', format: 'pem' });

before(async () => {
  s = await startServer(['--allow-private-network', '--workers', '2']);
});
after(async () => {
  if (s) assert.equal(await s.stop(), 0);
});

async function install(app, credential, blocks) {
  const userId = (await api(s, 'POST', `${V}/users`, { body: { username: `u${Math.random().toString(36).slice(2)}` } })).body.userId;
  const integrationId = (await api(s, 'POST', `${V}/integrations`, { body: { name: `${app} ${userId}`, app } })).body.integrationId;
  const c = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition: { name: `To ${app} ${userId}`, trigger: { type: 'webhook' }, blocks } } });
  assert.equal(c.body.valid, true, JSON.stringify(c.body));
  const workflowId = c.body.workflowId;
  assert.equal((await api(s, 'POST', `${V}/workflows/${workflowId}/release`)).status, 200);
  const cred = await api(s, 'POST', `${V}/users/${userId}/credentials`, { body: { credential: { type: app, data: credential } } });
  assert.equal(cred.status, 200, JSON.stringify(cred.body));
  const start = await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId, integrationId } });
  assert.equal((await api(s, 'POST', `${V}/headless/completeInstallation`, { body: { installationId: start.body.installationId, data: [] } })).status, 200);
  return { workflowId, userId };
}

async function runToEnd({ workflowId, userId }, data) {
  const r = await api(s, 'POST', `${V}/run/workflow`, { body: { workflowId, userId, data } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return waitUntil('the execution', async () => {
    const logs = (await api(s, 'GET', `${V}/workflows/${workflowId}/logs?userId=${userId}`)).body.data || [];
    const x = logs.find((l) => l.executionId === r.body.executionId);
    return x?.finished ? x : null;
  }, 60000);
}

const output = (x, id) => x.results.find((r) => r.blockId === id)?.data[0]?.json;

test('snowflake: an insert is sent with a valid key-pair JWT, bindings by type and the session context', async () => {
  const sf = await startSnowflake({ account: 'xy12345', user: 'loader', publicKeyPem: PUBLIC_PEM });
  try {
    const inst = await install('snowflake', { account: 'xy12345.us-east-1', user: 'loader', privateKey: PRIVATE_PEM,
      warehouse: 'LOAD_WH', database: 'SALES', schema: 'PUBLIC', role: 'LOADER', baseUrl: sf.url }, [
      { id: 'wh', type: 'snowflake', operation: 'insert', table: 'orders', inputs: { values: {
        id: 'event.id', name: 'event.name', data: 'event.data', paid: 'true', total: '1.5', note: 'null' } } }]);
    const x = await runToEnd(inst, { id: 7, name: "O'Brien", data: { sku: 'A-1' } });
    assert.equal(x.status, 'success', JSON.stringify(x));
    assert.deepEqual(sf.refused, []);
    const st = sf.statements[0];
    assert.equal(st.statement, 'INSERT INTO "ORDERS" ("ID", "NAME", "DATA", "PAID", "TOTAL", "NOTE") SELECT ?, ?, PARSE_JSON(?), ?, ?, ?');
    assert.deepEqual(st.bindings, {
      1: { type: 'FIXED', value: '7' }, 2: { type: 'TEXT', value: "O'Brien" }, 3: { type: 'TEXT', value: '{"sku":"A-1"}' },
      4: { type: 'BOOLEAN', value: 'true' }, 5: { type: 'REAL', value: '1.5' }, 6: { type: 'TEXT', value: null } });
    assert.deepEqual([st.warehouse, st.database, st.schema, st.role, st.timeout], ['LOAD_WH', 'SALES', 'PUBLIC', 'LOADER', 30]);
    assert.equal(output(x, 'wh').rowsAffected, 1);
    assert.ok(!JSON.stringify(x).includes('PRIVATE KEY'), 'the private key is not in the log');
    assert.ok(!JSON.stringify(x).includes('eyJ'), 'nor the token');
  } finally { await sf.close(); }
});

test('snowflake: a 202 is polled to its result; a 422 is reported with its code and not retried', async () => {
  const sf = await startSnowflake({ account: 'myorg-acct', user: 'Loader', publicKeyPem: PUBLIC_PEM });
  try {
    const cred = { account: 'myorg-acct', user: 'Loader', privateKey: PRIVATE_PEM, baseUrl: sf.url };
    const slow = await install('snowflake', cred, [
      { id: 'q', type: 'snowflake', operation: 'statement', sql: 'SELECT SLOW(?, ?)', inputs: { parameters: ['event.a', 'event.b'] } }]);
    const x = await runToEnd(slow, { a: 'x', b: false });
    assert.equal(x.status, 'success', JSON.stringify(x));
    assert.equal(sf.polls, 2, 'polled until done');
    assert.deepEqual(output(x, 'q').rows, [{ N: 42, OK: true, V: { a: 1 } }]);
    assert.deepEqual(sf.statements[0].bindings, { 1: { type: 'TEXT', value: 'x' }, 2: { type: 'BOOLEAN', value: 'false' } });
    const failing = await install('snowflake', cred, [
      { id: 'q', type: 'snowflake', operation: 'statement', sql: 'INSERT INTO NOPE SELECT FAIL' }]);
    const y = await runToEnd(failing, {});
    assert.equal(y.status, 'error');
    assert.match(y.error, /Snowflake: HTTP 422 \[002003\/42S02\] SQL compilation error/);
    assert.deepEqual(y.results.map((r) => r.attempt), [1]);
    assert.deepEqual(sf.refused, []);
  } finally { await sf.close(); }
});

test('eventbridge: one event signed with static keys reaches the bus', async () => {
  const eb = await startEventBridge({ region: 'eu-west-1', keys: KEYS });
  try {
    const inst = await install('eventbridge', { region: 'eu-west-1', ...KEYS, baseUrl: eb.url }, [
      { id: 'eb', type: 'eventbridge', inputs: { source: "'com.acme.orders'", detailType: "'Order Created'", detail: 'event', eventBusName: "'orders'" } }]);
    const x = await runToEnd(inst, { orderId: 'o-1', total: 3 });
    assert.equal(x.status, 'success', JSON.stringify(x));
    assert.deepEqual(eb.refused, []);
    assert.deepEqual(eb.events.map((e) => [e.Source, e.DetailType, e.EventBusName, e.Detail]),
      [['com.acme.orders', 'Order Created', 'orders', { orderId: 'o-1', total: 3 }]]);
    assert.deepEqual(output(x, 'eb'), { failedEntryCount: 0, entries: [{ eventId: 'ev-1-0' }] });
    assert.ok(!JSON.stringify(x).includes(KEYS.secretAccessKey));
  } finally { await eb.close(); }
});

test('eventbridge: a session token is sent and signed; throttling is retried', async () => {
  const eb = await startEventBridge({ keys: TOKEN_KEYS,
    respond: (entries, n) => (n === 1 ? { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } } : null) });
  try {
    const inst = await install('eventbridge', { region: 'us-east-1', ...TOKEN_KEYS, baseUrl: eb.url }, [
      { id: 'eb', type: 'eventbridge', inputs: { source: "'acme'", detailType: "'Ping'", detail: "{'n': 1}" } }]);
    const x = await runToEnd(inst, {});
    assert.equal(x.status, 'success', JSON.stringify(x));
    assert.deepEqual(eb.refused, []);
    assert.equal(eb.requests.length, 2);
    assert.equal(eb.requests[1].headers['x-amz-security-token'], TOKEN_KEYS.sessionToken);
    const failed = x.results.find((r) => r.status === 'error');
    assert.match(failed.error, /ThrottlingException: Rate exceeded/);
    assert.deepEqual(x.results.map((r) => r.attempt), [1, 2]);
    assert.equal(eb.events[0].EventBusName, 'default');
    assert.ok(!JSON.stringify(x).includes(TOKEN_KEYS.sessionToken));
  } finally { await eb.close(); }
});

test('eventbridge: a partial failure is reported per entry; throttled entries are sent again alone', async () => {
  const eb = await startEventBridge({ keys: KEYS, respond: (entries, n) => {
    if (n === 1) return [null, { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }, { ErrorCode: 'InvalidArgument', ErrorMessage: 'Detail is not valid' }];
    return null;
  } });
  try {
    const inst = await install('eventbridge', { region: 'us-east-1', ...KEYS, baseUrl: eb.url }, [
      { id: 'eb', type: 'eventbridge', inputs: { entries: "event.items.{'source': 'acme', 'detailType': 'Item', 'detail': $}" } }]);
    const x = await runToEnd(inst, { items: [{ n: 1 }, { n: 2 }, { n: 3 }] });
    assert.equal(x.status, 'error');
    assert.match(x.error, /Amazon EventBridge: 1 of 3 entries failed: \[2\] InvalidArgument/);
    assert.deepEqual(x.results.map((r) => r.attempt), [1], 'not retried: two entries were accepted');
    assert.deepEqual(output(x, 'eb'), { failedEntryCount: 1, entries: [
      { eventId: 'ev-1-0' }, { eventId: 'ev-2-0' }, { errorCode: 'InvalidArgument', errorMessage: 'Detail is not valid' }] });
    assert.deepEqual(JSON.parse(eb.requests[1].body).Entries.map((e) => JSON.parse(e.Detail).n), [2], 'only the throttled entry again');
  } finally { await eb.close(); }
});

test('eventbridge: a refused signature (wrong secret) is not retried', async () => {
  const eb = await startEventBridge({ keys: KEYS });
  try {
    const inst = await install('eventbridge', { region: 'us-east-1', accessKeyId: KEYS.accessKeyId, secretAccessKey: 'not-the-right-secret', baseUrl: eb.url }, [
      { id: 'eb', type: 'eventbridge', inputs: { source: "'acme'", detailType: "'Ping'", detail: '{}' } }]);
    const x = await runToEnd(inst, {});
    assert.equal(x.status, 'error');
    assert.match(x.error, /InvalidSignatureException: the signature does not match/);
    assert.deepEqual(x.results.map((r) => r.attempt), [1]);
    assert.deepEqual(eb.refused, ['the signature does not match']);
  } finally { await eb.close(); }
});
