// tracechain-attacker: a Byzantine validator for the end-to-end tests.
//
// It takes one validator's home, holds that validator's TLS identity (and,
// for the few messages it signs properly, its consensus key), and connects
// over the real mutual-TLS P2P to the other validators. For a bounded time it
// sends, in rounds, what no honest node would: a flood of distinct proposals
// for the next height (decodable blocks, garbage signatures), proposals from
// the wrong proposer and for past and far-future heights and rounds, votes for
// blocks nobody proposed and for far-future rounds, an absurd committed
// height, forged, truncated and undecodable blocks with wrong certificates,
// requests for proposals that do not exist, and each of them twice. A round
// starts as soon as a peer reports a new committed height, so the flood lands
// at the start of every height. tests/e2e/byzantine_test.sh checks that the
// honest validators keep committing meanwhile.
//
// It answers a BlockRequest with an empty BlockResponse, learns the committed
// height from StatusMessages and a real committed block from BlockResponses,
// and ignores everything else. With --garbage-only it never signs with the
// validator's key, so nothing it sends can count (not even on its own turn
// to propose). Exit status: 0 after --seconds with something sent, 1 on a
// setup error, 2 if no peer was ever connected.
//
// Threading: the P2P network runs on two io_context threads and calls back on
// connection strands; the rounds run on the main thread. `Observed` is the
// only state they share, under its mutex.
#include <CLI/CLI.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <iostream>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ledger/block.h"
#include "ledger/encoding.h"
#include "ledger/genesis.h"
#include "ledger/receipt.h"
#include "node/config.h"
#include "node/log.h"
#include "node/p2p.h"
#include "node/wire.h"

namespace tracechain::attacker {
namespace {

using node::WireMessage;

constexpr std::uint64_t kMaxHeight = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint32_t kMaxRound = std::numeric_limits<std::uint32_t>::max();
// Heights above this in a peer's status are not believed (no honest chain is
// that long); they would only be our own absurd status echoed back.
constexpr std::uint64_t kBelievableHeight = std::uint64_t{1} << 48;
// A round also runs this long after the last one when no new height arrives.
constexpr auto kRoundInterval = std::chrono::milliseconds(250);
// A garbage signature's length: within every suite's bound, so that the
// message still decodes and reaches the consensus code.
constexpr std::size_t kGarbageSignatureSize = 64;

std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

// What the honest peers have told us.
struct Observed {
  std::mutex mutex;
  std::condition_variable changed;
  std::uint64_t height = 0;  // the highest committed height a peer reported
  std::optional<node::CommittedBlock> latest;  // a real committed block and its certificate
  std::uint64_t latest_height = 0;
  std::map<std::string, std::uint64_t> received;  // message type → count
  std::set<std::string> peers_seen;
};

struct Snapshot {
  std::uint64_t height = 0;
  std::optional<node::CommittedBlock> latest;
  std::uint64_t latest_height = 0;
};

void on_message(Observed& observed, node::PeerNetwork& network, const std::string& peer,
                const WireMessage& message) {
  if (std::holds_alternative<node::BlockRequest>(message)) {
    // Nothing to give, and a height that does not invite another request.
    network.send(peer, node::BlockResponse{0, {}});
  }
  std::lock_guard lock(observed.mutex);
  observed.received[std::string(node::message_type_name(node::message_type(message)))] += 1;
  auto learn_height = [&](std::uint64_t height) {
    if (height > observed.height && height < kBelievableHeight) {
      observed.height = height;
      observed.changed.notify_all();
    }
  };
  if (const auto* status = std::get_if<node::StatusMessage>(&message)) {
    learn_height(status->height);
  } else if (const auto* response = std::get_if<node::BlockResponse>(&message)) {
    learn_height(response->peer_height);
    for (const node::CommittedBlock& entry : response->blocks) {
      auto block = ledger::decode<ledger::Block>(entry.block);
      if (!block || block->header.height <= observed.latest_height) continue;
      observed.latest = entry;
      observed.latest_height = block->header.height;
    }
  }
}

// Builds and sends one round's messages. Owned by the main thread.
class Attack {
 public:
  Attack(node::PeerNetwork& network, const ledger::Genesis& genesis, std::string own_id,
         std::optional<crypto::PrivateKey> key, std::uint64_t seed, std::size_t flood)
      : network_(network),
        genesis_(genesis),
        hash_algorithm_(crypto::suite_hash(genesis.suite)),
        own_id_(std::move(own_id)),
        key_(std::move(key)),
        random_(seed),
        flood_(flood) {
    for (const ledger::Validator& v : genesis.validators.validators) ids_.push_back(v.id);
    ids_.push_back("mallory");  // in no validator set
  }

