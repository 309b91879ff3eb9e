#include "cli/access.h"

#include <ostream>

#include "cli/commands.h"
#include "cli/print.h"
#include "crypto/file_util.h"
#include "ledger/json_fields.h"
#include "ledger/payloads.h"

namespace tracechain::cli {

namespace {

using node::rpc::Json;

constexpr std::size_t kMaxReadsFileBytes = std::size_t{256} << 20;
constexpr std::uint64_t kPage = 100;

std::string subjects_text(const ledger::ReadEntry& entry) {
  if (entry.subjects.empty()) return "-";
  std::string text;
  const std::size_t shown = std::min<std::size_t>(entry.subjects.size(), 3);
  for (std::size_t i = 0; i < shown; ++i) {
    if (i > 0) text += ", ";
    const ledger::ReadSubject& s = entry.subjects[i];
    text += s.kind + " " + (s.kind == "transaction" ? short_hash(s.id) : s.id);
  }
  if (entry.subjects.size() > shown) {
    text += " and " + std::to_string(entry.subjects.size() - shown) + " more";
  }
  return text;
}

// Prints the pages' entries and verdicts; returns whether all held.
bool print_reads(std::ostream& out, const Json& pages, const std::optional<TrustAnchor>& anchor) {
  bool ok = true;
  std::size_t proven = 0, pending = 0, failed = 0;
  Table table({"#", "when", "reader", "method", "read", "about", anchor ? "proof" : ""});
  std::vector<std::string> checkpoint_lines;
  std::vector<std::string> failures;
  for (const Json& page : pages) {
    if (!anchor) {
      for (const Json& item : page.value("entries", Json::array())) {
        auto bytes = from_hex(item.value("hex", ""));
        auto entry = bytes ? ledger::decode<ledger::ReadEntry>(*bytes)
                           : Result<ledger::ReadEntry>(bytes.error());
        if (!entry) continue;
        std::string about;
        for (const std::string& p : entry->about) about += (about.empty() ? "" : ",") + p;
        table.add({std::to_string(item.value("index", std::uint64_t{0})),
                   format_time_ms(entry->time_ms), entry->reader, entry->method,
                   subjects_text(*entry), about.empty() ? "-" : about, ""});
      }
      continue;
    }
    ReadsVerification v = verify_reads(page, anchor->genesis, anchor->validators);
    ok = ok && v.ok();
    if (v.has_checkpoint) {
      for (const Check& c : v.checkpoint.checks) {
        std::string line = std::string(c.ok ? "✓ " : "✗ ") + c.name + ": " + c.detail;
        if (std::find(checkpoint_lines.begin(), checkpoint_lines.end(), line) == checkpoint_lines.end()) {
          checkpoint_lines.push_back(line);
        }
      }
    }
    for (const ReadsVerification::Entry& e : v.entries) {
      using State = ReadsVerification::Entry::State;
      std::string mark = e.state == State::kProven    ? "✓"
                         : e.state == State::kPending ? "pending"
                                                      : "✗";
      (e.state == State::kProven ? proven : e.state == State::kPending ? pending : failed)++;
      if (e.state == State::kFailed) failures.push_back("#" + std::to_string(e.index) + ": " + e.detail);
      if (!e.entry) {
        table.add({std::to_string(e.index), "?", "?", "?", "?", "?", mark});
        continue;
      }
      std::string about;
      for (const std::string& p : e.entry->about) about += (about.empty() ? "" : ",") + p;
      table.add({std::to_string(e.index), format_time_ms(e.entry->time_ms), e.entry->reader,
                 e.entry->method, subjects_text(*e.entry), about.empty() ? "-" : about, mark});
    }
  }
  if (table.empty()) {
    out << "no reads recorded\n";
  } else {
    table.print(out);
  }
  if (!anchor) {
    out << "\nnot verified: pass --genesis FILE to check each entry against the node's checkpoint "
           "on chain\n";
    return true;
  }
  out << "\n";
  if (checkpoint_lines.empty()) {
    out << "the node has committed no checkpoint of its read log yet\n";
  }
  for (const std::string& line : checkpoint_lines) out << line << "\n";
  for (const std::string& line : failures) out << "✗ " << line << "\n";
  out << proven << " proven in a checkpoint on chain, " << pending
      << " recorded after it (not yet committed), " << failed << " failed\n";
  return ok;
}

}  // namespace

int access_reads(const AccessReadsOptions& options, std::ostream& out, std::ostream& err) {
  auto client = connect(options.remote);
  if (!client) return report_error(err, client.error());
  std::optional<TrustAnchor> anchor;
  if (!options.genesis.empty()) {
    auto loaded = load_trust_anchor(*client, options.genesis, {});
    if (!loaded) return report_error(err, loaded.error());
    anchor = std::move(*loaded);
  }
  Json pages = Json::array();
  std::uint64_t from = 0;
  std::uint64_t fetched = 0;
  while (fetched < options.limit) {
    Json params = {{"from", from}, {"limit", std::min(kPage, options.limit - fetched)}};
    if (!options.about.empty()) params["about"] = options.about;
    if (!options.reader.empty()) params["reader"] = options.reader;
    auto page = client->call("access_listReads", params);
    if (!page) return report_error(err, page.error());
    fetched += (*page)["entries"].size();
    const Json next = (*page)["next"];
    pages.push_back(std::move(*page));
    if (!next.is_number_unsigned()) break;
    from = next.get<std::uint64_t>();
  }
  const Json document = {{"format", kReadsFormat}, {"pages", pages}};
  if (!options.out.empty()) {
    if (Status s = write_file_atomic(options.out, document.dump(2) + "\n", 0644, Overwrite::kReplace); !s) {
      return report_error(err, s.error());
    }
  }
  if (options.remote.output == OutputFormat::kJson) {
    out << document.dump(2) << "\n";
    if (!anchor) return kExitOk;
    for (const Json& page : pages) {
      if (!verify_reads(page, anchor->genesis, anchor->validators).ok()) {
        err << "tracectl: the read log's answer does not verify\n";
        return kExitVerificationFailed;
      }
    }
    return kExitOk;
  }
  const Json& first = pages.front();
  out << "reads recorded by node " << first.value("node", "?");
  if (first.contains("participant") && first["participant"].is_string()) {
    out << " (its checkpoints are committed by " << first["participant"].get<std::string>() << ")";
  }
  out << ", " << entries_text(first.value("logSize", std::uint64_t{0})) << " in its log\n\n";
  if (!print_reads(out, pages, anchor)) {
    err << "tracectl: the read log's answer does not verify\n";
    return kExitVerificationFailed;
  }
  return kExitOk;
}

int verify_reads_file(const VerifyReceiptOptions& options, std::ostream& out, std::ostream& err) {
  auto anchor = load_trust_anchor(options.genesis, options.changes);
  if (!anchor) return report_error(err, anchor.error());
  auto document = read_json_file(options.receipt, kMaxReadsFileBytes);
  if (!document) return report_error(err, document.error());
  if (!document->is_object() || document->value("format", "") != kReadsFormat ||
      !(*document)["pages"].is_array() || (*document)["pages"].empty()) {
    return report_error(err, Error(ErrorCode::kInvalidInput,
                                   options.receipt.string() + ": not a " +
                                       std::string(kReadsFormat) + " file (tracectl access reads --out)"));
  }
  const Json& pages = (*document)["pages"];
  if (options.output == OutputFormat::kJson) {
    Json result = Json::array();
    bool ok = true;
    for (const Json& page : pages) {
      ReadsVerification v = verify_reads(page, anchor->genesis, anchor->validators);
      ok = ok && v.ok();
      for (const auto& e : v.entries) {
        using State = ReadsVerification::Entry::State;
        result.push_back({{"index", e.index},
                          {"state", e.state == State::kProven    ? "proven"
                                    : e.state == State::kPending ? "pending"
                                                                 : "failed"},
                          {"detail", e.detail}});
      }
    }
    out << Json{{"verified", ok}, {"entries", result}}.dump(2) << "\n";
    return ok ? kExitOk : kExitVerificationFailed;
  }
  return print_reads(out, pages, std::optional<TrustAnchor>(std::move(*anchor)))
             ? kExitOk
             : kExitVerificationFailed;
}

}  // namespace tracechain::cli
