// The Workflow Builder page (/workflows/:id): the name (click to rename), the trigger and the
// block list with nested branches, the palette, the inspector on the right, drafts saved as they
// are edited (the server's validation errors shown at their block and field), "Release this
// Version", versions with a diff, import and export as JSON.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { ApiError, get, post, put } from '../api.js';
import { AppIcon, Dialog, ErrorNote, Loading, toast, useData, useId } from '../ui.js';
import { triggerLabel } from '../pages/integrations.js';
import { BLOCK_BY_TYPE, BUILTIN_BLOCKS, childLists, getAt, newBlock, pointer, updateAt } from './model.js';
import { Inspector } from './inspector.js';
import { VersionsDialog } from './versions.js';

const SAVE_DELAY_MS = 600;

export function BuilderPage({ id }) {
  const loaded = useData(async () => {
    const wf = (await get(`/workflows/${encodeURIComponent(id)}`)).data;
    const [drafts, apps, events, integ] = await Promise.all([
      get(`/integrations/${wf.integrationId}/workflows`), get('/metadata/apps'), get('/events'),
      get(`/integrations/${wf.integrationId}`)]);
    const row = drafts.data.find((w) => w.workflowId === wf.workflowId);
    return { wf, draft: (row && row.draft) || wf.draft || { name: wf.name, blocks: [] }, apps: apps.data, events: events.data, integration: integ.data };
  }, [id]);
  if (loaded.loading && !loaded.data) return html`<div class="page"><h1 tabindex="-1" class="sr-only">Workflow Builder</h1><${Loading} /></div>`;
  if (!loaded.data) return html`<div class="page"><h1 tabindex="-1">Workflow Builder</h1><${ErrorNote} error=${loaded.error} /></div>`;
  return html`<${Builder} ...${loaded.data} />`;
}

