// The ISV dashboard in a real Chromium: the quick start done in the browser end to end (first
// account through the setup link, sign-in, New Integration → BigCommerce, two workflows built in
// the Workflow Builder with the data mapping's live WASM preview, the Custom Event, an API key, an
// install through the modal, a run seen live on the Executions page and the order's status changed
// in demo/bigcommerce-sandbox), names with markup rendered as text on every page, axe-core on every
// page, keyboard-only use, the 768-px layout and the first-load budget. With
// SOLDER_SCREENSHOTS=docs/img the quick start's pages are photographed for docs/dashboard.md
// (dashboard-pages.test.mjs photographs the others).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { startServer, api, waitUntil } from '../api/server.mjs';
import { startSink } from '../api/sink.mjs';
import { startSandbox } from '../api/sandbox.mjs';
import { startBrowser, startIsvPage, reviewAndFinish } from './browser.mjs';
import { assertAccessible, go as open, setCode as paste, shot as snap, signInByKeyboard, tabTo } from './dashboard.mjs';

const V = '/2024-03';
const EMAIL = 'ops@acme.example';
const PASSWORD = 'correct horse battery staple';
const XSS = '<img src=x onerror=alert(1)>';
const SHOP_TOKEN = `bc-token-${Date.now()}`;
// The first load (shell, bundle, styles, lazily loaded chunks and the WASM core), gzipped.
const BUDGET_BYTES = 350 * 1024;

let s;
let sink;
let shop;
let browser;
let isv;
let page; // the operator's tab, 1280 × 800
const ids = {};
const dialogs = [];

const shot = (name, p = page) => snap(p, name);
const setCode = (label, text, p = page) => paste(p, label, text);
const go = (p, url) => open(p, s.url, url);

before(async () => {
  sink = await startSink();
  shop = await startSandbox({ storeHash: 'acme1', token: SHOP_TOKEN });
  s = await startServer(['--allow-private-network', '--workers', '2']);
  isv = await startIsvPage(s.url);
  browser = await startBrowser({ viewport: { width: 1280, height: 800 } });
  page = await browser.newPage();
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
});

after(async () => {
  if (browser) await browser.close();
  if (isv) await isv.close();
  if (s) assert.equal(await s.stop(), 0);
  if (shop) await shop.stop();
  if (sink) await sink.close();
});

test('the first account is created through the one-time setup link, then signs out and in', async () => {
  const setupUrl = await waitUntil('the setup link', () => (s.output().match(/(http:\/\/\S+\/setup\?token=\S+)/) || [])[1]);
  const shell = await fetch(s.url + '/integrations', { headers: { accept: 'text/html' } });
  assert.match(shell.headers.get('content-security-policy'), /script-src 'self' 'wasm-unsafe-eval'/);
  await page.goto(s.url + '/integrations');
  await page.waitForURL(/\/setup$/);
  // Markup typed or put in the link shows as text; a wrong token is refused.
  await page.goto(`${s.url}/setup?token=${encodeURIComponent(XSS)}`);
  await page.getByRole('heading', { name: 'Create the first account' }).waitFor();
  await page.getByLabel('Email').fill(`${XSS}@acme.example`);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Repeat password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('alert').waitFor();
  assert.equal(await page.locator('img[src="x"]').count(), 0, '/setup: markup became an element');
  await assertAccessible(page, '/setup with an error');
  await page.goto(setupUrl);
  await page.getByRole('heading', { name: 'Create the first account' }).waitFor();
  await assertAccessible(page, '/setup');
  await shot('dashboard-setup.png');
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Repeat password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(/\/integrations$/);
  await page.getByRole('heading', { name: 'Integrations' }).waitFor();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/sign-in/);
  await assertAccessible(page, '/sign-in');
  await page.getByLabel('Email').fill(`${XSS}@acme.example`);
  await page.getByLabel('Password').fill(XSS);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
  assert.equal(await page.locator('img[src="x"]').count(), 0, '/sign-in: markup became an element');
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
  await assertAccessible(page, '/sign-in with an error');
  await shot('dashboard-sign-in.png');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/integrations$/);
  assert.equal(await page.locator('.who').textContent(), EMAIL);
});

