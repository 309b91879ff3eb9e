// The JSON-RPC client (docs/rpc.md): signed or anonymous calls over HTTP
// (fetch), one named method per RPC method, batches, transactions built from
// the kind table, signed and submitted, waiting for commitment through a
// `receipts` subscription or by polling, and WebSocket sessions.

import { requestHeaders } from './auth.js';
import { RpcError, Session } from './session.js';
import { buildTransaction, signTransaction } from './transaction.js';

export { RpcError };

// Every RPC method with its parameters in positional order and whether it
// needs a signed request (docs/rpc.md "Methods"; node/rpc/methods.cc). The
// events_* methods exist on a WebSocket only (Session).
export const METHODS = Object.freeze({
  chain_getStatus: { params: [], signed: false },
  chain_getPolicy: { params: [], signed: false },
  chain_getHeader: { params: ['height'], signed: false },
  chain_getCertificate: { params: ['height'], signed: false },
  chain_getCheckpoint: { params: ['height'], signed: false },
  chain_getWitnesses: { params: [], signed: false },
  witness_addCosignature: { params: ['note'], signed: false },
  chain_getBlock: { params: ['height'], signed: true },
  chain_getConsistencyProof: { params: ['fromSize', 'toSize'], signed: false },
  chain_getValidatorSetChanges: { params: ['fromHeight', 'toHeight'], signed: false },
  tx_submit: { params: ['tx'], signed: false },
  tx_get: { params: ['hash'], signed: true },
  tx_getStatus: { params: ['hash'], signed: false },
  tx_getReceipt: { params: ['hash'], signed: true },
  tx_getInclusionProof: { params: ['hash', 'logSize'], signed: true },
  tx_getVerifiableReceipt: { params: ['hash', 'height', 'witnessed'], signed: true },
  state_getProof: { params: ['key'], signed: true },
  trade_get: { params: ['tradeId', 'proof'], signed: true },
  trade_getTrail: { params: ['tradeId', 'proof'], signed: true },
  trade_listByParticipant: { params: ['participant', 'startAfter', 'limit'], signed: true },
  trade_listByAsset: { params: ['assetId', 'startAfter', 'limit'], signed: true },
  trade_list: { params: ['state', 'startAfter', 'limit'], signed: true },
  asset_list: { params: ['startAfter', 'limit'], signed: true },
  governance_listProposals: { params: ['open', 'startAfter', 'limit'], signed: true },
  governance_getProposal: { params: ['proposalId'], signed: true },
  asset_get: { params: ['assetId', 'proof'], signed: true },
  asset_getHistory: { params: ['assetId', 'startAfter', 'limit', 'proof'], signed: true },
  participant_get: { params: ['participantId', 'proof'], signed: true },
  participant_getHistory: { params: ['participantId', 'proof'], signed: true },
  access_listReads: { params: ['about', 'reader', 'from', 'limit'], signed: true },
  participant_getAttestations: { params: ['participantId', 'startAfter', 'limit', 'proof'], signed: true },
  auth_whoAmI: { params: [], signed: false },
  node_getVersion: { params: [], signed: false },
  events_subscribe: { params: ['topic'], signed: false, webSocketOnly: true },
  events_unsubscribe: { params: ['subscription'], signed: false, webSocketOnly: true },
});

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Client {
  #identity = null;
  #nextId = 1;
  #receipts = null; // {session, waiting: Map hash -> resolve}, for the signer's transactions

  // `url`: the node's RPC (http://127.0.0.1:26657). `signer`: {participant,
  // privateKey} (signerFromPem) for signed methods. `fetch`, `WebSocket`:
  // replacements for the platform's. `timeoutMs`: per HTTP request.
  constructor(url, { signer = null, fetch = globalThis.fetch, WebSocket, timeoutMs = 30000 } = {}) {
    this.url = new URL(url);
    this.signer = signer;
    this.fetch = fetch;
    this.WebSocket = WebSocket;
    this.timeoutMs = timeoutMs;
    // client.chain.getHeader({height}), client.trade.getTrail({tradeId}), ...
    for (const [method, info] of Object.entries(METHODS)) {
      if (info.webSocketOnly) continue;
      const [area, name] = method.split('_');
      this[area] ??= {};
      this[area][name] = (params = {}, options = {}) => this.call(method, params, options);
    }
  }

  // The chain id and node id signed requests name (from chain_getStatus,
  // read once).
  async identity() {
    if (!this.#identity) {
      const status = await this.call('chain_getStatus');
      this.#identity = { chainId: status.chainId, nodeId: status.nodeId, suite: status.suite };
    }
    return this.#identity;
  }

  // Who signs `method`: options.signer when given (null: anonymous), else the
  // client's signer for signed methods and for auth_whoAmI, which answers
  // about the caller.
  #signerFor(method, options) {
    if ('signer' in options) return options.signer;
    if (method === 'auth_whoAmI') return this.signer;
    const signed = METHODS[method]?.signed;
    if (signed && !this.signer) throw new Error(`${method} needs a signed request: give the client a signer`);
    return signed ? this.signer : null;
  }

  async #post(body, signer) {
    const headers = { 'Content-Type': 'application/json' };
    if (signer) {
      const { chainId, nodeId } = await this.identity();
      Object.assign(
        headers,
        await requestHeaders(signer.privateKey, {
          chainId,
          audience: nodeId,
          participant: signer.participant,
          request: `POST ${this.url.pathname}`,
          body,
        }),
      );
    }
    // Called unbound: a browser's fetch refuses any `this` but the window
    // ("Illegal invocation"), and an unbound call gives it the window.
    const fetch = this.fetch;
    const response = await fetch(this.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
    if (response.status === 204) return null;
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`HTTP ${response.status} from ${this.url}: ${text.slice(0, 200)}`);
    }
  }

  // One JSON-RPC call; its result, or an RpcError with the node's code,
  // message and data. `options.signer` overrides who signs (null: nobody).
  async call(method, params = {}, options = {}) {
    const body = JSON.stringify({ jsonrpc: '2.0', id: this.#nextId++, method, params });
    const reply = await this.#post(body, this.#signerFor(method, options));
    if (reply.error) throw new RpcError(reply.error);
    return reply.result;
  }

  // Several calls in one request ([{method, params}]), signed once when any
  // needs it. Returns one entry per call, in order: {result} or {error: RpcError}.
  async batch(calls, options = {}) {
    const signers = calls.map((c) => this.#signerFor(c.method, options));
    const signer = 'signer' in options ? options.signer : signers.find((s) => s) ?? null;
    const requests = calls.map((c) => ({ jsonrpc: '2.0', id: this.#nextId++, method: c.method, params: c.params ?? {} }));
    const reply = await this.#post(JSON.stringify(requests), signer);
    if (!Array.isArray(reply)) throw new RpcError(reply.error);
    const byId = new Map(reply.map((r) => [r.id, r]));
    return requests.map((r) => {
      const answer = byId.get(r.id);
      return answer.error ? { error: new RpcError(answer.error) } : { result: answer.result };
    });
  }

  // ----------------------------------------------------------- transactions

  // Builds and signs a transaction of `kind` with payload `fields` (the
  // node's JSON shape; see kinds.js), as `signer` (default the client's),
  // valid for `expiresIn` blocks from the current height.
  async sign(kind, fields, { signer = this.signer, expiresIn = 100, nonce } = {}) {
    if (!signer) throw new Error('signing a transaction needs a signer');
    const status = await this.call('chain_getStatus');
    const tx = buildTransaction({
      chainId: status.chainId,
      sender: signer.participant,
      kind,
      fields,
      nonce,
      expiryHeight: BigInt(status.height) + BigInt(expiresIn),
    });
    return signTransaction(signer.privateKey, tx);
  }

  // Submits a signed transaction (signTransaction's or sign's result); its hash.
  async submit(signed) {
    const { hash } = await this.call('tx_submit', { tx: signed.hex });
    if (hash !== signed.hash) throw new Error(`the node names the transaction ${hash}, not ${signed.hash}`);
    return hash;
  }

  // Submits and waits until the transaction is committed: {hash, height,
  // index, receipt}. The receipt (docs/rpc.md "Receipt") may say "failed":
  // the caller checks receipt.status. When the client's signer sent the
  // transaction, the wait listens to its `receipts` subscription (opened
  // before submitting, so a quick commit is not missed); otherwise it polls
  // tx_getStatus and reads the receipt once (null without a signer).
  // Throws on refusal by the node, or when `timeoutMs` passes first.
  //
  // A committed key rotation makes the old key sign nothing more, not even
  // the read of its own receipt: for identity.rotate-key, pass `nextSigner`
  // (the same participant with the new key), which the client adopts as
  // its signer once the rotation commits.
  async submitAndWait(signed, { timeoutMs = 30000, via, nextSigner } = {}) {
    if (nextSigner) {
      const hash = await this.submit(signed);
      const { height, index } = await this.#poll(hash, Date.now() + timeoutMs, () => new Error(`key rotation ${hash} not committed within ${timeoutMs} ms`), false);
      this.signer = nextSigner;
      return { hash, height, index, receipt: await this.call('tx_getReceipt', { hash }) };
    }
    const subscribe = (via ?? (this.signer?.participant === signed.tx.sender ? 'subscription' : 'polling')) === 'subscription';
    const deadline = Date.now() + timeoutMs;
    const timeout = () => new Error(`transaction ${signed.hash} not committed within ${timeoutMs} ms`);
    if (!subscribe) {
      const hash = await this.submit(signed);
      return this.#poll(hash, deadline, timeout);
    }
    const watcher = await this.#receiptWatcher();
    let arrived;
    const receipt = new Promise((resolve) => {
      arrived = resolve;
      watcher.waiting.set(signed.hash, resolve);
    });
    try {
      await this.submit(signed);
      let timer;
      const expired = new Promise((_, reject) => (timer = setTimeout(() => reject(timeout()), Math.max(0, deadline - Date.now()))));
      // A notification missed while the session reconnected is read by polling.
      const missed = watcher.reconnected.then(() => this.#poll(signed.hash, deadline, timeout)).then((r) => arrived(r.receipt));
      missed.catch(() => {});
      const got = await Promise.race([receipt, expired]).finally(() => clearTimeout(timer));
      return { hash: signed.hash, height: got.height, index: got.index, receipt: got };
    } finally {
      watcher.waiting.delete(signed.hash);
    }
  }

  async #poll(hash, deadline, timeout, readReceipt = true) {
    for (;;) {
      const status = await this.call('tx_getStatus', { hash });
      if (status.committed) {
        const receipt = readReceipt && this.signer ? await this.call('tx_getReceipt', { hash }) : null;
        return { hash, height: status.height, index: status.index, receipt };
      }
      if (Date.now() > deadline) throw timeout();
      await wait(100);
    }
  }

  async #receiptWatcher() {
    if (!this.#receipts) {
      const watcher = { waiting: new Map(), reconnected: null };
      let signal;
      const renew = () => (watcher.reconnected = new Promise((resolve) => (signal = resolve)));
      renew();
      watcher.session = this.session({
        onReconnect: () => {
          signal();
          renew();
        },
      });
      this.#receipts = watcher;
      try {
        await watcher.session.subscribe('receipts', (r) => watcher.waiting.get(r.txHash)?.(r));
      } catch (e) {
        this.#receipts = null;
        throw e;
      }
    }
    return this.#receipts;
  }

  // Builds, signs, submits and waits: sign() then submitAndWait().
  async transact(kind, fields, options = {}) {
    return this.submitAndWait(await this.sign(kind, fields, options), options);
  }

  // -------------------------------------------------------------- WebSocket

  // A WebSocket session (session.js), signed by the client's signer unless
  // `options.signer` says otherwise; opened on first use.
  session(options = {}) {
    return new Session(this, { signer: () => this.signer, WebSocket: this.WebSocket, ...options });
  }

  // Subscribes to `topic` on a new session of its own; `onEvent` gets each
  // notification. Returns the Subscription; subscription.session.close() ends it.
  async subscribe(topic, onEvent, options = {}) {
    const session = this.session(options);
    try {
      return await session.subscribe(topic, onEvent);
    } catch (e) {
      session.close();
      throw e;
    }
  }

  // Closes the session submitAndWait keeps open.
  close() {
    this.#receipts?.session.close();
    this.#receipts = null;
  }
}
