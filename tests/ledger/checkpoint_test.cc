// Checkpoints and signed notes in the C2SP formats: the golden vectors of
// docs/crypto.md (computed independently with Python's hashlib and the
// `cryptography` package), the signed-note specification's own example, and
// every malformed or altered note refused.
#include <catch2/catch.hpp>

#include "ledger/checkpoint.h"

using namespace tracechain;
using namespace tracechain::ledger;

namespace {

const std::string kOrigin = "tracechain/golden-chain/0123456789abcdef";
const std::string kText =
    "tracechain/golden-chain/0123456789abcdef\n135\nUyxRfSCij9upRQRaVBx7g8LqTMzRVqMdVVFV27DnJ7U=\n";
// RFC 8032's first Ed25519 test key.
const std::string kEd25519Pem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";
const std::string kEd25519Verifier =
    "tracechain/golden-chain/0123456789abcdef+d61daf84+"
    "AddamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea";
const std::string kEd25519Note =
    kText + "\n\xE2\x80\x94 tracechain/golden-chain/0123456789abcdef "
            "1h2vhJ0kMeoB2dM1IZvIEnM5YvPfw7tsDdNU4q3N0SDxPBUMJuEnU46D8qODA6FVVEPJoulMcMqQnXu/"
            "LAiyy7Cr2Ao=\n";
const std::string kP256Pem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgya+p2EW6dRZrXCFX\n"
    "Z7HWk05Qw9s26JsSe4piKxIPZyGhRANCAARg/tS6JVqdMclh63TGNW1owEm4kjth\n"
    "+mzmaWIuYPKftnkD/hAIuLyZpBrp6VYovGTy8bIMLX6fUXejwpTURiKZ\n"
    "-----END PRIVATE KEY-----\n";
const std::string kP256Verifier =
    "tracechain/golden-chain/0123456789abcdef+5a7a78cc+"
    "AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABGD+1LolWp0xyWHrdMY1bWjASbiSO2H6bOZpYi5g8p+"
    "2eQP+EAi4vJmkGunpVii8ZPLxsgwtfp9Rd6PClNRGIpk=";
// A signature Python made with the P-256 key above (ECDSA is randomised).
const std::string kP256Note =
    kText + "\n\xE2\x80\x94 tracechain/golden-chain/0123456789abcdef "
            "Wnp4zDBEAiBJ+neSph0Hb9YQb15elvIFP8w6MBm1TZ5yLbhsNnc6sgIgdGb5rIoEzD26frvb31LR3L3sBJsbvuX0"
            "dveWwLRcFes=\n";

crypto::PrivateKey key_of(const std::string& pem) {
  auto key = crypto::PrivateKey::from_pem(pem);
  REQUIRE(key);
  return *key;
}

NoteVerifier verifier_of(const std::string& text) {
  auto verifier = parse_note_verifier(text);
  INFO(text << ": " << (verifier ? std::string("ok") : verifier.error().message()));
  REQUIRE(verifier);
  return *verifier;
}

Digest golden_root() {
  return crypto::hash(crypto::HashAlgorithm::kSha256, as_bytes("tracechain golden log"));
}

}  // namespace

TEST_CASE("checkpoint: the golden checkpoint's text, key IDs, verifier keys and signatures") {
  Checkpoint checkpoint{kOrigin, 135, golden_root(), {}};
  CHECK(checkpoint_text(checkpoint) == kText);
  auto parsed = parse_checkpoint(kText);
  REQUIRE(parsed);
  CHECK(*parsed == checkpoint);

  const crypto::PrivateKey ed25519 = key_of(kEd25519Pem);
  CHECK(note_key_id(kOrigin, ed25519.public_key()).value() == 0xd61daf84u);
  CHECK(format_note_verifier({kOrigin, ed25519.public_key()}).value() == kEd25519Verifier);
  // Ed25519 is deterministic: the note is the golden one, byte for byte.
  auto signature = sign_note(kText, kOrigin, ed25519);
  REQUIRE(signature);
  CHECK(format_note(SignedNote{kText, {*signature}}) == kEd25519Note);

  const crypto::PrivateKey p256 = key_of(kP256Pem);
  CHECK(note_key_id(kOrigin, p256.public_key()).value() == 0x5a7a78ccu);
  CHECK(format_note_verifier({kOrigin, p256.public_key()}).value() == kP256Verifier);

  const NoteVerifier verifiers[] = {verifier_of(kEd25519Verifier), verifier_of(kP256Verifier)};
  for (const std::string& text : {kEd25519Note, kP256Note}) {
    auto note = parse_note(text);
    REQUIRE(note);
    CHECK(note->text == kText);
    CHECK(format_note(*note) == text);
    auto verified = verify_note(*note, verifiers);
    INFO((verified ? std::string("ok") : verified.error().message()));
    REQUIRE(verified);
    CHECK(verified->size() == 1);
  }
  // A P-256 signature tracechain makes verifies too.
  auto own = sign_note(kText, kOrigin, p256);
  REQUIRE(own);
  CHECK(verify_note(SignedNote{kText, {*own}}, verifiers).value() == std::vector<std::size_t>{1});
}

