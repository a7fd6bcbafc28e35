// Fixture of the demo tests: the three servers of `make demo` — the BigCommerce sandbox with two
// stores, Solder with the catalog imported (demo/acmeco/catalog.json, its webhook URL pointed at
// this AcmeCo) and AcmeCo with the development API key — on free loopback ports with temporary
// data, as demo/run.sh starts them.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, BIN } from '../api/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.join(here, '../..');
const ACMECO_BIN = process.env.ACMECO_BIN || path.join(path.dirname(BIN), 'acmeco');
const SANDBOX_BIN = process.env.SANDBOX_BIN || path.join(path.dirname(BIN), 'bigcommerce-sandbox');

export const STORES = { gregg: 'greggsgarden', ada: 'adasbooks' };

// A loopback port nothing listens on now.
export async function freePort() {
  const srv = createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

// Starts bin with args and resolves once a stdout line matches ready; output is kept for failures.
function launch(name, bin, args) {
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${out} ${err}`)), 20000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[0-9.]+:\d+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${name} exited ${code}: ${err}`)); });
  });
  return {
    proc, ready, log: () => err,
    stop: () => new Promise((resolve) => {
      if (proc.exitCode !== null) { resolve(proc.exitCode); return; }
      proc.on('exit', (c) => resolve(c));
      proc.kill('SIGTERM');
    }),
  };
}

export async function startDemo() {
  const dir = mkdtempSync(path.join(tmpdir(), 'solder-demo-'));
  const acmePort = await freePort();
  const sandbox = launch('sandbox', SANDBOX_BIN, ['--listen', '127.0.0.1:0', '--data', path.join(dir, 'sandbox.json'),
    '--store', `${STORES.gregg}::Gregg's Garden Supplies`, '--store', `${STORES.ada}::Ada's Analytical Books`, '--seed', '2']);
  const sandboxUrl = await sandbox.ready;
  const sandboxHostPort = new URL(sandboxUrl).host;
  const acmeUrl = `http://127.0.0.1:${acmePort}`;
  const solder = await startServer(['--workers', '2', '--allow-hosts', `127.0.0.1:${acmePort},${sandboxHostPort}`],
    { dataDir: path.join(dir, 'solder') });
  const catalog = readFileSync(path.join(ROOT, 'demo/acmeco/catalog.json'), 'utf8')
    .replaceAll('http://127.0.0.1:8081', acmeUrl);
  writeFileSync(path.join(dir, 'catalog.json'), catalog);
  execFileSync(BIN, ['import', path.join(dir, 'catalog.json'), '--env', 'development', '--data', solder.dataDir]);
  const acmeco = launch('acmeco', ACMECO_BIN, ['--listen', `127.0.0.1:${acmePort}`, '--solder', solder.url,
    '--api-key-file', path.join(solder.dataDir, 'dev-api-key'), '--data', path.join(dir, 'acmeco.json')]);
  await acmeco.ready;
  return {
    dir, solder, sandboxUrl, acmeUrl,
    logs: () => `--- acmeco\n${acmeco.log()}\n--- sandbox\n${sandbox.log()}`,
    async stop() {
      const codes = [await acmeco.stop(), await sandbox.stop(), await solder.stop({ keep: true })];
      rmSync(dir, { recursive: true, force: true });
      return codes;
    },
  };
}
