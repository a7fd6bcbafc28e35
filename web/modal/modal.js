// The install modal (served at /forge-install and /embedded-install), usually inside the SDK's
// iframe. Query parameters as Alloy's: integrationId, repeated id (workflow ids), versionId, token,
// hide, alwaysShowAuthentication, operation (install | edit | update), title; plus parentOrigin,
// set by the SDK, the only origin messages are posted to.
//
// Steps: workflows → connect (see below) → settings (a form per workflow from each configurable
// field's JSON Schema, checked in the browser by the WASM build of the server's validator, so the
// messages are the server's) → review → done (live progress of the first runs). The server
// validates again on install. Messages to the parent: {showModal}, {workflowCreated, workflowIds}, {closeModal}.
//
// Credentials: when the integration's app has a credential form (GET /metadata/credentials/{app})
// and the user has no credential for it yet (or alwaysShowAuthentication), a Connect step after
// the workflows asks for it (secret inputs masked) and stores it with POST /headless/credentials.
// For an OAuth2 app the step's button opens the provider in a popup (GET /headless/oauthUrl); the
// callback page posts the outcome back ({type: 'solder:oauth', state, ok, credentialId | error},
// from this origin only), and the modal also polls GET /oauth/status for it, in case the provider's
// pages cut the popup off from its opener. The modal itself talks to no other host.
// Either way the new credential is the one the installation uses (credentialIds). When the user
// already has credentials for the app, the step lists them: Edit offers "Keep the connected
// account" (the one the installation uses), and says so when that account was deleted or refused,
// asking to connect again; choosing an account or connecting another are the alternatives.
//
// App triggers: the installation's subscriptions (GET /installations) are watched after an install
// or a save, and shown on opening Edit; one the app refused is a warning above the steps (Solder
// retries it by itself, and at once when the account is connected again).
import { connectLive } from '/sdk/live.mjs';

const API = '/2024-03';
const q = new URLSearchParams(location.search);
const token = q.get('token') || '';
// authenticate: connect the app named by ?app= without installing anything (Alloy.authenticate).
const operation = ['edit', 'update', 'authenticate'].includes(q.get('operation')) ? q.get('operation') : 'install';
const hide = q.get('hide') === 'true';
const alwaysShowAuthentication = q.get('alwaysShowAuthentication') === 'true';
const parentOrigin = q.get('parentOrigin');
const embedded = window.parent !== window;

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...kids) => {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') n.textContent = v;
    else if (k === 'class') n.className = v;
    else n.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids) if (k) n.append(k);
  return n;
};

const state = {
  integration: null,
  workflows: [], // the integration's workflows offered here
  selected: new Set(),
  session: null, // startInstallation answer
  values: {}, // workflowId -> {fieldName: value}
  errors: [], // [{workflowId, path, message}] shown on the settings step
  step: 'workflows',
  created: false,
  credential: null, // {meta, oauth, existing: [credentials], current, choice, id, values, errors, needed}
  installation: null, // this user's GET /installations entry of the integration (edit, update)
  authorization: null, // the OAuth2 popup in progress: {state, popup, timer, finish}
  userId: null,
  live: null,
  core: null,
};

function post(msg) {
  if (embedded) window.parent.postMessage(msg, parentOrigin || '*');
}

function close() {
  if (state.live) state.live.close();
  cancelAuthorization();
  if (embedded) post({ closeModal: true });
  else showMessage(state.created ? 'Installed. You can close this page.' : 'Closed. You can close this page.');
}

