// What AcmeCo's page scripts share: building elements and showing a problem. Loaded before them.
window.acme = {
  $: (id) => document.getElementById(id),
  el(tag, attrs = {}, ...kids) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'text') n.textContent = v;
      else if (k === 'class') n.className = v;
      else n.setAttribute(k, v);
    }
    n.append(...kids.filter(Boolean));
    return n;
  },
  problem(text) {
    const p = document.getElementById('problem');
    p.textContent = text || '';
    p.hidden = !text;
  },
};
