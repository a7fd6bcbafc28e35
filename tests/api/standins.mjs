// Local stand-ins for Amazon EventBridge and Snowflake's SQL API, on free loopback ports. Each
// checks what the real service checks, written here independently of the server's code:
// - EventBridge: the AWS Signature Version 4 of every request (recomputed from the received method,
//   path, query, signed headers and body with the known secret key), the signed-header set, the
//   date's freshness, X-Amz-Target and Content-Type, the session token when one is expected, and
//   the PutEvents body (Entries with Source, DetailType, Detail as JSON object text, EventBusName).
// - Snowflake: the key-pair JWT (RS256 signature under the user's public key, iss
//   ACCOUNT.USER.SHA256:<fingerprint>, sub ACCOUNT.USER, at most an hour), the headers the SQL API
//   requires, the requestId, and the bindings' shape ({"1": {"type", "value": string}}).
// A request that fails a check is answered as the service would (403 / 401) and recorded in
// `refused` with the reason.
import { createHash, createHmac, createPublicKey, verify } from 'node:crypto';
import http from 'node:http';

const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => createHmac('sha256', key).update(data).digest();
const encode = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

// Checks req's SigV4 Authorization; returns null when valid, else the reason.
export function verifySigV4(req, body, { accessKeyId, secretAccessKey, region, service, sessionToken }) {
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/
    .exec(req.headers.authorization || '');
  if (!m) return `malformed Authorization: ${req.headers.authorization}`;
  const [, key, day, reg, svc, signedList, signature] = m;
  const date = req.headers['x-amz-date'] || '';
  if (key !== accessKeyId) return `unknown access key ${key}`;
  if (reg !== region || svc !== service) return `scope ${reg}/${svc}, expected ${region}/${service}`;
  if (!/^\d{8}T\d{6}Z$/.test(date) || date.slice(0, 8) !== day) return `bad X-Amz-Date ${date}`;
  const when = Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8), +date.slice(9, 11), +date.slice(11, 13), +date.slice(13, 15));
  if (Math.abs(Date.now() - when) > 5 * 60 * 1000) return 'the signature is not fresh';
  const signed = signedList.split(';');
  for (const h of ['host', 'x-amz-date', ...(sessionToken ? ['x-amz-security-token'] : [])]) {
    if (!signed.includes(h)) return `${h} is not signed`;
  }
  if (sessionToken && req.headers['x-amz-security-token'] !== sessionToken) return 'wrong session token';
  const [rawPath, rawQuery = ''] = req.url.split('?');
  const path = rawPath.split('/').map((seg) => encode(decodeURIComponent(seg))).join('/') || '/';
  const query = rawQuery ? rawQuery.split('&').map((p) => p.split('=').map((x) => encode(decodeURIComponent(x || ''))))
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join('&') : '';
  const headers = signed.map((h) => `${h}:${String(req.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const creq = [req.method, path, query, headers, signedList, sha256(body)].join('\n');
  const sts = ['AWS4-HMAC-SHA256', date, `${day}/${region}/${service}/aws4_request`, sha256(creq)].join('\n');
  let k = hmac(`AWS4${secretAccessKey}`, day);
  for (const part of [region, service, 'aws4_request']) k = hmac(k, part);
  const expected = createHmac('sha256', k).update(sts).digest('hex');
  return expected === signature ? null : 'the signature does not match';
}

function listen(handler) {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => handler(req, Buffer.concat(chunks).toString('utf8'), res));
    });
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function send(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

// EventBridge: keys {accessKeyId, secretAccessKey, sessionToken?} and region. respond(entries, n)
// may answer the nth request (from 1) itself: {status, body}, or per entry [{EventId} | {ErrorCode,
// ErrorMessage}]; by default every entry is accepted. Recorded: requests, events (accepted
// entries), refused.
export async function startEventBridge({ region = 'us-east-1', keys, respond } = {}) {
  const sb = { requests: [], events: [], refused: [], keys };
  let n = 0;
  const server = await listen((req, body, res) => {
    n++;
    const record = { method: req.method, url: req.url, headers: req.headers, body };
    sb.requests.push(record);
    const why = verifySigV4(req, body, { ...sb.keys, region, service: 'events' });
    if (why) {
      sb.refused.push(why);
      return send(res, 400, { __type: 'InvalidSignatureException', message: why });
    }
    if (req.headers['x-amz-target'] !== 'AWSEvents.PutEvents') return send(res, 400, { __type: 'UnknownOperationException' });
    if (req.headers['content-type'] !== 'application/x-amz-json-1.1') return send(res, 400, { __type: 'SerializationException' });
    let entries;
    try { entries = JSON.parse(body).Entries; } catch { entries = null; }
    const bad = !Array.isArray(entries) || entries.length < 1 || entries.length > 10 || entries.some((e) =>
      typeof e.Source !== 'string' || typeof e.DetailType !== 'string' || typeof e.EventBusName !== 'string' ||
      typeof e.Detail !== 'string' || typeof JSON.parse(e.Detail) !== 'object');
    if (bad) {
      sb.refused.push(`bad entries: ${body}`);
      return send(res, 400, { __type: 'ValidationException', message: 'bad entries' });
    }
    const answer = respond ? respond(entries, n) : null;
    if (answer && !Array.isArray(answer)) return send(res, answer.status, answer.body);
    const results = entries.map((e, i) => (answer && answer[i]) || { EventId: `ev-${n}-${i}` });
    results.forEach((r, i) => { if (r.EventId) sb.events.push({ ...entries[i], Detail: JSON.parse(entries[i].Detail), eventId: r.EventId }); });
    send(res, 200, { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results });
  });
  sb.url = `http://127.0.0.1:${server.address().port}`;
  sb.close = () => new Promise((r) => server.close(r));
  return sb;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BINDING_TYPES = new Set(['FIXED', 'REAL', 'TEXT', 'BOOLEAN', 'BINARY', 'DATE', 'TIME', 'TIMESTAMP_TZ', 'TIMESTAMP_LTZ', 'TIMESTAMP_NTZ']);

// Checks a key-pair JWT; returns null when valid, else the reason.
export function verifyKeypairJwt(token, { account, user, publicKeyPem }) {
  const parts = (token || '').split('.');
  if (parts.length !== 3) return 'not a compact JWT';
  const [h, c, sig] = parts;
  const header = JSON.parse(Buffer.from(h, 'base64url').toString());
  const claims = JSON.parse(Buffer.from(c, 'base64url').toString());
  if (header.alg !== 'RS256') return `alg ${header.alg}`;
  const key = createPublicKey(publicKeyPem);
  if (!verify('RSA-SHA256', Buffer.from(`${h}.${c}`), key, Buffer.from(sig, 'base64url'))) return 'bad signature';
  const fp = `SHA256:${createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('base64')}`;
  const sub = `${account.toUpperCase()}.${user.toUpperCase()}`;
  if (claims.sub !== sub) return `sub ${claims.sub}, expected ${sub}`;
  if (claims.iss !== `${sub}.${fp}`) return `iss ${claims.iss}, expected ${sub}.${fp}`;
  const now = Date.now() / 1000;
  if (!(claims.exp > now) || claims.exp - claims.iat > 3600 || claims.iat > now + 60) return 'bad iat/exp';
  return null;
}

// Snowflake's SQL API: statements containing SLOW answer 202 and need two polls; FAIL answers 422;
// SELECT answers rows. Recorded: statements (the request bodies), polls, refused.
export async function startSnowflake({ account, user, publicKeyPem }) {
  const sf = { statements: [], polls: 0, refused: [] };
  const running = new Map();
  const server = await listen((req, body, res) => {
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization || '');
    const why = !auth ? 'no bearer token'
      : req.headers['x-snowflake-authorization-token-type'] !== 'KEYPAIR_JWT' ? 'token type header'
        : req.headers.accept !== 'application/json' ? 'Accept' : !req.headers['user-agent'] ? 'User-Agent'
          : verifyKeypairJwt(auth[1], { account, user, publicKeyPem });
    if (why) {
      sf.refused.push(why);
      return send(res, 401, { code: '390144', message: `JWT token is invalid: ${why}` });
    }
    const poll = /^\/api\/v2\/statements\/([A-Za-z0-9-]+)$/.exec(req.url);
    if (req.method === 'GET' && poll) {
      sf.polls++;
      const left = running.get(poll[1]);
      if (left === undefined) return send(res, 404, { message: 'no such statement' });
      if (left > 0) {
        running.set(poll[1], left - 1);
        return send(res, 202, { code: '333334', statementHandle: poll[1], statementStatusUrl: `/api/v2/statements/${poll[1]}` });
      }
      return send(res, 200, { code: '090001', statementHandle: poll[1], resultSetMetaData: { numRows: 1,
        rowType: [{ name: 'N', type: 'fixed' }, { name: 'OK', type: 'boolean' }, { name: 'V', type: 'variant' }] },
      data: [['42', 'true', '{"a":1}']] });
    }
    const url = new URL(req.url, 'http://x');
    if (req.method !== 'POST' || url.pathname !== '/api/v2/statements') return send(res, 404, { message: 'not found' });
    if (req.headers['content-type'] !== 'application/json') return send(res, 415, { message: 'Content-Type' });
    if (!UUID.test(url.searchParams.get('requestId') || '')) {
      sf.refused.push('requestId');
      return send(res, 400, { message: 'requestId must be a UUID' });
    }
    const b = JSON.parse(body);
    const badBinding = Object.entries(b.bindings || {}).find(([k, v]) => !/^[1-9][0-9]*$/.test(k) ||
      !BINDING_TYPES.has(v.type) || !(typeof v.value === 'string' || v.value === null));
    if (typeof b.statement !== 'string' || typeof b.timeout !== 'number' || badBinding) {
      sf.refused.push(`bad body ${body}`);
      return send(res, 400, { message: 'bad request body' });
    }
    sf.statements.push({ ...b, requestId: url.searchParams.get('requestId'), retry: url.searchParams.get('retry') });
    const handle = `01b2c3d4-0000-${String(sf.statements.length).padStart(4, '0')}-0000-000000000000`;
    if (b.statement.includes('FAIL')) {
      return send(res, 422, { code: '002003', sqlState: '42S02', statementHandle: handle,
        message: "SQL compilation error:\nObject 'NOPE' does not exist or not authorized." });
    }
    if (b.statement.includes('SLOW')) {
      running.set(handle, 1);
      return send(res, 202, { code: '333334', message: 'Asynchronous execution in progress.', statementHandle: handle,
        statementStatusUrl: `/api/v2/statements/${handle}` });
    }
    send(res, 200, { code: '090001', statementHandle: handle, message: 'Statement executed successfully.',
      resultSetMetaData: { numRows: 1, rowType: [{ name: 'number of rows inserted', type: 'fixed' }] },
      data: [['1']], stats: { numRowsInserted: 1 } });
  });
  sf.url = `http://127.0.0.1:${server.address().port}`;
  sf.close = () => new Promise((r) => server.close(r));
  return sf;
}
