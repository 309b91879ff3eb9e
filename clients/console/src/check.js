// What the console verifies in the browser, with nothing but genesis:
// a self-contained receipt (clients/js verifyReceipt: hashes, the log leaf,
// the RFC 9162 inclusion proof, the certificate against genesis's
// validators), then the transaction's own signature with the sender key
// the receipt names, and whether genesis vouches for that key. A verdict
// is a value, never a throw: {ok, why} or {ok, summary, tx, keySource,
// timeMs}, where tx and timeMs (the block's time) are read from the
// verified bytes, not from the node's decoded JSON beside them.

import { decodeTransaction, fromHex, importPublicKey, parseHeader, transactionSigningBytes, verify, verifyReceipt } from '../../js/src/index.js';

export async function checkReceipt(receipt, { genesis, trusted }) {
  try {
    if (genesis && receipt?.chainId !== genesis.chain_id) {
      throw new Error(`the receipt is of chain '${receipt?.chainId}', the genesis of '${genesis.chain_id}'`);
    }
    const summary = await verifyReceipt(receipt, { trusted });
    const tx = await decodeTransaction(fromHex(receipt.transaction.hex));
    const keySource = await checkSenderSignature(receipt, tx, genesis);
    const timeMs = Number(parseHeader(fromHex(receipt.header.hex)).timeMs);
    return { ok: true, summary, tx, keySource, timeMs };
  } catch (error) {
    return { ok: false, why: error.message };
  }
}

// 'genesis' when genesis lists the key for the sender from height 0, 'node'
// when only the receipt names it (a key rotated later: the node's word, see
// docs/rpc.md "VerifiableReceipt"), 'none' when the receipt names no key.
async function checkSenderSignature(receipt, tx, genesis) {
  const key = receipt.senderKey;
  if (!key) return 'none';
  if (key.fromHeight > receipt.receipt.height) throw new Error('the sender key takes effect after the transaction');
  const signingBytes = transactionSigningBytes({
    chainId: tx.chainId,
    sender: tx.sender,
    kind: tx.kindCode,
    payload: fromHex(tx.payloadHex),
    nonce: tx.nonce,
    expiryHeight: tx.expiryHeight,
  });
  const ok = await verify(await importPublicKey(fromHex(key.publicKey)), signingBytes, fromHex(tx.signature));
  if (!ok) throw new Error("the sender's signature does not verify with the key the receipt names");
  const founding = genesis?.participants.find((p) => p.id === tx.sender);
  return founding && founding.public_key === key.publicKey && key.fromHeight === 0 ? 'genesis' : 'node';
}

// One line on a verdict, for a step or a file.
export function describe(verdict) {
  if (!verdict.ok) return `not verified: ${verdict.why}`;
  const { summary, keySource } = verdict;
  const signers = summary.signers.join(', ');
  const key = { genesis: "sender's signature checked with its genesis key", node: "sender's signature checked with the key the node names", none: "the sender's key is not named" }[keySource];
  return `verified: leaf ${summary.leafIndex} of ${summary.logSize} in block ${summary.headerHeight}, certified by ${signers}; ${key}`;
}
