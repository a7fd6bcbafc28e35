// The sandbox admin page: copy buttons for the credentials, and the orders and webhooks refreshed
// in place every second (the page is rendered by the server; this fetches it again and swaps the
// two lists, marking orders that are new or changed).
const REFRESH_MS = 1000;

for (const b of document.querySelectorAll('button.copy')) {
  b.addEventListener('click', async () => {
    const text = document.getElementById(b.dataset.copy).textContent;
    try { await navigator.clipboard.writeText(text); } catch { /* clipboard blocked: select instead */
      const r = document.createRange();
      r.selectNodeContents(document.getElementById(b.dataset.copy));
      getSelection().removeAllRanges();
      getSelection().addRange(r);
    }
    b.textContent = 'Copied';
    b.classList.add('done');
    setTimeout(() => { b.textContent = 'Copy'; b.classList.remove('done'); }, 1500);
  });
}

async function refresh() {
  try {
    const res = await fetch(location.href, { cache: 'no-store' });
    const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
    const before = new Map([...document.querySelectorAll('#orders tr[data-order]')].map((r) => [r.dataset.order, r.textContent]));
    for (const id of ['orders', 'hooks']) {
      const fresh = doc.getElementById(id);
      const here = document.getElementById(id);
      if (fresh && here && fresh.innerHTML !== here.innerHTML) here.replaceWith(fresh);
    }
    for (const r of document.querySelectorAll('#orders tr[data-order]')) {
      if (before.size && before.get(r.dataset.order) !== r.textContent) r.classList.add('fresh');
    }
    const sub = doc.querySelector('.sub');
    if (sub) document.querySelector('.sub').innerHTML = sub.innerHTML;
  } catch { /* the sandbox is restarting: try again at the next tick */ }
  setTimeout(refresh, REFRESH_MS);
}
setTimeout(refresh, REFRESH_MS);
