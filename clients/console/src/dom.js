// Small helpers to build the console's HTML from data: elements (text is
// always set as text, never parsed as HTML, so nothing a node returns can
// inject markup), tables with headers, definition lists, verdict marks.

// h('a', {href: '#/x', class: 'y'}, 'text', child, [more children])
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

// A table: `columns` [{label, cell: (row, index) => content}], one row per item.
export function table(caption, columns, rows, { empty = 'None.' } = {}) {
  if (rows.length === 0) return h('p', { class: 'empty' }, `${caption}: ${empty}`);
  return h(
    'div',
    { class: 'table-wrap', role: 'region', 'aria-label': caption, tabindex: 0 },
    h(
      'table',
      {},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.label)))),
      h('tbody', {}, rows.map((row, i) => h('tr', {}, columns.map((c) => h('td', {}, c.cell(row, i)))))),
    ),
  );
}

// A definition list from [[term, value], ...]; null values are left out.
export function facts(pairs) {
  return h(
    'dl',
    { class: 'facts' },
    pairs.filter(([, value]) => value !== null && value !== undefined).map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]),
  );
}

// A hash shortened for reading, the whole value in its title and for copying.
export function digest(value) {
  if (!value) return '—';
  return h('code', { class: 'digest', title: value }, `${value.slice(0, 12)}…`);
}

// ✓ or ✗ with words beside it, so that the verdict does not rest on the
// symbol or its colour alone.
export function mark(ok, text) {
  return h('span', { class: ok ? 'mark ok' : 'mark bad', dataset: { verified: ok ? 'yes' : 'no' } }, h('span', { 'aria-hidden': 'true' }, ok ? '✓ ' : '✗ '), text);
}

export function link(href, text) {
  return h('a', { href }, text);
}

export function time(ms) {
  if (ms === null || ms === undefined) return '—';
  const date = new Date(Number(ms));
  return h('time', { datetime: date.toISOString() }, date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'));
}

// The message of an RPC or verification error, in words a reader can act on.
export function reason(error) {
  if (error?.code === -32002) return 'not yours to read: your roles do not allow it';
  if (error?.code === -32001) return `not found: ${error.message}`;
  return error?.message ?? String(error);
}

// Offers `text` as a file download.
export function download(name, text, label) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  return h('a', { href: url, download: name, class: 'button secondary' }, label);
}
