// The kommune caseworker's loop in a real browser: an application a routing
// rule flags appears in her queue; she returns it to the citizen with a
// message; the citizen resumes it in the widget, sees the message and the
// field to fix, fixes it and sends it again; the caseworker approves it and
// it is delivered to the agency. axe-core checks every caseworker page.
// Run by TestCaseworkerLoopInBrowser (cmd/skjema), which starts the server,
// the agency receiver and the account, and checks the outcome afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, open, axe, record, texts, api, until as poll, SKJEMA_URL, KOMMUNE_URL } from './lib.mjs';

// until waits up to 15 s here: the queue and delivery run in the background.
const until = (what, fn, ms = 15000) => poll(what, fn, ms);

const T = texts.nb;
const EMAIL = process.env.CASEWORKER_EMAIL;
const PASSWORD = process.env.CASEWORKER_PASSWORD;
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a flagged application: returned with a message, fixed by the citizen, approved and delivered', async () => {
  // The citizen's application names a household member registered at
  // another address: the routing rules send it to the kommune.
  const doc = JSON.parse(readFileSync(new URL('../examples/bostotte/application.json', import.meta.url)));
  doc.household[0].registeredElsewhere = true;
  const draft = await api('POST', 'drafts', { form: 'bostotte', kommune: '0301', data: doc });
  const receipt = await api('POST', 'forms/bostotte/submissions', doc, { 'Idempotency-Key': draft.id, Authorization: 'Bearer ' + draft.token });
  const ref = receipt.reference;

  // Sign in: the queue redirects to the sign-in page and back.
  const { page } = await open(browser);
  page.setDefaultTimeout(10000);
  await page.goto(SKJEMA_URL + '/caseworker/');
  await page.getByRole('heading', { name: 'Logg inn' }).waitFor();
  await axe(page, 'caseworker: sign-in');
  await page.getByLabel('E-postadresse').fill(EMAIL);
  await page.getByLabel('Passord').fill('not the password at all');
  await page.getByRole('button', { name: 'Logg inn' }).click();
  await page.getByText('E-postadressen eller passordet er feil', { exact: false }).waitFor();
  await axe(page, 'caseworker: sign-in refused');
  await page.getByLabel('Passord').fill(PASSWORD);
  await page.getByRole('button', { name: 'Logg inn' }).click();
  await page.getByRole('heading', { name: 'Søknader', exact: true }).waitFor();

  // The flagged application appears (routing runs in the background).
  await until(`${ref} in the queue`, async () => {
    if (await page.getByRole('link', { name: ref }).count()) return true;
    await page.reload();
    return false;
  });
  await axe(page, 'caseworker: queue');
  const reason = T['routing.registeredElsewhere.title'];
  await page.getByText('Filtrer og sorter').click();
  await page.getByLabel('Årsak').selectOption({ label: `${reason} (1)` });
  await page.getByRole('button', { name: 'Vis', exact: true }).click();
  await page.getByRole('link', { name: ref }).click();

  // The application, headed by the applicant's name, with the form's own
  // labels, the reason with the answer behind it, the history.
  await page.getByRole('heading', { name: `${doc.applicant.givenName} ${doc.applicant.familyName}`, level: 1 }).waitFor();
  assert.match(await page.locator('#case-ref').textContent(), new RegExp(ref));
  assert.match(await page.locator('#why').textContent(), new RegExp(`${T['field.household.registeredElsewhere.name']} til ${T['group.household.item'].replace('{n}', '1')}: ${T['option.yes']}`));
  const main = page.locator('main');
  assert.match(await main.textContent(), new RegExp(reason));
  assert.match(await main.textContent(), /Kommunal utleiebolig/);
  await axe(page, 'caseworker: application');

  // The correction form, left without saving.
  await page.getByRole('link', { name: 'Rett ' + T['field.housing.rent.name'], exact: true }).click();
  await page.getByRole('heading', { name: `Rett svar i søknad ${ref}` }).waitFor();
  await axe(page, 'caseworker: correct an answer');
  await page.getByRole('link', { name: 'Avbryt' }).click();

  // Returned to the citizen with a message and the field to fix.
  const message = 'Ola er registrert på en annen adresse. Stemmer det at han bor hos deg?';
  await page.getByText('Send tilbake til søkeren', { exact: true }).click();
  await page.getByLabel('Melding til søkeren').fill(message);
  await page.getByText('Velg felt søkeren skal rette').click();
  await page.locator('details.ds-details[open] details.ds-details[open]').waitFor();
  const field = `${T['field.household.registeredElsewhere.name']} til ${T['group.household.item'].replace('{n}', '1')}`;
  // The list opens with a 0.4 s height animation, under which a click can
  // land before the box has settled: try until it holds.
  const box = page.getByLabel(field, { exact: true });
  await until('the field to fix checked', async () => {
    await box.check({ timeout: 1000 }).catch(() => {});
    return box.isChecked();
  });
  await page.getByRole('button', { name: 'Send tilbake' }).click();
  await page.getByText('Søknaden er sendt tilbake til søkeren').waitFor();
  await axe(page, 'caseworker: queue after a return');

  // The citizen resumes from her link: the message and the field, linked.
  const citizen = await open(browser);
  await citizen.page.goto(KOMMUNE_URL + '#skjema-resume=' + draft.id + '.' + draft.token);
  const form = citizen.page.locator('skjema-form');
  await form.getByText(message).waitFor();
  await form.getByRole('link', { name: field }).click();
  await axe(citizen.page, 'citizen: returned with a message');
  const elsewhere = form.getByLabel(T['field.household.registeredElsewhere.label']).first();
  assert.equal(await elsewhere.isChecked(), true);
  await elsewhere.uncheck();
  const submit = form.getByRole('button', { name: T['ui.submit'], exact: true });
  const title = form.locator('#sk-page-title');
  for (let i = 0; i < 12 && !(await submit.count()); i++) {
    const was = await title.textContent();
    await form.getByRole('button', { name: T['ui.next'], exact: true }).click();
    await until('the next page', async () => (await title.textContent()) !== was);
  }
  await submit.click();
  await form.getByText(T['ui.status.in_review']).waitFor();
  assert.ok(citizen.page.problems.length === 0, citizen.page.problems.join('\n'));

  // Back in the queue; approved, it is on its way to the agency.
  await page.goto(SKJEMA_URL + '/caseworker/');
  await page.getByRole('link', { name: ref }).click();
  assert.match(await main.textContent(), /Sendt inn på nytt/);
  await page.getByRole('button', { name: 'Godkjenn og send videre' }).click();
  await page.getByText('Søknaden er godkjent').waitFor();
  await axe(page, 'caseworker: queue after approval');
  await until(`${ref} accepted by the agency`, async () => {
    const s = await api('GET', 'submissions/' + draft.id, undefined, { Authorization: 'Bearer ' + draft.token });
    return s.status === 'accepted';
  }, 30000);

  // The rest of the caseworker's pages, for axe: the audit trail, the
  // accounts, the password change, the statistics (with the delivered and
  // accepted application in them), the paper form (with the widget), a page
  // that is not there.
  await page.goto(SKJEMA_URL + '/caseworker/applications/' + draft.id);
  await axe(page, 'caseworker: application, delivered');
  await page.getByRole('link', { name: 'Se hele revisjonsloggen' }).click();
  await page.getByRole('heading', { name: `Revisjonslogg for søknad ${ref}` }).waitFor();
  assert.match(await main.textContent(), /Åpnet/);
  await axe(page, 'caseworker: audit trail');
  await page.getByRole('link', { name: 'Brukere' }).click();
  await page.getByRole('heading', { name: 'Brukere' }).waitFor();
  await axe(page, 'caseworker: accounts');
  await page.getByRole('link', { name: 'Bytt passord' }).click();
  await page.getByRole('heading', { name: 'Bytt passord' }).waitFor();
  await axe(page, 'caseworker: change password');
  await page.getByRole('link', { name: 'Statistikk' }).click();
  await page.getByRole('heading', { name: 'Statistikk', level: 1 }).waitFor();
  await axe(page, 'caseworker: statistics');
  await page.getByRole('link', { name: 'Registrer papirsøknad' }).click();
  await page.getByLabel('Skjema', { exact: true }).waitFor();
  await axe(page, 'caseworker: paper application, choose the form');
  await page.getByLabel('Skjema', { exact: true }).selectOption('bostotte');
  await page.getByRole('button', { name: 'Start' }).click();
  await page.locator('skjema-form #sk-page-title').waitFor();
  await axe(page, 'caseworker: paper application');
  // The paper form never resumes a citizen's draft: not from a resume link
  // (a crafted one, here the citizen's own), not from the tab's storage. It
  // opens empty at its first page, and offers no resume link.
  await page.evaluate((d) => sessionStorage.setItem('skjema:bostotte:0301', JSON.stringify({ id: d.id, token: d.token })), draft);
  await page.goto(SKJEMA_URL + '/caseworker/paper?form=bostotte&kommune=0301#skjema-resume=' + draft.id + '.' + draft.token);
  await page.locator('skjema-form #sk-page-title').waitFor();
  assert.equal(await page.locator('skjema-form').getByText(ref).count(), 0, 'the paper form resumed the citizen\'s application');
  assert.equal(await page.locator('skjema-form #sk-page-title').textContent(), T['page.eligibility.title']);
  assert.equal(await page.locator('skjema-form .sk-save').count(), 0);
  await page.goto(SKJEMA_URL + '/caseworker/applications/nothing-here');
  await page.getByRole('heading', { name: 'Fant ikke siden' }).waitFor();
  await axe(page, 'caseworker: not found');

  // The same pages in nynorsk, which she chooses in the header; the sign-in
  // page after she signs out keeps it.
  await page.goto(SKJEMA_URL + '/caseworker/applications/' + draft.id);
  await page.getByRole('button', { name: 'Nynorsk' }).click();
  await page.locator('html[lang="nn"]').waitFor();
  await axe(page, 'caseworker: application, nynorsk');
  for (const [path, state] of [['/audit', 'audit trail'], ['/correct?field=/housing/rent', 'correct an answer']]) {
    await page.goto(SKJEMA_URL + '/caseworker/applications/' + draft.id + path);
    await axe(page, `caseworker: ${state}, nynorsk`);
  }
  for (const [path, state] of [['users', 'accounts'], ['password', 'change password'], ['?scope=closed', 'list of closed cases'],
    ['paper?form=bostotte&kommune=0301', 'paper application'], ['nothing-here', 'not found']]) {
    await page.goto(SKJEMA_URL + '/caseworker/' + path);
    if (path.startsWith('paper')) await page.locator('skjema-form #sk-page-title').waitFor();
    await axe(page, `caseworker: ${state}, nynorsk`);
  }
  await page.goto(SKJEMA_URL + '/caseworker/');
  await page.getByRole('button', { name: 'Logg ut' }).click();
  await page.getByRole('button', { name: 'Logg inn' }).waitFor();
  await page.locator('html[lang="nn"]').waitFor();
  await axe(page, 'caseworker: sign-in, nynorsk');
  // 401 and 404 answers are logged as console errors by design; a CSP
  // violation or a script error is not.
  assert.deepEqual(page.problems.filter((p) => !/status of (401|404)/.test(p)), []);
  console.log('axe checked: ' + axe.checked.join(', '));
  record('loop', ref);
});
