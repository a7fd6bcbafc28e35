// OAuth2 authorization code with PKCE against a local provider: the authorize URL binds state to
// the user, the callback stores the tokens (sealed), an expired or revoked access token is
// refreshed once even when several executions need it at the same moment, and a refused refresh
// marks the credential invalid and surfaces as a workflow error. The callback answers a page to a
// browser and JSON to an API client; a denial ends the authorization with the provider's error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, waitUntil, connectorDir, storeContents } from './server.mjs';
import { startSink } from './sink.mjs';
import { startOAuthProvider, acmeConnector } from './oauth-provider.mjs';

const V = '/2024-03';
let s;
let sink;
let provider;
let userId;
let workflowId;

before(async () => {
  sink = await startSink();
  provider = await startOAuthProvider({ clientId: 'cid', clientSecret: 'csecret' });
  const dir = connectorDir(acmeConnector(provider));
  process.env.SOLDER_OAUTH_ACMECRM_CLIENT_ID = 'cid';
  process.env.SOLDER_OAUTH_ACMECRM_CLIENT_SECRET = 'csecret';
  s = await startServer(['--allow-private-network', '--workers', '3', '--connectors', dir]);
  userId = (await api(s, 'POST', `${V}/users`, { body: { username: 'crm-user' } })).body.userId;
});
after(async () => {
  assert.equal(await s.stop(), 0);
  await provider.close();
  await sink.close();
});

test('authorization code with PKCE: state bound to the user, tokens stored sealed', async () => {
  const meta = await api(s, 'GET', `${V}/metadata/credentials/acmecrm`);
  assert.equal(meta.body.data.isOauth, true);
  assert.equal((await api(s, 'GET', `${V}/headless/oauthUrl?userId=${userId}&app=acmecrm`)).status, 422, 'region is required');
  const r = await api(s, 'GET', `${V}/headless/oauthUrl?userId=${userId}&app=acmecrm&region=eu`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const u = new URL(r.body.oauthUrl);
  assert.equal(u.origin + u.pathname, `${provider.url}/authorize`);
  const q = Object.fromEntries(u.searchParams);
  assert.equal(q.region, 'eu');
  assert.equal(q.response_type, 'code');
  assert.equal(q.client_id, 'cid');
  assert.equal(q.scope, 'contacts.read');
  assert.equal(q.code_challenge_method, 'S256');
  assert.equal(q.redirect_uri, `${s.url}/oauth/callback`);
  assert.ok(q.state.length >= 32);
  // The user consents; the provider redirects back with a code.
  provider.codes.set('code-1', { challenge: q.code_challenge, redirectUri: q.redirect_uri });
  let cb = await fetch(`${q.redirect_uri}?code=code-1&state=${q.state}`);
  assert.equal(cb.status, 200);
  assert.match(await cb.text(), /connected/);
  const creds = await waitUntil('the OAuth2 credential', async () => {
    const d = (await api(s, 'GET', `${V}/users/${userId}/credentials`)).body.data;
    return d.length ? d : null;
  });
  assert.deepEqual(creds.map((c) => [c.type, c.name]), [['acmecrm', 'Acme CRM (eu)']]);
  // The page learns the outcome from /oauth/status, by state.
  const st = await fetch(`${s.url}/oauth/status?state=${q.state}`).then((x) => x.json());
  assert.deepEqual(st, { status: 'connected', app: 'acmecrm', credentialId: creds[0].credentialId });
  cb = await fetch(`${q.redirect_uri}?code=code-1&state=${q.state}`);
  assert.equal(cb.status, 404, 'a state is used once');
  cb = await fetch(`${q.redirect_uri}?code=x&state=forged`);
  assert.equal(cb.status, 404);
  const files = storeContents(s).map((c) => c.bytes);
  assert.ok(files.length >= 1, 'the database was read');
  assert.ok(!files.some((b) => b.includes('rt1')), 'tokens are sealed');
});

test('the action uses the token; a revoked token is refreshed once for many executions', async () => {
  await api(s, 'POST', `${V}/events`, { body: { name: 'Sync', body: { n: 'Number' } } });
  const integrationId = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'Acme CRM', app: 'acmecrm' } })).body.integrationId;
  const def = { name: 'Sync → CRM', trigger: { type: 'customEvent', event: 'Sync' },
    blocks: [{ id: 'me', type: 'appAction', app: 'acmecrm', action: 'me', inputs: {} },
      { id: 'out', type: 'streamData', inputs: { url: `"${sink.url}/crm"`, body: "{'n': event.n, 'token': steps.me.token}" } }] };
  const w = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition: def } });
  workflowId = w.body.workflowId;
  await api(s, 'POST', `${V}/workflows/${workflowId}/release`);
  const start = await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId, integrationId } });
  await api(s, 'POST', `${V}/headless/completeInstallation`, { body: { installationId: start.body.installationId,
    data: [{ workflowId, blockId: 'config', fields: [] }] } });

  await api(s, 'POST', `${V}/run/event`, { body: { event: 'Sync', userId, data: { n: 0 } } });
  await sink.waitFor('/crm', 1);
  assert.equal(JSON.parse(sink.on('/crm')[0].body).token, 'at1');

  provider.revokeAll();
  await Promise.all([1, 2, 3, 4, 5].map((n) => api(s, 'POST', `${V}/run/event`, { body: { event: 'Sync', userId, data: { n } } })));
  await sink.waitFor('/crm', 6);
  const tokens = sink.on('/crm').slice(1).map((x) => JSON.parse(x.body).token);
  assert.deepEqual([...new Set(tokens)], ['at2'], JSON.stringify(tokens));
  assert.equal(provider.state.refreshes, 1, 'one refresh for five executions');
});

