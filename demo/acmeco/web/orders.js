// AcmeCo's Orders page: the tenant's orders, refreshed twice a second from AcmeCo's backend (which
// receives them from Solder's workflow #1), and the Fulfilled / Cancelled actions, which AcmeCo's
// backend turns into POST /run/event "Fulfillment Updated".
const POLL_MS = 500;
const { $, el, problem } = window.acme;
let known = null; // order ids already shown, to highlight arrivals

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

async function load() {
  try {
    const res = await fetch('/api/orders', { cache: 'no-store' });
    if (res.status === 401) { location.href = '/'; return; }
    const { orders } = await res.json();
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
  } catch {
    $('live').classList.add('off');
    $('live').textContent = 'Reconnecting…';
  }
}

async function poll() {
  await load();
  setTimeout(poll, POLL_MS);
}
poll();
