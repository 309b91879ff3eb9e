// Every transaction kind, once: its name, its number on the wire, the roles
// that may send it and its payload fields in encoding order, each with its
// JSON name (the node's, docs/rpc.md "Transaction") and its type. Encoding,
// decoding and the builders all walk this table; a test compares it with
// the node's own (ledger/payloads.h), field by field.
//
// A payload is u8 version 1, then its fields (docs/encoding.md, ledger.md).
// Builders take the node's JSON shape of a payload: u64 values as bigint,
// safe integer or decimal string; digests and keys as hex or Uint8Array;
// enums and roles by name. Decoding gives back exactly the node's JSON.

import { Reader, Writer, concat, fromBase64, hex, toBase64, toBytes, toU64, utf8 } from './bytes.js';
import { sha256 } from './crypto.js';

// Role names in the order of their bits (ledger/model.h).
export const ROLES = ['governor', 'operator', 'attestor', 'provider', 'buyer', 'reviewer', 'arbitrator', 'auditor', 'witness', 'node'];

export function roleBits(names) {
  let bits = 0;
  for (const name of names) {
    const i = ROLES.indexOf(name);
    if (i < 0) throw new Error(`unknown role '${name}' (roles: ${ROLES.join(', ')})`);
    bits |= 1 << i;
  }
  return bits;
}

export function roleNames(bits) {
  if (bits >> ROLES.length) throw new Error(`role bits ${bits} name an unknown role`);
  return ROLES.filter((_, i) => bits & (1 << i));
}

// Enums are u8 on the wire, numbered from 1 in this order.
const ENUMS = {
  'source-verdict': ['approve', 'approve-with-conditions', 'reject'],
  'trade-verdict': ['approve', 'reject'],
  'delivery-method': ['download', 'api', 'compute-in-place'],
  'dispute-outcome': ['for-buyer', 'for-provider', 'split'],
  'change-type': [
    'admit-participant', 'grant-roles', 'revoke-roles', 'suspend-participant',
    'reinstate-participant', 'add-validator', 'remove-validator', 'change-policy',
  ],
};

export const ENUM_NAMES = ENUMS;

function enumCode(type, name, where) {
  const i = ENUMS[type].indexOf(name);
  if (i < 0) throw new Error(`${where}: '${name}' is not one of ${ENUMS[type].join(', ')}`);
  return i + 1;
}

function enumName(type, code) {
  const name = ENUMS[type][code - 1];
  if (!name) throw new Error(`unknown ${type} ${code}`);
  return name;
}

function digestOf(value, where) {
  const b = toBytes(value);
  if (b.length !== 32) throw new Error(`${where}: a digest is 32 bytes, not ${b.length}`);
  return b;
}

// ------------------------------------------------- the policy and the change

// A witness's cosigning key as c2sp.org/signed-note writes it:
// name+keyid+base64(04 || Ed25519 key), keyid the first 4 bytes of
// SHA-256(name \n 04 key).
async function cosigningKeyText(name, key) {
  const material = concat([Uint8Array.of(4), key]);
  const id = (await sha256(concat([utf8(`${name}\n`), material]))).subarray(0, 4);
  return `${name}+${hex(id)}+${toBase64(material)}`;
}

function witnessKey(w, where) {
  if (w.key !== undefined) return toBytes(w.key);
  // name+keyid+base64: the base64 may hold '+' itself.
  const parts = String(w.cosigningKey ?? '').split('+');
  const material = parts.length >= 3 ? fromBase64(parts.slice(2).join('+')) : new Uint8Array();
  if (material.length !== 33 || material[0] !== 4) throw new Error(`${where}: a witness needs key (hex) or cosigningKey (name+id+base64)`);
  return material.subarray(1);
}

const byteOrder = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

function writePolicy(w, p) {
  const levels = p.levels ?? [];
  if (levels.length !== 4) throw new Error('policy: levels holds four rules, L1 to L4');
  const identity = (l) => (l.acceptedClaims ?? []).length > 0 || (l.attestorRoles ?? []).length > 0 || Boolean(l.identityUntilSettlement);
  const witnesses = [...(p.witnesses ?? [])].sort((a, b) => byteOrder(a.participant, b.participant));
  const version = witnesses.length > 0 ? 3 : levels.some(identity) ? 2 : 1;
  w.u8(version).u8(p.governanceThreshold).u64(p.maxTransactionLifetimeBlocks).u64(p.maxProposalLifetimeBlocks);
  levels.forEach((l, i) => {
    if (l.level !== undefined && l.level !== i + 1) throw new Error('policy: levels are listed in order, L1 to L4');
    w.bool(l.tradable).u8(l.requiredReviews).bool(l.crossBorderAssessment);
    if (version >= 2) {
      w.list([...(l.acceptedClaims ?? [])].sort(byteOrder), (x, c) => x.text(c));
      w.u16(roleBits(l.attestorRoles ?? [])).bool(l.identityUntilSettlement);
    }
  });
  if (version === 3) {
    w.list(witnesses, (x, wi) => x.text(wi.participant).text(wi.name).bytes(witnessKey(wi, `witness ${wi.participant}`)));
  }
}

