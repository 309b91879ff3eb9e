#include "node/node.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <utility>

#include "ledger/checkpoint.h"
#include "node/admission.h"
#include "node/log.h"
#include "node/mempool.h"
#include "node/p2p.h"
#include "node/read_log.h"
#include "node/replica.h"
#include "node/signing_store.h"

namespace tracechain::node {

namespace asio = boost::asio;

namespace {

class SystemClock final : public Clock {
 public:
  std::uint64_t now_ms() const override {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now().time_since_epoch())
            .count());
  }
};

ReplicaConfig replica_config(const NodeConfig& config, const ledger::Genesis& genesis) {
  ReplicaConfig c;
  c.node_id = config.node.id;
  c.chain_id = genesis.chain_id;
  const ConsensusSection& s = config.consensus;
  c.timeouts = {s.timeout_propose_ms,   s.timeout_propose_delta_ms, s.timeout_prevote_ms,
                s.timeout_prevote_delta_ms, s.timeout_precommit_ms, s.timeout_precommit_delta_ms};
  c.idle_block_interval_ms = s.idle_block_interval_ms;
  c.max_block_transactions = s.max_block_transactions;
  c.max_block_bytes = s.max_block_bytes;
  c.max_frame_bytes = config.p2p.max_frame_bytes;
  return c;
}

}  // namespace

