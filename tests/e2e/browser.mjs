// Fixtures of the browser tests: Debian's Chromium driven by playwright-core with a fresh profile,
// and the ISV's page served from another origin than Solder (a second loopback port).
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync'];

export async function startBrowser({ viewport = { width: 400, height: 760 } } = {}) {
  const profile = mkdtempSync(path.join(tmpdir(), 'solder-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.SOLDER_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ARGS,
    viewport,
  });
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// What the modal's callback passed to the ISV page (window.results), once it has been called.
export async function results(page) {
  await page.waitForFunction(() => window.results.length > 0);
  return page.evaluate(() => window.results);
}

// The modal from its settings step to its end: Next to the review, checkReview() there, Next to
// install, wait for the done step and close it; resolves with results(page).
export async function reviewAndFinish(page, frame, checkReview) {
  await frame.click('#next');
  await frame.waitForSelector('dl.review');
  await checkReview();
  await frame.click('#next');
  await frame.waitForSelector('.ok');
  await frame.click('#next');
  return results(page);
}

// The ISV's page: loads the SDK from the Solder server, as an ISV embeds it.
export async function startIsvPage(solderUrl) {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>AcmeCo settings</title><style>body{font:15px system-ui,sans-serif;margin:24px}</style></head>
<body><h1>AcmeCo · Integrations</h1><p>Connect AcmeCo to the apps you use.</p>
<button id="connect">Connect</button>
<script src="${solderUrl}/sdk/embedded.js"></script></body></html>`;
  const server = createServer((req, res) => {
    if (req.url === '/' || req.url.startsWith('/?')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}
