// The WASM build of shared/workflow answers tests/cases/workflow/*.json exactly as the native build
// does (tests/unit/test_workflow.c runs the same files).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { testNeeding } from '../skip.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.join(here, '../cases/workflow');
const wasmPath = process.env.SOLDER_WASM;

function allCases() {
  const out = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const doc = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    for (const c of doc.cases ?? [doc]) out.push({ file, ...c });
  }
  return out;
}

testNeeding(!wasmPath && 'SOLDER_WASM not set (no WASM build)', 'WASM workflow validation matches the shared cases', async () => {
  const SolderCore = createRequire(import.meta.url)(wasmPath);
  const core = await SolderCore();
  const validate = core.cwrap('solder_workflow_validate', 'number', ['string']);
  const cases = allCases();
  assert.ok(cases.length >= 35);
  for (const c of cases) {
    const name = c.name ?? c.file;
    const ptr = validate(JSON.stringify(c.definition));
    const got = JSON.parse(core.UTF8ToString(ptr));
    core._solder_free(ptr);
    if (c.valid) {
      assert.equal(got.valid, true, `${name}: ${JSON.stringify(got.errors)}`);
      assert.equal(got.blocks.length, c.blocks.length, name);
      c.blocks.forEach((want, i) => {
        for (const [k, v] of Object.entries(want)) assert.deepEqual(got.blocks[i][k], v, `${name} block ${i} ${k}`);
      });
      if (c.fields) assert.deepEqual(got.fields, c.fields, name);
    } else {
      assert.equal(got.valid, false, name);
      assert.deepEqual(got.errors.map((e) => e.path), c.errors, name);
      if (c.contains) assert.ok(got.errors[0].message.includes(c.contains), `${name}: ${got.errors[0].message}`);
    }
  }
});
