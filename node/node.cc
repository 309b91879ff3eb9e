#include "node/node.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <thread>

#include "consensus/engine.h"
#include "node/log.h"
#include "node/mempool.h"
#include "node/p2p.h"
#include "node/signing_store.h"

namespace tracechain::node {

namespace asio = boost::asio;

namespace {

// How far ahead of our clock a proposed block's time may be.
constexpr std::uint64_t kMaxClockAheadMs = 30'000;
// Blocks asked for in one sync request.
constexpr std::uint32_t kSyncBatch = 32;
// A sync request without an answer is given up after this long.
constexpr std::uint64_t kSyncTimeoutMs = 5'000;
// Re-send our own consensus messages this often while a height is open.
constexpr std::uint64_t kGossipIntervalMs = 1'000;
// Candidate blocks kept per height (from distinct proposals and requests).
constexpr std::size_t kMaxPendingBlocks = 64;
// Equivocation evidence kept in memory.
constexpr std::size_t kMaxEvidence = 1'000;
// Submissions accepted for verification but not yet verified.
constexpr std::size_t kMaxAdmissionsWaiting = 20'000;

std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

std::string short_hash(const Digest& hash) { return to_hex(hash).substr(0, 12); }

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

// A block the engine may ask about at the current height.
struct PendingBlock {
  ledger::Block block;
  Bytes encoded;
  std::optional<ledger::Proposal> proposal;  // how it arrived, for serving ProposalRequest
  std::optional<ledger::ExecutedBlock> executed;
  bool invalid = false;
};

}  // namespace

class Node::Impl {
 public:
  Impl(NodeConfig config, ledger::Genesis genesis, crypto::PrivateKey validator_key,
       std::unique_ptr<storage::BlockStore> store, consensus::SigningState signing_state)
      : config_(std::move(config)),
        genesis_(std::move(genesis)),
        store_(std::move(store)),
        signing_store_(config_.data_dir() / "signing_state.bin"),
        mempool_({config_.mempool.max_transactions, config_.mempool.max_bytes}),
        core_(asio::make_strand(io_)),
        verify_threads_(verify_threads(config_)),
        verify_pool_(verify_threads_),
        engine_(engine_config(config_, genesis_), std::move(validator_key),
                 std::move(signing_state)),
        gossip_timer_(core_),
        idle_timer_(core_),
        sync_timer_(core_) {}

  // ------------------------------------------------------------ lifecycle

  Status start() {
    auto tls = make_tls_context(config_);
    if (!tls) return tls.error();
    PeerIdentity identity{genesis_.chain_id, store_->params().genesis_hash, config_.node.id};
    P2pCallbacks callbacks;
    callbacks.accept_peer = [this](const std::string& id) { return accept_peer(id); };
    callbacks.on_message = [this](const std::string& peer, const WireMessage& message,
                                  const Digest& id) { on_message(peer, message, id); };
    callbacks.on_connected = [this](const std::string& peer) {
      asio::post(core_, [this, peer] { on_peer_connected(peer); });
    };
    callbacks.on_disconnected = [this](const std::string& peer) {
      asio::post(core_, [this, peer] { peer_heights_.erase(peer); });
    };
    callbacks.height = [this] { return committed_height_.load(); };
    // The admission snapshot and the validator set (which peers may connect)
    // must exist before the first peer does.
    refresh_state();
    network_ = std::make_unique<PeerNetwork>(io_, *tls, config_, identity, callbacks);
    if (Status s = network_->start(); !s) return s;

    log::info("node", "node {} on chain {} at height {}; listening for peers on {}",
              config_.node.id, genesis_.chain_id, store_->height(),
              network_->listen_endpoint().to_string());
    asio::post(core_, [this] {
      schedule_gossip();
      start_height();
    });
    std::size_t threads = std::max<std::size_t>(2, std::thread::hardware_concurrency());
    for (std::size_t i = 0; i < threads; ++i) {
      threads_.emplace_back([this] { io_.run(); });
    }
    return {};
  }

  void stop() {
    std::call_once(stop_once_, [this] {
      log::info("node", "stopping");
      asio::post(core_, [this] {
        stopping_ = true;
        gossip_timer_.cancel();
        idle_timer_.cancel();
        sync_timer_.cancel();
        for (auto& [key, timer] : timeouts_) timer->cancel();
        if (network_) network_->stop();
        work_.reset();
        // Let queued handlers finish, then end the threads.
        asio::post(io_, [this] { io_.stop(); });
      });
      for (std::thread& thread : threads_) {
        if (thread.joinable() && thread.get_id() != std::this_thread::get_id()) thread.join();
      }
      verify_pool_.join();
      log::info("node", "stopped at height {}", store_->height());
      log::flush();
      std::lock_guard lock(stopped_mutex_);
      stopped_ = true;
      stopped_changed_.notify_all();
    });
  }

