// The Workflow Builder's editing, in a real Chromium against the real server (dashboard.test.mjs
// builds the quick start's two workflows): the palette offers every block type with its icon; a
// PostgreSQL upsert added, filled and saved as the draft the server stores; a server validation
// error shown at its block and field, and "Release this Version" refused while the draft is
// invalid; blocks removed, reordered and nested inside If-Else and Iterate; "End users set this"
// making an input a configurable field that the install modal asks for; the webhook, on-installation
// and manual triggers chosen and saved. axe-core checks the builder with the palette open and with
// an error shown. With SOLDER_SCREENSHOTS=docs/img the destination block is photographed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, waitUntil } from '../api/server.mjs';
import { createAccount } from '../api/dashboard.mjs';
import { startIsvPage } from './browser.mjs';
import { assertAccessible, go as open, setCode, shot, signedInBrowser } from './dashboard.mjs';

const V = '/2024-03';
const EMAIL = 'builder@acme.example';
const PASSWORD = 'correct horse battery staple';
// Every block type of shared/workflow/blocks.c, as the palette names them (appAction is listed by
// app and action under each connector).
const BLOCK_LABELS = ['Stream Data', 'Custom API', 'Transform', 'If-Else', 'Branch', 'Iterate', 'Delay', 'Stop',
  'PostgreSQL', 'MySQL', 'Snowflake', 'Amazon EventBridge'];

let s;
let browser;
let page;
let integrationId;

const go = (url) => open(page, s.url, url);

async function call(method, p, body) {
  const r = await api(s, method, `${V}${p}`, { body });
  assert.ok(r.status < 300, `${method} ${p}: ${r.status} ${r.text}`);
  return r.body;
}

async function newWorkflow(name, trigger = { type: 'webhook' }) {
  return (await call('POST', '/workflows', { integrationId, definition: { name, trigger, blocks: [] } })).workflowId;
}

const draftOf = async (id) => (await call('GET', `/workflows/${id}`)).data.draft;

// Waits until the draft the server stores satisfies check(draft); returns it.
const savedDraft = (id, what, check) => waitUntil(what, async () => {
  const d = await draftOf(id);
  return check(d) ? d : null;
});

async function addBlock(where, label) {
  await page.getByRole('button', { name: where }).click();
  const palette = page.getByRole('dialog', { name: 'Add a block' });
  await palette.waitFor();
  await palette.getByRole('button', { name: new RegExp(`^${label}`) }).click();
  await palette.waitFor({ state: 'hidden' });
}

before(async () => {
  s = await startServer(['--allow-private-network']);
  await createAccount(s, EMAIL, PASSWORD);
  integrationId = (await call('POST', '/integrations', { name: 'AcmeCo warehouse', app: 'http' })).integrationId;
  ({ browser, page } = await signedInBrowser(s.url, EMAIL, PASSWORD));
});

after(async () => {
  if (browser) await browser.close();
  if (s) assert.equal(await s.stop(), 0);
});

