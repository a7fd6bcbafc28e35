// --database URL (and SOLDER_DATABASE): every command that opens the store finds it there rather
// than in the data directory, and every thread of the server (API, engine workers, the hooks
// thread of app triggers) works on it; a URL Solder cannot serve is refused with a clear
// message that never repeats a password.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, startServer, api, waitUntil, onPostgres } from './server.mjs';
import { startSink, startStub } from './sink.mjs';

const V = '/2024-03';
const run = (args, env = {}) => spawnSync(BIN, args, { encoding: 'utf8', env: { ...process.env, ...env } });

test('serve --database sqlite:PATH: the API, the workers and the hooks thread all use PATH', {
  skip: onPostgres && 'SQLite only: the store is the sqlite: URL the test gives, the same on either run',
}, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'solder-dburl-'));
  const db = path.join(dir, 'elsewhere', 'store.db');
  mkdirSync(path.dirname(db));
  const sink = await startSink();
  const hooks = [];
  const shop = await startStub((req) => {
    if (req.method === 'POST' && req.url.endsWith('/webhooks.json')) {
      hooks.push(JSON.parse(req.body).webhook);
      return { status: 201, body: { webhook: { id: 7, ...JSON.parse(req.body).webhook } } };
    }
    return { status: 404, body: {} };
  });
  const data = path.join(dir, 'data');
  const s = await startServer(['--database', `sqlite:${db}`, '--allow-private-network', '--workers', '1'], { dataDir: data });
  try {
    assert.ok(existsSync(db), 'the store is at the URL');
    assert.ok(!existsSync(path.join(data, 'solder.db')), 'and not in the data directory');
    assert.ok(existsSync(path.join(data, 'master.key')), 'the master key stays in the data directory');

    assert.equal((await api(s, 'POST', `${V}/events`, { body: { name: 'Ping', body: { n: 'Number' } } })).status, 200);
    const integrationId = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'Shopify', app: 'shopify' } })).body.integrationId;
    const userId = (await api(s, 'POST', `${V}/users`, { body: { username: 'dburl' } })).body.userId;
    const install = async (definition) => {
      const w = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition } });
      assert.equal(w.body.valid, true, JSON.stringify(w.body));
      assert.equal((await api(s, 'POST', `${V}/workflows/${w.body.workflowId}/release`)).status, 200);
      const start = await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId, integrationId, workflowIds: [w.body.workflowId] } });
      const done = await api(s, 'POST', `${V}/headless/completeInstallation`, { body: {
        installationId: start.body.installationId, data: [{ workflowId: w.body.workflowId, blockId: 'config', fields: [] }] } });
      assert.equal(done.status, 200, JSON.stringify(done.body));
    };
    await install({ name: 'Ping to sink', trigger: { type: 'customEvent', event: 'Ping' },
      blocks: [{ id: 'stream', type: 'streamData', inputs: { url: `"${sink.url}/ping"`, body: 'event' } }] });
    const ran = await api(s, 'POST', `${V}/run/event`, { body: { event: 'Ping', userId, data: { n: 1 } } });
    assert.equal(ran.status, 200);
    await sink.waitFor('/ping', 1);
    assert.equal(JSON.parse(sink.on('/ping')[0].body).n, 1, 'a worker ran the execution from the store at the URL');

    const cred = await api(s, 'POST', `${V}/headless/credentials`, { body: { userId, credential: { type: 'shopify',
      data: { shopSubdomain: 'my-shop', accessToken: 'shpat_ok', webhookSecret: 'shpss_x', baseUrl: `${shop.url}/admin/api/2024-01` } } } });
    assert.equal(cred.status, 200, JSON.stringify(cred.body));
    await install({ name: 'Orders', trigger: { type: 'app', app: 'shopify', trigger: 'orderCreated' },
      blocks: [{ id: 'stream', type: 'streamData', inputs: { url: `"${sink.url}/order"`, body: 'event' } }] });
    const hook = await waitUntil('the hooks thread subscribes', () => hooks[0]);
    assert.equal(hook.topic, 'orders/create', 'the hooks thread read the installation from the store at the URL');
    assert.ok(!existsSync(path.join(data, 'solder.db')), 'no thread opened a store in the data directory');

    // The store's lock file sits beside the store: a restore into it through another data
    // directory still finds the running server.
    const refused = run(['restore', db, '--data', path.join(dir, 'other'), '--database', `sqlite:${db}`, '--force']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /a server is running on .*store\.db.*stop it first/);
  } finally {
    assert.equal(await s.stop({ keep: true }), 0);
    await sink.close();
    await shop.close();
  }

  // Other commands take the same flag, or SOLDER_DATABASE.
  const keys = run(['key', 'list', '--data', data, '--database', `sqlite:${db}`]);
  assert.equal(keys.status, 0, keys.stderr);
  assert.match(keys.stdout, /development/, 'the key the server made is in the store at the URL');
  const viaEnv = run(['export', '--env', 'development', '--data', data], { SOLDER_DATABASE: `sqlite:${db}` });
  assert.equal(viaEnv.status, 0, viaEnv.stderr);
  assert.match(viaEnv.stdout, /Ping to sink/);
  const copy = path.join(dir, 'copy.db');
  const b = run(['backup', copy, '--data', data, '--database', `sqlite:${db}`]);
  assert.equal(b.status, 0, b.stderr);
  assert.match(b.stdout, new RegExp(`${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} ->`));
  const empty = run(['export', '--env', 'development', '--data', data]);
  assert.equal(empty.status, 0, empty.stderr);
  assert.doesNotMatch(empty.stdout, /Ping to sink/, 'without the flag the data directory\'s own store is used');
  rmSync(dir, { recursive: true, force: true });
});

test('a database URL Solder cannot serve is refused clearly, and its password is never repeated', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'solder-dburl-'));
  try {
    for (const [url, why] of [
      // Nothing listens on port 1: the connection is refused at once.
      ['postgres://solder:hunter2secret@127.0.0.1:1/solder', /cannot connect to PostgreSQL/],
      ['postgresql://solder:hunter2secret@127.0.0.1:1/solder?sslmode=disable', /cannot connect to PostgreSQL/],
      ['mysql://solder:hunter2secret@db/solder', /must be sqlite:PATH or postgres:\/\/.*, not a "mysql" URL/],
      ['sqlite:', /must be sqlite:PATH/],
    ]) {
      for (const args of [['serve', '--listen', '127.0.0.1:0'], ['key', 'list'], ['admin', 'list'], ['export', '--env', 'development']]) {
        const r = run([...args, '--data', path.join(dir, 'data'), '--database', url]);
        assert.notEqual(r.status, 0, `${args[0]} ${url}`);
        assert.match(r.stderr, why, `${args[0]} ${url}: ${r.stderr}`);
        assert.doesNotMatch(r.stdout + r.stderr, /hunter2secret/);
      }
    }
    assert.ok(!existsSync(path.join(dir, 'data', 'solder.db')), 'nothing was created in the data directory');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
