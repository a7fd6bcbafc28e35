// Bounds on what one execution can cost, against the real binary: a step's recorded inputs and
// output are capped (--max-step-output) and a bigger one is stored as {truncated, bytes, preview};
// one execution-logs answer carries at most --max-logs-response bytes of step data; workflow
// expressions run under the same time and memory budget as actions and hooks; --sync takes
// normal or full.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, api, waitUntil, BIN, onPostgres, storeArgs, storeSql } from './server.mjs';
import { startSink } from './sink.mjs';

const V = '/2024-03';
const MAX_STEP = 65536;
const MAX_LOGS = 262144;
let s;
let sink;
let integrationId;
let userId;

// Releases a workflow triggered by its own event (named as the workflow): a transform (vars from
// the expression) then a Stream Data block posting {size: $length(vars.text)} to the sink; installs
// it for the user and returns its id.
async function workflow(name, varsExpr) {
  await api(s, 'POST', `${V}/events`, { body: { name, schema: { type: 'object' } } });
  const r = await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition: {
    name, trigger: { type: 'customEvent', event: name },
    blocks: [
      { id: 'make', type: 'transform', inputs: { vars: varsExpr } },
      { id: 'send', type: 'streamData', inputs: { url: `'${sink.url}/${name}'`, body: "{'size': $length(vars.text)}" } },
    ] } } });
  assert.equal(r.body.valid, true, JSON.stringify(r.body));
  const workflowId = r.body.workflowId;
  assert.equal((await api(s, 'POST', `${V}/workflows/${workflowId}/release`)).status, 200);
  const session = await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId, integrationId } });
  const done = await api(s, 'POST', `${V}/headless/completeInstallation`, { body: {
    installationId: session.body.installationId, data: [] } });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  return workflowId;
}

// Sends the workflow's event n times and waits for its n executions to finish; returns them.
async function run(name, workflowId, n) {
  for (let i = 0; i < n; i++) {
    const r = await api(s, 'POST', `${V}/run/event`, { body: { event: name, userId, data: { n: i } } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.executions.length, 1);
  }
  return waitUntil('executions finished', async () => {
    const logs = await api(s, 'GET', `${V}/workflows/${workflowId}/logs?limit=30`);
    const xs = logs.body.data;
    return xs.length >= n && xs.every((x) => x.finished) ? xs : null;
  }, 60000);
}

before(async () => {
  sink = await startSink();
  s = await startServer(['--allow-private-network', '--workers', '1',
    '--max-step-output', String(MAX_STEP), '--max-logs-response', String(MAX_LOGS)]);
  integrationId = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'Limits' } })).body.integrationId;
  userId = (await api(s, 'POST', `${V}/users`, { body: { username: 'limits' } })).body.userId;
});
after(async () => {
  assert.equal(await s.stop(), 0);
  await sink.close();
});

test('a step output over --max-step-output is recorded as {truncated, bytes, preview}; the run used all of it', async () => {
  const wf = await workflow('big', "{'text': $pad('', 200000, 'x')}");
  const [x] = await run('big', wf, 1);
  assert.equal(x.status, 'success');
  const sent = sink.on('/big').map((q) => JSON.parse(q.body));
  assert.deepEqual(sent, [{ size: 200000 }], 'the run itself is not truncated');
  const out = x.results[0].data[0].json;
  assert.equal(out.truncated, true, JSON.stringify(out).slice(0, 200));
  assert.ok(out.bytes > 200000 && out.bytes < 200100, `bytes ${out.bytes}`);
  assert.ok(out.preview.startsWith('{"text":"xxxx'), out.preview.slice(0, 40));
  assert.ok(out.preview.length <= 1024);
  const inputs = x.inputs[0].data;
  assert.equal(inputs.truncated, true, 'the inputs are capped too');
  assert.ok(inputs.bytes > 200000);
  assert.equal(x.results[1].data[0].json.status, 200, 'small outputs are kept as they are');
});

