// A large kommune's day in a real browser: three applications come back
// from the agency, which refused their batch; the caseworker finds them by
// their reason, takes one, writes a note on it, and once the agency is
// fixed approves all three at once from the list. Delivered, they are
// closed, and a search by the applicant's name finds them again. axe-core
// checks the list, the search, the case and the bulk result, and the
// list, case, statistics and search again in nynorsk.
// Run by TestCaseworkerTeamInBrowser (cmd/skjema), which starts the server
// with an agency that refuses, the switch that mends it (CONTROL_URL), and
// the account, and checks the outcome afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, open, axe, record, api, until as poll, SKJEMA_URL } from './lib.mjs';

const until = (what, fn, ms = 20000) => poll(what, fn, ms);
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// fodselsnummer makes a valid one born on ddmmyy, the nth that day: three
// applicants, not one applying three times (that would be a duplicate).
function fodselsnummer(ddmmyy, n) {
  for (let ind = 100 + n; ind < 500; ind += 10) {
    const d = (ddmmyy + String(ind)).split('').map(Number);
    let k1 = 11 - ([3, 7, 6, 1, 8, 9, 4, 5, 2].reduce((s, w, i) => s + w * d[i], 0) % 11);
    if (k1 === 11) k1 = 0;
    if (k1 === 10) continue;
    d.push(k1);
    let k2 = 11 - ([5, 4, 3, 2, 7, 6, 5, 4, 3, 2].reduce((s, w, i) => s + w * d[i], 0) % 11);
    if (k2 === 11) k2 = 0;
    if (k2 === 10) continue;
    return d.join('') + k2;
  }
  throw new Error('no fødselsnummer');
}

test('undelivered applications: found by reason, taken, noted, approved together, found again by name', async () => {
  const doc = JSON.parse(readFileSync(new URL('../examples/bostotte/application.json', import.meta.url)));
  const apps = [];
  for (let i = 0; i < 3; i++) {
    doc.applicant.fodselsnummer = fodselsnummer('120385', i);
    const draft = await api('POST', 'drafts', { form: 'bostotte', kommune: '0301', data: doc });
    const receipt = await api('POST', 'forms/bostotte/submissions', doc, { 'Idempotency-Key': draft.id, Authorization: 'Bearer ' + draft.token });
    apps.push({ ...draft, ref: receipt.reference });
  }
  const status = async (a) => (await api('GET', 'submissions/' + a.id, undefined, { Authorization: 'Bearer ' + a.token })).status;

  const { page } = await open(browser);
  page.setDefaultTimeout(10000);
  await page.goto(SKJEMA_URL + '/caseworker/');
  await page.getByLabel('E-postadresse').fill(process.env.CASEWORKER_EMAIL);
  await page.getByLabel('Passord').fill(process.env.CASEWORKER_PASSWORD);
  await page.getByRole('button', { name: 'Logg inn' }).click();
  await page.getByRole('heading', { name: 'Søknader', exact: true }).waitFor();

  // The agency refuses the batch: all three come back to the kommune.
  const reason = 'Kunne ikke leveres til etaten';
  await until('the refused batch back in the queue', async () => {
    await page.reload();
    const text = await page.locator('main').textContent();
    return apps.every((a) => text.includes(a.ref));
  });
  await page.getByText('Filtrer og sorter').click();
  await page.getByLabel('Årsak').selectOption({ label: `${reason} (3)` });
  await page.getByRole('button', { name: 'Vis', exact: true }).click();
  await axe(page, 'caseworker: list, filtered');

  // She takes the first, and it is hers.
  await page.getByRole('button', { name: `Ta saken ${apps[0].ref}` }).click();
  await page.getByText('Saksbehandler er endret').waitFor();
  await page.getByRole('link', { name: 'Mine saker' }).click();
  await page.getByRole('link', { name: apps[0].ref }).waitFor();
  assert.equal(await page.getByRole('link', { name: apps[1].ref }).count(), 0);

  // A note on it, for her colleagues only; the history says in words what
  // went wrong, with no batch id.
  await page.getByRole('link', { name: apps[0].ref }).click();
  await page.getByLabel('Nytt notat').fill('Husbanken avviste sendingen. Ringt, de retter det i dag.');
  await page.getByRole('button', { name: 'Lagre notatet' }).click();
  await page.getByText('Notatet er lagret').waitFor();
  const main = page.locator('main');
  assert.match(await main.textContent(), /Husbanken avviste sendingen/);
  assert.match(await main.textContent(), /Etaten tok ikke imot sendingen/);
  assert.doesNotMatch(await main.textContent(), /batch [0-9a-f]{8}/);
  await axe(page, 'caseworker: case with a note, undelivered');

  // The agency is mended; she approves all three from the list at once.
  const res = await fetch(process.env.CONTROL_URL + '/normal', { method: 'POST' });
  assert.ok(res.ok);
  await page.goto(SKJEMA_URL + '/caseworker/?reason=delivery.failed');
  for (const a of apps) await page.getByLabel(`Velg ${a.ref}`).check();
  await page.getByLabel('Handling').selectOption('approve');
  await page.getByRole('button', { name: 'Utfør' }).click();
  await page.getByText('3 utført').waitFor();
  await axe(page, 'caseworker: bulk result');
  await until('all three accepted by the agency', async () => (await Promise.all(apps.map(status))).every((s) => s === 'accepted'), 30000);

  // Closed, they are gone from the queue, and a search by name finds them.
  await page.goto(SKJEMA_URL + '/caseworker/');
  assert.equal(await page.getByRole('link', { name: apps[0].ref }).count(), 0);
  await page.getByLabel('Søk etter referanse, navn eller fødselsnummer').fill(`${doc.applicant.familyName} ${doc.applicant.givenName}`);
  await page.getByRole('button', { name: 'Søk', exact: true }).click();
  for (const a of apps) await page.getByRole('link', { name: a.ref }).waitFor();
  await axe(page, 'caseworker: search');

  // In nynorsk: she switches, and the pages speak it (axe checks them in
  // their language).
  await page.getByRole('button', { name: 'Nynorsk' }).click();
  await page.locator('html[lang="nn"]').waitFor();
  await page.goto(SKJEMA_URL + '/caseworker/');
  await page.getByRole('link', { name: 'Treng handsaming' }).waitFor();
  await axe(page, 'caseworker: list, nynorsk');
  await page.goto(SKJEMA_URL + '/caseworker/?scope=all');
  await page.getByRole('link', { name: apps[0].ref }).click();
  await page.locator('#case-ref').waitFor();
  await axe(page, 'caseworker: case, nynorsk');
  await page.goto(SKJEMA_URL + '/caseworker/statistics');
  await axe(page, 'caseworker: statistics, nynorsk');
  await page.goto(SKJEMA_URL + '/caseworker/search?q=' + encodeURIComponent(doc.applicant.familyName));
  await axe(page, 'caseworker: search, nynorsk');
  assert.deepEqual(page.problems, []);
  record('team', apps.map((a) => a.ref).join(','));
});