class Node::Impl final : public ReplicaEffects {
 public:
  Impl(NodeConfig config, ledger::Genesis genesis, crypto::PrivateKey validator_key,
       std::unique_ptr<storage::BlockStore> store, consensus::SigningState signing_state,
       std::unique_ptr<ReadLog> read_log, std::optional<crypto::PrivateKey> read_log_key)
      : config_(std::move(config)),
        genesis_(std::move(genesis)),
        store_(std::move(store)),
        signing_store_(config_.data_dir() / "signing_state.bin"),
        held_store_(config_.data_dir() / "held_blocks.bin"),
        cosignatures_(config_.data_dir() / "cosignatures.json"),
        read_log_(std::move(read_log)),
        read_log_key_(std::move(read_log_key)),
        mempool_({config_.mempool.max_transactions, config_.mempool.max_bytes}),
        core_(asio::make_strand(io_)),
        admission_(mempool_, verified_, genesis_.suite, config_.p2p.max_frame_bytes,
                   verify_threads(config_), admission_hooks()),
        replica_(replica_config(config_, genesis_), validator_key,
                 std::move(signing_state), *store_, mempool_, verified_, signing_store_,
                 held_store_, clock_, *this) {
    if (config_.node.validator) checkpoint_key_ = std::move(validator_key);
  }

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
      asio::post(core_, [this, peer] {
        if (stopping_) return;
        replica_.on_peer_connected(peer);
      });
    };
    callbacks.on_disconnected = [this](const std::string& peer) {
      asio::post(core_, [this, peer] {
        if (stopping_) return;
        replica_.on_peer_disconnected(peer);
        update_status();
      });
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
      if (stopping_) return;
      replica_.start();
      update_status();
      if (heartbeat_) beat();
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
        replica_.stop();
        for (auto& [key, timer] : timers_) timer->cancel();
        heartbeat_timer_.cancel();
        if (network_) network_->stop();
        work_.reset();
        // Let queued handlers finish, then end the threads.
        asio::post(io_, [this] { io_.stop(); });
      });
      for (std::thread& thread : threads_) {
        if (thread.joinable() && thread.get_id() != std::this_thread::get_id()) thread.join();
      }
      admission_.join();
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

  std::optional<std::string> failure() const {
    std::lock_guard lock(stopped_mutex_);
    return failure_;
  }

  // ------------------------------------------------------------ admission

  void submit(Bytes encoded, std::function<void(Result<Digest>)> done) {
    std::vector<Bytes> one;
    one.push_back(std::move(encoded));
    submit_batch(std::move(one), [done = std::move(done)](std::vector<Result<Digest>> results) {
      if (done) done(std::move(results.front()));
    });
  }

  void submit_batch(std::vector<Bytes> encoded,
                    std::function<void(std::vector<Result<Digest>>)> done) {
    admission_.submit(std::move(encoded), std::move(done));
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

  Result<ledger::SignedCheckpoint> signed_checkpoint(std::uint64_t height) const {
    if (!checkpoint_key_) {
      return Error(ErrorCode::kUnsupported,
                   "node " + config_.node.id +
                       " is an observer: it has no key of its own to sign checkpoints with "
                       "(ask a validator, or check the certificate served beside the checkpoint)");
    }
    {
      // One signature per height however often it is asked for (GET
      // /checkpoint needs no authentication).
      std::lock_guard lock(checkpoint_mutex_);
      if (last_checkpoint_ && last_checkpoint_->first == height) return last_checkpoint_->second;
    }
    auto header = store_->header(height);
    if (!header) return header.error();
    const std::string text = ledger::checkpoint_text(ledger::checkpoint_of(store_->params(), *header));
    const std::string name = ledger::checkpoint_origin(store_->params());
    auto signature = ledger::sign_note(text, name, *checkpoint_key_);
    if (!signature) return signature.error();
    auto verifier = ledger::format_note_verifier({name, checkpoint_key_->public_key()});
    if (!verifier) return verifier.error();
    ledger::SignedCheckpoint signed_checkpoint{{text, {std::move(*signature)}}, std::move(*verifier)};
    std::lock_guard lock(checkpoint_mutex_);
    last_checkpoint_.emplace(height, signed_checkpoint);
    return signed_checkpoint;
  }
  Result<std::vector<StoredCosignature>> add_cosignatures(std::string_view note) {
    auto added = cosignatures_.add(note, *store_);
    if (!added && added.error().code() == ErrorCode::kConflict) {
      log::error("witness", "a witness cosigned a checkpoint this node's log contradicts: {}",
                 added.error().message());
    }
    return added;
  }
  std::vector<StoredCosignature> cosignatures() const { return cosignatures_.all(); }
  ReadLog& read_log() { return *read_log_; }
  const NodeConfig& config() const { return config_; }
  asio::io_context& io() { return io_; }
  void add_commit_listener(std::function<void(const CommitNotice&)> listener) {
    commit_listeners_.push_back(std::move(listener));
  }
  void set_heartbeat(std::chrono::milliseconds period, std::function<void()> beat) {
    heartbeat_period_ = period;
    heartbeat_ = std::move(beat);
  }

  // ------------------------------------------------ what the replica asks for

  void send(const std::string& peer, const WireMessage& message) override {
    network_->send(peer, message);
  }

  void broadcast(const WireMessage& message, const std::optional<Digest>& id,
                 const std::string& except) override {
    network_->broadcast(message, id ? *id : PeerNetwork::message_id(message), except);
  }

  std::vector<std::string> peers() const override { return network_->connected_peers(); }

  void set_timer(std::uint64_t delay_ms, const ReplicaTimer& timer) override {
    auto steady = std::make_shared<asio::steady_timer>(core_);
    steady->expires_after(std::chrono::milliseconds(delay_ms));
    std::uint64_t key = next_timer_++;
    timers_.emplace(key, steady);
    steady->async_wait([this, timer, key](boost::system::error_code ec) {
      timers_.erase(key);
      if (ec || stopping_) return;
      try {
        replica_.on_timer(timer);
      } catch (const std::exception& e) {
        log::error("node", "a timer's work failed: {}", e.what());
      }
      update_status();
    });
  }

  void committed(const ledger::AdmittedBlock& block, const ledger::CommitCertificate& certificate,
                 const ledger::ExecutedBlock& executed, const char* how) override {
    refresh_state();
    maybe_checkpoint_read_log(block.header.height);
    if (commit_listeners_.empty()) return;
    CommitNotice notice;
    notice.header = block.header;
    notice.block_hash = certificate.block_hash;
    notice.tx_hashes = executed.tx_hashes;
    for (const ledger::AdmittedTxPtr& tx : block.transactions) {
      notice.tx_kinds.push_back(tx->tx.kind);
      notice.tx_senders.push_back(tx->tx.sender);
    }
    notice.receipts = executed.receipts;
    notice.how = how;
    for (const auto& listener : commit_listeners_) listener(notice);
  }

  // ------------------------------------------------------------- read log

  // On the core strand after a commit: at most once per interval, has an
  // I/O thread commit the read log's checkpoint if it grew.
  void maybe_checkpoint_read_log(std::uint64_t height) {
    if (!read_log_key_ || stopping_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now < read_log_next_attempt_ || read_log_busy_.exchange(true)) return;
    read_log_next_attempt_ =
        now + std::chrono::milliseconds(config_.read_log.checkpoint_interval_ms);
    asio::post(io_, [this, height] { checkpoint_read_log(height); });
  }

  // Builds, signs and submits the next access.checkpoint: synced log, proof
  // from the checkpoint on chain. One at a time: while one is on its way
  // (not committed, not expired) no other is sent, since a second built
  // from the same checkpoint on chain would fail.
  void checkpoint_read_log(std::uint64_t height) {
    const std::string& participant = config_.read_log.participant;
    auto done = [this] { read_log_busy_ = false; };
    auto snapshot = store_->snapshot();
    if (!snapshot) {
      log::error("read-log", "cannot read the state: {}", snapshot.error().message());
      return done();
    }
    auto on_chain = read_log_checkpoint(**snapshot, participant);
    if (!on_chain) {
      log::error("read-log", "cannot read the checkpoint on chain: {}", on_chain.error().message());
      return done();
    }
    const std::uint64_t committed = *on_chain ? (*on_chain)->size : 0;
    if (committed < read_log_sent_size_ && height <= read_log_sent_expiry_) return done();
    auto payload = read_log_->checkpoint_payload(**snapshot, participant);
    if (!payload) {
      log::error("read-log", "cannot build a checkpoint: {}", payload.error().message());
      return done();
    }
    if (!*payload) return done();
    ledger::Transaction tx;
    tx.chain_id = genesis_.chain_id;
    tx.sender = participant;
    tx.kind = ledger::TxKind::kAccessCheckpoint;
    tx.payload = ledger::encode(**payload);
    tx.nonce = read_log_nonces_();
    // Valid for a while, but never longer than the policy allows.
    auto policy = ledger::read_policy(**snapshot);
    if (!policy) {
      log::error("read-log", "cannot read the policy: {}", policy.error().message());
      return done();
    }
    tx.expiry_height =
        height + 1 + std::min(kReadLogCheckpointLifetime - 1, policy->max_transaction_lifetime);
    ledger::sign(tx, *read_log_key_);
    const std::uint64_t size = (*payload)->size;
    read_log_sent_size_ = size;
    read_log_sent_expiry_ = tx.expiry_height;
    submit(ledger::encode(tx), [this, size, done](Result<Digest> hash) {
      if (hash) {
        log::info("read-log", "checkpoint of {} entries submitted as {}", size, to_hex(*hash));
      } else {
        log::warn("read-log", "checkpoint of {} entries refused: {}", size,
                  hash.error().message());
        read_log_sent_size_ = 0;
      }
      done();
    });
  }

  void fatal(const std::string& reason) override {
    log::error("node", "{}; stopping", reason);
    {
      std::lock_guard lock(stopped_mutex_);
      if (!failure_) failure_ = reason;
    }
    std::thread([this] { stop(); }).detach();
  }

 private:
  Admission::Hooks admission_hooks() {
    Admission::Hooks hooks;
    hooks.relay = [this](const std::vector<std::shared_ptr<const Bytes>>& transactions,
                         const std::string& except) {
      // The one copy of the bytes: into the frame the connections send.
      network_->broadcast_frame(
          std::make_shared<const Bytes>(encode_transactions_frame(transactions)), except);
    };
    hooks.waiting = [this] {
      // One wake-up in flight is enough: a wake-up per admission queued
      // thousands behind a slow commit, and each one then started an empty
      // block.
      if (wake_posted_.exchange(true)) return;
      asio::post(core_, [this] {
        wake_posted_ = false;
        if (stopping_) return;
        replica_.on_transaction_waiting();
        update_status();
      });
    };
    return hooks;
  }

  static std::size_t verify_threads(const NodeConfig& config) {
    if (config.mempool.verify_threads > 0) return config.mempool.verify_threads;
    return std::max(1u, std::thread::hardware_concurrency());
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

  void on_message(const std::string& peer, const WireMessage& message, const Digest& id) {
    if (const auto* txs = std::get_if<TransactionsMessage>(&message)) {
      admission_.submit(txs->transactions, nullptr, peer);
      return;
    }
    asio::post(core_, [this, peer, message, id] {
      if (stopping_) return;
      // Nothing a peer sent may end the node: the replica refuses bad input
      // with a value, and anything thrown all the same is logged here.
      try {
        replica_.on_message(peer, message, id);
      } catch (const std::exception& e) {
        log::error("node", {.peer = peer}, "peer={} message {} failed: {}", peer,
                   message_type_name(message_type(message)), e.what());
      }
      update_status();
    });
  }

  // On the core strand, so that the beats stop when the core is stuck.
  void beat() {
    if (stopping_ || failure()) return;
    heartbeat_();
    heartbeat_timer_.expires_after(heartbeat_period_);
    heartbeat_timer_.async_wait([this](boost::system::error_code ec) {
      if (ec || stopping_) return;
      beat();
    });
  }

  // After a commit: the admission snapshot and the committed status.
  void refresh_state() {
    committed_height_ = store_->height();
    auto snapshot = store_->snapshot();
    if (snapshot) {
      const std::uint64_t height = (*snapshot)->height();
      // Admission reads the parameters, policy and sender of every
      // transaction from it: each once per commit.
      admission_.set_state(std::make_shared<const ledger::MemoizedView>(
                               std::shared_ptr<const ledger::StateView>(std::move(*snapshot))),
                           height);
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

  void update_status() {
    ReplicaStatus r = replica_.status();
    std::lock_guard lock(status_mutex_);
    status_.consensus_height = r.consensus_height;
    status_.consensus_round = r.consensus_round;
    status_.best_peer_height = r.best_peer_height;
    status_.syncing = r.syncing;
  }

  NodeConfig config_;
  // The validator's key, which also signs checkpoints of committed headers;
  // none on an observer (its engine's key is thrown away at exit).
  std::optional<crypto::PrivateKey> checkpoint_key_;
  // The last checkpoint signed, by height; guarded by checkpoint_mutex_.
  mutable std::mutex checkpoint_mutex_;
  mutable std::optional<std::pair<std::uint64_t, ledger::SignedCheckpoint>> last_checkpoint_;
  ledger::Genesis genesis_;
  std::unique_ptr<storage::BlockStore> store_;
  FileSigningStateStore signing_store_;
  FileHeldBlockStore held_store_;
  CosignatureStore cosignatures_;
  std::unique_ptr<ReadLog> read_log_;
  std::optional<crypto::PrivateKey> read_log_key_;  // none: the log is not committed
  // Heights a submitted read-log checkpoint stays valid for (at most; the
  // policy's max_transaction_lifetime may allow fewer).
  static constexpr std::uint64_t kReadLogCheckpointLifetime = 100;
  std::chrono::steady_clock::time_point read_log_next_attempt_{};  // core strand
  std::atomic<bool> read_log_busy_{false};
  // The checkpoint last sent (only while read_log_busy_ is held).
  std::uint64_t read_log_sent_size_ = 0;
  std::uint64_t read_log_sent_expiry_ = 0;
  std::independent_bits_engine<std::mt19937_64, 64, std::uint64_t> read_log_nonces_{
      std::random_device{}()};
  SystemClock clock_;
  ledger::VerifiedSignatures verified_;
  Mempool mempool_;

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  asio::strand<asio::io_context::executor_type> core_;
  std::vector<std::thread> threads_;
  std::unique_ptr<PeerNetwork> network_;
  Admission admission_;

  // Owned by the core strand.
  Replica replica_;
  bool stopping_ = false;
  std::map<std::uint64_t, std::shared_ptr<asio::steady_timer>> timers_;
  std::uint64_t next_timer_ = 0;
  std::vector<std::function<void(const CommitNotice&)>> commit_listeners_;
  std::function<void()> heartbeat_;
  std::chrono::milliseconds heartbeat_period_{0};
  asio::steady_timer heartbeat_timer_{core_};

  std::atomic<std::uint64_t> committed_height_{0};
  std::atomic<bool> wake_posted_{false};
  mutable std::mutex status_mutex_;
  NodeStatus status_;

  std::once_flag stop_once_;
  mutable std::mutex stopped_mutex_;
  std::condition_variable stopped_changed_;
  bool stopped_ = false;
  std::optional<std::string> failure_;
};

// --------------------------------------------------------------------- Node

namespace {

// A validator's consensus key must be the one the validator set holds for
// its id (a participant's key or the TLS key would sign votes nobody
// counts). A node not (yet) in the set follows until governance adds it.
Status check_validator_key(const NodeConfig& config, const storage::BlockStore& store,
                           const crypto::PrivateKey& key) {
  auto validators = store.validators();
  if (!validators) return validators.error();
  const Bytes mine = key.public_key().bytes();
  const ledger::Validator* entry = validators->find(config.node.id);
  if (!entry) {
    log::warn("node", "'{}' is not a validator at height {}; it follows the chain and signs once "
              "governance adds it with public key {}", config.node.id, store.height(),
              to_hex(mine));
    return {};
  }
  if (entry->public_key == mine) return {};
  return Error(ErrorCode::kInvalidInput,
               "validator key '" + config.node_key_file().string() + "' is not the key of validator '" +
                   config.node.id + "': the validator set at height " +
                   std::to_string(store.height()) + " expects public key " +
                   to_hex(entry->public_key) + ", this file holds " + to_hex(mine) +
                   ". Put the validator's own consensus key there, or start as an observer "
                   "(--set node.validator=false)");
}

}  // namespace

namespace {

// The read log in data/read-log, checked against this node's latest
// checkpoint on chain.
Result<std::unique_ptr<ReadLog>> open_read_log(const NodeConfig& config,
                                               const storage::BlockStore& store) {
  auto log = ReadLog::open(config.read_log_dir(), store.params().hash_algorithm(),
                           {config.node.id, config.read_log.participant});
  if (!log) return log.error();
  if (!config.read_log.participant.empty()) {
    auto state = store.snapshot();
    if (!state) return state.error();
    if (Status s = (*log)->check_against(**state, config.read_log.participant); !s) {
      return s.error().with_context("read log '" + config.read_log_dir().string() + "'");
    }
  }
  log::info("read-log", "read log holds {} entries{}", (*log)->size(),
            config.read_log.participant.empty()
                ? "; read_log.participant is not set, so it is not committed on chain"
                : "; committed on chain by '" + config.read_log.participant + "'");
  return log;
}

// The key that signs the read log's checkpoints: the participant's current
// key, when the participant is on chain already.
Result<std::optional<crypto::PrivateKey>> read_log_key_of(const NodeConfig& config,
                                                          const storage::BlockStore& store) {
  if (config.read_log.participant.empty()) return std::optional<crypto::PrivateKey>();
  auto key = crypto::PrivateKey::load(config.read_log_key_file());
  if (!key) {
    return key.error().with_context("read_log.participant is '" + config.read_log.participant +
                                     "', whose key");
  }
  auto state = store.snapshot();
  if (!state) return state.error();
  auto participant = ledger::find_participant(**state, config.read_log.participant);
  if (!participant) {
    if (participant.error().code() != ErrorCode::kNotFound) return participant.error();
    log::warn("read-log", "participant '{}' is not on chain yet: its checkpoints will be "
              "refused until it is admitted with the node role", config.read_log.participant);
  } else if (participant->current_key() != key->public_key().bytes()) {
    return Error(ErrorCode::kInvalidInput,
                 "'" + config.read_log_key_file().string() + "' is not the current key of '" +
                     config.read_log.participant + "'");
  } else if (!ledger::has_role(participant->roles, ledger::Role::kNode)) {
    log::warn("read-log", "participant '{}' does not hold the node role: its checkpoints will be "
              "refused", config.read_log.participant);
  }
  return std::optional(std::move(*key));
}

}  // namespace

Result<std::unique_ptr<Node>> Node::open(const NodeConfig& config,
                                         std::function<void(const std::string&)> progress) {
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
  // A data directory others can read (made before homes were created
  // owner-only) is tightened: it holds every trade.
  if (std::error_code ec; std::filesystem::exists(config.data_dir(), ec)) {
    auto perms = std::filesystem::status(config.data_dir(), ec).permissions();
    using P = std::filesystem::perms;
    if (!ec && (perms & (P::group_all | P::others_all)) != P::none) {
      std::filesystem::permissions(config.data_dir(), P::owner_all, ec);
      log::warn("node", "data directory '{}' was open to {}; set to 0700{}",
                config.data_dir().string(),
                (perms & P::others_all) != P::none ? "others" : "its group",
                ec ? " failed: " + ec.message() : "");
    }
  }
  storage::StoreOptions options;
  options.progress = [&progress](const std::string& what) {
    log::info("store", "{}", what);
    if (progress) progress(what);
  };
  storage::RocksDbOptions rocksdb;
  rocksdb.block_cache_bytes = config.storage.cache_mb * 1024 * 1024;
  auto store = storage::open_rocksdb_block_store(config.data_dir(), *genesis, options, rocksdb);
  if (!store) return store.error();
  if (config.node.validator) {
    if (Status s = check_validator_key(config, **store, *key); !s) return s.error();
  }
  const std::filesystem::path signing_file = config.data_dir() / "signing_state.bin";
  FileSigningStateStore signing(signing_file);
  if (config.node.validator && !std::filesystem::exists(signing_file)) {
    if ((*store)->height() > 0 && !config.node.allow_missing_signing_state) {
      return Error(ErrorCode::kInvalidInput,
                   "signing state '" + signing_file.string() + "' is missing, but the store is at height " +
                       std::to_string((*store)->height()) +
                       ": this validator may have signed votes it no longer remembers, and "
                       "signing again could sign twice. Put back the signing_state.bin and "
                       "held_blocks.bin this validator last had, or start it as an observer "
                       "(--set node.validator=false), or, once the chain is past every height "
                       "it may have signed at, with --set node.allow_missing_signing_state=true");
    }
    if ((*store)->height() > 0) {
      log::warn("node", "signing state '{}' is missing at height {}; signing without it as "
                "node.allow_missing_signing_state allows", signing_file.string(),
                (*store)->height());
    }
    // From the first start on, the file exists: its absence later means it was lost.
    if (Status s = signing.save(consensus::SigningState{}); !s) return s.error();
  }
  auto signing_state = signing.load();
  if (!signing_state) return signing_state.error();
  auto read_log = open_read_log(config, **store);
  if (!read_log) return read_log.error();
  auto read_log_key = read_log_key_of(config, **store);
  if (!read_log_key) return read_log_key.error();
  auto impl = std::make_unique<Impl>(config, std::move(*genesis), std::move(*key),
                                     std::move(*store), std::move(*signing_state),
                                     std::move(*read_log), std::move(*read_log_key));
  return std::unique_ptr<Node>(new Node(std::move(impl)));
}

Node::Node(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Node::~Node() { impl_->stop(); }
Status Node::start() { return impl_->start(); }
void Node::stop() { impl_->stop(); }
void Node::wait() { impl_->wait(); }
std::optional<std::string> Node::failure() const { return impl_->failure(); }
void Node::set_heartbeat(std::chrono::milliseconds period, std::function<void()> beat) {
  impl_->set_heartbeat(period, std::move(beat));
}
void Node::submit(Bytes encoded, std::function<void(Result<Digest>)> done) {
  impl_->submit(std::move(encoded), std::move(done));
}
void Node::submit_batch(std::vector<Bytes> encoded,
                        std::function<void(std::vector<Result<Digest>>)> done) {
  impl_->submit_batch(std::move(encoded), std::move(done));
}
NodeStatus Node::status() const { return impl_->status(); }
Result<ledger::SignedCheckpoint> Node::signed_checkpoint(std::uint64_t height) const {
  return impl_->signed_checkpoint(height);
}
Result<std::vector<StoredCosignature>> Node::add_cosignatures(std::string_view note) {
  return impl_->add_cosignatures(note);
}
ReadLog& Node::read_log() { return impl_->read_log(); }
std::vector<StoredCosignature> Node::cosignatures() const { return impl_->cosignatures(); }
void Node::add_commit_listener(std::function<void(const CommitNotice&)> listener) {
  impl_->add_commit_listener(std::move(listener));
}
boost::asio::io_context& Node::io_context() { return impl_->io(); }
const storage::BlockStore& Node::store() const { return impl_->store(); }
const NodeConfig& Node::config() const { return impl_->config(); }

}  // namespace tracechain::node
