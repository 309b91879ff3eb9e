// Checkpoints of the ledger-wide log in the C2SP formats (docs/crypto.md,
// "Checkpoints"): the text of a checkpoint (c2sp.org/tlog-checkpoint) and
// the signed note that carries it (c2sp.org/signed-note), so that software
// written for transparency logs can read, verify and witness a tracechain
// log.
//
// A checkpoint says: the log of the chain named by `origin` has `size`
// leaves and RFC 9162 root `root`. A node signs the checkpoint of a
// committed header with its key; what makes the size and root true is the
// header's commit certificate, which the node serves beside the note.
//
// Everything here parses untrusted text: sizes are bounded, the grammar is
// exact, and one value has one text.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/signature.h"
#include "ledger/block.h"
#include "ledger/model.h"

namespace tracechain::ledger {

// Bounds on what a note may hold. The signed-note specification asks that
// at least 16 signatures be accepted.
inline constexpr std::size_t kMaxNoteBytes = 64 * 1024;
inline constexpr std::size_t kMaxNoteSignatures = 64;

struct Checkpoint {
  std::string origin;
  std::uint64_t size = 0;
  Digest root{};
  std::vector<std::string> extensions;  // extra lines; tracechain writes none

  bool operator==(const Checkpoint&) const = default;
};

// The origin line of a chain's checkpoints: "tracechain/<chain id>/<the
// first 8 bytes of the genesis hash, hex>", one per chain even where two
// chains share an id.
std::string checkpoint_origin(const ChainParams& params);

// The checkpoint of a committed header.
Checkpoint checkpoint_of(const ChainParams& params, const BlockHeader& header);

// The note text: origin, size, base64 root and any extension lines, each
// ending in a newline.
std::string checkpoint_text(const Checkpoint& checkpoint);
Result<Checkpoint> parse_checkpoint(std::string_view text);

struct NoteSignature {
  std::string name;
  std::uint32_t key_id = 0;
  Bytes signature;  // without the key ID

  bool operator==(const NoteSignature&) const = default;
};

struct SignedNote {
  std::string text;  // ends with a newline
  std::vector<NoteSignature> signatures;

  bool operator==(const SignedNote&) const = default;
};

// A checkpoint note as one signer gives it, with the verifier key that
// checks its signature.
struct SignedCheckpoint {
  SignedNote note;
  std::string verifier;
};

// The note as text: the text, a blank line, a line "— <name> <base64(key
// ID || signature)>" per signature.
std::string format_note(const SignedNote& note);
Result<SignedNote> parse_note(std::string_view note);

// The key ID of `key` under `name`: for Ed25519 (signature type 0x01)
// SHA-256(name || 0x0A || 0x01 || key)[:4], for P-256 (type 0x02) the first
// four bytes of SHA-256 of its DER SubjectPublicKeyInfo. SM2 keys have no
// note signature type (kUnsupported).
Result<std::uint32_t> note_key_id(std::string_view name, const crypto::PublicKey& key);

// A verifier key: a name and a public key, written
// "<name>+<hex key ID>+<base64(type || key)>" (type 0x02 keys as their DER
// SubjectPublicKeyInfo).
struct NoteVerifier {
  std::string name;
  crypto::PublicKey key;
};
Result<std::string> format_note_verifier(const NoteVerifier& verifier);
Result<NoteVerifier> parse_note_verifier(std::string_view text);

// `key`'s signature of `text` under `name`.
Result<NoteSignature> sign_note(std::string_view text, std::string_view name,
                                const crypto::PrivateKey& key);

// Checks `note` against `verifiers` as the signed-note specification says:
// signatures of unknown keys are ignored, one of a known key that fails
// fails the note, and a note no known key signed fails. Returns the
// positions in `verifiers` of the keys whose signatures hold.
Result<std::vector<std::size_t>> verify_note(const SignedNote& note,
                                             std::span<const NoteVerifier> verifiers);

// ----------------------------------------------------------- cosignatures
//
// A witness's cosignature (c2sp.org/tlog-cosignature, the Ed25519 type): a
// note signature line whose key ID is SHA-256(name || 0x0A || 0x04 || key)[:4]
// and whose signature is an 8-byte big-endian POSIX time followed by the
// Ed25519 signature of
//   "cosignature/v1\n" "time <time>\n" <the checkpoint's text>.
// It says: as of that time, the largest consistent checkpoint the witness
// has seen of this log has this root.

inline constexpr std::uint8_t kCosignatureType = 0x04;

// A witness's cosigning key, written "<name>+<hex key ID>+<base64(0x04 ||
// 32-byte Ed25519 key)>". Only Ed25519 keys cosign.
Result<std::string> format_cosigner_key(const NoteVerifier& cosigner);
Result<NoteVerifier> parse_cosigner_key(std::string_view text);
Result<std::uint32_t> cosigner_key_id(std::string_view name, const crypto::PublicKey& key);

// A policy witness's cosigning key (it is valid: validate(Policy) checked
// it), as a verifier and as text.
NoteVerifier policy_cosigner(const PolicyWitness& witness);
std::string cosigning_key_text(const PolicyWitness& witness);

// The message a cosignature signs.
std::string cosigned_message(std::string_view checkpoint_text, std::uint64_t time);

// `key`'s cosignature of `checkpoint_text` at `time` (seconds since the
// epoch, below 2^63).
Result<NoteSignature> cosign(std::string_view checkpoint_text, std::string_view name,
                             const crypto::PrivateKey& key, std::uint64_t time);

struct VerifiedCosignature {
  std::size_t cosigner = 0;  // position in the cosigners given
  std::uint64_t time = 0;
  NoteSignature signature;
};

// The cosignatures in `note` by `cosigners` that hold over its text. Lines
// of other keys are ignored; a line of a known key that does not hold (or a
// second line of one key) fails the whole note, as verify_note does. An
// empty answer is not an error: the caller counts.
Result<std::vector<VerifiedCosignature>> verify_cosignatures(
    const SignedNote& note, std::span<const NoteVerifier> cosigners);

// ------------------------------------------------ tlog-witness requests

// The body of a c2sp.org/tlog-witness add-checkpoint request: "old <size>",
// at most 63 base64 consistency proof lines, a blank line, the signed
// note. Parsed exactly (one text per request): a size without leading
// zeroes, proof lines of 32 bytes.
struct AddCheckpointRequest {
  std::uint64_t old_size = 0;
  std::vector<Digest> proof;
  SignedNote note;
};
inline constexpr std::size_t kMaxProofLines = 63;
Result<AddCheckpointRequest> parse_add_checkpoint(std::string_view body);
std::string format_add_checkpoint(const AddCheckpointRequest& request);

}  // namespace tracechain::ledger
