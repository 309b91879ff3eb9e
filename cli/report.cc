// tracectl audit report: a trade's trail (or every trade of a participant
// created in a date range) read from a node as an auditor, each entry's
// self-contained receipt fetched and verified against one certified
// checkpoint, written as JSON (tracechain-audit-report/1), CSV or one
// self-contained HTML page.
#include <algorithm>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "cli/audit.h"
#include "cli/print.h"
#include "cli/progress.h"
#include "cli/verify.h"
#include "crypto/file_util.h"

namespace tracechain::cli {

namespace {

constexpr std::size_t kReceiptsPerBatch = 50;

Result<std::uint64_t> day_start_ms(const std::string& date, const char* option) {
  std::tm tm{};
  std::istringstream in(date);
  in >> std::get_time(&tm, "%Y-%m-%d");
  if (in.fail() || !in.eof() || date.size() != 10) {
    return Error(ErrorCode::kInvalidInput,
                 std::string(option) + ": '" + date + "' is not a date YYYY-MM-DD");
  }
  std::time_t t = timegm(&tm);
  if (t < 0) return Error(ErrorCode::kInvalidInput, std::string(option) + ": before 1970");
  return static_cast<std::uint64_t>(t) * 1000;
}


struct Entry {
  std::string section;
  Json record;  // the trail's record (TrailEntry, SourceReview or Attestation)
  std::string tx_hash;
};

// The trail's entries, in the order an auditor reads them.
std::vector<Entry> entries_of(const Json& trail) {
  std::vector<Entry> entries;
  auto tx_of = [](const Json& record) {
    if (record.contains("txHash") && record["txHash"].is_string()) return record["txHash"].get<std::string>();
    return record.at("receipt").at("txHash").get<std::string>();
  };
  entries.push_back({"registration", trail.at("registration"), tx_of(trail.at("registration"))});
  for (const char* section : {"sourceReviews", "attestations", "steps"}) {
    for (const Json& record : trail.at(section)) {
      std::string name = section == std::string("sourceReviews") ? "source review"
                         : section == std::string("attestations") ? "attestation"
                                                                   : "step";
      entries.push_back({name, record, tx_of(record)});
    }
  }
  return entries;
}

// A payload's fields an auditor reads, without the ids the row names
// already.
Json details_of(const Json& payload) {
  Json details = Json::object();
  if (!payload.is_object()) return details;
  for (const auto& [key, value] : payload.items()) {
    if (key == "tradeId" || key == "assetId" || value.is_null()) continue;
    details[key] = value;
  }
  return details;
}

// "k=v; k=v" for CSV and HTML.
std::string details_text(const Json& details) {
  std::string out;
  if (!details.is_object()) return out;
  for (const auto& [key, value] : details.items()) {
    if (!out.empty()) out += "; ";
    out += key + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
  }
  return out;
}

class ReportBuilder {
 public:
  ReportBuilder(node::rpc::Client& client, const TrustAnchor& anchor, std::uint64_t checkpoint)
      : client_(client), anchor_(anchor), checkpoint_(checkpoint) {}