test('New Integration → BigCommerce, New Workflow, rename, order created → Stream Data, release', async () => {
  await page.getByRole('button', { name: 'New Integration' }).first().click();
  await page.getByLabel('Search apps').fill('commerce');
  await assertAccessible(page, 'the New Integration dialog');
  await shot('dashboard-new-integration.png');
  await page.getByRole('button', { name: /^BigCommerce/ }).click();
  await page.waitForURL(/\/integrations\/[0-9a-f]{24}$/);
  ids.integration = page.url().split('/').pop();
  assert.equal(await page.locator('.integration-head img').getAttribute('src'), '/icons/bigcommerce.svg');
  await page.getByRole('button', { name: 'New Workflow' }).first().click();
  await page.waitForURL(/\/workflows\/[0-9a-f]{24}$/);
  ids.wf1 = page.url().split('/').pop();

  await page.getByRole('button', { name: 'Untitled Workflow (rename)' }).click();
  await page.getByLabel('Workflow name').fill('New BigCommerce orders to AcmeCo');
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'New BigCommerce orders to AcmeCo (rename)' }).waitFor();

  await page.getByRole('radio', { name: /^Schedule/ }).check();
  await page.getByLabel('Cron expression (UTC)').fill('0 9 * * 1-5');
  await page.locator('.next-runs li').nth(4).waitFor();
  assert.match(await page.locator('.next-runs li').first().textContent(), /09:00:00 UTC/);
  await shot('dashboard-builder-trigger.png');
  await page.getByLabel('Cron expression (UTC)').fill('61 * * * *');
  await page.getByRole('alert').filter({ hasText: /minute/ }).waitFor();
  await page.getByRole('radio', { name: /^App event/ }).check();
  assert.equal(await page.getByLabel('App', { exact: true }).inputValue(), 'bigcommerce');
  assert.equal(await page.getByLabel('Event', { exact: true }).inputValue(), 'orderCreated');
  await page.getByRole('button', { name: 'Add a block at position 1 of the workflow' }).click();
  await page.getByRole('dialog', { name: 'Add a block' }).waitFor();
  await shot('dashboard-palette.png');
  await page.getByRole('button', { name: /^Stream Data/ }).click();
  await setCode('URL expression', `'${sink.url}/acme/orders'`);
  await page.locator('.preview-ok').filter({ hasText: `${sink.url}/acme/orders` }).first().waitFor();
  await page.getByText('All changes saved').waitFor();
  await page.getByRole('button', { name: 'Release this Version' }).click();
  await page.getByText('Version 1 released').waitFor();
  await shot('dashboard-builder-stream.png');

  const wf = (await api(s, 'GET', `${V}/workflows/${ids.wf1}/versions/1`)).body.data.definition;
  assert.deepEqual(wf.trigger, { type: 'app', app: 'bigcommerce', trigger: 'orderCreated' });
  assert.equal(wf.blocks[0].type, 'streamData');
  assert.equal(wf.blocks[0].inputs.url, `'${sink.url}/acme/orders'`);
});

test('the Custom Event "Fulfillment Updated" with the sample schema, validated live, with its curl', async () => {
  await page.getByRole('link', { name: 'Custom Events' }).click();
  await page.getByRole('link', { name: 'Custom Event', exact: true }).first().click();
  await page.waitForURL(/\/events\/new$/);
  await page.getByLabel('Event name').fill('Fulfillment Updated');
  await page.getByLabel('Description').fill('A fulfillment status changed in AcmeCo');
  await setCode('Event Schema', '{"orderId": "String", "status": }');
  await page.getByRole('status').filter({ hasText: '✗ Not JSON' }).waitFor();
  await setCode('Event Schema', '{"orderId": "String", "status": "String"}');
  await page.getByRole('status').filter({ hasText: '✓ Valid schema' }).waitFor();
  const curl = await page.getByLabel('curl command').textContent();
  assert.match(curl, /\/run\/event/);
  assert.match(curl, /"event":"Fulfillment Updated"/);
  assert.match(curl, /"orderId":"text","status":"text"/);
  await shot('dashboard-event.png');
  await page.getByRole('button', { name: 'Create Custom Event' }).click();
  await page.waitForURL(/\/events\/Fulfillment%20Updated$/);
  const ev = (await api(s, 'GET', `${V}/events/Fulfillment%20Updated`)).body.data;
  assert.deepEqual(ev.body, { orderId: 'String', status: 'String' });
});

