// The API behind the dashboard's settings and promote pages: API keys, settings without secrets,
// signing-secret rotation, the error-webhook test, promote preview and apply; and the icons the
// API names.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, api, ID_RE } from './server.mjs';
import { startSink, verifyStandardWebhook } from './sink.mjs';
import { createAccount, dash, signIn } from './dashboard.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const PASSWORD = 'correct horse battery';
let s;
let sink;
let session;

before(async () => {
  sink = await startSink();
  s = await startServer(['--allow-private-network']);
  await createAccount(s, 'ops@acme.test', PASSWORD);
  session = (await signIn(s, 'ops@acme.test', PASSWORD)).session;
});
after(async () => {
  assert.equal(await s.stop(), 0);
  await sink.close();
});

test('API keys: generate (shown once), list per environment, last used, revoke (then 401)', async () => {
  const made = await dash(s, 'POST', '/api-keys', { session, body: { environment: 'production' } });
  assert.equal(made.status, 201, made.text);
  assert.match(made.body.key, /^sk_prod_[A-Za-z0-9_-]{43}$/);
  assert.match(made.body.id, ID_RE);
  assert.equal(made.body.environment, 'production');
  assert.equal(made.body.prefix, made.body.key.slice(0, 12));
  assert.ok(Date.parse(made.body.createdAt) > 0);

  // The key works at once, on production only.
  assert.equal((await api(s, 'POST', '/users', { key: made.body.key, body: { username: 'prod-user' } })).status, 200);
  assert.deepEqual((await api(s, 'GET', '/users')).body.data, [], 'the development key does not see it');

  const prod = await dash(s, 'GET', '/api-keys?environment=production', { session });
  assert.equal(prod.status, 200);
  assert.equal(prod.body.keys.length, 1);
  const listed = prod.body.keys[0];
  assert.equal(listed.id, made.body.id);
  assert.equal(listed.prefix, made.body.prefix);
  assert.equal(listed.environment, 'production');
  assert.ok(Date.parse(listed.lastUsedAt) >= Date.parse(made.body.createdAt), 'last used is recorded');
  assert.ok(!JSON.stringify(prod.body).includes(made.body.key), 'a listing never shows a key');

  // The session's environment is the default; the development key was never used by a session.
  const dev = await dash(s, 'GET', '/api-keys', { session });
  assert.deepEqual(dev.body.keys.map((k) => k.environment), ['development']);
  assert.equal(dev.body.keys[0].prefix, s.key.slice(0, 12));
  // An API key lists its own environment's keys, and no other; it can neither mint nor revoke.
  assert.equal((await api(s, 'GET', '/api-keys')).body.keys.length, 1);
  assert.equal((await api(s, 'GET', '/api-keys?environment=production')).status, 403);
  assert.equal((await api(s, 'POST', '/api-keys', { body: { environment: 'development' } })).status, 403);
  assert.equal((await api(s, 'DELETE', `/api-keys/${made.body.id}`)).status, 403);
  assert.equal((await dash(s, 'POST', '/api-keys', { session, csrf: false, body: {} })).status, 403, 'CSRF');
  assert.equal((await dash(s, 'POST', '/api-keys', { session, body: { environment: 'staging' } })).status, 422);

  const gone = await dash(s, 'DELETE', `/api-keys/${made.body.id}`, { session });
  assert.equal(gone.status, 204);
  assert.equal((await api(s, 'GET', '/users', { key: made.body.key })).status, 401, 'a revoked key is refused');
  assert.equal((await dash(s, 'DELETE', `/api-keys/${made.body.id}`, { session })).status, 404);
  assert.equal((await dash(s, 'GET', '/api-keys?environment=production', { session })).body.keys.length, 0);
});

