// Live updates for the Executions page: the /ws channel (subprotocol solder-events), authenticated
// by the session cookie the browser sends with the handshake, reconnecting with jittered backoff.
// Pages subscribe with onLive(fn); while the socket is down they poll instead (every 3 s), and
// every 10 s while it is up (events missed during a reconnection are not replayed), so a page never
// goes stale.
import { getSession } from './session.js';

const subscribers = new Set();
const stateListeners = new Set();
let socket = null;
let state = 'off';
let retry = 0;
let timer = null;

function setState(s) {
  state = s;
  stateListeners.forEach((f) => f(s));
}

function connect() {
  clearTimeout(timer);
  const session = getSession();
  if (!session || subscribers.size === 0) return;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  let ws;
  try { ws = new WebSocket(url, 'solder-events'); } catch { return schedule(); }
  socket = ws;
  setState('connecting');
  ws.onmessage = (m) => {
    let e;
    try { e = JSON.parse(m.data); } catch { return; }
    if (e.type === 'ready') { retry = 0; setState('live'); return; }
    if (e.type === 'error') return;
    subscribers.forEach((f) => f(e));
  };
  ws.onclose = () => {
    if (socket !== ws) return;
    socket = null;
    setState('polling');
    schedule();
  };
}

function schedule() {
  if (subscribers.size === 0) return;
  const delay = Math.min(15000, 500 * 2 ** retry++) * (0.5 + Math.random() / 2);
  timer = setTimeout(connect, delay);
}

// fn(event) for every pushed event; fn({type: 'poll'}) every 3 s while there is no live socket,
// every 10 s while there is.
export function onLive(fn) {
  subscribers.add(fn);
  if (!socket) connect();
  let ticks = 0;
  const poll = setInterval(() => {
    ticks += 1;
    if (ticks % (state === 'live' ? 10 : 3) === 0) fn({ type: 'poll' });
  }, 1000);
  return () => {
    subscribers.delete(fn);
    clearInterval(poll);
    if (subscribers.size === 0 && socket) { const s = socket; socket = null; s.close(); setState('off'); }
  };
}

export function onLiveState(fn) {
  stateListeners.add(fn);
  fn(state);
  return () => stateListeners.delete(fn);
}
