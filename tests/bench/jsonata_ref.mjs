// Reference side of the JSONata benchmark: the jsonata npm package on the same cases and input
// as bench_jsonata.c, one thread, about a second per case. Prints "name<TAB>evals_per_second".
// Usage: node jsonata_ref.mjs CASES_JSON NODE_MODULES_DIR [SECONDS]
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const [casesPath, modulesDir, secondsArg] = process.argv.slice(2);
const seconds = Number(secondsArg || 1);
const require = createRequire(path.join(path.resolve(modulesDir), 'noop.js'));
const jsonata = require('jsonata');
const doc = JSON.parse(fs.readFileSync(casesPath, 'utf8'));

for (const c of doc.cases) {
  const expr = jsonata(c.expr);
  let iters = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  do {
    for (let k = 0; k < 64; k++) {
      // evaluate() returns a promise in jsonata 2.x; awaiting matches real use
      await expr.evaluate(doc.input);
    }
    iters += 64;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  } while (elapsed < seconds);
  console.log(`${c.name}\t${Math.round(iters / elapsed)}`);
}
