// The console's shell: the state of the sign-in, the hash routes, and the
// status and sign-in pages. Every page is a function (main, params) that
// fills <main> and may return a function that releases what it holds (a
// subscription). Pages that need a signed caller say so instead of failing.

import { Client } from '../../js/src/index.js';
import { field, heading, signedIn, state } from './context.js';
import { facts, h, link, reason, table, time, digest } from './dom.js';
import { importKeyFile, parseGenesis, participantOfKey } from './identity.js';
import { auditPage, tradePage, tradesPage } from './trades.js';
import { assetPage, assetsPage, governancePage, participantPage, participantsPage } from './records.js';
import { verifyPage } from './verify-page.js';

// ----------------------------------------------------------------- status

async function statusPage(main) {
  main.append(heading('Chain status'));
  const status = await state.client.chain.getStatus();
  main.append(
    facts([
      ['chain', status.chainId],
      ['node', status.nodeId],
      ['height', h('span', { id: 'height' }, String(status.height))],
      ['last block', time(status.tipTimeMs)],
      ['transactions in the log', String(status.logSize)],
      ['peers', status.peers.join(', ') || 'none'],
      ['validators', status.validators.validators.map((v) => v.id).join(', ')],
      ['syncing', status.syncing ? 'yes' : 'no'],
    ]),
  );
  const live = h('p', { class: 'live', role: 'status' }, 'Connecting to new blocks…');
  const rows = [];
  for (let height = status.height; height > 0 && rows.length < 10; height--) {
    rows.push(await state.client.chain.getHeader({ height }));
  }
  const blocks = h('div', { id: 'blocks' });
  const draw = () => blocks.replaceChildren(blocksTable(rows));
  draw();
  main.append(h('h2', {}, 'Recent blocks'), live, blocks);

  const session = state.client.session({ signer: null });
  let closed = false;
  session
    .subscribe('newBlocks', (block) => {
      rows.unshift(block);
      rows.length = Math.min(rows.length, 10);
      document.getElementById('height')?.replaceChildren(String(block.height));
      draw();
    })
    .then(() => {
      if (!closed) live.textContent = 'Live: new blocks appear as they are committed.';
    })
    .catch((error) => {
      live.textContent = `New blocks are not live: ${reason(error)}`;
    });
  return () => {
    closed = true;
    session.close();
  };
}

// A notification counts a block's transactions; a header read alone tells
// it by how much the log grew since the block before.
function transactionsIn(block, previous) {
  if (block.transactionCount !== undefined) return `${block.transactionCount}${block.failedCount ? ` (${block.failedCount} failed)` : ''}`;
  if (previous?.height === block.height - 1) return String(block.logSize - previous.logSize);
  return block.height === 1 ? String(block.logSize) : '—';
}

function blocksTable(rows) {
  return table('The last ten blocks, newest first', [
    { label: 'height', cell: (b) => String(b.height) },
    { label: 'time', cell: (b) => time(b.timeMs) },
    { label: 'proposer', cell: (b) => b.proposer },
    { label: 'transactions', cell: (b, i) => transactionsIn(b, rows[i + 1]) },
    { label: 'block hash', cell: (b) => digest(b.hash) },
  ], rows);
}

// ---------------------------------------------------------------- sign-in

function readFile(input) {
  const file = input.files?.[0];
  return file ? file.text() : Promise.resolve(null);
}

function signInPage(main) {
  main.append(heading(signedIn() ? `Signed in as ${state.participant}` : 'Sign in'));
  if (signedIn()) {
    main.append(
      h('p', {}, `Roles: ${state.roles.join(', ') || 'none'}.`),
      h('button', { type: 'button', id: 'sign-out', onclick: () => signOut() }, 'Sign out'),
    );
    return;
  }
  const message = h('p', { id: 'sign-in-message', role: 'alert' });
  const form = h(
    'form',
    { id: 'sign-in', class: 'stack' },
    h('p', {}, 'Pick your participant key (the PEM file tracectl keys wrote) and the chain\'s genesis.json. The key is imported into this page as non-extractable and never leaves it; requests are signed with it.'),
    field('key-file', 'Participant key (PEM)', h('input', { id: 'key-file', name: 'key', type: 'file', accept: '.pem,application/x-pem-file', required: true })),
    field('genesis-file', 'Genesis (genesis.json)', h('input', { id: 'genesis-file', name: 'genesis', type: 'file', accept: '.json,application/json', required: true })),
    field('participant-id', 'Participant id (optional: found from genesis when the key is a founding one)', h('input', { id: 'participant-id', name: 'participant', type: 'text', autocomplete: 'username', spellcheck: 'false' })),
    field('node-url', 'Node', h('input', { id: 'node-url', name: 'node', type: 'url', value: state.nodeUrl, required: true })),
    h('button', { type: 'submit', id: 'sign-in-button' }, 'Sign in'),
    message,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.textContent = 'Signing in…';
    try {
      await signIn(form);
      location.hash = '#/trades';
    } catch (error) {
      message.textContent = `Not signed in: ${reason(error)}`;
    }
  });
  main.append(form);
}


