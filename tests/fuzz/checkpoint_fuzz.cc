// Checkpoints and signed notes (ledger/checkpoint.h) read from text, as a
// witness or an auditor's tool reads them from a node. The input is tried
// as a signed note, as a checkpoint's text, as a verifier or cosigning key
// and as a tlog-witness add-checkpoint request: whatever parses writes back
// to exactly the input (one text per value), and a note verifies under the
// fixed Ed25519 key only with that key's signature of the one text it
// signed (docs/crypto.md's golden checkpoint), and counts a cosignature of
// the fixed witness key only over the text it cosigned (docs/oversight.md).
#include "ledger/checkpoint.h"
#include "tests/fuzz/fuzz.h"

using namespace tracechain;

namespace {

const std::string kGoldenText =
    "tracechain/golden-chain/0123456789abcdef\n135\nUyxRfSCij9upRQRaVBx7g8LqTMzRVqMdVVFV27DnJ7U=\n";

const ledger::NoteVerifier& golden_verifier() {
  static const ledger::NoteVerifier verifier = [] {
    auto parsed = ledger::parse_note_verifier(
        "tracechain/golden-chain/0123456789abcdef+d61daf84+"
        "AddamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea");
    fuzz::check(parsed.ok(), "the golden verifier key does not parse");
    return *parsed;
  }();
  return verifier;
}

const std::string kCosignedText = kGoldenText;

const ledger::NoteVerifier& golden_cosigner() {
  static const ledger::NoteVerifier cosigner = [] {
    auto parsed = ledger::parse_cosigner_key(
        "witness.example/regulator+ead5d99b+BD1AF8PoQ4lakrcKp00bfrycmCzPLsSWjMDNVfEq9GYM");
    fuzz::check(parsed.ok(), "the golden cosigning key does not parse");
    return *parsed;
  }();
  return cosigner;
}

void check_note(const ledger::SignedNote& note) {
  auto cosigned = ledger::verify_cosignatures(note, std::span(&golden_cosigner(), 1));
  if (cosigned && !cosigned->empty()) {
    fuzz::check(note.text == kCosignedText, "a cosignature verified for a text never cosigned");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(fuzz::text(data, size));

  if (auto note = ledger::parse_note(input)) {
    fuzz::check(ledger::format_note(*note) == input, "a parsed note does not write back to its text");
    fuzz::check(note->signatures.size() <= ledger::kMaxNoteSignatures, "too many signatures kept");
    check_note(*note);
    auto verified = ledger::verify_note(*note, std::span(&golden_verifier(), 1));
    if (verified) {
      fuzz::check(note->text == kGoldenText, "a note verified for a text the key never signed");
    }
    if (auto checkpoint = ledger::parse_checkpoint(note->text)) {
      fuzz::check(ledger::checkpoint_text(*checkpoint) == note->text,
                  "a parsed checkpoint does not write back to its text");
    }
  }
  if (auto checkpoint = ledger::parse_checkpoint(input)) {
    fuzz::check(ledger::checkpoint_text(*checkpoint) == input,
                "a parsed checkpoint does not write back to its text");
  }
  if (auto request = ledger::parse_add_checkpoint(input)) {
    fuzz::check(ledger::format_add_checkpoint(*request) == input,
                "a parsed add-checkpoint request does not write back to its text");
    fuzz::check(request->proof.size() <= ledger::kMaxProofLines, "too many proof lines kept");
    check_note(request->note);
  }
  if (auto cosigner = ledger::parse_cosigner_key(input)) {
    auto text = ledger::format_cosigner_key(*cosigner);
    fuzz::check(text.ok() && *text == input, "a parsed cosigning key does not write back to its text");
  }
  if (auto verifier = ledger::parse_note_verifier(input)) {
    auto text = ledger::format_note_verifier(*verifier);
    fuzz::check(text.ok() && *text == input, "a parsed verifier key does not write back to its text");
  }
  return 0;
}
