// The citizen's document as the widget reads and changes it: JSON pointers,
// the text and element ids fields get from them, the layout's conditions
// (as forms/jsondoc evaluates them on the server) and the allowed values the
// JSON Schema gives a field. No DOM, no network.

// JSON pointers over the document.
export const split = (p) => p.split('/').slice(1);
export function get(doc, p) {
  let v = doc;
  for (const k of split(p)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = v[k];
  }
  return v;
}
export function set(doc, p, value) {
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
// merge lays the answers this tab changed (mine, against base, what the
// server had when the tab read it) over the server's newer document:
// answer by answer, a repeating group as a whole. What the tab did not
// touch stays as the other window left it. An answer both changed, each
// its own way, keeps what the server saved (it was confirmed; hers was
// not), and is listed in conflicts for her to look at.
export function merge(server, base, mine) {
  const leaves = (v, p = '', out = new Map()) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) for (const k of Object.keys(v)) leaves(v[k], p + '/' + k, out);
    else if (p) out.set(p, JSON.stringify(v));
    return out;
  };
  const was = leaves(base || {});
  const now = leaves(mine || {});
  const theirs = leaves(server || {});
  const doc = JSON.parse(JSON.stringify(server || {}));
  const conflicts = [];
  for (const p of new Set([...was.keys(), ...now.keys()])) {
    if (was.get(p) === now.get(p)) continue;
    if (theirs.get(p) !== was.get(p) && theirs.get(p) !== now.get(p)) conflicts.push(p);
    else set(doc, p, now.has(p) ? JSON.parse(now.get(p)) : undefined);
  }
  return { doc, conflicts };
}
// textId: /household/2/givenName → household.givenName, as the text keys name fields.
export const textId = (p) => split(p).filter((k) => !/^\d+$/.test(k)).join('.');
export const domId = (p) => 'f' + p.replaceAll('/', '.');

// cond evaluates a layout or rules condition, as forms.Condition does on the server.
export function cond(c, doc, item) {
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
  if (c.startsWith) return typeof v === 'string' && v !== '' && c.startsWith.some((x) => v.startsWith(x));
  if (typeof v !== 'number') return false;
  if ('gt' in c) return v > c.gt;
  if ('gte' in c) return v >= c.gte;
  if ('lt' in c) return v < c.lt;
  if ('lte' in c) return v <= c.lte;
  return false;
}

// schemasAt are the JSON Schema's subschemas that speak of the value at
// keys: following $ref, properties and items, with the branches of
// allOf/anyOf/oneOf and if-then-else at each step.
function schemasAt(schema, root, keys) {
  const expand = (s, out = []) => {
    if (!s || typeof s !== 'object') return out;
    if (s.$ref?.startsWith('#/')) return expand(get(root, s.$ref.slice(1)), out);
    out.push(s);
    for (const b of [...(s.allOf || []), ...(s.anyOf || []), ...(s.oneOf || []), s.then, s.else]) expand(b, out);
    return out;
  };
  let level = expand(schema);
  for (const k of keys) level = level.flatMap((s) => expand(/^\d+$/.test(k) ? s.items : s.properties?.[k]));
  return level;
}

// requiredAt says whether the schema may require the field at keys: its
// object lists it as required, outright or in a condition's branch. One it
// never requires is optional, and left empty is not a missing answer.
export function requiredAt(schema, root, keys) {
  const last = keys[keys.length - 1];
  return schemasAt(schema, root, keys.slice(0, -1)).some((s) => (s.required || []).includes(last));
}

// enumAt finds the allowed values of a field in the JSON Schema, following
// $ref, items and the branches of allOf/if-then.
export function enumAt(schema, root, keys) {
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
