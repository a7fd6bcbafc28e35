// "format" is asserted, not just annotated (issue 14, item 5): a configurable field declared
// format uri refuses "not a url" at completeInstallation, event data is checked against formats
// of the event's schema (a sample schema's Date is a date-time), and a credential form's formats
// apply on Connect. The modal gives the same messages (tests/e2e/format.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from './server.mjs';

const V = '/2024-03';
let s;
let integrationId;
let workflowId;
let userId;

before(async () => {
  s = await startServer(['--workers', '0']);
  let r = await api(s, 'POST', `${V}/events`, { body: { name: 'Order Shipped', body: { orderId: 'String', shippedAt: 'Date' } } });
  assert.equal(r.status, 200, r.text);
  r = await api(s, 'POST', `${V}/events`, { body: { name: 'Contact Added', schema: { type: 'object',
    properties: { email: { type: 'string', format: 'email' } } } } });
  assert.equal(r.status, 200, r.text);
  integrationId = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'Hooks' } })).body.integrationId;
  r = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition: {
    name: 'Forward shipments', trigger: { type: 'customEvent', event: 'Order Shipped' },
    fields: [{ name: 'webhookUrl', title: 'Webhook URL', required: true, schema: { type: 'string', format: 'uri' } },
      { name: 'contact', schema: { type: 'string', format: 'email' } }],
    blocks: [{ id: 'noop', type: 'transform', inputs: { vars: '{}' } }] } } });
  workflowId = r.body.workflowId;
  assert.equal((await api(s, 'POST', `${V}/workflows/${workflowId}/release`)).status, 200);
  userId = (await api(s, 'POST', `${V}/users`, { body: { username: 'formats' } })).body.userId;
});

after(async () => { assert.equal(await s.stop(), 0); });

async function install(fields) {
  const start = await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId, integrationId } });
  return api(s, 'POST', `${V}/headless/completeInstallation`, { body: { installationId: start.body.installationId,
    data: [{ workflowId, blockId: 'config', fields }] } });
}

test('configurable fields: format uri and email are asserted', async () => {
  const r = await install([{ name: 'webhookUrl', value: 'not a url' }, { name: 'contact', value: 'nobody' }]);
  assert.equal(r.status, 422, r.text);
  const byPath = Object.fromEntries(r.body.errors.map((e) => [e.path, e.message]));
  assert.match(byPath['/webhookUrl'], /uri/);
  assert.match(byPath['/contact'], /email/);
  const ok = await install([{ name: 'webhookUrl', value: 'https://hooks.example.com/in' }, { name: 'contact', value: 'ops@example.com' }]);
  assert.equal(ok.status, 200, ok.text);
});

test('event data: a sample Date must be a date-time, a declared email an email', async () => {
  let r = await api(s, 'POST', `${V}/run/event`, { body: { event: 'Order Shipped', userId, data: { orderId: '1', shippedAt: 'yesterday' } } });
  assert.equal(r.status, 422, r.text);
  assert.ok(r.body.errors.some((e) => e.instancePath === '/shippedAt' && /date-time/.test(e.message)), r.text);
  r = await api(s, 'POST', `${V}/run/event`, { body: { event: 'Order Shipped', userId, data: { orderId: '1', shippedAt: '2024-05-01T10:00:00Z' } } });
  assert.equal(r.status, 200, r.text);
  r = await api(s, 'POST', `${V}/run/event`, { body: { event: 'Contact Added', userId, data: { email: 'not-an-email' } } });
  assert.equal(r.status, 422, r.text);
  assert.match(r.body.errors[0].message, /email/);
});

test('credential forms: BigCommerce\'s API URL must be a URI', async () => {
  const r = await api(s, 'POST', `${V}/headless/credentials`, { body: { userId,
    credential: { type: 'bigcommerce', data: { store_hash: 'abc', access_token: 't', api_url: 'not a url' } } } });
  assert.equal(r.status, 422, r.text);
  assert.ok(r.body.errors.some((e) => e.instancePath === '/api_url'), r.text);
});
