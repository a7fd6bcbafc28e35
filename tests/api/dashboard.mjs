// Helpers for the dashboard's API tests: the setup link a server prints, operator accounts made with
// `solder admin`, signing in, and requests made the way the dashboard makes them (session cookie,
// X-CSRF-Token on state changes).
import { spawn } from 'node:child_process';
import { BIN, storeArgs, waitUntil } from './server.mjs';
import { checkAnswer } from './contract.mjs';

// The setup token of the link the server printed, once it has printed it.
export async function setupToken(server) {
  return waitUntil('the setup link', () => server.output().match(/\/setup\?token=([A-Za-z0-9_-]+)/)?.[1]);
}

// `solder admin ARGS...` on the server's store with stdin as given; resolves to {status,
// stdout, stderr}. It runs beside the test's event loop (an Argon2id hash takes a while), so the
// test's open connections to the server stay serviced meanwhile.
export function admin(server, args, input = '') {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, ['admin', ...args, ...storeArgs(server)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('error', reject);
    p.on('close', (status) => resolve({ status, stdout, stderr }));
    p.stdin.end(input);
  });
}

// An operator account made with `solder admin create`; rejects when the command fails.
export async function createAccount(server, email, password) {
  const r = await admin(server, ['create', '--email', email], `${password}\n`);
  if (r.status !== 0) throw new Error(`solder admin create ${email}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

// The value of the solder_session cookie a reply sets, or undefined.
export function sessionCookie(headers) {
  const line = headers.getSetCookie().find((c) => c.startsWith('solder_session='));
  return line?.split(';')[0].slice('solder_session='.length);
}

// A JSON request without an API key; session = {cookie, csrf} adds the cookie (and the CSRF token
// unless csrf: false or another token is given).
export async function dash(server, method, p, { body, session, csrf, headers = {} } = {}) {
  const h = { ...headers };
  if (session) {
    h.Cookie = `solder_session=${session.cookie}`;
    const token = csrf === undefined ? session.csrf : csrf;
    if (token) h['X-CSRF-Token'] = token;
  }
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const init = { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) };
  const res = await fetch(server.url + p, init);
  const text = await res.text();
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  checkAnswer(method, p, { status: res.status, text, headers: res.headers }, h);
  return { status: res.status, body: json, text, headers: res.headers };
}

// Signs in; returns the reply with .session = {cookie, csrf} when it succeeded.
export async function signIn(server, email, password) {
  const r = await dash(server, 'POST', '/auth/login', { body: { email, password } });
  if (r.status === 200) r.session = { cookie: sessionCookie(r.headers), csrf: r.body.csrfToken };
  return r;
}
