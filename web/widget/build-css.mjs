// Builds the two stylesheets from Digdir designsystemet's theme and the
// components each page uses:
// - web/widget/skjema.css: rescoped from :root to the widget's shadow host,
//   followed by the widget's own layout (widget.css);
// - web/caseworker/assets/caseworker.css: the caseworker UI's, followed by
//   its layout (web/caseworker/layout.css).
// Run with `npm run build:css` after changing a layout file or the
// designsystemet version; the output is committed so the server needs no
// build step.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', 'node_modules', '@digdir', 'designsystemet-css');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const dist = join(root, 'dist');

const components = ['label', 'field', 'input', 'fieldset', 'validation-message', 'error-summary',
  'button', 'alert', 'heading', 'paragraph', 'link', 'tag', 'table'];

// Inside a shadow root :root matches nothing; the host is the root.
// Inter is not loaded by the widget (no font files cross origin): fall back
// to the system's sans-serif rather than the browser's default serif.
const rescope = (css) => css.replace(/:root/g, ':host')
  .replace(/--ds-font-family:Inter;/g, '--ds-font-family:Inter,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;');

const read = (path) => readFileSync(join(dist, path), 'utf8');

// without drops the theme's top-level @layer blocks of those names. The
// widget sets data-color-scheme="light" on its box and never the secondary
// typography, so the dark scheme (and the auto one's dark half) and that
// typography are bytes a slow phone would download for nothing (1.6 KB of
// the 30 KB budget).
const without = (css, ...layers) => {
  let out = '';
  for (let i = 0; i < css.length;) {
    const name = /^@layer ([\w.-]+)\{/.exec(css.slice(i, i + 80));
    let depth = 0, end = i;
    for (; end < css.length; end++) {
      if (css[end] === '{') depth++;
      else if (css[end] === '}' && --depth === 0) break;
    }
    if (!name || !layers.includes(name[1])) out += css.slice(i, end + 1);
    i = end + 1;
  }
  return out;
};

// Each file of designsystemet goes into the cascade layer its own
// src/index.css puts it in: base.css and the typography (heading, label,
// paragraph, validation-message) in ds.base, the rest in ds.components.
// A file left out of its layer beats every layered rule whatever their
// specificity: an unlayered base.css set every heading at body size
// (`[data-size],body{font-size:…}` over `.ds-heading[data-size=lg]`;
// review finding 20). The layer is read from index.css, not listed here,
// so a new version that moves a file moves it here too.
const index = read('src/index.css');
const placeOf = (file) => {
  const text = read(`src/${file}.css`).trim();
  const at = index.indexOf(text.slice(0, 200));
  if (at < 0) throw new Error(`src/${file}.css is not in designsystemet's src/index.css: its layer is unknown`);
  // The innermost @layer block open where the file's text begins. Braces
  // in strings (url("data:…")) are skipped.
  const open = [];
  for (let i = 0; i < at; i++) {
    const c = index[i];
    if (c === '"' || c === "'") {
      i = index.indexOf(c, i + 1);
    } else if (c === '{') {
      const layer = /@layer\s+([\w.-]+)\s*$/.exec(index.slice(Math.max(0, i - 80), i));
      open.push(layer ? layer[1] : null);
    } else if (c === '}') {
      open.pop();
    }
  }
  const layer = open.filter(Boolean).pop();
  if (!layer) throw new Error(`src/${file}.css is not in a layer in designsystemet's src/index.css`);
  return { file, at, layer };
};
// layered is the files, each in its layer and in index.css's order (which
// decides between rules of one layer and one specificity), neighbours of
// one layer in one block.
const layered = (files, transform = (css) => css) => {
  const blocks = [];
  for (const { file, layer } of [...new Set(files)].map(placeOf).sort((a, b) => a.at - b.at)) {
    if (blocks.length === 0 || blocks.at(-1).layer !== layer) blocks.push({ layer, css: [] });
    blocks.at(-1).css.push(transform(read(`src/${file}.css`)));
  }
  return blocks.map((b) => `@layer ${b.layer}{${b.css.join('')}}`).join('\n');
};
// A legal comment (/*! */): the minifier keeps it in what is served (MIT).
const notice = (what) => `/*! Built by build-css.mjs from @digdir/designsystemet-css ${pkg.version} (MIT, Digitaliseringsdirektoratet) and ${what}. Do not edit. */`;
const parts = [
  notice('widget.css'),
  '@layer ds.theme,ds.base,ds.components;',
  rescope(without(read('theme/designsystemet.css'), 'ds.theme.color-scheme.dark', 'ds.theme.typography.secondary')),
  layered(['base', ...components], rescope),
  readFileSync(join(here, 'widget.css'), 'utf8'),
];
writeFileSync(join(here, 'skjema.css'), parts.join('\n'));

const caseworker = join(here, '..', 'caseworker');
const caseworkerComponents = [...components, 'table', 'details', 'skip-link', 'list', 'textarea', 'select']
  .filter((c) => existsSync(join(dist, 'src', `${c}.css`)));
writeFileSync(join(caseworker, 'assets', 'caseworker.css'), [
  notice('web/caseworker/layout.css'),
  '@layer ds.theme,ds.base,ds.components;',
  read('theme/designsystemet.css').replace(/--ds-font-family:Inter;/g, '--ds-font-family:Inter,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;'),
  layered(['base', ...caseworkerComponents]),
  readFileSync(join(caseworker, 'layout.css'), 'utf8'),
].join('\n'));
