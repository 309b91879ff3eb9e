// Bytes and the canonical encoding's building blocks (docs/encoding.md):
// little-endian integers, u32-length-prefixed text and bytes, bare 32-byte
// digests, lists and optionals; hex and base64 text. Pure functions and two
// small classes; the same in Node and in browsers.

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(text) {
  return utf8Encoder.encode(text);
}

export function hex(bytes) {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

// Lower- or upper-case hex, with an optional 0x, as the RPC accepts it.
export function fromHex(text) {
  if (typeof text !== 'string') throw new TypeError(`not hex: ${String(text).slice(0, 40)}`);
  const digits = text.startsWith('0x') ? text.slice(2) : text;
  if (digits.length % 2 !== 0 || /[^0-9a-fA-F]/.test(digits)) {
    throw new Error(`not hex: ${text.slice(0, 40)}`);
  }
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

// Bytes given either as a Uint8Array or as hex.
export function toBytes(value) {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return fromHex(value);
  throw new TypeError('expected bytes (a Uint8Array) or hex text');
}

export function toBase64(bytes) {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function fromBase64(text) {
  const binary = atob(text.replace(/\s+/g, ''));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function equal(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

const U64_MAX = (1n << 64n) - 1n;

// A u64 from a bigint, a safe integer or a decimal string (the RPC's form
// for u64 values a participant chooses).
export function toU64(value, what = 'value') {
  let v;
  if (typeof value === 'bigint') v = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) v = BigInt(value);
  else if (typeof value === 'string' && /^[0-9]{1,20}$/.test(value)) v = BigInt(value);
  else throw new Error(`${what}: expected a whole number from 0 to 2^64-1, not ${String(value)}`);
  if (v < 0n || v > U64_MAX) throw new Error(`${what}: ${v} is outside 0 to 2^64-1`);
  return v;
}

// Writes the building blocks; every method returns the writer.
export class Writer {
  #parts = [];

  #fixed(size, set) {
    const b = new Uint8Array(size);
    set(new DataView(b.buffer));
    this.#parts.push(b);
    return this;
  }
  u8(v) {
    return this.#fixed(1, (d) => d.setUint8(0, v));
  }
  bool(v) {
    return this.u8(v ? 1 : 0);
  }
  u16(v) {
    return this.#fixed(2, (d) => d.setUint16(0, v, true));
  }
  u32(v) {
    return this.#fixed(4, (d) => d.setUint32(0, v, true));
  }
  u64(v) {
    return this.#fixed(8, (d) => d.setBigUint64(0, toU64(v), true));
  }
  bytes(b) {
    this.u32(b.length);
    return this.raw(b);
  }
  text(s) {
    return this.bytes(utf8(s));
  }
  digest(d) {
    if (d.length !== 32) throw new Error(`a digest is 32 bytes, not ${d.length}`);
    return this.raw(d);
  }
  list(items, write) {
    this.u32(items.length);
    for (const item of items) write(this, item);
    return this;
  }
  optional(value, write) {
    if (value === null || value === undefined) return this.u8(0);
    this.u8(1);
    write(this, value);
    return this;
  }
  raw(b) {
    this.#parts.push(Uint8Array.from(b));
    return this;
  }
  done() {
    return concat(this.#parts);
  }
}

// Reads the building blocks, refusing input that ends early, and (end())
// input with bytes left over.
export class Reader {
  constructor(bytes) {
    this.bytesIn = bytes;
    this.at = 0;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  #need(n) {
    if (this.at + n > this.bytesIn.length) throw new Error('encoding ends early');
  }
  #fixed(size, get) {
    this.#need(size);
    const v = get(this.at);
    this.at += size;
    return v;
  }
  u8() {
    return this.#fixed(1, (at) => this.view.getUint8(at));
  }
  bool() {
    const v = this.u8();
    if (v > 1) throw new Error(`a bool is 00 or 01, not ${v}`);
    return v === 1;
  }
  u16() {
    return this.#fixed(2, (at) => this.view.getUint16(at, true));
  }
  u32() {
    return this.#fixed(4, (at) => this.view.getUint32(at, true));
  }
  u64() {
    return this.#fixed(8, (at) => this.view.getBigUint64(at, true));
  }
  take(n) {
    this.#need(n);
    const out = this.bytesIn.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  bytes() {
    return this.take(this.u32());
  }
  text() {
    return utf8Decoder.decode(this.bytes());
  }
  digest() {
    return this.take(32);
  }
  list(read) {
    const count = this.u32();
    // Each element takes at least one byte: a count beyond what is left is a lie.
    if (count > this.bytesIn.length - this.at) throw new Error('a list counts more elements than bytes left');
    const out = [];
    for (let i = 0; i < count; i++) out.push(read(this));
    return out;
  }
  optional(read) {
    const present = this.u8();
    if (present > 1) throw new Error(`an optional's flag is 00 or 01, not ${present}`);
    return present === 1 ? read(this) : null;
  }
  version(type, highest = 1) {
    const v = this.u8();
    if (v < 1 || v > highest) throw new Error(`${type} format version ${v} is not supported`);
    return v;
  }
  end(type) {
    if (this.at !== this.bytesIn.length) throw new Error(`${type}: trailing bytes`);
  }
}
