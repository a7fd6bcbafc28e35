// The install modal's OAuth2 connect button in a real Chromium, against a local OAuth2 provider
// (authorization code with PKCE): Connect opens the provider in a popup, approving there brings the
// modal to its settings step with the new credential chosen for the installation, whose first run
// calls the provider with the access token it issued; denying shows the provider's error in the
// modal, stores nothing, and Connect can be pressed again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startServer, api, connectorDir } from '../api/server.mjs';
import { startOAuthProvider, acmeConnector } from '../api/oauth-provider.mjs';
import { startBrowser, startIsvPage, results, reviewAndFinish } from './browser.mjs';

const V = '/2024-03';

let s;
let browser;
let isv;
let provider;
let connectors;
let integrationId;
let workflowId;

before(async () => {
  provider = await startOAuthProvider({ clientId: 'e2e-client', clientSecret: 'e2e-secret' });
  connectors = connectorDir(acmeConnector(provider));
  process.env.SOLDER_OAUTH_ACMECRM_CLIENT_ID = 'e2e-client'; // the server inherits them
  process.env.SOLDER_OAUTH_ACMECRM_CLIENT_SECRET = 'e2e-secret';
  s = await startServer(['--workers', '1', '--allow-private-network', '--connectors', connectors]);
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
  if (connectors) rmSync(connectors, { recursive: true, force: true });
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
  const got = await reviewAndFinish(page, frame, async () => {
    assert.match(await frame.textContent('#body'), /connected just now/);
  });
  assert.equal(got[0].success, true);

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
  assert.deepEqual(await results(page), [{ success: false }]);
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
