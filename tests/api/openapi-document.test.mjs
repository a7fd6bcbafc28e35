// The OpenAPI document the build generates from native/api/routes/: it is valid OpenAPI 3.1 (the
// schema files and validator of @seriousme/openapi-schema-validator, a test-only package pinned
// in tests/api/package-lock.json), the server serves exactly it at /openapi.json, and the request
// bodies it describes are the ones the server enforces: before any handler runs, each route that
// requires a body refuses an empty object with 422, naming the missing member, in the shape
// {message, code, errors: [{instancePath, keywordLocation, keyword, message}]}. (Every answer of the
// API tests is checked against the document by contract.mjs; the route table against the document
// by the unit test test_routes.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startServer, api } from './server.mjs';
import { OPENAPI_PATH } from './contract.mjs';

const require = createRequire(import.meta.url);
const doc = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8'));
let s;
before(async () => { s = await startServer(['--rate-limit', 'off']); });
after(() => s?.stop());

test('docs/openapi.json is valid OpenAPI 3.1', async (t) => {
  let Validator;
  try {
    ({ Validator } = await import(require.resolve('@seriousme/openapi-schema-validator')));
  } catch {
    if (process.env.CI === 'true') throw new Error('@seriousme/openapi-schema-validator is not installed (scripts/bootstrap.sh)');
    t.skip('@seriousme/openapi-schema-validator is not installed (scripts/bootstrap.sh)');
    return;
  }
  const validator = new Validator();
  const result = await validator.validate(structuredClone(doc));
  assert.equal(validator.version, '3.1');
  assert.ok(result.valid, JSON.stringify(result.errors, null, 2)?.slice(0, 3000));
  // The validator refuses a broken document (so the check above can fail).
  const broken = structuredClone(doc);
  broken.paths['/users'].post.responses = 'none';
  assert.equal((await new Validator().validate(broken)).valid, false);
});

test('GET /openapi.json serves the document the build wrote to docs/', async () => {
  const r = await api(s, 'GET', '/openapi.json', { key: null });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, doc);
  assert.equal((await api(s, 'GET', '/2024-03/openapi.json', { key: null })).status, 200);
});

test('every route that requires a body refuses an empty object, naming the missing member', async () => {
  let checked = 0;
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const body = op.requestBody?.content?.['application/json']?.schema;
      if (!body || !op.requestBody.required || !op.security.some((req) => req.apiKey)) continue;
      const resolved = body.$ref ? { ...doc.components.schemas[body.$ref.split('/').pop()], ...body } : body;
      const path = p.replace(/\{[^}]+\}/g, 'x');
      const empty = await api(s, method.toUpperCase(), `/2024-03${path}`, { body: {} });
      const notObject = await api(s, method.toUpperCase(), `/2024-03${path}`, { body: [1] });
      assert.equal(notObject.status, 422, `${method} ${p}: ${notObject.text}`);
      assert.equal(notObject.body.message, 'request body must be a JSON object');
      if (!resolved.required?.length) {
        assert.notEqual(empty.status, 422, `${method} ${p} takes {}`);
        continue;
      }
      assert.equal(empty.status, 422, `${method} ${p}: ${empty.text}`);
      assert.equal(empty.body.code, 'validation_failed');
      assert.equal(empty.body.message, `${resolved.required[0]} is required`, `${method} ${p}`);
      assert.deepEqual(Object.keys(empty.body.errors[0]).sort(), ['instancePath', 'keyword', 'keywordLocation', 'message']);
      assert.deepEqual(empty.body.errors.map((e) => e.keyword), resolved.required.map(() => 'required'));
      checked++;
    }
  }
  assert.ok(checked >= 10, `${checked} routes checked`);
});

test('bodies are checked member by member, every error listed, in the words handlers used', async () => {
  const cases = [
    ['/users', { username: 'a', fullName: 3 }, 'fullName must be a string or null', ['/fullName']],
    ['/users/batch', { users: 'x' }, 'users must be an array', ['/users']],
    ['/events', { name: 'E', description: 5, schema: 'x' }, 'description must be a string or null', ['/description', '/schema']],
    ['/headless/completeInstallation', { installationId: 'x', data: [{ fields: [{ name: 'a' }] }] }, 'data.0.fields.0.value is required', ['/data/0/fields/0']],
    ['/run/event', { event: '', userId: 'u', data: {} }, 'event is required', ['/event']],
  ];
  for (const [p, body, message, paths] of cases) {
    const r = await api(s, 'POST', `/2024-03${p}`, { body });
    assert.equal(r.status, 422, `${p}: ${r.text}`);
    assert.equal(r.body.message, message);
    assert.deepEqual(r.body.errors.map((e) => e.instancePath), paths);
  }
  const env = await api(s, 'PUT', '/2024-03/settings', { body: { logRetentionDays: 2.5 } });
  assert.equal(env.status, 422);
  assert.equal(env.body.message, 'logRetentionDays must be an integer');
});
