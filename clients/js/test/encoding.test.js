// The canonical encoding against the golden vectors of docs/encoding.md and
// docs/rpc.md, and the decoders' refusals.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  Reader,
  Writer,
  concat,
  decodeReadEntry,
  decodeTransaction,
  fromHex,
  hex,
  importPublicKey,
  leafHash,
  parseHeader,
  payloads,
  requestSigningBytes,
  sha256,
  transactionEncoding,
  transactionSigningBytes,
  utf8,
  verify,
  verifyStateTreeProof,
} from '../src/index.js';
import { doc, golden } from '../golden.js';

const encoding = doc('encoding.md');
const label = (text) => sha256(utf8(text));

async function goldenTransaction() {
  const fields = {
    assetId: 'weather-2026',
    contentHash: hex(await label('sample dataset')),
    metadataHash: hex(await label('sample metadata')),
    level: 2,
    sourceDeclarationHash: hex(await label('source declaration')),
    licenceTermsHash: hex(await label('licence terms')),
  };
  const tx = { chainId: 'tracechain-test', sender: 'provider-acme', kind: 'asset.register', payload: payloads.assetRegister(fields), nonce: 42n, expiryHeight: 1000n };
  return { fields, tx };
}

test('transaction: payload, signing bytes, encoding and hash are the golden ones', async () => {
  const { tx } = await goldenTransaction();
  assert.equal(hex(tx.payload), golden(encoding, 'transaction.payload'));
  const signingBytes = transactionSigningBytes(tx);
  assert.equal(hex(signingBytes), golden(encoding, 'transaction.signing_bytes'));
  const submitted = fromHex(golden(encoding, 'transaction.encoding'));
  const signature = submitted.subarray(signingBytes.length - 1 + 4);
  assert.equal(hex(transactionEncoding(tx, signature)), hex(submitted));
  assert.equal(hex(await sha256(submitted)), golden(encoding, 'transaction.hash'));
  const key = await importPublicKey(fromHex(golden(encoding, 'transaction.public_key')));
  assert.equal(await verify(key, signingBytes, signature), true);
  assert.equal(await verify(key, concat([signingBytes, Uint8Array.of(0)]), signature), false);
});

test('transaction: the golden encoding decodes to the node JSON shape', async () => {
  const { fields } = await goldenTransaction();
  const decoded = await decodeTransaction(golden(encoding, 'transaction.encoding'));
  assert.equal(decoded.hash, golden(encoding, 'transaction.hash'));
  assert.equal(decoded.kind, 'asset.register');
  assert.equal(decoded.kindCode, 0x0301);
  assert.equal(decoded.nonce, '42');
  assert.equal(decoded.expiryHeight, '1000');
  assert.equal(decoded.suite, 'p256-sha256');
  assert.deepEqual(decoded.payload, fields);
});

test('block header: golden encoding parses and hashes as documented, in both formats', async () => {
  const bytes = fromHex(golden(encoding, 'header.encoding'));
  const header = parseHeader(bytes);
  assert.equal(header.format, 1);
  assert.equal(header.height, 7n);
  assert.equal(header.proposer, 'validator-exchange');
  assert.equal(header.logSize, 1234n);
  assert.equal(hex(header.logRoot), hex(await label('log')));
  assert.equal(hex(await sha256(bytes)), golden(encoding, 'header.hash'));
  const format2 = Uint8Array.from(bytes);
  format2[0] = 2;
  assert.equal(parseHeader(format2).format, 2);
  assert.equal(hex(await sha256(format2)), golden(encoding, 'header2.hash'));
  format2[0] = 3;
  assert.throws(() => parseHeader(format2), /format version 3/);
  assert.throws(() => parseHeader(concat([bytes, Uint8Array.of(0)])), /trailing bytes/);
  assert.throws(() => parseHeader(bytes.subarray(0, bytes.length - 1)), /ends early/);
});

