#include "ledger/checkpoint.h"

#include <algorithm>
#include <charconv>

namespace tracechain::ledger {

namespace {

constexpr std::string_view kEmDash = "\xE2\x80\x94";  // U+2014
constexpr std::uint8_t kTypeEd25519 = 0x01;
constexpr std::uint8_t kTypeEcdsa = 0x02;

Error invalid(const std::string& what) { return Error(ErrorCode::kInvalidInput, what); }

// UTF-8 (no overlong forms, no surrogates, at most U+10FFFF) with no control
// character but the newline: what the signed-note specification allows.
Status check_note_characters(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<std::uint8_t>(text[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\n') || c == 0x7f) {
        return invalid("the note holds control character " + std::to_string(c) + " at byte " +
                       std::to_string(i + 1));
      }
      ++i;
      continue;
    }
    std::size_t length = 0;
    std::uint32_t code = 0;
    if ((c & 0xe0) == 0xc0) {
      length = 2, code = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      length = 3, code = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      length = 4, code = c & 0x07;
    } else {
      return invalid("the note is not UTF-8 at byte " + std::to_string(i + 1));
    }
    if (i + length > text.size()) return invalid("the note ends inside a UTF-8 character");
    for (std::size_t j = 1; j < length; ++j) {
      const auto next = static_cast<std::uint8_t>(text[i + j]);
      if ((next & 0xc0) != 0x80) {
        return invalid("the note is not UTF-8 at byte " + std::to_string(i + j + 1));
      }
      code = (code << 6) | (next & 0x3f);
    }
    constexpr std::uint32_t kLeast[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kLeast[length] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      return invalid("the note is not UTF-8 at byte " + std::to_string(i + 1));
    }
    i += length;
  }
  return {};
}

// Key names: non-empty, no space and no plus (the characters that separate
// a verifier key's parts and a signature line's).
Status check_key_name(std::string_view name) {
  if (name.empty()) return invalid("a key name is empty");
  for (char c : name) {
    const auto byte = static_cast<std::uint8_t>(c);
    if (c == ' ' || c == '+') {
      return invalid("key name '" + std::string(name) + "' holds a space or a plus");
    }
    if (byte < 0x20 || byte == 0x7f) return invalid("a key name holds a control character");
  }
  return {};
}

std::uint32_t read_u32(ByteView bytes) {
  return (static_cast<std::uint32_t>(bytes[0]) << 24) | (static_cast<std::uint32_t>(bytes[1]) << 16) |
         (static_cast<std::uint32_t>(bytes[2]) << 8) | bytes[3];
}

void append_u32(Bytes& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(value >> shift));
}

Result<std::uint8_t> signature_type(const crypto::PublicKey& key) {
  switch (key.suite()) {
    case crypto::Suite::kEd25519Sha256:
      return kTypeEd25519;
    case crypto::Suite::kP256Sha256:
      return kTypeEcdsa;
    case crypto::Suite::kSm2Sm3:
      break;
  }
  return Error(ErrorCode::kUnsupported,
               "an " + std::string(crypto::suite_name(key.suite())) +
                   " key has no signature type in C2SP signed notes (Ed25519 and P-256 do)");
}

// The verifier key's public key material: the raw key for Ed25519, the DER
// SubjectPublicKeyInfo for ECDSA.
Bytes key_material(const crypto::PublicKey& key) {
  return key.suite() == crypto::Suite::kP256Sha256 ? key.to_spki_der() : key.bytes();
}

// A verifier or cosigning key's three parts, checked for form: the name,
// the key ID and the key material (type byte first). `what` names the kind
// of key in messages.
struct KeyText {
  std::string name;
  std::uint32_t id = 0;
  Bytes material;
};

Result<KeyText> split_key_text(std::string_view text, std::string_view what) {
  const std::string kind(what);
  const std::size_t first = text.find('+');
  const std::size_t second = first == std::string_view::npos ? first : text.find('+', first + 1);
  if (second == std::string_view::npos) {
    return invalid("a " + kind + " is <name>+<key ID>+<key>, three parts");
  }
  KeyText parts;
  parts.name = std::string(text.substr(0, first));
  if (Status s = check_key_name(parts.name); !s) return s.error();
  const std::string_view id_text = text.substr(first + 1, second - first - 1);
  const bool lower_hex = id_text.size() == 8 && std::all_of(id_text.begin(), id_text.end(), [](char c) {
                           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                         });
  auto id = from_hex(id_text);
  if (!lower_hex || !id) return invalid("the " + kind + "'s ID is not 8 lower-case hex digits");
  parts.id = read_u32(*id);
  auto material = from_base64(text.substr(second + 1));
  if (!material || material->empty()) return invalid("the " + kind + "'s key is not base64");
  parts.material = std::move(*material);
  return parts;
}

