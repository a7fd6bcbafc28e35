// The modal and the account an installation uses (issue 14, items 3 and 8), in Chromium against the
// real server and demo/bigcommerce-sandbox: an app-trigger subscription the store refuses is a
// warning after the install and when Edit opens; Edit offers "Keep the connected account", and an
// installation whose credential was deleted says so and asks to connect again; two accounts of
// one app (two stores) are named so a person can tell them apart (issue 14, item 9).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, api, waitUntil } from '../api/server.mjs';
import { startSandbox } from '../api/sandbox.mjs';
import { startBrowser, startIsvPage } from './browser.mjs';

const V = '/2024-03';
// Screenshots refresh docs/img/ only when asked (SOLDER_SCREENSHOTS=docs/img).
const IMG = process.env.SOLDER_SCREENSHOTS
  ? path.resolve(process.env.SOLDER_SCREENSHOTS) : path.join(tmpdir(), 'solder-e2e-screenshots');
let s;
let browser;
let isv;
let refusing; // a store whose API account may not register webhooks
let shop;
let other; // a second store, on another host, for the account switcher
let integrationId;

before(async () => {
  refusing = await startSandbox({ storeHash: 'noscope', token: 'noscope-token', hooksScope: false });
  shop = await startSandbox({ storeHash: 'okshop', token: 'okshop-token' });
  other = await startSandbox({ storeHash: 'othershop', token: 'othershop-token' });
  s = await startServer(['--workers', '1', '--allow-private-network']);
  isv = await startIsvPage(s.url);
  browser = await startBrowser();
  integrationId = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'BigCommerce', app: 'bigcommerce' } })).body.integrationId;
  const c = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition: {
    name: 'New orders to AcmeCo', trigger: { type: 'app', app: 'bigcommerce', trigger: 'orderCreated' },
    blocks: [{ id: 'stream', name: 'Stream Data', type: 'streamData', inputs: { url: "'http://127.0.0.1:9/orders'", body: 'event' } }] } } });
  assert.equal((await api(s, 'POST', `${V}/workflows/${c.body.workflowId}/release`)).status, 200);
});

after(async () => {
  if (browser) await browser.close();
  if (isv) await isv.close();
  if (s) assert.equal(await s.stop(), 0);
  await refusing?.stop();
  await shop?.stop();
  await other?.stop();
});

async function user(name) {
  const id = (await api(s, 'POST', `${V}/users`, { body: { username: name } })).body.userId;
  return { id, token: (await api(s, 'GET', `${V}/users/${id}/token`)).body.token };
}

// Opens the ISV page and Alloy[method]({integrationId}); resolves with the page and the modal's frame.
async function open(u, method) {
  const page = await browser.newPage();
  await page.goto(isv.url);
  await page.waitForFunction(() => typeof window.Alloy === 'function');
  await page.evaluate(({ tok, method, integrationId }) => {
    window.calls = [];
    window.Alloy.setToken(tok);
    window.Alloy[method]({ integrationId, callback: (r) => window.calls.push(r) });
  }, { tok: u.token, method, integrationId });
  const frame = await (await page.waitForSelector('[data-alloy-modal] iframe')).contentFrame();
  return { page, frame };
}

async function connect(frame, store) {
  await frame.waitForSelector('#c-store_hash');
  await frame.fill('#c-api_url', store.url);
  await frame.fill('#c-store_hash', store.storeHash);
  await frame.fill('#c-access_token', store.token);
  await frame.click('#next');
}

// From the review step: Install/Save, the done step, and (after check) Done.
async function finish(page, frame, check = async () => {}) {
  await frame.waitForSelector('dl.review', { timeout: 15000 });
  await frame.click('#next');
  await frame.waitForSelector('.ok');
  await check();
  await frame.click('#next');
  await page.waitForFunction(() => window.calls.length > 0);
  await page.close();
}

async function shot(page, name) {
  mkdirSync(IMG, { recursive: true });
  await page.screenshot({ path: path.join(IMG, name) });
}

const entryOf = async (id) => (await api(s, 'GET', `${V}/installations`)).body.data.find((i) => i.userId === id);

test('a subscription the store refuses is a warning after the install and when Edit opens', async () => {
  const u = await user('no-hooks');
  let { page, frame } = await open(u, 'install');
  await connect(frame, refusing);
  await finish(page, frame, async () => {
    await frame.waitForSelector('#notice:not([hidden])', { timeout: 20000 });
    const text = await frame.textContent('#notice');
    assert.match(text, /“New orders to AcmeCo” is not receiving events from BigCommerce/);
    assert.match(text, /HTTP 403 .*lacks the scope to manage webhooks/);
    assert.match(text, /tries again by itself \(next at .+\), and at once when the account is connected again/);
    await shot(page, 'modal-6-subscription-warning.png');
  });
  const sub = (await entryOf(u.id)).subscriptions[0];
  assert.equal(sub.status, 'error');

  ({ page, frame } = await open(u, 'edit'));
  await frame.waitForSelector('#notice:not([hidden])');
  assert.match(await frame.textContent('#notice'), /not receiving events from BigCommerce: .*HTTP 403/);
  await frame.click('#close');
  await page.close();
});

