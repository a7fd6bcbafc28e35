// The API's contract, checked on every answer the API tests receive through api() (server.mjs) and
// dash() (dashboard.mjs): the route is looked up in docs/openapi.json (which the build generates
// from native/api/routes/), the status must be one the route declares, and a JSON body must fit
// the schema declared for that status (ajv, draft 2020-12, from tests/api/node_modules, which
// scripts/bootstrap.sh installs from package-lock.json). A mismatch throws, failing the test that
// made the request. Requests outside the document (static files, dashboard pages, unknown paths)
// and CORS preflights are not checked.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
export const OPENAPI_PATH = process.env.SOLDER_OPENAPI || path.join(here, '../../docs/openapi.json');

let state;

function load() {
  if (state) return state;
  let Ajv2020;
  try {
    Ajv2020 = require('ajv/dist/2020').default;
  } catch {
    if (process.env.CI === 'true') throw new Error('ajv is missing from tests/api/node_modules: run scripts/bootstrap.sh');
    process.stderr.write('contract: ajv not installed (scripts/bootstrap.sh); answers are not checked against docs/openapi.json\n');
    state = { off: true };
    return state;
  }
  const doc = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8'));
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(doc, 'openapi');
  // Templated paths as patterns, literal segments before parameters (as the server's router).
  const routes = Object.keys(doc.paths).map((p) => ({
    path: p,
    re: new RegExp(`^${p.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
    shape: p.split('/').map((s) => (s.startsWith('{') ? 1 : 0)),
  }));
  routes.sort((a, b) => {
    for (let i = 0; i < Math.min(a.shape.length, b.shape.length); i++)
      if (a.shape[i] !== b.shape[i]) return a.shape[i] - b.shape[i];
    return a.shape.length - b.shape.length;
  });
  state = { doc, ajv, routes, validators: new Map() };
  return state;
}

const pointer = (...parts) => parts.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

// The operation of METHOD URL (a dated prefix and the query removed), or undefined.
export function operationOf(method, url) {
  const { doc, routes } = load();
  if (!doc) return undefined;
  let p = new URL(url, 'http://x').pathname.replace(/^\/\d{4}-\d{2}(?=\/|$)/, '') || '/';
  const m = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase();
  for (const r of routes) {
    if (!r.re.test(p)) continue;
    const op = doc.paths[r.path][m];
    if (op) return { path: r.path, method: m, op };
  }
  return undefined;
}

// Throws when the answer does not fit the document.
export function checkAnswer(method, url, { status, text, headers }, requestHeaders = {}) {
  const s = load();
  if (s.off || method === 'OPTIONS') return;
  const accept = Object.entries(requestHeaders).find(([k]) => k.toLowerCase() === 'accept')?.[1] || '';
  if (/text\/html/.test(accept)) return; // a browser navigation: the dashboard's shell answers
  const found = operationOf(method, url);
  if (!found) return;
  const where = `${method} ${url} -> ${status}`;
  const declared = found.op.responses[status];
  if (!declared)
    throw new Error(`contract: ${where}: status ${status} is not declared for ${method} ${found.path} in docs/openapi.json (body: ${text.slice(0, 300)})`);
  const response = declared.$ref ? s.doc.components.responses[declared.$ref.split('/').pop()] : declared;
  const media = Object.keys(response.content || {})[0];
  if (!media) {
    if (text && method !== 'HEAD') throw new Error(`contract: ${where}: declared without a body, got ${text.slice(0, 200)}`);
    return;
  }
  const type = headers.get('content-type') || '';
  if (media !== 'application/json') {
    if (!type.startsWith(media.split(';')[0])) throw new Error(`contract: ${where}: content-type ${type}, declared ${media}`);
    return;
  }
  if (method === 'HEAD') return;
  if (!type.startsWith('application/json')) throw new Error(`contract: ${where}: content-type ${type}, declared JSON`);
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`contract: ${where}: the body is not JSON: ${text.slice(0, 200)}`);
  }
  const ref = declared.$ref
    ? `openapi#${pointer('', 'components', 'responses', declared.$ref.split('/').pop(), 'content', media, 'schema')}`
    : `openapi#${pointer('', 'paths', found.path, found.method, 'responses', status, 'content', media, 'schema')}`;
  let validate = s.validators.get(ref);
  if (!validate) {
    validate = s.ajv.compile({ $ref: ref });
    s.validators.set(ref, validate);
  }
  if (!validate(body))
    throw new Error(`contract: ${where}: the body does not fit its schema in docs/openapi.json: ` +
      `${s.ajv.errorsText(validate.errors, { separator: '; ' })}\n  body: ${text.slice(0, 400)}`);
}
