// The demo loop as a person does it, in Chromium (issue 14): sign in to AcmeCo as gregg,
// Integrations → BigCommerce → Install through Solder's modal with the sandbox store's credentials
// (copied from the sandbox's admin page) → place an order in the sandbox → it appears on AcmeCo's
// Orders page within 2 s → mark it fulfilled → the sandbox shows the order Completed. Then the
// same for ada with her store, and neither sees the other's orders. After installing, Edit keeps the
// connected store without asking for its credentials again. Screenshots of each step go to
// docs/img/ when SOLDER_SCREENSHOTS=docs/img, else to a temporary directory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startBrowser } from '../e2e/browser.mjs';
import { startDemo, STORES } from './demo.mjs';

const IMG = process.env.SOLDER_SCREENSHOTS
  ? path.resolve(process.env.SOLDER_SCREENSHOTS) : path.join(tmpdir(), 'solder-demo-screenshots');
// Order placed → row on AcmeCo's Orders page. The demo aims at under 2 s (the server's part takes
// ~150 ms, the page polls twice a second; the measured time is printed). The assertion separates
// "arrives live" from "does not arrive" with room for a loaded 2-core CI machine running the
// sanitizer build, where the first order after an install has been seen at 2.1 s.
const ARRIVAL_BOUND_MS = 5000;

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
    assert.deepEqual(codes, [0, 0, 0], 'every server stopped cleanly');
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
  console.log(`demo: ${who}'s order #${id} appeared on AcmeCo's Orders page ${arrival} ms after Place order`);
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
