// #14's acceptance in a real browser, in a Chromium that blocks
// third-party cookies: a citizen signs in at the local ID-porten from the
// kommune's page (another origin), her form is filled from the local
// Folkeregisteret, she sends it; the caseworker returns it; the e-mail
// arrives; she signs in again in another browser context, reads the
// message in Mine søknader, fixes and resends; the caseworker approves it
// and the agency takes it. Run by TestJourneyInBrowser (cmd/skjema), which
// starts the server, the stand-ins, the SMTP server and the agency.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { axe, launch, open, record, texts, until as poll, SKJEMA_URL, KOMMUNE_URL } from './lib.mjs';

// until waits up to 20 s here: the queue, the e-mail and delivery run in the background.
const until = (what, fn, ms = 20000) => poll(what, fn, ms);

const T = texts.nb;
const PID = process.env.PERSON_PID;
const SKJEMA = new URL(SKJEMA_URL).origin;
let browser;

before(async () => { browser = await launch({ blockThirdPartyCookies: true }); });
after(async () => { await browser?.close(); });

async function api(method, path, body, token) {
  const res = await fetch(SKJEMA_URL + '/api/v1/' + path, {
    method, headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token }, body: body && JSON.stringify(body),
  });
  const data = await res.json();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}

const mails = async () => (await (await fetch(process.env.MAILS_URL)).json()) || [];

// signIn signs the person in from the kommune's page, at the TestID page.
async function signIn(page) {
  await page.goto(KOMMUNE_URL);
  const form = page.locator('skjema-form');
  await form.getByRole('button', { name: T['ui.signin.button'] }).click();
  await page.getByRole('heading', { name: 'TestID' }).waitFor();
  await page.getByLabel(new RegExp(PID)).check();
  await page.getByRole('button', { name: 'Logg inn' }).click();
  await page.waitForURL((u) => u.href.startsWith(KOMMUNE_URL));
  await form.getByText(T['ui.signin.as'].replace('{pid}', PID)).waitFor();
  return form;
}

// toSummary goes on through the pages to the summary.
async function toSummary(form) {
  const submit = form.getByRole('button', { name: T['ui.submit'], exact: true });
  const title = form.locator('#sk-page-title');
  for (let i = 0; i < 12; i++) {
    const was = await title.textContent(); // read before the look for Send: a page that comes between is seen
    if (await submit.count()) break;
    await form.getByRole('button', { name: T['ui.next'], exact: true }).click();
    await until('the next page', async () => (await title.textContent()) !== was);
  }
  return submit;
}

// sendFromTheWidget goes on through the pages and sends.
async function sendFromTheWidget(form) {
  await (await toSummary(form)).click();
}

