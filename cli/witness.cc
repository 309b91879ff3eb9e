#include "cli/witness.h"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <set>
#include <thread>

#include "cli/audit.h"
#include "cli/commands.h"
#include "crypto/file_util.h"
#include "ledger/validators.h"

namespace tracechain::cli {

namespace fs = std::filesystem;

namespace {

// A state file holds one checkpoint answer: a few KiB.
constexpr std::size_t kMaxStateBytes = 1 << 20;

Error verification_failed(const std::string& what) {
  return Error(ErrorCode::kVerificationFailed, what);
}

Digest header_hash_of(const ledger::Genesis& genesis, const ledger::BlockHeader& header) {
  return ledger::header_hash(crypto::suite_hash(genesis.suite), header);
}

WitnessState state_of(const ledger::Genesis& genesis, const Json& answer,
                      const CheckpointVerification& v) {
  // Only what the witness needs of it, the cosignatures stripped (they
  // change with every cosigning, the checkpoint does not).
  Json kept = answer;
  kept.erase("cosignatures");
  return {std::move(kept), v.checkpoint.height, v.checkpoint.size, v.checkpoint.root,
          header_hash_of(genesis, v.checkpoint.header)};
}

}  // namespace

// ------------------------------------------------------------------ state

Result<std::optional<WitnessState>> load_witness_state(const fs::path& path,
                                                       const ledger::Genesis& genesis) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::optional<WitnessState>();
  auto document = read_json_file(path, kMaxStateBytes);
  if (!document) return document.error();
  const std::string where = path.string();
  try {
    if (!document->is_object() || document->value("format", "") != kWitnessStateFormat) {
      throw std::runtime_error("not a " + std::string(kWitnessStateFormat) + " file");
    }
    const Json& answer = document->at("checkpoint");
    // What step() reads of it later must be there now.
    if (!answer.at("certificate").is_object() || !answer.at("checkpoint").is_string()) {
      throw std::runtime_error("checkpoint.certificate or checkpoint.checkpoint is missing");
    }
    auto bytes = from_hex(answer.at("header").at("hex").get<std::string>());
    if (!bytes) throw std::runtime_error("checkpoint.header.hex is not hex");
    auto header = ledger::decode<ledger::BlockHeader>(*bytes);
    if (!header) throw std::runtime_error("checkpoint.header: " + header.error().message());
    const std::string origin = ledger::checkpoint_origin(ledger::chain_params(genesis));
    const std::string text = answer.at("checkpoint").get<std::string>();
    if (header->chain_id != genesis.chain_id || !text.starts_with(origin + "\n")) {
      throw std::runtime_error("a checkpoint of chain '" + header->chain_id + "' (" +
                               text.substr(0, text.find('\n')) + "), not of " + origin);
    }
    return std::optional<WitnessState>(WitnessState{answer, header->height, header->log_size,
                                                    header->log_root,
                                                    header_hash_of(genesis, *header)});
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInvalidInput,
                 where + ": " + e.what() + " (the witness state is not replaced: move it away "
                                          "only if this witness never cosigned with it)");
  }
}

Status save_witness_state(const fs::path& path, const WitnessState& state) {
  Json document = {{"format", kWitnessStateFormat},
                   {"height", state.height},
                   {"logSize", state.size},
                   {"logRoot", to_hex(state.root)},
                   {"checkpoint", state.checkpoint}};
  return write_file_atomic(path, document.dump(2) + "\n", 0600, Overwrite::kReplace);
}

// ---------------------------------------------------------------- Witness

Witness::Witness(ledger::Genesis genesis, crypto::PrivateKey key, std::string name,
                 fs::path state_file)
    : genesis_(std::move(genesis)),
      key_(std::move(key)),
      name_(std::move(name)),
      state_file_(std::move(state_file)) {}

Status Witness::open() {
  if (auto id = ledger::cosigner_key_id(name_, key_.public_key()); !id) return id.error();
  auto state = load_witness_state(state_file_, genesis_);
  if (!state) return state.error();
  state_ = std::move(*state);
  return {};
}

