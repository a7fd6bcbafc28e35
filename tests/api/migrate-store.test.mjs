// `solder migrate-store`: an installation that ran on SQLite is copied into a PostgreSQL database,
// and a server started on that database with the same data directory (the same master key) gives
// the same answers — users in the same order (several made in one batch, in one millisecond),
// executions, the dev API key, a credential whose sealed secret still opens and is sent. A target
// that already holds an installation is refused and left as it was; a running source is refused; a
// password in a URL is never printed. And back: PostgreSQL into a new SQLite file.
// Under CI=true a missing PostgreSQL package fails the run instead of skipping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, startServer, api } from './server.mjs';
import { startSink } from './sink.mjs';
import { startPostgres } from './dbservers.mjs';

const V = '/2024-03';
const CI = process.env.CI === 'true';
const SECRET = `k-secret-${Date.now()}`;
const run = (...args) => spawnSync(BIN, ['migrate-store', ...args], { encoding: 'utf8' });

// What the API answers about the installation: compared before and after the move.
async function answers(s, workflowId, userId) {
  const users = await api(s, 'GET', '/users?limit=100');
  assert.equal(users.status, 200, JSON.stringify(users.body));
  const executions = await api(s, 'GET', `${V}/logs/executions?limit=100`);
  assert.equal(executions.status, 200, JSON.stringify(executions.body));
  const logs = await api(s, 'GET', `${V}/workflows/${workflowId}/logs?userId=${userId}&limit=30`);
  assert.equal(logs.status, 200, JSON.stringify(logs.body));
  const credentials = await api(s, 'GET', `/users/${userId}/credentials`);
  assert.equal(credentials.status, 200, JSON.stringify(credentials.body));
  return { users: users.body, executions: executions.body, logs: logs.body, credentials: credentials.body };
}

