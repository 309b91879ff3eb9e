#include "simulator.h"

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <memory>
#include <ostream>
#include <queue>
#include <random>
#include <set>
#include <sstream>
#include <tuple>

#include "consensus/engine.h"
#include "sim_support.h"

namespace tracechain::sim {

namespace {

using consensus::Action;
using consensus::Engine;
using consensus::Message;
using consensus::Step;

const std::string kChain = "sim-chain";
// After the faults: every message arrives within this delay (the paper's Delta).
constexpr std::uint64_t kStableMaxDelayMs = 40;
constexpr std::uint64_t kGossipIntervalMs = 500;
constexpr std::uint64_t kMaxEvents = 3'000'000;

// Keys are made once per process and suite: generating them is not part of
// what a seed decides (nothing the engines decide depends on key bytes).
const crypto::PrivateKey& key_for(crypto::Suite suite, std::size_t index) {
  static std::map<std::pair<crypto::Suite, std::size_t>, crypto::PrivateKey> keys;
  auto it = keys.find({suite, index});
  if (it == keys.end()) {
    it = keys.emplace(std::pair{suite, index}, *crypto::PrivateKey::generate(suite)).first;
  }
  return it->second;
}

// The content a message commits its signer to (its signing bytes).
Bytes content_of(const Message& m) {
  return std::visit([](const auto& x) { return ledger::signing_bytes(x); }, m);
}

std::string describe_message(const Message& m) {
  std::ostringstream out;
  std::visit(Overloaded{[&](const ledger::Proposal& p) {
                          out << "proposal h" << p.height << " r" << p.round << " "
                              << short_hex(p.block_hash) << " vr "
                              << (p.valid_round ? std::to_string(*p.valid_round) : "-1")
                              << " from " << p.proposer;
                        },
                        [&](const ledger::Vote& v) {
                          out << (v.type == ledger::VoteType::kPrevote ? "prevote" : "precommit")
                              << " h" << v.height << " r" << v.round << " "
                              << (v.block_hash ? short_hex(*v.block_hash) : "nil") << " from "
                              << v.validator;
                        }},
             m);
  return out.str();
}

struct SyncRequest {
  std::uint64_t height = 0;
  std::uint32_t round = 0;
};

using Packet = std::variant<Message, SyncRequest>;

struct Deliver {
  std::size_t from = 0;
  std::size_t to = 0;
  Packet packet;
};
// A timer or a driver answer for one incarnation of a node.
struct NodeEvent {
  std::size_t node = 0;
  std::uint64_t incarnation = 0;
  consensus::Event event;
};
struct GossipTick {
  std::size_t node = 0;
  std::uint64_t incarnation = 0;
};
struct CrashAt {
  std::size_t node = 0;
  bool mid_step = false;
};
struct RestartAt {
  std::size_t node = 0;
};
struct FaultsEnd {};

struct Item {
  std::uint64_t time = 0;
  std::uint64_t seq = 0;
  std::variant<Deliver, NodeEvent, GossipTick, CrashAt, RestartAt, FaultsEnd> what;
};

struct Later {
  bool operator()(const Item& a, const Item& b) const {
    return std::tie(a.time, a.seq) > std::tie(b.time, b.seq);
  }
};

struct BlockInfo {
  std::uint64_t height = 0;
  bool valid = true;
};

struct Crash {
  std::size_t node = 0;
  std::uint64_t at_ms = 0;
  std::uint64_t down_ms = 0;
  bool mid_step = false;
};

struct Node {
  std::size_t index = 0;
  ledger::ParticipantId id;
  Behaviour behaviour = Behaviour::kHonest;
  std::unique_ptr<Engine> engine;  // null while crashed, and for silent nodes
  std::uint64_t incarnation = 0;
  consensus::InMemorySigningStateStore store;       // survives crashes
  std::vector<ledger::CommitCertificate> chain;     // survives crashes
  std::set<Digest> validated;                       // blocks the driver said were valid
  std::uint64_t height_at_last_tick = 0;
  bool crash_in_next_step = false;
  int fork_side = 0;  // which half a fork coalition shows which block

  bool up() const { return engine != nullptr; }
  bool honest() const { return behaviour == Behaviour::kHonest; }
};

class World {
 public:
  World(const FaultMix& mix, std::uint64_t seed, std::ostream* trace)
      : mix_(mix), seed_(seed), rng_(seed), trace_(trace) {}

  RunResult run();

