#include "replica_sim.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <memory>
#include <ostream>
#include <queue>
#include <set>
#include <sstream>

#include "ledger/receipt.h"
#include "node/replica.h"
#include "sim_support.h"
#include "storage/fault_injection_kv.h"
#include "storage/memory_kv.h"
#include "tests/support/test_chain.h"

namespace tracechain::sim {

namespace {

using node::Replica;
using node::ReplicaTimer;
using node::WireMessage;

constexpr std::uint64_t kStableMaxDelayMs = 40;
constexpr std::uint64_t kMaxEvents = 2'000'000;
constexpr std::uint64_t kAdversaryTickMs = 100;
constexpr std::uint64_t kMaxHeight = std::numeric_limits<std::uint64_t>::max();
// The workload's expiry height: within the genesis policy's longest lifetime
// (1000 blocks) of every height a run reaches.
constexpr std::uint64_t kWorkloadExpiry = 1000;

// Keys are made once per process, suite and name: generating them is not
// part of what a seed decides.
const crypto::PrivateKey& cached_key(crypto::Suite suite, const std::string& name) {
  static std::map<std::pair<crypto::Suite, std::string>, crypto::PrivateKey> keys;
  auto it = keys.find({suite, name});
  if (it == keys.end()) {
    it = keys.emplace(std::pair{suite, name}, *crypto::PrivateKey::generate(suite)).first;
  }
  return it->second;
}

// The chain every seed of a suite starts from: the test consortium and n
// validators node-0..node-(n-1).
struct SimChain {
  ledger::Genesis genesis;
  std::map<std::string, crypto::PrivateKey> keys;
};

SimChain make_chain(crypto::Suite suite, std::size_t validators) {
  SimChain chain;
  ledger::Genesis& g = chain.genesis;
  g.chain_id = "sim-chain";
  g.suite = suite;
  g.time_ms = 1'767'225'600'000ull;
  g.policy = test::default_policy();
  g.state_tree = true;
  for (const test::Member& member : test::default_members()) {
    const crypto::PrivateKey& key = cached_key(suite, member.id);
    g.participants.push_back({member.id, key.public_key().bytes(), member.roles,
                              member.jurisdiction});
    chain.keys.emplace(member.id, key);
  }
  g.validators.suite = suite;
  for (std::size_t i = 0; i < validators; ++i) {
    g.validators.validators.push_back(
        {node_id(i), cached_key(suite, node_id(i)).public_key().bytes(), 1});
  }
  return chain;
}

struct SimCrash {};  // thrown by an effect to crash its replica mid-step

struct Deliver {
  std::size_t from = 0;
  std::size_t to = 0;
  std::shared_ptr<const Bytes> frame;
};
struct TimerAt {
  std::size_t node = 0;
  std::uint64_t incarnation = 0;
  ReplicaTimer timer;
};
struct AdversaryTick {
  std::size_t node = 0;
};
struct Submit {
  std::size_t tx = 0;
};
struct CrashAt {
  std::size_t node = 0;
  bool mid_step = false;
};
struct RestartAt {
  std::size_t node = 0;
};
struct ClusterCrash {
  std::uint64_t down_ms = 0;
};
struct LinksChange {};
struct FaultsEnd {};

struct Item {
  std::uint64_t time = 0;
  std::uint64_t seq = 0;
  std::variant<Deliver, TimerAt, AdversaryTick, Submit, CrashAt, RestartAt, ClusterCrash,
               LinksChange, FaultsEnd>
      what;
};

struct Later {
  bool operator()(const Item& a, const Item& b) const {
    return std::tie(a.time, a.seq) > std::tie(b.time, b.seq);
  }
};

class ReplicaWorld;

struct SimNode;

class SimClock final : public node::Clock {
 public:
  SimClock(const std::uint64_t& now, std::uint64_t epoch_ms) : now_(now), epoch_ms_(epoch_ms) {}
  std::uint64_t now_ms() const override { return epoch_ms_ + now_; }

 private:
  const std::uint64_t& now_;
  std::uint64_t epoch_ms_;
};

// What survives a crash besides the disk; a save may be where a crash hits.
class SimSigningStore final : public consensus::SigningStateStore {
 public:
  explicit SimSigningStore(std::function<void()> after_save) : after_save_(std::move(after_save)) {}
  Result<consensus::SigningState> load() override { return inner_.load(); }
  Status save(const consensus::SigningState& state) override {
    Status s = inner_.save(state);
    after_save_();
    return s;
  }
  consensus::InMemorySigningStateStore& inner() { return inner_; }

 private:
  consensus::InMemorySigningStateStore inner_;
  std::function<void()> after_save_;
};

class SimHeldStore final : public node::HeldBlockStore {
 public:
  SimHeldStore(std::function<void()> after_save, bool forget)
      : after_save_(std::move(after_save)), forget_(forget) {}
  Result<std::vector<Bytes>> load() override { return inner_.load(); }
  Status save(const std::vector<Bytes>& blocks) override {
    Status s = forget_ ? Status{} : inner_.save(blocks);
    after_save_();
    return s;
  }

 private:
  node::InMemoryHeldBlockStore inner_;
  std::function<void()> after_save_;
  bool forget_ = false;
};

struct SimNode {
  std::size_t index = 0;
  std::string id;
  std::optional<Adversary> adversary;  // nullopt: honest
  std::shared_ptr<storage::MemoryKv> disk = std::make_shared<storage::MemoryKv>();
  std::shared_ptr<storage::FaultInjectionKv> kv =
      std::make_shared<storage::FaultInjectionKv>(disk);
  std::unique_ptr<SimSigningStore> signing;
  std::unique_ptr<SimHeldStore> held;
  std::unique_ptr<SimClock> clock;
  // Gone with a crash:
  std::unique_ptr<storage::BlockStore> store;
  std::unique_ptr<ledger::VerifiedSignatures> verified;
  std::unique_ptr<node::Mempool> mempool;
  std::unique_ptr<node::ReplicaEffects> effects;
  std::unique_ptr<Replica> replica;
  std::uint64_t incarnation = 0;
  std::uint64_t crash_countdown = 0;  // crash at this many more effects (0: no)
  std::vector<Bytes> recorded;        // a replayer's collection of frames

