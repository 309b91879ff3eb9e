#include "ledger/read_log.h"

#include <algorithm>

namespace tracechain::ledger {

namespace {

Error invalid(const std::string& message) {
  return Error(ErrorCode::kInvalidInput, "read entry: " + message);
}

bool text_ok(const std::string& text) { return !text.empty() && text.size() <= kMaxReadText; }

}  // namespace

Status validate(const ReadEntry& entry) {
  if (!text_ok(entry.node)) return invalid("node id must be 1 to 512 bytes");
  if (!text_ok(entry.reader)) return invalid("reader must be 1 to 512 bytes");
  if (!text_ok(entry.method)) return invalid("method must be 1 to 512 bytes");
  if (entry.subjects.size() > kMaxReadSubjects) {
    return invalid("more than " + std::to_string(kMaxReadSubjects) + " subjects");
  }
  for (const ReadSubject& subject : entry.subjects) {
    if (!text_ok(subject.kind) || subject.id.size() > kMaxReadText) {
      return invalid("a subject's kind must be 1 to 512 bytes and its id at most 512");
    }
  }
  if (entry.about.size() > kMaxReadAbout) {
    return invalid("more than " + std::to_string(kMaxReadAbout) + " participants concerned");
  }
  for (std::size_t i = 0; i < entry.about.size(); ++i) {
    if (!text_ok(entry.about[i])) return invalid("a participant id must be 1 to 512 bytes");
    if (i > 0 && !(entry.about[i - 1] < entry.about[i])) {
      return invalid("the participants concerned must be sorted, without repeats");
    }
  }
  return {};
}

Digest read_entry_leaf(const crypto::MerkleHasher& hasher, const ReadEntry& entry) {
  return hasher.leaf(encode(entry));
}

}  // namespace tracechain::ledger