// SHA-256(name || 0x0A || type || key)[:4]: the key ID of an Ed25519 key,
// as a note signer (type 0x01) or a cosigner (type 0x04).
std::uint32_t hashed_key_id(std::string_view name, std::uint8_t type, const crypto::PublicKey& key) {
  Bytes input(name.begin(), name.end());
  input.push_back('\n');
  input.push_back(type);
  input.insert(input.end(), key.bytes().begin(), key.bytes().end());
  return read_u32(crypto::hash(crypto::HashAlgorithm::kSha256, input));
}

std::string id_hex(std::uint32_t id) {
  Bytes bytes;
  append_u32(bytes, id);
  return to_hex(bytes);
}

}  // namespace

std::string checkpoint_origin(const ChainParams& params) {
  return "tracechain/" + params.chain_id + "/" + to_hex(params.genesis_hash).substr(0, 16);
}

Checkpoint checkpoint_of(const ChainParams& params, const BlockHeader& header) {
  return Checkpoint{checkpoint_origin(params), header.log_size, header.log_root, {}};
}

std::string checkpoint_text(const Checkpoint& checkpoint) {
  std::string text = checkpoint.origin + "\n" + std::to_string(checkpoint.size) + "\n" +
                     to_base64(checkpoint.root) + "\n";
  for (const std::string& line : checkpoint.extensions) text += line + "\n";
  return text;
}

Result<Checkpoint> parse_checkpoint(std::string_view text) {
  if (text.size() > kMaxNoteBytes) return invalid("the checkpoint is longer than 64 KiB");
  if (Status s = check_note_characters(text); !s) return s.error();
  if (text.empty() || text.back() != '\n') return invalid("the checkpoint does not end in a newline");
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  if (lines.size() < 3) return invalid("a checkpoint has at least three lines");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) return invalid("line " + std::to_string(i + 1) + " of the checkpoint is empty");
  }
  Checkpoint checkpoint;
  checkpoint.origin = std::string(lines[0]);
  const std::string_view size = lines[1];
  auto [end, error] = std::from_chars(size.data(), size.data() + size.size(), checkpoint.size);
  if (error != std::errc() || end != size.data() + size.size() ||
      (size.size() > 1 && size[0] == '0')) {
    return invalid("the checkpoint's tree size '" + std::string(size) +
                   "' is not a decimal number without leading zeroes");
  }
  auto root = from_base64(lines[2]);
  if (!root) return invalid("the checkpoint's root hash is " + root.error().message());
  if (root->size() != kDigestSize) {
    return invalid("the checkpoint's root hash has " + std::to_string(root->size()) +
                   " bytes, not 32");
  }
  std::copy(root->begin(), root->end(), checkpoint.root.begin());
  for (std::size_t i = 3; i < lines.size(); ++i) checkpoint.extensions.emplace_back(lines[i]);
  return checkpoint;
}

std::string format_note(const SignedNote& note) {
  std::string out = note.text + "\n";
  for (const NoteSignature& signature : note.signatures) {
    Bytes blob;
    append_u32(blob, signature.key_id);
    blob.insert(blob.end(), signature.signature.begin(), signature.signature.end());
    out += std::string(kEmDash) + " " + signature.name + " " + to_base64(blob) + "\n";
  }
  return out;
}