async function readPolicy(r) {
  const version = r.version('policy', 3);
  const p = {
    governanceThreshold: r.u8(),
    maxTransactionLifetimeBlocks: r.u64().toString(),
    maxProposalLifetimeBlocks: r.u64().toString(),
    levels: [],
    witnesses: [],
  };
  for (let level = 1; level <= 4; level++) {
    const l = { level, tradable: r.bool(), requiredReviews: r.u8(), crossBorderAssessment: r.bool() };
    l.acceptedClaims = version >= 2 ? r.list((x) => x.text()) : [];
    l.attestorRoles = version >= 2 ? roleNames(r.u16()) : [];
    l.identityUntilSettlement = version >= 2 ? r.bool() : false;
    p.levels.push(l);
  }
  if (version === 3) {
    for (const w of r.list((x) => ({ participant: x.text(), name: x.text(), key: x.bytes() }))) {
      p.witnesses.push({ participant: w.participant, name: w.name, cosigningKey: await cosigningKeyText(w.name, w.key) });
    }
  }
  return p;
}

const CHANGE_FIELDS = ['type', 'subject', 'publicKey', 'roles', 'jurisdiction', 'power', 'policy'];

// A governance change: the fields its type does not use stay empty.
function writeChange(w, c, where) {
  for (const name of Object.keys(c)) {
    if (!CHANGE_FIELDS.includes(name)) throw new Error(`${where}: unknown change field '${name}'`);
  }
  w.u8(enumCode('change-type', c.type, `${where}.type`))
    .text(c.subject ?? '')
    .bytes(c.publicKey ? toBytes(c.publicKey) : new Uint8Array())
    .u16(roleBits(c.roles ?? []))
    .text(c.jurisdiction ?? '')
    .u64(c.power ?? 0)
    .optional(c.policy, writePolicy);
}

async function readChange(r) {
  const c = {
    type: enumName('change-type', r.u8()),
    subject: r.text(),
    publicKey: hex(r.bytes()),
    roles: roleNames(r.u16()),
    jurisdiction: r.text(),
    power: r.u64().toString(),
  };
  c.policy = r.u8() === 1 ? await readPolicy(r) : null;
  return c;
}

// ------------------------------------------------------------ field types

// Each type: write(writer, JSON value, where) and read(reader) -> JSON value.
const TYPES = {
  text: { write: (w, v) => w.text(String(v)), read: (r) => r.text() },
  digest: { write: (w, v, where) => w.digest(digestOf(v, where)), read: (r) => hex(r.digest()) },
  'optional<digest>': {
    write: (w, v, where) => w.optional(v, (x, d) => x.digest(digestOf(d, where))),
    read: (r) => r.optional((x) => hex(x.digest())),
  },
  'list<digest>': {
    write: (w, v, where) => w.list(v, (x, d) => x.digest(digestOf(d, where))),
    read: (r) => r.list((x) => hex(x.digest())),
  },
  u64: { write: (w, v, where) => w.u64(toU64(v, where)), read: (r) => r.u64().toString() },
  u8: { write: (w, v) => w.u8(v), read: (r) => r.u8() },
  bytes: { write: (w, v) => w.bytes(toBytes(v)), read: (r) => hex(r.bytes()) },
  change: { write: writeChange, read: readChange },
};
for (const type of ['source-verdict', 'trade-verdict', 'delivery-method', 'dispute-outcome']) {
  TYPES[type] = { write: (w, v, where) => w.u8(enumCode(type, v, where)), read: (r) => enumName(type, r.u8()) };
}

// ------------------------------------------------------------------ kinds

const T = 'tradeId';
const field = (json, type) => ({ json, type });

