// Custom Events: the list, and one event's editor with its Event Schema in Alloy's sample style
// ({"orderId": "String"}) or as a full JSON Schema, checked live by the WASM core (the server's
// own converter and validator), and a ready curl of POST /run/event.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { html } from '../html.js';
import { del, get, post, put } from '../api.js';
import { loadCore } from '../core.js';
import { navigate } from '../router.js';
import { CodeEditor } from '../code.js';
import { Confirm, CopyButton, Empty, ErrorNote, Loading, Page, TextInput, toast, useData, useId } from '../ui.js';
import { sampleOf } from '../builder/model.js';

export function EventsPage() {
  const { data, error, loading } = useData(() => get('/events').then((r) => r.data));
  const actions = html`<a class="btn btn-primary" href="/events/new">Custom Event</a>`;
  return html`<${Page} title="Custom Events" actions=${actions}>
    <p class="lead">Events your backend sends with <code>POST /run/event</code>. Every active installation whose trigger is that event runs.</p>
    <${ErrorNote} error=${error} />
    ${loading && !data ? html`<${Loading} />` : data && (data.length === 0
      ? html`<${Empty} title="No custom events yet"><p>For example “Fulfillment Updated”, with the fields your backend sends.</p><a class="btn btn-primary" href="/events/new">Custom Event</a><//>`
      : html`<table class="table"><caption class="sr-only">Custom events</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Description</th><th scope="col">Fields</th></tr></thead>
          <tbody>${data.map((e) => html`<tr><td><a href=${`/events/${encodeURIComponent(e.name)}`}>${e.name}</a></td>
            <td>${e.description || html`<span class="muted">—</span>`}</td>
            <td>${Object.keys((e.schema && e.schema.properties) || e.body || {}).map((k) => html`<code class="chip">${k}</code>`)}</td></tr>`)}</tbody></table>`)}
  <//>`;
}

const EXAMPLE = '{\n  "orderId": "String",\n  "status": "String"\n}';

export function EventPage({ name }) {
  const isNew = name === undefined;
  const loaded = useData(() => (isNew ? null : get(`/events/${encodeURIComponent(name)}`).then((r) => r.data)), [name]);
  if (!isNew && loaded.loading) return html`<${Page} title="Custom Event"><${Loading} /><//>`;
  if (!isNew && !loaded.data) return html`<${Page} title="Custom Event"><${ErrorNote} error=${loaded.error} /><//>`;
  return html`<${EventEditor} isNew=${isNew} event=${loaded.data} />`;
}

