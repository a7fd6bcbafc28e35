// Test fixtures: a real PostgreSQL and a real MariaDB server, started from Debian's postgresql and
// mariadb-server packages in temporary directories on free loopback ports, as their unprivileged
// users when the tests run as root (runuser), and stopped by the test. Each returns null when the
// package is not installed (the caller skips with that reason, or fails under CI=true).
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';

const isRoot = process.getuid && process.getuid() === 0;

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
    srv.on('error', reject);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Runs argv as user (when root) with the given options.
function runAs(user, argv, options = {}) {
  const [cmd, ...args] = isRoot ? ['runuser', '-u', user, '--', ...argv] : argv;
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

function ownedBy(user, dir) {
  if (!isRoot) return;
  const id = execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim();
  const gid = execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim();
  chownSync(dir, Number(id), Number(gid));
}

// The bin directory of the newest installed PostgreSQL (initdb, pg_ctl, psql, pg_dump), or null.
export function postgresBin() {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin/initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0], 'bin') : null;
}

// PostgreSQL with password (SCRAM) authentication for user postgres. maxConnections raises the
// server's limit (100 by default) for tests that run many clients, each holding a pool. Returns
// {host, port, user, password, database, url, sql(text) -> output, stop(), start(), remove(),
// removeAfter(pid)}; url is the administrator's postgres://USER:PASS@HOST:PORT, without a database.
// removeAfter(pid) leaves a detached watcher that removes this PostgreSQL once process pid is gone
// without having removed it: pg_ctl's server is no child of the test, so a test killed with
// SIGKILL (ctest's TIMEOUT), which no handler sees, would leave it running.
export async function startPostgres({ maxConnections } = {}) {
  const bin = postgresBin();
  if (!bin) return null;
  const dir = mkdtempSync(path.join(tmpdir(), 'solder-pg-'));
  ownedBy('postgres', dir);
  const password = 'pg-pass-Secret-42';
  writeFileSync(path.join(dir, 'pw'), password);
  ownedBy('postgres', path.join(dir, 'pw'));
  const data = path.join(dir, 'data');
  runAs('postgres', [path.join(bin, 'initdb'), '-D', data, '-U', 'postgres', '--auth=scram-sha-256',
    `--pwfile=${path.join(dir, 'pw')}`, '-E', 'UTF8', '--no-sync', '--no-instructions']);
  const port = await freePort();
  const ctl = (action) => runAs('postgres', [path.join(bin, 'pg_ctl'), '-D', data, '-l', path.join(dir, 'log'),
    '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off` +
      (maxConnections ? ` -c max_connections=${maxConnections}` : ''),
    ...(action === 'stop' ? ['-m', 'fast'] : []), action]);
  ctl('start');
  const db = {
    host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres',
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    sql: (text) => execFileSync(path.join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres',
      '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-tAc', text],
    { encoding: 'utf8', env: { ...process.env, PGPASSWORD: password } }).trim(),
    stop: () => ctl('stop'),
    start: () => ctl('start'),
    remove() { try { ctl('stop'); } catch { /* already stopped */ } rmSync(dir, { recursive: true, force: true }); },
    removeAfter(pid) {
      const as = isRoot ? 'runuser -u postgres --' : '';
      spawn('sh', ['-c', 'while kill -0 "$0" 2>/dev/null; do sleep 1; done; [ -d "$2" ] || exit 0; ' +
        '$3 "$1/pg_ctl" -D "$2/data" -m immediate stop; rm -rf "$2"', String(pid), bin, dir, as],
      { detached: true, stdio: 'ignore' }).unref();
    },
  };
  return db;
}

