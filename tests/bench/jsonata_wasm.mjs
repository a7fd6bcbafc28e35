// JSONata evaluations per second in the WASM build under Node: the same cases and the same loop
// as bench_jsonata (compile once, evaluate many times), timed around solder_mapping_repeat.
// Usage: node --no-experimental-fetch jsonata_wasm.mjs CASES.json SOLDER_CORE_JS SECONDS
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const [casesPath, corePath, secondsArg] = process.argv.slice(2);
const seconds = Number(secondsArg || 1);
const doc = JSON.parse(readFileSync(casesPath, 'utf8'));
const core = await createRequire(import.meta.url)(corePath)();
const repeat = core.cwrap('solder_mapping_repeat', 'number', ['string', 'string', 'number']);
const input = JSON.stringify(doc.input);
for (const c of doc.cases) {
  let n = 64;
  for (;;) {
    const start = process.hrtime.bigint();
    if (repeat(c.expr, input, n) !== 0) throw new Error(`${c.name}: evaluation failed`);
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    if (secs >= seconds) { console.log(`${c.name}\t${Math.round(n / secs)}`); break; }
    n = Math.ceil(n * Math.min(16, Math.max(2, (seconds * 1.2) / Math.max(secs, 1e-6))));
  }
}
