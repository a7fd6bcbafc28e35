// Checks that the PostgreSQL schema (native/store/postgres/schema.c) is the schema SQLite reaches
// after its migrations (store_sqlite_migrations in native/store/sqlite/schema.c), table by table.
//
//   node tests/store/pg-schema-check.mjs        (from the repository root; needs cc, sqlite3, the
//                                                postgresql package; prints every difference)
//
// It builds a SQLite database from the migrations with the sqlite3 shell, compiles schema.c with a
// small main that prints store_pg_migrations, starts a throwaway PostgreSQL
// (tests/api/dbservers.mjs), applies every PostgreSQL migration with psql, each in one transaction,
// and compares, per table: the column names in order, NOT NULL, types (INTEGER -> bigint,
// TEXT -> text, BLOB -> bytea), defaults, the primary key, foreign keys (columns, target, ON
// DELETE) and indexes (name of each CREATE INDEX, unique or not, columns, partial condition).
// A SQLite PRIMARY KEY column counts as NOT NULL: PostgreSQL makes it so, and the store never writes
// NULL there. A column under COLLATE NOCASE in a SQLite index stands for lower(column) on
// PostgreSQL. The differences the PostgreSQL schema has on purpose are listed in EXPECTED below,
// each with its reason; any other difference, or an expected one that is missing, fails the run
// (exit 1). Exits 77 when PostgreSQL is not installed (1 under CI=true).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres } from '../api/dbservers.mjs';
import { exitSkip } from '../skip.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// What PostgreSQL has that SQLite has not, on purpose. Keys are the lines the comparison prints.
const EXPECTED = new Map([
  ['users: column only on postgres: seq bigint identity not null', 'listings tie-break by seq where SQLite uses rowid'],
  ['executions: column only on postgres: seq bigint identity not null', 'listings tie-break by seq where SQLite uses rowid'],
  ['users: index users_env_created: sqlite (env_id, created_at) postgres (env_id, created_at, seq)',
    'a SQLite index ends in the implicit rowid; seq takes its place in the ORDER BY it serves'],
  ['executions: index executions_workflow: sqlite (workflow_id, created_at) postgres (workflow_id, created_at, seq)',
    'same: SQLite orders executions of a workflow by created_at, rowid'],
  ['executions: index executions_created: sqlite (env_id, created_at) postgres (env_id, created_at, seq)',
    'same: the history listing orders by created_at, rowid'],
]);

// The string literals of the C array initializer named name in the file at file, adjacent literals
// joined, one string per element.
function cArray(file, name) {
  const src = readFileSync(file, 'utf8');
  const at = src.search(new RegExp(`\\b${name}\\[\\]\\s*=\\s*\\{`));
  if (at < 0) throw new Error(`${file}: no array ${name}`);
  const body = src.slice(src.indexOf('{', at) + 1, src.indexOf('\n};', at))
    .replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
  const out = [];
  let cur = null;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === ',') { out.push(cur); cur = null; continue; }
    if (body[i] !== '"') continue;
    let s = '';
    for (i++; body[i] !== '"'; i++) {
      if (body[i] !== '\\') { s += body[i]; continue; }
      const e = body[++i];
      s += { n: '\n', t: '\t' }[e] ?? e;
    }
    cur = (cur ?? '') + s;
  }
  if (cur !== null) out.push(cur);
  return out;
}

// store_pg_migrations as the compiler sees them: schema.c built with a main printing each one.
function pgMigrations(dir) {
  const main = path.join(dir, 'print.c');
  writeFileSync(main, '#include <stdio.h>\n#include "store/postgres/schema.h"\n'
    + 'int main(void) { for (int i = 0; i < store_pg_migration_count; i++) '
    + '{ fputs(store_pg_migrations[i], stdout); putchar(0); } return 0; }\n');
  const exe = path.join(dir, 'print');
  execFileSync(process.env.CC || 'cc', ['-std=c11', '-Wall', '-Wextra', '-Werror', '-I', path.join(root, 'native'),
    main, path.join(root, 'native/store/postgres/schema.c'), '-o', exe]);
  return execFileSync(exe, { encoding: 'utf8' }).split('\0').slice(0, -1);
}

const norm = (sql) => (sql ?? '').replace(/::[a-z ]+/g, '').replace(/[()]/g, '').replace(/\s+/g, ' ').trim();

