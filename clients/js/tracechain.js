// tracechain client for Node.js (18 or later): the canonical encoding
// (docs/encoding.md), p256-sha256 signatures with WebCrypto, signed JSON-RPC
// requests (docs/rpc.md) and offline verification of a self-contained
// receipt: the RFC 9162 inclusion proof against the certified header, the
// header's commit certificate against the validator set.
//
// No dependencies and no build step: only node:crypto (webcrypto), node:http
// and node:https. Everything written here follows the documents, not the
// C++ code, so it doubles as a check that the documents suffice.
'use strict';

const { webcrypto } = require('node:crypto');
const http = require('node:http');
const https = require('node:https');

const subtle = webcrypto.subtle;

// ----------------------------------------------------------------- bytes

function hex(bytes) {
  return Buffer.from(bytes).toString('hex');
}

function fromHex(text) {
  if (typeof text !== 'string' || text.length % 2 !== 0 || /[^0-9a-fA-F]/.test(text)) {
    throw new Error(`not hex: ${String(text).slice(0, 40)}`);
  }
  return new Uint8Array(Buffer.from(text, 'hex'));
}

function concat(parts) {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function equal(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

async function sha256(bytes) {
  return new Uint8Array(await subtle.digest('SHA-256', bytes));
}

// -------------------------------------------------- the canonical encoding

// Writes the building blocks of docs/encoding.md: little-endian integers,
// u32-length-prefixed text and bytes, bare 32-byte digests.
class Writer {
  constructor() {
    this.parts = [];
  }
  u8(v) {
    this.parts.push(Uint8Array.of(v));
    return this;
  }
  u16(v) {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, v, true);
    this.parts.push(b);
    return this;
  }
  u32(v) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    this.parts.push(b);
    return this;
  }
  u64(v) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
    this.parts.push(b);
    return this;
  }
  bytes(b) {
    this.u32(b.length);
    this.parts.push(Uint8Array.from(b));
    return this;
  }
  text(s) {
    return this.bytes(new TextEncoder().encode(s));
  }
  digest(d) {
    if (d.length !== 32) throw new Error('a digest is 32 bytes');
    this.parts.push(Uint8Array.from(d));
    return this;
  }
  raw(b) {
    this.parts.push(Uint8Array.from(b));
    return this;
  }
  done() {
    return concat(this.parts);
  }
}

