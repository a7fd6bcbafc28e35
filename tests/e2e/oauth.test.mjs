// The install modal's OAuth2 connect button in a real Chromium, against a local OAuth2 provider
// (authorization code with PKCE): Connect opens the provider in a popup, approving there brings the
// modal to its settings step with the new credential chosen for the installation, whose first run
// calls the provider with the access token it issued; denying shows the provider's error in the
// modal, stores nothing, and Connect can be pressed again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { mkdtempSync, copyFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, api } from '../api/server.mjs';
import { startBrowser, startIsvPage } from './browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const V = '/2024-03';

let s;
let browser;
let isv;
let provider;
let connectorDir;
let integrationId;
let workflowId;

// The provider: an authorize page with Approve and Deny, a token endpoint that checks the client
// and the PKCE verifier, and an API that records the bearer tokens it is called with.
async function startProvider() {
  const codes = new Map(); // code -> {challenge, redirectUri}
  const issued = [];
  const seen = []; // bearer tokens /api/me was called with
  let n = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const url = new URL(req.url, 'http://provider');
      const json = (status, obj) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(obj)); };
      if (url.pathname === '/authorize') {
        const q = url.searchParams;
        const code = `code-${++n}`;
        codes.set(code, { challenge: q.get('code_challenge'), redirectUri: q.get('redirect_uri') });
        const back = (params) => `${q.get('redirect_uri')}?${new URLSearchParams({ ...params, state: q.get('state') })}`;
        const esc = (t) => t.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(`<!doctype html><title>Acme CRM</title><h1>Allow Solder to read your contacts?</h1>
<p>Region ${esc(q.get('region') || '')}, client ${esc(q.get('client_id') || '')}</p>
<a id="approve" href="${esc(back({ code }))}">Approve</a>
<a id="deny" href="${esc(back({ error: 'access_denied', error_description: 'The user denied the request' }))}">Deny</a>`);
        return;
      }
      if (url.pathname === '/token' && req.method === 'POST') {
        const form = new URLSearchParams(body);
        if (form.get('client_id') !== 'e2e-client' || form.get('client_secret') !== 'e2e-secret') return json(401, { error: 'invalid_client' });
        const c = codes.get(form.get('code'));
        codes.delete(form.get('code'));
        const challenge = createHash('sha256').update(form.get('code_verifier') || '').digest('base64url');
        if (form.get('grant_type') !== 'authorization_code' || !c || c.challenge !== challenge || c.redirectUri !== form.get('redirect_uri')) {
          return json(400, { error: 'invalid_grant' });
        }
        const token = `acme-at-${issued.length + 1}`;
        issued.push(token);
        return json(200, { access_token: token, refresh_token: `acme-rt-${issued.length}`, token_type: 'Bearer', expires_in: 3600 });
      }
      if (url.pathname === '/api/me') {
        const token = (req.headers.authorization || '').replace(/^Bearer /, '');
        seen.push(token);
        return issued.includes(token) ? json(200, { user: 'me' }) : json(401, { message: 'bad token' });
      }
      return json(404, {});
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, issued, seen,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }) };
}

before(async () => {
  provider = await startProvider();
  connectorDir = mkdtempSync(path.join(tmpdir(), 'solder-e2e-connectors-'));
  copyFileSync(path.join(here, '../../connectors/connector.schema.json'), path.join(connectorDir, 'connector.schema.json'));
  writeFileSync(path.join(connectorDir, 'acmecrm.json'), JSON.stringify({
    app: 'acmecrm', name: 'Acme CRM', baseUrl: `${provider.url}/api`,
    auth: { type: 'oauth2', authorizeUrl: `${provider.url}/authorize?region={credential.region}`,
      tokenUrl: `${provider.url}/token`, scopes: 'contacts.read',
      fields: { type: 'object', required: ['region'], properties: { region: { type: 'string', title: 'Region' } } },
      headers: { Authorization: 'Bearer {credential.access_token}' }, credentialName: 'Acme CRM ({credential.region})' },
    actions: { me: { method: 'GET', path: '/me' } },
  }));
  process.env.SOLDER_OAUTH_ACMECRM_CLIENT_ID = 'e2e-client'; // the server inherits them
  process.env.SOLDER_OAUTH_ACMECRM_CLIENT_SECRET = 'e2e-secret';
  s = await startServer(['--workers', '1', '--allow-private-network', '--connectors', connectorDir]);
  isv = await startIsvPage(s.url);
  browser = await startBrowser();
  integrationId = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'Acme CRM', app: 'acmecrm' } })).body.integrationId;
  const r = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition: {
    name: 'Greet the CRM on installation', trigger: { type: 'onInstallation' },
    fields: [{ name: 'team', title: 'Team', required: true, schema: { type: 'string' } }],
    blocks: [{ id: 'me', type: 'appAction', app: 'acmecrm', action: 'me', inputs: {} }] } } });
  assert.equal(r.body.valid, true, JSON.stringify(r.body));
  workflowId = r.body.workflowId;
  assert.equal((await api(s, 'POST', `${V}/workflows/${workflowId}/release`)).status, 200);
});

after(async () => {
  if (browser) await browser.close();
  if (isv) await isv.close();
  if (s) assert.equal(await s.stop(), 0);
  if (provider) await provider.close();
  if (connectorDir) rmSync(connectorDir, { recursive: true, force: true });
});

async function newUser(username) {
  const userId = (await api(s, 'POST', `${V}/users`, { body: { username } })).body.userId;
  const token = (await api(s, 'GET', `${V}/users/${userId}/token`)).body.token;
  return { userId, token };
}