test('the palette offers every block type with its icon; a PostgreSQL upsert is saved as the draft', async () => {
  const id = await newWorkflow('Orders to the warehouse');
  await go(`/workflows/${id}`);
  await page.getByRole('button', { name: 'Add a block at position 1 of the workflow' }).click();
  const palette = page.getByRole('dialog', { name: 'Add a block' });
  await palette.waitFor();
  for (const label of BLOCK_LABELS) {
    const item = palette.getByRole('button', { name: new RegExp(`^${label}`) });
    assert.equal(await item.count(), 1, `the palette offers ${label}`);
  }
  await palette.getByRole('heading', { name: 'Destinations' }).waitFor();
  for (const type of ['postgresql', 'mysql', 'snowflake', 'eventbridge']) {
    const icon = palette.locator(`img[src="/icons/${type}.svg"]`);
    await icon.waitFor();
    await waitUntil(`the ${type} icon to load`, () => icon.evaluate((img) => img.complete && img.naturalWidth > 0));
  }
  await assertAccessible(page, 'the builder with the palette open');
  await palette.getByLabel('Search blocks').fill('database');
  assert.deepEqual((await palette.locator('.palette-name').allTextContents()).sort(), ['MySQL', 'PostgreSQL', 'Snowflake']);
  await palette.getByRole('button', { name: /^PostgreSQL/ }).click();
  await palette.waitFor({ state: 'hidden' });

  await page.getByRole('heading', { name: 'PostgreSQL' }).waitFor();
  await page.getByLabel('Operation').selectOption('upsert');
  await page.getByLabel('Table').fill('public.orders');
  assert.equal(await page.getByLabel('Key columns').inputValue(), 'id', 'an upsert starts keyed by id');
  await page.getByLabel('Key columns').fill('');
  await page.getByLabel('Key columns').pressSequentially('id, sku');
  assert.equal(await page.getByLabel('Key columns').inputValue(), 'id, sku', 'typed as it is, separators included');
  await savedDraft(id, 'two key columns', (d) => d.blocks[0]?.key?.length === 2);
  await page.getByLabel('Key columns').fill('id');
  await setCode(page, 'Values expression', "{'id': $number(event.orderId), 'status': event.status}");
  await setCode(page, 'Sample trigger data', '{"orderId": "7", "status": "shipped"}');
  await page.locator('.mapping').filter({ hasText: 'Values' }).locator('.preview-ok').filter({ hasText: '"status": "shipped"' }).waitFor();
  const draft = await savedDraft(id, 'the PostgreSQL block in the draft', (d) => d.blocks.length === 1 && d.blocks[0].inputs?.values);
  assert.deepEqual(draft.blocks[0], { id: 'pg', type: 'postgresql', operation: 'upsert', table: 'public.orders', key: ['id'],
    inputs: { values: "{'id': $number(event.orderId), 'status': event.status}" } });
  await page.getByText('All changes saved').waitFor();
  assert.equal(await page.locator('.builder-status .badge-error').count(), 0, 'the server finds the draft valid');
  await page.locator('.inspector-pane').evaluate((el) => { el.scrollTop = 0; });
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'dashboard-builder-destination.png');
  await page.getByRole('button', { name: 'Release this Version' }).click();
  await page.getByText('Version 1 released').waitFor();
  const released = (await call('GET', `/workflows/${id}/versions/1`)).data.definition;
  assert.equal(released.blocks[0].type, 'postgresql');

  // A statement takes SQL and parameters instead of a table and values.
  await page.getByLabel('Operation').selectOption('statement');
  await page.getByLabel('SQL statement').fill('UPDATE orders SET status = $1 WHERE id = $2');
  await setCode(page, 'Parameters expression', '[event.status, $number(event.orderId)]');
  const stmt = await savedDraft(id, 'the statement in the draft', (d) => d.blocks[0].operation === 'statement' && d.blocks[0].inputs?.parameters);
  assert.equal(stmt.blocks[0].sql, 'UPDATE orders SET status = $1 WHERE id = $2');
  assert.equal(stmt.blocks[0].table, undefined);
  assert.equal(stmt.blocks[0].inputs.values, undefined);
  await page.getByText('All changes saved').waitFor();
  assert.equal(await page.locator('.builder-status .badge-error').count(), 0);
});

test('a server validation error shows at its block and field; Release this Version is refused meanwhile', async () => {
  const id = await newWorkflow('Orders to Snowflake');
  await go(`/workflows/${id}`);
  await addBlock('Add a block at position 1 of the workflow', 'Snowflake');
  await page.getByLabel('Table').fill('analytics.public.orders.extra');
  await setCode(page, 'Values expression', "{'id': event.id}");
  const field = page.locator('.field').filter({ has: page.getByLabel('Table') });
  await field.getByRole('alert').filter({ hasText: 'must be "name", "schema.name" or "database.schema.name"' }).waitFor();
  assert.equal(await page.getByLabel('Table').getAttribute('aria-invalid'), 'true');
  const node = page.locator('.block-item .node').filter({ hasText: 'Snowflake' });
  assert.equal((await node.locator('.badge-error').textContent()).trim(), '1', 'the block shows its problem count');
  await page.locator('.builder-status .badge-error').filter({ hasText: '1 problem' }).waitFor();
  await page.locator('.problems summary').click();
  await page.locator('.problems li').filter({ hasText: '/blocks/0/table' }).waitFor();
  await assertAccessible(page, 'the builder with a validation error');

  await page.getByRole('button', { name: 'Release this Version' }).click();
  await page.getByText(/^Not released: the draft is not a valid workflow/).waitFor();
  assert.match(await page.locator('.builder-status').textContent(), /never released/);
  assert.equal((await api(s, 'GET', `${V}/workflows/${id}/versions/1`)).status, 404, 'no version was made');

  await page.getByLabel('Table').fill('analytics.public.orders');
  await field.getByRole('alert').waitFor({ state: 'detached' });
  await page.locator('.builder-status .badge-error').waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Release this Version' }).click();
  await page.getByText('Version 1 released').waitFor();
});

