// What a test does when something it needs is missing (a suite, a vendor spec, a WASM build, a
// browser): outside CI it skips and says why; in CI (CI=true) nothing may skip, so it fails and
// says why. C runners do the same through tests/skip.h.
import { test } from 'node:test';
import assert from 'node:assert/strict';

export const CI = !['', '0', 'false', 'no'].includes((process.env.CI || '').toLowerCase());

const inCi = (why) => `${why} (CI=${process.env.CI}: a skipped test fails the run)`;

// test(name, fn), unless why names something missing: then skipped outside CI, failed in it.
export function testNeeding(why, name, fn) {
  if (!why) return test(name, fn);
  if (CI) return test(name, () => assert.fail(inCi(why)));
  return test(name, { skip: why }, fn);
}

// For a runner that cannot run at all: prints why and exits 77 (ctest's skip code), or 1 in CI.
export function exitSkip(why) {
  console.log(CI ? inCi(why) : `${why}; skipped`);
  process.exit(CI ? 1 : 77);
}
