// Trades: the list with filters, one trade's timeline with every step's
// receipt verified in the browser against genesis, and the printable audit
// report of a trade or a participant.

import { hex, verifyHistory, verifyStateProof } from '../../js/src/index.js';
import { field, hasRole, heading, needsSignIn, signedIn, state } from './context.js';
import { checkReceipt, describe } from './check.js';
import { digest, download, facts, h, link, mark, reason, table, time } from './dom.js';

const TRADE_STATES = ['requested', 'agreed', 'approved', 'declined', 'rejected', 'cancelled', 'delivered', 'accepted', 'disputed', 'resolved', 'settled'];

// What each transaction kind does to a trade, in words.
const STEP_NAMES = {
  'trade.create': 'Requested',
  'trade.accept': 'Accepted by the provider',
  'trade.decline': 'Declined by the provider',
  'trade.review': 'Compliance review',
  'trade.deliver': 'Delivered',
  'trade.confirm': 'Delivery confirmed',
  'trade.record-usage': 'Usage recorded',
  'trade.settle': 'Settled',
  'trade.open-dispute': 'Disputed',
  'trade.resolve-dispute': 'Dispute resolved',
  'trade.cancel': 'Cancelled',
};

const MAX_PAGES = 20;

// Every item of a paged list (following `next`), up to MAX_PAGES pages.
async function allPages(call, key) {
  const items = [];
  let startAfter;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await call(startAfter === undefined ? {} : { startAfter });
    items.push(...answer[key]);
    if (answer.next === null || answer.next === undefined) break;
    startAfter = answer.next;
  }
  return items;
}

// ------------------------------------------------------------------ list

// A filter form: submitting it opens `path` with the filled fields as query.
function navigateOnSubmit(form, path) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams([...new FormData(form)].filter(([, v]) => v));
    location.hash = `${path}${query.size ? `?${query}` : ''}`;
  });
}

export async function tradesPage(view, params) {
  view.append(heading('Trades'));
  if (!signedIn()) return needsSignIn(view, 'the trades your roles allow');
  const stateSelect = h('select', { id: 'filter-state', name: 'state' }, h('option', { value: '' }, 'any state'), TRADE_STATES.map((s) => h('option', { value: s, selected: params.state === s }, s)));
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter trades' },
    field('filter-state', 'State', stateSelect),
    field('filter-participant', 'Party (buyer or provider)', h('input', { id: 'filter-participant', name: 'participant', value: params.participant ?? '', spellcheck: 'false' })),
    field('filter-asset', 'Asset', h('input', { id: 'filter-asset', name: 'asset', value: params.asset ?? '', spellcheck: 'false' })),
    h('button', { type: 'submit' }, 'Show'),
  );
  navigateOnSubmit(form, '#/trades');
  view.append(form);

  const client = state.client;
  let trades;
  if (params.participant) trades = await allPages((p) => client.trade.listByParticipant({ participant: params.participant, ...p }), 'trades');
  else if (params.asset) trades = await allPages((p) => client.trade.listByAsset({ assetId: params.asset, ...p }), 'trades');
  else trades = await allPages((p) => client.trade.list({ ...(params.state ? { state: params.state } : {}), ...p }), 'trades');
  if (params.state) trades = trades.filter((t) => t.state === params.state);
  view.append(
    table(`${trades.length} trade${trades.length === 1 ? '' : 's'} you may read`, [
      { label: 'trade', cell: (t) => link(`#/trade/${encodeURIComponent(t.id)}`, t.id) },
      { label: 'asset', cell: (t) => link(`#/asset/${encodeURIComponent(t.asset)}`, t.asset) },
      { label: 'buyer', cell: (t) => t.buyer },
      { label: 'provider', cell: (t) => t.provider },
      { label: 'state', cell: (t) => h('span', { class: `state state-${t.state}` }, t.state) },
      { label: 'requested at height', cell: (t) => String(t.createdHeight) },
    ], trades, { empty: 'none match, or none are yours to read' }),
  );
}

// --------------------------------------------------------------- evidence

