// Dashboard sign-in: the one-time setup link, sign-in and its throttling, the session cookie, CSRF,
// expiry, the environment switch, the admin command, and the security headers of dashboard pages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, api, storeContents, storeSql } from './server.mjs';
import { admin, createAccount, dash, sessionCookie, setupToken, signIn } from './dashboard.mjs';

const PASSWORD = 'correct horse battery';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// Opens /ws with only a Cookie header and returns the first text message (or the refusal).
function wsFirstMessage(server, cookie) {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), hostname);
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => { sock.destroy(); resolve(null); }, 3000);
    sock.on('error', reject);
    sock.on('connect', () => sock.write(['GET /ws HTTP/1.1', `Host: ${hostname}:${port}`, 'Upgrade: websocket',
      'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Protocol: solder-events', ...(cookie ? [`Cookie: solder_session=${cookie}`] : []), '', ''].join('\r\n')));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const frame = buf.subarray(end + 4);
      if (frame.length < 2 || frame.length < 2 + (frame[1] & 0x7f)) return;
      clearTimeout(timer);
      sock.destroy();
      resolve(JSON.parse(frame.subarray(2, 2 + (frame[1] & 0x7f)).toString()));
    });
  });
}

const sql = storeSql;
// Moves every failed-sign-in count `seconds` into the past, as if that time had passed.
const age = (server, seconds) => sql(server, `UPDATE login_failures SET first_at = first_at - ${seconds * 1000}`);

test('the setup link: printed once, creates the first account and signs in, works once, expires', async () => {
  let s = await startServer();
  try {
    const token = await setupToken(s);
    assert.equal(s.output().split(token).length - 1, 1, 'the token is printed exactly once');
    assert.deepEqual((await dash(s, 'GET', '/auth/state')).body, { setupRequired: true });

    const wrong = await dash(s, 'POST', '/auth/setup', { body: { token: 'x'.repeat(43), email: 'ops@acme.test', password: PASSWORD } });
    assert.equal(wrong.status, 403);
    const weak = await dash(s, 'POST', '/auth/setup', { body: { token, email: 'ops@acme.test', password: 'short' } });
    assert.equal(weak.status, 422);
    assert.match(weak.body.message, /10 characters/);
    const badEmail = await dash(s, 'POST', '/auth/setup', { body: { token, email: 'not-an-email', password: PASSWORD } });
    assert.equal(badEmail.status, 422);

    const ok = await dash(s, 'POST', '/auth/setup', { body: { token, email: 'ops@acme.test', password: PASSWORD } });
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.body.email, 'ops@acme.test');
    assert.equal(ok.body.environment, 'development');
    const session = { cookie: sessionCookie(ok.headers), csrf: ok.body.csrfToken };
    assert.equal((await dash(s, 'GET', '/auth/session', { session })).status, 200, 'setup signs in');
    assert.deepEqual((await dash(s, 'GET', '/auth/state')).body, { setupRequired: false });
    assert.equal((await dash(s, 'POST', '/auth/setup', { body: { token, email: 'b@acme.test', password: PASSWORD } })).status, 409);

    // With the account gone, the used token still does not work: it was for one use.
    assert.equal((await admin(s, ['delete', '--email', 'ops@acme.test'])).status, 0);
    assert.equal((await dash(s, 'POST', '/auth/setup', { body: { token, email: 'b@acme.test', password: PASSWORD } })).status, 403);
    assert.equal(sql(s, 'SELECT count(*) FROM dashboard_setup_tokens').trim(), '0');

    // A restart without accounts prints a new link; an expired one is refused.
    await s.stop({ keep: true });
    s = await startServer([], { dataDir: s.dataDir });
    const fresh = await setupToken(s);
    assert.notEqual(fresh, token);
    sql(s, `UPDATE dashboard_setup_tokens SET expires_at = ${Date.now() - 1000}`);
    assert.equal((await dash(s, 'POST', '/auth/setup', { body: { token: fresh, email: 'c@acme.test', password: PASSWORD } })).status, 403);
    assert.equal((await dash(s, 'GET', '/auth/state')).body.setupRequired, true);
  } finally {
    await s.stop();
  }
});

