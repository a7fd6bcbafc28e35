// Test fixture: starts the real solder binary on a free loopback port with a fresh data directory,
// and stops it (SIGTERM) when the test is done. SOLDER_BIN names the binary (ctest sets it).
// With SOLDER_TEST_POSTGRES set (on-postgres.mjs sets it) each store is a fresh database on that
// PostgreSQL instead of DATA/solder.db; the data directory still holds master.key and dev-api-key.
import { spawn, execFileSync } from 'node:child_process';
import { createDecipheriv, createPrivateKey, sign } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkAnswer } from './contract.mjs';
import { postgresClient } from './dbservers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const BIN = process.env.SOLDER_BIN || path.join(here, '../../build/solder');

// The administrator's URL of the PostgreSQL the stores go to (postgres://USER:PASS@HOST:PORT), or
// '' for SQLite. A test that is about SQLite itself (its file, its lock, sqlite: URLs) skips with
// { skip: onPostgres && 'why' }.
const POSTGRES = (process.env.SOLDER_TEST_POSTGRES || '').replace(/\/+$/, '');
export const onPostgres = POSTGRES !== '';
const pg = onPostgres ? postgresClient(POSTGRES) : null;

// The database of each data directory a store was made for, so that a server started again on a
// data directory (options.dataDir) opens the same store: dataDir -> {name, url, users}, users
// counting the servers on it that have not stopped.
const databases = new Map();
let databasesMade = 0;

function databaseFor(dataDir) {
  let db = databases.get(dataDir);
  if (!db) {
    const name = `solder_${process.pid}_${++databasesMade}`;
    pg.createDatabase(name);
    db = { name, url: `${POSTGRES}/${name}`, users: 0 };
    databases.set(dataDir, db);
  }
  return db;
}

function dropDatabase(dataDir) {
  const db = databases.get(dataDir);
  if (!db || db.users > 0) return;
  databases.delete(dataDir);
  pg.dropDatabase(db.name);
}

// A fresh store without a server, for the commands that open one themselves (key, import, export):
// {dataDir, database (its URL, or null on SQLite), remove()}. storeArgs and storeSql take it too.
export function newStore(prefix = 'solder-store-') {
  const dataDir = mkdtempSync(path.join(tmpdir(), prefix));
  return {
    dataDir,
    database: onPostgres ? databaseFor(dataDir).url : null,
    remove() {
      if (onPostgres) dropDatabase(dataDir);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// The arguments that point a command at the store of a server (or newStore): ['--data', DIR], and
// '--database', URL when the store is not DIR/solder.db.
export function storeArgs(store) {
  return store.database ? ['--data', store.dataDir, '--database', store.database] : ['--data', store.dataDir];
}

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

// Starts a server on a fresh store, or on the store of options.dataDir when given (on PostgreSQL the
// database made for that directory, or a fresh one). A --database among extraArgs is left alone.
export async function startServer(extraArgs = [], options = {}) {
  const dataDir = options.dataDir || mkdtempSync(path.join(tmpdir(), 'solder-api-'));
  const ownDatabase = extraArgs.some((a) => a === '--database' || a.startsWith('--database='));
  const fresh = onPostgres && !ownDatabase && !databases.has(dataDir);
  const db = onPostgres && !ownDatabase ? databaseFor(dataDir) : null;
  const store = { dataDir, database: db ? db.url : null };
  if (db) db.users++;
  let released = false;
  // The server no longer uses its database; drop removes it once no server does.
  const release = (drop) => {
    if (!db || released) return;
    released = true;
    db.users--;
    if (drop) dropDatabase(dataDir);
  };
  const proc = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', ...storeArgs(store), ...extraArgs],
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
  }).catch((e) => {
    if (db) {
      proc.kill('SIGKILL');
      release(fresh);
    }
    throw e;
  });
  const key = readFileSync(path.join(dataDir, 'dev-api-key'), 'utf8').trim();
  const server = {
    url, key, dataDir, proc,
    database: store.database,
    output: () => out,
    errors: () => err,
    crash() {
      return new Promise((resolve) => {
        proc.on('exit', (...r) => { release(false); resolve(...r); });
        proc.kill('SIGKILL');
      });
    },
    cli: (...args) => execFileSync(BIN, [...args, ...storeArgs(store)], { encoding: 'utf8' }),
    // Stops with SIGTERM and removes the data directory (and on PostgreSQL the database, once no
    // other server uses it) unless { keep: true }. Throws when the server wrote a sanitizer
    // report, so the test that stops it fails.
    async stop({ keep = false } = {}) {
      let code = proc.exitCode;
      if (code === null && proc.signalCode === null) {
        code = await new Promise((resolve) => {
          proc.on('exit', (c) => resolve(c));
          proc.kill('SIGTERM');
        });
      }
      release(!keep);
      if (!keep) rmSync(dataDir, { recursive: true, force: true });
      if (reported) throw new Error(`the server wrote a sanitizer report:\n${err.slice(err.search(SANITIZER_REPORT))}`);
      return code;
    },
  };
  return server;
}

const databaseName = (store) => decodeURIComponent(new URL(store.database).pathname.slice(1));

// Runs SQL on the store of a server (or newStore): with psql on PostgreSQL, else with the sqlite3
// shell (waiting for the server's locks). Returns the output, trimmed: one line a row, columns
// separated by '|' in both. The SQL must mean the same in both (times are integers, ids and JSON
// documents text); for tests that look at what is stored or move a planned time forward.
export function storeSql(store, query) {
  if (store.database) return pg.sql(databaseName(store), query);
  return execFileSync('sqlite3', ['-cmd', '.timeout 5000', path.join(store.dataDir, 'solder.db'), query],
    { encoding: 'utf8' }).trim();
}

// What the store holds, as [{name, bytes}], for tests that no secret or deleted payload is left in
// it: on SQLite every database file (the WAL too), on PostgreSQL the database as pg_dump writes it.
// PostgreSQL keeps a deleted row's bytes in its pages until VACUUM reuses the space, outside what a
// client controls, so there the check is on what the database answers, not on its pages.
export function storeContents(store) {
  if (store.database) {
    return [{ name: `pg_dump ${databaseName(store)}`, bytes: Buffer.from(pg.dump(databaseName(store))) }];
  }
  return readdirSync(store.dataDir).filter((f) => f.startsWith('solder.db'))
    .map((f) => ({ name: f, bytes: readFileSync(path.join(store.dataDir, f)) }));
}

// Another process holds the store's write lock for `seconds` while it lets readers through: on
// SQLite a BEGIN IMMEDIATE transaction, on PostgreSQL an EXCLUSIVE lock on the users table.
// Returns the locker's child process.
export function holdWriteLock(store, seconds) {
  if (store.database) {
    return pg.session(databaseName(store),
      `BEGIN; LOCK TABLE users IN EXCLUSIVE MODE; SELECT pg_sleep(${seconds}); COMMIT;\n`);
  }
  const locker = spawn('sqlite3', [path.join(store.dataDir, 'solder.db')], { stdio: ['pipe', 'ignore', 'inherit'] });
  locker.stdin.end(`BEGIN IMMEDIATE;\n.shell sleep ${seconds}\nCOMMIT;\n`);
  return locker;
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
  const sealed = storeSql(server, 'SELECT private_pem FROM signing_keys ORDER BY created_at DESC LIMIT 1');
  if (!/^v1\./.test(sealed)) throw new Error('the private key is not stored sealed');
  const pem = openSealed(server.dataDir, sealed);
  const b64url = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64url(header)}.${b64url(payload)}`;
  const sig = sign('sha256', Buffer.from(input), { key: createPrivateKey(pem), dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}
