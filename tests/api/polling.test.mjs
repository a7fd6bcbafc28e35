// Polling app triggers against the real binary: a connector (in a --connectors directory of the
// test's own) polls a local API; the first poll is the baseline, later items run exactly once
// each however often they are listed again, and the cursor moves forward.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, api, waitUntil, connectorDir } from './server.mjs';
import { startSink } from './sink.mjs';

const V = '/2024-03';
let s;
let sink;
let tickets;

async function startTickets() {
  const items = [{ id: 1, title: 'old ticket', seq: 1 }];
  const polls = [];
  const server = http.createServer((req, res) => {
    polls.push({ url: req.url, key: req.headers['x-key'] });
    res.writeHead(req.headers['x-key'] === 'k1' ? 200 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ tickets: items }));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, items, polls,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }) };
}

before(async () => {
  sink = await startSink();
  tickets = await startTickets();
  const dir = connectorDir({
    app: 'tickets', name: 'Tickets', baseUrl: tickets.url,
    auth: { type: 'apiKey', fields: { type: 'object', required: ['key'], properties: { key: { type: 'string' } } },
      headers: { 'X-Key': '{credential.key}' } },
    triggers: { ticketCreated: { type: 'polling', title: 'New ticket', intervalSeconds: 1,
      poll: { method: 'GET', path: '/tickets', query: "{'after': cursor}" },
      items: 'body.tickets', key: 'id', cursor: '$max(items.seq)', payload: "{'ticket': item}" } },
  });
  s = await startServer(['--allow-private-network', '--connectors', dir]);
});
after(async () => {
  assert.equal(await s.stop(), 0);
  await tickets.close();
  await sink.close();
});

test('new items run once each; the first poll is a baseline; the cursor advances', async () => {
  const integrationId = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'Tickets', app: 'tickets' } })).body.integrationId;
  const userId = (await api(s, 'POST', `${V}/users`, { body: { username: 'desk' } })).body.userId;
  assert.equal((await api(s, 'POST', `${V}/headless/credentials`, { body: { userId,
    credential: { type: 'tickets', data: { key: 'k1' } } } })).status, 200);
  const def = { name: 'New ticket → AcmeCo', trigger: { type: 'app', app: 'tickets', trigger: 'ticketCreated' },
    blocks: [{ id: 'out', type: 'streamData', inputs: { url: `"${sink.url}/tickets"`, body: 'event' } }] };
  const wf = (await api(s, 'POST', `${V}/workflows`, { body: { integrationId, definition: def } })).body.workflowId;
  await api(s, 'POST', `${V}/workflows/${wf}/release`);
  const start = await api(s, 'POST', `${V}/headless/startInstallation`, { body: { userId, integrationId } });
  const done = await api(s, 'POST', `${V}/headless/completeInstallation`, { body: {
    installationId: start.body.installationId, data: [{ workflowId: wf, blockId: 'config', fields: [] }] } });
  assert.equal(done.status, 200, JSON.stringify(done.body));

  await waitUntil('the baseline poll', () => tickets.polls.length >= 1);
  assert.equal(tickets.polls[0].url, '/tickets', 'no cursor yet');
  tickets.items.push({ id: 2, title: 'printer on fire', seq: 2 }, { id: 3, title: 'coffee', seq: 3 });
  await sink.waitFor('/tickets', 2);
  const polled = tickets.polls.length;
  await waitUntil('two more polls', () => tickets.polls.length >= polled + 2);
  const got = sink.on('/tickets').map((r) => JSON.parse(r.body).ticket.id).sort();
  assert.deepEqual(got, [2, 3], 'the baseline item never ran; new items ran once');
  assert.equal(tickets.polls.at(-1).url, '/tickets?after=3');
  assert.ok(tickets.polls.every((p) => p.key === 'k1'));
});
