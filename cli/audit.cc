// tracectl verify, validator-changes, verify-consistency and audit verify:
// see audit.h and docs/audit.md.
#include "cli/audit.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "cli/progress.h"
#include "crypto/file_util.h"
#include "ledger/follower.h"
#include "ledger/json_fields.h"
#include "ledger/signature_cache.h"
#include "node/config.h"
#include "node/rpc/shapes.h"
#include "storage/block_store.h"
#include "storage/read_only_store.h"
#include "storage/verify.h"

namespace tracechain::cli {

namespace fs = std::filesystem;

namespace {

// A receipt, changes document or proof is small; a changes document of a
// long-lived chain with many changes stays far below this.
constexpr std::size_t kMaxJsonFileBytes = 64 << 20;
constexpr std::uint64_t kVerifyChunk = 32;  // blocks read and matched to keys at a time

// Transaction signatures are the audit's bottleneck: they are checked ahead
// of execution on every core, and execution then skips the ones that verified
// with the very key it looks up (ledger::VerifiedSignatures). A signature that
// failed here, or a key that differs (a rotation inside the range), is
// verified again in order, so the result is exactly the sequential one.
struct SignatureJob {
  const ledger::Transaction* tx = nullptr;
  Digest hash{};
  Bytes key;
  const crypto::PublicKey* public_key = nullptr;  // null: the key does not parse
};

// Parsed keys by their bytes: a chain has few senders and many
// transactions, and parsing a key costs about as much as a verification.
// Filled by one thread while jobs are built; read by the verifiers.
class KeyCache {
 public:
  const crypto::PublicKey* get(crypto::Suite suite, const Bytes& bytes) {
    auto it = keys_.find({suite, bytes});
    if (it == keys_.end()) {
      auto key = crypto::PublicKey::from_bytes(suite, bytes);
      it = keys_.emplace(std::make_pair(suite, bytes),
                         key ? std::optional<crypto::PublicKey>(std::move(*key)) : std::nullopt)
               .first;
    }
    return it->second ? &*it->second : nullptr;
  }

 private:
  std::map<std::pair<crypto::Suite, Bytes>, std::optional<crypto::PublicKey>> keys_;
};

// The hash is left for the verifier threads to compute.
SignatureJob make_job(const ledger::Transaction& tx, Bytes key, KeyCache& keys) {
  const crypto::PublicKey* public_key = keys.get(tx.suite, key);
  return {&tx, Digest{}, std::move(key), public_key};
}

// Verifies `jobs` on threads of its own, from construction until join():
// the caller's thread is free meanwhile (to prepare the next jobs).
class Verifiers {
 public:
  Verifiers(std::vector<SignatureJob>& jobs, unsigned threads, ledger::VerifiedSignatures& verified)
      : jobs_(jobs), verified_(verified) {
    for (unsigned t = 0; t < std::max(1u, threads); ++t) threads_.emplace_back([this] { work(); });
  }
  ~Verifiers() { join(); }
  Verifiers(const Verifiers&) = delete;
  Verifiers& operator=(const Verifiers&) = delete;

  void join() {
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  void work() {
    for (std::size_t i = next_++; i < jobs_.size(); i = next_++) {
      SignatureJob& job = jobs_[i];
      job.hash = ledger::transaction_hash(*job.tx);
      if (job.public_key && ledger::verify_signature(*job.tx, *job.public_key)) {
        verified_.remember(job.hash, job.key);
      }
    }
  }

  std::vector<SignatureJob>& jobs_;
  ledger::VerifiedSignatures& verified_;
  std::atomic<std::size_t> next_{0};
  std::vector<std::thread> threads_;
};

void preverify(std::vector<SignatureJob>& jobs, unsigned threads,
               ledger::VerifiedSignatures& verified) {
  Verifiers(jobs, threads, verified).join();
}

// The key a participant's record says signs for it at `height`, if any.
std::optional<Bytes> key_at(const ledger::Participant& participant, std::uint64_t height) {
  const Bytes* key = participant.key_at(height);
  if (!key) return std::nullopt;
  return *key;
}

// The key `state` says signs for tx's sender at `height`, if it names one.
std::optional<Bytes> key_of(const ledger::StateView& state, const ledger::Transaction& tx,
                            std::uint64_t height) {
  auto participant = ledger::find_participant(state, tx.sender);
  if (!participant) return std::nullopt;
  return key_at(*participant, height);
}

// key_of() on a state that does not change (the store's final state): each
// sender's record is read and decoded once, not once per transaction.
class FinalStateKeys {
 public:
  explicit FinalStateKeys(const ledger::StateView& state) : state_(state) {}

  std::optional<Bytes> key_of(const ledger::Transaction& tx, std::uint64_t height) {
    auto it = participants_.find(tx.sender);
    if (it == participants_.end()) {
      auto participant = ledger::find_participant(state_, tx.sender);
      it = participants_
               .emplace(tx.sender, participant ? std::optional(std::move(*participant))
                                               : std::nullopt)
               .first;
    }
    if (!it->second) return std::nullopt;
    return key_at(*it->second, height);
  }