Result<SignedNote> parse_note(std::string_view note) {
  if (note.size() > kMaxNoteBytes) return invalid("the note is longer than 64 KiB");
  if (Status s = check_note_characters(note); !s) return s.error();
  // The text ends at the last blank line; the signatures follow it.
  const std::size_t blank = note.rfind("\n\n");
  if (blank == std::string_view::npos) return invalid("the note has no blank line before its signatures");
  SignedNote parsed;
  parsed.text = std::string(note.substr(0, blank + 1));
  std::string_view rest = note.substr(blank + 2);
  if (rest.empty()) return invalid("the note has no signature");
  if (rest.back() != '\n') return invalid("the note's last signature line does not end in a newline");
  while (!rest.empty()) {
    const std::size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end + 1);
    if (parsed.signatures.size() == kMaxNoteSignatures) {
      return invalid("the note has more than " + std::to_string(kMaxNoteSignatures) + " signatures");
    }
    const std::string where = "signature line " + std::to_string(parsed.signatures.size() + 1);
    if (!line.starts_with(kEmDash) || line.size() < kEmDash.size() + 1 ||
        line[kEmDash.size()] != ' ') {
      return invalid(where + " does not start with an em dash and a space");
    }
    line.remove_prefix(kEmDash.size() + 1);
    const std::size_t space = line.find(' ');
    if (space == std::string_view::npos) return invalid(where + " has no signature after the key name");
    NoteSignature signature;
    signature.name = std::string(line.substr(0, space));
    if (Status s = check_key_name(signature.name); !s) return s.error().with_context(where);
    auto blob = from_base64(line.substr(space + 1));
    if (!blob) return invalid(where + ": the signature is " + blob.error().message());
    if (blob->size() < 5) return invalid(where + ": the signature is shorter than a key ID and one byte");
    signature.key_id = read_u32(*blob);
    signature.signature.assign(blob->begin() + 4, blob->end());
    parsed.signatures.push_back(std::move(signature));
  }
  return parsed;
}

Result<std::uint32_t> note_key_id(std::string_view name, const crypto::PublicKey& key) {
  if (Status s = check_key_name(name); !s) return s.error();
  auto type = signature_type(key);
  if (!type) return type.error();
  if (*type == kTypeEcdsa) return read_u32(crypto::hash(crypto::HashAlgorithm::kSha256, key.to_spki_der()));
  return hashed_key_id(name, *type, key);
}

Result<std::string> format_note_verifier(const NoteVerifier& verifier) {
  auto id = note_key_id(verifier.name, verifier.key);
  if (!id) return id.error();
  Bytes material{*signature_type(verifier.key)};
  Bytes key = key_material(verifier.key);
  material.insert(material.end(), key.begin(), key.end());
  return verifier.name + "+" + id_hex(*id) + "+" + to_base64(material);
}

Result<NoteVerifier> parse_note_verifier(std::string_view text) {
  auto parts = split_key_text(text, "verifier key");
  if (!parts) return parts.error();
  std::string name = std::move(parts->name);
  const Bytes* material = &parts->material;
  const std::uint8_t type = material->front();
  ByteView key_bytes(material->data() + 1, material->size() - 1);
  Result<crypto::PublicKey> key = invalid("unknown");
  if (type == kTypeEd25519) {
    key = crypto::PublicKey::from_bytes(crypto::Suite::kEd25519Sha256, key_bytes);
  } else if (type == kTypeEcdsa) {
    std::string pem = "-----BEGIN PUBLIC KEY-----\n" + to_base64(key_bytes) + "\n-----END PUBLIC KEY-----\n";
    key = crypto::PublicKey::from_pem(pem);
    if (key && key->suite() != crypto::Suite::kP256Sha256) {
      return invalid("the verifier key's ECDSA key is not on P-256");
    }
    // OpenSSL reads a key and ignores what follows it: one text per key.
    if (key && key->to_spki_der() != Bytes(key_bytes.begin(), key_bytes.end())) {
      return invalid("the verifier key's ECDSA key is not one DER SubjectPublicKeyInfo "
                     "(bytes after the key, or another encoding of it)");
    }
  } else {
    return Error(ErrorCode::kUnsupported, "verifier key type " + std::to_string(type) +
                                              " is not supported (Ed25519 0x01, ECDSA 0x02)");
  }
  if (!key) return invalid("the verifier key's key: " + key.error().message());
  NoteVerifier verifier{std::move(name), std::move(*key)};
  auto expected = note_key_id(verifier.name, verifier.key);
  if (!expected) return expected.error();
  if (parts->id != *expected) {
    return invalid("the verifier key's ID " + id_hex(parts->id) + " is not its key's ID");
  }
  return verifier;
}

