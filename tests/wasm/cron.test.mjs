// solder_cron_next, the export behind the workflow builder's schedule helper: the next times a
// cron expression fires, from the same shared/workflow/cron.c the scheduler runs, and its errors.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { testNeeding } from '../skip.mjs';

const wasmPath = process.env.SOLDER_WASM;

testNeeding(!wasmPath && 'SOLDER_WASM not set (no WASM build)', 'next runs of cron expressions, and a clear error for a bad one', async () => {
  const core = await createRequire(import.meta.url)(wasmPath)();
  const next = (text, after, count) => {
    const p = core.ccall('solder_cron_next', 'number', ['string', 'number', 'number'], [text, after, count]);
    const out = JSON.parse(core.UTF8ToString(p));
    core._free(p);
    return out;
  };
  const monday = Date.UTC(2024, 0, 1, 10, 30) / 1000; // Monday 2024-01-01 10:30 UTC
  assert.deepEqual(next('0 9 * * *', monday, 3).next.map((t) => new Date(t * 1000).toISOString()),
    ['2024-01-02T09:00:00.000Z', '2024-01-03T09:00:00.000Z', '2024-01-04T09:00:00.000Z']);
  assert.deepEqual(next('*/15 * * * *', monday, 2).next.map((t) => t - monday), [15 * 60, 30 * 60]);
  assert.deepEqual(next('@weekly', monday, 1).next.map((t) => new Date(t * 1000).toISOString()), ['2024-01-07T00:00:00.000Z']);
  assert.equal(next('0 9 * * *', monday, 500).next.length, 20, 'at most 20 times per call');
  assert.match(next('61 * * * *', monday, 3).error, /^minute: /);
  assert.ok(next('0 0 30 2 *', monday, 1).error, 'a day no chosen month has is refused');
});
