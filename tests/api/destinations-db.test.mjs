// The database destinations against real servers: PostgreSQL and MariaDB from Debian's packages,
// started in temporary directories on free loopback ports (dbservers.mjs). For each engine:
// inserts and upserts land; numbers, text, booleans, JSON and timestamps map to their column types;
// a value like '); DROP TABLE x; -- is stored verbatim; a parameterised statement returns rows;
// an unknown column is refused with the table's columns; a constraint violation fails once, not
// retried; a dead server gives a logged error that is retried and passes once the server is back;
// connections are pooled (bounded, reused); the credential's password never shows in the log.
// PostgreSQL: sslmode=require against a server without TLS fails once; a statement beyond the
// block's timeoutMs is cancelled by the server (57014) and retried. MySQL: tls required and
// verify-full reach an encrypted session; verify-full with a CA that did not sign the server's
// certificate fails once.
// Under CI=true a missing server package fails the run instead of skipping.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, waitUntil } from './server.mjs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startPostgres, startMariadb } from './dbservers.mjs';

const V = '/2024-03';
const CI = process.env.CI === 'true';
const INJECTION = "'); DROP TABLE orders; --";

let s;
const engines = {};

// The two engines' differences: the block type, the credential, how to read a cell back.
const ENGINES = {
  postgresql: {
    start: startPostgres,
    credential: (db) => ({ host: db.host, port: db.port, database: db.database, user: db.user, password: db.password, sslmode: 'disable' }),
    schema: `CREATE TABLE orders (id integer PRIMARY KEY, status text NOT NULL, total numeric(10,2),
      paid boolean, payload jsonb, created_at timestamptz, note text)`,
    row: (db, id) => db.sql(`SELECT concat_ws('|', status, total, paid, payload->>'sku',
      to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), coalesce(note, '')) FROM orders WHERE id = ${id}`),
    count: (db) => Number(db.sql('SELECT count(*) FROM orders')),
    connections: (db) => Number(db.sql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'solder'")),
    update: 'UPDATE orders SET status = $1 WHERE id = $2 RETURNING id, status, paid, payload',
  },
  mysql: {
    start: startMariadb,
    credential: (db) => ({ host: db.host, port: db.port, database: db.database, user: db.user, password: db.password, tls: 'disabled' }),
    schema: `CREATE TABLE orders (id int PRIMARY KEY, status varchar(200) NOT NULL, total decimal(10,2),
      paid boolean, payload json, created_at datetime(3), note text)`,
    row: (db, id) => db.sql(`SELECT concat_ws('|', status, total, paid, json_value(payload, '$.sku'),
      date_format(created_at, '%Y-%m-%d %H:%i:%s'), coalesce(note, '')) FROM orders WHERE id = ${id}`),
    count: (db) => Number(db.sql('SELECT count(*) FROM orders')),
    connections: (db) => Number(db.sql("SELECT count(*) FROM information_schema.PROCESSLIST WHERE USER = 'solder'")),
    update: 'UPDATE orders SET status = ? WHERE id = ?',
  },
};

async function run(workflowId, userId, data) {
  const r = await api(s, 'POST', `${V}/run/workflow`, { body: { workflowId, userId, data } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.executionId;
}

async function logOf(workflowId, userId, executionId) {
  const logs = (await api(s, 'GET', `${V}/workflows/${workflowId}/logs?userId=${userId}`)).body.data || [];
  return logs.find((l) => l.executionId === executionId);
}

async function finished(workflowId, userId, executionId) {
  return waitUntil(`execution ${executionId}`, async () => {
    const x = await logOf(workflowId, userId, executionId);
    return x?.finished ? x : null;
  }, 60000);
}

// A released webhook workflow of blocks, installed for a new user with the given credential.
async function install(app, credential, blocks) {
  const userId = (await api(s, 'POST', `${V}/users`, { body: { username: `u${Math.random().toString(36).slice(2)}` } })).body.userId;
  const integrationId = (await api(s, 'POST', `${V}/integrations`, { body: { name: `${app} ${userId}`, app } })).body.integrationId;
  const c = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition: { name: `To the database ${userId}`, trigger: { type: 'webhook' }, blocks } } });
  assert.equal(c.body.valid, true, JSON.stringify(c.body));
  const workflowId = c.body.workflowId;
  assert.equal((await api(s, 'POST', `${V}/workflows/${workflowId}/release`)).status, 200);
  const cred = await api(s, 'POST', `${V}/users/${userId}/credentials`, { body: { credential: { type: app, data: credential } } });
  assert.equal(cred.status, 200, JSON.stringify(cred.body));
  const start = await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId, integrationId } });
  const done = await api(s, 'POST', `${V}/headless/completeInstallation`, { body: { installationId: start.body.installationId, data: [] } });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  return { workflowId, userId };
}

const VALUES = {
  id: 'event.id', status: 'event.status', total: 'event.total', paid: 'event.paid',
  payload: 'event.payload', created_at: 'event.at', note: 'event.note',
};