  void wait() {
    std::unique_lock lock(stopped_mutex_);
    stopped_changed_.wait(lock, [this] { return stopped_; });
  }

  // ------------------------------------------------------------ admission

  void submit(Bytes encoded, std::function<void(Result<Digest>)> done) {
    std::vector<Bytes> one;
    one.push_back(std::move(encoded));
    submit_batch(std::move(one), [done = std::move(done)](std::vector<Result<Digest>> results) {
      if (done) done(std::move(results.front()));
    });
  }

  // Transactions from an RPC batch or one peer message. Verification is the
  // expensive step: the batch is split into one slice per verification
  // thread (a hand-off per slice, not per transaction), and the last slice
  // to finish queues every checked transaction in order.
  void submit_batch(std::vector<Bytes> encoded,
                    std::function<void(std::vector<Result<Digest>>)> done,
                    const std::string& from_peer = {}) {
    const std::size_t count = encoded.size();
    if (count == 0) {
      if (done) done({});
      return;
    }
    // Bound the work waiting for verification so that a flood of
    // submissions cannot queue without limit: entries beyond the bound are
    // refused, the batch's tail first.
    std::size_t before = admissions_waiting_.fetch_add(count);
    std::size_t taken =
        before >= kMaxAdmissionsWaiting ? 0 : std::min(count, kMaxAdmissionsWaiting - before);
    if (taken < count) admissions_waiting_.fetch_sub(count - taken);
    auto batch = std::make_shared<AdmissionBatch>();
    batch->encoded = std::move(encoded);
    batch->checked.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      batch->checked.emplace_back(Error(ErrorCode::kResourceExhausted,
                                        "node busy verifying " +
                                            std::to_string(kMaxAdmissionsWaiting) +
                                            " transactions, retry"));
    }
    batch->done = std::move(done);
    batch->from_peer = from_peer;
    if (taken == 0) {
      finish_batch(*batch);
      return;
    }
    const std::size_t slices = std::min(taken, verify_threads_);
    const std::size_t per_slice = (taken + slices - 1) / slices;
    batch->slices_left = (taken + per_slice - 1) / per_slice;
    for (std::size_t first = 0; first < taken; first += per_slice) {
      std::size_t last = std::min(taken, first + per_slice);
      asio::post(verify_pool_, [this, batch, first, last] {
        admissions_waiting_.fetch_sub(last - first);
        std::shared_ptr<const ledger::StateView> state;
        std::uint64_t next_height;
        {
          std::lock_guard lock(snapshot_mutex_);
          state = snapshot_;
          next_height = snapshot_height_ + 1;
        }
        for (std::size_t i = first; i < last; ++i) {
          batch->checked[i] =
              mempool_.check(batch->encoded[i], *state, next_height, genesis_.suite, verified_);
        }
        if (batch->slices_left.fetch_sub(1) == 1) finish_batch(*batch);
      });
    }
  }

  NodeStatus status() const {
    NodeStatus s;
    s.node_id = config_.node.id;
    s.chain_id = genesis_.chain_id;
    std::lock_guard lock(status_mutex_);
    s.height = status_.height;
    s.tip_hash = status_.tip_hash;
    s.tip_time_ms = status_.tip_time_ms;
    s.consensus_height = status_.consensus_height;
    s.consensus_round = status_.consensus_round;
    s.best_peer_height = status_.best_peer_height;
    s.syncing = status_.syncing;
    s.validators = status_.validators;
    s.peers = network_ ? network_->connected_peers() : std::vector<std::string>{};
    s.mempool_transactions = mempool_.size();
    s.mempool_bytes = mempool_.bytes();
    return s;
  }

  const storage::BlockStore& store() const { return *store_; }
  const NodeConfig& config() const { return config_; }
  asio::io_context& io() { return io_; }
  void add_commit_listener(std::function<void(const CommitNotice&)> listener) {
    commit_listeners_.push_back(std::move(listener));
  }

 private:
  static std::size_t verify_threads(const NodeConfig& config) {
    if (config.mempool.verify_threads > 0) return config.mempool.verify_threads;
    return std::max(1u, std::thread::hardware_concurrency());
  }

