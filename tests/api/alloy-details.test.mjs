// API details Alloy's SDKs and docs rely on (issue 14, item 10): GET /users?parentWorkflowId=
// lists the users who installed that workflow; GET /installations carries Alloy's fields[]; the
// 2023-01 paths alloy-node's getCredential and getUserOauthRedirect call answer; the start-up
// banner names the SDK and modal URLs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer, api, connectorDir } from './server.mjs';

const V = '/2023-01';
let s;
let wf;
let integrationId;
const users = {};

before(async () => {
  process.env.SOLDER_OAUTH_ACMEAUTH_CLIENT_ID = 'client-id';
  process.env.SOLDER_OAUTH_ACMEAUTH_CLIENT_SECRET = 'client-secret';
  const bigcommerce = JSON.parse(readFileSync(new URL('../../connectors/bigcommerce.json', import.meta.url), 'utf8'));
  const dir = connectorDir(bigcommerce, { app: 'acmeauth', name: 'Acme Auth', auth: { type: 'oauth2',
    authorizeUrl: 'https://auth.example.com/authorize', tokenUrl: 'https://auth.example.com/token' } });
  s = await startServer(['--workers', '0', '--connectors', dir]);
  await api(s, 'POST', `${V}/events`, { body: { name: 'Ping', body: { id: 'String' } } });
  integrationId = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'Pings' } })).body.integrationId;
  const r = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition: {
    name: 'Forward pings', trigger: { type: 'customEvent', event: 'Ping' },
    fields: [{ name: 'channel', title: 'Channel', required: true, schema: { type: 'string' } }],
    blocks: [{ id: 'noop', type: 'transform', inputs: { vars: '{}' } }] } } });
  wf = r.body.workflowId;
  await api(s, 'POST', `${V}/workflows/${wf}/release`);
  for (const name of ['installer', 'bystander']) {
    users[name] = (await api(s, 'POST', `${V}/users`, { body: { username: name, fullName: `${name} person` } })).body.userId;
  }
  const start = await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId: users.installer, integrationId } });
  const done = await api(s, 'POST', `${V}/headless/completeInstallation`, { body: { installationId: start.body.installationId,
    data: [{ workflowId: wf, blockId: 'config', fields: [{ name: 'channel', value: '#ops' }] }] } });
  assert.equal(done.status, 200, done.text);
});

after(async () => { assert.equal(await s.stop(), 0); });

test('GET /users?parentWorkflowId= lists only the users who installed the workflow', async () => {
  const all = await api(s, 'GET', `${V}/users`);
  assert.equal(all.body.data.length, 2);
  const r = await api(s, 'GET', `${V}/users?parentWorkflowId=${wf}`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.data, [{ userId: users.installer, username: 'installer', fullName: 'installer person' }]);
  assert.equal((await api(s, 'GET', `${V}/users?parentWorkflowId=ffffffffffffffffffffffff`)).status, 404);
});

test('GET /installations carries fields[] beside the values', async () => {
  const r = await api(s, 'GET', `${V}/installations`);
  const fd = r.body.data[0].formData[0];
  assert.deepEqual(fd.values, { channel: '#ops' });
  assert.deepEqual(fd.fields.map((f) => [f.name, f.displayName, f.type, f.required]), [['channel', 'Channel', 'string', true]]);
});

test('2023-01: GET /credentials/{name} and GET /users/{id}/credentials/{app}', async () => {
  const meta = await api(s, 'GET', `${V}/credentials/bigcommerce`);
  assert.equal(meta.status, 200, meta.text);
  assert.ok(meta.body.data.properties.some((p) => p.name === 'access_token'));
  assert.equal((await api(s, 'GET', `${V}/credentials/nope`)).status, 404);
  const oauth = await api(s, 'GET', `${V}/users/${users.installer}/credentials/acmeauth?integrationId=${integrationId}`);
  assert.equal(oauth.status, 200, oauth.text);
  assert.match(oauth.body.oauthUrl, /^https:\/\/auth\.example\.com\/authorize\?.*client_id=client-id/);
  const apiKey = await api(s, 'GET', `${V}/users/${users.installer}/credentials/bigcommerce`);
  assert.equal(apiKey.status, 422);
  assert.equal(apiKey.body.code, 'not_oauth');
});

test('the start-up banner names the SDK and the modal', () => {
  assert.match(s.output(), /solder: SDK +http:\/\/127\.0\.0\.1:\d+\/sdk\/embedded\.js/);
  assert.match(s.output(), /solder: modal +http:\/\/127\.0\.0\.1:\d+\/forge-install/);
});
