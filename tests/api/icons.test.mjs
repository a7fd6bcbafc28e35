// Icons (issue 14, item 6): every icon path the API returns — each app's, each integration's —
// is served as an SVG, and an integration made for an app without an icon of its own carries its
// app's icon.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from './server.mjs';

const V = '/2024-03';
let s;

before(async () => { s = await startServer(); });
after(async () => { assert.equal(await s.stop(), 0); });

async function svg(p) {
  const res = await fetch(new URL(p, s.url));
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), text };
}

test('an integration for an app carries the app\'s icon; one of its own wins', async () => {
  const bc = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'Stores', app: 'bigcommerce' } })).body.integrationId;
  const own = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'Shops', app: 'shopify', icon: '/icons/app.svg' } })).body.integrationId;
  const bare = (await api(s, 'POST', `${V}/integrations`, { body: { name: 'Homegrown' } })).body.integrationId;
  const list = (await api(s, 'GET', `${V}/integrations`)).body.data;
  assert.equal(list.find((i) => i.integrationId === bc).icon, '/icons/bigcommerce.svg');
  assert.equal(list.find((i) => i.integrationId === own).icon, '/icons/app.svg');
  assert.equal(list.find((i) => i.integrationId === bare).icon, undefined, 'no app, no icon');
  const one = (await api(s, 'GET', `${V}/integrations/${bc}`)).body.data;
  assert.equal(one.icon, '/icons/bigcommerce.svg');
  // A user token (the modal, AcmeCo's page through the SDK) sees the same.
  const user = (await api(s, 'POST', `${V}/users`, { body: { username: 'iconic' } })).body.userId;
  const token = (await api(s, 'GET', `${V}/users/${user}/token`)).body.token;
  const seen = await api(s, 'GET', `${V}/integrations/${bc}`, { key: null, headers: { 'x-alloy-user-token': token } });
  assert.equal(seen.body.data.icon, '/icons/bigcommerce.svg');
});

test('every icon the API names is served as SVG', async () => {
  const apps = (await api(s, 'GET', `${V}/metadata/apps`)).body.data;
  const integrations = (await api(s, 'GET', `${V}/integrations`)).body.data;
  const paths = new Set([...apps, ...integrations].map((x) => x.icon).filter(Boolean));
  assert.ok(paths.size >= 3, [...paths].join(' '));
  for (const p of paths) {
    const r = await svg(p);
    assert.equal(r.status, 200, p);
    assert.match(r.type, /^image\/svg\+xml/, p);
    assert.match(r.text, /<svg[\s>]/, p);
  }
  assert.equal((await svg('/icons/no-such-app.svg')).status, 404);
});
