// The browser SDK and the install modal in a real Chromium: an ISV page on another origin loads
// /sdk/embedded.js, installs through the modal, and manages workflows with CORS; a live-update
// websocket sees one user's runs and nothing of another's. Screenshots of each modal step are taken.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, api } from '../api/server.mjs';
import { startBrowser, startIsvPage, results, reviewAndFinish } from './browser.mjs';
import { startSandbox } from '../api/sandbox.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
// Screenshots refresh docs/img/ only when asked (SOLDER_SCREENSHOTS=docs/img), so a test run leaves
// the tree clean; otherwise they go to a temporary directory.
const IMG = process.env.SOLDER_SCREENSHOTS
  ? path.resolve(process.env.SOLDER_SCREENSHOTS) : path.join(tmpdir(), 'solder-e2e-screenshots');
const V = '/2024-03';

let s;
let browser;
let isv;
let integrationId;
let syncId; // workflow with configurable fields (custom event trigger)
let welcomeId; // workflow without fields (runs on installation)
const users = {};

const syncDefinition = {
  name: 'Send shipped orders to Slack',
  trigger: { type: 'customEvent', event: 'Order Shipped' },
  fields: [
    { name: 'channel', title: 'Slack channel', description: 'Where shipped orders are posted, e.g. #orders',
      required: true, schema: { type: 'string', pattern: '^#[a-z0-9-]+$' } },
    { name: 'dailyLimit', title: 'Daily limit', description: 'At most this many posts a day',
      schema: { type: 'integer', minimum: 1, maximum: 100 } },
  ],
  blocks: [{ id: 'shape', name: 'Shape message', type: 'transform',
    inputs: { vars: "{'text': 'Order ' & event.orderId & ' shipped'}" } }],
};
const welcomeDefinition = {
  name: 'Say hello on installation',
  trigger: { type: 'onInstallation' },
  blocks: [{ id: 'hello', name: 'Hello', type: 'transform', inputs: { vars: "{'hello': user.username}" } }],
};

async function token(userId) {
  return (await api(s, 'GET', `${V}/users/${userId}/token`)).body.token;
}

async function openIsv() {
  const page = await browser.newPage();
  await page.goto(isv.url);
  await page.waitForFunction(() => typeof window.Alloy === 'function');
  return page;
}

// Calls Alloy.install in the page; results land in window.results.
async function install(page, tok, params = {}) {
  await page.evaluate(({ tok, params }) => {
    window.results = [];
    window.Alloy.setToken(tok);
    window.Alloy.install({ ...params, callback: (r) => window.results.push(r) });
  }, { tok, params: { integrationId, ...params } });
  const handle = await page.waitForSelector('[data-alloy-modal] iframe');
  const frame = await handle.contentFrame();
  await page.waitForFunction(() => document.querySelector('[data-alloy-modal]')?.style.visibility === 'visible');
  return frame;
}

async function shot(page, name) {
  mkdirSync(IMG, { recursive: true });
  await page.screenshot({ path: path.join(IMG, name) });
}

before(async () => {
  // Loopback allowed: the BigCommerce credential of the Connect test points at a local sandbox.
  s = await startServer(['--workers', '1', '--allow-private-network']);
  isv = await startIsvPage(s.url);
  browser = await startBrowser();
  let r = await api(s, 'POST', `${V}/events`, { body: { name: 'Order Shipped', body: { orderId: 'String' } } });
  assert.equal(r.status, 200, r.text);
  r = await api(s, 'POST', `${V}/integrations`, { body: { name: 'Slack', app: 'slack' } });
  integrationId = r.body.integrationId;
  for (const [def, set] of [[syncDefinition, (id) => { syncId = id; }], [welcomeDefinition, (id) => { welcomeId = id; }]]) {
    r = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition: def } });
    assert.equal(r.body.valid, true, JSON.stringify(r.body));
    set(r.body.workflowId);
    assert.equal((await api(s, 'POST', `${V}/workflows/${r.body.workflowId}/release`)).status, 200);
  }
  for (const name of ['alice', 'bob', 'carol']) {
    users[name] = (await api(s, 'POST', `${V}/users`, { body: { username: name, fullName: name } })).body.userId;
  }
});