  Result<Json> trade(const std::string& trade_id) {
    const bool prove = anchor_.genesis.state_tree;
    Json params = {{"tradeId", trade_id}};
    if (prove) params["proof"] = true;
    auto trail = client_.call("trade_getTrail", params);
    if (!trail) return trail.error().with_context("trade " + trade_id);
    // The trail's steps against the trade's history commitment: nothing
    // missing, added or reordered (a chain of format 1 cannot prove it).
    Json completeness = nullptr;
    if (prove) {
      if (check_completeness(*trail, ledger::keys::trade(trade_id), (*trail)["steps"],
                             anchor_.genesis, anchor_.validators, false)) {
        ++complete_;
      } else {
        ++failed_;
      }
      completeness = (*trail)["completeness"];
    }
    std::vector<Entry> entries;
    try {
      entries = entries_of(*trail);
    } catch (const Json::exception& e) {
      return Error(ErrorCode::kInvalidInput, "trade_getTrail: unexpected reply: " + std::string(e.what()));
    }
    Json rows = Json::array();
    for (std::size_t from = 0; from < entries.size(); from += kReceiptsPerBatch) {
      std::size_t to = std::min(entries.size(), from + kReceiptsPerBatch);
      std::vector<std::pair<std::string, Json>> calls;
      for (std::size_t i = from; i < to; ++i) {
        calls.push_back({"tx_getVerifiableReceipt", {{"hash", entries[i].tx_hash}, {"height", checkpoint_}}});
      }
      auto replies = client_.batch(calls);
      if (!replies) return replies.error();
      for (std::size_t i = from; i < to; ++i) {
        rows.push_back(row(entries[i], (*replies)[i - from]));
      }
    }
    if (Status s = add_times(rows); !s) return s.error();
    mark_attestations_at_use(rows);
    // In time order: the steps and what they relied on, as they happened.
    std::stable_sort(rows.begin(), rows.end(), [](const Json& a, const Json& b) {
      return std::pair(a.value("height", std::uint64_t{0}), a.value("index", std::uint64_t{0})) <
             std::pair(b.value("height", std::uint64_t{0}), b.value("index", std::uint64_t{0}));
    });
    return Json{{"trade", trail->value("trade", Json())},
                {"asset", trail->value("asset", Json())},
                {"completeness", std::move(completeness)},
                {"entries", std::move(rows)}};
  }

  // The header every verified receipt was proved against; with none
  // verified, only the height the report read the node at.
  Json checkpoint_json() const {
    if (!checkpoint_seen_.is_null()) return checkpoint_seen_;
    return {{"height", checkpoint_}, {"headerHash", nullptr}, {"logSize", nullptr},
            {"logRoot", nullptr}};
  }
  std::uint64_t verified() const { return verified_; }
  std::uint64_t failed() const { return failed_; }
  std::uint64_t complete() const { return complete_; }

 private:
  Json row(const Entry& entry, const node::rpc::CallOutcome& outcome) {
    Json out = {{"section", entry.section}, {"txHash", entry.tx_hash}, {"record", entry.record}};
    if (auto* error = std::get_if<node::rpc::RpcError>(&outcome)) {
      out["verified"] = false;
      out["failure"] = "the node did not give its receipt: " + error->message;
      ++failed_;
      return out;
    }
    ReceiptVerification v =
        verify_receipt(std::get<Json>(outcome), anchor_.genesis, anchor_.validators);
    out["height"] = v.height;
    out["index"] = v.index;
    out["kind"] = v.kind;
    out["sender"] = v.sender;
    out["status"] = v.status;
    out["reason"] = entry.record.contains("receipt")
                        ? entry.record["receipt"].value("reason", std::string())
                        : entry.record.value("reason", std::string());
    out["verified"] = v.ok();
    const Check* failure = v.first_failure();
    out["failure"] = failure ? Json(failure->name + ": " + failure->detail) : Json(nullptr);
    // What the transaction said (verdict, amount and currency, outcome,
    // units, delivery method, document hashes) and the ledger's answer, as
    // the verified receipt carries them (its JSON is checked against its hex).
    const Json& file = std::get<Json>(outcome);
    out["details"] = v.ok() ? details_of(file["transaction"].value("payload", Json::object()))
                            : Json::object();
    out["message"] = v.ok() ? file["receipt"].value("message", std::string()) : std::string();
    if (entry.section == "attestation" && entry.record.value("revoked", false)) {
      out["revokedHeight"] = entry.record.value("revokedHeight", Json());
    }
    if (v.ok()) {
      Json checkpoint = {{"height", v.header_height},
                         {"headerHash", v.header_hash},
                         {"logSize", v.log_size},
                         {"logRoot", v.log_root}};
      if (!checkpoint_seen_.is_null() && checkpoint_seen_ != checkpoint) {
        out["verified"] = false;
        out["failure"] = "proved against another header than the report's checkpoint";
        ++failed_;
        return out;
      }
      checkpoint_seen_ = checkpoint;
      ++verified_;
    } else {
      ++failed_;
    }
    return out;
  }

