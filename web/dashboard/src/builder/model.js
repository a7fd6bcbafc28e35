// The workflow definition as the builder edits it: immutable updates addressed by paths
// (['blocks', 2, 'then', 0]), block ids, the block types and their input schemas, and sample data
// (from JSON Schemas) for the mapping preview and the field tree.

// Built-in block types: what the palette offers and the form each block's inputs get. The
// schemas describe the inputs of shared/workflow/blocks.c (every input is a JSONata expression).
export const BUILTIN_BLOCKS = [
  { type: 'streamData', label: 'Stream Data', icon: '/icons/stream-data.svg', id: 'stream',
    about: 'POST the data as JSON to a URL, signed, with retries.',
    inputs: { required: ['url'], properties: {
      url: { title: 'URL', description: "Where to send it, e.g. 'https://acme.example/hooks/orders' or config.webhookUrl", type: 'string', format: 'uri' },
      body: { title: 'Body', description: 'What to send; by default the trigger data (event).' },
      headers: { title: 'Headers', type: 'object' },
      method: { title: 'Method', enum: ['POST', 'PUT', 'PATCH'] },
      timeoutMs: { title: 'Timeout (ms)', type: 'integer' } } } },
  { type: 'http', label: 'Custom API', icon: '/icons/http.svg', id: 'http', about: 'Any HTTP request.',
    inputs: { required: ['method', 'url'], properties: {
      method: { title: 'Method', enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
      url: { title: 'URL', type: 'string', format: 'uri' },
      headers: { title: 'Headers', type: 'object' }, query: { title: 'Query', type: 'object' },
      body: { title: 'Body' }, auth: { title: 'Authentication', type: 'object' },
      timeoutMs: { title: 'Timeout (ms)', type: 'integer' } } } },
  { type: 'transform', label: 'Transform', icon: '/icons/transform.svg', id: 'transform', about: 'Compute variables (vars) for later blocks.',
    inputs: { required: ['vars'], properties: { vars: { title: 'Variables', type: 'object', description: "An object expression, e.g. {'total': $sum(event.items.price)}" } } } },
  { type: 'ifElse', label: 'If-Else', icon: '/icons/if-else.svg', id: 'if', about: 'Run one of two lists of blocks.',
    inputs: { required: ['condition'], properties: { condition: { title: 'Condition', type: 'boolean' } } } },
  { type: 'branch', label: 'Branch', icon: '/icons/branch.svg', id: 'branch', about: 'Several paths, each with its condition.', inputs: { properties: {} } },
  { type: 'iterate', label: 'Iterate', icon: '/icons/iterate.svg', id: 'each', about: 'Run blocks once per item of a list.',
    inputs: { required: ['items'], properties: { items: { title: 'Items', type: 'array' } } } },
  { type: 'delay', label: 'Delay', icon: '/icons/delay.svg', id: 'delay', about: 'Wait, then go on (top level only).',
    inputs: { required: ['seconds'], properties: { seconds: { title: 'Seconds', type: 'number' } } } },
  { type: 'stop', label: 'Stop', icon: '/icons/stop.svg', id: 'stop', about: 'End the run (when the condition holds).',
    inputs: { properties: { condition: { title: 'Condition', type: 'boolean' } } } },
  ...[['postgresql', 'PostgreSQL', 'pg', 2], ['mysql', 'MySQL', 'mysql', 2], ['snowflake', 'Snowflake', 'snowflake', 3]].map(([type, label, id, parts]) => ({
    type, label, icon: `/icons/${type}.svg`, id, destination: true, tableParts: parts,
    about: `Insert or upsert a row, or run a statement, in the user’s ${label} database.`,
    inputs: { properties: {
      values: { title: 'Values', type: 'object', description: "Column name to value, e.g. {'id': event.orderId, 'status': event.status}" },
      parameters: { title: 'Parameters', type: 'array', description: "The statement’s placeholders in order, e.g. [event.status, event.orderId]" },
      timeoutMs: { title: 'Timeout (ms)', type: 'integer' } } } })),
  { type: 'eventbridge', label: 'Amazon EventBridge', icon: '/icons/eventbridge.svg', id: 'eventbridge', destination: true,
    about: 'Put events on the user’s EventBridge bus (PutEvents, signed).',
    inputs: { properties: {
      source: { title: 'Source', type: 'string', description: "e.g. 'com.acme.orders' (or give Entries)" },
      detailType: { title: 'Detail type', type: 'string', description: "e.g. 'Order Created'" },
      detail: { title: 'Detail', type: 'object', description: 'The event’s data; e.g. event' },
      eventBusName: { title: 'Event bus', type: 'string', description: "Name or ARN; by default the account's default bus" },
      resources: { title: 'Resources', type: 'array' },
      time: { title: 'Time', type: 'string', format: 'date-time' },
      entries: { title: 'Entries', type: 'array', description: "Several events at once: a list of {'source', 'detailType', 'detail'} (instead of the three above)" },
      timeoutMs: { title: 'Timeout (ms)', type: 'integer' } } } },
];
export const BLOCK_BY_TYPE = Object.fromEntries(BUILTIN_BLOCKS.map((b) => [b.type, b]));

// The database operations and which of a database block's inputs each takes (shared/workflow/
// parse.c): an insert or upsert writes `values` to `table` (an upsert by its `key` columns), a
// statement runs `sql` with `parameters`.
export const DB_OPERATIONS = [
  { value: 'insert', label: 'Insert a row' },
  { value: 'upsert', label: 'Insert or update a row (upsert)' },
  { value: 'statement', label: 'Run a SQL statement' },
];

// The input schema a block's form shows: a database block's depends on its operation.
export function blockInputs(block) {
  const t = BLOCK_BY_TYPE[block.type];
  if (!t) return { properties: {} };
  if (!t.tableParts) return t.inputs;
  const { values, parameters, ...rest } = t.inputs.properties;
  return block.operation === 'statement'
    ? { properties: { parameters, ...rest } }
    : { required: ['values'], properties: { values, ...rest } };
}

export const TRIGGER_TYPES = [
  { type: 'app', label: 'App event', about: 'Something happens in the user’s app (e.g. an order is created).' },
  { type: 'customEvent', label: 'Custom Event', about: 'Your backend calls POST /run/event.' },
  { type: 'webhook', label: 'Webhook', about: 'Your backend calls POST /run/workflow.' },
  { type: 'schedule', label: 'Schedule', about: 'On a cron schedule (UTC), per installation.' },
  { type: 'onInstallation', label: 'On installation', about: 'Once, when a user installs.' },
  { type: 'manual', label: 'Manual', about: 'Run from the dashboard or the API.' },
];

export function getAt(obj, path) {
  let v = obj;
  for (const k of path) { if (v == null) return undefined; v = v[k]; }
  return v;
}

// A copy of def with fn applied to the value at path (fn returns the new value).
export function updateAt(def, path, fn) {
  if (path.length === 0) return fn(def);
  const [k, ...rest] = path;
  const copy = Array.isArray(def) ? [...def] : { ...def };
  copy[k] = updateAt(def == null ? undefined : def[k], rest, fn);
  return copy;
}

export function setAt(def, path, value) {
  return updateAt(def, path, () => value);
}

// Every block with its path, depth first in document order (the order they run).
export function walkBlocks(def) {
  const out = [];
  const visit = (list, path) => (list || []).forEach((b, i) => {
    const p = [...path, i];
    out.push({ block: b, path: p });
    for (const [key, sub] of childLists(b)) visit(sub, [...p, ...key]);
  });
  visit(def.blocks, ['blocks']);
  return out;
}

// The nested lists of a container block as [[pathFromBlock], list].
export function childLists(b) {
  if (!b) return [];
  if (b.type === 'ifElse') return [[['then'], b.then || []], [['else'], b.else || []]];
  if (b.type === 'iterate') return [[['blocks'], b.blocks || []]];
  if (b.type === 'branch') return (b.branches || []).map((br, i) => [['branches', i, 'blocks'], br.blocks || []]);
  return [];
}

export function uniqueId(def, base) {
  const taken = new Set(walkBlocks(def).map((x) => x.block.id));
  if (def.trigger) taken.add(def.trigger.id || 'trigger');
  const clean = (base || 'block').replace(/[^A-Za-z0-9_-]/g, '').slice(0, 56) || 'block';
  if (!taken.has(clean)) return clean;
  for (let n = 2; ; n++) if (!taken.has(`${clean}${n}`)) return `${clean}${n}`;
}

export function newBlock(def, choice) {
  if (choice.type === 'appAction') {
    return { id: uniqueId(def, choice.action), name: choice.title || choice.action, type: 'appAction',
      app: choice.app, action: choice.action, inputs: {} };
  }
  const t = BLOCK_BY_TYPE[choice.type];
  const b = { id: uniqueId(def, t.id), type: t.type, inputs: {} };
  if (t.type === 'streamData') b.inputs = { body: 'event' };
  if (t.type === 'ifElse') { b.inputs = { condition: 'true' }; b.then = []; b.else = []; }
  if (t.type === 'iterate') { b.inputs = { items: 'event.items' }; b.blocks = []; }
  if (t.type === 'branch') { b.mode = 'all'; b.branches = [{ name: 'first', condition: 'true', blocks: [] }]; delete b.inputs; }
  if (t.type === 'delay') b.inputs = { seconds: '60' };
  if (t.tableParts) { b.operation = 'insert'; b.table = ''; }
  if (t.type === 'eventbridge') b.inputs = { detail: 'event' };
  return b;
}

// JSON Pointer of a path: ['blocks', 0, 'inputs', 'url'] -> '/blocks/0/inputs/url'.
export function pointer(path) {
  return path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

// An example value of a JSON Schema: what the field tree shows and the preview evaluates against
// until the user edits the sample or picks a real execution.
export function sampleOf(schema, depth = 0) {
  if (!schema || typeof schema !== 'object' || depth > 8) return null;
  if ('const' in schema) return schema.const;
  if ('default' in schema) return schema.default;
  if (Array.isArray(schema.examples) && schema.examples.length) return schema.examples[0];
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === 'object' || schema.properties) {
    const o = {};
    for (const [k, v] of Object.entries(schema.properties || {})) o[k] = sampleOf(v, depth + 1);
    return o;
  }
  if (type === 'array') return [sampleOf(schema.items || {}, depth + 1)];
  if (type === 'integer' || type === 'number') return 0;
  if (type === 'boolean') return false;
  if (type === 'null') return null;
  if (type === 'string') return schema.format === 'uri' ? 'https://example.com' : schema.format === 'email' ? 'user@example.com' : schema.format === 'date-time' ? new Date(0).toISOString() : 'text';
  return null;
}

// The output a block is expected to give, for the blocks after it.
export function outputSample(block, apps) {
  switch (block.type) {
    case 'appAction': {
      const app = (apps || []).find((a) => a.name === block.app);
      const action = app && app.actions.find((x) => x.name === block.action);
      return action && action.outputSchema ? sampleOf(action.outputSchema) : {};
    }
    case 'streamData': case 'http': return { status: 200, body: {} };
    case 'ifElse': return { condition: true, branch: 'then' };
    case 'branch': return { matched: [] };
    case 'iterate': return [];
    case 'postgresql': case 'mysql': case 'snowflake': return { operation: block.operation || 'insert', rowsAffected: 1, rows: [] };
    case 'eventbridge': return { entries: [{ eventId: 'text' }], failedEntryCount: 0 };
    default: return {};
  }
}

// A JSONata path to a key below parent ('event.orderId', 'event.`order id`').
export function joinPath(parent, key) {
  const part = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : `\`${key.replace(/`/g, '')}\``;
  return parent ? `${parent}.${part}` : part;
}