async function signIn(form) {
  const [pem, genesisText] = await Promise.all([readFile(form.elements.key), readFile(form.elements.genesis)]);
  if (!pem) throw new Error('pick your key file');
  if (!genesisText) throw new Error('pick the genesis file');
  const { genesis, trusted } = parseGenesis(genesisText);
  const { privateKey, publicKey } = await importKeyFile(pem);
  const typed = form.elements.participant.value.trim();
  const participant = typed || (publicKey && participantOfKey(genesis, publicKey));
  if (!participant) throw new Error('this key is not a founding participant\'s in genesis: type your participant id');
  const client = new Client(form.elements.node.value, { signer: { participant, privateKey } });
  const status = await client.chain.getStatus();
  if (status.chainId !== genesis.chain_id) throw new Error(`the node runs chain '${status.chainId}', the genesis is of '${genesis.chain_id}'`);
  const me = await client.auth.whoAmI();
  if (!me.authenticated || me.participant !== participant) throw new Error(`the node does not accept this key as ${participant}'s`);
  Object.assign(state, { nodeUrl: form.elements.node.value, client, participant, roles: me.roles, genesis, trusted });
  showWho();
}

function signOut() {
  state.client.close();
  Object.assign(state, { client: new Client(state.nodeUrl), participant: null, roles: [], genesis: null, trusted: null });
  showWho();
  location.hash = '#/sign-in';
  route();
}

function showWho() {
  document.getElementById('who').textContent = signedIn() ? `Signed in as ${state.participant} (${state.roles.join(', ') || 'no roles'})` : 'Not signed in';
  document.getElementById('sign-in-link').textContent = signedIn() ? 'Sign out' : 'Sign in';
}

// ----------------------------------------------------------------- routing

const routes = [
  [/^\/?$/, statusPage],
  [/^\/sign-in$/, signInPage],
  [/^\/trades$/, tradesPage],
  [/^\/trade\/(.+)$/, tradePage],
  [/^\/participants$/, participantsPage],
  [/^\/participant\/(.+)$/, participantPage],
  [/^\/assets$/, assetsPage],
  [/^\/asset\/(.+)$/, assetPage],
  [/^\/governance$/, governancePage],
  [/^\/audit$/, auditPage],
  [/^\/verify$/, verifyPage],
];

let release = null;
let generation = 0;

async function route() {
  const [path, query = ''] = decodeURIComponent(location.hash.slice(1)).split('?');
  const params = Object.fromEntries(new URLSearchParams(query));
  const main = document.getElementById('main');
  release?.();
  release = null;
  const mine = ++generation;
  main.setAttribute('aria-busy', 'true');
  main.replaceChildren(h('p', {}, 'Loading…'));
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.getAttribute('href') === `#${path || '/'}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  // A page is built aside and shown only if no later navigation overtook it.
  const view = document.createElement('div');
  const [pattern, page] = routes.find(([p]) => p.test(path)) ?? [null, null];
  let releaseView = null;
  try {
    if (!page) view.append(heading('Not found'), h('p', {}, `No page at ${path}. `, link('#/', 'Status')));
    else releaseView = (await page(view, { ...params, id: path.match(pattern)[1] })) ?? null;
  } catch (error) {
    view.append(h('p', { class: 'error', role: 'alert' }, `This page could not be shown: ${reason(error)}`));
  }
  if (mine !== generation) return releaseView?.();
  release = releaseView;
  main.replaceChildren(...view.childNodes);
  main.setAttribute('aria-busy', 'false');
  document.title = `${main.querySelector('h1')?.textContent ?? 'console'} — tracechain console`;
  if (navigated) main.querySelector('h1')?.focus();
}

let navigated = false;
window.addEventListener('hashchange', () => {
  navigated = true;
  route();
});
showWho();
route();
