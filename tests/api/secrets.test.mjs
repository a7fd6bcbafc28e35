// Secrets never appear in clear: not in what the API answers about executions (logs, errors, live
// updates), not in the database files, not in answers about installations or settings.
// - Logs: values of credentials and of password/writeOnly configurable fields are replaced by
//   "[redacted]" wherever they land (URL, header, body, output, error), and secret-looking names
//   (?access_token=, api_key, client_secret, X-Auth-Key, X-Session, password/token members, a second
//   Authorization header) are a second net.
// - At rest: password/writeOnly field values, the error-webhook secret and the signing secret are
//   sealed; an older database's clear values are sealed by the upgrade at start.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, connectorDir, waitUntil, onPostgres, storeContents, storeSql } from './server.mjs';
import { startStub, verifyStandardWebhook } from './sink.mjs';
import { connectWs } from './wsclient.mjs';

const V = '/2024-03';
const CRED = { apiKey: 'vault-key-s3cr3t-1', sessionToken: 'vault-session-s3cr3t-2', accessToken: 'vault-access-s3cr3t-3' };
const CONFIG = { apiToken: 'cfg-token-s3cr3t-4', apiPassword: 'cfg-password-s3cr3t-5' };
const HOOK_SECRET = `whsec_${Buffer.from('error-hook-secret-0123456789ab').toString('base64')}`;
const SECRETS = [...Object.values(CRED), ...Object.values(CONFIG), HOOK_SECRET];

let s;
let stub;
let userId;
let workflowId;
let integrationId;
let connectors;

const sql = (query) => storeSql(s, query);
// The SQL for the sealed form of one field of an installation's config (a JSON document in text).
const sealedField = (field) => (onPostgres ? `config::jsonb -> '${field}' ->> '$sealed'`
  : `json_extract(config, '$.${field}."$sealed"')`);

// What the store holds (every database file, the WAL too; pg_dump on PostgreSQL), one buffer each.
const dbFiles = () => storeContents(s).map((c) => c.bytes);
const leaks = (text, secrets = SECRETS) => secrets.filter((v) => text.includes(v));

