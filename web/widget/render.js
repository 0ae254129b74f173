// What the citizen sees: the pages, fields, repeating groups, the
// attachment checklist, errors where they belong and in a summary, the
// summary page and the receipt. Mixed into the <skjema-form> element
// (skjema.js); `this` is the element.

import { cond, domId, enumAt, get, requiredAt, set, split, textId } from './doc.js';

// LANG_NAMES are the languages, each in itself.
const LANG_NAMES = { nb: 'Bokmål', nn: 'Nynorsk', en: 'English' };
export const LANGS = ['nb', 'nn', 'en'];
const FILE_TYPES = 'application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png';
let uid = 0;

// h builds an element: h('p', {class: 'x', onclick: fn}, 'text', child).
export function h(tag, attrs, ...children) {
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

export const rendering = {
  // paintErrors puts each shown error at its field.
  paintErrors() {
    if (this.pressing) { this.paintLater = true; return; }
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
  },

  relang() {
    this.box.lang = this.lng;
    const focused = this.root.activeElement?.id;
    this.render(false);
    if (focused) this.root.getElementById(focused)?.focus();
    // Messages, the checklist and the screening's reasons come from the
    // server in the language asked for: ask again, and show them.
    if (this.draft || this.shown.size) {
      this.validate().then((r) => {
        if (!r) return;
        const at = this.root.activeElement?.id;
        this.renderPage(false);
        if (at) this.root.getElementById(at)?.focus();
      }, () => {});
    }
  },

  render(focus) {
    const title = h('h2', { class: 'ds-heading', 'data-size': 'md', id: 'sk-title', tabindex: '-1' }, this.t('form.title'));
    // Three buttons, each its language's own name in that language: a
    // choice made on purpose, never on an arrow key (3.2.2).
    const lang = h('div', { role: 'group', class: 'sk-langs', 'aria-label': this.t('ui.language') },
      LANGS.map((l) => h('button', { type: 'button', class: 'ds-button', id: 'sk-lang-' + l, 'data-size': 'sm', lang: l,
        'data-variant': l === this.lng ? 'secondary' : 'tertiary', 'aria-pressed': String(l === this.lng),
        onclick: () => this.setAttribute('lang', l) }, LANG_NAMES[l])));
    this.statusEl = h('p', { class: 'sk-status', role: 'status' });
    this.steps = h('nav', { 'aria-label': this.t('ui.steps') });
    this.summaryEl = h('div', { class: 'ds-error-summary', role: 'region', tabindex: '-1', hidden: true, 'aria-labelledby': 'sk-errors-title' });
    this.alertEl = h('div', { class: 'ds-alert', 'data-color': 'danger', role: 'alert', hidden: true });
    this.pageEl = h('div');
    this.saveEl = h('div');
    this.infoEl = h('div', { class: 'ds-alert', 'data-color': 'info', role: 'status', hidden: true });
    // replaceChildren, unlike h, would write a null (no sign-in bar) as "null".
    this.box.replaceChildren(...[h('div', { class: 'sk-top' }, title, lang), this.signInBar(), this.steps, this.alertEl, this.infoEl, this.summaryEl,
      this.pageEl, this.statusEl, this.saveEl].filter(Boolean));
    this.renderPage(focus);
    // After the page, which starts by hiding the last page's alert.
    if (this.notice) { this.alert(this.notice); this.notice = null; }
    if (this.info) { this.infoEl.textContent = this.info; this.infoEl.hidden = false; this.info = null; }
    this.renderSave();
  },

  // alert says what went wrong, above the page. inView brings it into
  // view, for an answer to a button she pressed at the foot of a long page
  // (never while she types: an autosave's alert must not move the page).
  alert(text, inView) {
    this.alertEl.textContent = text;
    this.alertEl.hidden = false;
    if (inView) this.alertEl.scrollIntoView?.({ block: 'nearest' });
  },

  renderSave() {
    if (!this.saveEl) return;
    // A paper registration offers no link to resume: it would not.
    if (!this.draft || this.page > this.pages.length || this.paper || this.mine || this.copy) return this.saveEl.replaceChildren();
    // Her own draft needs no link: she finds it under Mine søknader.
    if (this.draft.mine) return this.saveEl.replaceChildren(h('p', { class: 'ds-paragraph', 'data-size': 'sm' }, this.t('ui.save.mine')));
    this.saveEl.replaceChildren(h('details', { class: 'sk-save ds-details' },
      h('summary', {}, this.t('ui.save.title')),
      h('p', {}, this.t('ui.save.intro')),
      ...this.linkField()));
  },

  // linkField is the resume link of a draft that is not hers (she did not
  // sign in), to copy and keep: the one way back on another device.
  linkField() {
    const link = location.href.split('#')[0] + '#skjema-resume=' + this.draft.id + '.' + this.draft.token;
    const copied = h('span', { role: 'status' });
    return [
      h('div', { class: 'ds-field' },
        h('label', { class: 'ds-label', for: 'sk-link' }, this.t('ui.save.link')),
        h('input', { class: 'ds-input', id: 'sk-link', readonly: true, value: link, onfocus: (e) => e.target.select() })),
      h('p', {}, h('button', { type: 'button', class: 'ds-button', 'data-variant': 'tertiary', onclick: () => {
        navigator.clipboard?.writeText(link).then(() => { copied.textContent = this.t('ui.save.copied'); }, () => this.root.getElementById('sk-link').select());
      } }, this.t('ui.save.copy')), ' ', copied)];
  },

  renderSteps() {
    const n = this.pages.length + 1;
    const titles = [...this.pages.map((p) => this.t('page.' + p.id + '.title')), this.t('ui.summary.title')];
    if (this.page > this.pages.length || this.mine || this.copy || this.needsSignIn || (this.returned && this.documents.length)) return this.steps.replaceChildren();
    // The list folds away on a narrow screen, so that the first question
    // is on it; a step she has finished opens from it.
    this.steps.replaceChildren(h('details', { class: 'sk-stepsbox', open: matchMedia('(min-width: 40em)').matches },
      h('summary', { class: 'ds-paragraph', 'data-size': 'sm' }, this.t('ui.step', { n: this.page + 1, total: n }) + ': ' + titles[this.page]),
      h('ol', { class: 'sk-steps' }, titles.map((title, i) => {
        const done = i < this.pages.length && this.passed.has(this.pages[i].id) && i !== this.page;
        return h('li', { 'aria-current': i === this.page ? 'step' : false, 'data-done': done },
          done ? h('button', { type: 'button', class: 'sk-steplink', onclick: () => this.go(i) }, title, h('span', { class: 'ds-sr-only' }, ' (' + this.t('ui.stepDone') + ')')) : title);
      }))));
  },

  showSummary(pointers) {
    this.fillSummary(pointers);
    this.summaryEl.hidden = false;
    this.summaryEl.focus();
    this.title();
  },

  fillSummary(pointers) {
    if (!pointers.length) { this.summaryEl.hidden = true; return this.title(); } // no longer "Feil:"
    this.summaryEl.replaceChildren(
      h('h3', { class: 'ds-heading', 'data-size': 'xs', id: 'sk-errors-title' }, this.t('ui.errors.title')),
      h('ul', {}, pointers.map((p) => h('li', {}, h('a', { href: '#' + domId(p), class: 'ds-link', onclick: (e) => { e.preventDefault(); this.focusField(p); } }, this.errors.get(p))))));
  },

  focusField(pointer) {
    const i = this.pageOf(pointer);
    if (i >= 0 && i !== this.page) { this.page = i; this.renderPage(false); }
    let p = pointer;
    while (p && !this.root.getElementById(domId(p))) p = p.slice(0, p.lastIndexOf('/'));
    const el = this.root.getElementById(domId(p || pointer));
    const target = el?.matches('input,textarea,select,button') ? el : el?.querySelector('input,textarea,select,button');
    target?.focus();
    target?.scrollIntoView?.({ block: 'center' });
  },

  renderPage(focus) {
    this.alertEl.hidden = true;
    if (this.page !== this.lastPage) { this.summaryEl.hidden = true; this.lastPage = this.page; }
    this.renderSteps();
    this.renderSave();
    let body;
    if (this.resumeFailed) body = this.retryPage();
    else if (this.copy) body = this.copyPage();
    else if (this.mine) body = this.minePage();
    else if (this.needsSignIn) body = this.signInPage();
    else if (this.page > this.pages.length) body = this.receipt();
    else if (this.returned && this.documents.length) body = this.documentsPage();
    else if (this.page === this.pages.length) body = this.summaryPage();
    else body = this.formPage(this.pages[this.page]);
    const had = this.root.activeElement?.id; // a re-render keeps the citizen's place
    this.pageEl.replaceChildren(body);
    if (!focus && had && !this.root.activeElement) this.root.getElementById(had)?.focus();
    this.paintErrors();
    if (this.summaryEl.hidden === false) this.fillSummary([...this.shown].filter((p) => this.page >= this.pages.length || this.pageOf(p) === this.page));
    if (focus) this.root.getElementById('sk-page-title')?.focus();
    this.title();
  },

  // title says in the browser's title where she is, and that there are
  // errors to fix (2.4.2, as GOV.UK and NAV do); keep-title on the element
  // leaves the kommune's page title alone.
  title() {
    const where = this.root.getElementById('sk-page-title')?.textContent;
    if (!where || this.paper || this.hasAttribute('keep-title')) return;
    const errors = this.summaryEl.hidden ? '' : this.t('ui.errors.titlePrefix') + ' ';
    document.title = errors + [where, this.t('form.title'), this.hostTitle].filter(Boolean).join(' – ');
  },

  formPage(page) {
    const intro = this.texts['page.' + page.id + '.intro'];
    const fields = page.fields.map((f) => this.field(f, f.pointer, null));
    const screening = !this.screening.eligible && this.screenTried && this.screens(page)
      ? h('div', { class: 'ds-alert', 'data-color': 'warning', id: 'sk-screening', tabindex: '-1' },
        h('h4', { class: 'ds-heading', 'data-size': 'xs' }, this.t('ui.screening.title')),
        this.screening.reasons.map((r) => h('p', {}, h('strong', {}, r.title), ' ', r.explanation)))
      : null;
    const nav = h('div', { class: 'sk-nav' },
      this.fromSummary ? h('button', { type: 'button', class: 'ds-button', 'data-variant': 'primary', onclick: (e) => this.next(e.currentTarget, this.pages.length) }, this.t('ui.summary.back')) : null,
      this.page > 0 ? h('button', { type: 'button', class: 'ds-button', 'data-variant': 'secondary', onclick: () => this.go(this.page - 1) }, this.t('ui.previous')) : null,
      h('button', { type: 'button', class: 'ds-button', 'data-variant': 'primary', onclick: (e) => this.next(e.currentTarget) }, this.t('ui.next')));
    return h('section', { class: 'sk-page', 'aria-labelledby': 'sk-page-title' },
      this.returned && this.message ? h('div', { class: 'ds-alert', 'data-color': 'info' },
        h('h4', { class: 'ds-heading', 'data-size': 'xs' }, this.t('ui.returned.title')), h('p', {}, this.message), h('p', {}, this.t('ui.returned.intro')),
        this.returnFields.length ? h('ul', {}, this.returnFields.map((p) => h('li', {},
          h('a', { href: '#' + domId(p), class: 'ds-link', onclick: (e) => { e.preventDefault(); this.focusField(p); } }, this.fieldName(p))))) : null) : null,
      h('h3', { class: 'ds-heading', 'data-size': 'sm', id: 'sk-page-title', tabindex: '-1' }, this.t('page.' + page.id + '.title')),
      intro ? h('p', { class: 'ds-paragraph' }, intro) : null,
      screening, fields, nav);
  },

  // field renders one layout field at a concrete pointer (item: the group
  // item it belongs to, for relative conditions).
  field(f, pointer, item) {
    if (f.widget === 'repeat') return this.repeat(f, pointer);
    if (f.widget === 'checklist') return this.checklistField(pointer);
    const id = domId(pointer);
    const tid = textId(pointer);
    const help = this.applicantLocked(pointer) ? this.t('ui.signin.fromIdporten')
      : this.isFact(pointer) ? this.t('ui.register.fromHelp') : this.texts['field.' + tid + '.help'];
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
    // A lookup (the poststed of a postnummer) is shown after the answer.
    const found = f.lookup ? h('p', { class: 'sk-lookup', id: id + '-lookup', 'aria-live': 'polite' }) : null;
    const locked = this.applicantLocked(pointer) || this.isFact(pointer);
    const input = h(f.widget === 'textarea' ? 'textarea' : 'input', {
      class: 'ds-input' + (amount || f.inputmode === 'numeric' ? ' sk-short' : ''), id, 'data-pointer': pointer, readonly: locked,
      type: f.widget === 'textarea' ? undefined : 'text', rows: f.widget === 'textarea' ? 4 : undefined,
      inputmode: amount ? 'numeric' : f.inputmode, autocomplete: f.autocomplete || (item ? 'off' : undefined),
      spellcheck: f.inputmode ? 'false' : undefined, 'aria-describedby': found ? describedBy + ' ' + id + '-lookup' : describedBy,
      value: value === undefined ? '' : String(value),
      oninput: (e) => {
        this.answer(pointer, this.parse(e.target.value, amount));
        if (found) this.lookup(f.lookup, e.target.value, found);
      },
      onchange: leave,
    });
    if (found && value !== undefined) this.lookup(f.lookup, String(value), found);
    return wrap(h('div', { class: 'ds-field' },
      h('label', { class: 'ds-label', for: id }, label), helpEl,
      amount ? h('div', { class: 'sk-amount' }, input, h('span', { 'aria-hidden': 'true' }, 'kr')) : input, found, err));
  },

  parse(raw, amount) {
    const s = raw.trim();
    if (s === '') return undefined;
    if (!amount) return raw;
    const digits = s.replace(/[\s\u00a0.]/g, '').replace(/(kr|,-|,00)$/i, '');
    return /^-?\d{1,15}$/.test(digits) ? Number(digits) : s;
  },

  // answer stores a value, shows and hides what depends on it, and saves.
  answer(pointer, value) {
    set(this.doc, pointer, value);
    for (const el of this.pageEl.querySelectorAll('[data-when]')) el.hidden = !el._when();
    this.changed();
  },

  repeat(f, pointer) {
    const tid = textId(pointer);
    const items = get(this.doc, pointer) || [];
    const list = items.map((item, i) => {
      const itemLabel = this.t('group.' + tid + '.item', { n: i + 1 });
      return h('fieldset', { class: 'sk-item', id: domId(pointer + '/' + i) },
        h('legend', {}, itemLabel.charAt(0).toUpperCase() + itemLabel.slice(1)),
        f.fields.map((inner) => this.field(inner, pointer + '/' + i + inner.pointer, item)),
        // A person registered here is removed only by Husbanken: she says
        // instead that the person does not live here.
        this.registeredItem(pointer, i) ? null : h('div', {}, h('button', { type: 'button', class: 'ds-button', 'data-variant': 'secondary', onclick: () => this.removeItem(pointer, i) },
          this.t('group.' + tid + '.remove', { item: itemLabel }))));
    });
    return h('fieldset', { class: 'sk-group sk-repeat', id: domId(pointer), 'data-pointer': pointer },
      h('legend', { class: 'ds-label' }, this.t('field.' + tid + '.label')),
      items.length ? list : h('p', { class: 'ds-paragraph' }, this.t('ui.group.empty')),
      h('p', { class: 'ds-validation-message', id: domId(pointer) + '-err', hidden: true }),
      h('div', {}, h('button', { type: 'button', class: 'ds-button', 'data-variant': 'secondary', id: domId(pointer) + '-add', onclick: () => this.addItem(pointer) },
        this.t('group.' + tid + '.add'))));
  },

  addItem(pointer) {
    const items = get(this.doc, pointer) || [];
    set(this.doc, pointer, [...items, {}]);
    this.changed();
    this.renderPage(false);
    this.root.getElementById(domId(pointer + '/' + items.length))?.querySelector('input')?.focus();
  },

  removeItem(pointer, i) {
    const removed = this.t('group.' + textId(pointer) + '.item', { n: i + 1 });
    const items = (get(this.doc, pointer) || []).filter((_, j) => j !== i);
    set(this.doc, pointer, items.length ? items : undefined);
    // Errors below the removed item no longer point where they did.
    for (const p of [...this.shown]) if (p.startsWith(pointer + '/')) this.shown.delete(p);
    this.changed();
    this.renderPage(false);
    this.root.getElementById(domId(pointer) + '-add')?.focus();
    this.setStatus(this.t('ui.group.removed', { item: removed.charAt(0).toUpperCase() + removed.slice(1) }));
    this.validate().then((r) => r && this.paintErrors(), () => {});
  },

  // checklistField lists the documents to upload: the checklist's, or
  // only those the kommune asked for (asked: then none can wait).
  checklistField(pointer, asked) {
    const items = asked || this.checklist;
    if (!items.length) return h('p', { class: 'ds-paragraph', 'data-pointer': pointer }, this.t('ui.upload.none'));
    return h('div', { class: 'sk-group' }, items.map((c) => {
      const p = pointer + '/' + c.id;
      const id = domId(p);
      const att = get(this.doc, p) || {};
      const files = att.files || [];
      const status = h('span', { class: 'ds-tag', 'data-color': c.status === 'provided' ? 'success' : c.status === 'later' ? 'info' : 'warning' }, this.t('checklist.status.' + c.status));
      // Aksel's and Altinn's upload: a button and a drop zone in words of
      // the form's language (not the browser's "No file chosen"), a table
      // of what is uploaded, and the error by the button.
      const pick = (list) => list?.length && this.upload(c.id, { files: list, set value(v) {} });
      return h('fieldset', { class: 'sk-item', id, 'data-pointer': p, 'aria-describedby': id + '-help ' + id + '-err' },
        h('legend', {}, h('span', {}, c.label), ' ', status),
        h('p', { 'data-field': 'description', id: id + '-help' }, c.help || '', ' ', this.t('ui.upload.types')),
        files.length ? h('table', { class: 'ds-table sk-files', 'data-size': 'sm' },
          h('caption', { class: 'ds-sr-only' }, this.t('ui.upload.table', { attachment: c.label })),
          h('thead', {}, h('tr', {}, ['name', 'size', 'status'].map((k) => h('th', { scope: 'col' }, this.t('ui.upload.col.' + k))), h('td', {}))),
          h('tbody', {}, files.map((file) => h('tr', {},
            h('td', {}, file.name), h('td', {}, Math.max(1, Math.round(file.size / 1024)) + ' kB'), h('td', {}, this.t('ui.upload.done')),
            h('td', {}, h('button', { type: 'button', class: 'ds-button', 'data-variant': 'tertiary', 'data-size': 'sm', onclick: () => this.removeFile(c.id, file) },
              this.t('ui.upload.remove', { name: file.name }))))))) : null,
        h('div', { class: 'sk-drop', ondragover: (e) => { e.preventDefault(); e.currentTarget.dataset.over = ''; },
          ondragleave: (e) => { delete e.currentTarget.dataset.over; }, ondrop: (e) => { e.preventDefault(); delete e.currentTarget.dataset.over; pick(e.dataTransfer?.files); } },
          h('input', { type: 'file', class: 'sk-file', id: id + '-file', accept: FILE_TYPES, 'aria-describedby': id + '-help ' + id + '-err',
            onchange: (e) => this.upload(c.id, e.target) }),
          h('label', { class: 'ds-button', 'data-variant': 'secondary', for: id + '-file' }, this.t('ui.upload.choose', { attachment: c.label })),
          h('span', { 'aria-hidden': 'true' }, this.t('ui.upload.drop')),
          this.uploading === c.id ? h('progress', { 'aria-label': this.t('ui.upload.progress') }) : null),
        h('p', { class: 'ds-validation-message', id: id + '-err', hidden: true }),
        asked ? null : h('div', { class: 'ds-field' },
          h('input', { type: 'checkbox', class: 'ds-input', id: id + '-later', checked: att.status === 'later', onchange: (e) => this.later(c.id, e.target.checked) }),
          h('label', { class: 'ds-label', 'data-weight': 'regular', for: id + '-later' }, this.t('ui.upload.later'))));
    }));
  },

  // retryPage stands in for the form while her draft could not be read:
  // nothing is forgotten, and she tries again when she wants.
  retryPage() {
    return h('section', { class: 'sk-page', 'aria-labelledby': 'sk-page-title' },
      h('h3', { class: 'ds-heading', 'data-size': 'sm', id: 'sk-page-title', tabindex: '-1' }, this.t('ui.error.resumeTitle')),
      h('p', { class: 'ds-paragraph' }, this.t('ui.error.resumeFailed')),
      h('div', { class: 'sk-nav' }, h('button', { type: 'button', class: 'ds-button', 'data-variant': 'primary', onclick: async (e) => {
        e.currentTarget.setAttribute('aria-busy', 'true');
        this.resumeFailed = false;
        await this.resume();
        if (!this.resumeFailed) await this.prefill();
        this.rememberStep();
        this.render(true);
      } }, this.t('ui.error.retry'))));
  },

  // documentsPage is the whole form while the kommune waits for documents
  // (ettersending): its message, an upload for each document it asked
  // for, and the send. The answers stay as they were sent.
  documentsPage() {
    // Asked for, a document is missing until it has a file, whatever her
    // answers said of it before ("later").
    const asked = this.documents.map((id) => ({ id, label: this.t('attachment.' + id + '.label'), ...this.checklist.find((c) => c.id === id),
      status: get(this.doc, '/attachments/' + id)?.files?.length ? 'provided' : 'missing' }));
    return h('section', { class: 'sk-page', 'aria-labelledby': 'sk-page-title' },
      h('h3', { class: 'ds-heading', 'data-size': 'sm', id: 'sk-page-title', tabindex: '-1' }, this.t('ui.documents.title')),
      h('div', { class: 'ds-alert', 'data-color': 'info' }, h('h4', { class: 'ds-heading', 'data-size': 'xs' }, this.t('ui.returned.title')), h('p', {}, this.message)),
      h('p', { class: 'ds-paragraph' }, this.t('ui.documents.intro')),
      this.checklistField('/attachments', asked),
      h('div', { class: 'sk-nav' }, h('button', { type: 'button', class: 'ds-button', 'data-variant': 'primary', onclick: (e) => this.sendDocuments(e.currentTarget) }, this.t('ui.documents.send'))));
  },

  // sendDocuments sends what the kommune asked for once each document has
  // a file. One without is named at its upload and in the error summary,
  // as any error is: the server would refuse the send, and its refusal is
  // no message for her.
  sendDocuments(button) {
    const missing = this.documents.map((id) => '/attachments/' + id).filter((p) => !get(this.doc, p)?.files?.length);
    if (!missing.length) return this.submit(button);
    for (const p of missing) {
      this.errors.set(p, this.t('ui.documents.missing', { attachment: this.fieldName(p) }));
      this.shown.add(p);
    }
    this.paintErrors();
    this.showSummary(missing);
  },

  format(f, pointer, v) {
    if (v === undefined && f.widget === 'checkbox') return this.t('option.no'); // an unticked box is a no
    // An optional answer left out is no gap (review F16): said as such.
    if (v === undefined) return this.t(requiredAt(this.def.schema, this.def.schema, split(pointer)) ? 'ui.summary.unanswered' : 'ui.summary.notGiven');
    if (f.widget === 'yesno' || f.widget === 'checkbox') return this.t(v ? 'option.yes' : 'option.no');
    if (f.widget === 'radio') return this.t('option.' + textId(pointer) + '.' + v);
    if (f.widget === 'amount' && typeof v === 'number') return this.t('ui.amount', { amount: v.toLocaleString(this.locale()) });
    return String(v);
  },

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
  },

  summaryPage() {
    return h('section', { class: 'sk-page sk-summary', 'aria-labelledby': 'sk-page-title' },
      h('h3', { class: 'ds-heading', 'data-size': 'sm', id: 'sk-page-title', tabindex: '-1' }, this.t('ui.summary.title')),
      h('p', { class: 'ds-paragraph' }, this.t('ui.summary.intro')),
      this.month ? h('p', { class: 'ds-paragraph', id: 'sk-month' }, this.t('ui.month', { month: this.monthName(this.month) })) : null,
      this.kommune ? h('p', { class: 'ds-paragraph', id: 'sk-kommune' }, this.t('ui.kommune', { kommune: this.kommune.name || this.kommune.number })) : null,
      this.pages.map((page, i) => {
        const title = this.t('page.' + page.id + '.title');
        return h('section', { 'aria-labelledby': 'sk-sum-' + page.id },
          h('h4', { class: 'ds-heading', 'data-size': 'xs', id: 'sk-sum-' + page.id }, title),
          h('dl', {}, this.rows(page.fields, '', null)),
          h('div', {}, h('button', { type: 'button', class: 'ds-button', 'data-variant': 'tertiary', onclick: () => { this.fromSummary = true; this.go(i); } }, this.t('ui.summary.change', { page: title }))));
      }),
      h('div', { class: 'sk-nav' },
        h('button', { type: 'button', class: 'ds-button', 'data-variant': 'secondary', onclick: () => this.go(this.page - 1) }, this.t('ui.previous')),
        h('button', { type: 'button', class: 'ds-button', 'data-variant': 'primary', onclick: (e) => this.submit(e.currentTarget) }, this.t('ui.submit'))));
  },

  // monthName is "mai 2026" for 2026-05, in the citizen's language.
  monthName(month) {
    const [y, m] = month.split('-').map(Number);
    return new Date(Date.UTC(y, m - 1, 1)).toLocaleDateString(this.locale(), { month: 'long', year: 'numeric', timeZone: 'UTC' });
  },

  receipt() {
    const s = this.status || {};
    const fresh = s.status === 'submitted' && this.page === this.pages.length + 1 && !s.updatedAt;
    return h('section', { class: 'sk-page', 'aria-labelledby': 'sk-page-title' },
      h('div', { class: 'ds-alert', 'data-color': 'success' },
        h('h3', { class: 'ds-heading', 'data-size': 'sm', id: 'sk-page-title', tabindex: '-1' }, this.t(fresh ? 'ui.receipt.title' : 'ui.status.title')),
        h('p', {}, ...this.t('ui.receipt.reference', { reference: '\u0000' }).split('\u0000').flatMap((part, i) => i ? [h('span', { class: 'sk-nowrap' }, s.reference || ''), part] : [part])),
        s.applicationMonth ? h('p', { id: 'sk-month' }, this.t('ui.month', { month: this.monthName(s.applicationMonth) })) : null,
        this.kommune ? h('p', { id: 'sk-kommune' }, this.t('ui.kommune', { kommune: this.kommune.name || this.kommune.number })) : null,
        s.submittedAt ? h('p', { id: 'sk-sent' }, this.t('ui.receipt.sent', {
          date: new Date(s.submittedAt).toLocaleDateString(this.locale(), { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/Oslo' }),
          time: new Date(s.submittedAt).toLocaleTimeString(this.locale(), { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Oslo' }) })) : null,
        fresh ? null : h('p', {}, this.t('ui.status.' + s.status)),
        s.message ? h('p', {}, s.message) : null),
      h('p', { class: 'ds-paragraph' }, this.t('ui.receipt.next')),
      // Not signed in: the link is her way back to what happens next.
      this.draft && !this.draft.mine && !this.paper ? h('div', { class: 'sk-save' }, h('p', {}, this.t('ui.receipt.link')), ...this.linkField()) : null,
      h('div', { class: 'sk-nav' },
        this.draft && s.reference ? h('button', { type: 'button', class: 'ds-button', 'data-variant': 'primary',
          onclick: () => this.download('drafts/' + this.draft.id + '/copy?lang=' + this.lng, s.reference + '.pdf', {}) }, this.t('ui.receipt.copy')) : null,
        h('button', { type: 'button', class: 'ds-button', 'data-variant': 'secondary', onclick: () => this.restart() }, this.t('ui.start'))));
  },

  restart() {
    this.store?.removeItem(this.storageKey);
    this.unsaved = null;
    Object.assign(this, { doc: {}, draft: null, status: null, page: 0, passed: new Set(), tried: new Set(), errors: new Map(), shown: new Set(), checklist: [], returned: false, message: null, returnFields: [], documents: [] });
    this.fillApplicant();
    this.render(true);
  },
};