before(async () => {
  for (const [name, e] of Object.entries(ENGINES)) {
    const db = await e.start();
    if (!db && CI) throw new Error(`${name}: the server package is not installed (scripts/bootstrap.sh installs it)`);
    if (db) {
      db.sql(e.schema);
      engines[name] = db;
    }
  }
  s = await startServer(['--allow-private-network', '--workers', '2']);
});

after(async () => {
  if (s) assert.equal(await s.stop(), 0);
  for (const db of Object.values(engines)) await db.remove();
});

for (const [name, e] of Object.entries(ENGINES)) {
  test(`${name}: insert and upsert land, types map, an injection attempt is stored verbatim`, async (t) => {
    const db = engines[name];
    if (!db) return t.skip(`${name} is not installed`);
    const { workflowId, userId } = await install(name, e.credential(db), [
      { id: 'ins', type: name, operation: 'insert', table: 'orders', inputs: { values: VALUES } },
      { id: 'up', type: name, operation: 'upsert', table: 'orders', key: ['id'],
        inputs: { values: { id: 'event.id', status: "'shipped'", note: 'event.note & "!"' } } },
    ]);
    const x = await finished(workflowId, userId, await run(workflowId, userId, {
      id: 7, status: 'new', total: 12.5, paid: true, payload: { sku: 'A-1', qty: 2 }, at: '2024-05-01T10:20:30Z', note: INJECTION,
    }));
    assert.equal(x.status, 'success', JSON.stringify(x));
    assert.equal(e.row(db, 7), `shipped|12.50|${name === 'mysql' ? '1' : 't'}|A-1|2024-05-01 10:20:30|${INJECTION}!`);
    assert.equal(e.count(db), 1, 'the table is still there, with one row');
    const ins = x.results.find((r) => r.blockId === 'ins');
    assert.equal(ins.data[0].json.rowsAffected, 1);
    assert.equal(ins.data[0].json.operation, 'insert');
    if (name === 'postgresql') assert.equal(ins.data[0].json.row.payload.sku, 'A-1', 'RETURNING * gives the row back as JSON');
    // The password is a secret of the execution: nowhere in what is recorded.
    assert.ok(!JSON.stringify(x).includes(db.password));
  });

  test(`${name}: a parameterised statement binds its parameters and returns rows`, async (t) => {
    const db = engines[name];
    if (!db) return t.skip(`${name} is not installed`);
    db.sql("INSERT INTO orders (id, status, paid, payload) VALUES (8, 'new', false, '{\"sku\": \"B-2\"}')");
    const blocks = [{ id: 'q', type: name, operation: 'statement', sql: e.update, inputs: { parameters: ['event.status', 'event.id'] } }];
    if (name === 'mysql') blocks.push({ id: 'read', type: name, operation: 'statement', sql: 'SELECT id, status, paid FROM orders WHERE id = ?', inputs: { parameters: ['event.id'] } });
    const { workflowId, userId } = await install(name, e.credential(db), blocks);
    const x = await finished(workflowId, userId, await run(workflowId, userId, { id: 8, status: INJECTION }));
    assert.equal(x.status, 'success', JSON.stringify(x));
    const rows = x.results.find((r) => r.blockId === (name === 'mysql' ? 'read' : 'q')).data[0].json.rows;
    assert.deepEqual(rows.map((r) => [r.id, r.status]), [[8, INJECTION]]);
    if (name === 'postgresql') assert.deepEqual([rows[0].paid, rows[0].payload], [false, { sku: 'B-2' }]);
  });

  test(`${name}: an unknown column is refused with the table's columns; a duplicate key is not retried`, async (t) => {
    const db = engines[name];
    if (!db) return t.skip(`${name} is not installed`);
    const bad = await install(name, e.credential(db), [
      { id: 'ins', type: name, operation: 'insert', table: 'orders', inputs: { values: { id: '1', colour: "'red'" } } }]);
    const x = await finished(bad.workflowId, bad.userId, await run(bad.workflowId, bad.userId, {}));
    assert.equal(x.status, 'error');
    assert.match(x.error, /column 'colour' is not in table orders \(its columns: id, status, total/);
    assert.equal(x.results[0].attempt, 1);
    const dup = await install(name, e.credential(db), [
      { id: 'ins', type: name, operation: 'insert', table: 'orders', inputs: { values: { id: 'event.id', status: "'x'" } } }]);
    const y = await finished(dup.workflowId, dup.userId, await run(dup.workflowId, dup.userId, { id: 7 }));
    assert.equal(y.status, 'error', JSON.stringify(y));
    assert.match(y.error, name === 'mysql' ? /\[1062\] Duplicate entry '7'/ : /\[23505\] duplicate key value violates unique constraint/);
    assert.deepEqual(y.results.map((r) => r.attempt), [1], 'a constraint violation runs once');
  });

  test(`${name}: a dead server gives a logged error, retried until the server is back; the pool stays bounded`, async (t) => {
    const db = engines[name];
    if (!db) return t.skip(`${name} is not installed`);
    const { workflowId, userId } = await install(name, e.credential(db), [
      { id: 'ins', type: name, operation: 'insert', table: 'orders', inputs: { values: { id: 'event.id', status: "'retried'" } } }]);
    // Warm the pool (six executions, two workers: at most two connections, reused), then take the
    // server away under it.
    const before = e.connections(db);
    for (let i = 0; i < 6; i++) await finished(workflowId, userId, await run(workflowId, userId, { id: 100 + i }));
    const opened = e.connections(db) - before;
    assert.ok(opened >= 1 && opened <= 2, `one or two pooled connections for six executions, found ${opened}`);
    await db.stop();
    const id = await run(workflowId, userId, { id: 200 });
    const failed = await waitUntil('the logged failure', async () => {
      const x = await logOf(workflowId, userId, id);
      return x?.results?.find((r) => r.status === 'error') ? x : null;
    }, 60000);
    const step = failed.results.find((r) => r.status === 'error');
    assert.match(step.error, name === 'mysql' ? /MySQL: cannot connect: \[20\d\d\]|MySQL: \[20\d\d\]/ : /PostgreSQL: (cannot connect|\[08|\[57P01)/);
    assert.ok(!failed.finished, 'not finished: retried');
    await db.start();
    const x = await finished(workflowId, userId, id);
    assert.equal(x.status, 'success', JSON.stringify(x));
    assert.ok(Math.max(...x.results.map((r) => r.attempt)) >= 2, 'it passed on a later attempt');
    assert.equal(e.row(db, 200).split('|')[0], 'retried');
  });
}

test('postgresql: sslmode require against a server without TLS fails clearly, once', async (t) => {
  const db = engines.postgresql;
  if (!db) return t.skip('postgresql is not installed');
  const { workflowId, userId } = await install('postgresql', { ...ENGINES.postgresql.credential(db), sslmode: 'require' }, [
    { id: 'ins', type: 'postgresql', operation: 'insert', table: 'orders', inputs: { values: { id: '300', status: "'x'" } } }]);
  const x = await finished(workflowId, userId, await run(workflowId, userId, {}));
  assert.equal(x.status, 'error');
  assert.match(x.error, /PostgreSQL: cannot connect: .*SSL/);
  assert.equal(x.results[0].attempt, 1);
});

test('postgresql: a statement beyond its timeoutMs is cancelled with a clear error and retried', async (t) => {
  const db = engines.postgresql;
  if (!db) return t.skip('postgresql is not installed');
  const { workflowId, userId } = await install('postgresql', ENGINES.postgresql.credential(db), [
    { id: 'slow', type: 'postgresql', operation: 'statement', sql: 'SELECT pg_sleep($1)', inputs: { parameters: ['event.seconds'], timeoutMs: '300' } }]);
  const started = Date.now();
  const id = await run(workflowId, userId, { seconds: 5 });
  // The server cancels it at 300 ms (SQLSTATE 57014); class 57 may pass later, so it is retried.
  const x = await waitUntil('a second attempt of the timed-out statement', async () => {
    const l = await logOf(workflowId, userId, id);
    return l?.results?.filter((r) => r.status === 'error').length >= 2 ? l : null;
  }, 60000);
  const errors = x.results.filter((r) => r.status === 'error');
  for (const e of errors) assert.match(e.error, /^PostgreSQL: \[57014\] canceling statement due to statement timeout/);
  assert.deepEqual(errors.slice(0, 2).map((r) => r.attempt), [1, 2]);
  assert.ok(Date.now() - started < 5000 * 2, 'neither attempt waited for the whole pg_sleep');
});

// The MariaDB fixture offers TLS with a certificate for 127.0.0.1 from its own throwaway CA.
test('mysql: tls required and verify-full connect encrypted; verify-full with another CA fails once', async (t) => {
  const db = engines.mysql;
  if (!db) return t.skip('mysql is not installed');
  const cipher = { id: 'tls', type: 'mysql', operation: 'statement',
    sql: "SELECT VARIABLE_VALUE AS v FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'SSL_VERSION'" };
  for (const tls of [{ tls: 'required' }, { tls: 'verify-full', caCertificate: db.caPem }]) {
    const { workflowId, userId } = await install('mysql', { ...ENGINES.mysql.credential(db), ...tls }, [cipher]);
    const x = await finished(workflowId, userId, await run(workflowId, userId, {}));
    assert.equal(x.status, 'success', `${tls.tls}: ${JSON.stringify(x)}`);
    assert.match(x.results[0].data[0].json.rows[0].v, /^TLSv1\.[23]$/, `${tls.tls}: the session is encrypted`);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'solder-otherca-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'k'),
      '-out', path.join(dir, 'ca.pem'), '-days', '1', '-subj', '/CN=Another CA'], { stdio: 'ignore' });
    const other = readFileSync(path.join(dir, 'ca.pem'), 'utf8');
    const { workflowId, userId } = await install('mysql', { ...ENGINES.mysql.credential(db), tls: 'verify-full', caCertificate: other }, [cipher]);
    const x = await finished(workflowId, userId, await run(workflowId, userId, {}));
    assert.equal(x.status, 'error');
    assert.match(x.error, /^MySQL: cannot connect: \[2026\] .*(certificate|SSL|TLS)/i);
    assert.deepEqual(x.results.map((r) => r.attempt), [1], 'a certificate the CA did not sign is not retried');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
