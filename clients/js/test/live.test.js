// The client against a live node: every method with a signed request, the
// builders end to end through submitAndWait (a trade from registration to
// settlement, a dispute, a decline, a cancellation, governance, attestations
// and a key rotation), WebSocket subscriptions across a reconnection, and
// offline verification of what the node returned, altered copies refused.
//
// Needs TRACECHAIN_URL (the node's RPC), TRACECHAIN_KEYS (the directory of
// the demo participants' PEM keys, `tracectl init`'s <home>/keys) and
// TRACECHAIN_GENESIS (its genesis.json); skips itself without them.
// tests/rpc/js_client_test.cc runs it against a node it starts.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, after, describe, test } from 'node:test';

import {
  Client,
  RpcError,
  fromHex,
  generateKeyPair,
  hex,
  sha256,
  signerFromPem,
  trustedValidators,
  utf8,
  verifyConsistency,
  verifyHeader,
  verifyHistory,
  verifyInclusion,
  verifyReads,
  verifyReceipt,
  verifyStateProof,
} from '../src/index.js';

const { TRACECHAIN_URL: url, TRACECHAIN_KEYS: keys, TRACECHAIN_GENESIS: genesisFile } = process.env;
const skip = url && keys && genesisFile ? false : 'TRACECHAIN_URL, TRACECHAIN_KEYS and TRACECHAIN_GENESIS are not all set';

const run = Date.now().toString(36);
const label = async (text) => hex(await sha256(utf8(text)));
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// One byte of a hex field changed.
function altered(text, at = text.length - 2) {
  return text.slice(0, at) + (text[at] === '0' ? '1' : '0') + text.slice(at + 1);
}

