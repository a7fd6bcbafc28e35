// Modal details (issue 14, item 9): an error screen has a real title (never "Loading…"); Install
// is not offered again for what is installed (the modal says so); live runs name blocks by their
// names; review shows yes/no for booleans; hide: true posts only workflowCreated (Alloy's own SDK
// calls back on it and again on closeModal) and the callback runs once; Alloy.authenticate({app})
// connects an app without installing anything.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../api/server.mjs';
import { startSandbox } from '../api/sandbox.mjs';
import { startBrowser, startIsvPage } from './browser.mjs';

const V = '/2024-03';
let s;
let browser;
let isv;
let integrationId;
let hiddenId;

before(async () => {
  s = await startServer(['--workers', '1', '--allow-private-network']);
  isv = await startIsvPage(s.url);
  browser = await startBrowser();
  integrationId = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'Greeter' } })).body.integrationId;
  let r = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition: {
    name: 'Say hello on installation', trigger: { type: 'onInstallation' },
    fields: [{ name: 'loud', title: 'Loud', schema: { type: 'boolean' } }],
    blocks: [{ id: 'b1', name: 'Say hello', type: 'transform', inputs: { vars: "{'hello': user.username}" } }] } } });
  await api(s, 'POST', `${V}/workflows/${r.body.workflowId}/release`);
  const other = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'Quiet' } })).body.integrationId;
  r = await api(s, 'POST', `${V}/workflows`, { body: { integrationId: other, definition: {
    name: 'Nothing to ask', trigger: { type: 'onInstallation' },
    blocks: [{ id: 'n', type: 'transform', inputs: { vars: '{}' } }] } } });
  hiddenId = r.body.workflowId;
  await api(s, 'POST', `${V}/workflows/${hiddenId}/release`);
});

after(async () => {
  if (browser) await browser.close();
  if (isv) await isv.close();
  if (s) assert.equal(await s.stop(), 0);
});

async function userToken(name) {
  const id = (await api(s, 'POST', `${V}/users`, { body: { username: name } })).body.userId;
  return { id, token: (await api(s, 'GET', `${V}/users/${id}/token`)).body.token };
}

// Opens the ISV page, records every message the modal posts, and calls Alloy[method](params).
async function open(tok, method, params) {
  const page = await browser.newPage();
  await page.goto(isv.url);
  await page.waitForFunction(() => typeof window.Alloy === 'function');
  await page.evaluate(({ tok, method, params }) => {
    window.posted = [];
    window.calls = [];
    window.addEventListener('message', (ev) => window.posted.push(ev.data));
    window.Alloy.setToken(tok);
    window.Alloy[method]({ ...params, callback: (r) => window.calls.push(r) });
  }, { tok, method, params });
  return page;
}

async function frameOf(page) {
  return (await page.waitForSelector('[data-alloy-modal] iframe')).contentFrame();
}

test('an error screen has a title, not "Loading…"', async () => {
  const { token } = await userToken('lost');
  const page = await open(token, 'install', { integrationId: 'ffffffffffffffffffffffff' });
  const frame = await frameOf(page);
  await frame.waitForFunction(() => /could not be found/.test(document.getElementById('body').textContent));
  assert.notEqual(await frame.textContent('#title'), 'Loading…');
  assert.match(await frame.textContent('#title'), /cannot open/);
  await page.close();
});

test('install, review yes/no, live steps by block name; Install is not offered again', async () => {
  const { token } = await userToken('greeted');
  let page = await open(token, 'install', { integrationId });
  let frame = await frameOf(page);
  const box = await frame.waitForSelector('input[type=checkbox]:not([name=workflow])');
  await box.check();
  await frame.click('#next');
  await frame.waitForSelector('dl.review');
  assert.match(await frame.textContent('dl.review'), /Loud\s*yes/);
  assert.doesNotMatch(await frame.textContent('dl.review'), /true/);
  await frame.click('#next');
  await frame.waitForFunction(() => /step Say hello: success/.test(document.getElementById('live')?.textContent || ''), null, { timeout: 20000 });
  assert.doesNotMatch(await frame.textContent('#live'), /step b1/);
  await frame.click('#next');
  await page.close();

  page = await open(token, 'install', { integrationId });
  frame = await frameOf(page);
  await frame.waitForFunction(() => /already installed/.test(document.getElementById('body').textContent));
  assert.match(await frame.textContent('#body'), /use Edit/);
  assert.equal(await frame.textContent('#next'), 'Close', 'no Install button');
  await page.close();
});

test('hide: the modal posts only workflowCreated and the callback runs once', async () => {
  const { token } = await userToken('hidden');
  const page = await open(token, 'install', { workflowIds: [hiddenId], hide: true });
  await page.waitForFunction(() => window.calls.length > 0);
  await new Promise((r) => setTimeout(r, 500));
  const { posted, calls } = await page.evaluate(() => ({ posted: window.posted, calls: window.calls }));
  assert.deepEqual(calls, [{ success: true, workflowIds: [hiddenId] }]);
  const fromModal = posted.filter((m) => m && typeof m === 'object' && ('workflowCreated' in m || 'closeModal' in m || 'showModal' in m));
  assert.deepEqual(fromModal.map((m) => Object.keys(m)[0]), ['workflowCreated']);
  await page.close();
});

test('Alloy.authenticate({app}) connects an app without installing', async () => {
  const shop = await startSandbox({ storeHash: 'authshop', token: 'auth-token' });
  const { id, token } = await userToken('authenticating');
  const page = await open(token, 'authenticate', { app: 'bigcommerce' });
  const frame = await frameOf(page);
  await frame.waitForSelector('#c-store_hash');
  assert.match(await frame.textContent('#title'), /Connect BigCommerce/);
  await frame.fill('#c-store_hash', 'authshop');
  await frame.fill('#c-access_token', 'auth-token');
  await frame.fill('#c-api_url', shop.url);
  await frame.click('#next');
  await frame.waitForSelector('.ok');
  await frame.click('#next');
  await page.waitForFunction(() => window.calls.length > 0);
  const calls = await page.evaluate(() => window.calls);
  assert.equal(calls.length, 1);
  assert.equal(calls[0].success, true);
  const creds = (await api(s, 'GET', `${V}/users/${id}/credentials`)).body.data;
  assert.deepEqual(creds.map((c) => c.credentialId), [calls[0].credentialId]);
  assert.equal((await api(s, 'GET', `${V}/installations`)).body.data.filter((i) => i.userId === id).length, 0, 'nothing installed');
  await page.close();
  await shop.stop();
});