TEST_CASE("checkpoint: the signed-note specification's example verifies") {
  // From c2sp.org/signed-note, "Verifier keys", "Example".
  const NoteVerifier verifier =
      verifier_of("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k");
  auto note = parse_note(
      "This is an example message.\n\n\xE2\x80\x94 example.com/foo "
      "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n");
  REQUIRE(note);
  CHECK(verify_note(*note, std::span(&verifier, 1)));
}

TEST_CASE("checkpoint: a note that is altered, unsigned by a known key or malformed is refused") {
  const NoteVerifier verifier = verifier_of(kEd25519Verifier);
  const std::span<const NoteVerifier> known(&verifier, 1);

  SECTION("one byte of the text changed") {
    std::string altered = kEd25519Note;
    altered[kOrigin.size() + 2] = '6';  // size 135 -> 165
    auto note = parse_note(altered);
    REQUIRE(note);
    auto verified = verify_note(*note, known);
    REQUIRE_FALSE(verified);
    CHECK(verified.error().code() == ErrorCode::kVerificationFailed);
  }
  SECTION("signed by another key under the same name and ID: refused, not ignored") {
    auto note = parse_note(kEd25519Note);
    REQUIRE(note);
    note->signatures[0].signature[5] ^= 1;
    CHECK_FALSE(verify_note(*note, known));
  }
  SECTION("signed only by keys not given") {
    auto note = parse_note(kP256Note);
    REQUIRE(note);
    auto verified = verify_note(*note, known);
    REQUIRE_FALSE(verified);
    CHECK(verified.error().message().find("none of the keys") != std::string::npos);
  }
  SECTION("unknown signatures beside a good one are ignored") {
    auto note = parse_note(kEd25519Note);
    auto other = parse_note(kP256Note);
    REQUIRE(note);
    REQUIRE(other);
    note->signatures.insert(note->signatures.begin(), other->signatures[0]);
    CHECK(verify_note(*note, known));
  }
  SECTION("malformed notes") {
    const std::string dash = "\xE2\x80\x94 ";
    for (const std::string& text : {
             std::string(""),
             kText,                                               // no signatures
             kText + "\n",                                        // blank line, no signature
             kText + "\n" + dash + "name\n",                      // no signature after the name
             kText + "\n- name AAAAAAA=\n",                       // not an em dash
             kText + "\n" + dash + "na+me AAAAAAA=\n",            // plus in the key name
             kText + "\n" + dash + "name AAAA\n",                 // shorter than a key ID and a byte
             kText + "\n" + dash + "name AAAAAAA\n",              // not base64
             kText + "\n" + dash + "name AAAAAAA=",               // no final newline
             "tracechain\x01\n1\nAA==\n\n" + dash + "name AAAAAAA=\n",  // control character
             "tracechain\xC0\xAF\n\n" + dash + "name AAAAAAA=\n",        // overlong UTF-8
         }) {
      INFO(text);
      CHECK_FALSE(parse_note(text));
    }
    std::string many = kText + "\n";
    for (std::size_t i = 0; i <= kMaxNoteSignatures; ++i) many += dash + "n AAAAAAA=\n";
    CHECK_FALSE(parse_note(many));
    CHECK_FALSE(parse_note(std::string(kMaxNoteBytes + 1, 'a')));
  }
}