  // One submit_batch call on its way through the verification pool.
  struct AdmissionBatch {
    std::vector<Bytes> encoded;
    std::vector<Result<PooledTransaction>> checked;  // per entry; set by its slice
    std::atomic<std::size_t> slices_left{0};
    std::function<void(std::vector<Result<Digest>>)> done;
    std::string from_peer;
  };

  // Queues a batch's checked transactions in order, relays the admitted
  // ones in as few messages as the frame size allows, wakes the core and
  // answers.
  void finish_batch(AdmissionBatch& batch) {
    std::vector<Result<Digest>> results;
    results.reserve(batch.checked.size());
    TransactionsMessage relay;
    std::size_t relay_bytes = 0;
    auto flush = [&] {
      if (relay.transactions.empty()) return;
      network_->broadcast(relay, PeerNetwork::message_id(relay), batch.from_peer);
      relay.transactions.clear();
      relay_bytes = 0;
    };
    for (std::size_t i = 0; i < batch.checked.size(); ++i) {
      Result<PooledTransaction>& checked = batch.checked[i];
      if (!checked) {
        results.emplace_back(checked.error());
        continue;
      }
      results.push_back(mempool_.insert(std::move(*checked)));
      if (!results.back()) continue;
      // Half a frame leaves room for the framing around the transactions.
      if (relay_bytes + batch.encoded[i].size() > config_.p2p.max_frame_bytes / 2) flush();
      relay_bytes += batch.encoded[i].size();
      relay.transactions.push_back(std::move(batch.encoded[i]));
    }
    if (!relay.transactions.empty()) {
      flush();
      // One wake-up in flight is enough: a wake-up per admission queued
      // thousands behind a slow commit, and each one then started an
      // empty block.
      if (!wake_posted_.exchange(true)) {
        asio::post(core_, [this] {
          wake_posted_ = false;
          on_transaction_waiting();
        });
      }
    }
    if (batch.done) batch.done(std::move(results));
  }

  static consensus::Config engine_config(const NodeConfig& config, const ledger::Genesis& genesis) {
    consensus::Config c;
    c.chain_id = genesis.chain_id;
    c.validator_id = config.node.id;
    const ConsensusSection& s = config.consensus;
    c.timeouts = {s.timeout_propose_ms,   s.timeout_propose_delta_ms, s.timeout_prevote_ms,
                  s.timeout_prevote_delta_ms, s.timeout_precommit_ms, s.timeout_precommit_delta_ms};
    return c;
  }

  bool accept_peer(const std::string& id) {
    for (const std::string& allowed : config_.p2p.allowed_peers) {
      if (allowed == id) return true;
    }
    for (const PeerAddress& peer : config_.p2p.peers) {
      if (peer.node_id == id) return true;
    }
    std::lock_guard lock(status_mutex_);
    return status_.validators.find(id) != nullptr;
  }

  // ---------------------------------------------------------- messages in

  void on_message(const std::string& peer, const WireMessage& message, const Digest& id) {
    if (const auto* txs = std::get_if<TransactionsMessage>(&message)) {
      submit_batch(txs->transactions, nullptr, peer);
      return;
    }
    asio::post(core_, [this, peer, message, id] {
      if (stopping_) return;
      std::visit(Overloaded{
                     [&](const ProposalMessage& m) { on_proposal(peer, m, id); },
                     [&](const VoteMessage& m) { on_vote(peer, m, id); },
                     [&](const StatusMessage& m) { on_status(peer, m); },
                     [&](const BlockRequest& m) { on_block_request(peer, m); },
                     [&](const BlockResponse& m) { on_block_response(peer, m); },
                     [&](const ProposalRequest& m) { on_proposal_request(peer, m); },
                     [&](const auto&) {},
                 },
                 message);
    });
  }

  void on_peer_connected(const std::string& peer) {
    network_->send(peer, StatusMessage{store_->height()});
  }

  void on_proposal(const std::string& peer, const ProposalMessage& m, const Digest& id) {
    std::uint64_t height = m.proposal.height;
    if (height <= store_->height()) return;  // decided already
    if (height > store_->height() + 1) {
      request_sync(peer);
      return;
    }
    auto block = ledger::decode<ledger::Block>(m.block);
    if (!block) {
      log::warn("consensus", "height={} peer={} proposal with an undecodable block: {}", height,
                peer, block.error().message());
      return;
    }
    Digest hash = ledger::header_hash(store_->params().hash_algorithm(), block->header);
    if (hash != m.proposal.block_hash || block->header.height != height) {
      log::warn("consensus", "height={} peer={} proposal names block {} but carries {}", height,
                peer, short_hash(m.proposal.block_hash), short_hash(hash));
      return;
    }
    network_->broadcast(m, id, peer);
    bool fresh = !pending_.count(hash);
    if (fresh && pending_.size() < kMaxPendingBlocks) {
      pending_.emplace(hash, PendingBlock{std::move(*block), m.block, m.proposal, {}, false});
    } else if (!fresh && !pending_[hash].proposal) {
      pending_[hash].proposal = m.proposal;
    }
    if (!engine_.started() || engine_.height() < height) start_height_now();
    feed(consensus::ProposalReceived{m.proposal});
    if (requested_.erase(hash)) validate_and_report(hash);
  }

