#!/usr/bin/env node
// Registers a data asset on a running tracechain node, waits for its receipt
// and verifies it offline: what an exchange front-end does, end to end.
//
//   node clients/js/example.js --url http://127.0.0.1:26657 \
//        --key <home>/keys/provider-acme.pem --sender provider-acme \
//        [--genesis <home>/config/genesis.json] [--asset my-asset]
//
// Before talking to the node it checks its own encoder and signature
// handling against the golden vectors of docs/encoding.md (when the file is
// next to it in a checkout). Prints one JSON summary line and exits 0 when
// everything verified; any failure exits 1 with the reason.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const tc = require('./tracechain.js');

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    args[a.slice(2)] = argv[i + 1];
    i++;
  }
  for (const required of ['url', 'key', 'sender']) {
    if (!args[required]) throw new Error(`--${required} is required (see the top of example.js)`);
  }
  return args;
}

// The hex of a golden block in docs/encoding.md, comments stripped.
function golden(doc, name) {
  const start = doc.indexOf(`<!-- golden:${name} -->`);
  if (start < 0) throw new Error(`docs/encoding.md has no golden block ${name}`);
  const block = doc.slice(doc.indexOf('```hex', start) + 6, doc.indexOf('```', doc.indexOf('```hex', start) + 6));
  return block
    .split('\n')
    .map((line) => line.split('#')[0].replace(/\s+/g, ''))
    .join('');
}

async function selfTest() {
  const docPath = path.join(__dirname, '..', '..', 'docs', 'encoding.md');
  if (!fs.existsSync(docPath)) return 'skipped (docs/encoding.md not found)';
  const doc = fs.readFileSync(docPath, 'utf8');
  const label = async (text) => tc.sha256(new TextEncoder().encode(text));
  const payload = tc.assetRegisterPayload({
    assetId: 'weather-2026',
    contentHash: await label('sample dataset'),
    metadataHash: await label('sample metadata'),
    level: 2,
    sourceDeclarationHash: await label('source declaration'),
    licenceTermsHash: await label('licence terms'),
  });
  if (tc.hex(payload) !== golden(doc, 'transaction.payload')) throw new Error('self-test: payload differs from docs');
  const tx = {
    chainId: 'tracechain-test',
    sender: 'provider-acme',
    kind: tc.Kind.assetRegister,
    payload,
    nonce: 42n,
    expiryHeight: 1000n,
  };
  const signingBytes = tc.transactionSigningBytes(tx);
  if (tc.hex(signingBytes) !== golden(doc, 'transaction.signing_bytes')) {
    throw new Error('self-test: signing bytes differ from docs');
  }
  const encoding = tc.fromHex(golden(doc, 'transaction.encoding'));
  const fieldsLength = signingBytes.length - 1;
  const signature = encoding.subarray(fieldsLength + 4);
  if (tc.hex(tc.transactionEncoding(tx, signature)) !== tc.hex(encoding)) {
    throw new Error('self-test: transaction encoding differs from docs');
  }
  if (tc.hex(await tc.sha256(encoding)) !== golden(doc, 'transaction.hash')) {
    throw new Error('self-test: transaction hash differs from docs');
  }
  const publicKey = await tc.importPublicKey(tc.fromHex(golden(doc, 'transaction.public_key')));
  if (!(await tc.verify(publicKey, signingBytes, signature))) {
    throw new Error('self-test: the golden signature does not verify');
  }
  // RFC 9162 inclusion proofs of every leaf of every tree up to 9 leaves,
  // built here from the RFC's recursive definitions (MTH and PATH).
  const leaves = [];
  for (let i = 0; i < 9; i++) leaves.push(await tc.sha256(Uint8Array.of(0, i)));
  const mth = async (d) => {
    if (d.length === 1) return d[0];
    let k = 1;
    while (k * 2 < d.length) k *= 2;
    return tc.sha256(Uint8Array.from([1, ...(await mth(d.slice(0, k))), ...(await mth(d.slice(k)))]));
  };
  const auditPath = async (m, d) => {
    if (d.length === 1) return [];
    let k = 1;
    while (k * 2 < d.length) k *= 2;
    return m < k ? [...(await auditPath(m, d.slice(0, k))), await mth(d.slice(k))]
                 : [...(await auditPath(m - k, d.slice(k))), await mth(d.slice(0, k))];
  };
  for (let size = 1; size <= leaves.length; size++) {
    const tree = leaves.slice(0, size);
    const root = await mth(tree);
    for (let m = 0; m < size; m++) {
      const proof = await auditPath(m, tree);
      if (!(await tc.verifyInclusion(m, size, tree[m], proof, root))) {
        throw new Error(`self-test: inclusion of leaf ${m} in a tree of ${size} does not verify`);
      }
      if (proof.length > 0 && (await tc.verifyInclusion(m, size, tree[m], proof.slice(1), root))) {
        throw new Error(`self-test: a shortened proof of leaf ${m} of ${size} verifies`);
      }
    }
  }
  // DER -> r||s -> DER must give back the canonical (low-S) bytes.
  if (tc.hex(tc.p1363ToLowSDer(tc.derToP1363(signature))) !== tc.hex(signature)) {
    throw new Error('self-test: DER round trip changed the signature');
  }
  return 'ok';
}