Result<NoteSignature> sign_note(std::string_view text, std::string_view name,
                                const crypto::PrivateKey& key) {
  auto id = note_key_id(name, key.public_key());
  if (!id) return id.error();
  return NoteSignature{std::string(name), *id, key.sign(as_bytes(text))};
}

Result<std::vector<std::size_t>> verify_note(const SignedNote& note,
                                             std::span<const NoteVerifier> verifiers) {
  std::vector<std::size_t> verified;
  for (const NoteSignature& signature : note.signatures) {
    for (std::size_t i = 0; i < verifiers.size(); ++i) {
      const NoteVerifier& verifier = verifiers[i];
      auto id = note_key_id(verifier.name, verifier.key);
      if (!id || verifier.name != signature.name || *id != signature.key_id) continue;
      if (Status s = verifier.key.verify(as_bytes(note.text), signature.signature); !s) {
        return Error(ErrorCode::kVerificationFailed,
                     "the signature of " + signature.name + " does not hold: " +
                         s.error().message());
      }
      if (std::find(verified.begin(), verified.end(), i) == verified.end()) verified.push_back(i);
    }
  }
  if (verified.empty()) {
    return Error(ErrorCode::kVerificationFailed, "the note is signed by none of the keys given");
  }
  return verified;
}

Result<std::uint32_t> cosigner_key_id(std::string_view name, const crypto::PublicKey& key) {
  if (Status s = check_key_name(name); !s) return s.error();
  if (key.suite() != crypto::Suite::kEd25519Sha256) {
    return Error(ErrorCode::kUnsupported,
                 "a cosigning key must be Ed25519 (c2sp.org/tlog-cosignature), not " +
                     std::string(crypto::suite_name(key.suite())));
  }
  return hashed_key_id(name, kCosignatureType, key);
}

Result<std::string> format_cosigner_key(const NoteVerifier& cosigner) {
  auto id = cosigner_key_id(cosigner.name, cosigner.key);
  if (!id) return id.error();
  Bytes material{kCosignatureType};
  material.insert(material.end(), cosigner.key.bytes().begin(), cosigner.key.bytes().end());
  return cosigner.name + "+" + id_hex(*id) + "+" + to_base64(material);
}

Result<NoteVerifier> parse_cosigner_key(std::string_view text) {
  auto parts = split_key_text(text, "cosigning key");
  if (!parts) return parts.error();
  const Bytes* material = &parts->material;
  if (material->front() != kCosignatureType) {
    return Error(ErrorCode::kUnsupported,
                 "key type " + std::to_string(material->front()) +
                     " is not a cosigning key (Ed25519 cosignatures are type 4)");
  }
  auto key = crypto::PublicKey::from_bytes(crypto::Suite::kEd25519Sha256,
                                           ByteView(material->data() + 1, material->size() - 1));
  if (!key) return invalid("the cosigning key's key: " + key.error().message());
  NoteVerifier cosigner{std::move(parts->name), std::move(*key)};
  auto expected = cosigner_key_id(cosigner.name, cosigner.key);
  if (!expected) return expected.error();
  if (parts->id != *expected) {
    return invalid("the cosigning key's ID " + id_hex(parts->id) + " is not its key's ID");
  }
  return cosigner;
}

NoteVerifier policy_cosigner(const PolicyWitness& witness) {
  auto key = crypto::PublicKey::from_bytes(crypto::Suite::kEd25519Sha256, witness.key);
  TC_ASSERT_MSG(key.ok(), "a policy witness's key is a valid Ed25519 key");
  return {witness.name, std::move(*key)};
}

std::string cosigning_key_text(const PolicyWitness& witness) {
  auto text = format_cosigner_key(policy_cosigner(witness));
  TC_ASSERT_MSG(text.ok(), "a policy witness's name and key make a cosigning key");
  return std::move(*text);
}

std::string cosigned_message(std::string_view checkpoint_text, std::uint64_t time) {
  return "cosignature/v1\ntime " + std::to_string(time) + "\n" + std::string(checkpoint_text);
}

