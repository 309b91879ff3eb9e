// The kind table against the node's own (ledger/payloads.h), and the method
// table against docs/rpc.md. TRACECHAIN_PAYLOAD_VECTORS names a file that
// tests/rpc/js_client_test.cc writes with the ledger's code: every kind with
// its code, roles and fields, and payloads it encoded with the node's JSON
// of each. Without it, those checks skip.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { KINDS, METHODS, decodePayload, encodePayload, hex, payloads } from '../src/index.js';
import { doc } from '../golden.js';

const vectorsFile = process.env.TRACECHAIN_PAYLOAD_VECTORS;
const vectors = vectorsFile ? JSON.parse(readFileSync(vectorsFile, 'utf8')) : null;
const needVectors = vectors ? {} : { skip: 'TRACECHAIN_PAYLOAD_VECTORS is not set (tests/rpc/js_client_test.cc sets it)' };

test('the kind table is the node\'s: names, codes, roles, fields and their types, in order', needVectors, () => {
  assert.deepEqual(
    KINDS.map((k) => ({ name: k.name, code: k.code, roles: k.roles, fields: k.fields })),
    vectors.kinds,
  );
});

test('every payload the node encoded: the same bytes from its JSON, the same JSON from its bytes', needVectors, async () => {
  const seen = new Set();
  for (const v of vectors.vectors) {
    seen.add(v.kind);
    assert.equal(hex(encodePayload(v.kind, v.payload)), v.payloadHex, `${v.kind} encoding`);
    assert.deepEqual(await decodePayload(v.kind, v.payloadHex), v.payload, `${v.kind} decoding`);
  }
  assert.deepEqual([...seen].sort(), KINDS.map((k) => k.name).sort(), 'a vector for every kind');
  const changes = vectors.vectors.filter((v) => v.kind === 'governance.propose').map((v) => v.payload.change.type);
  assert.equal(new Set(changes).size, 8, 'a vector for every governance change type');
});

test('builders: one per kind; required fields, unknown fields and bad values are refused', async () => {
  assert.equal(Object.keys(payloads).length, KINDS.length);
  const digest = 'ab'.repeat(32);
  const bytes = payloads.tradeReview({ tradeId: 't-1', verdict: 'approve', reportHash: digest });
  const decoded = await decodePayload('trade.review', bytes);
  assert.deepEqual(decoded, {
    tradeId: 't-1', verdict: 'approve', buyerAttestation: null, providerAttestation: null,
    sourceReview: null, reportHash: digest, securityAssessmentHash: null,
  });
  assert.throws(() => payloads.tradeAccept({}), /tradeId is required/);
  assert.throws(() => payloads.tradeAccept({ tradeId: 't', tradeID: 't' }), /no field 'tradeID'/);
  assert.throws(() => payloads.tradeDeliver({ tradeId: 't', deliveryHash: digest, method: 'email' }), /not one of download, api/);
  assert.throws(() => payloads.tradeSettle({ tradeId: 't', paymentReferenceHash: 'ab', amount: '1', currency: 'CNY' }), /32 bytes/);
  assert.throws(() => payloads.tradeRecordUsage({ tradeId: 't', usageReportHash: digest, units: -1 }), /units/);
  assert.throws(() => encodePayload('trade.unknown', {}), /unknown transaction kind/);
  await assert.rejects(decodePayload('trade.accept', hex(bytes)), /trailing bytes|format version/);
});

test('the method table is docs/rpc.md\'s: every method, and which need a signed request', () => {
  const headings = [...doc('rpc.md').matchAll(/^### ([a-z]+_[a-zA-Z]+)(.*)$/gm)];
  const documented = {};
  for (const [, name, rest] of headings) {
    for (const method of [name, ...[...rest.matchAll(/, ([a-z]+_[a-zA-Z]+)/g)].map((m) => m[1])]) {
      documented[method] = rest.includes('— signed');
    }
  }
  assert.deepEqual(
    Object.keys(METHODS).sort(),
    Object.keys(documented).sort(),
  );
  for (const [method, info] of Object.entries(METHODS)) assert.equal(info.signed, documented[method], method);
});
