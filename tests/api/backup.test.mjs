// `solder backup` and `solder restore`: a copy taken while a server answers /run/event under load
// holds every event acknowledged before the backup began, restores into a new data directory and
// opens there with the same master key; restore refuses a running server's data directory, a
// directory that already has a store, a file that is not a store, and a master key that does not
// open the copy; PostgreSQL stores are sent to pg_dump.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, startServer, api, waitUntil, onPostgres } from './server.mjs';

const V = '/2024-03';
const run = (...args) => spawnSync(BIN, args, { encoding: 'utf8' });
const sql = (db, q) => execFileSync('sqlite3', [db, q], { encoding: 'utf8' }).trim();

// Runs a command without blocking the event loop (the load keeps going while it runs).
function runAsync(...args) {
  return new Promise((resolve) => {
    const p = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

test('a backup under /run/event load restores with every event acknowledged before it began', {
  skip: onPostgres && 'SQLite only: solder backup copies the SQLite file; a PostgreSQL store is backed up with pg_dump',
}, async () => {
  const s = await startServer(['--rate-limit', 'off', '--workers', '0']);
  const work = mkdtempSync(path.join(tmpdir(), 'solder-backup-'));
  let s2;
  try {
    assert.equal((await api(s, 'POST', `${V}/events`, { body: { name: 'Ping', body: { n: 'Number' } } })).status, 200);
    const created = await api(s, 'POST', `${V}/users`, { body: { username: 'alice' } });
    assert.equal(created.status, 200);
    const asUser = (token) => ({ key: null, headers: { 'X-Alloy-User-Token': token } });
    const aliceId = created.body.userId;
    const tokenBefore = (await api(s, 'GET', `${V}/users/alice/token`)).body.token;
    assert.ok(tokenBefore);

    const acked = [];
    let n = 0;
    let stop = false;
    const loop = async () => {
      while (!stop) {
        const r = await api(s, 'POST', `${V}/run/event`, { body: { event: 'Ping', userId: 'alice', data: { n: n++ } } });
        assert.equal(r.status, 200, r.text);
        acked.push(r.body.eventId);
      }
    };
    const loops = [loop(), loop(), loop(), loop()];
    await waitUntil('events under load', () => acked.length >= 60);
    const ackedBefore = [...acked];
    const dest = path.join(work, 'copy.db');
    const b = await runAsync('backup', dest, '--data', s.dataDir);
    const duringBackup = acked.length - ackedBefore.length;
    await waitUntil('events after the backup', () => acked.length >= ackedBefore.length + duringBackup + 20);
    stop = true;
    await Promise.all(loops);
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /schema version \d+/);
    assert.match(b.stdout, /master key is not in the backup/);
    assert.equal(statSync(dest).mode & 0o777, 0o600, 'a backup is readable by its owner only');
    assert.ok(!existsSync(`${dest}.partial`));

    const inCopy = new Set(sql(dest, 'SELECT id FROM run_events').split('\n'));
    const missing = ackedBefore.filter((id) => !inCopy.has(id));
    assert.deepEqual(missing, [], 'every event acknowledged before the backup began is in it');
    assert.ok(inCopy.size <= acked.length, 'the copy holds only acknowledged events');
    assert.ok(acked.length > inCopy.size, 'events answered after the copy are not in it (the load went on)');
    process.stdout.write(`# backup: ${ackedBefore.length} events acknowledged before it, ${inCopy.size} in the copy, `
      + `${acked.length} in all, ${duringBackup} acknowledged while it ran\n`);

    // A store named by URL is copied the same way; the copy of the copy holds the same events.
    const again = path.join(work, 'again.db');
    const viaUrl = run('backup', again, '--database', `sqlite:${dest}`);
    assert.equal(viaUrl.status, 0, viaUrl.stderr);
    assert.equal(sql(again, 'SELECT count(*) FROM run_events'), String(inCopy.size));

    // The copy refuses to be backed up over (without --force) and to replace a running server's store.
    let r = run('backup', dest, '--data', s.dataDir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /exists \(--force replaces it\)/);
    r = run('restore', dest, '--data', s.dataDir, '--force');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /a server is running on .*stop it first/);
    assert.equal(sql(path.join(s.dataDir, 'solder.db'), 'SELECT count(*) FROM run_events'), String(acked.length),
      'the running server\'s store is untouched');

    // A new directory: no master key at all, then the wrong one, are refused; the right one opens it.
    const target = path.join(work, 'restored');
    r = run('restore', dest, '--data', target);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no master key/);
    assert.ok(!existsSync(path.join(target, 'solder.db')));
    const wrong = path.join(work, 'wrong.key');
    writeFileSync(wrong, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
    const other = path.join(work, 'other');
    r = run('restore', dest, '--data', other, '--master-key', wrong);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /the master key does not open the backup/);
    assert.ok(!existsSync(path.join(other, 'solder.db')));
    r = run('restore', dest, '--data', target, '--master-key', path.join(s.dataDir, 'master.key'));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(path.join(target, 'master.key'), 'utf8'), readFileSync(path.join(s.dataDir, 'master.key'), 'utf8'));
    r = run('restore', dest, '--data', target);
    assert.equal(r.status, 1, 'a directory with a store is not replaced without --force');
    assert.match(r.stderr, /already has a store/);

    // The restored server: same keys, same events; it signs new tokens (its sealed key opens).
    copyFileSync(path.join(s.dataDir, 'dev-api-key'), path.join(target, 'dev-api-key'));
    // Tokens name their issuer (the public URL): the restored server takes the first one's place.
    s2 = await startServer(['--rate-limit', 'off', '--workers', '0', '--public-url', s.url], { dataDir: target });
    assert.deepEqual((await api(s2, 'GET', '/.well-known/jwks.json', { key: null })).body,
      (await api(s, 'GET', '/.well-known/jwks.json', { key: null })).body);
    const alice = await api(s2, 'GET', `${V}/users/${aliceId}`, asUser(tokenBefore));
    assert.equal(alice.status, 200, `a user token issued before the backup is accepted: ${alice.text}`);
    const fresh = await api(s2, 'GET', `${V}/users/alice/token`);
    assert.equal(fresh.status, 200);
    assert.equal((await api(s2, 'GET', `${V}/users/${aliceId}`, asUser(fresh.body.token))).status, 200);
    assert.equal(sql(path.join(target, 'solder.db'), 'SELECT count(*) FROM run_events'), String(inCopy.size));
    assert.equal((await api(s2, 'POST', `${V}/run/event`, { body: { event: 'Ping', userId: 'alice', data: { n: 1 } } })).status, 200);
  } finally {
    await s2?.stop();
    await s.stop();
    rmSync(work, { recursive: true, force: true });
  }
});

test('restore refuses what is not a Solder store; PostgreSQL is sent to pg_dump', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'solder-backup-'));
  try {
    const junk = path.join(work, 'junk.db');
    writeFileSync(junk, 'not a database at all, just some text '.repeat(200));
    let r = run('restore', junk, '--data', path.join(work, 'd'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /not a sound SQLite database|cannot open/);
    const empty = path.join(work, 'empty.db');
    execFileSync('sqlite3', [empty, 'CREATE TABLE t(x)']);
    r = run('restore', empty, '--data', path.join(work, 'd'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /is not a Solder store/);
    r = run('backup', path.join(work, 'x.db'), '--data', path.join(work, 'nothing-here'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot read/);
    r = run('backup', path.join(work, 'x.db'), '--database', 'postgres://db/solder');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /pg_dump/);
    r = run('restore', junk, '--database', 'postgresql://db/solder');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /pg_restore/);
    r = run('backup');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /usage: solder backup DEST/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
