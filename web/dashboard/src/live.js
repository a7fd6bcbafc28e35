// Live updates for the Executions pages: the /ws channel (subprotocol solder-events), authenticated
// by the session cookie the browser sends with the handshake, reconnecting with jittered backoff
// (0.5 s to 15 s). While the socket is up, pages change only when an event arrives; while it is
// down they fall back to a slow poll (every FALLBACK_POLL_MS), and when it comes back they get one
// catch-up poll, since events missed during a reconnection are not replayed. A switch of the
// session's environment reconnects, so the socket never carries the other environment's events.
import { getSession, onSession } from './session.js';

const FALLBACK_POLL_MS = 10000;

const subscribers = new Set();
const stateListeners = new Set();
let socket = null;
let state = 'off';
let retry = 0;
let timer = null;
let poller = null;
let environment = null;

function emit(e) {
  subscribers.forEach((f) => f(e));
}

function setState(s) {
  if (s === state) return;
  const prev = state;
  state = s;
  stateListeners.forEach((f) => f(s));
  if (s === 'down') {
    if (!poller) poller = setInterval(() => emit({ type: 'poll' }), FALLBACK_POLL_MS);
  } else {
    clearInterval(poller);
    poller = null;
  }
  if (s === 'live' && prev === 'down') emit({ type: 'poll' });
}

function connect() {
  clearTimeout(timer);
  const session = getSession();
  if (!session || subscribers.size === 0) return;
  environment = session.environment;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  let ws;
  try { ws = new WebSocket(url, 'solder-events'); } catch { setState('down'); schedule(); return; }
  socket = ws;
  if (state !== 'down') setState('connecting');
  ws.onmessage = (m) => {
    let e;
    try { e = JSON.parse(m.data); } catch { return; }
    if (e.type === 'ready') { retry = 0; setState('live'); return; }
    if (e.type === 'error') return;
    emit(e);
  };
  ws.onclose = () => {
    if (socket !== ws) return;
    socket = null;
    setState('down');
    schedule();
  };
}

function schedule() {
  if (subscribers.size === 0) return;
  const delay = Math.min(15000, 500 * 2 ** retry++) * (0.5 + Math.random() / 2);
  timer = setTimeout(connect, delay);
}

function disconnect() {
  clearTimeout(timer);
  if (socket) { const s = socket; socket = null; s.close(); }
  retry = 0;
  setState('off');
}

onSession((s) => {
  if (subscribers.size === 0) return;
  if (!s) { disconnect(); return; }
  if (s.environment !== environment && subscribers.size > 0) { disconnect(); connect(); }
});

// fn(event) for every pushed event ({type: 'execution' | 'step' | 'installation', ...}), and
// fn({type: 'poll'}) when the page should fetch again: every 10 s while the socket is down, once
// when it comes back. Returns the function that unsubscribes.
export function onLive(fn) {
  subscribers.add(fn);
  if (!socket && state !== 'down') connect();
  return () => {
    subscribers.delete(fn);
    if (subscribers.size === 0) disconnect();
  };
}

// fn(state) now and on every change: 'off', 'connecting', 'live' or 'down'.
export function onLiveState(fn) {
  stateListeners.add(fn);
  fn(state);
  return () => stateListeners.delete(fn);
}