after(async () => {
  if (browser) await browser.close();
  if (isv) await isv.close();
  if (s) assert.equal(await s.stop(), 0);
});

test('the SDK is served with CORS and the WASM core beside it', async () => {
  for (const [p, type] of [['/sdk/embedded.js', /javascript/], ['/sdk/embedded.mjs', /javascript/],
    ['/sdk/embedded-core.mjs', /javascript/], ['/sdk/embedded.wasm', /application\/wasm/],
    ['/forge-install', /text\/html/], ['/embedded-install', /text\/html/]]) {
    const r = await fetch(s.url + p, { headers: { origin: 'http://isv.example' } });
    assert.equal(r.status, 200, p);
    assert.match(r.headers.get('content-type'), type, p);
    assert.equal(r.headers.get('access-control-allow-origin'), 'http://isv.example', p);
  }
  // The ES-module entry gives the same factory, for bundlers and <script type="module">.
  const page = await browser.newPage();
  await page.goto(isv.url);
  const kinds = await page.evaluate(async (server) => {
    const mod = await import(`${server}/sdk/embedded.mjs`);
    const alloy = mod.default();
    return [typeof mod.default, typeof mod.Alloy, ...['setToken', 'install', 'edit', 'update', 'getIntegrations',
      'getWorkflows', 'deactivate', 'reactivate', 'setBaseUrl'].map((m) => typeof alloy[m])];
  }, s.url);
  assert.deepEqual(new Set(kinds), new Set(['function']));
  await page.close();
});

