// A node's read log (docs/oversight.md): one entry per authenticated read its
// RPC served, appended to an RFC 9162 log whose checkpoints the node commits
// on chain (access.checkpoint). This header holds what a verifier needs: the
// entry, its canonical encoding and its leaf hash; node/read_log.h keeps the
// log itself.
//
// Entry encoding, format version 1 (docs/encoding.md):
//   u8      format version (1)
//   text    node          the id of the node that served the read
//   u64     time          Unix milliseconds, the node's clock
//   text    reader        the participant whose signed request it was
//   text    method        the JSON-RPC method
//   list    subjects      (text kind, text id) of each record read
//   list    about         text: the participants those records concern, sorted
//   digest  request hash  the chain's hash of the signed request's signing bytes
// The leaf hash is H(0x00 || encoding), as for any RFC 9162 leaf.
//
// Plain value types; the functions are pure.
#pragma once

#include <string>
#include <vector>

#include "crypto/merkle.h"
#include "ledger/encoding.h"
#include "ledger/identifiers.h"

namespace tracechain::ledger {

// Bounds of one entry: a page of 1,000 trades names 1,000 subjects and up to
// 2,000 parties; a block of 10,000 transactions as many senders.
inline constexpr std::size_t kMaxReadSubjects = 10'000;
inline constexpr std::size_t kMaxReadAbout = 20'000;
inline constexpr std::size_t kMaxReadText = 512;

// What was read: kind "trade", "asset", "participant", "attestations",
// "transaction", "block", "state", "proposal" or "reads"; its id.
struct ReadSubject {
  std::string kind;
  std::string id;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(kind, id);
  }
  bool operator==(const ReadSubject&) const = default;
  auto operator<=>(const ReadSubject&) const = default;
};

struct ReadEntry {
  static constexpr std::string_view kTypeName = "read entry";
  static constexpr std::uint8_t kFormatVersion = 1;

  std::string node;
  std::uint64_t time_ms = 0;
  ParticipantId reader;
  std::string method;
  std::vector<ReadSubject> subjects;
  std::vector<ParticipantId> about;  // sorted, no repeats
  Digest request_hash{};

  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, node, time_ms, reader, method, subjects, about, request_hash);
  }
  bool operator==(const ReadEntry&) const = default;
};

// Sizes and order (about sorted without repeats); decode() applies it.
Status validate(const ReadEntry& entry);

// H(0x00 || encode(entry)).
Digest read_entry_leaf(const crypto::MerkleHasher& hasher, const ReadEntry& entry);

}  // namespace tracechain::ledger
