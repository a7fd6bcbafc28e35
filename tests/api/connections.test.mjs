// Slow, idle and heavy clients cannot take the server from everyone else: connection admission
// (per-address cap, idle connections giving way), header and body deadlines, work off the service
// thread (heavy validation, a locked database), validation budgets, and chunked request bodies.
// The latency bounds separate "answered" from "stalled" on a busy 2-core machine; the measured
// figures are printed (the target on an idle machine is well under 100 ms).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, holdWriteLock } from './server.mjs';
import { whileProbing as probing } from './prober.mjs';

const V = '/2024-03';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// A healthz answer slower than this means the service thread was held.
// Latency bounds are scaled in the ThreadSanitizer build, which runs the server 5-15 times slower.
const SCALE = Number(process.env.SOLDER_TIME_SCALE || 1);
const STALL_MS = 1000 * SCALE;
// The figure: /healthz answers in under 100 ms while any of the attacks runs. The median of
// each probe run is held to it; the worst single probe only to STALL_MS, as one probe can meet the
// scheduler of a loaded two-core machine.
const MEDIAN_MS = 100 * SCALE;

let s;
let port;
let user;
// A body trickled one byte every 500 ms from the start, ended by the 30 s body deadline while the
// other tests run (checked by the last one).
let slowBody;

before(async () => {
  s = await startServer(['--workers', '0', '--max-connections-per-address', '200']);
  port = Number(new URL(s.url).port);
  user = (await call('POST', '/users', { username: 'limits' })).body.userId;
  slowBody = raw((sock) => {
    sock.write(`POST ${V}/users HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n`);
    const t = setInterval(() => { if (sock.destroyed) clearInterval(t); else sock.write('x'); }, 500);
  }, { localAddress: '127.0.0.60', timeoutMs: 60000 });
});
after(async () => { assert.equal(await s.stop(), 0); });

// Sends text on a new connection (from localAddress) and resolves with the answer's status line,
// headers and body, how long it took, and whether the server closed the connection; null status
// when there was no answer within timeoutMs.
function raw(text, { localAddress = '127.0.0.1', timeoutMs = 10000, server = port } = {}) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const sock = net.connect({ port: server, host: '127.0.0.1', localAddress });
    let got = Buffer.alloc(0);
    let settled = false;
    const finish = (closed) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      const textGot = got.toString('latin1');
      const end = textGot.indexOf('\r\n\r\n');
      const head = end >= 0 ? textGot.slice(0, end) : '';
      const m = head.match(/^HTTP\/1\.1 (\d+)/);
      const len = Number((head.match(/content-length: (\d+)/i) || [])[1] || 0);
      resolve({
        status: m ? Number(m[1]) : null, head, body: end >= 0 ? textGot.slice(end + 4, end + 4 + len) : '',
        ms: performance.now() - t0, closed,
      });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('connect', () => { if (typeof text === 'function') text(sock); else sock.write(text); });
    sock.on('data', (d) => {
      got = Buffer.concat([got, d]);
      const t = got.toString('latin1');
      const end = t.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number((t.slice(0, end).match(/content-length: (\d+)/i) || [])[1] || 0);
      if (got.length >= end + 4 + len) finish(false);
    });
    sock.on('close', () => finish(true));
    sock.on('error', () => finish(true));
  });
}

// An API request on a connection of its own, closed after the answer (a kept-alive one could be
// closed by the server while this thread is busy building the next large body). text is the body
// (a string, or a value to send as JSON).
async function call(method, p, text) {
  const body = text === undefined ? '' : typeof text === 'string' ? text : JSON.stringify(text);
  const r = await raw(`${method} ${V}${p} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${s.key}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Connection: close\r\n\r\n${body}`, { timeoutMs: 60000 });
  let json;
  try { json = JSON.parse(r.body); } catch { json = undefined; }
  return { status: r.status, body: json, text: r.body, ms: r.ms };
}

const healthz = (opts) => raw('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', opts);

