// Startlån in a real browser, on the kommune's startlån page (another
// origin, strict CSP). First the citizen fills every page of the form with
// the example application (examples/startlan/application.json), co-applicant,
// household, debts and the attachment checklist included, and axe-core
// checks each page: in bokmål at 1280 px while she fills it, then back
// through the pages at 375 px, forward in nynorsk, back in English, and at
// 375 px no page may scroll sideways (WCAG 1.4.10). Then ettersending: a
// caseworker asks for a document of an application sent through the API,
// the citizen resumes it from her link, sees only that upload, sends the
// document, and the caseworker has it back in review.
// Run by TestStartlanInBrowser (cmd/skjema), which starts the server and
// the caseworker's account, and checks the database afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, open, axe, focused, record, api, pdf, until as poll, checkPage as check, WIDE, NARROW, SKJEMA_URL, KOMMUNE_URL } from './lib.mjs';

// until waits up to 15 s here: routing runs in the background, and two
// cores may be busy with another test.
const until = (what, fn, ms = 15000) => poll(what, fn, ms);

const root = new URL('../', import.meta.url);
const json = (path) => JSON.parse(readFileSync(new URL(path, root)));
const layout = json('schemas/startlan/layout.json');
const example = json('examples/startlan/application.json');
const texts = Object.fromEntries(['nb', 'nn', 'en'].map((l) => [l, json(`schemas/startlan/texts.${l}.json`)]));
const T = texts.nb;
const PAGE = new URL('startlan.html', KOMMUNE_URL).href;

const fill = (s, vars) => Object.entries(vars).reduce((acc, [k, v]) => acc.replaceAll(`{${k}}`, v), s);
const capital = (s) => s.charAt(0).toUpperCase() + s.slice(1);
const get = (doc, pointer) => pointer.split('/').slice(1).reduce((v, k) => (v === null || typeof v !== 'object' ? undefined : v[k]), doc);
const textId = (pointer) => pointer.split('/').slice(1).filter((k) => !/^\d+$/.test(k)).join('.');
const itemName = (t, group, n) => capital(fill(t[`group.${group}.item`], { n }));
const group = (scope, name) => scope.getByRole('group', { name, exact: true });
const titles = (t) => [...layout.pages.map((p) => t[`page.${p.id}.title`]), t['ui.summary.title']];

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const heading = (page) => page.locator('skjema-form #sk-page-title').textContent();
const onPage = (page, title) => until(`page "${title}"`, async () => (await heading(page)) === title);

// fillFields answers the layout's fields (under prefix, in scope) as the
// example application does, by their labels, in layout order, so that a
// field a condition shows is there when its turn comes.
async function fillFields(scope, fields, prefix = '') {
  for (const f of fields) {
    const pointer = prefix + f.pointer;
    const v = get(example, pointer);
    if (v === undefined || f.widget === 'checklist') continue;
    const id = textId(pointer);
    const label = T[`field.${id}.label`];
    if (f.widget === 'repeat') {
      for (let i = 0; i < v.length; i++) {
        const item = group(scope, itemName(T, id, i + 1));
        if (!(await item.count())) await scope.getByRole('button', { name: T[`group.${id}.add`], exact: true }).click();
        await fillFields(item, f.fields, `${pointer}/${i}`);
      }
    } else if (f.widget === 'yesno') {
      await group(scope, label).getByLabel(T[v ? 'option.yes' : 'option.no'], { exact: true }).check();
    } else if (f.widget === 'radio') {
      await group(scope, label).getByLabel(T[`option.${id}.${v}`], { exact: true }).check();
    } else if (f.widget === 'checkbox') {
      if (v) await scope.getByLabel(label, { exact: true }).check();
    } else {
      await scope.getByLabel(label, { exact: true }).fill(String(v));
    }
  }
}

