// RFC 9162 inclusion and consistency proofs, built here from the RFC's
// recursive definitions (MTH, PATH, SUBPROOF) for every tree of up to 12
// leaves, and altered proofs refused.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { concat, sha256, verifyConsistency, verifyInclusion } from '../src/index.js';

const split = (n) => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};
const nodeHash = (a, b) => sha256(concat([Uint8Array.of(1), a, b]));

async function mth(d) {
  if (d.length === 1) return d[0];
  const k = split(d.length);
  return nodeHash(await mth(d.slice(0, k)), await mth(d.slice(k)));
}

async function auditPath(m, d) {
  if (d.length === 1) return [];
  const k = split(d.length);
  return m < k ? [...(await auditPath(m, d.slice(0, k))), await mth(d.slice(k))] : [...(await auditPath(m - k, d.slice(k))), await mth(d.slice(0, k))];
}

async function subproof(m, d, whole) {
  if (m === d.length) return whole ? [] : [await mth(d)];
  const k = split(d.length);
  return m <= k ? [...(await subproof(m, d.slice(0, k), whole)), await mth(d.slice(k))] : [...(await subproof(m - k, d.slice(k), false)), await mth(d.slice(0, k))];
}

const leaves = [];
for (let i = 0; i < 12; i++) leaves.push(await sha256(Uint8Array.of(0, i)));
const flip = (b) => Uint8Array.from(b, (x, i) => (i === 0 ? x ^ 1 : x));

test('inclusion proofs of every leaf of every tree verify; altered ones do not', async () => {
  for (let size = 1; size <= leaves.length; size++) {
    const tree = leaves.slice(0, size);
    const root = await mth(tree);
    for (let m = 0; m < size; m++) {
      const path = await auditPath(m, tree);
      assert.equal(await verifyInclusion(m, size, tree[m], path, root), true, `leaf ${m} of ${size}`);
      assert.equal(await verifyInclusion(m, size, flip(tree[m]), path, root), false);
      if (size > 1) assert.equal(await verifyInclusion((m + 1) % size, size, tree[m], path, root), false);
      if (path.length > 0) {
        assert.equal(await verifyInclusion(m, size, tree[m], path.slice(1), root), false);
        assert.equal(await verifyInclusion(m, size, tree[m], [flip(path[0]), ...path.slice(1)], root), false);
      }
    }
    assert.equal(await verifyInclusion(size, size, tree[0], [], root), false);
  }
});

test('consistency proofs between every pair of tree sizes verify; altered ones do not', async () => {
  for (let second = 1; second <= leaves.length; second++) {
    const toRoot = await mth(leaves.slice(0, second));
    for (let first = 1; first <= second; first++) {
      const fromRoot = await mth(leaves.slice(0, first));
      const path = first === second ? [] : await subproof(first, leaves.slice(0, second), true);
      assert.equal(await verifyConsistency(first, second, fromRoot, toRoot, path), true, `${first} to ${second}`);
      if (first === second) continue;
      assert.equal(await verifyConsistency(first, second, flip(fromRoot), toRoot, path), false);
      assert.equal(await verifyConsistency(first, second, fromRoot, flip(toRoot), path), false);
      assert.equal(await verifyConsistency(first, second, fromRoot, toRoot, [...path.slice(0, -1), flip(path.at(-1))]), false);
      assert.equal(await verifyConsistency(first, second, fromRoot, toRoot, path.slice(0, -1)), false);
    }
  }
  assert.equal(await verifyConsistency(0, 3, leaves[0], leaves[0], []), false);
});