test('migrate-store copies a SQLite installation into PostgreSQL and back; the same answers come back', async (t) => {
  const db = await startPostgres();
  if (!db && CI) throw new Error('postgresql is not installed (scripts/bootstrap.sh installs it)');
  if (!db) return t.skip('postgresql is not installed');
  const dir = mkdtempSync(path.join(tmpdir(), 'solder-migrate-'));
  const data = path.join(dir, 'data');
  const sink = await startSink();
  const pgUrl = (database, password = db.password) =>
    `postgres://${db.user}:${password}@${db.host}:${db.port}/${database}`;
  const psql = (database, text) => execFileSync('psql', ['-h', db.host, '-p', String(db.port), '-U', db.user,
    '-d', database, '-v', 'ON_ERROR_STOP=1', '-tAc', text],
  { encoding: 'utf8', env: { ...process.env, PGPASSWORD: db.password } }).trim();
  let s = null;
  try {
    db.sql('CREATE DATABASE moved');
    db.sql('CREATE DATABASE other');
    const target = pgUrl('moved');

    // ---- an installation on SQLite (named, so that it stays there in the PostgreSQL run too) ----
    mkdirSync(data, { recursive: true });
    s = await startServer(['--database', `sqlite:${path.join(data, 'solder.db')}`,
      '--allow-private-network', '--workers', '1'], { dataDir: data });
    const batch = await api(s, 'POST', `${V}/users/batch`, { body: { users:
      ['m-03', 'm-01', 'm-04', 'm-02', 'm-05'].map((username) => ({ username, fullName: `Name ${username}` })) } });
    assert.equal(batch.status, 200, JSON.stringify(batch.body));
    const userId = (await api(s, 'POST', `${V}/users`, { body: { username: 'runner' } })).body.userId;
    assert.equal((await api(s, 'POST', `${V}/events`, { body: { name: 'Ping', body: { n: 'Number' } } })).status, 200);
    const integrationId = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'Things', app: 'http' } })).body.integrationId;
    const cred = await api(s, 'POST', `${V}/headless/credentials`, { body: { userId, credential: { type: 'http',
      data: { headerName: 'X-Api-Key', headerValue: SECRET, baseUrl: `${sink.url}/api` } } } });
    assert.equal(cred.status, 200, JSON.stringify(cred.body));
    const w = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition: {
      name: 'Ping → HTTP', trigger: { type: 'customEvent', event: 'Ping' },
      blocks: [{ id: 'call', type: 'appAction', app: 'http', action: 'post',
        inputs: { path: '"/things"', body: "{'n': event.n}" } }] } } });
    assert.equal(w.body.valid, true, JSON.stringify(w.body));
    const workflowId = w.body.workflowId;
    assert.equal((await api(s, 'POST', `${V}/workflows/${workflowId}/release`)).status, 200);
    const start = await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId, integrationId, workflowIds: [workflowId] } });
    const done = await api(s, 'POST', `${V}/headless/completeInstallation`, { body: {
      installationId: start.body.installationId, data: [{ workflowId, blockId: 'config', fields: [] }] } });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    for (const n of [1, 2, 3]) {
      assert.equal((await api(s, 'POST', `${V}/run/event`, { body: { event: 'Ping', userId, data: { n } } })).status, 200);
      await sink.waitFor('/api/things', n);
    }
    const seen = sink.on('/api/things').map((r) => r.headers['x-api-key']);
    assert.deepEqual(seen, [SECRET, SECRET, SECRET]);
    const key = s.key;
    // The last execution's outcome is recorded after its call: wait until all three finished.
    let before;
    for (let i = 0; i < 100; i++) {
      before = await answers(s, workflowId, userId);
      if (before.executions.data.length === 3 && before.executions.data.every((e) => e.status === 'success')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(before.executions.data.length, 3, JSON.stringify(before.executions));
    assert.deepEqual(before.users.data.slice(1).map((u) => u.username), ['m-05', 'm-02', 'm-04', 'm-01', 'm-03'],
      'newest first: the batch in reverse');

    // A running server holds the SQLite store: refused, the target untouched.
    let r = run('--data', data, '--to', target);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /a server is running on .*solder\.db.*stop it first/);
    assert.equal(psql('moved', "SELECT count(*) FROM pg_tables WHERE tablename = 'accounts'"), '0', 'the target was not even opened');
    assert.equal(await s.stop({ keep: true }), 0);
    s = null;

    // ---- the move ----
    r = run('--data', data, '--to', target);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^ {2}users +6$/m);
    assert.match(r.stdout, /^ {2}executions +3$/m);
    assert.match(r.stdout, /^ {2}credentials +1$/m);
    assert.match(r.stdout, new RegExp(`-> postgres://${db.host}:${db.port}/moved: \\d+ rows in \\d+ tables`));
    assert.match(r.stdout, /same master key/);
    assert.ok(!(r.stdout + r.stderr).includes(db.password), 'the password is never printed');
    // Users keep their insertion order in seq, the order PostgreSQL lists them by.
    assert.equal(psql('moved', 'SELECT string_agg(username, \',\' ORDER BY seq) FROM users'),
      'm-03,m-01,m-04,m-02,m-05,runner');

    // ---- a server on PostgreSQL with the same data directory (the same master key) ----
    s = await startServer(['--database', target, '--allow-private-network', '--workers', '1'], { dataDir: data });
    assert.equal(s.key, key, 'the dev API key file is the one the SQLite server wrote');
    const after = await answers(s, workflowId, userId);
    assert.deepEqual(after, before, 'the same answers from the moved store');
    const ran = await api(s, 'POST', `${V}/run/event`, { body: { event: 'Ping', userId, data: { n: 4 } } });
    assert.equal(ran.status, 200, 'the dev API key (its hash copied as bytes) still opens the API');
    await sink.waitFor('/api/things', 4);
    assert.equal(sink.on('/api/things')[3].headers['x-api-key'], SECRET, 'the sealed credential still opens');

    // A running node leads the PostgreSQL source's maintenance: copying from it is refused.
    r = run('--data', data, '--from', target, '--to', `sqlite:${path.join(dir, 'early.db')}`);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /a server is running on postgres:\/\/127\.0\.0\.1:\d+\/moved/);
    assert.ok(!existsSync(path.join(dir, 'early.db')), 'the SQLite target it made is removed');

    // Into a target that holds an installation: refused, nothing written.
    const users = psql('moved', 'SELECT count(*) FROM users');
    r = run('--data', data, '--to', target);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /already holds an account/);
    assert.equal(psql('moved', 'SELECT count(*) FROM users'), users);
    assert.equal(psql('moved', 'SELECT count(*) FROM accounts'), '1');

    // A wrong password: refused without echoing it.
    r = run('--data', data, '--to', pgUrl('other', 'Wrong-Pass-4711'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot connect to PostgreSQL/);
    assert.ok(!r.stderr.includes('Wrong-Pass-4711') && !r.stdout.includes('Wrong-Pass-4711'), r.stderr);
    assert.equal(await s.stop({ keep: true }), 0);
    s = null;

    // ---- and back: PostgreSQL into a new SQLite file ----
    const back = path.join(dir, 'back.db');
    r = run('--data', data, '--from', target, '--to', `sqlite:${back}`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^ {2}executions +4$/m);
    assert.ok(!(r.stdout + r.stderr).includes(db.password));
    s = await startServer(['--database', `sqlite:${back}`], { dataDir: data });
    const again = await api(s, 'GET', '/users?limit=100');
    assert.deepEqual(again.body, before.users, 'the same users in the same order');
  } finally {
    if (s) await s.stop({ keep: true });
    await sink.close();
    db.remove();
    rmSync(dir, { recursive: true, force: true });
  }
});
