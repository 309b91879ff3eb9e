#include "cli/verify.h"

#include <ostream>
#include <stdexcept>

#include "ledger/json_fields.h"
#include "ledger/receipt.h"
#include "ledger/state_tree.h"
#include "node/rpc/shapes.h"

namespace tracechain::cli {

namespace {

namespace shapes = node::rpc;

// A field of the input that is missing, mistyped or contradicts its hex.
// Thrown inside this file only; every public function turns it into a value.
class BadInput : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Hex of a transaction, receipt, header or validator set, far above any the
// node serves; a larger file is refused before it is decoded.
constexpr std::size_t kMaxHexBytes = 64 * 1024 * 1024;
constexpr std::size_t kMaxText = 1024;

template <typename T>
T must(Result<T> result) {
  if (!result) throw BadInput(result.error().message());
  return std::move(*result);
}

ledger::JsonFields fields(const Json& object, const std::string& where) {
  return must(ledger::JsonFields::of(object, where));
}

const Json& field(const Json& object, const std::string& key, const std::string& where) {
  return *must(fields(object, where).field(key));
}

std::string text(const Json& object, const std::string& key, const std::string& where) {
  return must(fields(object, where).text(key, kMaxText));
}

std::uint64_t number(const Json& object, const std::string& key, const std::string& where) {
  std::uint64_t n = must(fields(object, where).whole_number(key));
  // A node writes heights, indexes and sizes as JSON integers, never as
  // decimal strings (which the RPC accepts as input).
  if (!object.at(key).is_number_integer()) {
    throw BadInput(where + "." + key + ": not a JSON integer, as a node writes it");
  }
  return n;
}

// A node writes hex in lower case without 0x (docs/rpc.md); a file that
// differs was not written by a node, and is refused rather than read
// leniently.
void require_node_hex(const Json& value, const std::string& path) {
  if (!value.is_string()) return;  // the reader says what is wrong with it
  const std::string& text = value.get_ref<const std::string&>();
  if (text.find_first_not_of("0123456789abcdef") != std::string::npos) {
    throw BadInput(path + ": not lower-case hex without 0x, as a node writes it");
  }
}

Bytes hex_bytes(const Json& object, const std::string& key, const std::string& where) {
  Bytes bytes = must(fields(object, where).hex(key, kMaxHexBytes));
  require_node_hex(object.at(key), where + "." + key);
  return bytes;
}

Digest digest(const Json& object, const std::string& key, const std::string& where) {
  Digest d = must(fields(object, where).digest(key));
  require_node_hex(object.at(key), where + "." + key);
  return d;
}

// A list of at most `max` hashes (a proof's path).
std::vector<Digest> digests(const Json& object, const std::string& key, const std::string& where,
                            std::size_t max) {
  const Json& list = *must(fields(object, where).array(key));
  const std::string path = where + "." + key;
  if (list.size() > max) {
    throw BadInput(path + ": " + std::to_string(list.size()) + " hashes, more than " +
                   std::to_string(max));
  }
  std::vector<Digest> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto d = ledger::read_digest(list[i]);
    if (!d) throw BadInput(d.error().with_context(path + "[" + std::to_string(i) + "]").message());
    require_node_hex(list[i], path + "[" + std::to_string(i) + "]");
    out.push_back(*d);
  }
  return out;
}

template <typename T>
T decode_hex(const Json& object, const std::string& where) {
  Bytes bytes = hex_bytes(object, "hex", where);
  auto value = ledger::decode<T>(bytes);
  if (!value) throw BadInput(where + ".hex: does not decode: " + value.error().message());
  return std::move(*value);
}

std::string short_json(const Json& value) {
  std::string s = value.dump();
  return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

// Every field the hex determines must be in the file with the same value:
// a decoded field that contradicts the hex is named.
void expect_same(const Json& from_hex, const Json& found, const std::string& where) {
  if (from_hex.is_object()) {
    if (!found.is_object()) throw BadInput(where + ": expected an object");
    for (const auto& [key, value] : from_hex.items()) {
      auto it = found.find(key);
      if (it == found.end()) throw BadInput(where + "." + key + ": missing");
      expect_same(value, *it, where + "." + key);
    }
    return;
  }
  if (from_hex.is_array()) {
    if (!found.is_array() || found.size() != from_hex.size()) {
      throw BadInput(where + ": the file has " + short_json(found) + " but its hex gives " +
                     short_json(from_hex));
    }
    for (std::size_t i = 0; i < from_hex.size(); ++i) {
      expect_same(from_hex[i], found[i], where + "[" + std::to_string(i) + "]");
    }
    return;
  }
  if (from_hex != found) {
    throw BadInput(where + ": the file says " + short_json(found) + " but its hex gives " +
                   short_json(from_hex));
  }
}

std::string hex(const Digest& d) { return to_hex(d); }
std::string brief(const Digest& d) { return to_hex(d).substr(0, 16) + "…"; }

// Decodes and checks one change's header, certificate and next set.
void follow_change(const Json& change, const ledger::ChainParams& params,
                   const ValidatorEpoch& current, ValidatorEpoch& next, const std::string& where) {
  crypto::HashAlgorithm algorithm = params.hash_algorithm();
  auto header = decode_hex<ledger::BlockHeader>(field(change, "header", where), where + ".header");
  Bytes header_bytes = hex_bytes(field(change, "header", where), "hex", where + ".header");
  Digest block_hash = crypto::hash(algorithm, header_bytes);
  auto certificate =
      decode_hex<ledger::CommitCertificate>(field(change, "certificate", where), where + ".certificate");
  auto set = decode_hex<ledger::ValidatorSet>(field(change, "nextValidatorSet", where),
                                             where + ".nextValidatorSet");
  std::uint64_t height = number(change, "height", where);
  if (header.height != height || certificate.height != height) {
    throw BadInput(where + ": its header or certificate is for another height");
  }
  if (header.chain_id != params.chain_id) {
    throw BadInput(where + ".header: chain '" + header.chain_id + "', not '" + params.chain_id + "'");
  }
  if (height < current.from_height) {
    throw BadInput(where + ": height " + std::to_string(height) + " is not after the previous change");
  }
  if (header.validator_set_hash != current.hash) {
    throw BadInput(where + ".header: names validator set " + brief(header.validator_set_hash) +
                   ", but the set in force is " + brief(current.hash));
  }
  if (certificate.block_hash != block_hash) {
    throw BadInput(where + ".certificate: certifies block " + brief(certificate.block_hash) +
                   ", not this header (" + brief(block_hash) + ")");
  }
  if (Status s = ledger::verify_certificate(params.chain_id, current.set, certificate); !s) {
    throw BadInput(where + ".certificate: " + s.error().message());
  }
  next.set = std::move(set);
  next.hash = ledger::validator_set_hash(next.set);
  if (next.hash != header.next_validator_set_hash) {
    throw BadInput(where + ".nextValidatorSet: hashes to " + brief(next.hash) +
                   ", but the certified header names " + brief(header.next_validator_set_hash));
  }
  next.from_height = height + 1;
}

}  // namespace

// ------------------------------------------------------------- validators

ValidatorHistory::ValidatorHistory(const ledger::Genesis& genesis) {
  params_ = ledger::chain_params(genesis);
  epochs_.push_back({1, genesis.validators, ledger::validator_set_hash(genesis.validators)});
}

Status ValidatorHistory::follow(const Json& changes) {
  std::vector<ValidatorEpoch> epochs = epochs_;
  std::uint64_t covered = 0;
  try {
    const std::string where = "validator changes";
    if (number(changes, "fromHeight", where) != 1) {
      throw BadInput(where + ".fromHeight: must be 1 (follow the set from genesis)");
    }
    auto initial = decode_hex<ledger::ValidatorSet>(field(changes, "initialValidatorSet", where),
                                                   where + ".initialValidatorSet");
    if (ledger::validator_set_hash(initial) != epochs.front().hash) {
      throw BadInput(where + ".initialValidatorSet: is not genesis's validator set");
    }
    if (fields(changes, where).has("next")) {
      throw BadInput(where + ".next: the document stops before toHeight; fetch the rest "
                             "(tracectl validator-changes get follows every page)");
    }
    covered = number(changes, "toHeight", where);
    const Json& list = *must(fields(changes, where).array("changes"));
    for (std::size_t i = 0; i < list.size(); ++i) {
      ValidatorEpoch next;
      follow_change(list[i], params_, epochs.back(), next,
                    where + ".changes[" + std::to_string(i) + "]");
      if (next.from_height - 1 > covered) throw BadInput(where + ": a change beyond toHeight");
      epochs.push_back(std::move(next));
    }
  } catch (const BadInput& e) {
    return Error(ErrorCode::kVerificationFailed, e.what());
  }
  epochs_ = std::move(epochs);
  covered_through_ = covered;
  return {};
}

const ValidatorEpoch& ValidatorHistory::at(std::uint64_t height) const {
  const ValidatorEpoch* found = &epochs_.front();
  for (const ValidatorEpoch& epoch : epochs_) {
    if (epoch.from_height > height) break;
    found = &epoch;
  }
  return *found;
}

// --------------------------------------------------------------- receipts

bool Verification::ok() const { return first_failure() == nullptr && !checks.empty(); }

const Check* Verification::first_failure() const {
  for (const Check& check : checks) {
    if (!check.ok) return &check;
  }
  return nullptr;
}

namespace {

// Runs one named check into `checks`: what `f` established, or why it failed.
template <typename F>
void run_check(std::vector<Check>& checks, std::string name, F f) {
  Check c{std::move(name), false, {}};
  try {
    c.detail = f();
    c.ok = true;
  } catch (const BadInput& e) {
    c.detail = e.what();
  } catch (const Json::exception& e) {
    c.detail = std::string("malformed JSON: ") + e.what();
  }
  checks.push_back(std::move(c));
}

// The format, chain, suite and genesis a document names must be these.
std::string check_document(const Json& file, std::string_view expected_format,
                           const ledger::Genesis& genesis, const std::string& where) {
  std::string format = text(file, "format", where);
  if (format != expected_format) {
    throw BadInput("format is '" + format + "', not " + std::string(expected_format));
  }
  std::string chain = text(file, "chainId", where);
  if (chain != genesis.chain_id) {
    throw BadInput("chainId is '" + chain + "' but genesis is for '" + genesis.chain_id + "'");
  }
  std::string suite = text(file, "suite", where);
  if (suite != crypto::suite_name(genesis.suite)) {
    throw BadInput("suite is '" + suite + "' but genesis uses " +
                   std::string(crypto::suite_name(genesis.suite)));
  }
  Digest genesis_hash = digest(file, "genesisHash", where);
  if (genesis_hash != ledger::genesis_hash(genesis)) {
    throw BadInput("genesisHash " + brief(genesis_hash) + " is not this genesis's (" +
                   brief(ledger::genesis_hash(genesis)) + ")");
  }
  return std::string(expected_format) + ", chain " + chain;
}

class ReceiptChecker {
 public:
  ReceiptChecker(const Json& file, const ledger::Genesis& genesis,
                 const ValidatorHistory& validators, const WitnessRequirement* witnesses)
      : file_(file),
        genesis_(genesis),
        validators_(validators),
        witnesses_(witnesses),
        algorithm_(crypto::suite_hash(genesis.suite)),
        hasher_(algorithm_) {}

