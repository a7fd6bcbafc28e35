// The account an installation uses (issue 14, item 8): installing again without credentialIds (the
// modal's Edit with "keep the connected account") keeps the chosen credential; a chosen credential
// that is deleted is shown as such in GET /installations and runs fail saying the user must connect
// again, never silently using another credential of the app; choosing another one mends it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, waitUntil } from './server.mjs';
import { startSink } from './sink.mjs';

const V = '/2024-03';
let s;
let sink;
let integrationId;
let workflowId;
let userId;
const creds = {};

before(async () => {
  sink = await startSink();
  s = await startServer(['--allow-private-network']);
  integrationId = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'Any API', app: 'http' } })).body.integrationId;
  const c = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition: {
    name: 'Fetch the resource', trigger: { type: 'webhook' },
    blocks: [{ id: 'get', name: 'Fetch', type: 'appAction', app: 'http', action: 'get', inputs: { path: "'/resource'" } }] } } });
  workflowId = c.body.workflowId;
  assert.equal((await api(s, 'POST', `${V}/workflows/${workflowId}/release`)).status, 200);
  userId = (await api(s, 'POST', `${V}/users`, { body: { username: 'chooser' } })).body.userId;
  for (const tag of ['first', 'second']) {
    const r = await api(s, 'POST', `${V}/headless/credentials`, { body: { userId,
      credential: { type: 'http', data: { headerName: 'X-Key', headerValue: `${tag}-key`, baseUrl: `${sink.url}/${tag}` } } } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    creds[tag] = r.body.credentialId;
  }
});

after(async () => {
  assert.equal(await s.stop(), 0);
  await sink.close();
});

async function install(credentialIds) {
  const start = await api(s, 'POST', `${V}/headless/startInstallation`,
    { body: { userId, integrationId, ...(credentialIds ? { credentialIds } : {}) } });
  assert.equal(start.status, 200, JSON.stringify(start.body));
  const done = await api(s, 'POST', `${V}/headless/completeInstallation`,
    { body: { installationId: start.body.installationId, data: [] } });
  assert.equal(done.status, 200, JSON.stringify(done.body));
}

const entry = async () => (await api(s, 'GET', `${V}/installations`)).body.data.find((i) => i.userId === userId);

async function runOnce() {
  const r = await api(s, 'POST', `${V}/run/workflow`, { body: { workflowId, userId, data: {} } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return waitUntil('the run', async () => {
    const logs = await api(s, 'GET', `${V}/workflows/${workflowId}/logs?limit=30`);
    const x = logs.body.data.find((e) => e.executionId === r.body.executionId);
    return x?.finished ? x : null;
  });
}

test('the chosen credential is used, and kept when the installation is saved again without one', async () => {
  await install({ http: creds.first });
  let e = await entry();
  assert.deepEqual(e.credentialIds, { http: creds.first });
  assert.deepEqual(e.credentials, [{ app: 'http', credentialId: creds.first, name: 'HTTP API (X-Key)', status: 'connected', chosen: true }]);
  await install(null); // Edit, keeping the connected account
  e = await entry();
  assert.deepEqual(e.credentialIds, { http: creds.first });
  const x = await runOnce();
  assert.equal(x.status, 'success');
  assert.equal(sink.on('/first/resource').length, 1);
  assert.equal(sink.on('/second/resource').length, 0, 'the newer credential is not used');
});

test('a deleted credential is shown as deleted and runs fail asking to reconnect, not falling back', async () => {
  const r = await api(s, 'DELETE', `${V}/users/${userId}/credentials/${creds.first}`);
  assert.equal(r.status, 200);
  const e = await entry();
  assert.deepEqual(e.credentials, [{ app: 'http', credentialId: creds.first, status: 'deleted', chosen: true }]);
  const x = await runOnce();
  assert.equal(x.status, 'error');
  assert.equal(x.attempt, 1, 'not retried: only the user can fix it');
  assert.equal(x.error, `the HTTP API account this installation uses (credential ${creds.first}) was deleted; the user must connect it again`);
  assert.equal(sink.on('/second/resource').length, 0, 'the other credential was not used');
});

test('choosing another account mends the installation', async () => {
  await install({ http: creds.second });
  const e = await entry();
  assert.deepEqual(e.credentials.map((c) => [c.credentialId, c.status]), [[creds.second, 'connected']]);
  const x = await runOnce();
  assert.equal(x.status, 'success');
  assert.equal(sink.on('/second/resource').length, 1);
});

test('without a choice the newest credential is used, and "missing" when there is none', async () => {
  const other = (await api(s, 'POST', `${V}/users`, { body: { username: 'unchosen' } })).body.userId;
  const start = await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId: other, integrationId } });
  await api(s, 'POST', `${V}/headless/completeInstallation`, { body: { installationId: start.body.installationId, data: [] } });
  const e = (await api(s, 'GET', `${V}/installations`)).body.data.find((i) => i.userId === other);
  assert.deepEqual(e.credentials, [{ app: 'http', credentialId: null, status: 'missing', chosen: false }]);
  assert.deepEqual(e.subscriptions, [], 'no app trigger, no subscription');
});
