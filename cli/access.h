// Who read what: a node's read log, listed and verified (docs/oversight.md).
//
//   tracectl access reads [--about P] [--reader P] [--genesis G] [--out F]
//     lists the reads the node recorded (access_listReads), page by page,
//     and with --genesis verifies each entry's inclusion in the node's
//     checkpoint on chain and that checkpoint's receipt;
//   tracectl verify-reads FILE --genesis G
//     verifies a saved answer (--out) offline.
#pragma once

#include "cli/audit.h"
#include "cli/remote.h"
#include "cli/verify_reads.h"

namespace tracechain::cli {

inline constexpr std::string_view kReadsFormat = "tracechain-reads/1";

struct AccessReadsOptions {
  RemoteOptions remote;
  std::string about;   // "": the caller's own (auditors: everyone's)
  std::string reader;  // "": any reader
  std::filesystem::path genesis;
  std::filesystem::path out;   // save the pages (tracechain-reads/1) for verify-reads
  std::uint64_t limit = 1000;  // entries at most
};
int access_reads(const AccessReadsOptions& options, std::ostream& out, std::ostream& err);

int verify_reads_file(const VerifyReceiptOptions& options, std::ostream& out, std::ostream& err);

}  // namespace tracechain::cli