async function api(method, path, body) {
  const res = await fetch(API + path, {
    method,
    headers: { 'x-alloy-user-token': token, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => ({}));
  return { status: res.status, body: json };
}

// ---- the WASM core: token claims and JSON Schema validation ----------------------------------

async function loadCore() {
  try {
    const mod = await import('/sdk/embedded-core.mjs');
    const m = await mod.default({ locateFile: () => '/sdk/embedded.wasm' });
    const call = (name, types) => {
      const f = m.cwrap(name, 'number', types);
      return (...args) => {
        const p = f(...args);
        const out = JSON.parse(m.UTF8ToString(p));
        m._solder_free(p);
        return out;
      };
    };
    return {
      inspect: call('solder_token_inspect', ['string', 'string', 'string', 'string', 'number', 'number']),
      validate: call('solder_schema_validate', ['string', 'string', 'string']),
    };
  } catch (e) {
    console.warn('install modal: WASM core not available; the server validates alone', e);
    return null;
  }
}

// "format" is an assertion, as on the server (uri, email, date-time, …).
const FORMATS = JSON.stringify({ formatAssertion: true });

// Mirrors workflow_config_validate (shared/workflow/describe.c): same paths, same messages.
function validateValues(fields, values, workflowId) {
  const errors = [];
  if (!state.core) return errors;
  for (const f of fields) {
    const v = values[f.name];
    if (v === undefined || v === null) {
      if (f.required) errors.push({ workflowId, path: `/${f.name}`, message: 'a value is required' });
      continue;
    }
    const r = state.core.validate(JSON.stringify(f.schema ?? { type: 'string' }), JSON.stringify(v), FORMATS);
    if (r.valid === false) {
      for (const e of r.errors) errors.push({ workflowId, path: `/${f.name}${e.instancePath}`, message: e.message });
      if (r.errors.length === 0) errors.push({ workflowId, path: `/${f.name}`, message: 'invalid value' });
    }
  }
  return errors;
}

// ---- chrome: title, steps, buttons -----------------------------------------------------------

const ALL_STEPS = [['workflows', 'Workflows'], ['connect', 'Connect'], ['settings', 'Settings'], ['review', 'Review'], ['done', 'Done']];
const stepList = () => ALL_STEPS.filter(([id]) => (id !== 'connect' || state.credential?.needed) &&
  (id !== 'settings' || !state.session || hasFields()));

function renderChrome() {
  const steps = $('steps');
  steps.replaceChildren();
  const STEPS = stepList();
  const at = STEPS.findIndex(([id]) => id === state.step);
  STEPS.forEach(([id, label], i) => {
    steps.append(el('li', { class: i < at ? 'done' : '', 'aria-current': i === at ? 'step' : null, text: label }));
  });
  $('back').hidden = at === 0 || state.step === 'done';
  $('next').textContent = { workflows: 'Continue', connect: 'Connect', settings: 'Continue', review: operation === 'install' ? 'Install' : 'Save', done: 'Done' }[state.step];
  $('problem').hidden = true;
}

// The warning above the steps (a failed app-trigger subscription), or none when text is empty.
function setNotice(text) {
  $('notice').textContent = text || '';
  $('notice').hidden = !text;
}

function showProblem(text) {
  $('problem').textContent = text;
  $('problem').hidden = false;
}

function showMessage(text, fatal) {
  if ($('title').textContent === 'Loading…') $('title').textContent = fatal ? 'The installer cannot open' : 'Install integration';
  $('steps').replaceChildren();
  $('body').replaceChildren(el('p', { text }));
  $('back').hidden = true;
  $('next').textContent = 'Close';
  state.step = fatal ? 'fatal' : 'closed';
}

function setHeader() {
  const integ = state.integration;
  const name = integ?.name || integ?.app || 'Integration';
  $('title').textContent = q.get('title') || `${operation === 'edit' ? 'Edit' : operation === 'update' ? 'Update' : 'Install'} ${name}`;
  $('subtitle').textContent = integ?.description || `Connect ${name} to your account`;
  const icon = $('icon');
  icon.replaceChildren();
  let src = null;
  try { // only icons served by this server: the modal talks to no other host
    const u = new URL(integ?.icon || '', location.href);
    if (integ?.icon && u.origin === location.origin) src = u.href;
  } catch { /* no icon */ }
  if (src) icon.append(el('img', { src, alt: '' }));
  else icon.textContent = name.trim().charAt(0).toUpperCase();
}

// ---- steps -----------------------------------------------------------------------------------

function renderWorkflows() {
  const body = $('body');
  body.replaceChildren(el('h2', { text: 'Choose what to turn on' }));
  for (const wf of state.workflows) {
    const id = `wf-${wf.workflowId}`;
    const box = el('input', { type: 'checkbox', id, name: 'workflow', value: wf.workflowId });
    box.checked = state.selected.has(wf.workflowId);
    const already = operation === 'install' && wf.installed;
    box.disabled = already; // Install is not offered again: Edit changes an installation
    box.addEventListener('change', () => {
      if (box.checked) state.selected.add(wf.workflowId);
      else state.selected.delete(wf.workflowId);
    });
    const status = already ? `already installed (version ${wf.installedVersion}); use Edit to change it`
      : wf.installed ? `installed (version ${wf.installedVersion})${wf.active ? '' : ', paused'}` : `version ${wf.version}`;
    body.append(el('div', { class: 'choice' }, box,
      el('label', { for: id }, el('strong', { text: wf.name }), el('br'), el('span', { class: 'muted', text: status }))));
  }
}

const SECRET_NAME = /token|secret|password|passwd|key/i;

const appName = (c) => c.meta.displayName || c.meta.name || c.meta.connector;

// The credential step's account choice: one radio per credential the user has for the app, then
// "Connect another account" (the form). The installation's own comes first, as "Keep".
function renderAccounts(body) {
  const c = state.credential;
  const name = appName(c);
  const cur = c.current;
  if (cur && cur.status === 'deleted') body.append(el('p', { class: 'notice', role: 'alert', text: `The ${name} account this integration used was removed. Connect it again to keep the integration working.` }));
  if (cur && cur.status === 'invalid') body.append(el('p', { class: 'notice', role: 'alert', text: `${name} no longer accepts the connected account${cur.name ? ` (${cur.name})` : ''}. Connect it again.` }));
  if (!c.existing.length || operation === 'authenticate') return;
  const group = el('fieldset', { class: 'account' }, el('legend', { class: 'muted', text: 'Account' }));
  const kept = cur && cur.status === 'connected' ? cur.credentialId : null;
  const options = [...c.existing].sort((a, b) => (b.credentialId === kept) - (a.credentialId === kept))
    .map((x) => [x.credentialId, x.credentialId === kept ? `Keep the connected account (${x.name})` : `Use ${x.name}`]);
  options.push(['new', `Connect another ${name} account`]);
  for (const [value, label] of options) {
    const id = `acct-${value}`;
    const radio = el('input', { type: 'radio', name: 'account', id, value });
    radio.checked = c.choice === value;
    radio.addEventListener('change', () => { readCredentialForm(); c.choice = value; c.errors = []; renderConnect(); });
    group.append(el('div', { class: 'choice' }, radio, el('label', { for: id, text: label })));
  }
  body.append(group);
}

function renderConnect() {
  const c = state.credential;
  const body = $('body');
  body.replaceChildren(el('h2', { text: `Connect your ${appName(c)} account` }));
  renderAccounts(body);
  $('next').textContent = c.choice !== 'new' ? 'Continue' : c.oauth ? `Connect ${appName(c)}` : 'Connect';
  if (c.choice !== 'new') {
    const first = body.querySelector('input[name=account]:checked');
    if (first) first.focus();
    return;
  }
  if (c.oauth) {
    body.append(el('p', { text: `${appName(c)} opens in a new window, where you sign in and allow access. This window continues once you have.` }));
    body.append(el('p', { class: 'muted', id: 'oauth-status', role: 'status', 'aria-live': 'polite' }));
  }
  for (const p of c.meta.properties || []) {
    const id = `c-${p.name}`;
    const secret = p.secret === true || SECRET_NAME.test(p.name);
    const input = el('input', { id, type: secret ? 'password' : 'text', autocomplete: secret ? 'new-password' : 'off', spellcheck: 'false' });
    input.value = c.values[p.name] ?? (typeof p.default === 'string' ? p.default : '');
    const errs = c.errors.filter((e) => e.path === `/${p.name}`);
    const help = p.description ? el('span', { class: 'help', id: `${id}-help`, text: p.description }) : null;
    const err = errs.length ? el('div', { class: 'error', id: `${id}-error`, text: errs.map((e) => e.message).join('; ') }) : null;
    if (err) input.setAttribute('aria-invalid', 'true');
    const described = [help && `${id}-help`, err && `${id}-error`].filter(Boolean).join(' ');
    if (described) input.setAttribute('aria-describedby', described);
    body.append(el('div', { class: 'field' }, el('label', { for: id, text: p.displayName || p.name }), help, input, err));
  }
  const general = c.errors.filter((e) => !(c.meta.properties || []).some((p) => e.path === `/${p.name}`));
  if (general.length) showProblem(general.map((e) => e.message).join('; '));
  const first = body.querySelector('[aria-invalid="true"]') || body.querySelector('.field input') || body.querySelector('input');
  if (first) first.focus();
}

function readCredentialForm() {
  const c = state.credential;
  if (!document.getElementById(`c-${(c.meta.properties || [])[0]?.name}`)) return; // not shown
  c.values = {};
  for (const p of c.meta.properties || []) {
    const v = document.getElementById(`c-${p.name}`)?.value ?? '';
    if (v !== '') c.values[p.name] = v;
  }
}

// Stores the credential; true when the server accepted it (else errors are shown on the step).
async function saveCredential() {
  const c = state.credential;
  readCredentialForm();
  const type = c.meta.connector || c.meta.name;
  const r = await api('POST', '/headless/credentials', { credential: { type, data: c.values } });
  if (r.status === 200) {
    c.id = r.body.credentialId;
    c.errors = [];
    return true;
  }
  setCredentialErrors(r);
  return false;
}

// The server's answer to a refused credential (or authorization request) as messages by field.
function setCredentialErrors(r) {
  const c = state.credential;
  c.errors = (r.body.errors || []).map((e) => ({ path: e.instancePath ?? e.path ?? '', message: e.message }));
  // "'x' is a required property" is reported at the object: show it at the field it names.
  for (const e of c.errors) {
    const m = e.path === '' && /^'([^']+)' is a required property$/.exec(e.message);
    if (m) { e.path = `/${m[1]}`; e.message = 'a value is required'; }
  }
  if (!c.errors.length) c.errors = [{ path: '', message: r.body.message || `The server answered ${r.status}.` }];
}