  // Everything once, for the height after `observed.height`, to every peer
  // connected now; then all of it again.
  void round(const Snapshot& observed) {
    peers_ = network_.connected_peers();
    if (peers_.empty()) return;
    std::uint64_t next = observed.height + 1;
    std::vector<std::pair<std::string, WireMessage>> messages;
    auto add = [&](std::string what, WireMessage m) {
      messages.emplace_back(std::move(what), std::move(m));
    };

    // 1. The flood: distinct, decodable blocks for the next height, each
    //    named by its proposal, none signed.
    for (std::size_t i = 0; i < flood_; ++i) {
      const std::string& proposer = ids_[i % ids_.size()];
      add("proposal flood (garbage signature)",
          proposal_message(next, 0, proposer, forged_block(next, proposer, observed), false));
    }

    // 2. Proposals from the wrong proposer, for past and far-future heights
    //    and rounds; signed with our own key where we hold it (a valid
    //    signature of a validator that is not the proposer), else garbage.
    for (std::uint64_t height : {std::uint64_t{1}, observed.height, next, next + 1, next + 1000,
                                 kMaxHeight}) {
      if (height == 0) continue;
      for (std::uint32_t r : {0u, 1u, 1000u, kMaxRound}) {
        add("proposal off-schedule (own id)",
            proposal_message(height, r, own_id_, forged_block(height, own_id_, observed),
                             true));
      }
    }
    {
      node::ProposalMessage m = proposal_message(
          next, 3, own_id_, forged_block(next, own_id_, observed), true, std::uint32_t{2});
      add("proposal with a valid round (own id)", m);
      node::ProposalMessage mismatch = m;
      mismatch.proposal.block_hash = random_digest();
      add("proposal naming another block", mismatch);
      node::ProposalMessage undecodable = m;
      undecodable.block = random_bytes(97);
      add("proposal with an undecodable block", undecodable);
      node::ProposalMessage truncated = m;
      truncated.block.resize(truncated.block.size() / 2);
      add("proposal with a truncated block", truncated);
      node::ProposalMessage wrong_height = m;
      wrong_height.proposal.height = next + 1;
      add("proposal whose block has another height", wrong_height);
    }

    // 3. Votes for blocks nobody proposed, for nil, at far-future rounds and
    //    heights, in every validator's name with garbage signatures; and a few
    //    of our own, properly signed and conflicting (equivocation).
    for (std::uint32_t r : {0u, 1u, 2u, 1000u, kMaxRound}) {
      for (ledger::VoteType type : {ledger::VoteType::kPrevote, ledger::VoteType::kPrecommit}) {
        for (const std::string& validator : ids_) {
          add("vote for an unknown block (garbage signature)",
              vote_message(next, r, type, random_digest(), validator, false));
        }
        add("vote for nil (garbage signature)",
            vote_message(next, r, type, std::nullopt, ids_.front(), false));
      }
    }
    for (std::uint64_t height : {next + 1, next + 1000, kMaxHeight}) {
      add("vote for a future height (garbage signature)",
          vote_message(height, 0, ledger::VoteType::kPrecommit, random_digest(), ids_.front(),
                       false));
    }
    if (key_) {
      for (std::uint32_t r : {0u, 1u, 1000u}) {
        for (ledger::VoteType type : {ledger::VoteType::kPrevote, ledger::VoteType::kPrecommit}) {
          for (int twice = 0; twice < 2; ++twice) {
            add("conflicting vote (own key)",
                vote_message(next, r, type, random_digest(), own_id_, true));
          }
        }
      }
    }

    // 4. An absurd committed height.
    add("status at height 2^64-1", node::StatusMessage{kMaxHeight});

    // 5. Blocks that are not what they claim.
    for (node::BlockResponse& response : forged_responses(observed)) {
      add("forged block response", std::move(response));
    }

    // 6. Requests for proposals that do not exist, and for blocks.
    for (int i = 0; i < 8; ++i) {
      add("proposal request for a random hash", node::ProposalRequest{next, random_digest()});
    }
    add("proposal request for a random hash",
        node::ProposalRequest{kMaxHeight, random_digest()});
    add("block request", node::BlockRequest{observed.height > 0 ? observed.height : 1, 1});
    add("block request", node::BlockRequest{kMaxHeight - 5, 256});
    add("block request", node::BlockRequest{0, 256});

    for (int pass = 0; pass < 2; ++pass) {
      for (const auto& [what, message] : messages) {
        send_all(pass == 0 ? what : "duplicate of the above", message);
      }
    }
    ++rounds_;
  }