 private:
  const ledger::StateView& state_;
  std::unordered_map<std::string, std::optional<ledger::Participant>> participants_;
};

unsigned worker_count(unsigned requested) {
  if (requested > 0) return requested;
  return std::max(1u, std::thread::hardware_concurrency());
}

// "block 12: ..." from storage: the height it names.
std::optional<std::uint64_t> height_in(const std::string& message) {
  if (message.rfind("block ", 0) != 0) return std::nullopt;
  std::uint64_t h = 0;
  std::size_t i = 6;
  if (i >= message.size() || !std::isdigit(static_cast<unsigned char>(message[i]))) {
    return std::nullopt;
  }
  for (; i < message.size() && std::isdigit(static_cast<unsigned char>(message[i])); ++i) {
    h = h * 10 + static_cast<std::uint64_t>(message[i] - '0');
  }
  return h;
}

void fail(AuditOutcome& outcome, std::uint64_t height, const std::string& what) {
  outcome.failed_height = height;
  outcome.failure = "block " + std::to_string(height) + ": " + what;
}

std::optional<fs::path> first_existing(std::initializer_list<fs::path> candidates) {
  std::error_code ec;
  for (const fs::path& p : candidates) {
    if (!p.empty() && fs::exists(p, ec)) return p;
  }
  return std::nullopt;
}

// A backup holds db/ and genesis.json; a node home's data dir has the
// genesis in ../config.
fs::path database_of(const fs::path& dir) {
  std::error_code ec;
  return fs::exists(dir / "db" / "CURRENT", ec) ? dir / "db" : dir;
}

}  // namespace

// ------------------------------------------------------------------ files

Result<Json> read_json_file(const fs::path& path, std::size_t max_bytes) {
  auto text = read_file(path, max_bytes);
  if (!text) return text.error();
  return ledger::parse_json(*text, path.string());
}

Result<TrustAnchor> load_trust_anchor(const fs::path& genesis_path, const fs::path& changes) {
  if (genesis_path.empty()) {
    return Error(ErrorCode::kInvalidInput, "--genesis is required: the chain's genesis.json");
  }
  auto genesis = ledger::load_genesis(genesis_path);
  if (!genesis) return genesis.error();
  TrustAnchor anchor{*genesis, ValidatorHistory(*genesis)};
  if (!changes.empty()) {
    auto json = read_json_file(changes, kMaxJsonFileBytes);
    if (!json) return json.error();
    if (Status s = anchor.validators.follow(*json); !s) {
      return s.error().with_context(changes.string());
    }
  }
  return anchor;
}

// ------------------------------------------------------- receipts, offline

Result<ledger::NoteVerifier> read_cosigner_key(const std::string& text_or_file) {
  auto key = ledger::parse_cosigner_key(text_or_file);
  if (key) return key;
  std::error_code ec;
  if (!fs::exists(text_or_file, ec)) {
    return key.error().with_context("--witness '" + text_or_file + "' (neither a key nor a file)");
  }
  auto text = read_file(text_or_file, 4096);
  if (!text) return text.error();
  std::string line = *text;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  auto from_file = ledger::parse_cosigner_key(line);
  if (!from_file) return from_file.error().with_context(text_or_file);
  return from_file;
}

namespace {

Result<std::optional<WitnessRequirement>> witness_requirement(const VerifyReceiptOptions& options,
                                                              const ledger::Genesis& genesis) {
  if (options.witnesses.empty() && !options.min_witnesses) return std::optional<WitnessRequirement>();
  WitnessRequirement requirement;
  if (options.witnesses.empty()) {
    requirement.cosigners = policy_cosigners(genesis);
    if (requirement.cosigners.empty()) {
      return Error(ErrorCode::kInvalidInput,
                   "--min-witnesses without --witness uses the witnesses genesis's policy names, "
                   "and it names none: give their keys with --witness");
    }
  }
  for (const std::string& given : options.witnesses) {
    auto key = read_cosigner_key(given);
    if (!key) return key.error();
    requirement.cosigners.push_back(std::move(*key));
  }
  requirement.required = options.min_witnesses.value_or(requirement.cosigners.size());
  if (requirement.required == 0 || requirement.required > requirement.cosigners.size()) {
    return Error(ErrorCode::kInvalidInput,
                 "--min-witnesses must be between 1 and the " +
                     std::to_string(requirement.cosigners.size()) + " witnesses given");
  }
  return std::optional<WitnessRequirement>(std::move(requirement));
}

}  // namespace

int verify_receipt_file(const VerifyReceiptOptions& options, std::ostream& out,
                        std::ostream& err) {
  auto anchor = load_trust_anchor(options.genesis, options.changes);
  if (!anchor) return report_error(err, anchor.error());
  auto receipt = read_json_file(options.receipt, kMaxJsonFileBytes);
  if (!receipt) return report_error(err, receipt.error());
  // A file that is not a receipt at all is unreadable input, not a receipt
  // that failed verification.
  if (!receipt->is_object() || !receipt->contains("format")) {
    return report_error(err, Error(ErrorCode::kInvalidInput,
                                   options.receipt.string() + ": not a receipt file (no \"format\": \"" +
                                       std::string(kReceiptFormat) + "\")"));
  }
  auto witnesses = witness_requirement(options, anchor->genesis);
  if (!witnesses) return report_error(err, witnesses.error());
  ReceiptVerification v = verify_receipt(*receipt, anchor->genesis, anchor->validators,
                                         witnesses->has_value() ? &**witnesses : nullptr);
  if (options.output == OutputFormat::kJson) {
    out << verification_json(v).dump(2) << "\n";
  } else {
    print_verification(out, v);
  }
  return v.ok() ? kExitOk : kExitVerificationFailed;
}

int verify_state_file(const VerifyReceiptOptions& options, std::ostream& out,
                      std::ostream& err) {
  auto anchor = load_trust_anchor(options.genesis, options.changes);
  if (!anchor) return report_error(err, anchor.error());
  auto proof = read_json_file(options.receipt, kMaxJsonFileBytes);
  if (!proof) return report_error(err, proof.error());
  if (!proof->is_object() || !proof->contains("format")) {
    return report_error(err, Error(ErrorCode::kInvalidInput,
                                   options.receipt.string() +
                                       ": not a state proof file (no \"format\": \"" +
                                       std::string(node::rpc::kStateProofFormat) + "\")"));
  }
  StateProofVerification v = verify_state_proof(*proof, anchor->genesis, anchor->validators);
  if (options.output == OutputFormat::kJson) {
    out << verification_json(v).dump(2) << "\n";
  } else {
    print_verification(out, v);
  }
  return v.ok() ? kExitOk : kExitVerificationFailed;
}

int verify_checkpoint_file(const VerifyReceiptOptions& options, std::ostream& out,
                           std::ostream& err) {
  auto anchor = load_trust_anchor(options.genesis, options.changes);
  if (!anchor) return report_error(err, anchor.error());
  auto answer = read_json_file(options.receipt, kMaxJsonFileBytes);
  if (!answer) return report_error(err, answer.error());
  auto v = verify_checkpoint(*answer, anchor->genesis, anchor->validators);
  if (options.output == OutputFormat::kJson) {
    Json result = {{"verified", v.ok()}};
    if (v) {
      result["height"] = v->checkpoint.height;
      result["logSize"] = v->checkpoint.size;
      result["logRoot"] = to_hex(v->checkpoint.root);
      result["checkpoint"] = v->text;
      result["signer"] = v->signer.empty() ? Json(nullptr) : Json(v->signer);
      Json cosigned = Json::array();
      for (const auto& c : v->cosigned) cosigned.push_back({{"participant", c.participant}, {"time", c.time}});
      result["cosignedBy"] = std::move(cosigned);
    } else {
      result["error"] = v.error().message();
    }
    out << result.dump(2) << "\n";
  } else if (v) {
    out << "\u2713 header " << v->checkpoint.height << " certified by the validators genesis trusts\n"
        << "\u2713 the checkpoint is that header's: log size " << v->checkpoint.size << ", root "
        << to_hex(v->checkpoint.root) << "\n";
    if (v->signer.empty()) {
      out << "  (the file holds no signed note)\n";
    } else {
      out << "\u2713 the signed note's signature is validator " << v->signer << "'s\n";
      for (const auto& c : v->cosigned) {
        out << "\u2713 cosigned by witness " << c.participant << " (time " << c.time << ")\n";
      }
    }
    out << "VERIFIED\n" << (v->signed_note.empty() ? v->text : v->signed_note);
  } else {
    out << "\u2717 " << v.error().message() << "\nFAILED\n";
  }
  if (!v) return v.error().code() == ErrorCode::kInvalidInput ? kExitUsage : kExitVerificationFailed;
  return kExitOk;
}

// ----------------------------------------------------- validator changes

Result<Json> fetch_validator_changes(node::rpc::Client& client) {
  Json merged;
  std::uint64_t from = 1;
  for (;;) {
    auto page = client.call("chain_getValidatorSetChanges", {{"fromHeight", from}});
    if (!page) return page.error();
    try {
      if (merged.is_null()) {
        merged = *page;
      } else {
        for (const Json& change : page->at("changes")) merged["changes"].push_back(change);
        merged["toHeight"] = page->at("toHeight");
      }
      const Json& next = page->at("next");
      if (next.is_null()) break;
      std::uint64_t n = next.get<std::uint64_t>();
      if (n <= from) return Error(ErrorCode::kInvalidInput, "the node's next page goes backwards");
      from = n;
    } catch (const Json::exception& e) {
      return Error(ErrorCode::kInvalidInput,
                   std::string("chain_getValidatorSetChanges: unexpected reply: ") + e.what());
    }
  }
  merged["next"] = nullptr;
  merged["format"] = kValidatorChangesFormat;
  return merged;
}

Result<TrustAnchor> load_trust_anchor(node::rpc::Client& client, const fs::path& genesis,
                                      const fs::path& changes) {
  auto anchor = load_trust_anchor(genesis, changes);
  if (!anchor || !changes.empty()) return anchor;
  auto fetched = fetch_validator_changes(client);
  if (!fetched) {
    return fetched.error().with_context(
        "reading the node's validator-set changes (or give them with --changes)");
  }
  if (Status s = anchor->validators.follow(*fetched); !s) {
    return s.error().with_context("the node's validator-set changes");
  }
  return anchor;
}

int validator_changes_get(const ValidatorChangesOptions& options, std::ostream& out,
                          std::ostream& err) {
  auto client = connect(options.remote);
  if (!client) return report_error(err, client.error());
  auto changes = fetch_validator_changes(*client);
  if (!changes) return report_error(err, changes.error());
  std::string text = changes->dump(2) + "\n";
  if (options.out.empty()) {
    out << text;
    return kExitOk;
  }
  if (Status s = write_file_atomic(options.out, text, 0644, Overwrite::kReplace); !s) return report_error(err, s.error());
  out << "wrote " << options.out.string() << ": " << changes->at("changes").size()
      << " validator-set changes, heights 1 to " << changes->at("toHeight") << "\n";
  return kExitOk;
}

// ------------------------------------------------------------ consistency

namespace {

// A checkpoint named by a height (fetched from the node) or a file holding
// "header" and "certificate" (a receipt file, a chain_getBlock result, or a
// checkpoint saved by tracectl).
Result<Json> checkpoint_source(const std::string& what, std::optional<node::rpc::Client>& client) {
  bool is_height = !what.empty() && what.find_first_not_of("0123456789") == std::string::npos;
  std::optional<std::uint64_t> height = ledger::parse_whole_number(what);
  if (is_height && !height) {
    return Error(ErrorCode::kInvalidInput, "height " + what + " is above 2^64-1");
  }
  if (!is_height) {
    auto json = read_json_file(what, kMaxJsonFileBytes);
    if (!json) return json.error();
    if (!json->is_object() || !json->contains("header") || !json->contains("certificate")) {
      return Error(ErrorCode::kInvalidInput, what + ": holds no \"header\" and \"certificate\"");
    }
    return json;
  }
  if (!client) return Error(ErrorCode::kInvalidInput, "a height needs --node; or give a file");
  auto header = client->call("chain_getHeader", {{"height", *height}});
  if (!header) return header.error();
  auto certificate = client->call("chain_getCertificate", {{"height", *height}});
  if (!certificate) return certificate.error();
  return Json{{"header", *header}, {"certificate", *certificate}};
}

}  // namespace

int verify_consistency(const VerifyConsistencyOptions& options, std::ostream& out,
                       std::ostream& err) {
  auto anchor = load_trust_anchor(options.genesis, options.changes);
  if (!anchor) return report_error(err, anchor.error());
  std::optional<node::rpc::Client> client;
  if (!options.remote.node.empty() || options.to.empty() || options.proof.empty()) {
    auto c = connect(options.remote);
    if (!c) return report_error(err, c.error());
    client.emplace(std::move(*c));
  }
  std::string to = options.to;
  if (to.empty()) {
    auto status = client->status();
    if (!status) return report_error(err, status.error());
    to = std::to_string(status->value("height", 0));
  }
  auto from_json = checkpoint_source(options.from, client);
  if (!from_json) return report_error(err, from_json.error().with_context("--from"));
  auto to_json = checkpoint_source(to, client);
  if (!to_json) return report_error(err, to_json.error().with_context("--to"));
  auto from = certified_checkpoint(from_json->at("header"), from_json->at("certificate"),
                                   anchor->genesis, anchor->validators, "--from");
  if (!from) return report_error(err, from.error());
  auto later = certified_checkpoint(to_json->at("header"), to_json->at("certificate"),
                                    anchor->genesis, anchor->validators, "--to");
  if (!later) return report_error(err, later.error());
  if (from->size == 0 || from->size > later->size) {
    return report_error(err, Error(ErrorCode::kInvalidInput,
                                   "--from's log size " + std::to_string(from->size) +
                                       " must be at least 1 and at most --to's " +
                                       std::to_string(later->size)));
  }
  Json proof;
  if (!options.proof.empty()) {
    auto saved = read_json_file(options.proof, kMaxJsonFileBytes);
    if (!saved) return report_error(err, saved.error());
    proof = std::move(*saved);
  } else {
    auto fetched = client->call("chain_getConsistencyProof",
                                {{"fromSize", from->size}, {"toSize", later->size}});
    if (!fetched) return report_error(err, fetched.error());
    proof = std::move(*fetched);
  }
  Status s = verify_consistency_proof(proof, *from, *later, crypto::suite_hash(anchor->genesis.suite));
  Json result = {
      {"ok", s.ok()},
      {"from", {{"height", from->height}, {"logSize", from->size}, {"logRoot", to_hex(from->root)}}},
      {"to", {{"height", later->height}, {"logSize", later->size}, {"logRoot", to_hex(later->root)}}},
      {"failure", s.ok() ? Json(nullptr) : Json(s.error().message())},
  };
  if (options.remote.output == OutputFormat::kJson) {
    out << result.dump(2) << "\n";
  } else {
    out << "✓ checkpoint " << from->height << ": log size " << from->size << " root "
        << to_hex(from->root) << " (certified)\n"
        << "✓ checkpoint " << later->height << ": log size " << later->size << " root "
        << to_hex(later->root) << " (certified)\n";
    if (s.ok()) {
      out << "✓ consistency: the log at height " << later->height << " extends the log at height "
          << from->height << " (" << proof.at("path").size() << " proof hashes)\n";
    } else {
      out << "✗ consistency: " << s.error().message() << "\n";
    }
  }
  return s.ok() ? kExitOk : kExitVerificationFailed;
}

// ------------------------------------------------------ full-chain audit

namespace {

// A height that only grows, and waiting for it: how the audit's threads hand
// blocks to one another. stop() releases every waiter for good.
class Watermark {
 public:
  void advance(std::uint64_t height) {
    {
      std::lock_guard lock(mutex_);
      value_ = std::max(value_, height);
    }
    changed_.notify_all();
  }
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
    }
    changed_.notify_all();
  }
  // True once the height is reached; false when stopped short of it.
  bool wait_for(std::uint64_t height) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return value_ >= height || stopped_; });
    return value_ >= height;
  }
  std::uint64_t value() const {
    std::lock_guard lock(mutex_);
    return value_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t value_ = 0;
  bool stopped_ = false;
};

