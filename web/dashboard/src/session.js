// The signed-in session ({email, environment, csrfToken, expiresAt}) shared by the shell and the
// pages; null while signed out.
import { setCsrfToken } from './api.js';

let current = null;
const listeners = new Set();

export function getSession() { return current; }
export function setSession(s) {
  current = s;
  setCsrfToken(s ? s.csrfToken : null);
  listeners.forEach((f) => f(s));
}
export function onSession(fn) { listeners.add(fn); return () => listeners.delete(fn); }
