// Witnesses against a colluding consortium (docs/oversight.md): every
// validator re-certifies a rewritten block. A receipt of the rewritten
// history verifies without witnesses, and is refused when a witness's
// cosignature is required; the witness that cosigned the true history
// refuses the forked checkpoint, before and after a restart, and keeps the
// two certified checkpoints as evidence that verifies offline.
#include <catch2/catch.hpp>

#include <sstream>

#include "cli/witness.h"
#include "crypto/file_util.h"
#include "ledger/checkpoint.h"
#include "tests/cli/certified_chain.h"
#include "tests/support/temp_dir.h"

namespace tracechain {
namespace {

namespace shapes = node::rpc;
using cli::Json;
using test::CertifiedChain;

const std::string kWitnessName = "witness.example/regulator";

// What chain_getCheckpoint answers for `header` (an observer's answer: no
// signed note, which verify_checkpoint accepts on the certificate alone).
Json checkpoint_answer(CertifiedChain& c, const ledger::BlockHeader& header,
                       const ledger::CommitCertificate& certificate) {
  const ledger::Checkpoint checkpoint = ledger::checkpoint_of(c.chain.params(), header);
  return {{"origin", checkpoint.origin},
          {"height", header.height},
          {"logSize", checkpoint.size},
          {"logRoot", to_hex(checkpoint.root)},
          {"checkpoint", ledger::checkpoint_text(checkpoint)},
          {"header", shapes::header_json(header, c.chain.params().hash_algorithm())},
          {"certificate", shapes::certificate_json(certificate)},
          {"signedNote", nullptr}};
}

// A node's answers: its headers and certificates by height, the tip it
// shows, and consistency proofs over `leaves` (its log's leaf hashes).
struct ServedHistory {
  std::map<std::uint64_t, std::pair<ledger::BlockHeader, ledger::CommitCertificate>> blocks;
  std::vector<Digest> leaves;
  std::uint64_t tip = 0;
};

// The leaf hashes of `store`'s log, in order.
std::vector<Digest> log_leaves(CertifiedChain& c) {
  crypto::MerkleHasher hasher(c.chain.params().hash_algorithm());
  std::vector<Digest> leaves;
  for (std::uint64_t h = 1; h <= c.store().height(); ++h) {
    const std::vector<ledger::Receipt> receipts = c.store().receipts(h).value();
    for (const ledger::Receipt& r : receipts) {
      ledger::LogLeaf leaf{r.tx_hash, ledger::receipt_hash(hasher.algorithm(), r), r.height, r.index};
      leaves.push_back(ledger::log_leaf_hash(hasher, leaf));
    }
  }
  return leaves;
}

Digest root_of(const crypto::MerkleHasher& hasher, std::span<const Digest> leaves) {
  crypto::MerkleFrontier frontier;
  for (const Digest& leaf : leaves) frontier.append(hasher, leaf);
  return frontier.root(hasher);
}

ServedHistory true_history(CertifiedChain& c, std::uint64_t tip) {
  ServedHistory served;
  for (std::uint64_t h = 1; h <= c.store().height(); ++h) {
    served.blocks[h] = {*c.store().header(h), *c.store().certificate(h)};
  }
  served.leaves = log_leaves(c);
  served.tip = tip;
  return served;
}

cli::WitnessSource source_of(CertifiedChain& c, const ServedHistory& served) {
  cli::WitnessSource source;
  source.name = "test node";
  source.checkpoint = [&c, &served](std::optional<std::uint64_t> height) -> Result<Json> {
    auto found = served.blocks.find(height.value_or(served.tip));
    if (found == served.blocks.end()) return Error(ErrorCode::kNotFound, "no such height");
    return checkpoint_answer(c, found->second.first, found->second.second);
  };
  source.consistency = [&c, &served](std::uint64_t from, std::uint64_t to) -> Result<Json> {
    crypto::MerkleHasher hasher(c.chain.params().hash_algorithm());
    crypto::MemoryMerkleNodeStore nodes_store;
    crypto::MerkleLog log(hasher.algorithm(), nodes_store);
    for (std::uint64_t i = 0; i < to && i < served.leaves.size(); ++i) log.append(served.leaves[i]);
    auto path = log.consistency_proof(from, to);
    if (!path) return path.error();
    Json nodes = Json::array();
    for (const Digest& d : *path) nodes.push_back(to_hex(d));
    return Json{{"fromSize", from},
                {"toSize", to},
                {"fromRoot", to_hex(root_of(hasher, std::span(served.leaves).first(from)))},
                {"toRoot", to_hex(root_of(hasher, std::span(served.leaves).first(to)))},
                {"path", nodes}};
  };
  source.validator_changes = [&c] { return Result<Json>(c.changes()); };
  source.height_of_size = [&served](std::uint64_t size) -> Result<std::optional<std::uint64_t>> {
    for (const auto& [height, block] : served.blocks) {
      if (block.first.log_size == size) return std::optional<std::uint64_t>(height);
    }
    return std::optional<std::uint64_t>();
  };
  return source;
}

// The colluding consortium's work: the last transaction of block `height`
// gets a failure receipt in place of its success; the block's header gets
// the new log and receipts roots and a certificate from every validator.
// Returns the forged receipt file and the rewritten history.
struct Forgery {
  Json receipt;
  ServedHistory history;
};

Forgery forge(CertifiedChain& c, const Digest& tx_hash, std::uint64_t tip) {
  crypto::MerkleHasher hasher(c.chain.params().hash_algorithm());
  Forgery forgery{c.receipt(tx_hash), true_history(c, tip)};
  auto stored = c.store().transaction(tx_hash);
  REQUIRE(stored.ok());
  const std::uint64_t height = stored->location.height;
  std::vector<ledger::Receipt> receipts = *c.store().receipts(height);
  REQUIRE(stored->location.index + 1 == receipts.size());  // the block's last transaction
  ledger::Receipt& changed = receipts.back();
  changed.status = ledger::TxStatus::kFailed;
  changed.reason = ledger::Reason::kWrongParty;
  changed.message = "rewritten: this transaction never took effect";
  changed.events.clear();

  // The log with that one leaf replaced.
  ledger::BlockHeader header = *c.store().header(height);
  const std::uint64_t leaf_index = header.log_size - 1;
  ledger::LogLeaf leaf{changed.tx_hash, ledger::receipt_hash(hasher.algorithm(), changed),
                       changed.height, changed.index};
  forgery.history.leaves[leaf_index] = ledger::log_leaf_hash(hasher, leaf);
  std::vector<Digest> receipt_hashes;
  for (const ledger::Receipt& r : receipts) receipt_hashes.push_back(ledger::receipt_hash(hasher.algorithm(), r));

  // Every header from there on is rewritten and re-certified.
  Digest previous{};
  for (std::uint64_t h = height; h <= c.store().height(); ++h) {
    ledger::BlockHeader rewritten = *c.store().header(h);
    if (h == height) rewritten.receipts_root = ledger::digest_list_root(hasher, receipt_hashes);
    if (h > height) rewritten.previous_hash = previous;
    rewritten.log_root =
        root_of(hasher, std::span(forgery.history.leaves).first(rewritten.log_size));
    previous = ledger::header_hash(hasher.algorithm(), rewritten);
    forgery.history.blocks[h] = {rewritten, c.certify(rewritten)};
  }

  // The receipt a colluding node would now hand out.
  const auto& [forged_header, forged_certificate] = forgery.history.blocks[height];
  storage::InclusionProof proof = *c.store().inclusion_proof(tx_hash, header.log_size);
  proof.leaf = leaf;
  forgery.receipt["receipt"] = shapes::receipt_json(changed, hasher.algorithm());
  forgery.receipt["inclusionProof"] = shapes::inclusion_proof_json(proof, hasher);
  forgery.receipt["header"] = shapes::header_json(forged_header, hasher.algorithm());
  forgery.receipt["certificate"] = shapes::certificate_json(forged_certificate);
  return forgery;
}

// What tx_getVerifiableReceipt adds with witnessed: true: the cosigned note
// and the transaction's inclusion proof at its size.
Json witnessed_entry(CertifiedChain& c, const Digest& tx_hash, const std::string& note,
                     std::uint64_t size) {
  crypto::MerkleHasher hasher(c.chain.params().hash_algorithm());
  auto proof = c.store().inclusion_proof(tx_hash, size);
  REQUIRE(proof.ok());
  return {{"participant", "witness-1"},
          {"note", note},
          {"inclusionProof", shapes::inclusion_proof_json(*proof, hasher)}};
}

std::string failure_of(const cli::ReceiptVerification& v) {
  const cli::Check* f = v.first_failure();
  return f ? f->name + ": " + f->detail : "";
}

}  // namespace

TEST_CASE("a history rewritten by every validator is caught by a witness",
          "[cli][witness][fork]") {
  test::TempDir dir;
  CertifiedChain c;
  for (int i = 0; i < 3; ++i) c.register_asset("asset-" + std::to_string(i));
  const Digest target = c.register_asset("asset-target");  // block 4's only (so last) transaction
  const std::uint64_t height = c.store().height();
  const ledger::Genesis& genesis = c.chain.genesis();
  cli::ValidatorHistory validators(genesis);

  auto key = crypto::PrivateKey::generate(crypto::Suite::kEd25519Sha256).value();
  const ledger::NoteVerifier cosigner{kWitnessName, key.public_key()};
  cli::WitnessRequirement one_witness{{cosigner}, 1};
  const auto state_file = dir.path() / "witness-state.json";

  // The witness follows the true chain: first at height 2 (taken on its
  // certificate), then at the tip (a consistency proof from the last).
  cli::Witness witness(genesis, key, kWitnessName, state_file);
  REQUIRE(witness.open().ok());
  ServedHistory truth = true_history(c, 2);
  cli::WitnessSource honest = source_of(c, truth);
  cli::WitnessStep first = witness.step(honest, 1'800'000'000);
  INFO(first.detail);
  REQUIRE(first.outcome == cli::WitnessStep::Outcome::kCosigned);
  truth.tip = height;
  cli::WitnessStep latest = witness.step(honest, 1'800'000'060);
  INFO(latest.detail);
  REQUIRE(latest.outcome == cli::WitnessStep::Outcome::kCosigned);
  CHECK(latest.height == height);
  auto cosigned = ledger::parse_note(latest.note);
  REQUIRE(cosigned.ok());
  REQUIRE(ledger::verify_cosignatures(*cosigned, std::span(&cosigner, 1))->size() == 1);

  // The true receipt, witnessed, verifies with the witness required.
  Json receipt = c.receipt(target);
  receipt["witnessed"] = Json::array({witnessed_entry(c, target, latest.note, latest.size)});
  cli::ReceiptVerification honest_v = cli::verify_receipt(receipt, genesis, validators, &one_witness);
  INFO(failure_of(honest_v));
  CHECK(honest_v.ok());

  // The consortium rewrites block 4 and re-certifies it with every key.
  Forgery forgery = forge(c, target, height);

  SECTION("without witnesses the forged receipt verifies: the certificate is all there is") {
    cli::ReceiptVerification v = cli::verify_receipt(forgery.receipt, genesis, validators);
    INFO(failure_of(v));
    CHECK(v.ok());
    CHECK(v.status == "failed");
  }
  SECTION("with a witness required it is refused, whatever checkpoint the node attaches") {
    cli::ReceiptVerification none = cli::verify_receipt(forgery.receipt, genesis, validators, &one_witness);
    CHECK_FALSE(none.ok());
    CHECK_THAT(failure_of(none), Catch::Contains("no witnessed checkpoints"));

    // The witness's real cosignature, with the forged leaf's path: the leaf
    // is not in the log the witness saw.
    Json attached = forgery.receipt;
    Json entry = witnessed_entry(c, target, latest.note, latest.size);
    REQUIRE(latest.size == forgery.receipt["inclusionProof"]["logSize"]);
    entry["inclusionProof"] = forgery.receipt["inclusionProof"];
    attached["witnessed"] = Json::array({entry});
    cli::ReceiptVerification v = cli::verify_receipt(attached, genesis, validators, &one_witness);
    CHECK_FALSE(v.ok());
    CHECK_THAT(failure_of(v), Catch::Contains("witnesses: 0 of the 1 witnesses given"));
    CHECK_THAT(failure_of(v), Catch::Contains("not in the cosigned log"));

    // A cosignature line moved onto the forged checkpoint does not hold.
    const auto& [forged_header, forged_certificate] = forgery.history.blocks[height];
    const std::string forged_text =
        ledger::checkpoint_text(ledger::checkpoint_of(c.chain.params(), forged_header));
    ledger::SignedNote moved{forged_text, cosigned->signatures};
    Json moved_entry = entry;
    moved_entry["note"] = ledger::format_note(moved);
    attached["witnessed"] = Json::array({moved_entry});
    cli::ReceiptVerification moved_v = cli::verify_receipt(attached, genesis, validators, &one_witness);
    CHECK_FALSE(moved_v.ok());
    CHECK_THAT(failure_of(moved_v), Catch::Contains("does not hold"));

    // And two required of one given cannot be met by the true receipt either.
    cli::WitnessRequirement two{{cosigner, {"witness.example/other",
                                            crypto::PrivateKey::generate(crypto::Suite::kEd25519Sha256)
                                                ->public_key()}},
                                2};
    CHECK_THAT(failure_of(cli::verify_receipt(receipt, genesis, validators, &two)),
               Catch::Contains("1 of the 2 witnesses given"));
  }
  SECTION("the witness refuses the forked checkpoint and keeps the evidence, across a restart") {
    cli::WitnessSource forked = source_of(c, forgery.history);
    cli::WitnessStep step = witness.step(forked, 1'800'000'120);
    INFO(step.detail);
    REQUIRE(step.outcome == cli::WitnessStep::Outcome::kForkDetected);
    CHECK(step.note.empty());
    CHECK_THAT(step.detail, Catch::Contains("two certified headers at height " + std::to_string(height)));

    auto proof = cli::verify_fork_evidence(step.evidence, genesis, validators);
    INFO((proof ? std::string("ok") : proof.error().message()));
    REQUIRE(proof.ok());
    CHECK(proof->height_first == height);
    CHECK(proof->double_signers.size() == genesis.validators.validators.size());

    // The command, from a file, as an auditor runs it.
    const auto evidence_file = dir.path() / "fork-evidence.json";
    REQUIRE(write_file_atomic(evidence_file, step.evidence.dump(2), 0644, Overwrite::kReplace).ok());
    REQUIRE(write_file_atomic(dir.path() / "genesis.json", ledger::genesis_to_json(genesis), 0644,
                              Overwrite::kReplace)
                .ok());
    cli::VerifyReceiptOptions command;
    command.receipt = evidence_file;
    command.genesis = dir.path() / "genesis.json";
    std::ostringstream out, err;
    CHECK(cli::verify_evidence_file(command, out, err) == cli::kExitOk);
    CHECK_THAT(out.str(), Catch::Contains("FORK PROVEN"));

    // Evidence that is not a contradiction proves nothing.
    Json same = step.evidence;
    same["second"] = same["first"];
    CHECK(cli::verify_fork_evidence(same, genesis, validators).error().code() ==
          ErrorCode::kVerificationFailed);
    Json broken = step.evidence;
    broken["second"]["certificate"] = broken["first"]["certificate"];
    CHECK_FALSE(cli::verify_fork_evidence(broken, genesis, validators).ok());

    // A restarted witness reads its state from disk and refuses just the same.
    cli::Witness restarted(genesis, key, kWitnessName, state_file);
    REQUIRE(restarted.open().ok());
    REQUIRE(restarted.state().has_value());
    CHECK(restarted.state()->height == height);
    CHECK(restarted.step(forked, 1'800'000'180).outcome ==
          cli::WitnessStep::Outcome::kForkDetected);
    // ...and still cosigns the true history.
    CHECK(restarted.step(honest, 1'800'000'240).outcome == cli::WitnessStep::Outcome::kCosigned);
  }
  SECTION("a fork shown as a longer log: no consistency proof, and the node's own header at the "
          "witness's height gives it away") {
    const Digest later = c.register_asset("asset-later");
    (void)later;
    Forgery longer = forge(c, target, c.store().height());
    cli::WitnessSource forked = source_of(c, longer.history);
    cli::WitnessStep step = witness.step(forked, 1'800'000'300);
    INFO(step.detail);
    REQUIRE(step.outcome == cli::WitnessStep::Outcome::kForkDetected);
    CHECK(cli::verify_fork_evidence(step.evidence, genesis, validators).ok());
  }
}

namespace {

// A chain of `blocks` blocks of one transaction each, a witness with no
// state yet, and the true history served up to the tip.
struct WitnessedChain {
  explicit WitnessedChain(int blocks) {
    for (int i = 0; i < blocks; ++i) c.register_asset("asset-" + std::to_string(i));
    REQUIRE(witness.open().ok());
    truth = true_history(c, c.store().height());
  }
  test::TempDir dir;
  CertifiedChain c;
  crypto::PrivateKey key = crypto::PrivateKey::generate(crypto::Suite::kEd25519Sha256).value();
  cli::Witness witness{c.chain.genesis(), key, kWitnessName, dir.path() / "state.json"};
  ServedHistory truth;
};

}  // namespace

TEST_CASE("a witness never moves backwards and refuses what does not verify",
          "[cli][witness]") {
  WitnessedChain w(3);
  // Named references, not a structured binding: clang 14 cannot capture
  // those in the lambdas below.
  test::TempDir& dir = w.dir;
  CertifiedChain& c = w.c;
  crypto::PrivateKey& key = w.key;
  cli::Witness& witness = w.witness;
  ServedHistory& truth = w.truth;
  const ledger::Genesis& genesis = c.chain.genesis();
  cli::WitnessSource source = source_of(c, truth);
  REQUIRE(witness.step(source, 1'800'000'000).outcome == cli::WitnessStep::Outcome::kCosigned);

  SECTION("a node behind the witness") {
    truth.tip = 1;
    CHECK(witness.step(source, 1'800'000'001).outcome == cli::WitnessStep::Outcome::kBehind);
  }
  SECTION("a checkpoint whose certificate does not hold") {
    truth.tip = 3;
    truth.blocks[3].second.signatures.front().signature.back() ^= 1;
    cli::WitnessStep step = witness.step(source, 1'800'000'002);
    CHECK(step.outcome == cli::WitnessStep::Outcome::kRefused);
    CHECK_THAT(step.detail, Catch::Contains("does not verify"));
  }
  SECTION("a state file of another chain, or not one at all, is not replaced") {
    REQUIRE(write_file_atomic(dir.path() / "bad.json", "{\"format\": \"something else\"}", 0600,
                              Overwrite::kReplace)
                .ok());
    cli::Witness other(genesis, key, kWitnessName, dir.path() / "bad.json");
    CHECK(other.open().error().code() == ErrorCode::kInvalidInput);
    // A state whose checkpoint lost its certificate is refused at open,
    // not when a later step reads it.
    Json saved = Json::parse(read_file(dir.path() / "state.json", 1 << 20).value());
    saved["checkpoint"].erase("certificate");
    REQUIRE(write_file_atomic(dir.path() / "no-certificate.json", saved.dump(), 0600,
                              Overwrite::kReplace)
                .ok());
    cli::Witness uncertified(genesis, key, kWitnessName, dir.path() / "no-certificate.json");
    CHECK_THAT(uncertified.open().error().message(), Catch::Contains("certificate"));
    test::TestChain elsewhere;
    cli::Witness foreign(elsewhere.genesis(), key, kWitnessName, dir.path() / "state.json");
    CHECK_THAT(foreign.open().error().message(), Catch::Contains("of chain"));
  }
  SECTION("only an Ed25519 key cosigns") {
    auto p256 = crypto::PrivateKey::generate(crypto::Suite::kP256Sha256).value();
    cli::Witness wrong(genesis, p256, kWitnessName, dir.path() / "p256.json");
    CHECK(wrong.open().error().code() == ErrorCode::kUnsupported);
  }
}

TEST_CASE("add-checkpoint (c2sp.org/tlog-witness): each refusal has the protocol's status",
          "[cli][witness][tlog-witness]") {
  WitnessedChain w(4);
  // Named references, not a structured binding: clang 14 cannot capture
  // those in the lambdas below.
  CertifiedChain& c = w.c;
  crypto::PrivateKey& key = w.key;
  cli::Witness& witness = w.witness;
  ServedHistory& truth = w.truth;
  const ledger::Genesis& genesis = c.chain.genesis();
  cli::WitnessSource node = source_of(c, truth);
  const std::string origin = ledger::checkpoint_origin(c.chain.params());
  auto signed_note = [&](std::uint64_t height) {
    const ledger::BlockHeader header = *c.store().header(height);
    const std::string text = ledger::checkpoint_text(ledger::checkpoint_of(c.chain.params(), header));
    return ledger::format_note(
        {text, {*ledger::sign_note(text, origin, c.chain.validator_keys().front())}});
  };
  auto proof_lines = [&](std::uint64_t from, std::uint64_t to) {
    auto proof = node.consistency(from, to).value();
    std::string lines;
    for (const Json& h : proof["path"]) lines += to_base64(from_hex(h.get<std::string>()).value()) + "\n";
    return lines;
  };
  const std::uint64_t size2 = c.store().header(2)->log_size;
  const std::uint64_t size4 = c.store().header(4)->log_size;

  // First contact: old 0 and no proof.
  auto first = witness.add_checkpoint("old 0\n\n" + signed_note(2), node, 1'800'000'000);
  INFO(first.body);
  REQUIRE(first.status == 200);
  auto cosigned = ledger::parse_note(ledger::checkpoint_text(ledger::checkpoint_of(
                                         c.chain.params(), *c.store().header(2))) +
                                     "\n" + first.body);
  REQUIRE(cosigned.ok());
  const ledger::NoteVerifier cosigner{kWitnessName, key.public_key()};
  CHECK(ledger::verify_cosignatures(*cosigned, std::span(&cosigner, 1))->size() == 1);

  // A wrong old size: 409 with the size cosigned.
  auto conflict = witness.add_checkpoint("old 0\n\n" + signed_note(4), node, 1'800'000'001);
  CHECK(conflict.status == 409);
  CHECK(conflict.content_type == "text/x.tlog.size");
  CHECK(conflict.body == std::to_string(size2) + "\n");
  // A proof that does not verify: 422.
  std::string bad = proof_lines(size2, size4);
  bad[0] = bad[0] == 'A' ? 'B' : 'A';
  CHECK(witness.add_checkpoint("old " + std::to_string(size2) + "\n" + bad + "\n" + signed_note(4),
                               node, 1'800'000'002)
            .status == 422);
  // Malformed: 400. Another log: 404. Signed by no validator: 403.
  CHECK(witness.add_checkpoint("old 02\n\n" + signed_note(4), node, 1).status == 400);
  CHECK(witness.add_checkpoint("new 2\n\n" + signed_note(4), node, 1).status == 400);
  CHECK(witness.add_checkpoint("old 9\n\n" + signed_note(4), node, 1).status == 400);  // old > size
  const std::string other = "example.com/log\n5\n" + to_base64(Digest{}) + "\n";
  CHECK(witness.add_checkpoint("old 0\n\n" + ledger::format_note({other, {*ledger::sign_note(other, "example.com/log", key)}}),
                               node, 1)
            .status == 404);
  const std::string text4 = ledger::checkpoint_text(ledger::checkpoint_of(c.chain.params(), *c.store().header(4)));
  auto stranger = crypto::PrivateKey::generate(genesis.suite).value();
  CHECK(witness.add_checkpoint("old " + std::to_string(size2) + "\n" + proof_lines(size2, size4) +
                                   "\n" + ledger::format_note({text4, {*ledger::sign_note(text4, origin, stranger)}}),
                               node, 1)
            .status == 403);
  // A validator-signed checkpoint, consistent, that is not the certified
  // header's text (an extension line no header has): 422.
  ledger::Checkpoint uncertified = ledger::checkpoint_of(c.chain.params(), *c.store().header(4));
  uncertified.extensions = {"an extension no certified header has"};
  const std::string text_u = ledger::checkpoint_text(uncertified);
  auto refused = witness.add_checkpoint(
      "old " + std::to_string(size2) + "\n" + proof_lines(size2, size4) + "\n" +
          ledger::format_note({text_u, {*ledger::sign_note(text_u, origin, c.chain.validator_keys().front())}}),
      node, 1);
  CHECK(refused.status == 422);
  CHECK_THAT(refused.body, Catch::Contains("not the certified header's"));
  // The right request: cosigned, and the state moved on.
  auto next = witness.add_checkpoint(
      "old " + std::to_string(size2) + "\n" + proof_lines(size2, size4) + "\n" + signed_note(4), node,
      1'800'000'010);
  INFO(next.body);
  CHECK(next.status == 200);
  CHECK(witness.state()->size == size4);
}

}  // namespace tracechain
