// The console in a real browser: Debian's headless Chromium, driven over
// the DevTools protocol (cdp.js), against a live node that serves the
// console (rpc.console) and holds a demo chain of the founding
// participants of `tracectl init`.
//
//   node clients/console/test/browser.js --url http://127.0.0.1:PORT \
//        --keys HOME/keys --genesis HOME/config/genesis.json \
//        [--chromium /usr/bin/chromium] [--screenshots DIR]
//
// It commits a trade through the JavaScript client (attestations, a source
// review, a refused early delivery, a compliance review citing them,
// delivery, confirmation, usage, settlement) and an open governance
// proposal, then in the browser: the status page live; keyboard navigation
// through the skip link and every menu entry; sign-in as auditor-1 with the
// key file put into the file input; the trade's timeline with ✓ on every
// step and on completeness; a step's receipt saved through the page's own
// download link, verified offline on "Verify a receipt" with the network
// cut, then tampered and rejected with the reason; the audit report in
// print layout; governance, participants and assets; no horizontal
// overflow at 1280×800, 390×844 or 360×740; no script error or CSP violation.
// Screenshots go to --screenshots. tests/rpc/console_test.cc runs it.
// Prints "ok - ..." per check and "console: every check passed" at the end;
// exit 1 on the first failure.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { Client, hex, sha256, signerFromPem, utf8 } from '../../js/src/index.js';
import { Browser } from './cdp.js';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    keys: { type: 'string' },
    genesis: { type: 'string' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    screenshots: { type: 'string' },
  },
});
if (!args.url || !args.keys || !args.genesis) {
  console.error('usage: browser.js --url NODE --keys DIR --genesis FILE [--chromium PATH] [--screenshots DIR]');
  process.exit(2);
}

const started = Date.now();
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let checks = 0;
function ok(what) {
  checks++;
  console.log(`ok - ${what}`);
}

// ------------------------------------------------------------ demo data

const run = Date.now().toString(36);
const tradeId = `console-${run}`;
const label = async (text) => hex(await sha256(utf8(text)));

async function commitDemoData() {
  const clients = {};
  for (const p of ['exchange', 'attestor-ca', 'provider-acme', 'buyer-bank', 'reviewer-1']) {
    clients[p] = new Client(args.url, { signer: await signerFromPem(p, readFileSync(join(args.keys, `${p}.pem`), 'utf8')) });
  }
  const transact = async (p, kind, fields, expect = 'ok') => {
    const done = await clients[p].transact(kind, fields);
    assert.equal(done.receipt.status, expect, `${kind} by ${p}: ${done.receipt.reason}`);
    return done;
  };
  const now = Date.now();
  const attest = (subject) =>
    transact('attestor-ca', 'identity.attest', { subject, claimType: 'legal-entity', evidenceHash: '11'.repeat(32), validFromMs: String(now - 3600000), validUntilMs: String(now + 365 * 86400000) });
  const buyerAttestation = (await attest('buyer-bank')).hash;
  const providerAttestation = (await attest('provider-acme')).hash;
  const asset = `console-asset-${run}`;
  await transact('provider-acme', 'asset.register', {
    assetId: asset,
    contentHash: await label('content'),
    metadataHash: await label('metadata'),
    level: 2,
    sourceDeclarationHash: await label('source declaration'),
    licenceTermsHash: await label('licence terms'),
  });
  const review = await transact('reviewer-1', 'asset.review', { assetId: asset, verdict: 'approve', reportHash: await label('source report'), ruleSetVersion: '2026.1' });
  await transact('buyer-bank', 'trade.create', { tradeId, assetId: asset, termsHash: await label('terms') });
  await transact('provider-acme', 'trade.accept', { tradeId });
  // Delivering before the review is refused, and the refusal is a step too.
  await transact('provider-acme', 'trade.deliver', { tradeId, deliveryHash: await label('early'), method: 'download' }, 'failed');
  await transact('reviewer-1', 'trade.review', {
    tradeId,
    verdict: 'approve',
    buyerAttestation,
    providerAttestation,
    sourceReview: review.hash,
    reportHash: await label('compliance report'),
    securityAssessmentHash: null,
  });
  await transact('provider-acme', 'trade.deliver', { tradeId, deliveryHash: await label('manifest'), method: 'download' });
  await transact('buyer-bank', 'trade.confirm', { tradeId });
  await transact('buyer-bank', 'trade.record-usage', { tradeId, usageReportHash: await label('usage'), units: 12n });
  await transact('exchange', 'trade.settle', { tradeId, paymentReferenceHash: await label('payment'), amount: '120000', currency: 'CNY' });
  // Two governors must approve from now on (tracectl init's chain needs
  // one), then a proposal the regulator has yet to approve.
  const policy = await clients.exchange.chain.getPolicy();
  let { height } = await clients.exchange.chain.getStatus();
  await transact('exchange', 'governance.propose', {
    proposalId: `two-governors-${run}`,
    change: { type: 'change-policy', policy: { ...policy, governanceThreshold: 2 } },
    expiryHeight: String(height + 500),
  });
  ({ height } = await clients.exchange.chain.getStatus());
  await transact('exchange', 'governance.propose', {
    proposalId: `suspend-abroad-${run}`,
    change: { type: 'suspend-participant', subject: 'buyer-abroad' },
    expiryHeight: String(height + 500),
  });
  for (const c of Object.values(clients)) c.close();
  return 8; // steps of the trade, the refused one included
}