// What one of the audit's checks found wrong, at a height when it names one.
struct Finding {
  std::optional<std::uint64_t> height;
  std::string message;
};

// The first finding by height; at one height the structure's (listed first).
// Findings without a height (the final state, the tip) come last.
std::optional<Finding> first_finding(std::initializer_list<const std::optional<Finding>*> all) {
  std::optional<Finding> first;
  for (const std::optional<Finding>* f : all) {
    if (!*f) continue;
    std::uint64_t h = (*f)->height.value_or(UINT64_MAX);
    if (!first || h < first->height.value_or(UINT64_MAX)) first = **f;
  }
  return first;
}

// A failure at `height`, named by it unless the message already names one.
Finding at_height(std::uint64_t height, const std::string& message) {
  if (auto named = height_in(message)) return Finding{named, message};
  return Finding{height, "block " + std::to_string(height) + ": " + message};
}

// The structure of blocks [1, tip] in chunks, block by block inside a failed
// chunk to name it; stops past `limit`.
std::optional<Finding> check_structure(const storage::BlockStore& s, std::uint64_t tip,
                                       const std::atomic<std::uint64_t>& limit,
                                       Watermark& done) {
  for (std::uint64_t from = 1; from <= tip && from <= limit; from += kVerifyChunk) {
    std::uint64_t to = std::min(tip, from + kVerifyChunk - 1);
    auto report = storage::verify_chain(s, from, to);
    if (!report) {
      for (std::uint64_t h = from; h <= to; ++h) {
        auto one = storage::verify_chain(s, h, h);
        if (!one) return at_height(h, one.error().message());
      }
      return Finding{std::nullopt, report.error().message()};
    }
    done.advance(to);
  }
  return std::nullopt;
}