test('the second workflow: orderId picked from the field tree, status by JSONata with a live preview', async () => {
  await page.getByRole('link', { name: 'Integrations' }).click();
  await page.getByRole('link', { name: /BigCommerce/ }).click();
  await page.getByRole('button', { name: 'New Workflow' }).click();
  await page.waitForURL(/\/workflows\/[0-9a-f]{24}$/);
  ids.wf2 = page.url().split('/').pop();
  await page.getByRole('button', { name: 'Untitled Workflow (rename)' }).click();
  await page.getByLabel('Workflow name').fill('Fulfillment Updated → BigCommerce order status');
  await page.keyboard.press('Enter');
  await page.getByRole('radio', { name: /^Custom Event/ }).check();
  assert.equal(await page.getByRole('combobox', { name: 'Custom Event' }).inputValue(), 'Fulfillment Updated');

  await page.getByRole('button', { name: 'Add a block at position 1 of the workflow' }).click();
  await page.getByLabel('Search blocks').fill('order status');
  await page.getByRole('button', { name: /^Update an order status/ }).click();
  await page.getByRole('heading', { name: 'Update an order status' }).waitFor();

  await setCode('Sample trigger data', '{"orderId": "123", "status": "FULFILLED"}');
  await page.getByRole('button', { name: 'Pick a field for Order ID' }).click();
  await page.getByRole('button', { name: 'Insert event.orderId' }).click();
  // The editor applies the insert on its next update; until then it shows its placeholder.
  const orderId = page.getByRole('textbox', { name: 'Order ID expression' });
  await orderId.filter({ hasText: /^event\.orderId$/ }).waitFor();
  assert.equal(await orderId.textContent(), 'event.orderId');
  await page.locator('.mapping').filter({ hasText: 'Order ID' }).locator('.preview-ok').filter({ hasText: '"123"' }).waitFor();

  await setCode('Status ID expression', "event.status = 'FULFILLED' ? ");
  const statusBox = page.locator('.mapping').filter({ hasText: 'Status ID' });
  await statusBox.locator('.preview-error').filter({ hasText: /S0\d+ at \d+/ }).waitFor();
  await setCode('Status ID expression', "event.status = 'FULFILLED' ? 10 : 11");
  await statusBox.locator('.preview-ok .preview-value').filter({ hasText: /^10$/ }).waitFor();
  await page.getByText('All changes saved').waitFor();
  await statusBox.scrollIntoViewIfNeeded();
  await shot('dashboard-builder-mapping.png');

  assert.equal(await page.locator('.builder-status .badge-error').count(), 0, 'the draft is valid');
  await page.getByRole('button', { name: 'Release this Version' }).click();
  await page.getByText('Version 1 released').waitFor();
  const def = (await api(s, 'GET', `${V}/workflows/${ids.wf2}/versions/1`)).body.data.definition;
  assert.deepEqual(def.trigger, { type: 'customEvent', event: 'Fulfillment Updated' });
  assert.deepEqual(def.blocks[0].inputs, { id: 'event.orderId', status_id: "event.status = 'FULFILLED' ? 10 : 11" });

  await page.getByRole('button', { name: 'Versions' }).click();
  await page.getByRole('dialog', { name: 'Versions' }).waitFor();
  await page.getByRole('status').filter({ hasText: 'The two definitions are the same.' }).waitFor();
  await page.keyboard.press('Escape');
});

