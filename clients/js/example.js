#!/usr/bin/env node
// Registers a data asset on a running tracechain node, waits for its receipt
// and verifies it offline: what an exchange front-end does, end to end.
//
//   node clients/js/example.js --url http://127.0.0.1:26657 \
//        --key <home>/keys/provider-acme.pem --sender provider-acme \
//        [--genesis <home>/config/genesis.json] [--asset my-asset]
//
// Before talking to the node it checks its encoder and signatures against
// the golden transaction of docs/encoding.md (when run from a checkout).
// Prints one JSON summary line and exits 0 when everything verified; any
// failure exits 1 with the reason.

import { existsSync, readFileSync } from 'node:fs';

import { Client, fromHex, hex, importPublicKey, payloads, sha256, signerFromPem, transactionSigningBytes, trustedValidators, utf8, verify, verifyReceipt } from './src/index.js';

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--')) throw new Error(`unexpected argument ${argv[i]}`);
    args[argv[i].slice(2)] = argv[i + 1];
  }
  for (const required of ['url', 'key', 'sender']) {
    if (!args[required]) throw new Error(`--${required} is required (see the top of example.js)`);
  }
  return args;
}

const label = async (text) => hex(await sha256(utf8(text)));

async function selfTest() {
  if (!existsSync(new URL('../../docs/encoding.md', import.meta.url))) return 'skipped (docs/encoding.md not found)';
  const { doc, golden } = await import('./golden.js');
  const encoding = doc('encoding.md');
  const tx = {
    chainId: 'tracechain-test',
    sender: 'provider-acme',
    kind: 'asset.register',
    payload: payloads.assetRegister({
      assetId: 'weather-2026',
      contentHash: await label('sample dataset'),
      metadataHash: await label('sample metadata'),
      level: 2,
      sourceDeclarationHash: await label('source declaration'),
      licenceTermsHash: await label('licence terms'),
    }),
    nonce: 42n,
    expiryHeight: 1000n,
  };
  const signingBytes = transactionSigningBytes(tx);
  if (hex(signingBytes) !== golden(encoding, 'transaction.signing_bytes')) throw new Error('self-test: signing bytes differ from docs');
  const signature = fromHex(golden(encoding, 'transaction.encoding')).subarray(signingBytes.length + 3);
  const key = await importPublicKey(fromHex(golden(encoding, 'transaction.public_key')));
  if (!(await verify(key, signingBytes, signature))) throw new Error('self-test: the golden signature does not verify');
  return 'ok';
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const selfTestResult = await selfTest();

  const signer = await signerFromPem(args.sender, readFileSync(args.key, 'utf8'));
  const client = new Client(args.url, { signer });
  const { suite } = await client.identity();
  if (suite !== 'p256-sha256') throw new Error(`the chain uses ${suite}; this client speaks p256-sha256`);

  const assetId = args.asset || `js-asset-${Date.now().toString(36)}`;
  const signed = await client.sign('asset.register', {
    assetId,
    contentHash: await label(`${assetId} content`),
    metadataHash: await label(`${assetId} metadata`),
    level: 2,
    sourceDeclarationHash: await label(`${assetId} source declaration`),
    licenceTermsHash: await label(`${assetId} licence terms`),
  });
  try {
    await client.submitAndWait(signed);
  } finally {
    client.close();
  }
  const receipt = await client.tx.getVerifiableReceipt({ hash: signed.hash });
  if (receipt.transaction.hex !== signed.hex) throw new Error('the node returned another transaction');

  const trusted = args.genesis ? trustedValidators(JSON.parse(readFileSync(args.genesis, 'utf8'))) : undefined;
  const verified = await verifyReceipt(receipt, { trusted });
  if (verified.status !== 'ok') throw new Error(`the transaction failed: ${receipt.receipt.reason} ${receipt.receipt.message}`);
  console.log(JSON.stringify({ selfTest: selfTestResult, assetId, ...verified, trustedValidators: Boolean(trusted) }));
}

main().catch((e) => {
  console.error(`example.js: ${e.message}`);
  process.exit(1);
});