  ReceiptVerification run() {
    check("format", [&] { return format(); });
    check("transaction", [&] { return transaction(); });
    check("signature", [&] { return signature(); });
    check("receipt", [&] { return receipt(); });
    check("log leaf", [&] { return leaf(); });
    check("header", [&] { return header(); });
    check("inclusion proof", [&] { return inclusion(); });
    check("validator set", [&] { return validator_set(); });
    check("commit certificate", [&] { return certificate(); });
    if (witnesses_) check("witnesses", [&] { return witnessed(); });
    return std::move(result_);
  }

 private:
  template <typename F>
  void check(std::string name, F f) {
    run_check(result_.checks, std::move(name), std::move(f));
  }

  const Json& part(const char* key) { return field(file_, key, "receipt file"); }

  std::string format() { return check_document(file_, kReceiptFormat, genesis_, "receipt file"); }

  const ledger::Transaction& tx() {
    if (!tx_) {
      const Json& j = part("transaction");
      tx_ = decode_hex<ledger::Transaction>(j, "transaction");
      tx_hash_ = crypto::hash(algorithm_, hex_bytes(j, "hex", "transaction"));
    }
    return *tx_;
  }

  std::string transaction() {
    const ledger::Transaction& t = tx();
    if (t.chain_id != genesis_.chain_id) {
      throw BadInput("transaction.hex: for chain '" + t.chain_id + "'");
    }
    expect_same(shapes::transaction_json(t, tx_hash_), part("transaction"), "transaction");
    auto kind = ledger::tx_kind_name(t.kind);
    result_.tx_hash = hex(tx_hash_);
    result_.kind = kind ? std::string(*kind) : "unknown";
    result_.sender = t.sender;
    return "hash " + hex(tx_hash_) + " (" + result_.kind + " by " + t.sender + ")";
  }