  void on_vote(const std::string& peer, const VoteMessage& m, const Digest& id) {
    std::uint64_t height = m.vote.height;
    if (height <= store_->height()) return;
    if (height > store_->height() + 1) {
      request_sync(peer);
      return;
    }
    network_->broadcast(m, id, peer);
    if (!engine_.started() || engine_.height() < height) start_height_now();
    feed(consensus::VoteReceived{m.vote});
  }

  void on_proposal_request(const std::string& peer, const ProposalRequest& m) {
    auto it = pending_.find(m.block_hash);
    if (it == pending_.end() || !it->second.proposal) return;
    network_->send(peer, ProposalMessage{*it->second.proposal, it->second.encoded});
  }

  // ------------------------------------------------------------ the engine

  void feed(consensus::Event event) {
    queue_.push_back(std::move(event));
    if (pumping_) return;
    pumping_ = true;
    while (!queue_.empty() && !stopping_) {
      consensus::Event next = std::move(queue_.front());
      queue_.pop_front();
      for (const consensus::Action& action : engine_.on(next)) {
        if (stopping_) break;
        execute(action);
      }
    }
    pumping_ = false;
    update_status();
  }

  void execute(const consensus::Action& action) {
    std::visit(
        Overloaded{
            [&](const consensus::PersistSigningState& a) {
              if (Status s = signing_store_.save(a.state); !s) {
                // Without a durable record we must not send what we signed.
                log::error("consensus", "height={} cannot save the signing state: {}; stopping",
                           engine_.height(), s.error().message());
                fatal();
              }
            },
            [&](const consensus::BroadcastProposal& a) {
              auto it = pending_.find(a.proposal.block_hash);
              if (it == pending_.end()) {
                log::error("consensus", "height={} round={} proposing block {} that is not held",
                           a.proposal.height, a.proposal.round, short_hash(a.proposal.block_hash));
                return;
              }
              it->second.proposal = a.proposal;
              ProposalMessage m{a.proposal, it->second.encoded};
              log::info("consensus", "height={} round={} proposing block {} ({} txs)",
                        a.proposal.height, a.proposal.round, short_hash(a.proposal.block_hash),
                        it->second.block.transactions.size());
              network_->broadcast(m, PeerNetwork::message_id(m));
            },
            [&](const consensus::BroadcastVote& a) {
              VoteMessage m{a.vote};
              log::debug("consensus", "height={} round={} {} for {}", a.vote.height,
                         a.vote.round,
                         a.vote.type == ledger::VoteType::kPrevote ? "prevote" : "precommit",
                         a.vote.block_hash ? short_hash(*a.vote.block_hash) : "nil");
              network_->broadcast(m, PeerNetwork::message_id(m));
            },
            [&](const consensus::ScheduleTimeout& a) { schedule_timeout(a); },
            [&](const consensus::CommitBlock& a) { commit_decided(a); },
            [&](const consensus::RequestBlock& a) {
              if (pending_.count(a.block_hash)) {
                validate_and_report(a.block_hash);
                return;
              }
              requested_.insert(a.block_hash);
              log::info("consensus", "height={} asking peers for block {}", a.height,
                        short_hash(a.block_hash));
              ProposalRequest request{a.height, a.block_hash};
              for (const std::string& peer : network_->connected_peers()) {
                network_->send(peer, request);
              }
            },
            [&](const consensus::ValidateBlock& a) {
              if (pending_.count(a.proposal.block_hash)) {
                validate_and_report(a.proposal.block_hash, a.proposal.proposer);
              } else {
                requested_.insert(a.proposal.block_hash);
              }
            },
            [&](const consensus::GetValue& a) { propose_value(a); },
            [&](const consensus::ReportEvidence& a) {
              log::warn("consensus",
                        "height={} round={} validator {} signed conflicting {}s (evidence kept)",
                        a.evidence.first.height, a.evidence.first.round,
                        a.evidence.first.validator,
                        a.evidence.first.type == ledger::VoteType::kPrevote ? "prevote"
                                                                            : "precommit");
              // Kept for publication; bounded so a faulty validator cannot grow it forever.
              if (evidence_.size() >= kMaxEvidence) evidence_.erase(evidence_.begin());
              evidence_.push_back(a.evidence);
            },
        },
        action);
  }