std::string Witness::cosigning_key() const {
  return ledger::format_cosigner_key({name_, key_.public_key()}).value();
}

WitnessStep Witness::fork(const Json& first, const Json& second, std::string why) {
  WitnessStep step;
  step.outcome = WitnessStep::Outcome::kForkDetected;
  step.detail = std::move(why);
  step.evidence = {{"format", kForkEvidenceFormat},
                   {"chainId", genesis_.chain_id},
                   {"genesisHash", to_hex(ledger::genesis_hash(genesis_))},
                   {"witness", cosigning_key()},
                   {"reason", step.detail},
                   {"first", first},
                   {"second", second}};
  return step;
}

WitnessStep Witness::cosign(const Json& answer, const CheckpointVerification& verified,
                            std::uint64_t now) {
  WitnessStep step;
  step.height = verified.checkpoint.height;
  step.size = verified.checkpoint.size;
  WitnessState next = state_of(genesis_, answer, verified);
  // The state leaves for the disk before the signature leaves this process.
  if (Status s = save_witness_state(state_file_, next); !s) {
    step.outcome = WitnessStep::Outcome::kRefused;
    step.detail = "cannot save the witness state, so nothing is cosigned: " + s.error().message();
    return step;
  }
  state_ = std::move(next);
  auto line = ledger::cosign(verified.text, name_, key_, now);
  if (!line) {
    step.outcome = WitnessStep::Outcome::kRefused;
    step.detail = line.error().message();
    return step;
  }
  step.outcome = WitnessStep::Outcome::kCosigned;
  step.note = ledger::format_note({verified.text, {*line}});
  step.detail = "cosigned height " + std::to_string(step.height) + ", log size " +
                std::to_string(step.size) + ", root " + to_hex(verified.checkpoint.root);
  return step;
}

WitnessStep Witness::step(const WitnessSource& source, std::uint64_t now) {
  auto refused = [](std::string why) {
    WitnessStep step;
    step.outcome = WitnessStep::Outcome::kRefused;
    step.detail = std::move(why);
    return step;
  };
  ValidatorHistory validators(genesis_);
  auto changes = source.validator_changes();
  if (!changes) {
    WitnessStep step = refused("validator-set changes: " + changes.error().message());
    step.unreachable = changes.error().code() == ErrorCode::kUnavailable ||
                       changes.error().code() == ErrorCode::kIo;
    return step;
  }
  if (Status s = validators.follow(*changes); !s) {
    return refused("the node's validator-set changes do not verify: " + s.error().message());
  }
  auto answer = source.checkpoint(std::nullopt);
  if (!answer) return refused("checkpoint: " + answer.error().message());
  auto verified = verify_checkpoint(*answer, genesis_, validators);
  if (!verified) return refused("the node's checkpoint does not verify: " + verified.error().message());
  const LogCheckpoint& latest = verified->checkpoint;
  if (!state_) return cosign(*answer, *verified, now);

  const WitnessState& last = *state_;
  const Digest latest_hash = header_hash_of(genesis_, latest.header);
  if (latest.height == last.height && latest_hash != last.header_hash) {
    return fork(last.checkpoint, *answer,
                "two certified headers at height " + std::to_string(latest.height));
  }
  if (latest.size < last.size) {
    WitnessStep step;
    step.outcome = WitnessStep::Outcome::kBehind;
    step.height = latest.height;
    step.size = latest.size;
    step.detail = "the node's log holds " + std::to_string(latest.size) +
                  " entries; the witness last cosigned " + std::to_string(last.size);
    return step;
  }
  if (latest.size == last.size) {
    if (latest.root != last.root) {
      return fork(last.checkpoint, *answer,
                  "two certified checkpoints of log size " + std::to_string(latest.size) +
                      " with different roots");
    }
    return cosign(*answer, *verified, now);
  }
  // A longer log: it must extend the one last cosigned.
  Status consistent = [&]() -> Status {
    if (last.size == 0) return {};
    auto proof = source.consistency(last.size, latest.size);
    if (!proof) return proof.error();
    auto from = certified_checkpoint(last.checkpoint.at("header"), last.checkpoint.at("certificate"),
                                     genesis_, validators, "the witness state");
    if (!from) return from.error();
    return verify_consistency_proof(*proof, *from, latest, crypto::suite_hash(genesis_.suite));
  }();
  if (consistent) return cosign(*answer, *verified, now);
  // No proof holds: ask the node for its own header at the height last
  // cosigned. Another certified header there is a fork; the same one means
  // the node merely served a bad proof.
  auto then = source.checkpoint(last.height);
  if (then) {
    auto then_verified = verify_checkpoint(*then, genesis_, validators);
    if (then_verified &&
        (header_hash_of(genesis_, then_verified->checkpoint.header) != last.header_hash ||
         then_verified->checkpoint.root != last.root)) {
      return fork(last.checkpoint, *then,
                  "two certified headers at height " + std::to_string(last.height) +
                      " (the node's log of " + std::to_string(latest.size) +
                      " entries does not extend the one cosigned)");
    }
  }
  return refused("no consistency proof from log size " + std::to_string(last.size) + " to " +
                 std::to_string(latest.size) + ": " + consistent.error().message());
}

