// A parameter an end user chooses can never move a connector's request to another host: values
// substituted into a URL template's host must be one hostname label (or match the field's declared
// pattern), everything else is percent-encoded, and the resulting host must be the connector's.
// The attempt of the report: shopSubdomain=127.0.0.1:PORT/steal? made the token exchange post the
// OAuth2 client secret to a listener of the attacker's choice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, connectorDir } from './server.mjs';
import { startStub } from './sink.mjs';

const V = '/2024-03';
let s;
let thief;
let userId;

before(async () => {
  thief = await startStub(() => ({ body: { access_token: 'stolen', token_type: 'Bearer' } }));
  const shopx = {
    app: 'shopx', name: 'ShopX',
    baseUrl: 'http://{credential.shopSubdomain}.myshopify.test/admin',
    auth: { type: 'oauth2',
      authorizeUrl: 'http://{credential.shopSubdomain}.myshopify.test/admin/oauth/authorize',
      tokenUrl: 'http://{credential.shopSubdomain}.myshopify.test/admin/oauth/access_token',
      fields: { type: 'object', required: ['shopSubdomain'], properties: { shopSubdomain: { type: 'string' } } },
      headers: { 'X-Shopify-Access-Token': '{credential.access_token}' } },
    actions: { shop: { method: 'GET', path: '/shop.json' } },
  };
  const keyed = {
    app: 'keyed', name: 'Keyed', baseUrl: 'http://{credential.tenant}.keyed.test/api',
    auth: { type: 'apiKey', fields: { type: 'object', required: ['tenant', 'key'],
      properties: { tenant: { type: 'string' }, key: { type: 'string', writeOnly: true } } },
    headers: { 'X-Key': '{credential.key}' } },
    actions: { me: { method: 'GET', path: '/me' } },
  };
  process.env.SOLDER_OAUTH_SHOPX_CLIENT_ID = 'shopx-client';
  process.env.SOLDER_OAUTH_SHOPX_CLIENT_SECRET = 'shopx-client-secret';
  // Loopback is allowed, so the SSRF guard is not what stops the theft: the host rule is.
  s = await startServer(['--allow-private-network', '--connectors', connectorDir(shopx, keyed)]);
  userId = (await api(s, 'POST', `${V}/users`, { body: { username: 'victim-isv-user' } })).body.userId;
});
after(async () => {
  assert.equal(await s.stop(), 0);
  await thief.close();
});

const steal = () => `127.0.0.1:${new URL(thief.url).port}/steal?`;

test('an OAuth2 parameter that would move the token URL elsewhere is refused with 400; the listener gets nothing', async () => {
  const answers = [];
  for (const value of [steal(), `x@127.0.0.1:${new URL(thief.url).port}`, 'evil.test/', 'a.b', 'x#', '%2e']) {
    const r = await api(s, 'GET', `${V}/headless/oauthUrl?userId=${userId}&app=shopx&shopSubdomain=${encodeURIComponent(value)}`);
    answers.push([value, r]);
    if (r.status === 200) {
      // Without the rule the provider's redirect would start the exchange: play it.
      const state = new URL(r.body.oauthUrl).searchParams.get('state');
      await fetch(`${s.url}/oauth/callback?code=c&state=${state}&format=json`);
    }
  }
  // A legitimate subdomain still starts the authorization on the connector's host.
  const ok = await api(s, 'GET', `${V}/headless/oauthUrl?userId=${userId}&app=shopx&shopSubdomain=acme-store`);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  const u = new URL(ok.body.oauthUrl);
  assert.equal(u.host, 'acme-store.myshopify.test');
  assert.equal(u.pathname, '/admin/oauth/authorize');
  // The exchange runs on the hooks thread: give it time to (not) reach the listener.
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(thief.requests.map((q) => `${q.method} ${q.url} ${q.body}`), [], 'nothing reached the listener');
  for (const [value, r] of answers) {
    assert.equal(r.status, 400, `${value}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.code, 'bad_request');
    assert.match(r.body.message, /\{credential\.shopSubdomain\} must be one hostname label to stand in a host/);
  }
});

test('a credential whose value would move the base URL elsewhere is refused with 422', async () => {
  const r = await api(s, 'POST', `${V}/users/${userId}/credentials`,
    { body: { credential: { type: 'keyed', data: { tenant: steal(), key: 'k-123456' } } } });
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.match(r.body.message, /\{credential\.tenant\} must be one hostname label/);
  const ok = await api(s, 'POST', `${V}/users/${userId}/credentials`,
    { body: { credential: { type: 'keyed', data: { tenant: 'acme', key: 'k-123456' } } } });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.deepEqual(thief.requests, []);
});
