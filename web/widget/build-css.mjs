// Builds web/widget/skjema.css: Digdir designsystemet's theme and the few
// components the widget uses, rescoped from :root to the widget's shadow
// host, followed by the widget's own layout (widget.css). Run with
// `npm run build:css` after changing widget.css or the designsystemet
// version; the output is committed so the server needs no build step.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', 'node_modules', '@digdir', 'designsystemet-css');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const dist = join(root, 'dist');

const components = ['label', 'field', 'input', 'fieldset', 'validation-message', 'error-summary',
  'button', 'alert', 'heading', 'paragraph', 'link', 'tag'];

// Inside a shadow root :root matches nothing; the host is the root.
// Inter is not loaded by the widget (no font files cross origin): fall back
// to the system's sans-serif rather than the browser's default serif.
const rescope = (css) => css.replace(/:root/g, ':host')
  .replace(/--ds-font-family:Inter;/g, '--ds-font-family:Inter,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;');

const read = (path) => readFileSync(join(dist, path), 'utf8');
const parts = [
  `/* Built by build-css.mjs from @digdir/designsystemet-css ${pkg.version} (MIT, Digitaliseringsdirektoratet) and widget.css. Do not edit. */`,
  '@layer ds.theme,ds.base,ds.components;',
  rescope(read('theme/designsystemet.css')),
  rescope(read('src/base.css')),
  '@layer ds.components{' + components.map((c) => rescope(read(`src/${c}.css`))).join('') + '}',
  readFileSync(join(here, 'widget.css'), 'utf8'),
];
writeFileSync(join(here, 'skjema.css'), parts.join('\n'));