function sqliteSchema(db) {
  const q = (sql) => JSON.parse(execFileSync('sqlite3', ['-json', db, sql], { encoding: 'utf8' }) || '[]');
  const tables = {};
  for (const { name } of q("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")) {
    const t = tables[name] = { columns: [], pk: [], fks: [], indexes: {} };
    for (const c of q(`SELECT * FROM pragma_table_info('${name}') ORDER BY cid`)) {
      t.columns.push({ name: c.name, notnull: c.notnull === 1 || c.pk > 0, type: c.type, dflt: c.dflt_value ?? null });
      if (c.pk) t.pk[c.pk - 1] = c.name;
    }
    for (const f of q(`SELECT * FROM pragma_foreign_key_list('${name}') ORDER BY id, seq`))
      t.fks.push(`(${f.from}) -> ${f.table}(${f.to}) on delete ${f.on_delete.toLowerCase()}`);
    for (const ix of q(`SELECT l.*, m.sql FROM pragma_index_list('${name}') l `
      + `LEFT JOIN sqlite_master m ON m.type = 'index' AND m.name = l.name`)) {
      if (ix.origin === 'pk') continue;
      const cols = q(`SELECT name, coll FROM pragma_index_xinfo('${ix.name}') WHERE key ORDER BY seqno`)
        .map((c) => (c.coll === 'NOCASE' ? `lower(${c.name})` : c.name));
      const where = ix.partial ? norm(ix.sql.slice(ix.sql.search(/\bWHERE\b/i) + 5)) : '';
      // A unique index is keyed by its columns (a UNIQUE constraint's is named by the engine, and
      // lower(email) is an index on PostgreSQL but a constraint here); a CREATE INDEX keeps its name.
      const key = ix.unique ? `unique (${cols.join(', ')})` : ix.name;
      t.indexes[key] = { unique: ix.unique === 1, cols, where, name: ix.origin === 'c' ? ix.name : null };
    }
  }
  return tables;
}

function postgresSchema(pg) {
  const q = (sql) => JSON.parse(pg.sql(`SELECT coalesce(json_agg(r), '[]') FROM (${sql}) r`));
  const tables = {};
  for (const { name } of q("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"))
    tables[name] = { columns: [], pk: [], fks: [], indexes: {} };
  for (const c of q(`SELECT table_name, column_name, is_nullable, data_type, column_default, is_identity
      FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`))
    tables[c.table_name].columns.push({ name: c.column_name, notnull: c.is_nullable === 'NO', type: c.data_type,
      dflt: c.column_default, identity: c.is_identity === 'YES' });
  for (const f of q(`SELECT c.conrelid::regclass::text AS tbl, c.contype, c.confdeltype,
      c.confrelid::regclass::text AS target,
      (SELECT array_agg(a.attname ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY k(att, n)
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.att) AS cols,
      (SELECT array_agg(a.attname ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY k(att, n)
        JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.att) AS tcols
      FROM pg_constraint c JOIN pg_namespace s ON s.oid = c.connamespace
      WHERE s.nspname = 'public' AND c.contype IN ('p', 'f')`)) {
    const t = tables[f.tbl];
    if (f.contype === 'p') t.pk = f.cols;
    else t.fks.push(`(${f.cols.join(', ')}) -> ${f.target}(${f.tcols.join(', ')}) on delete `
      + { a: 'no action', c: 'cascade', r: 'restrict', n: 'set null', d: 'set default' }[f.confdeltype]);
  }
  for (const ix of q(`SELECT t.relname AS tbl, i.relname AS name, x.indisunique AS uniq,
      x.indisprimary AS pk, pg_get_expr(x.indpred, x.indrelid) AS pred,
      (SELECT array_agg(pg_get_indexdef(x.indexrelid, k, true) ORDER BY k)
        FROM generate_series(1, x.indnkeyatts) k) AS cols,
      EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.contype = 'u') AS con
      FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
      JOIN pg_namespace s ON s.oid = t.relnamespace WHERE s.nspname = 'public'`)) {
    if (ix.pk) continue;
    const key = ix.uniq ? `unique (${ix.cols.join(', ')})` : ix.name;
    tables[ix.tbl].indexes[key] = { unique: ix.uniq, cols: ix.cols, where: norm(ix.pred), name: ix.con ? null : ix.name };
  }
  return tables;
}

const TYPES = { INTEGER: 'bigint', TEXT: 'text', BLOB: 'bytea' };
const sqliteDefault = (d) => (d === null ? null : norm(d));
const pgDefault = (d) => (d === null ? null : norm(d));