test('state tree: the golden proofs verify, and altered ones do not', async () => {
  const root = fromHex(golden(encoding, 'state_tree.root'));
  const present = golden(encoding, 'state_tree.proof_present');
  const absent = golden(encoding, 'state_tree.proof_absent');
  await verifyStateTreeProof(root, 't/trade-1', utf8('open'), present);
  await verifyStateTreeProof(root, 't/trade-9', null, absent);
  const leaf = await sha256(concat([Uint8Array.of(0), await label('t/trade-1'), await label('open')]));
  assert.equal(hex(leaf), golden(encoding, 'state_tree.leaf'));

  await assert.rejects(verifyStateTreeProof(root, 't/trade-1', utf8('closed'), present), /another value/);
  await assert.rejects(verifyStateTreeProof(root, 't/trade-1', null, present), /has a value/);
  await assert.rejects(verifyStateTreeProof(root, 't/trade-9', utf8('open'), absent), /no value/);
  await assert.rejects(verifyStateTreeProof(root, 't/trade-2', utf8('open'), present), /not on the path|does not lead/);
  const flipped = present.slice(0, 20) + (present[20] === '0' ? '1' : '0') + present.slice(21);
  await assert.rejects(verifyStateTreeProof(root, 't/trade-1', utf8('open'), flipped), /does not lead/);
  await assert.rejects(verifyStateTreeProof(root, 't/trade-1', utf8('open'), present + '00'), /trailing/);
});

test('history commitment: two transactions chain to the golden head', async () => {
  let head = new Uint8Array(32);
  for (const t of ['tx 1', 'tx 2']) head = await sha256(concat([Uint8Array.of(2), head, await label(t)]));
  const written = new Writer().u8(1).u64(2).digest(head).done();
  assert.equal(hex(written), golden(encoding, 'history.encoding'));
});

test('read-log entry: the golden entry decodes and hashes as documented', async () => {
  const block = encoding.slice(encoding.indexOf('Golden entry'));
  const lines = block.slice(block.indexOf('```') + 3, block.indexOf('```', block.indexOf('```') + 3)).trim().split('\n');
  const bytes = fromHex(lines.slice(0, -1).join(''));
  const entry = decodeReadEntry(bytes);
  assert.deepEqual(entry, {
    node: 'validator-0',
    timeMs: 1796601600123,
    reader: 'auditor-1',
    method: 'trade_get',
    subjects: [{ kind: 'trade', id: 'trade-1' }],
    about: ['buyer-bank', 'provider-acme'],
    requestHash: '11'.repeat(32),
  });
  assert.equal(hex(await leafHash(bytes)), lines.at(-1).split(': ')[1]);
});

test('signed request: the worked example of docs/rpc.md', async () => {
  const rpc = doc('rpc.md');
  const body = '{"jsonrpc":"2.0","id":1,"method":"trade_get","params":{"tradeId":"trade-1"}}';
  assert.equal(hex(await sha256(utf8(body))), golden(rpc, 'rpc.body_hash'));
  const signingBytes = await requestSigningBytes({
    chainId: 'tracechain-local',
    audience: 'validator-0',
    participant: 'buyer-bank',
    request: 'POST /',
    body,
    timestampMs: 1767225600000n,
  });
  assert.equal(hex(signingBytes), golden(rpc, 'rpc.signing_bytes'));
  const key = await importPublicKey(fromHex(golden(rpc, 'rpc.public_key')));
  assert.equal(await verify(key, signingBytes, fromHex(golden(rpc, 'rpc.signature'))), true);
});

test('reader: refuses what the encoding rules refuse', () => {
  assert.throws(() => new Reader(Uint8Array.of(2)).bool(), /00 or 01/);
  assert.throws(() => new Reader(Uint8Array.of(2)).optional((r) => r.u8()), /00 or 01/);
  assert.throws(() => new Reader(Uint8Array.of(5, 0, 0, 0, 1)).bytes(), /ends early/);
  assert.throws(() => new Reader(Uint8Array.of(200, 0, 0, 0)).list((r) => r.u8()), /more elements/);
  assert.throws(() => new Reader(Uint8Array.of(2, 0, 0, 0, 0xc3, 0x28)).text(), TypeError);
  assert.throws(() => new Writer().digest(new Uint8Array(31)), /32 bytes/);
  assert.throws(() => new Writer().u64(-1), /0 to 2\^64-1/);
  assert.throws(() => new Writer().u64('18446744073709551616'), /outside/);
  assert.equal(hex(new Writer().u64('18446744073709551615').done()), 'ff'.repeat(8));
});