  bool honest() const { return !adversary.has_value(); }
  bool up() const { return replica != nullptr; }
  bool runs_replica() const {
    return honest() || adversary == Adversary::kEquivocator || adversary == Adversary::kReplayer;
  }
};

class ReplicaWorld {
 public:
  ReplicaWorld(const ReplicaMix& mix, std::uint64_t seed, std::ostream* trace)
      : mix_(mix), seed_(seed), rng_(seed), trace_(trace) {}

  RunResult run();

  // Effects of a node's replica.
  void maybe_crash(SimNode& node) {
    if (node.crash_countdown == 0) return;
    if (--node.crash_countdown == 0) throw SimCrash{};
  }
  void effect_send(SimNode& node, const std::string& peer, const WireMessage& message);
  void effect_broadcast(SimNode& node, const WireMessage& message, const std::string& except);
  std::vector<std::string> effect_peers(const SimNode& node) const;
  void effect_timer(SimNode& node, std::uint64_t delay_ms, const ReplicaTimer& timer) {
    push(now_ + delay_ms, TimerAt{node.index, node.incarnation, timer});
  }
  void effect_committed(SimNode& node, const ledger::AdmittedBlock& block,
                        const ledger::CommitCertificate& certificate,
                        const ledger::ExecutedBlock& executed);
  void effect_fatal(SimNode& node, const std::string& reason) {
    if (node.honest()) fail("abort", node.id + " stopped: " + reason);
  }

 private:
  void setup();
  void draw_faults();
  void push(std::uint64_t at, decltype(Item::what) what) {
    queue_.push(Item{at, next_seq_++, std::move(what)});
  }
  void handle(Item& item);
  void start_node(SimNode& node);
  void crash(SimNode& node);
  template <typename F>
  void input(SimNode& node, F f);
  void deliver(const Deliver& d);
  void admit(SimNode& node, const std::vector<Bytes>& transactions, const std::string& from);
  void update_links();
  void send_frame(std::size_t from, std::size_t to, std::shared_ptr<const Bytes> frame);
  void send(std::size_t from, std::size_t to, const WireMessage& message) {
    send_frame(from, to, std::make_shared<const Bytes>(node::encode_frame(message)));
  }
  std::uint64_t delay();
  bool faults_active() const { return now_ < mix_.fault_phase_ms; }
  std::size_t index_of(const std::string& id) const;

  // Adversaries.
  void adversary_tick(SimNode& node);
  void adversary_receives(SimNode& node, std::size_t from, const WireMessage& message,
                          const Bytes& frame);
  const storage::BlockStore* honest_store() const;
  std::optional<ledger::Block> template_block(std::uint64_t height, const std::string& proposer,
                                              std::uint64_t time_offset_ms);
  void equivocate(SimNode& node, const WireMessage& message);
  Bytes garbage(std::size_t size) {
    Bytes b(size);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng_.below(256));
    return b;
  }
  Digest random_digest() {
    Digest d{};
    for (auto& x : d) x = static_cast<std::uint8_t>(rng_.below(256));
    return d;
  }

  // Checks.
  bool liveness_reached() const;
  void final_checks();
  void fail(std::string kind, std::string detail);
  void note(const std::string& line) {
    if (trace_) *trace_ << now_ << " ms  " << line << "\n";
  }

  const ReplicaMix& mix_;
  std::uint64_t seed_;
  Random rng_;
  std::ostream* trace_;
  TraceHash hash_;

  crypto::Suite suite_ = crypto::Suite::kEd25519Sha256;
  SimChain chain_;
  Digest genesis_hash_{};
  crypto::HashAlgorithm algorithm_ = crypto::HashAlgorithm::kSha256;
  std::vector<SimNode> nodes_;
  std::vector<Bytes> transactions_;  // encoded, submitted during the faults
  std::string faults_;
  std::vector<Partition> partitions_;
  std::optional<ledger::Block> template_;  // adversaries' block on the best honest tip
  double loss_ = 0;
  double duplication_ = 0;
  std::uint64_t max_delay_ms_ = kStableMaxDelayMs;
  std::set<std::pair<std::size_t, std::size_t>> links_;  // connected pairs (a < b)

  std::priority_queue<Item, std::vector<Item>, Later> queue_;
  std::uint64_t next_seq_ = 0;
  std::uint64_t now_ = 0;
  std::uint64_t events_ = 0;

  std::map<std::uint64_t, Digest> decided_;  // height -> block hash
  std::set<Digest> verified_certificates_;
  std::map<Digest, std::set<std::size_t>> holders_;  // tracked tx -> honest mempools holding it
  std::set<Digest> tracked_;                         // admitted during the faults
  std::set<Digest> lost_to_crashes_;
  std::set<Digest> committed_txs_;
  std::optional<std::uint64_t> liveness_target_;
  bool faults_over_ = false;
  bool done_ = false;
  RunResult result_;
};

class NodeEffects final : public node::ReplicaEffects {
 public:
  NodeEffects(ReplicaWorld& world, SimNode& node) : world_(world), node_(node) {}
  void send(const std::string& peer, const WireMessage& message) override {
    world_.maybe_crash(node_);
    world_.effect_send(node_, peer, message);
  }
  void broadcast(const WireMessage& message, const std::optional<Digest>&,
                 const std::string& except) override {
    world_.maybe_crash(node_);
    world_.effect_broadcast(node_, message, except);
  }
  std::vector<std::string> peers() const override { return world_.effect_peers(node_); }
  void set_timer(std::uint64_t delay_ms, const ReplicaTimer& timer) override {
    world_.effect_timer(node_, delay_ms, timer);
  }
  void committed(const ledger::AdmittedBlock& block, const ledger::CommitCertificate& certificate,
                 const ledger::ExecutedBlock& executed, const char*) override {
    world_.effect_committed(node_, block, certificate, executed);
    world_.maybe_crash(node_);
  }
  void fatal(const std::string& reason) override { world_.effect_fatal(node_, reason); }