test('blocks are nested inside If-Else and Iterate, reordered and removed', async () => {
  const id = await newWorkflow('Nested blocks');
  await go(`/workflows/${id}`);
  await addBlock('Add a block at position 1 of the workflow', 'Transform');
  await setCode(page, 'Variables expression', "{'n': 1}");
  await addBlock('Add a block at position 2 of the workflow', 'If-Else');
  await addBlock('Add a block at position 1 of the then list', 'Stop');
  await addBlock('Add a block at position 1 of the else list', 'Custom API');
  await addBlock('Add a block at position 3 of the workflow', 'Iterate');
  await addBlock('Add a block at position 1 of the blocks list', 'Amazon EventBridge');
  let d = await savedDraft(id, 'the nested blocks', (x) => x.blocks.length === 3 && x.blocks[2].blocks?.length === 1);
  assert.deepEqual(d.blocks.map((b) => b.type), ['transform', 'ifElse', 'iterate']);
  assert.deepEqual(d.blocks[1].then.map((b) => b.type), ['stop']);
  assert.deepEqual(d.blocks[1].else.map((b) => b.type), ['http']);
  assert.deepEqual(d.blocks[2].blocks.map((b) => b.type), ['eventbridge']);
  // Nested blocks are shown inside their container, under the branch's label.
  const ifElse = page.locator('.block-item').filter({ has: page.locator('.node-id', { hasText: /^if$/ }) });
  await ifElse.locator('.nested-list').filter({ hasText: 'Then' }).locator('.node-id', { hasText: /^stop$/ }).waitFor();
  await ifElse.locator('.nested-list').filter({ hasText: 'Else' }).locator('.node-id', { hasText: /^http$/ }).waitFor();
  const each = page.locator('.block-item').filter({ has: page.locator('.node-id', { hasText: /^each$/ }) });
  await each.locator('.nested-list').filter({ hasText: 'For each item' }).locator('.node-id', { hasText: /^eventbridge$/ }).waitFor();
  assert.equal(await page.getByRole('button', { name: /^Add a block at position \d+ of the blocks list$/ }).count(), 2);

  await page.getByRole('button', { name: 'Move Iterate up' }).click();
  d = await savedDraft(id, 'Iterate moved up', (x) => x.blocks[1].type === 'iterate');
  assert.deepEqual(d.blocks.map((b) => b.type), ['transform', 'iterate', 'ifElse']);
  await page.getByRole('button', { name: 'Move Transform down' }).click();
  d = await savedDraft(id, 'Transform moved down', (x) => x.blocks[1].type === 'transform');
  assert.deepEqual(d.blocks.map((b) => b.type), ['iterate', 'transform', 'ifElse']);
  assert.equal(await page.getByRole('button', { name: 'Move Iterate up' }).isDisabled(), true, 'the first block cannot go up');

  await page.getByRole('button', { name: 'Remove Custom API' }).click();
  d = await savedDraft(id, 'the else block removed', (x) => x.blocks[2].else.length === 0);
  assert.deepEqual(d.blocks[2].then.map((b) => b.type), ['stop'], 'its sibling list is kept');
  await page.getByRole('button', { name: 'Remove If-Else' }).click();
  d = await savedDraft(id, 'If-Else removed with its blocks', (x) => x.blocks.length === 2);
  assert.deepEqual(d.blocks.map((b) => b.type), ['iterate', 'transform']);
  assert.equal(await page.locator('.node-id', { hasText: /^stop$/ }).count(), 0);
});

