// The dashboard's pages used as an operator uses them, in a real Chromium against the real server,
// demo/bigcommerce-sandbox and a local sink (dashboard.test.mjs does the quick start itself): the
// versions list with who released each version, their diff, export and import of a workflow;
// Users searched on the server, a user's workflows deactivated and reactivated, their logs deleted
// after a confirmation; Executions filtered, a run's steps, Rerun, runs appearing live over /ws
// without polling, and the slow poll taking over while the socket is down; Analytics after runs;
// Settings (API keys in both environments with copy and revoke, the signing secret shown once,
// the error webhook's "Send test" reaching the sink, log retention, error streaming to an
// EventBridge bus whose keys are never shown back); Promote with its preview,
// and the environment switch keeping Development and Production apart; one whole flow by keyboard
// only. axe-core checks each page in the states reached, dialogs open included. With
// SOLDER_SCREENSHOTS=docs/img the pages are photographed for docs/dashboard.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, api, waitUntil } from '../api/server.mjs';
import { startSink, verifyStandardWebhook } from '../api/sink.mjs';
import { startSandbox } from '../api/sandbox.mjs';
import { startEventBridge } from '../api/standins.mjs';
import { createAccount } from '../api/dashboard.mjs';
import { assertAccessible, go as open, setCode, shot, signedInBrowser, signInByKeyboard, tabTo } from './dashboard.mjs';

const V = '/2024-03';
const EMAIL = 'ops@acme.example';
const PASSWORD = 'correct horse battery staple';
const SHOP_TOKEN = `bc-token-${Date.now()}`;
const WEBHOOK_SECRET = 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0';
const EB_KEYS = { accessKeyId: 'ASIADASHBOARDKEY9', secretAccessKey: 'dash-secret-Key/abcdefghij0123456789', sessionToken: 'IQoJdashboard+token==' };
// Users made besides the two merchants, so that the Users page has more than one page (25 a page).
const SHOPPERS = 30;
// The Executions page's poll while the socket is down (live.js), and a margin for a slow machine.
const FALLBACK_POLL_MS = 10000;

let s;
let sink;
let shop;
let browser;
let page; // the operator's tab, 1280 × 800
const ids = {};

const go = (url, p = page) => open(p, s.url, url);
const key = () => s.key;
const prefixOf = (k) => k.slice(0, 12);

const streamFlow = () => ({
  name: 'New BigCommerce orders to AcmeCo',
  trigger: { type: 'app', app: 'bigcommerce', trigger: 'orderCreated' },
  blocks: [{ id: 'stream', type: 'streamData', inputs: { url: `'${sink.url}/acme/orders'`, body: 'event' } }],
});
const statusFlow = {
  name: 'Fulfillment Updated → BigCommerce order status',
  trigger: { type: 'customEvent', event: 'Fulfillment Updated' },
  blocks: [{ id: 'bc', name: 'Update an order status', type: 'appAction', app: 'bigcommerce', action: 'updateOrderStatus',
    inputs: { id: '$number(event.orderId)', status_id: "event.status = 'FULFILLED' ? 10 : 11" } }],
};

async function call(method, p, body) {
  const r = await api(s, method, `${V}${p}`, { body, key: key() });
  assert.ok(r.status < 300, `${method} ${p}: ${r.status} ${r.text}`);
  return r.body;
}

async function install(userId, workflowIds) {
  const start = await call('POST', '/headless/startInstallation', { userId, integrationId: ids.integration, workflowIds });
  await call('POST', '/headless/completeInstallation', { installationId: start.installationId,
    data: workflowIds.map((workflowId) => ({ workflowId, blockId: 'config', fields: [] })) });
}

// Sends the Fulfillment Updated event and waits until its run has finished; returns the run.
async function runEvent(userId, orderId) {
  const r = await call('POST', '/run/event', { event: 'Fulfillment Updated', userId, data: { orderId: String(orderId), status: 'FULFILLED' } });
  return waitUntil('the run to finish', async () => {
    const x = (await api(s, 'GET', `${V}/logs/executions/${r.executions[0]}`)).body.data;
    return x && x.finished ? x : null;
  });
}

