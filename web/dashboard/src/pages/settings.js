// Settings: API keys per environment ("Development Environment" / "Production Environment", each
// with "Generate API Key" — the key is shown once, with a copy button — the list and "Revoke"),
// the X-Alloy-Signature public key, the signing secret, error streaming with "Send test", and log
// retention. Promote development → production is its own page (/settings/promote).
import { useLayoutEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { del, get, post, put, qs } from '../api.js';
import { getSession } from '../session.js';
import { Confirm, CopyButton, ErrorNote, Loading, Page, TextInput, ago, fmtTime, toast, useData } from '../ui.js';

export function SettingsPage() {
  const actions = html`<a class="btn" href="/settings/promote">Promote to production</a>`;
  return html`<${Page} title="Settings" actions=${actions}>
    <section aria-labelledby="keys-title">
      <h2 id="keys-title" class="section-title">API Keys</h2>
      <p class="muted">Your backend calls Solder with <code>Authorization: Bearer KEY</code>. A key sees only its own environment.</p>
      <div class="grid-2">
        <${KeyBox} environment="development" title="Development Environment" />
        <${KeyBox} environment="production" title="Production Environment" />
      </div>
    </section>
    <${EnvironmentSettings} />
  <//>`;
}

function KeyBox({ environment, title }) {
  const { data, error, loading, reload } = useData(() => get(`/api-keys${qs({ environment })}`).then((r) => r.keys), [environment]);
  const [fresh, setFresh] = useState(null);
  const [busy, setBusy] = useState(false);
  const [revoking, setRevoking] = useState(null);
  const [err, setErr] = useState(null);
  const generate = async () => {
    setBusy(true); setErr(null);
    try { setFresh(await post('/api-keys', { environment })); reload(); } catch (e) { setErr(e); } finally { setBusy(false); }
  };
  const headingId = `keys-${environment}`;
  return html`<section class=${`card key-box key-${environment}`} aria-labelledby=${headingId}>
    <div class="card-row"><h3 id=${headingId}>${title}</h3>
      <button type="button" class="btn btn-primary" disabled=${busy} onClick=${generate} aria-describedby=${headingId}>Generate API Key</button></div>
    ${fresh && html`<div class="new-key" role="status">
      <p><strong>Copy this key now.</strong> It is shown only once; Solder keeps only a hash.</p>
      <div class="key-line"><code class="secret" aria-label="New API key">${fresh.key}</code><${CopyButton} text=${fresh.key} label="Copy key" /></div>
      <button type="button" class="btn btn-small btn-ghost" onClick=${() => setFresh(null)}>I have stored it</button>
    </div>`}
    <${ErrorNote} error=${err || error} />
    ${loading && !data ? html`<${Loading} />` : data && (data.length === 0 ? html`<p class="muted">No key yet.</p>` : html`
      <table class="table compact"><caption class="sr-only">${title} keys</caption>
        <thead><tr><th scope="col">Key</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>${data.map((k) => html`<tr><td><code>${k.prefix}…</code></td><td>${fmtTime(k.createdAt)}</td><td>${k.lastUsedAt ? ago(k.lastUsedAt) : 'never'}</td>
          <td><button type="button" class="btn btn-small btn-danger-ghost" aria-label=${`Revoke key ${k.prefix}`} onClick=${() => setRevoking(k)}>Revoke</button></td></tr>`)}</tbody></table>`)}
    <${Confirm} open=${!!revoking} title="Revoke this key?" danger confirmLabel="Revoke"
      message=${revoking ? `Calls with ${revoking.prefix}… fail from now on.` : ''} onClose=${() => setRevoking(null)}
      onConfirm=${async () => { await del(`/api-keys/${revoking.id}`); toast('Key revoked'); reload(); }} />
  </section>`;
}

// Bounds of "Keep logs for (days)", as the server checks them.
const RETENTION_MIN = 1;
const RETENTION_MAX = 3650;

function EnvironmentSettings() {
  const env = getSession().environment === 'production' ? 'Production' : 'Development';
  const { data, error, loading, reload } = useData(async () => {
    const s = await get('/settings');
    let pem = s.publicKeyPem || null;
    if (!pem) { const r = await fetch('/security/public_key.pem'); pem = r.ok ? await r.text() : null; }
    return { ...s, pem };
  });
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState('');
  const [days, setDays] = useState('60');
  const [signing, setSigning] = useState(null);
  const [rotating, setRotating] = useState(false);
  const [test, setTest] = useState(null);
  const [err, setErr] = useState(null);
  const [saving, setSaving] = useState(false);
  // Before the browser paints: the form never shows the defaults in place of the saved values.
  useLayoutEffect(() => { if (data) { setUrl(data.errorWebhookUrl || ''); setDays(String(data.logRetentionDays || 60)); } }, [data]);
  if (loading && !data) return html`<${Loading} what="Loading settings" />`;
  if (!data) return html`<${ErrorNote} error=${error} />`;
  const saved = (data.errorWebhookUrl || '') === url.trim();
  const write = async (body, done) => {
    setErr(null); setSaving(true);
    try { await put('/settings', body); setSecret(''); toast(done); await reload(); } catch (x) { setErr(x); } finally { setSaving(false); }
  };
  const save = (e) => {
    e.preventDefault();
    const n = Number(days);
    if (!Number.isInteger(n) || n < RETENTION_MIN || n > RETENTION_MAX) {
      setErr(new Error(`Keep logs for a whole number of days from ${RETENTION_MIN} to ${RETENTION_MAX}.`));
      return;
    }
    const body = { errorWebhookUrl: url.trim() || null, logRetentionDays: n };
    if (secret) body.errorWebhookSecret = secret;
    write(body, 'Settings saved');
  };
  const sendTest = async () => {
    setTest({ status: 'sending' });
    try { setTest(await post('/settings/test-error-webhook')); } catch (x) { setTest({ status: 'failed', error: x.message }); }
  };
  const testText = !test ? '' : test.status === 'sending' ? 'Sending a test error…'
    : test.status === 'delivered' ? `Delivered: ${data.errorWebhookUrl} answered HTTP ${test.httpStatus}.`
      : `Not delivered: ${test.error || 'no answer'}.`;
  return html`
    <section class="card" aria-labelledby="sig-title"><h2 id="sig-title">Verifying Solder’s calls</h2>
      <p class="muted">Every call a workflow makes carries <code>X-Alloy-Signature</code> (RSA, verify with this public key) and a Standard Webhooks <code>webhook-signature</code> (HMAC with the signing secret).</p>
      <h3>X-Alloy-Signature public key</h3>
      ${data.pem ? html`<pre class="snippet" tabindex="0" aria-label="Public key">${data.pem}</pre><${CopyButton} text=${data.pem} label="Copy public key" />` : html`<p class="muted">Not available.</p>`}
      <h3>Signing secret (${env})</h3>
      ${signing ? html`<div class="new-key" role="status"><p><strong>Copy the new signing secret now.</strong> It is shown only this once; calls are signed with it from now on.</p>
          <div class="key-line"><code class="secret" aria-label="New signing secret">${signing}</code><${CopyButton} text=${signing} label="Copy secret" /></div>
          <button type="button" class="btn btn-small btn-ghost" onClick=${() => setSigning(null)}>I have stored it</button></div>`
        : html`<p class="muted">${data.signingSecretSet === false ? 'Not set yet.' : 'Set. It is shown only when rotated.'}</p>`}
      <button type="button" class="btn" onClick=${() => setRotating(true)}>Rotate signing secret</button>
    </section>
    <form class="card" onSubmit=${save} aria-labelledby="err-title" novalidate><h2 id="err-title">Error streaming and logs (${env})</h2>
      <p class="muted">Each failed run is POSTed to this URL as it happens, signed with the secret.</p>
      <${TextInput} label="Error webhook URL" type="url" value=${url} onInput=${setUrl} placeholder="https://acme.example/solder-errors"
        hint="Leave empty to stop streaming errors." />
      <${TextInput} label="Error webhook secret" type="password" value=${secret} onInput=${setSecret}
        hint=${data.errorWebhookSecretSet ? 'A secret is set (never shown); type a new one (whsec_…) to replace it.' : 'Optional: a whsec_… secret to sign the error calls with.'} autocomplete="off" />
      ${data.errorWebhookSecretSet && html`<p><button type="button" class="btn btn-small btn-ghost" disabled=${saving}
        onClick=${() => write({ errorWebhookSecret: null }, 'Error webhook secret removed')}>Remove the secret</button></p>`}
      <${TextInput} label="Keep logs for (days)" type="number" min=${RETENTION_MIN} max=${RETENTION_MAX} value=${days} onInput=${setDays}
        hint=${`Executions older than this are deleted (${RETENTION_MIN} to ${RETENTION_MAX} days).`} />
      <${ErrorNote} error=${err} />
      <div class="form-actions"><button type="submit" class="btn btn-primary" disabled=${saving}>${saving ? 'Saving…' : 'Save settings'}</button>
        <button type="button" class="btn" onClick=${sendTest} disabled=${!data.errorWebhookUrl || !saved || (test && test.status === 'sending')}
          aria-describedby="send-test-hint">Send test</button>
        <span id="send-test-hint" class="muted small">${!data.errorWebhookUrl ? 'Save a URL to send a test.' : !saved ? 'Save the new URL first.' : 'Sends one sample error to the saved URL.'}</span></div>
      ${test && html`<p role="status" class=${test.status === 'delivered' ? 'text-ok' : test.status === 'sending' ? 'muted' : 'text-error'}>${testText}</p>`}
    </form>
    <${Confirm} open=${rotating} title="Rotate the signing secret?" confirmLabel="Rotate" danger
      message="The current secret stops signing at once: receivers that verify webhook-signature must switch to the new one." onClose=${() => setRotating(false)}
      onConfirm=${async () => { const r = await post('/settings/rotate-signing-secret'); setSigning(r.signingSecret); reload(); }} />`;
}