  void schedule_timeout(const consensus::ScheduleTimeout& a) {
    auto timer = std::make_shared<asio::steady_timer>(core_);
    timer->expires_after(std::chrono::milliseconds(a.duration_ms));
    std::uint64_t key = next_timer_++;
    timeouts_.emplace(key, timer);
    timer->async_wait([this, a, key](boost::system::error_code ec) {
      timeouts_.erase(key);
      if (ec || stopping_) return;
      log::debug("consensus", "height={} round={} {} timeout", a.height, a.round,
                 consensus::step_name(a.step));
      feed(consensus::TimeoutFired{a.height, a.round, a.step});
    });
  }

  // Validates a held block (re-executes it) and tells the engine.
  void validate_and_report(const Digest& hash, const std::string& expected_proposer = {}) {
    PendingBlock& pending = pending_.at(hash);
    bool valid = false;
    if (!pending.executed && !pending.invalid) {
      const ledger::BlockHeader& header = pending.block.header;
      std::string problem;
      if (!expected_proposer.empty() && header.proposer != expected_proposer) {
        problem = "its header names proposer " + header.proposer;
      } else if (header.time_ms > now_ms() + kMaxClockAheadMs) {
        problem = "its time is more than 30 s ahead of this node's clock";
      } else {
        auto executed = ledger::validate_block(store_->state(), store_->tip(), pending.block,
                                               verified_);
        if (executed) {
          pending.executed = std::move(*executed);
        } else {
          problem = executed.error().message();
        }
      }
      if (!problem.empty()) {
        pending.invalid = true;
        log::warn("consensus", "height={} block {} is invalid: {}", header.height,
                  short_hash(hash), problem);
      }
    }
    valid = pending.executed.has_value();
    queue_.push_back(consensus::BlockValidated{pending.block.header.height, hash, valid});
    if (!pumping_) feed_queued();
  }

  void feed_queued() {
    if (queue_.empty()) return;
    consensus::Event first = std::move(queue_.front());
    queue_.pop_front();
    feed(std::move(first));
  }

  void propose_value(const consensus::GetValue& a) {
    auto candidates = mempool_.take_candidates(config_.consensus.max_block_transactions,
                                               config_.consensus.max_block_bytes);
    ledger::ChainTip tip = store_->tip();
    ledger::BlockContext context{a.height, std::max(now_ms(), tip.time_ms), config_.node.id};
    ledger::BlockLimits limits{config_.consensus.max_block_transactions,
                               config_.consensus.max_block_bytes};
    auto built = ledger::build_block(store_->state(), tip, context, candidates, limits, verified_);
    if (!built) {
      log::error("consensus", "height={} round={} cannot build a block: {}", a.height, a.round,
                 built.error().message());
      return;  // the propose timeout moves the round on
    }
    if (!built->dropped.empty()) {
      std::vector<Digest> drop;
      for (const auto& [index, error] : built->dropped) {
        drop.push_back(ledger::transaction_hash(candidates[index]));
        log::info("mempool", "dropping transaction {}: {}",
                  short_hash(drop.back()), error.message());
      }
      mempool_.remove(drop);
    }
    Digest hash = ledger::header_hash(store_->params().hash_algorithm(), built->block.header);
    Bytes encoded = ledger::encode(built->block);
    pending_.insert_or_assign(
        hash, PendingBlock{std::move(built->block), std::move(encoded), std::nullopt,
                           std::move(built->executed), false});
    queue_.push_back(consensus::ValueReady{a.height, a.round, hash});
  }

  // ------------------------------------------------------------- commits

  void commit_decided(const consensus::CommitBlock& a) {
    auto it = pending_.find(a.block_hash);
    if (it == pending_.end() || !it->second.executed) {
      // Decided without the block here (possible after a restart): sync
      // fetches it with its certificate.
      log::warn("consensus", "height={} decided block {} is not held; syncing", a.height,
                short_hash(a.block_hash));
      request_sync_any();
      return;
    }
    commit(it->second.block, a.certificate, *it->second.executed, "consensus");
  }