  std::string signature() {
    const ledger::Transaction& t = tx();
    const ledger::GenesisParticipant* founder = nullptr;
    for (const auto& p : genesis_.participants) {
      if (p.id == t.sender) founder = &p;
    }
    const Json& sender_key = file_.contains("senderKey") ? file_["senderKey"] : Json(nullptr);
    Bytes key_bytes;
    std::string source;
    if (!sender_key.is_null()) {
      key_bytes = hex_bytes(sender_key, "publicKey", "senderKey");
      std::uint64_t from = number(sender_key, "fromHeight", "senderKey");
      if (founder && from == 0 && key_bytes != founder->public_key) {
        throw BadInput("senderKey.publicKey: is not the key genesis gives " + t.sender);
      }
      if (!founder && from == 0) {
        throw BadInput("senderKey.fromHeight: 0, but genesis does not list " + t.sender);
      }
      source = founder && from == 0
                   ? "the sender's genesis key"
                   : "the sender's key from height " + std::to_string(from) +
                         " as the receipt states (not in genesis; the certificate covers the "
                         "transaction, not the key)";
    } else if (founder) {
      key_bytes = founder->public_key;
      source = "the sender's genesis key";
    } else {
      throw BadInput(t.sender + " is not in genesis and the receipt carries no senderKey");
    }
    auto key = crypto::PublicKey::from_bytes(genesis_.suite, key_bytes);
    if (!key) throw BadInput("senderKey.publicKey: " + key.error().message());
    if (Status s = ledger::verify_signature(t, *key); !s) {
      throw BadInput("the transaction's signature does not verify with " + source + ": " +
                     s.error().message());
    }
    return "valid, by " + t.sender + " with " + source;
  }

  const ledger::Receipt& receipt_value() {
    if (!receipt_) {
      const Json& j = part("receipt");
      receipt_ = decode_hex<ledger::Receipt>(j, "receipt");
      receipt_hash_ = crypto::hash(algorithm_, hex_bytes(j, "hex", "receipt"));
    }
    return *receipt_;
  }

  std::string receipt() {
    const ledger::Receipt& r = receipt_value();
    tx();
    if (r.tx_hash != tx_hash_) {
      throw BadInput("receipt.hex: is for transaction " + brief(r.tx_hash) + ", not " +
                     brief(tx_hash_));
    }
    expect_same(shapes::receipt_json(r, algorithm_), part("receipt"), "receipt");
    // The key in force at the transaction's height took effect at or below it.
    if (file_.contains("senderKey") && !file_["senderKey"].is_null()) {
      const std::uint64_t from = number(file_["senderKey"], "fromHeight", "senderKey");
      if (from > r.height) {
        throw BadInput("senderKey.fromHeight: " + std::to_string(from) +
                       " is above the transaction's height " + std::to_string(r.height) +
                       "; the key in force then took effect at or below it");
      }
    }
    result_.status = r.ok() ? "ok" : "failed";
    result_.height = r.height;
    result_.index = r.index;
    std::string outcome = r.ok() ? "ok" : "failed (" + std::string(ledger::reason_name(r.reason)) +
                                              ": " + r.message + ")";
    return "matches the transaction; status " + outcome + ", block " + std::to_string(r.height) +
           " index " + std::to_string(r.index);
  }