void lower(std::atomic<std::uint64_t>& limit, std::uint64_t height) {
  std::uint64_t current = limit.load();
  while (height < current && !limit.compare_exchange_weak(current, height)) {
  }
}

}  // namespace

// The three checks run side by side: the structure on a thread of its own;
// the signatures, read and matched to keys on this thread and verified on
// every core; and re-execution on a thread of its own, which takes a block
// once its signatures are checked (so it skips verifying them again) and
// keeps the signature checks at most a window ahead of it (so memory stays
// bounded). A failure at a height lowers `limit`: every check still covers
// the heights up to it, so the finding reported, the lowest, does not depend
// on which thread got there first.
Result<AuditOutcome> audit_data_dir(const AuditVerifyOptions& options, std::ostream&) {
  auto start = std::chrono::steady_clock::now();
  fs::path db = database_of(options.data_dir);
  fs::path genesis_path = options.genesis;
  if (genesis_path.empty()) {
    auto found = first_existing({options.data_dir / "genesis.json",
                                 options.data_dir.parent_path() / "config" / "genesis.json"});
    if (!found) {
      return Error(ErrorCode::kInvalidInput,
                   "no genesis.json in " + options.data_dir.string() +
                       " or its home's config/: pass --genesis");
    }
    genesis_path = *found;
  }
  auto genesis = ledger::load_genesis(genesis_path);
  if (!genesis) return genesis.error();
  auto store = storage::ReadOnlyStore::open(db, *genesis);
  AuditOutcome outcome;
  if (!store) {
    if (store.error().code() == ErrorCode::kCorruption) {
      outcome.failure = "the store does not open: " + store.error().message();
      outcome.failed_height = height_in(store.error().message());
      return outcome;
    }
    return store.error().with_context(db.string());
  }
  const storage::BlockStore& s = store->store();
  const std::uint64_t tip = s.height();
  auto snapshot = s.snapshot();
  if (!snapshot) return snapshot.error();

  std::atomic<std::uint64_t> limit{tip};
  Watermark structured;  // blocks whose structure checked out
  Watermark signed_up_to;  // blocks whose signatures were checked
  Watermark replayed;  // blocks re-executed
  std::atomic<std::uint64_t> replayed_tx{0};
  const std::size_t chunk_tx = std::max<std::size_t>(1, options.chunk_transactions);
  const std::uint64_t ahead_tx = options.ahead_transactions;
  // Holds what is checked and not yet re-executed: the window and the two
  // chunks in flight, each of which may overshoot by a block. (A block
  // larger than kRoomPerBlock only costs verifying some signatures twice.)
  constexpr std::size_t kRoomPerBlock = 65'536;
  ledger::VerifiedSignatures signatures(ahead_tx + 2 * (chunk_tx + kRoomPerBlock) + chunk_tx);

  // One progress line: blocks both the structure and re-execution passed.
  auto progress = Progress::on_stderr("audit", tip, "blocks");
  std::mutex shown_mutex;
  std::uint64_t shown = 0;
  auto show = [&] {
    if (!options.progress) return;
    std::lock_guard lock(shown_mutex);
    std::uint64_t both = std::min(structured.value(), replayed.value());
    if (both > shown) progress.advance(both - shown);
    shown = std::max(shown, both);
  };

  std::optional<Finding> structure_finding;
  std::thread structure_thread([&] {
    structure_finding = check_structure(s, tip, limit, structured);
    if (structure_finding) lower(limit, structure_finding->height.value_or(0));
    structured.advance(tip);  // past a finding there is nothing more to wait for
    show();
  });

  std::optional<Finding> replay_finding;
  std::thread replay_thread([&] {
    storage::ReplayHooks hooks;
    bool stopped = false;
    hooks.before = [&](std::uint64_t height) {
      stopped = height > limit || !signed_up_to.wait_for(height);
      return !stopped;
    };
    hooks.after = [&](std::uint64_t height, std::size_t transactions) {
      replayed_tx += transactions;
      replayed.advance(height);
      show();
    };
    // The structure thread verifies the certificates' signatures.
    auto replay = storage::replay_chain(s, *genesis, signatures, hooks,
                                        ledger::CertificateCheck::kLinkOnly);
    if (!replay && !stopped) {
      replay_finding = Finding{height_in(replay.error().message()), replay.error().message()};
      lower(limit, replay_finding->height.value_or(tip));
    } else if (replay) {
      outcome.blocks = replay->blocks;
      outcome.transactions = replay->transactions;
    }
    replayed.stop();  // the signature checks wait on it
  });

  // Chunks of blocks: one verifying while the next is read and matched to its
  // senders' keys here, and never more than a window ahead of re-execution.
  // A block that does not read is a finding, as it would be for the others.
  std::optional<Finding> read_finding;
  auto join_all = [&] {
    signed_up_to.stop();
    replay_thread.join();
    structure_thread.join();
  };
  try {
    std::array<std::vector<ledger::Block>, 2> blocks;
    std::array<std::vector<SignatureJob>, 2> jobs;
    KeyCache keys;
    FinalStateKeys senders(**snapshot);
    std::uint64_t prepared_tx = 0;
    // Reads blocks from `from` until the chunk is full; returns the last read.
    auto prepare = [&](std::uint64_t from, std::size_t slot) -> std::uint64_t {
      blocks[slot].clear();
      jobs[slot].clear();
      // Waits only for what re-execution can reach: the blocks already signed.
      std::uint64_t ahead = prepared_tx > ahead_tx ? prepared_tx - ahead_tx : 0;
      while (replayed_tx < ahead && replayed.value() < signed_up_to.value()) {
        if (!replayed.wait_for(replayed.value() + 1)) break;
      }
      std::uint64_t h = from;
      std::size_t count = 0;
      for (; h <= tip && h < from + kVerifyChunk && count < chunk_tx; ++h) {
        auto block = s.block(h);
        if (!block) {
          read_finding = at_height(h, block.error().message());
          lower(limit, h);
          break;
        }
        count += block->transactions.size();
        blocks[slot].push_back(std::move(*block));
      }
      for (const ledger::Block& block : blocks[slot]) {
        for (const ledger::Transaction& tx : block.transactions) {
          if (auto key = senders.key_of(tx, block.header.height)) {
            jobs[slot].push_back(make_job(tx, std::move(*key), keys));
          }
        }
      }
      prepared_tx += count;
      return h - 1;
    };
    std::uint64_t from = 1;
    std::uint64_t to = tip > 0 ? prepare(1, 0) : 0;
    for (std::size_t slot = 0; from <= to && from <= limit; slot ^= 1) {
      Verifiers verifiers(jobs[slot], worker_count(options.threads), signatures);
      std::uint64_t last = to;
      if (last < tip && !read_finding) to = prepare(last + 1, slot ^ 1);
      verifiers.join();
      signed_up_to.advance(last);
      from = last + 1;
    }
  } catch (...) {  // a state read that throws: stop the others before leaving
    lower(limit, 0);
    join_all();
    throw;
  }
  join_all();
  progress.finish();

  if (auto finding = first_finding({&structure_finding, &read_finding, &replay_finding})) {
    outcome.failure = finding->message;
    outcome.failed_height = finding->height;
    outcome.blocks = 0;
    outcome.transactions = 0;
    return outcome;
  }
  outcome.height = tip;
  if (tip > 0) {
    auto header = s.header(tip);
    if (!header) return header.error();
    outcome.header_hash = to_hex(ledger::header_hash(s.params().hash_algorithm(), *header));
    outcome.log_size = header->log_size;
    outcome.log_root = to_hex(header->log_root);
  }
  outcome.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return outcome;
}

