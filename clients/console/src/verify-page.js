// Verify a receipt: a self-contained receipt file (tracectl receipt get, or
// "Save receipt" on a trade's timeline) checked against a genesis file,
// entirely in this page; no node is asked anything.

import { checkReceipt, describe } from './check.js';
import { field, heading, state } from './context.js';
import { facts, h, mark, time } from './dom.js';
import { parseGenesis } from './identity.js';

export function verifyPage(view) {
  view.append(
    heading('Verify a receipt'),
    h('p', {}, 'Checks a self-contained receipt with nothing but the chain\'s genesis: the transaction and receipt hashes, the log leaf, the inclusion proof to the block header\'s log root, the commit certificate signed by more than two thirds of genesis\'s validators, and the sender\'s signature. No node is asked.'),
  );
  const result = h('div', { id: 'verify-result', role: 'status', 'aria-live': 'polite' });
  const genesisNote = state.genesis ? h('p', { class: 'note' }, `Without a genesis file, the genesis you signed in with (${state.genesis.chain_id}) is used.`) : null;
  const form = h(
    'form',
    { id: 'verify-form', class: 'stack' },
    field('receipt-file', 'Receipt (JSON)', h('input', { id: 'receipt-file', name: 'receipt', type: 'file', accept: '.json,application/json', required: true })),
    field('verify-genesis-file', 'Genesis (genesis.json)', h('input', { id: 'verify-genesis-file', name: 'genesis', type: 'file', accept: '.json,application/json', required: !state.genesis })),
    genesisNote,
    h('button', { type: 'submit', id: 'verify-button' }, 'Verify'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    result.replaceChildren('Verifying…');
    result.replaceChildren(...(await verdictView(form)));
  });
  view.append(form, result);
}

async function verdictView(form) {
  const receiptFile = form.elements.receipt.files?.[0];
  const genesisFile = form.elements.genesis.files?.[0];
  if (!receiptFile) return [mark(false, 'pick a receipt file')];
  let anchor = state.genesis ? { genesis: state.genesis, trusted: state.trusted } : null;
  let receipt;
  try {
    if (genesisFile) anchor = parseGenesis(await genesisFile.text());
    if (!anchor) throw new Error('pick the genesis file');
    try {
      receipt = JSON.parse(await receiptFile.text());
    } catch {
      throw new Error('the receipt file is not JSON');
    }
  } catch (error) {
    return [h('p', { class: 'result bad', dataset: { verified: 'no' } }, mark(false, `rejected: ${error.message}`))];
  }
  const verdict = await checkReceipt(receipt, anchor);
  const head = h('p', { class: `result ${verdict.ok ? 'ok' : 'bad'}`, dataset: { verified: verdict.ok ? 'yes' : 'no' } }, mark(verdict.ok, verdict.ok ? `accepted — ${describe(verdict)}` : `rejected — ${verdict.why}`));
  if (!verdict.ok) return [head];
  const { tx } = verdict;
  return [
    head,
    facts([
      ['transaction', h('code', { class: 'digest' }, tx.hash)],
      ['kind', tx.kind],
      ['sender', tx.sender],
      ['outcome', receipt.receipt.status === 'ok' ? 'applied' : `refused by the ledger: ${receipt.receipt.reason}`],
      ['block', `${verdict.summary.height}, transaction ${verdict.summary.index}`],
      ['block time', time(verdict.timeMs)],
      ['payload', h('pre', {}, JSON.stringify(tx.payload, null, 1))],
    ]),
  ];
}