function Builder({ wf, draft, apps, events, integration }) {
  const [def, setDef] = useState(() => ({ blocks: [], ...draft }));
  const [selected, setSelected] = useState(def.trigger ? null : ['trigger']);
  const [errors, setErrors] = useState([]);
  const [saveState, setSaveState] = useState('saved');
  const [version, setVersion] = useState(wf.version || 0);
  const [palette, setPalette] = useState(null);
  const [showVersions, setShowVersions] = useState(false);
  const [importing, setImporting] = useState(false);
  const timer = useRef(null);
  const pending = useRef(null);
  useEffect(() => { document.title = `${def.name} · Workflow Builder · Solder`; }, [def.name]);

  const save = async (d) => {
    pending.current = null;
    setSaveState('saving');
    try {
      const r = await put(`/workflows/${wf.workflowId}`, { definition: d });
      setErrors(r.valid ? [] : r.errors || []);
      setSaveState('saved');
    } catch (e) {
      setSaveState('failed');
      if (e instanceof ApiError && e.status === 409) setErrors([{ path: '/name', message: `${e.message}: choose another name` }]);
      else toast(`Not saved: ${e.message}`, 'error');
    }
  };
  const change = (next) => {
    setDef(next);
    setSaveState('pending');
    pending.current = next;
    clearTimeout(timer.current);
    timer.current = setTimeout(() => save(next), SAVE_DELAY_MS);
  };
  const flush = async () => {
    clearTimeout(timer.current);
    if (pending.current) await save(pending.current);
  };
  useEffect(() => () => { clearTimeout(timer.current); if (pending.current) save(pending.current); }, []);
  useEffect(() => { save(def); }, []);

  const release = async () => {
    await flush();
    try {
      const r = await post(`/workflows/${wf.workflowId}/release`);
      setVersion(r.version);
      toast(`Version ${r.version} released`);
    } catch (e) {
      if (e.body && Array.isArray(e.body.errors)) setErrors(e.body.errors);
      toast(`Not released: ${e.message}`, 'error');
    }
  };

  const errorsAt = (ptr) => errors.filter((e) => e.path === ptr || e.path.startsWith(`${ptr}/`));
  const exportJson = () => {
    const blob = new Blob([`${JSON.stringify(def, null, 2)}\n`], { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${def.name.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-|-$/g, '') || 'workflow'}.json`;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };

  const insert = (listPath, index, choice) => {
    const b = newBlock(def, choice);
    change(updateAt(def, listPath, (list) => { const l = [...(list || [])]; l.splice(index, 0, b); return l; }));
    setSelected([...listPath, index]);
    setPalette(null);
  };
  const remove = (listPath, index) => {
    change(updateAt(def, listPath, (list) => list.filter((_, i) => i !== index)));
    setSelected(null);
  };
  const move = (listPath, index, dir) => {
    const list = getAt(def, listPath);
    const j = index + dir;
    if (j < 0 || j >= list.length) return;
    change(updateAt(def, listPath, (l) => { const c = [...l]; [c[index], c[j]] = [c[j], c[index]]; return c; }));
    setSelected([...listPath, j]);
  };

  const status = { saved: 'All changes saved', saving: 'Saving…', pending: 'Editing…', failed: 'Not saved' }[saveState];
  const problems = errors.length;
  return html`<div class="builder">
    <div class="builder-bar">
      <div class="builder-title">
        <nav class="crumbs" aria-label="Breadcrumb"><a href="/integrations">Integrations</a> / <a href=${`/integrations/${integration.integrationId}`}>${integration.name}</a></nav>
        <h1 tabindex="-1" class="sr-only">Workflow Builder: ${def.name}</h1>
        <${NameEditor} name=${def.name} error=${errorsAt('/name').map((e) => e.message).join('; ')} onRename=${(name) => change({ ...def, name })} />
      </div>
      <div class="builder-status" role="status">
        <span class=${`save save-${saveState}`}>${status}</span>
        ${problems > 0 && html`<span class="badge badge-error">${problems} problem${problems === 1 ? '' : 's'}</span>`}
        <span class="badge">${version > 0 ? `v${version} released` : 'never released'}</span>
      </div>
      <div class="builder-actions">
        <button type="button" class="btn" onClick=${() => setShowVersions(true)}>Versions</button>
        <button type="button" class="btn" onClick=${() => setImporting(true)}>Import</button>
        <button type="button" class="btn" onClick=${exportJson}>Export</button>
        <a class="btn" href=${`/executions?workflowId=${wf.workflowId}`}>Executions</a>
        <button type="button" class="btn btn-primary" onClick=${release}>Release this Version</button>
      </div>
    </div>
    ${problems > 0 && html`<details class="problems"><summary>${problems} problem${problems === 1 ? '' : 's'} to fix before release</summary>
      <ul>${errors.map((e) => html`<li><code>${e.path || '/'}</code> ${e.message}</li>`)}</ul></details>`}
    <div class="builder-body">
      <section class="flow-pane" aria-label="Trigger and blocks">
        <ol class="flow">
          <li><${TriggerCard} trigger=${def.trigger} apps=${apps} selected=${selected && selected[0] === 'trigger'}
            errors=${errorsAt('/trigger').length} onSelect=${() => setSelected(['trigger'])} /></li>
          <${BlockList} def=${def} listPath=${['blocks']} apps=${apps} selected=${selected} errorsAt=${errorsAt}
            onSelect=${setSelected} onAdd=${(lp, i) => setPalette({ listPath: lp, index: i })} onRemove=${remove} onMove=${move} />
        </ol>
        <button type="button" class="btn btn-subtle settings-link" onClick=${() => setSelected(null)}>Workflow settings and configurable fields</button>
      </section>
      <section class="inspector-pane" aria-label="Inspector">
        <${Inspector} def=${def} selected=${selected} apps=${apps} events=${events} workflowId=${wf.workflowId}
          errorsAt=${errorsAt} onChange=${change} />
      </section>
    </div>
    <${Palette} open=${!!palette} apps=${apps} topLevel=${palette && palette.listPath.length === 1}
      onClose=${() => setPalette(null)} onChoose=${(choice) => insert(palette.listPath, palette.index, choice)} />
    <${VersionsDialog} open=${showVersions} onClose=${() => setShowVersions(false)} workflowId=${wf.workflowId} draft=${def} version=${version} />
    <${ImportDialog} open=${importing} onClose=${() => setImporting(false)} onImport=${(d) => { change({ ...d, name: d.name || def.name }); setSelected(null); }} />
  </div>`;
}

function NameEditor({ name, onRename, error }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(name);
  const input = useRef(null);
  useEffect(() => { if (editing && input.current) { input.current.focus(); input.current.select(); } }, [editing]);
  const done = (commit) => {
    setEditing(false);
    if (commit && text.trim() && text.trim() !== name) onRename(text.trim()); else setText(name);
  };
  if (editing) {
    return html`<input ref=${input} class="name-input" aria-label="Workflow name" value=${text} maxlength="200"
      onInput=${(e) => setText(e.currentTarget.value)} onBlur=${() => done(true)}
      onKeyDown=${(e) => { if (e.key === 'Enter') done(true); if (e.key === 'Escape') done(false); }} />`;
  }
  return html`<div><button type="button" class="name-button" title="Click to rename" aria-label=${`${name} (rename)`}
      onClick=${() => { setText(name); setEditing(true); }}>${name}<span class="pencil" aria-hidden="true">✎</span></button>
    ${error && html`<p class="field-error" role="alert">${error}</p>`}</div>`;
}

function TriggerCard({ trigger, apps, selected, errors, onSelect }) {
  const app = trigger && trigger.type === 'app' && apps.find((a) => a.name === trigger.app);
  const icon = app ? app.icon : trigger ? `/icons/${{ customEvent: 'custom-event', onInstallation: 'on-installation' }[trigger.type] || trigger.type}.svg` : null;
  return html`<button type="button" class=${`node node-trigger${selected ? ' selected' : ''}${errors ? ' invalid' : ''}`} aria-pressed=${selected ? 'true' : 'false'} onClick=${onSelect}>
    <span class="node-kind">Trigger</span>
    <span class="node-main">${trigger ? html`<${AppIcon} icon=${icon} name=${trigger.type} size=${28} />` : html`<span class="app-icon app-initial" aria-hidden="true">+</span>`}
      <span class="node-name">${trigger ? appTriggerLabel(trigger, app) : 'Choose a trigger'}</span></span>
    ${errors > 0 && html`<span class="badge badge-error">${errors}</span>`}
  </button>`;
}

function appTriggerLabel(trigger, app) {
  if (!app) return triggerLabel(trigger);
  const t = app.triggers.find((x) => x.name === trigger.trigger);
  return `${app.displayName}: ${t ? t.title || t.name : trigger.trigger}`;
}

function BlockList({ def, listPath, apps, selected, errorsAt, onSelect, onAdd, onRemove, onMove }) {
  const list = getAt(def, listPath) || [];
  const same = (p) => selected && p.length === selected.length && p.every((x, i) => x === selected[i]);
  return html`
    <li class="insert"><button type="button" class="insert-btn" aria-label=${`Add a block at position ${1} of ${describeList(listPath)}`} onClick=${() => onAdd(listPath, 0)}>+</button></li>
    ${list.map((b, i) => {
      const path = [...listPath, i];
      const n = errorsAt(pointer(path)).length;
      const app = b.type === 'appAction' && apps.find((a) => a.name === b.app);
      const meta = BLOCK_BY_TYPE[b.type];
      const label = b.name || (meta && meta.label) || (app && app.displayName) || b.type;
      return html`<li key=${`${b.id}-${i}`} class="block-item">
        <div class=${`node${same(path) ? ' selected' : ''}${n ? ' invalid' : ''}`}>
          <button type="button" class="node-select" aria-pressed=${same(path) ? 'true' : 'false'} onClick=${() => onSelect(path)}>
            <span class="node-kind">${app ? app.displayName : meta ? meta.label : b.type}</span>
            <span class="node-main"><${AppIcon} icon=${app ? app.icon : meta && meta.icon} name=${label} size=${28} />
              <span class="node-name">${label}</span><code class="node-id">${b.id}</code></span>
          </button>
          ${n > 0 && html`<span class="badge badge-error" title=${`${n} problem${n === 1 ? '' : 's'}`}>${n}</span>`}
          <div class="node-tools">
            <button type="button" class="icon-btn" aria-label=${`Move ${label} up`} disabled=${i === 0} onClick=${() => onMove(listPath, i, -1)}>↑</button>
            <button type="button" class="icon-btn" aria-label=${`Move ${label} down`} disabled=${i === list.length - 1} onClick=${() => onMove(listPath, i, 1)}>↓</button>
            <button type="button" class="icon-btn danger" aria-label=${`Remove ${label}`} onClick=${() => onRemove(listPath, i)}>×</button>
          </div>
        </div>
        ${childLists(b).length > 0 && html`<div class="nested">
          ${childLists(b).map(([key]) => html`<div class="nested-list">
            <div class="nested-label">${nestedLabel(b, key)}</div>
            <ol class="flow">
              <${BlockList} def=${def} listPath=${[...path, ...key]} apps=${apps} selected=${selected} errorsAt=${errorsAt}
                onSelect=${onSelect} onAdd=${onAdd} onRemove=${onRemove} onMove=${onMove} />
            </ol></div>`)}
        </div>`}
      </li>
      <li class="insert"><button type="button" class="insert-btn" aria-label=${`Add a block at position ${i + 2} of ${describeList(listPath)}`} onClick=${() => onAdd(listPath, i + 1)}>+</button></li>`;
    })}`;
}

function describeList(listPath) {
  if (listPath.length === 1) return 'the workflow';
  const last = listPath[listPath.length - 1];
  return last === 'blocks' && listPath[listPath.length - 3] === 'branches' ? `branch ${listPath[listPath.length - 2] + 1}` : `the ${last} list`;
}

function nestedLabel(b, key) {
  if (b.type === 'ifElse') return key[0] === 'then' ? 'Then' : 'Else';
  if (b.type === 'iterate') return 'For each item';
  const br = b.branches[key[1]];
  return `Branch “${br.name || key[1] + 1}”${br.condition ? ` when ${br.condition}` : ' (default)'}`;
}

function Palette({ open, apps, topLevel, onClose, onChoose }) {
  const [q, setQ] = useState('');
  const searchId = useId('palette');
  const needle = q.trim().toLowerCase();
  const fits = (text) => !needle || text.toLowerCase().includes(needle);
  const builtins = BUILTIN_BLOCKS.filter((b) => (topLevel || b.type !== 'delay') && fits(`${b.label} ${b.about}`));
  const groups = apps.map((a) => ({ app: a, actions: a.actions.filter((x) => fits(`${a.displayName} ${x.title || x.name}`)) })).filter((g) => g.actions.length);
  return html`<${Dialog} open=${open} title="Add a block" onClose=${onClose} size="dialog-wide">
    <div class="field"><label for=${searchId}>Search blocks</label>
      <input id=${searchId} type="search" value=${q} onInput=${(e) => setQ(e.currentTarget.value)} placeholder="Stream Data, update order…" autofocus /></div>
    ${builtins.length > 0 && html`<h3 class="palette-group">Built-in</h3>
      <ul class="palette">${builtins.map((b) => html`<li><button type="button" class="palette-item" onClick=${() => onChoose({ type: b.type })}>
        <${AppIcon} icon=${b.icon} name=${b.label} size=${28} /><span><span class="palette-name">${b.label}</span><span class="muted small">${b.about}</span></span></button></li>`)}</ul>`}
    ${groups.map((g) => html`<h3 class="palette-group">${g.app.displayName}</h3>
      <ul class="palette">${g.actions.map((x) => html`<li><button type="button" class="palette-item" onClick=${() => onChoose({ type: 'appAction', app: g.app.name, action: x.name, title: x.title })}>
        <${AppIcon} icon=${g.app.icon} name=${g.app.displayName} size=${28} /><span><span class="palette-name">${x.title || x.name}</span><span class="muted small">${g.app.displayName} · ${x.name}</span></span></button></li>`)}</ul>`)}
    ${builtins.length === 0 && groups.length === 0 && html`<p class="muted">No block matches “${q}”.</p>`}
  <//>`;
}

function ImportDialog({ open, onClose, onImport }) {
  const [error, setError] = useState(null);
  const fileId = useId('import');
  const read = async (file) => {
    setError(null);
    try {
      let d;
      try { d = JSON.parse(await file.text()); } catch (e) { throw new Error(`${file.name} is not JSON: ${e.message}`); }
      const doc = d && d.definition && typeof d.definition === 'object' ? d.definition : d;
      if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${file.name} is not a workflow definition (a JSON object).`);
      onImport({ blocks: [], ...doc });
      onClose();
      toast('Workflow imported; the draft was replaced.');
    } catch (e) { setError(e); }
  };
  return html`<${Dialog} open=${open} title="Import a workflow" onClose=${onClose}>
    <p>Choose a workflow definition exported from Solder (or written by hand, see the docs). It replaces this draft; released versions are kept.</p>
    <div class="field"><label for=${fileId}>Workflow JSON file</label>
      <input id=${fileId} type="file" accept="application/json,.json" onChange=${(e) => e.currentTarget.files[0] && read(e.currentTarget.files[0])} /></div>
    <${ErrorNote} error=${error} />
  <//>`;
}

