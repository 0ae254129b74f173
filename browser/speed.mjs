// The widget on a slow phone's link (issue #15 item 8): how long from the
// moment the kommune page asks for the script until the first question can
// be typed into, on a 400 ms round trip and 400 kbit/s, and what the widget
// weighs gzipped. It prints figures; it asserts nothing (machines here are
// noisy: compare medians, not single runs).
//
//   SKJEMA_URL=http://127.0.0.1:8080 node browser/speed.mjs [runs]
import { gzipSync } from 'node:zlib';
import { launch, SKJEMA_URL, KOMMUNE_URL } from './lib.mjs';

if (!SKJEMA_URL) throw new Error('set SKJEMA_URL to a running skjema serve -dev');
const runs = Number(process.argv[2] || 5);
const kbit = 400, rttMs = 400;

let widgetBytes = 0;
for (const f of ['skjema.js', 'element.js', 'doc.js', 'draft.js', 'render.js', 'signin.js', 'skjema.css']) {
  const res = await fetch(`${SKJEMA_URL}/widget/${f}`);
  if (res.ok) widgetBytes += gzipSync(Buffer.from(await res.arrayBuffer()), { level: 9 }).length;
}

const browser = await launch();
const times = [];
const trips = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext({ locale: 'nb-NO' });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: rttMs, downloadThroughput: kbit * 1000 / 8, uploadThroughput: kbit * 1000 / 8,
  });
  const requests = [];
  page.on('request', (r) => { if (r.url().startsWith(SKJEMA_URL) && !r.url().includes('/example/')) requests.push(r.url().replace(SKJEMA_URL, '')); });
  await page.goto(KOMMUNE_URL, { waitUntil: 'commit' });
  // From the script's request (the page is the kommune's, not ours).
  const start = await page.evaluate(() => new Promise((resolve) => {
    const find = () => performance.getEntriesByType('resource').find((e) => e.name.endsWith('/widget/skjema.js'));
    const poll = () => { const e = find(); if (e) resolve(e.startTime); else setTimeout(poll, 5); };
    poll();
  }));
  // Read in the page, when the first field is in the document and shown:
  // asking from here (a locator's wait, then performance.now()) would add
  // the harness's own round trip, some 400 ms, to every figure.
  const ready = await page.evaluate(() => new Promise((resolve, reject) => {
    const until = performance.now() + 60000;
    const look = () => {
      const input = document.querySelector('skjema-form')?.shadowRoot?.querySelector('input:not([type=hidden])');
      if (input && input.offsetParent !== null) resolve(performance.now());
      else if (performance.now() > until) reject(new Error('no question after 60 s'));
      else setTimeout(look, 2);
    };
    look();
  }));
  times.push(ready - start);
  if (process.env.SPEED_TIMELINE && i === 0) {
    // Each request to Skjema: when it started and ended after the script's.
    const entries = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => [e.name, e.startTime, e.responseEnd, e.transferSize]));
    for (const [name, s0, s1, size] of entries) if (name.startsWith(SKJEMA_URL)) console.log(`${Math.round(s0 - start)}–${Math.round(s1 - start)} ms ${size} B ${name.replace(SKJEMA_URL, '')}`);
  }
  trips.push(requests.length);
  await context.close();
}
await browser.close();
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(`widget JS+CSS gzipped: ${(widgetBytes / 1024).toFixed(1)} KB`);
console.log(`first question usable after the script's request, ${rttMs} ms RTT, ${kbit} kbit/s: median ${Math.round(median)} ms over ${runs} runs (min ${Math.round(times[0])}, max ${Math.round(times.at(-1))}); requests to Skjema before it: ${trips[0]}`);
