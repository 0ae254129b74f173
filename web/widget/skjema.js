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

const ASSETS = new URL('./', import.meta.url);
const API = new URL('../api/v1/', ASSETS);
const LANGS = ['nb', 'nn', 'en'];
const SAVE_DELAY = 700;
const MAX_FILE = 10 << 20;
const FILE_TYPES = 'application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png';
let uid = 0;

// h builds an element: h('p', {class: 'x', onclick: fn}, 'text', child).
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value' || k === 'checked') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

// JSON pointers over the document.
const split = (p) => p.split('/').slice(1);
function get(doc, p) {
  let v = doc;
  for (const k of split(p)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = v[k];
  }
  return v;
}
function set(doc, p, value) {
  const keys = split(p);
  let v = doc;
  keys.slice(0, -1).forEach((k, i) => {
    if (v[k] === null || typeof v[k] !== 'object') v[k] = /^\d+$/.test(keys[i + 1]) ? [] : {};
    v = v[k];
  });
  const last = keys[keys.length - 1];
  if (value === undefined) {
    if (Array.isArray(v)) v.splice(Number(last), 1); else delete v[last];
    prune(doc, keys.slice(0, -1));
  } else v[last] = value;
}
// prune removes objects left empty by a deletion, up to the top.
function prune(doc, keys) {
  for (let n = keys.length; n > 0; n--) {
    const parent = n === 1 ? doc : get(doc, '/' + keys.slice(0, n - 1).join('/'));
    const v = parent?.[keys[n - 1]];
    if (!v || typeof v !== 'object' || Array.isArray(v) || Object.keys(v).length) return;
    delete parent[keys[n - 1]];
  }
}
// textId: /household/2/givenName → household.givenName, as the text keys name fields.
const textId = (p) => split(p).filter((k) => !/^\d+$/.test(k)).join('.');
const domId = (p) => 'f' + p.replaceAll('/', '.');

// cond evaluates a layout or rules condition, as forms.Condition does on the server.
function cond(c, doc, item) {
  if (!c) return true;
  if (c.all) return c.all.every((x) => cond(x, doc, item));
  if (c.any) return c.any.some((x) => cond(x, doc, item));
  if (c.not) return !cond(c.not, doc, item);
  const read = (p) => (p.startsWith('/') ? get(doc, p) : get(item, '/' + p));
  if (c.some) return (read(c.some) || []).some((it) => cond(c.where, doc, it));
  const v = read(c.field);
  if ('present' in c) return (v !== undefined) === c.present;
  if (v === undefined) return false;
  if ('equals' in c) return JSON.stringify(v) === JSON.stringify(c.equals);
  if (c.in) return c.in.some((x) => JSON.stringify(x) === JSON.stringify(v));
  if (typeof v !== 'number') return false;
  if ('gt' in c) return v > c.gt;
  if ('gte' in c) return v >= c.gte;
  if ('lt' in c) return v < c.lt;
  if ('lte' in c) return v <= c.lte;
  return false;
}

// enumAt finds the allowed values of a field in the JSON Schema, following
// $ref, items and the branches of allOf/if-then.
function enumAt(schema, root, keys) {
  if (!schema || typeof schema !== 'object') return null;
  if (schema.$ref && schema.$ref.startsWith('#/')) return enumAt(get(root, schema.$ref.slice(1)), root, keys);
  if (keys.length === 0) {
    if (schema.enum) return schema.enum;
    for (const k of ['allOf', 'anyOf', 'oneOf']) for (const s of schema[k] || []) { const e = enumAt(s, root, keys); if (e) return e; }
    return null;
  }
  const [k, ...rest] = keys;
  const next = /^\d+$/.test(k) ? schema.items : schema.properties?.[k];
  const found = enumAt(next, root, rest);
  if (found) return found;
  for (const b of [...(schema.allOf || []), schema.then, schema.else].filter(Boolean)) { const e = enumAt(b, root, keys); if (e) return e; }
  return null;
}

class SkjemaForm extends HTMLElement {
  static observedAttributes = ['lang'];

  constructor() {
    super();
    this.root = this.attachShadow({ mode: 'open' });
    this.doc = {};
    this.page = 0;
    this.passed = new Set();
    this.errors = new Map(); // pointer → message, as last validated
    this.shown = new Set(); // pointers whose error is on screen
    this.checklist = [];
    this.returnFields = []; // pointers a caseworker asks to be fixed
    this.screening = { eligible: true, reasons: [] };
    this.draft = null; // {id, token, version}
    this.seq = 0;
  }

  // paper: a caseworker registering a paper application (see the top).
  get paper() { return this.hasAttribute('submit-url'); }

  // store remembers the draft of this tab's form, for a citizen who reloads
  // the page; a paper registration remembers nothing.
  get store() { return this.paper ? null : sessionStorage; }