  const std::map<std::string, std::uint64_t>& sent() const { return sent_; }
  std::uint64_t rounds() const { return rounds_; }
  std::uint64_t total_sent() const {
    std::uint64_t total = 0;
    for (const auto& [what, count] : sent_) total += count;
    return total;
  }

 private:
  void send_all(const std::string& what, const WireMessage& message) {
    for (const std::string& peer : peers_) {
      if (network_.send(peer, message)) sent_[what] += 1;
    }
  }

  Digest random_digest() {
    Digest d{};
    for (auto& b : d) b = static_cast<std::uint8_t>(random_());
    return d;
  }

  Bytes random_bytes(std::size_t n) {
    Bytes bytes(n);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(random_());
    return bytes;
  }

  // A decodable block at `height`, distinct from every other one built (its
  // time and roots differ), chained to the real tip when we know it.
  ledger::Block forged_block(std::uint64_t height, const std::string& proposer,
                             const Snapshot& observed) {
    ledger::Block block;
    ledger::BlockHeader& h = block.header;
    h.chain_id = genesis_.chain_id;
    h.height = height;
    h.previous_hash = random_digest();
    if (observed.latest && observed.latest_height + 1 == height) {
      h.previous_hash = observed.latest->certificate.block_hash;
    }
    h.time_ms = now_ms() - 1'000 + (next_time_++ % 1'000);
    h.proposer = proposer;
    h.transactions_root = random_digest();
    h.receipts_root = random_digest();
    h.state_root = random_digest();
    h.log_size = height;
    h.log_root = random_digest();
    h.validator_set_hash = random_digest();
    h.next_validator_set_hash = h.validator_set_hash;
    return block;
  }

  // Signs with our own key when asked to and held, else garbage.
  template <class Signed>
  void sign_or_garble(Signed& message, bool sign_with_own_key) {
    if (sign_with_own_key && key_) {
      ledger::sign(message, *key_);
    } else {
      message.signature = random_bytes(kGarbageSignatureSize);
    }
  }

  node::ProposalMessage proposal_message(std::uint64_t height, std::uint32_t round,
                                         const std::string& proposer, const ledger::Block& block,
                                         bool sign_with_own_key,
                                         std::optional<std::uint32_t> valid_round = {}) {
    node::ProposalMessage m;
    m.block = ledger::encode(block);
    ledger::Proposal& p = m.proposal;
    p.chain_id = genesis_.chain_id;
    p.height = height;
    p.round = round;
    p.block_hash = ledger::header_hash(hash_algorithm_, block.header);
    p.valid_round = valid_round;
    p.proposer = proposer;
    sign_or_garble(p, sign_with_own_key);
    return m;
  }