function randomNonce() {
  const b = new BigUint64Array(1);
  require('node:crypto').webcrypto.getRandomValues(b);
  return b[0];
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const selfTestResult = await selfTest();

  const privateKey = await tc.importPrivateKey(fs.readFileSync(args.key, 'utf8'));
  const anonymous = new tc.Client(args.url);
  const status = await anonymous.call('chain_getStatus');
  if (status.suite !== 'p256-sha256') throw new Error(`the chain uses ${status.suite}; this client speaks p256-sha256`);
  const client = new tc.Client(args.url, { signer: { privateKey, participant: args.sender } });

  const label = async (text) => tc.sha256(new TextEncoder().encode(text));
  const assetId = args.asset || `js-asset-${Date.now().toString(36)}`;
  const tx = {
    chainId: status.chainId,
    sender: args.sender,
    kind: tc.Kind.assetRegister,
    payload: tc.assetRegisterPayload({
      assetId,
      contentHash: await label(`${assetId} content`),
      metadataHash: await label(`${assetId} metadata`),
      level: 2,
      sourceDeclarationHash: await label(`${assetId} source declaration`),
      licenceTermsHash: await label(`${assetId} licence terms`),
    }),
    nonce: randomNonce(),
    expiryHeight: BigInt(status.height) + 100n,
  };
  const signed = await tc.signTransaction(privateKey, tx);
  const submitted = await client.call('tx_submit', { tx: tc.hex(signed.encoding) });
  if (submitted.hash !== tc.hex(signed.hash)) {
    throw new Error(`the node names the transaction ${submitted.hash}, we computed ${tc.hex(signed.hash)}`);
  }

  // Wait for the receipt: -32001 means not committed yet.
  let receipt;
  const deadline = Date.now() + 30000;
  for (;;) {
    try {
      receipt = await client.call('tx_getVerifiableReceipt', { hash: submitted.hash }, { signed: true });
      break;
    } catch (e) {
      if (!(e instanceof tc.RpcError) || e.code !== -32001 || Date.now() > deadline) throw e;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  if (receipt.transaction.hex !== tc.hex(signed.encoding)) throw new Error('the node returned another transaction');

  let trusted;
  if (args.genesis) {
    const genesis = JSON.parse(fs.readFileSync(args.genesis, 'utf8'));
    trusted = genesis.validators
      .map((v) => ({ id: v.id, publicKey: v.public_key, power: v.power }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
  const verified = await tc.verifyReceipt(receipt, { trusted });
  if (verified.status !== 'ok') throw new Error(`the transaction failed: ${receipt.receipt.reason} ${receipt.receipt.message}`);

  console.log(
    JSON.stringify({
      selfTest: selfTestResult,
      assetId,
      ...verified,
      trustedValidators: Boolean(trusted),
    }),
  );
}

main().catch((e) => {
  console.error(`example.js: ${e.message}`);
  process.exit(1);
});
