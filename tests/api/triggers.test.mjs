// Triggers other than custom events — schedule, webhook (/run/workflow) — and the end user's side:
// user tokens on list routes, and single-use hosted install links.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, ID_RE, waitUntil, storeSql } from './server.mjs';
import { startSink } from './sink.mjs';

let s;
let sink;
let integrationId;
const V = '/2024-03';

const sql = (query) => storeSql(s, query);


async function release(definition) {
  const c = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition } });
  assert.equal(c.body.valid, true, JSON.stringify(c.body));
  assert.equal((await api(s, 'POST', `${V}/workflows/${c.body.workflowId}/release`)).status, 200);
  return c.body.workflowId;
}

async function install(userId, workflowIds, key = s.key, token) {
  const headers = token ? { 'x-alloy-user-token': token } : {};
  const start = await api(s, 'POST', `${V}/headless/startInstallation`,
    { key: token ? null : key, headers, body: { userId, integrationId, workflowIds } });
  assert.equal(start.status, 200, JSON.stringify(start.body));
  return api(s, 'POST', `${V}/headless/completeInstallation`, { key: token ? null : key, headers,
    body: { installationId: start.body.installationId, data: [] } });
}

before(async () => {
  sink = await startSink();
  s = await startServer(['--allow-private-network']);
  integrationId = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'Utilities' } })).body.integrationId;
});
after(async () => {
  assert.equal(await s.stop(), 0);
  await sink.close();
});

test('a schedule trigger plans its next run and runs when it comes', async () => {
  const wid = await release({ name: 'Nightly sync', trigger: { type: 'schedule', cron: '0 3 * * *' },
    blocks: [{ id: 'ping', type: 'streamData', inputs: { url: `'${sink.url}/schedule'`, body: 'event' } }] });
  const user = (await api(s, 'POST', `${V}/users`, { body: { username: 'sched' } })).body.userId;
  assert.equal((await install(user, [wid])).status, 200);
  const next = Number(await waitUntil('a planned run', () => sql(`SELECT next_run_at FROM installations WHERE workflow_id='${wid}'`)));
  const d = new Date(next);
  assert.equal(d.getUTCHours(), 3);
  assert.equal(d.getUTCMinutes(), 0);
  assert.ok(next > Date.now());
  // Bring the run forward: it executes once, and the next run is planned again at 03:00.
  sql(`UPDATE installations SET next_run_at = ${Date.now() - 1000} WHERE workflow_id='${wid}'`);
  await sink.waitFor('/schedule', 1);
  assert.ok(JSON.parse(sink.on('/schedule')[0].body).scheduledAt > 0);
  const again = Number(await waitUntil('the following run', () => {
    const v = Number(sql(`SELECT next_run_at FROM installations WHERE workflow_id='${wid}'`));
    return v > Date.now() ? v : 0;
  }));
  assert.equal(new Date(again).getUTCHours(), 3);
  assert.equal(sink.on('/schedule').length, 1);
});