test('"End users set this" makes an input a configurable field the install modal asks for', async () => {
  const id = await newWorkflow('Stream orders where the user says');
  await go(`/workflows/${id}`);
  await addBlock('Add a block at position 1 of the workflow', 'Stream Data');
  const url = page.locator('.mapping').filter({ hasText: 'URL' }).first();
  await url.getByLabel('End users set this').check();
  await url.getByText('Set by each end user at install (config.url).').waitFor();
  const d = await savedDraft(id, 'the configurable field', (x) => (x.fields || []).length === 1);
  assert.equal(d.blocks[0].inputs.url, 'config.url');
  assert.deepEqual(d.fields[0], { name: 'url', title: 'URL', required: true, schema: { type: 'string', format: 'uri' } });

  await page.getByRole('button', { name: 'Workflow settings and configurable fields' }).click();
  await page.locator('.field-list code').filter({ hasText: 'config.url' }).waitFor();
  await page.getByLabel('Title').fill('Where to send orders');
  await page.getByLabel('Help text').fill('Your webhook URL');
  await savedDraft(id, 'the field title', (x) => x.fields[0].title === 'Where to send orders' && x.fields[0].description === 'Your webhook URL');
  await page.getByText('All changes saved').waitFor();
  await page.getByRole('button', { name: 'Release this Version' }).click();
  await page.getByText('Version 1 released').waitFor();

  const released = (await call('GET', `/workflows/${id}/versions/1`)).data.definition;
  assert.equal(released.fields[0].name, 'url');
  const userId = (await call('POST', '/users', { username: 'field-user' })).userId;
  const start = await call('POST', '/headless/startInstallation', { userId, integrationId, workflowIds: [id] });
  const asked = start.data.find((x) => x.workflowId === id);
  assert.ok(asked, JSON.stringify(start));
  const f = asked.fields.find((x) => x.name === 'url');
  assert.ok(f, `the install modal's fields: ${JSON.stringify(asked.fields)}`);
  assert.equal(f.displayName, 'Where to send orders');
  assert.equal(f.required, true);

  // The install modal, on an ISV page, asks the user for it under its title.
  await call('POST', `/users/${userId}/credentials`, { credential: { type: 'http', data: { headerName: 'Authorization', headerValue: 'Bearer t' } } });
  const tok = (await call('GET', `/users/${userId}/token`)).token;
  const isv = await startIsvPage(s.url);
  const p = await browser.newPage();
  try {
    await p.goto(isv.url);
    await p.waitForFunction(() => typeof window.Alloy === 'function');
    await p.evaluate(({ tok, integrationId, id }) => {
      window.Alloy.setToken(tok);
      window.Alloy.install({ integrationId, workflowIds: [id], callback: () => {} });
    }, { tok, integrationId, id });
    const frame = await (await p.waitForSelector('[data-alloy-modal] iframe')).contentFrame();
    // Given the workflow, the modal opens at its settings: the user has a credential.
    await frame.locator(`#f-${id}-url`).waitFor();
    assert.match(await frame.locator(`label[for="f-${id}-url"]`).textContent(), /^Where to send orders/);
    assert.equal(await frame.locator(`#f-${id}-url-help`).textContent(), 'Your webhook URL');
  } finally {
    await p.close();
    await isv.close();
  }
});

test('the webhook, on-installation and manual triggers are chosen and saved', async () => {
  const id = await newWorkflow('Start choices', { type: 'schedule', cron: '0 9 * * *' });
  await go(`/workflows/${id}`);
  await page.locator('.node-trigger').click();
  for (const [label, type] of [['Webhook', 'webhook'], ['On installation', 'onInstallation'], ['Manual', 'manual']]) {
    await page.getByRole('radio', { name: new RegExp(`^${label}`) }).check();
    const d = await savedDraft(id, `the ${type} trigger`, (x) => x.trigger.type === type);
    assert.deepEqual(d.trigger, { type });
    if (type === 'webhook') assert.match(await page.locator('.snippet').textContent(), new RegExp(`"workflowId": "${id}"`));
    await page.locator('.node-trigger .node-name').filter({ hasText: label === 'On installation' ? /installation/i : label }).waitFor();
  }
  await page.getByText('All changes saved').waitFor();
  await page.getByRole('button', { name: 'Release this Version' }).click();
  await page.getByText('Version 1 released').waitFor();
  assert.deepEqual((await call('GET', `/workflows/${id}/versions/1`)).data.definition.trigger, { type: 'manual' });
});
