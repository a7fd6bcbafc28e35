// Signing in, and creating the first account with the one-time setup token the server printed at
// its first start (the setup URL carries it as ?token=).
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { get, post } from '../api.js';
import { navigate } from '../router.js';
import { setSession } from '../session.js';
import { TextInput } from '../ui.js';

function AuthCard({ title, subtitle, children }) {
  document.title = `${title} · Solder`;
  return html`<main id="main" class="auth-page" tabindex="-1">
    <div class="auth-card">
      <div class="auth-brand"><span class="brand-mark" aria-hidden="true">S</span> Solder</div>
      <h1>${title}</h1>
      ${subtitle && html`<p class="muted">${subtitle}</p>`}
      ${children}
    </div>
  </main>`;
}

export function SignInPage() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true); setError(null);
    try {
      await post('/auth/login', { email, password }, { quiet401: true });
      setSession(await get('/auth/session', { quiet401: true }));
    } catch (err) {
      setError(err.status === 429 ? `${err.message} Try again in a little while.` : err.message);
    } finally { setBusy(false); }
  };
  return html`<${AuthCard} title="Sign in" subtitle="Welcome back to your integrations console.">
    <form onSubmit=${submit} novalidate>
      <${TextInput} label="Email" type="email" value=${email} onInput=${setEmail} autocomplete="username" required autofocus name="email" />
      <${TextInput} label="Password" type="password" value=${password} onInput=${setPassword} autocomplete="current-password" required name="password" />
      ${error && html`<div class="note note-error" role="alert">${error}</div>`}
      <button class="btn btn-primary btn-block" type="submit" disabled=${busy}>Sign in</button>
    </form>
  <//>`;
}

export function SetupPage({ onDone }) {
  const fromUrl = new URLSearchParams(location.search).get('token') || '';
  const [token, setToken] = useState(fromUrl);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const mismatch = again && password !== again ? 'The passwords differ.' : null;
  const short = password && password.length < 10 ? 'At least 10 characters.' : null;
  const submit = async (e) => {
    e.preventDefault();
    if (mismatch || short) return;
    setBusy(true); setError(null);
    try {
      await post('/auth/setup', { token, email, password }, { quiet401: true });
      setSession(await get('/auth/session', { quiet401: true }));
      onDone();
      navigate('/integrations', { replace: true });
    } catch (err) { setError(err.message); } finally { setBusy(false); }
  };
  return html`<${AuthCard} title="Create the first account" subtitle="This account signs in to the dashboard. Add more later with solder admin create.">
    <form onSubmit=${submit} novalidate>
      ${!fromUrl && html`<${TextInput} label="Setup token" value=${token} onInput=${setToken} hint="Printed by the server at its first start." required />`}
      <${TextInput} label="Email" type="email" value=${email} onInput=${setEmail} autocomplete="username" required name="email" />
      <${TextInput} label="Password" type="password" value=${password} onInput=${setPassword} autocomplete="new-password" required error=${short} hint="At least 10 characters." name="password" />
      <${TextInput} label="Repeat password" type="password" value=${again} onInput=${setAgain} autocomplete="new-password" required error=${mismatch} />
      ${error && html`<div class="note note-error" role="alert">${error}</div>`}
      <button class="btn btn-primary btn-block" type="submit" disabled=${busy}>Create account</button>
    </form>
  <//>`;
}