before(async () => {
  sink = await startSink();
  shop = await startSandbox({ storeHash: 'acme1', token: SHOP_TOKEN });
  s = await startServer(['--allow-private-network', '--workers', '2']);
  await createAccount(s, EMAIL, PASSWORD);

  await call('POST', '/events', { name: 'Fulfillment Updated', description: 'A fulfillment status changed in AcmeCo',
    body: { orderId: 'String', status: 'String' } });
  ids.integration = (await call('POST', '/integrations', { name: 'BigCommerce', app: 'bigcommerce', icon: '/icons/bigcommerce.svg' })).integrationId;
  ids.wf1 = (await call('POST', '/workflows', { integrationId: ids.integration, definition: streamFlow() })).workflowId;
  ids.wf2 = (await call('POST', '/workflows', { integrationId: ids.integration, definition: statusFlow })).workflowId;
  await call('POST', `/workflows/${ids.wf1}/release`);
  await call('POST', `/workflows/${ids.wf2}/release`);

  ids.acme = (await call('POST', '/users', { username: 'acme-merchant', fullName: 'Acme Merchant' })).userId;
  ids.beta = (await call('POST', '/users', { username: 'beta-merchant', fullName: 'Beta Merchant' })).userId;
  await call('POST', '/users/batch', { users: Array.from({ length: SHOPPERS }, (_, i) => ({ username: `shopper-${String(i + 1).padStart(2, '0')}` })) });
  await call('POST', '/headless/credentials', { userId: ids.acme,
    credential: { type: 'bigcommerce', data: { store_hash: shop.storeHash, access_token: SHOP_TOKEN, baseUrl: shop.apiBase } } });
  await install(ids.acme, [ids.wf2]);
  await install(ids.beta, [ids.wf2]);

  ids.order = (await shop.placeOrder('ada@example.com', 42)).id;
  ids.ok = await runEvent(ids.acme, ids.order);
  assert.equal(ids.ok.status, 'success', JSON.stringify(ids.ok));
  ids.failed = await runEvent(ids.acme, 999999);
  assert.equal(ids.failed.status, 'error', 'an order the store does not have fails the run');
  ids.betaRun = await runEvent(ids.beta, ids.order);

  ({ browser, page } = await signedInBrowser(s.url, EMAIL, PASSWORD));
});

after(async () => {
  if (browser) await browser.close();
  if (s) assert.equal(await s.stop(), 0);
  if (shop) await shop.stop();
  if (sink) await sink.close();
});

test('versions: who released each, the diff of two releases, export and import of the workflow', async () => {
  await go(`/workflows/${ids.wf1}`);
  await page.getByRole('button', { name: /^Stream Data/ }).first().click();
  await setCode(page, 'URL expression', `'${sink.url}/acme/v2/orders'`);
  await page.getByText('All changes saved').waitFor();
  await page.getByRole('button', { name: 'Release this Version' }).click();
  await page.getByText('Version 2 released').waitFor();

  await page.getByRole('button', { name: 'Versions' }).click();
  const dialog = page.getByRole('dialog', { name: 'Versions' });
  await dialog.waitFor();
  const rows = dialog.getByRole('table').first().getByRole('row');
  await rows.filter({ hasText: 'v2' }).filter({ hasText: EMAIL }).waitFor();
  await rows.filter({ hasText: 'v1' }).filter({ hasText: `API key ${prefixOf(key())}` }).waitFor();
  await dialog.getByLabel('Compare').selectOption('1');
  await dialog.getByLabel('With').selectOption('2');
  await dialog.getByRole('status').filter({ hasText: /^\d+ lines? differ\.$/ }).waitFor();
  await dialog.locator('.diff-del').filter({ hasText: `'${sink.url}/acme/orders'` }).waitFor();
  await dialog.locator('.diff-add').filter({ hasText: `'${sink.url}/acme/v2/orders'` }).waitFor();
  await assertAccessible(page, 'the versions dialog');
  await shot(page, 'dashboard-versions.png');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export' }).click()]);
  assert.equal(download.suggestedFilename(), 'New-BigCommerce-orders-to-AcmeCo.json');
  const exported = JSON.parse(readFileSync(await download.path(), 'utf8'));
  assert.deepEqual(exported.trigger, streamFlow().trigger);
  assert.equal(exported.blocks[0].inputs.url, `'${sink.url}/acme/v2/orders'`);

  const dir = s.dataDir;
  writeFileSync(path.join(dir, 'notes.json'), 'not a workflow');
  exported.blocks[0].name = 'Send to AcmeCo';
  writeFileSync(path.join(dir, 'workflow.json'), JSON.stringify(exported));
  await page.getByRole('button', { name: 'Import' }).click();
  const importing = page.getByRole('dialog', { name: 'Import a workflow' });
  await importing.getByLabel('Workflow JSON file').setInputFiles(path.join(dir, 'notes.json'));
  await importing.getByRole('alert').filter({ hasText: 'notes.json is not JSON' }).waitFor();
  await assertAccessible(page, 'the Import dialog with an error');
  await importing.getByLabel('Workflow JSON file').setInputFiles(path.join(dir, 'workflow.json'));
  await importing.waitFor({ state: 'hidden' });
  await page.getByText('Workflow imported; the draft was replaced.').waitFor();
  await page.getByRole('button', { name: /^Stream Data\s*Send to AcmeCo/ }).waitFor();
  await page.getByText('All changes saved').waitFor();
  const draft = (await api(s, 'GET', `${V}/workflows/${ids.wf1}`)).body.data.draft;
  assert.equal(draft.blocks[0].name, 'Send to AcmeCo', 'the imported definition is the saved draft');
});