// A record's self-contained receipt, fetched and verified: {verdict, receipt}.
async function evidenceOf(txHash) {
  try {
    const receipt = await state.client.tx.getVerifiableReceipt({ hash: txHash });
    return { receipt, verdict: await checkReceipt(receipt, state) };
  } catch (error) {
    // A cited record's receipt may be another participant's to read: that
    // is not a failed verification, and is shown apart.
    const unreadable = error?.code === -32002;
    return { receipt: null, verdict: { ok: false, unreadable, why: `the node gave no receipt: ${reason(error)}` } };
  }
}

async function verdictOf(check) {
  try {
    return { ok: true, value: await check() };
  } catch (error) {
    return { ok: false, why: error.message };
  }
}

// Everything about a trade that the page and the report show, verified.
async function tradeEvidence(tradeId) {
  const trail = await state.client.trade.getTrail({ tradeId, proof: true });
  const trusted = state.trusted;
  const [steps, attestations, sourceReviews, registration, history, record] = await Promise.all([
    Promise.all(trail.steps.map(async (entry) => ({ entry, ...(await evidenceOf(entry.txHash)) }))),
    Promise.all(trail.attestations.map(async (a) => ({ record: a, ...(await evidenceOf(a.receipt.txHash)) }))),
    Promise.all(trail.sourceReviews.map(async (r) => ({ record: r, ...(await evidenceOf(r.receipt.txHash)) }))),
    evidenceOf(trail.registration.txHash),
    verdictOf(() => verifyHistory(trail.historyProof, `t/${tradeId}`, trail.steps.map((s) => s.txHash), { trusted })),
    verdictOf(async () => {
      const proven = await verifyStateProof(trail.stateProof, { trusted });
      if (proven.key !== `t/${tradeId}` || hex(proven.value ?? new Uint8Array()) !== trail.stateProof.value?.hex) throw new Error('the proof is of another record');
      return proven;
    }),
  ]);
  return { trail, steps, attestations, sourceReviews, registration, history, record };
}

// ---------------------------------------------------------------- timeline

// A cited record's verdict: ✓, ✗ with the reason, or that the caller may
// not read its receipt.
function citedVerdict({ verdict }) {
  if (verdict.unreadable) return h('span', { class: 'note' }, '(its receipt is not yours to read)');
  return mark(verdict.ok, verdict.ok ? 'receipt verified' : describe(verdict));
}

function stepReliedOn(payload, evidence) {
  if (!payload) return null;
  const cited = [];
  const attestation = (id, whose) => {
    if (!id) return;
    const found = evidence.attestations.find((a) => a.record.id === id);
    if (!found) return cited.push(h('li', {}, `${whose} attestation `, digest(id), ' (not in the trail)'));
    const a = found.record;
    cited.push(
      h('li', {}, `${whose} attestation: `, `${a.attestor} attests ${a.subject} as ${a.claimType}, valid until `, time(a.validUntilMs), a.revoked ? h('strong', {}, ` — revoked at height ${a.revokedHeight}`) : '', ' ', citedVerdict(found)),
    );
  };
  attestation(payload.buyerAttestation, "Buyer's");
  attestation(payload.providerAttestation, "Provider's");
  if (payload.sourceReview) {
    const found = evidence.sourceReviews.find((r) => r.record.id === payload.sourceReview);
    if (!found) cited.push(h('li', {}, 'Source review ', digest(payload.sourceReview), ' (not in the trail)'));
    else {
      const r = found.record;
      cited.push(h('li', {}, `Source review: ${r.reviewer} found ${r.asset}'s source "${r.verdict}" under rules ${r.ruleSetVersion} `, citedVerdict(found)));
    }
  }
  return cited.length ? h('div', { class: 'relied' }, h('p', {}, 'Relied on:'), h('ul', {}, cited)) : null;
}