 private:
  void draw_faults();
  void build_sets();
  ledger::ValidatorSet make_set(const std::vector<std::pair<std::size_t, std::uint64_t>>& members);
  const ledger::ValidatorSet& set_for(std::uint64_t height) const {
    return change_height_ && height >= *change_height_ ? sets_[1] : sets_[0];
  }

  void push(std::uint64_t at, decltype(Item::what) what) {
    queue_.push(Item{at, next_seq_++, std::move(what)});
  }
  void handle(Item& item);
  void start_engine(Node& node);
  void feed(Node& node, const consensus::Event& event);
  void execute(Node& node, const std::vector<Action>& actions);
  void crash(Node& node);
  void on_commit(Node& node, const consensus::CommitBlock& commit);
  void on_signed(Node& node, const Message& message);
  void on_sync_request(Node& node, std::size_t asker, const SyncRequest& request);
  void on_tick(Node& node);
  void check_liveness();

  // Network.
  bool faults_active() const { return now_ < mix_.fault_phase_ms; }
  std::uint64_t delay();
  void send(std::size_t from, std::size_t to, Packet packet);
  void broadcast(const Node& from, const Message& message);
  void transmit(Node& node, const Message& message);  // with the node's behaviour
  void fork_coalition_propose(const ledger::Proposal& proposal);

  Digest new_block(std::uint64_t height, std::uint32_t round, std::size_t proposer, bool valid);
  bool valid_for(const Digest& block, std::uint64_t height) const;

  void fail(std::string kind, std::string detail);
  void note(const std::string& line);

  const FaultMix& mix_;
  std::uint64_t seed_;
  Random rng_;
  std::ostream* trace_;
  TraceHash hash_;

  std::vector<Node> nodes_;
  std::vector<ledger::ValidatorSet> sets_;
  std::optional<std::uint64_t> change_height_;
  std::vector<Partition> partitions_;
  std::vector<Crash> crashes_;
  double loss_ = 0;
  double duplication_ = 0;
  std::uint64_t max_delay_ms_ = kStableMaxDelayMs;
  crypto::Suite suite_ = crypto::kDefaultSuite;
  std::string faults_;

  std::priority_queue<Item, std::vector<Item>, Later> queue_;
  std::uint64_t next_seq_ = 0;
  std::uint64_t now_ = 0;

  std::map<Digest, BlockInfo> blocks_;
  std::uint64_t block_counter_ = 0;
  std::map<std::uint64_t, std::pair<Digest, std::size_t>> decided_;  // height -> (block, first node)
  std::map<std::tuple<std::size_t, std::uint64_t, std::uint32_t, Step>, Bytes> signed_;
  std::set<std::pair<std::uint64_t, std::uint32_t>> fork_rounds_;  // (h, r) a coalition attacked
  std::set<Digest> verified_certificates_;

