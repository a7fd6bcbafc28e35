// A minimal websocket client for the API tests (Node's own WebSocket is not available in every
// supported Node version): the opening handshake with a subprotocol, masked text frames out, text
// and close frames in. Enough to drive /ws; not a general client (no fragmentation, no ping).
import http from 'node:http';
import { randomBytes } from 'node:crypto';

// Connects to url (http:// or ws://). Resolves to {send(text), messages, closed, close()} once the
// handshake is done; messages collects every text message parsed as JSON, closed resolves to
// {code, reason} when the server closes (or the connection ends: code 1006); closedWithin(ms)
// rejects when that takes longer.
export function connectWs(url, protocol = 'solder-events') {
  const u = new URL(url.replace(/^ws/, 'http'));
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, headers: {
      Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': randomBytes(16).toString('base64'), 'Sec-WebSocket-Protocol': protocol } });
    req.on('error', reject);
    req.on('response', (res) => reject(new Error(`no upgrade: HTTP ${res.statusCode}`)));
    req.on('upgrade', (res, socket, head) => {
      const messages = [];
      const waiters = [];
      let buf = head;
      let onClose;
      const closed = new Promise((r) => { onClose = r; });
      let done = false;
      const finish = (code, reason) => { if (!done) { done = true; onClose({ code, reason }); } };
      socket.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        for (;;) {
          if (buf.length < 2) return;
          const op = buf[0] & 0x0f;
          let len = buf[1] & 0x7f;
          let off = 2;
          if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
          else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
          if (buf.length < off + len) return;
          const payload = buf.subarray(off, off + len);
          buf = buf.subarray(off + len);
          if (op === 1) {
            messages.push(JSON.parse(payload.toString()));
            for (const w of [...waiters]) if (w.check()) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
          } else if (op === 8) {
            finish(payload.length >= 2 ? payload.readUInt16BE(0) : 1005, payload.subarray(2).toString());
            socket.end();
          }
        }
      });
      socket.on('close', () => finish(1006, ''));
      const frame = (op, data) => {
        const mask = randomBytes(4);
        const body = Buffer.from(data);
        const head2 = body.length < 126 ? Buffer.from([0x80 | op, 0x80 | body.length])
          : Buffer.from([0x80 | op, 0x80 | 126, body.length >> 8, body.length & 0xff]);
        for (let i = 0; i < body.length; i++) body[i] ^= mask[i % 4];
        socket.write(Buffer.concat([head2, mask, body]));
      };
      resolve({
        messages,
        closed,
        send: (text) => frame(1, text),
        close: () => { if (!done) frame(8, Buffer.from([0x03, 0xe8])); socket.end(); },
        // closed, or a rejection when the server has not closed within timeoutMs.
        closedWithin(timeoutMs = 15000) {
          let t;
          const late = new Promise((_, fail) => { t = setTimeout(() => fail(new Error(`ws: still open after ${timeoutMs} ms`)), timeoutMs); });
          return Promise.race([closed, late]).finally(() => clearTimeout(t));
        },
        // Resolves once fn(messages) is truthy; rejects after timeoutMs.
        until(fn, timeoutMs = 10000) {
          return new Promise((ok, fail) => {
            const w = { check: () => fn(messages), resolve: () => { clearTimeout(t); ok(); } };
            const t = setTimeout(() => { waiters.splice(waiters.indexOf(w), 1); fail(new Error('ws: timed out')); }, timeoutMs);
            if (w.check()) { clearTimeout(t); return ok(); }
            waiters.push(w);
          });
        },
      });
    });
    req.end();
  });
}