 private:
  ReplicaWorld& world_;
  SimNode& node_;
};

// ---------------------------------------------------------------------- setup

void ReplicaWorld::setup() {
  suite_ = mix_.suites[rng_.below(mix_.suites.size())];
  chain_ = make_chain(suite_, mix_.validators);
  genesis_hash_ = ledger::genesis_hash(chain_.genesis);
  algorithm_ = crypto::suite_hash(suite_);
  nodes_.resize(mix_.validators);
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    SimNode& node = nodes_[i];
    node.index = i;
    node.id = node_id(i);
    node.signing = std::make_unique<SimSigningStore>([this, &node] { maybe_crash(node); });
    node.held = std::make_unique<SimHeldStore>([this, &node] { maybe_crash(node); },
                                               mix_.forget_held_blocks);
    node.clock = std::make_unique<SimClock>(now_, chain_.genesis.time_ms);
  }
  // The workload: asset registrations by the provider, one nonce each.
  test::TestChain builder(chain_.genesis, chain_.keys);
  for (std::size_t t = 0; t < mix_.transactions; ++t) {
    ledger::AssetRegisterPayload asset{"asset-" + std::to_string(t),
                                       test::label_hash("content " + std::to_string(t)),
                                       test::label_hash("metadata"),
                                       1,
                                       test::label_hash("source"),
                                       test::label_hash("licence")};
    transactions_.push_back(ledger::encode(
        builder.make("provider-acme", ledger::TxKind::kAssetRegister, asset, kWorkloadExpiry)));
  }
}

void ReplicaWorld::draw_faults() {
  std::ostringstream out;
  const std::size_t n = mix_.validators;
  out << "n=" << n << ", " << crypto::suite_name(suite_);
  std::vector<std::size_t> candidates(n);
  for (std::size_t i = 0; i < n; ++i) candidates[i] = i;
  for (std::size_t b = 0; b < mix_.byzantine; ++b) {
    const std::size_t pick = rng_.below(candidates.size());
    SimNode& node = nodes_[candidates[pick]];
    candidates.erase(candidates.begin() + static_cast<std::ptrdiff_t>(pick));
    node.adversary = mix_.adversaries[rng_.below(mix_.adversaries.size())];
    out << ", " << node.id << " " << adversary_name(*node.adversary);
  }
  std::vector<std::size_t> honest;
  for (const SimNode& node : nodes_) {
    if (node.honest()) honest.push_back(node.index);
  }
  const LinkFaults link = draw_link_faults(rng_, mix_.max_loss, mix_.max_duplication,
                                           mix_.max_delay_ms, kStableMaxDelayMs, out);
  loss_ = link.loss;
  duplication_ = link.duplication;
  max_delay_ms_ = link.max_delay_ms;
  const std::uint64_t phase = mix_.fault_phase_ms;
  if (mix_.partitions && phase > 700) {
    partitions_ = draw_partitions(rng_, phase, n, out);
    for (const Partition& partition : partitions_) {
      push(partition.start_ms, LinksChange{});
      push(partition.end_ms, LinksChange{});
    }
  }
  if (mix_.crashes && phase > 300) {
    const std::uint64_t count = rng_.between(1, 3);
    for (std::uint64_t c = 0; c < count; ++c) {
      const std::size_t who = honest[rng_.below(honest.size())];
      const std::uint64_t at = rng_.between(0, phase - 250);
      const std::uint64_t down = rng_.between(20, std::min<std::uint64_t>(1500, phase - at - 50));
      const bool mid_step = rng_.chance(0.5);
      out << ", crash " << node_id(who) << " at " << at << " ms for " << down << " ms"
          << (mid_step ? " mid-step" : "");
      push(at, CrashAt{who, mid_step});
      push(at + down, RestartAt{who});
    }
  }
  if (mix_.cluster_crashes && phase > 500) {
    const std::uint64_t count = rng_.between(1, 2);
    for (std::uint64_t c = 0; c < count; ++c) {
      const std::uint64_t at = rng_.between(100, phase - 400);
      const std::uint64_t down = rng_.between(20, std::min<std::uint64_t>(1000, phase - at - 100));
      out << ", every replica crashes at " << at << " ms for " << down << " ms";
      push(at, ClusterCrash{down});
    }
  }
  for (std::size_t t = 0; t < transactions_.size(); ++t) {
    push(rng_.between(0, phase), Submit{t});
  }
  faults_ = out.str();
}

// ------------------------------------------------------------------ main loop