test('Edit keeps the connected account; a deleted one is shown and connected again', async () => {
  const u = await user('keeper');
  let { page, frame } = await open(u, 'install');
  await connect(frame, shop);
  await finish(page, frame, async () => {
    // The subscription worked: after the watch, no warning.
    await waitUntil('the active subscription', async () => (await entryOf(u.id)).subscriptions[0]?.status === 'active');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await frame.isHidden('#notice'), true);
  });
  const first = (await entryOf(u.id)).credentials[0];
  assert.equal(first.status, 'connected');

  // Edit: the Connect step offers to keep the account, chosen by default; Continue keeps it.
  ({ page, frame } = await open(u, 'edit'));
  await frame.waitForSelector('input[name=account]');
  const keep = frame.locator(`#acct-${first.credentialId}`);
  assert.equal(await keep.isChecked(), true);
  assert.match(await frame.textContent(`label[for=acct-${first.credentialId}]`), /^Keep the connected account \(BigCommerce okshop/);
  assert.equal(await frame.locator('#c-store_hash').count(), 0, 'no form while keeping');
  assert.equal(await frame.textContent('#next'), 'Continue');
  await shot(page, 'modal-5-edit-keep.png');
  await frame.click('#next');
  await frame.waitForSelector('dl.review');
  assert.match(await frame.textContent('dl.review'), /BigCommerce okshop .*\(kept\)/);
  await finish(page, frame);
  let e = await entryOf(u.id);
  assert.deepEqual(e.credentialIds, { bigcommerce: first.credentialId });
  assert.equal((await api(s, 'GET', `${V}/users/${u.id}/credentials`)).body.data.length, 1, 'no new credential');

  // The credential is deleted: Edit says so and asks to connect again.
  assert.equal((await api(s, 'DELETE', `${V}/users/${u.id}/credentials/${first.credentialId}`)).status, 200);
  assert.equal((await entryOf(u.id)).credentials[0].status, 'deleted');
  ({ page, frame } = await open(u, 'edit'));
  await frame.waitForSelector('#c-store_hash');
  assert.match(await frame.textContent('#body'), /The BigCommerce account this integration used was removed\. Connect it again/);
  assert.equal(await frame.textContent('#next'), 'Connect');
  await shot(page, 'modal-7-reconnect.png');
  await connect(frame, shop);
  await finish(page, frame);
  e = await entryOf(u.id);
  assert.equal(e.credentials[0].status, 'connected');
  assert.notEqual(e.credentials[0].credentialId, first.credentialId);
  assert.deepEqual(e.credentialIds, { bigcommerce: e.credentials[0].credentialId });
});

test('with another store connected, Edit lists both told apart, and switching to it saves the choice', async () => {
  const u = await user('switcher');
  let { page, frame } = await open(u, 'install');
  await connect(frame, shop);
  await finish(page, frame);
  const r = await api(s, 'POST', `${V}/headless/credentials`, { body: { userId: u.id,
    credential: { type: 'bigcommerce', data: { store_hash: other.storeHash, access_token: other.token, api_url: other.url } } } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const kept = (await entryOf(u.id)).credentials[0].credentialId;
  ({ page, frame } = await open(u, 'edit'));
  await frame.waitForSelector('input[name=account]');
  assert.equal(await frame.locator('input[name=account]').count(), 3, 'keep, the other account, connect another');
  assert.equal(await frame.isChecked(`#acct-${kept}`), true);
  // Each label names what tells its store apart: the store hash and the API's host.
  const keptLabel = (await frame.textContent(`label[for=acct-${kept}]`)).trim();
  const otherLabel = (await frame.textContent(`label[for=acct-${r.body.credentialId}]`)).trim();
  const host = (store) => new URL(store.url).host;
  assert.equal(keptLabel, `Keep the connected account (BigCommerce okshop (${host(shop)}))`);
  assert.equal(otherLabel, `Use BigCommerce othershop (${host(other)})`);
  assert.notEqual(keptLabel.replace(/^Keep the connected account \((.*)\)$/, '$1'), otherLabel.replace(/^Use /, ''),
    'the two accounts have different names');
  await shot(page, 'modal-8-two-accounts.png');
  await frame.check(`#acct-${r.body.credentialId}`);
  await frame.click('#next');
  await frame.waitForSelector('dl.review');
  assert.ok((await frame.textContent('dl.review')).includes(`BigCommerce othershop (${host(other)})`), 'the review names the chosen store');
  await finish(page, frame);
  assert.deepEqual((await entryOf(u.id)).credentialIds, { bigcommerce: r.body.credentialId });
});
