// Precompressed front-end files (native/http/static.c): a file with a FILE.gz sibling (a gzip file
// whose trailer gives the file's length) is sent as that sibling with Content-Encoding: gzip when Accept-Encoding allows
// gzip, and as it is otherwise; both answers carry Vary: Accept-Encoding. A stale sibling (of
// another length) or a file that is not gzip is not used, a file without one is sent as it is. The dashboard's build writes the siblings: its first
// load is measured as sent, gzipped and not (the figure is printed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { BIN, startServer } from './server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const APP = 'console.log("the dashboard");\n'.repeat(200);
const STALE = 'export const fresh = true;\n'.repeat(50);

let web;
let s; // serves the temporary web directory
let real; // serves the repository's web/ with the build's outputs

// One request with exactly these headers (fetch would add and undo the encoding itself).
function get(server, p, headers = {}, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${p}`, { method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  web = mkdtempSync(path.join(tmpdir(), 'solder-web-'));
  const dist = path.join(web, 'dashboard', 'dist');
  mkdirSync(dist, { recursive: true });
  writeFileSync(path.join(web, 'dashboard', 'index.html'), '<!doctype html><title>x</title>');
  writeFileSync(path.join(dist, 'app.js'), APP);
  writeFileSync(path.join(dist, 'app.js.gz'), gzipSync(APP));
  writeFileSync(path.join(dist, 'plain.css'), 'body { color: black; }\n');
  writeFileSync(path.join(dist, 'stale.js'), STALE);
  writeFileSync(path.join(dist, 'stale.js.gz'), gzipSync('export const fresh = false;\n'));
  writeFileSync(path.join(dist, 'fake.js'), 'export {};\n');
  writeFileSync(path.join(dist, 'fake.js.gz'), 'export {};\n');
  s = await startServer(['--web-dir', web]);
  real = await startServer();
});

after(async () => {
  if (s) assert.equal(await s.stop(), 0);
  if (real) assert.equal(await real.stop(), 0);
  rmSync(web, { recursive: true, force: true });
});

test('a file with a gzipped sibling is sent gzipped to a client that accepts gzip', async () => {
  for (const accept of ['gzip', 'gzip, deflate, br', 'br;q=1.0, gzip;q=0.5', 'GZIP', '*']) {
    const r = await get(s, '/dashboard/dist/app.js', { 'accept-encoding': accept });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-encoding'], 'gzip', accept);
    assert.match(r.headers.vary, /(^|, *)accept-encoding(,|$)/i);
    assert.match(r.headers['content-type'], /^text\/javascript/);
    assert.equal(Number(r.headers['content-length']), r.body.length);
    assert.ok(r.body.length < APP.length / 4, 'the compressed bytes were sent');
    assert.equal(gunzipSync(r.body).toString(), APP);
  }
  const head = await get(s, '/dashboard/dist/app.js', { 'accept-encoding': 'gzip' }, 'HEAD');
  assert.equal(head.headers['content-encoding'], 'gzip');
});

test('without gzip in Accept-Encoding (or with q=0) the file is sent as it is', async () => {
  for (const accept of [undefined, 'identity', 'br', 'gzip;q=0', 'deflate, gzip; q=0.000', 'x-gzip-not']) {
    const r = await get(s, '/dashboard/dist/app.js', accept === undefined ? {} : { 'accept-encoding': accept });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-encoding'], undefined, String(accept));
    assert.match(r.headers.vary, /(^|, *)accept-encoding(,|$)/i, 'a cache keeps the two answers apart');
    assert.equal(r.body.toString(), APP);
  }
});

test('a stale sibling or one that is not gzip is not used; a file without one has no Vary', async () => {
  const stale = await get(s, '/dashboard/dist/stale.js', { 'accept-encoding': 'gzip' });
  assert.equal(stale.headers['content-encoding'], undefined);
  assert.equal(stale.body.toString(), STALE);
  const fake = await get(s, '/dashboard/dist/fake.js', { 'accept-encoding': 'gzip' });
  assert.equal(fake.headers['content-encoding'], undefined, 'a sibling that is not gzip is not sent');
  assert.equal(fake.body.toString(), 'export {};\n');
  const plain = await get(s, '/dashboard/dist/plain.css', { 'accept-encoding': 'gzip' });
  assert.equal(plain.status, 200);
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.doesNotMatch(plain.headers.vary || '', /accept-encoding/i);
  assert.equal(plain.body.toString(), 'body { color: black; }\n');
});

test("the dashboard's built bundle, styles, chunks and WASM core (when built) are sent gzipped", async () => {
  const dist = path.join(ROOT, 'web', 'dashboard', 'dist');
  const files = readdirSync(dist).filter((f) => /^(app|chunk-).*\.(js|css)$/.test(f)).map((f) => `/dashboard/dist/${f}`);
  // The WASM core, where this build made it (a build without emcc, or the ThreadSanitizer one,
  // has none): in the build tree beside the binary.
  const generated = path.join(path.dirname(BIN), 'web', 'dashboard', 'dist');
  for (const f of ['core.mjs', 'core.wasm']) if (existsSync(path.join(generated, f))) files.push(`/dashboard/dist/${f}`);
  let sent = 0;
  let raw = 0;
  for (const f of files) {
    const plain = await get(real, f);
    assert.equal(plain.status, 200, f);
    const gz = await get(real, f, { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(gz.headers['content-encoding'], 'gzip', `${f} has its .gz sibling`);
    assert.ok(gunzipSync(gz.body).equals(plain.body), `${f}: the sibling is the file`);
    raw += plain.body.length;
    sent += gz.body.length;
  }
  assert.ok(files.length >= 4, files.join(', '));
  console.log(`dashboard files sent: ${raw} bytes as they are, ${sent} bytes gzipped (${files.length} files: ${files.join(', ')})`);
  assert.ok(sent < raw / 2);
});
