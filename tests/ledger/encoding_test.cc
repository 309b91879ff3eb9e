#include <catch2/catch.hpp>
#include <random>

#include "ledger/block.h"
#include "tests/support/allocation_tracker.h"
#include "tests/support/vectors.h"

using namespace tracechain;
using ledger::BlockHeader;
using ledger::CommitCertificate;
using ledger::Transaction;
using ledger::Vote;

namespace {

Digest digest_of(const std::string& text) {
  return crypto::hash(crypto::HashAlgorithm::kSha256, as_bytes(text));
}

Transaction sample_transaction(const crypto::PrivateKey& key) {
  Transaction tx;
  tx.chain_id = "tracechain-test";
  tx.sender = "buyer-1";
  tx.kind = ledger::TxKind::kTradeCreate;
  tx.payload = Bytes{1, 2, 3, 4, 5};
  tx.nonce = 0x0102030405060708ull;
  tx.expiry_height = 77;
  ledger::sign(tx, key);
  return tx;
}

BlockHeader sample_header() {
  BlockHeader header;
  header.chain_id = "tracechain-test";
  header.height = 12;
  header.previous_hash = digest_of("previous");
  header.time_ms = 1'700'000'000'000ull;
  header.proposer = "validator-0";
  header.transactions_root = digest_of("txs");
  header.receipts_root = digest_of("receipts");
  header.state_root = digest_of("state");
  header.log_size = 99;
  header.log_root = digest_of("log");
  header.validator_set_hash = digest_of("validators");
  header.next_validator_set_hash = digest_of("next validators");
  return header;
}

Vote sample_vote(const crypto::PrivateKey& key, bool nil) {
  Vote vote;
  vote.chain_id = "tracechain-test";
  vote.type = ledger::VoteType::kPrecommit;
  vote.height = 12;
  vote.round = 3;
  if (!nil) vote.block_hash = digest_of("block");
  vote.validator = "validator-2";
  ledger::sign(vote, key);
  return vote;
}

CommitCertificate sample_certificate() {
  CommitCertificate certificate;
  certificate.height = 12;
  certificate.round = 3;
  certificate.block_hash = digest_of("block");
  for (int i = 0; i < 3; ++i) {
    certificate.signatures.push_back(
        {"validator-" + std::to_string(i), Bytes(70, static_cast<std::uint8_t>(i))});
  }
  return certificate;
}

// Decoding is one-to-one: whatever decodes must re-encode to the same bytes.
template <typename T>
void check_canonical_or_refused(const Bytes& bytes) {
  auto decoded = ledger::decode<T>(bytes);
  if (decoded.ok()) REQUIRE(ledger::encode(*decoded) == bytes);
}

// Every strict prefix is refused; every single-byte mutation is refused or
// decodes canonically.
template <typename T>
void check_robust(const Bytes& encoding) {
  for (std::size_t length = 0; length < encoding.size(); ++length) {
    Bytes prefix(encoding.begin(), encoding.begin() + static_cast<std::ptrdiff_t>(length));
    REQUIRE_FALSE(ledger::decode<T>(prefix).ok());
  }
  for (std::size_t i = 0; i < encoding.size(); ++i) {
    for (std::uint8_t flip : {0x01, 0x80, 0xff}) {
      Bytes mutated = encoding;
      mutated[i] ^= flip;
      check_canonical_or_refused<T>(mutated);
    }
  }
  Bytes trailing = encoding;
  trailing.push_back(0);
  auto refused = ledger::decode<T>(trailing);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message(), Catch::Contains("1 trailing bytes"));
}

}  // namespace

TEST_CASE("every type round-trips through the canonical encoding", "[ledger][encoding]") {
  for (crypto::Suite suite :
       {crypto::Suite::kP256Sha256, crypto::Suite::kEd25519Sha256, crypto::Suite::kSm2Sm3}) {
    INFO("suite " << crypto::suite_name(suite));
    auto key = crypto::PrivateKey::generate(suite);
    REQUIRE(key.ok());

    Transaction tx = sample_transaction(*key);
    auto tx_back = ledger::decode<Transaction>(ledger::encode(tx));
    REQUIRE(tx_back.ok());
    CHECK(*tx_back == tx);
    CHECK(ledger::verify_signature(*tx_back, key->public_key()).ok());
    CHECK(ledger::transaction_hash(*tx_back) ==
          ledger::transaction_hash(suite, ledger::encode(tx)));

    for (bool nil : {true, false}) {
      Vote vote = sample_vote(*key, nil);
      auto vote_back = ledger::decode<Vote>(ledger::encode(vote));
      REQUIRE(vote_back.ok());
      CHECK(*vote_back == vote);
      CHECK(ledger::verify_signature(*vote_back, key->public_key()).ok());
    }
  }
  BlockHeader header = sample_header();
  CHECK(*ledger::decode<BlockHeader>(ledger::encode(header)) == header);
  CommitCertificate certificate = sample_certificate();
  CHECK(*ledger::decode<CommitCertificate>(ledger::encode(certificate)) == certificate);
}

