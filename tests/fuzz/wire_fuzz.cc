// P2P frame payloads from a peer (node/wire.h): every message type through
// node::decode_payload, and the keepalive. A payload that decodes must be
// exactly what encode_frame() makes of the message, less the length prefix.
#include "node/wire.h"
#include "tests/fuzz/fuzz.h"

using namespace tracechain;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView payload = fuzz::view(data, size);
  if (node::is_keepalive(payload)) {
    if (node::decode_keepalive(payload)) {
      const Bytes frame = node::encode_frame(node::Keepalive{});
      fuzz::check(ByteView(frame).subspan(node::kFrameHeaderSize).size() == size &&
                      std::equal(payload.begin(), payload.end(),
                                 frame.begin() + node::kFrameHeaderSize),
                  "an accepted keepalive is not the keepalive frame");
    }
    return 0;
  }
  auto message = node::decode_payload(payload);
  if (!message) return 0;
  const Bytes frame = node::encode_frame(*message);
  fuzz::check(frame.size() == node::kFrameHeaderSize + size &&
                  node::frame_length(frame.data()) == size &&
                  std::equal(payload.begin(), payload.end(), frame.begin() + node::kFrameHeaderSize),
              "an accepted frame payload does not re-encode to itself");
  (void)node::message_type_name(node::message_type(*message));
  auto again = node::decode_payload(ByteView(frame).subspan(node::kFrameHeaderSize));
  fuzz::check(again.ok() && *again == *message, "a re-encoded frame does not decode to the same message");
  return 0;
}