// ------------------------------------------------------------- the browser

const problems = [];
const browser = await Browser.launch(args.chromium);
browser.on((method, params) => {
  if (method === 'Runtime.exceptionThrown') problems.push(`uncaught: ${params.exceptionDetails.exception?.description ?? params.exceptionDetails.text}`);
  if (method === 'Log.entryAdded' && params.entry.level === 'error') problems.push(`${params.entry.source}: ${params.entry.text}`);
  if (method === 'Runtime.consoleAPICalled' && params.type === 'error') problems.push(`console.error: ${params.args.map((a) => a.value ?? a.description).join(' ')}`);
});
const shots = args.screenshots;
if (shots) mkdirSync(shots, { recursive: true });
async function screenshot(name) {
  if (shots) writeFileSync(join(shots, `${name}.png`), await browser.screenshot());
}
const text = (selector) => browser.evaluate(`document.querySelector(${JSON.stringify(selector)})?.innerText ?? null`);
const go = async (hash) => {
  await browser.evaluate(`location.hash = ${JSON.stringify(hash)}`);
  await browser.waitFor(`location.hash === ${JSON.stringify(hash)} && document.querySelector('#main').getAttribute('aria-busy') === 'false'`, { what: `the page ${hash}`, timeoutMs: 60000 });
};
const noOverflow = async (where) => {
  const [scroll, width] = await browser.evaluate('[document.documentElement.scrollWidth, window.innerWidth]');
  assert.ok(scroll <= width, `${where}: the page is ${scroll} px wide in a ${width} px window`);
};
const downloads = mkdtempSync(join(tmpdir(), 'tracechain-console-downloads-'));

