// The modal asserts "format" as the server does (issue 14, item 5): a field declared format uri
// shows the server's own message for "not a url" (the WASM validator with formatAssertion), and
// nothing is installed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../api/server.mjs';
import { startBrowser, startIsvPage } from './browser.mjs';

const V = '/2024-03';
let s;
let browser;
let isv;
let integrationId;
let workflowId;

before(async () => {
  s = await startServer(['--workers', '0']);
  isv = await startIsvPage(s.url);
  browser = await startBrowser();
  await api(s, 'POST', `${V}/events`, { body: { name: 'Ping', body: { id: 'String' } } });
  integrationId = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'Webhooks' } })).body.integrationId;
  const r = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition: {
    name: 'Forward pings', trigger: { type: 'customEvent', event: 'Ping' },
    fields: [{ name: 'webhookUrl', title: 'Webhook URL', required: true, schema: { type: 'string', format: 'uri' } }],
    blocks: [{ id: 'noop', type: 'transform', inputs: { vars: '{}' } }] } } });
  workflowId = r.body.workflowId;
  await api(s, 'POST', `${V}/workflows/${workflowId}/release`);
});

after(async () => {
  if (browser) await browser.close();
  if (isv) await isv.close();
  if (s) assert.equal(await s.stop(), 0);
});

test('"not a url" for a format uri field: the modal shows the server\'s message', async () => {
  const user = (await api(s, 'POST', `${V}/users`, { body: { username: 'format-user' } })).body.userId;
  const tok = (await api(s, 'GET', `${V}/users/${user}/token`)).body.token;
  const page = await browser.newPage();
  await page.goto(isv.url);
  await page.waitForFunction(() => typeof window.Alloy === 'function');
  await page.evaluate(({ tok, integrationId }) => {
    window.Alloy.setToken(tok);
    window.Alloy.install({ integrationId, callback: () => {} });
  }, { tok, integrationId });
  const frame = await (await page.waitForSelector('[data-alloy-modal] iframe')).contentFrame();
  const input = `#f-${workflowId}-webhookUrl`;
  await frame.waitForSelector(input);
  await frame.fill(input, 'not a url');
  await frame.click('#next');
  await frame.waitForSelector(`${input}-error`);
  const shown = await frame.textContent(`${input}-error`);

  const start = await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId: user, integrationId } });
  const server = await api(s, 'POST', `${V}/headless/completeInstallation`, { body: { installationId: start.body.installationId,
    data: [{ workflowId, blockId: 'config', fields: [{ name: 'webhookUrl', value: 'not a url' }] }] } });
  assert.equal(server.status, 422);
  assert.equal(shown, server.body.errors.find((e) => e.path === '/webhookUrl').message);
  assert.match(shown, /uri/);
  await page.close();
});
