// Participants (with their attestations), assets (with their source
// reviews) and governance proposals, as far as the caller's roles allow.

import { hasRole, heading, needsSignIn, signedIn, state } from './context.js';
import { digest, facts, h, link, reason, table } from './dom.js';
import { attestationTable } from './trades.js';

// Reads that the caller's roles may refuse: the answer, or the error.
async function attempt(read) {
  try {
    return await read();
  } catch (error) {
    return error;
  }
}

const refused = (answer) => answer instanceof Error;

// ------------------------------------------------------------ participants

export async function participantsPage(view) {
  view.append(heading('Participants'));
  if (!signedIn()) return needsSignIn(view, 'participants');
  // The chain has no list of participants to read: genesis names the
  // founders, admissions are governance proposals (for those who may read
  // them), and the caller knows itself.
  const ids = new Set(state.genesis.participants.map((p) => p.id));
  ids.add(state.participant);
  if (hasRole('governor', 'auditor')) {
    const proposals = await attempt(() => state.client.governance.listProposals({ limit: 1000 }));
    if (!refused(proposals)) {
      for (const p of proposals.proposals) if (p.change.type === 'admit-participant' && p.status === 'applied') ids.add(p.change.subject);
    }
  }
  const all = await Promise.all([...ids].sort().map(async (id) => ({ id, record: await attempt(() => state.client.participant.get({ participantId: id })) })));
  // Those the caller's roles do not cover are counted, not listed.
  const rows = all.filter((r) => !refused(r.record) || r.record.code !== -32002);
  const hidden = all.length - rows.length;
  view.append(
    ...(hidden ? [h('p', { class: 'note' }, `${hidden} more are not yours to read.`)] : []),
    table('Participants: the founders in genesis and those admitted since', [
      { label: 'participant', cell: (r) => link(`#/participant/${encodeURIComponent(r.id)}`, r.id) },
      { label: 'roles', cell: (r) => (refused(r.record) ? reason(r.record) : r.record.roles.join(', ')) },
      { label: 'status', cell: (r) => (refused(r.record) ? '—' : r.record.status) },
      { label: 'jurisdiction', cell: (r) => (refused(r.record) ? '—' : r.record.jurisdiction) },
    ], rows),
  );
}

export async function participantPage(view, { id }) {
  const participantId = decodeURIComponent(id);
  view.append(heading(`Participant ${participantId}`));
  if (!signedIn()) return needsSignIn(view, 'participants');
  const client = state.client;
  const [participant, attestations, trades] = await Promise.all([
    client.participant.get({ participantId }),
    attempt(() => client.participant.getAttestations({ participantId, limit: 1000 })),
    attempt(() => client.trade.listByParticipant({ participant: participantId, limit: 1000 })),
  ]);
  view.append(
    facts([
      ['roles', participant.roles.join(', ') || 'none'],
      ['status', participant.status],
      ['jurisdiction', participant.jurisdiction],
      ['admitted at height', String(participant.admittedHeight)],
      ['current key', digest(participant.currentKey)],
      ['keys held', participant.keys.map((k) => `from height ${k.fromHeight}`).join('; ')],
    ]),
    h('p', {}, link(`#/audit?participant=${encodeURIComponent(participantId)}`, 'Audit report of this participant')),
    h('h2', {}, 'Attestations'),
    refused(attestations) ? h('p', {}, reason(attestations)) : attestationTable(attestations.attestations),
    h('h2', {}, 'Trades'),
    refused(trades)
      ? h('p', {}, reason(trades))
      : table('Trades it is party to', [
          { label: 'trade', cell: (t) => link(`#/trade/${encodeURIComponent(t.id)}`, t.id) },
          { label: 'role in it', cell: (t) => (t.buyer === participantId ? 'buyer' : 'provider') },
          { label: 'state', cell: (t) => t.state },
        ], trades.trades),
  );
}

// ------------------------------------------------------------------ assets

export async function assetsPage(view) {
  view.append(heading('Assets'));
  if (!signedIn()) return needsSignIn(view, 'assets');
  const answer = await state.client.asset.list({ limit: 1000 });
  view.append(
    table('Data assets you may read', [
      { label: 'asset', cell: (a) => link(`#/asset/${encodeURIComponent(a.id)}`, a.id) },
      { label: 'provider', cell: (a) => a.provider },
      { label: 'level', cell: (a) => `L${a.level}` },
      { label: 'latest source review', cell: (a) => a.latestVerdict ?? 'not reviewed' },
      { label: 'registered at height', cell: (a) => String(a.registeredHeight) },
    ], answer.assets),
  );
}

