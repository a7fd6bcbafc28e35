// /ws sessions live no longer than their credential: a session whose API key is revoked gets
// nothing more and is closed with 4401 (at its next event, or on its idle check), and a token's
// session is closed with 4401 when the token expires.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, signAsServer } from './server.mjs';
import { connectWs } from './wsclient.mjs';

const V = '/2024-03';
let s;
let userId;
let workflowId;

// A new development key (printed once by the CLI) and its id (from the listing, by prefix).
function newKey() {
  const key = s.cli('key', 'create', '--env', 'development').trim();
  const line = s.cli('key', 'list').split('\n').find((l) => l.split(/\s+/)[2] && key.startsWith(l.split(/\s+/)[2]));
  return { key, id: line.split(/\s+/)[0] };
}

const run = () => api(s, 'POST', `${V}/run/workflow`, { body: { workflowId, userId, data: { n: 1 } } });

before(async () => {
  s = await startServer();
  userId = (await api(s, 'POST', `${V}/users`, { body: { username: 'watcher' } })).body.userId;
  const integrationId = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'Live' } })).body.integrationId;
  const c = await api(s, 'POST', `${V}/workflows`, { body: { integrationId,
    definition: { name: 'Live flow', trigger: { type: 'webhook' }, blocks: [] } } });
  workflowId = c.body.workflowId;
  assert.equal((await api(s, 'POST', `${V}/workflows/${workflowId}/release`)).status, 200);
  const start = await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId, integrationId } });
  const done = await api(s, 'POST', `${V}/headless/completeInstallation`,
    { body: { installationId: start.body.installationId, data: [] } });
  assert.equal(done.status, 200, JSON.stringify(done.body));
});
after(async () => { assert.equal(await s.stop(), 0); });

const executions = (ws) => ws.messages.filter((m) => m.type === 'execution');

test('a revoked API key: its session receives nothing more and is closed with 4401', async () => {
  const { key, id } = newKey();
  const ws = await connectWs(`${s.url}/ws`);
  ws.send(JSON.stringify({ type: 'auth', apiKey: key }));
  await ws.until((m) => m.some((x) => x.type === 'ready'));
  assert.equal((await run()).status, 200);
  await ws.until((m) => m.some((x) => x.type === 'execution' && x.status === 'success'));
  const seen = executions(ws).length;

  s.cli('key', 'revoke', id);
  assert.equal((await run()).status, 200);
  const closed = await ws.closedWithin(15000);
  assert.equal(closed.code, 4401);
  assert.equal(executions(ws).length, seen, 'no event of the run after the revocation');
  assert.match(ws.messages.at(-1).message, /the API key was revoked/);
});

test('an idle session of a revoked key is closed by its periodic check', async () => {
  const { key, id } = newKey();
  const ws = await connectWs(`${s.url}/ws`);
  ws.send(JSON.stringify({ type: 'auth', apiKey: key }));
  await ws.until((m) => m.some((x) => x.type === 'ready'));
  const revokedAt = Date.now();
  s.cli('key', 'revoke', id);
  const closed = await ws.closedWithin(15000);
  assert.equal(closed.code, 4401);
  const waited = Date.now() - revokedAt;
  console.log(`idle session closed ${waited} ms after the revocation`);
  assert.ok(waited < 15000, `closed after ${waited} ms`);
});

test("a token's session is closed with 4401 when the token expires", async () => {
  const plain = (await api(s, 'GET', `${V}/users/${userId}/token`)).body.token;
  const [h, p] = plain.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url'));
  const now = Math.floor(Date.now() / 1000);
  const token = signAsServer(s, JSON.parse(Buffer.from(h, 'base64url')), { ...claims, iat: now, exp: now + 3 });
  const ws = await connectWs(`${s.url}/ws`);
  ws.send(JSON.stringify({ type: 'auth', token }));
  await ws.until((m) => m.some((x) => x.type === 'ready'));
  // Still open, and receiving, before the expiry.
  assert.equal((await run()).status, 200);
  await ws.until((m) => m.some((x) => x.type === 'execution' && x.status === 'success'));
  const closed = await ws.closedWithin(15000);
  const at = Date.now() / 1000;
  assert.equal(closed.code, 4401);
  assert.match(ws.messages.at(-1).message, /the token expired/);
  assert.ok(at >= now + 3 - 0.5, `closed at ${at}, expiry ${now + 3}`);
  assert.ok(at < now + 3 + 10, `closed ${at - now - 3} s after the expiry`);
});
