// Signed requests (docs/rpc.md, "Authentication"): the signing bytes of an
// HTTP request or a WebSocket upgrade, and the X-Tracechain-* headers (or,
// for a browser's WebSocket, the query parameters) that carry the signature.

import { Writer, hex, utf8 } from './bytes.js';
import { sha256, sign } from './crypto.js';
import { Domain } from './transaction.js';

// What the participant signs: `request` is "POST /" or "GET /ws", `body` the
// exact body text sent ("" for an upgrade).
export async function requestSigningBytes({ chainId, audience, participant, request, body, timestampMs }) {
  return new Writer()
    .u8(Domain.rpcRequest)
    .u8(2)
    .text(chainId)
    .text(audience)
    .text(request)
    .digest(await sha256(utf8(body)))
    .u64(timestampMs)
    .text(participant)
    .done();
}

// The three headers of a signed request. `audience` is the id of the node
// it is sent to (chain_getStatus's nodeId); every request is signed afresh
// (the node refuses a signature it has seen).
export async function requestHeaders(privateKey, { chainId, audience, participant, request, body, timestampMs }) {
  if (!audience) throw new Error('a signed request names the node it is for (audience: its nodeId)');
  const ts = BigInt(timestampMs ?? Date.now());
  const signingBytes = await requestSigningBytes({ chainId, audience, participant, request, body, timestampMs: ts });
  return {
    'X-Tracechain-Participant': participant,
    'X-Tracechain-Timestamp': ts.toString(),
    'X-Tracechain-Signature': hex(await sign(privateKey, signingBytes)),
  };
}