export const KINDS = [
  { name: 'governance.propose', code: 0x0101, roles: ['governor'],
    fields: [field('proposalId', 'text'), field('change', 'change'), field('expiryHeight', 'u64')] },
  { name: 'governance.approve', code: 0x0102, roles: ['governor'], fields: [field('proposalId', 'text')] },
  { name: 'identity.attest', code: 0x0201, roles: ['attestor'],
    fields: [field('subject', 'text'), field('claimType', 'text'), field('evidenceHash', 'digest'),
      field('validFromMs', 'u64'), field('validUntilMs', 'u64')] },
  { name: 'identity.revoke', code: 0x0202, roles: ['attestor'],
    fields: [field('attestationId', 'digest'), field('reasonHash', 'digest')] },
  { name: 'identity.rotate-key', code: 0x0203, roles: ROLES, fields: [field('newPublicKey', 'bytes')] },
  { name: 'asset.register', code: 0x0301, roles: ['provider'],
    fields: [field('assetId', 'text'), field('contentHash', 'digest'), field('metadataHash', 'digest'),
      field('level', 'u8'), field('sourceDeclarationHash', 'digest'), field('licenceTermsHash', 'digest')] },
  { name: 'asset.review', code: 0x0302, roles: ['reviewer'],
    fields: [field('assetId', 'text'), field('verdict', 'source-verdict'), field('reportHash', 'digest'),
      field('ruleSetVersion', 'text')] },
  { name: 'trade.create', code: 0x0401, roles: ['buyer'],
    fields: [field(T, 'text'), field('assetId', 'text'), field('termsHash', 'digest')] },
  { name: 'trade.accept', code: 0x0402, roles: ['provider'], fields: [field(T, 'text')] },
  { name: 'trade.decline', code: 0x0403, roles: ['provider'], fields: [field(T, 'text')] },
  { name: 'trade.review', code: 0x0404, roles: ['reviewer'],
    fields: [field(T, 'text'), field('verdict', 'trade-verdict'), field('buyerAttestation', 'optional<digest>'),
      field('providerAttestation', 'optional<digest>'), field('sourceReview', 'optional<digest>'),
      field('reportHash', 'digest'), field('securityAssessmentHash', 'optional<digest>')] },
  { name: 'trade.deliver', code: 0x0405, roles: ['provider'],
    fields: [field(T, 'text'), field('deliveryHash', 'digest'), field('method', 'delivery-method')] },
  { name: 'trade.confirm', code: 0x0406, roles: ['buyer'], fields: [field(T, 'text')] },
  { name: 'trade.record-usage', code: 0x0407, roles: ['buyer'],
    fields: [field(T, 'text'), field('usageReportHash', 'digest'), field('units', 'u64')] },
  { name: 'trade.settle', code: 0x0408, roles: ['operator'],
    fields: [field(T, 'text'), field('paymentReferenceHash', 'digest'), field('amount', 'u64'), field('currency', 'text')] },
  { name: 'trade.open-dispute', code: 0x0409, roles: ['provider', 'buyer'],
    fields: [field(T, 'text'), field('reasonHash', 'digest')] },
  { name: 'trade.resolve-dispute', code: 0x040a, roles: ['arbitrator'],
    fields: [field(T, 'text'), field('rulingHash', 'digest'), field('outcome', 'dispute-outcome')] },
  { name: 'trade.cancel', code: 0x040b, roles: ['provider', 'buyer'],
    fields: [field(T, 'text'), field('reasonHash', 'digest')] },
  { name: 'access.checkpoint', code: 0x0501, roles: ['node'],
    fields: [field('size', 'u64'), field('root', 'digest'), field('consistency', 'list<digest>')] },
];

const camel = (name) => name.replace(/[.-]([a-z])/g, (_, c) => c.toUpperCase());

// Kind codes by camelCase name: Kind.assetRegister === 0x0301.
export const Kind = Object.freeze(Object.fromEntries(KINDS.map((k) => [camel(k.name), k.code])));

// The kind named `kind`: its name ("trade.accept"), camelCase name or code.
export function kindOf(kind) {
  const found = KINDS.find((k) => k.code === kind || k.name === kind || camel(k.name) === kind);
  if (!found) throw new Error(`unknown transaction kind ${typeof kind === 'number' ? '0x' + kind.toString(16) : kind}`);
  return found;
}

// The payload bytes of `kind` from its fields in the node's JSON shape.
// Every field is required except optional digests (absent: null); a field
// the kind does not have is refused, so a misspelt one never goes unnoticed.
export function encodePayload(kind, fields) {
  const k = kindOf(kind);
  for (const name of Object.keys(fields)) {
    if (!k.fields.some((f) => f.json === name)) {
      throw new Error(`${k.name} has no field '${name}' (fields: ${k.fields.map((f) => f.json).join(', ')})`);
    }
  }
  const w = new Writer().u8(1);
  for (const f of k.fields) {
    const value = fields[f.json];
    const where = `${k.name} payload: ${f.json}`;
    if ((value === undefined || value === null) && f.type !== 'optional<digest>') throw new Error(`${where} is required`);
    TYPES[f.type].write(w, value, where);
  }
  return w.done();
}

// The node's JSON shape of a payload (what tx_get shows as `payload`).
export async function decodePayload(kind, bytes) {
  const k = kindOf(kind);
  const r = new Reader(toBytes(bytes));
  r.version(`${k.name} payload`);
  const out = {};
  for (const f of k.fields) out[f.json] = await TYPES[f.type].read(r);
  r.end(`${k.name} payload`);
  return out;
}

// One builder per kind, by camelCase name: payloads.tradeSettle({...}).
export const payloads = Object.freeze(
  Object.fromEntries(KINDS.map((k) => [camel(k.name), (fields) => encodePayload(k.code, fields)])),
);