export async function assetPage(view, { id }) {
  const assetId = decodeURIComponent(id);
  view.append(heading(`Asset ${assetId}`));
  if (!signedIn()) return needsSignIn(view, 'assets');
  const asset = await state.client.asset.get({ assetId });
  const history = await attempt(() => state.client.asset.getHistory({ assetId, limit: 1000 }));
  view.append(
    facts([
      ['provider', link(`#/participant/${encodeURIComponent(asset.provider)}`, asset.provider)],
      ['classification', `L${asset.level}`],
      ['content', digest(asset.contentHash)],
      ['source declaration', digest(asset.sourceDeclarationHash)],
      ['licence terms', digest(asset.licenceTermsHash)],
      ['registered at height', String(asset.registeredHeight)],
      ['latest source review', asset.latestVerdict ?? 'not reviewed'],
    ]),
    h('p', {}, link(`#/trades?asset=${encodeURIComponent(assetId)}`, 'Trades of this asset')),
    h('h2', {}, 'Source reviews'),
  );
  if (refused(history)) return view.append(h('p', {}, reason(history)));
  const reviews = history.entries.filter((e) => e.review);
  view.append(
    table('Reviews of the asset\'s source, in order', [
      { label: 'reviewer', cell: (e) => e.review.reviewer },
      { label: 'verdict', cell: (e) => e.review.verdict },
      { label: 'rules', cell: (e) => e.review.ruleSetVersion },
      { label: 'height', cell: (e) => String(e.review.height) },
      { label: 'report', cell: (e) => digest(e.review.reportHash) },
    ], reviews),
    h('h2', {}, 'History'),
    table('Registration, reviews and trade requests', [
      { label: 'height', cell: (e) => String(e.height) },
      { label: 'what', cell: (e) => e.kind },
      { label: 'by', cell: (e) => e.sender },
      { label: 'outcome', cell: (e) => (e.status === 'ok' ? 'applied' : `refused: ${e.reason}`) },
    ], history.entries),
  );
}

// -------------------------------------------------------------- governance

function changeText(change) {
  const roles = change.roles.length ? ` (${change.roles.join(', ')})` : '';
  return change.type === 'change-policy' ? 'change the policy' : `${change.type} ${change.subject}${roles}`;
}

export async function governancePage(view) {
  view.append(heading('Governance'));
  if (!signedIn()) return needsSignIn(view, 'governance proposals');
  if (!hasRole('governor', 'auditor')) return view.append(h('p', {}, 'Proposals are for governors and auditors to read; your roles are ', state.roles.join(', ') || 'none', '.'));
  const [policy, answer] = await Promise.all([state.client.chain.getPolicy(), state.client.governance.listProposals({ limit: 1000 })]);
  const proposals = answer.proposals;
  const columns = [
    { label: 'proposal', cell: (p) => p.id },
    { label: 'change', cell: (p) => changeText(p.change) },
    { label: 'proposed by', cell: (p) => `${p.proposer} at height ${p.proposedHeight}` },
    { label: 'approvals', cell: (p) => `${p.approvals.length} of ${policy.governanceThreshold}: ${p.approvals.map((a) => a.governor).join(', ')}` },
    { label: 'status', cell: (p) => (p.status === 'applied' ? `applied at height ${p.appliedHeight}` : p.status === 'open' ? `open until height ${p.expiryHeight}` : p.status) },
  ];
  view.append(
    h('p', {}, `A change applies once ${policy.governanceThreshold} governor${policy.governanceThreshold === 1 ? '' : 's'} approve${policy.governanceThreshold === 1 ? 's' : ''} it.`),
    h('h2', {}, 'Awaiting approval'),
    table('Open proposals', columns, proposals.filter((p) => p.status === 'open'), { empty: 'nothing awaits approval' }),
    h('h2', {}, 'Decided'),
    table('Applied and expired proposals', columns, proposals.filter((p) => p.status !== 'open')),
  );
}
