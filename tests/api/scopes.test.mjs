// What a user token may do beyond being valid: an install link's token (scope "install") reads only
// what the install modal needs and installs its one integration, everything else is 403; a token
// binds its user's immutable id, so a deleted user's token never authenticates as a new user whose
// username equals the old id.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from './server.mjs';
import { connectWs } from './wsclient.mjs';

const V = '/2024-03';
let s;

async function integrationWithWorkflow(name) {
  const integrationId = (await api(s, 'POST', `${V}/integrations`, { body: { name, app: 'http' } })).body.integrationId;
  const c = await api(s, 'POST', `${V}/workflows`, { body: { integrationId,
    definition: { name: `${name} flow`, trigger: { type: 'webhook' }, blocks: [] } } });
  assert.equal(c.body.valid, true, JSON.stringify(c.body));
  assert.equal((await api(s, 'POST', `${V}/workflows/${c.body.workflowId}/release`)).status, 200);
  return { integrationId, workflowId: c.body.workflowId };
}

before(async () => { s = await startServer(); });
after(async () => { assert.equal(await s.stop(), 0); });

test('an install link reads what the modal needs and installs its integration once; everything else is 403', async () => {
  const mine = await integrationWithWorkflow('Linked CRM');
  const other = await integrationWithWorkflow('Other CRM');
  const userId = (await api(s, 'POST', `${V}/users`, { body: { username: 'link-user' } })).body.userId;
  const link = (await api(s, 'GET', `${V}/users/${userId}/integrations/${mine.integrationId}/install-url`)).body.url;
  const token = new URL(link).searchParams.get('token');
  const as = (method, p, body) => api(s, method, `${V}${p}`, { key: null, headers: { 'x-alloy-user-token': token }, body });

  // What the modal reads.
  for (const [method, p] of [
    ['GET', `/integrations/${mine.integrationId}`],
    ['GET', `/workflows/${mine.workflowId}`],
    ['GET', '/installations'],
    ['GET', '/metadata/credentials/http'],
    ['GET', `/users/${userId}/credentials`],
  ]) {
    const r = await as(method, p);
    assert.equal(r.status, 200, `${method} ${p}: ${JSON.stringify(r.body)}`);
  }
  // Everything else: other routes, and the link's routes about another integration.
  const forbidden = [
    ['GET', '/integrations'],
    ['GET', `/integrations/${other.integrationId}`],
    ['GET', `/workflows/${other.workflowId}`],
    ['GET', '/workflows'],
    ['GET', `/users/${userId}`],
    ['GET', '/metadata/apps'],
    ['GET', '/metadata/credentials'],
    ['GET', '/events'],
    ['GET', `/workflows/${mine.workflowId}/logs`],
    ['GET', `/workflows/${mine.workflowId}/errors`],
    ['GET', `/workflows/${mine.workflowId}/versions`],
    ['PUT', '/workflows/deactivate', { workflowId: mine.workflowId }],
    ['PUT', '/workflows/activate', { workflowId: mine.workflowId }],
    ['PUT', `/workflows/${mine.workflowId}/upgrade`, {}],
    ['DELETE', `/workflows/${mine.workflowId}`],
    ['POST', `/workflows/${mine.workflowId}/rerun/${'0'.repeat(24)}`],
    ['DELETE', `/users/${userId}/credentials/${'0'.repeat(24)}`],
    ['POST', `/users/${userId}/credentials`, { credential: { type: 'http', data: {} } }],
    ['POST', '/headless/startInstallation', { integrationId: other.integrationId }],
  ];
  for (const [method, p, body] of forbidden) {
    const r = await as(method, p, body);
    assert.equal(r.status, 403, `${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
    assert.equal(r.body.code, 'forbidden');
  }
  // The one install succeeds, and the link is spent.
  const start = await as('POST', '/headless/startInstallation', { integrationId: mine.integrationId });
  assert.equal(start.status, 200, JSON.stringify(start.body));
  const done = await as('POST', '/headless/completeInstallation', { installationId: start.body.installationId, data: [] });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.equal((await as('GET', `/integrations/${mine.integrationId}`)).status, 401);

  // A plain user token of the same user is not limited this way.
  const plain = (await api(s, 'GET', `${V}/users/${userId}/token`)).body.token;
  for (const p of ['/integrations', `/integrations/${other.integrationId}`, `/users/${userId}`]) {
    const r = await api(s, 'GET', `${V}${p}`, { key: null, headers: { 'x-alloy-user-token': plain } });
    assert.equal(r.status, 200, p);
  }
});

test('an install session of another integration cannot be completed with a link', async () => {
  const mine = await integrationWithWorkflow('Linked ERP');
  const other = await integrationWithWorkflow('Other ERP');
  const userId = (await api(s, 'POST', `${V}/users`, { body: { username: 'erp-user' } })).body.userId;
  const session = await api(s, 'POST', `${V}/headless/startInstallation`,
    { body: { userId, integrationId: other.integrationId } });
  assert.equal(session.status, 200);
  const link = (await api(s, 'GET', `${V}/users/${userId}/integrations/${mine.integrationId}/install-url`)).body.url;
  const token = new URL(link).searchParams.get('token');
  const r = await api(s, 'POST', `${V}/headless/completeInstallation`, { key: null,
    headers: { 'x-alloy-user-token': token }, body: { installationId: session.body.installationId, data: [] } });
  assert.equal(r.status, 403, JSON.stringify(r.body));
});

test("a deleted user's token does not authenticate as a new user whose username is the old id", async () => {
  const old = (await api(s, 'POST', `${V}/users`, { body: { username: 'leaving' } })).body.userId;
  const token = (await api(s, 'GET', `${V}/users/${old}/token`)).body.token;
  assert.equal((await api(s, 'DELETE', `${V}/users/${old}`)).status, 200);
  const heir = await api(s, 'POST', `${V}/users`, { body: { username: old } });
  assert.equal(heir.status, 200, JSON.stringify(heir.body));
  assert.notEqual(heir.body.userId, old);
  for (const p of [`/users/${old}`, `/users/${heir.body.userId}`, '/integrations']) {
    const r = await api(s, 'GET', `${V}${p}`, { key: null, headers: { 'x-alloy-user-token': token } });
    assert.equal(r.status, 401, `${p}: ${JSON.stringify(r.body)}`);
    assert.match(r.body.message, /no longer exists/);
  }
  // The websocket refuses it too.
  const ws = await connectWs(`${s.url}/ws`);
  ws.send(JSON.stringify({ type: 'auth', token }));
  const { code: closed } = await ws.closedWithin(15000);
  assert.equal(closed, 4401);
});