  get lng() {
    const l = (this.getAttribute('lang') || document.documentElement.lang || 'nb').slice(0, 2);
    return LANGS.includes(l) ? l : 'nb';
  }

  attributeChangedCallback(name, was, now) {
    if (name === 'lang' && was !== now && this.def) this.relang();
  }

  async connectedCallback() {
    if (this.started) return;
    this.started = true;
    const css = h('link', { rel: 'stylesheet', href: new URL('skjema.css', ASSETS).href });
    this.box = h('div', { class: 'sk', lang: this.lng, 'data-color-scheme': 'light' }, h('p', { role: 'status' }, '…'));
    this.root.append(css, this.box);
    const form = this.getAttribute('form') || 'bostotte';
    try {
      this.def = await this.api('GET', 'forms/' + encodeURIComponent(form));
    } catch (e) {
      this.box.replaceChildren(h('div', { class: 'ds-alert', 'data-color': 'danger', role: 'alert' }, 'Skjemaet kunne ikke lastes. / The form could not be loaded.'));
      return;
    }
    this.layout = this.def.layout;
    this.pages = this.layout.pages;
    this.storageKey = 'skjema:' + form + ':' + (this.getAttribute('kommune') || '');
    await this.resume();
    this.render(false);
  }

  // t is a text of the form in the current language, with {name} filled in.
  t(key, vars) {
    const texts = this.def.texts[this.lng] || this.def.texts.nb;
    let s = texts[key] ?? this.def.texts.nb[key] ?? key;
    for (const [k, v] of Object.entries(vars || {})) s = s.replaceAll('{' + k + '}', v);
    return s;
  }