// Reads the same building blocks, refusing input that ends early.
class Reader {
  constructor(bytes) {
    this.b = bytes;
    this.at = 0;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n) {
    if (this.at + n > this.b.length) throw new Error('encoding ends early');
  }
  u8() {
    this.need(1);
    return this.b[this.at++];
  }
  u32() {
    this.need(4);
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }
  u64() {
    this.need(8);
    const v = this.view.getBigUint64(this.at, true);
    this.at += 8;
    return v;
  }
  take(n) {
    this.need(n);
    const out = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  bytes() {
    return this.take(this.u32());
  }
  text() {
    return new TextDecoder().decode(this.bytes());
  }
  digest() {
    return this.take(32);
  }
  version(type, highest = 1) {
    const v = this.u8();
    if (v < 1 || v > highest) throw new Error(`${type} format version ${v} is not supported`);
    return v;
  }
  end(type) {
    if (this.at !== this.b.length) throw new Error(`${type}: trailing bytes`);
  }
}

const Kind = {
  assetRegister: 0x0301,
  tradeCreate: 0x0401,
};
const SUITE_P256 = 1;
const Domain = { transaction: 0x01, vote: 0x02, rpcRequest: 0x04 };

// The asset.register payload (docs/ledger.md).
function assetRegisterPayload({ assetId, contentHash, metadataHash, level, sourceDeclarationHash, licenceTermsHash }) {
  return new Writer()
    .u8(1)
    .text(assetId)
    .digest(contentHash)
    .digest(metadataHash)
    .u8(level)
    .digest(sourceDeclarationHash)
    .digest(licenceTermsHash)
    .done();
}

// Fields 1-8 of the transaction envelope (everything but the signature).
function transactionFields(tx) {
  return new Writer()
    .u8(1)
    .text(tx.chainId)
    .text(tx.sender)
    .u16(tx.kind)
    .bytes(tx.payload)
    .u64(tx.nonce)
    .u64(tx.expiryHeight)
    .u8(tx.suite ?? SUITE_P256)
    .done();
}

function transactionSigningBytes(tx) {
  return concat([Uint8Array.of(Domain.transaction), transactionFields(tx)]);
}

function transactionEncoding(tx, signature) {
  return new Writer().raw(transactionFields(tx)).bytes(signature).done();
}

// ------------------------------------------------------------ signatures

const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function bigFrom(bytes) {
  return bytes.length === 0 ? 0n : BigInt('0x' + hex(bytes));
}

function bytesOf(value, length) {
  const text = value.toString(16).padStart(length * 2, '0');
  return fromHex(text);
}

// A DER INTEGER in its one canonical form: minimal big-endian bytes, with a
// 00 in front when the top bit is set (it would read as negative otherwise).
function derInteger(value) {
  let digits = value.toString(16);
  if (digits.length % 2) digits = '0' + digits;
  let b = fromHex(digits);
  if (b[0] & 0x80) b = concat([Uint8Array.of(0), b]);
  return concat([Uint8Array.of(0x02, b.length), b]);
}

// WebCrypto's ECDSA signature is r || s (IEEE P1363). tracechain wants the
// canonical DER SEQUENCE { r, s } with s in the lower half (docs/crypto.md).
function p1363ToLowSDer(signature) {
  const r = bigFrom(signature.subarray(0, 32));
  let s = bigFrom(signature.subarray(32, 64));
  if (s > P256_ORDER / 2n) s = P256_ORDER - s;
  const body = concat([derInteger(r), derInteger(s)]);
  return concat([Uint8Array.of(0x30, body.length), body]);
}

// The reverse, for WebCrypto's verify: DER (as certificates carry it) to r || s.
function derToP1363(der) {
  const r = new Reader(der);
  if (r.u8() !== 0x30) throw new Error('signature is not a DER SEQUENCE');
  const length = r.u8();
  if (length !== der.length - 2) throw new Error('signature DER length is wrong');
  const parts = [];
  for (let i = 0; i < 2; i++) {
    if (r.u8() !== 0x02) throw new Error('signature DER holds no INTEGER');
    parts.push(bytesOf(bigFrom(r.take(r.u8())), 32));
  }
  r.end('signature');
  return concat(parts);
}

function pemToDer(pem) {
  const body = pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, '');
  return new Uint8Array(Buffer.from(body, 'base64'));
}

async function importPrivateKey(pem) {
  return subtle.importKey('pkcs8', pemToDer(pem), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
}

async function importPublicKey(raw) {
  return subtle.importKey('raw', raw, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
}

async function sign(privateKey, message) {
  const p1363 = new Uint8Array(await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, message));
  return p1363ToLowSDer(p1363);
}

async function verify(publicKey, message, der) {
  return subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, publicKey, derToP1363(der), message);
}

// A signed transaction: its canonical encoding (what tx_submit takes) and hash.
async function signTransaction(privateKey, tx) {
  const signature = await sign(privateKey, transactionSigningBytes(tx));
  const encoding = transactionEncoding(tx, signature);
  return { encoding, hash: await sha256(encoding), signature };
}

// ------------------------------------------------------------ JSON-RPC