test('Generate API Key in the Development Environment box; the key works once shown', async () => {
  await page.getByRole('link', { name: 'Settings' }).click();
  const box = page.getByRole('region', { name: 'Development Environment' });
  await box.getByRole('button', { name: 'Generate API Key' }).click();
  const key = (await box.getByLabel('New API key').textContent()).trim();
  assert.match(key, /^sk_dev_/);
  ids.key = key;
  await box.getByRole('row').filter({ hasText: 'never' }).first().waitFor();
  const me = await api(s, 'GET', `${V}/users`, { key });
  assert.equal(me.status, 200);
});

test('with that key: a user installs through the modal, /run/event runs live on Executions, the order changes', async () => {
  const key = ids.key;
  const userId = (await api(s, 'POST', `${V}/users`, { key, body: { username: 'acme-merchant', fullName: 'Acme Merchant' } })).body.userId;
  ids.user = userId;
  const cred = await api(s, 'POST', `${V}/headless/credentials`, { key, body: { userId,
    credential: { type: 'bigcommerce', data: { store_hash: shop.storeHash, access_token: SHOP_TOKEN, baseUrl: shop.apiBase } } } });
  assert.equal(cred.status, 200, JSON.stringify(cred.body));

  const tok = (await api(s, 'GET', `${V}/users/${userId}/token`, { key })).body.token;
  const isvPage = await browser.newPage();
  await isvPage.goto(isv.url);
  await isvPage.waitForFunction(() => typeof window.Alloy === 'function');
  await isvPage.evaluate(({ tok, integrationId }) => {
    window.results = [];
    window.Alloy.setToken(tok);
    window.Alloy.install({ integrationId, callback: (r) => window.results.push(r) });
  }, { tok, integrationId: ids.integration });
  const frame = await (await isvPage.waitForSelector('[data-alloy-modal] iframe')).contentFrame();
  await frame.waitForSelector('input[name=workflow]');
  assert.equal(await frame.locator('input[name=workflow]').count(), 2);
  // The user has a BigCommerce credential and no workflow has settings: Next goes to the review.
  const r = await reviewAndFinish(isvPage, frame, async () => {
    assert.match(await frame.textContent('dl.review'), /BigCommerce acme1/);
  });
  assert.equal(r[0].success, true);
  assert.equal(r[0].workflowIds.length, 2);
  await isvPage.close();

  const order = await shop.placeOrder('ada@example.com', 42);
  await sink.waitFor('/acme/orders', 1);
  assert.equal(JSON.parse(sink.on('/acme/orders')[0].body).id, order.id);

  await go(page, `/executions?workflowId=${ids.wf2}`);
  await page.evaluate(() => { window.stillThisPage = true; });
  await page.getByText('No runs match').waitFor();
  const run = await api(s, 'POST', `${V}/run/event`, { key, body: { event: 'Fulfillment Updated', userId,
    data: { orderId: String(order.id), status: 'FULFILLED' } } });
  assert.equal(run.status, 200, JSON.stringify(run.body));
  const row = page.getByRole('row').filter({ hasText: 'Fulfillment Updated → BigCommerce order status' });
  await row.filter({ hasText: 'success' }).waitFor({ timeout: 20000 }).catch(async (e) => {
    console.log('rows:', await page.getByRole('row').allTextContents(), 'live:', await page.locator('.live').textContent());
    console.log((await api(s, 'GET', `${V}/logs/executions?workflowId=${ids.wf2}`, { key })).body);
    throw e;
  });
  assert.equal(await page.evaluate(() => window.stillThisPage), true, 'the run appeared without a reload');
  assert.match(await row.textContent(), /acme-merchant/);
  const changed = await waitUntil('the order to be Completed', async () => {
    const o = (await shop.call('GET', `/v2/orders/${order.id}`)).body;
    return o.status_id === 10 ? o : null;
  });
  assert.equal(changed.status, 'Completed');

  await row.getByRole('link').first().click();
  await page.getByRole('heading', { name: /^Run of Fulfillment Updated/ }).waitFor();
  await page.getByText('"status_id": 10').first().waitFor();
});