test('signed in, filled from Folkeregisteret, returned, told by e-mail, fixed on another device, approved, delivered', async () => {
  // 1. She signs in; the form is filled from Folkeregisteret.
  const first = await open(browser);
  const form = await signIn(first.page);
  await form.getByText(T['ui.register.filled'].split('{date}')[0].trim()).waitFor();
  const token = await first.page.evaluate((o) => sessionStorage.getItem('skjema:citizen:' + o), SKJEMA);
  const saved = await until('her draft', () => first.page.evaluate(() => JSON.parse(sessionStorage.getItem('skjema:bostotte:0301') || 'null')));
  assert.equal(saved.mine, true, 'the draft is hers');

  // 2. The rest of her answers (as the widget would save them), then she
  // sends it from the widget. Her son lives with his father: she says so,
  // and the kommune looks at it.
  const example = JSON.parse(readFileSync(new URL('../examples/bostotte/application.json', import.meta.url)));
  const d = await api('GET', 'drafts/' + saved.id, undefined, token);
  const doc = d.data;
  assert.equal(doc.applicant.givenName, 'Kari', 'her name from Folkeregisteret');
  assert.equal(doc.household.length, 3, 'those registered in her flat');
  for (const k of ['eligibility', 'housing', 'income', 'payment', 'declaration']) doc[k] = example[k];
  Object.assign(doc.applicant, { email: 'kari@example.no', phone: '+47 912 34 567' });
  doc.household.forEach((m, i) => { m.relation = ['spouse', 'child', 'child'][i]; });
  Object.assign(doc.household[2], { notLivingHere: true, notLivingExplanation: 'Jakob bor hos faren sin i Bergen.' });
  await api('PUT', 'drafts/' + saved.id, doc, token);
  await first.page.reload();
  await form.locator('#sk-page-title').waitFor();
  await sendFromTheWidget(form);
  await form.getByText(T['ui.receipt.title']).waitFor();
  const ref = (await api('GET', 'submissions/' + saved.id, undefined, token)).reference;
  assert.match(ref, /^BOS-/);

  // 3. The caseworker returns it with a message.
  const cw = await open(browser);
  const page = cw.page;
  await page.goto(SKJEMA_URL + '/caseworker/');
  await page.getByLabel('E-postadresse').fill(process.env.CASEWORKER_EMAIL);
  await page.getByLabel('Passord').fill(process.env.CASEWORKER_PASSWORD);
  await page.getByRole('button', { name: 'Logg inn' }).click();
  await until(`${ref} in the queue`, async () => {
    if (await page.getByRole('link', { name: ref }).count()) return true;
    await page.reload();
    return false;
  });
  await page.getByRole('link', { name: ref }).click();
  await page.getByText('Logget inn med ID-porten (nivå betydelig)').waitFor();
  const message = 'Hvor stor er husleien fra desember? Skriv den nye husleien og send søknaden igjen.';
  await page.getByText('Send tilbake til søkeren', { exact: true }).click();
  await page.getByLabel('Melding til søkeren').fill(message);
  await page.getByRole('button', { name: 'Send tilbake' }).click();
  await page.getByText('Søknaden er sendt tilbake til søkeren').waitFor();

  // 4. The e-mail: that there is news, and where to read it; not the message.
  const returned = await until('the e-mail of the return', async () => (await mails()).find((m) => m.body.includes(T['notice.returned'])));
  assert.ok(returned.body.includes(KOMMUNE_URL) && !returned.body.includes('husleien fra desember'), returned.body);

  // 5. Another browser context: she signs in again, and Mine søknader has
  // the message; she fixes the rent and sends it again.
  const second = await open(browser);
  const again = await signIn(second.page);
  await again.getByRole('button', { name: T['ui.mine.title'] }).click();
  await again.getByRole('heading', { name: T['ui.mine.title'] }).waitFor();
  await again.getByText(message, { exact: false }).waitFor();
  await axe(second.page, 'Mine søknader with the kommune\'s message');
  await again.getByRole('button', { name: T['ui.mine.continue'] }).click();
  // The page of the returned application (its alert's heading), not the
  // same words in the list it was opened from.
  await again.getByRole('heading', { name: T['ui.returned.title'] }).waitFor();
  await toSummary(again);
  const housing = T['page.housing.title'];
  await again.getByRole('button', { name: T['ui.summary.change'].replace('{page}', housing.toLowerCase()) }).click();
  await again.getByLabel(T['field.housing.rent.label']).fill('14600');
  await sendFromTheWidget(again);
  await again.getByText(T['ui.status.in_review']).waitFor();

  // 6. Approved, delivered, taken by the agency; she is told.
  await page.goto(SKJEMA_URL + '/caseworker/');
  await page.getByRole('link', { name: ref }).click();
  await page.getByRole('button', { name: 'Godkjenn og send videre' }).click();
  await page.getByText('Søknaden er godkjent').waitFor();
  const second_token = await second.page.evaluate((o) => sessionStorage.getItem('skjema:citizen:' + o), SKJEMA);
  await until(`${ref} accepted by the agency`, async () => (await api('GET', 'submissions/' + saved.id, undefined, second_token)).status === 'accepted', 30000);
  await until('the e-mail of the acceptance', async () => (await mails()).find((m) => m.body.includes(T['notice.accepted'])));
  for (const p of [first.page, second.page]) assert.deepEqual(p.problems.filter((x) => !/status of (401|404)/.test(x)), []);
  record('journey', ref);
});