test('startlån: every page filled as the example application, axe on each at 1280 and 375 px, in bokmål, nynorsk and English', async () => {
  const { context, page } = await open(browser);
  page.setDefaultTimeout(10000);
  await page.setViewportSize(WIDE);
  await page.goto(PAGE);
  const form = page.locator('skjema-form');
  const next = () => form.getByRole('button', { name: T['ui.next'], exact: true }).click();
  const pages = titles(T);
  await onPage(page, pages[0]);
  // Filling needs no sign-in: the server has no ID-porten, and takes
  // applications without it (-dev).
  assert.equal(await form.locator('#sk-signin').count(), 0);
  // The home's page is asked only for a loan for a home (its when): not
  // counted before the purpose is known, as the server drops its answers.
  assert.equal(await form.getByText(fill(T['ui.step'], { n: 1, total: pages.length - 1 })).count(), 1, 'the steps count the pages asked, and the summary');
  await check(page, 'startlån: purpose, empty');

  // Next with nothing answered: the summary of errors, focused.
  await next();
  await until('error summary focused', async () => (await focused(page)).className === 'ds-error-summary');
  await check(page, 'startlån: purpose with errors');

  for (const [i, p] of layout.pages.entries()) {
    await onPage(page, pages[i]);
    if (p.id === 'coApplicants') {
      // A co-applicant added and left empty: her fields' errors, in the item.
      await form.getByRole('button', { name: T['group.coApplicants.add'], exact: true }).click();
      await next();
      await form.locator('.ds-error-summary a[href="#f.coApplicants.0.givenName"]').waitFor();
      const first = group(form, itemName(T, 'coApplicants', 1));
      assert.equal(await first.getByLabel(T['field.coApplicants.givenName.label'], { exact: true }).getAttribute('aria-invalid'), 'true');
      assert.ok(await first.locator('[id="f.coApplicants.0.givenName-err"]').isVisible(), 'the error is at the field in the item');
      await check(page, 'startlån: co-applicant with errors');
    }
    await fillFields(form, p.fields);
    if (p.id === 'attachments') {
      // The checklist asks for what the answers call for: one uploaded,
      // the others to be sent later, as the example says.
      assert.equal(await form.locator('fieldset.sk-item').count(), Object.keys(example.attachments).length, 'the checklist asks for what the example answers');
      for (const [id, att] of Object.entries(example.attachments)) {
        const item = group(form, new RegExp('^' + T[`attachment.${id}.label`]));
        assert.equal(await item.count(), 1, `the checklist asks for ${id}`);
        if (id === 'payslips') {
          await item.getByLabel(fill(T['ui.upload.choose'], { attachment: T['attachment.payslips.label'] }), { exact: true }).setInputFiles({ ...pdf, name: 'lonnsslipper.pdf' });
          await until('the payslips uploaded', async () => (await item.textContent()).includes('lonnsslipper.pdf') && (await item.textContent()).includes(T['checklist.status.provided']));
        } else if (att.status === 'later') {
          await item.getByLabel(T['ui.upload.later'], { exact: true }).check();
          await until(`${id} to be sent later`, async () => (await item.textContent()).includes(T['checklist.status.later']));
        }
      }
    }
    await check(page, `startlån: ${p.id}`);
    await next();
  }
  await onPage(page, T['ui.summary.title']);
  const summary = await form.evaluate((el) => el.shadowRoot.textContent);
  for (const s of ['Ola', 'Emma', 'Lindeveien 12', 'Lånekassen', 'lonnsslipper.pdf']) assert.ok(summary.includes(s), `the summary shows ${s}`);
  await check(page, 'startlån: summary');

  // Back through every page at 375 px; the answers stay.
  await page.setViewportSize(NARROW);
  await check(page, 'startlån: summary');
  for (let i = layout.pages.length - 1; i >= 0; i--) {
    await form.getByRole('button', { name: T['ui.previous'], exact: true }).click();
    await onPage(page, pages[i]);
    await check(page, `startlån: ${layout.pages[i].id}`);
  }
  assert.equal(await form.getByLabel(T['field.purpose.amount.label'], { exact: true }).inputValue(), '600000');

  // Forward in nynorsk, still at 375 px; then back in English at 1280 px.
  for (const [lang, size, forward] of [['nn', NARROW, true], ['en', WIDE, false]]) {
    const t = texts[lang];
    await form.getByRole('button', { name: t['ui.lang.' + lang], exact: true }).click();
    await page.setViewportSize(size);
    const order = forward ? titles(t).map((_, i) => i) : titles(t).map((_, i) => layout.pages.length - i);
    await onPage(page, titles(t)[order[0]]);
    for (const [k, i] of order.entries()) {
      if (k > 0) {
        await form.getByRole('button', { name: t[forward ? 'ui.next' : 'ui.previous'], exact: true }).click();
        await onPage(page, titles(t)[i]);
      }
      await check(page, `startlån in ${lang}: ${layout.pages[i]?.id || 'summary'}`);
    }
  }

  // In bokmål again to the summary, and sent.
  await form.getByRole('button', { name: texts.nb['ui.lang.nb'], exact: true }).click();
  for (let i = 1; i <= layout.pages.length; i++) {
    await next();
    await onPage(page, pages[i]);
  }
  await form.getByRole('button', { name: T['ui.submit'], exact: true }).click();
  await onPage(page, T['ui.receipt.title']);
  const reference = /STL-\d{4}-\d{6}/.exec(await form.locator('.ds-alert[data-color=success]').textContent())?.[0];
  assert.ok(reference, 'the receipt shows the reference');
  await check(page, 'startlån: receipt');
  assert.deepEqual(page.problems, [], 'no console errors (CSP violations included)');
  console.log('axe checked: ' + axe.checked.join(', '));
  record('walk', reference);
  await context.close();
});

