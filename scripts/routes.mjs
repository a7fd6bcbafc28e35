// Generates the route table (C) and the OpenAPI 3.1 document from the route descriptions in
// native/api/routes/*.json, one file per API area (format: docs/architecture.md, "Routes as data").
// Run by the build:
//   node scripts/routes.mjs ROUTES_DIR OUT_ROUTES_C OUT_OPENAPI_JSON VERSION
// The C file holds API_ROUTES (method, pattern, handler, flags, the request body's JSON Schema as
// text) and the OpenAPI document as text (API_OPENAPI_JSON, served at GET /openapi.json). Exits 1
// naming the file and route when a description is incomplete or two rows collide.
import fs from 'node:fs';
import path from 'node:path';

const [dir, outC, outJson, version] = process.argv.slice(2);
if (!dir || !outC || !outJson || !version) {
    console.error('usage: node routes.mjs ROUTES_DIR OUT_ROUTES_C OUT_OPENAPI_JSON VERSION');
    process.exit(2);
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
// Who may call a route, as route flags (native/http/http.h) and OpenAPI security requirements.
const CALLERS = {
    public: { flags: ['ROUTE_PUBLIC'], security: [] },
    key: { flags: [], security: [{ apiKey: [] }, { session: [] }] },
    user: {
        flags: ['ROUTE_USER_TOKEN', 'ROUTE_BROWSER'],
        security: [{ apiKey: [] }, { session: [] }, { userToken: [] }],
    },
    link: {
        flags: ['ROUTE_USER_TOKEN', 'ROUTE_BROWSER', 'ROUTE_INSTALL_LINK'],
        security: [{ apiKey: [] }, { session: [] }, { userToken: [] }],
    },
    session: { flags: ['ROUTE_SESSION'], security: [{ session: [] }] },
    metrics: { flags: ['ROUTE_METRICS'], security: [{ metricsToken: [] }] },
};
// How a route's requests are counted against the rate limits (native/http/ratelimit.c).
const RATE_LIMITS = { caller: [], perUser: ['ROUTE_PER_USER_LIMIT'], none: ['ROUTE_NO_LIMIT'] };
const ROUTE_KEYS = new Set(['method', 'path', 'handler', 'operationId', 'caller', 'summary', 'description',
    'query', 'body', 'bodyOptional', 'responses', 'errors', 'cors', 'groupCommit', 'rateLimit', 'inline']);
const STATUS_TEXT = {
    200: 'OK', 201: 'Created', 204: 'No content', 400: 'Malformed request', 401: 'Unauthorized',
    403: 'Forbidden', 404: 'Not found', 405: 'Method not allowed', 409: 'Conflict',
    413: 'Payload too large', 415: 'Unsupported media type', 422: 'Validation failed',
    429: 'Rate limited', 500: 'Internal error', 503: 'Unavailable',
};

function fail(where, msg) {
    console.error(`routes: ${where}: ${msg}`);
    process.exit(1);
}

const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
if (files.length === 0) fail(dir, 'no route descriptions (*.json)');

const schemas = {};
const tags = [];
const routes = [];
for (const f of files) {
    let doc;
    try {
        doc = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    } catch (e) {
        fail(f, `not JSON: ${e.message}`);
    }
    if (!doc.area || !doc.description || !Array.isArray(doc.routes))
        fail(f, 'needs "area", "description" and "routes"');
    tags.push({ name: doc.area, description: doc.description });
    for (const [name, s] of Object.entries(doc.schemas || {})) {
        if (schemas[name]) fail(f, `schema ${name} is defined twice`);
        schemas[name] = s;
    }
    doc.routes.forEach((r, i) => {
        const where = `${f}: ${r.method} ${r.path ?? `#${i}`}`;
        for (const k of Object.keys(r)) if (!ROUTE_KEYS.has(k)) fail(where, `unknown member "${k}"`);
        if (!METHODS.includes(r.method)) fail(where, `method must be one of ${METHODS.join(', ')}`);
        if (typeof r.path !== 'string' || !/^\/[^?#{}]*$/.test(r.path)) fail(where, 'path must start with /');
        if (!/^[a-z_][a-z0-9_]*$/.test(r.handler || '')) fail(where, 'handler must name a C function');
        if (!CALLERS[r.caller]) fail(where, `caller must be one of ${Object.keys(CALLERS).join(', ')}`);
        if (!r.summary) fail(where, 'summary is required');
        if (!r.responses || !Object.keys(r.responses).length) fail(where, 'responses are required');
        if (r.body && !BODY_METHODS.has(r.method)) fail(where, `${r.method} takes no body`);
        if (r.inline && r.caller !== 'public') fail(where, 'an inline route (answered on the service thread) must be public');
        if (r.rateLimit && !RATE_LIMITS[r.rateLimit]) fail(where, `rateLimit must be ${Object.keys(RATE_LIMITS).join(' or ')}`);
        routes.push({ ...r, area: doc.area, file: f, order: routes.length });
    });
}

// $refs of the descriptions name "#/components/schemas/NAME"; the C side gets them inlined, so
// that each body schema compiles on its own and its errors' keywordLocation points into it.
function inline(schema, where, seen = []) {
    if (Array.isArray(schema)) return schema.map((s) => inline(s, where, seen));
    if (!schema || typeof schema !== 'object') return schema;
    if (typeof schema.$ref === 'string') {
        const m = schema.$ref.match(/^#\/components\/schemas\/([A-Za-z0-9_]+)$/);
        if (!m || !schemas[m[1]]) fail(where, `unknown $ref ${schema.$ref}`);
        if (seen.includes(m[1])) fail(where, `${m[1]} refers to itself`);
        const { $ref, ...rest } = schema;
        return { ...inline(schemas[m[1]], where, [...seen, m[1]]), ...inline(rest, where, seen) };
    }
    const out = {};
    for (const [k, v] of Object.entries(schema)) out[k] = inline(v, where, seen);
    return out;
}

// Segment kinds (literal 0, parameter 1): a literal segment is tried before a parameter that would
// also match it, whatever file or order the rows come in.
const shape = (p) => p.split('/').slice(1).map((s) => (s.startsWith(':') ? 1 : 0));
function bySpecificity(a, b) {
    const x = shape(a.path), y = shape(b.path);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length || a.order - b.order;
}
routes.sort(bySpecificity);

// One templated OpenAPI path per shape: /users/:userId/credentials/:credentialId and
// /users/:userId/credentials/:app would be the same path with two names.
const templated = new Map();
const seen = new Set();
for (const r of routes) {
    const key = `${r.method} ${r.path}`;
    if (seen.has(key)) fail(r.file, `${key} is described twice`);
    seen.add(key);
    const generic = r.path.replace(/:[^/]+/g, ':');
    const prior = templated.get(generic);
    if (prior && prior !== r.path)
        fail(r.file, `${r.path} and ${prior} differ only in parameter names; use the same names`);
    templated.set(generic, r.path);
}

const errorRef = { $ref: '#/components/responses/Error' };
function responsesOf(r) {
    const out = {};
    const where = `${r.file}: ${r.method} ${r.path}`;
    for (const [status, v] of Object.entries(r.responses)) {
        if (!/^[1-5][0-9][0-9]$/.test(status)) fail(where, `response status ${status}`);
        const description = STATUS_TEXT[status] || 'Answer';
        if (v === null) out[status] = { description };
        else if (v && typeof v === 'object' && typeof v.media === 'string')
            out[status] = { description: v.description || description,
                content: { [v.media]: { schema: v.schema || { type: 'string' } } } };
        else out[status] = { description, content: { 'application/json': { schema: v } } };
    }
    // What the pipeline itself may answer, before or around the handler.
    const auto = r.rateLimit === 'none' ? [500] : [429, 500];
    if (r.caller !== 'public') auto.push(401, 403, 404);
    if (BODY_METHODS.has(r.method)) auto.push(400, 413, 422);
    if (r.query && Object.keys(r.query).length) auto.push(400); /* a query parameter out of range */
    for (const s of [...auto, ...(r.errors || [])]) {
        if (out[s] && out[s].content) continue;
        out[s] = s === 429 ? { $ref: '#/components/responses/RateLimited' } : errorRef;
    }
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a - b));
}

function operation(r) {
    const params = [];
    for (const seg of r.path.split('/'))
        if (seg.startsWith(':'))
            params.push({ name: seg.slice(1), in: 'path', required: true, schema: { type: 'string' } });
    for (const [name, q] of Object.entries(r.query || {})) {
        const { required, description, ...schema } = q;
        params.push({ name, in: 'query', required: !!required, ...(description ? { description } : {}),
            schema });
    }
    const op = {
        operationId: r.operationId ||
            r.handler.replace(/^api_/, '').replace(/_([a-z])/g, (_, c) => c.toUpperCase()),
        summary: r.summary,
        ...(r.description ? { description: r.description } : {}),
        tags: [r.area],
        security: CALLERS[r.caller].security,
        ...(params.length ? { parameters: params } : {}),
    };
    if (r.body)
        op.requestBody = { required: !r.bodyOptional,
            content: { 'application/json': { schema: r.body } } };
    op.responses = responsesOf(r);
    if (r.caller === 'link') op['x-install-link'] = true;
    if (r.rateLimit === 'perUser') op['x-rate-limit'] = 'per end user of the body\'s userId';
    return op;
}

const paths = {};
const operationIds = new Set();
for (const r of [...routes].sort((a, b) => a.order - b.order)) {
    const p = r.path.replace(/:([^/]+)/g, '{$1}');
    const op = operation(r);
    if (operationIds.has(op.operationId))
        fail(r.file, `${r.method} ${r.path}: operationId ${op.operationId} is taken; give the route its own`);
    operationIds.add(op.operationId);
    (paths[p] ||= {})[r.method.toLowerCase()] = op;
}

const openapi = {
    openapi: '3.1.0',
    info: {
        title: 'Solder API',
        version,
        description: 'The HTTP API of Solder, the embedded integration platform: the Alloy Embedded ' +
            'wire API (2024-03 shapes) and the dashboard\'s routes. Every path is served under any ' +
            'dated prefix (/2023-12/..., /2024-03/...) and without one. Request bodies are checked ' +
            'against the schemas below before any handler runs (422 with the list of errors). ' +
            'Generated from native/api/routes/*.json.',
        license: { name: 'Proprietary', identifier: 'LicenseRef-Solder' },
    },
    servers: [{ url: '/2024-03', description: 'this server; any dated prefix, or none' }],
    tags,
    paths,
    components: {
        schemas: {
            Error: {
                type: 'object',
                required: ['message', 'code'],
                properties: {
                    message: { type: 'string', description: 'what went wrong, for a person' },
                    code: { type: 'string', description: 'a stable code: bad_request, not_found, validation_failed, ...' },
                    errors: {
                        type: 'array',
                        description: 'the problems found (422): for a request body, {instancePath, keywordLocation, keyword, message} each',
                        items: { type: 'object' },
                    },
                    requestId: { type: 'string', description: 'the id of the request in the server log (500)' },
                },
            },
            ...schemas,
        },
        responses: {
            Error: { description: 'An error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
            RateLimited: {
                description: 'Rate limited: the caller\'s token bucket is empty',
                headers: {
                    'Retry-After': { description: 'seconds until a request would be accepted', schema: { type: 'integer' } },
                    'RateLimit-Limit': { description: 'the bucket\'s size (burst)', schema: { type: 'integer' } },
                    'RateLimit-Remaining': { description: 'requests left in the bucket', schema: { type: 'integer' } },
                    'RateLimit-Reset': { description: 'seconds until the bucket is full again', schema: { type: 'integer' } },
                },
                content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
            },
        },
        securitySchemes: {
            apiKey: { type: 'http', scheme: 'bearer', description: 'an environment\'s API key' },
            userToken: { type: 'apiKey', in: 'header', name: 'x-alloy-user-token',
                description: 'an end user\'s token (GET /users/{userId}/token), or an install link\'s token on the routes marked x-install-link' },
            session: { type: 'apiKey', in: 'cookie', name: 'solder_session',
                description: 'a dashboard session; state changes also need X-CSRF-Token' },
            metricsToken: { type: 'http', scheme: 'bearer', description: 'the server\'s --metrics-token' },
        },
    },
};

// ---- the C table ----------------------------------------------------------------------------

const cString = (s) => JSON.stringify(s).replace(/\?\?/g, '?\\?');
function cLiteral(text, indent) {
    const chunks = [];
    for (let i = 0; i < text.length; i += 80) chunks.push(cString(text.slice(i, i + 80)));
    return chunks.join(`\n${indent}`);
}

const handlers = [...new Set(routes.map((r) => r.handler))].sort();
const lines = [
    '/* Generated by scripts/routes.mjs from the files of native/api/routes/: edit those. */',
    '#include "app.h"',
    '',
    ...handlers.map((h) => `void ${h}(struct request *req);`),
    '',
    'const struct route API_ROUTES[] = {',
];
for (const r of routes) {
    const flags = [...CALLERS[r.caller].flags];
    if (r.cors && !flags.includes('ROUTE_BROWSER')) flags.push('ROUTE_BROWSER');
    if (r.groupCommit) flags.push('ROUTE_BATCH');
    if (r.inline) flags.push('ROUTE_INLINE');
    flags.push(...RATE_LIMITS[r.rateLimit || 'caller']);
    if (r.body && r.bodyOptional) flags.push('ROUTE_BODY_OPTIONAL');
    const body = r.body ? cLiteral(JSON.stringify(inline(r.body, `${r.file}: ${r.method} ${r.path}`)), '                     ') : 'NULL';
    lines.push(`    {.method = HTTP_${r.method},`,
        `     .pattern = ${cString(r.path)},`,
        `     .handler = ${r.handler},`,
        `     .flags = ${flags.length ? flags.join(' | ') : '0'},`,
        `     .body_schema = ${body}},`);
}
lines.push('};', '', 'const size_t API_ROUTE_COUNT = sizeof API_ROUTES / sizeof API_ROUTES[0];', '');
const docText = JSON.stringify(openapi, null, 2) + '\n';
lines.push('const char API_OPENAPI_JSON[] =', `    ${cLiteral(JSON.stringify(openapi), '    ')};`, '');

function writeIfChanged(file, text) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) return;
    fs.writeFileSync(file, text);
}
writeIfChanged(outC, lines.join('\n'));
writeIfChanged(outJson, docText);