  node::VoteMessage vote_message(std::uint64_t height, std::uint32_t round, ledger::VoteType type,
                                 std::optional<Digest> block_hash, const std::string& validator,
                                 bool sign_with_own_key) {
    node::VoteMessage m;
    ledger::Vote& v = m.vote;
    v.chain_id = genesis_.chain_id;
    v.type = type;
    v.height = height;
    v.round = round;
    v.block_hash = block_hash;
    v.validator = validator;
    sign_or_garble(v, sign_with_own_key);
    return m;
  }

  ledger::CommitCertificate garbage_certificate(std::uint64_t height, const Digest& block_hash) {
    ledger::CommitCertificate c;
    c.height = height;
    c.round = 0;
    c.block_hash = block_hash;
    for (const std::string& id : ids_) {
      c.signatures.push_back({id, random_bytes(kGarbageSignatureSize)});
    }
    return c;
  }

  std::vector<node::BlockResponse> forged_responses(const Snapshot& observed) {
    std::uint64_t next = observed.height + 1;
    std::vector<node::BlockResponse> responses;
    auto respond = [&](node::CommittedBlock entry) {
      responses.push_back(node::BlockResponse{kMaxHeight, {std::move(entry)}});
    };
    // Not a block at all.
    respond({random_bytes(211), garbage_certificate(next, random_digest())});
    // A forged next block with every validator's name under garbage.
    ledger::Block forged = forged_block(next, own_id_, observed);
    Digest forged_hash = ledger::header_hash(hash_algorithm_, forged.header);
    respond({ledger::encode(forged), garbage_certificate(next, forged_hash)});
    // The same, certified by our own real precommit alone (too little power).
    if (key_) {
      ledger::CommitCertificate c{next, 0, forged_hash, {}};
      ledger::Vote precommit = ledger::precommit_of(genesis_.chain_id, c, {own_id_, {}});
      ledger::sign(precommit, *key_);
      c.signatures.push_back({own_id_, precommit.signature});
      respond({ledger::encode(forged), c});
    }
    if (observed.latest) {
      const node::CommittedBlock& real = *observed.latest;
      // A real block cut short.
      node::CommittedBlock truncated = real;
      truncated.block.resize(truncated.block.size() / 2);
      respond(truncated);
      // A real block with its certificate moved to another round (the
      // signatures no longer match) or naming another block.
      node::CommittedBlock other_round = real;
      other_round.certificate.round += 7;
      respond(other_round);
      node::CommittedBlock other_block = real;
      other_block.certificate.block_hash = random_digest();
      respond(other_block);
      // A real block with a certificate of garbage.
      respond({real.block, garbage_certificate(real.certificate.height,
                                               real.certificate.block_hash)});
    }
    return responses;
  }