  bool commit(const ledger::Block& block, const ledger::CommitCertificate& certificate,
              const ledger::ExecutedBlock& executed, const char* how) {
    if (Status s = store_->commit(block, certificate, executed); !s) {
      log::error("storage", "height={} cannot commit: {}; stopping", block.header.height,
                 s.error().message());
      fatal();
      return false;
    }
    mempool_.remove(executed.tx_hashes);
    std::size_t failed = 0;
    for (const ledger::Receipt& r : executed.receipts) failed += !r.ok();
    log::info("consensus", "height={} round={} committed block {} ({} txs, {} failed) via {}",
              block.header.height, certificate.round,
              short_hash(certificate.block_hash), block.transactions.size(), failed, how);
    if (executed.next_validators) {
      log::info("consensus", "height={} validator set changes from height {}: {} validators",
                block.header.height, block.header.height + 1,
                executed.next_validators->validators.size());
    }
    if (!commit_listeners_.empty()) {
      CommitNotice notice;
      notice.header = block.header;
      notice.block_hash = certificate.block_hash;
      notice.tx_hashes = executed.tx_hashes;
      for (const ledger::Transaction& tx : block.transactions) {
        notice.tx_kinds.push_back(tx.kind);
        notice.tx_senders.push_back(tx.sender);
      }
      notice.receipts = executed.receipts;
      notice.how = how;
      for (const auto& listener : commit_listeners_) listener(notice);
    }
    pending_.clear();
    requested_.clear();
    refresh_after_commit();
    network_->broadcast(StatusMessage{store_->height()},
                        PeerNetwork::message_id(StatusMessage{store_->height()}));
    return true;
  }

  // After a commit: the admission snapshot and status, then the next height.
  void refresh_after_commit() {
    refresh_state();
    if (stopping_) return;
    if (!engine_.started() || engine_.height() <= store_->height()) start_height();
  }

  void refresh_state() {
    committed_height_ = store_->height();
    auto snapshot = store_->snapshot();
    if (snapshot) {
      std::lock_guard lock(snapshot_mutex_);
      snapshot_height_ = (*snapshot)->height();
      // Admission reads the parameters, policy and sender of every
      // transaction from it: each once per commit.
      snapshot_ = std::make_shared<const ledger::MemoizedView>(
          std::shared_ptr<const ledger::StateView>(std::move(*snapshot)));
    } else {
      log::error("storage", "cannot take a state snapshot: {}", snapshot.error().message());
    }
    auto validators = store_->validators();
    std::lock_guard lock(status_mutex_);
    status_.height = store_->height();
    status_.tip_hash = store_->tip().header_hash;
    status_.tip_time_ms = store_->tip().time_ms;
    if (validators) status_.validators = *validators;
  }