async function runOnce() {
  const r = await api(s, 'POST', `${V}/run/workflow`, { body: { workflowId, userId, data: { n: 1 } } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return waitUntil('the execution', async () => {
    const logs = (await api(s, 'GET', `${V}/workflows/${workflowId}/logs?userId=${userId}`)).body.data || [];
    const x = logs.find((l) => l.executionId === r.body.executionId);
    return x?.finished ? x : null;
  });
}

before(async () => {
  // Echoes every request back: a provider that repeats secrets in its answers.
  stub = await startStub((q) => ({ status: q.url.startsWith('/fail') ? 400 : 200,
    body: { url: q.url, headers: q.headers, body: q.body } }));
  const vault = {
    app: 'vault', name: 'Vault', baseUrl: `${stub.url}/api`,
    auth: { type: 'apiKey', fields: { type: 'object', required: ['apiKey', 'sessionToken', 'accessToken'],
      properties: { apiKey: { type: 'string', writeOnly: true }, sessionToken: { type: 'string' }, accessToken: { type: 'string' } } },
    headers: { 'X-Auth-Key': '{credential.apiKey}', 'X-Session': '{credential.sessionToken}' },
    query: { access_token: '{credential.accessToken}' } },
    actions: { echo: { method: 'POST', path: '/echo', body: "{'note': 'hello'}" } },
  };
  connectors = connectorDir(vault);
  s = await startServer(['--allow-private-network', '--connectors', connectors]);
  userId = (await api(s, 'POST', `${V}/users`, { body: { username: 'secretive' } })).body.userId;
  integrationId = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'Vault', app: 'vault' } })).body.integrationId;
  const definition = {
    name: 'Leaky', trigger: { type: 'webhook' },
    fields: [
      { name: 'apiToken', title: 'API token', required: true, schema: { type: 'string', format: 'password' } },
      { name: 'apiPassword', title: 'Password', required: true, schema: { type: 'string', writeOnly: true } },
      { name: 'region', title: 'Region', required: true, schema: { type: 'string' } },
    ],
    blocks: [
      { id: 'action', type: 'appAction', app: 'vault', action: 'echo', inputs: {} },
      { id: 'call', type: 'http', inputs: {
        url: `'${stub.url}/echo?access_token=' & config.apiToken & '&api_key=' & config.apiToken & '&client_secret=' & config.apiPassword & '&region=' & config.region`,
        method: "'POST'",
        headers: `{'X-Auth-Key': config.apiToken, 'X-Session': config.apiPassword, 'Authorization': 'Bearer ' & config.apiToken}`,
        auth: "{'type': 'bearer', 'token': config.apiPassword}",
        body: "{'password': config.apiPassword, 'token': config.apiToken, 'note': 'plain ' & config.region}" } },
      { id: 'copy', type: 'transform', inputs: { vars: "{'copied': config.apiPassword, 'mixed': 'x-' & config.apiToken & '-y'}" } },
      { id: 'fail', type: 'http', inputs: {
        url: `'${stub.url}/fail?access_token=' & config.apiToken`, method: "'POST'",
        body: "{'echo': config.apiPassword}" } },
    ],
  };
  const c = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition } });
  assert.equal(c.body.valid, true, JSON.stringify(c.body));
  workflowId = c.body.workflowId;
  assert.equal((await api(s, 'POST', `${V}/workflows/${workflowId}/release`)).status, 200);
  const cred = await api(s, 'POST', `${V}/users/${userId}/credentials`, { body: { credential: { type: 'vault', data: CRED } } });
  assert.equal(cred.status, 200, JSON.stringify(cred.body));
  const start = await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId, integrationId } });
  const done = await api(s, 'POST', `${V}/headless/completeInstallation`, { body: {
    installationId: start.body.installationId, data: [{ workflowId, blockId: 'config', fields: [
      { name: 'apiToken', value: CONFIG.apiToken }, { name: 'apiPassword', value: CONFIG.apiPassword },
      { name: 'region', value: 'eu-west' }] }] } });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  const set = await api(s, 'PUT', `${V}/settings`, { body: { errorWebhookUrl: `${stub.url}/errors`, errorWebhookSecret: HOOK_SECRET } });
  assert.equal(set.status, 200, JSON.stringify(set.body));
});
after(async () => {
  assert.equal(await s.stop(), 0);
  await stub.close();
});

