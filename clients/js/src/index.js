// tracechain: the whole client. See README.md for what each export does.

export { Reader, Writer, concat, equal, fromBase64, fromHex, hex, toBase64, toBytes, toU64, utf8 } from './bytes.js';
export {
  SUITE,
  derToP1363,
  generateKeyPair,
  importPrivateKey,
  importPublicKey,
  p1363ToLowSDer,
  publicKeyOf,
  randomU64,
  sha256,
  sign,
  signerFromPem,
  verify,
} from './crypto.js';
export { ENUM_NAMES, KINDS, Kind, ROLES, decodePayload, encodePayload, kindOf, payloads, roleBits, roleNames } from './kinds.js';
export { Domain, buildTransaction, decodeTransaction, signTransaction, transactionEncoding, transactionSigningBytes } from './transaction.js';
export { requestHeaders, requestSigningBytes } from './auth.js';
export { Client, METHODS, RpcError } from './client.js';
export { Session, Subscription } from './session.js';
export {
  decodeReadEntry,
  leafHash,
  parseHeader,
  trustedValidators,
  verifyConsistency,
  verifyHeader,
  verifyHistory,
  verifyInclusion,
  verifyReads,
  verifyReceipt,
  verifyStateProof,
  verifyStateTreeProof,
} from './verify.js';