// ------------------------------------------------------ add-checkpoint

Witness::HttpAnswer Witness::add_checkpoint(std::string_view body, const WitnessSource& node,
                                            std::uint64_t now) {
  auto answer = [](unsigned status, std::string text) {
    HttpAnswer a;
    a.status = status;
    a.body = std::move(text) + "\n";
    return a;
  };
  auto request = ledger::parse_add_checkpoint(body);
  if (!request) return answer(400, request.error().message());
  const std::uint64_t old_size = request->old_size;
  const std::vector<Digest>& proof = request->proof;
  const ledger::SignedNote* note = &request->note;
  auto checkpoint = ledger::parse_checkpoint(note->text);
  if (!checkpoint) return answer(400, checkpoint.error().message());
  const ledger::ChainParams params = ledger::chain_params(genesis_);
  const std::string origin = ledger::checkpoint_origin(params);
  if (checkpoint->origin != origin) return answer(404, "unknown log '" + checkpoint->origin + "'");

  // Signed by a validator: any key of the validator sets since genesis.
  ValidatorHistory validators(genesis_);
  auto changes = node.validator_changes();
  if (!changes) return answer(503, "the node's validator-set changes: " + changes.error().message());
  if (Status s = validators.follow(*changes); !s) {
    return answer(503, "the node's validator-set changes do not verify: " + s.error().message());
  }
  std::vector<ledger::NoteVerifier> verifiers;
  for (const ValidatorEpoch& epoch : validators.epochs()) {
    for (const ledger::Validator& v : epoch.set.validators) {
      auto key = crypto::PublicKey::from_bytes(epoch.set.suite, v.public_key);
      if (key) verifiers.push_back({origin, std::move(*key)});
    }
  }
  if (auto signed_by = ledger::verify_note(*note, verifiers); !signed_by) {
    return answer(403, signed_by.error().message());
  }
  if (old_size > checkpoint->size) {
    return answer(400, "the old size " + std::to_string(old_size) + " exceeds the checkpoint's");
  }
  const std::uint64_t last_size = state_ ? state_->size : 0;
  if (old_size != last_size) {
    HttpAnswer conflict = answer(409, std::to_string(last_size));
    conflict.content_type = "text/x.tlog.size";
    return conflict;
  }
  crypto::MerkleHasher hasher(crypto::suite_hash(genesis_.suite));
  if (checkpoint->size == 0 && checkpoint->root != hasher.empty_root()) {
    return answer(422, "a checkpoint of size 0 must have the empty tree's root");
  }
  if (old_size == 0 && !proof.empty()) return answer(422, "a proof from size 0 must be empty");
  if (old_size > 0) {
    if (old_size == checkpoint->size && (!proof.empty() || checkpoint->root != state_->root)) {
      return answer(422, "the checkpoint has the size last cosigned but another root (or a proof)");
    }
    if (old_size < checkpoint->size) {
      if (Status s = crypto::verify_consistency(hasher, old_size, checkpoint->size, state_->root,
                                                checkpoint->root, proof);
          !s) {
        return answer(422, "the consistency proof does not verify: " + s.error().message());
      }
    }
  }
  if (checkpoint->size == 0) return answer(422, "an empty log has no certified header to cosign");

  // The certified header of that log size must say the same.
  auto height = node.height_of_size(checkpoint->size);
  if (!height) return answer(503, "the node: " + height.error().message());
  if (!*height) {
    return answer(422, "no header of the chain has log size " + std::to_string(checkpoint->size));
  }
  auto certified_answer = node.checkpoint(**height);
  if (!certified_answer) return answer(503, "the node: " + certified_answer.error().message());
  auto certified = verify_checkpoint(*certified_answer, genesis_, validators);
  if (!certified) return answer(422, "the node's certified checkpoint: " + certified.error().message());
  if (certified->text != note->text) {
    return answer(422, "the checkpoint is not the certified header's at height " +
                           std::to_string(**height));
  }
  if (state_ && state_->size == certified->checkpoint.size && state_->root != certified->checkpoint.root) {
    HttpAnswer refused = answer(422, "the certified header contradicts the checkpoint last cosigned");
    refused.evidence = fork(state_->checkpoint, *certified_answer, refused.body).evidence;
    return refused;
  }
  WitnessStep step = cosign(*certified_answer, *certified, now);
  if (step.outcome != WitnessStep::Outcome::kCosigned) return answer(500, step.detail);
  auto cosigned = ledger::parse_note(step.note);
  HttpAnswer ok;
  ok.status = 200;
  ok.body = step.note.substr(cosigned->text.size() + 1);  // the cosignature line
  return ok;
}