// count connections from localAddress(i); resolves once each is connected or refused.
async function connectMany(count, localAddress, server = port) {
  const socks = [];
  await Promise.all(Array.from({ length: count }, (_, i) => new Promise((resolve) => {
    const sock = net.connect({ port: server, host: '127.0.0.1', localAddress: localAddress(i) });
    sock.on('connect', resolve);
    sock.on('error', resolve);
    sock.on('close', resolve);
    sock.on('data', () => {});
    socks.push(sock);
  })));
  return socks;
}

const worst = (times) => Math.max(...times);
const median = (times) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];

// Runs work() while another thread probes /healthz (at least min times); every probe must get 200.
async function whileProbing(work, min = 3) {
  const r = await probing(port, work, min);
  assert.ok(r.times.every((t) => t !== null), 'every healthz was answered with 200');
  assert.ok(median(r.times) < MEDIAN_MS, `healthz median ${median(r.times).toFixed(1)} ms`);
  return r;
}

test('1,000 idle and 1,000 trickling connections do not keep /healthz from another client', async () => {
  const idle = await connectMany(1000, (i) => `127.0.0.${10 + Math.floor(i / 100)}`);
  const trickle = await connectMany(1000, (i) => `127.0.0.${30 + Math.floor(i / 100)}`);
  // Every trickling socket sends one more byte of an endless header every 100 ms.
  const text = 'POST /2024-03/users HTTP/1.1\r\nHost: x\r\nX-Pad: ' + 'a'.repeat(5000);
  let sent = 0;
  const timer = setInterval(() => {
    for (const sock of trickle) if (!sock.destroyed && sent < text.length) sock.write(text[sent]);
    sent++;
  }, 100);
  try {
    const { times } = await whileProbing(() => sleep(1500), 20);
    console.log(`healthz under 1,000 idle + 1,000 slowloris sockets: median ${median(times).toFixed(1)} ms, ` +
      `worst ${worst(times).toFixed(1)} ms`);
    assert.ok(worst(times) < STALL_MS, `healthz took ${worst(times).toFixed(0)} ms`);
    assert.ok(trickle.filter((x) => !x.destroyed).length > 900, 'the trickling sockets were still open');
  } finally {
    clearInterval(timer);
    for (const x of [...idle, ...trickle]) x.destroy();
  }
});

test('a connection that sends no complete request is closed after the header timeout', async () => {
  const silent = await raw('', { timeoutMs: 12000, localAddress: '127.0.0.40' });
  const trickling = await raw((sock) => {
    const text = 'GET /healthz HTTP/1.1\r\nX-Pad: ' + 'a'.repeat(1000);
    let i = 0;
    const t = setInterval(() => { if (sock.destroyed) clearInterval(t); else sock.write(text[i++ % text.length]); }, 50);
  }, { timeoutMs: 12000, localAddress: '127.0.0.41' });
  for (const r of [silent, trickling]) {
    assert.equal(r.status, null);
    assert.ok(r.closed, 'closed by the server');
    assert.ok(r.ms > 3000 && r.ms < 9000, `closed after ${r.ms.toFixed(0)} ms`);
  }
});

