// Runs the official JSON Schema test suite (draft 2020-12) and the schema cases of
// tests/cases/schema/ through the WASM build (solder_schema_validate and friends), with the same
// rules as jsonschema_suite.c: remotes served from http://localhost:1234/, optional/ reported on
// its own line, optional/format/ with format assertion, known failures from
// jsonschema-known-failures.txt. Exit 0 on success, 1 on an unexpected required failure, 77 when
// the suite or the WASM module is missing (1 in CI, tests/skip.mjs). JSON_SCHEMA_SUITE overrides
// the suite's location, by default the copy in tests/conformance/json-schema.
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { exitSkip } from '../skip.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const suite = process.env.JSON_SCHEMA_SUITE || path.join(here, 'json-schema');
const knownPath = process.env.SOLDER_KNOWN_FAILURES ||
  path.join(here, 'jsonschema-known-failures.txt');
const wasmPath = process.env.SOLDER_WASM;
const testsDir = path.join(suite, 'tests', 'draft2020-12');

if (!wasmPath || !existsSync(wasmPath)) {
  exitSkip('json-schema (wasm): SOLDER_WASM not set or missing');
}
if (!existsSync(testsDir)) {
  exitSkip(`json-schema: suite not found at ${testsDir} (set JSON_SCHEMA_SUITE)`);
}

function listJson(dir, rel = '') {
  const out = [];
  for (const name of readdirSync(path.join(dir, rel))) {
    if (name.startsWith('.')) continue;
    const sub = rel ? `${rel}/${name}` : name;
    if (statSync(path.join(dir, sub)).isDirectory()) out.push(...listJson(dir, sub));
    else if (name.endsWith('.json')) out.push(sub);
  }
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const core = await createRequire(import.meta.url)(path.resolve(wasmPath))();
const free = core._solder_free || core._free;

// Strings go through malloc'd memory, not the stack: the registry alone is tens of kilobytes.
function toC(text) {
  const n = core.lengthBytesUTF8(text) + 1;
  const p = core._malloc(n);
  core.stringToUTF8(text, p, n);
  return p;
}
function call(name, ...texts) {
  const ptrs = texts.map((t) => (t === null ? 0 : toC(t)));
  const out = core.ccall(name, 'number', ptrs.map(() => 'number'), ptrs);
  ptrs.forEach((p) => p && core._free(p));
  const result = JSON.parse(core.UTF8ToString(out));
  free(out);
  return result;
}

const registry = {};
const remotes = path.join(suite, 'remotes');
for (const f of listJson(remotes)) {
  registry[`http://localhost:1234/${f}`] = JSON.parse(readFileSync(path.join(remotes, f), 'utf8'));
}
const plain = JSON.stringify({ registry });
const asserting = JSON.stringify({ registry, formatAssertion: true });
const known = new Set(existsSync(knownPath)
  ? readFileSync(knownPath, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
  : []);

const req = { passed: 0, failed: 0, skipped: 0 };
const opt = { passed: 0, failed: 0, skipped: 0 };
let unexpected = 0;
for (const rel of listJson(testsDir)) {
  const optional = rel.startsWith('optional/');
  const options = rel.startsWith('optional/format/') ? asserting : plain;
  const tally = optional ? opt : req;
  for (const group of JSON.parse(readFileSync(path.join(testsDir, rel), 'utf8'))) {
    const schema = JSON.stringify(group.schema);
    for (const t of group.tests) {
      const res = call('solder_schema_validate', schema, JSON.stringify(t.data), options);
      const id = `${rel} | ${group.description} | ${t.description}`;
      if (typeof res.valid === 'boolean' && res.valid === t.valid) {
        tally.passed++;
        continue;
      }
      tally.failed++;
      const listed = known.has(id);
      if (!optional && !listed) unexpected++;
      const tag = optional ? 'FAIL(optional)' : listed ? 'FAIL(known)' : 'FAIL';
      const se = res.schemaError ? `; schema error: ${res.schemaError}` : '';
      console.log(`${tag} ${id} (expected ${t.valid ? 'valid' : 'invalid'}${se})`);
    }
  }
}
console.log(`json-schema: ${req.passed} passed, ${req.failed} failed, ${req.skipped} skipped`);
console.log(`json-schema-optional: ${opt.passed} passed, ${opt.failed} failed, ${opt.skipped} skipped`);

// The module's own cases (tests/cases/schema/), shared with tests/unit/test_schema.c.
function same(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || !a || !b) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => same(a[k], b[k]));
}
const casesDir = path.join(here, '..', 'cases', 'schema');
const load = (f) => JSON.parse(readFileSync(path.join(casesDir, f), 'utf8'));
let casesPassed = 0, casesFailed = 0;
function check(ok, what) {
  if (ok) { casesPassed++; return; }
  casesFailed++;
  console.log(`FAIL schema case: ${what}`);
}
for (const c of load('messages.json')) {
  const opts = {};
  if (c.formatAssertion) opts.formatAssertion = true;
  if (c.registry) opts.registry = c.registry;
  const res = call('solder_schema_validate', JSON.stringify(c.schema), JSON.stringify(c.data),
    JSON.stringify(opts));
  if ('schemaError' in c) check(res.schemaError === c.schemaError, `messages.json: ${c.description}`);
  else check(same(res.errors, c.errors) && res.valid === (c.errors.length === 0),
    `messages.json: ${c.description}: ${JSON.stringify(res)}`);
}
for (const c of load('sample.json')) {
  const is = call('solder_schema_is_sample', JSON.stringify(c.sample));
  check(is.isSample === c.isSample, `sample.json: ${c.description}: isSample`);
  if (c.schema) check(same(call('solder_schema_from_sample', JSON.stringify(c.sample)).schema, c.schema),
    `sample.json: ${c.description}: schema`);
  if (c.error) check(call('solder_schema_from_sample', JSON.stringify(c.sample)).error === c.error,
    `sample.json: ${c.description}: error`);
}
for (const c of load('form.json')) {
  const res = call('solder_schema_form', JSON.stringify(c.schema));
  if (c.fields) check(same(res.fields, c.fields), `form.json: ${c.description}: ${JSON.stringify(res)}`);
  else check(res.error === c.error, `form.json: ${c.description}`);
}
console.log(`schema-cases: ${casesPassed} passed, ${casesFailed} failed`);
process.exit(unexpected || casesFailed ? 1 : 0);
