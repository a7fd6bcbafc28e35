// User tokens: claims, signature against the JWKS, and every way a token is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, createVerify } from 'node:crypto';
import { rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { startServer, api, ID_RE, BIN, openSealed, signAsServer, onPostgres, storeArgs, storeContents,
  storeSql } from './server.mjs';

let s;
let user;
before(async () => {
  s = await startServer();
  user = (await api(s, 'POST', '/users', { body: { username: 'tok-user', fullName: 'T U' } })).body.userId;
});
after(async () => { assert.equal(await s.stop(), 0); });

const b64url = (o) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('base64url');
const decode = (part) => JSON.parse(Buffer.from(part, 'base64url').toString());

// Signs claims with the server's own key, to make tokens the server would accept but for one claim.
const signWithServerKey = (header, payload) => signAsServer(s, header, payload);

async function freshToken() {
  return (await api(s, 'GET', `/users/${user}/token`)).body.token;
}

test('token claims and signature verify against the JWKS', async () => {
  const token = await freshToken();
  const [h, p, sig] = token.split('.');
  const header = decode(h);
  const claims = decode(p);
  assert.equal(header.alg, 'ES256');
  assert.equal(claims.sub, user);
  assert.equal(claims.userId, user);
  assert.equal(claims.username, 'tok-user');
  assert.equal(claims.env, 'development');
  assert.equal(claims.iss, s.url);
  assert.equal(claims.aud, 'solder-embedded');
  assert.equal(claims.exp - claims.iat, 3600);
  assert.ok(Math.abs(claims.iat - Date.now() / 1000) < 60);
  assert.match(claims.jti, ID_RE);

  const jwks = (await api(s, 'GET', '/.well-known/jwks.json', { key: null })).body;
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  assert.ok(jwk);
  const v = createVerify('sha256');
  v.update(`${h}.${p}`);
  assert.ok(v.verify({ key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' },
    Buffer.from(sig, 'base64url')));

  // Two tokens for the same user differ (jti).
  assert.notEqual(await freshToken(), token);
  // Also by username and on the quick start's /user/ spelling.
  assert.equal((await api(s, 'GET', '/2023-12/user/tok-user/token')).status, 200);
  assert.equal((await api(s, 'GET', '/users/nobody/token')).status, 404);
});

test('a valid user token opens browser-facing routes for its own user only', async () => {
  const token = await freshToken();
  let r = await api(s, 'GET', `/2024-03/users/${user}`, { key: null, headers: { 'x-alloy-user-token': token } });
  assert.equal(r.status, 200);
  assert.equal(r.body.userId, user);
  const other = (await api(s, 'POST', '/users', { body: { username: 'someone-else' } })).body.userId;
  r = await api(s, 'GET', `/users/${other}`, { key: null, headers: { 'x-alloy-user-token': token } });
  assert.equal(r.status, 404, 'another user is invisible to a user token');
  r = await api(s, 'GET', '/users', { key: null, headers: { 'x-alloy-user-token': token } });
  assert.equal(r.status, 401, 'server-to-server routes do not take user tokens');
  r = await api(s, 'GET', `/users/${user}/token`, { key: null, headers: { 'x-alloy-user-token': token } });
  assert.equal(r.status, 401, 'a user token cannot mint tokens');
});

test('expired, tampered, wrong-audience, wrong-issuer, alg none and foreign tokens are 401', async () => {
  const good = await freshToken();
  const [h, p, sig] = good.split('.');
  const claims = decode(p);
  const now = Math.floor(Date.now() / 1000);
  const bad = {
    expired: signWithServerKey(decode(h), { ...claims, iat: now - 7200, exp: now - 3600 }),
    tampered: `${h}.${b64url({ ...claims, userId: 'ffffffffffffffffffffffff', sub: 'ffffffffffffffffffffffff' })}.${sig}`,
    wrongAudience: signWithServerKey(decode(h), { ...claims, aud: 'another-app' }),
    wrongIssuer: signWithServerKey(decode(h), { ...claims, iss: 'https://evil.example' }),
    algNone: `${b64url({ alg: 'none', typ: 'JWT' })}.${p}.`,
    hs256: `${b64url({ alg: 'HS256', typ: 'JWT' })}.${p}.${sig}`,
    truncated: good.slice(0, -5),
    garbage: 'not.a.token',
    empty: '',
  };
  for (const [name, token] of Object.entries(bad)) {
    const r = await api(s, 'GET', `/users/${user}`, { key: null, headers: { 'x-alloy-user-token': token } });
    assert.equal(r.status, 401, name);
    assert.match(r.body.message, /^Unauthorized/, name);
  }
  // The server-signed control token is accepted, so the refusals above are about the one claim.
  const control = signWithServerKey(decode(h), { ...claims, jti: 'x' });
  const ok = await api(s, 'GET', `/users/${user}`, { key: null, headers: { 'x-alloy-user-token': control } });
  assert.equal(ok.status, 200);

  // A token of a user deleted since is refused.
  await api(s, 'DELETE', `/users/${user}`);
  const gone = await api(s, 'GET', `/users/${user}`, { key: null, headers: { 'x-alloy-user-token': good } });
  assert.equal(gone.status, 401);
});

test('private keys are stored sealed: no PEM in the database; another master key refuses to start', async () => {
  const publicUrl = 'http://solder.test';
  const t = await startServer(['--public-url', publicUrl]);
  const dataDir = t.dataDir;
  try {
    const u = (await api(t, 'POST', '/users', { body: { username: 'sealed' } })).body.userId;
    const token = (await api(t, 'GET', `/users/${u}/token`)).body.token;
    const pub = await fetch(`${t.url}/security/public_key.pem`).then((r) => r.text());
    assert.match(pub, /BEGIN PUBLIC KEY/);
    assert.equal(await t.stop({ keep: true }), 0);
    const stored = storeContents(t);
    assert.ok(onPostgres || stored.some((c) => c.name === 'solder.db'), stored.map((c) => c.name).join(', '));
    for (const { name, bytes } of stored) {
      assert.equal(bytes.indexOf('PRIVATE KEY'), -1, `${name} holds a private key in clear`);
    }
    // The same keys open again: a token minted before the restart still verifies, same RSA key.
    const again = await startServer(['--public-url', publicUrl], { dataDir });
    const r = await api(again, 'GET', `/2024-03/users/${u}`, { key: null,
      headers: { 'x-alloy-user-token': token } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(await fetch(`${again.url}/security/public_key.pem`).then((x) => x.text()), pub);
    assert.equal(await again.stop({ keep: true }), 0);
    // Keys stored in clear (data directories from before sealing) are sealed at the next start,
    // and stay the same keys.
    const sql = (q) => storeSql(t, q);
    const rsa = openSealed(dataDir, sql("SELECT private_pem FROM server_keys WHERE name = 'alloy-signature'"));
    const es = openSealed(dataDir, sql('SELECT private_pem FROM signing_keys ORDER BY created_at DESC LIMIT 1'));
    assert.match(rsa, /BEGIN PRIVATE KEY/);
    sql(`UPDATE server_keys SET private_pem = '${rsa}' WHERE name = 'alloy-signature'`);
    sql(`UPDATE signing_keys SET private_pem = '${es}'`);
    assert.match(sql("SELECT private_pem FROM server_keys WHERE name = 'alloy-signature'"), /^-----BEGIN/);
    const upgraded = await startServer(['--public-url', publicUrl], { dataDir });
    assert.equal(await fetch(`${upgraded.url}/security/public_key.pem`).then((x) => x.text()), pub);
    assert.equal((await api(upgraded, 'GET', `/2024-03/users/${u}`, { key: null,
      headers: { 'x-alloy-user-token': token } })).status, 200);
    assert.equal(await upgraded.stop({ keep: true }), 0);
    assert.match(sql("SELECT private_pem FROM server_keys WHERE name = 'alloy-signature'"), /^v1\./);
    assert.match(sql('SELECT private_pem FROM signing_keys'), /^v1\./);
    assert.equal(openSealed(dataDir, sql("SELECT private_pem FROM server_keys WHERE name = 'alloy-signature'")), rsa);
    // Another master key cannot open them: the server says so and does not start.
    const wrong = Buffer.alloc(32, 7).toString('base64');
    const res = spawnSync(BIN, ['serve', '--listen', '127.0.0.1:0', ...storeArgs(t)],
      { encoding: 'utf8', timeout: 15000, env: { ...process.env, SOLDER_MASTER_KEY: wrong } });
    assert.equal(res.status, 1);
    assert.match(res.stderr, /master key/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
