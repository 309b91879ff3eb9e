// A minimal RFC 6455 WebSocket client for Node versions without a global
// WebSocket (Node 20): text messages, fragmentation, ping/pong and the
// closing handshake, over node:net or node:tls. It offers the subset of the
// browser WebSocket interface the session uses (onopen, onmessage, onclose,
// onerror, send, close, readyState). Loaded only when globalThis.WebSocket
// is absent, so the rest of the package stays free of node: imports.
// Single-threaded like everything in Node: no locking.

import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const Opcode = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 };
const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export class WebSocket {
  static CONNECTING = CONNECTING;
  static OPEN = OPEN;
  static CLOSING = CLOSING;
  static CLOSED = CLOSED;

  onopen = null;
  onmessage = null;
  onclose = null;
  onerror = null;
  readyState = CONNECTING;

  #socket;
  #buffer = Buffer.alloc(0);
  #fragments = [];
  #fragmentBytes = 0;
  #key = randomBytes(16).toString('base64');
  #closeSent = false;
  #closeEvent = { code: 1006, reason: '', wasClean: false };

  constructor(url) {
    const target = new URL(url);
    if (target.protocol !== 'ws:' && target.protocol !== 'wss:') throw new SyntaxError(`not a WebSocket URL: ${url}`);
    const secure = target.protocol === 'wss:';
    const port = Number(target.port || (secure ? 443 : 80));
    const host = target.hostname.replace(/^\[|\]$/g, '');
    this.#socket = secure ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host }) : net.connect({ host, port });
    this.#socket.once(secure ? 'secureConnect' : 'connect', () => {
      const hostHeader = target.port ? `${target.hostname}:${target.port}` : target.hostname;
      this.#socket.write(
        `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${hostHeader}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${this.#key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    this.#socket.on('data', (chunk) => this.#receive(chunk));
    this.#socket.on('error', (error) => this.#fire('onerror', { type: 'error', error, message: error.message }));
    this.#socket.on('close', () => this.#finish());
  }

  send(text) {
    if (this.readyState !== OPEN) throw new Error('the WebSocket is not open');
    this.#sendFrame(Opcode.text, Buffer.from(String(text), 'utf8'));
  }

  close(code = 1000, reason = '') {
    if (this.readyState === CLOSED || this.readyState === CLOSING) return;
    if (this.readyState === CONNECTING) {
      this.readyState = CLOSING;
      this.#socket.destroy();
      return;
    }
    this.readyState = CLOSING;
    this.#sendClose(code, reason);
    // A server that never answers the close frame must not hold the socket.
    setTimeout(() => this.#socket.destroy(), 2000).unref();
  }

  #fire(handler, event) {
    if (typeof this[handler] === 'function') this[handler](event);
  }

  #finish() {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.#fire('onclose', { type: 'close', ...this.#closeEvent });
  }

  #fail(message) {
    this.#fire('onerror', { type: 'error', message });
    this.#socket.destroy();
  }

  #receive(chunk) {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    if (this.readyState === CONNECTING && !this.#handshake()) return;
    while (this.#buffer.length > 0 && this.#frame()) {
      // one frame handled per turn of the loop
    }
  }

  // Reads the upgrade response once it is whole; false until then (or on failure).
  #handshake() {
    const end = this.#buffer.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.#buffer.length > 16384) this.#fail('the upgrade response header is too large');
      return false;
    }
    const lines = this.#buffer.subarray(0, end).toString('latin1').split('\r\n');
    this.#buffer = this.#buffer.subarray(end + 4);
    const status = /^HTTP\/1\.1 (\d{3})/.exec(lines[0]);
    const headers = new Map(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    const accept = createHash('sha1').update(this.#key + GUID).digest('base64');
    if (!status || status[1] !== '101') {
      this.#fail(`the server refused the upgrade: ${lines[0]}`);
      return false;
    }
    if (headers.get('sec-websocket-accept') !== accept) {
      this.#fail('the server answered the upgrade with a wrong Sec-WebSocket-Accept');
      return false;
    }
    this.readyState = OPEN;
    this.#fire('onopen', { type: 'open' });
    return true;
  }

  // Handles one whole frame from the buffer; false when more bytes are needed.
  #frame() {
    const b = this.#buffer;
    if (b.length < 2) return false;
    const fin = (b[0] & 0x80) !== 0;
    const opcode = b[0] & 0x0f;
    if (b[1] & 0x80) {
      this.#fail('the server masked a frame');
      return false;
    }
    let length = b[1] & 0x7f;
    let at = 2;
    if (length === 126) {
      if (b.length < 4) return false;
      length = b.readUInt16BE(2);
      at = 4;
    } else if (length === 127) {
      if (b.length < 10) return false;
      const big = b.readBigUInt64BE(2);
      if (big > BigInt(MAX_MESSAGE_BYTES)) {
        this.#fail('a frame is larger than this client takes');
        return false;
      }
      length = Number(big);
      at = 10;
    }
    if (b.length < at + length) return false;
    const payload = b.subarray(at, at + length);
    this.#buffer = b.subarray(at + length);
    this.#handle(fin, opcode, payload);
    return true;
  }

  #handle(fin, opcode, payload) {
    switch (opcode) {
      case Opcode.text:
      case Opcode.binary:
      case Opcode.continuation:
        if ((opcode === Opcode.continuation) === (this.#fragments.length === 0)) {
          this.#fail('fragments arrived out of order');
          return;
        }
        this.#fragments.push(Buffer.from(payload));
        this.#fragmentBytes += payload.length;
        if (this.#fragmentBytes > MAX_MESSAGE_BYTES) {
          this.#fail('a message is larger than this client takes');
          return;
        }
        if (fin) {
          const data = Buffer.concat(this.#fragments).toString('utf8');
          this.#fragments = [];
          this.#fragmentBytes = 0;
          if (this.readyState === OPEN) this.#fire('onmessage', { type: 'message', data });
        }
        return;
      case Opcode.ping:
        if (!this.#closeSent) this.#sendFrame(Opcode.pong, payload);
        return;
      case Opcode.pong:
        return;
      case Opcode.close: {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        this.#closeEvent = { code, reason: payload.subarray(2).toString('utf8'), wasClean: true };
        this.readyState = CLOSING;
        if (!this.#closeSent) this.#sendClose(code === 1005 ? 1000 : code, '');
        this.#socket.end();
        return;
      }
      default:
        this.#fail(`unknown opcode ${opcode}`);
    }
  }

  #sendClose(code, reason) {
    const body = Buffer.alloc(2);
    body.writeUInt16BE(code);
    this.#sendFrame(Opcode.close, Buffer.concat([body, Buffer.from(reason, 'utf8')]));
    this.#closeSent = true;
  }

  // A client frame: always whole (FIN) and masked with a fresh key.
  #sendFrame(opcode, payload) {
    if (this.#socket.destroyed) return;
    let header;
    if (payload.length < 126) {
      header = Buffer.from([0x80 | opcode, 0x80 | payload.length]);
    } else if (payload.length < 65536) {
      header = Buffer.alloc(4);
      header.writeUInt16BE(payload.length, 2);
      header[1] = 0x80 | 126;
    } else {
      header = Buffer.alloc(10);
      header.writeBigUInt64BE(BigInt(payload.length), 2);
      header[1] = 0x80 | 127;
    }
    header[0] = 0x80 | opcode;
    const mask = randomBytes(4);
    const masked = Buffer.alloc(payload.length);
    for (let i = 0; i < payload.length; i++) masked[i] = payload[i] ^ mask[i & 3];
    this.#socket.write(Buffer.concat([header, mask, masked]));
  }
}
