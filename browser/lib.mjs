// Shared by the browser tests: Debian's Chromium through playwright-core
// (never a downloaded browser), axe-core injected into the page, and the
// form's own texts so the tests find fields as a citizen would, by label.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const root = new URL('../', import.meta.url);
export const SKJEMA_URL = process.env.SKJEMA_URL;
export const KOMMUNE_URL = process.env.KOMMUNE_URL || (SKJEMA_URL && SKJEMA_URL + '/example/');
export const texts = Object.fromEntries(['nb', 'nn', 'en'].map((l) => [l, JSON.parse(readFileSync(new URL(`schemas/bostotte/texts.${l}.json`, root)))]));
const axeSource = readFileSync(new URL('node_modules/axe-core/axe.min.js', root), 'utf8');

// launch starts Debian's Chromium; blockThirdPartyCookies makes it refuse
// them, as browsers do or soon will.
export async function launch({ blockThirdPartyCookies = false } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
      ...(blockThirdPartyCookies ? ['--test-third-party-cookie-phaseout'] : [])],
  });
}

// until polls a condition, for what the page does after a server round
// trip, and answers its value.
export async function until(what, fn, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// open starts a page that records console errors (a CSP violation is one).
export async function open(browser) {
  const context = await browser.newContext({ locale: 'nb-NO', viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (m) => {
    // axe-core itself applies an inline style while it runs; the page's CSP
    // rightly refuses it. That is the test tool, not the widget.
    if (page.axeRunning && /Applying inline style/.test(m.text())) return;
    if (m.type() === 'error' && !/favicon/.test(m.location()?.url || '')) page.problems.push(m.text());
  });
  page.on('pageerror', (e) => { console.log('page error:', e.message); page.problems.push(e.message); });
  page.on('response', (r) => { if (process.env.DEBUG_HTTP || r.status() >= 400) console.log('HTTP', r.status(), r.request().method(), r.url()); });
  return { context, page };
}

// axe checks the page as it is now against WCAG 2.1 A and AA.
export async function axe(page, state) {
  page.axeRunning = true;
  await page.evaluate(axeSource); // through DevTools: the page's CSP allows no injected script tag
  const result = await page.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  await page.waitForTimeout(100); // console events trail the evaluation
  page.axeRunning = false;
  const violations = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(' > ') + ' ' + n.failureSummary).join('\n    ')}`);
  assert.deepEqual(violations, [], `axe: WCAG 2.1 A/AA violations in state "${state}"`);
  axe.checked.push(state);
}
axe.checked = [];

// The two widths every page is checked at: a desktop's and a phone's.
export const WIDE = { width: 1280, height: 900 };
export const NARROW = { width: 375, height: 800 };

// checkPage runs axe on the page as it is, and at a narrow width also that
// nothing makes the page scroll sideways (axe does not check reflow).
export async function checkPage(page, state) {
  const { width } = page.viewportSize();
  if (width <= NARROW.width) {
    const wide = await page.evaluate(() => {
      const over = [];
      const walk = (root) => {
        for (const el of root.querySelectorAll('*')) {
          const r = el.getBoundingClientRect();
          if (r.width && r.right > document.documentElement.clientWidth + 1) over.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className} (${Math.round(r.right)} px)`);
          if (el.shadowRoot) walk(el.shadowRoot);
        }
      };
      walk(document);
      return { scroll: document.documentElement.scrollWidth, over: over.slice(0, 5) };
    });
    assert.ok(wide.scroll <= width, `${state}: the page scrolls sideways at ${width} px (${wide.scroll} px wide): ${wide.over.join(', ')}`);
  }
  // Text no one wrote: a null or undefined the widget put on the page.
  const stray = await page.evaluate(() => {
    const root = document.querySelector('skjema-form')?.shadowRoot;
    const found = [];
    const walk = root && document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walk?.nextNode(); n; n = walk.nextNode()) if (/^(null|undefined|NaN|\[object \w+\])$/.test(n.textContent.trim())) found.push(n.parentNode.nodeName + ': ' + n.textContent);
    return found;
  });
  assert.deepEqual(stray, [], `${state}: stray text in the widget`);
  await axe(page, `${state} (${width} px)`);
}

// focused describes the element that has focus, through shadow roots.
export async function focused(page) {
  return page.evaluate(() => {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    if (!el) return {};
    const label = el.labels?.[0]?.textContent || el.getAttribute('aria-label') || el.textContent || '';
    return { tag: el.tagName.toLowerCase(), type: el.type, id: el.id, label: label.trim().replace(/\s+/g, ' '), className: el.className };
  });
}

// tabTo presses Tab until the focused element's label starts with text.
export async function tabTo(page, text, { shift = false, max = 80 } = {}) {
  for (let i = 0; i < max; i++) {
    const f = await focused(page);
    if (f.label && f.label.startsWith(text)) return f;
    await page.keyboard.press(shift ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`no focusable element labelled "${text}" within ${max} tabs`);
}

export function record(name, reference) {
  const file = process.env.RESULT_FILE;
  if (!file) return;
  const all = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  all[name] = reference;
  writeFileSync(file, JSON.stringify(all));
}

export const pdf = { name: 'husleiekontrakt.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n') };
export const notPdf = { name: 'kontrakt.pdf', mimeType: 'application/pdf', buffer: Buffer.from('This is a text file pretending to be a PDF.') };

// api calls Skjema's citizen API and fails the test on an error answer.
export async function api(method, path, body, headers = {}) {
  const res = await fetch(SKJEMA_URL + '/api/v1/' + path, {
    method, headers: { 'Content-Type': 'application/json', ...headers }, body: body && JSON.stringify(body),
  });
  const data = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}