test('a webhook trigger runs through /run/workflow; custom-event workflows refuse it', async () => {
  await api(s, 'POST', `${V}/events`, { body: { name: 'Ping', body: { n: 'Number' } } });
  const hook = await release({ name: 'Inbound hook', trigger: { type: 'webhook' },
    blocks: [{ id: 'fwd', type: 'http', inputs: { method: "'PUT'", url: `'${sink.url}/webhook'`,
      headers: { 'X-Api-Key': "'not-logged'" }, body: '{"got": event.value}' } }] });
  const evwf = await release({ name: 'On ping', trigger: { type: 'customEvent', event: 'Ping' },
    blocks: [{ id: 'noop', type: 'transform', inputs: { vars: '{"n": event.n}' } }] });
  const user = (await api(s, 'POST', `${V}/users`, { body: { username: 'hooked' } })).body.userId;
  assert.equal((await install(user, [hook, evwf])).status, 200);
  let r = await api(s, 'POST', `${V}/run/workflow`, { body: { workflowName: 'Inbound hook', userId: 'hooked', data: { value: 7 } } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.message, 'success');
  assert.match(r.body.executionId, ID_RE);
  await sink.waitFor('/webhook', 1);
  const got = sink.on('/webhook')[0];
  assert.equal(got.method, 'PUT');
  assert.deepEqual(JSON.parse(got.body), { got: 7 });
  assert.equal(got.headers['x-api-key'], 'not-logged');
  // The header's value is redacted in the execution record.
  const logs = await waitUntil('the logged execution', async () => {
    const l = await api(s, 'GET', `${V}/workflows/${hook}/logs`);
    return l.body.data[0]?.finished ? l : null;
  });
  assert.equal(logs.body.data[0].inputs[0].data.headers['X-Api-Key'], '[redacted]');
  r = await api(s, 'POST', `${V}/run/workflow`, { body: { workflowId: evwf, userId: user, data: {} } });
  assert.equal(r.status, 400);
  assert.match(r.body.message, /run\/event/);
  r = await api(s, 'POST', `${V}/run/workflow`, { body: { workflowId: hook, userId: user } });
  assert.equal(r.status, 400, 'data is required');
});

test('user tokens list only their own user\'s integrations and workflows', async () => {
  const wid = await release({ name: 'Token view', trigger: { type: 'webhook' }, blocks: [] });
  const a = (await api(s, 'POST', `${V}/users`, { body: { username: 'tok-a' } })).body.userId;
  const b = (await api(s, 'POST', `${V}/users`, { body: { username: 'tok-b' } })).body.userId;
  await install(a, [wid]);
  const token = (await api(s, 'GET', `${V}/users/${a}/token`)).body.token;
  const h = { 'x-alloy-user-token': token };
  let r = await api(s, 'GET', `${V}/integrations`, { key: null, headers: h });
  assert.equal(r.status, 200);
  assert.ok(r.body.data[0].workflows.find((w) => w.workflowId === wid).installed);
  r = await api(s, 'GET', `${V}/workflows?userId=${b}`, { key: null, headers: h });
  assert.equal(r.status, 404, "another user's view is not reachable with a token");
  r = await api(s, 'PUT', `${V}/workflows/deactivate`, { key: null, headers: h, body: { workflowId: wid } });
  assert.equal(r.status, 200);
  r = await api(s, 'GET', `${V}/workflows/${wid}`, { key: null, headers: h });
  assert.equal(r.body.data.active, false);
  r = await api(s, 'POST', `${V}/events`, { key: null, headers: h, body: { name: 'x', body: {} } });
  assert.equal(r.status, 401, 'ISV-only routes refuse user tokens');
});

test('a hosted install link works once', async () => {
  const wid = await release({ name: 'Linked', trigger: { type: 'webhook' }, blocks: [] });
  const user = (await api(s, 'POST', `${V}/users`, { body: { username: 'linked' } })).body.userId;
  const r = await api(s, 'GET', `${V}/users/${user}/integrations/${integrationId}/install-url`);
  assert.equal(r.status, 200);
  const url = new URL(r.body.url);
  assert.equal(url.pathname, '/embedded-install');
  assert.equal(url.searchParams.get('integrationId'), integrationId);
  const token = url.searchParams.get('token');
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));
  assert.equal(claims.scope, 'install');
  assert.equal(claims.exp - claims.iat, 7 * 86400);
  const done = await install(user, [wid], null, token);
  assert.equal(done.status, 200, JSON.stringify(done.body));
  const reuse = await api(s, 'GET', `${V}/integrations`, { key: null, headers: { 'x-alloy-user-token': token } });
  assert.equal(reuse.status, 401);
  assert.match(reuse.body.message, /already used/);
  assert.equal((await api(s, 'GET', `${V}/users/${user}/integrations/nope/install-url`)).status, 404);
});

test('executions past the retention period are purged (on start and then every 10 minutes)', async () => {
  const before = Number(sql('SELECT count(*) FROM executions'));
  assert.ok(before > 0);
  const old = Date.now() - 61 * 86400000;
  sql(`UPDATE executions SET finished_at = ${old}, created_at = ${old}`);
  sql(`UPDATE execution_errors SET created_at = ${old}`);
  const dataDir = s.dataDir;
  await s.stop({ keep: true });
  s = await startServer(['--allow-private-network'], { dataDir });
  await waitUntil('the purge', () => Number(sql('SELECT count(*) FROM executions')) === 0);
  assert.equal(Number(sql('SELECT count(*) FROM execution_steps')), 0);
  const wf = sql("SELECT id FROM workflows WHERE name = 'Inbound hook'");
  const logs = await api(s, 'GET', `${V}/workflows/${wf}/logs`);
  assert.deepEqual(logs.body.data, []);
});