RunResult ReplicaWorld::run() {
  // The replicas' own log lines go to stdout beside a trace, at info level.
  spdlog::set_level(trace_ != nullptr ? spdlog::level::debug : spdlog::level::off);
  result_.seed = seed_;
  result_.mix = mix_.name;
  setup();
  draw_faults();
  result_.faults = faults_;
  note("faults: " + faults_);
  for (SimNode& node : nodes_) {
    if (node.runs_replica()) start_node(node);
    if (!node.honest()) push(kAdversaryTickMs, AdversaryTick{node.index});
  }
  update_links();
  push(mix_.fault_phase_ms, FaultsEnd{});
  const std::uint64_t deadline = mix_.fault_phase_ms + mix_.liveness_bound_ms;

  while (!queue_.empty() && !result_.violation && !done_) {
    Item item = queue_.top();
    queue_.pop();
    now_ = item.time;
    if (now_ > deadline) break;
    ++events_;
    if (events_ > kMaxEvents) {
      fail("events", "more than " + std::to_string(kMaxEvents) + " events");
      break;
    }
    handle(item);
  }
  if (!result_.violation && !done_) {
    std::ostringstream heights;
    for (const SimNode& node : nodes_) {
      if (node.honest() && node.up()) heights << " " << node.id << "@" << node.store->height();
    }
    fail("liveness", "honest replicas did not reach height " +
                         std::to_string(liveness_target_.value_or(0)) + " and commit " +
                         std::to_string(tracked_.size() - lost_to_crashes_.size()) +
                         " admitted transactions within " +
                         std::to_string(mix_.liveness_bound_ms) + " ms of the faults ending:" +
                         heights.str());
  }
  if (!result_.violation) final_checks();
  result_.trace_hash = hash_.value();
  result_.events = events_;
  result_.end_time_ms = now_;
  std::uint64_t min_height = kMaxHeight;
  for (const SimNode& node : nodes_) {
    if (!node.honest() || !node.up()) continue;
    min_height = std::min(min_height, node.store->height());
    result_.block_txs_reused += node.replica->stats().block_txs_reused;
    result_.max_round = std::max(result_.max_round, node.replica->engine().round());
  }
  result_.min_height = min_height == kMaxHeight ? 0 : min_height;
  return result_;
}

void ReplicaWorld::handle(Item& item) {
  std::visit(
      Overloaded{
          [&](Deliver& d) { deliver(d); },
          [&](TimerAt& t) {
            SimNode& node = nodes_[t.node];
            if (!node.up() || node.incarnation != t.incarnation) return;
            hash_.add(now_);
            hash_.add(static_cast<std::uint64_t>(t.timer.kind));
            input(node, [&](Replica& r) { r.on_timer(t.timer); });
          },
          [&](AdversaryTick& t) {
            adversary_tick(nodes_[t.node]);
            push(now_ + kAdversaryTickMs, AdversaryTick{t.node});
          },
          [&](Submit& s) {
            std::vector<std::size_t> up;
            for (const SimNode& node : nodes_) {
              if (node.honest() && node.up()) up.push_back(node.index);
            }
            if (up.empty()) {
              // Nobody to take it now: the client tries again shortly.
              push(now_ + 50, s);
              return;
            }
            admit(nodes_[up[rng_.below(up.size())]], {transactions_[s.tx]}, {});
          },
          [&](CrashAt& c) {
            SimNode& node = nodes_[c.node];
            if (!node.up()) return;
            if (c.mid_step) {
              node.crash_countdown = rng_.between(1, 6);
              note(node.id + " will crash within its next effects");
            } else {
              crash(node);
            }
          },
          [&](RestartAt& r) {
            SimNode& node = nodes_[r.node];
            node.crash_countdown = 0;
            if (node.up()) return;
            start_node(node);
            update_links();
          },
          [&](ClusterCrash& c) {
            note("every honest replica crashes");
            for (SimNode& node : nodes_) {
              if (!node.honest() || !node.up()) continue;
              if (rng_.chance(0.5)) {
                node.crash_countdown = rng_.between(1, 4);
              } else {
                crash(node);
              }
              push(now_ + c.down_ms + rng_.between(0, 200), RestartAt{node.index});
            }
          },
          [&](LinksChange&) { update_links(); },
          [&](FaultsEnd&) {
            faults_over_ = true;
            std::uint64_t best = 0;
            for (const SimNode& node : nodes_) {
              if (node.honest() && node.up()) best = std::max(best, node.store->height());
            }
            liveness_target_ = best + mix_.liveness_heights;
            note("faults end; liveness target height " + std::to_string(*liveness_target_));
            done_ = liveness_reached();
          },
      },
      item.what);
}

template <typename F>
void ReplicaWorld::input(SimNode& node, F f) {
  if (!node.up()) return;
  try {
    f(*node.replica);
  } catch (const SimCrash&) {
    crash(node);
  } catch (const std::exception& e) {
    if (node.honest()) fail("abort", node.id + " threw out of an input: " + e.what());
  }
}

void ReplicaWorld::start_node(SimNode& node) {
  auto store = storage::open_block_store(node.kv, chain_.genesis);
  if (!store) {
    fail("store", node.id + " cannot open its store: " + store.error().message());
    return;
  }
  auto signing_state = node.signing->inner().load();
  node.store = std::move(*store);
  node.verified = std::make_unique<ledger::VerifiedSignatures>();
  node.mempool = std::make_unique<node::Mempool>(node::Mempool::Limits{});
  node.effects = std::make_unique<NodeEffects>(*this, node);
  node::ReplicaConfig config;
  config.node_id = node.id;
  config.chain_id = chain_.genesis.chain_id;
  config.timeouts = sim_timeouts();
  config.idle_block_interval_ms = 200;
  config.max_block_transactions = 100;
  config.max_block_bytes = 1024 * 1024;
  node.replica = std::make_unique<Replica>(
      config, cached_key(suite_, node.id), std::move(*signing_state), *node.store, *node.mempool,
      *node.verified, *node.signing, *node.held, *node.clock,
      *node.effects);
  ++node.incarnation;
  note(node.id + " starts at height " + std::to_string(node.store->height()));
  input(node, [](Replica& r) { r.start(); });
}

void ReplicaWorld::crash(SimNode& node) {
  if (!node.up()) return;
  note(node.id + " crashes");
  hash_.add(now_);
  hash_.add(std::string_view("crash"));
  node.crash_countdown = 0;
  if (node.honest()) result_.block_txs_reused += node.replica->stats().block_txs_reused;
  node.replica.reset();
  node.effects.reset();
  node.mempool.reset();
  node.verified.reset();
  node.store.reset();
  if (Status s = node.kv->drop_unsynced(); !s) fail("store", s.error().message());
  ++node.incarnation;
  for (auto& [tx, holders] : holders_) {
    if (holders.erase(node.index) && holders.empty() && !committed_txs_.count(tx)) {
      lost_to_crashes_.insert(tx);
    }
  }
  update_links();
}