  std::string leaf() {
    const ledger::Receipt& r = receipt_value();
    tx();
    const Json& proof = part("inclusionProof");
    const Json& leaf_json = field(proof, "leaf", "inclusionProof");
    auto found = decode_hex<ledger::LogLeaf>(leaf_json, "inclusionProof.leaf");
    ledger::LogLeaf expected{tx_hash_, receipt_hash_, r.height, r.index};
    if (found != expected) {
      throw BadInput("inclusionProof.leaf.hex: is not the leaf of this transaction and receipt");
    }
    leaf_ = expected;
    return "leaf " + brief(ledger::log_leaf_hash(hasher_, expected)) + " = H(00 ‖ tx ‖ receipt ‖ " +
           "height ‖ index)";
  }

  const ledger::BlockHeader& header_value() {
    if (!header_) {
      const Json& j = part("header");
      header_ = decode_hex<ledger::BlockHeader>(j, "header");
      header_hash_ = crypto::hash(algorithm_, hex_bytes(j, "hex", "header"));
    }
    return *header_;
  }

  std::string header() {
    const ledger::BlockHeader& h = header_value();
    if (h.chain_id != genesis_.chain_id) throw BadInput("header.hex: for chain '" + h.chain_id + "'");
    expect_same(shapes::header_json(h, algorithm_), part("header"), "header");
    const ledger::Receipt& r = receipt_value();
    if (h.height < r.height) {
      throw BadInput("header: height " + std::to_string(h.height) +
                     " is below the receipt's block " + std::to_string(r.height));
    }
    result_.header_height = h.height;
    result_.header_hash = hex(header_hash_);
    result_.log_size = h.log_size;
    result_.log_root = hex(h.log_root);
    return "block " + std::to_string(h.height) + " hash " + hex(header_hash_);
  }

  std::string inclusion() {
    const ledger::BlockHeader& h = header_value();
    if (!leaf_) throw BadInput("no valid log leaf to prove (see above)");
    const Json& j = part("inclusionProof");
    storage::InclusionProof proof;
    proof.leaf = *leaf_;
    proof.leaf_index = number(j, "leafIndex", "inclusionProof");
    proof.log_size = number(j, "logSize", "inclusionProof");
    proof.path = digests(j, "path", "inclusionProof", 64);
    expect_same(shapes::inclusion_proof_json(proof, hasher_), j, "inclusionProof");
    if (proof.log_size != h.log_size) {
      throw BadInput("inclusionProof.logSize " + std::to_string(proof.log_size) +
                     " is not the header's log size " + std::to_string(h.log_size));
    }
    if (proof.leaf_index >= proof.log_size) {
      throw BadInput("inclusionProof.leafIndex " + std::to_string(proof.leaf_index) +
                     " is outside a log of " + std::to_string(proof.log_size));
    }
    if (Status s = crypto::verify_inclusion(hasher_, proof.leaf_index, proof.log_size,
                                            ledger::log_leaf_hash(hasher_, proof.leaf), proof.path,
                                            h.log_root);
        !s) {
      throw BadInput("the proof does not lead to the header's log root: " + s.error().message());
    }
    leaf_index_ = proof.leaf_index;
    return "leaf " + std::to_string(proof.leaf_index) + " of " + std::to_string(proof.log_size) +
           " leads to log root " + brief(h.log_root);
  }

  // One "witnessed" entry: a checkpoint of this chain's log cosigned by some
  // of the given witnesses, and the transaction's leaf proven in it. Returns
  // the positions of the witnesses whose cosignature holds.
  std::vector<std::size_t> witnessed_entry(const Json& entry, const std::string& where,
                                           const std::string& origin) {
    auto note = ledger::parse_note(text(entry, "note", where));
    if (!note) throw BadInput(where + ".note: " + note.error().message());
    auto checkpoint = ledger::parse_checkpoint(note->text);
    if (!checkpoint) throw BadInput(where + ".note: " + checkpoint.error().message());
    if (checkpoint->origin != origin) {
      throw BadInput(where + ": a checkpoint of log '" + checkpoint->origin + "', not this chain's ('" +
                     origin + "')");
    }
    auto verified = ledger::verify_cosignatures(*note, witnesses_->cosigners);
    if (!verified) throw BadInput(where + ": " + verified.error().message());
    if (verified->empty()) throw BadInput(where + ": cosigned by none of the witnesses given");
    const Json& j = field(entry, "inclusionProof", where);
    storage::InclusionProof proof;
    proof.leaf = *leaf_;
    proof.leaf_index = number(j, "leafIndex", where + ".inclusionProof");
    proof.log_size = number(j, "logSize", where + ".inclusionProof");
    proof.path = digests(j, "path", where + ".inclusionProof", 64);
    expect_same(shapes::inclusion_proof_json(proof, hasher_), j, where + ".inclusionProof");
    if (proof.leaf_index != leaf_index_ || proof.log_size != checkpoint->size) {
      throw BadInput(where + ".inclusionProof: proves leaf " + std::to_string(proof.leaf_index) +
                     " of " + std::to_string(proof.log_size) + ", not the transaction's leaf " +
                     std::to_string(*leaf_index_) + " in the cosigned log of " +
                     std::to_string(checkpoint->size));
    }
    if (Status s = crypto::verify_inclusion(hasher_, proof.leaf_index, proof.log_size,
                                            ledger::log_leaf_hash(hasher_, proof.leaf), proof.path,
                                            checkpoint->root);
        !s) {
      throw BadInput(where + ": the transaction is not in the cosigned log (root " +
                     brief(checkpoint->root) + "): " + s.error().message());
    }
    std::vector<std::size_t> positions;
    for (const ledger::VerifiedCosignature& v : *verified) positions.push_back(v.cosigner);
    return positions;
  }