describe('live node', { skip }, () => {
  const clients = {};
  let trusted;
  let anonymous;
  const as = (participant) => clients[participant];

  before(async () => {
    trusted = trustedValidators(JSON.parse(readFileSync(genesisFile, 'utf8')));
    anonymous = new Client(url);
    for (const p of ['exchange', 'regulator', 'attestor-ca', 'provider-acme', 'buyer-bank', 'reviewer-1', 'arbitrator-1', 'auditor-1']) {
      clients[p] = new Client(url, { signer: await signerFromPem(p, readFileSync(join(keys, `${p}.pem`), 'utf8')) });
    }
  });

  after(() => {
    for (const c of Object.values(clients)) c.close();
  });

  // Builds, signs, submits and waits; the receipt must be ok, and the node
  // must read the payload back exactly as the builder was given it.
  async function transact(participant, kind, fields) {
    const client = as(participant);
    const done = await client.transact(kind, fields);
    assert.equal(done.receipt.status, 'ok', `${kind} by ${participant}: ${done.receipt.reason} ${done.receipt.message}`);
    const tx = await client.tx.get({ hash: done.hash });
    assert.equal(tx.kind, kind);
    assert.deepEqual(tx.payload, JSON.parse(JSON.stringify(fields, (_, v) => (typeof v === 'bigint' ? v.toString() : v))));
    return done;
  }

  const state = {};

  test('a trade from registration to settlement, every step built and awaited', async () => {
    const now = Date.now();
    const attest = (subject) =>
      transact('attestor-ca', 'identity.attest', {
        subject,
        claimType: 'legal-entity',
        evidenceHash: '11'.repeat(32),
        validFromMs: String(now - 3600000),
        validUntilMs: String(now + 365 * 86400000),
      });
    state.buyerAttestation = (await attest('buyer-bank')).hash;
    state.providerAttestation = (await attest('provider-acme')).hash;
    state.asset = `js-asset-${run}`;
    await transact('provider-acme', 'asset.register', {
      assetId: state.asset,
      contentHash: await label('content'),
      metadataHash: await label('metadata'),
      level: 2,
      sourceDeclarationHash: await label('source declaration'),
      licenceTermsHash: await label('licence terms'),
    });
    await transact('reviewer-1', 'asset.review', { assetId: state.asset, verdict: 'approve', reportHash: await label('report'), ruleSetVersion: '2026.1' });
    const asset = await as('provider-acme').asset.get({ assetId: state.asset });
    assert.equal(asset.latestVerdict, 'approve');

    state.trade = `js-trade-${run}`;
    const t = state.trade;
    await transact('buyer-bank', 'trade.create', { tradeId: t, assetId: state.asset, termsHash: await label('terms') });
    await transact('provider-acme', 'trade.accept', { tradeId: t });
    await transact('reviewer-1', 'trade.review', {
      tradeId: t,
      verdict: 'approve',
      buyerAttestation: state.buyerAttestation,
      providerAttestation: state.providerAttestation,
      sourceReview: asset.latestReview,
      reportHash: await label('trade review'),
      securityAssessmentHash: null,
    });
    await transact('provider-acme', 'trade.deliver', { tradeId: t, deliveryHash: await label('manifest'), method: 'download' });
    await transact('buyer-bank', 'trade.confirm', { tradeId: t });
    await transact('buyer-bank', 'trade.record-usage', { tradeId: t, usageReportHash: await label('usage'), units: 12n });
    state.settle = await transact('exchange', 'trade.settle', { tradeId: t, paymentReferenceHash: await label('payment'), amount: '120000', currency: 'CNY' });
    const trade = await as('buyer-bank').trade.get({ tradeId: t });
    assert.equal(trade.state, 'settled');
    assert.equal(trade.usageUnits, '12');
  });

  test('a dispute, a decline and a cancellation', async () => {
    const a = state.asset;
    const review = (await as('provider-acme').asset.get({ assetId: a })).latestReview;
    const disputed = `js-dispute-${run}`;
    await transact('buyer-bank', 'trade.create', { tradeId: disputed, assetId: a, termsHash: await label('terms 2') });
    await transact('provider-acme', 'trade.accept', { tradeId: disputed });
    await transact('reviewer-1', 'trade.review', {
      tradeId: disputed, verdict: 'approve', buyerAttestation: state.buyerAttestation,
      providerAttestation: state.providerAttestation, sourceReview: review, reportHash: await label('review 2'), securityAssessmentHash: null,
    });
    await transact('provider-acme', 'trade.deliver', { tradeId: disputed, deliveryHash: await label('manifest 2'), method: 'api' });
    await transact('buyer-bank', 'trade.open-dispute', { tradeId: disputed, reasonHash: await label('complaint') });
    await transact('arbitrator-1', 'trade.resolve-dispute', { tradeId: disputed, rulingHash: await label('ruling'), outcome: 'for-buyer' });
    assert.equal((await as('buyer-bank').trade.get({ tradeId: disputed })).state, 'resolved');

    const declined = `js-declined-${run}`;
    await transact('buyer-bank', 'trade.create', { tradeId: declined, assetId: a, termsHash: await label('terms 3') });
    await transact('provider-acme', 'trade.decline', { tradeId: declined });
    const cancelled = `js-cancelled-${run}`;
    await transact('buyer-bank', 'trade.create', { tradeId: cancelled, assetId: a, termsHash: await label('terms 4') });
    await transact('buyer-bank', 'trade.cancel', { tradeId: cancelled, reasonHash: await label('changed my mind') });
    assert.equal((await as('buyer-bank').trade.get({ tradeId: cancelled })).state, 'cancelled');
  });

  test('governance, a revocation and a key rotation', async () => {
    const newcomer = `js-member-${run}`;
    const key = await generateKeyPair();
    const proposal = `js-admit-${run}`;
    const status = await anonymous.chain.getStatus();
    await transact('exchange', 'governance.propose', {
      proposalId: proposal,
      change: { type: 'admit-participant', subject: newcomer, publicKey: hex(key.publicKey), roles: ['buyer'], jurisdiction: 'cn', power: '0', policy: null },
      expiryHeight: String(status.height + 50),
    });
    // The policy may apply the proposal at once (threshold 1) or wait for a
    // second governor: the approval is committed either way.
    const approval = await as('regulator').transact('governance.approve', { proposalId: proposal });
    assert.ok(approval.receipt);
    const read = await as('auditor-1').governance.getProposal({ proposalId: proposal });
    assert.equal(read.status, 'applied');
    assert.equal(read.change.subject, newcomer);

    const member = new Client(url, { signer: { participant: newcomer, privateKey: key.privateKey } });
    try {
      assert.deepEqual(await member.auth.whoAmI(), { authenticated: true, participant: newcomer, roles: ['buyer'] });
      const next = await generateKeyPair();
      const rotated = await member.transact('identity.rotate-key', { newPublicKey: hex(next.publicKey) }, { nextSigner: { participant: newcomer, privateKey: next.privateKey } });
      assert.equal(rotated.receipt.status, 'ok');
      assert.equal((await member.participant.get({ participantId: newcomer })).currentKey, hex(next.publicKey));
    } finally {
      member.close();
    }

    const extra = await transact('attestor-ca', 'identity.attest', {
      subject: 'buyer-bank', claimType: 'licence', evidenceHash: '22'.repeat(32), validFromMs: '1767225600000', validUntilMs: '1798761600000',
    });
    await transact('attestor-ca', 'identity.revoke', { attestationId: extra.hash, reasonHash: await label('withdrawn') });
  });

  test('a failed transaction is committed with a failure receipt, and a refused one throws', async () => {
    const failed = await as('buyer-bank').transact('trade.confirm', { tradeId: `js-nonexistent-${run}` });
    assert.equal(failed.receipt.status, 'failed');
    const signed = await as('buyer-bank').sign('asset.register', {
      assetId: 'not-mine', contentHash: '00'.repeat(32), metadataHash: '00'.repeat(32), level: 1,
      sourceDeclarationHash: '00'.repeat(32), licenceTermsHash: '00'.repeat(32),
    });
    await assert.rejects(as('buyer-bank').submit(signed), (e) => e instanceof RpcError && e.code === -32000);
  });

  test('every read method, signed, and what it proves verified offline', async () => {
    const auditor = as('auditor-1');
    const hash = state.settle.hash;

    const status = await anonymous.chain.getStatus();
    assert.equal(status.suite, 'p256-sha256');
    assert.ok((await anonymous.chain.getPolicy()).levels.length === 4);
    const header = await anonymous.chain.getHeader({ height: status.height });
    const certificate = await anonymous.call('chain_getCertificate', [status.height]);
    const checked = await verifyHeader(header, certificate, status.validators, { trusted });
    assert.equal(checked.hash, header.hash);
    const checkpoint = await anonymous.chain.getCheckpoint();
    assert.equal(checkpoint.logSize, checkpoint.header.logSize);
    assert.ok(Array.isArray((await anonymous.chain.getWitnesses()).witnesses));
    await assert.rejects(anonymous.witness.addCosignature({ note: 'not a note' }), (e) => e.code === -32602 && e.data.param === 'note');

    const block = await auditor.chain.getBlock({ height: state.settle.height });
    assert.ok(block.transactions.some((t) => t.hash === hash));
    const consistency = await anonymous.chain.getConsistencyProof({ fromSize: 2 });
    assert.equal(await verifyConsistency(consistency.fromSize, consistency.toSize, fromHex(consistency.fromRoot), fromHex(consistency.toRoot), consistency.path.map(fromHex)), true);
    assert.equal(await verifyConsistency(consistency.fromSize, consistency.toSize, fromHex(altered(consistency.fromRoot)), fromHex(consistency.toRoot), consistency.path.map(fromHex)), false);
    const changes = await anonymous.chain.getValidatorSetChanges({ fromHeight: 1 });
    assert.deepEqual(changes.initialValidatorSet.validators.map((v) => v.id), trusted.map((v) => v.id));

    assert.equal((await auditor.tx.get({ hash })).kind, 'trade.settle');
    assert.equal((await anonymous.tx.getStatus({ hash })).committed, true);
    assert.equal((await auditor.tx.getReceipt({ hash })).status, 'ok');
    const inclusion = await auditor.tx.getInclusionProof({ hash });
    assert.equal(await verifyInclusion(inclusion.leafIndex, inclusion.logSize, fromHex(inclusion.leafHash), inclusion.path.map(fromHex), fromHex(inclusion.logRoot)), true);

    const receipt = await auditor.tx.getVerifiableReceipt({ hash });
    const verified = await verifyReceipt(receipt, { trusted });
    assert.equal(verified.txHash, hash);
    assert.equal(verified.status, 'ok');
    const copy = () => JSON.parse(JSON.stringify(receipt));
    const tampered = [copy(), copy(), copy(), copy(), copy()];
    tampered[0].receipt.hex = altered(receipt.receipt.hex);
    tampered[1].transaction.hex = altered(receipt.transaction.hex, 40);
    tampered[2].certificate.hex = altered(receipt.certificate.hex);
    tampered[3].inclusionProof.leafIndex += 1;
    tampered[4].header.hex = altered(receipt.header.hex);
    for (const t of tampered) await assert.rejects(verifyReceipt(t, { trusted }), /does not verify/);
    await assert.rejects(verifyReceipt(receipt, { trusted: [{ ...trusted[0], publicKey: altered(trusted[0].publicKey) }] }), /not the trusted one/);

    const proof = await auditor.state.getProof({ key: `t/${state.trade}` });
    assert.equal((await verifyStateProof(proof, { trusted })).key, `t/${state.trade}`);
    const absent = await auditor.state.getProof({ key: `t/js-none-${run}` });
    assert.equal((await verifyStateProof(absent, { trusted })).value, null);

    const trade = await as('buyer-bank').trade.get({ tradeId: state.trade, proof: true });
    await verifyStateProof(trade.stateProof, { trusted });
    const trail = await auditor.trade.getTrail({ tradeId: state.trade, proof: true });
    const steps = trail.steps.map((s) => s.txHash);
    assert.equal((await verifyHistory(trail.historyProof, `t/${state.trade}`, steps, { trusted })).count, 7);
    await assert.rejects(verifyHistory(trail.historyProof, `t/${state.trade}`, steps.slice(1), { trusted }), /history commitment counts/);

    assert.ok((await as('buyer-bank').trade.listByParticipant({ participant: 'buyer-bank' })).trades.some((t) => t.id === state.trade));
    assert.ok((await as('provider-acme').trade.listByAsset({ assetId: state.asset })).trades.length >= 4);
    assert.ok((await as('exchange').trade.list({ state: 'settled' })).trades.some((t) => t.id === state.trade));
    assert.ok((await auditor.asset.list({ limit: 1000 })).assets.some((a) => a.id === state.asset));
    const proposals = await auditor.governance.listProposals({});
    assert.ok(proposals.proposals.length >= 2);
    assert.equal((await as('exchange').governance.getProposal({ proposalId: proposals.proposals[0].id })).id, proposals.proposals[0].id);
    const asset = await as('provider-acme').asset.get({ assetId: state.asset, proof: true });
    await verifyStateProof(asset.stateProof, { trusted });
    const history = await as('provider-acme').asset.getHistory({ assetId: state.asset, proof: true });
    await verifyHistory(history.historyProof, `asset/${state.asset}`, history.entries.map((e) => e.txHash), { trusted, allowLater: true });
    const participant = await as('buyer-bank').participant.get({ participantId: 'buyer-bank', proof: true });
    assert.deepEqual(participant.roles, ['buyer']);
    await verifyStateProof(participant.stateProof, { trusted });
    const trades = await as('buyer-bank').participant.getHistory({ participantId: 'buyer-bank' });
    await verifyHistory(trades.historyProof, 'p/buyer-bank', trades.entries.map((e) => e.txHash), { trusted });
    const attestations = await as('buyer-bank').participant.getAttestations({ participantId: 'buyer-bank', proof: true });
    assert.ok(attestations.attestations.some((a) => a.id === state.buyerAttestation));
    for (const a of attestations.attestations) await verifyStateProof(a.stateProof, { trusted });
    assert.deepEqual(await auditor.auth.whoAmI(), { authenticated: true, participant: 'auditor-1', roles: ['auditor'] });
    assert.deepEqual(await anonymous.auth.whoAmI(), { authenticated: false });
    assert.ok((await anonymous.node.getVersion()).suites.includes('p256-sha256'));
  });

  test('the read log: who read buyer-bank\'s records, proven against a checkpoint on chain', async () => {
    const deadline = Date.now() + 20000;
    let page;
    for (;;) {
      page = await as('buyer-bank').access.listReads({ about: 'buyer-bank', limit: 1000 });
      if (page.checkpoint && page.checkpoint.size > 10) break;
      assert.ok(Date.now() < deadline, 'no read-log checkpoint committed in 20 s');
      await wait(200);
    }
    const result = await verifyReads(page, { trusted });
    assert.ok(result.proven > 0);
    assert.ok(page.entries.some((e) => e.reader === 'auditor-1' && e.method === 'trade_getTrail'));
    const changed = JSON.parse(JSON.stringify(page));
    const proven = changed.entries.find((e) => e.inclusionProof !== null);
    proven.reader = 'someone-else';
    await assert.rejects(verifyReads(changed, { trusted }), /not its bytes'/);
    const moved = JSON.parse(JSON.stringify(page));
    moved.checkpoint.root = altered(moved.checkpoint.root);
    await assert.rejects(verifyReads(moved, { trusted }), /another size or root/);
  });

  test('subscriptions: new blocks arrive, and keep arriving after the connection is lost', async () => {
    const blocks = [];
    let reconnected = 0;
    const subscription = await anonymous.subscribe('newBlocks', (b) => blocks.push(b), { onReconnect: () => reconnected++ });
    try {
      const until = async (what, condition) => {
        const deadline = Date.now() + 15000;
        while (!condition()) {
          assert.ok(Date.now() < deadline, `waited 15 s for ${what}`);
          await wait(20);
        }
      };
      await until('a new block', () => blocks.length > 0);
      assert.ok(blocks[0].hash && blocks[0].height > 0 && 'transactionCount' in blocks[0]);
      subscription.session.socket.close();
      await until('the reconnection', () => reconnected === 1);
      const before = blocks.length;
      await until('a block after the reconnection', () => blocks.length > before);
      assert.ok(blocks.at(-1).height > blocks[before - 1].height);
      assert.equal(typeof subscription.id, 'string');
      assert.equal(await subscription.unsubscribe(), true);
      assert.equal(await subscription.session.call('events_unsubscribe', { subscription: subscription.id }), false);
    } finally {
      subscription.session.close();
    }
  });

  test('signed sessions: trade events of the trades one is party to', async () => {
    const events = [];
    const subscription = await as('buyer-bank').subscribe('tradeEvents', (e) => events.push(e));
    try {
      const t = `js-events-${run}`;
      await transact('buyer-bank', 'trade.create', { tradeId: t, assetId: state.asset, termsHash: await label('terms 5') });
      const deadline = Date.now() + 10000;
      while (!events.some((e) => e.tradeId === t)) {
        assert.ok(Date.now() < deadline, 'no trade event in 10 s');
        await wait(20);
      }
      assert.equal(events.find((e) => e.tradeId === t).event, 'trade.requested');
      await assert.rejects(anonymous.subscribe('receipts', () => {}), (e) => e.code === -32002);
    } finally {
      subscription.session.close();
    }
  });

  test('batches: several calls in one signed request', async () => {
    const answers = await as('auditor-1').batch([
      { method: 'chain_getStatus' },
      { method: 'trade_get', params: { tradeId: state.trade } },
      { method: 'asset_get', params: { assetId: `js-none-${run}` } },
    ]);
    assert.equal(answers[0].result.chainId.length > 0, true);
    assert.equal(answers[1].result.id, state.trade);
    assert.equal(answers[2].error.code, -32001);
  });

  test('submitAndWait by polling, for a transaction someone else signed', async () => {
    const signed = await as('buyer-bank').sign('trade.create', { tradeId: `js-polled-${run}`, assetId: state.asset, termsHash: await label('terms 6') });
    const done = await anonymous.submitAndWait(signed);
    assert.equal(done.receipt, null);
    assert.ok(done.height > 0);
    assert.equal((await as('buyer-bank').tx.getReceipt({ hash: done.hash })).status, 'ok');
  });
});