TEST_CASE("checkpoint: a verifier key has one text: no bytes after the key, no control characters") {
  // Found by the checkpoint fuzz target: OpenSSL reads a DER key and ignores
  // what follows it, so the key with a byte appended parsed to the same key.
  auto material = from_base64(kP256Verifier.substr(kOrigin.size() + 10));  // after "+5a7a78cc+"
  REQUIRE(material);
  material->push_back(0x42);
  const std::string prefix = kOrigin + "+5a7a78cc+";
  auto trailing = parse_note_verifier(prefix + to_base64(*material));
  REQUIRE_FALSE(trailing);
  INFO(trailing.error().message());
  CHECK(trailing.error().message().find("after") != std::string::npos);
  CHECK_FALSE(parse_note_verifier(std::string("tracechain/\x01/x") + kEd25519Verifier.substr(kOrigin.size())));
  CHECK_FALSE(note_key_id(std::string("a\0b", 3), key_of(kEd25519Pem).public_key()));
  // The key ID is 8 lower-case hex digits (also found by the fuzz target:
  // "0X5a7a78cc" and "5A7A78CC" parsed to the same key).
  CHECK_FALSE(parse_note_verifier(kOrigin + "+0X5a7a78cc+" + kP256Verifier.substr(kOrigin.size() + 10)));
  CHECK_FALSE(parse_note_verifier(kOrigin + "+5A7A78CC+" + kP256Verifier.substr(kOrigin.size() + 10)));
  // The key ID must be the key's.
  CHECK_FALSE(parse_note_verifier(kOrigin + "+d61daf85+AddamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea"));
}

TEST_CASE("checkpoint: malformed checkpoint texts are refused") {
  for (const std::string& text : {
           std::string("origin\n135\n"),                                   // two lines
           std::string("origin\n0135\nUyxRfSCij9upRQRaVBx7g8LqTMzRVqMdVVFV27DnJ7U=\n"),  // leading zero
           std::string("origin\n-1\nUyxRfSCij9upRQRaVBx7g8LqTMzRVqMdVVFV27DnJ7U=\n"),
           std::string("origin\n18446744073709551616\nUyxRfSCij9upRQRaVBx7g8LqTMzRVqMdVVFV27DnJ7U=\n"),
           std::string("origin\n1\nUyxRfSCij9upRQRaVBx7g8LqTMzRVqMdVVFV27DnJ7U\n"),  // unpadded
           std::string("origin\n1\nAAAA\n"),                               // 3 bytes, not 32
           std::string("origin\n1\nUyxRfSCij9upRQRaVBx7g8LqTMzRVqMdVVFV27DnJ7U=\n\n"),  // empty line
           std::string("\n1\nUyxRfSCij9upRQRaVBx7g8LqTMzRVqMdVVFV27DnJ7U=\n"),  // empty origin
           std::string("origin\n1\nUyxRfSCij9upRQRaVBx7g8LqTMzRVqMdVVFV27DnJ7U="),  // no newline
       }) {
    INFO(text);
    CHECK_FALSE(parse_checkpoint(text));
  }
  auto zero = parse_checkpoint("origin\n0\nUyxRfSCij9upRQRaVBx7g8LqTMzRVqMdVVFV27DnJ7U=\next\n");
  REQUIRE(zero);
  CHECK(zero->size == 0);
  CHECK(zero->extensions == std::vector<std::string>{"ext"});
}

TEST_CASE("checkpoint: base64 has one text per byte string") {
  for (std::size_t n = 0; n < 40; ++n) {
    Bytes bytes(n);
    for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<std::uint8_t>(i * 37 + n);
    std::string text = to_base64(bytes);
    CHECK(from_base64(text).value() == bytes);
  }
  CHECK(to_base64(as_bytes("foobar")) == "Zm9vYmFy");  // RFC 4648 section 10
  CHECK(to_base64(as_bytes("fo")) == "Zm8=");
  CHECK_FALSE(from_base64("Zm9="));   // non-zero bits after the last byte
  CHECK_FALSE(from_base64("Zm8"));    // no padding
  CHECK_FALSE(from_base64("Zm8=Zm8="));  // padding inside
  CHECK_FALSE(from_base64("Zm-v"));   // URL alphabet
  CHECK_FALSE(from_base64("Z==="));
}