test('a delay block parks the execution without holding a worker', async () => {
  const wid = await release({ name: 'Delayed', trigger: { type: 'webhook' }, blocks: [
    { id: 'wait', type: 'delay', inputs: { seconds: '1' } },
    { id: 'after', type: 'streamData', inputs: { url: `'${sink.url}/delayed'`, body: '{"n": event.n}' } }] });
  const user = (await api(s, 'POST', `${V}/users`, { body: { username: 'patient' } })).body.userId;
  await install(user, [wid]);
  const r = await api(s, 'POST', `${V}/run/workflow`, { body: { workflowId: wid, userId: user, data: { n: 1 } } });
  const id = r.body.executionId;
  const parked = await waitUntil('the delay step', () => sql(`SELECT status || ',' || run_at FROM executions WHERE id='${id}'`)
    .startsWith('queued,') && sql(`SELECT count(*) FROM execution_steps WHERE execution_id='${id}'`) === '1');
  assert.ok(parked);
  assert.equal(sink.on('/delayed').length, 0);
  await sink.waitFor('/delayed', 1, 10000);
  const done = await waitUntil('the end', () => sql(`SELECT status FROM executions WHERE id='${id}'`) === 'success');
  assert.ok(done);
});

test('versionIds pins the installed version; an unknown version is refused', async () => {
  const wid = await release({ name: 'Pinned', trigger: { type: 'webhook' }, blocks: [] });
  await api(s, 'PUT', `${V}/workflows/${wid}`, { body: { definition: { name: 'Pinned', description: 'v2',
    trigger: { type: 'webhook' }, blocks: [] } } });
  assert.equal((await api(s, 'POST', `${V}/workflows/${wid}/release`)).body.version, 2);
  const user = (await api(s, 'POST', `${V}/users`, { body: { username: 'pinned' } })).body.userId;
  let r = await api(s, 'POST', `${V}/headless/startInstallation`,
    { body: { userId: user, integrationId, workflowIds: [wid], versionIds: [7] } });
  assert.equal(r.status, 404);
  assert.match(r.body.message, /no released version 7/);
  r = await api(s, 'POST', `${V}/headless/startInstallation`,
    { body: { userId: user, integrationId, workflowIds: [wid], versionIds: ['1'] } });
  assert.equal(r.status, 422);
  assert.match(r.body.message, /versionIds\.0 must be an integer/);
  r = await api(s, 'POST', `${V}/headless/startInstallation`,
    { body: { userId: user, integrationId, workflowIds: [wid], versionIds: [1] } });
  assert.equal(r.status, 200);
  assert.equal(r.body.data[0].version, 1);
  const done = await api(s, 'POST', `${V}/headless/completeInstallation`,
    { body: { installationId: r.body.installationId, data: [] } });
  assert.equal(done.body.installations[0].version, 1);
  const view = await api(s, 'GET', `${V}/workflows/${wid}?userId=${user}`);
  assert.equal(view.body.data.installedVersion, 1);
  assert.equal(view.body.data.version, 2);
});

test('credentialIds chooses which of the user\'s credentials an installation\'s app actions use', async () => {
  const wid = await release({ name: 'Generic call', trigger: { type: 'webhook' },
    blocks: [{ id: 'get', type: 'appAction', app: 'http', action: 'get', inputs: { path: "'/resource'" } }] });
  const user = (await api(s, 'POST', `${V}/users`, { body: { username: 'two-keys' } })).body.userId;
  const cred = async (tag) => (await api(s, 'POST', `${V}/headless/credentials`, { body: { userId: user,
    credential: { type: 'http', data: { headerName: 'X-Key', headerValue: tag, baseUrl: `${sink.url}/${tag}` } } } })).body.credentialId;
  const first = await cred('first');
  const second = await cred('second');
  assert.ok(first && second && first !== second);
  let r = await api(s, 'POST', `${V}/headless/startInstallation`,
    { body: { userId: user, integrationId, workflowIds: [wid], credentialIds: { http: 'ffffffffffffffffffffffff' } } });
  assert.equal(r.status, 404);
  r = await api(s, 'POST', `${V}/headless/startInstallation`,
    { body: { userId: user, integrationId, workflowIds: [wid], credentialIds: { http: first } } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal((await api(s, 'POST', `${V}/headless/completeInstallation`,
    { body: { installationId: r.body.installationId, data: [] } })).status, 200);
  const inst = (await api(s, 'GET', `${V}/installations`)).body.data.find((i) => i.userId === user);
  assert.deepEqual(inst.credentialIds, { http: first });
  await api(s, 'POST', `${V}/run/workflow`, { body: { workflowId: wid, userId: user, data: {} } });
  await sink.waitFor('/first/resource', 1);
  assert.equal(sink.on('/first/resource')[0].headers['x-key'], 'first');
  assert.equal(sink.on('/second/resource').length, 0, 'the newer credential was not used');
});
