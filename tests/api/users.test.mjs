// Users API and the pipeline in front of it, against the real binary over HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, api, ID_RE } from './server.mjs';

let s;
before(async () => { s = await startServer(); });
after(async () => { assert.equal(await s.stop(), 0); });

// The quick start's curl, word for word apart from host and key.
function curl(args) {
  return JSON.parse(execFileSync('curl', ['-sS', ...args], { encoding: 'utf8' }));
}

test('quick start: create a user with curl, then mint its token', () => {
  const created = curl(['--request', 'POST',
    '--url', `${s.url}/2023-12/users`,
    '--header', 'Accept: application/json',
    '--header', 'Content-Type: application/json',
    '--header', `Authorization: bearer ${s.key}`,
    '--data', '{ "username": "gregg" }']);
  assert.match(created.userId, ID_RE);
  const tok = curl(['--request', 'GET',
    '--url', `${s.url}/2023-12/user/${created.userId}/token`,
    '--header', 'Accept: application/json',
    '--header', `Authorization: bearer ${s.key}`]);
  assert.equal(tok.token.split('.').length, 3);
});

test('create, read by id and by username, list, update, delete', async () => {
  const c = await api(s, 'POST', '/2024-03/users', { body: { username: 'alice', fullName: 'Alice A' } });
  assert.equal(c.status, 200);
  const id = c.body.userId;
  assert.match(id, ID_RE);

  let r = await api(s, 'GET', `/2024-03/users/${id}`);
  assert.deepEqual(r.body, { userId: id, username: 'alice', fullName: 'Alice A' });
  r = await api(s, 'GET', '/2024-03/users/alice');
  assert.equal(r.body.userId, id);
  r = await api(s, 'GET', '/users', { headers: { 'x-api-version': '2024-03' } });
  assert.ok(r.body.data.some((u) => u.userId === id && u.username === 'alice'));

  r = await api(s, 'PUT', `/2024-03/users/${id}`, { body: { fullName: 'Alice Anders' } });
  assert.deepEqual(r.body, { userId: id, username: 'alice', fullName: 'Alice Anders' });
  r = await api(s, 'PUT', `/2024-03/users/${id}`, { body: { username: 'alice2' } });
  assert.equal(r.body.username, 'alice2');
  assert.equal(r.body.fullName, 'Alice Anders');

  r = await api(s, 'DELETE', `/2024-03/users/${id}`);
  assert.deepEqual(r.body, { success: true });
  r = await api(s, 'GET', `/2024-03/users/${id}`);
  assert.equal(r.status, 404);
  r = await api(s, 'DELETE', `/2024-03/users/${id}`);
  assert.equal(r.status, 404);
});

test('batch creation reports invalid and duplicate users and creates the rest', async () => {
  await api(s, 'POST', '/users', { body: { username: 'alreadyexists123' } });
  const r = await api(s, 'POST', '/2024-03/users/batch', { body: { users: [
    { username: 'user123', fullName: 'Joe Smoe' }, { username: 'user456' },
    { fullName: 'Missing Username' }, { username: 'alreadyexists123' }, { username: 'user456' },
    { username: 42 }, 'not an object'] } });
  assert.equal(r.status, 200);
  assert.equal(r.body.message, 'success');
  assert.deepEqual(r.body.invalidUsers, [{ fullName: 'Missing Username' },
    { username: 'alreadyexists123' }, { username: 'user456' }, { username: 42 }, 'not an object']);
  assert.equal(r.body.users.length, 2);
  const got = await api(s, 'GET', '/users/user123');
  assert.equal(got.body.fullName, 'Joe Smoe');

  const tooMany = await api(s, 'POST', '/users/batch',
    { body: { users: Array.from({ length: 1001 }, (_, i) => ({ username: `bulk${i}` })) } });
  assert.equal(tooMany.status, 422);
  assert.match(tooMany.body.message, /at most 1000/);
  assert.equal((await api(s, 'GET', '/users/bulk0')).status, 404, 'nothing half-written');
  const notArray = await api(s, 'POST', '/users/batch', { body: { users: {} } });
  assert.equal(notArray.status, 422);
});

