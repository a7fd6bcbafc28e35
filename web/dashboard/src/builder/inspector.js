// The builder's right-hand side: the trigger chooser (app events, Custom Event, webhook, schedule
// with the cron helper, on installation, manual), one block's inputs as a form generated from its
// input schema with a data mapping per input, the configurable fields end users fill in at
// install, and the test data the mapping previews run against.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { html } from '../html.js';
import { get, qs } from '../api.js';
import { loadCore } from '../core.js';
import { CodeEditor } from '../code.js';
import { Field, Select, TextInput, ago, useData, useId } from '../ui.js';
import { BLOCK_BY_TYPE, DB_OPERATIONS, TRIGGER_TYPES, blockInputs, getAt, outputSample, pointer, sampleOf, setAt, walkBlocks } from './model.js';
import { MappingInput } from './mapping.js';

export function Inspector({ def, selected, apps, events, workflowId, errorsAt, onChange }) {
  const testData = useTestData(workflowId, def, events, apps);
  if (!selected) return html`<${WorkflowSettings} def=${def} errorsAt=${errorsAt} onChange=${onChange} />`;
  if (selected[0] === 'trigger') {
    return html`<${TriggerInspector} def=${def} apps=${apps} events=${events} workflowId=${workflowId} errorsAt=${errorsAt} onChange=${onChange} testData=${testData} />`;
  }
  const block = getAt(def, selected);
  if (!block) return html`<${WorkflowSettings} def=${def} errorsAt=${errorsAt} onChange=${onChange} />`;
  return html`<${BlockInspector} key=${pointer(selected)} def=${def} path=${selected} block=${block} apps=${apps}
    errorsAt=${errorsAt} onChange=${onChange} testData=${testData} />`;
}

function messages(list) {
  return list.length ? list.map((e) => e.message).join('; ') : null;
}

function TriggerInspector({ def, apps, events, workflowId, errorsAt, onChange, testData }) {
  const t = def.trigger || {};
  const setTrigger = (next) => onChange({ ...def, trigger: next });
  const choose = (type) => {
    if (type === t.type) return;
    const next = { type };
    if (type === 'app') { const a = apps.find((x) => x.triggers.length); if (a) { next.app = a.name; next.trigger = a.triggers[0].name; } }
    if (type === 'customEvent' && events.length) next.event = events[0].name;
    if (type === 'schedule') next.cron = '0 9 * * *';
    setTrigger(next);
  };
  const err = messages(errorsAt('/trigger'));
  const appsWithTriggers = apps.filter((a) => a.triggers.length);
  const app = appsWithTriggers.find((a) => a.name === t.app);
  return html`<div class="inspector">
    <h2>Trigger</h2>
    <p class="muted">What starts this workflow for each user who installs it.</p>
    <fieldset class="choices"><legend>Trigger type</legend>
      ${TRIGGER_TYPES.map((x) => html`<label class=${`choice${t.type === x.type ? ' on' : ''}`}>
        <input type="radio" name="trigger-type" value=${x.type} checked=${t.type === x.type} onChange=${() => choose(x.type)} />
        <span><span class="choice-name">${x.label}</span><span class="muted small">${x.about}</span></span></label>`)}
    </fieldset>
    ${t.type === 'app' && html`
      <${Select} label="App" value=${t.app || ''} onChange=${(v) => { const a = apps.find((x) => x.name === v); setTrigger({ type: 'app', app: v, trigger: a && a.triggers[0] ? a.triggers[0].name : '' }); }}
        options=${appsWithTriggers.map((a) => ({ value: a.name, label: a.displayName }))} />
      ${app && html`<${Select} label="Event" value=${t.trigger || ''} onChange=${(v) => setTrigger({ ...t, trigger: v })}
        options=${app.triggers.map((x) => ({ value: x.name, label: x.title || x.name }))} />`}`}
    ${t.type === 'customEvent' && html`
      ${events.length
        ? html`<${Select} label="Custom Event" value=${t.event || ''} onChange=${(v) => setTrigger({ ...t, event: v })}
            options=${[...(t.event && !events.some((e) => e.name === t.event) ? [{ value: t.event, label: `${t.event} (missing)` }] : []), ...events.map((e) => ({ value: e.name, label: e.name }))]} />`
        : html`<p class="note">No custom event yet.</p>`}
      <p><a href="/events/new">New Custom Event</a></p>`}
    ${t.type === 'schedule' && html`<${CronHelper} cron=${t.cron || ''} onChange=${(cron) => setTrigger({ ...t, cron })} />`}
    ${t.type === 'webhook' && html`<p>Your backend starts a run for one user with:</p>
      <pre class="snippet">${`curl -X POST ${location.origin}/run/workflow \\\n  -H "Authorization: Bearer $SOLDER_API_KEY" -H 'Content-Type: application/json' \\\n  -d '{"workflowId": "${workflowId}", "userId": "USER_ID", "data": {}}'`}</pre>`}
    ${err && html`<p class="field-error" role="alert">${err}</p>`}
    ${t.type && html`<${TestDataPanel} testData=${testData} />`}
  </div>`;
}