test('install: a fresh token, the modal, settings, install → callback {success: true}', async () => {
  const page = await openIsv();
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  const frame = await install(page, await token(users.alice));
  assert.equal(await page.evaluate(() => window.Alloy.ready().then((r) => r.wasm)), true, 'token checked by the WASM core');

  await frame.waitForSelector('input[name=workflow]');
  assert.equal(await frame.locator('input[name=workflow]').count(), 2);
  await shot(page, 'modal-1-workflows.png');
  await frame.click('#next');

  await frame.waitForSelector(`#f-${syncId}-channel`);
  await frame.fill(`#f-${syncId}-channel`, '#shipped-orders');
  await frame.fill(`#f-${syncId}-dailyLimit`, '25');
  await shot(page, 'modal-2-settings.png');
  await frame.click('#next');

  await frame.waitForSelector('dl.review');
  assert.match(await frame.textContent('#body'), /#shipped-orders/);
  await shot(page, 'modal-3-review.png');
  await frame.click('#next');

  await frame.waitForSelector('.ok');
  // The onInstallation workflow runs at once: its progress arrives over the websocket.
  await frame.waitForFunction(() => /run of .*: success/.test(document.getElementById('live').textContent), null, { timeout: 20000 });
  await shot(page, 'modal-4-done.png');
  await frame.click('#next');

  const got = await results(page);
  assert.equal(got.length, 1);
  assert.equal(got[0].success, true);
  assert.deepEqual([...got[0].workflowIds].sort(), [syncId, welcomeId].sort());
  assert.equal(await page.$('[data-alloy-modal]'), null, 'the overlay is gone');

  const list = await api(s, 'GET', `${V}/integrations?userId=${users.alice}`);
  const wf = list.body.data[0].workflows.find((w) => w.workflowId === syncId);
  assert.equal(wf.installed, true);
  assert.equal(wf.active, true);
  const inst = await api(s, 'GET', `${V}/installations`);
  const mine = inst.body.data.find((i) => i.userId === users.alice);
  assert.deepEqual(mine.formData.find((f) => f.workflowId === syncId).values, { channel: '#shipped-orders', dailyLimit: 25 });

  const origin = new URL(s.url).origin;
  assert.ok(requests.every((u) => u.startsWith(origin) || u.startsWith(isv.url) || u.startsWith('data:')),
    `only Solder and the ISV page are contacted: ${requests.filter((u) => !u.startsWith(origin) && !u.startsWith(isv.url))}`);
  await page.close();
});

test('edit reopens the modal on the installation with its values', async () => {
  const page = await openIsv();
  await page.evaluate(({ tok, integrationId }) => {
    window.results = [];
    window.Alloy.setToken(tok);
    window.Alloy.edit({ integrationId, callback: (r) => window.results.push(r) });
  }, { tok: await token(users.alice), integrationId });
  const frame = await (await page.waitForSelector('[data-alloy-modal] iframe')).contentFrame();
  await frame.waitForSelector('input[name=workflow]');
  assert.match(await frame.textContent('#title'), /^Edit Slack/);
  await frame.click('#next');
  await frame.waitForSelector(`#f-${syncId}-channel`);
  assert.equal(await frame.inputValue(`#f-${syncId}-channel`), '#shipped-orders', 'prefilled from the installation');
  assert.equal(await frame.inputValue(`#f-${syncId}-dailyLimit`), '25');
  await frame.fill(`#f-${syncId}-channel`, '#ops');
  const got = await reviewAndFinish(page, frame, async () => {
    assert.equal(await frame.textContent('#next'), 'Save');
  });
  assert.equal(got[0].success, true);
  const inst = await api(s, 'GET', `${V}/installations`);
  const mine = inst.body.data.find((i) => i.userId === users.alice);
  assert.deepEqual(mine.formData.find((f) => f.workflowId === syncId).values, { channel: '#ops', dailyLimit: 25 });
  await page.close();
});

test('an app with a credential form: the Connect step stores the credential', async () => {
  const meta = await api(s, 'GET', `${V}/metadata/credentials/bigcommerce`);
  assert.equal(meta.status, 200, 'the shipped BigCommerce connector (connectors/) is loaded');
  let r = await api(s, 'POST', `${V}/integrations`, { body: { name: 'BigCommerce', app: 'bigcommerce' } });
  const bcId = r.body.integrationId;
  r = await api(s, 'POST', `${V}/workflows`, { body: { integrationId: bcId, definition: {
    name: 'Tag fulfilled orders', trigger: { type: 'customEvent', event: 'Order Shipped' },
    blocks: [{ id: 'noop', type: 'transform', inputs: { vars: '{}' } }] } } });
  assert.equal(r.body.valid, true, JSON.stringify(r.body));
  await api(s, 'POST', `${V}/workflows/${r.body.workflowId}/release`);
  const dave = (await api(s, 'POST', `${V}/users`, { body: { username: 'dave' } })).body.userId;

  const page = await openIsv();
  const frame = await install(page, await token(dave), { integrationId: bcId });
  await frame.waitForSelector('#c-store_hash');
  assert.equal(await frame.getAttribute('#c-access_token', 'type'), 'password', 'secrets are masked');
  await frame.fill('#c-store_hash', 'Not A Hash');
  await frame.click('#next');
  await frame.waitForSelector('#c-store_hash-error');
  assert.match(await frame.textContent('#c-access_token-error'), /required/);
  const shop = await startSandbox({ storeHash: 'abc123', token: 'tok_secret' });
  await frame.fill('#c-store_hash', 'abc123');
  await frame.fill('#c-access_token', 'tok_secret');
  await frame.fill('#c-api_url', shop.url);
  await shot(page, 'modal-2-connect.png');
  const got = await reviewAndFinish(page, frame, async () => {
    assert.match(await frame.textContent('#body'), /connected just now/);
  });
  await shop.stop();
  assert.equal(got[0].success, true);
  const creds = await api(s, 'GET', `${V}/users/${dave}/credentials`);
  assert.deepEqual(creds.body.data.map((c) => c.type), ['bigcommerce']);
  assert.ok(!JSON.stringify(creds.body).includes('tok_secret'), 'the secret is never returned');
  await page.close();
});

test('hide: nothing to ask, so the workflow installs without showing the modal', async () => {
  const page = await openIsv();
  const got = await page.evaluate(({ tok, welcomeId }) => new Promise((resolve) => {
    window.shown = false;
    new MutationObserver(() => {
      const o = document.querySelector('[data-alloy-modal]');
      if (o && o.style.visibility === 'visible') window.shown = true;
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
    window.Alloy.setToken(tok);
    window.Alloy.install({ workflowIds: [welcomeId], hide: true, callback: resolve });
  }), { tok: await token(users.carol), welcomeId });
  assert.deepEqual(got, { success: true, workflowIds: [welcomeId] });
  assert.equal(await page.evaluate(() => window.shown), false, 'the overlay never became visible');
  const list = await api(s, 'GET', `${V}/integrations?userId=${users.carol}`);
  assert.equal(list.body.data[0].workflows.find((w) => w.workflowId === welcomeId).installed, true);
  await page.close();
});

test('versionIds pins the version the modal installs', async () => {
  await api(s, 'PUT', `${V}/workflows/${welcomeId}`, { body: { definition: { ...welcomeDefinition, description: 'v2' } } });
  const released = await api(s, 'POST', `${V}/workflows/${welcomeId}/release`);
  assert.ok(released.body.version >= 2);
  const dave = (await api(s, 'POST', `${V}/users`, { body: { username: 'dave-pinned' } })).body.userId;
  const page = await openIsv();
  const got = await page.evaluate(({ tok, welcomeId }) => new Promise((resolve) => {
    window.Alloy.setToken(tok);
    window.Alloy.install({ workflowIds: [welcomeId], versionIds: [1], hide: true, callback: resolve });
  }), { tok: await token(dave), welcomeId });
  assert.equal(got.success, true, JSON.stringify(got));
  const view = await api(s, 'GET', `${V}/workflows/${welcomeId}?userId=${dave}`);
  assert.equal(view.body.data.installedVersion, 1);
  assert.equal(view.body.data.version, released.body.version);
  await page.close();
});

test('an invalid field: inline message from the WASM validator, nothing installed', async () => {
  const page = await openIsv();
  const completes = [];
  page.on('request', (r) => { if (r.url().includes('completeInstallation')) completes.push(r.url()); });
  const frame = await install(page, await token(users.bob), { workflowIds: [syncId] });
  await frame.waitForSelector(`#f-${syncId}-channel`);
  await frame.fill(`#f-${syncId}-channel`, 'general');
  await frame.fill(`#f-${syncId}-dailyLimit`, '500');
  await frame.click('#next');
  await frame.waitForSelector(`#f-${syncId}-channel-error`);
  const shown = {
    channel: await frame.textContent(`#f-${syncId}-channel-error`),
    dailyLimit: await frame.textContent(`#f-${syncId}-dailyLimit-error`),
  };
  assert.equal(await frame.getAttribute(`#f-${syncId}-channel`, 'aria-invalid'), 'true');
  await shot(page, 'modal-2-settings-invalid.png');

  // The same values sent to the server give the same messages.
  const start = await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId: users.carol, integrationId, workflowIds: [syncId] } });
  const server = await api(s, 'POST', `${V}/headless/completeInstallation`, { body: { installationId: start.body.installationId,
    data: [{ workflowId: syncId, blockId: 'config', fields: [{ name: 'channel', value: 'general' }, { name: 'dailyLimit', value: 500 }] }] } });
  assert.equal(server.status, 422);
  const byField = (f) => server.body.errors.filter((e) => e.path === `/${f}`).map((e) => e.message).join('; ');
  assert.equal(shown.channel, byField('channel'));
  assert.equal(shown.dailyLimit, byField('dailyLimit'));

  await frame.press(`#f-${syncId}-channel`, 'Escape');
  const got = await results(page);
  assert.deepEqual(got, [{ success: false }]);
  assert.equal(completes.length, 0, 'the modal never asked the server to install');
  const list = await api(s, 'GET', `${V}/integrations?userId=${users.bob}`);
  assert.equal(list.body.data[0].installed, false);
  await page.close();
});