test('a refused refresh marks the credential invalid and the error reaches /errors', async () => {
  provider.state.refuse = true;
  provider.revokeAll();
  await api(s, 'POST', `${V}/run/event`, { body: { event: 'Sync', userId, data: { n: 7 } } });
  const errors = await waitUntil('the error', async () => {
    const e = (await api(s, 'GET', `${V}/workflows/${workflowId}/errors?userId=${userId}`)).body.data;
    return e.length ? e : null;
  });
  assert.match(JSON.stringify(errors[0]), /refresh refused.*invalid/);
  const before = provider.state.refreshes;
  await api(s, 'POST', `${V}/run/event`, { body: { event: 'Sync', userId, data: { n: 8 } } });
  await waitUntil('a second error', async () =>
    (await api(s, 'GET', `${V}/workflows/${workflowId}/errors?userId=${userId}`)).body.data.length >= 2);
  assert.equal(provider.state.refreshes, before, 'an invalid credential is not refreshed again');
});

test('the callback answers JSON to an API client; a denial ends the authorization with the provider\'s error', async () => {
  const start = async () => Object.fromEntries(new URL((await api(s, 'GET',
    `${V}/headless/oauthUrl?userId=${userId}&app=acmecrm&region=us`)).body.oauthUrl).searchParams);
  const json = { headers: { accept: 'application/json' } };
  let q = await start();
  assert.deepEqual(await fetch(`${s.url}/oauth/status?state=${q.state}`).then((x) => x.json()),
    { status: 'authorizing', app: 'acmecrm' });
  let cb = await fetch(`${q.redirect_uri}?error=access_denied&error_description=${encodeURIComponent('No <b>thanks</b>')}&state=${q.state}`, json);
  assert.equal(cb.status, 400);
  const refused = await cb.json();
  assert.equal(refused.code, 'authorization_refused');
  assert.match(refused.message, /access_denied \(No <b>thanks<\/b>\)/);
  const st = await fetch(`${s.url}/oauth/status?state=${q.state}`).then((x) => x.json());
  assert.equal(st.status, 'failed');
  assert.match(st.error, /access_denied/);
  provider.codes.set('code-late', { challenge: q.code_challenge, redirectUri: q.redirect_uri });
  assert.equal((await fetch(`${q.redirect_uri}?code=code-late&state=${q.state}`, json)).status, 404, 'a denied state is spent');

  // A browser gets a page, the provider's text escaped, and the state only when it is ours.
  q = await start();
  cb = await fetch(`${q.redirect_uri}?error=access_denied&error_description=${encodeURIComponent('<script>x</script>')}&state=${q.state}`);
  assert.equal(cb.status, 400);
  assert.match(cb.headers.get('content-type'), /text\/html/);
  const page = await cb.text();
  assert.ok(!page.includes('<script>x'), 'escaped');
  assert.match(page, /&lt;script&gt;x/);
  assert.match(page, new RegExp(`data-state="${q.state}"`));
  cb = await fetch(`${q.redirect_uri}?error=access_denied&state=made-up`);
  assert.equal(cb.status, 404);
  assert.match(await cb.text(), /data-state=""/);

  q = await start();
  provider.codes.set('code-json', { challenge: q.code_challenge, redirectUri: q.redirect_uri });
  cb = await fetch(`${q.redirect_uri}?code=code-json&state=${q.state}`, json);
  assert.equal(cb.status, 200);
  assert.deepEqual(await cb.json(), { status: 'pending' });
  const done = await waitUntil('the exchange', async () => {
    const x = await fetch(`${s.url}/oauth/status?state=${q.state}`).then((r) => r.json());
    return x.status === 'connected' ? x : null;
  });
  await api(s, 'DELETE', `${V}/users/${userId}/credentials/${done.credentialId}`);
  assert.equal((await fetch(`${s.url}/oauth/status?state=unknown`)).status, 404);
});