// The X-Tracechain-* headers of a signed request (docs/rpc.md#authentication):
// `audience` is the id of the node it is sent to (chain_getStatus's nodeId).
async function requestHeaders(privateKey, { chainId, audience, participant, request, body, timestampMs }) {
  if (!audience) throw new Error('a signed request names the node it is for (audience: its nodeId)');
  const ts = BigInt(timestampMs ?? Date.now());
  const signingBytes = new Writer()
    .u8(Domain.rpcRequest)
    .u8(2)
    .text(chainId)
    .text(audience)
    .text(request)
    .digest(await sha256(new TextEncoder().encode(body)))
    .u64(ts)
    .text(participant)
    .done();
  return {
    'X-Tracechain-Participant': participant,
    'X-Tracechain-Timestamp': ts.toString(),
    'X-Tracechain-Signature': hex(await sign(privateKey, signingBytes)),
  };
}

class RpcError extends Error {
  constructor(error) {
    super(`${error.code}: ${error.message}`);
    this.code = error.code;
    this.data = error.data;
  }
}

class Client {
  // `signer`: { privateKey, participant } for methods that need a signed
  // request. The chain id and the node's id, which signed requests name,
  // are read from chain_getStatus on the first signed call.
  constructor(url, { signer } = {}) {
    this.url = new URL(url);
    this.signer = signer;
    this.nextId = 1;
    this.status = null;
  }

  post(body, headers) {
    const transport = this.url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = transport.request(
        this.url,
        { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers } },
        (response) => {
          const chunks = [];
          response.on('data', (c) => chunks.push(c));
          response.on('end', () => resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      request.setTimeout(30000, () => request.destroy(new Error('request timed out')));
      request.on('error', reject);
      request.end(body);
    });
  }

  async call(method, params = {}, { signed = false } = {}) {
    const body = JSON.stringify({ jsonrpc: '2.0', id: this.nextId++, method, params });
    let headers = {};
    if (signed) {
      if (!this.signer) throw new Error(`${method} needs a signer`);
      if (!this.status) this.status = await this.call('chain_getStatus');
      headers = await requestHeaders(this.signer.privateKey, {
        chainId: this.status.chainId,
        audience: this.status.nodeId,
        participant: this.signer.participant,
        request: 'POST /',
        body,
      });
    }
    const response = await this.post(body, headers);
    let reply;
    try {
      reply = JSON.parse(response.body);
    } catch (e) {
      throw new Error(`HTTP ${response.status}: not JSON: ${response.body.slice(0, 200)}`);
    }
    if (reply.error) throw new RpcError(reply.error);
    return reply.result;
  }
}

// ---------------------------------------------- offline verification (RFC 9162)

async function leafHash(leaf) {
  return sha256(concat([Uint8Array.of(0x00), leaf]));
}

async function nodeHash(left, right) {
  return sha256(concat([Uint8Array.of(0x01), left, right]));
}

// RFC 9162 section 2.1.3.2: does `path` lead from leaf `index` of a tree of
// `size` leaves to `root`?
async function verifyInclusion(index, size, leaf, path, root) {
  if (index >= size) return false;
  let fn = BigInt(index);
  let sn = BigInt(size) - 1n;
  let r = leaf;
  for (const p of path) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equal(r, root);
}