// ------------------------------------------------------------------- network

// Connections follow who is up and who can reach whom; a replica hears of
// each change as a real node does from its P2P layer.
void ReplicaWorld::update_links() {
  for (std::size_t a = 0; a < nodes_.size(); ++a) {
    for (std::size_t b = a + 1; b < nodes_.size(); ++b) {
      const bool reachable = !partitioned(partitions_, now_, a, b) &&
                             (nodes_[a].up() || !nodes_[a].runs_replica()) &&
                             (nodes_[b].up() || !nodes_[b].runs_replica());
      const bool linked = links_.count({a, b}) != 0;
      if (reachable == linked) continue;
      if (reachable) {
        links_.insert({a, b});
      } else {
        links_.erase({a, b});
      }
      for (auto [x, y] : {std::pair{a, b}, std::pair{b, a}}) {
        SimNode& node = nodes_[x];
        const std::string peer = nodes_[y].id;
        input(node, [&](Replica& r) {
          if (reachable) {
            r.on_peer_connected(peer);
          } else {
            r.on_peer_disconnected(peer);
          }
        });
      }
    }
  }
}

std::uint64_t ReplicaWorld::delay() {
  return rng_.between(1, faults_active() ? max_delay_ms_ : kStableMaxDelayMs);
}

void ReplicaWorld::send_frame(std::size_t from, std::size_t to,
                              std::shared_ptr<const Bytes> frame) {
  if (from == to) return;
  if (!links_.count({std::min(from, to), std::max(from, to)})) return;
  ++result_.messages_sent;
  if (faults_active() && rng_.chance(loss_)) {
    ++result_.messages_dropped;
    return;
  }
  if (faults_active() && rng_.chance(duplication_)) push(now_ + delay(), Deliver{from, to, frame});
  push(now_ + delay(), Deliver{from, to, std::move(frame)});
}

std::size_t ReplicaWorld::index_of(const std::string& id) const {
  for (const SimNode& node : nodes_) {
    if (node.id == id) return node.index;
  }
  return nodes_.size();
}

void ReplicaWorld::effect_send(SimNode& node, const std::string& peer,
                               const WireMessage& message) {
  const std::size_t to = index_of(peer);
  if (to == nodes_.size()) return;
  if (node.adversary == Adversary::kReplayer) send(node.index, to, message);  // twice
  send(node.index, to, message);
}

void ReplicaWorld::effect_broadcast(SimNode& node, const WireMessage& message,
                                    const std::string& except) {
  if (node.adversary == Adversary::kEquivocator) {
    equivocate(node, message);
    return;
  }
  auto frame = std::make_shared<const Bytes>(node::encode_frame(message));
  for (const SimNode& other : nodes_) {
    if (other.id == except) continue;
    if (node.adversary == Adversary::kReplayer) send_frame(node.index, other.index, frame);
    send_frame(node.index, other.index, frame);
  }
}

std::vector<std::string> ReplicaWorld::effect_peers(const SimNode& node) const {
  std::vector<std::string> peers;
  for (const SimNode& other : nodes_) {
    if (links_.count({std::min(node.index, other.index), std::max(node.index, other.index)})) {
      peers.push_back(other.id);
    }
  }
  return peers;
}

void ReplicaWorld::deliver(const Deliver& d) {
  SimNode& to = nodes_[d.to];
  if (!links_.count({std::min(d.from, d.to), std::max(d.from, d.to)})) return;
  const Bytes& frame = *d.frame;
  if (frame.size() < node::kFrameHeaderSize) return;
  auto message = node::decode_payload(
      ByteView(frame.data() + node::kFrameHeaderSize, frame.size() - node::kFrameHeaderSize));
  if (!message) return;  // the P2P layer closes such a connection; the peer redials
  hash_.add(now_);
  hash_.add(static_cast<std::uint64_t>(d.from * 64 + d.to));
  hash_.add(static_cast<std::uint64_t>(node::message_type(*message)));
  if (trace_) {
    std::string what(node::message_type_name(node::message_type(*message)));
    if (const auto* v = std::get_if<node::VoteMessage>(&*message)) {
      what += std::string(v->vote.type == ledger::VoteType::kPrevote ? " prevote" : " precommit") +
              " h" + std::to_string(v->vote.height) + " r" + std::to_string(v->vote.round) + " " +
              (v->vote.block_hash ? short_hex(*v->vote.block_hash) : "nil") + " by " +
              v->vote.validator;
    } else if (const auto* p = std::get_if<node::ProposalMessage>(&*message)) {
      what += " h" + std::to_string(p->proposal.height) + " r" +
              std::to_string(p->proposal.round) + " " + short_hex(p->proposal.block_hash) +
              " vr " + (p->proposal.valid_round ? std::to_string(*p->proposal.valid_round) : "-1") +
              " by " + p->proposal.proposer;
    }
    note(to.id + " <- " + what + " from " + nodes_[d.from].id);
  }
  if (!to.honest()) {
    adversary_receives(to, d.from, *message, frame);
    if (!to.runs_replica()) return;
  }
  if (!to.up()) return;
  if (const auto* txs = std::get_if<node::TransactionsMessage>(&*message)) {
    admit(to, txs->transactions, nodes_[d.from].id);
    return;
  }
  const Digest id = crypto::hash(crypto::HashAlgorithm::kSha256, frame);
  input(to, [&](Replica& r) { r.on_message(nodes_[d.from].id, *message, id); });
}

