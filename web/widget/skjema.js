// <script type="module" src="…/widget/skjema.js"> and <skjema-form form="bostotte"
// kommune="0301" lang="nb">: the embed's one script. On a slow phone every
// round trip counts, so it asks at once for all the form needs — the
// element's modules, its stylesheet, each form's definition and the sign-in
// facts — rather than one after another as the imports would find them, and
// then loads the element (element.js), which takes the answers from here.

const here = new URL('./', import.meta.url);
const link = (rel, href, as) => document.head.append(Object.assign(document.createElement('link'), { rel, href: new URL(href, here).href }, as ? { as } : {}));
for (const m of ['element.js', 'draft.js', 'render.js', 'signin.js', 'doc.js']) link('modulepreload', m);
link('preload', 'skjema.css', 'style');

// early holds the API requests started here, by the path the element asks
// for; the first ask takes its response.
export const early = new Map();
const api = new URL('../api/v1/', import.meta.url);
const get = (path, lang) => early.has(path) || early.set(path, fetch(new URL(path, api), { headers: { 'Accept-Language': lang } }).catch(() => null));

// definitionPath is where an element's form is read: with the texts of its
// language only, the embed's (lang=) or else the page's (prefer=), which
// the kommune's own written language overrides on the server as in the
// element.
export function definitionPath(el) {
  const kommune = el.getAttribute('kommune');
  const lang = el.getAttribute('lang');
  return 'forms/' + encodeURIComponent(el.getAttribute('form') || 'bostotte') +
    (lang ? '?lang=' + lang.slice(0, 2) : '?prefer=' + (document.documentElement.lang || 'nb').slice(0, 2)) +
    (/^\d{4}$/.test(kommune || '') ? '&kommune=' + kommune : '');
}

for (const el of document.querySelectorAll('skjema-form')) {
  const lang = (el.getAttribute('lang') || document.documentElement.lang || 'nb').slice(0, 2);
  get(definitionPath(el), lang);
  if (!el.hasAttribute('submit-url')) get('sign-in', lang);
}

// Not awaited: element.js imports this module (for early), and a module
// that waited here for it would wait for itself.
import('./element.js');
