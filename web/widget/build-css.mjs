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
const notice = (what) => `/* Built by build-css.mjs from @digdir/designsystemet-css ${pkg.version} (MIT, Digitaliseringsdirektoratet) and ${what}. Do not edit. */`;
const parts = [
  notice('widget.css'),
  '@layer ds.theme,ds.base,ds.components;',
  rescope(read('theme/designsystemet.css')),
  rescope(read('src/base.css')),
  '@layer ds.components{' + components.map((c) => rescope(read(`src/${c}.css`))).join('') + '}',
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
  read('src/base.css'),
  '@layer ds.components{' + caseworkerComponents.map((c) => read(`src/${c}.css`)).join('') + '}',
  readFileSync(join(caseworker, 'layout.css'), 'utf8'),
].join('\n'));