// ------------------------------------------------------------- evidence

Result<ForkProof> verify_fork_evidence(const Json& evidence, const ledger::Genesis& genesis,
                                       const ValidatorHistory& validators) {
  if (!evidence.is_object() || evidence.value("format", "") != kForkEvidenceFormat ||
      !evidence.contains("first") || !evidence.contains("second")) {
    return Error(ErrorCode::kInvalidInput,
                 "not a " + std::string(kForkEvidenceFormat) + " document");
  }
  if (evidence.value("genesisHash", "") != to_hex(ledger::genesis_hash(genesis))) {
    return verification_failed("the evidence is about another chain (genesisHash)");
  }
  auto first = verify_checkpoint(evidence["first"], genesis, validators);
  if (!first) return first.error().with_context("first");
  auto second = verify_checkpoint(evidence["second"], genesis, validators);
  if (!second) return second.error().with_context("second");
  const LogCheckpoint& a = first->checkpoint;
  const LogCheckpoint& b = second->checkpoint;
  ForkProof proof{a.height, b.height, {}, {}};
  if (a.height == b.height && header_hash_of(genesis, a.header) != header_hash_of(genesis, b.header)) {
    proof.conflict = "height " + std::to_string(a.height) + " has two certified headers (" +
                     to_hex(header_hash_of(genesis, a.header)).substr(0, 16) + "… and " +
                     to_hex(header_hash_of(genesis, b.header)).substr(0, 16) + "…)";
  } else if (a.size == b.size && a.root != b.root) {
    proof.conflict = "log size " + std::to_string(a.size) + " has two certified roots (" +
                     to_hex(a.root).substr(0, 16) + "… at height " + std::to_string(a.height) +
                     " and " + to_hex(b.root).substr(0, 16) + "… at height " +
                     std::to_string(b.height) + ")";
  } else {
    return verification_failed(
        "the two checkpoints do not contradict each other (different heights and log sizes, or "
        "the same header)");
  }
  // Who signed both: a BFT certificate needs more than two thirds, so two
  // conflicting ones share more than a third of the power.
  auto signers = [&](const Json& answer) {
    std::set<std::string> ids;
    auto certificate = ledger::decode<ledger::CommitCertificate>(
        from_hex(answer.at("certificate").at("hex").get<std::string>()).value());
    if (certificate) {
      for (const auto& s : certificate->signatures) ids.insert(s.validator);
    }
    return ids;
  };
  const std::set<std::string> in_first = signers(evidence["first"]);
  for (const std::string& id : signers(evidence["second"])) {
    if (in_first.count(id)) proof.double_signers.push_back(id);
  }
  return proof;
}