// signIn signs the caseworker in at the queue's sign-in page.
async function signIn(page) {
  await page.goto(SKJEMA_URL + '/caseworker/');
  await page.getByLabel('E-postadresse').fill(process.env.CASEWORKER_EMAIL);
  await page.getByLabel('Passord').fill(process.env.CASEWORKER_PASSWORD);
  await page.getByRole('button', { name: 'Logg inn' }).click();
  await page.getByRole('heading', { name: 'Søknader', exact: true }).waitFor();
}

test('ettersending: the caseworker asks for the payslips, the citizen sends them from her link, the caseworker has them', async () => {
  const draft = await api('POST', 'drafts', { form: 'startlan', kommune: '0301', data: example });
  const receipt = await api('POST', 'forms/startlan/submissions', example, { 'Idempotency-Key': draft.id, Authorization: 'Bearer ' + draft.token });
  const ref = receipt.reference;
  const status = async () => (await api('GET', 'submissions/' + draft.id, undefined, { Authorization: 'Bearer ' + draft.token })).status;

  // The caseworker asks for the payslips alone, with a message.
  const cw = await open(browser);
  const page = cw.page;
  page.setDefaultTimeout(10000);
  await page.setViewportSize(WIDE);
  await signIn(page);
  await until(`${ref} in the list`, async () => {
    if (await page.getByRole('link', { name: ref }).count()) return true;
    await page.reload();
    return false;
  });
  await page.getByRole('link', { name: ref }).click();
  await page.locator('#case-ref').waitFor();
  await page.getByText('Be om dokumentasjon', { exact: true }).click();
  const ask = page.locator('form[action$="/documents"]');
  const documents = ask.getByRole('checkbox');
  await documents.first().waitFor();
  assert.equal(await documents.count(), Object.keys(example.attachments).length, 'every document the answers call for can be asked for');
  for (const box of await documents.all()) await box.uncheck();
  await ask.getByLabel(T['attachment.payslips.label'], { exact: true }).check();
  const message = 'Vi trenger lønnsslippene for de to siste månedene, for deg og Ola.';
  await ask.getByLabel('Melding til søkeren').fill(message);
  await check(page, 'caseworker: asking for documents');
  await ask.getByRole('button', { name: 'Be om dokumentasjonen' }).click();
  await page.getByText('Søkeren er bedt om dokumentasjonen').waitFor();
  await until('the application waiting for her', async () => (await status()) === 'awaiting_citizen');
  await page.goto(SKJEMA_URL + '/caseworker/applications/' + draft.id);
  assert.match(await page.locator('main').textContent(), new RegExp(message));
  await check(page, 'caseworker: waiting for documents');

  // The citizen resumes from her link: the message, one upload, the send.
  const citizen = await open(browser);
  const widget = citizen.page;
  widget.setDefaultTimeout(10000);
  await widget.setViewportSize(WIDE);
  await widget.goto(PAGE + '#skjema-resume=' + draft.id + '.' + draft.token);
  await onPage(widget, T['ui.documents.title']);
  const form = widget.locator('skjema-form');
  await form.getByText(message).waitFor();
  assert.equal(await form.locator('input[type=file]').count(), 1, 'one upload, for the payslips');
  assert.equal(await form.getByRole('checkbox').count(), 0, 'nothing to send later');
  assert.equal(await form.getByRole('button', { name: T['ui.next'], exact: true }).count(), 0, 'no pages to go through');
  assert.equal(await form.locator('.sk-steps').count(), 0, 'no steps');
  await check(widget, 'citizen: documents asked for');
  await widget.setViewportSize(NARROW);
  await check(widget, 'citizen: documents asked for');

  // Sent without the document: she is told what is missing, and it waits.
  const send = form.getByRole('button', { name: T['ui.documents.send'], exact: true });
  await send.click();
  const item = group(form, new RegExp('^' + T['attachment.payslips.label']));
  await until('error summary focused', async () => (await focused(widget)).className === 'ds-error-summary');
  const missing = fill(T['ui.documents.missing'], { attachment: T['attachment.payslips.label'] });
  assert.equal(await form.locator('.ds-error-summary a').textContent(), missing);
  assert.equal(await item.locator('.ds-validation-message').textContent(), missing, 'the error is at the upload too');
  assert.equal(await item.locator('input[type=file]').getAttribute('aria-invalid'), 'true');
  assert.match(await item.textContent(), new RegExp(T['checklist.status.missing']));
  await check(widget, 'citizen: documents sent without the document');
  assert.equal(await status(), 'awaiting_citizen');

  // With it.
  await item.getByLabel(fill(T['ui.upload.choose'], { attachment: T['attachment.payslips.label'] }), { exact: true }).setInputFiles({ ...pdf, name: 'lonnsslipper.pdf' });
  await until('the payslips uploaded', async () => (await item.textContent()).includes('lonnsslipper.pdf'));
  await until('the error gone with the upload', async () => !(await item.locator('.ds-validation-message').isVisible()) && !(await form.locator('.ds-error-summary').isVisible()));
  assert.match(await item.textContent(), new RegExp(T['checklist.status.provided']));
  await check(widget, 'citizen: the document uploaded');
  await send.click();
  await form.getByText(T['ui.status.in_review']).waitFor();
  await check(widget, 'citizen: documents sent');
  assert.equal(await status(), 'in_review');

  // Back in review, with the file, the same bytes.
  await page.reload();
  assert.equal(await page.locator('.cw-case-head .ds-tag').textContent(), 'Til behandling');
  const row = page.locator('section[aria-labelledby=h-attachments] tbody tr').filter({ has: page.getByRole('rowheader', { name: T['attachment.payslips.label'], exact: true }) });
  const file = row.getByRole('link', { name: 'lonnsslipper.pdf', exact: true });
  const res = await page.request.get(SKJEMA_URL + await file.getAttribute('href'));
  assert.equal(res.status(), 200);
  assert.deepEqual(Buffer.from(await res.body()), pdf.buffer, 'the caseworker gets the file she sent');
  const history = await page.locator('#h-history + table').textContent();
  assert.ok(history.includes('Bedt om dokumentasjon') && history.includes('Dokumentasjon sendt'), history);
  await check(page, 'caseworker: documents received');
  for (const p of [page, widget]) assert.deepEqual(p.problems, []);
  record('documents', ref);
});