// Formats 1 and 2 have the same fields; in format 2 the state root is the
// state tree's (docs/encoding.md, BlockHeader).
function parseHeader(bytes) {
  const r = new Reader(bytes);
  const format = r.version('block header', 2);
  const h = {
    format,
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

function parseReceiptHead(bytes) {
  const r = new Reader(bytes);
  r.version('receipt');
  return { txHash: r.digest(), height: r.u64(), index: r.u32(), status: r.u8() };
}

function parseCertificate(bytes) {
  const r = new Reader(bytes);
  r.version('commit certificate');
  const c = { height: r.u64(), round: r.u32(), blockHash: r.digest(), signatures: [] };
  const count = r.u32();
  for (let i = 0; i < count; i++) c.signatures.push({ validator: r.text(), signature: r.bytes() });
  r.end('commit certificate');
  return c;
}

function parseValidatorSet(bytes) {
  const r = new Reader(bytes);
  r.version('validator set');
  const set = { suite: r.u8(), validators: [] };
  const count = r.u32();
  for (let i = 0; i < count; i++) set.validators.push({ id: r.text(), publicKey: r.bytes(), power: r.u64() });
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
    .u8(1) // block hash present
    .digest(certificate.blockHash)
    .text(validator)
    .done();
}

// Checks that `certificateHex` certifies `headerBytes` with more than two
// thirds of the power of the set in `validatorSetHex` (which the header must
// name, and which must be `trusted` when given). Returns the signers.
async function verifyCertifiedHeader(headerBytes, header, validatorSetHex, certificateHex, trusted, fail) {
  const set = parseValidatorSet(fromHex(validatorSetHex));
  if (!equal(await sha256(fromHex(validatorSetHex)), header.validatorSetHash)) {
    fail("the validator set is not the one the header names");
  }
  if (trusted) {
    const same =
      trusted.length === set.validators.length &&
      trusted.every(
        (t, i) =>
          t.id === set.validators[i].id &&
          t.publicKey === hex(set.validators[i].publicKey) &&
          BigInt(t.power) === set.validators[i].power,
      );
    if (!same) fail('the validator set is not the trusted one');
  }
  const certificate = parseCertificate(fromHex(certificateHex));
  const headerHash = await sha256(headerBytes);
  if (!equal(certificate.blockHash, headerHash) || certificate.height !== header.height) {
    fail('the certificate is for another block');
  }
  const total = set.validators.reduce((n, x) => n + x.power, 0n);
  let signed = 0n;
  const seen = new Set();
  for (const s of certificate.signatures) {
    const validator = set.validators.find((x) => x.id === s.validator);
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

// Checks a self-contained receipt (tx_getVerifiableReceipt's result) from its
// hex fields alone. `trusted` (optional) is the validator set the caller
// already trusts, e.g. from genesis: [{id, publicKey (hex), power}].
// Returns a summary; throws with the first thing that does not check out.
async function verifyReceipt(v, { trusted } = {}) {
  const fail = (why) => {
    throw new Error(`receipt does not verify: ${why}`);
  };
  if (v.format !== 'tracechain-verifiable-receipt/1') fail(`unknown format ${v.format}`);
  if (v.suite !== 'p256-sha256') fail(`this client verifies p256-sha256 only, not ${v.suite}`);

  const txBytes = fromHex(v.transaction.hex);
  const txHash = await sha256(txBytes);
  if (hex(txHash) !== v.transaction.hash) fail('the transaction hash is not the hash of its encoding');

  const receiptBytes = fromHex(v.receipt.hex);
  const receipt = parseReceiptHead(receiptBytes);
  if (!equal(receipt.txHash, txHash)) fail('the receipt is for another transaction');
  const receiptHash = await sha256(receiptBytes);

  // The log leaf is rebuilt from the transaction and receipt, never taken on trust.
  const leaf = new Writer().u8(1).digest(txHash).digest(receiptHash).u64(receipt.height).u32(receipt.index).done();
  if (hex(leaf) !== v.inclusionProof.leaf.hex) fail('the proof is for another leaf');

  const headerBytes = fromHex(v.header.hex);
  const header = parseHeader(headerBytes);
  if (header.chainId !== v.chainId) fail('the header is for another chain');
  if (BigInt(v.inclusionProof.logSize) !== header.logSize) fail('the proof is against another log size');
  const included = await verifyInclusion(
    v.inclusionProof.leafIndex,
    Number(header.logSize),
    await leafHash(leaf),
    v.inclusionProof.path.map(fromHex),
    header.logRoot,
  );
  if (!included) fail("the inclusion proof does not lead to the header's log root");

  const signers = await verifyCertifiedHeader(headerBytes, header, v.validatorSet.hex, v.certificate.hex, trusted, fail);

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

// The state tree (docs/storage.md): does `proofHex` (a StateTreeProof,
// docs/encoding.md) show that under `root`, key `key` holds `value` (bytes,
// or null for nothing)? Throws saying what does not hold.
async function verifyStateTreeProof(root, key, value, proofHex) {
  const r = new Reader(fromHex(proofHex));
  r.version('state proof');
  const count = r.u32();
  if (count > 256) throw new Error(`the state proof has ${count} siblings (at most 256)`);
  const siblings = [];
  for (let i = 0; i < count; i++) siblings.push(r.digest());
  let leaf = null;
  const present = r.u8();
  if (present > 1) throw new Error('the state proof leaf flag is neither 0 nor 1');
  if (present === 1) leaf = { path: r.digest(), valueHash: r.digest() };
  r.end('state proof');

  const path = await sha256(new TextEncoder().encode(key));
  let node = new Uint8Array(32);
  if (leaf) {
    for (let i = 0; i < count; i++) {
      if (bitOf(leaf.path, i) !== bitOf(path, i)) throw new Error(`the proof's leaf is not on the path of key '${key}'`);
    }
    node = await sha256(concat([Uint8Array.of(0x00), leaf.path, leaf.valueHash]));
  }
  for (let i = count - 1; i >= 0; i--) {
    node = bitOf(path, i)
      ? await sha256(concat([Uint8Array.of(0x01), siblings[i], node]))
      : await sha256(concat([Uint8Array.of(0x01), node, siblings[i]]));
  }
  if (!equal(node, root)) throw new Error(`the proof for key '${key}' does not lead to the state root`);
  const holds = leaf !== null && equal(leaf.path, path);
  if (holds && value === null) throw new Error(`key '${key}' has a value under this root`);
  if (!holds && value !== null) throw new Error(`key '${key}' has no value under this root`);
  if (holds && !equal(await sha256(value), leaf.valueHash)) throw new Error(`key '${key}' has another value under this root`);
}

// Checks a state proof (state_getProof's result, or a stateProof /
// historyProof member of a read with proof: true) from its hex fields: the
// header certified by the validators (`trusted` as for verifyReceipt), of
// format 2, and the key's value or absence under its state root. Returns
// {key, value (bytes or null), height}.
async function verifyStateProof(v, { trusted } = {}) {
  const fail = (why) => {
    throw new Error(`state proof does not verify: ${why}`);
  };
  if (v.format !== 'tracechain-state-proof/1') fail(`unknown format ${v.format}`);
  if (v.suite !== 'p256-sha256') fail(`this client verifies p256-sha256 only, not ${v.suite}`);
  const headerBytes = fromHex(v.header.hex);
  const header = parseHeader(headerBytes);
  if (header.chainId !== v.chainId) fail('the header is for another chain');
  if (header.format !== 2) fail('the header is of format 1: its state root proves no single key');
  if (BigInt(v.height) !== header.height) fail('the proof names another height than its header');
  await verifyCertifiedHeader(headerBytes, header, v.validatorSet.hex, v.certificate.hex, trusted, fail);
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
async function verifyHistory(historyProof, recordKey, txHashes, { trusted, allowLater = false } = {}) {
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
  if (BigInt(hashes.length) !== count) {
    throw new Error(`${hashes.length} entries, but the history commitment counts ${count}`);
  }
  let chained = new Uint8Array(32);
  for (const h of hashes) chained = await sha256(concat([Uint8Array.of(0x02), chained, fromHex(h)]));
  if (!equal(chained, head)) throw new Error('the entries do not chain to the committed head: one is another transaction, or out of order');
  return { height: proven.height, count: Number(count) };
}

module.exports = {
  Client,
  Kind,
  Reader,
  RpcError,
  Writer,
  assetRegisterPayload,
  derToP1363,
  fromHex,
  hex,
  importPrivateKey,
  importPublicKey,
  p1363ToLowSDer,
  requestHeaders,
  sha256,
  sign,
  signTransaction,
  transactionEncoding,
  transactionSigningBytes,
  verify,
  verifyHistory,
  verifyInclusion,
  verifyReceipt,
  verifyStateProof,
  verifyStateTreeProof,
};