const CRON_PRESETS = [
  ['Every 15 minutes', '*/15 * * * *'], ['Every hour', '0 * * * *'], ['Every day at 09:00', '0 9 * * *'],
  ['Every Monday at 08:00', '0 8 * * 1'], ['First of the month', '0 0 1 * *'],
];

function CronHelper({ cron, onChange }) {
  const [out, setOut] = useState(null);
  useEffect(() => {
    let alive = true;
    loadCore().then((core) => alive && setOut(cron.trim() ? core.cronNext(cron, 5) : null));
    return () => { alive = false; };
  }, [cron]);
  const presetId = useId('preset');
  return html`<div class="cron">
    <${TextInput} label="Cron expression (UTC)" value=${cron} onInput=${onChange} hint="minute hour day-of-month month day-of-week" error=${out && out.error} />
    <div class="field"><label for=${presetId}>Common schedules</label>
      <select id=${presetId} onChange=${(e) => e.currentTarget.value && onChange(e.currentTarget.value)}>
        <option value="">Choose…</option>
        ${CRON_PRESETS.map(([label, value]) => html`<option value=${value}>${label} (${value})</option>`)}
      </select></div>
    ${out && out.next && html`<div class="next-runs"><h3>Next runs</h3><ol>
      ${out.next.map((s) => html`<li><time datetime=${new Date(s * 1000).toISOString()}>${new Date(s * 1000).toUTCString().replace(' GMT', ' UTC')}</time></li>`)}
    </ol></div>`}
  </div>`;
}

function WorkflowSettings({ def, errorsAt, onChange }) {
  const fields = def.fields || [];
  const setField = (i, f) => onChange({ ...def, fields: fields.map((x, j) => (j === i ? f : x)) });
  return html`<div class="inspector">
    <h2>Workflow settings</h2>
    <${TextInput} label="Description" value=${def.description || ''} onInput=${(v) => onChange({ ...def, description: v || undefined })} hint="Shown to your team; end users see the integration's text." />
    <h3>Configurable fields</h3>
    <p class="muted">What each end user fills in when installing (in the install modal). Turn an input into one with “End users set this”.</p>
    ${fields.length === 0 && html`<p class="muted small">None: the workflow needs nothing from end users.</p>`}
    <ul class="field-list">${fields.map((f, i) => html`<li class="card">
      <div class="card-row"><code>config.${f.name}</code>
        <button type="button" class="btn btn-small btn-ghost" aria-label=${`Remove field ${f.name}`} onClick=${() => onChange({ ...def, fields: fields.filter((_, j) => j !== i) })}>Remove</button></div>
      <${TextInput} label="Title" value=${f.title || ''} onInput=${(v) => setField(i, { ...f, title: v || undefined })} />
      <${TextInput} label="Help text" value=${f.description || ''} onInput=${(v) => setField(i, { ...f, description: v || undefined })} />
      <label class="check"><input type="checkbox" checked=${!!f.required} onChange=${(e) => setField(i, { ...f, required: e.currentTarget.checked })} /> Required</label>
      ${messages(errorsAt(`/fields/${i}`)) && html`<p class="field-error" role="alert">${messages(errorsAt(`/fields/${i}`))}</p>`}
    </li>`)}</ul>
  </div>`;
}

function inputSchemaOf(block, apps) {
  if (block.type === 'appAction') {
    const app = apps.find((a) => a.name === block.app);
    const action = app && app.actions.find((x) => x.name === block.action);
    return (action && action.inputs) || { properties: {} };
  }
  return blockInputs(block);
}