// ---- OAuth2: the provider in a popup ---------------------------------------------------------

// How often the modal asks the server how the authorization stands, and whether the popup closed.
const OAUTH_POLL_MS = 1000;

function setOauthStatus(text) {
  const n = document.getElementById('oauth-status');
  if (n) n.textContent = text;
}

// Ends the authorization in progress (a closed modal, Back); its promise resolves false.
function cancelAuthorization() {
  const a = state.authorization;
  if (!a) return;
  a.finish({ ok: false, cancelled: true });
  if (a.popup && !a.popup.closed) a.popup.close();
}

// Runs one authorization: the popup is opened before anything is awaited, while the click still
// counts as the user's gesture (popup blockers allow only that). Resolves true with c.id set, or
// false with c.errors set; the user may then press Connect again, which starts a new one.
async function connectOauth() {
  const c = state.credential;
  readCredentialForm();
  const name = appName(c);
  const popup = window.open('about:blank', 'solder-oauth', 'popup,width=520,height=680');
  if (!popup) {
    c.errors = [{ path: '', message: `Your browser blocked the ${name} sign-in window. Allow pop-ups for this page and press Connect ${name} again.` }];
    return false;
  }
  const params = new URLSearchParams({ app: c.meta.connector || c.meta.name, ...c.values });
  const r = await api('GET', `/headless/oauthUrl?${params}`);
  if (r.status !== 200 || !r.body.oauthUrl) {
    popup.close();
    setCredentialErrors(r);
    return false;
  }
  const authState = new URL(r.body.oauthUrl).searchParams.get('state');
  popup.location.href = r.body.oauthUrl;
  $('next').textContent = `Waiting for ${name}…`;
  setOauthStatus(`Sign in to ${name} in the window that opened.`);
  const result = await new Promise((resolve) => {
    const a = { state: authState, popup, timer: null };
    const onMessage = (ev) => {
      if (ev.origin !== location.origin || ev.data?.type !== 'solder:oauth' || ev.data.state !== authState) return;
      a.finish(ev.data);
    };
    a.finish = (outcome) => {
      if (state.authorization !== a) return;
      state.authorization = null;
      clearTimeout(a.timer);
      window.removeEventListener('message', onMessage);
      resolve(outcome);
    };
    const poll = async () => {
      const closed = popup.closed;
      const s = await fetch(`/oauth/status?state=${encodeURIComponent(authState)}`, { cache: 'no-store' })
        .then((x) => x.json()).catch(() => ({}));
      if (s.status === 'connected') return a.finish({ ok: true, credentialId: s.credentialId });
      if (s.status === 'failed') return a.finish({ ok: false, error: s.error });
      if (closed && s.status !== 'pending') return a.finish({ ok: false, error: `The ${name} window was closed before the account was connected.` });
      if (state.authorization === a) a.timer = setTimeout(poll, OAUTH_POLL_MS);
    };
    state.authorization = a;
    window.addEventListener('message', onMessage);
    a.timer = setTimeout(poll, OAUTH_POLL_MS);
  });
  if (result.cancelled) return false;
  if (!result.ok || !result.credentialId) {
    c.errors = [{ path: '', message: `${name}: ${result.error || 'the authorization failed'}` }];
    return false;
  }
  c.id = result.credentialId;
  c.errors = [];
  return true;
}