namespace {

// Checks blocks fetched over RPC one after the other, re-executing them on a
// state of its own: nothing the node says is believed.
class RemoteAuditor {
 public:
  explicit RemoteAuditor(const ledger::Genesis& genesis) : follower_(genesis) {}

  // Decodes a batch of chain_getBlock results, checks their signatures in
  // parallel, then each block in order. Returns false at the first
  // inconsistency, recorded in `outcome`.
  bool check_batch(const std::vector<Json>& replies, std::uint64_t first_height, unsigned threads,
                   Progress& progress, AuditOutcome& outcome) {
    std::vector<Fetched> fetched(replies.size());
    for (std::size_t i = 0; i < replies.size(); ++i) {
      std::uint64_t height = first_height + i;
      if (std::string problem = decode(replies[i], fetched[i]); !problem.empty()) {
        fail(outcome, height, problem);
        return false;
      }
    }
    std::vector<SignatureJob> jobs;
    for (const Fetched& f : fetched) {
      for (const ledger::Transaction& tx : f.block.transactions) {
        if (auto key = key_of(follower_.state(), tx, f.block.header.height)) {
          jobs.push_back(make_job(tx, std::move(*key), keys_));
        }
      }
    }
    signatures_ = std::make_unique<ledger::VerifiedSignatures>(jobs.size() + 1);
    preverify(jobs, threads, *signatures_);
    for (std::size_t i = 0; i < fetched.size(); ++i) {
      if (!check_block(first_height + i, fetched[i], outcome)) return false;
      progress.advance();
    }
    return true;
  }

