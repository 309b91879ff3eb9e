// Checks the golden vectors published in docs/encoding.md against the code.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>

#include "ledger/payloads.h"
#include "ledger/state_tree.h"
#include "tests/support/vectors.h"

using namespace tracechain;

namespace {

// Every "<!-- golden:NAME -->" marker in the document, with the bytes of the
// ```hex block that follows it (comments after '#' stripped, whitespace
// removed).
std::map<std::string, Bytes> golden_vectors() {
  std::ifstream in(test::source_dir() / "docs" / "encoding.md");
  REQUIRE(in.good());
  std::map<std::string, Bytes> vectors;
  std::string line;
  std::string pending;
  bool in_block = false;
  std::string hex;
  while (std::getline(in, line)) {
    if (auto at = line.find("<!-- golden:"); at != std::string::npos) {
      auto end = line.find(" -->", at);
      REQUIRE(end != std::string::npos);
      pending = line.substr(at + 12, end - at - 12);
    } else if (line == "```hex" && !pending.empty()) {
      in_block = true;
      hex.clear();
    } else if (line == "```" && in_block) {
      vectors[pending] = test::hex(hex);
      pending.clear();
      in_block = false;
    } else if (in_block) {
      std::string content = line.substr(0, line.find('#'));
      for (char c : content) {
        if (!std::isspace(static_cast<unsigned char>(c))) hex += c;
      }
    }
  }
  return vectors;
}

Digest sha256_of(const char* text) {
  return crypto::hash(crypto::HashAlgorithm::kSha256, as_bytes(text));
}

}  // namespace

TEST_CASE("golden vectors in docs/encoding.md", "[ledger][encoding][golden]") {
  auto vectors = golden_vectors();
  REQUIRE(vectors.size() == 13);

  SECTION("transaction") {
    ledger::Transaction tx;
    tx.chain_id = "tracechain-test";
    tx.sender = "provider-acme";
    tx.kind = ledger::TxKind::kAssetRegister;
    ledger::AssetRegisterPayload payload{"weather-2026",
                                         sha256_of("sample dataset"),
                                         sha256_of("sample metadata"),
                                         2,
                                         sha256_of("source declaration"),
                                         sha256_of("licence terms")};
    tx.payload = ledger::encode(payload);
    CHECK(tx.payload == vectors.at("transaction.payload"));
    auto decoded_payload =
        ledger::decode_payload(tx.kind, tx.payload, crypto::Suite::kP256Sha256);
    REQUIRE(decoded_payload.ok());
    CHECK(std::get<ledger::AssetRegisterPayload>(*decoded_payload) == payload);
    tx.nonce = 42;
    tx.expiry_height = 1000;
    tx.suite = crypto::Suite::kP256Sha256;

    CHECK(ledger::signing_bytes(tx) == vectors.at("transaction.signing_bytes"));

    // The documented encoding decodes to these fields plus the signature...
    const Bytes& encoding = vectors.at("transaction.encoding");
    auto decoded = ledger::decode<ledger::Transaction>(encoding);
    REQUIRE(decoded.ok());
    tx.signature = decoded->signature;
    CHECK(*decoded == tx);
    CHECK(ledger::encode(tx) == encoding);
    // ...the signature verifies with the documented key...
    auto key = crypto::PublicKey::from_bytes(crypto::Suite::kP256Sha256,
                                             vectors.at("transaction.public_key"));
    REQUIRE(key.ok());
    CHECK(ledger::verify_signature(tx, *key).ok());
    // ...and the hash is the documented one.
    Bytes hash = vectors.at("transaction.hash");
    CHECK(to_hex(ledger::transaction_hash(tx)) == to_hex(hash));
  }

  SECTION("block header") {
    ledger::BlockHeader header;
    header.chain_id = "tracechain-test";
    header.height = 7;
    header.previous_hash = sha256_of("header 6");
    header.time_ms = 1767225600000ull;
    header.proposer = "validator-exchange";
    header.transactions_root = sha256_of("transactions");
    header.receipts_root = sha256_of("receipts");
    header.state_root = sha256_of("state");
    header.log_size = 1234;
    header.log_root = sha256_of("log");
    header.validator_set_hash = sha256_of("validators");
    header.next_validator_set_hash = sha256_of("next validators");

    CHECK(ledger::encode(header) == vectors.at("header.encoding"));
    CHECK(to_hex(ledger::header_hash(crypto::HashAlgorithm::kSha256, header)) ==
          to_hex(vectors.at("header.hash")));
    auto decoded = ledger::decode<ledger::BlockHeader>(vectors.at("header.encoding"));
    REQUIRE(decoded.ok());
    CHECK(*decoded == header);

    // Format 2: the same fields, its state root the state tree's.
    header.format = ledger::BlockHeader::kStateTreeFormatVersion;
    Bytes encoding2 = vectors.at("header.encoding");
    encoding2[0] = 2;
    CHECK(ledger::encode(header) == encoding2);
    CHECK(to_hex(ledger::header_hash(crypto::HashAlgorithm::kSha256, header)) ==
          to_hex(vectors.at("header2.hash")));
    auto decoded2 = ledger::decode<ledger::BlockHeader>(encoding2);
    REQUIRE(decoded2.ok());
    CHECK(decoded2->state_tree());
    CHECK(*decoded2 == header);
    encoding2[0] = 3;
    CHECK_FALSE(ledger::decode<ledger::BlockHeader>(encoding2).ok());
  }

  SECTION("state tree, proofs and history commitments") {
    constexpr auto kSha256 = crypto::HashAlgorithm::kSha256;
    auto bytes = [](std::string_view text) { return Bytes(text.begin(), text.end()); };
    ledger::StateTree tree = ledger::StateTree(kSha256).apply(
        {{"asset/a1", bytes("L2")}, {"p/bank", bytes("active")}, {"t/trade-1", bytes("open")}});
    CHECK(to_hex(ledger::state_tree_leaf_hash(kSha256, sha256_of("t/trade-1"),
                                              sha256_of("open"))) ==
          to_hex(vectors.at("state_tree.leaf")));
    CHECK(to_hex(tree.root()) == to_hex(vectors.at("state_tree.root")));
    CHECK(ledger::encode(tree.prove("t/trade-1")) == vectors.at("state_tree.proof_present"));
    CHECK(ledger::encode(tree.prove("t/trade-9")) == vectors.at("state_tree.proof_absent"));
    auto present = ledger::decode<ledger::StateTreeProof>(vectors.at("state_tree.proof_present"));
    REQUIRE(present.ok());
    CHECK(ledger::verify_state_proof(kSha256, tree.root(), "t/trade-1", bytes("open"), *present));
    auto absent = ledger::decode<ledger::StateTreeProof>(vectors.at("state_tree.proof_absent"));
    REQUIRE(absent.ok());
    CHECK(ledger::verify_state_proof(kSha256, tree.root(), "t/trade-9", std::nullopt, *absent));

    std::vector<Digest> txs = {sha256_of("tx 1"), sha256_of("tx 2")};
    ledger::HistoryCommitment commitment = ledger::history_of(kSha256, txs);
    CHECK(ledger::encode(commitment) == vectors.at("history.encoding"));
    CHECK(ledger::check_history_complete(kSha256, commitment, txs));
  }
}
