// AcmeCo's Orders page: the tenant's orders from AcmeCo's backend (which receives them from
// Solder's workflow #1), followed live by a long poll — GET /api/orders?since=VERSION answers as
// soon as the orders change (or after 15 s unchanged) — and the Fulfilled / Cancelled actions,
// which AcmeCo's backend turns into POST /run/event "Fulfillment Updated".
const RETRY_MS = 1000; // after a failed request, before asking again
const { $, el, problem } = window.acme;
let known = null; // order ids already shown, to highlight arrivals
let version = null; // the orders' version last shown

const money = (o) => new Intl.NumberFormat('en-US', { style: 'currency', currency: o.currency || 'USD' }).format(o.total);
const when = (s) => new Date(s * 1000).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });

async function fulfil(order, status, button) {
  button.disabled = true;
  const res = await fetch(`/api/orders/${encodeURIComponent(order.id)}/fulfilment`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status }),
  });
  const body = await res.json().catch(() => ({}));
  problem(res.ok ? '' : `Order #${order.id}: ${body.message || `the server answered ${res.status}`}`);
  await load();
}

function row(o, fresh) {
  const actions = el('td', { class: 'actions' });
  if (o.fulfilment === 'Unfulfilled') {
    const done = el('button', { class: 'btn primary', type: 'button', 'data-action': 'fulfil', text: 'Mark fulfilled' });
    const cancel = el('button', { class: 'btn danger', type: 'button', 'data-action': 'cancel', text: 'Cancel' });
    done.addEventListener('click', () => fulfil(o, 'FULFILLED', done));
    cancel.addEventListener('click', () => fulfil(o, 'CANCELLED', cancel));
    actions.append(done, cancel);
  }
  return el('tr', { 'data-order': o.id, class: fresh ? 'new' : '' },
    el('td', { class: 'id', text: `#${o.id}` }),
    el('td', {}, o.customer || '—', el('small', { text: o.email })),
    el('td', { class: 'num', text: money(o) }),
    el('td', { text: when(o.receivedAt) }),
    el('td', {}, el('span', { class: `pill ${o.fulfilment}`, text: o.fulfilment })),
    actions);
}

// Shows the orders; with wait, once they differ from the version shown. False when it failed.
async function load(wait = false) {
  try {
    const res = await fetch(wait && version !== null ? `/api/orders?since=${version}` : '/api/orders', { cache: 'no-store' });
    if (res.status === 401) { location.href = '/'; return false; }
    const body = await res.json();
    const { orders } = body;
    version = body.version;
    const ids = new Set(orders.map((o) => o.id));
    const signature = JSON.stringify(orders);
    if (signature !== $('orders').dataset.signature) {
      $('orders').replaceChildren(...orders.map((o) => row(o, known && !known.has(o.id))));
      $('orders').dataset.signature = signature;
    }
    known = ids;
    $('empty').hidden = orders.length > 0;
    const count = (f) => orders.filter((o) => o.fulfilment === f).length;
    $('stat-open').textContent = count('Unfulfilled');
    $('stat-done').textContent = count('Fulfilled');
    $('stat-cancelled').textContent = count('Cancelled');
    $('live').classList.remove('off');
    $('live').textContent = 'Live';
    return true;
  } catch {
    $('live').classList.add('off');
    $('live').textContent = 'Reconnecting…';
    return false;
  }
}

async function follow() {
  for (;;) {
    if (!(await load(true))) await new Promise((r) => setTimeout(r, RETRY_MS));
  }
}
follow();
