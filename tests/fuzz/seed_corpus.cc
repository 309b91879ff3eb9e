// Writes the seed corpora of the fuzz targets: valid inputs made with the
// project's own encoders over the fixed chain of fuzz_chain.h (signed
// transactions of every kind, a block executed at height 1, its proposal,
// votes and commit certificate, every P2P message, replica scripts that
// propose, vote, commit and sync, Merkle proofs, PEM keys and certificates,
// genesis.json, node.toml), plus a few malformed ones.
//
//   tracechain-fuzz-seeds tests/fuzz/corpus
//
// Files are named seed-*; existing files of that name are overwritten and
// nothing else (regression inputs among them) is touched. Ed25519 seeds are
// the same at every run; P-256 and SM2 ones (random keys) are not.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "crypto/x509.h"
#include "ledger/execution.h"
#include "ledger/payloads.h"
#include "ledger/receipt.h"
#include "ledger/queries.h"
#include "ledger/read_log.h"
#include "node/config.h"
#include "node/rpc/shapes.h"
#include "storage/memory_kv.h"
#include "tests/fuzz/replica_script.h"
#include "tests/support/test_chain.h"

using namespace tracechain;

namespace {

std::filesystem::path corpus_root;
std::size_t written = 0;

void write(const std::string& target, const std::string& name, ByteView bytes) {
  const auto dir = corpus_root / target;
  std::filesystem::create_directories(dir);
  std::ofstream out(dir / ("seed-" + name), std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + (dir / name).string());
  ++written;
}
void write(const std::string& target, const std::string& name, std::string_view text) {
  write(target, name, as_bytes(text));
}

// The valid seed, the same less its last byte, and with a byte more.
void write_with_malformed(const std::string& target, const std::string& name, const Bytes& bytes) {
  write(target, name, bytes);
  if (!bytes.empty()) write(target, name + "-truncated", ByteView(bytes).first(bytes.size() - 1));
  Bytes longer = bytes;
  longer.push_back(0);
  write(target, name + "-trailing", longer);
}

Bytes payload_of(const node::WireMessage& message) {
  Bytes frame = node::encode_frame(message);
  return Bytes(frame.begin() + node::kFrameHeaderSize, frame.end());
}

template <typename T>
T must(Result<T> result) {
  if (!result) throw std::runtime_error(result.error().message());
  return std::move(*result);
}

struct Tx {
  std::string name;
  ledger::Transaction tx;
};

std::vector<Tx> transactions_of_every_kind(test::TestChain& chain, std::uint64_t time_ms) {
  using ledger::TxKind;
  const Digest h = test::label_hash("seed");
  ledger::Change grant{ledger::ChangeType::kGrantRoles, "auditor-1", {}, test::roles({"reviewer"}),
                       "", 0, std::nullopt};
  const std::string trade = "trade-1";
  std::vector<Tx> out;
  auto add = [&](const std::string& sender, TxKind kind, const auto& payload) {
    out.push_back({std::string(*ledger::tx_kind_name(kind)), chain.make(sender, kind, payload)});
  };
  add("provider-acme", TxKind::kAssetRegister,
      ledger::AssetRegisterPayload{"asset-1", h, h, 1, h, h});
  add("buyer-bank", TxKind::kTradeCreate, ledger::TradeCreatePayload{trade, "asset-1", h});
  add("exchange", TxKind::kGovernancePropose, ledger::ProposePayload{"proposal-1", grant, 100});
  add("regulator", TxKind::kGovernanceApprove, ledger::ApprovePayload{"proposal-1"});
  add("attestor-ca", TxKind::kIdentityAttest,
      ledger::AttestPayload{"buyer-bank", "kyc", h, time_ms, time_ms + 86'400'000});
  add("attestor-ca", TxKind::kIdentityRevoke, ledger::RevokePayload{h, h});
  add("buyer-bank", TxKind::kIdentityRotateKey,
      ledger::RotateKeyPayload{fuzz::derived_key("buyer-bank-rotated").public_key().bytes()});
  add("reviewer-1", TxKind::kAssetReview,
      ledger::AssetReviewPayload{"asset-1", ledger::SourceVerdict::kApprove, h, "rules-1"});
  add("provider-acme", TxKind::kTradeAccept, ledger::TradeAcceptPayload{trade});
  add("provider-acme", TxKind::kTradeDecline, ledger::TradeDeclinePayload{trade});
  add("reviewer-1", TxKind::kTradeReview,
      ledger::TradeReviewPayload{trade, ledger::TradeVerdict::kApprove, h, std::nullopt, h, h,
                                 std::nullopt});
  add("provider-acme", TxKind::kTradeDeliver,
      ledger::TradeDeliverPayload{trade, h, ledger::DeliveryMethod::kApi});
  add("buyer-bank", TxKind::kTradeConfirm, ledger::TradeConfirmPayload{trade});
  add("provider-acme", TxKind::kTradeRecordUsage, ledger::TradeUsagePayload{trade, h, 42});
  add("buyer-bank", TxKind::kTradeSettle, ledger::TradeSettlePayload{trade, h, 1000, "CNY"});
  add("buyer-bank", TxKind::kTradeOpenDispute, ledger::TradeOpenDisputePayload{trade, h});
  add("arbitrator-1", TxKind::kTradeResolveDispute,
      ledger::TradeResolvePayload{trade, h, ledger::DisputeOutcome::kSplit});
  add("buyer-bank", TxKind::kTradeCancel, ledger::TradeCancelPayload{trade, h});
  return out;
}

ledger::Vote vote(ledger::VoteType type, std::uint32_t round, std::optional<Digest> block,
                  const std::string& validator) {
  ledger::Vote v;
  v.chain_id = fuzz::fuzz_chain().genesis.chain_id;
  v.type = type;
  v.height = 1;
  v.round = round;
  v.block_hash = block;
  v.validator = validator;
  ledger::sign(v, fuzz::fuzz_chain().keys.at(validator));
  return v;
}

void merkle_seeds() {
  const crypto::MerkleHasher hasher(crypto::HashAlgorithm::kSha256);
  auto tree = [](std::uint8_t mode, std::uint16_t count, std::uint16_t a, std::uint16_t b) {
    Bytes in{mode};
    for (std::uint16_t v : {count, a, b}) {
      in.push_back(static_cast<std::uint8_t>(v));
      in.push_back(static_cast<std::uint8_t>(v >> 8));
    }
    for (std::uint8_t i = 0; i < 16; ++i) in.push_back(i);
    return in;
  };
  write("merkle", "tree-1", tree(2, 0, 0, 0));
  write("merkle", "tree-7", tree(2, 6, 6, 3));
  write("merkle", "tree-100", tree(2, 99, 40, 77));
  write("merkle", "tree-300-sm3", tree(5, 299, 299, 128));

  crypto::MemoryMerkleNodeStore store;
  crypto::MerkleLog log(hasher.algorithm(), store);
  for (std::uint8_t i = 0; i < 7; ++i) log.append(hasher.leaf(Bytes{i}));
  auto le64 = [](Bytes& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  Bytes inclusion{0};
  le64(inclusion, 3);
  le64(inclusion, 7);
  const Digest leaf = hasher.leaf(Bytes{3});
  const Digest root = log.root();
  inclusion.insert(inclusion.end(), leaf.begin(), leaf.end());
  inclusion.insert(inclusion.end(), root.begin(), root.end());
  for (const Digest& d : must(log.inclusion_proof(3, 7))) inclusion.insert(inclusion.end(), d.begin(), d.end());
  write("merkle", "inclusion-3-of-7", inclusion);
  Bytes consistency{1};
  le64(consistency, 3);
  le64(consistency, 7);
  const Digest root3 = must(log.root_at(3));
  consistency.insert(consistency.end(), root3.begin(), root3.end());
  consistency.insert(consistency.end(), root.begin(), root.end());
  for (const Digest& d : must(log.consistency_proof(3, 7))) {
    consistency.insert(consistency.end(), d.begin(), d.end());
  }
  write("merkle", "consistency-3-to-7", consistency);
  write("merkle", "inclusion-empty", Bytes{0});
}

void pem_seeds() {
  const crypto::PrivateKey ed = fuzz::derived_key("pem-seed");
  write("pem", "ed25519-private", ed.to_pem());
  write("pem", "ed25519-public", ed.public_key().to_pem());
  for (crypto::Suite suite : {crypto::Suite::kP256Sha256, crypto::Suite::kSm2Sm3}) {
    const crypto::PrivateKey key = must(crypto::PrivateKey::generate(suite));
    const std::string name(crypto::suite_name(suite));
    write("pem", name + "-private", key.to_pem());
    write("pem", name + "-public", key.public_key().to_pem());
  }
  const std::string ca = must(crypto::create_ca_certificate(ed, "seed-ca", 3650));
  write("pem", "ca-certificate", ca);
  write("pem", "node-certificate",
        must(crypto::issue_node_certificate(ed, ca, fuzz::derived_key("node-1").public_key(),
                                            "node-1", 3650)));
  write("pem", "truncated", ed.to_pem().substr(0, 40));
}

void text_seeds() {
  const ledger::Genesis& genesis = fuzz::fuzz_chain().genesis;
  const std::string json = ledger::genesis_to_json(genesis);
  write("genesis", "ed25519", json);
  write("genesis", "p256", ledger::genesis_to_json(test::TestChain().genesis()));
  write("genesis", "sm2",
        ledger::genesis_to_json(test::TestChain(test::default_members(), test::default_policy(),
                                                crypto::Suite::kSm2Sm3, 4)
                                    .genesis()));
  write("genesis", "truncated", json.substr(0, json.size() / 2));

  node::NodeConfig config;
  config.home = "/nonexistent/fuzz-home";
  config.node.id = "node-0";
  config.p2p.peers = {{"node-1", {"10.0.0.2", 26656}}, {"node-2", {"::1", 26656}}};
  config.p2p.allowed_peers = {"observer-1"};
  config.rpc.cors_origins = {"*"};
  write("config", "full", node::config_to_toml(config));
  write("config", "minimal", std::string_view("[node]\nid = \"node-0\"\n"));
  write("config", "bad-value", std::string_view("[p2p]\nmax_peers = -1\n"));
}

void chain_seeds() {
  const fuzz::FuzzChain& fc = fuzz::fuzz_chain();
  const ledger::Genesis& genesis = fc.genesis;
  test::TestChain builder(genesis, fc.keys);
  const std::vector<Tx> txs = transactions_of_every_kind(builder, genesis.time_ms);

  // transaction, payload
  for (const Tx& t : txs) {
    write("transaction", t.name, ledger::encode(t.tx));
    Bytes p{static_cast<std::uint8_t>(static_cast<std::uint16_t>(t.tx.kind)),
            static_cast<std::uint8_t>(static_cast<std::uint16_t>(t.tx.kind) >> 8),
            static_cast<std::uint8_t>(t.tx.suite)};
    p.insert(p.end(), t.tx.payload.begin(), t.tx.payload.end());
    write("payload", t.name, p);
  }
  write_with_malformed("transaction", "asset.register", ledger::encode(txs[0].tx));
  {
    test::TestChain p256;  // P-256 keys: a DER signature
    write("transaction", "p256-asset.register",
          ledger::encode(p256.make("provider-acme", ledger::TxKind::kAssetRegister,
                                   ledger::AssetRegisterPayload{"asset-9", {}, {}, 1, {}, {}})));
  }

  // A block at height 1, its proposal, votes and certificate.
  auto store = must(storage::open_block_store(std::make_shared<storage::MemoryKv>(), genesis));
  const auto algorithm = store->params().hash_algorithm();
  const ledger::ValidatorSet& set = genesis.validators;
  const std::string proposer =
      set.validators[consensus::ProposerSchedule(set).proposer_index(1, 0)].id;
  std::vector<ledger::Transaction> candidates;
  for (const Tx& t : txs) candidates.push_back(t.tx);
  ledger::BuiltBlock built = must(ledger::build_block(
      store->state(), store->tip(), ledger::BlockContext{1, genesis.time_ms + 1000, proposer},
      std::span<const ledger::Transaction>(candidates).first(3)));
  const ledger::Block block = built.block.to_block();
  const Digest block_hash = ledger::header_hash(algorithm, block.header);
  write_with_malformed("block", "block-1", ledger::encode(block));
  write_with_malformed("block", "header-1", ledger::encode(block.header));
  for (std::size_t i = 0; i < built.executed.receipts.size(); ++i) {
    write("block", "receipt-" + std::to_string(i), ledger::encode(built.executed.receipts[i]));
  }
  if (!built.executed.leaves.empty()) write("block", "log-leaf", ledger::encode(built.executed.leaves[0]));
  ledger::Block empty;
  empty.header = block.header;
  write("block", "block-without-transactions", ledger::encode(empty));

  ledger::Proposal proposal;
  proposal.chain_id = genesis.chain_id;
  proposal.height = 1;
  proposal.round = 0;
  proposal.block_hash = block_hash;
  proposal.proposer = proposer;
  ledger::sign(proposal, fc.keys.at(proposer));
  write_with_malformed("proposal", "height-1", ledger::encode(proposal));
  ledger::Proposal later = proposal;
  later.round = 3;
  later.valid_round = 1;
  ledger::sign(later, fc.keys.at(proposer));
  write("proposal", "valid-round", ledger::encode(later));

  const std::vector<std::string> peers = fuzz::script_peers();
  std::vector<ledger::Vote> prevotes, precommits;
  for (std::size_t i = 0; i + 1 < peers.size(); ++i) {
    prevotes.push_back(vote(ledger::VoteType::kPrevote, 0, block_hash, peers[i]));
    precommits.push_back(vote(ledger::VoteType::kPrecommit, 0, block_hash, peers[i]));
  }
  write_with_malformed("vote", "prevote", ledger::encode(prevotes[0]));
  write("vote", "precommit", ledger::encode(precommits[0]));
  write("vote", "nil-prevote", ledger::encode(vote(ledger::VoteType::kPrevote, 2, std::nullopt, peers[1])));

  ledger::CommitCertificate certificate{1, 0, block_hash, {}};
  for (const ledger::Vote& v : precommits) certificate.signatures.push_back({v.validator, v.signature});
  std::sort(certificate.signatures.begin(), certificate.signatures.end(),
            [](const auto& a, const auto& b) { return a.validator < b.validator; });
  if (Status s = ledger::verify_certificate(genesis.chain_id, set, certificate); !s) {
    throw std::runtime_error("seed certificate: " + s.error().message());
  }
  write_with_malformed("certificate", "height-1", ledger::encode(certificate));

  // wire: every message type
  const node::ProposalMessage proposal_message{proposal, ledger::encode(block)};
  const node::BlockResponse response{1, {node::CommittedBlock{ledger::encode(block), certificate}}};
  node::TransactionsMessage relay;
  for (std::size_t i = 0; i < 3; ++i) relay.transactions.push_back(ledger::encode(txs[i].tx));
  const std::vector<std::pair<std::string, node::WireMessage>> messages = {
      {"hello", node::Hello{node::kProtocolVersion, genesis.chain_id, ledger::genesis_hash(genesis),
                            "node-1", 0}},
      {"transactions", relay},
      {"proposal", proposal_message},
      {"vote", node::VoteMessage{prevotes[0]}},
      {"status", node::StatusMessage{1}},
      {"block-request", node::BlockRequest{1, 32}},
      {"block-response", response},
      {"proposal-request", node::ProposalRequest{1, block_hash}},
  };
  for (const auto& [name, message] : messages) write("wire", name, payload_of(message));
  write_with_malformed("wire", "proposal", payload_of(proposal_message));
  const Bytes keepalive = node::encode_frame(node::Keepalive{});
  write("wire", "keepalive", ByteView(keepalive).subspan(node::kFrameHeaderSize));
  write("wire", "unknown-type", Bytes{0x0a, 0x00});

  // replica scripts
  const auto peer_index = [&](const std::string& id) {
    return static_cast<std::size_t>(std::find(peers.begin(), peers.end(), id) - peers.begin());
  };
  using fuzz::append_message;
  {
    Bytes s;
    append_message(s, peer_index(proposer), proposal_message);
    for (std::size_t i = 0; i < prevotes.size(); ++i) append_message(s, i, node::VoteMessage{prevotes[i]});
    for (std::size_t i = 0; i < precommits.size(); ++i) append_message(s, i, node::VoteMessage{precommits[i]});
    append_message(s, 0, node::BlockRequest{1, 4});
    write("replica", "propose-vote-commit", s);
  }
  {
    Bytes s;
    append_message(s, 0, node::StatusMessage{1});
    append_message(s, 1, node::StatusMessage{1});
    append_message(s, 0, response);
    s.push_back(fuzz::step_op(fuzz::Step::kTimer, 0, 1));
    write("replica", "sync", s);
  }
  {
    Bytes s;
    append_message(s, peer_index(proposer), proposal_message);
    append_message(s, 2, node::ProposalRequest{1, block_hash});
    append_message(s, 3, node::BlockRequest{0, 256});
    append_message(s, 1, relay);
    append_message(s, 0, messages[0].second);
    s.push_back(fuzz::step_op(fuzz::Step::kDisconnect, 2));
    s.push_back(fuzz::step_op(fuzz::Step::kConnect, 3));
    for (std::size_t t = 0; t < 4; ++t) s.push_back(fuzz::step_op(fuzz::Step::kTimer, 0, t));
    write("replica", "requests-and-timers", s);
  }
  {
    Bytes s;
    for (std::size_t i = 0; i + 1 < peers.size(); ++i) {
      append_message(s, i, node::VoteMessage{vote(ledger::VoteType::kPrevote, 0, std::nullopt, peers[i])});
    }
    for (std::size_t i = 0; i + 1 < peers.size(); ++i) {
      append_message(s, i, node::VoteMessage{vote(ledger::VoteType::kPrecommit, 0, std::nullopt, peers[i])});
    }
    for (std::size_t t = 0; t < 3; ++t) s.push_back(fuzz::step_op(fuzz::Step::kTimer, 0, t));
    write("replica", "nil-round", s);
  }
  {
    Bytes s;
    node::ProposalMessage forged = proposal_message;
    forged.proposal.signature[0] ^= 1;
    append_message(s, peer_index(proposer), forged);
    node::ProposalMessage wrong_body = proposal_message;
    wrong_body.block = ledger::encode(empty);
    append_message(s, peer_index(proposer), wrong_body);
    append_message(s, 0, node::BlockResponse{5, {node::CommittedBlock{ledger::encode(empty), certificate}}});
    write("replica", "forged", s);
  }

  // receipt: what tx_getVerifiableReceipt answers for block 1's first
  // transaction (node/rpc/methods.cc), once block 1 is committed.
  if (Status st = store->commit(block, certificate, built.executed); !st) {
    throw std::runtime_error("seed block commit: " + st.error().message());
  }
  const Digest tx_hash = built.executed.tx_hashes.at(0);
  auto stored = must(store->transaction(tx_hash));
  const ledger::BlockHeader header = must(store->header(1));
  const crypto::MerkleHasher hasher(algorithm);
  auto sender = must(ledger::find_participant(store->state(), stored.transaction.sender));
  const Bytes* sender_key = sender.key_at(1);
  if (sender_key == nullptr) throw std::runtime_error("seed receipt: no sender key");
  const nlohmann::json receipt = {
      {"format", "tracechain-verifiable-receipt/1"},
      {"chainId", genesis.chain_id},
      {"suite", crypto::suite_name(genesis.suite)},
      {"genesisHash", to_hex(store->params().genesis_hash)},
      {"transaction", node::rpc::transaction_json(stored.transaction, stored.hash)},
      {"receipt", node::rpc::receipt_json(must(store->receipt_at(stored.location)), algorithm)},
      {"inclusionProof",
       node::rpc::inclusion_proof_json(must(store->inclusion_proof(tx_hash, header.log_size)), hasher)},
      {"header", node::rpc::header_json(header, algorithm)},
      {"certificate", node::rpc::certificate_json(certificate)},
      {"validatorSet", node::rpc::validator_set_json(set)},
      {"senderKey", {{"publicKey", to_hex(*sender_key)}, {"fromHeight", 0}}}};
  write("receipt", "verifiable-receipt", receipt.dump(2));
  nlohmann::json wrong = receipt;
  wrong["receipt"]["status"] = "failed";
  write("receipt", "altered-receipt", wrong.dump());
  write("receipt", "validator-changes",
        nlohmann::json{{"fromHeight", 1}, {"toHeight", 1}, {"next", nullptr},
                       {"initialValidatorSet", node::rpc::validator_set_json(set)},
                       {"changes", nlohmann::json::array()}}
            .dump());
  const fuzz::SmallLog& log = fuzz::small_log();
  nlohmann::json path = nlohmann::json::array();
  for (const Digest& d : log.proof) path.push_back(to_hex(d));
  write("receipt", "consistency-proof",
        nlohmann::json{{"fromSize", log.size1}, {"toSize", log.size2},
                       {"fromRoot", to_hex(log.root1)}, {"toRoot", to_hex(log.root2)},
                       {"path", path}}
            .dump());

  // A page of access_listReads (cli/verify_reads.h) of a three-entry
  // read log, without a checkpoint, and with one whose receipt is the
  // receipt above (not an access.checkpoint: it fails, after parsing).
  crypto::MemoryMerkleNodeStore read_nodes;
  crypto::MerkleLog read_log(algorithm, read_nodes);
  std::vector<Bytes> read_entries;
  for (std::uint64_t i = 0; i < 3; ++i) {
    ledger::ReadEntry read;
    read.node = "validator-0";
    read.time_ms = 1'767'225'600'000 + i;
    read.reader = "auditor-1";
    read.method = "trade_get";
    read.subjects = {{"trade", "trade-1"}};
    read.about = {"buyer-bank", "provider-acme"};
    read_entries.push_back(ledger::encode(read));
    read_log.append(hasher.leaf(read_entries.back()));
  }
  nlohmann::json page = {{"node", "validator-0"}, {"participant", "validator-0"},
                         {"logSize", 3}, {"checkpoint", nullptr}, {"checkpointReceipt", nullptr},
                         {"entries", nlohmann::json::array()}};
  for (std::uint64_t i = 0; i < 3; ++i) {
    nlohmann::json proof = nlohmann::json::array();
    for (const Digest& d : must(read_log.inclusion_proof(i, 3))) proof.push_back(to_hex(d));
    page["entries"].push_back({{"index", i}, {"hex", to_hex(read_entries[i])}, {"inclusionProof", proof}});
  }
  write("receipt", "reads-pending", page.dump());
  page["checkpoint"] = {{"height", 1}, {"size", 3}, {"root", to_hex(read_log.root())}};
  page["checkpointReceipt"] = receipt;
  write("receipt", "reads-checkpoint", page.dump());
}

// A frame as a client sends it: `first` (FIN, opcode), the masked length and
// a zero mask key (so the payload reads as it is).
std::string client_frame(std::uint8_t first, const std::string& payload) {
  std::string frame(1, static_cast<char>(first));
  if (payload.size() < 126) {
    frame += static_cast<char>(0x80 | payload.size());
  } else {
    frame += static_cast<char>(0x80 | 126);
    frame += static_cast<char>(payload.size() >> 8);
    frame += static_cast<char>(payload.size() & 0xff);
  }
  frame += std::string(4, '\0');
  return frame + payload;
}

// Raw HTTP requests for the rpc target, and WebSocket frames for the
// websocket target: a call of every method with
// plausible parameters, a batch, a signed request (which the fuzzer cannot
// sign afresh: it exercises the refusals), and malformed ones.
void rpc_seeds() {
  auto post = [](const std::string& body, const std::string& extra_headers = "") {
    return "POST / HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\n" + extra_headers +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  auto call = [](const std::string& method, const nlohmann::json& params) {
    return nlohmann::json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}}
        .dump();
  };
  const std::string hash(64, 'a');
  const std::vector<std::pair<std::string, nlohmann::json>> calls = {
      {"chain_getStatus", nlohmann::json::object()},
      {"chain_getHeader", {{"height", 1}}},
      {"chain_getCertificate", {{"height", 1}}},
      {"chain_getBlock", {{"height", 1}}},
      {"chain_getConsistencyProof", {{"fromSize", 0}, {"toSize", 0}}},
      {"chain_getValidatorSetChanges", {{"fromHeight", 1}}},
      {"tx_submit", {{"tx", "00"}}},
      {"tx_get", {{"hash", hash}}},
      {"tx_getStatus", {{"hash", hash}}},
      {"tx_getReceipt", {{"hash", hash}}},
      {"tx_getInclusionProof", {{"hash", hash}, {"logSize", 1}}},
      {"tx_getVerifiableReceipt", {{"hash", hash}}},
      {"trade_get", {{"tradeId", "trade-1"}}},
      {"trade_getTrail", {{"tradeId", "trade-1"}}},
      {"trade_listByParticipant", {{"participant", "buyer-bank"}, {"limit", 10}}},
      {"trade_listByAsset", {{"assetId", "asset-1"}, {"startAfter", "trade-0"}}},
      {"asset_get", {{"assetId", "asset-1"}}},
      {"asset_getHistory", {{"assetId", "asset-1"}, {"startAfter", 1}, {"limit", 5}}},
      {"participant_get", {{"participantId", "buyer-bank"}}},
      {"participant_getAttestations", {{"participantId", "buyer-bank"}}},
      {"auth_whoAmI", nlohmann::json::object()},
      {"events_subscribe", {{"topic", "newBlocks"}}},
  };
  nlohmann::json batch = nlohmann::json::array();
  for (const auto& [method, params] : calls) {
    write("rpc", method, post(call(method, params)));
    write("websocket", method, client_frame(0x81, call(method, params)));
    batch.push_back(nlohmann::json::parse(call(method, params)));
  }
  const std::string receipts = call("events_subscribe", {{"topic", "receipts"}});
  write("rpc", "events_subscribe-receipts", post(receipts));
  write("websocket", "events_subscribe-receipts", client_frame(0x81, receipts));
  write("rpc", "batch", post(batch.dump()));
  write("websocket", "batch", client_frame(0x81, batch.dump()));
  // Several messages, a ping, a fragmented message, a binary frame, a close.
  const std::string status = call("chain_getStatus", nlohmann::json::object());
  const std::string subscribe = call("events_subscribe", {{"topic", "newBlocks"}});
  write("websocket", "sequence",
        client_frame(0x81, status) + client_frame(0x89, "ping") +
            client_frame(0x01, status.substr(0, 10)) + client_frame(0x80, status.substr(10)) +
            client_frame(0x82, subscribe) + client_frame(0x81, subscribe) +
            client_frame(0x88, std::string("\x03\xe8", 2)));
  // A submission of a real signed transaction of the fixed chain.
  const auto& f = fuzz::fuzz_chain();
  ledger::Transaction tx;
  tx.chain_id = f.genesis.chain_id;
  tx.suite = f.genesis.suite;
  tx.sender = "provider-acme";
  tx.kind = ledger::TxKind::kAssetRegister;
  tx.payload = ledger::encode(ledger::AssetRegisterPayload{"asset-1", {}, {}, 1, {}, {}});
  tx.nonce = 1;
  tx.expiry_height = 10;
  tx.signature = f.keys.at("provider-acme").sign(ledger::signing_bytes(tx));
  write("rpc", "tx_submit-signed", post(call("tx_submit", {{"tx", to_hex(ledger::encode(tx))}})));
  write("rpc", "signed-read",
        post(call("auth_whoAmI", nlohmann::json::object()),
             "X-Tracechain-Participant: buyer-bank\r\nX-Tracechain-Timestamp: 1767225600000\r\n"
             "X-Tracechain-Signature: " + std::string(140, '3') + "\r\n"));
  write("rpc", "not-json", post("{\"jsonrpc\":\"2.0\",\"method\":"));
  write("rpc", "chunked",
        std::string("POST / HTTP/1.1\r\nHost: node\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "2a\r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"chain_getStatus\"}\r\n0\r\n\r\n"));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: tracechain-fuzz-seeds <corpus directory>\n");
    return 2;
  }
  corpus_root = argv[1];
  try {
    chain_seeds();
    merkle_seeds();
    pem_seeds();
    text_seeds();
    rpc_seeds();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tracechain-fuzz-seeds: %s\n", e.what());
    return 1;
  }
  std::printf("wrote %zu seed files under %s\n", written, corpus_root.c_str());
  return 0;
}