function inputFor(field, value, id) {
  const s = field.schema || { type: 'string' };
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  const secret = s.writeOnly === true || s.format === 'password';
  let input;
  if (Array.isArray(s.enum)) {
    input = el('select', { id });
    if (!field.required) input.append(el('option', { value: '', text: '—' }));
    s.enum.forEach((v, i) => {
      const o = el('option', { value: String(i), text: typeof v === 'string' ? v : JSON.stringify(v) });
      if (JSON.stringify(v) === JSON.stringify(value)) o.selected = true;
      input.append(o);
    });
    input.dataset.kind = 'enum';
  } else if (type === 'boolean') {
    input = el('input', { id, type: 'checkbox' });
    input.checked = value === true;
    input.dataset.kind = 'boolean';
  } else if (type === 'integer' || type === 'number') {
    input = el('input', { id, type: 'number', step: type === 'integer' ? '1' : 'any', inputmode: 'decimal' });
    if (value !== undefined) input.value = String(value);
    input.dataset.kind = 'number';
  } else if (type === 'object' || type === 'array') {
    input = el('textarea', { id, spellcheck: 'false' });
    if (value !== undefined) input.value = JSON.stringify(value, null, 2);
    input.dataset.kind = 'json';
  } else {
    const html = secret ? 'password' : s.format === 'uri' ? 'url' : s.format === 'email' ? 'email' : 'text';
    input = el('input', { id, type: html, autocomplete: secret ? 'new-password' : 'off' });
    if (value !== undefined) input.value = typeof value === 'string' ? value : JSON.stringify(value);
    input.dataset.kind = 'string';
  }
  if (field.required) input.setAttribute('aria-required', 'true');
  return input;
}

function readInput(input, field) {
  switch (input.dataset.kind) {
    case 'enum': return input.value === '' ? undefined : field.schema.enum[Number(input.value)];
    case 'boolean': return input.checked;
    case 'number': {
      if (input.value.trim() === '') return undefined;
      const n = Number(input.value);
      return Number.isFinite(n) ? n : input.value;
    }
    case 'json': {
      if (input.value.trim() === '') return undefined;
      try { return JSON.parse(input.value); } catch { return { __invalidJson: input.value }; }
    }
    default: return input.value === '' ? undefined : input.value;
  }
}