int verify_evidence_file(const VerifyReceiptOptions& options, std::ostream& out,
                         std::ostream& err) {
  auto anchor = load_trust_anchor(options.genesis, options.changes);
  if (!anchor) return report_error(err, anchor.error());
  auto evidence = read_json_file(options.receipt, kMaxStateBytes * 2);
  if (!evidence) return report_error(err, evidence.error());
  auto proof = verify_fork_evidence(*evidence, anchor->genesis, anchor->validators);
  if (!proof && proof.error().code() == ErrorCode::kInvalidInput) {
    return report_error(err, proof.error().with_context(options.receipt.string()));
  }
  if (options.output == OutputFormat::kJson) {
    Json result = {{"forkProven", proof.ok()}};
    if (proof) {
      result["conflict"] = proof->conflict;
      result["heights"] = {proof->height_first, proof->height_second};
      result["doubleSigners"] = proof->double_signers;
    } else {
      result["error"] = proof.error().message();
    }
    out << result.dump(2) << "\n";
  } else if (proof) {
    out << "\u2713 checkpoint at height " << proof->height_first
        << " certified by the validators genesis trusts\n"
        << "\u2713 checkpoint at height " << proof->height_second
        << " certified by the validators genesis trusts\n"
        << "\u2713 they contradict each other: " << proof->conflict << "\n"
        << "FORK PROVEN: validators who signed both certificates: ";
    for (std::size_t i = 0; i < proof->double_signers.size(); ++i) {
      out << (i ? ", " : "") << proof->double_signers[i];
    }
    out << "\n";
  } else {
    out << "\u2717 " << proof.error().message() << "\nNOT PROVEN\n";
  }
  return proof ? kExitOk : kExitVerificationFailed;
}

// ------------------------------------------------------------ the command

int witness_key(const WitnessKeyOptions& options, std::ostream& out, std::ostream& err) {
  auto key = crypto::PrivateKey::load(options.cosigning_key);
  if (!key) return report_error(err, key.error());
  auto text = ledger::format_cosigner_key({options.name, key->public_key()});
  if (!text) return report_error(err, text.error().with_context(options.cosigning_key.string()));
  out << *text << "\n";
  return kExitOk;
}

Result<std::unique_ptr<Witness>> open_witness(const fs::path& genesis, const fs::path& cosigning_key,
                                              const std::string& name, const fs::path& state) {
  auto anchor = load_trust_anchor(genesis, {});
  if (!anchor) return anchor.error();
  auto key = crypto::PrivateKey::load(cosigning_key);
  if (!key) return key.error();
  auto witness = std::make_unique<Witness>(anchor->genesis, std::move(*key), name, state);
  if (Status s = witness->open(); !s) return s.error();
  return witness;
}

std::uint64_t now_seconds() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