// One line per difference between the two schemas.
function compare(lite, pg) {
  const diffs = [];
  const names = [...new Set([...Object.keys(lite), ...Object.keys(pg)])].sort();
  for (const name of names) {
    const a = lite[name];
    const b = pg[name];
    if (!a || !b) { diffs.push(`${name}: table only on ${a ? 'sqlite' : 'postgres'}`); continue; }
    const bcols = new Map(b.columns.map((c) => [c.name, c]));
    const acols = new Map(a.columns.map((c) => [c.name, c]));
    for (const c of a.columns) {
      const d = bcols.get(c.name);
      if (!d) { diffs.push(`${name}: column only on sqlite: ${c.name}`); continue; }
      if (c.notnull !== d.notnull)
        diffs.push(`${name}.${c.name}: NOT NULL on ${c.notnull ? 'sqlite' : 'postgres'} only`);
      if (TYPES[c.type] !== d.type) diffs.push(`${name}.${c.name}: type sqlite ${c.type} postgres ${d.type}`);
      if (sqliteDefault(c.dflt) !== pgDefault(d.dflt))
        diffs.push(`${name}.${c.name}: default sqlite ${c.dflt} postgres ${d.dflt}`);
    }
    for (const d of b.columns) {
      if (acols.has(d.name)) continue;
      const what = [d.type, d.identity ? 'identity' : '', d.notnull ? 'not null' : ''].filter(Boolean).join(' ');
      diffs.push(`${name}: column only on postgres: ${d.name} ${what}`);
    }
    const order = (cols, other) => cols.map((c) => c.name).filter((n) => other.has(n)).join(', ');
    if (order(a.columns, bcols) !== order(b.columns, acols))
      diffs.push(`${name}: column order sqlite (${order(a.columns, bcols)}) postgres (${order(b.columns, acols)})`);
    if (a.pk.join(', ') !== b.pk.join(', '))
      diffs.push(`${name}: primary key sqlite (${a.pk.join(', ')}) postgres (${b.pk.join(', ')})`);
    const afk = [...a.fks].sort().join('; ');
    const bfk = [...b.fks].sort().join('; ');
    if (afk !== bfk) diffs.push(`${name}: foreign keys sqlite [${afk}] postgres [${bfk}]`);
    for (const key of new Set([...Object.keys(a.indexes), ...Object.keys(b.indexes)])) {
      const x = a.indexes[key];
      const y = b.indexes[key];
      if (!x || !y) { diffs.push(`${name}: index only on ${x ? 'sqlite' : 'postgres'}: ${key}`); continue; }
      if (x.name && x.name !== y.name) diffs.push(`${name}: index ${key}: named ${x.name} on sqlite, ${y.name} on postgres`);
      if (x.unique !== y.unique) diffs.push(`${name}: index ${key}: unique on ${x.unique ? 'sqlite' : 'postgres'} only`);
      if (x.cols.join(', ') !== y.cols.join(', '))
        diffs.push(`${name}: index ${key}: sqlite (${x.cols.join(', ')}) postgres (${y.cols.join(', ')})`);
      if (x.where !== y.where) diffs.push(`${name}: index ${key}: where sqlite "${x.where}" postgres "${y.where}"`);
    }
  }
  return diffs;
}

const dir = mkdtempSync(path.join(tmpdir(), 'solder-pg-schema-'));
let pg = null;
let failed = false;
try {
  const migrations = cArray(path.join(root, 'native/store/sqlite/schema.c'), 'store_sqlite_migrations');
  const db = path.join(dir, 'sqlite.db');
  execFileSync('sqlite3', [db], {
    input: migrations.map((m, i) => `BEGIN;\n${m};\nPRAGMA user_version = ${i + 1};\nCOMMIT;\n`).join(''),
  });
  const pgScripts = pgMigrations(dir);
  pg = await startPostgres();
  if (!pg) exitSkip('pg-schema-check: no PostgreSQL (the postgresql package)');
  for (const script of pgScripts) pg.sql(script); // psql -c: one transaction per migration
  console.log(`sqlite: ${migrations.length} migrations; postgres: ${pgScripts.length} `
    + `(${pg.sql('SHOW server_version')})`);
  const lite = sqliteSchema(db);
  const post = postgresSchema(pg);
  const diffs = compare(lite, post);
  const seen = new Set();
  for (const d of diffs) {
    if (EXPECTED.has(d)) { seen.add(d); console.log(`expected: ${d} (${EXPECTED.get(d)})`); } else {
      failed = true;
      console.log(`DIFFERENT: ${d}`);
    }
  }
  for (const d of EXPECTED.keys()) {
    if (!seen.has(d)) { failed = true; console.log(`MISSING expected difference: ${d}`); }
  }
  const count = (t) => Object.values(t).reduce((n, x) => n + x.columns.length, 0);
  const indexes = (t) => Object.values(t).reduce((n, x) => n + Object.keys(x.indexes).length, 0);
  console.log(`pg-schema-check: ${Object.keys(lite).length} tables, ${count(lite)} sqlite columns, `
    + `${count(post)} postgres columns, ${indexes(post)} indexes and unique constraints: `
    + `${failed ? 'FAILED' : 'same schema'} (${seen.size} expected differences)`);
} finally {
  if (pg) pg.remove();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
