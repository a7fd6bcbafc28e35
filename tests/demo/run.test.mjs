// `make demo`'s script (demo/run.sh) as a person runs it, with DEMO_SMOKE=1 (print the URLs, then
// stop): the first start seeds the catalog and makes the dashboard's operator account, printing its
// generated password once and keeping it 0600 in the data directory; that account signs in to the
// dashboard; a second start prints where the password is, not the password.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, BIN } from '../api/server.mjs';
import { signIn } from '../api/dashboard.mjs';
import { freePort } from './demo.mjs';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '../..');
const data = mkdtempSync(path.join(tmpdir(), 'solder-demo-run-'));
after(() => rmSync(data, { recursive: true, force: true }));

async function runDemo() {
  const env = { ...process.env, DEMO_SMOKE: '1', DEMO_DATA: data, SOLDER_PORT: String(await freePort()),
    ACMECO_PORT: String(await freePort()), SANDBOX_PORT: String(await freePort()) };
  const started = Date.now();
  const r = spawnSync(path.join(ROOT, 'demo/run.sh'), [path.dirname(BIN)], { env, encoding: 'utf8', timeout: 120000 });
  assert.equal(r.status, 0, `demo/run.sh: ${r.stdout}\n${r.stderr}`);
  console.log(`demo: run.sh started and stopped the three servers in ${Date.now() - started} ms`);
  return { out: r.stdout, solderUrl: `http://127.0.0.1:${env.SOLDER_PORT}` };
}

test('the first start makes the dashboard account and prints its password once', async () => {
  const { out, solderUrl } = await runDemo();
  const m = out.match(/Dashboard\s+(\S+)\s+sign in as (\S+), password (\S+) \(shown once; kept in (\S+)\)/);
  assert.ok(m, out);
  const [, url, email, password, file] = m;
  assert.equal(url, `${solderUrl}/`);
  assert.equal(email, 'admin@acmeco.example');
  assert.equal(file, path.join(data, 'dashboard-password'));
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(readFileSync(file, 'utf8').trim(), password);
  assert.ok(password.length >= 16);
  assert.doesNotMatch(readFileSync(path.join(data, 'solder.log'), 'utf8'), /setup\?token=/, 'no setup link: the account exists');

  const s = await startServer([], { dataDir: path.join(data, 'solder') });
  const ok = await signIn(s, email, password);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal((await signIn(s, email, `${password}x`)).status, 401);
  assert.equal(await s.stop({ keep: true }), 0);
});

test('a later start prints where the password is, not the password', async () => {
  const password = readFileSync(path.join(data, 'dashboard-password'), 'utf8').trim();
  const { out } = await runDemo();
  assert.match(out, /Dashboard\s+\S+\s+sign in as admin@acmeco\.example, password in \S+dashboard-password/);
  assert.ok(!out.includes(password));
});