function EventEditor({ isNew, event }) {
  const [name, setName] = useState(event ? event.name : '');
  const [description, setDescription] = useState(event ? event.description || '' : '');
  const initialSample = event && event.body && Object.keys(event.body).length;
  const [mode, setMode] = useState(initialSample || !event ? 'sample' : 'schema');
  const [schemaText, setSchemaText] = useState(event ? JSON.stringify(initialSample ? event.body : event.schema, null, 2) : EXAMPLE);
  const [check, setCheck] = useState(null);
  const [error, setError] = useState(null);
  const [fieldErrors, setFieldErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const schemaHint = useId('schema-hint');

  useEffect(() => {
    let alive = true;
    loadCore().then((core) => {
      if (!alive) return;
      let doc;
      try { doc = JSON.parse(schemaText); } catch (e) { setCheck({ ok: false, message: `Not JSON: ${e.message}` }); return; }
      if (!doc || typeof doc !== 'object' || Array.isArray(doc)) { setCheck({ ok: false, message: 'The schema must be a JSON object.' }); return; }
      if (mode === 'sample') {
        const r = core.fromSample(schemaText);
        setCheck(r.error ? { ok: false, message: r.error } : { ok: true, schema: r.schema });
      } else {
        const r = core.validate(schemaText, 'null', null);
        setCheck(r.schemaError ? { ok: false, message: r.schemaError } : { ok: true, schema: doc });
      }
    });
    return () => { alive = false; };
  }, [schemaText, mode]);

  const sample = useMemo(() => (check && check.ok ? sampleOf(check.schema) : {}), [check]);
  const curl = `curl -X POST ${location.origin}/run/event \\\n  -H "Authorization: Bearer $SOLDER_API_KEY" \\\n  -H 'Content-Type: application/json' \\\n  -d '${JSON.stringify({ event: name || 'Event Name', userId: 'USER_ID', data: sample }).replace(/'/g, "'\\''")}'`;

  const save = async (e) => {
    e.preventDefault();
    setError(null); setFieldErrors({});
    if (!name.trim()) { setFieldErrors({ name: 'A name is required.' }); return; }
    if (!check || !check.ok) { setFieldErrors({ schema: check ? check.message : 'Checking…' }); return; }
    const body = { name: name.trim(), description: description || undefined };
    if (mode === 'sample') body.body = JSON.parse(schemaText); else body.schema = JSON.parse(schemaText);
    setBusy(true);
    try {
      if (isNew) await post('/events', body); else await put(`/events/${encodeURIComponent(event.name)}`, body);
      toast(isNew ? `Custom Event “${body.name}” created` : 'Saved');
      navigate(`/events/${encodeURIComponent(body.name)}`, { replace: true });
    } catch (err) {
      if (err.status === 409) setFieldErrors({ name: err.message });
      else if (err.status === 422) setFieldErrors({ schema: err.message });
      else setError(err);
    } finally { setBusy(false); }
  };
  const switchMode = (m) => {
    if (m === mode) return;
    if (m === 'schema' && check && check.ok) setSchemaText(JSON.stringify(check.schema, null, 2));
    setMode(m);
  };

  return html`<${Page} title=${isNew ? 'New Custom Event' : event.name} crumbs=${[{ href: '/events', label: 'Custom Events' }]}>
    <form class="form-grid" onSubmit=${save} novalidate>
      <div>
        <${TextInput} label="Event name" value=${name} onInput=${setName} required="mark" placeholder="Fulfillment Updated" error=${fieldErrors.name} />
        <${TextInput} label="Description" value=${description} onInput=${setDescription} placeholder="Sent when an order's fulfillment changes" />
        <fieldset class="segmented"><legend>Event Schema</legend>
          <label class=${mode === 'sample' ? 'on' : ''}><input type="radio" name="schema-mode" checked=${mode === 'sample'} onChange=${() => switchMode('sample')} /> Sample</label>
          <label class=${mode === 'schema' ? 'on' : ''}><input type="radio" name="schema-mode" checked=${mode === 'schema'} onChange=${() => switchMode('schema')} /> JSON Schema</label>
        </fieldset>
        <p class="hint" id=${schemaHint}>${mode === 'sample' ? 'Each field with its type: "String", "Number", "Boolean", "Object", "Array" (nest objects for structure).' : 'A JSON Schema (draft 2020-12) for the event’s data.'}</p>
        <${CodeEditor} kind="json" value=${schemaText} onChange=${setSchemaText} label="Event Schema" describedBy=${schemaHint} />
        <div class=${`check-line ${check && check.ok ? 'ok' : 'bad'}`} role="status">${!check ? 'Checking…' : check.ok ? '✓ Valid schema' : `✗ ${check.message}`}</div>
        ${fieldErrors.schema && html`<p class="field-error" role="alert">${fieldErrors.schema}</p>`}
        <${ErrorNote} error=${error} />
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled=${busy}>${isNew ? 'Create Custom Event' : 'Save'}</button>
          ${!isNew && html`<button type="button" class="btn btn-danger-ghost" onClick=${() => setDeleting(true)}>Delete</button>`}
        </div>
      </div>
      <aside class="side-card">
        <h2>Send it</h2>
        <p class="muted">From your backend, with an API key of this environment:</p>
        <pre class="snippet" tabindex="0" aria-label="curl command">${curl}</pre>
        <${CopyButton} text=${curl} label="Copy curl" />
      </aside>
    </form>
    ${!isNew && html`<${Confirm} open=${deleting} title="Delete this Custom Event?" danger confirmLabel="Delete"
      message=${`Workflows triggered by “${event.name}” stop receiving it.`} onClose=${() => setDeleting(false)}
      onConfirm=${async () => { await del(`/events/${encodeURIComponent(event.name)}`); navigate('/events'); }} />`}
  <//>`;
}