  // Each row's block time, from that block's header checked against its
  // certificate (public reads): a time the node could not have made up. A
  // block whose header does not verify fails its rows.
  Status add_times(Json& rows) {
    std::set<std::uint64_t> heights;
    for (const Json& r : rows) {
      if (r.contains("height")) heights.insert(r["height"].get<std::uint64_t>());
      if (r.contains("revokedHeight") && r["revokedHeight"].is_number_unsigned()) {
        heights.insert(r["revokedHeight"].get<std::uint64_t>());
      }
    }
    std::vector<std::pair<std::string, Json>> calls;
    for (std::uint64_t h : heights) {
      calls.push_back({"chain_getHeader", {{"height", h}}});
      calls.push_back({"chain_getCertificate", {{"height", h}}});
    }
    auto answers = client_.batch(calls);
    if (!answers) return answers.error();
    std::map<std::uint64_t, Result<LogCheckpoint>> times;
    std::size_t i = 0;
    for (std::uint64_t h : heights) {
      const auto* header = std::get_if<Json>(&(*answers)[i++]);
      const auto* certificate = std::get_if<Json>(&(*answers)[i++]);
      times.emplace(h, header && certificate
                           ? certified_checkpoint(*header, *certificate, anchor_.genesis,
                                                  anchor_.validators, "block " + std::to_string(h))
                           : Result<LogCheckpoint>(Error(ErrorCode::kNotFound,
                                                         "the node gave no header for block " +
                                                             std::to_string(h))));
    }
    for (Json& r : rows) {
      if (r.contains("revokedHeight") && r["revokedHeight"].is_number_unsigned()) {
        const Result<LogCheckpoint>& revoked = times.at(r["revokedHeight"].get<std::uint64_t>());
        r["revokedTime"] = revoked ? Json(format_time_ms(revoked->time_ms)) : Json(nullptr);
      }
      if (!r.contains("height")) continue;
      const Result<LogCheckpoint>& at = times.at(r["height"].get<std::uint64_t>());
      if (at) {
        r["timeMs"] = at->time_ms;
        r["time"] = format_time_ms(at->time_ms);
      } else if (r.value("verified", false)) {
        r["verified"] = false;
        r["failure"] = "block time: " + at.error().message();
        --verified_;
        ++failed_;
      }
    }
    return {};
  }

  // An attestation a review cited: whether it was in force when the review
  // used it (a revocation takes effect in its own block), whatever became
  // of it later.
  static void mark_attestations_at_use(Json& rows) {
    for (Json& a : rows) {
      if (a.value("section", std::string()) != "attestation") continue;
      const std::string id = a.value("txHash", std::string());
      Json uses = Json::array();
      for (const Json& r : rows) {
        if (r.value("kind", std::string()) != "trade.review" || !r.contains("details")) continue;
        const Json& d = r["details"];
        if (d.value("buyerAttestation", Json()) != id && d.value("providerAttestation", Json()) != id) {
          continue;
        }
        const std::uint64_t used = r.value("height", std::uint64_t{0});
        const bool revoked_before = a.contains("revokedHeight") &&
                                    a["revokedHeight"].is_number_unsigned() &&
                                    a["revokedHeight"].get<std::uint64_t>() <= used;
        uses.push_back({{"reviewHeight", used}, {"inForce", !revoked_before}});
      }
      a["usedBy"] = std::move(uses);
    }
  }

