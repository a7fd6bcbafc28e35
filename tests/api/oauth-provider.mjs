// A local OAuth2 provider ("Acme CRM") for the OAuth tests, API and browser alike:
// - /authorize: a page with Approve and Deny links back to the redirect URI, with the state;
// - /token: checks the client, then either an authorization code against its PKCE challenge and
//   redirect URI, or a refresh token (after a short delay, refused while state.refuse is set);
//   tokens are issued as at1, at2, ... with refresh tokens rt1, rt2, ...;
// - /api/me: accepts the access tokens it issued and not revoked, and records every bearer token it
//   is called with.
// Codes come from /authorize, or a test puts them in `codes` itself (code -> {challenge,
// redirectUri}) to skip the browser.
import http from 'node:http';
import { createHash } from 'node:crypto';

export async function startOAuthProvider({ clientId, clientSecret }) {
  const codes = new Map();
  const valid = new Set();
  const issued = [];
  const seen = [];
  const state = { refreshes: 0, refuse: false };
  let n = 0;
  const issue = () => {
    const token = `at${issued.length + 1}`;
    issued.push(token);
    valid.add(token);
    return { access_token: token, refresh_token: `rt${issued.length}`, token_type: 'Bearer', expires_in: 3600 };
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', async () => {
      const url = new URL(req.url, 'http://provider');
      const send = (status, obj) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(obj)); };
      if (url.pathname === '/authorize') {
        const q = url.searchParams;
        const code = `code-${++n}`;
        codes.set(code, { challenge: q.get('code_challenge'), redirectUri: q.get('redirect_uri') });
        const back = (params) => `${q.get('redirect_uri')}?${new URLSearchParams({ ...params, state: q.get('state') })}`;
        const esc = (t) => t.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(`<!doctype html><title>Acme CRM</title><h1>Allow Solder to read your contacts?</h1>
<p>Region ${esc(q.get('region') || '')}, client ${esc(q.get('client_id') || '')}</p>
<a id="approve" href="${esc(back({ code }))}">Approve</a>
<a id="deny" href="${esc(back({ error: 'access_denied', error_description: 'The user denied the request' }))}">Deny</a>`);
        return;
      }
      if (url.pathname === '/token' && req.method === 'POST') {
        const form = new URLSearchParams(body);
        if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) return send(401, { error: 'invalid_client' });
        if (form.get('grant_type') === 'authorization_code') {
          const c = codes.get(form.get('code'));
          codes.delete(form.get('code'));
          const challenge = createHash('sha256').update(form.get('code_verifier') || '').digest('base64url');
          if (!c || c.challenge !== challenge || c.redirectUri !== form.get('redirect_uri')) return send(400, { error: 'invalid_grant' });
          return send(200, issue());
        }
        if (form.get('grant_type') === 'refresh_token') {
          state.refreshes++;
          await new Promise((r) => setTimeout(r, 150));
          if (state.refuse) return send(400, { error: 'invalid_grant' });
          return send(200, issue());
        }
        return send(400, { error: 'unsupported_grant_type' });
      }
      if (url.pathname === '/api/me') {
        const token = (req.headers.authorization || '').replace(/^Bearer /, '');
        seen.push(token);
        return valid.has(token) ? send(200, { user: 'me', token }) : send(401, { message: 'token expired' });
      }
      return send(404, {});
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`, state, codes, issued, seen,
    revokeAll: () => valid.clear(),
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}

// The acmecrm connector: OAuth2 against provider, a region credential field, one action "me".
export function acmeConnector(provider) {
  return {
    app: 'acmecrm', name: 'Acme CRM', baseUrl: `${provider.url}/api`,
    auth: { type: 'oauth2', authorizeUrl: `${provider.url}/authorize?region={credential.region}`,
      tokenUrl: `${provider.url}/token`, scopes: 'contacts.read',
      fields: { type: 'object', required: ['region'], properties: { region: { type: 'string', title: 'Region' } } },
      headers: { Authorization: 'Bearer {credential.access_token}' }, credentialName: 'Acme CRM ({credential.region})' },
    actions: { me: { method: 'GET', path: '/me' } },
  };
}
