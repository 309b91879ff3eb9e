// Offline verification, from the `hex` fields of the node's answers alone
// (docs/rpc.md: VerifiableReceipt, StateProof; docs/audit.md; docs/oversight.md):
// RFC 9162 inclusion and consistency proofs, commit certificates against a
// validator set, self-contained receipts, state proofs, complete histories
// and pages of a node's read log. Each verify* function throws an Error
// saying what does not check out, or returns a summary. Suite p256-sha256.

import { Reader, Writer, concat, equal, fromHex, hex, utf8 } from './bytes.js';
import { SUITE, importPublicKey, sha256, verify } from './crypto.js';
import { Domain, decodeTransaction } from './transaction.js';

// ------------------------------------------------------------- RFC 9162

export async function leafHash(leaf) {
  return sha256(concat([Uint8Array.of(0x00), leaf]));
}

async function nodeHash(left, right) {
  return sha256(concat([Uint8Array.of(0x01), left, right]));
}

const odd = (n) => (n & 1n) === 1n;

// RFC 9162 section 2.1.3.2: does `path` lead from the leaf hash at `index`
// of a tree of `size` leaves to `root`?
export async function verifyInclusion(index, size, leafHashBytes, path, root) {
  let fn = BigInt(index);
  let sn = BigInt(size) - 1n;
  if (fn > sn) return false;
  let r = leafHashBytes;
  for (const p of path) {
    if (sn === 0n) return false;
    if (odd(fn) || fn === sn) {
      r = await nodeHash(p, r);
      while (!odd(fn) && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equal(r, root);
}

// RFC 9162 section 2.1.4.2: does `path` prove that the tree of `toSize`
// leaves with root `toRoot` extends the one of `fromSize` with `fromRoot`?
export async function verifyConsistency(fromSize, toSize, fromRoot, toRoot, path) {
  const first = BigInt(fromSize);
  const second = BigInt(toSize);
  if (first < 1n || first > second) return false;
  if (first === second) return path.length === 0 && equal(fromRoot, toRoot);
  if (path.length === 0) return false;
  const proof = (first & (first - 1n)) === 0n ? [fromRoot, ...path] : path;
  let fn = first - 1n;
  let sn = second - 1n;
  while (odd(fn)) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = proof[0];
  let sr = proof[0];
  for (const c of proof.slice(1)) {
    if (sn === 0n) return false;
    if (odd(fn) || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while (!odd(fn) && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equal(fr, fromRoot) && equal(sr, toRoot);
}

// --------------------------------------------------- headers and certificates

// Formats 1 and 2 have the same fields; in format 2 the state root is the
// state tree's (docs/encoding.md, "Block header").
export function parseHeader(bytes) {
  const r = new Reader(bytes);
  const h = {
    format: r.version('block header', 2),
    chainId: r.text(),
    height: r.u64(),
    previousHash: r.digest(),
    timeMs: r.u64(),
    proposer: r.text(),
    transactionsRoot: r.digest(),
    receiptsRoot: r.digest(),
    stateRoot: r.digest(),
    logSize: r.u64(),
    logRoot: r.digest(),
    validatorSetHash: r.digest(),
    nextValidatorSetHash: r.digest(),
  };
  r.end('block header');
  return h;
}

function parseCertificate(bytes) {
  const r = new Reader(bytes);
  r.version('commit certificate');
  const c = { height: r.u64(), round: r.u32(), blockHash: r.digest() };
  c.signatures = r.list((x) => ({ validator: x.text(), signature: x.bytes() }));
  r.end('commit certificate');
  return c;
}

function parseValidatorSet(bytes) {
  const r = new Reader(bytes);
  r.version('validator set');
  const set = { suite: r.u8() };
  set.validators = r.list((x) => ({ id: x.text(), publicKey: x.bytes(), power: x.u64() }));
  r.end('validator set');
  return set;
}

// The precommit vote a certificate signature stands for (docs/encoding.md, Vote).
function precommitSigningBytes(chainId, certificate, validator) {
  return new Writer()
    .u8(Domain.vote)
    .u8(1)
    .text(chainId)
    .u8(2) // precommit
    .u64(certificate.height)
    .u32(certificate.round)
    .u8(1) // a block hash follows
    .digest(certificate.blockHash)
    .text(validator)
    .done();
}

// The validators genesis.json names, as `trusted` takes them.
export function trustedValidators(genesis) {
  return genesis.validators
    .map((v) => ({ id: v.id, publicKey: v.public_key, power: String(v.power) }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function failer(what) {
  return (why) => {
    throw new Error(`${what} does not verify: ${why}`);
  };
}

async function checkCertifiedHeader(headerBytes, header, validatorSetHex, certificateHex, trusted, fail) {
  const setBytes = fromHex(validatorSetHex);
  const set = parseValidatorSet(setBytes);
  if (!equal(await sha256(setBytes), header.validatorSetHash)) fail('the validator set is not the one the header names');
  if (trusted) {
    const same =
      trusted.length === set.validators.length &&
      trusted.every(
        (t, i) => t.id === set.validators[i].id && t.publicKey === hex(set.validators[i].publicKey) && BigInt(t.power) === set.validators[i].power,
      );
    if (!same) fail('the validator set is not the trusted one');
  }
  const certificate = parseCertificate(fromHex(certificateHex));
  if (!equal(certificate.blockHash, await sha256(headerBytes)) || certificate.height !== header.height) {
    fail('the certificate is for another block');
  }
  const total = set.validators.reduce((n, v) => n + v.power, 0n);
  let signed = 0n;
  const seen = new Set();
  for (const s of certificate.signatures) {
    const validator = set.validators.find((v) => v.id === s.validator);
    if (!validator || seen.has(s.validator)) fail(`unknown or repeated signer ${s.validator}`);
    seen.add(s.validator);
    const key = await importPublicKey(validator.publicKey);
    if (!(await verify(key, precommitSigningBytes(header.chainId, certificate, s.validator), s.signature))) {
      fail(`the signature of ${s.validator} does not verify`);
    }
    signed += validator.power;
  }
  if (signed * 3n <= total * 2n) fail(`signers hold ${signed} of ${total} power, not more than two thirds`);
  return [...seen];
}

// Checks that `certificate` (Certificate) certifies `header` (Header) with
// more than two thirds of the power of `validatorSet` (ValidatorSet), which
// the header must name and which must equal `trusted` when given
// ([{id, publicKey (hex), power}], e.g. trustedValidators(genesis)).
// Returns {height, hash, signers}.
export async function verifyHeader(header, certificate, validatorSet, { trusted } = {}) {
  const fail = failer('header');
  const headerBytes = fromHex(header.hex);
  const parsed = parseHeader(headerBytes);
  const signers = await checkCertifiedHeader(headerBytes, parsed, validatorSet.hex, certificate.hex, trusted, fail);
  return { height: Number(parsed.height), hash: hex(await sha256(headerBytes)), signers };
}

// ----------------------------------------------------------------- receipts

function parseReceiptHead(bytes) {
  const r = new Reader(bytes);
  r.version('receipt');
  return { txHash: r.digest(), height: r.u64(), index: r.u32(), status: r.u8() };
}

function checkSuite(v, fail) {
  if (v.suite !== SUITE) fail(`this client verifies ${SUITE} only, not ${v.suite}`);
}

// Checks a self-contained receipt (tx_getVerifiableReceipt's result) from
// its hex fields alone, as docs/rpc.md "VerifiableReceipt" lists the steps.
// `trusted` as for verifyHeader. Returns {txHash, height, index, status,
// leafIndex, logSize, headerHeight, signers}.
export async function verifyReceipt(v, { trusted } = {}) {
  const fail = failer('receipt');
  if (v.format !== 'tracechain-verifiable-receipt/1') fail(`unknown format ${v.format}`);
  checkSuite(v, fail);

  const txHash = await sha256(fromHex(v.transaction.hex));
  if (hex(txHash) !== v.transaction.hash) fail('the transaction hash is not the hash of its encoding');

  const receiptBytes = fromHex(v.receipt.hex);
  const receipt = parseReceiptHead(receiptBytes);
  if (!equal(receipt.txHash, txHash)) fail('the receipt is for another transaction');

  // The log leaf is rebuilt from the transaction and receipt, never taken on trust.
  const leaf = new Writer().u8(1).digest(txHash).digest(await sha256(receiptBytes)).u64(receipt.height).u32(receipt.index).done();
  if (hex(leaf) !== v.inclusionProof.leaf.hex) fail('the proof is for another leaf');

  const headerBytes = fromHex(v.header.hex);
  const header = parseHeader(headerBytes);
  if (header.chainId !== v.chainId) fail('the header is for another chain');
  if (BigInt(v.inclusionProof.logSize) !== header.logSize) fail('the proof is against another log size');
  const included = await verifyInclusion(v.inclusionProof.leafIndex, header.logSize, await leafHash(leaf), v.inclusionProof.path.map(fromHex), header.logRoot);
  if (!included) fail("the inclusion proof does not lead to the header's log root");

  const signers = await checkCertifiedHeader(headerBytes, header, v.validatorSet.hex, v.certificate.hex, trusted, fail);
  return {
    txHash: hex(txHash),
    height: Number(receipt.height),
    index: receipt.index,
    status: receipt.status === 0 ? 'ok' : 'failed',
    leafIndex: v.inclusionProof.leafIndex,
    logSize: Number(header.logSize),
    headerHeight: Number(header.height),
    signers,
  };
}

// ------------------------------------------------ state proofs and histories

function bitOf(path, depth) {
  return (path[depth >> 3] >> (7 - (depth & 7))) & 1;
}

// The state tree (docs/encoding.md, "State tree"): does `proofHex` (a state
// proof) show that under `root`, `key` holds `value` (bytes, or null for
// nothing)? Throws saying what does not hold.
export async function verifyStateTreeProof(root, key, value, proofHex) {
  const r = new Reader(fromHex(proofHex));
  r.version('state proof');
  const count = r.u32();
  if (count > 256) throw new Error(`the state proof has ${count} siblings (at most 256)`);
  const siblings = [];
  for (let i = 0; i < count; i++) siblings.push(r.digest());
  const leaf = r.optional((x) => ({ path: x.digest(), valueHash: x.digest() }));
  r.end('state proof');

  const path = await sha256(utf8(key));
  let node = new Uint8Array(32);
  if (leaf) {
    for (let i = 0; i < count; i++) {
      if (bitOf(leaf.path, i) !== bitOf(path, i)) throw new Error(`the proof's leaf is not on the path of key '${key}'`);
    }
    node = await sha256(concat([Uint8Array.of(0x00), leaf.path, leaf.valueHash]));
  }
  for (let i = count - 1; i >= 0; i--) {
    node = bitOf(path, i) ? await nodeHash(siblings[i], node) : await nodeHash(node, siblings[i]);
  }
  if (!equal(node, root)) throw new Error(`the proof for key '${key}' does not lead to the state root`);
  const holds = leaf !== null && equal(leaf.path, path);
  if (holds && value === null) throw new Error(`key '${key}' has a value under this root`);
  if (!holds && value !== null) throw new Error(`key '${key}' has no value under this root`);
  if (holds && !equal(await sha256(value), leaf.valueHash)) throw new Error(`key '${key}' has another value under this root`);
}

// Checks a StateProof (state_getProof's result, or the stateProof /
// historyProof of a read with proof: true): the certified header, of
// format 2, and the key's value or absence under its state root. Returns
// {key, value (bytes or null), height}.
export async function verifyStateProof(v, { trusted } = {}) {
  const fail = failer('state proof');
  if (v.format !== 'tracechain-state-proof/1') fail(`unknown format ${v.format}`);
  checkSuite(v, fail);
  const headerBytes = fromHex(v.header.hex);
  const header = parseHeader(headerBytes);
  if (header.chainId !== v.chainId) fail('the header is for another chain');
  if (header.format !== 2) fail('the header is of format 1: its state root proves no single key');
  if (BigInt(v.height) !== header.height) fail('the proof names another height than its header');
  await checkCertifiedHeader(headerBytes, header, v.validatorSet.hex, v.certificate.hex, trusted, fail);
  const value = v.value === null ? null : fromHex(v.value.hex);
  try {
    await verifyStateTreeProof(header.stateRoot, v.key, value, v.proof.hex);
  } catch (e) {
    fail(e.message);
  }
  return { key: v.key, value, height: Number(header.height) };
}

// Checks that `txHashes` (hex, in order) are the whole history of the record
// at `recordKey` ("t/<trade>", "asset/<asset>", "p/<participant>") by
// `historyProof`, the proof of its history commitment (docs/audit.md). With
// `allowLater`, entries beyond the committed count (read in later pages) are
// ignored. Returns {height, count}; throws saying what is missing or added.
export async function verifyHistory(historyProof, recordKey, txHashes, { trusted, allowLater = false } = {}) {
  const proven = await verifyStateProof(historyProof, { trusted });
  if (proven.key !== `hc/${recordKey}`) throw new Error(`the history proof is for '${proven.key}', not 'hc/${recordKey}'`);
  let count = 0n;
  let head = new Uint8Array(32);
  if (proven.value !== null) {
    const r = new Reader(proven.value);
    r.version('history commitment');
    count = r.u64();
    head = r.digest();
    r.end('history commitment');
  }
  let hashes = txHashes;
  if (allowLater && BigInt(hashes.length) > count) hashes = hashes.slice(0, Number(count));
  if (BigInt(hashes.length) !== count) throw new Error(`${hashes.length} entries, but the history commitment counts ${count}`);
  let chained = new Uint8Array(32);
  for (const h of hashes) chained = await sha256(concat([Uint8Array.of(0x02), chained, fromHex(h)]));
  if (!equal(chained, head)) throw new Error('the entries do not chain to the committed head: one is another transaction, or out of order');
  return { height: proven.height, count: Number(count) };
}

// ------------------------------------------------------------ the read log

// A read-log entry (docs/encoding.md, "Read-log entries") in the RPC's shape.
export function decodeReadEntry(bytes) {
  const r = new Reader(bytes);
  r.version('read-log entry');
  const e = { node: r.text(), timeMs: Number(r.u64()), reader: r.text(), method: r.text() };
  e.subjects = r.list((x) => ({ kind: x.text(), id: x.text() }));
  e.about = r.list((x) => x.text());
  e.requestHash = hex(r.digest());
  r.end('read-log entry');
  return e;
}

// Whether two JSON values are equal, whatever the order of object keys.
function sameJson(a, b) {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => sameJson(a[k], b[k]));
}

// Checks a page of access_listReads as `tracectl verify-reads` does
// (docs/oversight.md, "Asking who read what"): the checkpoint's receipt
// against the trusted validators, that it is a successful access.checkpoint
// by the node's participant of the size and root the page names, and each
// entry: its fields are its bytes', it names this node, and when the
// checkpoint covers it, its inclusion proof leads to the checkpoint's root.
// Returns {node, checkpoint, proven, pending}.
export async function verifyReads(page, { trusted } = {}) {
  const fail = failer('read-log page');
  const checkpoint = page.checkpoint;
  if (checkpoint) {
    const receipt = await verifyReceipt(page.checkpointReceipt, { trusted });
    if (receipt.status !== 'ok') fail('the checkpoint transaction failed');
    if (receipt.txHash !== checkpoint.txHash) fail("the checkpoint's receipt is for another transaction");
    const tx = await decodeTransaction(page.checkpointReceipt.transaction.hex);
    if (tx.kind !== 'access.checkpoint') fail(`the checkpoint transaction is a ${tx.kind}`);
    if (tx.sender !== page.participant) fail(`the checkpoint was sent by ${tx.sender}, not the node's participant ${page.participant}`);
    if (tx.payload.size !== String(checkpoint.size) || tx.payload.root !== checkpoint.root) {
      fail('the checkpoint on chain has another size or root than the page names');
    }
  }
  let proven = 0;
  let pending = 0;
  for (const entry of page.entries) {
    const bytes = fromHex(entry.hex);
    const decoded = decodeReadEntry(bytes);
    for (const [name, value] of Object.entries(decoded)) {
      if (!sameJson(entry[name], value)) fail(`entry ${entry.index}: its ${name} is not its bytes'`);
    }
    if (decoded.node !== page.node) fail(`entry ${entry.index} was recorded by ${decoded.node}, not ${page.node}`);
    if (!checkpoint || entry.index >= checkpoint.size) {
      if (entry.inclusionProof !== null) fail(`entry ${entry.index} has a proof but no checkpoint covers it`);
      pending++;
      continue;
    }
    if (!Array.isArray(entry.inclusionProof)) fail(`entry ${entry.index} has no inclusion proof`);
    const ok = await verifyInclusion(entry.index, checkpoint.size, await leafHash(bytes), entry.inclusionProof.map(fromHex), fromHex(checkpoint.root));
    if (!ok) fail(`entry ${entry.index}: the inclusion proof does not lead to the checkpoint's root`);
    proven++;
  }
  return { node: page.node, checkpoint: checkpoint ?? null, proven, pending };
}