function BlockInspector({ def, path, block, apps, errorsAt, onChange, testData }) {
  const schema = inputSchemaOf(block, apps);
  const required = new Set(schema.required || []);
  const props = Object.entries(schema.properties || {});
  const set = (key, value) => onChange(setAt(def, [...path, key], value));
  const setInput = (name, expr) => {
    const inputs = { ...(block.inputs || {}) };
    if (expr === '' || expr == null) delete inputs[name]; else inputs[name] = expr;
    set('inputs', inputs);
  };
  const context = useMemo(() => contextAt(def, path, testData, apps), [def, path, testData.data, apps]);
  const fields = def.fields || [];
  const configurableName = (name) => {
    const v = (block.inputs || {})[name];
    const m = typeof v === 'string' && /^config\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(v.trim());
    return m && fields.some((f) => f.name === m[1]) ? m[1] : null;
  };
  const makeConfigurable = (name, prop, on) => {
    let next = def;
    const inputs = { ...(block.inputs || {}) };
    if (on) {
      const taken = new Set(fields.map((f) => f.name));
      let fname = name.replace(/[^A-Za-z0-9_]/g, '_');
      for (let n = 2; taken.has(fname); n++) fname = `${name}${n}`;
      const fschema = {};
      for (const k of ['type', 'format', 'enum', 'minimum', 'maximum']) if (prop[k] !== undefined) fschema[k] = prop[k];
      if (!fschema.type && !fschema.enum) fschema.type = 'string';
      // The input's description speaks of expressions to the ISV; the end user's help text is
      // written in Workflow settings.
      next = { ...next, fields: [...fields, { name: fname, title: prop.title || name, required: required.has(name), schema: fschema }] };
      inputs[name] = `config.${fname}`;
    } else {
      const fname = configurableName(name);
      next = { ...next, fields: fields.filter((f) => f.name !== fname) };
      delete inputs[name];
    }
    onChange(setAt(next, [...path, 'inputs'], inputs));
  };
  const ptr = pointer(path);
  const meta = BLOCK_BY_TYPE[block.type];
  const app = block.type === 'appAction' && apps.find((a) => a.name === block.app);
  return html`<div class="inspector">
    <h2>${block.name || (meta && meta.label) || (app && app.displayName) || block.type}</h2>
    <p class="muted">${meta ? meta.about : app ? `${app.displayName}: ${((app.actions.find((x) => x.name === block.action) || {}).title) || block.action}` : ''}</p>
    <div class="two">
      <${TextInput} label="Block name" value=${block.name || ''} onInput=${(v) => set('name', v || undefined)} error=${messages(errorsAt(`${ptr}/name`))} />
      <${TextInput} label="Block ID" value=${block.id} onInput=${(v) => set('id', v)} hint=${`Later blocks read its output as steps.${block.id}`} error=${messages(errorsAt(`${ptr}/id`))} />
    </div>
    ${app && html`<${Select} label="Action" value=${block.action} onChange=${(v) => onChange(setAt(setAt(def, [...path, 'action'], v), [...path, 'inputs'], {}))}
      options=${app.actions.map((x) => ({ value: x.name, label: x.title || x.name }))} />`}
    ${messages(errorsAt(ptr).filter((e) => e.path === ptr)) && html`<p class="field-error" role="alert">${messages(errorsAt(ptr).filter((e) => e.path === ptr))}</p>`}
    ${meta && meta.tableParts && html`<${DatabaseEditor} def=${def} path=${path} block=${block} meta=${meta} onChange=${onChange} errorsAt=${errorsAt} />`}
    ${block.type === 'branch' && html`<${BranchEditor} def=${def} path=${path} block=${block} onChange=${onChange} context=${context} errorsAt=${errorsAt} />`}
    ${props.length > 0 && html`<h3>Inputs</h3>`}
    ${props.map(([name, prop]) => html`<${MappingInput} key=${name} name=${name} schema=${prop} required=${required.has(name)}
      value=${(block.inputs || {})[name] === undefined ? '' : typeof block.inputs[name] === 'string' ? block.inputs[name] : JSON.stringify(block.inputs[name])}
      onChange=${(v) => setInput(name, v)} context=${context}
      error=${messages(errorsAt(`${ptr}/inputs/${name}`))}
      configurable=${!!configurableName(name)} onConfigurable=${(on) => makeConfigurable(name, prop, on)} />`)}
    ${messages(errorsAt(`${ptr}/inputs`).filter((e) => !props.some(([n]) => e.path.startsWith(`${ptr}/inputs/${n}`)))) && html`<p class="field-error" role="alert">${messages(errorsAt(`${ptr}/inputs`).filter((e) => !props.some(([n]) => e.path.startsWith(`${ptr}/inputs/${n}`))))}</p>`}
    <${TestDataPanel} testData=${testData} />
  </div>`;
}

