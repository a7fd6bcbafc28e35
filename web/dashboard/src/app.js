// The shell: who is signed in (or whether the first account must be created), the header with the
// environment switch and "Sign out", the navigation, and the route table.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { get, post, put, whenSignedOut } from './api.js';
import { match, navigate, useLocation } from './router.js';
import { getSession, onSession, setSession } from './session.js';
import { Loading, Toasts, toast } from './ui.js';
import { SetupPage, SignInPage } from './pages/auth.js';
import { IntegrationPage, IntegrationsPage } from './pages/integrations.js';
import { BuilderPage } from './builder/builder.js';
import { EventPage, EventsPage } from './pages/events.js';
import { UserPage, UsersPage } from './pages/users.js';
import { ExecutionPage, ExecutionsPage } from './pages/executions.js';
import { AnalyticsPage } from './pages/analytics.js';
import { SettingsPage } from './pages/settings.js';
import { PromotePage } from './pages/promote.js';

const ROUTES = [
  ['/integrations', IntegrationsPage],
  ['/integrations/:id', IntegrationPage],
  ['/workflows/:id', BuilderPage],
  ['/events', EventsPage],
  ['/events/new', EventPage],
  ['/events/:name', EventPage],
  ['/users', UsersPage],
  ['/users/:id', UserPage],
  ['/executions', ExecutionsPage],
  ['/executions/:id', ExecutionPage],
  ['/analytics', AnalyticsPage],
  ['/settings', SettingsPage],
  ['/settings/promote', PromotePage],
];

const NAV = [
  ['/integrations', 'Integrations', ['/integrations', '/workflows']],
  ['/events', 'Custom Events', ['/events']],
  ['/users', 'Users', ['/users']],
  ['/executions', 'Executions', ['/executions']],
  ['/analytics', 'Analytics', ['/analytics']],
  ['/settings', 'Settings', ['/settings']],
];

const PUBLIC = ['/sign-in', '/setup'];

export function App() {
  const { path, query } = useLocation();
  const [boot, setBoot] = useState({ ready: false, setupRequired: false });
  const [session, setS] = useState(getSession());
  useEffect(() => onSession(setS), []);

  useEffect(() => {
    whenSignedOut(() => {
      if (!getSession()) return;
      setSession(null);
      toast('Your session ended; sign in again.', 'error');
      navigate(`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`);
    });
    (async () => {
      let setupRequired = false;
      try { setupRequired = !!(await get('/auth/state', { quiet401: true })).setupRequired; } catch { /* shown by the pages */ }
      if (!setupRequired) {
        try { setSession(await get('/auth/session', { quiet401: true })); } catch { setSession(null); }
      }
      setBoot({ ready: true, setupRequired });
    })();
  }, []);

  useEffect(() => {
    if (!boot.ready) return;
    if (boot.setupRequired && path !== '/setup') navigate('/setup', { replace: true });
    else if (!boot.setupRequired && !session && !PUBLIC.includes(path)) {
      const next = path === '/' ? '' : `?next=${encodeURIComponent(path + location.search)}`;
      navigate(`/sign-in${next}`, { replace: true });
    } else if (session && (path === '/' || PUBLIC.includes(path))) {
      const next = query.get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/integrations', { replace: true });
    }
  }, [boot, session, path]);

  // Focus the new page's heading after a navigation, for keyboard and screen-reader users.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) { first.current = false; return; }
    const t = setTimeout(() => { const h = document.querySelector('main h1'); if (h) h.focus({ preventScroll: true }); }, 0);
    return () => clearTimeout(t);
  }, [path]);

  if (!boot.ready) return html`<main id="main" class="boot"><${Loading} /></main>`;
  if (path === '/setup') return html`<${SetupPage} onDone=${() => setBoot({ ready: true, setupRequired: false })} /><${Toasts} />`;
  if (!session) return html`<${SignInPage} /><${Toasts} />`;

  let page = null;
  for (const [pattern, Component] of ROUTES) {
    const params = match(pattern, path);
    if (params) { page = html`<${Component} key=${`${session.environment}:${path}`} ...${params} query=${query} />`; break; }
  }
  if (!page && path !== '/' && !PUBLIC.includes(path)) page = html`<div class="page"><h1 tabindex="-1">Page not found</h1><p><a href="/integrations">Go to Integrations</a></p></div>`;

  return html`<div class=${`shell${session.environment === 'production' ? ' in-production' : ''}`}>
    <a class="skip" href="#main" data-external onClick=${(e) => { e.preventDefault(); document.getElementById('main').focus(); }}>Skip to content</a>
    <${Header} session=${session} />
    <nav class="sidebar" aria-label="Main">
      <ul>
        ${NAV.map(([href, label, prefixes]) => {
          const active = prefixes.some((p) => path === p || path.startsWith(`${p}/`));
          return html`<li><a href=${href} aria-current=${active ? 'page' : undefined} class=${active ? 'active' : ''}>${label}</a></li>`;
        })}
      </ul>
    </nav>
    <main id="main" tabindex="-1">${page}</main>
    <${Toasts} />
  </div>`;
}

function Header({ session }) {
  const [busy, setBusy] = useState(false);
  const switchEnv = async (environment) => {
    if (environment === session.environment || busy) return;
    setBusy(true);
    try {
      setSession(await put('/auth/session', { environment }));
      toast(`Now in ${environment === 'production' ? 'Production' : 'Development'}`);
    } catch (e) { toast(e.message, 'error'); } finally { setBusy(false); }
  };
  const signOut = async () => {
    try { await post('/auth/logout'); } catch { /* the session is gone either way */ }
    setSession(null);
    navigate('/sign-in');
  };
  const envs = [['development', 'Development'], ['production', 'Production']];
  return html`<header class="topbar">
    <a class="brand" href="/integrations"><span class="brand-mark" aria-hidden="true">S</span>Solder</a>
    <div class="env-switch" role="radiogroup" aria-label="Environment">
      ${envs.map(([value, label]) => html`<button type="button" role="radio" aria-checked=${session.environment === value ? 'true' : 'false'}
          class=${`env env-${value}${session.environment === value ? ' on' : ''}`} disabled=${busy}
          onClick=${() => switchEnv(value)}>${label}</button>`)}
    </div>
    <div class="topbar-right">
      <span class="who" title="Signed in">${session.email}</span>
      <button type="button" class="btn btn-ghost" onClick=${signOut}>Sign out</button>
    </div>
  </header>`;
}