test('one logs answer carries at most --max-logs-response bytes of step data and says what it left out', async () => {
  const wf = await workflow('medium', "{'text': $pad('', 40000, 'y')}");
  await run('medium', wf, 6); // each execution records ~80 KB (inputs and output of its transform)
  const one = await api(s, 'GET', `${V}/workflows/${wf}/logs?limit=1`);
  assert.equal(one.body.truncated, undefined, 'one execution fits');
  assert.equal(one.body.data[0].results[0].data[0].json.text.length, 40000);
  const all = await api(s, 'GET', `${V}/workflows/${wf}/logs?limit=6`);
  console.log(`# logs?limit=6 answered ${all.text.length} bytes (cap ${MAX_LOGS}), uncapped it would be ~${6 * 80000}`);
  assert.ok(all.text.length <= MAX_LOGS + 6 * 1024, `answer of ${all.text.length} bytes`);
  assert.equal(all.body.truncated, true);
  assert.equal(all.body.data.length, 6, 'every execution is listed');
  assert.ok(all.body.data.every((x) => x.status === 'success'));
  const elided = all.body.data.filter((x) => x.truncated);
  assert.ok(elided.length >= 3, `${elided.length} executions marked truncated`);
  const markers = elided.flatMap((x) => x.results.flatMap((r) => r.data.map((d) => d.json)))
    .filter((j) => j && j.truncated);
  assert.ok(markers.length > 0 && markers.every((m) => m.bytes > 40000 && m.preview === undefined));
});

test('$string([1..3000000]) no longer stores tens of megabytes nor answers them', async () => {
  const wf = await workflow('huge', "{'text': $string([1..3000000])}");
  const [x] = await run('huge', wf, 1);
  const step = x.results[0];
  console.log(`# $string([1..3000000]): ${x.status}, ${step.error || JSON.stringify(step.data[0].json).slice(0, 80)}`);
  if (x.status === 'error') {
    assert.match(step.error, /U1001/, 'stopped by the expression budget');
  } else {
    assert.equal(step.data[0].json.truncated, true);
  }
  const logs = await api(s, 'GET', `${V}/workflows/${wf}/logs?limit=1`);
  assert.ok(logs.text.length < 2 * MAX_STEP + 8192, `logs?limit=1 answered ${logs.text.length} bytes`);
  // On PostgreSQL the database's size includes its catalogs, about 8 MB.
  const stored = onPostgres ? Number(storeSql(s, 'SELECT pg_database_size(current_database())'))
    : readdirSync(s.dataDir).filter((f) => f.startsWith('solder.db'))
      .reduce((n, f) => n + statSync(path.join(s.dataDir, f)).size, 0);
  assert.ok(stored < 32 << 20, `the database holds ${stored} bytes`);
});

test('a runaway workflow expression fails with U1001 within its time budget instead of holding the worker', async () => {
  const wf = await workflow('runaway',
    "{'text': $string($sum([1..100000].($x := $; $sum([1..3000].($ * $x)))))}");
  const started = Date.now();
  const [x] = await run('runaway', wf, 1);
  const took = Date.now() - started;
  assert.equal(x.status, 'error');
  assert.equal(x.results[0].blockId, 'make');
  assert.equal(x.results[0].status, 'error');
  assert.match(x.error, /U1001/);
  assert.match(x.error, /timeout|memory limit/);
  console.log(`# the runaway expression failed after ${took} ms: ${x.error}`);
  assert.ok(took < 20000, `it held the worker ${took} ms`);
  assert.equal(sink.on('/runaway').length, 0);
  // The worker is free again: a small workflow still runs.
  const ok = await workflow('after', "{'text': 'ok'}");
  const [y] = await run('after', ok, 1);
  assert.equal(y.status, 'success');
});

test('--sync takes normal or full; a server with --sync full runs workflows', async () => {
  const r = spawnSync(BIN, ['serve', '--sync', 'fast', '--listen', '127.0.0.1:0', ...storeArgs(s)],
    { encoding: 'utf8', timeout: 10000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--sync must be normal or full/);
  for (const [flag, value] of [['--max-step-output', '10'], ['--max-logs-response', 'lots'], ['--lease-ms', '5']]) {
    const bad = spawnSync(BIN, ['serve', flag, value, '--listen', '127.0.0.1:0', ...storeArgs(s)],
      { encoding: 'utf8', timeout: 10000 });
    assert.equal(bad.status, 2, `${flag} ${value}`);
    assert.match(bad.stderr, new RegExp(`${flag} must be from`));
  }
  const full = await startServer(['--allow-private-network', '--sync', 'full']);
  try {
    const k = (await api(full, 'GET', `${V}/events`)).status;
    assert.equal(k, 200);
  } finally {
    await full.stop();
  }
});