test('sign-in: one message for a wrong email and a wrong password; JSON bodies only; cookie flags', async () => {
  const s = await startServer();
  try {
    await createAccount(s, 'ops@acme.test', PASSWORD);
    const noEmail = await signIn(s, 'nobody@acme.test', PASSWORD);
    const noPassword = await signIn(s, 'ops@acme.test', 'wrong password here');
    for (const r of [noEmail, noPassword]) {
      assert.equal(r.status, 401);
      assert.deepEqual(r.body, { message: 'Wrong email or password.', code: 'bad_credentials' });
      assert.equal(sessionCookie(r.headers), undefined);
    }
    for (const body of [undefined, [], { email: 'ops@acme.test' }, { email: 1, password: PASSWORD }, { email: 'ops@acme.test', password: null }]) {
      const r = await fetch(`${s.url}/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body) });
      assert.equal(r.status, 422, JSON.stringify(body));
      assert.equal((await r.json()).code, 'validation_failed');
    }
    const notJson = await fetch(`${s.url}/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"email":' });
    assert.equal(notJson.status, 400);
    const asForm = await fetch(`${s.url}/auth/login`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ email: 'ops@acme.test', password: PASSWORD }) });
    assert.equal(asForm.status, 415, 'a cross-site form cannot sign a browser in');

    const ok = await signIn(s, 'OPS@acme.test', PASSWORD);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.email, 'ops@acme.test');
    assert.equal(ok.body.environment, 'development');
    assert.match(ok.body.csrfToken, /^[A-Za-z0-9_-]{43}$/);
    const line = ok.headers.getSetCookie().find((c) => c.startsWith('solder_session='));
    assert.match(line, /^solder_session=[A-Za-z0-9_-]{43}; /);
    for (const flag of ['Path=/', 'HttpOnly', 'SameSite=Strict']) assert.ok(line.includes(flag), `${flag} in ${line}`);
    assert.ok(!line.includes('Secure'), 'no Secure flag over http');
    // Only the session's hash is stored.
    assert.equal(sql(s, `SELECT count(*) FROM dashboard_sessions WHERE id_hash = '${ok.session.cookie}'`).trim(), '0');
    const session = await dash(s, 'GET', '/auth/session', { session: ok.session });
    assert.equal(session.status, 200);
    assert.equal(session.body.csrfToken, ok.body.csrfToken);
    assert.ok(Date.parse(session.body.expiresAt) > Date.now());
    assert.equal((await dash(s, 'GET', '/auth/session')).status, 401);
    assert.equal((await dash(s, 'GET', '/auth/session', { session: { cookie: 'A'.repeat(43) } })).status, 401);
  } finally {
    await s.stop();
  }
});

test('the cookie is Secure when the public URL is https', async () => {
  const s = await startServer(['--public-url', 'https://dashboard.acme.test']);
  try {
    await createAccount(s, 'ops@acme.test', PASSWORD);
    const ok = await signIn(s, 'ops@acme.test', PASSWORD);
    assert.match(ok.headers.getSetCookie().find((c) => c.startsWith('solder_session=')), /; Secure/);
  } finally {
    await s.stop();
  }
});