function stepDetails(payload) {
  if (!payload) return [];
  const shown = [];
  if (payload.verdict) shown.push(['verdict', payload.verdict]);
  if (payload.method) shown.push(['delivery method', payload.method]);
  if (payload.units !== undefined) shown.push(['units used', String(payload.units)]);
  if (payload.amount !== undefined) shown.push(['amount', `${payload.amount} ${payload.currency ?? ''}`]);
  if (payload.outcome) shown.push(['outcome', payload.outcome]);
  return shown;
}

function timeline(evidence, tradeId) {
  return h(
    'ol',
    { class: 'timeline', id: 'timeline' },
    evidence.steps.map(({ entry, receipt, verdict }, i) => {
      const payload = verdict.ok ? verdict.tx.payload : null;
      return h(
        'li',
        { class: `step ${entry.status === 'ok' ? '' : 'failed'}`, dataset: { step: i + 1, tx: entry.txHash } },
        h('h3', {}, `${i + 1}. ${STEP_NAMES[entry.kind] ?? entry.kind}`, entry.status === 'ok' ? '' : ' — refused'),
        facts([
          ['by', entry.sender],
          ['time', verdict.ok ? time(verdict.timeMs) : '—'],
          ['block', `${entry.height}, transaction ${entry.index}`],
          ['outcome', entry.status === 'ok' ? 'applied' : `refused by the ledger: ${entry.reason}${receipt?.receipt.message ? ` (${receipt.receipt.message})` : ''}`],
          ...stepDetails(payload),
          ['transaction', digest(entry.txHash)],
        ]),
        stepReliedOn(payload, evidence),
        h('p', { class: 'verdict' }, mark(verdict.ok, describe(verdict))),
        receipt ? h('p', { class: 'no-print' }, download(`receipt-${tradeId}-${i + 1}.json`, JSON.stringify(receipt, null, 1), `Save step ${i + 1}'s receipt`)) : null,
      );
    }),
  );
}

function tradeSummary(evidence) {
  const { trail, history, record, registration } = evidence;
  const t = trail.trade;
  const verified = evidence.steps.filter((s) => s.verdict.ok).length;
  return [
    facts([
      ['state', h('span', { class: `state state-${t.state}` }, t.state)],
      ['asset', link(`#/asset/${encodeURIComponent(t.asset)}`, `${t.asset} (level ${trail.asset.level}, by ${trail.asset.provider})`)],
      ['buyer', link(`#/participant/${encodeURIComponent(t.buyer)}`, t.buyer)],
      ['provider', link(`#/participant/${encodeURIComponent(t.provider)}`, t.provider)],
      ['cross-border', t.crossBorder ? 'yes' : 'no'],
      ['read at height', String(trail.height)],
    ]),
    h(
      'ul',
      { class: 'checks', id: 'trade-checks' },
      h('li', {}, mark(verified === evidence.steps.length, `${verified} of ${evidence.steps.length} steps' receipts verified against genesis`)),
      h('li', {}, mark(history.ok, history.ok ? `the trail is complete: ${history.value.count} steps chain to the committed history at height ${history.value.height}, none missing, added or moved` : `completeness not proven: ${history.why}`)),
      h('li', {}, mark(record.ok, record.ok ? `the trade's current record is proven against the certified state at height ${record.value.height}` : `the trade's record is not proven: ${record.why}`)),
      h('li', {}, mark(registration.verdict.ok, registration.verdict.ok ? `the asset's registration by ${trail.registration.sender} is verified` : `the asset's registration: ${describe(registration.verdict)}`)),
    ),
  ];
}

export async function tradePage(view, { id }) {
  const tradeId = decodeURIComponent(id);
  view.append(heading(`Trade ${tradeId}`));
  if (!signedIn()) return needsSignIn(view, 'this trade');
  const evidence = await tradeEvidence(tradeId);
  view.append(
    ...tradeSummary(evidence),
    h('p', { class: 'no-print' }, link(`#/audit?trade=${encodeURIComponent(tradeId)}`, 'Printable audit report of this trade')),
    h('h2', {}, 'Timeline'),
    timeline(evidence, tradeId),
  );
}

// ------------------------------------------------------------------- audit

