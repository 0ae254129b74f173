// Sign-in with ID-porten, and "Mine søknader". Mixed into the <skjema-form>
// element (skjema.js); `this` is the element.
//
// The widget lives on the kommune's site, where Skjema's own cookies are
// third-party ones a browser may block, so it never relies on them: "Logg
// inn" sends the whole page to Skjema and on to ID-porten (a top-level
// navigation), and ID-porten and Skjema send it back here with
// #skjema-signin=<code>. The code is traded once for a session token, kept
// in this tab's storage (the store getter: none in paper mode) and sent as a bearer token. A form whose
// layout asks for sign-in (layout.signIn) starts with the sign-in; the
// citizen's fødselsnummer is then ID-porten's, not typed.

import { h } from './render.js';
import { get, set } from './doc.js';

const ROOT = new URL('../', import.meta.url);
const CITIZEN_KEY = 'skjema:citizen:' + ROOT.origin;
// The secret of a sign-in this tab started: the code that comes back is
// traded only with it, so a code sent to another browser signs no one in.
const PENDING_KEY = 'skjema:signin:' + ROOT.origin;
// ID-porten's levels of assurance, lowest first (forms.Level).
const LEVELS = ['idporten-loa-substantial', 'idporten-loa-high'];

const base64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

export const signingIn = {
  // signInStart reads what the page came back with, and the session kept
  // in the tab.
  // The sign-in facts are asked for while the definition loads
  // (connectedCallback), not after it: a round trip less on a slow link.
  async signInStart() {
    if (this.paper) return;
    this.signInfo = await (this.signInfoLoading || this.api('GET', 'sign-in').catch(() => ({ idporten: false, anonymous: 'no' })));
    const hash = location.hash;
    let m;
    if ((m = /skjema-signin=([\w-]+)/.exec(hash))) {
      this.clearHash();
      const secret = this.store.getItem(PENDING_KEY);
      this.store.removeItem(PENDING_KEY);
      try {
        if (!secret) throw new Error('no sign-in was started here');
        const s = await this.api('POST', 'citizen/session', { code: m[1], secret });
        this.store.setItem(CITIZEN_KEY, s.token);
      } catch { this.notice = this.t('ui.signin.error.failed'); }
    } else if ((m = /skjema-signin-error=(\w+)/.exec(hash))) {
      this.clearHash();
      this.notice = this.t('ui.signin.error.' + (['cancelled', 'level'].includes(m[1]) ? m[1] : 'failed'));
    } else if (/skjema-signed-out/.test(hash)) {
      this.clearHash();
      this.info = this.t('ui.signin.signedOut');
    }
    const token = this.store.getItem(CITIZEN_KEY);
    if (!token) return;
    try {
      const c = await this.api('GET', 'citizen', undefined, { Authorization: 'Bearer ' + token });
      // A session from another form, signed in lower than this one asks:
      // not hers here until she signs in at this form's level (it stays
      // for the other form).
      if (LEVELS.indexOf(c.level) < LEVELS.indexOf(this.layout.signIn || LEVELS[0])) {
        this.notice = this.t('ui.signin.error.level');
        return;
      }
      this.citizen = { token, pid: c.pid, level: c.level };
      this.fillApplicant();
    } catch (e) {
      if (e.status === 401) this.store.removeItem(CITIZEN_KEY);
    }
  },

  clearHash() { history.replaceState(history.state, '', location.pathname + location.search); },

  // needsSignIn: the form asks for sign-in, and she has neither signed in
  // nor chosen the anonymous route where the installation keeps it open.
  // Where no ID-porten is configured and the anonymous route is open (a
  // developer's server), there is nothing to choose, and no such page.
  get needsSignIn() {
    if (this.paper || !this.layout.signIn || this.citizen || this.anonymous) return false;
    const info = this.signInfo || {};
    return Boolean(info.idporten) || info.anonymous === 'no';
  },

  // fillApplicant puts ID-porten's fødselsnummer in the form.
  fillApplicant() {
    if (this.citizen && this.layout.applicant) set(this.doc, this.layout.applicant, this.citizen.pid);
  },

  // citizenToken is the bearer for the draft: her session's, for a draft
  // that is hers.
  citizenToken() { return this.citizen && this.draft?.mine !== false ? this.citizen.token : null; },

  // signedOutHere: the session ended (idle, or signed out elsewhere). Her
  // answers are saved; she signs in again to go on.
  signedOutHere() {
    this.store?.removeItem(CITIZEN_KEY);
    this.citizen = null;
    this.notice = this.t('ui.signin.expired');
    this.render(true);
  },

  async signIn() {
    const back = new URL(location.href);
    back.hash = '';
    const secret = base64url(crypto.getRandomValues(new Uint8Array(32)));
    this.store.setItem(PENDING_KEY, secret);
    const binding = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(secret)));
    const url = new URL('auth/idporten/login', ROOT);
    url.search = new URLSearchParams({ form: this.def.id, lang: this.lng, return: back.href, binding }).toString();
    location.assign(url.href);
  },

  async signOut() {
    const back = new URL(location.href);
    back.hash = '';
    let out = {};
    try { out = await this.api('POST', 'citizen/sign-out', { return: back.href }, { Authorization: 'Bearer ' + this.citizen.token }); } catch { /* the session has ended anyway */ }
    this.store?.removeItem(CITIZEN_KEY);
    this.store?.removeItem(this.storageKey);
    this.unsaved = null; // on a shared computer, nothing of hers stays behind
    if (out.endSessionUrl) return location.assign(out.endSessionUrl);
    this.citizen = null;
    this.info = this.t('ui.signin.signedOut');
    this.restart();
  },

  // signInBar says who is signed in, with "Mine søknader" and "Logg ut".
  signInBar() {
    if (!this.citizen) return null;
    return h('div', { class: 'sk-citizen' },
      h('p', { class: 'ds-paragraph', 'data-size': 'sm' }, this.t('ui.signin.as', { pid: this.citizen.pid })),
      h('button', { type: 'button', class: 'ds-button', 'data-variant': 'tertiary', 'data-size': 'sm', onclick: () => this.showMine() }, this.t('ui.mine.title')),
      h('button', { type: 'button', class: 'ds-button', 'data-variant': 'tertiary', 'data-size': 'sm', onclick: () => this.signOut() }, this.t('ui.signin.out')));
  },

  // signInPage is the form's first page where it asks for sign-in.
  signInPage() {
    const info = this.signInfo || {};
    const anonymous = info.anonymous && info.anonymous !== 'no';
    return h('section', { class: 'sk-page', 'aria-labelledby': 'sk-page-title' },
      h('h3', { class: 'ds-heading', 'data-size': 'sm', id: 'sk-page-title', tabindex: '-1' }, this.t('ui.signin.title')),
      info.idporten
        ? [h('p', { class: 'ds-paragraph' }, this.t('ui.signin.intro')),
          h('div', { class: 'sk-nav' }, h('button', { type: 'button', class: 'ds-button', 'data-variant': 'primary', id: 'sk-signin', onclick: () => this.signIn() }, this.t('ui.signin.button')))]
        : h('div', { class: 'ds-alert', 'data-color': 'warning' }, h('p', {}, this.t('ui.signin.unavailable'))),
      anonymous
        ? h('div', { class: 'sk-anonymous' },
          h('p', { class: 'ds-paragraph' }, this.t(info.anonymous === 'review' ? 'ui.signin.anonymousReview' : 'ui.signin.anonymousOpen')),
          h('button', { type: 'button', class: 'ds-button', 'data-variant': 'secondary', id: 'sk-anonymous', onclick: () => { this.anonymous = true; this.renderPage(true); } }, this.t('ui.signin.anonymous')))
        : null);
  },

  // --- Mine søknader ------------------------------------------------------------

  async showMine() {
    try {
      const r = await this.api('GET', 'citizen/applications', undefined, { Authorization: 'Bearer ' + this.citizen.token });
      this.mine = r.applications;
    } catch (e) {
      if (e.status === 401) return; // api() has signed her out here
      return this.alert(this.t('ui.error.network'));
    }
    this.renderPage(true);
  },

  minePage() {
    const rows = this.mine.map((a) => {
      const open = a.status === 'draft' || a.status === 'awaiting_citizen';
      return h('tr', {},
        // Another form's application is named by its title, and its status
        // in that form's words, which the server sends.
        h('td', {}, a.form !== this.def.id && a.formTitle ? h('span', { class: 'sk-form' }, a.formTitle) : null, a.formTitle && a.form !== this.def.id ? ' ' : null,
          a.reference || this.t('ui.mine.noReference')),
        h('td', {}, a.statusText || this.t('ui.status.' + a.status)),
        h('td', {}, a.applicationMonth ? this.monthName(a.applicationMonth) : ''),
        h('td', {},
          a.signInLevel ? h('p', {}, this.t('ui.mine.level')) : null,
          (a.messages || []).map((m) => h('p', {}, h('strong', {}, this.t('ui.mine.kind.' + m.kind) + ' '
            + new Date(m.at).toLocaleDateString(this.locale(), { day: 'numeric', month: 'long', year: 'numeric' }) + ': '), m.text)),
          (a.letters || []).map((l) => h('p', {}, h('button', { type: 'button', class: 'ds-button', 'data-variant': 'tertiary', 'data-size': 'sm',
            onclick: () => this.download('citizen/applications/' + a.id + '/letters/' + l.id, l.name, { Authorization: 'Bearer ' + this.citizen.token }) },
          this.t('ui.mine.letter.' + l.kind)))),
          open && a.form === this.def.id ? h('button', { type: 'button', class: 'ds-button', 'data-variant': 'secondary', 'data-size': 'sm', onclick: () => this.openMine(a) }, this.t('ui.mine.continue')) : null,
          !open && a.form === this.def.id ? h('button', { type: 'button', class: 'ds-button', 'data-variant': 'tertiary', 'data-size': 'sm', onclick: () => this.showCopy(a) }, this.t('ui.mine.copy', { reference: a.reference || '' })) : null));
    });
    return h('section', { class: 'sk-page', 'aria-labelledby': 'sk-page-title' },
      h('h3', { class: 'ds-heading', 'data-size': 'sm', id: 'sk-page-title', tabindex: '-1' }, this.t('ui.mine.title')),
      this.mine.length
        ? h('table', { class: 'ds-table', 'data-size': 'sm' },
          h('thead', {}, h('tr', {}, ['reference', 'status', 'month', 'messages'].map((k) => h('th', { scope: 'col' }, this.t('ui.mine.' + k))))),
          h('tbody', {}, rows))
        : h('p', { class: 'ds-paragraph' }, this.t('ui.mine.none')),
      h('div', { class: 'sk-nav' }, h('button', { type: 'button', class: 'ds-button', 'data-variant': 'secondary', onclick: () => { this.mine = null; this.renderPage(true); } }, this.t('ui.mine.back'))));
  },

  // download saves a PDF the API sends her, under its name.
  async download(path, name, headers) {
    try {
      const url = URL.createObjectURL(await this.api('GET', path, undefined, headers));
      const a = h('a', { href: url, download: name, hidden: true });
      this.box.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch (e) {
      // 403: the receipt's hour has passed; her ID-porten session reads it.
      if (e.status !== 401) this.alert(this.t(e.status === 403 ? 'ui.error.copyLater' : 'ui.error.network'));
    }
  },

  // showCopy shows her copy of what she sent, as the summary page shows
  // answers, read-only.
  async showCopy(a) {
    try {
      const d = await this.api('GET', 'drafts/' + a.id, undefined, { Authorization: 'Bearer ' + this.citizen.token });
      this.copy = { app: a, doc: d.data || {} };
    } catch (e) {
      if (e.status === 401) return; // api() has signed her out here
      return this.alert(this.t('ui.error.network'));
    }
    this.renderPage(true);
  },

  copyPage() {
    const { app, doc } = this.copy;
    const mine = this.doc;
    this.doc = doc; // rows() reads the document shown
    try {
      return h('section', { class: 'sk-page sk-summary', 'aria-labelledby': 'sk-page-title' },
        h('h3', { class: 'ds-heading', 'data-size': 'sm', id: 'sk-page-title', tabindex: '-1' }, this.t('ui.mine.copyTitle', { reference: app.reference || '' })),
        h('p', { class: 'ds-paragraph' }, this.t('ui.status.' + app.status)),
        this.pages.map((page) => h('section', { 'aria-labelledby': 'sk-copy-' + page.id },
          h('h4', { class: 'ds-heading', 'data-size': 'xs', id: 'sk-copy-' + page.id }, this.t('page.' + page.id + '.title')),
          h('dl', {}, this.rows(page.fields, '', null)))),
        h('div', { class: 'sk-nav' },
          h('button', { type: 'button', class: 'ds-button', 'data-variant': 'primary',
            onclick: () => this.download('drafts/' + app.id + '/copy?lang=' + this.lng, (app.reference || app.id) + '.pdf', { Authorization: 'Bearer ' + this.citizen.token }) }, this.t('ui.receipt.copy')),
          h('button', { type: 'button', class: 'ds-button', 'data-variant': 'secondary', onclick: () => { this.copy = null; this.renderPage(true); } }, this.t('ui.mine.title'))));
    } finally {
      this.doc = mine;
    }
  },

  // openMine resumes one of her applications by its id: her session opens
  // it, on any device, without a link.
  async openMine(a) {
    this.mine = null;
    this.store?.setItem(this.storageKey, JSON.stringify({ id: a.id, mine: true }));
    Object.assign(this, { doc: {}, draft: null, status: null, page: 0, passed: new Set(), tried: new Set(), errors: new Map(), shown: new Set(), returned: false, documents: [] });
    await this.resume();
    this.render(true);
  },

  // --- Folkeregisteret -------------------------------------------------------------

  // prefill fills her own draft from Folkeregisteret, once it has facts
  // no more; a register that does not answer leaves her to fill in.
  async prefill() {
    if (this.resumeFailed) return; // her draft first: she tries again
    if (!this.citizen || this.status || this.returned) return;
    // Signed in on a device without her draft: her open application of
    // this form goes on here (the latest), rather than a new one.
    if (!this.draft && await this.resumeOwn()) return this.prefill();
    if (!this.layout.prefill || this.facts?.size) return;
    try {
      if (!this.draft) await this.save();
      if (!this.draft?.mine) return;
      const v = await this.api('POST', 'drafts/' + this.draft.id + '/prefill');
      this.doc = v.draft.data || {};
      this.draft.version = v.draft.version;
      this.facts = new Map(v.facts.map((p) => [p, get(this.doc, p)]));
      if (v.facts.length) this.info = this.t('ui.register.filled', { date: new Date(v.on + 'T12:00:00Z').toLocaleDateString(this.locale(), { day: 'numeric', month: 'long', year: 'numeric' }) });
    } catch (e) {
      if (e.status === 503) this.info = this.t('ui.register.unavailable');
    }
  },

  // resumeOwn resumes her latest open application of this form and
  // kommune, if she has one; it answers whether it did.
  async resumeOwn() {
    let list;
    try {
      list = (await this.api('GET', 'citizen/applications', undefined, { Authorization: 'Bearer ' + this.citizen.token })).applications || [];
    } catch { return false; }
    const kommune = this.getAttribute('kommune') || '';
    const open = list.find((a) => a.form === this.def.id && (!kommune || a.kommune === kommune) && (a.status === 'draft' || a.status === 'awaiting_citizen'));
    if (!open) return false;
    this.store?.setItem(this.storageKey, JSON.stringify({ id: open.id, mine: true }));
    await this.resume();
    return Boolean(this.draft);
  },

  // isFact: the answer is Folkeregisteret's, unchanged.
  isFact(pointer) {
    return Boolean(this.facts?.has(pointer)) && this.facts.get(pointer) === get(this.doc, pointer);
  },

  registeredItem(list, i) {
    const registered = this.layout.prefill?.member?.registered;
    return Boolean(registered) && this.isFact(list + '/' + i + '/' + registered);
  },

  // applicantLocked: her fødselsnummer comes from ID-porten.
  applicantLocked(pointer) {
    return Boolean(this.citizen) && pointer === this.layout.applicant && get(this.doc, pointer) === this.citizen.pid;
  },
};
