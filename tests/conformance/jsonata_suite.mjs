// Conformance runner for the official JSONata test suite against the WASM build under Node.
// Mirrors tests/conformance/jsonata_suite.c: same case ids, same known-failures ratchet and skip
// list, same JSON-text entry point (solder_mapping_eval), same summary line.
//
// Environment: SOLDER_WASM (path of solder-core.js), JSONATA_SUITE (default: the copy in
// tests/conformance/jsonata). Flags: --verbose, --list-failures. Exit 77 when the suite or the
// module is missing, 1 in CI (tests/skip.mjs).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { exitSkip } from '../skip.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const listFailures = args.includes('--list-failures');
const positional = args.filter((a) => !a.startsWith('--'));

const suite = positional[0] || process.env.JSONATA_SUITE || path.join(here, 'jsonata');
const wasmPath = process.env.SOLDER_WASM;

if (!fs.existsSync(path.join(suite, 'groups'))) {
  exitSkip(`jsonata: suite not found at ${suite} (set JSONATA_SUITE)`);
}
if (!wasmPath || !fs.existsSync(wasmPath)) {
  exitSkip(`jsonata: WASM module not found (SOLDER_WASM=${wasmPath})`);
}

function loadList(name) {
  const file = path.join(here, name);
  if (!fs.existsSync(file)) return new Set();
  return new Set(fs.readFileSync(file, 'utf8').split('\n')
    .map((l) => l.replace(/#.*/, '').trim().split(/\s+/)[0])
    .filter(Boolean));
}
const known = loadList('jsonata-known-failures.txt');
const skip = loadList('jsonata-skip.txt');

const require = createRequire(import.meta.url);
const SolderCore = require(path.resolve(wasmPath));
const core = await SolderCore();
const evalFn = core.cwrap('solder_mapping_eval', 'number',
  ['string', 'string', 'string', 'number', 'number']);
const freeFn = core.cwrap('solder_mapping_free', null, ['number']);

function evaluate(expr, inputText, bindingsText, timeMs, depth) {
  const p = evalFn(expr, inputText, bindingsText, timeMs, depth);
  const text = core.UTF8ToString(p);
  freeFn(p);
  return text;
}

// JSON equality: numbers by value, objects ignoring member order (as json_equal in C).
function equal(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null) return false;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => equal(x, b[i]));
  }
  if (typeof a === 'object') {
    if (Array.isArray(b)) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && equal(a[k], b[k]));
  }
  return false;
}

const datasets = new Map();
function dataset(name) {
  if (!datasets.has(name)) {
    datasets.set(name, fs.readFileSync(path.join(suite, 'datasets', `${name}.json`), 'utf8'));
  }
  return datasets.get(name);
}

let passed = 0;
let failed = 0;
let skipped = 0;
let regressions = 0;

function runCase(dir, c) {
  let expr = c.expr;
  if (expr === undefined && c['expr-file']) {
    expr = fs.readFileSync(path.join(dir, c['expr-file']), 'utf8');
  }
  if (expr === undefined) return { ok: false, why: 'case has no expr' };
  let input = null;
  if (Object.hasOwn(c, 'data')) input = JSON.stringify(c.data);
  else if (typeof c.dataset === 'string') input = dataset(c.dataset);
  const bindings = c.bindings && typeof c.bindings === 'object' ? JSON.stringify(c.bindings) : null;
  const out = evaluate(expr, input, bindings, c.timelimit || 0, c.depth || 0);
  let got;
  try {
    got = JSON.parse(out);
  } catch {
    got = null;
  }
  const wantCode = c.code || (c.error && c.error.code);
  let ok = false;
  if (wantCode) ok = !!(got && got.error && got.error.code === wantCode);
  else if (Object.hasOwn(c, 'result')) ok = !!(got && Object.hasOwn(got, 'result') && equal(got.result, c.result));
  else if (c.undefinedResult) ok = !!(got && got.undefined);
  const want = wantCode ? `error ${wantCode}` : Object.hasOwn(c, 'result') ? JSON.stringify(c.result) : 'undefined';
  return { ok, why: `expr ${expr}\n    want ${want}\n    got  ${out.slice(0, 400)}` };
}

function judge(dir, id, c) {
  if (skip.has(id)) {
    skipped++;
    return;
  }
  const { ok, why } = runCase(dir, c);
  if (ok) {
    passed++;
    return;
  }
  failed++;
  const isKnown = known.has(id);
  if (!isKnown) regressions++;
  if (listFailures) console.log(id);
  else if (verbose || !isKnown) console.log(`${isKnown ? 'FAIL (known)' : 'FAIL'} ${id}\n    ${why}`);
}

const byName = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
for (const group of fs.readdirSync(path.join(suite, 'groups')).filter((n) => !n.startsWith('.')).sort(byName)) {
  const dir = path.join(suite, 'groups', group);
  for (const file of fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort(byName)) {
    const doc = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    const base = file.slice(0, -5);
    if (Array.isArray(doc)) doc.forEach((c, i) => judge(dir, `${group}/${base}[${i}]`, c));
    else judge(dir, `${group}/${base}`, doc);
  }
}

// Our own regression cases (tests/cases/mapping/*.json): every one must pass.
let ownPassed = 0;
let ownFailed = 0;
if (!listFailures) {
  const casesDir = path.join(here, '../cases/mapping');
  const files = fs.existsSync(casesDir) ? fs.readdirSync(casesDir).filter((n) => n.endsWith('.json')).sort(byName) : [];
  for (const file of files) {
    JSON.parse(fs.readFileSync(path.join(casesDir, file), 'utf8')).forEach((c, i) => {
      const { ok, why } = runCase(casesDir, c);
      if (ok) ownPassed++;
      else {
        ownFailed++;
        console.log(`FAIL cases/mapping/${file}[${i}] ${c.name || ''}\n    ${why}`);
      }
    });
  }
  console.log(`mapping cases: ${ownPassed} passed, ${ownFailed} failed`);
}

if (!listFailures) {
  if (regressions) console.log(`${regressions} failure(s) not in jsonata-known-failures.txt`);
  console.log(`jsonata: ${passed} passed, ${failed} failed, ${skipped} skipped`);
}
process.exit(regressions || ownFailed ? 1 : 0);