function renderSettings() {
  const body = $('body');
  body.replaceChildren();
  const entries = state.session.data.filter((d) => d.fields.length > 0);
  for (const entry of entries) {
    const wf = state.workflows.find((w) => w.workflowId === entry.workflowId);
    if (entries.length > 1) body.append(el('p', { class: 'group', text: wf ? wf.name : entry.workflowId }));
    const values = state.values[entry.workflowId] || {};
    for (const f of entry.fields) {
      const id = `f-${entry.workflowId}-${f.name}`;
      const errs = state.errors.filter((e) => e.workflowId === entry.workflowId &&
        (e.path === `/${f.name}` || e.path.startsWith(`/${f.name}/`)));
      const input = inputFor(f, values[f.name], id);
      input.dataset.workflow = entry.workflowId;
      input.dataset.field = f.name;
      const help = f.description ? el('span', { class: 'help', id: `${id}-help`, text: f.description }) : null;
      const err = errs.length ? el('div', { class: 'error', id: `${id}-error`, text: errs.map((e) => e.message).join('; ') }) : null;
      if (err) input.setAttribute('aria-invalid', 'true');
      const described = [help && `${id}-help`, err && `${id}-error`].filter(Boolean).join(' ');
      if (described) input.setAttribute('aria-describedby', described);
      const label = el('label', { for: id }, f.displayName || f.name, f.required ? el('span', { class: 'req', text: ' *', 'aria-hidden': 'true' }) : null);
      body.append(input.type === 'checkbox'
        ? el('div', { class: 'field' }, el('label', { for: id }, input, ' ', f.displayName || f.name), help, err)
        : el('div', { class: 'field' }, label, help, input, err));
    }
  }
  const general = state.errors.filter((e) => !entries.some((d) => d.workflowId === e.workflowId &&
    d.fields.some((f) => e.path === `/${f.name}` || e.path.startsWith(`/${f.name}/`))));
  if (general.length) showProblem(general.map((e) => e.message).join('; '));
  const first = body.querySelector('[aria-invalid="true"]') || body.querySelector('input, select, textarea');
  if (first) first.focus();
}

function collectSettings() {
  for (const entry of state.session.data) {
    const values = {};
    for (const f of entry.fields) {
      const input = document.getElementById(`f-${entry.workflowId}-${f.name}`);
      const v = input ? readInput(input, f) : state.values[entry.workflowId]?.[f.name];
      if (v !== undefined) values[f.name] = v;
    }
    state.values[entry.workflowId] = values;
  }
  const errors = [];
  for (const entry of state.session.data) {
    const values = state.values[entry.workflowId];
    for (const f of entry.fields) {
      if (values[f.name] && values[f.name].__invalidJson !== undefined) {
        errors.push({ workflowId: entry.workflowId, path: `/${f.name}`, message: 'must be valid JSON' });
        delete values[f.name];
      }
    }
    errors.push(...validateValues(entry.fields, values, entry.workflowId).filter((e) =>
      !errors.some((x) => x.workflowId === e.workflowId && x.path === e.path)));
  }
  return errors;
}

function renderReview() {
  const body = $('body');
  body.replaceChildren(el('h2', { text: operation === 'install' ? 'Ready to install' : 'Ready to save' }));
  const c = state.credential;
  if (c) {
    const name = c.meta.displayName || c.meta.name || c.meta.connector;
    const chosen = c.existing.find((x) => x.credentialId === c.id);
    const how = chosen ? `${chosen.name}${chosen.credentialId === c.current?.credentialId ? ' (kept)' : ''}`
      : c.id ? 'connected just now' : c.existing.length ? `connected (${c.existing[c.existing.length - 1].name})` : 'not connected';
    body.append(el('dl', { class: 'review' }, el('dt', { text: name }), el('dd', { text: how })));
  }
  for (const entry of state.session.data) {
    const wf = state.workflows.find((w) => w.workflowId === entry.workflowId);
    body.append(el('p', { class: 'group', text: wf ? wf.name : entry.workflowId }));
    const dl = el('dl', { class: 'review' });
    const values = state.values[entry.workflowId] || {};
    if (entry.fields.length === 0) dl.append(el('dt', { text: 'Settings' }), el('dd', { text: 'none needed' }));
    for (const f of entry.fields) {
      const v = values[f.name];
      const secret = f.schema && (f.schema.writeOnly === true || f.schema.format === 'password');
      const shown = v === undefined ? '—' : secret ? '••••••••' : typeof v === 'boolean' ? (v ? 'yes' : 'no')
        : typeof v === 'string' ? v : JSON.stringify(v);
      dl.append(el('dt', { text: f.displayName || f.name }), el('dd', { text: shown }));
    }
    body.append(dl);
  }
}

// Live progress: connected before the install so that runs it starts at once are not missed.
function ensureLive() {
  if (state.live) return;
  state.liveEvents = [];
  state.liveState = 'connecting';
  state.live = connectLive({
    token,
    onState: (s) => { state.liveState = s; renderLive(); },
    onEvent: (ev) => {
      if (ev.type !== 'execution' && ev.type !== 'step') return;
      state.liveEvents.push(ev);
      renderLive();
    },
  });
}

