// The solder binary's command line: help, usage errors, key management, clean shutdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, startServer, api } from './server.mjs';

const run = (...args) => spawnSync(BIN, args, { encoding: 'utf8' });

test('help describes every command and flag', () => {
  const top = run('--help');
  assert.equal(top.status, 0);
  for (const cmd of ['serve', 'key', 'map', 'schema']) assert.match(top.stdout, new RegExp(`\\b${cmd}\\b`));
  const serve = run('serve', '--help');
  assert.equal(serve.status, 0);
  for (const flag of ['--listen', '--data', '--public-url', 'SOLDER_LISTEN', 'SOLDER_DATA']) {
    assert.ok(serve.stdout.includes(flag), flag);
  }
  const key = run('key', '--help');
  assert.equal(key.status, 0);
  assert.match(key.stdout, /create --env development\|production/);
});

test('unknown commands and flags exit 2 with a message', () => {
  let r = run('frobnicate');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
  r = run('serve', '--no-such-flag');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown option --no-such-flag/);
  r = run('key', 'create', '--env', 'staging');
  assert.equal(r.status, 2);
  r = run('serve', '--listen', 'nonsense');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /ADDR:PORT/);
});

test('key create prints only the key; the first start writes dev-api-key 0600', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'solder-cli-'));
  try {
    const r = run('key', 'create', '--env', 'production', '--data', dir);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^sk_prod_[A-Za-z0-9_-]{43}\n$/);
    assert.equal(run('key', 'revoke', 'ffffffffffffffffffffffff', '--data', dir).status, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const s = await startServer();
  const mode = statSync(path.join(s.dataDir, 'dev-api-key')).mode & 0o777;
  assert.equal(mode, 0o600);
  assert.ok(s.output().includes(s.key), 'the key is printed once on first start');
  assert.equal(await s.stop(), 0);
});

test('SIGTERM stops the server cleanly; the data survives a restart', async () => {
  const s = await startServer();
  await api(s, 'POST', '/users', { body: { username: 'survivor' } });
  const dir = s.dataDir;
  const code = await new Promise((resolve) => { s.proc.on('exit', resolve); s.proc.kill('SIGTERM'); });
  assert.equal(code, 0);
  assert.match(s.output(), /stopped/);
  // Restart on the same directory: no new key printed, the user is still there.
  const again = spawnSync(BIN, ['key', 'list', '--data', dir], { encoding: 'utf8' });
  assert.equal(again.status, 0);
  assert.equal(again.stdout.trim().split('\n').length, 1);
  assert.ok(readFileSync(path.join(dir, 'dev-api-key'), 'utf8').startsWith('sk_dev_'));
  rmSync(dir, { recursive: true, force: true });
});
