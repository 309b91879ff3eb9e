// The p256-sha256 suite through WebCrypto (globalThis.crypto.subtle, in Node
// 20+ and in browsers): SHA-256, ECDSA P-256 keys, and signatures in the
// form tracechain requires, canonical DER with a low S (docs/crypto.md).
// WebCrypto signs and verifies r || s (IEEE P1363); the conversions are here.

import { Reader, concat, fromBase64, fromHex, hex, toBase64 } from './bytes.js';

export const SUITE = 'p256-sha256';
export const SUITE_BYTE = 1;

const subtle = globalThis.crypto?.subtle;
const P256 = { name: 'ECDSA', namedCurve: 'P-256' };
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' };
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function webCrypto() {
  if (!subtle) throw new Error('no WebCrypto here (globalThis.crypto.subtle); browsers offer it only in secure contexts');
  return subtle;
}

export async function sha256(bytes) {
  return new Uint8Array(await webCrypto().digest('SHA-256', bytes));
}

export function randomBytes(n) {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

// A fresh random u64, e.g. a transaction nonce.
export function randomU64() {
  return new DataView(randomBytes(8).buffer).getBigUint64(0, true);
}

function bigFrom(bytes) {
  return bytes.length === 0 ? 0n : BigInt('0x' + hex(bytes));
}

function fixedBytes(value, length) {
  return fromHex(value.toString(16).padStart(length * 2, '0'));
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

// r || s to DER SEQUENCE { r, s }, with s moved to the lower half of the
// group order (n - s signs the same message) so there is one encoding.
export function p1363ToLowSDer(signature) {
  const r = bigFrom(signature.subarray(0, 32));
  let s = bigFrom(signature.subarray(32, 64));
  if (s > P256_ORDER / 2n) s = P256_ORDER - s;
  const body = concat([derInteger(r), derInteger(s)]);
  return concat([Uint8Array.of(0x30, body.length), body]);
}

// DER to r || s, refusing anything but the canonical low-S form.
export function derToP1363(der) {
  const r = new Reader(der);
  if (r.u8() !== 0x30) throw new Error('signature is not a DER SEQUENCE');
  if (r.u8() !== der.length - 2) throw new Error('signature DER length is wrong');
  const parts = [];
  for (let i = 0; i < 2; i++) {
    if (r.u8() !== 0x02) throw new Error('signature DER holds no INTEGER');
    const body = r.take(r.u8());
    const value = bigFrom(body);
    if (body.length === 0 || hex(derInteger(value).subarray(2)) !== hex(body)) {
      throw new Error('signature DER integer is not minimal');
    }
    if (value === 0n || value >= P256_ORDER) throw new Error('signature integer out of range');
    parts.push(value);
  }
  r.end('signature');
  if (parts[1] > P256_ORDER / 2n) throw new Error('signature is not low-S');
  return concat(parts.map((v) => fixedBytes(v, 32)));
}

export function pemToDer(pem) {
  return fromBase64(pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, ''));
}

function derToPem(der, label) {
  const lines = toBase64(der).match(/.{1,64}/g);
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

// A PKCS#8 PEM private key (what tracectl keys writes). `extractable` lets
// publicKeyOf() read its public half.
export async function importPrivateKey(pem, { extractable = true } = {}) {
  return webCrypto().importKey('pkcs8', pemToDer(pem), P256, extractable, ['sign']);
}

// An uncompressed SEC1 point (04 || x || y), as the chain stores keys.
export async function importPublicKey(raw) {
  return webCrypto().importKey('raw', raw, P256, true, ['verify']);
}

// The uncompressed public key of an extractable private key.
export async function publicKeyOf(privateKey) {
  const jwk = await webCrypto().exportKey('jwk', privateKey);
  const coordinate = (text) => fromBase64(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  return concat([Uint8Array.of(4), coordinate(jwk.x), coordinate(jwk.y)]);
}

// A fresh P-256 key pair: {privateKey (CryptoKey), publicKey (uncompressed
// bytes), pem (PKCS#8, for saving)}.
export async function generateKeyPair() {
  const pair = await webCrypto().generateKey(P256, true, ['sign', 'verify']);
  const pkcs8 = new Uint8Array(await webCrypto().exportKey('pkcs8', pair.privateKey));
  const publicKey = new Uint8Array(await webCrypto().exportKey('raw', pair.publicKey));
  return { privateKey: pair.privateKey, publicKey, pem: derToPem(pkcs8, 'PRIVATE KEY') };
}

// ECDSA P-256 over SHA-256 of `message`, as low-S DER.
export async function sign(privateKey, message) {
  return p1363ToLowSDer(new Uint8Array(await webCrypto().sign(ECDSA_SHA256, privateKey, message)));
}

// Whether `der` is a valid canonical signature of `message`; false, never an
// exception, for a malformed one.
export async function verify(publicKey, message, der) {
  let p1363;
  try {
    p1363 = derToP1363(der);
  } catch {
    return false;
  }
  return webCrypto().verify(ECDSA_SHA256, publicKey, p1363, message);
}

// Who signs: a participant id and its private key.
export async function signerFromPem(participant, pem) {
  return { participant, privateKey: await importPrivateKey(pem) };
}