function renderLive() {
  const list = document.getElementById('live');
  const status = document.getElementById('live-status');
  if (!list || !status) return;
  status.textContent = { open: 'Live updates on.', retrying: 'Reconnecting…', refused: 'Live updates unavailable.',
    connecting: 'Connecting to live updates…', closed: '' }[state.liveState] ?? '';
  const names = Object.fromEntries(state.workflows.map((w) => [w.workflowId, w.name]));
  const blocks = Object.fromEntries(state.workflows.flatMap((w) => (w.blocks || []).map((b) => [`${w.workflowId} ${b.id}`, b.name])));
  list.replaceChildren(...state.liveEvents.map((ev) => {
    const block = blocks[`${ev.workflowId} ${ev.blockId}`] || Object.entries(blocks).find(([k]) => k.endsWith(` ${ev.blockId}`))?.[1];
    const what = ev.type === 'step' ? `step ${block || ev.blockId}` : `run of ${names[ev.workflowId] || ev.workflowId}`;
    return el('li', { text: `${what}: ${ev.status}${ev.error ? ` — ${ev.error}` : ''}` });
  }));
}

// The end of an install or a save (requested at since, ms).
function renderDone(workflowIds, since) {
  const body = $('body');
  body.replaceChildren(
    el('p', { class: 'ok', text: operation === 'install' ? 'Installed.' : 'Saved.' }),
    el('p', { text: `${workflowIds.length} workflow${workflowIds.length === 1 ? '' : 's'} ${operation === 'install' ? 'turned on' : 'updated'}. Runs appear below as they happen.` }),
    el('p', { class: 'muted', id: 'live-status' }),
    el('ul', { class: 'live', id: 'live', 'aria-live': 'polite' }));
  renderLive();
  $('next').focus();
  watchSubscriptions(since);
}

// ---- app-trigger subscriptions ---------------------------------------------------------------

// How often, and how long, the done step asks how the new subscriptions stand.
const SUBSCRIPTION_POLL_MS = 1000;
const SUBSCRIPTION_WATCH_MS = 20000;
// The server's clock and this browser's may differ a little (they are usually one machine).
const CLOCK_SLACK_MS = 1000;

async function installationEntry() {
  const r = await api('GET', '/installations');
  return (r.body.data || []).find((i) => i.integrationId === state.integration.integrationId) || null;
}

// The warning for the entry's failed subscriptions (none when every one is fine).
function showSubscriptions(entry) {
  const failed = (entry?.subscriptions || []).filter((x) => x.status === 'error');
  const name = state.integration.name || state.integration.app;
  setNotice(failed.map((x) => {
    const wf = state.workflows.find((w) => w.workflowId === x.workflowId)?.name || x.workflowId;
    const when = x.nextAttemptAt ? ` (next at ${new Date(x.nextAttemptAt).toLocaleTimeString()})` : '';
    return `“${wf}” is not receiving events from ${name}: ${x.error || 'the subscription failed'}. Solder tries again by itself${when}, and at once when the account is connected again.`;
  }).join(' '));
}

// After an install or a save: until each app-trigger subscription of the integration has been
// attempted since `since` (or SUBSCRIPTION_WATCH_MS passed), then shows how they stand.
async function watchSubscriptions(since) {
  const deadline = Date.now() + SUBSCRIPTION_WATCH_MS;
  while (state.step === 'done') {
    const entry = await installationEntry().catch(() => null);
    const subs = entry?.subscriptions || [];
    const settled = subs.every((x) => x.status === 'active' ||
      (x.status === 'error' && Date.parse(x.lastAttemptAt) >= since - CLOCK_SLACK_MS));
    if (settled || Date.now() > deadline) { showSubscriptions(entry); return; }
    await new Promise((r) => setTimeout(r, SUBSCRIPTION_POLL_MS));
  }
}

// ---- navigation ------------------------------------------------------------------------------

async function startSession() {
  const ids = [...state.selected];
  const body = { integrationId: state.integration.integrationId, workflowIds: ids };
  // versionId query parameters pin versions, in the order of the id parameters.
  const pinnedIds = q.getAll('id');
  const pinnedVersions = q.getAll('versionId').map(Number);
  if (pinnedVersions.length && pinnedVersions.length === pinnedIds.length) {
    const versionOf = (w) => {
      const k = pinnedIds.findIndex((p) => p === w || p === state.workflows.find((x) => x.workflowId === w)?.name);
      return k >= 0 ? pinnedVersions[k] : null;
    };
    if (ids.every((w) => versionOf(w))) body.versionIds = ids.map(versionOf);
  }
  // The credential connected in this modal is the one the installation uses.
  const c = state.credential;
  const newest = c?.existing[c.existing.length - 1];
  const chosen = c?.id || (c && !c.needed && (c.current?.status === 'connected' ? c.current.credentialId : newest?.credentialId));
  if (chosen) body.credentialIds = { [c.meta.connector || c.meta.name]: chosen };
  const r = await api('POST', '/headless/startInstallation', body);
  if (r.status !== 200) throw new Error(r.body.message || `the server answered ${r.status}`);
  state.session = r.body;
  state.errors = [];
}

