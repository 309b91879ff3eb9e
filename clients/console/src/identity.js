// Who the console acts as: a participant's key, imported from its PEM file
// with WebCrypto as non-extractable, and kept only in this page's memory
// (a reload signs out). The PEM text is read, imported and dropped; neither
// it nor the key is ever sent: requests carry signatures only (docs/rpc.md,
// "Authentication", done by clients/js).
//
// The genesis file the user loads is the trust anchor: the validator set
// every receipt is checked against, and the founding participants' keys,
// by which a key file's owner is found without typing an id.

import { fromHex, hex, trustedValidators } from '../../js/src/index.js';
import { pemToDer } from '../../js/src/crypto.js';

const P256 = { name: 'ECDSA', namedCurve: 'P-256' };

// The uncompressed public point a PKCS#8 EC key carries in its optional
// publicKey field ([1] BIT STRING: a1 44 03 42 00 04 ‖ x ‖ y), as OpenSSL
// and tracectl write it; null when the file has none.
export function publicKeyOfPkcs8(der) {
  const marker = [0xa1, 0x44, 0x03, 0x42, 0x00, 0x04];
  for (let i = der.length - 65 - 5; i >= 0; i--) {
    if (marker.every((b, k) => der[i + k] === b)) return der.slice(i + 5, i + 5 + 65);
  }
  return null;
}

// {privateKey (non-extractable CryptoKey), publicKey (hex or null)} from a
// PEM file's text.
export async function importKeyFile(pem) {
  if (!/-----BEGIN PRIVATE KEY-----/.test(pem)) {
    throw new Error('not a PKCS#8 private key (a PEM file beginning "-----BEGIN PRIVATE KEY-----", as tracectl keys writes)');
  }
  const der = pemToDer(pem);
  let privateKey;
  try {
    privateKey = await crypto.subtle.importKey('pkcs8', der, P256, false, ['sign']);
  } catch {
    throw new Error('the key is not a P-256 key this console can use (only the p256-sha256 suite is supported in browsers)');
  }
  const point = publicKeyOfPkcs8(der);
  return { privateKey, publicKey: point ? hex(point) : null };
}

// A genesis file's text, checked for what the console relies on.
export function parseGenesis(text) {
  let genesis;
  try {
    genesis = JSON.parse(text);
  } catch {
    throw new Error('the genesis file is not JSON');
  }
  if (!Array.isArray(genesis?.validators) || !Array.isArray(genesis?.participants) || !genesis.chain_id) {
    throw new Error('not a genesis file: it needs chain_id, validators and participants');
  }
  for (const v of genesis.validators) fromHex(v.public_key);
  return { genesis, trusted: trustedValidators(genesis) };
}

// The founding participant whose key is `publicKey`, if any.
export function participantOfKey(genesis, publicKey) {
  return genesis.participants.find((p) => p.public_key === publicKey)?.id ?? null;
}
