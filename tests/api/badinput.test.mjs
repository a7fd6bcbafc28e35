// Bad input on every engine route: a clear status and message, and nothing written.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from './server.mjs';

let s;
const V = '/2024-03';
const X = 'ffffffffffffffffffffffff';

before(async () => { s = await startServer(); });
after(async () => { assert.equal(await s.stop(), 0); });

test('every route answers bad input with a status, a code and a message', async () => {
  const user = (await api(s, 'POST', `${V}/users`, { body: { username: 'bad-input' } })).body.userId;
  const integ = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'I' } })).body.integrationId;
  const wf = (await api(s, 'POST', `${V}/workflows`, { body: { integrationId: integ,
    definition: { name: 'W', trigger: { type: 'webhook' }, blocks: [] } } })).body.workflowId;
  const cases = [
    ['POST', '/integrations', { name: 5 }, 422, /name must be a string/],
    ['POST', '/integrations', {}, 422, /name is required/],
    ['PUT', `/integrations/${X}`, { name: 'x' }, 404, /integration not found/],
    ['DELETE', `/integrations/${integ}`, undefined, 409, /still has workflows/],
    ['POST', '/workflows', { integrationId: integ }, 422, /definition is required/],
    ['POST', '/workflows', { integrationId: integ, definition: [] }, 422, /definition must be a JSON object/],
    ['POST', '/workflows', { integrationId: integ, definition: {} }, 422, /definition\.name is required/],
    ['POST', '/workflows', { integrationId: integ, definition: { name: 'W' } }, 409, /already exists/],
    ['PUT', `/workflows/${X}`, { definition: { name: 'Z' } }, 404, /workflow not found/],
    ['POST', `/workflows/${X}/release`, undefined, 404, /workflow not found/],
    ['GET', `/workflows/${X}/versions`, undefined, 404, /workflow not found/],
    ['GET', `/workflows/${wf}?userId=${user}`, undefined, 404, /no released version/],
    ['GET', `/workflows/${wf}/logs?limit=31`, undefined, 400, /limit must be an integer from 1 to 30/],
    ['GET', `/workflows/${wf}/logs?page=-1`, undefined, 400, /page must be/],
    ['GET', `/workflows/${wf}/logs?order=sideways`, undefined, 400, /order must be asc or desc/],
    ['GET', `/workflows/${X}/errors`, undefined, 404, /workflow not found/],
    ['POST', `/workflows/${wf}/rerun/${X}`, undefined, 404, /no execution/],
    ['PUT', '/workflows/activate', { userId: user }, 400, /workflowId or workflowName is required/],
    ['PUT', '/workflows/activate', { workflowId: wf }, 400, /userId is required/],
    ['PUT', '/workflows/activate', { workflowId: wf, userId: user }, 404, /not installed/],
    ['PUT', `/workflows/${wf}/upgrade`, undefined, 400, /userId is required/],
    ['DELETE', `/workflows/${wf}?userId=nobody`, undefined, 404, /user not found/],
    ['POST', '/headless/startInstallation', { userId: user }, 422, /integrationId is required/],
    ['POST', '/headless/startInstallation', { userId: user, integrationId: integ }, 404, /no released workflows/],
    ['POST', '/headless/startInstallation', { userId: user, integrationId: integ, workflowIds: 'x' }, 422, /workflowIds must be an array/],
    ['POST', '/headless/completeInstallation', { installationId: X }, 404, /no installation session/],
    ['POST', '/headless/completeInstallation', { installationId: X, data: {} }, 422, /data must be an array/],
    ['POST', '/events', { name: 'E', schema: 'string' }, 422, /schema must be a JSON object or a boolean/],
    ['PUT', '/events/none', { body: { a: 'String' } }, 404, /event not found/],
    ['DELETE', '/events/none', undefined, 404, /event not found/],
    ['POST', '/run/event', { event: 'none', userId: user, data: {} }, 404, /no custom event named 'none'/],
    ['POST', '/run/workflow', { userId: user, data: {} }, 400, /workflowId or workflowName is required/],
    ['POST', '/run/workflow', { workflowId: wf, userId: user, data: {} }, 404, /not installed/],
    ['PUT', '/settings', { errorWebhookUrl: 'ftp://x' }, 400, /http or https/],
    ['PUT', '/settings', { errorWebhookSecret: 'plain' }, 400, /whsec_/],
    ['PUT', '/settings', { logRetentionDays: 0 }, 422, /logRetentionDays must be an integer from 1 to 3650/],
    ['GET', '/logs?limit=0', undefined, 400, /limit must be/],
    ['GET', `/users/${X}/integrations/${integ}/install-url`, undefined, 404, /user not found/],
    ['PUT', `/users/${X}/deactivate-workflows`, undefined, 404, /user not found/],
    ['DELETE', `/users/${X}/logs`, undefined, 404, /user not found/],
  ];
  for (const [method, p, body, status, message] of cases) {
    const r = await api(s, method, V + p, { body });
    assert.equal(r.status, status, `${method} ${p}: ${r.text}`);
    assert.equal(typeof r.body.code, 'string', `${method} ${p}`);
    assert.match(r.body.message, message, `${method} ${p}`);
  }
  // Nothing was half-written by the refused calls.
  const integs = await api(s, 'GET', `${V}/integrations`);
  assert.equal(integs.body.data.length, 1);
  const events = await api(s, 'GET', `${V}/events`);
  assert.deepEqual(events.body.data, []);
  const settings = await api(s, 'GET', `${V}/settings`);
  assert.equal(settings.body.logRetentionDays, 60);
  assert.equal(settings.body.errorWebhookUrl, null);
});
