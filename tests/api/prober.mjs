// A /healthz prober on a thread of its own (its own event loop, so the work of the thread that
// starts it, such as building a large body, does not delay it): it sends GET /healthz on a fresh
// connection from 127.0.0.1 every 40 ms and records how long each answer took. Used by
// connections.test.mjs and tests/bench/stall.mjs.
import { Worker } from 'node:worker_threads';

const PROBER = `
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
let running = true;
parentPort.on('message', () => { running = false; });
function probe() {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const sock = net.connect({ port: workerData.port, host: '127.0.0.1', localAddress: '127.0.0.1' });
    const timer = setTimeout(() => { sock.destroy(); resolve(null); }, 10000);
    let got = '';
    sock.on('connect', () => sock.write('GET /healthz HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n'));
    sock.on('data', (d) => {
      got += d;
      if (got.includes('\\r\\n\\r\\n')) {
        clearTimeout(timer);
        sock.destroy();
        resolve(got.startsWith('HTTP/1.1 200') ? performance.now() - t0 : null);
      }
    });
    sock.on('error', () => { clearTimeout(timer); resolve(null); });
  });
}
(async () => {
  const times = [];
  while (running || times.length < workerData.min) {
    times.push(await probe());
    await new Promise((r) => setTimeout(r, 40));
  }
  parentPort.postMessage(times);
})();
`;

// Runs work() while /healthz on port is probed (at least min times). Returns {result, times}: the
// latencies in ms, null for a probe that got no 200 within 10 s.
export async function whileProbing(port, work, min = 3) {
  const worker = new Worker(PROBER, { eval: true, workerData: { port, min } });
  const posted = new Promise((resolve) => worker.on('message', resolve));
  let result;
  try {
    result = await work();
  } finally {
    worker.postMessage('stop');
  }
  const times = await posted;
  await worker.terminate();
  return { result, times };
}
