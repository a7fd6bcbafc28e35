// A minimal websocket client for the tests (node 20 has none built in): the RFC 6455 handshake
// with a subprotocol, masked text frames out, text/close/ping frames in (unmasked, possibly
// fragmented). Messages are parsed as JSON.
import http from 'node:http';
import { randomBytes } from 'node:crypto';

export function connectWs(baseUrl, { path = '/ws', protocol = 'solder-events' } = {}) {
  const url = new URL(path, baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({
      hostname: url.hostname, port: url.port, path: url.pathname + url.search,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'), 'Sec-WebSocket-Protocol': protocol },
    });
    req.on('response', (res) => reject(new Error(`no upgrade: HTTP ${res.statusCode}`)));
    req.on('error', reject);
    req.on('upgrade', (res, socket, head) => resolve(session(socket, head)));
    req.end();
  });
}

function session(socket, head) {
  const messages = [];
  const waiters = [];
  let buf = Buffer.from(head);
  let fragments = [];
  let closeInfo = null;
  let onClosed;
  const closed = new Promise((r) => { onClosed = r; });
  const settle = () => {
    for (const w of [...waiters]) {
      const m = messages.find(w.pred);
      if (m || closeInfo) { waiters.splice(waiters.indexOf(w), 1); clearTimeout(w.timer); m ? w.resolve(m) : w.reject(new Error(`closed (${closeInfo.code}) before ${w.what}`)); }
    }
  };
  const frame = (opcode, payload) => {
    const mask = randomBytes(4);
    const len = payload.length;
    const header = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len])
      : Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 255]);
    const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
    socket.write(Buffer.concat([header, mask, body]));
  };
  const onData = (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      if (buf.length < 2) break;
      let len = buf[1] & 127;
      let off = 2;
      if (len === 126) { if (buf.length < 4) break; len = buf.readUInt16BE(2); off = 4; }
      else if (len === 127) { if (buf.length < 10) break; len = Number(buf.readBigUInt64BE(2)); off = 10; }
      if (buf.length < off + len) break;
      const fin = buf[0] & 0x80, opcode = buf[0] & 15;
      const payload = buf.subarray(off, off + len);
      buf = buf.subarray(off + len);
      if (opcode === 8) {
        closeInfo = { code: payload.length >= 2 ? payload.readUInt16BE(0) : 1005, reason: payload.subarray(2).toString() };
        socket.end();
      } else if (opcode === 9) {
        frame(10, payload);
      } else if (opcode === 1 || opcode === 0) {
        fragments.push(Buffer.from(payload));
        if (fin) { messages.push(JSON.parse(Buffer.concat(fragments).toString())); fragments = []; }
      }
    }
    settle();
  };
  socket.on('data', onData);
  onData(Buffer.alloc(0)); // frames that came with the handshake's answer
  socket.on('close', () => { closeInfo = closeInfo || { code: 1006, reason: '' }; settle(); onClosed(closeInfo); });
  socket.on('error', () => {});
  return {
    messages,
    closed,
    send(obj) { frame(1, Buffer.from(JSON.stringify(obj))); },
    // The first message (already received or to come) that pred accepts.
    next(what, pred, timeoutMs = 20000) {
      return new Promise((resolve, reject) => {
        const w = { what, pred, resolve, reject };
        w.timer = setTimeout(() => { waiters.splice(waiters.indexOf(w), 1); reject(new Error(`websocket: timed out waiting for ${what}`)); }, timeoutMs);
        waiters.push(w);
        settle();
      });
    },
    close() { frame(8, Buffer.from([0x03, 0xe8])); socket.end(); return closed; },
  };
}