  node::PeerNetwork& network_;
  const ledger::Genesis& genesis_;
  crypto::HashAlgorithm hash_algorithm_;
  std::string own_id_;
  std::optional<crypto::PrivateKey> key_;
  std::mt19937_64 random_;
  std::size_t flood_;
  std::vector<std::string> ids_;
  std::vector<std::string> peers_;
  std::uint64_t next_time_ = 0;
  std::uint64_t rounds_ = 0;
  std::map<std::string, std::uint64_t> sent_;
};

int run(const std::filesystem::path& home, std::uint64_t seconds, std::size_t flood,
        std::uint64_t seed, bool garbage_only) {
  auto config = node::load_config(home, {}, {});
  if (!config) {
    std::cerr << "tracechain-attacker: " << config.error().message() << "\n";
    return 1;
  }
  node::log::Options log_options;
  log_options.level = "info";
  if (Status s = node::log::init(log_options); !s) {
    std::cerr << "tracechain-attacker: " << s.error().message() << "\n";
    return 1;
  }
  auto genesis = ledger::load_genesis(config->genesis_file());
  if (!genesis) {
    std::cerr << "tracechain-attacker: " << genesis.error().message() << "\n";
    return 1;
  }
  auto tls = node::make_tls_context(*config);
  if (!tls) {
    std::cerr << "tracechain-attacker: " << tls.error().message() << "\n";
    return 1;
  }
  std::optional<crypto::PrivateKey> key;
  if (garbage_only) {
    std::cout << "--garbage-only: every signature will be garbage\n";
  } else if (auto loaded = crypto::PrivateKey::load(config->node_key_file())) {
    key = std::move(*loaded);
  } else {
    std::cout << "no consensus key (" << loaded.error().message()
              << "); every signature will be garbage\n";
  }
  const std::string own_id = config->node.id;
  std::cout << "attacking as " << own_id << " on chain " << genesis->chain_id << " for "
            << seconds << " s, " << flood << " proposals per flood, seed " << seed << "\n";

  Observed observed;
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  node::PeerNetwork* network_ptr = nullptr;  // set before start(), so before any callback

  node::P2pCallbacks callbacks;
  callbacks.accept_peer = [&](const std::string& id) {
    if (id == own_id) return false;
    for (const ledger::Validator& v : genesis->validators.validators) {
      if (v.id == id) return true;
    }
    return false;
  };
  callbacks.on_message = [&](const std::string& peer, const WireMessage& message,
                             const Digest&) { on_message(observed, *network_ptr, peer, message); };
  callbacks.on_connected = [&](const std::string& peer) {
    std::lock_guard lock(observed.mutex);
    observed.peers_seen.insert(peer);
  };
  callbacks.on_disconnected = [](const std::string&) {};
  callbacks.height = [] { return std::uint64_t{0}; };

  node::PeerIdentity identity{genesis->chain_id, ledger::genesis_hash(*genesis), own_id};
  node::PeerNetwork network(io, *tls, *config, identity, callbacks);
  network_ptr = &network;
  if (Status s = network.start(); !s) {
    std::cerr << "tracechain-attacker: " << s.error().message() << "\n";
    return 1;
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) threads.emplace_back([&io] { io.run(); });

  Attack attack(network, *genesis, own_id, std::move(key), seed, flood);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  std::uint64_t attacked_height = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    Snapshot snapshot;
    {
      std::unique_lock lock(observed.mutex);
      observed.changed.wait_for(lock, kRoundInterval,
                                [&] { return observed.height != attacked_height; });
      snapshot = Snapshot{observed.height, observed.latest, observed.latest_height};
    }
    attacked_height = snapshot.height;
    attack.round(snapshot);
  }

  network.stop();
  work.reset();
  io.stop();
  for (std::thread& t : threads) t.join();
  node::log::flush();

  std::lock_guard lock(observed.mutex);
  std::cout << "attack over after " << attack.rounds() << " rounds; peers' height "
            << observed.height << "; peers connected at some time: " << observed.peers_seen.size()
            << "\n";
  for (const auto& [what, count] : attack.sent()) {
    std::cout << "  sent " << count << " " << what << "\n";
  }
  for (const auto& [what, count] : observed.received) {
    std::cout << "  received " << count << " " << what << "\n";
  }
  if (attack.total_sent() == 0) {
    std::cout << "no peer was ever connected; nothing was sent\n";
    return 2;
  }
  return 0;
}

}  // namespace
}  // namespace tracechain::attacker

int main(int argc, char** argv) {
  CLI::App app{"tracechain-attacker: a Byzantine validator for the end-to-end tests"};
  std::filesystem::path home;
  std::uint64_t seconds = 20;
  std::size_t flood = 72;
  std::uint64_t seed = std::random_device{}();
  app.add_option("--home", home, "the home of the validator to impersonate")->required();
  app.add_option("--seconds", seconds, "how long to attack")->capture_default_str();
  app.add_option("--flood", flood, "distinct proposals for the next height per round")
      ->capture_default_str();
  bool garbage_only = false;
  app.add_option("--seed", seed, "for the garbage; printed, so a run can be repeated");
  app.add_flag("--garbage-only", garbage_only,
               "sign nothing with the validator's consensus key, not even where it would count");
  CLI11_PARSE(app, argc, argv);
  return tracechain::attacker::run(home, seconds, flood, seed, garbage_only);
}
