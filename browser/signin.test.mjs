// Sign-in with ID-porten from a kommune's page on another origin, in a
// Chromium that blocks third-party cookies (cmd/skjema/TestSignInInBrowser
// starts the server, the local ID-porten and the kommune's site).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axe, KOMMUNE_URL, launch, open, record, texts } from './lib.mjs';

const nb = texts.nb;
const PID = process.env.PERSON_PID;

test('a citizen signs in with ID-porten from the kommune page and out again', async () => {
  const browser = await launch({ blockThirdPartyCookies: true });
  try {
    const { page } = await open(browser);
    await page.goto(KOMMUNE_URL);
    const widget = page.locator('skjema-form');

    // The form asks for sign-in; the anonymous route (for review) is offered too.
    await widget.getByRole('heading', { name: nb['ui.signin.title'] }).waitFor();
    await widget.getByRole('button', { name: nb['ui.signin.anonymous'] }).waitFor();
    await axe(page, 'sign-in');

    // To Skjema, on to ID-porten's TestID page, and back.
    await widget.getByRole('button', { name: nb['ui.signin.button'] }).click();
    await page.getByRole('heading', { name: 'TestID' }).waitFor();
    await page.getByLabel(new RegExp(PID)).check();
    await page.getByRole('button', { name: 'Logg inn' }).click();
    await page.waitForURL((u) => u.href.startsWith(KOMMUNE_URL));
    await widget.getByText(nb['ui.signin.as'].replace('{pid}', PID)).waitFor();
    assert.equal(new URL(page.url()).hash, '', 'the one-time code is gone from the address');

    // Filled from Folkeregisteret, and told so.
    await widget.getByText(nb['ui.register.filled'].split('{date}')[0].trim()).waitFor();
    await axe(page, 'signed in');

    // The first page's answers, then the applicant's page: her
    // fødselsnummer is ID-porten's, and locked.
    const group = (name) => widget.getByRole('group', { name, exact: true });
    for (const id of ['conscript', 'student', 'childUnder18', 'institution']) {
      const g = group(nb[`field.eligibility.${id}.label`]);
      if (await g.isVisible()) await g.getByLabel(nb['option.no'], { exact: true }).check();
    }
    await widget.getByRole('button', { name: nb['ui.next'] }).click();
    const fnr = widget.getByLabel(nb['field.applicant.fodselsnummer.label']);
    await fnr.waitFor();
    assert.equal(await fnr.inputValue(), PID);
    assert.equal(await fnr.getAttribute('readonly'), '', 'the fødselsnummer is read-only');
    await widget.getByText(nb['ui.signin.fromIdporten']).waitFor();
    // Her name is Folkeregisteret's, shown as a fact.
    const given = widget.getByLabel(nb['field.applicant.givenName.label']);
    assert.equal(await given.inputValue(), process.env.PERSON_NAME.split(' ')[0]);
    assert.equal(await given.getAttribute('readonly'), '', 'a fact from the register is read-only');
    // The widget kept no cookie of Skjema's on the kommune's site.
    const cookies = await page.context().cookies(KOMMUNE_URL);
    assert.deepEqual(cookies.filter((c) => c.name.startsWith('skjema')), [], 'no Skjema cookie on the kommune site');
    await axe(page, 'signed in, applicant');
    await page.waitForTimeout(1200); // the autosave of her draft
    await widget.getByRole('button', { name: nb['ui.mine.title'] }).click();
    await widget.getByRole('heading', { name: nb['ui.mine.title'] }).waitFor();
    await widget.getByRole('cell', { name: nb['ui.status.draft'] }).waitFor();
    await axe(page, 'Mine søknader');
    await widget.getByRole('button', { name: nb['ui.mine.continue'] }).click();
    await widget.getByRole('button', { name: nb['ui.mine.title'] }).waitFor();

    // Signing out ends the session at ID-porten too, and comes back here.
    await widget.getByRole('button', { name: nb['ui.signin.out'] }).click();
    await page.waitForURL((u) => u.href.startsWith(KOMMUNE_URL));
    await widget.getByText(nb['ui.signin.signedOut']).waitFor();
    await widget.getByRole('button', { name: nb['ui.signin.button'] }).waitFor();
    assert.deepEqual(page.problems, [], 'console errors');
    record('signed-in', PID);
  } finally {
    await browser.close();
  }
});