test('users created in one batch list newest first in the reverse of the batch, the same on every page', async () => {
  const names = Array.from({ length: 40 }, (_, i) => `order-${String(i).padStart(2, '0')}`);
  assert.equal((await api(s, 'POST', '/users/batch', { body: { users: names.map((username) => ({ username })) } })).status, 200);
  const seen = [];
  for (let page = 0; page < 4; page++) {
    const r = await api(s, 'GET', `/users?search=order-&limit=10&page=${page}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.total, 40);
    seen.push(...r.body.data.map((u) => u.username));
  }
  // Created in the same millisecond, they still come back in one order: the batch's, reversed.
  assert.deepEqual(seen, [...names].reverse());
});

test('bad input gets a clear error, never a crash', async () => {
  const cases = [
    [{ raw: '{"username":', headers: { 'Content-Type': 'application/json' } }, 400, 'invalid_json', /not valid JSON/],
    [{ raw: '{"username":"x"} trailing' }, 400, 'invalid_json', /after the JSON value/],
    [{ body: { username: 5 } }, 422, 'validation_failed', /username must be a string/],
    [{ body: { fullName: 'No Name' } }, 422, 'validation_failed', /username is required/],
    [{ body: { username: '' } }, 422, 'validation_failed', /username is required/],
    [{ body: { username: 'a'.repeat(300) } }, 422, 'validation_failed', /at most 255/],
    [{ body: ['an', 'array'] }, 422, 'validation_failed', /JSON object/],
    [{}, 422, 'validation_failed', /JSON object/],
    [{ raw: '['.repeat(65) + ']'.repeat(65) }, 400, 'invalid_json', /deeper than 64/],
    [{ raw: JSON.stringify({ username: 'x'.repeat(1024 * 1024) }) }, 413, 'payload_too_large', /larger than 1048576/],
  ];
  for (const [opts, status, code, msg] of cases) {
    const r = await api(s, 'POST', '/2024-03/users', opts);
    assert.equal(r.status, status, JSON.stringify(opts).slice(0, 80));
    assert.equal(r.body.code, code);
    assert.match(r.body.message, msg);
  }
  // A nesting depth of exactly 64 is accepted by the parser (and then refused as not an object).
  const d64 = await api(s, 'POST', '/users', { raw: '['.repeat(64) + ']'.repeat(64) });
  assert.equal(d64.status, 422);
  assert.equal(d64.body.code, 'validation_failed');
  assert.equal((await api(s, 'GET', '/healthz')).body.status, 'ok');
});

test('a body somewhat over the limit is read and dropped, so its sender gets the 413, every time', async () => {
  // Answering before the body is read would close the connection under a client still sending it
  // (EPIPE, no answer); it happened a few times in a hundred.
  const raw = JSON.stringify({ username: 'x'.repeat(1024 * 1024) });
  for (let i = 0; i < 30; i++) {
    const r = await api(s, 'POST', '/2024-03/users', { raw });
    assert.equal(r.status, 413);
    assert.equal(r.body.code, 'payload_too_large');
  }
});

test('search: one page of the users whose username, name or id contains the text, newest first', async () => {
  const made = [];
  for (const [username, fullName] of [['search-ada', 'Ada Lovelace'], ['search-bob', 'Bob 100% Sure'],
    ['search_carl', 'Carl Under_Score'], ['search-cora', null], ['SEARCH-EVE', 'Eve Upper']]) {
    const r = await api(s, 'POST', '/users', { body: fullName ? { username, fullName } : { username } });
    assert.equal(r.status, 200, r.text);
    made.push({ username, userId: r.body.userId });
  }
  const page = (q) => api(s, 'GET', `/2024-03/users?${q}`);

  let r = await page('search=search');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.total, 5);
  assert.deepEqual(r.body.data.map((u) => u.username), made.map((u) => u.username).reverse(), 'newest first; any case');
  assert.equal(r.body.page, 0);
  assert.equal(r.body.limit, 50);
  assert.ok(Date.parse(r.body.data[0].createdAt) > 0);

  r = await page('search=lovelace');
  assert.deepEqual(r.body.data.map((u) => u.username), ['search-ada'], 'the full name is searched');
  r = await page(`search=${made[3].userId.slice(4, 16)}`);
  assert.deepEqual(r.body.data.map((u) => u.userId), [made[3].userId], 'so is the id');
  r = await page('search=h_c');
  assert.deepEqual(r.body.data.map((u) => u.username), ['search_carl'], '_ is a character, not a wildcard');
  r = await page('search=nobody-has-this');
  assert.deepEqual(r.body, { data: [], page: 0, limit: 50, total: 0 });

  // Pages of two: 5 matches make pages 0, 1 and 2; past the end is empty.
  const seen = [];
  for (let p = 0; p < 4; p++) {
    r = await page(`search=search&limit=2&page=${p}`);
    assert.equal(r.body.total, 5);
    assert.equal(r.body.data.length, [2, 2, 1, 0][p]);
    seen.push(...r.body.data.map((u) => u.username));
  }
  assert.equal(new Set(seen).size, 5, 'no user on two pages');
  r = await page('limit=1');
  assert.equal(r.body.data.length, 1, 'limit alone pages the whole list');
  assert.ok(r.body.total >= 5);

  for (const q of ['limit=0', 'limit=101', 'page=-1', 'page=x', `search=${'a'.repeat(256)}`]) {
    r = await page(q);
    assert.equal(r.status, 400, `${q}: ${r.text}`);
    assert.ok(r.body.message);
  }
  // Without search, page or limit the answer is the reference's: every user, oldest first.
  r = await api(s, 'GET', '/users');
  assert.deepEqual(Object.keys(r.body), ['data']);
});

test('duplicate username in the environment is a conflict', async () => {
  assert.equal((await api(s, 'POST', '/users', { body: { username: 'dup' } })).status, 200);
  const r = await api(s, 'POST', '/users', { body: { username: 'dup' } });
  assert.equal(r.status, 409);
  assert.equal(r.body.code, 'conflict');
  assert.match(r.body.message, /dup/);
  const other = await api(s, 'POST', '/users', { body: { username: 'dup2' } });
  const clash = await api(s, 'PUT', `/users/${other.body.userId}`, { body: { username: 'dup' } });
  assert.equal(clash.status, 409);
});

test('unknown routes are 404, wrong methods 405', async () => {
  let r = await api(s, 'GET', '/2024-03/nothing-here');
  assert.equal(r.status, 404);
  assert.equal(r.body.code, 'not_found');
  r = await api(s, 'PATCH', '/2024-03/users');
  assert.equal(r.status, 405);
  assert.equal(r.body.code, 'method_not_allowed');
  r = await api(s, 'GET', '/2024-3/users');
  assert.equal(r.status, 404);
});

test('missing, invalid and revoked keys are 401 Unauthorized', async () => {
  let r = await api(s, 'GET', '/users', { key: null });
  assert.equal(r.status, 401);
  assert.equal(r.body.message, 'Unauthorized');
  r = await api(s, 'GET', '/users', { key: 'sk_dev_not-a-real-key' });
  assert.equal(r.status, 401);
  r = await api(s, 'GET', '/users', { key: null, headers: { Authorization: 'Basic abc' } });
  assert.equal(r.status, 401);

  const extra = s.cli('key', 'create', '--env', 'development').trim();
  assert.match(extra, /^sk_dev_[A-Za-z0-9_-]{43}$/);
  assert.equal((await api(s, 'GET', '/users', { key: extra })).status, 200);
  // lower-case scheme, as the quick start writes it
  r = await api(s, 'GET', '/users', { key: null, headers: { Authorization: `bearer ${extra}` } });
  assert.equal(r.status, 200);
  const listed = s.cli('key', 'list');
  const line = listed.split('\n').find((l) => l.includes(extra.slice(0, 12)));
  assert.ok(line, listed);
  const id = line.split(/\s+/)[0];
  assert.match(s.cli('key', 'revoke', id), /revoked/);
  r = await api(s, 'GET', '/users', { key: extra });
  assert.equal(r.status, 401);
  assert.equal(r.body.message, 'Unauthorized');
});

test('a production key sees nothing of the development environment', async () => {
  const prod = s.cli('key', 'create', '--env', 'production').trim();
  assert.match(prod, /^sk_prod_/);
  const dev = await api(s, 'POST', '/users', { body: { username: 'devonly' } });
  const id = dev.body.userId;
  assert.equal((await api(s, 'GET', `/users/${id}`, { key: prod })).status, 404);
  assert.equal((await api(s, 'GET', '/users/devonly', { key: prod })).status, 404);
  assert.equal((await api(s, 'GET', `/users/${id}/token`, { key: prod })).status, 404);
  assert.equal((await api(s, 'PUT', `/users/${id}`, { key: prod, body: { fullName: 'x' } })).status, 404);
  assert.equal((await api(s, 'DELETE', `/users/${id}`, { key: prod })).status, 404);
  const list = await api(s, 'GET', '/users', { key: prod });
  assert.ok(!list.body.data.some((u) => u.userId === id));
  const found = await api(s, 'GET', '/users?search=devonly', { key: prod });
  assert.deepEqual(found.body, { data: [], page: 0, limit: 50, total: 0 }, 'nor does its search');
  // the same username may exist in both environments
  assert.equal((await api(s, 'POST', '/users', { key: prod, body: { username: 'devonly' } })).status, 200);
  assert.equal((await api(s, 'GET', `/users/${id}`)).status, 200);
});

test('CORS preflight on browser-facing routes', async () => {
  const res = await fetch(`${s.url}/2024-03/users/someone`, { method: 'OPTIONS',
    headers: { Origin: 'http://app.example', 'Access-Control-Request-Method': 'GET',
      'Access-Control-Request-Headers': 'x-alloy-user-token' } });
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('access-control-allow-origin'), 'http://app.example');
  assert.match(res.headers.get('access-control-allow-headers'), /x-alloy-user-token/);
  const server = await fetch(`${s.url}/2024-03/users`, { method: 'OPTIONS' });
  assert.equal(server.status, 404, 'server-to-server routes are not browser-facing');
});

test('garbage on the socket does not bring the server down', async () => {
  const net = await import('node:net');
  const { port } = new URL(s.url);
  const junk = ['\x00\x01\x02garbage\r\n\r\n', 'GET /' + 'a'.repeat(20000) + ' HTTP/1.1\r\n\r\n',
    'POST /users HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n',
    'GET /users HTTP/1.1\r\nHost: x\r\n' + 'X-Big: ' + 'b'.repeat(40000) + '\r\n\r\n'];
  for (const j of junk) {
    await new Promise((resolve) => {
      const c = net.connect(Number(port), '127.0.0.1', () => c.end(j));
      c.on('data', () => {});
      c.on('close', resolve);
      c.on('error', resolve);
      c.setTimeout(3000, () => c.destroy());
    });
  }
  assert.equal((await api(s, 'GET', '/healthz')).status, 200);
});

test('every request is logged once with id, method, path, status and duration', async () => {
  const r = await api(s, 'GET', '/healthz?token=secret-value');
  const rid = r.headers.get('x-request-id');
  assert.match(rid, /^[0-9a-f]{16}$/);
  const findLine = () => s.output().split('\n').find((l) => l.includes(rid));
  for (let i = 0; i < 100 && !findLine(); i++) await new Promise((res) => setTimeout(res, 50));
  const line = findLine();
  assert.match(line, /^\d{4}-\d\d-\d\dT[\d:.]+Z [0-9a-f]{16} GET \/healthz 200 [\d.]+ms$/);
  assert.ok(!s.output().includes('secret-value'), 'query strings are not logged');
});
