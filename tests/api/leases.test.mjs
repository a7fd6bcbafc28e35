// Leases of claimed executions, against real binaries: two server processes sharing one data
// directory, a block slower than the lease, and a process stopped (SIGSTOP) under load past its
// leases and resumed (SIGCONT). In each case every execution reaches the sink under one stable
// Idempotency-Key, its recorded outcome is what the sink answered, and its steps are recorded once.
// --lease-ms (a setting for tests) makes the lease short enough to run out during a test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, waitUntil } from './server.mjs';
import { startSink } from './sink.mjs';

const V = '/2024-03';
const LEASE_MS = 1000;
const SCALE = Number(process.env.SOLDER_TIME_SCALE || 1);

// One workflow (a Stream Data block posting {orderId} to the sink) installed for one user.
async function setUp(s, sinkUrl) {
  const ok = (r) => { assert.equal(r.status, 200, JSON.stringify(r.body)); return r.body; };
  ok(await api(s, 'POST', `${V}/events`, { body: { name: 'Order Placed', body: { orderId: 'String' } } }));
  const { integrationId } = ok(await api(s, 'POST', `${V}/integrations`, { body: { name: 'Leases' } }));
  const { workflowId } = ok(await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition: {
    name: 'Order → sink', trigger: { type: 'customEvent', event: 'Order Placed' },
    blocks: [{ id: 'stream', type: 'streamData',
      inputs: { url: `'${sinkUrl}/orders'`, body: "{'orderId': $number(event.orderId)}" } }] } } }));
  ok(await api(s, 'POST', `${V}/workflows/${workflowId}/release`));
  const { userId } = ok(await api(s, 'POST', `${V}/users`, { body: { username: 'lease-user' } }));
  const session = ok(await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId, integrationId } }));
  ok(await api(s, 'POST', `${V}/headless/completeInstallation`, { body: { installationId: session.installationId, data: [] } }));
  return { workflowId, userId };
}