test('Escape closes the modal with callback({success: false})', async () => {
  const page = await openIsv();
  const frame = await install(page, await token(users.carol));
  await frame.waitForSelector('input[name=workflow]');
  // Focus stays inside the dialog: Tab from the last control wraps to the first.
  await frame.focus('#next');
  await page.keyboard.press('Tab');
  assert.equal(await frame.evaluate(() => document.activeElement.id), 'close');
  await page.keyboard.press('Escape');
  assert.deepEqual(await results(page), [{ success: false }]);
  assert.equal(await page.$('[data-alloy-modal]'), null);
  await page.close();
});

test('a malformed or expired token: a clear Error from setToken and no modal', async () => {
  const page = await openIsv();
  const real = await token(users.carol);
  const [h, p, sig] = real.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  const expired = `${h}.${Buffer.from(JSON.stringify({ ...claims, exp: claims.iat - 10 })).toString('base64url')}.${sig}`;
  const wrongAudience = `${h}.${Buffer.from(JSON.stringify({ ...claims, aud: 'someone-else' })).toString('base64url')}.${sig}`;
  const outcome = await page.evaluate(async ({ expired, wrongAudience, integrationId }) => {
    const errorOf = (f) => { try { f(); return null; } catch (e) { return e.message; } };
    const out = {
      expired: errorOf(() => window.Alloy.setToken(expired)),
      malformed: errorOf(() => window.Alloy.setToken('not-a-token')),
      installWithout: errorOf(() => window.Alloy().install({ integrationId })),
      badParams: errorOf(() => window.Alloy.install({ integrationId: 42 })),
    };
    // Claims that read fine in JavaScript but that the WASM core refuses: no modal, callback fails.
    window.Alloy.setToken(wrongAudience);
    out.wasm = await new Promise((resolve) => window.Alloy.install({ integrationId, callback: resolve }));
    return out;
  }, { expired, wrongAudience, integrationId });
  assert.match(outcome.expired, /^Alloy\.setToken: the token expired at .*mint a new one/);
  assert.match(outcome.malformed, /^Alloy\.setToken: the token is not a JWT/);
  assert.match(outcome.installWithout, /call Alloy\.setToken\(token\) first/);
  assert.match(outcome.badParams, /integrationId must be a non-empty string/);
  assert.equal(outcome.wasm.success, false);
  assert.match(outcome.wasm.error, /wrong_audience|audience/);
  assert.equal(await page.$('[data-alloy-modal]'), null, 'no modal was opened');
  await page.close();
});