  std::string witnessed() {
    if (!leaf_ || !leaf_index_) throw BadInput("no valid log leaf to prove (see above)");
    const WitnessRequirement& w = *witnesses_;
    const std::string origin = ledger::checkpoint_origin(ledger::chain_params(genesis_));
    const Json* list = file_.contains("witnessed") ? &file_["witnessed"] : nullptr;
    if (!list || !list->is_array()) {
      throw BadInput("the receipt carries no witnessed checkpoints (fetch it with witnessed: "
                     "true; tracectl receipt --witnessed)");
    }
    if (list->size() > ledger::kMaxNoteSignatures) {
      throw BadInput("witnessed: more than " + std::to_string(ledger::kMaxNoteSignatures) + " entries");
    }
    std::vector<bool> proven(w.cosigners.size(), false);
    std::string problems;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string where = "witnessed[" + std::to_string(i) + "]";
      try {
        for (std::size_t position : witnessed_entry((*list)[i], where, origin)) proven[position] = true;
      } catch (const BadInput& e) {
        problems += std::string("; ") + e.what();
      } catch (const Json::exception& e) {
        problems += "; " + where + ": malformed JSON: " + e.what();
      }
    }
    std::string names;
    std::size_t count = 0;
    for (std::size_t i = 0; i < proven.size(); ++i) {
      if (!proven[i]) continue;
      ++count;
      names += (names.empty() ? "" : ", ") + w.cosigners[i].name;
    }
    const std::string tally = std::to_string(count) + " of the " + std::to_string(w.cosigners.size()) +
                              " witnesses given cosigned a checkpoint holding the transaction";
    if (count < w.required) {
      throw BadInput(tally + (names.empty() ? "" : " (" + names + ")") + "; " +
                     std::to_string(w.required) + " required" + problems);
    }
    return tally + ": " + names;
  }

  std::string validator_set() {
    const ledger::BlockHeader& h = header_value();
    const Json& j = part("validatorSet");
    auto set = decode_hex<ledger::ValidatorSet>(j, "validatorSet");
    expect_same(shapes::validator_set_json(set), j, "validatorSet");
    Digest hash = ledger::validator_set_hash(set);
    if (hash != h.validator_set_hash) {
      throw BadInput("validatorSet hashes to " + brief(hash) + " but the header names " +
                     brief(h.validator_set_hash));
    }
    const ValidatorEpoch& trusted = validators_.at(h.height);
    if (trusted.hash != h.validator_set_hash) {
      throw BadInput("the header's validator set " + brief(h.validator_set_hash) +
                     " is not the set trusted at height " + std::to_string(h.height) + " (" +
                     brief(trusted.hash) + ", " +
                     (trusted.from_height == 1 ? std::string("genesis's")
                                               : "in force from height " +
                                                     std::to_string(trusted.from_height)) +
                     "); if the validators changed, pass --changes with the changes from genesis");
    }
    std::string origin = trusted.from_height == 1
                             ? "genesis's set"
                             : "the set in force from height " +
                                   std::to_string(trusted.from_height) +
                                   ", followed from genesis through the changes";
    if (validators_.covered_through() > 0 && h.height > validators_.covered_through() + 1) {
      origin += " (the changes file covers heights up to " +
                std::to_string(validators_.covered_through()) + " only)";
    }
    return std::to_string(set.validators.size()) + " validators, " + origin;
  }

  std::string certificate() {
    const ledger::BlockHeader& h = header_value();
    const Json& j = part("certificate");
    auto certificate = decode_hex<ledger::CommitCertificate>(j, "certificate");
    expect_same(shapes::certificate_json(certificate), j, "certificate");
    if (certificate.height != h.height || certificate.block_hash != header_hash_) {
      throw BadInput("certificate: certifies block " + std::to_string(certificate.height) + " " +
                     brief(certificate.block_hash) + ", not this header (" +
                     std::to_string(h.height) + " " + brief(header_hash_) + ")");
    }
    const ValidatorEpoch& trusted = validators_.at(h.height);
    if (Status s = ledger::verify_certificate(genesis_.chain_id, trusted.set, certificate); !s) {
      throw BadInput("certificate: " + s.error().message());
    }
    return std::to_string(certificate.signatures.size()) + " of " +
           std::to_string(trusted.set.validators.size()) +
           " validators signed, more than two thirds of the power";
  }

  const Json& file_;
  const ledger::Genesis& genesis_;
  const ValidatorHistory& validators_;
  const WitnessRequirement* witnesses_;
  crypto::HashAlgorithm algorithm_;
  crypto::MerkleHasher hasher_;
  ReceiptVerification result_;
  std::optional<std::uint64_t> leaf_index_;
  std::optional<ledger::Transaction> tx_;
  Digest tx_hash_{};
  std::optional<ledger::Receipt> receipt_;
  Digest receipt_hash_{};
  std::optional<ledger::LogLeaf> leaf_;
  std::optional<ledger::BlockHeader> header_;
  Digest header_hash_{};
};

}  // namespace