async function install() {
  const data = state.session.data.map((entry) => ({
    workflowId: entry.workflowId,
    blockId: entry.blockId,
    fields: Object.entries(state.values[entry.workflowId] || {}).map(([name, value]) => ({ name, value })),
  }));
  let r = await api('POST', '/headless/completeInstallation', { installationId: state.session.installationId, data });
  if (r.status === 409) { // the session was used up (e.g. a retry): start another and try once more
    await startSession();
    r = await api('POST', '/headless/completeInstallation', { installationId: state.session.installationId, data });
  }
  return r;
}

function go(step) {
  if (step !== 'connect') cancelAuthorization();
  state.step = step;
  renderChrome();
  if (step === 'workflows') renderWorkflows();
  if (step === 'connect') renderConnect();
  if (step === 'settings') renderSettings();
  if (step === 'review') {
    renderReview();
    ensureLive();
  }
}

const hasFields = () => state.session.data.some((d) => d.fields.length > 0);

async function next() {
  const button = $('next');
  if (button.disabled) return;
  if (state.step === 'fatal' || state.step === 'closed') { close(); return; }
  if (state.step === 'done') { close(); return; }
  button.disabled = true;
  try {
    if (state.step === 'workflows') {
      if (state.selected.size === 0) { showProblem('Choose at least one workflow.'); return; }
      await startSession();
      go(state.credential?.needed ? 'connect' : hasFields() ? 'settings' : 'review');
    } else if (state.step === 'connect') {
      const c = state.credential;
      if (c.choice !== 'new') { // an account the user already connected
        c.id = c.choice;
        await startSession();
        go(hasFields() ? 'settings' : 'review');
        return;
      }
      const connected = c.oauth ? await connectOauth() : await saveCredential();
      if (state.step !== 'connect') return; // Back or close while the popup was open
      if (!connected) { go('connect'); return; }
      if (operation === 'authenticate') {
        state.created = true;
        post({ authenticated: true, credentialId: state.credential.id });
        state.step = 'done';
        renderChrome();
        $('body').replaceChildren(el('p', { class: 'ok', text: 'Connected.' }),
          el('p', { text: `Your ${appName(state.credential)} account is connected.` }));
        $('next').focus();
        return;
      }
      await startSession();
      go(hasFields() ? 'settings' : 'review');
    } else if (state.step === 'settings') {
      state.errors = collectSettings();
      if (state.errors.length) { go('settings'); return; }
      go('review');
    } else if (state.step === 'review') {
      const since = Date.now();
      const r = await install();
      if (r.status === 422) {
        state.errors = r.body.errors || [];
        go('settings');
        if (!state.errors.length) showProblem(r.body.message || 'Some settings are invalid.');
        return;
      }
      if (r.status !== 200) { showProblem(r.body.message || `The server answered ${r.status}.`); return; }
      state.created = true;
      post({ workflowCreated: true, workflowIds: r.body.workflowIds });
      state.step = 'done';
      renderChrome();
      renderDone(r.body.workflowIds, since);
    }
  } catch (e) {
    showProblem(`Something went wrong: ${e.message}`);
  } finally {
    button.disabled = false;
  }
}

function back() {
  const order = ['workflows', 'connect', 'settings', 'review'];
  let i = order.indexOf(state.step) - 1;
  if (state.step === 'settings') collectSettings();
  if (order[i] === 'settings' && !hasFields()) i--;
  if (order[i] === 'connect' && !state.credential?.needed) i--;
  if (i >= 0) go(order[i]);
}

// The app's credential form, when it has one the modal can fill, the user's credentials for it and,
// on Edit, the one the installation uses (GET /installations: connected, invalid, deleted, missing).
async function loadCredential() {
  const app = state.integration.app;
  if (!app || !state.userId) return;
  const meta = await api('GET', `/metadata/credentials/${encodeURIComponent(app)}`);
  if (meta.status !== 200 || !meta.body.data) return;
  const mine = await api('GET', `/users/${encodeURIComponent(state.userId)}/credentials`);
  const type = meta.body.data.connector || meta.body.data.name;
  const existing = (mine.body.data || []).filter((c) => c.type === type);
  const current = (state.installation?.credentials || []).find((x) => x.app === type) || null;
  const kept = current?.status === 'connected' && existing.some((x) => x.credentialId === current.credentialId);
  const editing = operation === 'edit' || operation === 'update';
  state.credential = { meta: meta.body.data, oauth: meta.body.data.isOauth === true, existing, current,
    choice: kept ? current.credentialId : 'new', id: null, values: {}, errors: [],
    needed: alwaysShowAuthentication || (operation === 'install' ? existing.length === 0 : editing && (!hide || !kept)) };
}