test('one address cannot hold more than its cap; its idle connections give way to a newcomer', async () => {
  const t = await startServer(['--workers', '0', '--max-connections-per-address', '20']);
  const tport = Number(new URL(t.url).port);
  try {
    const from = () => '127.0.0.50';
    const idle = await connectMany(60, from, tport);
    await sleep(300);
    const open = idle.filter((x) => !x.destroyed).length;
    assert.ok(open <= 20, `${open} connections from one address stayed open`);
    // A newcomer from the same address takes the place of the oldest idle connection.
    const r = await raw('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { server: tport, localAddress: '127.0.0.50' });
    assert.equal(r.status, 200);
    for (const x of idle) x.destroy();
    // Connections with a request in progress (a body being awaited) do not give way: past the
    // cap, the address is refused while other addresses are served.
    const head = `POST ${V}/users HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n`;
    const busy = await connectMany(20, () => '127.0.0.51', tport);
    for (const x of busy) x.write(head);
    await sleep(300);
    const refused = await raw('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { server: tport, localAddress: '127.0.0.51', timeoutMs: 3000 });
    assert.equal(refused.status, null);
    assert.ok(refused.closed);
    const other = await raw('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { server: tport, localAddress: '127.0.0.52' });
    assert.equal(other.status, 200);
    for (const x of busy) x.destroy();
  } finally {
    assert.equal(await t.stop(), 0);
  }
});

test('uniqueItems over 100,000 items: correct, fast, and /healthz stays responsive', async () => {
  const ev = await call('POST', '/events', { name: 'Many', schema: {
    type: 'object', properties: { items: { type: 'array', uniqueItems: true } } } });
  assert.equal(ev.status, 200);
  const items = Array.from({ length: 100000 }, (_, i) => i);
  const distinct = JSON.stringify({ event: 'Many', userId: user, data: { items } });
  // 99999.0 is the same JSON number as 99999: a duplicate of the last item.
  const repeated = distinct.replace(/\]\}\}$/, ',99999.0]}}');
  const { result, times } = await whileProbing(async () => {
    const ok = await call('POST', '/run/event', distinct);
    const dup = await call('POST', '/run/event', repeated);
    return { ok, okMs: ok.ms, dup };
  });
  assert.equal(result.ok.status, 200, result.ok.text);
  assert.equal(result.dup.status, 422, result.dup.text);
  assert.equal(result.dup.body.errors[0].keyword, 'uniqueItems');
  assert.match(result.dup.body.errors[0].message, /items 99999 and 100000 are equal/);
  console.log(`uniqueItems over 100,000 integers: ${result.okMs.toFixed(0)} ms; healthz meanwhile: ` +
    `worst ${worst(times).toFixed(1)} ms of ${times.length}`);
  assert.ok(result.okMs < 20000, 'not quadratic');
  assert.ok(worst(times) < STALL_MS, `healthz took ${worst(times).toFixed(0)} ms`);
});

test('a pathological schema ends within the validation budget with 422, /healthz unaffected', async () => {
  // Each string makes the pattern backtrack up to its step limit, and there are thousands.
  const ev = await call('POST', '/events', { name: 'Slow', schema: {
    type: 'object', properties: { words: { type: 'array', items: { pattern: '^(a|aa)+$' } } } } });
  assert.equal(ev.status, 200);
  const words = Array.from({ length: 20000 }, () => 'a'.repeat(26) + 'b');
  const text = JSON.stringify({ event: 'Slow', userId: user, data: { words } });
  const { result, times } = await whileProbing(async () => {
    const r = await call('POST', '/run/event', text);
    return { r, ms: r.ms };
  });
  console.log(`pathological schema: ${result.r.status} in ${result.ms.toFixed(0)} ms; healthz worst ` +
    `${worst(times).toFixed(1)} ms of ${times.length}`);
  assert.equal(result.r.status, 422, result.r.text);
  assert.equal(result.r.body.code, 'too_complex');
  assert.match(result.r.body.message, /within 1000 ms/);
  assert.ok(result.ms < 15000);
  assert.ok(worst(times) < STALL_MS, `healthz took ${worst(times).toFixed(0)} ms`);
});

test('a body of 40,000 fields and a held database lock do not hold /healthz', async () => {
  const fields = Object.fromEntries(Array.from({ length: 40000 }, (_, i) => [`field${i}`, 'value']));
  const text = JSON.stringify({ username: 'wide', ...fields });
  const wide = await whileProbing(() => call('POST', '/users', text));
  assert.equal(wide.result.status, 200);
  console.log(`40,000-field body: healthz worst ${worst(wide.times).toFixed(1)} ms of ${wide.times.length}`);
  assert.ok(worst(wide.times) < STALL_MS);

  // Another process holds the write lock for 2 s while a write request waits for it.
  const locker = holdWriteLock(s, 2);
  const exited = new Promise((r) => locker.on('exit', r));
  await sleep(300);
  const locked = await whileProbing(async () => {
    const r = await call('POST', '/users', { username: 'after-lock' });
    return { r, ms: r.ms };
  });
  assert.equal(await exited, 0);
  console.log(`write behind a 2 s lock: ${locked.result.r.status} in ${locked.result.ms.toFixed(0)} ms; ` +
    `healthz worst ${worst(locked.times).toFixed(1)} ms of ${locked.times.length}`);
  assert.equal(locked.result.r.status, 200);
  assert.ok(locked.result.ms > 1000, 'the request did wait for the lock');
  assert.ok(locked.times.length >= 5);
  assert.ok(worst(locked.times) < STALL_MS, `healthz took ${worst(locked.times).toFixed(0)} ms`);
});

