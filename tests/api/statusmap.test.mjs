// The quick start's status mapping agrees everywhere (issue 14, item 7): every place the docs, the
// demo catalog and the test cases map AcmeCo's FULFILLED to a BigCommerce status uses 10
// (Completed) — 11 is Awaiting Fulfillment, a new order's status, so 11 left orders unchanged —
// and the catalog's expression, run by `solder map`, gives 10 for FULFILLED and 5 for CANCELLED.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN } from './server.mjs';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PLACES = ['README.md', 'docs', 'demo', 'tests/cases', 'tests/api', 'tests/e2e', 'tests/demo'];
// "FULFILLED" mapped to a number: a conditional ('FULFILLED' ? N) or a table entry ("FULFILLED": N).
const MAPPED = /\\?["']FULFILLED\\?["']\s*(?:\?|:)\s*(\d+)/g;

function files(p) {
  const full = path.join(ROOT, p);
  if (!statSync(full, { throwIfNoEntry: false })) return [];
  if (statSync(full).isFile()) return [full];
  return readdirSync(full).filter((f) => f !== 'node_modules').flatMap((f) => files(path.join(p, f)));
}

test('every FULFILLED mapping in docs, demo and test cases is 10 (Completed)', () => {
  const found = [];
  for (const f of PLACES.flatMap(files).filter((x) => /\.(md|json|mjs)$/.test(x))) {
    for (const m of readFileSync(f, 'utf8').matchAll(MAPPED)) found.push([path.relative(ROOT, f), Number(m[1])]);
  }
  assert.ok(found.length >= 6, `the mapping is written in several places (found ${found.length})`);
  assert.deepEqual(found.filter(([, n]) => n !== 10), [], 'no place maps FULFILLED to anything but 10');
});

test('the demo catalog\'s workflow #2 maps FULFILLED to 10 and CANCELLED to 5', () => {
  const catalog = JSON.parse(readFileSync(path.join(ROOT, 'demo/acmeco/catalog.json'), 'utf8'));
  const wf2 = catalog.integrations[0].workflows.find((w) => w.trigger.type === 'customEvent');
  const expr = wf2.blocks[0].inputs.status_id;
  const run = (status) => execFileSync(BIN, ['map', expr],
    { input: JSON.stringify({ event: { orderId: '123', status } }), encoding: 'utf8' }).trim();
  assert.equal(run('FULFILLED'), '10');
  assert.equal(run('CANCELLED'), '5');
});
