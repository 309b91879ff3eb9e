// Checks the answers state_proof_test.cc saved (argv[2]) with the JavaScript
// client: the trail is complete by its history proof, the state proof
// verifies, and each altered answer is refused. Prints a JSON summary;
// exits 1 when a check does not come out as it must.
// CommonJS, as everything in tests/rpc; the client is an ES module package,
// imported once main() runs.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

let tc;

async function refused(name, attempt) {
  try {
    await attempt();
  } catch (e) {
    return { name, why: e.message };
  }
  throw new Error(`${name}: accepted, but it must be refused`);
}

async function main() {
  tc = await import(pathToFileURL(path.join(__dirname, '..', '..', 'clients', 'js', 'src', 'index.js')).href);
  const answers = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const trusted = answers.trustedValidators;
  const trail = answers.trail;
  const hashes = trail.steps.map((s) => s.txHash);
  const complete = await tc.verifyHistory(trail.historyProof, `t/${trail.trade.id}`, hashes, { trusted });
  const proven = await tc.verifyStateProof(answers.stateProof, { trusted });

  const altered = JSON.parse(JSON.stringify(answers.stateProof));
  const h = altered.value.hex;
  altered.value.hex = h.slice(0, -1) + (h.endsWith('0') ? '1' : '0');
  const results = [
    await refused('removed', () => tc.verifyHistory(trail.historyProof, `t/${trail.trade.id}`, hashes.slice(1), { trusted })),
    await refused('added', () =>
      tc.verifyHistory(trail.historyProof, `t/${trail.trade.id}`, [...hashes, hashes[0]], { trusted }),
    ),
    await refused('moved', () =>
      tc.verifyHistory(trail.historyProof, `t/${trail.trade.id}`, [hashes[1], hashes[0], ...hashes.slice(2)], { trusted }),
    ),
    await refused('stale', () => tc.verifyStateProof(answers.staleProof, { trusted })),
    await refused('altered', () => tc.verifyStateProof(altered, { trusted })),
  ];
  console.log(
    JSON.stringify({
      complete,
      stateProof: proven.key,
      refused: results.map((r) => r.name),
      reasons: results.map((r) => r.why),
    }),
  );
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