  async api(method, path, body, headers = {}) {
    const init = { method, headers: { 'Accept-Language': this.lng, ...headers } };
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) { init.body = JSON.stringify(body); init.headers['Content-Type'] = 'application/json'; }
    if (this.draft && !headers.Authorization && /^(drafts|submissions|forms\/[^/]+\/submissions)/.test(path)) init.headers.Authorization = 'Bearer ' + this.draft.token;
    const res = await fetch(new URL(path, API), init);
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (!res.ok) throw Object.assign(new Error(data?.detail || res.statusText), { status: res.status, problem: data || {} });
    return data;
  }

  // --- drafts ---------------------------------------------------------------

  async resume() {
    if (this.paper) return;
    const m = /skjema-resume=([0-9a-f]+)\.([\w-]+)/.exec(location.hash);
    const saved = m ? { id: m[1], token: m[2] } : JSON.parse(this.store.getItem(this.storageKey) || 'null');
    if (!saved) return;
    try {
      const d = await this.api('GET', 'drafts/' + saved.id, undefined, { Authorization: 'Bearer ' + saved.token });
      this.draft = { id: saved.id, token: saved.token, version: d.version };
      this.doc = d.data || {};
      this.message = d.message;
      this.returnFields = d.fields || [];
      this.store.setItem(this.storageKey, JSON.stringify(saved));
      if (d.status === 'awaiting_citizen') this.returned = true;
      else if (d.status !== 'draft') {
        this.status = await this.api('GET', 'submissions/' + saved.id);
        this.page = this.pages.length + 1;
        return;
      }
      // Coming back: the pages answered so far are passed.
      this.pages.forEach((p, i) => { if (p.fields.some((f) => get(this.doc, f.pointer) !== undefined)) { this.passed.add(p.id); this.page = i; } });
      // Returned: start where the first thing to fix is.
      if (this.returned && this.returnFields.length) this.page = Math.max(0, this.pageOf(this.returnFields[0]));
      await this.validate();
    } catch (e) {
      this.store.removeItem(this.storageKey);
      this.notice = e.status === 404 ? this.t('ui.error.resume') : this.t('ui.error.network');
    }
  }

  changed() {
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.save(), SAVE_DELAY);
  }

  // save writes the draft (creating it first), one request at a time.
  async save() {
    clearTimeout(this.saveTimer);
    if (this.status || this.submitting) return; // submitted: nothing more to save
    if (this.saving) { this.saveAgain = true; return this.saving; }
    this.saving = (async () => {
      try {
        if (!this.draft) {
          const kommune = this.getAttribute('kommune') || undefined;
          const d = await this.api('POST', 'drafts', { form: this.def.id, kommune, data: this.doc });
          this.draft = { id: d.id, token: d.token, version: 1 };
          this.store?.setItem(this.storageKey, JSON.stringify({ id: d.id, token: d.token }));
          this.renderSave();
        } else {
          const r = await this.api('PUT', 'drafts/' + this.draft.id, this.doc, { 'If-Match': '"' + this.draft.version + '"' });
          this.draft.version = r.version;
        }
        this.setStatus(this.t('ui.save.saved', { time: new Date().toLocaleTimeString(this.locale(), { hour: '2-digit', minute: '2-digit' }) }));
      } catch (e) {
        if (e.status === 409) this.alert(this.t('ui.error.conflict'));
        else { this.setStatus(this.t('ui.save.failed')); this.saveTimer = setTimeout(() => this.save(), 5000); }
      } finally {
        this.saving = null;
        if (this.saveAgain) { this.saveAgain = false; this.changed(); }
      }
    })();
    return this.saving;
  }

  locale() { return { nb: 'nb-NO', nn: 'nn-NO', en: 'en-GB' }[this.lng]; }

  setStatus(text) { if (this.statusEl && this.statusEl.textContent !== text) this.statusEl.textContent = text; }

  // --- validation -----------------------------------------------------------

  async validate(extraPage) {
    const pages = [...this.passed];
    if (extraPage && !pages.includes(extraPage)) pages.push(extraPage);
    const n = ++this.seq;
    const q = 'forms/' + this.def.id + '/validate?mode=partial&lang=' + this.lng + (pages.length ? '&pages=' + pages.join(',') : '');
    const r = await this.api('POST', q, this.doc);
    if (n !== this.seq) return null; // a newer answer is coming
    this.errors = new Map(r.errors.map((e) => [e.pointer, e.message]));
    this.checklist = r.checklist || [];
    this.screening = r.screening || { eligible: true, reasons: [] };
    return r;
  }

  // onLeave validates after the citizen leaves a field, and shows what the
  // server says of that field (and keeps fixed errors from lingering).
  async onLeave(pointer) {
    try { if (!(await this.validate())) return; } catch { return; }
    if (this.errors.has(pointer)) this.shown.add(pointer);
    this.paintErrors();
    // Answers on the checklist's own page can change what it asks for.
    if (this.pageOf(pointer) === this.page && this.pages[this.page].fields.some((f) => f.widget === 'checklist')) this.renderPage(false);
  }

  pageOf(pointer) {
    return this.pages.findIndex((p) => p.fields.some((f) => pointer === f.pointer || pointer.startsWith(f.pointer + '/')));
  }

  pageErrors(i) {
    return [...this.errors.keys()].filter((p) => this.pageOf(p) === i);
  }

  // paintErrors puts each shown error at its field.
  paintErrors() {
    for (const p of [...this.shown]) if (!this.errors.has(p)) this.shown.delete(p);
    for (const el of this.root.querySelectorAll('[data-pointer]')) {
      const p = el.dataset.pointer;
      const msg = this.shown.has(p) ? this.errors.get(p) : null;
      const slot = this.root.getElementById(domId(p) + '-err');
      if (slot) { slot.textContent = msg || ''; slot.hidden = !msg; }
      const inputs = el.matches('input,textarea,select') ? [el] : el.querySelectorAll('input,textarea,select');
      inputs.forEach((i) => (msg ? i.setAttribute('aria-invalid', 'true') : i.removeAttribute('aria-invalid')));
    }
    if (this.summaryEl && !this.summaryEl.hidden) this.fillSummary([...this.shown]);
  }

  // --- navigation -------------------------------------------------------------

  async next() {
    const page = this.pages[this.page];
    let r;
    try { r = await this.validate(page.id); } catch { return this.alert(this.t('ui.error.network')); }
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
    this.go(this.page + 1);
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

  go(i) {
    this.page = i;
    this.renderPage(true);
    if (i <= this.pages.length) this.save();
  }

  // fieldName names a field by its pointer: its short name or label, with
  // the group item it belongs to ("Fornavn til husstandsmedlem 2").
  fieldName(pointer) {
    const parts = pointer.split('/').slice(1);
    const index = parts.find((x) => /^\d+$/.test(x));
    const id = parts.filter((x) => !/^\d+$/.test(x)).join('.');
    const texts = this.def.texts[this.lng] || this.def.texts.nb;
    if (parts[0] === 'attachments' && parts.length === 2) return texts['attachment.' + parts[1] + '.label'] || pointer;
    const name = texts['field.' + id + '.name'] || texts['field.' + id + '.label'] || pointer;
    if (index === undefined) return name;
    return this.t('pattern.inGroup', { field: name, item: this.t('group.' + parts[0] + '.item', { n: Number(index) + 1 }) });
  }

  async submit(button) {
    button.disabled = true;
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
      this.go(this.pages.length + 1);
    } catch (e) {
      this.submitting = false;
      button.disabled = false;
      this.setStatus('');
      if (e.status === 422) {
        this.pages.forEach((p) => this.passed.add(p.id));
        this.errors = new Map((e.problem.errors || []).map((x) => [x.pointer, x.message]));
        if (!this.errors.size) for (const r of e.problem.reasons || []) this.errors.set('/eligibility', r);
        this.errors.forEach((_, p) => this.shown.add(p));
        return this.showSummary([...this.errors.keys()]);
      }
      this.alert(this.t(e.status === 409 ? 'ui.error.closed' : 'ui.error.network'));
    }
  }

  // --- rendering --------------------------------------------------------------

  relang() {
    this.box.lang = this.lng;
    const focused = this.root.activeElement?.id;
    this.render(false);
    if (focused) this.root.getElementById(focused)?.focus();
    // Messages come from the server in the language asked for.
    if (this.shown.size) this.validate().then((r) => r && this.paintErrors(), () => {});
  }

  render(focus) {
    const title = h('h2', { class: 'ds-heading', 'data-size': 'md', id: 'sk-title', tabindex: '-1' }, this.t('form.title'));
    const lang = h('div', { class: 'ds-field' },
      h('label', { class: 'ds-label', for: 'sk-lang' }, this.t('ui.language')),
      h('select', { class: 'ds-input', id: 'sk-lang', onchange: (e) => this.setAttribute('lang', e.target.value) },
        LANGS.map((l) => h('option', { value: l, selected: l === this.lng, lang: l }, this.t('ui.lang.' + l)))));
    this.statusEl = h('p', { class: 'sk-status', role: 'status' });
    this.steps = h('nav', { 'aria-label': this.t('ui.steps') });
    this.summaryEl = h('div', { class: 'ds-error-summary', tabindex: '-1', hidden: true, 'aria-labelledby': 'sk-errors-title' });
    this.alertEl = h('div', { class: 'ds-alert', 'data-color': 'danger', role: 'alert', hidden: true });
    this.pageEl = h('div');
    this.saveEl = h('div');
    this.box.replaceChildren(h('div', { class: 'sk-top' }, title, lang), this.steps, this.alertEl, this.summaryEl, this.pageEl, this.saveEl, this.statusEl);
    if (this.notice) { this.alert(this.notice); this.notice = null; }
    this.renderPage(focus);
    this.renderSave();
  }

  alert(text) {
    this.alertEl.textContent = text;
    this.alertEl.hidden = false;
  }

  renderSave() {
    if (!this.saveEl) return;
    // A paper registration offers no link to resume: it would not.
    if (!this.draft || this.page > this.pages.length || this.paper) return this.saveEl.replaceChildren();
    const link = location.href.split('#')[0] + '#skjema-resume=' + this.draft.id + '.' + this.draft.token;
    const copied = h('span', { role: 'status' });
    this.saveEl.replaceChildren(h('details', { class: 'sk-save' },
      h('summary', {}, this.t('ui.save.title')),
      h('p', {}, this.t('ui.save.intro')),
      h('div', { class: 'ds-field' },
        h('label', { class: 'ds-label', for: 'sk-link' }, this.t('ui.save.link')),
        h('input', { class: 'ds-input', id: 'sk-link', readonly: true, value: link, onfocus: (e) => e.target.select() })),
      h('p', {}, h('button', { type: 'button', class: 'ds-button', 'data-variant': 'tertiary', onclick: () => {
        navigator.clipboard?.writeText(link).then(() => { copied.textContent = this.t('ui.save.copied'); }, () => this.root.getElementById('sk-link').select());
      } }, this.t('ui.save.copy')), ' ', copied)));
  }

  renderSteps() {
    const n = this.pages.length + 1;
    const titles = [...this.pages.map((p) => this.t('page.' + p.id + '.title')), this.t('ui.summary.title')];
    if (this.page > this.pages.length) return this.steps.replaceChildren();
    this.steps.replaceChildren(
      h('p', { class: 'ds-paragraph', 'data-size': 'sm' }, this.t('ui.step', { n: this.page + 1, total: n })),
      h('ol', { class: 'sk-steps' }, titles.map((title, i) => {
        const done = i < this.pages.length && this.passed.has(this.pages[i].id) && i !== this.page;
        return h('li', { 'aria-current': i === this.page ? 'step' : false, 'data-done': done },
          title, done ? h('span', { class: 'ds-sr-only' }, ' (' + this.t('ui.stepDone') + ')') : null);
      })));
  }

  showSummary(pointers) {
    this.fillSummary(pointers);
    this.summaryEl.hidden = false;
    this.summaryEl.focus();
  }

  fillSummary(pointers) {
    if (!pointers.length) { this.summaryEl.hidden = true; return; }
    this.summaryEl.replaceChildren(
      h('h2', { class: 'ds-heading', 'data-size': 'xs', id: 'sk-errors-title' }, this.t('ui.errors.title')),
      h('ul', {}, pointers.map((p) => h('li', {}, h('a', { href: '#' + domId(p), class: 'ds-link', onclick: (e) => { e.preventDefault(); this.focusField(p); } }, this.errors.get(p))))));
  }

  focusField(pointer) {
    const i = this.pageOf(pointer);
    if (i >= 0 && i !== this.page) { this.page = i; this.renderPage(false); }
    let p = pointer;
    while (p && !this.root.getElementById(domId(p))) p = p.slice(0, p.lastIndexOf('/'));
    const el = this.root.getElementById(domId(p || pointer));
    const target = el?.matches('input,textarea,select,button') ? el : el?.querySelector('input,textarea,select,button');
    target?.focus();
    target?.scrollIntoView?.({ block: 'center' });
  }

  renderPage(focus) {
    this.alertEl.hidden = true;
    if (this.page !== this.lastPage) { this.summaryEl.hidden = true; this.lastPage = this.page; }
    this.renderSteps();
    this.renderSave();
    let body;
    if (this.page > this.pages.length) body = this.receipt();
    else if (this.page === this.pages.length) body = this.summaryPage();
    else body = this.formPage(this.pages[this.page]);
    const had = this.root.activeElement?.id; // a re-render keeps the citizen's place
    this.pageEl.replaceChildren(body);
    if (!focus && had && !this.root.activeElement) this.root.getElementById(had)?.focus();
    this.paintErrors();
    if (this.summaryEl.hidden === false) this.fillSummary([...this.shown].filter((p) => this.page >= this.pages.length || this.pageOf(p) === this.page));
    if (focus) this.root.getElementById('sk-page-title')?.focus();
  }

  formPage(page) {
    const intro = this.def.texts[this.lng]['page.' + page.id + '.intro'];
    const fields = page.fields.map((f) => this.field(f, f.pointer, null));
    const screening = !this.screening.eligible && this.screenTried && this.screens(page)
      ? h('div', { class: 'ds-alert', 'data-color': 'warning', id: 'sk-screening', tabindex: '-1' },
        h('h4', { class: 'ds-heading', 'data-size': 'xs' }, this.t('ui.screening.title')),
        this.screening.reasons.map((r) => h('p', {}, h('strong', {}, r.title), ' ', r.explanation)))
      : null;
    const nav = h('div', { class: 'sk-nav' },
      this.page > 0 ? h('button', { type: 'button', class: 'ds-button', 'data-variant': 'secondary', onclick: () => this.go(this.page - 1) }, this.t('ui.previous')) : null,
      h('button', { type: 'button', class: 'ds-button', 'data-variant': 'primary', onclick: () => this.next() }, this.t('ui.next')));
    return h('section', { class: 'sk-page', 'aria-labelledby': 'sk-page-title' },
      this.returned && this.message ? h('div', { class: 'ds-alert', 'data-color': 'info' },
        h('h4', { class: 'ds-heading', 'data-size': 'xs' }, this.t('ui.returned.title')), h('p', {}, this.message), h('p', {}, this.t('ui.returned.intro')),
        this.returnFields.length ? h('ul', {}, this.returnFields.map((p) => h('li', {},
          h('a', { href: '#' + domId(p), class: 'ds-link', onclick: (e) => { e.preventDefault(); this.focusField(p); } }, this.fieldName(p))))) : null) : null,
      h('h3', { class: 'ds-heading', 'data-size': 'sm', id: 'sk-page-title', tabindex: '-1' }, this.t('page.' + page.id + '.title')),
      intro ? h('p', { class: 'ds-paragraph' }, intro) : null,
      screening, fields, nav);
  }

  // field renders one layout field at a concrete pointer (item: the group
  // item it belongs to, for relative conditions).
  field(f, pointer, item) {
    if (f.widget === 'repeat') return this.repeat(f, pointer);
    if (f.widget === 'checklist') return this.checklistField(pointer);
    const id = domId(pointer);
    const tid = textId(pointer);
    const help = this.def.texts[this.lng]['field.' + tid + '.help'];
    const label = this.t('field.' + tid + '.label');
    const describedBy = [help ? id + '-help' : null, id + '-err'].filter(Boolean).join(' ');
    const err = h('p', { class: 'ds-validation-message', 'data-field': 'validation', id: id + '-err', hidden: true });
    const helpEl = help ? h('p', { 'data-field': 'description', id: id + '-help' }, help) : null;
    const value = get(this.doc, pointer);
    const wrap = (...kids) => {
      const el = h('div', { 'data-when': f.when ? '' : false }, ...kids);
      el.hidden = !cond(f.when, this.doc, item);
      el._when = () => cond(f.when, this.doc, item);
      return el;
    };
    const leave = () => this.onLeave(pointer);
    if (f.widget === 'yesno' || f.widget === 'radio') {
      const options = f.widget === 'yesno' ? [true, false] : enumAt(this.def.schema, this.def.schema, split(pointer)) || [];
      const name = id + '-' + ++uid;
      return wrap(h('fieldset', { class: 'ds-fieldset', id, 'data-pointer': pointer, 'aria-describedby': describedBy },
        h('legend', { class: 'ds-label' }, label), helpEl,
        options.map((o, i) => h('div', { class: 'ds-field' },
          h('input', { type: 'radio', class: 'ds-input', name, id: id + '-' + i, value: String(o), checked: value === o,
            onchange: () => { this.answer(pointer, o); leave(); } }),
          h('label', { class: 'ds-label', 'data-weight': 'regular', for: id + '-' + i },
            f.widget === 'yesno' ? this.t(o ? 'option.yes' : 'option.no') : this.t('option.' + tid + '.' + o)))),
        err));
    }
    if (f.widget === 'checkbox') {
      return wrap(h('div', { class: 'ds-field', 'data-pointer': pointer },
        h('input', { type: 'checkbox', class: 'ds-input', id, checked: value === true, 'aria-describedby': describedBy,
          onchange: (e) => { this.answer(pointer, e.target.checked ? true : undefined); leave(); } }),
        h('label', { class: 'ds-label', 'data-weight': 'regular', for: id }, label), helpEl, err));
    }
    const amount = f.widget === 'amount';
    const input = h(f.widget === 'textarea' ? 'textarea' : 'input', {
      class: 'ds-input' + (amount || f.inputmode === 'numeric' ? ' sk-short' : ''), id, 'data-pointer': pointer,
      type: f.widget === 'textarea' ? undefined : 'text', rows: f.widget === 'textarea' ? 4 : undefined,
      inputmode: amount ? 'numeric' : f.inputmode, autocomplete: f.autocomplete || (item ? 'off' : undefined),
      spellcheck: f.inputmode ? 'false' : undefined, 'aria-describedby': describedBy,
      value: value === undefined ? '' : String(value),
      oninput: (e) => this.answer(pointer, this.parse(e.target.value, amount)),
      onchange: leave,
    });
    return wrap(h('div', { class: 'ds-field' },
      h('label', { class: 'ds-label', for: id }, label), helpEl,
      amount ? h('div', { class: 'sk-amount' }, input, h('span', { 'aria-hidden': 'true' }, 'kr')) : input, err));
  }

  parse(raw, amount) {
    const s = raw.trim();
    if (s === '') return undefined;
    if (!amount) return raw;
    const digits = s.replace(/[\s\u00a0.]/g, '').replace(/(kr|,-|,00)$/i, '');
    return /^-?\d{1,15}$/.test(digits) ? Number(digits) : s;
  }

  // answer stores a value, shows and hides what depends on it, and saves.
  answer(pointer, value) {
    set(this.doc, pointer, value);
    for (const el of this.pageEl.querySelectorAll('[data-when]')) el.hidden = !el._when();
    this.changed();
  }

  repeat(f, pointer) {
    const tid = textId(pointer);
    const items = get(this.doc, pointer) || [];
    const list = items.map((item, i) => {
      const itemLabel = this.t('group.' + tid + '.item', { n: i + 1 });
      return h('fieldset', { class: 'sk-item', id: domId(pointer + '/' + i) },
        h('legend', {}, itemLabel.charAt(0).toUpperCase() + itemLabel.slice(1)),
        f.fields.map((inner) => this.field(inner, pointer + '/' + i + inner.pointer, item)),
        h('div', {}, h('button', { type: 'button', class: 'ds-button', 'data-variant': 'secondary', onclick: () => this.removeItem(pointer, i) },
          this.t('group.' + tid + '.remove', { item: itemLabel }))));
    });
    return h('div', { class: 'sk-group', id: domId(pointer), 'data-pointer': pointer },
      h('p', { class: 'ds-label' }, this.t('field.' + tid + '.label')),
      items.length ? list : h('p', { class: 'ds-paragraph' }, this.t('ui.group.empty')),
      h('p', { class: 'ds-validation-message', id: domId(pointer) + '-err', hidden: true }),
      h('div', {}, h('button', { type: 'button', class: 'ds-button', 'data-variant': 'secondary', id: domId(pointer) + '-add', onclick: () => this.addItem(pointer) },
        this.t('group.' + tid + '.add'))));
  }

  addItem(pointer) {
    const items = get(this.doc, pointer) || [];
    set(this.doc, pointer, [...items, {}]);
    this.changed();
    this.renderPage(false);
    this.root.getElementById(domId(pointer + '/' + items.length))?.querySelector('input')?.focus();
  }

  removeItem(pointer, i) {
    const items = (get(this.doc, pointer) || []).filter((_, j) => j !== i);
    set(this.doc, pointer, items.length ? items : undefined);
    // Errors below the removed item no longer point where they did.
    for (const p of [...this.shown]) if (p.startsWith(pointer + '/')) this.shown.delete(p);
    this.changed();
    this.renderPage(false);
    this.root.getElementById(domId(pointer) + '-add')?.focus();
    this.validate().then((r) => r && this.paintErrors(), () => {});
  }

  checklistField(pointer) {
    if (!this.checklist.length) return h('p', { class: 'ds-paragraph', 'data-pointer': pointer }, this.t('ui.upload.none'));
    return h('div', { class: 'sk-group' }, this.checklist.map((c) => {
      const p = pointer + '/' + c.id;
      const id = domId(p);
      const att = get(this.doc, p) || {};
      const files = att.files || [];
      const status = h('span', { class: 'ds-tag', 'data-color': c.status === 'provided' ? 'success' : c.status === 'later' ? 'info' : 'warning' }, this.t('checklist.status.' + c.status));
      return h('fieldset', { class: 'sk-item', id, 'data-pointer': p, 'aria-describedby': id + '-help ' + id + '-err' },
        h('legend', {}, c.label, ' ', status),
        h('p', { 'data-field': 'description', id: id + '-help' }, c.help || '', ' ', this.t('ui.upload.types')),
        files.length ? h('ul', { class: 'sk-files' }, files.map((file) => h('li', {}, file.name + ' (' + Math.max(1, Math.round(file.size / 1024)) + ' kB)',
          h('button', { type: 'button', class: 'ds-button', 'data-variant': 'tertiary', onclick: () => this.removeFile(c.id, file) }, this.t('ui.upload.remove', { name: file.name }))))) : null,
        h('div', { class: 'ds-field' },
          h('label', { class: 'ds-label', for: id + '-file' }, this.t('ui.upload.choose', { attachment: c.label })),
          h('input', { type: 'file', class: 'ds-input', id: id + '-file', accept: FILE_TYPES, 'aria-describedby': id + '-help ' + id + '-err',
            onchange: (e) => this.upload(c.id, e.target) })),
        h('div', { class: 'ds-field' },
          h('input', { type: 'checkbox', class: 'ds-input', id: id + '-later', checked: att.status === 'later', onchange: (e) => this.later(c.id, e.target.checked) }),
          h('label', { class: 'ds-label', 'data-weight': 'regular', for: id + '-later' }, this.t('ui.upload.later'))),
        h('p', { class: 'ds-validation-message', id: id + '-err', hidden: true }));
    }));
  }

  async upload(attachment, input) {
    const file = input.files[0];
    if (!file) return;
    const p = '/attachments/' + attachment;
    const fail = (reason) => {
      this.errors.set(p, this.t('ui.upload.failed', { name: file.name, reason }));
      this.shown.add(p);
      this.paintErrors();
      input.value = '';
    };
    if (file.size > MAX_FILE) return fail(this.t('ui.upload.tooLarge'));
    this.setStatus(this.t('ui.upload.uploading', { name: file.name }));
    try {
      if (!this.draft) await this.save();
      const form = new FormData();
      form.append('file', file, file.name);
      const stored = await this.api('POST', 'drafts/' + this.draft.id + '/files?attachment=' + encodeURIComponent(attachment), form);
      const att = get(this.doc, p) || {};
      set(this.doc, p, { status: 'uploaded', files: [...(att.files || []), { id: stored.id, name: stored.name, contentType: stored.contentType, size: stored.size }] });
      await this.save();
      this.setStatus(this.t('ui.upload.uploaded', { name: stored.name }));
      await this.validate().catch(() => {});
      this.renderPage(false);
      this.root.getElementById(domId(p) + '-file')?.focus();
    } catch (e) {
      this.setStatus('');
      fail(e.status === 415 ? this.t('ui.upload.badType') : e.status === 413 ? this.t('ui.upload.tooLarge') : e.message);
    }
  }

  async removeFile(attachment, file) {
    const p = '/attachments/' + attachment;
    try { await this.api('DELETE', 'drafts/' + this.draft.id + '/files/' + file.id); } catch (e) { if (e.status !== 404) return this.alert(this.t('ui.error.network')); }
    const att = get(this.doc, p) || {};
    const files = (att.files || []).filter((f) => f.id !== file.id);
    set(this.doc, p, files.length ? { ...att, files } : att.status === 'later' ? { status: 'later' } : undefined);
    await this.save();
    await this.validate().catch(() => {});
    this.renderPage(false);
    this.root.getElementById(domId(p) + '-file')?.focus();
  }

  async later(attachment, on) {
    const p = '/attachments/' + attachment;
    const att = get(this.doc, p) || {};
    if (on) set(this.doc, p, { ...att, status: 'later' });
    else set(this.doc, p, att.files?.length ? { ...att, status: 'uploaded' } : undefined);
    this.changed();
    await this.validate().catch(() => {});
    this.renderPage(false);
    this.root.getElementById(domId(p) + '-later')?.focus();
  }

  // --- summary and receipt -----------------------------------------------------

  format(f, pointer, v) {
    if (v === undefined) return this.t('ui.summary.unanswered');
    if (f.widget === 'yesno' || f.widget === 'checkbox') return this.t(v ? 'option.yes' : 'option.no');
    if (f.widget === 'radio') return this.t('option.' + textId(pointer) + '.' + v);
    if (f.widget === 'amount' && typeof v === 'number') return v.toLocaleString(this.locale()) + ' ' + this.t('ui.currency');
    return String(v);
  }

  rows(fields, prefix, item) {
    return fields.flatMap((f) => {
      const p = prefix + f.pointer;
      if (!cond(f.when, this.doc, item)) return [];
      if (f.widget === 'repeat') {
        const items = get(this.doc, p) || [];
        if (!items.length) return [h('dt', {}, this.t('field.' + textId(p) + '.label')), h('dd', {}, this.t('ui.group.empty'))];
        return items.flatMap((it, i) => {
          const label = this.t('group.' + textId(p) + '.item', { n: i + 1 });
          return [h('dt', {}, label.charAt(0).toUpperCase() + label.slice(1)),
            h('dd', {}, h('dl', {}, this.rows(f.fields, p + '/' + i, it)))];
        });
      }
      if (f.widget === 'checklist') {
        if (!this.checklist.length) return [h('dt', {}, this.t('field.attachments.label')), h('dd', {}, this.t('ui.upload.none'))];
        return this.checklist.flatMap((c) => [h('dt', {}, c.label), h('dd', {}, this.t('checklist.status.' + c.status),
          (get(this.doc, p + '/' + c.id)?.files || []).map((file) => ', ' + file.name))]);
      }
      return [h('dt', {}, this.t('field.' + textId(p) + '.label')), h('dd', {}, this.format(f, p, get(this.doc, p)))];
    });
  }

  summaryPage() {
    return h('section', { class: 'sk-page sk-summary', 'aria-labelledby': 'sk-page-title' },
      h('h3', { class: 'ds-heading', 'data-size': 'sm', id: 'sk-page-title', tabindex: '-1' }, this.t('ui.summary.title')),
      h('p', { class: 'ds-paragraph' }, this.t('ui.summary.intro')),
      this.pages.map((page, i) => {
        const title = this.t('page.' + page.id + '.title');
        return h('section', { 'aria-labelledby': 'sk-sum-' + page.id },
          h('h4', { class: 'ds-heading', 'data-size': 'xs', id: 'sk-sum-' + page.id }, title),
          h('dl', {}, this.rows(page.fields, '', null)),
          h('div', {}, h('button', { type: 'button', class: 'ds-button', 'data-variant': 'tertiary', onclick: () => this.go(i) }, this.t('ui.summary.change', { page: title.toLowerCase() }))));
      }),
      h('div', { class: 'sk-nav' },
        h('button', { type: 'button', class: 'ds-button', 'data-variant': 'secondary', onclick: () => this.go(this.page - 1) }, this.t('ui.previous')),
        h('button', { type: 'button', class: 'ds-button', 'data-variant': 'primary', onclick: (e) => this.submit(e.currentTarget) }, this.t('ui.submit'))));
  }

  receipt() {
    const s = this.status || {};
    const fresh = s.status === 'submitted' && this.page === this.pages.length + 1 && !s.updatedAt;
    return h('section', { class: 'sk-page', 'aria-labelledby': 'sk-page-title' },
      h('div', { class: 'ds-alert', 'data-color': 'success' },
        h('h3', { class: 'ds-heading', 'data-size': 'sm', id: 'sk-page-title', tabindex: '-1' }, this.t(fresh ? 'ui.receipt.title' : 'ui.status.title')),
        h('p', {}, this.t('ui.receipt.reference', { reference: s.reference || '' })),
        fresh ? null : h('p', {}, this.t('ui.status.' + s.status)),
        s.message ? h('p', {}, s.message) : null),
      h('p', { class: 'ds-paragraph' }, this.t('ui.receipt.next')),
      h('div', {}, h('button', { type: 'button', class: 'ds-button', 'data-variant': 'secondary', onclick: () => this.restart() }, this.t('ui.start'))));
  }

  restart() {
    this.store?.removeItem(this.storageKey);
    Object.assign(this, { doc: {}, draft: null, status: null, page: 0, passed: new Set(), errors: new Map(), shown: new Set(), checklist: [], returned: false, message: null, returnFields: [] });
    this.render(true);
  }
}

if (!customElements.get('skjema-form')) customElements.define('skjema-form', SkjemaForm);