// Keyboard: Escape closes; Tab stays inside the dialog.
document.addEventListener('keydown', (ev) => {
  if (ev.key === 'Escape') { ev.preventDefault(); close(); return; }
  if (ev.key !== 'Tab') return;
  const items = [...document.querySelectorAll('#dialog button, #dialog input, #dialog select, #dialog textarea, #dialog [href]')]
    .filter((n) => !n.disabled && !n.hidden && n.offsetParent !== null);
  if (!items.length) return;
  const first = items[0];
  const last = items[items.length - 1];
  if (ev.shiftKey && (document.activeElement === first || !items.includes(document.activeElement))) { ev.preventDefault(); last.focus(); }
  else if (!ev.shiftKey && (document.activeElement === last || !items.includes(document.activeElement))) { ev.preventDefault(); first.focus(); }
});
// Editing a field clears its message: the next Continue checks it again.
$('body').addEventListener('input', (ev) => {
  const t = ev.target;
  if (t.getAttribute('aria-invalid') !== 'true') return;
  t.removeAttribute('aria-invalid');
  document.getElementById(`${t.id}-error`)?.remove();
});
$('close').addEventListener('click', close);
$('back').addEventListener('click', back);
$('form').addEventListener('submit', (ev) => { ev.preventDefault(); next(); });

// ---- start -----------------------------------------------------------------------------------

async function main() {
  state.core = await loadCore();
  if (!token) { showMessage('This install link is incomplete: it carries no token.', true); post({ showModal: true }); return; }
  try { // the token's user, for its credentials (the server checks the token on every call)
    const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    state.userId = claims.userId || claims.sub || null;
  } catch { state.userId = null; }
  if (state.core) {
    const r = state.core.inspect(token, 'ES256', 'solder-embedded', '', Math.floor(Date.now() / 1000), 5);
    if (!r.ok) {
      showMessage(r.error === 'expired' ? 'This install link has expired. Ask for a new one.' : `This install link is not valid: ${r.message}`, true);
      post({ showModal: true });
      return;
    }
  }
  if (operation === 'authenticate') {
    await authenticateOnly();
    return;
  }
  let integrationId = q.get('integrationId');
  const wanted = q.getAll('id');
  if (!integrationId && wanted.length) {
    const w = await api('GET', `/workflows/${encodeURIComponent(wanted[0])}`);
    integrationId = w.body?.data?.integrationId;
  }
  const r = integrationId ? await api('GET', `/integrations/${encodeURIComponent(integrationId)}`) : { status: 404, body: {} };
  if (r.status !== 200) {
    showMessage(r.status === 401 ? 'This install link has expired or is not valid. Ask for a new one.' : 'This integration could not be found.', true);
    post({ showModal: true });
    return;
  }
  state.integration = r.body.data;
  state.workflows = (state.integration.workflows || []).filter((w) => !wanted.length || wanted.includes(w.workflowId) || wanted.includes(w.name));
  if (operation !== 'install') state.workflows = state.workflows.filter((w) => w.installed || wanted.length);
  for (const w of state.workflows) if (operation !== 'install' || !w.installed) state.selected.add(w.workflowId);
  if (operation === 'install' && state.workflows.length && state.selected.size === 0) {
    setHeader();
    const name = state.integration.name || state.integration.app;
    showMessage(`${name} is already installed. To change its settings, use Edit.`);
    post({ showModal: true });
    return;
  }
  if (operation !== 'install') { // edit and update start from the values of the installation
    state.installation = await installationEntry();
    for (const fd of state.installation?.formData || []) state.values[fd.workflowId] = { ...(fd.values || {}) };
  }
  await loadCredential();
  setHeader();
  showSubscriptions(state.installation);
  if (!state.workflows.length) {
    showMessage(operation === 'install' ? 'This integration has no workflows to install yet.' : 'Nothing of this integration is installed yet.', true);
    post({ showModal: true });
    return;
  }
  // With a preselection (ids) or hide, skip the choice; hide also installs at once when nothing is asked.
  if (wanted.length || hide || state.selected.size === 1 && state.workflows.length === 1) {
    await startSession();
    if (hide && !hasFields() && !state.credential?.needed) {
      const r = await install();
      if (r.status === 200) {
        state.created = true;
        // Only workflowCreated: Alloy's own SDK calls back on it and again on closeModal, and a
        // hidden modal has nothing to close (this SDK closes it on workflowCreated).
        post({ workflowCreated: true, workflowIds: r.body.workflowIds });
        if (!embedded) showMessage('Installed. You can close this page.');
        return;
      }
    }
    go(state.credential?.needed ? 'connect' : hasFields() ? 'settings' : 'review');
  } else {
    go('workflows');
  }
  post({ showModal: true });
  ($('body').querySelector('input, select, textarea') || $('next')).focus();
}

// Alloy.authenticate({app}): only the Connect step of the app, nothing installed.
async function authenticateOnly() {
  const app = q.get('app') || '';
  state.integration = { app, name: app };
  await loadCredential();
  if (!state.credential) {
    showMessage(`There is no app named "${app}" to connect.`, true);
    post({ showModal: true });
    return;
  }
  state.integration = { app, name: appName(state.credential), icon: state.credential.meta.icon };
  state.credential.needed = true;
  setHeader();
  $('title').textContent = q.get('title') || `Connect ${appName(state.credential)}`;
  state.step = 'connect';
  $('steps').replaceChildren();
  $('back').hidden = true;
  renderConnect();
  $('next').textContent = state.credential.oauth ? `Connect ${appName(state.credential)}` : 'Connect';
  post({ showModal: true });
}

main().catch((e) => { showMessage(`The installer could not start: ${e.message}`, true); post({ showModal: true }); });