  const ledger::ChainTip& tip() const { return follower_.tip(); }
  const ledger::BlockHeader& last_header() const { return last_header_; }

 private:
  struct Fetched {
    ledger::Block block;
    ledger::CommitCertificate certificate;
    std::vector<ledger::Receipt> receipts;
  };

  // Hex far above any block the node serves (its RPC replies are bounded).
  static constexpr std::size_t kMaxHexBytes = 64 * 1024 * 1024;

  template <typename T>
  static std::string decode_one(const Json& j, const std::string& what, T& value) {
    auto fields = ledger::JsonFields::of(j, what);
    if (!fields) return fields.error().message();
    auto bytes = fields->hex("hex", kMaxHexBytes);
    if (!bytes) return bytes.error().message();
    auto decoded = ledger::decode<T>(*bytes);
    if (!decoded) return what + ".hex: does not decode: " + decoded.error().message();
    value = std::move(*decoded);
    return {};
  }

  std::string decode(const Json& reply, Fetched& f) {
    auto fields = ledger::JsonFields::of(reply, "the node's block");
    if (!fields) return fields.error().message();
    auto header = fields->field("header");
    if (!header) return header.error().message();
    if (auto e = decode_one(**header, "header", f.block.header); !e.empty()) return e;
    auto certificate = fields->field("certificate");
    if (!certificate) return certificate.error().message();
    if (auto e = decode_one(**certificate, "certificate", f.certificate); !e.empty()) return e;
    auto txs = fields->array("transactions");
    if (!txs) return txs.error().message();
    auto receipts = fields->array("receipts");
    if (!receipts) return receipts.error().message();
    f.block.transactions.resize((*txs)->size());
    for (std::size_t i = 0; i < (*txs)->size(); ++i) {
      auto e = decode_one((**txs)[i], "transaction " + std::to_string(i), f.block.transactions[i]);
      if (!e.empty()) return e;
    }
    f.receipts.resize((*receipts)->size());
    for (std::size_t i = 0; i < (*receipts)->size(); ++i) {
      auto e = decode_one((**receipts)[i], "receipt " + std::to_string(i), f.receipts[i]);
      if (!e.empty()) return e;
    }
    return {};
  }