  std::optional<std::uint64_t> liveness_target_;
  std::uint64_t deadline_ = 0;
  bool done_ = false;
  RunResult result_;
};

// ------------------------------------------------------------------ setup

void World::draw_faults() {
  const std::size_t n = mix_.validators;
  const std::size_t total_nodes = n + (mix_.validator_change ? 1 : 0);
  nodes_.resize(total_nodes);
  for (std::size_t i = 0; i < total_nodes; ++i) {
    nodes_[i].index = i;
    nodes_[i].id = node_id(i);
  }
  std::ostringstream out;
  suite_ = mix_.suites[rng_.below(mix_.suites.size())];
  out << "n=" << n << ", " << crypto::suite_name(suite_);

  // Byzantine validators: distinct, among the first n (the joiner is honest).
  std::vector<std::size_t> candidates(n);
  for (std::size_t i = 0; i < n; ++i) candidates[i] = i;
  for (std::size_t b = 0; b < mix_.byzantine; ++b) {
    const std::size_t pick = rng_.below(candidates.size());
    Node& node = nodes_[candidates[pick]];
    candidates.erase(candidates.begin() + static_cast<std::ptrdiff_t>(pick));
    node.behaviour = mix_.byzantine_behaviours[rng_.below(mix_.byzantine_behaviours.size())];
    out << ", " << node.id << " " << behaviour_name(node.behaviour);
  }
  // A fork coalition shows one block to each half of the honest nodes.
  std::vector<std::size_t> honest;
  for (const Node& node : nodes_) {
    if (node.honest()) honest.push_back(node.index);
  }
  for (std::size_t i = 0; i < honest.size(); ++i) nodes_[honest[i]].fork_side = i % 2;

  const LinkFaults link = draw_link_faults(rng_, mix_.max_loss, mix_.max_duplication,
                                           mix_.max_delay_ms, kStableMaxDelayMs, out);
  loss_ = link.loss;
  duplication_ = link.duplication;
  max_delay_ms_ = link.max_delay_ms;

  const std::uint64_t phase = mix_.fault_phase_ms;
  if (mix_.partitions && phase > 700) partitions_ = draw_partitions(rng_, phase, total_nodes, out);
  if (mix_.crashes && phase > 300 && !honest.empty()) {
    const std::uint64_t count = rng_.between(1, 3);
    for (std::uint64_t c = 0; c < count; ++c) {
      Crash crash;
      crash.node = honest[rng_.below(honest.size())];
      crash.at_ms = rng_.between(0, phase - 250);
      crash.down_ms = rng_.between(20, std::min<std::uint64_t>(1500, phase - crash.at_ms - 50));
      crash.mid_step = rng_.chance(0.5);
      out << ", crash " << node_id(crash.node) << " at " << crash.at_ms << " ms for "
          << crash.down_ms << " ms" << (crash.mid_step ? " mid-step" : "");
      crashes_.push_back(crash);
    }
  }
  if (mix_.validator_change) change_height_ = rng_.between(2, 4);
  out << ", invalid blocks " << static_cast<int>(mix_.invalid_blocks * 100) << "%";
  faults_ = out.str();
}

ledger::ValidatorSet World::make_set(
    const std::vector<std::pair<std::size_t, std::uint64_t>>& members) {
  ledger::ValidatorSet set;
  set.suite = suite_;
  for (const auto& [index, power] : members) {
    set.validators.push_back(
        {node_id(index), key_for(suite_, index).public_key().bytes(), power});
  }
  std::sort(set.validators.begin(), set.validators.end(),
            [](const ledger::Validator& a, const ledger::Validator& b) { return a.id < b.id; });
  TC_ASSERT(ledger::validate(set).ok());
  // The scenario itself must respect the bound it claims to test.
  std::uint64_t byzantine_power = 0;
  for (const ledger::Validator& v : set.validators) {
    for (const Node& node : nodes_) {
      if (node.id == v.id && !node.honest()) byzantine_power += v.power;
    }
  }
  TC_ASSERT_MSG(mix_.expects_violation || byzantine_power * 3 < set.total_power(),
                "a mix with more Byzantine power than the algorithm tolerates");
  return set;
}

void World::build_sets() {
  const std::size_t n = mix_.validators;
  std::vector<std::pair<std::size_t, std::uint64_t>> first;
  for (std::size_t i = 0; i < n; ++i) first.emplace_back(i, 1);
  sets_.push_back(make_set(first));
  if (!change_height_) return;
  // One honest validator leaves, the extra node joins, another honest one
  // gains power: quorums, proposers and membership all change at once.
  std::vector<std::size_t> honest;
  for (std::size_t i = 0; i < n; ++i) {
    if (nodes_[i].honest()) honest.push_back(i);
  }
  std::vector<std::pair<std::size_t, std::uint64_t>> second;
  const std::size_t leaver = honest.size() >= 2 ? honest[rng_.below(honest.size())] : n;
  const std::size_t stronger = honest.front() == leaver ? honest.back() : honest.front();
  for (std::size_t i = 0; i < n; ++i) {
    if (i != leaver) second.emplace_back(i, i == stronger ? 2 : 1);
  }
  second.emplace_back(n, 1);
  sets_.push_back(make_set(second));
  faults_ += ", at height " + std::to_string(*change_height_) + " " +
             (leaver < n ? node_id(leaver) + " leaves, " : "") + node_id(n) + " joins, " +
             node_id(stronger) + " gets power 2";
}

// ------------------------------------------------------------- main loop

RunResult World::run() {
  result_.seed = seed_;
  result_.mix = mix_.name;
  draw_faults();
  build_sets();
  result_.faults = faults_;
  note("faults: " + faults_);

  for (Node& node : nodes_) {
    if (node.behaviour == Behaviour::kSilent) continue;
    start_engine(node);
  }
  for (const Crash& crash : crashes_) {
    push(crash.at_ms, CrashAt{crash.node, crash.mid_step});
    push(crash.at_ms + crash.down_ms, RestartAt{crash.node});
  }
  push(mix_.fault_phase_ms, FaultsEnd{});
  deadline_ = mix_.fault_phase_ms + mix_.liveness_bound_ms;

  while (!queue_.empty() && !result_.violation && !done_) {
    Item item = queue_.top();
    queue_.pop();
    now_ = item.time;
    if (now_ > deadline_) break;
    hash_.add(item.time);
    hash_.add(item.what.index());
    handle(item);
    if (++result_.events > kMaxEvents) fail("runaway", "more than 3 million events");
  }
  if (!result_.violation && !done_) check_liveness();
  if (!result_.violation && !done_) {
    std::ostringstream detail;
    detail << "not every honest node reached height " << liveness_target_.value_or(0)
           << " within " << mix_.liveness_bound_ms << " ms after the faults stopped:";
    for (const Node& node : nodes_) {
      if (node.honest()) {
        detail << " " << node.id << " at " << node.chain.size();
        if (node.engine) detail << " (round " << node.engine->round() << ")";
      }
    }
    fail("liveness", detail.str());
  }

  result_.trace_hash = hash_.value();
  result_.end_time_ms = now_;
  result_.min_height = std::numeric_limits<std::uint64_t>::max();
  for (const Node& node : nodes_) {
    if (node.honest()) result_.min_height = std::min<std::uint64_t>(result_.min_height, node.chain.size());
  }
  return result_;
}

void World::handle(Item& item) {
  std::visit(
      Overloaded{
          [&](Deliver& d) {
            Node& to = nodes_[d.to];
            if (!to.up()) return;
            if (const auto* request = std::get_if<SyncRequest>(&d.packet)) {
              hash_.add(request->height);
              on_sync_request(to, d.from, *request);
              return;
            }
            const Message& m = std::get<Message>(d.packet);
            hash_.add(content_of(m));
            if (trace_) note(to.id + " <- " + describe_message(m));
            if (const auto* p = std::get_if<ledger::Proposal>(&m)) {
              feed(to, consensus::ProposalReceived{*p});
            } else {
              feed(to, consensus::VoteReceived{std::get<ledger::Vote>(m)});
            }
          },
          [&](NodeEvent& e) {
            Node& node = nodes_[e.node];
            if (!node.up() || node.incarnation != e.incarnation) return;
            if (const auto* v = std::get_if<consensus::BlockValidated>(&e.event); v && v->valid) {
              node.validated.insert(v->block_hash);
            }
            feed(node, e.event);
          },
          [&](GossipTick& t) {
            Node& node = nodes_[t.node];
            if (!node.up() || node.incarnation != t.incarnation) return;
            on_tick(node);
            push(now_ + kGossipIntervalMs, GossipTick{node.index, node.incarnation});
          },
          [&](CrashAt& c) {
            Node& node = nodes_[c.node];
            if (!node.up()) return;
            if (c.mid_step) {
              node.crash_in_next_step = true;
            } else {
              crash(node);
            }
          },
          [&](RestartAt& r) {
            Node& node = nodes_[r.node];
            if (node.up()) crash(node);  // a mid-step crash that found no step to cut
            note(node.id + " restarts");
            start_engine(node);
          },
          [&](FaultsEnd&) {
            std::uint64_t highest = 0;
            for (const Node& node : nodes_) {
              if (node.honest()) highest = std::max<std::uint64_t>(highest, node.chain.size());
            }
            liveness_target_ = highest + mix_.liveness_heights;
            note("faults end; every honest node must reach height " +
                 std::to_string(*liveness_target_));
            check_liveness();
          },
      },
      item.what);
}

void World::start_engine(Node& node) {
  if (mix_.amnesia && node.incarnation > 0) node.store = consensus::InMemorySigningStateStore{};
  ++node.incarnation;
  auto persisted = node.store.load();
  TC_ASSERT(persisted.ok());
  node.engine = std::make_unique<Engine>(consensus::Config{kChain, node.id, sim_timeouts()},
                                         key_for(suite_, node.index), *persisted);
  node.height_at_last_tick = node.chain.size();
  push(now_ + rng_.between(1, kGossipIntervalMs), GossipTick{node.index, node.incarnation});
  const std::uint64_t height = node.chain.size() + 1;
  feed(node, consensus::StartHeight{height, set_for(height)});
}

void World::crash(Node& node) {
  note(node.id + " crashes");
  node.engine.reset();
  node.crash_in_next_step = false;
  // Only the signing state and the committed chain survive; validation
  // results, timers and everything in flight to the node are gone.
  node.validated.clear();
  ++node.incarnation;
}

void World::feed(Node& node, const consensus::Event& event) {
  if (!node.up() || result_.violation) return;
  std::vector<Action> actions = node.engine->on(event);
  result_.max_round = std::max(result_.max_round, node.engine->round());
  execute(node, actions);
}

void World::execute(Node& node, const std::vector<Action>& actions) {
  // A crash in the middle of a step executes only a prefix of its actions.
  std::size_t cut = actions.size() + 1;
  if (node.crash_in_next_step && !actions.empty()) cut = rng_.below(actions.size() + 1);
  bool start_next_height = false;
  for (std::size_t k = 0; k < actions.size() && !result_.violation; ++k) {
    if (k == cut) {
      crash(node);
      return;
    }
    const Action& action = actions[k];
    hash_.add(action.index());
    std::visit(
        Overloaded{
            [&](const consensus::PersistSigningState& a) {
              TC_ASSERT(node.store.save(a.state).ok());
            },
            [&](const consensus::BroadcastProposal& a) {
              on_signed(node, a.proposal);
              transmit(node, a.proposal);
            },
            [&](const consensus::BroadcastVote& a) {
              on_signed(node, a.vote);
              transmit(node, a.vote);
            },
            [&](const consensus::ScheduleTimeout& a) {
              push(now_ + a.duration_ms,
                   NodeEvent{node.index, node.incarnation,
                             consensus::TimeoutFired{a.height, a.round, a.step}});
            },
            [&](const consensus::CommitBlock& a) {
              on_commit(node, a);
              start_next_height = true;
            },
            [&](const consensus::RequestBlock& a) {
              // Fetched from a peer: a round trip.
              if (blocks_.count(a.block_hash) == 0) return;
              push(now_ + delay() + delay(),
                   NodeEvent{node.index, node.incarnation,
                             consensus::BlockValidated{a.height, a.block_hash,
                                                       valid_for(a.block_hash, a.height)}});
            },
            [&](const consensus::ValidateBlock& a) {
              const ledger::Proposal& p = a.proposal;
              push(now_ + rng_.between(1, 20),
                   NodeEvent{node.index, node.incarnation,
                             consensus::BlockValidated{p.height, p.block_hash,
                                                       valid_for(p.block_hash, p.height)}});
            },
            [&](const consensus::GetValue& a) {
              const Digest block = new_block(a.height, a.round, node.index,
                                             !rng_.chance(mix_.invalid_blocks));
              // Building a block takes a while: the time between heights.
              push(now_ + rng_.between(150, 300),
                   NodeEvent{node.index, node.incarnation,
                             consensus::ValueReady{a.height, a.round, block}});
            },
            [&](const consensus::ReportEvidence& a) {
              if (!node.honest()) return;
              ++result_.evidence;
              const std::string& accused = a.evidence.first.validator;
              for (const Node& other : nodes_) {
                if (other.id == accused && other.honest()) {
                  fail("evidence", node.id + " reported evidence against honest " + accused);
                }
              }
            },
        },
        action);
  }
  if (cut == actions.size()) {
    crash(node);
    return;
  }
  if (start_next_height && node.up() && !result_.violation) {
    const std::uint64_t height = node.chain.size() + 1;
    feed(node, consensus::StartHeight{height, set_for(height)});
  }
}

// --------------------------------------------------------------- checks

void World::on_signed(Node& node, const Message& message) {
  if (!node.honest()) return;
  auto persisted = node.store.load();
  std::optional<Message> stored = consensus::signed_of_type(*persisted, consensus::step_of(message));
  if (!stored || !(*stored == message)) {
    fail("signing", node.id + " sent " + describe_message(message) + " before persisting it");
    return;
  }
  auto key = std::tuple(node.index, consensus::height_of(message), consensus::round_of(message),
                        consensus::step_of(message));
  Bytes content = content_of(message);
  auto [it, inserted] = signed_.emplace(key, content);
  if (!inserted && it->second != content) {
    fail("double-sign", node.id + " signed two different messages for " +
                            describe_message(message));
  }
}

void World::on_commit(Node& node, const consensus::CommitBlock& commit) {
  note(node.id + " commits h" + std::to_string(commit.height) + " " + short_hex(commit.block_hash) +
       " (round " + std::to_string(commit.certificate.round) + ")");
  hash_.add(ByteView(commit.block_hash));
  if (!node.honest()) {
    node.chain.push_back(commit.certificate);
    return;
  }
  const std::string at = " at height " + std::to_string(commit.height);
  if (commit.height != node.chain.size() + 1) {
    fail("commit order", node.id + " committed" + at + " after " +
                             std::to_string(node.chain.size()) + " heights");
    return;
  }
  auto [decided, first] = decided_.emplace(commit.height, std::pair{commit.block_hash, node.index});
  if (!first && decided->second.first != commit.block_hash) {
    fail("agreement", node.id + " committed " + short_hex(commit.block_hash) + at + ", " +
                          node_id(decided->second.second) + " committed " +
                          short_hex(decided->second.first));
    return;
  }
  auto block = blocks_.find(commit.block_hash);
  if (block == blocks_.end() || block->second.height != commit.height || !block->second.valid ||
      node.validated.count(commit.block_hash) == 0) {
    fail("validity", node.id + " committed " + short_hex(commit.block_hash) + at +
                         ", which was not proposed, is invalid, or was not validated by it");
    return;
  }
  // Nodes often build byte-identical certificates; each distinct one is
  // verified once.
  const Digest certificate_hash =
      crypto::hash(crypto::HashAlgorithm::kSha256, ledger::encode(commit.certificate));
  if (verified_certificates_.count(certificate_hash) == 0) {
    if (Status s =
            ledger::verify_certificate(kChain, set_for(commit.height), commit.certificate);
        !s) {
      fail("certificate", node.id + at + ": " + s.error().message());
      return;
    }
    verified_certificates_.insert(certificate_hash);
  }
  node.chain.push_back(commit.certificate);
  check_liveness();
}

void World::check_liveness() {
  if (!liveness_target_) return;
  for (const Node& node : nodes_) {
    if (node.honest() && node.chain.size() < *liveness_target_) return;
  }
  done_ = true;
}

void World::fail(std::string kind, std::string detail) {
  if (result_.violation) return;
  note("VIOLATION " + kind + ": " + detail);
  result_.violation = Violation{std::move(kind), std::move(detail), now_};
}

void World::note(const std::string& line) {
  if (trace_) *trace_ << now_ << " ms  " << line << "\n";
}

// -------------------------------------------------------------- network

std::uint64_t World::delay() {
  return rng_.between(1, faults_active() ? max_delay_ms_ : kStableMaxDelayMs);
}

void World::send(std::size_t from, std::size_t to, Packet packet) {
  if (from == to) return;
  ++result_.messages_sent;
  if (partitioned(partitions_, now_, from, to)) {
    ++result_.messages_dropped;
    return;
  }
  if (faults_active() && rng_.chance(loss_)) {
    ++result_.messages_dropped;
    return;
  }
  if (faults_active() && rng_.chance(duplication_)) {
    push(now_ + delay(), Deliver{from, to, packet});
  }
  push(now_ + delay(), Deliver{from, to, std::move(packet)});
}

void World::broadcast(const Node& from, const Message& message) {
  for (const Node& to : nodes_) send(from.index, to.index, message);
}

void World::transmit(Node& node, const Message& message) {
  const bool withheld = node.behaviour == Behaviour::kForkCoalition &&
                        std::holds_alternative<ledger::Vote>(message) &&
                        fork_rounds_.count({consensus::height_of(message),
                                            consensus::round_of(message)}) != 0;
  if (trace_) note(node.id + (withheld ? " withholds " : " -> ") + describe_message(message));
  const crypto::PrivateKey& key = key_for(suite_, node.index);
  switch (node.behaviour) {
    case Behaviour::kHonest:
    case Behaviour::kSilent:
      broadcast(node, message);
      return;
    case Behaviour::kEquivocatingProposer: {
      const auto* p = std::get_if<ledger::Proposal>(&message);
      if (p == nullptr) {
        broadcast(node, message);
        return;
      }
      ledger::Proposal other = *p;
      other.block_hash = new_block(p->height, p->round, node.index, true);
      ledger::sign(other, key);
      for (const Node& to : nodes_) {
        send(node.index, to.index, rng_.chance(0.5) ? Message{*p} : Message{other});
      }
      return;
    }
    case Behaviour::kDoubleVoter: {
      const auto* v = std::get_if<ledger::Vote>(&message);
      if (v == nullptr) {
        broadcast(node, message);
        return;
      }
      ledger::Vote other = *v;
      other.block_hash = v->block_hash ? std::nullopt
                                       : std::optional(new_block(v->height, v->round, node.index,
                                                                 true));
      ledger::sign(other, key);
      for (const Node& to : nodes_) {
        send(node.index, to.index, rng_.chance(0.5) ? Message{*v} : Message{other});
      }
      return;
    }
    case Behaviour::kForkCoalition:
      if (const auto* p = std::get_if<ledger::Proposal>(&message)) {
        fork_coalition_propose(*p);
        return;
      }
      // In the rounds it attacks, the coalition's votes are its attack.
      if (!withheld) broadcast(node, message);
      return;
  }
}

void World::fork_coalition_propose(const ledger::Proposal& proposal) {
  // Side 0 sees the proposal's block, side 1 another one; every member of
  // the coalition prevotes and precommits each side's block to that side.
  fork_rounds_.insert({proposal.height, proposal.round});
  std::array<Digest, 2> blocks = {proposal.block_hash,
                                  new_block(proposal.height, proposal.round, 99, true)};
  note("fork coalition splits h" + std::to_string(proposal.height) + " r" +
       std::to_string(proposal.round) + ": " + short_hex(blocks[0]) + " / " +
       short_hex(blocks[1]));
  const ledger::ValidatorSet& set = set_for(proposal.height);
  for (Node& member : nodes_) {
    if (member.behaviour != Behaviour::kForkCoalition || set.find(member.id) == nullptr) continue;
    const crypto::PrivateKey& key = key_for(suite_, member.index);
    for (int side = 0; side < 2; ++side) {
      std::vector<Message> messages;
      if (member.id == proposal.proposer) {
        ledger::Proposal p = proposal;
        p.block_hash = blocks[side];
        ledger::sign(p, key);
        messages.emplace_back(p);
      }
      for (ledger::VoteType type : {ledger::VoteType::kPrevote, ledger::VoteType::kPrecommit}) {
        ledger::Vote v;
        v.chain_id = kChain;
        v.type = type;
        v.height = proposal.height;
        v.round = proposal.round;
        v.block_hash = blocks[side];
        v.validator = member.id;
        ledger::sign(v, key);
        messages.emplace_back(v);
      }
      for (const Node& to : nodes_) {
        if (!to.honest() || to.fork_side != side) continue;
        for (const Message& m : messages) send(member.index, to.index, m);
      }
    }
  }
}

// --------------------------------------------------------------- gossip

void World::on_tick(Node& node) {
  // Byzantine nodes do not help: liveness must not depend on them.
  if (!node.honest()) return;
  if (node.chain.size() == node.height_at_last_tick) {
    for (const Message& m : node.engine->gossip()) broadcast(node, m);
    for (const Node& peer : nodes_) {
      send(node.index, peer.index, SyncRequest{node.engine->height(), node.engine->round()});
    }
  }
  node.height_at_last_tick = node.chain.size();
}

void World::on_sync_request(Node& node, std::size_t asker, const SyncRequest& request) {
  if (!node.honest() || request.height == 0) return;
  if (node.chain.size() >= request.height) {
    // A height the asker is still on: the precommits of our certificate
    // let it decide (line 49) once it fetches the block.
    const ledger::CommitCertificate& cert = node.chain[request.height - 1];
    for (const ledger::CommitSignature& s : cert.signatures) {
      send(node.index, asker, Message{ledger::precommit_of(kChain, cert, s)});
    }
    return;
  }
  if (node.engine->height() != request.height) return;
  // The same height: what we hold of the asker's round (so it can finish
  // that round) and of ours (so it can skip to it, line 55), whoever sent it.
  std::vector<Message> messages = node.engine->round_messages(request.round);
  if (node.engine->round() != request.round) {
    for (Message& m : node.engine->round_messages(node.engine->round())) {
      messages.push_back(std::move(m));
    }
  }
  for (const Message& m : messages) send(node.index, asker, m);
}

// --------------------------------------------------------------- blocks

Digest World::new_block(std::uint64_t height, std::uint32_t round, std::size_t proposer,
                        bool valid) {
  std::ostringstream name;
  name << "seed " << seed_ << " height " << height << " round " << round << " proposer "
       << proposer << " block " << block_counter_++;
  const Digest block = crypto::hash(crypto::HashAlgorithm::kSha256, as_bytes(name.str()));
  blocks_[block] = BlockInfo{height, valid};
  return block;
}

bool World::valid_for(const Digest& block, std::uint64_t height) const {
  auto it = blocks_.find(block);
  return it != blocks_.end() && it->second.height == height && it->second.valid;
}

}  // namespace

std::string_view behaviour_name(Behaviour behaviour) {
  switch (behaviour) {
    case Behaviour::kHonest:
      return "honest";
    case Behaviour::kSilent:
      return "silent";
    case Behaviour::kEquivocatingProposer:
      return "equivocating-proposer";
    case Behaviour::kDoubleVoter:
      return "double-voter";
    case Behaviour::kForkCoalition:
      return "fork-coalition";
  }
  return "unknown";
}

std::string RunResult::describe() const {
  std::ostringstream out;
  out << "seed " << seed << ", mix " << mix << " (" << faults << "): ";
  if (violation) {
    out << violation->kind << " violated at " << violation->time_ms << " ms: " << violation->detail;
  } else {
    out << "ok, every honest node at height >= " << min_height << " after " << end_time_ms
        << " ms, highest round " << max_round << ", " << events << " events, "
        << messages_sent << " messages (" << messages_dropped << " dropped), " << evidence
        << " evidence";
  }
  out << "\n  replay: tracechain-sim --mix " << mix << " --seed " << seed << " --trace";
  return out.str();
}

RunResult run(const FaultMix& mix, std::uint64_t seed, std::ostream* trace) {
  World world(mix, seed, trace);
  return world.run();
}

std::vector<FaultMix> standard_mixes() {
  const std::vector<Behaviour> any = {Behaviour::kSilent, Behaviour::kEquivocatingProposer,
                                      Behaviour::kDoubleVoter, Behaviour::kForkCoalition};
  return {
      {.name = "single", .validators = 1, .max_delay_ms = 200, .crashes = true},
      {.name = "lossy-n4", .max_loss = 0.3, .max_duplication = 0.2, .max_delay_ms = 600},
      {.name = "partition-n4", .max_loss = 0.1, .max_delay_ms = 200, .partitions = true},
      {.name = "crash-n4", .max_loss = 0.05, .max_delay_ms = 200, .crashes = true},
      {.name = "byzantine-n4",
       .byzantine = 1,
       .byzantine_behaviours = any,
       .max_loss = 0.1,
       .max_delay_ms = 300,
       .crashes = true},
      {.name = "change-n4",
       .max_loss = 0.1,
       .max_delay_ms = 200,
       .crashes = true,
       .validator_change = true},
      {.name = "byzantine-n7",
       .validators = 7,
       .byzantine = 2,
       .byzantine_behaviours = any,
       .max_loss = 0.2,
       .max_duplication = 0.1,
       .max_delay_ms = 400},
      {.name = "chaos-n7",
       .validators = 7,
       .byzantine = 2,
       .byzantine_behaviours = any,
       .max_loss = 0.3,
       .max_duplication = 0.2,
       .max_delay_ms = 600,
       .partitions = true,
       .crashes = true,
       .validator_change = true},
      {.name = "sm2-n4",
       .byzantine = 1,
       .byzantine_behaviours = any,
       .max_loss = 0.1,
       .max_delay_ms = 200,
       .crashes = true,
       .suites = {crypto::Suite::kSm2Sm3}},
  };
}

FaultMix fork_mix(std::size_t validators) {
  return {.name = "fork-n" + std::to_string(validators),
          .validators = validators,
          .byzantine = (validators - 1) / 3 + 1,  // f + 1
          .byzantine_behaviours = {Behaviour::kForkCoalition},
          .invalid_blocks = 0,
          .fault_phase_ms = 3000,
          .liveness_bound_ms = 5000,
          .expects_violation = true};
}

FaultMix amnesia_mix() {
  return {.name = "amnesia-n4",
          .max_loss = 0.2,
          .max_delay_ms = 300,
          .crashes = true,
          .amnesia = true,
          .expects_violation = true};
}

std::optional<FaultMix> find_mix(std::string_view name) {
  std::vector<FaultMix> all = standard_mixes();
  all.push_back(fork_mix(4));
  all.push_back(fork_mix(7));
  all.push_back(amnesia_mix());
  for (FaultMix& m : all) {
    if (m.name == name) return std::move(m);
  }
  return std::nullopt;
}

}  // namespace tracechain::sim