test('logs, errors and live updates show [redacted] for every secret, wherever it landed', async () => {
  const ws = await connectWs(`${s.url}/ws`);
  ws.send(JSON.stringify({ type: 'auth', apiKey: s.key }));
  await ws.until((m) => m.some((x) => x.type === 'ready'));
  const x = await runOnce();
  assert.equal(x.status, 'error', JSON.stringify(x));

  // The calls themselves carried the real values.
  const call = stub.requests.find((q) => q.url.startsWith('/echo'));
  assert.equal(call.headers['x-auth-key'], CONFIG.apiToken);
  assert.match(call.url, new RegExp(`access_token=${CONFIG.apiToken}`));
  assert.equal(JSON.parse(call.body).password, CONFIG.apiPassword);
  const action = stub.requests.find((q) => q.url.startsWith('/api/echo'));
  assert.equal(action.headers['x-session'], CRED.sessionToken);
  assert.match(action.url, new RegExp(`access_token=${CRED.accessToken}`));

  // What the ISV and the end user can read about the execution.
  const token = (await api(s, 'GET', `${V}/users/${userId}/token`)).body.token;
  const answers = [
    await api(s, 'GET', `${V}/workflows/${workflowId}/logs?userId=${userId}`),
    await api(s, 'GET', `${V}/workflows/${workflowId}/logs`, { key: null, headers: { 'x-alloy-user-token': token } }),
    await api(s, 'GET', `${V}/workflows/${workflowId}/errors?userId=${userId}`),
    await api(s, 'GET', `${V}/workflows/${workflowId}/errors`, { key: null, headers: { 'x-alloy-user-token': token } }),
    await api(s, 'GET', `${V}/logs`),
  ];
  for (const a of answers) assert.equal(a.status, 200, a.text);
  const text = answers.map((a) => a.text).join('\n');
  assert.deepEqual(leaks(text), [], 'no secret in the API answers');
  assert.match(text, /\[redacted\]/);
  const logs = JSON.stringify(answers[0].body);
  for (const leak of ['access_token=[redacted]', 'api_key=[redacted]', 'client_secret=[redacted]'])
    assert.ok(logs.includes(leak), `${leak} in the logs`);
  assert.match(logs, /plain eu-west/, 'values that are not secret stay readable');
  await ws.until((m) => m.some((e) => e.type === 'execution' && e.status === 'error'));
  assert.deepEqual(leaks(JSON.stringify(ws.messages)), [], 'no secret over the websocket');
  ws.close();

  // The error stream carries the redacted message, signed with the (sealed) webhook secret.
  await waitUntil('the error stream', () => stub.requests.find((q) => q.url === '/errors'));
  const streamed = stub.requests.find((q) => q.url === '/errors');
  assert.deepEqual(leaks(streamed.body), []);
  assert.ok(verifyStandardWebhook(HOOK_SECRET, streamed.headers, streamed.body));

  // And nothing of it in the database files.
  const found = SECRETS.filter((v) => dbFiles().some((b) => b.includes(v)));
  assert.deepEqual(found, [], 'no secret in clear in the database files');
});

test('a mapping error that quotes a secret is redacted in the execution error and the error stream', async () => {
  const c = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition: {
    name: 'Quoting', trigger: { type: 'webhook' },
    fields: [{ name: 'apiPassword', required: true, schema: { type: 'string', writeOnly: true } }],
    blocks: [{ id: 'boom', type: 'transform', inputs: { vars: "{'x': $error('refused ' & config.apiPassword)}" } }] } } });
  assert.equal(c.body.valid, true, JSON.stringify(c.body));
  const wf = c.body.workflowId;
  assert.equal((await api(s, 'POST', `${V}/workflows/${wf}/release`)).status, 200);
  const start = await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId, integrationId, workflowIds: [wf] } });
  const done = await api(s, 'POST', `${V}/headless/completeInstallation`, { body: {
    installationId: start.body.installationId, data: [{ workflowId: wf, blockId: 'config', fields: [
      { name: 'apiPassword', value: CONFIG.apiPassword }] }] } });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  const before = stub.requests.filter((q) => q.url === '/errors').length;
  const r = await api(s, 'POST', `${V}/run/workflow`, { body: { workflowId: wf, userId, data: {} } });
  const x = await waitUntil('the execution', async () => {
    const logs = (await api(s, 'GET', `${V}/workflows/${wf}/logs?userId=${userId}`)).body.data || [];
    return logs.find((l) => l.executionId === r.body.executionId && l.finished);
  });
  assert.equal(x.error, "input 'vars': D3137 refused [redacted]");
  const errors = await api(s, 'GET', `${V}/workflows/${wf}/errors?userId=${userId}`);
  assert.deepEqual(leaks(errors.text), []);
  assert.match(errors.text, /refused \[redacted\]/);
  await waitUntil('the error stream', () => stub.requests.filter((q) => q.url === '/errors').length > before);
  assert.deepEqual(leaks(stub.requests.filter((q) => q.url === '/errors').map((q) => q.body).join()), []);
});