// Posts events with orderIds from..to-1 to the given servers in turn; returns {orderId: executionId}.
async function fire(servers, userId, from, to) {
  const ids = {};
  await Promise.all(Array.from({ length: to - from }, async (_, k) => {
    const i = from + k;
    const r = await api(servers[i % servers.length], 'POST', `${V}/run/event`,
      { body: { event: 'Order Placed', userId, data: { orderId: String(i) } } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.executions.length, 1);
    ids[i] = r.body.executions[0];
  }));
  return ids;
}

// Every execution of the workflow, from the logs pages (steps included).
async function executions(s, workflowId) {
  const all = [];
  for (let page = 0; ; page++) {
    const r = await api(s, 'GET', `${V}/workflows/${workflowId}/logs?limit=30&page=${page}`);
    assert.equal(r.status, 200);
    all.push(...r.body.data);
    if (r.body.data.length < 30) return all;
  }
}

async function allFinished(s, workflowId, count, timeoutMs = 60000) {
  return waitUntil(`${count} finished executions`, async () => {
    const xs = await executions(s, workflowId);
    return xs.length === count && xs.every((x) => x.finished) ? xs : null;
  }, timeoutMs);
}

const dropped = (...servers) => servers.map((s) => s.errors()).join('')
  .split('\n').filter((l) => /is dropped: another worker took the execution over/.test(l));
const takenOver = (...servers) => servers.map((s) => s.errors()).join('')
  .split('\n').filter((l) => /was taken over while it waited/.test(l));

// The checks every test makes: one stable key per execution, keys distinct, each execution
// delivered (at least once; `maxDuplicates` more deliveries in all), recorded status as the sink
// answered, one step row per execution run under the recorded attempt. Returns the duplicates.
function checkDeliveries(sink, xs, ids, statusOf, maxDuplicates) {
  const byExecution = new Map();
  for (const q of sink.on('/orders')) {
    const x = q.headers['x-alloy-executionuuid'];
    if (!byExecution.has(x)) byExecution.set(x, []);
    byExecution.get(x).push(q);
  }
  const expected = Object.values(ids);
  assert.deepEqual([...byExecution.keys()].sort(), [...expected].sort(), 'every execution, and only those, reached the sink');
  const keys = new Set();
  for (const [x, qs] of byExecution) {
    const own = new Set(qs.map((q) => q.headers['idempotency-key']));
    assert.equal(own.size, 1, `execution ${x} was sent under ${own.size} Idempotency-Keys`);
    keys.add([...own][0]);
  }
  assert.equal(keys.size, expected.length, 'one distinct Idempotency-Key per execution');
  const duplicates = sink.on('/orders').length - expected.length;
  assert.ok(duplicates <= maxDuplicates, `${duplicates} duplicate deliveries (at most ${maxDuplicates} expected)`);

  const byId = new Map(xs.map((x) => [x.executionId, x]));
  for (const [orderId, id] of Object.entries(ids)) {
    const x = byId.get(id);
    assert.ok(x, `execution ${id} is logged`);
    const want = statusOf(Number(orderId)) < 300 ? 'success' : 'error';
    assert.equal(x.status, want, `execution ${id} (order ${orderId}) recorded ${x.status}, the sink answered ${statusOf(Number(orderId))}`);
    assert.deepEqual(x.results.map((r) => r.blockId), ['stream'], `execution ${id}: one step row`);
    assert.equal(x.results[0].attempt, x.attempt, `execution ${id}: the step row is the recorded attempt's`);
    assert.equal(x.results[0].status, want);
  }
  return duplicates;
}

// Runs body({sink, a, second}) with a sink (startSink options) and a server, `second()` starting
// another on the same data directory; then stops them all.
async function withServers(sinkOptions, body) {
  const flags = ['--allow-private-network', '--workers', '2', '--lease-ms', String(LEASE_MS)];
  const sink = await startSink(sinkOptions);
  const a = await startServer(flags);
  const others = [];
  const second = async () => {
    others.push(await startServer(flags, { dataDir: a.dataDir }));
    return others[others.length - 1];
  };
  try {
    await body({ sink, a, second });
  } finally {
    for (const o of others) await o.stop({ keep: true });
    await a.stop();
    await sink.close();
  }
}

// The sink's answer to an order is statusOf(orderId).
const answering = (statusOf, delayMs) =>
  ({ delay: () => delayMs, status: (q) => statusOf(JSON.parse(q.body).orderId) });

async function errorRows(s, workflowId) {
  const r = await api(s, 'GET', `${V}/workflows/${workflowId}/errors`);
  assert.equal(r.status, 200);
  const count = new Map();
  for (const e of r.body.data) count.set(e.executionId, (count.get(e.executionId) || 0) + 1);
  return count;
}

test('a block slower than the lease keeps its claim: one delivery, one outcome, no takeover', async () => {
  // Orders 0-3 are held by the sink for three leases; the leases are renewed meanwhile, so neither
  // the other worker nor the other process takes them (or the rest of the batch) over.
  const slow = { delay: (q) => (JSON.parse(q.body).orderId < 4 ? 3 * LEASE_MS : 0) };
  await withServers(slow, async ({ sink, a, second }) => {
    const b = await second();
    const { workflowId, userId } = await setUp(a, sink.url);
    const ids = await fire([a, b], userId, 0, 40);
    const xs = await allFinished(a, workflowId, 40);
    const duplicates = checkDeliveries(sink, xs, ids, () => 200, 0);
    assert.equal(duplicates, 0);
    assert.ok(xs.every((x) => x.attempt === 1), `attempts: ${xs.map((x) => x.attempt)}`);
    const slow = xs.filter((x) => Object.entries(ids).some(([o, id]) => id === x.executionId && o < 4));
    assert.equal(slow.length, 4);
    for (const x of slow) {
      const took = Date.parse(x.stoppedAt) - Date.parse(x.startedAt);
      assert.ok(took >= 2 * LEASE_MS, `a held order took ${took} ms, longer than its lease`);
    }
    // Each outcome is recorded when its execution ends, not when the worker's batch does: none
    // waits for a held order run after it by the same worker.
    const lag = Math.max(...xs.map((x) => Date.parse(x.stoppedAt) - Date.parse(x.results[0].stoppedAt)));
    console.log(`# outcomes recorded at most ${lag} ms after their last block ended`);
    assert.ok(lag < 1500, `an outcome was recorded ${lag} ms after its execution ended`);
    assert.deepEqual(dropped(a, b), []);
    assert.deepEqual(takenOver(a, b), []);
  });
});

test('a second process started on the same data directory under load voids none of the first\'s claims', async () => {
  // Each delivery takes 5 ms, so the first process holds claimed batches when the second starts;
  // every seventh order is refused (422) and must be recorded as an error, once.
  const statusOf = (orderId) => (orderId % 7 === 0 ? 422 : 200);
  await withServers(answering(statusOf, 5), async ({ sink, a, second }) => {
    const { workflowId, userId } = await setUp(a, sink.url);
    const ids = await fire([a], userId, 0, 150);
    await waitUntil('deliveries under way', () => sink.on('/orders').length >= 10);
    const b = await second();
    assert.doesNotMatch(b.output(), /requeued/, 'the second process requeued claims of the first');
    Object.assign(ids, await fire([a, b], userId, 150, 300));
    const xs = await allFinished(b, workflowId, 300);
    assert.equal(checkDeliveries(sink, xs, ids, statusOf, 0), 0);
    assert.ok(xs.every((x) => x.attempt === 1), 'no execution was claimed twice');
    const errors = await errorRows(a, workflowId);
    const failed = Object.entries(ids).filter(([o]) => statusOf(Number(o)) !== 200).map(([, id]) => id);
    assert.deepEqual([...errors.keys()].sort(), [...failed].sort(), 'an error row for each refused order');
    assert.ok([...errors.values()].every((n) => n === 1), 'one error row per failed execution');
    assert.deepEqual(dropped(a, b), []);
  });
});

test('a process stopped under load past its leases and resumed: its executions are taken over, its late outcomes dropped', async () => {
  const statusOf = (orderId) => (orderId % 10 === 3 ? 422 : 200);
  await withServers(answering(statusOf, 30), async ({ sink, a, second }) => {
    const b = await second();
    const { workflowId, userId } = await setUp(a, sink.url);
    const ids = await fire([b], userId, 0, 200);
    // Both processes deliver, then the first stops for three leases while it holds claims.
    await waitUntil('both processes delivering', () => sink.on('/orders').length >= 20);
    a.proc.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 3 * LEASE_MS));
    a.proc.kill('SIGCONT');
    const xs = await allFinished(b, workflowId, 200);
    // Only a call in flight, or whose outcome awaited its commit (up to 5 ms), when its claim was
    // lost can arrive twice (at least once delivery): with a 30 ms sink, at most two per worker —
    // of the stopped process, and of the other one too when the stop caught the first holding the
    // store's write lock for longer than a lease. Each is matched by a dropped late outcome; a
    // whole batch run again would be dozens.
    const duplicates = checkDeliveries(sink, xs, ids, statusOf, 8);
    await waitUntil('late outcomes logged', () => dropped(a, b).length >= duplicates, 10000);
    const retaken = xs.filter((x) => x.attempt > 1);
    // Under ThreadSanitizer (SOLDER_TIME_SCALE > 1) the stopped process is so slow that it may hold
    // no claim at the moment of the stop; the takeover is then reported, not asserted (the
    // sanitizer build asserts it).
    if (SCALE === 1 || retaken.length > 0) {
      assert.ok(retaken.length > 0, 'the stopped process held claims that were taken over');
      // The resumed process says so when it next touches a lost claim, which can be after the
      // other process has finished everything.
      await waitUntil('the resumed process noticed it lost its claims',
        () => dropped(a).length + takenOver(a).length > 0, 10000);
    } else {
      console.log('# the stopped process held no claim when it was stopped: takeover not exercised in this run');
    }
    const errors = await errorRows(b, workflowId);
    assert.ok([...errors.values()].every((n) => n === 1), 'one error row per failed execution');
    assert.equal(errors.size, Object.keys(ids).filter((o) => statusOf(Number(o)) !== 200).length);
    console.log(`# stopped for ${3 * LEASE_MS} ms: ${retaken.length} executions taken over, ` +
      `${duplicates} delivered twice, ${dropped(a, b).length} late outcomes dropped, ` +
      `${takenOver(a, b).length} left unrun by the resumed process`);
  });
});