TEST_CASE("truncated, mutated and padded encodings never crash or alias",
          "[ledger][encoding][robustness]") {
  auto key = crypto::PrivateKey::generate(crypto::Suite::kP256Sha256);
  REQUIRE(key.ok());
  check_robust<Transaction>(ledger::encode(sample_transaction(*key)));
  check_robust<BlockHeader>(ledger::encode(sample_header()));
  check_robust<Vote>(ledger::encode(sample_vote(*key, false)));
  check_robust<Vote>(ledger::encode(sample_vote(*key, true)));
  check_robust<CommitCertificate>(ledger::encode(sample_certificate()));
  ledger::Proposal proposal;
  proposal.chain_id = "tracechain-test";
  proposal.height = 4;
  proposal.round = 1;
  proposal.valid_round = 0;
  proposal.proposer = "validator-1";
  ledger::sign(proposal, *key);
  check_robust<ledger::Proposal>(ledger::encode(proposal));
}

TEST_CASE("random bytes decode to an error or to a canonical value", "[ledger][encoding]") {
  std::mt19937_64 random(20261123);
  auto key = crypto::PrivateKey::generate(crypto::Suite::kEd25519Sha256);
  REQUIRE(key.ok());
  Bytes valid = ledger::encode(sample_transaction(*key));
  for (int round = 0; round < 20000; ++round) {
    // Half pure noise, half a valid encoding with a random stretch overwritten.
    Bytes input;
    if (round % 2 == 0) {
      input.resize(random() % 200);
      for (auto& byte : input) byte = static_cast<std::uint8_t>(random());
      if (!input.empty()) input[0] = 1;  // get past the version byte
    } else {
      input = valid;
      std::size_t start = random() % input.size();
      std::size_t length = 1 + random() % 8;
      for (std::size_t i = start; i < std::min(input.size(), start + length); ++i) {
        input[i] = static_cast<std::uint8_t>(random());
      }
    }
    check_canonical_or_refused<Transaction>(input);
    check_canonical_or_refused<BlockHeader>(input);
    check_canonical_or_refused<Vote>(input);
    check_canonical_or_refused<CommitCertificate>(input);
  }
}

TEST_CASE("a length prefix is checked against the input before any allocation",
          "[ledger][encoding][robustness]") {
  if (!test::AllocationTracker::supported()) {
    WARN("allocation sizes are not tracked in an AddressSanitizer build (ASan would report a "
         "4 GiB allocation itself)");
  }
  // Version 1, then a chain id claiming 4 GiB, then three bytes.
  Bytes hostile{0x01, 0xff, 0xff, 0xff, 0xff, 'a', 'b', 'c'};
  test::AllocationTracker tracker;
  auto refused = ledger::decode<Transaction>(hostile);
  std::size_t largest = tracker.largest_allocation();
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message(), Catch::Contains("claims 4294967295"));
  CHECK_THAT(refused.error().message(), Catch::Contains("only 3 bytes are left"));
  if (test::AllocationTracker::supported()) CHECK(largest < 4096);

  // A certificate whose signature list claims 2^32 - 1 entries.
  Bytes certificate = ledger::encode(sample_certificate());
  std::size_t count_at = 1 + 8 + 4 + 32;
  for (std::size_t i = 0; i < 4; ++i) certificate[count_at + i] = 0xff;
  test::AllocationTracker list_tracker;
  auto list_refused = ledger::decode<CommitCertificate>(certificate);
  REQUIRE_FALSE(list_refused.ok());
  CHECK_THAT(list_refused.error().message(), Catch::Contains("list count claims"));
  if (test::AllocationTracker::supported()) CHECK(list_tracker.largest_allocation() < 4096);
}

