// Rate limits: a burst over a key's limit gets 429 with Retry-After and RateLimit-* headers while
// another key of the same environment is unaffected, and the limit recovers; /run/event counts per
// end user, apart from the key's bucket; an environment sets its own limits in /settings; the
// unauthenticated routes count per client address and user tokens per end user; --rate-limit is
// checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { BIN, startServer, api, waitUntil } from './server.mjs';

const V = '/2024-03';

// n requests at once; the statuses in order.
async function burst(s, n, method, p, opts) {
  return Promise.all(Array.from({ length: n }, () => api(s, method, p, opts)));
}

async function secondKey(s) {
  return s.cli('key', 'create', '--env', 'development').trim();
}

test('a burst over the key limit gets 429s, another key is unaffected, the limit recovers', async () => {
  const s = await startServer(['--rate-limit', 'key=5/10']);
  try {
    const other = await secondKey(s);
    const answers = await burst(s, 25, 'GET', `${V}/users`);
    const ok = answers.filter((r) => r.status === 200).length;
    const limited = answers.filter((r) => r.status === 429);
    console.log(`burst of 25 at 5/s, burst 10: ${ok} answered, ${limited.length} refused`);
    assert.ok(ok >= 10 && ok <= 12, `about the burst is answered (${ok})`);
    assert.ok(limited.length >= 13);
    const r = limited[0];
    assert.equal(r.body.code, 'rate_limited');
    assert.match(r.body.message, /key limit is 5 per second/);
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    assert.equal(r.headers.get('ratelimit-limit'), '10');
    assert.equal(r.headers.get('ratelimit-remaining'), '0');
    assert.ok(Number(r.headers.get('ratelimit-reset')) >= 1);
    const fine = await api(s, 'GET', `${V}/users`, { key: other });
    assert.equal(fine.status, 200, 'another key has its own bucket');
    assert.equal(fine.headers.get('ratelimit-limit'), '10');
    assert.equal(Number(fine.headers.get('ratelimit-remaining')), 9);
    // Recovery: at 5 per second a token is back within a second; the burst within two.
    await new Promise((res) => setTimeout(res, 1100));
    assert.equal((await api(s, 'GET', `${V}/users`)).status, 200, 'recovered');
    await new Promise((res) => setTimeout(res, 2000));
    const again = await burst(s, 10, 'GET', `${V}/users`);
    assert.ok(again.filter((x) => x.status === 200).length >= 9, 'the whole burst is back');
  } finally {
    await s.stop();
  }
});