test('CSRF: state changes need the session token; sign-out ends the session server-side', async () => {
  const s = await startServer();
  try {
    await createAccount(s, 'ops@acme.test', PASSWORD);
    const { session } = await signIn(s, 'ops@acme.test', PASSWORD);
    const none = await dash(s, 'POST', '/users', { session, csrf: false, body: { username: 'csrf-a' } });
    assert.equal(none.status, 403);
    assert.equal(none.body.code, 'csrf');
    const wrong = await dash(s, 'POST', '/users', { session, csrf: 'B'.repeat(43), body: { username: 'csrf-a' } });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.code, 'csrf');
    assert.equal((await dash(s, 'PUT', '/auth/session', { session, csrf: false, body: { environment: 'production' } })).body.code, 'csrf');
    assert.equal((await dash(s, 'POST', '/auth/logout', { session, csrf: false })).status, 403);
    assert.equal((await api(s, 'GET', '/users')).body.data.length, 0, 'nothing was created without the token');

    const made = await dash(s, 'POST', '/users', { session, body: { username: 'csrf-a' } });
    assert.equal(made.status, 200, made.text);
    assert.equal((await dash(s, 'GET', '/users', { session, csrf: false })).body.data.length, 1, 'reads need no token');

    const out = await dash(s, 'POST', '/auth/logout', { session });
    assert.equal(out.status, 204);
    assert.match(out.headers.getSetCookie()[0], /^solder_session=; Path=\/; Max-Age=0;/);
    for (const [m, p] of [['GET', '/auth/session'], ['GET', '/users'], ['POST', '/auth/logout']])
      assert.equal((await dash(s, m, p, { session })).status, 401, `replayed cookie on ${m} ${p}`);
  } finally {
    await s.stop();
  }
});

test('sessions end when idle and at their absolute limit', async () => {
  const s = await startServer(['--session-idle', '3', '--session-max', '6']);
  try {
    await createAccount(s, 'ops@acme.test', PASSWORD);
    const idle = (await signIn(s, 'ops@acme.test', PASSWORD)).session;
    assert.equal((await dash(s, 'GET', '/auth/session', { session: idle })).status, 200);
    await sleep(3300);
    assert.equal((await dash(s, 'GET', '/auth/session', { session: idle })).status, 401, 'idle session ended');

    const busy = (await signIn(s, 'ops@acme.test', PASSWORD)).session;
    const started = Date.now();
    let last = 200;
    while (Date.now() - started < 9000 && last === 200) {
      last = (await dash(s, 'GET', '/auth/session', { session: busy })).status;
      await sleep(200);
    }
    const lasted = Date.now() - started;
    assert.equal(last, 401, 'a session in use still ends at its absolute limit');
    assert.ok(lasted >= 4500, `kept alive by use until the limit (lasted ${lasted} ms)`);
  } finally {
    await s.stop();
  }
});

test('a session acts on one environment, switched in place; API keys work as before', async () => {
  const s = await startServer();
  try {
    await createAccount(s, 'ops@acme.test', PASSWORD);
    const { session } = await signIn(s, 'ops@acme.test', PASSWORD);
    assert.equal((await dash(s, 'POST', '/users', { session, body: { username: 'dev-only' } })).status, 200);
    const sw = await dash(s, 'PUT', '/auth/session', { session, body: { environment: 'production' } });
    assert.equal(sw.status, 200);
    assert.equal(sw.body.environment, 'production');
    assert.equal((await dash(s, 'PUT', '/auth/session', { session, body: { environment: 'staging' } })).status, 422);
    assert.deepEqual((await dash(s, 'GET', '/users', { session })).body.data, [], 'production sees no development user');
    assert.equal((await dash(s, 'GET', '/users/dev-only', { session })).status, 404);
    assert.equal((await dash(s, 'POST', '/users', { session, body: { username: 'prod-only' } })).status, 200);
    assert.equal((await dash(s, 'GET', '/auth/session', { session })).body.environment, 'production');
    // The live channel accepts the cookie too, on the session's environment.
    const ready = await wsFirstMessage(s, session.cookie);
    assert.deepEqual(ready, { type: 'ready', scope: 'environment', environment: 'production' });
    assert.equal(await wsFirstMessage(s, 'A'.repeat(43)), null, 'an unknown cookie gets nothing');

    // The development API key sees its own environment only, as before.
    const dev = (await api(s, 'GET', '/users')).body.data.map((u) => u.username);
    assert.deepEqual(dev, ['dev-only']);
    assert.equal((await api(s, 'GET', '/users', { key: 'sk_dev_nope' })).status, 401);
    // An API key is not a session: the sign-in routes refuse it.
    const withKey = await api(s, 'GET', '/auth/session');
    assert.equal(withKey.status, 403);
    assert.equal(withKey.body.code, 'forbidden');
    // A wrong API key next to a valid cookie is still refused: the key decides.
    const both = await dash(s, 'GET', '/users', { session, headers: { Authorization: 'Bearer sk_dev_nope' } });
    assert.equal(both.status, 401);
  } finally {
    await s.stop();
  }
});