test('static files are read off the service thread: 200 fetched at once do not hold /healthz', async () => {
  const get = (i) => raw('GET /sdk/embedded.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    { localAddress: `127.0.0.${50 + (i % 4)}` });
  const { result, times } = await whileProbing(() => Promise.all(Array.from({ length: 200 }, (_, i) => get(i))));
  console.log(`200 static files at once: healthz median ${median(times).toFixed(1)} ms, worst ` +
    `${worst(times).toFixed(1)} ms of ${times.length}`);
  assert.ok(result.every((r) => r.status === 200), 'every file was served');
  assert.ok(worst(times) < STALL_MS, `healthz took ${worst(times).toFixed(0)} ms`);
});

// A request with a chunked body of the given chunks (already framed text after the headers).
const chunkedRequest = (p, framed, extra = '') => `POST ${V}${p} HTTP/1.1\r\nHost: x\r\n` +
  `Authorization: Bearer ${s.key}\r\nContent-Type: application/json\r\n` +
  `Transfer-Encoding: chunked\r\n${extra}\r\n${framed}`;
const frame = (...parts) => parts.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join('') + '0\r\n\r\n';

test('chunked request bodies are answered at once: valid, too large, malformed', async () => {
  const body = JSON.stringify({ username: 'chunky' });
  const ok = await raw(chunkedRequest('/users', frame(body.slice(0, 5), body.slice(5))));
  assert.equal(ok.status, 200, ok.head);
  assert.match(JSON.parse(ok.body).userId, /^[0-9a-f]{24}$/);
  assert.match(ok.head, /connection: close/i);

  const small = JSON.stringify({ username: 'c' }); // a 16-byte body
  const tiny = await raw(chunkedRequest('/users', frame(small)));
  assert.equal(tiny.status, 200, tiny.head);

  const extensionsAndTrailers = await raw(chunkedRequest('/users',
    `${Buffer.byteLength(body).toString(16)};name=value\r\n${JSON.stringify({ username: 'ext' }).padEnd(Buffer.byteLength(body))}\r\n0\r\nX-Trailer: 1\r\n\r\n`));
  assert.equal(extensionsAndTrailers.status, 200, extensionsAndTrailers.head);

  const big = 'x'.repeat(300000);
  const tooLarge = await raw(chunkedRequest('/users', frame(big, big, big, big)));
  assert.equal(tooLarge.status, 413, tooLarge.head);

  for (const bad of ['zz\r\n{}\r\n0\r\n\r\n', '2\r\n{}X\r\n0\r\n\r\n', '1ffffffffffffffff\r\n']) {
    const r = await raw(chunkedRequest('/users', bad));
    assert.equal(r.status, 400, `${JSON.stringify(bad)}: ${r.head}`);
    assert.match(r.body, /malformed/);
  }
  const gzip = await raw(`POST ${V}/users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n`);
  assert.equal(gzip.status, 501);
  const both = await raw(`POST ${V}/users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n{}`);
  assert.equal(both.status, 400);
  const del = await raw(`DELETE ${V}/users/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`);
  assert.equal(del.status, 411);
  for (const r of [ok, tooLarge, gzip, both, del])
    assert.ok(r.ms < 5000, `answered in ${r.ms.toFixed(0)} ms`);
});

test('an unauthenticated chunked body is refused without being stored, and the server goes on', async () => {
  const r = await raw(`POST ${V}/users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${frame('{"username":"anon"}')}`);
  assert.equal(r.status, 401);
  const list = await call('GET', '/users');
  assert.ok(!JSON.stringify(list.body).includes('"anon"'));
  assert.equal((await healthz()).status, 200);
});

test('a body trickled byte by byte ends at the 30 s body deadline with 408', async () => {
  const r = await slowBody;
  assert.equal(r.status, 408, r.head);
  assert.match(r.body, /did not arrive within 30 s/);
  assert.ok(r.ms > 29000 && r.ms < 45000, `answered after ${r.ms.toFixed(0)} ms`);
});
