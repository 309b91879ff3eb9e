// Reads the golden vectors of the repository's docs (docs/encoding.md,
// docs/rpc.md) for the unit tests and example.js: the hex of a `golden:NAME` block with its
// comments stripped, as the C++ suite reads them.

import { readFileSync } from 'node:fs';

const docs = new URL('../../docs/', import.meta.url);

export function doc(name) {
  return readFileSync(new URL(name, docs), 'utf8');
}

export function golden(text, name) {
  const start = text.indexOf(`<!-- golden:${name} -->`);
  if (start < 0) throw new Error(`no golden block ${name}`);
  const open = text.indexOf('```hex', start) + '```hex'.length;
  return text
    .slice(open, text.indexOf('```', open))
    .split('\n')
    .map((line) => line.split('#')[0].replace(/\s+/g, ''))
    .join('');
}