test('getIntegrations, getWorkflows, deactivate and reactivate work cross-origin', async () => {
  const page = await openIsv();
  const out = await page.evaluate(async ({ tok, syncId }) => {
    window.Alloy.setToken(tok);
    const integrations = await window.Alloy.getIntegrations();
    const workflows = await window.Alloy.getWorkflows();
    const off = await window.Alloy.deactivate({ workflowId: syncId });
    const afterOff = (await window.Alloy.getWorkflows()).data.find((w) => w.workflowId === syncId).active;
    const on = await window.Alloy.reactivate({ workflowId: syncId });
    const afterOn = (await window.Alloy.getWorkflows()).data.find((w) => w.workflowId === syncId).active;
    let denied = null;
    try { await window.Alloy.deactivate({ workflowId: 'ffffffffffffffffffffffff' }); } catch (e) { denied = e.status; }
    return { integrations, workflows, off, afterOff, on, afterOn, denied, origin: location.origin };
  }, { tok: await token(users.alice), syncId });
  assert.notEqual(out.origin, new URL(s.url).origin, 'the page is on another origin');
  assert.equal(out.integrations.data[0].integrationId, integrationId);
  assert.equal(out.integrations.data[0].installed, true);
  assert.ok(out.workflows.data.some((w) => w.workflowId === syncId && w.installed));
  assert.equal(out.off.activated, false);
  assert.equal(out.afterOff, false);
  assert.equal(out.on.activated, true);
  assert.equal(out.afterOn, true);
  assert.equal(out.denied, 404);
  await page.close();
});