test('/run/event counts per end user, apart from the key; the environment sets its own limits', async () => {
  const s = await startServer(['--rate-limit', 'key=1000/2000,event=2/4', '--workers', '0']);
  try {
    assert.equal((await api(s, 'POST', `${V}/events`, { body: { name: 'Ping', body: { n: 'Number' } } })).status, 200);
    for (const username of ['alice', 'bob', 'carol']) assert.equal((await api(s, 'POST', `${V}/users`, { body: { username } })).status, 200);
    const fire = (userId) => api(s, 'POST', `${V}/run/event`, { body: { event: 'Ping', userId, data: { n: 1 } } });
    const alice = await Promise.all(Array.from({ length: 10 }, () => fire('alice')));
    const aliceOk = alice.filter((r) => r.status === 200).length;
    assert.ok(aliceOk >= 4 && aliceOk <= 5, `alice's burst of 4 (${aliceOk})`);
    const refused = alice.find((r) => r.status === 429);
    assert.match(refused.body.message, /event limit is 2 per second/);
    assert.equal((await fire('bob')).status, 200, 'bob has his own bucket');
    assert.equal((await api(s, 'GET', `${V}/users`)).status, 200, 'the key is not charged for events');

    // The environment's own limit replaces the server's for that kind.
    const put = await api(s, 'PUT', `${V}/settings`, { body: { rateLimits: { event: { rate: 100, burst: 50 } } } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(put.body.rateLimits.event, { rate: 100, burst: 50, source: 'environment' });
    assert.equal(put.body.rateLimits.key.source, 'server');
    const more = await Promise.all(Array.from({ length: 20 }, () => fire('carol-unknown')));
    assert.ok(more.every((r) => r.status === 404), 'unknown users are not refused by the limit');
    const carols = await Promise.all(Array.from({ length: 30 }, () => fire('carol')));
    assert.ok(carols.every((r) => r.status === 200), 'the environment allows a burst of 50');
    const back = await api(s, 'PUT', `${V}/settings`, { body: { rateLimits: { event: null } } });
    assert.deepEqual(back.body.rateLimits.event, { rate: 2, burst: 4, source: 'server' });
    const bad = await api(s, 'PUT', `${V}/settings`, { body: { rateLimits: { key: { rate: -1, burst: 1 } } } });
    assert.equal(bad.status, 422);
    assert.match(bad.body.message, /rateLimits\.key\.rate/);
  } finally {
    await s.stop();
  }
});

test('unauthenticated routes count per client address; --rate-limit off lifts every limit', async () => {
  const s = await startServer(['--rate-limit', 'address=2/3']);
  const JWKS = '/.well-known/jwks.json';
  try {
    const answers = await Promise.all(Array.from({ length: 8 }, () => api(s, 'GET', JWKS, { key: null })));
    assert.equal(answers.filter((r) => r.status === 200).length, 3);
    assert.ok(answers.some((r) => r.status === 429 && r.headers.get('retry-after')));
    assert.equal((await api(s, 'GET', `${V}/users`)).status, 200, 'a key has its own bucket');
    const health = await Promise.all(Array.from({ length: 8 }, () => api(s, 'GET', '/healthz', { key: null })));
    assert.ok(health.every((r) => r.status === 200), '/healthz is not limited (load balancers probe it)');
  } finally {
    await s.stop();
  }
  const off = await startServer(['--rate-limit', 'off']);
  try {
    const answers = await Promise.all(Array.from({ length: 150 }, () => api(off, 'GET', JWKS, { key: null })));
    assert.ok(answers.every((r) => r.status === 200));
    assert.equal(answers[0].headers.get('ratelimit-limit'), null);
  } finally {
    await off.stop();
  }
});

test('a user token counts against its end user: other users and the key are unaffected', async () => {
  const s = await startServer(['--rate-limit', 'user=1/3']);
  try {
    const ids = [];
    for (const username of ['ann', 'ben']) ids.push((await api(s, 'POST', `${V}/users`, { body: { username } })).body.userId);
    const tokens = [];
    for (const id of ids) tokens.push((await api(s, 'GET', `${V}/users/${id}/token`)).body.token);
    const as = (i) => ({ key: null, headers: { 'X-Alloy-User-Token': tokens[i] } });
    const ann = await burst(s, 8, 'GET', `${V}/users/${ids[0]}`, as(0));
    assert.equal(ann.filter((r) => r.status === 200).length, 3, 'the burst of 3');
    const refused = ann.find((r) => r.status === 429);
    assert.match(refused.body.message, /user limit is 1 per second/);
    assert.equal(refused.headers.get('ratelimit-limit'), '3');
    assert.equal((await api(s, 'GET', `${V}/users/${ids[1]}`, as(1))).status, 200, 'another user has a bucket of their own');
    assert.equal((await api(s, 'GET', `${V}/users`)).status, 200, 'the key is not charged');
    await waitUntil('ann\'s bucket refilled', async () => (await api(s, 'GET', `${V}/users/${ids[0]}`, as(0))).status === 200, 5000);
  } finally {
    await s.stop();
  }
});

test('--rate-limit is checked', () => {
  for (const spec of ['fast', 'key=-1', 'key=5/0', 'nope=1', 'key=1x']) {
    const r = spawnSync(BIN, ['serve', '--rate-limit', spec, '--data', '/nonexistent'], { encoding: 'utf8' });
    assert.equal(r.status, 2, spec);
    assert.match(r.stderr, /--rate-limit takes off or KIND=RATE/);
  }
});
