// What an auditor checks offline (cli/verify.h, cli/verify_reads.h): a
// verifiable receipt, a state proof and a history proof, a validator-set
// change document, a consistency proof and a page of the read log, as JSON a
// node (or anyone) handed over. Every input is tried as each against the fixed chain.
// A malformed document must come back as failed checks, never as a throw,
// a receipt that passes every check must name the transaction it proves,
// and a read-log entry reported proven must lie inside a checkpoint that
// verified.
#include "cli/verify.h"
#include "cli/verify_reads.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_chain.h"

using namespace tracechain;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const cli::Json json = cli::Json::parse(fuzz::text(data, size), nullptr, false);
  if (json.is_discarded()) return 0;
  const ledger::Genesis& genesis = fuzz::fuzz_chain().genesis;
  const cli::ValidatorHistory history(genesis);
  const cli::ReceiptVerification verification = cli::verify_receipt(json, genesis, history);
  if (verification.ok()) {
    fuzz::check(verification.tx_hash.size() == 64 && verification.header_height >= verification.height,
                "a verified receipt does not name its transaction and header");
  }
  (void)cli::verification_json(verification);
  const cli::StateProofVerification state = cli::verify_state_proof(json, genesis, history);
  if (state.ok()) {
    fuzz::check(state.height > 0 && !state.key.empty() && state.state_root.size() == 64,
                "a verified state proof does not name its key, height and root");
  }
  (void)cli::verification_json(state);
  const Digest one{};
  (void)cli::verify_history(json, "t/trade-1", std::span<const Digest>(&one, 1), genesis, history,
                            true);
  cli::ValidatorHistory followed(genesis);
  (void)followed.follow(json);
  if (json.is_object() && json.contains("header") && json.contains("certificate")) {
    (void)cli::certified_checkpoint(json["header"], json["certificate"], genesis, history, "input");
  }
  const fuzz::SmallLog& log = fuzz::small_log();
  const cli::LogCheckpoint from{1, log.size1, log.root1, 0, {}};
  const cli::LogCheckpoint to{2, log.size2, log.root2, 0, {}};
  (void)cli::verify_consistency_proof(json, from, to, crypto::HashAlgorithm::kSha256);
  const cli::ReadsVerification reads = cli::verify_reads(json, genesis, history);
  for (const cli::ReadsVerification::Entry& entry : reads.entries) {
    if (entry.state != cli::ReadsVerification::Entry::State::kProven) continue;
    fuzz::check(reads.has_checkpoint && reads.checkpoint.ok() && entry.index < reads.checkpoint_size &&
                    entry.entry.has_value(),
                "a read-log entry is proven without a verified checkpoint that covers it");
  }
  return 0;
}
