// The WASM build prints every number of tests/cases/json/numbers.json as JavaScript does, and reads
// and writes the texts of tests/cases/json/parse.json, as the native build does
// (tests/unit/test_json.c runs the same files).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { testNeeding } from '../skip.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const wasmPath = process.env.SOLDER_WASM;
const { cases } = JSON.parse(readFileSync(path.join(here, '../cases/json/numbers.json'), 'utf8'));

testNeeding(!wasmPath && 'SOLDER_WASM not set (no WASM build)', 'WASM number printer matches JavaScript on the shared cases', async () => {
  const SolderCore = createRequire(import.meta.url)(wasmPath);
  const core = await SolderCore();
  const numberText = core.cwrap('solder_json_number_text', 'string', ['number']);
  const view = new DataView(new ArrayBuffer(8));
  assert.ok(cases.length > 4000);
  const wrong = [];
  for (const [bits, text] of cases) {
    view.setBigUint64(0, BigInt(`0x${bits}`));
    const got = numberText(view.getFloat64(0));
    if (got !== text) wrong.push(`${bits}: got ${got}, JavaScript prints ${text}`);
  }
  assert.deepEqual(wrong.slice(0, 20), []);
});

const parseCases = JSON.parse(readFileSync(path.join(here, '../cases/json/parse.json'), 'utf8')).cases;

testNeeding(!wasmPath && 'SOLDER_WASM not set (no WASM build)', 'WASM JSON reader and writer match the shared cases', async () => {
  const SolderCore = createRequire(import.meta.url)(wasmPath);
  const core = await SolderCore();
  const reprint = core.cwrap('solder_json_reprint', 'number', ['string']);
  assert.ok(parseCases.length >= 30);
  for (const c of parseCases) {
    const ptr = reprint(c.text);
    const got = JSON.parse(core.UTF8ToString(ptr));
    core._solder_free(ptr);
    if ('result' in c) assert.deepEqual(got, { result: c.result }, c.name);
    else assert.deepEqual(got, { error: c.error, line: c.line, column: c.column }, c.name);
  }
});