test('throttling per account: 429 with Retry-After, even for the right password, then recovery', async () => {
  const s = await startServer(['--login-lockout', '60']);
  try {
    await createAccount(s, 'ops@acme.test', PASSWORD);
    await createAccount(s, 'other@acme.test', PASSWORD);
    for (let i = 0; i < 5; i++) assert.equal((await signIn(s, 'ops@acme.test', `wrong-${i}-password`)).status, 401);
    const locked = await signIn(s, 'ops@acme.test', PASSWORD);
    assert.equal(locked.status, 429);
    assert.equal(locked.body.code, 'rate_limited');
    const wait = Number(locked.headers.get('retry-after'));
    assert.ok(wait >= 1 && wait <= 60, `Retry-After ${wait} within --login-lockout`);
    assert.equal((await signIn(s, 'other@acme.test', PASSWORD)).status, 200, 'another account is not locked');
    assert.equal((await signIn(s, 'ops@acme.test', PASSWORD)).status, 429, 'still locked');
    age(s, 61);
    assert.equal((await signIn(s, 'ops@acme.test', PASSWORD)).status, 200, 'recovered after the lockout');
    assert.equal((await signIn(s, 'ops@acme.test', 'wrong password again')).status, 401, 'and counts afresh');
  } finally {
    await s.stop();
  }
});

test('throttling per address: failures across accounts lock the address, then recovery', async () => {
  const s = await startServer();
  try {
    await createAccount(s, 'ops@acme.test', PASSWORD);
    for (let i = 0; i < 20; i++) assert.equal((await signIn(s, `guess${i}@acme.test`, 'wrong password')).status, 401);
    const locked = await signIn(s, 'ops@acme.test', PASSWORD);
    assert.equal(locked.status, 429, 'an account never tried is refused from this address');
    const wait = Number(locked.headers.get('retry-after'));
    assert.ok(wait > 60 && wait <= 900, `Retry-After ${wait} within the default 15 minutes`);
    age(s, 901);
    assert.equal((await signIn(s, 'ops@acme.test', PASSWORD)).status, 200);
  } finally {
    await s.stop();
  }
});