  bool check_block(std::uint64_t height, const Fetched& f, AuditOutcome& outcome) {
    if (f.block.header.height != height) {
      fail(outcome, height, "the node sent block " + std::to_string(f.block.header.height));
      return false;
    }
    auto executed = follower_.apply(f.block, f.certificate, *signatures_);
    if (!executed) {
      fail(outcome, height, executed.error().message());
      return false;
    }
    if (Status s = ledger::check_same_receipts(follower_.params().hash_algorithm(), f.receipts,
                                               executed->receipts);
        !s) {
      fail(outcome, height, s.error().message());
      return false;
    }
    last_header_ = f.block.header;
    outcome.blocks += 1;
    outcome.transactions += f.block.transactions.size();
    return true;
  }

  ledger::ChainFollower follower_;
  ledger::BlockHeader last_header_;
  std::unique_ptr<ledger::VerifiedSignatures> signatures_;
  KeyCache keys_;
};

// Blocks [from, to] with chain_getBlock, in one batch (which the client
// splits and waits for when the node's rate limit refuses it).
Result<std::vector<Json>> fetch_blocks(node::rpc::Client& client, std::uint64_t from,
                                       std::uint64_t to) {
  std::vector<std::pair<std::string, Json>> calls;
  for (std::uint64_t h = from; h <= to; ++h) calls.push_back({"chain_getBlock", {{"height", h}}});
  auto replies = client.batch(calls);
  if (!replies) return replies.error();
  std::vector<Json> blocks;
  for (std::size_t i = 0; i < replies->size(); ++i) {
    if (auto* error = std::get_if<node::rpc::RpcError>(&(*replies)[i])) {
      return node::rpc::to_error(*error).with_context("chain_getBlock " + std::to_string(from + i));
    }
    blocks.push_back(std::get<Json>(std::move((*replies)[i])));
  }
  if (blocks.size() != to - from + 1) {
    return Error(ErrorCode::kInvalidInput, "the node answered a batch with too few blocks");
  }
  return blocks;
}

}  // namespace

