// Live updates from a Solder server (/ws, subprotocol "solder-events"): installation changes and
// execution progress for one end user (user token) or one environment (API key, server side only).
// Authenticates with the first message, so the credential never lands in a URL or a log, and
// reconnects with exponential backoff (0.5 s doubling to 15 s, with jitter) until closed.
// Events missed while disconnected are not replayed: re-read the REST API on 'open'.

const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 15000;

/**
 * connectLive({baseUrl, token | apiKey, onEvent(event), onState(state, detail)}) → {close()}.
 * state is 'connecting', 'open' (authenticated; detail is the server's ready message),
 * 'retrying' (detail: delay in ms), 'refused' (the credential was refused; no retry) or 'closed'.
 */
export function connectLive({ baseUrl, token, apiKey, onEvent = () => {}, onState = () => {} }) {
  const url = new URL('/ws', baseUrl || globalThis.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  let ws = null;
  let attempt = 0;
  let timer = null;
  let stopped = false;

  function open() {
    onState('connecting');
    ws = new WebSocket(url.href, 'solder-events');
    ws.onopen = () => ws.send(JSON.stringify(token ? { type: 'auth', token } : { type: 'auth', apiKey }));
    ws.onmessage = (m) => {
      let ev;
      try { ev = JSON.parse(m.data); } catch { return; }
      if (ev.type === 'ready') { attempt = 0; onState('open', ev); return; }
      if (ev.type === 'error' && ev.code === 'unauthorized') { stopped = true; onState('refused', ev); return; }
      onEvent(ev);
    };
    ws.onclose = (c) => {
      ws = null;
      if (stopped || c.code === 4401) { if (!stopped) { stopped = true; onState('refused'); } return; }
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** attempt++) * (0.75 + Math.random() / 2);
      onState('retrying', Math.round(delay));
      timer = setTimeout(open, delay);
    };
  }
  open();
  return {
    close() {
      stopped = true;
      clearTimeout(timer);
      if (ws) ws.close(1000);
      onState('closed');
    },
  };
}