ReceiptVerification verify_receipt(const Json& receipt, const ledger::Genesis& genesis,
                                   const ValidatorHistory& validators,
                                   const WitnessRequirement* witnesses) {
  return ReceiptChecker(receipt, genesis, validators, witnesses).run();
}

std::vector<ledger::NoteVerifier> policy_cosigners(const ledger::Genesis& genesis) {
  std::vector<ledger::NoteVerifier> cosigners;
  for (const ledger::PolicyWitness& witness : genesis.policy.witnesses) {
    cosigners.push_back(ledger::policy_cosigner(witness));
  }
  return cosigners;
}

namespace {

// The fields every verification's JSON has: ok, failure, checks.
Json verification_fields(const Verification& v) {
  Json checks = Json::array();
  for (const Check& c : v.checks) {
    checks.push_back({{"name", c.name}, {"ok", c.ok}, {"detail", c.detail}});
  }
  const Check* failure = v.first_failure();
  return {{"ok", v.ok()},
          {"failure", failure ? Json(failure->name + ": " + failure->detail) : Json(nullptr)},
          {"checks", std::move(checks)}};
}

// One line per check; then FAILED and the first failure, returning false, or
// nothing, returning true (the caller says what was verified).
bool print_checks(std::ostream& out, const Verification& v) {
  for (const Check& c : v.checks) {
    out << (c.ok ? "✓ " : "✗ ") << c.name << ": " << c.detail << "\n";
  }
  if (const Check* failure = v.first_failure()) {
    out << "FAILED: " << failure->name << ": " << failure->detail << "\n";
    return false;
  }
  return true;
}

}  // namespace

Json verification_json(const ReceiptVerification& v) {
  Json out = verification_fields(v);
  out.update({
      {"txHash", v.tx_hash},
      {"kind", v.kind},
      {"sender", v.sender},
      {"status", v.status},
      {"height", v.height},
      {"index", v.index},
      {"checkpoint",
       {{"height", v.header_height},
        {"headerHash", v.header_hash},
        {"logSize", v.log_size},
        {"logRoot", v.log_root}}},
  });
  return out;
}

void print_verification(std::ostream& out, const ReceiptVerification& v) {
  if (print_checks(out, v)) {
    out << "VERIFIED: transaction " << v.tx_hash << " was committed at height " << v.height
        << " with status " << v.status << "\n";
  }
}

// ------------------------------------------------------------ consistency

Result<LogCheckpoint> certified_checkpoint(const Json& header_json, const Json& certificate_json,
                                           const ledger::Genesis& genesis,
                                           const ValidatorHistory& validators,
                                           const std::string& where) {
  try {
    crypto::HashAlgorithm algorithm = crypto::suite_hash(genesis.suite);
    auto header = decode_hex<ledger::BlockHeader>(header_json, where + ".header");
    Digest hash = crypto::hash(algorithm, hex_bytes(header_json, "hex", where + ".header"));
    auto certificate =
        decode_hex<ledger::CommitCertificate>(certificate_json, where + ".certificate");
    if (header.chain_id != genesis.chain_id) {
      throw BadInput(where + ".header: for chain '" + header.chain_id + "'");
    }
    if (certificate.height != header.height || certificate.block_hash != hash) {
      throw BadInput(where + ".certificate: is not for this header");
    }
    const ValidatorEpoch& trusted = validators.at(header.height);
    if (header.validator_set_hash != trusted.hash) {
      throw BadInput(where + ".header: its validator set is not the trusted one at height " +
                     std::to_string(header.height) + " (pass --changes)");
    }
    if (Status s = ledger::verify_certificate(genesis.chain_id, trusted.set, certificate); !s) {
      throw BadInput(where + ".certificate: " + s.error().message());
    }
    return LogCheckpoint{header.height, header.log_size, header.log_root, header.time_ms, header};
  } catch (const BadInput& e) {
    return Error(ErrorCode::kVerificationFailed, e.what());
  } catch (const Json::exception& e) {
    return Error(ErrorCode::kInvalidInput, where + ": malformed JSON: " + e.what());
  }
}