try {
  const steps = await commitDemoData();
  ok(`committed ${tradeId}: ${steps} steps, one refused; an open proposal`);

  await browser.screen(1280, 800);
  await browser.navigate(`${args.url}/console/`);
  await browser.waitFor("document.querySelector('#main h1')?.textContent === 'Chain status' && document.querySelector('#blocks table')", { what: 'the status page' });
  await browser.waitFor("document.querySelector('.live')?.textContent.startsWith('Live')", { what: 'the newBlocks subscription' });
  const before = Number(await text('#height'));
  await browser.waitFor(`Number(document.querySelector('#height').textContent) > ${before}`, { what: 'a new block to appear live' });
  ok('the status page shows the chain and new blocks as they commit (WebSocket under the CSP)');
  await noOverflow('status at 1280×800');
  await screenshot('status');

  // Keyboard: from the top of the page, Tab reaches the skip link and then
  // every entry of the menu, in order.
  await browser.evaluate('document.activeElement.blur(); window.scrollTo(0, 0)');
  const reached = [];
  for (let i = 0; i < 9; i++) {
    await browser.press('Tab');
    reached.push(await browser.evaluate('document.activeElement.textContent.trim()'));
  }
  assert.deepEqual(reached, ['Skip to the content', 'tracechain console', 'Status', 'Trades', 'Participants', 'Assets', 'Governance', 'Audit report', 'Verify a receipt']);
  await browser.press('Tab');
  assert.equal(await browser.evaluate('document.activeElement.id'), 'sign-in-link');
  await browser.press('Enter');
  await browser.waitFor("location.hash === '#/sign-in' && document.activeElement?.tagName === 'H1'", { what: 'Enter on the focused link to open the sign-in page, focus on its heading' });
  await browser.press('Tab');
  assert.equal(await browser.evaluate('document.activeElement.id'), 'key-file');
  const outline = await browser.evaluate("getComputedStyle(document.activeElement).outlineStyle + ' ' + getComputedStyle(document.activeElement).outlineWidth");
  assert.match(outline, /^solid [1-9]/, 'the focused control has a visible outline');
  ok('the keyboard reaches the skip link, every menu entry and the sign-in form; focus is visible');

  // Sign-in: the key file goes into the file input, as a user picks it.
  await browser.setFiles('#key-file', [join(args.keys, 'auditor-1.pem')]);
  await browser.setFiles('#genesis-file', [args.genesis]);
  await screenshot('sign-in');
  await browser.evaluate("document.querySelector('#sign-in-button').click()");
  await browser.waitFor("location.hash === '#/trades' && document.querySelector('#main table')", { what: 'the trades after sign-in' });
  assert.match(await text('#who'), /Signed in as auditor-1 \(auditor\)/);
  assert.ok((await text('#main table')).includes(tradeId));
  ok('signed in as auditor-1 from the key file; the trades list holds the demo trade');
  await go('#/trades?state=settled');
  assert.ok((await text('#main table')).includes(tradeId));
  await go('#/trades?state=requested');
  assert.ok(!((await text('#main')) ?? '').includes(tradeId));
  ok('the state filter keeps and drops the trade as it should');

  await go(`#/trade/${tradeId}`);
  const timeline = await browser.evaluate(`[...document.querySelectorAll('#timeline li.step')].map((li) => ({
      title: li.querySelector('h3').innerText,
      verified: li.querySelector('.verdict .mark').dataset.verified,
      verdict: li.querySelector('.verdict').innerText,
      relied: li.querySelectorAll('.relied li .mark[data-verified="yes"]').length }))`);
  assert.equal(timeline.length, steps, `${steps} steps on the timeline`);
  for (const step of timeline) assert.equal(step.verified, 'yes', `${step.title}: ${step.verdict}`);
  assert.match(timeline[2].title, /Delivered — refused/);
  const review = timeline.find((s) => /Compliance review/.test(s.title));
  assert.equal(review.relied, 3, 'the review shows both attestations and the source review, each verified');
  const summary = await browser.evaluate("[...document.querySelectorAll('#trade-checks .mark')].map((m) => m.dataset.verified)");
  assert.deepEqual(summary, ['yes', 'yes', 'yes', 'yes']);
  ok(`every one of the ${steps} steps shows ✓ (the refused delivery too: its receipt is genuine); the trail is complete; the review's attestations and source review are verified`);
  await noOverflow('trade at 1280×800');
  await screenshot('trade');
  await browser.evaluate("[...document.querySelectorAll('#timeline li.step')].find((li) => /Compliance review/.test(li.querySelector('h3').innerText)).scrollIntoView()");
  await screenshot('trade-review');
  await browser.evaluate('window.scrollTo(0, 0)');

  // Save the review's receipt with the page's own link.
  await browser.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
  await browser.evaluate("[...document.querySelectorAll('#timeline li.step')].find((li) => /Compliance review/.test(li.querySelector('h3').innerText)).querySelector('a[download]').click()");
  const deadline = Date.now() + 10000;
  let saved;
  while (!saved && Date.now() < deadline) {
    saved = readdirSync(downloads).find((f) => f.endsWith('.json'));
    if (!saved) await wait(100);
  }
  assert.ok(saved, 'the receipt was downloaded');
  await wait(200);
  const receiptFile = join(downloads, saved);
  const receipt = JSON.parse(readFileSync(receiptFile, 'utf8'));
  assert.equal(receipt.format, 'tracechain-verifiable-receipt/1');
  ok(`the review step's receipt saved from the page (${saved})`);

  // Tampered: the review's verdict byte in the transaction changed, as a
  // forger turning a rejection into an approval (or back) would.
  const tampered = structuredClone(receipt);
  const payloadAt = tampered.transaction.hex.indexOf(tampered.transaction.payloadHex);
  const flip = payloadAt + tampered.transaction.payloadHex.length - 2;
  tampered.transaction.hex = tampered.transaction.hex.slice(0, flip) + (tampered.transaction.hex[flip] === '0' ? '1' : '0') + tampered.transaction.hex.slice(flip + 1);
  const tamperedFile = join(downloads, 'tampered.json');
  writeFileSync(tamperedFile, JSON.stringify(tampered));

  await go('#/verify');
  // No node: the network is cut while the files are verified.
  await browser.page('Network.enable');
  await browser.page('Network.emulateNetworkConditions', { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  const verifyFile = async (file) => {
    await browser.evaluate("document.querySelector('#verify-result').replaceChildren()");
    await browser.setFiles('#receipt-file', [file]);
    await browser.setFiles('#verify-genesis-file', [args.genesis]);
    await browser.evaluate("document.querySelector('#verify-button').click()");
    return browser.waitFor("(() => { const r = document.querySelector('#verify-result [data-verified]'); return r && [r.dataset.verified, r.innerText]; })()", { what: 'a verdict' });
  };
  const [good, goodText] = await verifyFile(receiptFile);
  assert.equal(good, 'yes', goodText);
  assert.match(goodText, /accepted/);
  await screenshot('verify-accepted');
  const [bad, badText] = await verifyFile(tamperedFile);
  assert.equal(bad, 'no', badText);
  assert.match(badText, /rejected — receipt does not verify: the transaction hash is not the hash of its encoding/);
  ok(`offline, the saved receipt is accepted and the tampered one rejected: "${badText.replace(/^✗ /, '')}"`);
  await noOverflow('verify at 1280×800');
  await screenshot('verify-rejected');
  await browser.page('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

  await go(`#/audit?trade=${tradeId}`);
  const marks = await browser.evaluate("[...document.querySelectorAll('#main .mark')].map((m) => m.dataset.verified)");
  assert.ok(marks.length >= steps + 4 && marks.every((m) => m === 'yes'), `audit marks: ${marks}`);
  await browser.page('Emulation.setEmulatedMedia', { media: 'print' });
  assert.equal(await browser.evaluate("getComputedStyle(document.querySelector('header.top')).display"), 'none');
  assert.equal(await browser.evaluate("getComputedStyle(document.querySelector('#main form')).display"), 'none');
  await browser.page('Emulation.setEmulatedMedia', { media: '' });
  ok('the audit report verifies every step and prints without the menu or forms');
  await screenshot('audit');
  await go('#/audit?participant=buyer-bank');
  const listed = await browser.evaluate("[...document.querySelectorAll('#main .mark')].map((m) => [m.dataset.verified, m.innerText])");
  assert.ok(listed.length === 1 && listed[0][0] === 'yes', `buyer-bank's report: ${listed}`);
  assert.ok((await text('#main')).includes(tradeId));
  ok("buyer-bank's audit report proves its list of trades complete");

  await go('#/governance');
  assert.ok((await text('#main')).includes(`suspend-abroad-${run}`));
  assert.match(await text('#main'), /1 of 2: exchange/);
  await go('#/participants');
  assert.match(await text('#main table'), /buyer-bank\s+buyer/);
  await go(`#/participant/buyer-bank`);
  assert.match(await text('#main'), /legal-entity/);
  await go('#/assets');
  assert.ok((await text('#main table')).includes(`console-asset-${run}`));
  await go(`#/asset/console-asset-${run}`);
  assert.match(await text('#main'), /reviewer-1\s+approve\s+2026\.1/);
  ok('governance shows the proposal awaiting approval; participants, attestations, assets and source reviews read');

  // A laptop and two phones: nothing wider than the screen.
  for (const [width, height] of [[1280, 800], [390, 844], [360, 740]]) {
    await browser.screen(width, height, { mobile: width < 800 });
    for (const hash of ['#/', `#/trade/${tradeId}`, '#/trades', '#/verify', `#/audit?trade=${tradeId}`, '#/governance', '#/participants', `#/asset/console-asset-${run}`]) {
      await go(hash);
      await noOverflow(`${hash} at ${width}×${height}`);
      if (width === 390 && hash === `#/trade/${tradeId}`) await screenshot('trade-phone');
    }
  }
  ok('no page is wider than the window at 1280×800, 390×844 or 360×740');

  await go('#/sign-in');
  await browser.evaluate("document.querySelector('#sign-out').click()");
  await browser.waitFor("document.querySelector('#who').textContent === 'Not signed in' && document.querySelector('#sign-in-button')", { what: 'signing out' });
  await go('#/trades');
  assert.match(await text('#main'), /Sign in to see the trades/);
  ok('signing out forgets the key: the trades page asks to sign in again');

  assert.deepEqual(problems, [], 'no script errors, failed loads or CSP violations');
  ok('no script error, failed load or CSP violation');
  console.log(`console: every check passed (${checks} checks, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
} catch (error) {
  console.log(`not ok - ${error.message}`);
  if (problems.length) console.log(`page problems:\n  ${problems.join('\n  ')}`);
  await screenshot('failure').catch(() => {});
  process.exitCode = 1;
} finally {
  await browser.close();
  rmSync(downloads, { recursive: true, force: true });
}
