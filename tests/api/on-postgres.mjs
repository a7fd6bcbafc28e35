// Runs API test files with every store on PostgreSQL: starts one PostgreSQL (dbservers.mjs) on a
// free loopback port, runs `node --test` on the files or directories given (tests/api/ when none)
// with SOLDER_TEST_POSTGRES set to its administrator's URL, so that server.mjs makes a database on
// it for each store, then stops PostgreSQL and removes its directory, whatever happened (a signal
// too), and exits with the test run's status. Without PostgreSQL installed it skips (exit 77,
// ctest's skip code), or fails in CI.
//   node tests/api/on-postgres.mjs tests/api/users.test.mjs
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres } from './dbservers.mjs';
import { exitSkip } from '../skip.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

// Every server holds a pool of connections to its database, and a test file runs several servers
// at once (leases.test.mjs, three): 100, PostgreSQL's default, is too few.
const MAX_CONNECTIONS = 400;

const pg = await startPostgres({ maxConnections: MAX_CONNECTIONS });
if (!pg) exitSkip('PostgreSQL is not installed (scripts/bootstrap.sh installs it): the API tests on PostgreSQL');
pg.removeAfter(process.pid);

let removed = false;
function removePostgres() {
  if (removed) return;
  removed = true;
  try {
    pg.remove();
  } catch (e) {
    console.error(`on-postgres: stopping PostgreSQL: ${e.message}`);
  }
}

const files = process.argv.slice(2);
const child = spawn(process.execPath, ['--test-reporter=spec', '--test', ...(files.length ? files : [here])],
  { stdio: 'inherit', env: { ...process.env, SOLDER_TEST_POSTGRES: pg.url } });
console.log(`on-postgres: PostgreSQL on 127.0.0.1:${pg.port}, max_connections ${MAX_CONNECTIONS}`);

// A signal goes on to the test run (the terminal sends SIGINT to both); PostgreSQL is removed once
// it has ended, and the exit status is the signal's.
let received = null;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    received = signal;
    if (child.exitCode === null) child.kill(signal);
  });
}
process.on('exit', removePostgres);

const [code, signal] = await new Promise((resolve) => {
  child.on('exit', (c, s) => resolve([c, s]));
  child.on('error', (e) => { console.error(`on-postgres: ${e.message}`); resolve([1, null]); });
});
removePostgres();
const ended = received || signal;
process.exit(ended ? 128 + constants.signals[ended] : code);
