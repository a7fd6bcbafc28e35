// The WASM build of shared/token answers tests/cases/token.json exactly as the native build does
// (tests/unit/test_token.c runs the same file).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { testNeeding } from '../skip.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const wasmPath = process.env.SOLDER_WASM;
const cases = JSON.parse(readFileSync(path.join(here, '../cases/token.json'), 'utf8')).cases;

testNeeding(!wasmPath && 'SOLDER_WASM not set (no WASM build)', 'WASM token module matches the shared cases', async () => {
  const SolderCore = createRequire(import.meta.url)(wasmPath);
  const core = await SolderCore();
  const inspect = core.cwrap('solder_token_inspect', 'number',
    ['string', 'string', 'string', 'string', 'number', 'number']);
  assert.ok(cases.length >= 20);
  for (const c of cases) {
    const e = c.expect;
    const ptr = inspect(c.token, e.alg, e.audience, e.issuer, e.now, e.leeway);
    const got = JSON.parse(core.UTF8ToString(ptr));
    core._solder_free(ptr);
    assert.equal(got.ok, c.result.ok, `${c.name}: ${JSON.stringify(got)}`);
    if (c.result.ok) {
      assert.equal(got.claims.userId, c.result.userId, c.name);
    } else {
      assert.equal(got.error, c.result.error, c.name);
      assert.ok(got.message.length > 0, c.name);
    }
  }
});