test('password/writeOnly field values and settings secrets are sealed on disk and never returned', async () => {
  const inst = await api(s, 'GET', `${V}/installations?userId=${userId}`);
  const values = inst.body.data.flatMap((i) => i.formData.map((f) => f.values));
  assert.deepEqual(values.map((v) => JSON.stringify(v)).sort(), ['{"region":"eu-west"}', '{}'],
    'only the plain field is answered');
  assert.match(sql(`SELECT ${sealedField('apiToken')} FROM installations WHERE workflow_id = '${workflowId}'`), /^v1\./);
  const settings = await api(s, 'GET', `${V}/settings`);
  assert.deepEqual(Object.keys(settings.body).sort(),
    ['errorEventBridge', 'errorWebhookSecretSet', 'errorWebhookUrl', 'logRetentionDays', 'publicKeyPem',
      'rateLimits', 'signingSecretSet']);
  assert.equal(settings.body.errorEventBridge, null, 'no EventBridge target is set here');
  assert.equal(settings.body.errorWebhookSecretSet, true);
  assert.match(sql('SELECT error_webhook_secret FROM settings'), /^v1\./);
  const rotated = (await api(s, 'POST', `${V}/settings/rotate-signing-secret`)).body.signingSecret;
  assert.match(rotated, /^whsec_/);
  assert.match(sql('SELECT signing_secret FROM settings'), /^v1\./);
  assert.ok(!JSON.stringify((await api(s, 'GET', `${V}/settings`)).body).includes(rotated));
  const found = [...SECRETS, rotated].filter((v) => dbFiles().some((b) => b.includes(v)));
  assert.deepEqual(found, [], 'no secret in clear in the database files');
});

test('an upgrade seals the clear secrets an older version stored, which keep working', async () => {
  const clearSigning = `whsec_${Buffer.from('clear-signing-secret-012345678').toString('base64')}`;
  const clearHook = `whsec_${Buffer.from('clear-hook-secret-0123456789ab').toString('base64')}`;
  const clearToken = 'upgrade-clear-token-6';
  const clearPassword = 'upgrade-clear-password-7';
  const dataDir = s.dataDir;
  await s.stop({ keep: true });
  // As an older version stored them: in clear.
  sql(`UPDATE settings SET signing_secret = '${clearSigning}', error_webhook_secret = '${clearHook}'`);
  sql(`UPDATE installations SET config = '${JSON.stringify({ apiToken: clearToken, apiPassword: clearPassword, region: 'eu-west' })}' WHERE workflow_id = '${workflowId}'`);
  const clear = [clearSigning, clearHook, clearToken, clearPassword];
  assert.deepEqual(clear.filter((v) => dbFiles().some((b) => b.includes(v))), clear, 'the clear values are on disk');

  s = await startServer(['--allow-private-network', '--connectors', connectors], { dataDir });
  assert.match(sql('SELECT signing_secret FROM settings'), /^v1\./);
  assert.match(sql('SELECT error_webhook_secret FROM settings'), /^v1\./);
  assert.match(sql(`SELECT ${sealedField('apiPassword')} FROM installations WHERE workflow_id = '${workflowId}'`), /^v1\./);

  // The sealed values still serve: the workflow gets the token, the signatures verify.
  const before = stub.requests.length;
  const x = await runOnce();
  assert.equal(x.status, 'error');
  const call = stub.requests.slice(before).find((q) => q.url.startsWith('/echo'));
  assert.equal(call.headers['x-auth-key'], clearToken);
  assert.ok(verifyStandardWebhook(clearSigning, call.headers, call.body), 'signed with the upgraded signing secret');
  const streamed = await waitUntil('the error stream', () => stub.requests.slice(before).find((q) => q.url === '/errors'));
  assert.ok(verifyStandardWebhook(clearHook, streamed.headers, streamed.body));

  await s.stop({ keep: true });
  const files = dbFiles();
  assert.deepEqual(clear.filter((v) => files.some((b) => b.includes(v))), [], 'no clear value left in any database file');
  s = await startServer(['--allow-private-network', '--connectors', connectors], { dataDir });
});
