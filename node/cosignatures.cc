#include "node/cosignatures.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <system_error>

#include "crypto/file_util.h"
#include "ledger/execution.h"
#include "node/log.h"

namespace tracechain::node {

namespace {

using Json = nlohmann::json;

constexpr std::string_view kFormat = "tracechain-cosignatures/1";
// One entry per policy witness (at most 16), each well under 1 KiB.
constexpr std::size_t kMaxFileBytes = 1 << 20;

Error invalid(const std::string& what) { return Error(ErrorCode::kInvalidInput, what); }

// The line of one signature, as a note writes it.
std::string signature_line(const ledger::NoteSignature& signature) {
  std::string note = ledger::format_note({"-\n", {signature}});
  return note.substr(3, note.size() - 4);  // after "-\n\n", without the newline
}

Result<std::vector<StoredCosignature>> parse_file(const std::string& text) {
  Json document = Json::parse(text, nullptr, false);
  if (document.is_discarded() || !document.is_object() || document.value("format", "") != kFormat ||
      !document.contains("cosignatures") || !document["cosignatures"].is_array()) {
    return invalid("not a " + std::string(kFormat) + " document");
  }
  std::vector<StoredCosignature> kept;
  for (const Json& entry : document["cosignatures"]) {
    if (!entry.is_object() || !entry.contains("participant") || !entry["participant"].is_string() ||
        !entry.contains("size") || !entry["size"].is_number_unsigned() || !entry.contains("root") ||
        !entry["root"].is_string() || !entry.contains("time") || !entry["time"].is_number_unsigned() ||
        !entry.contains("line") || !entry["line"].is_string()) {
      return invalid("an entry lacks participant, size, root, time or line");
    }
    StoredCosignature c;
    c.participant = entry["participant"].get<std::string>();
    c.size = entry["size"].get<std::uint64_t>();
    auto root = from_hex(entry["root"].get<std::string>());
    if (!root || root->size() != kDigestSize) return invalid("an entry's root is not 32 bytes of hex");
    std::copy(root->begin(), root->end(), c.root.begin());
    c.time = entry["time"].get<std::uint64_t>();
    auto note = ledger::parse_note("-\n\n" + entry["line"].get<std::string>() + "\n");
    if (!note || note->signatures.size() != 1) return invalid("an entry's line is not a signature line");
    c.signature = std::move(note->signatures.front());
    kept.push_back(std::move(c));
  }
  return kept;
}

}  // namespace

std::vector<WitnessLag> witness_lags(const ledger::Policy& policy,
                                     const std::vector<StoredCosignature>& kept,
                                     std::uint64_t log_size, std::uint64_t tip_time_ms) {
  std::vector<WitnessLag> lags;
  for (const ledger::PolicyWitness& witness : policy.witnesses) {
    WitnessLag lag{witness, std::nullopt, log_size, std::nullopt};
    auto key_id = ledger::cosigner_key_id(witness.name, ledger::policy_cosigner(witness).key);
    for (const StoredCosignature& c : kept) {
      // Only a cosignature of the key the policy names now counts.
      if (c.participant != witness.participant || c.signature.name != witness.name ||
          !key_id || c.signature.key_id != *key_id) {
        continue;
      }
      lag.latest = c;
      lag.behind_entries = log_size > c.size ? log_size - c.size : 0;
      const std::uint64_t tip_seconds = tip_time_ms / 1000;
      lag.behind_seconds = tip_seconds > c.time ? tip_seconds - c.time : 0;
    }
    lags.push_back(std::move(lag));
  }
  return lags;
}

Result<std::vector<WitnessLag>> witness_lags(const storage::BlockStore& store,
                                             const ledger::StateView& state,
                                             const std::vector<StoredCosignature>& kept) {
  auto policy = ledger::read_policy(state);
  if (!policy) return policy.error();
  const ledger::ChainTip tip = store.tip();
  return witness_lags(*policy, kept, tip.log.size(), tip.time_ms);
}

CosignatureStore::CosignatureStore(std::filesystem::path file) : file_(std::move(file)) {
  std::error_code ec;
  if (!std::filesystem::exists(file_, ec)) return;
  auto text = read_file(file_, kMaxFileBytes);
  auto parsed = text ? parse_file(*text) : Result<std::vector<StoredCosignature>>(text.error());
  if (parsed) {
    kept_ = std::move(*parsed);
    return;
  }
  std::filesystem::path aside = file_;
  aside += ".bad";
  std::filesystem::rename(file_, aside, ec);
  log::warn("witness", "{} does not parse ({}); set aside as {}: witnesses will give their "
                       "cosignatures again",
            file_.string(), parsed.error().message(), aside.string());
}

Result<std::vector<StoredCosignature>> CosignatureStore::add(std::string_view text,
                                                             const storage::BlockStore& store) {
  auto note = ledger::parse_note(text);
  if (!note) return note.error();
  auto checkpoint = ledger::parse_checkpoint(note->text);
  if (!checkpoint) return checkpoint.error();
  const std::string origin = ledger::checkpoint_origin(store.params());
  if (checkpoint->origin != origin) {
    return invalid("the checkpoint is of log '" + checkpoint->origin + "', not this chain's ('" +
                   origin + "')");
  }
  auto snapshot = store.snapshot();
  if (!snapshot) return snapshot.error();
  auto policy = ledger::read_policy(**snapshot);
  if (!policy) return policy.error();
  std::vector<ledger::NoteVerifier> cosigners;
  for (const ledger::PolicyWitness& witness : policy->witnesses) {
    cosigners.push_back(ledger::policy_cosigner(witness));
  }
  if (cosigners.empty()) {
    return Error(ErrorCode::kVerificationFailed,
                 "the chain's policy names no witnesses: there is no cosignature to keep");
  }
  auto verified = ledger::verify_cosignatures(*note, cosigners);
  if (!verified) return verified.error();
  if (verified->empty()) {
    return Error(ErrorCode::kVerificationFailed,
                 "the note carries no cosignature of a witness the policy names");
  }
  // The log as this node holds it: the checkpoint must be one of its states.
  const std::uint64_t log_size = store.tip().log.size();
  if (checkpoint->size > log_size) {
    return invalid("the checkpoint is of " + std::to_string(checkpoint->size) +
                   " entries; this node's log holds " + std::to_string(log_size));
  }
  auto root = store.log_root(checkpoint->size);
  if (!root) return root.error();
  if (*root != checkpoint->root) {
    return Error(ErrorCode::kConflict,
                 "the cosigned checkpoint's root at size " + std::to_string(checkpoint->size) +
                     " is " + to_hex(checkpoint->root) + "; this node's log has " + to_hex(*root) +
                     " there: the witness saw another history");
  }

  std::lock_guard lock(mutex_);
  std::vector<StoredCosignature> accepted;
  for (const ledger::VerifiedCosignature& v : *verified) {
    StoredCosignature c{policy->witnesses[v.cosigner].participant, checkpoint->size,
                        checkpoint->root, v.time, v.signature};
    auto existing = std::find_if(kept_.begin(), kept_.end(), [&](const StoredCosignature& k) {
      return k.participant == c.participant;
    });
    if (existing == kept_.end()) {
      kept_.push_back(c);
    } else if (existing->size < c.size || (existing->size == c.size && existing->time < c.time)) {
      *existing = c;
    } else {
      continue;
    }
    accepted.push_back(std::move(c));
  }
  std::sort(kept_.begin(), kept_.end(), [](const StoredCosignature& a, const StoredCosignature& b) {
    return a.participant < b.participant;
  });
  if (!accepted.empty()) {
    if (Status s = save_locked(); !s) return s.error();
  }
  return accepted;
}

std::vector<StoredCosignature> CosignatureStore::all() const {
  std::lock_guard lock(mutex_);
  return kept_;
}

Status CosignatureStore::save_locked() const {
  Json entries = Json::array();
  for (const StoredCosignature& c : kept_) {
    entries.push_back({{"participant", c.participant},
                       {"size", c.size},
                       {"root", to_hex(c.root)},
                       {"time", c.time},
                       {"line", signature_line(c.signature)}});
  }
  Json document = {{"format", kFormat}, {"cosignatures", std::move(entries)}};
  return write_file_atomic(file_, document.dump(2) + "\n", 0644, Overwrite::kReplace);
}

}  // namespace tracechain::node
