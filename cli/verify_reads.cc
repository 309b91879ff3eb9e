#include "cli/verify_reads.h"

#include "cli/print.h"
#include "ledger/json_fields.h"
#include "ledger/payloads.h"

namespace tracechain::cli {

std::string entries_text(std::uint64_t n) {
  return std::to_string(n) + (n == 1 ? " entry" : " entries");
}

namespace {

// The checkpoint's receipt verified against genesis, and naming the
// checkpoint the page claims: an access.checkpoint by the log's participant
// that committed, with this size and root.
Verification verify_checkpoint_receipt(const Json& page, const ledger::Genesis& genesis,
                                       const ValidatorHistory& validators, std::uint64_t& size,
                                       Digest& root) {
  Verification out;
  auto check = [&](std::string name, bool ok, std::string detail) {
    out.checks.push_back({std::move(name), ok, std::move(detail)});
    return ok;
  };
  auto fields = ledger::JsonFields::of(page, "answer");
  if (!fields) {
    check("answer", false, fields.error().message());
    return out;
  }
  auto checkpoint = fields->object("checkpoint");
  auto participant = fields->identifier("participant");
  auto size_field = checkpoint ? checkpoint->whole_number("size") : Result<std::uint64_t>(checkpoint.error());
  auto root_field = checkpoint ? checkpoint->digest("root") : Result<Digest>(checkpoint.error());
  if (!check("checkpoint", participant && size_field && root_field,
             !participant   ? participant.error().message()
             : !size_field ? size_field.error().message()
             : !root_field ? root_field.error().message()
                           : "of " + entries_text(*size_field) + " by " + *participant)) {
    return out;
  }
  size = *size_field;
  root = *root_field;
  const Json* receipt = fields->find("checkpointReceipt");
  if (!receipt) {
    check("checkpoint receipt", false, "missing");
    return out;
  }
  ReceiptVerification verified = verify_receipt(*receipt, genesis, validators);
  if (!check("checkpoint receipt", verified.ok(),
             verified.ok() ? "committed at height " + std::to_string(verified.height) +
                                 ", verified against genesis"
                           : verified.first_failure()->name + ": " +
                                 verified.first_failure()->detail)) {
    return out;
  }
  // The receipt verified the transaction's bytes; read its payload from them.
  auto tx_hex = ledger::JsonFields::of((*receipt)["transaction"], "transaction");
  auto bytes = tx_hex ? tx_hex->hex("hex", ledger::kMaxTransactionSize) : Result<Bytes>(tx_hex.error());
  auto tx = bytes ? ledger::decode<ledger::Transaction>(*bytes) : Result<ledger::Transaction>(bytes.error());
  auto payload = tx ? ledger::decode_payload(tx->kind, tx->payload, tx->suite)
                    : Result<ledger::Payload>(tx.error());
  const auto* cp = payload ? std::get_if<ledger::AccessCheckpointPayload>(&*payload) : nullptr;
  std::string why;
  if (!payload) {
    why = payload.error().message();
  } else if (!cp) {
    why = "the receipt's transaction is " + verified.kind + ", not access.checkpoint";
  } else if (tx->sender != *participant) {
    why = "the checkpoint was sent by '" + tx->sender + "', not '" + *participant + "'";
  } else if (verified.status != "ok") {
    why = "the checkpoint transaction failed";
  } else if (cp->size != size || cp->root != root) {
    why = "the committed checkpoint is of " + entries_text(cp->size) + " with root " +
          to_hex(cp->root) + ", not the one the answer names";
  }
  check("checkpoint on chain", why.empty(),
        why.empty() ? "access.checkpoint of " + entries_text(size) + ", root " +
                          short_hash(to_hex(root))
                    : why);
  return out;
}

}  // namespace

bool ReadsVerification::ok() const {
  if (has_checkpoint && !checkpoint.ok()) return false;
  for (const Entry& e : entries) {
    if (e.state == Entry::State::kFailed) return false;
  }
  return true;
}

ReadsVerification verify_reads(const Json& page, const ledger::Genesis& genesis,
                               const ValidatorHistory& validators) {
  ReadsVerification out;
  std::uint64_t size = 0;
  Digest root{};
  out.has_checkpoint = page.is_object() && page.contains("checkpoint") && !page["checkpoint"].is_null();
  if (out.has_checkpoint) {
    out.checkpoint = verify_checkpoint_receipt(page, genesis, validators, size, root);
    out.checkpoint_size = size;
    if (page["checkpoint"].contains("height") && page["checkpoint"]["height"].is_number_unsigned()) {
      out.checkpoint_height = page["checkpoint"]["height"].get<std::uint64_t>();
    }
  }
  const bool anchored = out.has_checkpoint && out.checkpoint.ok();
  const crypto::MerkleHasher hasher(crypto::suite_hash(genesis.suite));
  const std::string node = page.is_object() && page.contains("node") && page["node"].is_string()
                               ? page["node"].get<std::string>()
                               : "";
  if (!page.is_object() || !page.contains("entries") || !page["entries"].is_array()) {
    out.checkpoint.checks.push_back({"entries", false, "missing or not a list"});
    return out;
  }
  for (const Json& item : page["entries"]) {
    ReadsVerification::Entry e;
    auto fields = ledger::JsonFields::of(item, "entry");
    auto index = fields ? fields->whole_number("index") : Result<std::uint64_t>(fields.error());
    auto bytes = fields ? fields->hex("hex", std::size_t{16} << 20) : Result<Bytes>(fields.error());
    if (!index || !bytes) {
      e.detail = !index ? index.error().message() : bytes.error().message();
      out.entries.push_back(std::move(e));
      continue;
    }
    e.index = *index;
    auto decoded = ledger::decode<ledger::ReadEntry>(*bytes);
    if (!decoded) {
      e.detail = "the entry does not decode: " + decoded.error().message();
      out.entries.push_back(std::move(e));
      continue;
    }
    e.entry = *decoded;
    const Json* proof = fields->find("inclusionProof");
    if (decoded->node != node) {
      e.detail = "recorded by node '" + decoded->node + "', not '" + node + "'";
    } else if (!anchored) {
      e.state = out.has_checkpoint ? ReadsVerification::Entry::State::kFailed
                                   : ReadsVerification::Entry::State::kPending;
      if (out.has_checkpoint) e.detail = "the checkpoint does not verify";
    } else if (e.index >= size) {
      e.state = ReadsVerification::Entry::State::kPending;  // recorded after the checkpoint
    } else if (!proof || !proof->is_array()) {
      e.detail = "no inclusion proof for an entry the checkpoint covers";
    } else {
      std::vector<Digest> path;
      std::string bad;
      for (const Json& node_hash : *proof) {
        auto digest = ledger::read_digest(node_hash);
        if (!digest) {
          bad = digest.error().message();
          break;
        }
        path.push_back(*digest);
      }
      Status verified = bad.empty() ? crypto::verify_inclusion(hasher, e.index, size,
                                                               hasher.leaf(*bytes), path, root)
                                    : Status(Error(ErrorCode::kInvalidInput, bad));
      if (verified) {
        e.state = ReadsVerification::Entry::State::kProven;
      } else {
        e.detail = "inclusion proof: " + verified.error().message();
      }
    }
    out.entries.push_back(std::move(e));
  }
  return out;
}

}  // namespace tracechain::cli