  // Starts the next height now if there is work, otherwise when the idle
  // interval passes, a transaction arrives or a peer moves on.
  void start_height() {
    if (stopping_) return;
    if (mempool_.size() > 0 || config_.consensus.idle_block_interval_ms == 0) {
      start_height_now();
      return;
    }
    waiting_for_work_ = true;
    idle_timer_.expires_after(std::chrono::milliseconds(config_.consensus.idle_block_interval_ms));
    idle_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec && waiting_for_work_) start_height_now();
    });
  }

  void start_height_now() {
    std::uint64_t height = store_->height() + 1;
    if (engine_.started() && engine_.height() >= height) return;
    waiting_for_work_ = false;
    idle_timer_.cancel();
    auto validators = store_->validators();
    if (!validators) {
      log::error("consensus", "height={} no validator set: {}", height,
                 validators.error().message());
      return;
    }
    log::debug("consensus", "height={} round=0 starting", height);
    feed(consensus::StartHeight{height, *validators});
  }

  void on_transaction_waiting() {
    if (waiting_for_work_ && mempool_.size() > 0) start_height_now();
  }

  void schedule_gossip() {
    gossip_timer_.expires_after(std::chrono::milliseconds(kGossipIntervalMs));
    gossip_timer_.async_wait([this](boost::system::error_code ec) {
      if (ec || stopping_) return;
      if (engine_.started() && engine_.height() > store_->height()) {
        // Peers that connected or reconnected since get our messages; the
        // others already have them (the per-peer known sets skip them).
        for (const consensus::Message& m : engine_.gossip()) {
          std::visit(Overloaded{
                         [&](const ledger::Proposal& p) {
                           auto it = pending_.find(p.block_hash);
                           if (it == pending_.end()) return;
                           ProposalMessage message{p, it->second.encoded};
                           network_->broadcast(message, PeerNetwork::message_id(message));
                         },
                         [&](const ledger::Vote& v) {
                           VoteMessage message{v};
                           network_->broadcast(message, PeerNetwork::message_id(message));
                         },
                     },
                     m);
        }
      }
      schedule_gossip();
    });
  }

  // ----------------------------------------------------------- block sync

  void on_status(const std::string& peer, const StatusMessage& m) {
    peer_heights_[peer] = m.height;
    update_status();
    if (m.height > store_->height()) request_sync(peer);
  }

  void request_sync_any() {
    for (const auto& [peer, height] : peer_heights_) {
      if (height > store_->height()) {
        request_sync(peer);
        return;
      }
    }
  }

  void request_sync(const std::string& peer) {
    std::uint64_t now = now_ms();
    if (sync_peer_ && now < sync_deadline_ms_) return;  // one request at a time
    sync_peer_ = peer;
    sync_deadline_ms_ = now + kSyncTimeoutMs;
    log::info("sync", "height={} asking {} for blocks from {}", store_->height(), peer,
              store_->height() + 1);
    network_->send(peer, BlockRequest{store_->height() + 1, kSyncBatch});
    sync_timer_.expires_after(std::chrono::milliseconds(kSyncTimeoutMs));
    sync_timer_.async_wait([this](boost::system::error_code ec) {
      if (ec || stopping_) return;
      sync_peer_.reset();
      request_sync_any();
    });
  }

  void on_block_request(const std::string& peer, const BlockRequest& m) {
    BlockResponse response;
    response.peer_height = store_->height();
    std::size_t bytes = 0;
    for (std::uint64_t h = m.from_height;
         h <= store_->height() && h < m.from_height + m.max_blocks; ++h) {
      auto block = store_->block(h);
      auto certificate = store_->certificate(h);
      if (!block || !certificate) break;
      Bytes encoded = ledger::encode(*block);
      bytes += encoded.size();
      if (!response.blocks.empty() && bytes > config_.p2p.max_frame_bytes / 2) break;
      response.blocks.push_back({std::move(encoded), std::move(*certificate)});
    }
    network_->send(peer, response);
  }

  void on_block_response(const std::string& peer, const BlockResponse& m) {
    peer_heights_[peer] = std::max(peer_heights_[peer], m.peer_height);
    if (sync_peer_ == peer) sync_peer_.reset();
    std::size_t committed = 0;
    for (const CommittedBlock& entry : m.blocks) {
      auto block = ledger::decode<ledger::Block>(entry.block);
      if (!block) {
        log::warn("sync", "peer={} sent an undecodable block: {}", peer, block.error().message());
        return;
      }
      std::uint64_t height = block->header.height;
      if (height <= store_->height()) continue;
      if (height != store_->height() + 1) break;
      if (Status s = check_synced_block(*block, entry.certificate); !s) {
        log::warn("sync", "height={} peer={} block refused: {}", height, peer,
                  s.error().message());
        return;
      }
      auto executed = ledger::validate_block(store_->state(), store_->tip(), *block, verified_);
      if (!executed) {
        log::warn("sync", "height={} peer={} block does not re-execute: {}", height, peer,
                  executed.error().message());
        return;
      }
      if (!commit(*block, entry.certificate, *executed, "sync")) return;
      ++committed;
    }
    if (committed > 0 && engine_.started() && engine_.height() <= store_->height()) {
      start_height_now();
    }
    if (m.peer_height > store_->height()) request_sync(peer);
    update_status();
  }

  Status check_synced_block(const ledger::Block& block,
                            const ledger::CommitCertificate& certificate) {
    const ledger::BlockHeader& header = block.header;
    Digest hash = ledger::header_hash(store_->params().hash_algorithm(), header);
    if (certificate.height != header.height || certificate.block_hash != hash) {
      return Error(ErrorCode::kVerificationFailed, "the certificate is for another block");
    }
    auto validators = store_->validators_at(header.height);
    if (!validators) return validators.error();
    return ledger::verify_certificate(genesis_.chain_id, *validators, certificate);
  }

  // --------------------------------------------------------------- misc

  void update_status() {
    std::uint64_t best = 0;
    for (const auto& [peer, height] : peer_heights_) best = std::max(best, height);
    std::lock_guard lock(status_mutex_);
    status_.consensus_height = engine_.started() ? engine_.height() : 0;
    status_.consensus_round = engine_.started() ? engine_.round() : 0;
    status_.best_peer_height = best;
    status_.syncing = best > store_->height() + 1;
  }

  void fatal() {
    std::thread([this] { stop(); }).detach();
  }

  NodeConfig config_;
  ledger::Genesis genesis_;
  std::unique_ptr<storage::BlockStore> store_;
  FileSigningStateStore signing_store_;
  VerifiedSignatures verified_;
  Mempool mempool_;

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  asio::strand<asio::io_context::executor_type> core_;
  std::size_t verify_threads_;
  asio::thread_pool verify_pool_;
  std::vector<std::thread> threads_;
  std::unique_ptr<PeerNetwork> network_;

  // Owned by the core strand.
  consensus::Engine engine_;
  std::deque<consensus::Event> queue_;
  bool pumping_ = false;
  bool stopping_ = false;
  bool waiting_for_work_ = false;
  std::map<Digest, PendingBlock> pending_;
  std::set<Digest> requested_;
  std::map<std::uint64_t, std::shared_ptr<asio::steady_timer>> timeouts_;
  std::uint64_t next_timer_ = 0;
  asio::steady_timer gossip_timer_;
  asio::steady_timer idle_timer_;
  asio::steady_timer sync_timer_;
  std::map<std::string, std::uint64_t> peer_heights_;
  std::optional<std::string> sync_peer_;
  std::uint64_t sync_deadline_ms_ = 0;
  std::vector<consensus::Evidence> evidence_;
  std::vector<std::function<void(const CommitNotice&)>> commit_listeners_;

  std::atomic<std::uint64_t> committed_height_{0};
  std::atomic<std::size_t> admissions_waiting_{0};
  std::atomic<bool> wake_posted_{false};
  mutable std::mutex snapshot_mutex_;
  std::shared_ptr<const ledger::StateView> snapshot_;
  std::uint64_t snapshot_height_ = 0;
  mutable std::mutex status_mutex_;
  NodeStatus status_;

  std::once_flag stop_once_;
  std::mutex stopped_mutex_;
  std::condition_variable stopped_changed_;
  bool stopped_ = false;
};