  node::rpc::Client& client_;
  const TrustAnchor& anchor_;
  std::uint64_t checkpoint_;
  Json checkpoint_seen_;
  std::uint64_t verified_ = 0;
  std::uint64_t failed_ = 0;
  std::uint64_t complete_ = 0;  // trades whose trail is proven complete
};

// The trades a list method (trade_listByParticipant, trade_listByAsset,
// trade_list) gives, every page followed; with a period, those whose creating
// block's time is in [from, to). (Selection only: each entry's time in the
// report is then checked against its block's certificate.)
Result<std::vector<std::string>> trades_in(node::rpc::Client& client, const std::string& method,
                                           Json params,
                                           std::optional<std::pair<std::uint64_t, std::uint64_t>> period) {
  std::vector<std::string> ids;
  params["limit"] = 1000;
  for (;;) {
    auto page = client.call(method, params);
    if (!page) return page.error();
    try {
      std::vector<std::pair<std::string, Json>> headers;
      for (const Json& trade : page->at("trades")) {
        headers.push_back({"chain_getHeader", {{"height", trade.at("createdHeight")}}});
      }
      auto times = period ? client.batch(headers) : Result<std::vector<node::rpc::CallOutcome>>(
                                                        std::vector<node::rpc::CallOutcome>());
      if (!times) return times.error();
      std::size_t i = 0;
      for (const Json& trade : page->at("trades")) {
        if (period) {
          const auto* header = std::get_if<Json>(&(*times)[i++]);
          if (!header) return Error(ErrorCode::kInvalidInput, "the node gave no header for a trade's block");
          const std::uint64_t time = header->at("timeMs").get<std::uint64_t>();
          if (time < period->first || time >= period->second) continue;
        }
        ids.push_back(trade.at("id").get<std::string>());
      }
      if (page->at("next").is_null()) break;
      params["startAfter"] = page->at("next");
    } catch (const Json::exception& e) {
      return Error(ErrorCode::kInvalidInput, method + ": unexpected reply: " + std::string(e.what()));
    }
  }
  return ids;
}

std::string csv_field(const Json& value) {
  std::string text = value.is_string() ? value.get<std::string>() : value.is_null() ? "" : value.dump();
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string html_text(const Json& value) {
  return html_escape(value.is_string() ? value.get<std::string>() : value.is_null() ? "" : value.dump());
}

}  // namespace

// "trade trade-1", or "trades of buyer-bank created 2026-01-01 to 2026-03-31".
std::string scope_text(const Json& scope) {
  if (scope.contains("trade")) return "trade " + scope.value("trade", "");
  std::string text = scope.contains("participant") ? "trades of " + scope.value("participant", "")
                     : scope.contains("asset")     ? "trades of asset " + scope.value("asset", "")
                                                   : std::string("every trade");
  if (scope.contains("from")) {
    text += " created " + scope.value("from", "") + " to " + scope.value("to", "") + " (UTC days)";
  }
  return text;
}

std::string render_csv(const Json& report) {
  std::ostringstream out;
  out << "trade,time,section,height,index,kind,sender,status,reason,message,details,"
         "revokedHeight,revokedTime,txHash,verified,failure,"
         "checkpointHeight,checkpointHeaderHash,checkpointLogSize,checkpointLogRoot\n";
  const Json& cp = report.at("checkpoint");
  for (const Json& trade : report.at("trades")) {
    for (const Json& e : trade.at("entries")) {
      out << csv_field(trade.at("trade").value("id", "")) << ',' << csv_field(e.value("time", ""))
          << ',' << csv_field(e.value("section", ""))
          << ',' << csv_field(e.value("height", Json())) << ',' << csv_field(e.value("index", Json()))
          << ',' << csv_field(e.value("kind", "")) << ',' << csv_field(e.value("sender", "")) << ','
          << csv_field(e.value("status", "")) << ',' << csv_field(e.value("reason", "")) << ','
          << csv_field(e.value("message", "")) << ','
          << csv_field(details_text(e.value("details", Json::object()))) << ','
          << csv_field(e.value("revokedHeight", Json())) << ','
          << csv_field(e.value("revokedTime", Json())) << ','
          << csv_field(e.value("txHash", "")) << ',' << (e.value("verified", false) ? "yes" : "no")
          << ',' << csv_field(e.value("failure", Json())) << ','
          << csv_field(cp.value("height", Json())) << ',' << csv_field(cp.value("headerHash", Json()))
          << ',' << csv_field(cp.value("logSize", Json())) << ','
          << csv_field(cp.value("logRoot", Json())) << '\n';
    }
  }
  return out.str();
}

// A trade's completeness for the HTML report.
std::string completeness_html(const Json& completeness) {
  if (completeness.is_null()) {
    return "not provable: this chain's headers (format 1) commit to no state tree";
  }
  if (!completeness.value("complete", false)) {
    return "<span class=\"bad\">✗ NOT PROVEN COMPLETE: " +
           html_text(completeness.value("detail", Json())) + "</span>";
  }
  return "<span class=\"ok\">✓ complete at height " + html_text(completeness.value("height", Json())) +
         "</span>: its " + html_text(completeness.value("count", Json())) +
         " steps are every transaction that touched the trade, in order (history commitment "
         "proven against the certified header)";
}

std::string render_html(const Json& report) {
  std::ostringstream out;
  const Json& cp = report.at("checkpoint");
  const Json& summary = report.at("summary");
  bool ok = summary.value("failed", 1) == 0;
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
         "<title>tracechain audit report</title>\n<style>\n"
         "body{font:13px/1.45 -apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#111;"
         "margin:2em auto;max-width:1100px;padding:0 1em}\n"
         "h1{font-size:20px;margin:0 0 .3em}h2{font-size:16px;margin:1.6em 0 .4em;"
         "border-bottom:1px solid #999;page-break-after:avoid}\n"
         "table{border-collapse:collapse;width:100%;margin:.4em 0}th,td{border:1px solid #bbb;"
         "padding:3px 6px;text-align:left;vertical-align:top}th{background:#eee}\n"
         "tr{page-break-inside:avoid}code{font:11px monospace;word-break:break-all}\n"
         ".ok{color:#065f0a;font-weight:600}.bad{color:#a00;font-weight:600}\n"
         "tr.failed td{background:#fdecea}small{font-size:11px;word-break:break-all}\n"
         ".meta td:first-child{width:12em;font-weight:600}\n"
         "@media print{body{margin:0;max-width:none}th{background:#eee !important;"
         "-webkit-print-color-adjust:exact;print-color-adjust:exact}a{color:inherit}}\n"
         "</style></head><body>\n";
  out << "<h1>Audit report</h1>\n<table class=\"meta\">\n"
      << "<tr><td>Scope</td><td>" << html_text(scope_text(report.at("scope"))) << "</td></tr>\n"
      << "<tr><td>Chain</td><td>" << html_text(report.at("chainId")) << " — genesis <code>"
      << html_text(report.at("genesisHash")) << "</code></td></tr>\n"
      << "<tr><td>Node</td><td>" << html_text(report.at("node")) << " (read as "
      << html_text(report.at("auditor")) << ")</td></tr>\n"
      << "<tr><td>Generated</td><td>" << html_text(report.at("generatedAt")) << "</td></tr>\n"
      << "<tr><td>Checkpoint</td><td>height " << html_text(cp.value("height", Json()))
      << ", header <code>" << html_text(cp.value("headerHash", Json())) << "</code>, log size "
      << html_text(cp.value("logSize", Json())) << ", log root <code>"
      << html_text(cp.value("logRoot", Json())) << "</code></td></tr>\n"
      << "<tr><td>Result</td><td class=\"" << (ok ? "ok" : "bad") << "\">"
      << summary.value("verified", 0) << " of " << summary.value("transactions", 0)
      << " receipts verified offline against the checkpoint, trusting only genesis"
      << (ok ? "" : " — SOME FAILED") << "</td></tr>\n"
      << "<tr><td>Trades / entries</td><td>" << summary.value("trades", 0) << " / "
      << summary.value("transactions", 0) << " (" << summary.value("failedSteps", 0)
      << " steps failed on the ledger, each with its reason)</td></tr>\n"
      << "<tr><td>Parties</td><td>" << html_text(summary.value("parties", Json::array()).dump())
      << "</td></tr>\n"
      << "<tr><td>Period</td><td>" << html_text(summary.value("firstTime", Json())) << " to "
      << html_text(summary.value("lastTime", Json())) << "</td></tr>\n"
      << "<tr><td>Verify it yourself</td><td>" << html_text(summary.value("verifyOffline", Json()))
      << "</td></tr>\n</table>\n";
  for (const Json& t : report.at("trades")) {
    const Json& trade = t.at("trade");
    out << "<h2>Trade " << html_text(trade.value("id", Json())) << "</h2>\n<table class=\"meta\">\n"
        << "<tr><td>State</td><td>" << html_text(trade.value("state", Json())) << "</td></tr>\n"
        << "<tr><td>Buyer / provider</td><td>" << html_text(trade.value("buyer", Json())) << " / "
        << html_text(trade.value("provider", Json())) << "</td></tr>\n"
        << "<tr><td>Asset</td><td>" << html_text(trade.value("asset", Json())) << " (level "
        << html_text(t.at("asset").value("level", Json())) << ")</td></tr>\n"
        << "<tr><td>Completeness</td><td>" << completeness_html(t.value("completeness", Json()))
        << "</td></tr>\n</table>\n"
        << "<table><tr><th>Time (UTC)</th><th>Block</th><th>Section</th><th>Kind</th>"
           "<th>Actor</th><th>Outcome</th><th>Details</th><th>Transaction</th>"
           "<th>Receipt</th></tr>\n";
    for (const Json& e : t.at("entries")) {
      const bool verified = e.value("verified", false);
      const bool failed = e.value("status", std::string()) == "failed";
      std::string outcome = html_text(e.value("status", Json()));
      if (failed) {
        outcome = "<b>FAILED</b> (" + html_text(e.value("reason", Json())) + ")<br>" +
                  html_text(e.value("message", Json()));
      }
      std::string details = html_text(details_text(e.value("details", Json::object())));
      for (const Json& use : e.value("usedBy", Json::array())) {
        details += (details.empty() ? "" : "<br>") +
                   std::string(use.value("inForce", false) ? "in force" : "<b>REVOKED</b>") +
                   " when the review at block " + html_text(use.value("reviewHeight", Json())) +
                   " relied on it";
      }
      if (e.contains("revokedHeight")) {
        details += (details.empty() ? "" : "<br>") + std::string("<b>revoked</b> at block ") +
                   html_text(e["revokedHeight"]) + " (" + html_text(e.value("revokedTime", Json())) +
                   ")";
      }
      out << "<tr" << (failed ? " class=\"failed\"" : "") << "><td>"
          << html_text(e.value("time", Json())) << "</td><td>"
          << html_text(e.value("height", Json())) << "/" << html_text(e.value("index", Json()))
          << "</td><td>" << html_text(e.value("section", Json())) << "</td><td>"
          << html_text(e.value("kind", Json())) << "</td><td>"
          << html_text(e.value("sender", Json())) << "</td><td>" << outcome << "</td><td><small>"
          << details << "</small></td><td><code>" << html_text(e.value("txHash", Json()))
          << "</code></td><td class=\""
          << (verified ? "ok\">✓ verified" : "bad\">✗ NOT VERIFIED: " + html_text(e.value("failure", Json())))
          << "</td></tr>\n";
    }
    out << "</table>\n";
  }
  out << "</body></html>\n";
  return out.str();
}

int audit_report(const AuditReportOptions& options, std::ostream& out, std::ostream& err) {
  auto client = connect(options.remote);
  if (!client) return report_error(err, client.error());
  if (auto key = require_key(options.remote, "audit report"); !key) return report_error(err, key.error());
  auto anchor = load_trust_anchor(*client, options.genesis, options.changes);
  if (!anchor) return report_error(err, anchor.error());
  auto status = client->status();
  if (!status) return report_error(err, status.error());
  std::uint64_t checkpoint = status->value("height", std::uint64_t{0});

  std::vector<std::string> trade_ids;
  Json scope;
  if (!options.trade.empty()) {
    trade_ids.push_back(options.trade);
    scope = {{"trade", options.trade}};
  } else {
    std::optional<std::pair<std::uint64_t, std::uint64_t>> period;
    if (options.from_date.empty() != options.to_date.empty()) {
      return report_error(err, Error(ErrorCode::kInvalidInput, "--from and --to go together"));
    }
    if (!options.from_date.empty()) {
      auto from = day_start_ms(options.from_date, "--from");
      if (!from) return report_error(err, from.error());
      auto to = day_start_ms(options.to_date, "--to");
      if (!to) return report_error(err, to.error());
      period = std::pair(*from, *to + 86'400'000);
      scope["from"] = options.from_date;
      scope["to"] = options.to_date;
    }
    Result<std::vector<std::string>> ids = std::vector<std::string>();
    if (!options.participant.empty()) {
      if (!period) {
        return report_error(err, Error(ErrorCode::kInvalidInput, "--participant needs --from and --to"));
      }
      scope["participant"] = options.participant;
      ids = trades_in(*client, "trade_listByParticipant", {{"participant", options.participant}}, period);
    } else if (!options.asset.empty()) {
      scope["asset"] = options.asset;
      ids = trades_in(*client, "trade_listByAsset", {{"assetId", options.asset}}, period);
    } else if (period) {
      ids = trades_in(*client, "trade_list", Json::object(), period);
    } else {
      return report_error(err, Error(ErrorCode::kInvalidInput,
                                     "give --trade, --participant with --from/--to, --asset, or "
                                     "--from/--to"));
    }
    if (!ids) return report_error(err, ids.error());
    trade_ids = std::move(*ids);
  }

  ReportBuilder builder(*client, *anchor, checkpoint);
  Json trades = Json::array();
  std::uint64_t transactions = 0;
  for (const std::string& id : trade_ids) {
    auto trade = builder.trade(id);
    if (!trade) return report_error(err, trade.error());
    transactions += (*trade)["entries"].size();
    trades.push_back(std::move(*trade));
  }
  // The summary: who took part, over which period, how many steps failed.
  std::set<std::string> party_set;
  std::uint64_t failed_steps = 0;
  std::string first_time;
  std::string last_time;
  std::uint64_t first_ms = UINT64_MAX;
  std::uint64_t last_ms = 0;
  for (const Json& t : trades) {
    for (const char* role : {"buyer", "provider"}) {
      if (t["trade"].is_object() && t["trade"].contains(role)) party_set.insert(t["trade"].value(role, ""));
    }
    for (const Json& e : t["entries"]) {
      failed_steps += e.value("status", std::string()) == "failed";
      if (!e.contains("timeMs")) continue;
      const std::uint64_t ms = e["timeMs"].get<std::uint64_t>();
      if (ms < first_ms) first_ms = ms, first_time = e.value("time", "");
      if (ms > last_ms) last_ms = ms, last_time = e.value("time", "");
    }
  }
  Json parties(party_set);
  Json report = {
      {"format", "tracechain-audit-report/1"},
      {"generatedAt", utc_timestamp()},
      {"chainId", anchor->genesis.chain_id},
      {"genesisHash", to_hex(ledger::genesis_hash(anchor->genesis))},
      {"node", node_url(options.remote)},
      {"auditor", participant_of(options.remote).value_or("")},
      {"scope", scope},
      {"checkpoint", builder.checkpoint_json()},
      {"summary",
       {{"trades", trades.size()},
        {"transactions", transactions},
        {"verified", builder.verified()},
        {"failed", builder.failed()},
        {"provenComplete", anchor->genesis.state_tree ? Json(builder.complete()) : Json(nullptr)},
        {"failedSteps", failed_steps},
        {"parties", parties},
        {"firstTime", first_time.empty() ? Json(nullptr) : Json(first_time)},
        {"lastTime", last_time.empty() ? Json(nullptr) : Json(last_time)},
        {"verifyOffline",
         "tracectl receipt get TX_HASH --height " + std::to_string(checkpoint) +
             " --key KEY --out r.json, then tracectl verify r.json --genesis genesis.json "
             "(genesis hash " + to_hex(ledger::genesis_hash(anchor->genesis)) + ")"}}},
      {"trades", std::move(trades)},
  };
  std::string text;
  switch (options.format) {
    case ReportFormat::kJson: text = report.dump(2) + "\n"; break;
    case ReportFormat::kCsv: text = render_csv(report); break;
    case ReportFormat::kHtml: text = render_html(report); break;
  }
  if (options.out.empty()) {
    out << text;
  } else {
    if (Status s = write_file_atomic(options.out, text, 0644, Overwrite::kReplace); !s) return report_error(err, s.error());
    out << "wrote " << options.out.string() << ": " << report["summary"]["trades"] << " trades, "
        << transactions << " transactions, " << builder.verified() << " verified, "
        << builder.failed() << " failed; checkpoint height "
        << report["checkpoint"].value("height", Json()) << "\n";
  }
  return builder.failed() == 0 ? kExitOk : kExitVerificationFailed;
}

}  // namespace tracechain::cli