Result<NoteSignature> cosign(std::string_view checkpoint_text, std::string_view name,
                             const crypto::PrivateKey& key, std::uint64_t time) {
  if (time >= (std::uint64_t{1} << 63)) return invalid("a cosignature's time must be below 2^63");
  auto id = cosigner_key_id(name, key.public_key());
  if (!id) return id.error();
  Bytes signature;
  append_u32(signature, static_cast<std::uint32_t>(time >> 32));
  append_u32(signature, static_cast<std::uint32_t>(time));
  Bytes ed25519 = key.sign(as_bytes(cosigned_message(checkpoint_text, time)));
  signature.insert(signature.end(), ed25519.begin(), ed25519.end());
  return NoteSignature{std::string(name), *id, std::move(signature)};
}

Result<std::vector<VerifiedCosignature>> verify_cosignatures(
    const SignedNote& note, std::span<const NoteVerifier> cosigners) {
  std::vector<VerifiedCosignature> verified;
  for (const NoteSignature& signature : note.signatures) {
    for (std::size_t i = 0; i < cosigners.size(); ++i) {
      const NoteVerifier& cosigner = cosigners[i];
      auto id = cosigner_key_id(cosigner.name, cosigner.key);
      if (!id || cosigner.name != signature.name || *id != signature.key_id) continue;
      const std::string who = "the cosignature of " + signature.name;
      if (signature.signature.size() != 8 + 64) {
        return Error(ErrorCode::kVerificationFailed,
                     who + " has " + std::to_string(signature.signature.size()) +
                         " bytes, not 72 (a time and an Ed25519 signature)");
      }
      const std::uint64_t time = (std::uint64_t{read_u32(signature.signature)} << 32) |
                                 read_u32(ByteView(signature.signature.data() + 4, 4));
      if (time >= (std::uint64_t{1} << 63)) {
        return Error(ErrorCode::kVerificationFailed, who + " has a time past 2^63 - 1");
      }
      ByteView ed25519(signature.signature.data() + 8, 64);
      if (Status s = cosigner.key.verify(as_bytes(cosigned_message(note.text, time)), ed25519); !s) {
        return Error(ErrorCode::kVerificationFailed, who + " does not hold: " + s.error().message());
      }
      for (const VerifiedCosignature& earlier : verified) {
        if (earlier.cosigner == i) {
          return Error(ErrorCode::kVerificationFailed, signature.name + " cosigned the note twice");
        }
      }
      verified.push_back({i, time, signature});
    }
  }
  return verified;
}

Result<AddCheckpointRequest> parse_add_checkpoint(std::string_view body) {
  if (body.size() > kMaxNoteBytes + (kMaxProofLines + 1) * 64) {
    return invalid("the request is too large");
  }
  AddCheckpointRequest request;
  std::size_t at = 0;
  std::size_t line_number = 0;
  for (;;) {
    const std::size_t end = body.find('\n', at);
    if (end == std::string_view::npos) return invalid("the request has no blank line before its note");
    const std::string_view line = body.substr(at, end - at);
    at = end + 1;
    ++line_number;
    if (line.empty()) break;
    if (line_number == 1) {
      if (!line.starts_with("old ")) return invalid("the first line must be \"old <size>\"");
      const std::string_view size = line.substr(4);
      auto [last, error] = std::from_chars(size.data(), size.data() + size.size(), request.old_size);
      if (error != std::errc() || last != size.data() + size.size() || size.empty() ||
          (size.size() > 1 && size[0] == '0')) {
        return invalid("the old size is not a decimal number without leading zeroes");
      }
      continue;
    }
    if (request.proof.size() == kMaxProofLines) {
      return invalid("more than " + std::to_string(kMaxProofLines) + " consistency proof lines");
    }
    auto hash = from_base64(line);
    if (!hash || hash->size() != kDigestSize) {
      return invalid("consistency proof line " + std::to_string(line_number - 1) +
                     " is not a base64 hash of 32 bytes");
    }
    Digest digest;
    std::copy(hash->begin(), hash->end(), digest.begin());
    request.proof.push_back(digest);
  }
  if (line_number == 1) return invalid("the first line must be \"old <size>\"");
  auto note = parse_note(body.substr(at));
  if (!note) return note.error();
  request.note = std::move(*note);
  return request;
}

std::string format_add_checkpoint(const AddCheckpointRequest& request) {
  std::string body = "old " + std::to_string(request.old_size) + "\n";
  for (const Digest& hash : request.proof) body += to_base64(hash) + "\n";
  return body + "\n" + format_note(request.note);
}

}  // namespace tracechain::ledger
