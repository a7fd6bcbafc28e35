// How long another client's GET /healthz takes while the server is under each kind of slow or
// heavy request: idle and trickling connections, heavy validation, a held database lock, chunked
// bodies. Reports the healthz latency (median and worst of probes every 40 ms) and what the
// attacking request got. A report, not a test: tests/api/connections.test.mjs asserts the bounds.
// Usage: node tests/bench/stall.mjs [path/to/solder]   (default build/solder)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { whileProbing } from '../api/prober.mjs';

const BIN = process.argv[2] || 'build/solder';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function start() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'solder-stall-'));
  const proc = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--data', dataDir, '--workers', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stderr.resume();
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error('server did not start')), 15000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[0-9.]+:\d+)/);
      if (m) { clearTimeout(t); resolve(m[1]); }
    });
  });
  proc.stdout.resume();
  const key = readFileSync(path.join(dataDir, 'dev-api-key'), 'utf8').trim();
  const port = Number(new URL(url).port);
  return { url, key, port, dataDir, proc };
}

async function stop(s) {
  await new Promise((r) => { s.proc.on('exit', r); s.proc.kill('SIGKILL'); });
  rmSync(s.dataDir, { recursive: true, force: true });
}

async function call(s, method, p, body, extra = {}) {
  const res = await fetch(s.url + '/2024-03' + p, {
    method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { authorization: `Bearer ${s.key}`, 'content-type': 'application/json' },
    signal: AbortSignal.timeout(extra.timeout || 60000),
  });
  return { status: res.status, body: await res.text() };
}

// Probes /healthz while attack() runs; returns {p50, max, n, result} (Infinity: no answer).
async function during(s, attack) {
  const { result, times } = await whileProbing(s.port, attack, 10);
  const t = times.map((x) => (x === null ? Infinity : x)).sort((a, b) => a - b);
  return { p50: t[Math.floor(t.length / 2)], max: t[t.length - 1], n: t.length, result };
}

// count sockets from addresses 127.0.0.2..., perAddress each, connected (or refused); each then
// does what act(sock) says.
async function sockets(s, count, perAddress, act, first = 2) {
  const socks = [];
  const ready = [];
  for (let i = 0; i < count; i++) {
    const addr = `127.0.0.${first + Math.floor(i / perAddress)}`;
    const sock = net.connect({ port: s.port, host: '127.0.0.1', localAddress: addr });
    sock.on('data', () => {});
    ready.push(new Promise((r) => { sock.on('connect', r); sock.on('error', r); sock.on('close', r); }));
    socks.push(sock);
  }
  await Promise.all(ready);
  for (const sock of socks) act(sock);
  return socks;
}

const fmt = (ms) => (ms === Infinity ? '>10000' : ms.toFixed(1));
function report(name, r, outcome = '') {
  console.log(`${name.padEnd(44)} healthz p50 ${fmt(r.p50).padStart(8)} ms  max ${fmt(r.max).padStart(8)} ms  (${r.n} probes)  ${outcome}`);
}

const s = await start();
try {
  report('baseline (no attack)', await during(s, () => sleep(1500)), '');

  let idle = [];
  report('1,000 sockets connecting at once (10 addresses)', await during(s, async () => {
    idle = await sockets(s, 1000, 100, () => {});
  }));
  report('1,000 idle connections held (10 addresses)', await during(s, () => sleep(2000)));
  for (const x of idle) x.destroy();
  await sleep(500);
  idle = await sockets(s, 1000, 1000, () => {}, 1);
  report('1,000 idle connections from the prober\'s address', await during(s, () => sleep(2000)),
    `${idle.filter((x) => !x.destroyed).length} still open`);
  for (const x of idle) x.destroy();
  await sleep(500);

  const timers = [];
  const slow = await sockets(s, 300, 100, (sock) => {
    const text = 'POST /2024-03/users HTTP/1.1\r\nHost: x\r\nX-Pad: ' + 'a'.repeat(10000);
    let i = 0;
    timers.push(setInterval(() => { if (i < text.length) sock.write(text[i++]); }, 200));
  });
  report('300 slowloris connections (1 byte / 200 ms)', await during(s, () => sleep(2500)));
  for (const t of timers) clearInterval(t);
  for (const x of slow) x.destroy();

  await call(s, 'POST', '/events', { name: 'Big', schema: { type: 'object', properties: {
    items: { type: 'array', uniqueItems: true } } } });
  const user = JSON.parse((await call(s, 'POST', '/users', { username: 'stall' })).body).userId;
  const items = Array.from({ length: 50000 }, (_, i) => i);
  const ru = await during(s, async () => {
    const t0 = performance.now();
    const r = await call(s, 'POST', '/run/event', { event: 'Big', userId: user, data: { items } });
    return `-> ${r.status} in ${(performance.now() - t0).toFixed(0)} ms`;
  });
  report('uniqueItems over 50,000 integers', ru, ru.result);

  const fields = Object.fromEntries(Array.from({ length: 40000 }, (_, i) => [`f${i}`, 'v']));
  const rf = await during(s, async () => {
    const t0 = performance.now();
    const r = await call(s, 'POST', '/users', { username: 'wide', fullName: 'x', ...fields });
    return `-> ${r.status} in ${(performance.now() - t0).toFixed(0)} ms`;
  });
  report('POST /users with 40,000 fields', rf, rf.result);

  // Another process holds the database's write lock for 3 s while a write request comes in.
  const rl = await during(s, async () => {
    const locker = spawn('sqlite3', [path.join(s.dataDir, 'solder.db')], { stdio: ['pipe', 'ignore', 'ignore'] });
    const exited = new Promise((res) => locker.on('exit', res));
    locker.stdin.write('BEGIN IMMEDIATE;\n.shell sleep 3\nCOMMIT;\n');
    locker.stdin.end();
    await sleep(300);
    const t0 = performance.now();
    const r = await call(s, 'POST', '/users', { username: 'locked' });
    const out = `-> ${r.status} in ${(performance.now() - t0).toFixed(0)} ms`;
    await exited;
    return out;
  });
  report('write request while the database is locked 3 s', rl, rl.result);

  const rc = await during(s, async () => {
    const t0 = performance.now();
    const got = await new Promise((resolve) => {
      const sock = net.connect({ port: s.port, host: '127.0.0.1' });
      const body = JSON.stringify({ event: 'Big', userId: user, data: {} });
      const timer = setTimeout(() => { sock.destroy(); resolve('no answer in 5 s'); }, 5000);
      let text = '';
      sock.on('connect', () => sock.write('POST /2024-03/run/event HTTP/1.1\r\nHost: x\r\n' +
        `Authorization: Bearer ${s.key}\r\nContent-Type: application/json\r\n` +
        `Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`));
      sock.on('data', (d) => {
        text += d;
        if (text.includes('\r\n\r\n')) { clearTimeout(timer); sock.destroy(); resolve(`-> ${text.split(' ')[1]}`); }
      });
      sock.on('error', () => {});
    });
    return `${got} in ${(performance.now() - t0).toFixed(0)} ms`;
  });
  report('chunked POST /run/event', rc, rc.result);
} finally {
  await stop(s);
}
