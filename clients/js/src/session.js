// A WebSocket session with a node (docs/rpc.md, "WebSocket subscriptions"):
// JSON-RPC calls over the socket, and subscriptions that survive a lost
// connection. When the socket closes without close() having been called
// (network loss, node restart, or the node's 1008 "sign anew" after a role
// change or key rotation), the session reconnects with a freshly signed
// upgrade, backing off from minDelayMs to maxDelayMs, subscribes every topic
// again and calls onReconnect. Notifications committed while it was away are
// not replayed: catch up with chain_getHeader / trade_getTrail (onReconnect
// is the place). Belongs to one event loop, like everything in JavaScript.

import { requestHeaders } from './auth.js';

export class RpcError extends Error {
  constructor(error) {
    super(`${error.code}: ${error.message}${error.data ? ' ' + JSON.stringify(error.data) : ''}`);
    this.name = 'RpcError';
    this.code = error.code;
    this.data = error.data;
  }
}

let nodeWebSocket;

// The platform's WebSocket, or on Node 20 the package's own.
export async function webSocketClass() {
  if (globalThis.WebSocket) return globalThis.WebSocket;
  nodeWebSocket ??= (await import('./node-websocket.js')).WebSocket;
  return nodeWebSocket;
}

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Session {
  #client;
  #signer;
  #options;
  #socket = null;
  #nextId = 1;
  #pending = new Map(); // request id -> {resolve, reject}
  #subscriptions = new Set(); // what to renew on reconnection
  #byId = new Map(); // the node's subscription id -> Subscription
  #closed = false;
  #reconnecting = null;
  #opened = null;

  // `client`: the Client whose node it talks to (its URL and identity);
  // `signer`: who the upgrade authenticates (none: anonymous, newBlocks
  // only), or a function returning it, asked at every (re)connection.
  constructor(client, { signer = null, reconnect = true, minDelayMs = 100, maxDelayMs = 5000, onReconnect, onError, WebSocket } = {}) {
    this.#client = client;
    this.#signer = signer;
    this.#options = { reconnect, minDelayMs, maxDelayMs, onReconnect, onError, WebSocket };
  }

  // The current WebSocket (it changes on reconnection).
  get socket() {
    return this.#socket;
  }

  // Connects once; later calls wait for the same connection.
  open() {
    this.#opened ??= this.#connect().catch((e) => {
      this.#opened = null;
      throw e;
    });
    return this.#opened;
  }

  async #url() {
    const url = new URL('/ws', this.#client.url);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const signer = typeof this.#signer === 'function' ? this.#signer() : this.#signer;
    if (signer) {
      // Browsers cannot set upgrade headers: the query carries the same values.
      const { chainId, nodeId } = await this.#client.identity();
      const headers = await requestHeaders(signer.privateKey, {
        chainId,
        audience: nodeId,
        participant: signer.participant,
        request: 'GET /ws',
        body: '',
      });
      url.searchParams.set('participant', headers['X-Tracechain-Participant']);
      url.searchParams.set('timestamp', headers['X-Tracechain-Timestamp']);
      url.searchParams.set('signature', headers['X-Tracechain-Signature']);
    }
    return url.toString();
  }

  async #connect() {
    const WebSocketClass = this.#options.WebSocket ?? (await webSocketClass());
    const socket = new WebSocketClass(await this.#url());
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = (e) => reject(new Error(`WebSocket to ${this.#client.url}: ${e.message ?? 'connection failed'}`));
      socket.onclose = (e) => reject(new Error(`WebSocket to ${this.#client.url} closed while opening (${e.code})`));
    });
    socket.onerror = () => {}; // a close event always follows
    socket.onmessage = (e) => this.#receive(e.data);
    socket.onclose = (e) => this.#lost(socket, e);
    this.#socket = socket;
  }

  #receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    for (const m of Array.isArray(message) ? message : [message]) {
      if (m.method === 'events_notification') {
        this.#byId.get(m.params.subscription)?.deliver(m.params.result);
        continue;
      }
      const waiting = this.#pending.get(m.id);
      if (!waiting) continue;
      this.#pending.delete(m.id);
      if (m.error) waiting.reject(new RpcError(m.error));
      else waiting.resolve(m.result);
    }
  }

  #lost(socket, event) {
    if (socket !== this.#socket) return;
    this.#socket = null;
    for (const waiting of this.#pending.values()) waiting.reject(new Error(`the WebSocket closed (${event.code} ${event.reason ?? ''})`));
    this.#pending.clear();
    if (!this.#closed && this.#options.reconnect) this.#reconnecting ??= this.#reconnect().finally(() => (this.#reconnecting = null));
  }

  async #reconnect() {
    let delay = this.#options.minDelayMs;
    let attempts = 0;
    while (!this.#closed) {
      await wait(delay);
      attempts++;
      try {
        await this.#connect();
        this.#byId.clear();
        for (const s of this.#subscriptions) {
          s.id = await this.call('events_subscribe', { topic: s.topic });
          this.#byId.set(s.id, s);
        }
        this.#options.onReconnect?.({ attempts });
        return;
      } catch (e) {
        this.#options.onError?.(e);
        this.#socket?.close();
        delay = Math.min(delay * 2, this.#options.maxDelayMs);
      }
    }
  }

  // Resolves once connected again after a loss (at once when connected).
  async connected() {
    if (this.#reconnecting) await this.#reconnecting;
    if (!this.#socket) await this.open();
  }

  async call(method, params = {}) {
    if (!this.#socket) await this.open();
    const id = this.#nextId++;
    const reply = new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    this.#socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    return reply;
  }

  // Subscribes to `topic` (newBlocks, tradeEvents, receipts); `onEvent` gets
  // each notification's result. The subscription is renewed on reconnection.
  async subscribe(topic, onEvent) {
    const subscription = new Subscription(this, topic, onEvent);
    subscription.id = await this.call('events_subscribe', { topic });
    this.#subscriptions.add(subscription);
    this.#byId.set(subscription.id, subscription);
    return subscription;
  }

  async unsubscribe(subscription) {
    this.#subscriptions.delete(subscription);
    this.#byId.delete(subscription.id);
    if (this.#socket) return this.call('events_unsubscribe', { subscription: subscription.id });
    return false;
  }

  close() {
    this.#closed = true;
    this.#socket?.close(1000, 'done');
    this.#socket = null;
  }
}

export class Subscription {
  constructor(session, topic, onEvent) {
    this.session = session;
    this.topic = topic;
    this.id = null; // the node's id; a new one after each reconnection
    this.deliver = onEvent;
  }

  unsubscribe() {
    return this.session.unsubscribe(this);
  }
}
