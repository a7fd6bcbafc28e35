// Test fixture: starts the real solder binary on a free loopback port with a fresh data directory,
// and stops it (SIGTERM) when the test is done. SOLDER_BIN names the binary (ctest sets it).
import { spawn, execFileSync } from 'node:child_process';
import { createDecipheriv, createPrivateKey, sign } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkAnswer } from './contract.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const BIN = process.env.SOLDER_BIN || path.join(here, '../../build/solder');

// A sanitizer report in a server's stderr fails the test file even when every request happened to
// get its answer: ThreadSanitizer ("WARNING: ThreadSanitizer"), AddressSanitizer ("ERROR:
// AddressSanitizer", LeakSanitizer too), UndefinedBehaviorSanitizer ("runtime error:").
const SANITIZER_REPORT = /WARNING: ThreadSanitizer|ERROR: (Address|Leak)Sanitizer|runtime error: /;
const reports = [];
process.on('exit', () => {
  if (reports.length === 0) return;
  console.error(`sanitizer report${reports.length > 1 ? 's' : ''} from the solder server:\n${reports.join('\n')}`);
  process.exitCode = 1;
});

export async function startServer(extraArgs = [], options = {}) {
  const dataDir = options.dataDir || mkdtempSync(path.join(tmpdir(), 'solder-api-'));
  const proc = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--data', dataDir, ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  // The server's own complaints (sanitizer reports among them) go to the test's stderr.
  let reported = false;
  proc.stderr.on('data', (d) => {
    err += d;
    process.stderr.write(d);
    if (!reported && SANITIZER_REPORT.test(err)) {
      reported = true;
      reports.push(err.slice(err.search(SANITIZER_REPORT)).split('\n').slice(0, 30).join('\n'));
    }
  });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out} ${err}`)), 15000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[0-9.]+:\d+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}: ${err}`)); });
  });
  const key = readFileSync(path.join(dataDir, 'dev-api-key'), 'utf8').trim();
  const server = {
    url, key, dataDir, proc,
    output: () => out,
    errors: () => err,
    crash() {
      return new Promise((resolve) => { proc.on('exit', resolve); proc.kill('SIGKILL'); });
    },
    cli: (...args) => execFileSync(BIN, [...args, '--data', dataDir], { encoding: 'utf8' }),
    // Stops with SIGTERM and removes the data directory unless { keep: true }. Throws when the
    // server wrote a sanitizer report, so the test that stops it fails.
    async stop({ keep = false } = {}) {
      let code = proc.exitCode;
      if (code === null && proc.signalCode === null) {
        code = await new Promise((resolve) => {
          proc.on('exit', (c) => resolve(c));
          proc.kill('SIGTERM');
        });
      }
      if (!keep) rmSync(dataDir, { recursive: true, force: true });
      if (reported) throw new Error(`the server wrote a sanitizer report:\n${err.slice(err.search(SANITIZER_REPORT))}`);
      return code;
    },
  };
  return server;
}

// Runs one SQL statement on the server's database with the sqlite3 shell (waiting for the server's
// locks); returns its output, trimmed. For tests that move a planned time forward.
export function sqlite(server, query) {
  return execFileSync('sqlite3', ['-cmd', '.timeout 5000', path.join(server.dataDir, 'solder.db'), query],
    { encoding: 'utf8' }).trim();
}

// fetch with the API key; returns {status, body, headers}. The answer is checked against the
// OpenAPI document (contract.mjs) unless unchecked is set (a test of answers outside it).
export async function api(server, method, p, { body, key = server.key, headers = {}, raw, unchecked } = {}) {
  const h = { ...headers };
  if (key) h.Authorization = `Bearer ${key}`;
  let payload = raw;
  if (body !== undefined) {
    h['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(server.url + p, { method, headers: h, body: payload });
  const text = await res.text();
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  if (!unchecked) checkAnswer(method, p, { status: res.status, text, headers: res.headers }, h);
  return { status: res.status, body: json, text, headers: res.headers };
}

// A new temporary connector directory holding the connector schema (which the server checks
// connector files against) and each given connector as APP.json; returns its path.
export function connectorDir(...connectors) {
  const dir = mkdtempSync(path.join(tmpdir(), 'solder-connectors-'));
  copyFileSync(path.join(here, '../../connectors/connector.schema.json'), path.join(dir, 'connector.schema.json'));
  for (const c of connectors) writeFileSync(path.join(dir, `${c.app}.json`), JSON.stringify(c));
  return dir;
}

export const ID_RE = /^[0-9a-f]{24}$/;

// Polls fn until it returns something truthy (returned), failing after timeoutMs with what.
export async function waitUntil(what, fn, timeoutMs = 20000) {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Opens a value sealed by the server: "v1." base64(nonce 12 || ciphertext || tag 16), AES-256-GCM
// under DATA/master.key.
export function openSealed(dataDir, sealed) {
  const key = Buffer.from(readFileSync(path.join(dataDir, 'master.key'), 'utf8').trim(), 'base64');
  const raw = Buffer.from(sealed.trim().slice(3), 'base64');
  const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  d.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString();
}

// A token signed with server's own key (read from its store, opened with the master key) over the
// given header and claims: for tokens the server would accept but for one claim.
export function signAsServer(server, header, payload) {
  const sealed = execFileSync('sqlite3', [path.join(server.dataDir, 'solder.db'),
    'SELECT private_pem FROM signing_keys ORDER BY created_at DESC LIMIT 1'], { encoding: 'utf8' });
  if (!/^v1\./.test(sealed)) throw new Error('the private key is not stored sealed');
  const pem = openSealed(server.dataDir, sealed);
  const b64url = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64url(header)}.${b64url(payload)}`;
  const sig = sign('sha256', Buffer.from(input), { key: createPrivateKey(pem), dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}