test('solder admin create, list, delete, reset-password (password on stdin, never stored or logged in clear)', async () => {
  const s = await startServer();
  try {
    const created = await admin(s, ['create', '--email', 'ops@acme.test'], `${PASSWORD}\n`);
    assert.equal(created.status, 0, created.stderr);
    assert.match(created.stdout, /created dashboard account ops@acme\.test/);
    assert.equal((await admin(s, ['create', '--email', 'OPS@acme.test'], `${PASSWORD}\n`)).status, 1, 'the email is taken in any case');
    const weak = await admin(s, ['create', '--email', 'b@acme.test'], 'short\n');
    assert.equal(weak.status, 1);
    assert.match(weak.stderr, /10 characters/);
    assert.equal((await admin(s, ['create', '--email', 'b@acme.test'], '')).status, 1, 'no password, no account');
    assert.equal((await admin(s, ['create', '--email', 'not-an-email'], `${PASSWORD}\n`)).status, 1);
    assert.equal((await admin(s, ['create'])).status, 2);
    assert.equal((await admin(s, ['frobnicate'])).status, 2);
    assert.equal((await dash(s, 'GET', '/auth/state')).body.setupRequired, false);

    const listed = await admin(s, ['list']);
    assert.equal(listed.status, 0);
    assert.match(listed.stdout, /^[0-9a-f]{24} {2}\S+ {2}ops@acme\.test$/m);
    assert.equal(listed.stdout.trim().split('\n').length, 1);

    const { session } = await signIn(s, 'ops@acme.test', PASSWORD);
    const NEW = 'a different passphrase';
    const reset = await admin(s, ['reset-password', '--email', 'ops@acme.test'], `${NEW}\n`);
    assert.equal(reset.status, 0, reset.stderr);
    assert.equal((await dash(s, 'GET', '/auth/session', { session })).status, 401, 'reset ends sessions');
    assert.equal((await signIn(s, 'ops@acme.test', PASSWORD)).status, 401);
    const again = await signIn(s, 'ops@acme.test', NEW);
    assert.equal(again.status, 200);
    assert.equal((await admin(s, ['reset-password', '--email', 'nobody@acme.test'], `${NEW}\n`)).status, 1);

    assert.equal((await admin(s, ['delete', '--email', 'ops@acme.test'])).status, 0);
    assert.equal((await dash(s, 'GET', '/auth/session', { session: again.session })).status, 401, 'delete ends sessions');
    assert.equal((await signIn(s, 'ops@acme.test', NEW)).status, 401);
    assert.equal((await admin(s, ['delete', '--email', 'ops@acme.test'])).status, 1);

    // Stored as Argon2id; neither password appears in the database or the server's output.
    await createAccount(s, 'c@acme.test', PASSWORD);
    assert.match(sql(s, "SELECT password_hash FROM dashboard_accounts WHERE email = 'c@acme.test'"), /^\$argon2id\$v=19\$/);
    const stored = storeContents(s);
    assert.ok(stored.length >= 1);
    for (const { name, bytes } of stored) {
      for (const pw of [PASSWORD, NEW]) assert.equal(bytes.indexOf(pw), -1, `${pw} in ${name}`);
    }
    for (const pw of [PASSWORD, NEW]) {
      assert.ok(!s.output().includes(pw) && !s.errors().includes(pw), 'password in the server output');
      assert.ok(!created.stdout.includes(pw) && !reset.stdout.includes(pw), 'password in the CLI output');
    }
  } finally {
    await s.stop();
  }
});

test('dashboard pages: the shell at / and page paths for browsers, security headers; modal stays frameable', async () => {
  const s = await startServer();
  try {
    const html = { Accept: 'text/html,application/xhtml+xml' };
    for (const p of ['/', '/sign-in', '/setup', '/integrations', '/integrations/abc', '/users', '/settings', '/workflows/x/y', '/dashboard/index.html']) {
      const r = await dash(s, 'GET', p, { headers: html });
      assert.equal(r.status, 200, p);
      assert.match(r.headers.get('content-type'), /^text\/html/, p);
      const csp = r.headers.get('content-security-policy');
      assert.ok(csp && csp.includes("default-src 'self'") && csp.includes("frame-ancestors 'none'") &&
        !csp.includes('unsafe-inline'), `${p}: ${csp}`);
      assert.equal(r.headers.get('x-frame-options'), 'DENY', p);
      assert.equal(r.headers.get('referrer-policy'), 'same-origin', p);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff', p);
    }
    // Without a browser's Accept the API keeps its paths; without any route the shell still answers.
    assert.equal((await api(s, 'GET', '/users')).body.data.length, 0);
    assert.equal((await dash(s, 'GET', '/users')).status, 401);
    assert.equal((await dash(s, 'GET', '/sign-in')).status, 200);
    assert.equal((await dash(s, 'GET', '/2024-03/users', { headers: html })).status, 401, 'versioned API paths are never pages');
    assert.equal((await dash(s, 'POST', '/sign-in', { headers: html })).status, 404);
    assert.equal((await dash(s, 'GET', '/nothing-here', { headers: html })).status, 404);

    for (const p of ['/forge-install', '/embedded-install', '/modal/modal.js']) {
      const r = await dash(s, 'GET', p, { headers: html });
      assert.equal(r.status, 200, p);
      assert.equal(r.headers.get('x-frame-options'), null, `${p} stays frameable`);
      assert.ok(!(r.headers.get('content-security-policy') || '').includes("frame-ancestors 'none'"), p);
    }
  } finally {
    await s.stop();
  }
});
