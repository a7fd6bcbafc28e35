// Helpers of the dashboard's browser tests: screenshots for docs/img (SOLDER_SCREENSHOTS), typing
// into CodeMirror editors as a paste, opening a page and waiting for its heading, signing in (a
// browser with a signed-in tab), and axe-core on the page as it is.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startBrowser } from './browser.mjs';

export const IMG = process.env.SOLDER_SCREENSHOTS
  ? path.resolve(process.env.SOLDER_SCREENSHOTS) : path.join(tmpdir(), 'solder-e2e-screenshots');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export async function shot(page, name) {
  mkdirSync(IMG, { recursive: true });
  await page.waitForTimeout(150);
  await page.screenshot({ path: path.join(IMG, name) });
}

// Replaces the text of the CodeMirror editor labelled `label` with text, as one paste (typing
// character by character would have the editor close brackets and quotes as a person sees it).
export async function setCode(page, label, text) {
  const editor = page.locator(`.cm-content[aria-label="${label}"]`);
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

export async function go(page, base, url) {
  await page.goto(base + url);
  await page.locator('main h1').first().waitFor();
}

export async function signIn(page, base, email, password) {
  await page.goto(`${base}/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/integrations$/);
}

// Chromium at 1280 × 800 with one tab signed in to the dashboard at base: {browser, page}.
export async function signedInBrowser(base, email, password) {
  const browser = await startBrowser({ viewport: { width: 1280, height: 800 } });
  const page = await browser.newPage();
  await signIn(page, base, email, password);
  return { browser, page };
}

// Fails when axe-core finds a serious or critical violation on the page as it is now (open
// dialogs included). Evaluated by the test driver, which the page's CSP does not govern.
export async function assertAccessible(page, where) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(`${AXE}\n;0`);
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(found, [], `${where}: axe-core`);
}

// A new page of browser signed in with the keyboard alone: the Email field has the focus, Tab
// reaches Password, Enter submits. Resolves once the Integrations page is open.
export async function signInByKeyboard(browser, base, email, password) {
  const p = await browser.newPage();
  await p.context().clearCookies();
  await p.goto(`${base}/sign-in`);
  await p.getByLabel('Email').waitFor();
  await p.keyboard.type(email);
  await p.keyboard.press('Tab');
  await p.keyboard.type(password);
  await p.keyboard.press('Enter');
  await p.waitForURL(/\/integrations$/);
  return p;
}

// Presses Tab until the focused element has the accessible name `name` (and, for role 'link' or
// 'button', that kind of element); fails after `limit` presses.
export async function tabTo(page, name, role = 'button', limit = 60) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      return el ? `${el.getAttribute('role') || el.tagName.toLowerCase()}|${(el.getAttribute('aria-label') || el.textContent || '').trim()}` : '';
    });
    const [r, label] = [focused.slice(0, focused.indexOf('|')), focused.slice(focused.indexOf('|') + 1)];
    if (label === name && (r === role || (role === 'link' && r === 'a'))) return;
  }
  throw new Error(`Tab never reached ${role} "${name}"`);
}