Result<CheckpointVerification> verify_checkpoint(const Json& answer, const ledger::Genesis& genesis,
                                                 const ValidatorHistory& validators) {
  const std::string where = "checkpoint";
  try {
    if (!answer.is_object()) throw BadInput(where + ": not a JSON object");
    auto certified = certified_checkpoint(answer.at("header"), answer.at("certificate"), genesis,
                                          validators, where);
    if (!certified) return certified.error();
    CheckpointVerification v;
    v.checkpoint = *certified;
    const ledger::ChainParams params = ledger::chain_params(genesis);
    v.text = ledger::checkpoint_text(ledger::checkpoint_of(params, certified->header));
    if (answer.at("checkpoint").get<std::string>() != v.text) {
      throw BadInput(where + ": its text is not the checkpoint of the certified header at height " +
                     std::to_string(certified->height) + " (expected origin " +
                     ledger::checkpoint_origin(params) + ", size " +
                     std::to_string(certified->size) + ")");
    }
    const Json& note_text = answer.at("signedNote");
    if (note_text.is_null()) return v;
    auto note = ledger::parse_note(note_text.get<std::string>());
    if (!note) throw BadInput(where + ".signedNote: " + note.error().message());
    if (note->text != v.text) throw BadInput(where + ".signedNote: signs another text");
    // Every validator of that height, under the origin's name.
    std::vector<ledger::NoteVerifier> verifiers;
    std::vector<std::string> ids;
    const ledger::ValidatorSet& set = validators.at(certified->height).set;
    for (const ledger::Validator& validator : set.validators) {
      auto key = crypto::PublicKey::from_bytes(set.suite, validator.public_key);
      if (!key) continue;
      verifiers.push_back({ledger::checkpoint_origin(params), std::move(*key)});
      ids.push_back(validator.id);
    }
    auto verified = ledger::verify_note(*note, verifiers);
    if (!verified) {
      throw BadInput(where + ".signedNote: " + verified.error().message() +
                     " (the validators at height " + std::to_string(certified->height) + ")");
    }
    v.signed_note = note_text.get<std::string>();
    v.signer = ids[verified->front()];
    auto cosigned = ledger::verify_cosignatures(*note, policy_cosigners(genesis));
    if (!cosigned) throw BadInput(where + ".signedNote: " + cosigned.error().message());
    for (const ledger::VerifiedCosignature& c : *cosigned) {
      v.cosigned.push_back({genesis.policy.witnesses[c.cosigner].participant, c.time});
    }
    return v;
  } catch (const BadInput& e) {
    return Error(ErrorCode::kVerificationFailed, e.what());
  } catch (const Json::exception& e) {
    return Error(ErrorCode::kInvalidInput, where + ": malformed JSON: " + e.what());
  }
}

Status verify_consistency_proof(const Json& proof, const LogCheckpoint& from,
                                const LogCheckpoint& to, crypto::HashAlgorithm algorithm) {
  try {
    const std::string where = "consistency proof";
    std::uint64_t from_size = number(proof, "fromSize", where);
    std::uint64_t to_size = number(proof, "toSize", where);
    if (from_size != from.size || to_size != to.size) {
      throw BadInput(where + ": is from size " + std::to_string(from_size) + " to " +
                     std::to_string(to_size) + ", but the checkpoints have sizes " +
                     std::to_string(from.size) + " and " + std::to_string(to.size));
    }
    if (digest(proof, "fromRoot", where) != from.root || digest(proof, "toRoot", where) != to.root) {
      throw BadInput(where + ": its roots are not the certified headers' log roots");
    }
    std::vector<Digest> nodes = digests(proof, "path", where, 128);
    if (Status s = crypto::verify_consistency(crypto::MerkleHasher(algorithm), from.size, to.size,
                                              from.root, to.root, nodes);
        !s) {
      throw BadInput("the log of " + std::to_string(to.size) + " leaves does not extend the log of " +
                     std::to_string(from.size) + ": " + s.error().message());
    }
  } catch (const BadInput& e) {
    return Error(ErrorCode::kVerificationFailed, e.what());
  } catch (const Json::exception& e) {
    return Error(ErrorCode::kInvalidInput, std::string("consistency proof: malformed JSON: ") + e.what());
  }
  return {};
}

// ------------------------------------------------------------ state proofs

namespace {

class StateProofChecker {
 public:
  StateProofChecker(const Json& file, const ledger::Genesis& genesis,
                    const ValidatorHistory& validators)
      : file_(file),
        genesis_(genesis),
        validators_(validators),
        algorithm_(crypto::suite_hash(genesis.suite)) {}

  StateProofVerification run() {
    check("format", [&] { return format(); });
    check("header", [&] { return header(); });
    check("value", [&] { return value(); });
    check("state proof", [&] { return proof(); });
    return std::move(result_);
  }

 private:
  template <typename F>
  void check(std::string name, F f) {
    run_check(result_.checks, std::move(name), std::move(f));
  }

  std::string format() {
    return check_document(file_, shapes::kStateProofFormat, genesis_, "state proof");
  }

  std::string header() {
    auto checkpoint = certified_checkpoint(field(file_, "header", "state proof"),
                                           field(file_, "certificate", "state proof"), genesis_,
                                           validators_, "state proof");
    if (!checkpoint) throw BadInput(checkpoint.error().message());
    const ledger::BlockHeader& h = checkpoint->header;
    expect_same(shapes::header_json(h, algorithm_), file_["header"], "header");
    if (!h.state_tree()) {
      throw BadInput("the header of height " + std::to_string(h.height) +
                     " is of format 1: its state root is a hash chain of deltas, which proves "
                     "no single key");
    }
    if (number(file_, "height", "state proof") != h.height) {
      throw BadInput("height " + std::to_string(number(file_, "height", "state proof")) +
                     " is not the header's " + std::to_string(h.height));
    }
    header_ = h;
    result_.height = h.height;
    result_.header_hash = hex(ledger::header_hash(algorithm_, h));
    result_.state_root = hex(h.state_root);
    return "block " + std::to_string(h.height) + " certified by the trusted validators; state root " +
           brief(h.state_root);
  }

  std::string value() {
    result_.key = text(file_, "key", "state proof");
    if (!file_.contains("value")) throw BadInput("state proof.value: missing");
    const Json& value = file_["value"];
    if (value.is_null()) return "'" + result_.key + "' holds nothing, the proof says";
    Bytes bytes = hex_bytes(value, "hex", "value");
    result_.record = shapes::state_record_json(result_.key, bytes);
    expect_same(result_.record, field(value, "record", "value"), "value.record");
    result_.value = std::move(bytes);
    return "'" + result_.key + "' = " + std::to_string(result_.value->size()) + " bytes (hash " +
           brief(crypto::hash(algorithm_, *result_.value)) + ")";
  }

