// Every payload kind on its own: the input is a u16 kind (little-endian), a
// u8 suite, then the payload bytes. Payloads that decode must be canonical
// and of their kind's type.
#include "ledger/transaction.h"
#include "tests/fuzz/payload_check.h"

using namespace tracechain;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const auto kind = static_cast<ledger::TxKind>(data[0] | data[1] << 8);
  auto suite = crypto::suite_from_byte(data[2]);
  if (!suite) return 0;
  fuzz::check_payload(kind, fuzz::view(data + 3, size - 3), *suite);
  return 0;
}