namespace {

// RFC 8032's second Ed25519 test key, as a witness's cosigning key; the
// cosignature below was made by Python's `cryptography` at time 1796601600.
const std::string kWitnessPem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIEzNCJso/5banbbDRuwRTg9bijGfNaumJNqM9u1PuKb7\n"
    "-----END PRIVATE KEY-----\n";
const std::string kWitnessName = "witness.example/regulator";
const std::string kWitnessKey =
    "witness.example/regulator+ead5d99b+BD1AF8PoQ4lakrcKp00bfrycmCzPLsSWjMDNVfEq9GYM";
const std::string kCosignatureLine =
    "\xE2\x80\x94 witness.example/regulator "
    "6tXZmwAAAABrFfcAq0BVtPqJAY2MwBwJAQF+l9DwYP2byCQV3BSdakm6ikFT0bWMBAlQlchFm2IMk52MqZBCzwNnczGLX06IXDnwDg==\n";
constexpr std::uint64_t kCosignatureTime = 1796601600;

}  // namespace

TEST_CASE("checkpoint: the golden cosignature (c2sp.org/tlog-cosignature, Ed25519)") {
  crypto::PrivateKey witness = key_of(kWitnessPem);
  NoteVerifier cosigner{kWitnessName, witness.public_key()};
  CHECK(format_cosigner_key(cosigner).value() == kWitnessKey);
  auto parsed = parse_cosigner_key(kWitnessKey);
  REQUIRE(parsed);
  CHECK(parsed->key.bytes() == witness.public_key().bytes());
  CHECK(cosigned_message(kText, 5) == "cosignature/v1\ntime 5\n" + kText);

  // Ed25519 is deterministic: the line made here is Python's, byte for byte.
  auto line = cosign(kText, kWitnessName, witness, kCosignatureTime);
  REQUIRE(line);
  CHECK(format_note({kText, {*line}}) == kText + "\n" + kCosignatureLine);

  // A checkpoint signed by the log and cosigned by the witness.
  auto note = parse_note(kEd25519Note + kCosignatureLine);
  REQUIRE(note);
  auto verified = verify_cosignatures(*note, std::span(&cosigner, 1));
  REQUIRE(verified);
  REQUIRE(verified->size() == 1);
  CHECK(verified->front().time == kCosignatureTime);
  CHECK(verify_note(*note, std::vector{verifier_of(kEd25519Verifier)}));
  // The log's own line is not a cosignature of that key: nothing counted.
  auto log_only = verify_cosignatures(*parse_note(kEd25519Note), std::span(&cosigner, 1));
  REQUIRE(log_only);
  CHECK(log_only->empty());
}

TEST_CASE("checkpoint: a cosignature over another text, time or key fails, a second line fails") {
  crypto::PrivateKey witness = key_of(kWitnessPem);
  NoteVerifier cosigner{kWitnessName, witness.public_key()};
  const std::string other_text =
      "tracechain/golden-chain/0123456789abcdef\n136\nUyxRfSCij9upRQRaVBx7g8LqTMzRVqMdVVFV27DnJ7U=\n";
  // The golden line moved to another checkpoint.
  auto moved = parse_note(other_text + "\n" + kCosignatureLine);
  REQUIRE(moved);
  CHECK(verify_cosignatures(*moved, std::span(&cosigner, 1)).error().code() ==
        ErrorCode::kVerificationFailed);
  // Its time changed: the signature covers the time.
  auto note = parse_note(kText + "\n" + kCosignatureLine).value();
  note.signatures[0].signature[7] ^= 1;
  CHECK_FALSE(verify_cosignatures(note, std::span(&cosigner, 1)));
  // Truncated.
  note = parse_note(kText + "\n" + kCosignatureLine).value();
  note.signatures[0].signature.pop_back();
  CHECK_FALSE(verify_cosignatures(note, std::span(&cosigner, 1)));
  // Twice.
  note = parse_note(kText + "\n" + kCosignatureLine + kCosignatureLine).value();
  CHECK_FALSE(verify_cosignatures(note, std::span(&cosigner, 1)));
  // A note-signing (type 0x01) key is not a cosigning key, and only Ed25519 cosigns.
  CHECK(parse_cosigner_key(kEd25519Verifier).error().code() == ErrorCode::kUnsupported);
  CHECK_FALSE(parse_note_verifier(kWitnessKey));
  CHECK(cosign(kText, "p256", key_of(kP256Pem), 1).error().code() == ErrorCode::kUnsupported);
  CHECK_FALSE(cosign(kText, kWitnessName, witness, std::uint64_t{1} << 63));
  // A key ID that is not the key's.
  std::string wrong_id = kWitnessKey;
  wrong_id.replace(wrong_id.find("ead5d99b"), 8, "ead5d99c");
  CHECK_FALSE(parse_cosigner_key(wrong_id));
}
