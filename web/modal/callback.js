// The page an OAuth2 provider sends the user back to (GET /oauth/callback), usually in the popup
// the install modal opened. The server answered at once and exchanges the code in the background,
// so this waits for the outcome (GET /oauth/status) and then tells the opener:
//   {type: 'solder:oauth', state, ok: true, credentialId}  or  {type: 'solder:oauth', state, ok: false, error}
// posted to this page's own origin only, which is the modal's (both are served by Solder).
// It does not retry an authorization: the modal does, with a new state.

const main = document.getElementById('oauth');
const { state, phase } = main.dataset;
// How long to wait for the code exchange before giving up on telling the opener.
const WAIT_MS = 60000;
const POLL_MS = 300;

function show(title, text) {
  document.getElementById('title').textContent = title;
  document.getElementById('text').textContent = text;
  document.title = title;
}

function tell(result) {
  if (window.opener && !window.opener.closed) {
    window.opener.postMessage({ type: 'solder:oauth', state, ...result }, location.origin);
    return true;
  }
  return false;
}

async function outcome() {
  const until = Date.now() + WAIT_MS;
  while (Date.now() < until) {
    const r = await fetch(`/oauth/status?state=${encodeURIComponent(state)}`, { cache: 'no-store' });
    const body = await r.json().catch(() => ({}));
    if (r.status === 404) return { ok: false, error: body.message || 'this authorization is unknown or expired' };
    if (body.status === 'connected') return { ok: true, credentialId: body.credentialId };
    if (body.status === 'failed') return { ok: false, error: body.error || 'the authorization failed' };
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return { ok: false, error: 'the app did not confirm the connection in time; try again' };
}

async function run() {
  if (phase !== 'pending' || !state) {
    // The server already said why (shown on the page); the modal matches messages by state.
    if (state && tell({ ok: false, error: main.dataset.error })) window.close();
    return;
  }
  const result = await outcome();
  if (result.ok) show('Connected', 'The app is connected. You can close this window.');
  else show('Not connected', result.error);
  if (tell(result)) window.close();
}

run().catch((e) => show('Not connected', `Something went wrong: ${e.message}`));
