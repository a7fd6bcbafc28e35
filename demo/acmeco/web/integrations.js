// AcmeCo's Integrations page, built on Solder's browser SDK (embedded.js, loaded from the Solder
// server): a user token minted by AcmeCo's backend (GET /api/token, which calls Solder's
// /users/{id}/token with the API key the browser never sees), Alloy.setToken, then
// Alloy.getIntegrations for the list and Alloy.install / edit / deactivate / reactivate for the
// buttons. A fresh token is fetched before each modal, since tokens live one hour.
const { $, el, problem } = window.acme;
const SOLDER = document.querySelector('meta[name="solder-url"]').content;

async function freshToken() {
  const res = await fetch('/api/token', { cache: 'no-store' });
  if (res.status === 401) { location.href = '/'; throw new Error('signed out'); }
  const body = await res.json();
  if (!res.ok) throw new Error(body.message || `AcmeCo answered ${res.status}`);
  window.Alloy.setToken(body.token);
}

function icon(integration) {
  const box = el('div', { class: 'icon', 'aria-hidden': 'true' });
  const name = integration.name || integration.app || '?';
  if (integration.icon) {
    const img = el('img', { src: new URL(integration.icon, SOLDER).href, alt: '' });
    img.addEventListener('error', () => box.replaceChildren(name.charAt(0)));
    box.append(img);
  } else {
    box.append(name.charAt(0));
  }
  return box;
}

async function run(action, integration) {
  problem('');
  try {
    await freshToken();
    if (action === 'install' || action === 'edit') {
      await new Promise((resolve) => window.Alloy[action]({
        integrationId: integration.integrationId,
        callback: (result) => resolve(result),
      }));
    } else {
      const verb = action === 'deactivate' ? 'deactivate' : 'reactivate';
      for (const w of integration.workflows.filter((x) => x.installed)) {
        await window.Alloy[verb]({ workflowId: w.workflowId });
      }
    }
  } catch (e) {
    problem(`${integration.name || integration.app}: ${e.message}`);
  }
  await load();
}

function card(integration) {
  const installed = integration.workflows.filter((w) => w.installed);
  const active = installed.some((w) => w.active);
  const state = installed.length === 0 ? null : active ? ['on', 'Connected'] : ['paused', 'Paused'];
  const buttons = el('div', { class: 'buttons' });
  const button = (action, label, cls = 'btn') => {
    const b = el('button', { class: cls, type: 'button', 'data-action': action, text: label });
    b.addEventListener('click', () => { b.disabled = true; run(action, integration); });
    buttons.append(b);
  };
  if (installed.length === 0) {
    button('install', 'Install', 'btn primary');
  } else {
    button('edit', 'Edit');
    if (active) button('deactivate', 'Deactivate', 'btn danger');
    else button('reactivate', 'Reactivate', 'btn primary');
  }
  const name = integration.name || integration.app;
  return el('article', { class: 'card integration', 'data-integration': name },
    icon(integration),
    el('div', {},
      el('h2', {}, name, state && el('span', { class: `badge ${state[0]}`, text: state[1] })),
      el('p', { class: 'muted', text: integration.description || `Connect your ${name} account.` }),
      el('ul', { class: 'workflows' }, ...integration.workflows.map((w) => el('li', {},
        el('span', { text: w.name.replace(/^>\s*/, '') }),
        w.installed && el('span', { class: 'badge', text: w.active ? `v${w.installedVersion}` : 'paused' }))))),
    buttons);
}

async function load() {
  try {
    if (!window.Alloy) throw new Error(`the SDK did not load from ${SOLDER}: is Solder running?`);
    await freshToken();
    const { data } = await window.Alloy.getIntegrations();
    $('integrations').replaceChildren(...(data.length ? data.map(card)
      : [el('p', { class: 'muted', text: 'No integrations are available yet.' })]));
  } catch (e) {
    $('integrations').replaceChildren();
    problem(`Integrations could not be loaded: ${e.message}`);
  }
}
load();