// What node.cc's admission does, on the simulator's one thread: check,
// queue, relay what was new, wake the replica.
void ReplicaWorld::admit(SimNode& node, const std::vector<Bytes>& transactions,
                         const std::string& from) {
  if (!node.up()) return;
  node::TransactionsMessage relay;
  for (const Bytes& encoded : transactions) {
    auto checked = node.mempool->check(encoded, node.store->state(), node.store->height() + 1,
                                       suite_, *node.verified);
    if (!checked) {
      // A client submits each transaction once, to an honest replica that
      // is up: refusing it is a fault of the replica (or of the workload).
      if (from.empty() && node.honest()) {
        fail("workload", node.id + " refused a client's transaction: " +
                             checked.error().message());
      }
      continue;
    }
    auto hash = node.mempool->insert(std::move(*checked));
    if (!hash) continue;
    if (node.honest()) {
      if (from.empty() && !faults_over_) tracked_.insert(*hash);
      holders_[*hash].insert(node.index);
    }
    relay.transactions.push_back(encoded);
  }
  if (relay.transactions.empty()) return;
  for (const SimNode& other : nodes_) {
    if (other.id != from) send(node.index, other.index, relay);
  }
  input(node, [](Replica& r) { r.on_transaction_waiting(); });
}

// ------------------------------------------------------------------ checking

void ReplicaWorld::effect_committed(SimNode& node, const ledger::AdmittedBlock& block,
                                    const ledger::CommitCertificate& certificate,
                                    const ledger::ExecutedBlock& executed) {
  const std::uint64_t height = block.header.height;
  note(node.id + " commits h" + std::to_string(height) + " " +
       short_hex(certificate.block_hash) + " (" + std::to_string(block.transactions.size()) +
       " txs)");
  if (!node.honest()) return;
  hash_.add(ByteView(certificate.block_hash));
  for (const Digest& tx : executed.tx_hashes) committed_txs_.insert(tx);
  auto [it, first] = decided_.emplace(height, certificate.block_hash);
  if (!first && it->second != certificate.block_hash) {
    fail("agreement", node.id + " committed " + short_hex(certificate.block_hash) +
                          " at height " + std::to_string(height) + ", another honest replica " +
                          short_hex(it->second));
    return;
  }
  const Digest certificate_hash =
      crypto::hash(crypto::HashAlgorithm::kSha256, ledger::encode(certificate));
  if (!verified_certificates_.count(certificate_hash)) {
    auto validators = node.store->validators_at(height);
    Status s = validators ? ledger::verify_certificate(chain_.genesis.chain_id, *validators,
                                                       certificate)
                          : Status(validators.error());
    if (!s) {
      fail("certificate", node.id + " at height " + std::to_string(height) + ": " +
                              s.error().message());
      return;
    }
    verified_certificates_.insert(certificate_hash);
  }
  if (faults_over_ && liveness_reached()) done_ = true;
}

bool ReplicaWorld::liveness_reached() const {
  if (!liveness_target_) return false;
  for (const SimNode& node : nodes_) {
    if (!node.honest()) continue;
    if (!node.up() || node.store->height() < *liveness_target_) return false;
  }
  for (const Digest& tx : tracked_) {
    if (!lost_to_crashes_.count(tx) && !committed_txs_.count(tx)) return false;
  }
  return true;
}

void ReplicaWorld::final_checks() {
  // Every honest store holds the same headers and receipts up to the
  // lowest honest height.
  const SimNode* reference = nullptr;
  for (const SimNode& node : nodes_) {
    if (!node.honest() || !node.up()) continue;
    if (reference == nullptr) {
      reference = &node;
      continue;
    }
    const std::uint64_t top = std::min(reference->store->height(), node.store->height());
    for (std::uint64_t h = 1; h <= top; ++h) {
      auto a = reference->store->header(h);
      auto b = node.store->header(h);
      auto ra = reference->store->receipts(h);
      auto rb = node.store->receipts(h);
      if (!a || !b || !ra || !rb || !(*a == *b) || !(*ra == *rb)) {
        fail("stores", node.id + " and " + reference->id + " hold different blocks or " +
                           "receipts at height " + std::to_string(h));
        return;
      }
    }
  }
  for (const Digest& tx : tracked_) {
    if (!lost_to_crashes_.count(tx) && !committed_txs_.count(tx)) {
      fail("transactions", "admitted transaction " + short_hex(tx) + " was never committed");
      return;
    }
  }
}

void ReplicaWorld::fail(std::string kind, std::string detail) {
  if (result_.violation) return;
  note("VIOLATION " + kind + ": " + detail);
  result_.violation = Violation{std::move(kind), std::move(detail), now_};
}

// ---------------------------------------------------------------- adversaries

const storage::BlockStore* ReplicaWorld::honest_store() const {
  const storage::BlockStore* best = nullptr;
  for (const SimNode& node : nodes_) {
    if (node.honest() && node.up() && (best == nullptr || node.store->height() > best->height())) {
      best = node.store.get();
    }
  }
  return best;
}

// A block that executes on the best honest tip, named as `proposer`'s: what
// an attacker can make from the gossip it sees.
std::optional<ledger::Block> ReplicaWorld::template_block(std::uint64_t height,
                                                          const std::string& proposer,
                                                          std::uint64_t time_offset_ms) {
  const storage::BlockStore* store = honest_store();
  if (store == nullptr) return std::nullopt;
  ledger::ChainTip tip = store->tip();
  if (height != tip.height + 1) {
    // Another height: a decodable block whose body matches its header.
    ledger::Block block;
    block.header.chain_id = chain_.genesis.chain_id;
    block.header.height = height;
    block.header.time_ms = tip.time_ms + time_offset_ms;
    block.header.proposer = proposer;
    block.header.transactions_root =
        ledger::digest_list_root(crypto::MerkleHasher(store->params().hash_algorithm()), {});
    return block;
  }
  // Built once per tip and proposer; variants differ in their time, which
  // is enough to give each a hash of its own.
  if (!template_ || template_->header.previous_hash != tip.header_hash ||
      template_->header.proposer != proposer) {
    ledger::BlockContext context{height, tip.time_ms + 1, proposer};
    auto built = ledger::build_block(store->state(), tip, context, std::span<const ledger::AdmittedTxPtr>(), {});
    if (!built) return std::nullopt;
    template_ = built->block.to_block();
  }
  ledger::Block block = *template_;
  block.header.time_ms += time_offset_ms;
  return block;
}

