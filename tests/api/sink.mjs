// A local HTTP receiver for workflow deliveries: records every request and answers according to
// a programmable plan (e.g. fail twice with 500, then succeed; an entry may also be {status,
// headers}). Options: delay(entry) gives the milliseconds to hold a request before answering,
// status(entry) the status to answer when no plan applies (default 200).
import http from 'node:http';
import { createHmac, createVerify } from 'node:crypto';

export async function startSink({ delay, status: statusOf } = {}) {
  const received = [];
  const plans = new Map(); // path -> array of statuses to answer in turn (then 200)
  const waiters = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const entry = { method: req.method, path: req.url, headers: req.headers, body };
      received.push(entry);
      const plan = plans.get(req.url.split('?')[0]);
      const planned = plan && plan.length ? plan.shift() : statusOf ? statusOf(entry) : 200;
      // A planned answer is a status, or {status, headers} (e.g. a Retry-After).
      const { status, headers = {} } = typeof planned === 'object' ? planned : { status: planned };
      const answer = () => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify({ ok: status < 300, status }));
        for (const w of [...waiters]) if (w.check()) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
      };
      const ms = delay ? delay(entry) : 0;
      if (ms > 0) setTimeout(answer, ms); else answer();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    plan(path, statuses) { plans.set(path, [...statuses]); },
    on(path) { return received.filter((r) => r.path.split('?')[0] === path); },
    // Resolves once `count` requests reached path (fails the test after timeoutMs).
    waitFor(path, count, timeoutMs = 20000) {
      return new Promise((resolve, reject) => {
        let timer;
        const w = { check: () => this.on(path).length >= count,
          resolve: () => { clearTimeout(timer); resolve(); } };
        if (w.check()) return resolve();
        waiters.push(w);
        timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`sink: ${this.on(path).length}/${count} requests on ${path}`));
        }, timeoutMs);
      });
    },
    close() { return new Promise((r) => { server.closeAllConnections(); server.close(r); }); },
  };
}

// A local stand-in for a third-party API: records every request ({method, url, headers, body})
// and answers with what respond(request) returns, {status (default 200), body (sent as JSON)}.
export async function startStub(respond) {
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const request = { method: req.method, url: req.url, headers: req.headers, body };
      requests.push(request);
      const answer = respond(request);
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, requests,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

// Standard Webhooks: v1 = base64(HMAC-SHA256(base64-decoded secret, "id.timestamp.body")).
export function verifyStandardWebhook(secret, headers, body) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key)
    .update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`).digest('base64');
  return headers['webhook-signature'].split(' ').some((s) => s === `v1,${expected}`);
}

// X-Alloy-Signature: RSA-SHA256 over METHOD + URL + body, hex.
export function verifyAlloySignature(publicPem, method, url, body, signatureHex) {
  const v = createVerify('sha256');
  v.update(`${method}${url}${body}`);
  return v.verify(publicPem, Buffer.from(signatureHex, 'hex'));
}