// A database block's members, fixed in the definition (not expressions): the operation, and the
// table (+ the upsert's key columns) or the SQL statement with its placeholders.
function DatabaseEditor({ def, path, block, meta, onChange, errorsAt }) {
  const ptr = pointer(path);
  const op = block.operation || 'insert';
  const err = (m) => messages(errorsAt(`${ptr}/${m}`));
  const setOperation = (v) => {
    const next = { ...block, operation: v, inputs: { ...(block.inputs || {}) } };
    if (v === 'statement') {
      delete next.table; delete next.key; delete next.inputs.values;
      if (next.sql === undefined) next.sql = '';
    } else {
      delete next.sql; delete next.inputs.parameters;
      if (next.table === undefined) next.table = '';
      if (v === 'upsert' && !next.key) next.key = ['id']; else if (v === 'insert') delete next.key;
    }
    onChange(setAt(def, path, next));
  };
  const sqlId = useId('sql');
  // The text as typed ("id, " on the way to "id, sku"), not re-joined from the saved list.
  const [keyText, setKeyText] = useState(null);
  const tableHint = meta.tableParts === 3 ? 'name, schema.name or database.schema.name' : 'name or schema.name';
  return html`<div class="db-members">
    <${Select} label="Operation" value=${op} onChange=${setOperation} options=${DB_OPERATIONS} error=${err('operation')} />
    ${op !== 'statement' && html`<${TextInput} label="Table" value=${block.table || ''} onInput=${(v) => onChange(setAt(def, [...path, 'table'], v))}
      hint=${`The table to write to: ${tableHint}.`} error=${err('table')} />`}
    ${op === 'upsert' && html`<${TextInput} label="Key columns" value=${keyText ?? (block.key || []).join(', ')}
      onInput=${(v) => { setKeyText(v); onChange(setAt(def, [...path, 'key'], v.split(',').map((x) => x.trim()).filter(Boolean))); }}
      hint="The columns that identify a row, separated by commas." error=${err('key')} />`}
    ${op === 'statement' && html`<${Field} label="SQL statement" id=${sqlId} error=${err('sql')}
        hint=${block.type === 'postgresql' ? 'Placeholders $1, $2, … take the Parameters in order.' : 'Placeholders ? take the Parameters in order.'}>
      <textarea id=${sqlId} class="sql" rows="4" spellcheck="false" value=${block.sql || ''} aria-invalid=${err('sql') ? 'true' : undefined}
        aria-describedby=${err('sql') ? `${sqlId}-error` : `${sqlId}-hint`} onInput=${(e) => onChange(setAt(def, [...path, 'sql'], e.currentTarget.value))}></textarea><//>`}
  </div>`;
}

function BranchEditor({ def, path, block, onChange, context, errorsAt }) {
  const branches = block.branches || [];
  const setBranches = (b) => onChange(setAt(def, [...path, 'branches'], b));
  return html`<div>
    <${Select} label="Run" value=${block.mode || 'all'} onChange=${(v) => onChange(setAt(def, [...path, 'mode'], v))}
      options=${[{ value: 'all', label: 'every branch whose condition holds' }, { value: 'first', label: 'only the first branch whose condition holds' }]} />
    ${branches.map((br, i) => html`<div class="card branch-card">
      <div class="card-row"><strong>Branch ${i + 1}</strong>
        <button type="button" class="btn btn-small btn-ghost" aria-label=${`Remove branch ${i + 1}`} onClick=${() => setBranches(branches.filter((_, j) => j !== i))}>Remove</button></div>
      <${TextInput} label=${`Branch ${i + 1} name`} value=${br.name || ''} onInput=${(v) => setBranches(branches.map((x, j) => (j === i ? { ...x, name: v } : x)))} />
      <${MappingInput} name="condition" schema=${{ title: `Branch ${i + 1} condition`, description: 'Empty: always (a default branch).' }} value=${br.condition || ''}
        onChange=${(v) => setBranches(branches.map((x, j) => (j === i ? { ...x, condition: v || undefined } : x)))} context=${context}
        error=${messages(errorsAt(`${pointer(path)}/branches/${i}`))} />
    </div>`)}
    <button type="button" class="btn" onClick=${() => setBranches([...branches, { name: `branch${branches.length + 1}`, condition: 'true', blocks: [] }])}>Add branch</button>
  </div>`;
}

// The data a block's expressions see: {event, steps, config, user, vars, execution} (+ item and
// index inside an iteration), from the chosen test data and earlier blocks' outputs.
function contextAt(def, path, testData, apps) {
  const data = testData.data || {};
  const steps = {};
  const key = pointer(path);
  let inIterate = false;
  for (const { block, path: p } of walkBlocks(def)) {
    const k = pointer(p);
    if (k === key) break;
    if (key.startsWith(`${k}/`)) { if (block.type === 'iterate') inIterate = true; continue; }
    steps[block.id] = data.steps && block.id in data.steps ? data.steps[block.id] : outputSample(block, apps);
  }
  const config = {};
  for (const f of def.fields || []) config[f.name] = sampleOf(f.schema || { type: 'string' });
  const ctx = {
    event: data.event === undefined ? {} : data.event,
    steps,
    config: data.config || config,
    user: data.user || { userId: '000000000000000000000000', username: 'sample-user', fullName: 'Sample User' },
    vars: {},
    execution: { id: '000000000000000000000000', attempt: 1 },
  };
  if (inIterate) { ctx.item = {}; ctx.index = 0; }
  return ctx;
}

const sampleKey = (workflowId) => `solder.sample.${workflowId}`;

// The trigger data the previews use: the user's edited sample (kept in this browser), a sample
// made from the trigger's schema, or the input of a recent real execution.
function useTestData(workflowId, def, events, apps) {
  const [source, setSource] = useState('sample');
  const [text, setTextState] = useState(() => localStorage.getItem(sampleKey(workflowId)));
  const runs = useData(() => get(`/logs/executions${qs({ workflowId, limit: 10 })}`).then((r) => r.data).catch(() => []), [workflowId]);
  const [run, setRun] = useState(null);
  useEffect(() => {
    if (source === 'sample') { setRun(null); return; }
    get(`/logs/executions/${source}`).then((r) => setRun(r.data), () => setRun(null));
  }, [source]);
  const generated = useMemo(() => {
    const t = def.trigger || {};
    if (t.type === 'customEvent') {
      const ev = events.find((e) => e.name === t.event);
      return ev && ev.schema ? sampleOf(ev.schema) : {};
    }
    if (t.type === 'app') {
      const app = apps.find((a) => a.name === t.app);
      const tr = app && app.triggers.find((x) => x.name === t.trigger);
      return tr && tr.outputSchema ? sampleOf(tr.outputSchema) : {};
    }
    return {};
  }, [def.trigger, events, apps]);
  const setText = (v) => {
    setTextState(v);
    if (v == null) localStorage.removeItem(sampleKey(workflowId)); else localStorage.setItem(sampleKey(workflowId), v);
  };
  let data; let parseError = null;
  if (source !== 'sample' && run) {
    const steps = {};
    for (const r of run.results || []) if (r.data && r.data[0]) steps[r.blockId] = r.data[0].json;
    data = { event: run.trigger ? run.trigger.payload : {}, steps };
  } else {
    try { data = { event: text != null ? JSON.parse(text) : generated }; } catch (e) { parseError = e.message; data = { event: generated }; }
  }
  const shownText = text != null ? text : JSON.stringify(generated, null, 2);
  const stable = useMemo(() => data, [source, run, text, generated]);
  return { source, setSource, runs: runs.data || [], text: shownText, setText, edited: text != null, parseError, data: stable };
}

function TestDataPanel({ testData }) {
  const { source, setSource, runs, text, setText, edited, parseError } = testData;
  const errId = useId('sample-err');
  return html`<details class="testdata" open>
    <summary>Test data for previews</summary>
    <${Select} label="Preview against" value=${source} onChange=${setSource}
      options=${[{ value: 'sample', label: 'Sample trigger data (editable)' }, ...runs.map((r) => ({ value: r.executionId, label: `Run ${r.executionId.slice(-6)} · ${r.username || r.userId} · ${r.status} · ${ago(r.createdAt)}` }))]} />
    ${source === 'sample' && html`<div class="field">
      <span class="label-like" id=${`${errId}-label`}>Sample trigger data (JSON, as event)</span>
      <${CodeEditor} kind="json" value=${text} onChange=${setText} label="Sample trigger data" describedBy=${parseError ? errId : undefined} />
      ${parseError && html`<p class="field-error" id=${errId} role="alert">Not JSON: ${parseError}</p>`}
      ${edited && html`<button type="button" class="btn btn-small btn-ghost" onClick=${() => setText(null)}>Reset to the trigger's sample</button>`}
    </div>`}
  </details>`;
}

export { Field };