void ReplicaWorld::adversary_tick(SimNode& node) {
  const storage::BlockStore* store = honest_store();
  if (store == nullptr) return;
  const std::uint64_t h = store->height() + 1;
  const crypto::PrivateKey& key = cached_key(suite_, node.id);
  const auto algorithm = store->params().hash_algorithm();
  auto to_all = [&](const WireMessage& m) {
    auto frame = std::make_shared<const Bytes>(node::encode_frame(m));
    for (const SimNode& other : nodes_) send_frame(node.index, other.index, frame);
  };
  auto proposal_for = [&](const ledger::Block& block, std::uint32_t round,
                          const std::string& proposer, bool sign) {
    ledger::Proposal p;
    p.chain_id = chain_.genesis.chain_id;
    p.height = block.header.height;
    p.round = round;
    p.block_hash = ledger::header_hash(algorithm, block.header);
    p.proposer = proposer;
    if (sign) {
      ledger::sign(p, key);
    } else {
      p.signature = garbage(64);
    }
    return node::ProposalMessage{p, ledger::encode(block)};
  };
  switch (*node.adversary) {
    case Adversary::kProposalFlood: {
      // 70 proposals, as in the attack on a real testnet, with variations.
      for (std::uint64_t i = 0; i < 70; ++i) {
        const std::uint64_t height =
            i < 60 ? h : (i < 65 ? (h > 1 ? h - 1 : h) : h + rng_.between(1, 1000));
        const std::string proposer = node_id(rng_.below(nodes_.size()));
        auto block = template_block(height, proposer, rng_.between(1, 1'000'000));
        if (!block) return;
        const auto round = static_cast<std::uint32_t>(i % 10 == 9 ? 0xffffffffu : rng_.below(4));
        to_all(proposal_for(*block, round, proposer, false));
      }
      return;
    }
    case Adversary::kBlockFlood: {
      // Distinct, well-formed blocks at one height, properly signed by this
      // validator for many rounds (its own turns among them), equivocating.
      for (std::uint32_t round = 0; round < 6; ++round) {
        for (int variant = 0; variant < 3; ++variant) {
          auto block = template_block(h, node.id, rng_.between(1, 1'000'000));
          if (!block) return;
          to_all(proposal_for(*block, round, node.id, true));
        }
      }
      return;
    }
    case Adversary::kVoteFlood: {
      for (int i = 0; i < 40; ++i) {
        ledger::Vote v;
        v.chain_id = chain_.genesis.chain_id;
        v.type = rng_.chance(0.5) ? ledger::VoteType::kPrevote : ledger::VoteType::kPrecommit;
        v.height = i < 35 ? h : h + rng_.between(1, 5);
        v.round = static_cast<std::uint32_t>(rng_.below(i < 20 ? 4 : 200));
        v.block_hash = random_digest();
        const bool own = rng_.chance(0.5);
        v.validator = own ? node.id : node_id(rng_.below(nodes_.size()));
        if (own) {
          ledger::sign(v, key);
        } else {
          v.signature = garbage(64);
        }
        to_all(node::VoteMessage{v});
      }
      // A commit certificate for a block nobody has, unasked.
      node::BlockResponse response;
      response.peer_height = h + 5;
      if (auto block = template_block(h, node.id, 7)) {
        ledger::CommitCertificate certificate;
        certificate.height = h;
        certificate.block_hash = ledger::header_hash(algorithm, block->header);
        for (const SimNode& signer : nodes_) {
          certificate.signatures.push_back({signer.id, garbage(64)});
        }
        response.blocks.push_back({ledger::encode(*block), certificate});
      }
      to_all(response);
      to_all(node::ProposalRequest{h, random_digest()});
      return;
    }
    case Adversary::kLiar:
      to_all(node::StatusMessage{kMaxHeight});
      return;
    case Adversary::kMute:
      to_all(node::StatusMessage{h + 1000});
      return;
    case Adversary::kReplayer: {
      for (int i = 0; i < 20 && !node.recorded.empty(); ++i) {
        const Bytes& frame = node.recorded[rng_.below(node.recorded.size())];
        send_frame(node.index, rng_.below(nodes_.size()), std::make_shared<const Bytes>(frame));
      }
      return;
    }
    case Adversary::kEquivocator:
      return;  // its replica does the work
  }
}

