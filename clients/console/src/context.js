// What every page shares: the node, who is signed in (participant, roles,
// the signing client) and the genesis the user loaded, plus the few page
// helpers that depend on it.

import { Client } from '../../js/src/index.js';
import { h, link } from './dom.js';

// The node: the one that served the page, or ?node=URL when the console is
// served by another static server (the node must then list this page's
// origin in rpc.cors_origins).
const defaultNode = new URLSearchParams(location.search).get('node') ?? new URL('/', location.href).href;

export const state = {
  nodeUrl: defaultNode,
  client: new Client(defaultNode), // anonymous until sign-in
  participant: null,
  roles: [],
  genesis: null,
  trusted: null,
};

export function signedIn() {
  return state.participant !== null;
}

export function hasRole(...roles) {
  return roles.some((r) => state.roles.includes(r));
}

// What a page shows when the caller must sign in first.
export function needsSignIn(main, what) {
  main.append(h('p', {}, `Sign in to see ${what}. `, link('#/sign-in', 'Sign in')));
}

// A page heading, focused after navigation so that a screen reader starts
// there and Tab continues from it.
export function heading(text) {
  return h('h1', { tabindex: -1 }, text);
}

export function field(id, label, input) {
  return h('div', { class: 'field' }, h('label', { for: id }, label), input);
}