// A client of the PostgreSQL at adminUrl (postgres://USER:PASS@HOST:PORT, as startPostgres's url)
// through the psql and pg_dump of the installed PostgreSQL, the password passed in PGPASSWORD, not
// on their command lines. sql(database, text) runs text (statements; ON_ERROR_STOP) and returns the
// output unaligned, tuples only, trimmed; dump(database) the database's contents as SQL text;
// session(database, script) a psql child running script.
export function postgresClient(adminUrl) {
  const bin = postgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed (scripts/bootstrap.sh installs it)');
  const u = new URL(adminUrl);
  const env = { ...process.env, PGPASSWORD: decodeURIComponent(u.password), PGCONNECT_TIMEOUT: '10' };
  const where = ['-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username)];
  const run = (tool, args) => execFileSync(path.join(bin, tool), [...where, ...args],
    { encoding: 'utf8', env, maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  const client = {
    sql: (database, text) => run('psql', ['-X', '-q', '-d', database, '-v', 'ON_ERROR_STOP=1', '-Atc', text]).trim(),
    dump: (database) => run('pg_dump', ['--no-owner', '--no-privileges', '-d', database]),
    // psql reading script from its stdin, as a child process (for a session that holds a lock).
    session(database, script) {
      const p = spawn(path.join(bin, 'psql'), [...where, '-X', '-q', '-d', database, '-v', 'ON_ERROR_STOP=1'],
        { env, stdio: ['pipe', 'ignore', 'inherit'] });
      p.stdin.end(script);
      return p;
    },
    createDatabase: (name) => client.sql('postgres', `CREATE DATABASE "${name}"`),
    // FORCE ends the sessions a killed server's connections left behind.
    dropDatabase: (name) => client.sql('postgres', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
  return client;
}

// A throwaway certificate authority and a server certificate it signed for 127.0.0.1 (openssl),
// written into dir. Returns {ca, cert, key} paths and the CA's PEM text.
function makeCertificates(dir) {
  const f = (name) => path.join(dir, name);
  const ssl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'),
    '-days', '2', '-subj', '/CN=Solder test CA');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'),
    '-subj', '/CN=127.0.0.1');
  writeFileSync(f('ext'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'),
    '-CAcreateserial', '-out', f('server.pem'), '-days', '2', '-extfile', f('ext'));
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key'), caPem: readFileSync(f('ca.pem'), 'utf8') };
}

// MariaDB with a user 'solder' (password authentication over TCP) owning database 'solder', and
// TLS offered (not required) with a certificate for 127.0.0.1 signed by a throwaway CA.
// Returns {host, port, user, password, database, caPem, sql(text) -> output, stop(), start(),
// remove()}.
export async function startMariadb() {
  const server = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'].find((p) => existsSync(p));
  if (!server || !existsSync('/usr/bin/mariadb-install-db')) return null;
  const dir = mkdtempSync(path.join(tmpdir(), 'solder-maria-'));
  const data = path.join(dir, 'data');
  const sock = path.join(dir, 'sock');
  const user = isRoot ? 'mysql' : userInfo().username;
  ownedBy('mysql', dir);
  const tls = makeCertificates(dir);
  for (const file of [tls.ca, tls.cert, tls.key]) ownedBy('mysql', file);
  execFileSync('/usr/bin/mariadb-install-db', ['--no-defaults', `--datadir=${data}`, `--user=${user}`,
    '--auth-root-authentication-method=normal', '--skip-test-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await freePort();
  let proc = null;
  const start = async () => {
    proc = spawn(server, ['--no-defaults', `--datadir=${data}`, `--port=${port}`, '--bind-address=127.0.0.1',
      `--socket=${sock}`, `--pid-file=${path.join(dir, 'pid')}`, `--user=${user}`, '--skip-log-bin',
      '--innodb-buffer-pool-size=16M', '--innodb-log-file-size=8M', '--skip-name-resolve',
      `--ssl-ca=${tls.ca}`, `--ssl-cert=${tls.cert}`, `--ssl-key=${tls.key}`],
    { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    proc.stderr.on('data', (d) => { log += d; });
    for (let i = 0; i < 300; i++) {
      try {
        execFileSync('mariadb-admin', ['--no-defaults', '-S', sock, '-u', 'root', 'ping'], { stdio: 'ignore' });
        return;
      } catch { await sleep(100); }
      if (proc.exitCode !== null) throw new Error(`mariadbd exited: ${log}`);
    }
    throw new Error(`mariadbd did not start: ${log}`);
  };
  const stop = () => new Promise((resolve) => {
    if (!proc || proc.exitCode !== null) return resolve();
    proc.on('exit', () => resolve());
    proc.kill('SIGTERM');
  });
  await start();
  const rootSql = (text) => execFileSync('mariadb', ['--no-defaults', '-S', sock, '-u', 'root', '-N', '-B', '-e', text],
    { encoding: 'utf8' }).trim();
  const password = 'maria-pass-Secret-43';
  rootSql(`CREATE DATABASE solder; CREATE USER 'solder'@'127.0.0.1' IDENTIFIED BY '${password}';
    GRANT ALL ON solder.* TO 'solder'@'127.0.0.1';`);
  return {
    host: '127.0.0.1', port, user: 'solder', password, database: 'solder', caPem: tls.caPem,
    sql: (text) => rootSql(`USE solder; ${text}`),
    stop, start,
    async remove() { await stop(); rmSync(dir, { recursive: true, force: true }); },
  };
}