test('Users: searched on the server and paged; a user deactivated, reactivated, their logs deleted', async () => {
  const asked = [];
  page.on('request', (r) => { if (r.resourceType() === 'fetch' && new URL(r.url()).pathname === '/users') asked.push(new URL(r.url()).search); });
  await go('/users');
  await page.getByRole('status').filter({ hasText: `1–25 of ${SHOPPERS + 2} users` }).waitFor();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('status').filter({ hasText: `26–${SHOPPERS + 2} of ${SHOPPERS + 2} users` }).waitFor();
  await page.getByRole('button', { name: 'Previous' }).click();

  const searched = page.waitForRequest((r) => r.url().includes('/users?search=merchant'));
  await page.getByLabel('Search users').fill('merchant');
  await searched;
  await page.getByRole('status').filter({ hasText: '1–2 of 2 users matching “merchant”' }).waitFor();
  assert.deepEqual(await page.locator('tbody tr td:first-child').allTextContents(), ['beta-merchant', 'acme-merchant']);
  assert.match(page.url(), /\/users\?q=merchant$/);
  assert.ok(asked.length >= 3 && asked.every((q) => /limit=25/.test(q)), `only pages are fetched, never the whole list: ${asked}`);
  await assertAccessible(page, '/users?q=merchant');
  await shot(page, 'dashboard-users.png');
  await page.getByLabel('Search users').fill('nobody-is-called-this');
  await page.getByText('No user matches “nobody-is-called-this”').waitFor();
  await page.getByLabel('Search users').fill('beta');

  await page.getByRole('link', { name: 'beta-merchant' }).click();
  await page.getByRole('heading', { name: 'beta-merchant' }).waitFor();
  const installs = page.getByRole('region', { name: 'Installations' });
  await installs.getByText(statusFlow.name).waitFor();
  await installs.locator('.badge-active').waitFor();
  await page.getByRole('region', { name: 'Credentials' }).getByText('No connected apps.').waitFor();
  await page.getByRole('region', { name: 'Recent runs' }).getByRole('row').nth(1).waitFor();

  await page.getByRole('button', { name: 'Deactivate workflows' }).click();
  const deactivate = page.getByRole('dialog', { name: 'Deactivate every workflow of this user?' });
  await deactivate.getByText('1 active workflow of beta-merchant stop running').waitFor();
  await assertAccessible(page, 'the Deactivate workflows confirmation');
  await deactivate.getByRole('button', { name: 'Deactivate workflows' }).click();
  await deactivate.waitFor({ state: 'hidden' });
  await installs.locator('.badge-inactive').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Deactivate workflows' }).isDisabled(), true, 'nothing is left to deactivate');
  let state = (await api(s, 'GET', `${V}/workflows/${ids.wf2}?userId=${ids.beta}`)).body.data;
  assert.equal(state.active, false);
  await assertAccessible(page, `/users/${ids.beta}`);
  await shot(page, 'dashboard-user.png');
  await installs.getByRole('button', { name: `Activate ${statusFlow.name} for beta-merchant` }).click();
  await installs.locator('.badge-active').waitFor();
  state = (await api(s, 'GET', `${V}/workflows/${ids.wf2}?userId=${ids.beta}`)).body.data;
  assert.equal(state.active, true);

  const runsOf = async (u) => (await api(s, 'GET', `${V}/logs/executions?userId=${u}`)).body.data.length;
  await page.getByRole('button', { name: 'Delete logs' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete this user’s logs?' });
  await confirm.getByText('This cannot be undone.').waitFor();
  await assertAccessible(page, 'the Delete logs confirmation');
  await shot(page, 'dashboard-user-delete-logs.png');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await confirm.waitFor({ state: 'hidden' });
  assert.equal(await runsOf(ids.beta), 1, 'Cancel deletes nothing');
  await page.getByRole('button', { name: 'Delete logs' }).click();
  await confirm.getByRole('button', { name: 'Delete logs' }).click();
  await confirm.waitFor({ state: 'hidden' });
  await page.getByRole('region', { name: 'Recent runs' }).getByText('No runs.').waitFor();
  assert.equal(await runsOf(ids.beta), 0);
  assert.ok(await runsOf(ids.acme) >= 2, 'another user\'s logs are kept');
});

test('Executions: filters in the URL, a run with its steps, Rerun updating live', async () => {
  await go('/executions');
  const body = page.locator('table tbody');
  await body.getByRole('row').nth(1).waitFor();
  await page.getByLabel('Status').selectOption('error');
  await page.waitForURL(/status=error/);
  await body.getByRole('row').filter({ hasText: 'error' }).first().waitFor();
  await waitUntil('only failed runs', async () => (await body.locator('.badge').allTextContents()).every((t) => t === 'error'));
  assert.match(await body.locator('.error-cell').first().textContent(), /^Update an order status: ./, 'the failing block and its error');
  await page.getByLabel('Status').selectOption('');

  const suggested = page.waitForRequest((r) => r.url().includes('/users?search=acme'));
  await page.getByLabel('User', { exact: true }).fill('acme');
  await suggested;
  await page.getByLabel('User', { exact: true }).fill('acme-merchant');
  await page.getByLabel('User', { exact: true }).press('Enter');
  await page.waitForURL(/userId=acme-merchant/);
  await waitUntil('only acme-merchant\'s runs', async () => {
    const users = await body.locator('td:nth-child(3)').allTextContents();
    return users.length >= 2 && users.every((u) => u === 'acme-merchant');
  });
  await page.getByLabel('Workflow').selectOption(ids.wf2);
  await page.waitForURL(new RegExp(`workflowId=${ids.wf2}`));
  await page.getByLabel('Time').selectOption('1h');
  await page.waitForURL(/range=1h/);
  await body.getByRole('row').nth(1).waitFor();
  await page.getByLabel('User', { exact: true }).fill('nobody');
  await page.getByLabel('User', { exact: true }).press('Enter');
  await page.getByRole('alert').filter({ hasText: 'No user “nobody” in this environment' }).waitFor();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.waitForURL(/\/executions$/);
  await body.getByRole('row').nth(1).waitFor();
  await assertAccessible(page, '/executions');
  await shot(page, 'dashboard-executions.png');

  await go(`/executions/${ids.ok.executionId}`);
  await page.getByRole('heading', { name: `Run of ${statusFlow.name}` }).waitFor();
  await page.getByLabel('Trigger data').getByText(`"orderId": "${ids.order}"`).waitFor();
  await page.getByLabel('Inputs of Update an order status').getByText('"status_id": 10').waitFor();
  assert.match(await page.getByLabel('Output of Update an order status').textContent(), /"status_id": 10/);
  await assertAccessible(page, '/executions/:id');
  await shot(page, 'dashboard-execution.png');

  await page.getByRole('button', { name: 'Rerun' }).click();
  await page.waitForURL((u) => /\/executions\/[0-9a-f]{24}$/.test(u.pathname) && !u.pathname.endsWith(ids.ok.executionId));
  await page.getByText('Rerun queued: this is the new run').waitFor();
  // The new run starts queued or running and this page follows it to the end without a reload.
  await page.evaluate(() => { window.stillThisPage = true; });
  await page.locator('.facts .badge-success').waitFor({ timeout: 20000 });
  assert.equal(await page.evaluate(() => window.stillThisPage), true);
  const rerun = (await api(s, 'GET', `${V}/logs/executions/${page.url().split('/').pop()}`)).body.data;
  assert.equal(rerun.status, 'success');
  assert.deepEqual(rerun.trigger.payload, ids.ok.trigger.payload, 'the same event, run again');
});

test('a run appears live over /ws; while the socket is up the page does not poll', async () => {
  const fetched = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/logs/executions') fetched.push(Date.now()); });
  await go(`/executions?workflowId=${ids.wf2}`);
  await page.locator('.live').filter({ hasText: /^Live$/ }).waitFor();
  const quietFrom = Date.now();
  await page.waitForTimeout(FALLBACK_POLL_MS + 1500);
  assert.deepEqual(fetched.filter((t) => t > quietFrom), [], 'no request while nothing happens');

  const sent = Date.now();
  const r = await call('POST', '/run/event', { event: 'Fulfillment Updated', userId: ids.acme, data: { orderId: String(ids.order), status: 'FULFILLED' } });
  const row = page.getByRole('row').filter({ has: page.locator(`a[href="/executions/${r.executions[0]}"]`) });
  await row.filter({ hasText: 'success' }).waitFor({ timeout: FALLBACK_POLL_MS });
  console.log(`run visible on the Executions page ${Date.now() - sent} ms after POST /run/event`);
  assert.ok(fetched.some((t) => t > sent), 'the page fetched because an event arrived');
});

test('while the socket is down the page polls every 10 s and still shows new runs', async () => {
  const p = await browser.newPage();
  await p.routeWebSocket(/\/ws$/, (ws) => ws.close());
  await go(`/executions?workflowId=${ids.wf2}`, p);
  await p.locator('.live').filter({ hasText: 'Offline: refreshing every 10 s' }).waitFor();
  const r = await call('POST', '/run/event', { event: 'Fulfillment Updated', userId: ids.acme, data: { orderId: String(ids.order), status: 'FULFILLED' } });
  await p.getByRole('row').filter({ has: p.locator(`a[href="/executions/${r.executions[0]}"]`) })
    .filter({ hasText: 'success' }).waitFor({ timeout: 3 * FALLBACK_POLL_MS });
  await p.close();
});

test('Analytics: the chart and figures after runs, per workflow, and the top failing blocks', async () => {
  await go('/analytics');
  const all = (await api(s, 'GET', `${V}/logs/analytics?bucket=hour`)).body;
  assert.ok(all.totals.runs >= 5 && all.totals.errors >= 1, JSON.stringify(all.totals));
  const stat = (label) => page.locator('.stat').filter({ hasText: label }).locator('.stat-value');
  await stat('runs').filter({ hasText: String(all.totals.runs) }).waitFor();
  assert.equal(await stat('errors').textContent(), String(all.totals.errors));
  await page.locator('.chart canvas').waitFor();
  assert.match(await page.getByRole('img', { name: /Chart of runs and errors per hour/ }).getAttribute('aria-label'),
    new RegExp(`${all.totals.runs} runs, ${all.totals.errors} errors`));
  const top = page.getByRole('table', { name: 'Top failing blocks' });
  const row = top.getByRole('row').filter({ hasText: statusFlow.name });
  await row.filter({ hasText: 'Update an order status' }).waitFor();
  assert.equal(await row.getByRole('link').getAttribute('href'), `/executions?workflowId=${ids.wf2}&status=error`);
  await assertAccessible(page, '/analytics');
  await shot(page, 'dashboard-analytics.png');

  await page.getByLabel('Workflow').selectOption(ids.wf1);
  await page.getByText('No run in the last 24 hours of this workflow.').waitFor();
  await stat('runs').filter({ hasText: /^0$/ }).waitFor();
  await page.getByLabel('Per', { exact: true }).selectOption('day');
  await page.getByRole('heading', { name: 'Runs and errors per day' }).waitFor();
  await page.locator('.chart canvas').waitFor();
});

test('Settings: API keys in both environments (copy, revoke), the signing secret once, Send test, retention', async () => {
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: s.url });
  await go('/settings');
  const prodBox = page.getByRole('region', { name: 'Production Environment' });
  await prodBox.getByRole('button', { name: 'Generate API Key' }).click();
  const prodKey = (await prodBox.getByLabel('New API key').textContent()).trim();
  assert.match(prodKey, /^sk_prod_/);
  await prodBox.getByRole('button', { name: 'Copy key' }).click();
  await prodBox.getByRole('button', { name: 'Copied' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), prodKey);
  await prodBox.getByRole('row').filter({ hasText: prefixOf(prodKey) }).waitFor();
  const prodUsers = await api(s, 'GET', `${V}/users`, { key: prodKey });
  assert.equal(prodUsers.status, 200);
  assert.deepEqual(prodUsers.body.data, [], 'the production key sees production only');
  await assertAccessible(page, '/settings with a new key');
  await shot(page, 'dashboard-settings.png');
  await prodBox.getByRole('button', { name: 'I have stored it' }).click();
  assert.equal(await prodBox.getByLabel('New API key').count(), 0, 'the key is shown only once');

  const devBox = page.getByRole('region', { name: 'Development Environment' });
  await devBox.getByRole('button', { name: 'Generate API Key' }).click();
  const devKey = (await devBox.getByLabel('New API key').textContent()).trim();
  assert.match(devKey, /^sk_dev_/);
  for (const [box, k] of [[prodBox, prodKey], [devBox, devKey]]) {
    await box.getByRole('button', { name: `Revoke key ${prefixOf(k)}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke this key?' });
    await dialog.getByText(`Calls with ${prefixOf(k)}… fail from now on.`).waitFor();
    if (k === prodKey) await assertAccessible(page, 'the Revoke confirmation');
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await box.getByRole('row').filter({ hasText: prefixOf(k) }).waitFor({ state: 'detached' });
    assert.equal((await api(s, 'GET', `${V}/users`, { key: k })).status, 401, 'a revoked key is refused');
  }

  await page.getByRole('button', { name: 'Rotate signing secret' }).click();
  await page.getByRole('dialog', { name: 'Rotate the signing secret?' }).waitFor();
  await assertAccessible(page, 'the Rotate confirmation');
  await page.getByRole('dialog', { name: 'Rotate the signing secret?' }).getByRole('button', { name: 'Rotate' }).click();
  const secret = (await page.getByLabel('New signing secret').textContent()).trim();
  assert.match(secret, /^whsec_/);
  await page.reload();
  await page.getByRole('heading', { name: 'Settings' }).waitFor();
  await page.getByText('Set. It is shown only when rotated.').waitFor();
  assert.ok(!(await page.locator('body').innerText()).includes(secret), 'shown once, never again');

  const sendTest = page.getByRole('button', { name: 'Send test' });
  assert.equal(await sendTest.isDisabled(), true, 'nothing to send to yet');
  await page.getByText('Save a URL to send a test.').waitFor();
  await page.getByLabel('Error webhook URL').fill(`${sink.url}/errors`);
  await page.getByLabel('Error webhook secret').fill('not-a-whsec');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByRole('alert').filter({ hasText: 'errorWebhookSecret must be a whsec_ secret' }).waitFor();
  await page.getByLabel('Error webhook secret').fill(WEBHOOK_SECRET);
  await page.getByLabel('Keep logs for (days)').fill('0');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByRole('alert').filter({ hasText: 'Keep logs for a whole number of days from 1 to 3650.' }).waitFor();
  await page.getByLabel('Keep logs for (days)').fill('30');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('Settings saved').waitFor();
  await page.getByText('A secret is set (never shown)').waitFor();

  const before = sink.on('/errors').length;
  await sendTest.click();
  await page.getByRole('status').filter({ hasText: `Delivered: ${sink.url}/errors answered HTTP 200.` }).waitFor();
  await sink.waitFor('/errors', before + 1);
  const got = sink.on('/errors')[before];
  assert.equal(JSON.parse(got.body).type, 'executionError');
  assert.ok(verifyStandardWebhook(WEBHOOK_SECRET, got.headers, got.body), 'signed with the secret saved');
  await assertAccessible(page, '/settings after Send test');
  await shot(page, 'dashboard-settings-errors.png');
  sink.plan('/errors', [500]);
  await sendTest.click();
  await page.getByRole('status').filter({ hasText: 'Not delivered: the webhook answered HTTP 500.' }).waitFor();
  await page.getByLabel('Error webhook URL').fill('https://elsewhere.example/errors');
  await page.getByText('Save the new URL first.').waitFor();
  assert.equal(await sendTest.isDisabled(), true, 'a test goes to the saved URL only');

  await page.reload();
  assert.equal(await page.getByLabel('Keep logs for (days)').inputValue(), '30');
  const saved = (await api(s, 'GET', `${V}/settings`)).body;
  assert.equal(saved.logRetentionDays, 30);
  assert.equal(saved.errorWebhookUrl, `${sink.url}/errors`);
  await page.getByRole('button', { name: 'Remove the secret' }).click();
  await page.getByText('Error webhook secret removed').waitFor();
  assert.equal((await api(s, 'GET', `${V}/settings`)).body.errorWebhookSecretSet, false);
});

test('Settings: error streaming to an EventBridge bus; its keys are never shown back', async () => {
  const eb = await startEventBridge({ region: 'eu-central-1', keys: EB_KEYS });
  try {
    await go('/settings');
    const form = page.getByRole('form', { name: 'Error streaming to Amazon EventBridge (Development)' });
    await form.getByText('Not streaming errors to EventBridge.').waitFor();
    await form.getByLabel('Event bus').fill('errors');
    await form.getByLabel('AWS region').fill('eu-central-1.evil.example/');
    await form.getByLabel('Access key ID').fill(EB_KEYS.accessKeyId);
    await form.getByLabel('Secret access key').fill(EB_KEYS.secretAccessKey);
    await form.getByRole('button', { name: 'Save EventBridge target' }).click();
    await form.getByRole('alert').filter({ hasText: 'errorEventBridge.region must be an AWS region' }).waitFor();
    await form.getByLabel('AWS region').fill('eu-central-1');
    await form.getByLabel('Session token').fill(EB_KEYS.sessionToken);
    await form.getByLabel('Event source').fill('com.acme.solder');
    await form.getByLabel('Endpoint').fill(eb.url);
    await form.getByRole('button', { name: 'Save EventBridge target' }).click();
    await page.getByText('EventBridge target saved').waitFor();
    const fact = (name) => form.locator('.eb-state div').filter({ has: page.locator('dt', { hasText: new RegExp(`^${name}$`) }) }).locator('dd');
    await fact('Access key').filter({ hasText: '…KEY9' }).waitFor();
    assert.equal(await fact('Secret access key').textContent(), 'set (never shown)');
    assert.equal(await fact('Session token').textContent(), 'set (never shown)');
    assert.equal(await form.getByLabel('Secret access key').inputValue(), '', 'a secret is never put back in its field');
    assert.equal(await form.getByLabel('Session token').inputValue(), '');
    assert.equal(await form.getByLabel('Access key ID').inputValue(), '');
    const html = await page.content();
    for (const secret of Object.values(EB_KEYS)) assert.ok(!html.includes(secret), 'no key in the page');
    assert.deepEqual((await api(s, 'GET', `${V}/settings`)).body.errorEventBridge, { bus: 'errors', region: 'eu-central-1',
      source: 'com.acme.solder', endpoint: eb.url, accessKeyIdEnding: 'KEY9', secretAccessKeySet: true, sessionTokenSet: true });
    await assertAccessible(page, '/settings with an EventBridge target');
    await form.scrollIntoViewIfNeeded();
    await shot(page, 'dashboard-settings-eventbridge.png');

    // A failed run reaches the bus the page saved, signed with its keys.
    const failed = await runEvent(ids.acme, 999998);
    assert.equal(failed.status, 'error');
    const event = await waitUntil('the error on the bus', () => eb.events.find((e) => e.Detail.executionId === failed.executionId), 30000);
    assert.deepEqual([event.Source, event.DetailType, event.EventBusName], ['com.acme.solder', 'Execution Error', 'errors']);
    assert.deepEqual(eb.refused, []);

    // Another bus with the same key id keeps the stored secret key.
    await form.getByLabel('Event bus').fill('errors-2');
    await form.getByLabel('Access key ID').fill(EB_KEYS.accessKeyId);
    await form.getByRole('button', { name: 'Save EventBridge target' }).click();
    await fact('Bus').filter({ hasText: 'errors-2' }).waitFor();
    const kept = (await api(s, 'GET', `${V}/settings`)).body.errorEventBridge;
    assert.equal(kept.secretAccessKeySet, true);
    assert.equal(kept.sessionTokenSet, true);

    await form.getByRole('button', { name: 'Stop streaming to EventBridge' }).click();
    const confirm = page.getByRole('dialog', { name: 'Stop streaming errors to EventBridge?' });
    await assertAccessible(page, 'the Stop streaming confirmation');
    await confirm.getByRole('button', { name: 'Stop streaming' }).click();
    await form.getByText('Not streaming errors to EventBridge.').waitFor();
    assert.equal((await api(s, 'GET', `${V}/settings`)).body.errorEventBridge, null);
  } finally {
    await eb.close();
  }
});

test('Promote: production starts empty, the preview shows what changes, apply, production has it', async () => {
  const env = (name) => page.getByRole('radiogroup', { name: 'Environment' }).getByRole('radio', { name });
  await go('/integrations');
  await env('Production').click();
  await page.getByText('Now in Production').waitFor();
  await page.getByText('No integrations yet').waitFor();
  await go('/users');
  await page.getByText('No users yet').waitFor();
  await shot(page, 'dashboard-production.png');

  await go('/settings/promote');
  const table = page.getByRole('table', { name: /What production gets/ });
  const change = (kind, name) => table.getByRole('row').filter({ hasText: kind }).filter({ hasText: name });
  await change('event', 'Fulfillment Updated').filter({ hasText: 'will be created' }).waitFor();
  await change('integration', 'BigCommerce').filter({ hasText: 'will be created' }).waitFor();
  await change('workflow', statusFlow.name).filter({ hasText: 'released as version 1' }).waitFor();
  await change('workflow', streamFlow().name).filter({ hasText: 'released as version 1' }).waitFor();
  assert.match(await table.locator('caption').textContent(), /4 to create, 0 to update/);
  await assertAccessible(page, '/settings/promote');
  await shot(page, 'dashboard-promote.png');
  await page.getByRole('button', { name: 'Promote 4 changes' }).click();
  const dialog = page.getByRole('dialog', { name: 'Promote to production?' });
  await dialog.getByText('Production gets 4 to create, 0 to update').waitFor();
  await assertAccessible(page, 'the Promote confirmation');
  await dialog.getByRole('button', { name: 'Promote' }).click();
  await page.getByRole('status').filter({ hasText: 'Promoted: 4 created, 0 updated.' }).waitFor();
  await page.getByRole('button', { name: 'Production is up to date' }).waitFor();

  await go('/integrations');
  await page.getByRole('link', { name: /BigCommerce/ }).click();
  await page.getByRole('link', { name: statusFlow.name }).click();
  await page.getByRole('button', { name: `${statusFlow.name} (rename)` }).waitFor();
  await page.getByRole('button', { name: 'Versions' }).click();
  await page.getByRole('dialog', { name: 'Versions' }).getByRole('row').filter({ hasText: 'v1' }).filter({ hasText: EMAIL }).waitFor();
  await page.keyboard.press('Escape');
  await go('/events');
  await page.getByRole('link', { name: 'Fulfillment Updated' }).waitFor();
  await go('/users');
  await page.getByText('No users yet').waitFor();

  await env('Development').click();
  await page.getByText('Now in Development').waitFor();
  await page.getByRole('link', { name: `shopper-${SHOPPERS}` }).waitFor();
});

test('keyboard only: sign in, Settings, Generate API Key, copy, dismiss, Revoke and confirm', async () => {
  const p = await signInByKeyboard(browser, s.url, EMAIL, PASSWORD);
  await tabTo(p, 'Settings', 'link');
  await p.keyboard.press('Enter');
  await p.waitForURL(/\/settings$/);
  await p.waitForFunction(() => document.activeElement && document.activeElement.tagName === 'H1');
  await tabTo(p, 'Generate API Key');
  await p.keyboard.press('Enter');
  const box = p.getByRole('region', { name: 'Development Environment' });
  const made = (await box.getByLabel('New API key').textContent()).trim();
  await tabTo(p, 'Copy key');
  await p.keyboard.press('Enter');
  await box.getByRole('button', { name: 'Copied' }).waitFor();
  await tabTo(p, 'I have stored it');
  await p.keyboard.press('Enter');
  await box.getByLabel('New API key').waitFor({ state: 'detached' });
  await tabTo(p, `Revoke key ${prefixOf(made)}`);
  await p.keyboard.press('Enter');
  const dialog = p.getByRole('dialog', { name: 'Revoke this key?' });
  await dialog.waitFor();
  await tabTo(p, 'Revoke');
  await p.keyboard.press('Enter');
  await dialog.waitFor({ state: 'hidden' });
  await box.getByRole('row').filter({ hasText: prefixOf(made) }).waitFor({ state: 'detached' });
  assert.equal((await api(s, 'GET', `${V}/users`, { key: made })).status, 401);
  await p.close();
});
