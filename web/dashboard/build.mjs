// Bundles the dashboard (src/) into dist/ with esbuild: dist/app.js (the entry), lazily loaded
// chunks (the code editor, the charts) and dist/app.css. Run by `make build` and the test build
// (web/dashboard/dashboard.cmake); `node web/dashboard/build.mjs --sizes` also prints each file's
// raw and gzipped size. Each output also gets a gzipped sibling (app.js.gz, …) that the server
// sends to browsers accepting gzip (native/http/static.c). The WASM core (dist/core.mjs +
// core.wasm, and their .gz) is built by emcc and gzip, not here (dashboard.cmake).
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = process.argv.includes('--out') ? process.argv[process.argv.indexOf('--out') + 1]
  : path.join(here, 'dist');

for (const f of readdirSync(out, { withFileTypes: true }).filter((e) => e.isFile())) {
  if (/^(app|chunk-|editor-|charts-).*\.(js|css|map)(\.gz)?$/.test(f.name)) rmSync(path.join(out, f.name));
}

await build({
  entryPoints: { app: path.join(here, 'src/main.js') },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  minify: true,
  target: ['chrome110', 'firefox110', 'safari16'],
  chunkNames: 'chunk-[hash]',
  external: ['/dashboard/dist/core.mjs'],
  loader: { '.css': 'css' },
  legalComments: 'none',
  logLevel: 'warning',
});

for (const f of readdirSync(out).filter((n) => /^(app|chunk-).*\.(js|css)$/.test(n))) {
  writeFileSync(path.join(out, `${f}.gz`), gzipSync(readFileSync(path.join(out, f)), { level: 9 }));
}

if (process.argv.includes('--sizes')) {
  const rows = readdirSync(out).filter((f) => /\.(js|mjs|css|wasm)$/.test(f)).sort();
  for (const f of rows) {
    const data = readFileSync(path.join(out, f));
    console.log(`${f}\t${statSync(path.join(out, f)).size}\t${gzipSync(data, { level: 9 }).length}`);
  }
}
