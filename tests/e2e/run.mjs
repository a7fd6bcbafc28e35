// ctest entry of the browser tests: runs every *.test.mjs of tests/e2e (or of the directory given
// as the first argument, e.g. tests/demo) with node's test runner, or exits 77 (ctest's
// SKIP_RETURN_CODE) with the reason when Chromium or playwright-core is missing (1 in CI, where
// nothing may skip: tests/skip.mjs).
// scripts/bootstrap.sh installs both (Debian's chromium; playwright-core from package-lock.json).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitSkip } from '../skip.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const chromium = process.env.SOLDER_CHROMIUM || '/usr/bin/chromium';
const skip = (why) => exitSkip(`e2e: ${why}`);
if (!existsSync(chromium)) skip(`no Chromium at ${chromium} (apt-get install chromium, or set SOLDER_CHROMIUM)`);
try {
  createRequire(path.join(here, 'package.json')).resolve('playwright-core');
} catch {
  skip('playwright-core is not installed (cd tests/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci)');
}
const dir = process.argv[2] ? path.resolve(process.argv[2]) : here;
const files = readdirSync(dir).filter((f) => f.endsWith('.test.mjs')).map((f) => path.join(dir, f));
const r = spawnSync(process.execPath, ['--test-reporter=spec', '--test', ...files],
  { stdio: 'inherit', env: { ...process.env, SOLDER_CHROMIUM: chromium } });
process.exit(r.status ?? 1);
