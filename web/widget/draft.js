// The widget's drafts and its calls to the Skjema API: the draft created on
// the first answer and saved as the citizen goes (one request at a time),
// resumed from a link or this tab's storage, validated by the server,
// uploads, and the final submit. Mixed into the <skjema-form> element
// (skjema.js); `this` is the element.

import { domId, get, merge, set } from './doc.js';
import { early } from './skjema.js';

const API = new URL('../api/v1/', import.meta.url);
const SAVE_DELAY = 700;
const MAX_FILE = 10 << 20;

// refused tells the server's "no" to what was sent (a 4xx other than a
// sign-in, a conflict or a rate limit) from a service that did not answer.
const refused = (e) => e.status >= 400 && e.status < 500 && ![401, 409, 429].includes(e.status);
// tooLow: her session is below the level of sign-in the form asks for.
const tooLow = (e) => e.status === 403 && /sign-in-level$/.test(e.problem?.type || '');

export const drafting = {
  async api(method, path, body, headers = {}) {
    const init = { method, headers: { 'Accept-Language': this.lng, ...headers } };
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) { init.body = JSON.stringify(body); init.headers['Content-Type'] = 'application/json'; }
    // A signed-in citizen's own draft opens with her session; any other
    // with its resume token.
    const own = this.citizenToken();
    if (!headers.Authorization && /^(drafts|submissions|forms\/[^/]+\/submissions)/.test(path) && (own || this.draft)) {
      init.headers.Authorization = 'Bearer ' + (own || this.draft.token);
    }
    // A GET the embed's script started already is answered from there.
    const started = method === 'GET' && early.get(path);
    early.delete(path);
    const res = (started && await started) || await fetch(new URL(path, API), init);
    if (res.ok && res.headers.get('Content-Type') === 'application/pdf') return res.blob();
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (!res.ok) {
      // Her session refused, whichever call carried it: she is signed out here.
      if (res.status === 401 && this.citizen && init.headers.Authorization === 'Bearer ' + this.citizen.token) setTimeout(() => this.signedOutHere());
      throw Object.assign(new Error(data?.detail || res.statusText), { status: res.status, problem: data || {} });
    }
    return data;
  },

  // unsaved is this tab's copy of answers the server has not confirmed:
  // { id, doc } (id null before the draft exists). It outlives a reload,
  // an outage and a proxy's error page, and goes once the server has them.
  get unsaved() { return JSON.parse(this.store?.getItem(this.storageKey + ':unsaved') || 'null'); },
  set unsaved(v) { v ? this.store?.setItem(this.storageKey + ':unsaved', JSON.stringify(v)) : this.store?.removeItem(this.storageKey + ':unsaved'); },

  // resume opens the draft a resume link names, else the one this tab
  // was filling (noLink: the link did not open, so hers), and answers
  // whether it put answers of hers on the page.
  async resume(noLink) {
    if (this.paper) return false;
    const m = !noLink && /skjema-resume=([0-9a-f]+)\.([\w-]+)/.exec(location.hash);
    const stored = JSON.parse(this.store.getItem(this.storageKey) || 'null');
    const saved = m ? { id: m[1], token: m[2] } : stored;
    const kept = this.unsaved;
    // Answers typed before any draft could be made (the server down from
    // the start) are still hers.
    if (!saved && kept && !kept.id) { this.doc = kept.doc; this.changed(); return true; }
    if (!saved) return false;
    // Her own draft opens only with her session: signed out, it waits for
    // her to sign in again.
    if (saved.mine && !this.citizen) return false;
    const mine = Boolean(saved.mine);
    try {
      const d = await this.api('GET', 'drafts/' + saved.id, undefined, { Authorization: 'Bearer ' + (mine ? this.citizen.token : saved.token) });
      this.draft = { id: saved.id, token: saved.token, version: d.version, mine };
      this.doc = d.data || {};
      this.base = JSON.stringify(this.doc);
      // What this tab typed and the server never confirmed goes on top of
      // what it has now, answer by answer (another window may have saved
      // other answers meanwhile: review F14).
      if (kept?.id === saved.id && ['draft', 'awaiting_citizen'].includes(d.status)) {
        const m = kept.base ? merge(this.doc, JSON.parse(kept.base), kept.doc) : { doc: kept.doc, conflicts: [] };
        this.doc = m.doc;
        // An upload's parts are named by their attachment.
        const named = m.conflicts.map((p) => (p.startsWith('/attachments/') ? p.split('/').slice(0, 3).join('/') : p));
        if (m.conflicts.length) this.notice = this.t('ui.error.merged', { fields: [...new Set(named.map((p) => this.fieldName(p)))].join(', ') });
        this.changed();
      }
      if (mine && d.facts) this.facts = new Map(d.facts.map((p) => [p, get(this.doc, p)]));
      this.message = d.message;
      this.returnFields = d.fields || [];
      this.documents = d.documents || [];
      this.store.setItem(this.storageKey, JSON.stringify(saved));
      if (d.status === 'awaiting_citizen') this.returned = true;
      else if (d.status === 'draft' && this.citizen && !mine) {
        // Started before she signed in: her answers go on in a draft of
        // her own, with her fødselsnummer from ID-porten.
        this.draft = null;
        this.fillApplicant();
      } else if (d.status !== 'draft') {
        if (kept?.id === saved.id) this.unsaved = null; // no longer hers to change
        this.status = await this.api('GET', 'submissions/' + saved.id);
        this.page = this.pages.length + 1;
        return true;
      }
      // Coming back: the pages answered so far are passed.
      this.pages.forEach((p, i) => { if (p.fields.some((f) => get(this.doc, f.pointer) !== undefined)) { this.passed.add(p.id); this.page = i; } });
      // A reload stays on the step she was on.
      const step = history.state?.skjemaStep;
      if (Number.isInteger(step) && step <= this.page + 1 && step <= this.pages.length) this.page = step;
      // Returned: start where the first thing to fix is.
      if (this.returned && this.returnFields.length) this.page = Math.max(0, this.pageOf(this.returnFields[0]));
      await this.validate();
      return true;
    } catch (e) {
      // Signed in too low for this form: nothing is forgotten; she signs in
      // at the form's level.
      if (tooLow(e)) { this.notice = this.t('ui.signin.error.level'); return false; }
      // Only the server's own "not yours" or "gone" forgets the draft; an
      // outage or a proxy's error keeps it, and the answers not yet saved.
      if ([401, 403, 404].includes(e.status)) {
        this.notice = this.t('ui.error.resume');
        // A link that does not open (mistyped, someone else's, or gone)
        // leaves the draft this tab was filling, and its unsaved answers, be.
        if (m && (stored || kept)) {
          this.notice = null;
          const opened = await this.resume(true);
          this.notice ||= this.t(opened ? 'ui.error.resumeLink' : 'ui.error.resume'); // unless hers had its own to say
          return false;
        }
        if (m) return false;
        this.store.removeItem(this.storageKey);
        // Her draft is gone (purged, or sent and closed elsewhere): what
        // this tab still holds of it goes on in a new one.
        if (e.status === 404 && kept?.id === saved.id) {
          this.draft = null;
          this.doc = kept.doc;
          this.changed();
          this.notice = this.t('ui.error.resumeKept');
          return true;
        }
        if (kept?.id === saved.id) this.unsaved = null;
        return false;
      }
      this.resumeFailed = true;
      return false;
    }
  },

  // lookup shows what the register says of an answer as it is typed: the
  // poststed (and kommune) of a postnummer. A stale answer is dropped.
  async lookup(kind, value, el) {
    const v = (value || '').trim();
    el.dataset.want = v;
    if (kind !== 'postnummer' || !/^\d{4}$/.test(v)) { el.textContent = ''; return; }
    let text = '';
    try {
      const p = await this.api('GET', 'postnummer/' + v);
      text = p.poststed + (p.kommunenavn ? ', ' + p.kommunenavn : '');
    } catch { /* unknown, or no register: the validation says what is wrong */ }
    if (el.dataset.want === v) el.textContent = text;
  },

  changed() {
    clearTimeout(this.saveTimer);
    this.edits = (this.edits || 0) + 1;
    if (!this.status && !this.submitting) this.unsaved = { id: this.draft?.id || null, doc: this.doc, base: this.base };
    this.saveTimer = setTimeout(() => this.save(), SAVE_DELAY);
  },

  // save writes the draft (creating it first), one request at a time.
  async save() {
    clearTimeout(this.saveTimer);
    if (this.status || this.submitting) return; // submitted: nothing more to save
    if (this.saving) { this.saveAgain = true; return this.saving; }
    const edits = this.edits;
    const sent = JSON.stringify(this.doc);
    this.saving = (async () => {
      try {
        if (!this.draft) {
          const kommune = this.getAttribute('kommune') || undefined;
          const mine = Boolean(this.citizen);
          const d = await this.api('POST', 'drafts', { form: this.def.id, kommune, data: this.doc },
            mine ? { Authorization: 'Bearer ' + this.citizen.token } : {});
          this.draft = { id: d.id, token: d.token, version: 1, mine };
          this.store?.setItem(this.storageKey, JSON.stringify({ id: d.id, token: d.token, mine }));
          this.renderSave();
        } else {
          const r = await this.api('PUT', 'drafts/' + this.draft.id, this.doc, { 'If-Match': '"' + this.draft.version + '"' });
          this.draft.version = r.version;
        }
        this.base = sent; // what the server has now
        if (this.edits === edits) this.unsaved = null; // the server has every answer
        this.setStatus(this.t('ui.save.saved', { time: new Date().toLocaleTimeString(this.locale(), { hour: '2-digit', minute: '2-digit' }) }));
      } catch (e) {
        if (e.status === 409) this.alert(this.t('ui.error.conflict'));
        else if (tooLow(e)) this.alert(this.t('ui.signin.error.level'));
        else if (refused(e)) this.alert(this.t('ui.error.refused')); // trying again would not help
        else { this.setStatus(this.t('ui.save.failed')); this.saveTimer = setTimeout(() => this.save(), 5000); }
      } finally {
        this.saving = null;
        if (this.saveAgain) { this.saveAgain = false; this.changed(); }
      }
    })();
    return this.saving;
  },

  async validate(extraPage) {
    const pages = [...this.passed];
    if (extraPage && !pages.includes(extraPage)) pages.push(extraPage);
    const n = ++this.seq;
    const kommune = this.getAttribute('kommune');
    const q = 'forms/' + this.def.id + '/validate?mode=partial&lang=' + this.lng + (pages.length ? '&pages=' + pages.join(',') : '') +
      (this.paper ? '&channel=paper' : '') + (/^\d{4}$/.test(kommune || '') ? '&kommune=' + kommune : '');
    const r = await this.api('POST', q, this.doc);
    if (n !== this.seq) return null; // a newer answer is coming
    this.errors = new Map(r.errors.map((e) => [e.pointer, e.message]));
    this.checklist = r.checklist || [];
    this.screening = r.screening || { eligible: true, reasons: [] };
    this.month = r.applicationMonth; // the month a submit now would be for
    this.kommune = r.kommune; // the kommune that handles it
    return r;
  },

  // onLeave validates after the citizen leaves a field, and shows what the
  // server says of that field (and keeps fixed errors from lingering).
  async onLeave(pointer) {
    try { if (!(await this.validate())) return; } catch { return; }
    // An error is first said when she tries to go on (Aksel); after that,
    // and on pages she has passed, as she answers.
    const step = this.pages[this.pageOf(pointer)]?.id;
    if (this.errors.has(pointer) && (this.tried.has(step) || this.passed.has(step))) this.shown.add(pointer);
    this.paintErrors();
    // Answers on the checklist's own page can change what it asks for.
    if (this.pageOf(pointer) === this.page && this.pages[this.page].fields.some((f) => f.widget === 'checklist')) this.renderPage(false);
  },

  async submit(button) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    this.setStatus(this.t('ui.submitting'));
    try {
      await this.save();
      if (!this.draft) throw Object.assign(new Error('no draft'), { status: 0 });
      this.submitting = true; // no autosave may race the submit
      // A caseworker's page registering a paper application sends the final
      // submit to her own endpoint (submit-url), with her session's CSRF token.
      const paper = this.getAttribute('submit-url');
      const receipt = paper
        ? await this.api('POST', new URL(paper + this.draft.id, location.href).href, this.doc,
          { 'X-CSRF-Token': this.getAttribute('csrf') || '', Authorization: 'Bearer ' + this.draft.token })
        : await this.api('POST', 'forms/' + this.def.id + '/submissions?lang=' + this.lng, this.doc, { 'Idempotency-Key': this.draft.id });
      this.status = receipt;
      this.unsaved = null;
      this.setStatus(''); // "Lagret klokken …" is no news on the receipt
      this.go(this.pages.length + 1);
    } catch (e) {
      this.submitting = false;
      button.disabled = false;
      button.removeAttribute('aria-busy');
      this.setStatus('');
      if (e.status === 422) {
        this.pages.forEach((p) => this.passed.add(p.id));
        this.errors = new Map((e.problem.errors || []).map((x) => [x.pointer, x.message]));
        if (!this.errors.size) for (const r of e.problem.reasons || []) this.errors.set('/eligibility', r);
        this.errors.forEach((_, p) => this.shown.add(p));
        return this.showSummary([...this.errors.keys()]);
      }
      this.alert(this.t(e.status === 409 ? 'ui.error.closed' : refused(e) ? 'ui.error.refused' : 'ui.error.network'), true);
    }
  },

  async upload(attachment, input) {
    const file = input.files[0];
    if (!file) return;
    const p = '/attachments/' + attachment;
    const fail = (reason) => {
      this.errors.set(p, this.t('ui.upload.failed', { name: file.name, reason }));
      // Said, not only shown (4.1.3), and said again for a second refusal
      // of the same file: a live region speaks a change, not the same text.
      this.setStatus('');
      setTimeout(() => this.setStatus(this.t('ui.upload.failed', { name: file.name, reason })), 100);
      this.shown.add(p);
      this.paintErrors();
      input.value = '';
    };
    if (file.size > MAX_FILE) return fail(this.t('ui.upload.tooLarge'));
    this.setStatus(this.t('ui.upload.uploading', { name: file.name }));
    this.uploading = attachment;
    this.renderPage(false);
    try {
      if (!this.draft) await this.save();
      const form = new FormData();
      form.append('file', file, file.name);
      const stored = await this.api('POST', 'drafts/' + this.draft.id + '/files?attachment=' + encodeURIComponent(attachment), form);
      const att = get(this.doc, p) || {};
      set(this.doc, p, { status: 'uploaded', files: [...(att.files || []), { id: stored.id, name: stored.name, contentType: stored.contentType, size: stored.size }] });
      await this.save();
      this.uploading = null;
      this.setStatus(this.t('ui.upload.uploaded', { name: stored.name }));
      await this.validate().catch(() => {});
      this.renderPage(false);
      this.root.getElementById(domId(p) + '-file')?.focus();
    } catch (e) {
      this.uploading = null;
      this.renderPage(false);
      this.setStatus('');
      fail(e.status === 415 ? this.t('ui.upload.badType') : e.status === 413 ? this.t('ui.upload.tooLarge') : e.message);
    }
  },

  async removeFile(attachment, file) {
    const p = '/attachments/' + attachment;
    try { await this.api('DELETE', 'drafts/' + this.draft.id + '/files/' + file.id); } catch (e) { if (e.status !== 404) return this.alert(this.t('ui.error.network')); }
    const att = get(this.doc, p) || {};
    const files = (att.files || []).filter((f) => f.id !== file.id);
    set(this.doc, p, files.length ? { ...att, files } : att.status === 'later' ? { status: 'later' } : undefined);
    await this.save();
    this.setStatus(this.t('ui.upload.removed', { name: file.name }));
    await this.validate().catch(() => {});
    this.renderPage(false);
    this.root.getElementById(domId(p) + '-file')?.focus();
  },

  async later(attachment, on) {
    const p = '/attachments/' + attachment;
    const att = get(this.doc, p) || {};
    if (on) set(this.doc, p, { ...att, status: 'later' });
    else set(this.doc, p, att.files?.length ? { ...att, status: 'uploaded' } : undefined);
    this.changed();
    await this.validate().catch(() => {});
    this.renderPage(false);
    this.root.getElementById(domId(p) + '-later')?.focus();
    const item = this.checklist.find((c) => c.id === attachment);
    if (item) this.setStatus(item.label + ': ' + this.t('checklist.status.' + item.status));
  },
};