  std::string proof() {
    if (!header_) throw BadInput("no certified header to prove against (see above)");
    if (!result_.checks.back().ok) throw BadInput("no value to prove (see above)");
    const Json& j = field(file_, "proof", "state proof");
    auto proof = decode_hex<ledger::StateTreeProof>(j, "proof");
    if (Status s = ledger::verify_state_proof(algorithm_, header_->state_root, result_.key,
                                              result_.value, proof);
        !s) {
      throw BadInput(s.error().message());
    }
    return std::to_string(proof.siblings.size()) + " siblings lead to the state root of block " +
           std::to_string(header_->height);
  }

  const Json& file_;
  const ledger::Genesis& genesis_;
  const ValidatorHistory& validators_;
  crypto::HashAlgorithm algorithm_;
  StateProofVerification result_;
  std::optional<ledger::BlockHeader> header_;
};

}  // namespace

StateProofVerification verify_state_proof(const Json& proof, const ledger::Genesis& genesis,
                                          const ValidatorHistory& validators) {
  return StateProofChecker(proof, genesis, validators).run();
}

Json verification_json(const StateProofVerification& v) {
  Json out = verification_fields(v);
  out.update({
      {"key", v.key},
      {"present", v.value.has_value()},
      {"valueHex", v.value ? Json(to_hex(*v.value)) : Json(nullptr)},
      {"record", v.record},
      {"height", v.height},
      {"headerHash", v.header_hash},
      {"stateRoot", v.state_root},
  });
  return out;
}

void print_verification(std::ostream& out, const StateProofVerification& v) {
  if (!print_checks(out, v)) return;
  if (v.value) {
    out << "VERIFIED: '" << v.key << "' held this value at height " << v.height << "\n";
  } else {
    out << "VERIFIED: '" << v.key << "' held nothing at height " << v.height << "\n";
  }
}

Result<CompleteHistory> verify_history(const Json& history_proof, std::string_view record_key,
                                       std::span<const Digest> tx_hashes,
                                       const ledger::Genesis& genesis,
                                       const ValidatorHistory& validators, bool allow_later) {
  StateProofVerification v = verify_state_proof(history_proof, genesis, validators);
  if (const Check* failure = v.first_failure()) {
    return Error(ErrorCode::kVerificationFailed,
                 "history proof: " + failure->name + ": " + failure->detail);
  }
  const std::string expected_key = ledger::keys::history(record_key);
  if (v.key != expected_key) {
    return Error(ErrorCode::kVerificationFailed, "the history proof is for '" + v.key +
                                                     "', not '" + expected_key + "'");
  }
  ledger::HistoryCommitment commitment;  // no value: no transaction touched it
  if (v.value) {
    auto decoded = ledger::decode<ledger::HistoryCommitment>(*v.value);
    if (!decoded) {
      return Error(ErrorCode::kVerificationFailed,
                   "the proven history commitment does not decode: " + decoded.error().message());
    }
    commitment = *decoded;
  }
  std::span<const Digest> covered = tx_hashes;
  if (allow_later && covered.size() > commitment.count) covered = covered.first(commitment.count);
  if (Status s = ledger::check_history_complete(crypto::suite_hash(genesis.suite), commitment,
                                                covered);
      !s) {
    return s.error().with_context("the history of '" + std::string(record_key) + "' at height " +
                                  std::to_string(v.height));
  }
  return CompleteHistory{v.height, commitment};
}

// Whether `entries` (each with its "txHash", in order) are the whole history
// of the record at `record_key`, by the history proof in `answer`: sets
// answer["completeness"] either way and returns whether it holds.
bool check_completeness(Json& answer, const std::string& record_key, const Json& entries,
                        const ledger::Genesis& genesis,
                        const ValidatorHistory& validators, bool allow_later) {
  auto fail = [&](const std::string& detail) {
    answer["completeness"] = {{"complete", false}, {"detail", detail}};
    return false;
  };
  std::vector<Digest> hashes;
  for (const Json& entry : entries) {
    auto hash = digest_from_hex(entry.is_object() ? entry.value("txHash", "") : "");
    if (!hash) return fail("an entry has no valid txHash");
    hashes.push_back(*hash);
  }
  if (!answer.contains("historyProof")) return fail("the node sent no history proof");
  auto complete = verify_history(answer["historyProof"], record_key, hashes, genesis, validators,
                                 allow_later);
  if (!complete) return fail(complete.error().message());
  answer["completeness"] = {
      {"complete", true}, {"height", complete->height}, {"count", complete->commitment.count}};
  return true;
}

// The line that says what check_completeness found.
std::string completeness_line(const Json& answer) {
  const Json& c = answer.contains("completeness") ? answer["completeness"] : Json(nullptr);
  if (c.is_null()) return "";
  if (!c.value("complete", false)) return "✗ not proven complete: " + c.value("detail", "") + "\n";
  return "✓ complete at height " + std::to_string(c.value("height", std::uint64_t{0})) + ": " +
         std::to_string(c.value("count", std::uint64_t{0})) +
         " transactions, none missing, none added, in order (the history commitment is proven "
         "against the certified header)\n";
}

}  // namespace tracechain::cli
