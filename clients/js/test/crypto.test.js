// Signatures: WebCrypto's r || s becomes canonical low-S DER, and anything
// else is refused.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { concat, derToP1363, fromHex, generateKeyPair, hex, importPrivateKey, importPublicKey, p1363ToLowSDer, publicKeyOf, sign, utf8, verify } from '../src/index.js';

const ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

// The r and s of a DER signature (lengths below 128, as P-256's are).
function integers(der) {
  const rLength = der[3];
  const r = BigInt('0x' + hex(der.subarray(4, 4 + rLength)));
  const s = BigInt('0x' + hex(der.subarray(6 + rLength)));
  return { r, s };
}

function derOf(r, s) {
  const integer = (v) => {
    let digits = v.toString(16);
    if (digits.length % 2) digits = '0' + digits;
    let b = fromHex(digits);
    if (b[0] & 0x80) b = concat([Uint8Array.of(0), b]);
    return concat([Uint8Array.of(2, b.length), b]);
  };
  const body = concat([integer(r), integer(s)]);
  return concat([Uint8Array.of(0x30, body.length), body]);
}

test('signatures are canonical low-S DER and verify', async () => {
  const { privateKey, publicKey } = await generateKeyPair();
  const key = await importPublicKey(publicKey);
  for (let i = 0; i < 40; i++) {
    const message = utf8(`message ${i}`);
    const der = await sign(privateKey, message);
    const { r, s } = integers(der);
    assert.ok(s <= ORDER / 2n, 'S is in the lower half');
    assert.equal(hex(derOf(r, s)), hex(der), 'DER is minimal');
    assert.equal(hex(p1363ToLowSDer(derToP1363(der))), hex(der));
    assert.equal(await verify(key, message, der), true);
    assert.equal(await verify(key, utf8(`message ${i + 1}`), der), false);
    // The same signature with the high S is valid ECDSA but not canonical.
    assert.equal(await verify(key, message, derOf(r, ORDER - s)), false);
  }
});

test('malformed DER is refused, never thrown', async () => {
  const { privateKey, publicKey } = await generateKeyPair();
  const key = await importPublicKey(publicKey);
  const message = utf8('hello');
  const der = await sign(privateKey, message);
  const { r, s } = integers(der);
  const padded = concat([Uint8Array.of(0x30, der[1] + 1, 2, der[3] + 1, 0), der.subarray(4)]);
  assert.throws(() => derToP1363(padded), /not minimal/);
  assert.equal(await verify(key, message, padded), false);
  assert.equal(await verify(key, message, concat([der, Uint8Array.of(0)])), false);
  assert.equal(await verify(key, message, der.subarray(0, der.length - 1)), false);
  assert.equal(await verify(key, message, derOf(0n, s)), false);
  assert.equal(await verify(key, message, derOf(r, ORDER + s)), false);
  assert.equal(await verify(key, message, new Uint8Array()), false);
});

test('a PKCS#8 PEM key imports, and its public half is the generated one', async () => {
  const pair = await generateKeyPair();
  const imported = await importPrivateKey(pair.pem);
  assert.equal(hex(await publicKeyOf(imported)), hex(pair.publicKey));
  assert.equal(pair.publicKey.length, 65);
  assert.equal(pair.publicKey[0], 4);
  const message = utf8('signed with the imported key');
  assert.equal(await verify(await importPublicKey(pair.publicKey), message, await sign(imported, message)), true);
});