export async function auditPage(view, params) {
  view.append(heading(params.trade ? `Audit report: trade ${params.trade}` : params.participant ? `Audit report: participant ${params.participant}` : 'Audit report'));
  if (!signedIn()) return needsSignIn(view, 'audit reports');
  const form = h(
    'form',
    { class: 'filters no-print', 'aria-label': 'Choose a report' },
    field('audit-trade', 'Trade', h('input', { id: 'audit-trade', name: 'trade', value: params.trade ?? '', spellcheck: 'false' })),
    field('audit-participant', 'or participant', h('input', { id: 'audit-participant', name: 'participant', value: params.participant ?? '', spellcheck: 'false' })),
    h('button', { type: 'submit' }, 'Report'),
  );
  navigateOnSubmit(form, '#/audit');
  view.append(form);
  if (!hasRole('auditor')) view.append(h('p', { class: 'note' }, 'You are not an auditor: the report holds only what your roles let you read.'));
  if (!params.trade && !params.participant) return;

  const status = await state.client.chain.getStatus();
  view.append(
    facts([
      ['prepared by', state.participant],
      ['prepared at', time(Date.now())],
      ['chain', `${status.chainId} at height ${status.height}`],
      ['node asked', status.nodeId],
      ['trusted validators (genesis)', state.trusted.map((v) => v.id).join(', ')],
    ]),
    h('p', { class: 'no-print' }, h('button', { type: 'button', onclick: () => window.print() }, 'Print')),
  );
  if (params.trade) {
    const evidence = await tradeEvidence(params.trade);
    view.append(h('h2', {}, 'Findings'), ...tradeSummary(evidence), h('h2', {}, 'Every step'), timeline(evidence, params.trade));
  } else {
    await participantReport(view, params.participant);
  }
}

async function participantReport(view, participantId) {
  const client = state.client;
  const [participant, attestations, history] = await Promise.all([
    client.participant.get({ participantId }),
    allPages((p) => client.participant.getAttestations({ participantId, ...p }), 'attestations').catch((error) => error),
    client.participant.getHistory({ participantId, proof: true }).catch((error) => error),
  ]);
  view.append(
    h('h2', {}, 'Participant'),
    facts([
      ['roles', participant.roles.join(', ')],
      ['status', participant.status],
      ['jurisdiction', participant.jurisdiction],
      ['admitted at height', String(participant.admittedHeight)],
      ['keys', `${participant.keys.length} (current `, digest(participant.currentKey), ')'],
    ]),
    h('h2', {}, 'Attestations'),
    attestations instanceof Error ? h('p', {}, reason(attestations)) : attestationTable(attestations),
    h('h2', {}, 'Trades'),
  );
  if (history instanceof Error) return view.append(h('p', {}, reason(history)));
  const complete = await verdictOf(() => verifyHistory(history.historyProof, `p/${participantId}`, history.entries.map((e) => e.txHash), { trusted: state.trusted }));
  view.append(
    h('ul', { class: 'checks' }, h('li', {}, mark(complete.ok, complete.ok ? `the list is complete: ${complete.value.count} trades chain to the committed history at height ${complete.value.height}` : `completeness not proven: ${complete.why}`))),
    table('Trades the participant is party to, in the order requested', [
      { label: 'trade', cell: (e) => link(`#/audit?trade=${encodeURIComponent(e.tradeId)}`, e.tradeId) },
      { label: 'requested by', cell: (e) => e.sender },
      { label: 'height', cell: (e) => String(e.height) },
      { label: 'request', cell: (e) => e.status },
    ], history.entries),
  );
}

export function attestationTable(attestations) {
  return table('Attestations, revoked ones included', [
    { label: 'claim', cell: (a) => a.claimType },
    { label: 'attestor', cell: (a) => a.attestor },
    { label: 'valid', cell: (a) => [time(a.validFromMs), ' to ', time(a.validUntilMs)] },
    { label: 'status', cell: (a) => (a.revoked ? `revoked at height ${a.revokedHeight}` : 'in force') },
    { label: 'id', cell: (a) => digest(a.id) },
  ], attestations);
}