test('settings never return a secret; rotation shows the new signing secret once', async () => {
  const put = await dash(s, 'PUT', '/settings', { session, body: { errorWebhookUrl: `${sink.url}/errors`,
    errorWebhookSecret: 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0', logRetentionDays: 30 } });
  assert.equal(put.status, 200, put.text);
  const rotated = await dash(s, 'POST', '/settings/rotate-signing-secret', { session });
  assert.equal(rotated.status, 200);
  assert.match(rotated.body.signingSecret, /^whsec_/);
  for (const r of [put, await dash(s, 'GET', '/settings', { session }), await api(s, 'GET', '/settings')]) {
    const text = JSON.stringify(r.body);
    assert.ok(!text.includes('whsec_'), `no secret in ${text}`);
    assert.equal(r.body.errorWebhookSecretSet, true);
    assert.equal(r.body.signingSecretSet, true);
    assert.equal(r.body.errorWebhookUrl, `${sink.url}/errors`);
    assert.equal(r.body.logRetentionDays, 30);
    assert.match(r.body.publicKeyPem, /^-----BEGIN PUBLIC KEY-----/);
  }
  const pem = (await api(s, 'GET', '/security/public_key.pem', { key: null })).text;
  assert.equal((await api(s, 'GET', '/settings')).body.publicKeyPem, pem);
  const again = await dash(s, 'POST', '/settings/rotate-signing-secret', { session });
  assert.notEqual(again.body.signingSecret, rotated.body.signingSecret);
});

test('the error-webhook test sends one signed sample error and reports the outcome', async () => {
  const before = sink.on('/errors').length;
  const r = await dash(s, 'POST', '/settings/test-error-webhook', { session });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, { httpStatus: 200, status: 'delivered' });
  await sink.waitFor('/errors', before + 1);
  const got = sink.on('/errors')[before];
  const body = JSON.parse(got.body);
  assert.equal(body.type, 'executionError');
  assert.match(body.message, /test/);
  assert.ok(verifyStandardWebhook('whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0', got.headers, got.body));

  sink.plan('/errors', [500]);
  const failed = await dash(s, 'POST', '/settings/test-error-webhook', { session });
  assert.equal(failed.body.status, 'failed');
  assert.equal(failed.body.httpStatus, 500);
  assert.match(failed.body.error, /500/);
  // Production has no webhook: nothing sent, said so.
  assert.equal((await dash(s, 'PUT', '/auth/session', { session, body: { environment: 'production' } })).status, 200);
  const none = await dash(s, 'POST', '/settings/test-error-webhook', { session });
  assert.deepEqual(none.body, { status: 'failed', error: 'no error webhook URL is set' });
  assert.equal((await dash(s, 'PUT', '/auth/session', { session, body: { environment: 'development' } })).status, 200);
  assert.equal((await api(s, 'POST', '/settings/test-error-webhook')).status, 403, 'session only');
});

test('promote: preview lists what production would get, apply makes it so, then nothing is left', async () => {
  const ev = { name: 'Order Shipped', description: 'an order left', body: { orderId: 'String' } };
  assert.equal((await dash(s, 'POST', '/events', { session, body: ev })).status, 200);
  const integ = await dash(s, 'POST', '/integrations', { session, body: { name: 'Shop', app: 'shopify' } });
  assert.equal(integ.status, 200, integ.text);
  const def = { name: 'Ship → sink', trigger: { type: 'customEvent', event: 'Order Shipped' },
    blocks: [{ id: 'send', type: 'streamData', inputs: { url: `'${sink.url}/shipped'`, body: 'event' } }] };
  const wf = await dash(s, 'POST', '/workflows', { session, body: { integrationId: integ.body.integrationId, definition: def } });
  assert.equal(wf.status, 200, wf.text);
  assert.equal(wf.body.valid, true, JSON.stringify(wf.body));

  const preview = await dash(s, 'POST', '/promote/preview', { session });
  assert.equal(preview.status, 200, preview.text);
  assert.deepEqual(preview.body.errors, []);
  assert.deepEqual(preview.body.changes, [
    { kind: 'event', name: 'Order Shipped', action: 'create' },
    { kind: 'integration', name: 'Shop', action: 'create' },
    { kind: 'workflow', name: 'Ship → sink', action: 'create', details: 'released as version 1' },
  ]);
  const prodKey = (await dash(s, 'POST', '/api-keys', { session, body: { environment: 'production' } })).body.key;
  assert.deepEqual((await api(s, 'GET', '/events', { key: prodKey })).body.data, [], 'a preview writes nothing');
  assert.equal((await api(s, 'POST', '/promote/preview')).status, 403, 'session only');
  assert.equal((await dash(s, 'POST', '/promote', { session, csrf: false })).status, 403, 'CSRF');

  const applied = await dash(s, 'POST', '/promote', { session });
  assert.equal(applied.status, 200, applied.text);
  assert.deepEqual(applied.body.changes, preview.body.changes);
  const prodEvents = (await api(s, 'GET', '/events', { key: prodKey })).body.data;
  assert.deepEqual(prodEvents.map((e) => [e.name, e.description]), [['Order Shipped', 'an order left']]);
  const prodWf = await api(s, 'GET', `/workflows/${encodeURIComponent('Ship → sink')}/versions`, { key: prodKey });
  assert.equal(prodWf.status, 200, prodWf.text);
  assert.equal(prodWf.body.data.length, 1);
  assert.equal(prodWf.body.data[0].releasedBy, 'ops@acme.test', 'promoted by the signed-in account');

  const after = await dash(s, 'POST', '/promote/preview', { session });
  assert.ok(after.body.changes.every((c) => c.action === 'unchanged'), JSON.stringify(after.body.changes));

  // A changed draft shows as an update with the version it would release.
  def.blocks[0].inputs.body = '{"id": event.orderId}';
  assert.equal((await dash(s, 'PUT', `/workflows/${wf.body.workflowId}`, { session, body: { definition: def } })).status, 200);
  const changed = await dash(s, 'POST', '/promote/preview', { session });
  assert.deepEqual(changed.body.changes.find((c) => c.kind === 'workflow'),
    { kind: 'workflow', name: 'Ship → sink', action: 'update', details: 'released as version 2' });

  // An invalid draft: the preview names it, promote refuses and writes nothing.
  const broken = await dash(s, 'PUT', `/workflows/${wf.body.workflowId}`, { session,
    body: { definition: { ...def, blocks: [{ id: 'x', type: 'nope' }] } } });
  assert.equal(broken.status, 200);
  const bad = await dash(s, 'POST', '/promote/preview', { session });
  assert.ok(bad.body.errors.length >= 1);
  assert.match(bad.body.errors[0].path, /^\/integrations\/0\/workflows\/0/);
  const refused = await dash(s, 'POST', '/promote', { session });
  assert.equal(refused.status, 422);
  assert.equal((await api(s, 'GET', `/workflows/${encodeURIComponent('Ship → sink')}/versions`, { key: prodKey })).body.data.length, 1);
});

test('each released version names who released it: the account, an API key, solder import', async () => {
  const integ = await dash(s, 'POST', '/integrations', { session, body: { name: 'Releases', app: 'shopify' } });
  const def = { name: 'Released by', trigger: { type: 'manual' }, blocks: [{ id: 'end', type: 'stop' }] };
  const wf = await dash(s, 'POST', '/workflows', { session, body: { integrationId: integ.body.integrationId, definition: def } });
  assert.equal(wf.status, 200, wf.text);
  const id = wf.body.workflowId;
  assert.equal((await dash(s, 'POST', `/workflows/${id}/release`, { session })).status, 200);
  assert.equal((await api(s, 'POST', `/workflows/${id}/release`)).status, 200);
  const doc = JSON.parse(s.cli('export', '--env', 'development'));
  doc.integrations = doc.integrations.filter((i) => i.name === 'Releases');
  doc.integrations[0].workflows[0].blocks[0].name = 'The end';
  const file = path.join(s.dataDir, 'catalog.json');
  writeFileSync(file, JSON.stringify(doc));
  s.cli('import', file, '--env', 'development');

  const versions = await dash(s, 'GET', `/workflows/${id}/versions`, { session });
  assert.equal(versions.status, 200, versions.text);
  assert.deepEqual(versions.body.data.map((v) => [v.versionId, v.releasedBy]),
    [[1, 'ops@acme.test'], [2, `API key ${s.key.slice(0, 12)}`], [3, 'solder import']]);
  assert.ok(!versions.text.includes(s.key), 'never the key itself');
});

test('every app and block icon the API names is served as SVG', async () => {
  const paths = new Set();
  for (const f of readdirSync(path.join(here, '../../connectors')).filter((n) => n.endsWith('.json') && n !== 'connector.schema.json')) {
    const icon = JSON.parse(readFileSync(path.join(here, '../../connectors', f), 'utf8')).icon;
    assert.ok(icon, `${f} names an icon`);
    paths.add(icon);
  }
  const apps = await api(s, 'GET', '/metadata/apps');
  for (const a of apps.body.data ?? apps.body) if (a.icon) paths.add(a.icon);
  const blocks = readFileSync(path.join(here, '../../shared/workflow/blocks.c'), 'utf8').match(/"\/icons\/[a-z-]+\.svg"/g);
  assert.ok(blocks.length >= 10);
  for (const b of blocks) paths.add(JSON.parse(b));
  for (const p of paths) {
    const r = await fetch(s.url + p);
    assert.equal(r.status, 200, p);
    assert.equal(r.headers.get('content-type'), 'image/svg+xml', p);
    const text = await r.text();
    assert.match(text, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*viewBox="0 0 48 48"/, p);
    assert.ok(!/<script|href=|url\(/i.test(text), `${p} is self-contained`);
  }
});
