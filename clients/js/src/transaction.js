// The transaction envelope (docs/encoding.md, "Transaction"): building,
// signing and decoding. A transaction is signed over its signing bytes
// (domain 01, then fields 1-8) and submitted as its encoding (fields 1-9);
// its hash is SHA-256 of the encoding.

import { Reader, Writer, concat, hex, toBytes } from './bytes.js';
import { SUITE_BYTE, randomU64, sha256, sign } from './crypto.js';
import { decodePayload, encodePayload, kindOf } from './kinds.js';

export const Domain = Object.freeze({ transaction: 0x01, vote: 0x02, proposal: 0x03, rpcRequest: 0x04 });

const SUITES = ['p256-sha256', 'ed25519-sha256', 'sm2-sm3'];

// Fields 1-8 of the envelope. `tx`: {chainId, sender, kind (code or name),
// payload (bytes), nonce, expiryHeight, suite (byte, default p256-sha256)}.
function envelopeFields(tx) {
  return new Writer()
    .u8(1)
    .text(tx.chainId)
    .text(tx.sender)
    .u16(kindOf(tx.kind).code)
    .bytes(toBytes(tx.payload))
    .u64(tx.nonce)
    .u64(tx.expiryHeight)
    .u8(tx.suite ?? SUITE_BYTE)
    .done();
}

export function transactionSigningBytes(tx) {
  return concat([Uint8Array.of(Domain.transaction), envelopeFields(tx)]);
}

export function transactionEncoding(tx, signature) {
  return new Writer().raw(envelopeFields(tx)).bytes(signature).done();
}

// A transaction ready to sign: the payload built from `fields` (the node's
// JSON shape, see kinds.js) unless `payload` bytes are given; a fresh
// random nonce unless one is given.
export function buildTransaction({ chainId, sender, kind, fields, payload, nonce, expiryHeight }) {
  if (expiryHeight === undefined) throw new Error('a transaction needs an expiryHeight (the last height it may be included at)');
  return {
    chainId,
    sender,
    kind: kindOf(kind).code,
    payload: payload !== undefined ? toBytes(payload) : encodePayload(kind, fields ?? {}),
    nonce: nonce ?? randomU64(),
    expiryHeight,
    suite: SUITE_BYTE,
  };
}

// Signs `tx` with `privateKey`: {tx, encoding, hex (what tx_submit takes),
// hash (hex), signature}.
export async function signTransaction(privateKey, tx) {
  const signature = await sign(privateKey, transactionSigningBytes(tx));
  const encoding = transactionEncoding(tx, signature);
  return { tx, encoding, hex: hex(encoding), hash: hex(await sha256(encoding)), signature };
}

// An encoded transaction in the node's Transaction shape (docs/rpc.md), the
// payload decoded by the kind table (null when it does not decode, as the
// node shows it).
export async function decodeTransaction(bytes) {
  const encoding = toBytes(bytes);
  const r = new Reader(encoding);
  r.version('transaction');
  const chainId = r.text();
  const sender = r.text();
  const code = r.u16();
  const payload = r.bytes();
  const nonce = r.u64();
  const expiryHeight = r.u64();
  const suite = SUITES[r.u8() - 1];
  if (!suite) throw new Error('transaction: unknown suite');
  const signature = r.bytes();
  r.end('transaction');
  const kind = kindOf(code);
  return {
    hash: hex(await sha256(encoding)),
    hex: hex(encoding),
    chainId,
    sender,
    kind: kind.name,
    kindCode: code,
    payload: await decodePayload(code, payload).catch(() => null),
    payloadHex: hex(payload),
    nonce: nonce.toString(),
    expiryHeight: expiryHeight.toString(),
    suite,
    signature: hex(signature),
  };
}