test('every page renders names with markup as text, and axe-core finds no serious violation', async () => {
  const key = ids.key;
  const evil = await api(s, 'POST', `${V}/integrations`, { key, body: { name: `Shop ${XSS}`, app: 'shopify' } });
  // A hostile workflow whose block fails, run for a hostile user: its names reach Executions, the
  // run's page and Analytics' top failing blocks.
  const wf = await api(s, 'POST', `${V}/workflows`, { key, body: { integrationId: evil.body.integrationId,
    definition: { name: `Flow ${XSS}`, trigger: { type: 'webhook' }, blocks: [{ id: 'x', name: `Step ${XSS}`, type: 'transform', inputs: { vars: '42' } }] } } });
  assert.equal(wf.body.valid, true, JSON.stringify(wf.body));
  assert.equal((await api(s, 'POST', `${V}/workflows/${wf.body.workflowId}/release`, { key })).status, 200);
  await api(s, 'POST', `${V}/events`, { key, body: { name: `Event ${XSS}`, description: XSS, body: { [XSS]: 'String' } } });
  const evilUser = (await api(s, 'POST', `${V}/users`, { key, body: { username: `user ${XSS}`, fullName: XSS } })).body.userId;
  const start = await api(s, 'POST', `${V}/headless/startInstallation`, { key, body: { userId: evilUser, integrationId: evil.body.integrationId } });
  assert.equal((await api(s, 'POST', `${V}/headless/completeInstallation`, { key, body: { installationId: start.body.installationId, data: [] } })).status, 200);
  const evilRun = await api(s, 'POST', `${V}/run/workflow`, { key, body: { workflowId: wf.body.workflowId, userId: evilUser, data: { note: XSS } } });
  assert.equal(evilRun.status, 200, JSON.stringify(evilRun.body));
  const evilExec = await waitUntil('the hostile run to fail', async () => {
    const x = (await api(s, 'GET', `${V}/logs/executions/${evilRun.body.executionId}`, { key })).body.data;
    return x && x.finished ? x : null;
  });
  assert.equal(evilExec.status, 'error');
  const exec = (await api(s, 'GET', `${V}/logs/executions?workflowId=${ids.wf2}`, { key })).body.data[0];
  // Pages where a hostile name must show as text.
  const hostile = new Set(['/integrations', '/events', '/users', '/executions', '/analytics',
    `/integrations/${evil.body.integrationId}`, `/workflows/${wf.body.workflowId}`, `/users/${evilUser}`,
    `/executions/${evilExec.executionId}`, `/executions?userId=${evilUser}`]);

  const pages = [
    ['/integrations', 'dashboard-integrations.png'],
    [`/integrations/${ids.integration}`, 'dashboard-integration.png'],
    [`/integrations/${evil.body.integrationId}`, null],
    [`/workflows/${ids.wf2}`, null],
    [`/workflows/${wf.body.workflowId}`, null],
    ['/events', 'dashboard-events.png'],
    [`/events/${encodeURIComponent(`Event ${XSS}`)}`, null],
    ['/users', null],
    [`/users/${ids.user}`, null],
    [`/users/${evilUser}`, null],
    ['/executions', null],
    [`/executions?userId=${evilUser}`, null],
    [`/executions/${exec.executionId}`, null],
    [`/executions/${evilExec.executionId}`, null],
    ['/analytics', null],
    ['/settings', null],
    ['/settings/promote', null],
  ];
  for (const [url, picture] of pages) {
    await go(page, url);
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(300);
    assert.equal(await page.locator('img[src="x"]').count(), 0, `${url}: markup in a name became an element`);
    const text = await page.locator('body').innerText();
    if (hostile.has(url)) assert.ok(text.includes(XSS), `${url}: the name shows as text`);
    await assertAccessible(page, url);
    if (picture) await shot(picture);
  }
  assert.deepEqual(dialogs, [], 'no script from a name ran');
});

