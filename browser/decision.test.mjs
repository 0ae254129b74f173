// A startlån application decided with four eyes, in a real browser: one
// caseworker recommends a grant, is told she cannot decide it herself, and
// a colleague with the decision role decides it; the citizen's status is
// then granted. axe-core checks the case page in each state.
// Run by TestDecisionInBrowser (cmd/skjema), which starts the server and
// the two accounts, and checks the history afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, open, axe, record, api, until as poll, SKJEMA_URL } from './lib.mjs';

const until = (what, fn, ms = 20000) => poll(what, fn, ms);
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function signIn(page, email) {
  await page.goto(SKJEMA_URL + '/caseworker/');
  await page.getByLabel('E-postadresse').fill(email);
  await page.getByLabel('Passord').fill(process.env.CASEWORKER_PASSWORD);
  await page.getByRole('button', { name: 'Logg inn' }).click();
  await page.getByRole('heading', { name: 'Søknader', exact: true }).waitFor();
}

test('startlån: recommended by one, refused to decide it herself, decided by another', async () => {
  const doc = JSON.parse(readFileSync(new URL('../examples/startlan/application.json', import.meta.url)));
  const draft = await api('POST', 'drafts', { form: 'startlan', kommune: '0301', data: doc });
  const receipt = await api('POST', 'forms/startlan/submissions', doc, { 'Idempotency-Key': draft.id, Authorization: 'Bearer ' + draft.token });
  const ref = receipt.reference;
  const status = async () => (await api('GET', 'submissions/' + draft.id, undefined, { Authorization: 'Bearer ' + draft.token })).status;

  const { page } = await open(browser);
  page.setDefaultTimeout(10000);
  await signIn(page, process.env.RECOMMENDER_EMAIL);
  await until(`${ref} in the list`, async () => {
    if (await page.getByRole('link', { name: ref }).count()) return true;
    await page.reload();
    return false;
  });
  await page.getByRole('link', { name: ref }).click();
  await page.locator('#recommend').waitFor();
  assert.match(await page.locator('#serviceability').textContent(), /Til rådighet for lånet/);
  await axe(page, 'decision: startlån case to recommend, with its betjeningsevne');
  const form = page.locator('#recommend');
  await form.getByLabel('Lånebeløp (kroner)').fill('2 500 000');
  await form.getByLabel('Rente (prosent)').fill('4,9');
  await form.getByLabel('Løpetid (år)').fill('30');
  await form.getByLabel('Begrunnelse', { exact: true }).fill('Dere kan betjene lånet og har nok igjen til å leve av.');
  await page.getByRole('button', { name: 'Lagre innstillingen' }).click();
  await page.getByText('Innstillingen er lagret').waitFor();
  await page.locator('#why-not').waitFor();
  await axe(page, 'decision: recommended, not hers to decide');
  await page.getByRole('button', { name: 'Logg ut' }).click();

  await signIn(page, process.env.DECIDER_EMAIL);
  await page.goto(SKJEMA_URL + '/caseworker/applications/' + draft.id);
  await page.locator('#decide form').waitFor();
  await axe(page, 'decision: to decide');
  await page.getByRole('button', { name: 'Gjør vedtak etter innstillingen' }).click();
  await page.getByText('Vedtaket er gjort').waitFor();
  await axe(page, 'decision: granted');
  await until('the citizen\'s status granted', async () => (await status()) === 'granted');
  assert.deepEqual(page.problems, []);
  record('decision', ref);
});