// Opens the ISV page and the modal for the integration; returns {page, frame, requests}.
async function openModal(token) {
  const page = await browser.newPage();
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(isv.url);
  await page.waitForFunction(() => typeof window.Alloy === 'function');
  await page.evaluate(({ token, integrationId }) => {
    window.results = [];
    window.Alloy.setToken(token);
    window.Alloy.install({ integrationId, callback: (r) => window.results.push(r) });
  }, { token, integrationId });
  const frame = await (await page.waitForSelector('[data-alloy-modal] iframe')).contentFrame();
  await frame.waitForSelector('#c-region');
  return { page, frame, requests };
}

// Presses Connect and returns the popup once it shows the provider's page.
async function connect(frame) {
  const [popup] = await Promise.all([browser.context.waitForEvent('page'), frame.click('#next')]);
  await popup.waitForURL(/\/authorize\?/);
  await popup.waitForSelector('#approve');
  return popup;
}

const credentialsOf = async (userId) => (await api(s, 'GET', `${V}/users/${userId}/credentials`)).body.data;

test('Connect opens the provider; approving continues to settings and installs with that credential', async () => {
  const user = await newUser('olivia');
  const { page, frame, requests } = await openModal(user.token);
  assert.equal(await frame.textContent('#next'), 'Connect Acme CRM');
  await frame.fill('#c-region', 'eu');

  const popup = await connect(frame);
  const authorize = new URL(popup.url());
  assert.equal(authorize.origin, provider.url, 'only the popup goes to the provider');
  assert.equal(authorize.searchParams.get('region'), 'eu', 'the form value reaches the authorize URL');
  assert.equal(authorize.searchParams.get('redirect_uri'), `${s.url}/oauth/callback`);
  assert.equal(await frame.isDisabled('#next'), true, 'Connect waits for the popup');
  assert.match(await frame.textContent('#next'), /Waiting for Acme CRM/);
  await popup.click('#approve');

  // The callback page tells the modal; the modal moves on to the settings step.
  await frame.waitForSelector(`#f-${workflowId}-team`, { timeout: 20000 });
  assert.equal(await frame.textContent('[aria-current=step]'), 'Settings');
  const creds = await credentialsOf(user.userId);
  assert.deepEqual(creds.map((c) => [c.type, c.name]), [['acmecrm', 'Acme CRM (eu)']]);

  await frame.fill(`#f-${workflowId}-team`, 'sales');
  await frame.click('#next');
  await frame.waitForSelector('dl.review');
  assert.match(await frame.textContent('#body'), /connected just now/);
  await frame.click('#next');
  await frame.waitForSelector('.ok');
  await frame.click('#next');
  await page.waitForFunction(() => window.results.length > 0);
  assert.equal((await page.evaluate(() => window.results))[0].success, true);

  // The installation uses the credential connected in the modal, and its first run calls the
  // provider with the access token the provider issued for that authorization.
  const inst = (await api(s, 'GET', `${V}/installations`)).body.data.find((i) => i.userId === user.userId);
  assert.deepEqual(inst.credentialIds, { acmecrm: creds[0].credentialId });
  const issued = provider.issued.at(-1);
  const deadline = Date.now() + 20000;
  while (!provider.seen.includes(issued) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.ok(provider.seen.includes(issued), `the action used ${issued}: saw ${provider.seen}`);

  const origin = new URL(s.url).origin;
  const elsewhere = requests.filter((u) => !u.startsWith(origin) && !u.startsWith(isv.url) && !u.startsWith('data:'));
  assert.deepEqual(elsewhere, [], 'the ISV page and the modal contact no other host');
  await page.close();
});

test('denying at the provider shows its error in the modal, stores nothing, and Connect can be retried', async () => {
  const user = await newUser('piotr');
  const { page, frame } = await openModal(user.token);
  await frame.fill('#c-region', 'us');
  let popup = await connect(frame);
  const closed = popup.waitForEvent('close');
  await popup.click('#deny');
  await frame.waitForSelector('#problem:not([hidden])', { timeout: 20000 });
  const problem = await frame.textContent('#problem');
  assert.match(problem, /access_denied/);
  assert.match(problem, /The user denied the request/);
  await closed; // the callback page closes itself once the modal has the result
  assert.equal(await frame.textContent('[aria-current=step]'), 'Connect', 'still on the Connect step');
  assert.equal(await frame.isDisabled('#next'), false);
  assert.deepEqual(await credentialsOf(user.userId), [], 'nothing stored');

  // A callback for a state the server never issued is refused (the used state's replay is covered by
  // tests/api/oauth.test.mjs).
  const denied = await fetch(`${s.url}/oauth/callback?error=access_denied&state=forged`, { headers: { accept: 'application/json' } });
  assert.equal(denied.status, 404);

  popup = await connect(frame);
  await popup.click('#approve');
  await frame.waitForSelector(`#f-${workflowId}-team`, { timeout: 20000 });
  assert.deepEqual((await credentialsOf(user.userId)).map((c) => c.name), ['Acme CRM (us)']);
  await frame.press(`#f-${workflowId}-team`, 'Escape');
  await page.waitForFunction(() => window.results.length > 0);
  assert.deepEqual(await page.evaluate(() => window.results), [{ success: false }]);
  await page.close();
});

test('a blocked popup is explained in the modal', async () => {
  const user = await newUser('quinn');
  const { page, frame } = await openModal(user.token);
  await frame.evaluate(() => { window.open = () => null; });
  await frame.fill('#c-region', 'eu');
  await frame.click('#next');
  await frame.waitForSelector('#problem:not([hidden])');
  assert.match(await frame.textContent('#problem'), /blocked the Acme CRM sign-in window/);
  assert.deepEqual(await credentialsOf(user.userId), []);
  await page.close();
});