void ReplicaWorld::adversary_receives(SimNode& node, std::size_t from,
                                      const WireMessage& message, const Bytes& frame) {
  switch (*node.adversary) {
    case Adversary::kReplayer:
      if (node.recorded.size() < 500) {
        node.recorded.push_back(frame);
      } else {
        node.recorded[rng_.below(node.recorded.size())] = frame;
      }
      return;
    case Adversary::kLiar: {
      if (const auto* blocks = std::get_if<node::BlockRequest>(&message)) {
        node::BlockResponse response;
        response.peer_height = kMaxHeight;
        const storage::BlockStore* store = honest_store();
        const std::uint64_t which = rng_.below(4);
        if (store != nullptr && store->height() >= blocks->from_height &&
            blocks->from_height > 0) {
          auto block = store->block(blocks->from_height);
          auto certificate = store->certificate(blocks->from_height);
          if (block && certificate) {
            Bytes encoded = ledger::encode(*block);
            if (which == 0) {  // forged certificate
              for (auto& s : certificate->signatures) s.signature = garbage(64);
            } else if (which == 1) {  // truncated block
              encoded.resize(encoded.size() / 2);
            } else if (which == 2) {  // another block under the real certificate
              block->header.time_ms += 1;
              encoded = ledger::encode(*block);
            } else {  // the wrong height
              block->header.height += 1;
              encoded = ledger::encode(*block);
            }
            response.blocks.push_back({std::move(encoded), *certificate});
          }
        } else {
          response.blocks.push_back({garbage(100), {}});
        }
        send(node.index, from, response);
      } else if (const auto* request = std::get_if<node::ProposalRequest>(&message)) {
        if (auto block = template_block(request->height, node.id, 3)) {
          ledger::Proposal p;
          p.chain_id = chain_.genesis.chain_id;
          p.height = request->height;
          p.block_hash = request->block_hash;  // names the block asked for, carries another
          p.proposer = node.id;
          ledger::sign(p, cached_key(suite_, node.id));
          send(node.index, from, node::ProposalMessage{p, ledger::encode(*block)});
        }
      }
      return;
    }
    case Adversary::kProposalFlood:
    case Adversary::kBlockFlood:
    case Adversary::kVoteFlood:
    case Adversary::kEquivocator:
    case Adversary::kMute:
      return;
  }
}

// An equivocating validator: its replica's own proposals and votes go out
// in two versions, each to about half of the peers; relays pass through.
void ReplicaWorld::equivocate(SimNode& node, const WireMessage& message) {
  const crypto::PrivateKey& key = cached_key(suite_, node.id);
  std::optional<WireMessage> other;
  if (const auto* p = std::get_if<node::ProposalMessage>(&message);
      p != nullptr && p->proposal.proposer == node.id) {
    if (auto block = template_block(p->proposal.height, node.id, 99)) {
      node::ProposalMessage twin = *p;
      twin.proposal.block_hash =
          ledger::header_hash(algorithm_, block->header);
      twin.block = ledger::encode(*block);
      ledger::sign(twin.proposal, key);
      other = twin;
    }
  } else if (const auto* v = std::get_if<node::VoteMessage>(&message);
             v != nullptr && v->vote.validator == node.id) {
    node::VoteMessage twin = *v;
    twin.vote.block_hash = v->vote.block_hash ? std::nullopt : std::optional(random_digest());
    ledger::sign(twin.vote, key);
    other = twin;
  }
  for (const SimNode& to : nodes_) {
    send(node.index, to.index, other && rng_.chance(0.5) ? *other : message);
  }
}

}  // namespace

std::string_view adversary_name(Adversary adversary) {
  switch (adversary) {
    case Adversary::kProposalFlood:
      return "proposal-flood";
    case Adversary::kBlockFlood:
      return "block-flood";
    case Adversary::kVoteFlood:
      return "vote-flood";
    case Adversary::kEquivocator:
      return "equivocator";
    case Adversary::kLiar:
      return "liar";
    case Adversary::kReplayer:
      return "replayer";
    case Adversary::kMute:
      return "mute";
  }
  return "unknown";
}

RunResult run_replicas(const ReplicaMix& mix, std::uint64_t seed, std::ostream* trace) {
  ReplicaWorld world(mix, seed, trace);
  return world.run();
}

std::vector<ReplicaMix> standard_replica_mixes() {
  const std::vector<Adversary> all = {Adversary::kProposalFlood, Adversary::kBlockFlood,
                                      Adversary::kVoteFlood,     Adversary::kEquivocator,
                                      Adversary::kLiar,          Adversary::kReplayer,
                                      Adversary::kMute};
  std::vector<ReplicaMix> mixes = {
      {.name = "replica-single", .validators = 1, .crashes = true},
      {.name = "replica-lossy-n4", .max_loss = 0.3, .max_duplication = 0.2, .max_delay_ms = 600},
      {.name = "replica-partition-n4", .max_loss = 0.1, .max_delay_ms = 200, .partitions = true},
      {.name = "replica-crash-n4", .max_loss = 0.05, .max_delay_ms = 200, .crashes = true},
      {.name = "replica-cluster-crash-n4",
       .max_loss = 0.05,
       .max_delay_ms = 100,
       .cluster_crashes = true},
      {.name = "replica-sm2-n4",
       .max_loss = 0.1,
       .max_delay_ms = 200,
       .crashes = true,
       .suites = {crypto::Suite::kSm2Sm3}},
      {.name = "replica-p256-n4",
       .byzantine = 1,
       .adversaries = all,
       .max_loss = 0.1,
       .max_delay_ms = 200,
       .crashes = true,
       .suites = {crypto::Suite::kP256Sha256}},
      {.name = "replica-chaos-n7",
       .validators = 7,
       .byzantine = 2,
       .adversaries = all,
       .max_loss = 0.2,
       .max_duplication = 0.1,
       .max_delay_ms = 400,
       .partitions = true,
       .crashes = true},
  };
  // One mix per adversary, each with one Byzantine peer of four, crashes
  // and loss around it.
  for (Adversary adversary : all) {
    mixes.push_back({.name = "replica-" + std::string(adversary_name(adversary)) + "-n4",
                     .byzantine = 1,
                     .adversaries = {adversary},
                     .max_loss = 0.1,
                     .max_delay_ms = 200,
                     .crashes = true});
  }
  return mixes;
}

ReplicaMix forgetful_replica_mix() {
  return {.name = "replica-forgetful-n4",
          .max_delay_ms = 100,
          .cluster_crashes = true,
          .forget_held_blocks = true,
          .expects_violation = true};
}

std::optional<ReplicaMix> find_replica_mix(std::string_view name) {
  std::vector<ReplicaMix> all = standard_replica_mixes();
  all.push_back(forgetful_replica_mix());
  for (ReplicaMix& m : all) {
    if (m.name == name) return std::move(m);
  }
  return std::nullopt;
}

}  // namespace tracechain::sim
