// The solder binary's command line: help, usage errors, key management, clean shutdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, startServer, api, newStore, storeArgs } from './server.mjs';

const run = (...args) => spawnSync(BIN, args, { encoding: 'utf8' });

test('help describes every command and flag', () => {
  const top = run('--help');
  assert.equal(top.status, 0);
  for (const cmd of ['serve', 'key', 'import', 'export', 'map', 'schema']) assert.match(top.stdout, new RegExp(`\\b${cmd}\\b`));
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
  const store = newStore('solder-cli-');
  try {
    const r = run('key', 'create', '--env', 'production', ...storeArgs(store));
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^sk_prod_[A-Za-z0-9_-]{43}\n$/);
    assert.equal(run('key', 'revoke', 'ffffffffffffffffffffffff', ...storeArgs(store)).status, 1);
  } finally {
    store.remove();
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
  const again = spawnSync(BIN, ['key', 'list', ...storeArgs(s)], { encoding: 'utf8' });
  assert.equal(again.status, 0);
  assert.equal(again.stdout.trim().split('\n').length, 1);
  assert.ok(readFileSync(path.join(dir, 'dev-api-key'), 'utf8').startsWith('sk_dev_'));
  rmSync(dir, { recursive: true, force: true });
});

test('import validates everything first, then loads and releases; export gives it back', () => {
  const store = newStore('solder-import-');
  const file = path.join(store.dataDir, 'catalog.json');
  const catalog = {
    events: [{ name: 'Fulfillment Updated', description: 'AcmeCo fulfilment changed',
      body: { orderId: 'String', status: 'String' } }],
    integrations: [{ name: 'BigCommerce', app: 'bigcommerce', workflows: [
      { name: 'Fulfillment → sink', trigger: { type: 'customEvent', event: 'Fulfillment Updated' },
        fields: [{ name: 'sinkUrl', required: true, schema: { type: 'string' } }],
        blocks: [{ id: 'stream', type: 'streamData', inputs: { url: 'config.sinkUrl', body: 'event' } }] },
      { name: 'Hook', trigger: { type: 'webhook' }, blocks: [] }] }],
  };
  try {
    // An invalid document: every problem reported, nothing written.
    const bad = structuredClone(catalog);
    bad.integrations[0].workflows[1].blocks = [{ id: 'x', type: 'nope' }];
    bad.events[0].schema = { type: 'nonsense' };
    writeFileSync(file, JSON.stringify(bad));
    let r = run('import', file, '--env', 'development', ...storeArgs(store));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /\/integrations\/0\/workflows\/1\/blocks\/0\/type/);
    assert.match(r.stderr, /\/events\/0/);
    assert.match(r.stderr, /nothing was imported/);
    r = run('export', '--env', 'development', ...storeArgs(store));
    assert.deepEqual(JSON.parse(r.stdout), { events: [], integrations: [] });

    writeFileSync(file, JSON.stringify(catalog));
    r = run('import', file, '--env', 'development', ...storeArgs(store));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /workflow Fulfillment → sink: released version 1/);
    assert.match(r.stdout, /workflow Hook: released version 1/);
    r = run('import', file, '--env', 'development', ...storeArgs(store));
    assert.match(r.stdout, /Fulfillment → sink: unchanged/);
    catalog.integrations[0].workflows[1].description = 'changed';
    writeFileSync(file, JSON.stringify(catalog));
    r = run('import', file, '--env', 'development', ...storeArgs(store));
    assert.match(r.stdout, /workflow Hook: released version 2/);

    const out = JSON.parse(run('export', '--env', 'development', ...storeArgs(store)).stdout);
    assert.deepEqual(out.events[0].body, catalog.events[0].body);
    assert.deepEqual(out.integrations[0].workflows, catalog.integrations[0].workflows);
    const prod = JSON.parse(run('export', '--env', 'production', ...storeArgs(store)).stdout);
    assert.deepEqual(prod.integrations, [], 'environments stay apart');
    assert.equal(run('import', file, '--env', 'staging', ...storeArgs(store)).status, 2);
  } finally {
    store.remove();
  }
});

test('schema from-sample prints exactly what docs/schemas.md shows for the Fulfillment Updated event', () => {
  const doc = readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), '../../docs/schemas.md'), 'utf8');
  const shown = doc.split('this is exactly what `solder schema from-sample` prints for it):')[1].split('```json\n')[1].split('```')[0];
  const dir = mkdtempSync(path.join(tmpdir(), 'solder-sample-'));
  try {
    const file = path.join(dir, 'fulfillment.json');
    writeFileSync(file, '{"orderId": "String", "status": "String"}');
    const r = run('schema', 'from-sample', file);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, shown);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
