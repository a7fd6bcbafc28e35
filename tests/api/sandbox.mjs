// Test fixture: starts demo/bigcommerce-sandbox (built beside the solder binary) on a free loopback
// port, and talks to its BigCommerce-style API.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { BIN } from './server.mjs';

export const SANDBOX_BIN = process.env.SANDBOX_BIN || path.join(path.dirname(BIN), 'bigcommerce-sandbox');

// hooksScope: false makes the store refuse to register webhooks (403), as BigCommerce does for an
// API account without the scope.
export async function startSandbox({ storeHash = 'acme1', token = 'sandbox-token', hooksScope = true } = {}) {
  const proc = spawn(SANDBOX_BIN, ['--listen', '127.0.0.1:0', '--store-hash', storeHash, '--token', token,
    '--hooks-scope', hooksScope ? 'yes' : 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox did not start: ${out} ${err}`)), 10000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[0-9.]+:\d+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`sandbox exited ${code}: ${err}`)); });
  });
  const apiBase = `${url}/stores/${storeHash}`;
  async function call(method, p, body) {
    const res = await fetch(apiBase + p, { method,
      headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
  return {
    url, apiBase, storeHash, token, log: () => err, call,
    // Places an order the way a shopper does, through the store's page.
    async placeOrder(email, amount = 25) {
      const res = await fetch(`${url}/place-order`, { method: 'POST', redirect: 'manual',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `first_name=Ada&email=${encodeURIComponent(email)}&amount=${amount}` });
      if (res.status !== 303) throw new Error(`place-order: ${res.status}`);
      // The newest order: the last of the last page (the store pages /v2/orders as BigCommerce does).
      let last;
      for (let page = 1; ; page++) {
        const r = await call('GET', `/v2/orders?page=${page}&limit=250`);
        if (r.status === 204 || !Array.isArray(r.body) || r.body.length === 0) break;
        last = r.body[r.body.length - 1];
        if (r.body.length < 250) break;
      }
      return last;
    },
    stop() {
      return new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve(proc.exitCode);
        proc.on('exit', resolve);
        proc.kill('SIGTERM');
      });
    },
  };
}