WitnessSource network_source(node::rpc::Client& client) {
  WitnessSource source;
  source.name = client.url().to_string();
  source.checkpoint = [&client](std::optional<std::uint64_t> height) {
    Json params = Json::object();
    if (height) params["height"] = *height;
    return client.call_unsigned("chain_getCheckpoint", params);
  };
  source.consistency = [&client](std::uint64_t from, std::uint64_t to) {
    return client.call_unsigned("chain_getConsistencyProof", {{"fromSize", from}, {"toSize", to}});
  };
  source.validator_changes = [&client] { return fetch_validator_changes(client); };
  source.height_of_size = [&client](std::uint64_t size) -> Result<std::optional<std::uint64_t>> {
    if (size == 0) return std::optional<std::uint64_t>();
    auto proof =
        client.call_unsigned("chain_getConsistencyProof", {{"fromSize", size}, {"toSize", size}});
    if (!proof) return proof.error();
    const Json& height = (*proof)["fromHeight"];
    if (!height.is_number_unsigned()) return std::optional<std::uint64_t>();
    return std::optional<std::uint64_t>(height.get<std::uint64_t>());
  };
  return source;
}

namespace {

std::string stamp() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", std::gmtime(&t));
  return text;
}

}  // namespace

int witness_run(const WitnessRunOptions& options, std::ostream& out, std::ostream& err) {
  if (options.state.empty()) {
    return report_error(err, Error(ErrorCode::kInvalidInput,
                                   "--state is required: the file the witness keeps its last "
                                   "cosigned checkpoint in"));
  }
  auto opened = open_witness(options.genesis, options.cosigning_key, options.name, options.state);
  if (!opened) return report_error(err, opened.error());
  Witness& witness = **opened;

  std::vector<node::rpc::Client> clients;
  std::vector<std::string> urls = options.nodes;
  if (urls.empty()) urls.push_back(node_url({}));
  for (const std::string& url : urls) {
    RemoteOptions remote;
    remote.node = url;
    remote.ca = options.ca;
    auto client = connect(remote);
    if (!client) return report_error(err, client.error());
    clients.push_back(std::move(*client));
  }
  const fs::path evidence_dir =
      options.evidence_dir.empty() ? options.state.parent_path() : options.evidence_dir;
  out << "witness " << witness.cosigning_key() << "\n"
      << "following " << clients.size() << " node(s); state " << options.state.string() << "\n"
      << std::flush;

  for (;;) {
    bool cosigned = false;
    bool refused = false;
    bool fork_seen = false;
    bool unreachable = false;
    for (node::rpc::Client& client : clients) {
      WitnessSource source = network_source(client);
      WitnessStep step = witness.step(source, now_seconds());
      switch (step.outcome) {
        case WitnessStep::Outcome::kCosigned: {
          cosigned = true;
          out << source.name << ": " << step.detail << "\n";
          // Every node followed keeps it; a node whose log differs refuses.
          for (node::rpc::Client& target : clients) {
            auto kept = target.call_unsigned("witness_addCosignature", {{"note", step.note}});
            if (!kept) {
              out << "  " << target.url().to_string()
                  << " did not keep the cosignature: " << kept.error().message() << "\n";
            }
          }
          break;
        }
        case WitnessStep::Outcome::kBehind:
          // A node a block behind another is no fault of anyone's.
          out << source.name << ": behind: " << step.detail << "\n";
          break;
        case WitnessStep::Outcome::kRefused:
          out << source.name << ": not cosigned: " << step.detail << "\n";
          refused = true;
          unreachable = unreachable || step.unreachable;
          break;
        case WitnessStep::Outcome::kForkDetected: {
          fork_seen = true;
          const fs::path file = evidence_dir / ("fork-evidence-" + stamp() + ".json");
          Status saved =
              write_file_atomic(file, step.evidence.dump(2) + "\n", 0644, Overwrite::kReplace);
          out << source.name << ": FORK: " << step.detail << "; nothing cosigned. Evidence: "
              << (saved ? file.string() : "not saved: " + saved.error().message())
              << " (tracectl verify-evidence)\n";
          err << "tracectl: witness: node " << source.name << " serves a history that "
              << "contradicts the one cosigned: " << step.detail << "\n";
          break;
        }
      }
      out << std::flush;
    }
    if (options.once) {
      if (fork_seen) return kExitVerificationFailed;
      if (unreachable) return kExitUnreachable;
      return cosigned && !refused ? kExitOk : kExitUsage;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(options.interval_ms));
  }
}

}  // namespace tracechain::cli