test('keyboard only: sign in, reach a page from the navigation, open and close New Integration', async () => {
  const p = await signInByKeyboard(browser, s.url, EMAIL, PASSWORD);
  const reach = (name, role = 'link') => tabTo(p, name, role);
  await reach('Custom Events');
  await p.keyboard.press('Enter');
  await p.waitForURL(/\/events$/);
  await p.waitForFunction(() => document.activeElement && document.activeElement.tagName === 'H1');
  await reach('Integrations');
  await p.keyboard.press('Enter');
  await p.waitForURL(/\/integrations$/);
  await reach('New Integration', 'button');
  await p.keyboard.press('Enter');
  await p.getByRole('dialog', { name: 'New Integration' }).waitFor();
  assert.equal(await p.evaluate(() => document.activeElement.getAttribute('type')), 'search');
  await p.keyboard.press('Escape');
  await p.getByRole('dialog', { name: 'New Integration' }).waitFor({ state: 'hidden' });
  await p.goBack();
  await p.waitForURL(/\/events$/);
  await p.getByRole('heading', { name: 'Custom Events' }).waitFor();
  await p.close();
});

test('at 768 px wide nothing overflows; the first load stays within 350 KB gzipped', async () => {
  const p = await browser.newPage();
  await p.setViewportSize({ width: 768, height: 1000 });
  // What the pages loaded, by the browser's own list (cached files included), fetched again here
  // and gzipped as a server or proxy compressing them would send them.
  // The shell (index.html) is the same file at every page path: counted once, as its first path.
  const loaded = new Set();
  const note = async () => {
    for (const u of await p.evaluate(() => [location.href, ...performance.getEntriesByType('resource').map((e) => e.name)])) {
      const url = new URL(u);
      const shell = u === p.url();
      if (shell && [...loaded].some((k) => !k.startsWith('/dashboard/') && !k.startsWith('/icons/'))) continue;
      if (url.origin === s.url && (url.pathname.startsWith('/dashboard/') || url.pathname.startsWith('/icons/') || shell)) loaded.add(url.pathname);
    }
  };
  await go(p, `/workflows/${ids.wf2}`);
  await p.getByRole('button', { name: /Update an order status/ }).first().click();
  // The CodeMirror editor itself (its chunk loaded), not the textarea standing in meanwhile.
  await p.locator('.cm-content[aria-label="Status ID expression"]').waitFor();
  await p.locator('.preview-ok').first().waitFor();
  await note();
  await go(p, '/analytics');
  await p.locator('.chart canvas').waitFor();
  await note();
  const bytes = new Map();
  for (const pathname of loaded) {
    const res = await fetch(s.url + pathname, { headers: { accept: 'text/html' } });
    bytes.set(pathname, gzipSync(Buffer.from(await res.arrayBuffer()), { level: 9 }).length);
  }
  const total = [...bytes.values()].reduce((a, b) => a + b, 0);
  console.log(`first load, gzipped: ${[...bytes].map(([k, v]) => `${k} ${v}`).join(', ')}; total ${total} bytes`);
  assert.ok(bytes.has('/dashboard/dist/core.wasm'), 'the WASM core was loaded and counted');
  const chunks = [...bytes.keys()].filter((k) => /\/dist\/chunk-.*\.js$/.test(k));
  assert.equal(chunks.length, 2, `the code editor and chart chunks were loaded and counted: ${chunks}`);
  assert.ok(total <= BUDGET_BYTES, `first load ${total} bytes gzipped > ${BUDGET_BYTES}`);
  for (const url of ['/integrations', '/executions', '/settings', `/workflows/${ids.wf2}`]) {
    await go(p, url);
    await p.waitForLoadState('networkidle');
    const width = await p.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 768, `${url} is ${width}px wide at 768`);
  }
  await shot('dashboard-builder-768.png', p);
  await p.close();
});