test('live updates: a user sees its own runs and nothing of another user', async () => {
  const page = await openIsv();
  await page.evaluate(async ({ server, alice, carol, key, prodKey }) => {
    const { connectLive } = await import(`${server}/sdk/live.mjs`);
    window.seen = { alice: [], carol: [], env: [], prod: [], states: [] };
    const open = (name, cred) => new Promise((resolve) => {
      connectLive({ baseUrl: server, ...cred, onEvent: (e) => window.seen[name].push(e),
        onState: (st, d) => { window.seen.states.push(`${name}:${st}`); if (st === 'open') resolve(d); } });
    });
    await Promise.all([open('alice', { token: alice }), open('carol', { token: carol }), open('env', { apiKey: key }),
      open('prod', { apiKey: prodKey })]);
  }, { server: s.url, alice: await token(users.alice), carol: await token(users.carol), key: s.key,
    prodKey: s.cli('key', 'create', '--env', 'production').trim() });

  const r = await api(s, 'POST', `${V}/run/event`, { body: { event: 'Order Shipped', userId: users.alice, data: { orderId: '1001' } } });
  assert.equal(r.status, 200, r.text);
  const executionId = r.body.executions[0];
  await page.waitForFunction((id) => window.seen.alice.some((e) => e.executionId === id && e.type === 'execution' && e.status === 'success'),
    executionId, { timeout: 20000 });
  await page.waitForFunction((id) => window.seen.env.some((e) => e.executionId === id && e.status === 'success'), executionId);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const seen = await page.evaluate(() => window.seen);
  const mine = seen.alice.filter((e) => e.executionId === executionId);
  assert.deepEqual(mine.filter((e) => e.type === 'execution').map((e) => e.status), ['started', 'success']);
  assert.deepEqual(mine.filter((e) => e.type === 'step').map((e) => [e.blockId, e.status]), [['shape', 'success']]);
  assert.ok(seen.alice.every((e) => e.userId === users.alice));
  assert.deepEqual(seen.carol, [], 'carol sees nothing of alice');
  assert.deepEqual(seen.prod, [], 'the production environment sees nothing of development');

  // A refused credential is told so and closed; a token in the query string works too.
  const raw = await page.evaluate(async ({ ws, alice }) => {
    const talk = (url, first) => new Promise((resolve) => {
      const sock = new WebSocket(url, 'solder-events');
      const got = [];
      sock.onopen = () => { if (first) sock.send(first); };
      sock.onmessage = (m) => { got.push(JSON.parse(m.data)); if (got[0].type === 'ready') { sock.close(); } };
      sock.onclose = (c) => resolve({ code: c.code, got });
    });
    return {
      bad: await talk(`${ws}/ws`, JSON.stringify({ type: 'auth', token: 'a.b.c' })),
      query: await talk(`${ws}/ws?token=${encodeURIComponent(alice)}`),
      silent: await talk(`${ws}/ws`, JSON.stringify({ hello: 1 })),
    };
  }, { ws: s.url.replace('http', 'ws'), alice: await token(users.alice) });
  assert.equal(raw.bad.code, 4401);
  assert.equal(raw.bad.got[0].code, 'unauthorized');
  assert.equal(raw.query.got[0].type, 'ready');
  assert.equal(raw.query.got[0].userId, users.alice);
  assert.equal(raw.silent.code, 4401);
  await page.close();
});
