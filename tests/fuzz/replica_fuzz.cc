// The replica's handling of peers' messages (node/replica.h): a script of
// frames, timers and connections (replica_script.h) runs against a fresh
// node::Replica over an in-memory block store, in-memory signing-state and
// held-block stores, a fixed clock and effects that record. Frames go
// through node::decode_payload as they do off the wire.
//
// Properties: no input throws out of the replica or stops it with a fatal
// error (nothing here fails to write); everything the replica sends or
// broadcasts encodes to a frame that decodes back to the same message; the
// committed height only grows, and the status agrees with the store.
#include <spdlog/spdlog.h>

#include <cstring>
#include <memory>

#include "node/replica.h"
#include "storage/memory_kv.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/replica_script.h"

using namespace tracechain;

namespace {

// Steps one input may take, so each run stays short.
constexpr std::size_t kMaxSteps = 64;
// Five seconds after genesis: blocks timed a second after genesis are in the past.
constexpr std::uint64_t kClockAfterGenesisMs = 5'000;

class FixedClock final : public node::Clock {
 public:
  explicit FixedClock(std::uint64_t now_ms) : now_ms_(now_ms) {}
  std::uint64_t now_ms() const override { return now_ms_; }

 private:
  std::uint64_t now_ms_;
};

void check_sendable(const node::WireMessage& message) {
  const Bytes frame = node::encode_frame(message);
  auto decoded = node::decode_payload(ByteView(frame).subspan(node::kFrameHeaderSize));
  if (!decoded) fuzz::fail("the replica sent a message that does not decode: " + decoded.error().message());
  fuzz::check(*decoded == message, "the replica sent a message that decodes to another");
}

class RecordingEffects final : public node::ReplicaEffects {
 public:
  void send(const std::string&, const node::WireMessage& message) override {
    check_sendable(message);
    ++sent;
  }
  void broadcast(const node::WireMessage& message, const std::optional<Digest>&,
                 const std::string&) override {
    check_sendable(message);
    ++sent;
  }
  std::vector<std::string> peers() const override {
    return std::vector<std::string>(connected.begin(), connected.end());
  }
  void set_timer(std::uint64_t, const node::ReplicaTimer& timer) override { timers.push_back(timer); }
  void committed(const ledger::AdmittedBlock& block, const ledger::CommitCertificate& certificate,
                 const ledger::ExecutedBlock&, const char*) override {
    fuzz::check(block.header.height == certificate.height,
                "a block was committed with another height's certificate");
    ++commits;
  }
  void fatal(const std::string& reason) override {
    fuzz::fail("the replica stopped on a fatal error over an in-memory store: " + reason);
  }

  std::set<std::string> connected;
  std::vector<node::ReplicaTimer> timers;
  std::size_t sent = 0;
  std::size_t commits = 0;
};

struct Fixture {
  const ledger::Genesis& genesis = fuzz::fuzz_chain().genesis;
  const std::string self = fuzz::replica_id();
  const std::vector<std::string> peers = fuzz::script_peers();
  const crypto::PrivateKey key = fuzz::fuzz_chain().keys.at(self);
};

const Fixture& fixture() {
  static const Fixture made = [] {
    spdlog::set_level(spdlog::level::off);  // a peer's garbage is logged at warn
    return Fixture{};
  }();
  return made;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Fixture& f = fixture();
  auto store = storage::open_block_store(std::make_shared<storage::MemoryKv>(), f.genesis);
  if (!store) fuzz::fail("cannot open an in-memory block store: " + store.error().message());
  node::Mempool mempool(node::Mempool::Limits{});
  ledger::VerifiedSignatures verified;
  consensus::InMemorySigningStateStore signing_store;
  node::InMemoryHeldBlockStore held_store;
  const FixedClock clock(f.genesis.time_ms + kClockAfterGenesisMs);
  RecordingEffects effects;
  node::ReplicaConfig config;
  config.node_id = f.self;
  config.chain_id = f.genesis.chain_id;
  config.max_block_bytes = 1024 * 1024;
  config.max_frame_bytes = 1024 * 1024;
  auto signing_state = signing_store.load();
  if (!signing_state) fuzz::fail("cannot load an empty signing state");
  node::Replica replica(config, f.key, std::move(*signing_state), **store, mempool, verified,
                        signing_store, held_store, clock, effects);
  replica.start();
  for (std::size_t i = 0; i + 1 < f.peers.size(); ++i) {
    effects.connected.insert(f.peers[i]);
    replica.on_peer_connected(f.peers[i]);
  }

  std::size_t at = 0;
  std::uint64_t height = 0;
  for (std::size_t steps = 0; at < size && steps < kMaxSteps; ++steps) {
    const std::uint8_t op = data[at++];
    const std::string& peer = f.peers[op & 0x3];
    switch (static_cast<fuzz::Step>(op >> 6)) {
      case fuzz::Step::kMessage: {
        std::uint8_t header[node::kFrameHeaderSize] = {};
        const std::size_t have = std::min(size - at, node::kFrameHeaderSize);
        std::memcpy(header, data + at, have);
        at += have;
        const std::size_t length = std::min<std::size_t>(node::frame_length(header), size - at);
        const ByteView payload(data + at, length);
        at += length;
        if (node::is_keepalive(payload)) break;
        auto message = node::decode_payload(payload);
        if (message) replica.on_message(peer, *message);
        break;
      }
      case fuzz::Step::kTimer: {
        if (effects.timers.empty()) break;
        const std::size_t which = ((op >> 2) & 0xf) % effects.timers.size();
        const node::ReplicaTimer timer = effects.timers[which];
        effects.timers.erase(effects.timers.begin() + static_cast<std::ptrdiff_t>(which));
        replica.on_timer(timer);
        break;
      }
      case fuzz::Step::kConnect:
        effects.connected.insert(peer);
        replica.on_peer_connected(peer);
        break;
      case fuzz::Step::kDisconnect:
        effects.connected.erase(peer);
        replica.on_peer_disconnected(peer);
        break;
    }
    const node::ReplicaStatus status = replica.status();
    fuzz::check(status.height >= height, "the committed height went down");
    fuzz::check(status.height == (*store)->height(), "the replica's height is not its store's");
    height = status.height;
  }
  fuzz::check(!replica.stopped(), "the replica stopped");
  return 0;
}