// --------------------------------------------------------------------- Node

Result<std::unique_ptr<Node>> Node::open(const NodeConfig& config) {
  auto genesis = ledger::load_genesis(config.genesis_file());
  if (!genesis) return genesis.error();
  Result<crypto::PrivateKey> key = Error(ErrorCode::kNotFound, "no key");
  if (config.node.validator) {
    key = crypto::PrivateKey::load(config.node_key_file());
    if (!key) return key.error();
    if (key->suite() != genesis->suite) {
      return Error(ErrorCode::kInvalidInput,
                   "validator key '" + config.node_key_file().string() + "' is " +
                       std::string(crypto::suite_name(key->suite())) + " but the chain uses " +
                       std::string(crypto::suite_name(genesis->suite)));
    }
  } else {
    // A node that never signs still runs the engine to follow consensus; it
    // gets a throwaway key that no validator set contains.
    key = crypto::PrivateKey::generate(genesis->suite);
    if (!key) return key.error();
  }
  storage::StoreOptions options;
  storage::RocksDbOptions rocksdb;
  rocksdb.block_cache_bytes = config.storage.cache_mb * 1024 * 1024;
  auto store = storage::open_rocksdb_block_store(config.data_dir(), *genesis, options, rocksdb);
  if (!store) return store.error();
  FileSigningStateStore signing(config.data_dir() / "signing_state.bin");
  auto signing_state = signing.load();
  if (!signing_state) return signing_state.error();
  auto impl = std::make_unique<Impl>(config, std::move(*genesis), std::move(*key),
                                     std::move(*store), std::move(*signing_state));
  return std::unique_ptr<Node>(new Node(std::move(impl)));
}

Node::Node(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Node::~Node() { impl_->stop(); }
Status Node::start() { return impl_->start(); }
void Node::stop() { impl_->stop(); }
void Node::wait() { impl_->wait(); }
void Node::submit(Bytes encoded, std::function<void(Result<Digest>)> done) {
  impl_->submit(std::move(encoded), std::move(done));
}
void Node::submit_batch(std::vector<Bytes> encoded,
                        std::function<void(std::vector<Result<Digest>>)> done) {
  impl_->submit_batch(std::move(encoded), std::move(done));
}
NodeStatus Node::status() const { return impl_->status(); }
void Node::add_commit_listener(std::function<void(const CommitNotice&)> listener) {
  impl_->add_commit_listener(std::move(listener));
}
boost::asio::io_context& Node::io_context() { return impl_->io(); }
const storage::BlockStore& Node::store() const { return impl_->store(); }
const NodeConfig& Node::config() const { return impl_->config(); }

}  // namespace tracechain::node