Result<AuditOutcome> audit_node(const AuditVerifyOptions& options, std::ostream& err) {
  auto start = std::chrono::steady_clock::now();
  auto anchor = load_trust_anchor(options.genesis, {});
  if (!anchor) return anchor.error();
  auto client = connect(options.remote);
  if (!client) return client.error();
  if (auto key = require_key(options.remote, "chain_getBlock (auditors only)"); !key) {
    return key.error();
  }
  auto status = client->status();
  if (!status) return status.error();
  std::string genesis_hash = to_hex(ledger::genesis_hash(anchor->genesis));
  if (status->value("genesisHash", "") != genesis_hash) {
    return Error(ErrorCode::kVerificationFailed,
                 "the node's genesis hash " + status->value("genesisHash", std::string("?")) +
                     " is not this genesis's " + genesis_hash);
  }
  std::uint64_t tip = status->value("height", std::uint64_t{0});
  RemoteAuditor auditor(anchor->genesis);
  AuditOutcome outcome;
  auto progress = Progress::on_stderr("audit", tip, "blocks");
  const std::uint64_t batch = std::clamp<std::uint64_t>(options.batch, 1, 100);
  // Side by side: the next batch is fetched while this one is checked.
  auto fetch = [&](std::uint64_t from) {
    return std::async(std::launch::async, [&client, from, tip, batch] {
      return fetch_blocks(*client, from, std::min(tip, from + batch - 1));
    });
  };
  std::optional<std::future<Result<std::vector<Json>>>> next;
  if (tip > 0) next = fetch(1);
  for (std::uint64_t from = 1; from <= tip; from += batch) {
    auto blocks = next->get();
    next.reset();
    if (!blocks) return blocks.error();
    if (from + batch <= tip) next = fetch(from + batch);
    if (!auditor.check_batch(*blocks, from, worker_count(options.threads), progress, outcome)) {
      break;
    }
  }
  if (next) next->wait();  // an audit that stopped early: the fetch in flight ends first
  progress.finish();
  if (const auto& waits = client->rate_limit_waits(); waits.count > 0) {
    err << "waited " << waits.count << " times, " << waits.total.count()
        << " ms in all, for the node's rate limit (rpc.rate_per_second)\n";
  }
  if (outcome.ok() && tip > 0) {
    outcome.height = tip;
    outcome.header_hash = to_hex(auditor.tip().header_hash);
    outcome.log_size = auditor.last_header().log_size;
    outcome.log_root = to_hex(auditor.last_header().log_root);
  }
  outcome.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return outcome;
}

int audit_verify(const AuditVerifyOptions& options, std::ostream& out, std::ostream& err) {
  bool offline = !options.data_dir.empty();
  auto outcome = offline ? audit_data_dir(options, err) : audit_node(options, err);
  if (!outcome) return report_error(err, outcome.error());
  const AuditOutcome& o = *outcome;
  double rate_blocks = o.seconds > 0 ? o.blocks / o.seconds : 0;
  double rate_tx = o.seconds > 0 ? o.transactions / o.seconds : 0;
  if (options.remote.output == OutputFormat::kJson) {
    Json result = {
        {"ok", o.ok()},
        {"source", offline ? options.data_dir.string() : node_url(options.remote)},
        {"blocks", o.blocks},
        {"transactions", o.transactions},
        {"seconds", o.seconds},
        {"failedHeight", o.failed_height ? Json(*o.failed_height) : Json(nullptr)},
        {"failure", o.ok() ? Json(nullptr) : Json(o.failure)},
        {"checkpoint",
         o.ok() ? Json{{"height", o.height},
                       {"headerHash", o.header_hash},
                       {"logSize", o.log_size},
                       {"logRoot", o.log_root}}
                : Json(nullptr)},
    };
    out << result.dump(2) << "\n";
  } else if (o.ok()) {
    out << "✓ hash chain, certificates, transactions and receipts roots, Merkle log"
        << (offline ? ", transaction index\n" : "\n")
        << "✓ every transaction signature\n"
        << "✓ re-execution from genesis gives every state root and receipt\n"
        << "VERIFIED " << o.blocks << " blocks, " << o.transactions << " transactions in "
        << std::fixed << std::setprecision(2) << o.seconds << " s (" << std::setprecision(0)
        << rate_blocks << " blocks/s, " << rate_tx << " tx/s)\n"
        << "checkpoint: height " << o.height << ", header " << o.header_hash << ", log size "
        << o.log_size << ", root " << o.log_root << "\n";
  } else {
    out << "✗ " << o.failure << "\n"
        << "FAILED at height "
        << (o.failed_height ? std::to_string(*o.failed_height) : std::string("?")) << "\n";
  }
  return o.ok() ? kExitOk : kExitVerificationFailed;
}

}  // namespace tracechain::cli
