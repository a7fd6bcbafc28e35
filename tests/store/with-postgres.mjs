// Runs commands (the store's C unit tests) with their stores on PostgreSQL: starts one PostgreSQL
// (tests/api/dbservers.mjs) on a free loopback port, runs each command in turn with
// SOLDER_TEST_POSTGRES set to its administrator's URL (tests/unit/store_fixture.h then makes a
// database for each store), removes PostgreSQL whatever happened, and exits with the first failing
// command's status (0 when all passed). Exits 77 (a skip) without PostgreSQL, 1 under CI=true.
//   node tests/store/with-postgres.mjs build/test/test_store_runs build/test/test_store_leases
import { spawnSync } from 'node:child_process';
import { startPostgres } from '../api/dbservers.mjs';
import { exitSkip } from '../skip.mjs';

const commands = process.argv.slice(2);
if (commands.length === 0) {
  console.error('usage: node tests/store/with-postgres.mjs COMMAND...');
  process.exit(2);
}
const pg = await startPostgres();
if (!pg) exitSkip('PostgreSQL is not installed (scripts/bootstrap.sh installs it): the store tests on PostgreSQL');
const url = `postgres://${pg.user}:${pg.password}@${pg.host}:${pg.port}`;
let status = 0;
try {
  for (const cmd of commands) {
    const r = spawnSync(cmd, [], { stdio: 'inherit', env: { ...process.env, SOLDER_TEST_POSTGRES: url } });
    const code = r.status ?? 1;
    console.log(`with-postgres: ${cmd}: ${r.signal ? `killed by ${r.signal}` : `exit ${code}`}`);
    if (code !== 0 && status === 0) status = code === 77 ? 1 : code;
  }
} finally {
  pg.remove();
}
process.exit(status);
