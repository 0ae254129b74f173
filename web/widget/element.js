// <skjema-form form="bostotte" kommune="0301" lang="nb">: a citizen's form,
// rendered from the form definition the Skjema server serves, validated by
// that server as the citizen goes, saved as a draft, submitted for a
// receipt. No framework and no build step; styles come from skjema.css,
// loaded into the element's shadow root, so the host page and the widget
// cannot break each other. Works under a strict Content-Security-Policy:
// no inline script or style, no eval.
//
// With submit-url="/caseworker/paper/" (and csrf) it is a caseworker's
// paper registration: the final submit goes to her endpoint, and it never
// resumes a draft, from a #skjema-resume= link or from storage, nor keeps
// one to resume, so a crafted link cannot fill a paper application with
// someone else's answers and one citizen's never carry over to the next.
//
// The element is this file, loaded by skjema.js (the embed's one script
// tag, which starts every download at once); what it does is mixed in from
// draft.js (the API and the draft), render.js (what the citizen sees) and
// signin.js (sign-in with ID-porten, "Mine søknader"), over doc.js (the
// document). Modules: no build step.

import { cond } from './doc.js';
import { drafting } from './draft.js';
import { definitionPath } from './skjema.js';
import { h, LANGS, rendering } from './render.js';
import { signingIn } from './signin.js';

const ASSETS = new URL('./', import.meta.url);

class SkjemaForm extends HTMLElement {
  static observedAttributes = ['lang'];

  constructor() {
    super();
    this.root = this.attachShadow({ mode: 'open' });
    this.doc = {};
    this.page = 0;
    this.passed = new Set();
    this.tried = new Set(); // steps she has pressed Neste on
    this.errors = new Map(); // pointer → message, as last validated
    this.shown = new Set(); // pointers whose error is on screen
    this.checklist = [];
    this.returnFields = []; // pointers a caseworker asks to be fixed
    this.documents = []; // attachments the kommune asks her to send, and nothing else
    this.screening = { eligible: true, reasons: [] };
    this.draft = null; // {id, token, version}
    this.seq = 0;
  }

  // pages are the form's steps her answers call for: a page whose `when`
  // does not hold is not asked, not listed and not summed up, as the
  // server drops its answers.
  get pages() { return this.layout.pages.filter((p) => cond(p.when, this.doc, null)); }

  // paper: a caseworker registering a paper application (see the top).
  get paper() { return this.hasAttribute('submit-url'); }

  // store remembers the draft of this tab's form, for a citizen who reloads
  // the page; a paper registration remembers nothing.
  get store() { return this.paper ? null : sessionStorage; }

  // lng: the embed's lang, else the kommune's official written language
  // (nynorsk kommuner), else the page's, else bokmål.
  get lng() {
    const l = (this.getAttribute('lang') || this.def?.kommune?.lang || document.documentElement.lang || 'nb').slice(0, 2);
    return LANGS.includes(l) ? l : 'nb';
  }

  attributeChangedCallback(name, was, now) {
    if (name === 'lang' && was !== now && this.def) this.switchTo(this.lng);
  }

  // switchTo shows the form in another language, once its texts are here.
  async switchTo(lang) {
    if (!this.def.texts[lang]) {
      try {
        const other = await this.api('GET', 'forms/' + encodeURIComponent(this.def.id) + '?lang=' + lang);
        this.def.texts[lang] = other.texts[lang];
      } catch { return this.alert(this.t('ui.error.network')); }
    }
    if (lang === this.lng) this.relang();
  }

  async connectedCallback() {
    if (this.started) return;
    this.started = true;
    const css = h('link', { rel: 'stylesheet', href: new URL('skjema.css', ASSETS).href });
    // Before the form's texts have come, the loading state in its language.
    const loading = { nb: 'Laster skjemaet …', nn: 'Lastar skjemaet …', en: 'Loading the form …' }[this.lng];
    this.box = h('div', { class: 'sk', lang: this.lng, 'data-color-scheme': 'light' }, h('p', { role: 'status', class: 'sk-loading' }, loading));
    this.root.append(css, this.box);
    const form = this.getAttribute('form') || 'bostotte';
    if (!this.paper) this.signInfoLoading = this.api('GET', 'sign-in').catch(() => ({ idporten: false, anonymous: 'no' }));
    try {
      this.def = await this.api('GET', definitionPath(this));
    } catch (e) {
      this.box.replaceChildren(h('div', { class: 'ds-alert', 'data-color': 'danger', role: 'alert' }, 'Skjemaet kunne ikke lastes. / The form could not be loaded.'));
      return;
    }
    this.box.lang = this.lng; // the kommune's written language may decide it
    this.layout = this.def.layout;
    this.storageKey = 'skjema:' + form + ':' + (this.getAttribute('kommune') || '');
    this.hostTitle = document.title;
    // A message is never added or taken away between a mouse press and its
    // release: the control under the pointer must stay there (review F9).
    this.box.addEventListener('pointerdown', () => { this.pressing = true; });
    addEventListener('pointerup', () => setTimeout(() => {
      this.pressing = false;
      if (this.paintLater) { this.paintLater = false; this.paintErrors(); }
    }), true);
    addEventListener('popstate', (e) => this.popped(e.state?.skjemaStep));
    // Leaving with answers the server has not confirmed asks first.
    if (!this.paper) addEventListener('beforeunload', (e) => { if (this.unsaved) { e.preventDefault(); e.returnValue = ''; } });
    await this.signInStart();
    await this.resume();
    await this.prefill();
    this.rememberStep();
    this.render(false);
  }