TEST_CASE("decoding names what is wrong", "[ledger][encoding]") {
  auto key = crypto::PrivateKey::generate(crypto::Suite::kP256Sha256);
  REQUIRE(key.ok());
  Transaction tx = sample_transaction(*key);

  Bytes future = ledger::encode(tx);
  future[0] = 2;
  auto version = ledger::decode<Transaction>(future);
  REQUIRE_FALSE(version.ok());
  CHECK(version.error().message() ==
        "transaction: transaction format version 2 is not supported (this build reads version "
        "1)");

  Transaction unknown_kind = tx;
  unknown_kind.kind = static_cast<ledger::TxKind>(0x0999);
  CHECK_THAT(ledger::decode<Transaction>(ledger::encode(unknown_kind)).error().message(),
             Catch::Contains("unknown transaction kind 2457"));

  Transaction unknown_suite = tx;
  unknown_suite.suite = static_cast<crypto::Suite>(9);
  CHECK_THAT(ledger::decode<Transaction>(ledger::encode(unknown_suite)).error().message(),
             Catch::Contains("unknown signature suite number 9"));

  Transaction big_payload = tx;
  big_payload.payload.assign(ledger::kMaxPayloadSize + 1, 0xaa);
  CHECK_THAT(ledger::decode<Transaction>(ledger::encode(big_payload)).error().message(),
             Catch::Contains("payload is 65537 bytes"));

  for (const char* bad : {"", "Provider", "-provider", "provider acme", "provïder"}) {
    Transaction bad_sender = tx;
    bad_sender.sender = bad;
    auto refused = ledger::decode<Transaction>(ledger::encode(bad_sender));
    INFO("sender '" << bad << "'");
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error().message(), Catch::Contains("sender"));
  }
  Transaction long_sender = tx;
  long_sender.sender = std::string(65, 'a');
  CHECK_THAT(ledger::decode<Transaction>(ledger::encode(long_sender)).error().message(),
             Catch::Contains("more than the 64 allowed"));

  Bytes bad_optional = ledger::encode(sample_vote(*key, false));
  std::size_t tag_at = 1 + 4 + 15 + 1 + 8 + 4;
  REQUIRE(bad_optional[tag_at] == 1);
  bad_optional[tag_at] = 2;
  CHECK_THAT(ledger::decode<Vote>(bad_optional).error().message(),
             Catch::Contains("a boolean is 0 or 1, got 2"));

  Vote bad_type = sample_vote(*key, true);
  bad_type.type = static_cast<ledger::VoteType>(3);
  CHECK_THAT(ledger::decode<Vote>(ledger::encode(bad_type)).error().message(),
             Catch::Contains("unknown vote type 3"));

  CommitCertificate empty = sample_certificate();
  empty.signatures.clear();
  CHECK_THAT(ledger::decode<CommitCertificate>(ledger::encode(empty)).error().message(),
             Catch::Contains("no signatures"));
}

TEST_CASE("a signature covers every field and only its own domain", "[ledger][encoding]") {
  auto key = crypto::PrivateKey::generate(crypto::Suite::kP256Sha256);
  REQUIRE(key.ok());
  Transaction tx = sample_transaction(*key);
  REQUIRE(ledger::verify_signature(tx, key->public_key()).ok());
  CHECK(ledger::signing_bytes(tx).front() == 0x01);

  std::vector<std::function<void(Transaction&)>> changes = {
      [](Transaction& t) { t.chain_id = "other-chain"; },
      [](Transaction& t) { t.sender = "buyer-2"; },
      [](Transaction& t) { t.kind = ledger::TxKind::kTradeCancel; },
      [](Transaction& t) { t.payload.push_back(0); },
      [](Transaction& t) { t.nonce += 1; },
      [](Transaction& t) { t.expiry_height += 1; },
  };
  for (std::size_t i = 0; i < changes.size(); ++i) {
    INFO("change " << i);
    Transaction changed = tx;
    changes[i](changed);
    CHECK_FALSE(ledger::verify_signature(changed, key->public_key()).ok());
    CHECK(ledger::transaction_hash(changed) != ledger::transaction_hash(tx));
  }

  Transaction other_suite = tx;
  other_suite.suite = crypto::Suite::kEd25519Sha256;
  auto mismatch = ledger::verify_signature(other_suite, key->public_key());
  REQUIRE_FALSE(mismatch.ok());
  CHECK_THAT(mismatch.error().message(), Catch::Contains("ed25519-sha256"));

  // The same key signing a vote cannot produce a transaction signature.
  Vote vote = sample_vote(*key, false);
  CHECK(ledger::signing_bytes(vote).front() == 0x02);
  Transaction forged = tx;
  forged.signature = vote.signature;
  CHECK_FALSE(ledger::verify_signature(forged, key->public_key()).ok());
}

TEST_CASE("a certificate's entries rebuild the precommits they signed", "[ledger][encoding]") {
  std::vector<crypto::PrivateKey> validators;
  CommitCertificate certificate;
  certificate.height = 5;
  certificate.round = 1;
  certificate.block_hash = digest_of("block 5");
  for (int i = 0; i < 4; ++i) {
    validators.push_back(*crypto::PrivateKey::generate(crypto::Suite::kSm2Sm3));
    Vote vote;
    vote.chain_id = "tracechain-test";
    vote.type = ledger::VoteType::kPrecommit;
    vote.height = 5;
    vote.round = 1;
    vote.block_hash = certificate.block_hash;
    vote.validator = "validator-" + std::to_string(i);
    ledger::sign(vote, validators.back());
    certificate.signatures.push_back({vote.validator, vote.signature});
  }
  auto decoded = ledger::decode<CommitCertificate>(ledger::encode(certificate));
  REQUIRE(decoded.ok());
  for (std::size_t i = 0; i < validators.size(); ++i) {
    Vote rebuilt = ledger::precommit_of("tracechain-test", *decoded, decoded->signatures[i]);
    CHECK(ledger::verify_signature(rebuilt, validators[i].public_key()).ok());
    Vote other_chain = ledger::precommit_of("other-chain", *decoded, decoded->signatures[i]);
    CHECK_FALSE(ledger::verify_signature(other_chain, validators[i].public_key()).ok());
  }
}