  // texts are the form's texts in the language asked for, or while they
  // are on their way, the one shown (the definition holds one language's
  // until a switch).
  get texts() { return this.def.texts[this.lng] || Object.values(this.def.texts)[0]; }

  // t is a text of the form in the current language, with {name} filled in.
  t(key, vars) {
    let s = this.texts[key] ?? key;
    for (const [k, v] of Object.entries(vars || {})) s = s.replaceAll('{' + k + '}', v);
    return s;
  }

  locale() { return { nb: 'nb-NO', nn: 'nn-NO', en: 'en-GB' }[this.lng]; }

  setStatus(text) { if (this.statusEl && this.statusEl.textContent !== text) this.statusEl.textContent = text; }

  pageOf(pointer) {
    return this.pages.findIndex((p) => p.fields.some((f) => pointer === f.pointer || pointer.startsWith(f.pointer + '/')));
  }

  pageErrors(i) {
    return [...this.errors.keys()].filter((p) => this.pageOf(p) === i);
  }

  // --- navigation -------------------------------------------------------------

  // next checks the step's answers and goes on (to the summary, when she
  // came from it); on a slow link the button says it is working.
  async next(button, to = this.page + 1) {
    const page = this.pages[this.page];
    this.tried.add(page.id);
    const was = this.statusEl?.textContent || '';
    button?.setAttribute('aria-busy', 'true');
    this.setStatus(this.t('ui.checking'));
    let r;
    try { r = await this.validate(page.id); } catch { return this.alert(this.t('ui.error.network'), true); } finally {
      button?.removeAttribute('aria-busy');
      if (this.statusEl?.textContent === this.t('ui.checking')) this.setStatus(was);
    }
    if (!r) return;
    const mine = this.pageErrors(this.page);
    mine.forEach((p) => this.shown.add(p));
    if (mine.length) {
      this.paintErrors();
      return this.showSummary(mine);
    }
    if (!this.screening.eligible && this.screens(page)) {
      this.screenTried = true;
      this.renderPage(false);
      return this.root.getElementById('sk-screening')?.focus();
    }
    this.passed.add(page.id);
    this.go(to);
  }

  // screens says whether a page asks what the form's screening rules read:
  // that page does not let an ineligible applicant go on.
  screens(page) {
    const reads = [];
    const walk = (c) => {
      if (!c) return;
      if (c.field?.startsWith('/')) reads.push(c.field);
      if (c.some) reads.push(c.some);
      [...(c.all || []), ...(c.any || []), c.not].forEach(walk);
    };
    (this.def.rules?.screening || []).forEach((r) => walk(r.when));
    return page.fields.some((f) => reads.some((p) => p === f.pointer || p.startsWith(f.pointer + '/')));
  }

  // go shows step i as a page of its own in the browser's history, so that
  // Back and Forward move between steps and a reload stays on it
  // (popped: the browser moved already).
  go(i, popped) {
    if (i >= this.pages.length) this.fromSummary = false;
    this.page = i;
    if (!popped) history.pushState({ ...history.state, skjemaStep: i }, '');
    this.renderPage(true);
    if (i <= this.pages.length) this.save();
  }

  // rememberStep puts the step she is on in this history entry, once her
  // draft is read (a reload then comes back to it).
  rememberStep() {
    if (!this.resumeFailed) history.replaceState({ ...history.state, skjemaStep: this.page }, '');
  }

  // popped follows the browser's Back and Forward between the steps she
  // has reached; never back into a form she has sent.
  popped(step) {
    // A receipt is only ever shown for what was sent (this.status).
    if (!Number.isInteger(step) || step === this.page || step > this.pages.length || this.status || this.mine || this.copy) return;
    if (step < this.pages.length ? step === 0 || this.passed.has(this.pages[step - 1].id) : this.pages.every((p) => this.passed.has(p.id))) this.go(step, true);
  }

  // fieldName names a field by its pointer: its short name or label, with
  // the group item it belongs to ("Fornavn til husstandsmedlem 2").
  fieldName(pointer) {
    const parts = pointer.split('/').slice(1);
    const index = parts.find((x) => /^\d+$/.test(x));
    const id = parts.filter((x) => !/^\d+$/.test(x)).join('.');
    const texts = this.texts;
    if (parts[0] === 'attachments' && parts.length === 2) return texts['attachment.' + parts[1] + '.label'] || pointer;
    const name = texts['field.' + id + '.name'] || texts['field.' + id + '.label'] || pointer;
    if (index === undefined) return name;
    return this.t('pattern.inGroup', { field: name, item: this.t('group.' + parts[0] + '.item', { n: Number(index) + 1 }) });
  }
}

for (const mixin of [drafting, rendering, signingIn]) Object.defineProperties(SkjemaForm.prototype, Object.getOwnPropertyDescriptors(mixin));

if (!customElements.get('skjema-form')) customElements.define('skjema-form', SkjemaForm);
