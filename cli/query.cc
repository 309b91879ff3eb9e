#include "cli/query.h"

#include <map>
#include <optional>
#include <ostream>
#include <set>

#include "cli/audit.h"
#include "cli/commands.h"
#include "cli/print.h"
#include "crypto/file_util.h"
#include "ledger/json_fields.h"

namespace tracechain::cli {

namespace {

using node::rpc::Json;

// A page at a time of a list method, until `next` is null; `field` holds the
// page's items. `limit` pages of 1000 at most: a list is bounded by what a
// person can read, and JSON output then says it was cut.
constexpr int kMaxPages = 100;

Result<Json> all_pages(node::rpc::Client& client, const std::string& method, Json params,
                       const std::string& field, bool& truncated) {
  Json items = Json::array();
  Json first;
  params["limit"] = 1000;
  truncated = false;
  for (int page = 0;; ++page) {
    auto result = client.call(method, params);
    if (!result) return result.error();
    if (page == 0) first = *result;
    for (auto& item : (*result)[field]) items.push_back(std::move(item));
    const Json& next = (*result)["next"];
    if (next.is_null()) break;
    if (page + 1 == kMaxPages) {
      truncated = true;
      break;
    }
    params["startAfter"] = next;
  }
  first[field] = std::move(items);
  first["next"] = nullptr;
  if (truncated) first["truncated"] = true;
  return first;
}

void print_json(std::ostream& out, const Json& value) { out << value.dump(2) << "\n"; }

// The trust anchor from `genesis` (and the node's validator-set changes),
// or none when no genesis was given.
Result<std::optional<TrustAnchor>> trust_anchor_if(node::rpc::Client& client,
                                                   const std::filesystem::path& genesis) {
  if (genesis.empty()) return std::optional<TrustAnchor>();
  auto loaded = load_trust_anchor(client, genesis, {});
  if (!loaded) return loaded.error();
  return std::optional<TrustAnchor>(std::move(*loaded));
}

// A history read's exit code: 1, saying so, when it is not proven complete.
int history_exit(bool complete, std::ostream& err, const std::string& what) {
  if (complete) return kExitOk;
  err << "tracectl: " << what << " is not proven complete\n";
  return kExitVerificationFailed;
}

// Why completeness is not checked, for a chain whose headers cannot prove it.
constexpr std::string_view kNoHistoryProofs =
    "completeness not provable: this chain's headers (format 1) commit to no state tree\n";

// A list for people: one row per record.
void print_list(std::ostream& out, OutputFormat format, ListKind kind, const Json& list,
                bool truncated) {
  if (format == OutputFormat::kJson) {
    print_json(out, list);
    return;
  }
  auto number = [](const Json& record, const char* field) {
    return std::to_string(record.value(field, std::uint64_t{0}));
  };
  std::optional<Table> table;
  const char* field = "trades";
  switch (kind) {
    case ListKind::kTrades:
      table.emplace(std::vector<std::string>{"trade", "asset", "provider", "buyer", "state",
                                             "created", "steps"});
      for (const auto& t : list["trades"]) {
        table->add({t.value("id", ""), t.value("asset", ""), t.value("provider", ""),
                    t.value("buyer", ""), t.value("state", ""),
                    "height " + number(t, "createdHeight"), number(t, "historyCount")});
      }
      break;
    case ListKind::kAssets:
      field = "assets";
      table.emplace(std::vector<std::string>{"asset", "provider", "level", "source verdict",
                                             "registered"});
      for (const auto& a : list["assets"]) {
        table->add({a.value("id", ""), a.value("provider", ""), "L" + number(a, "level"),
                    a["latestVerdict"].is_string() ? a["latestVerdict"].get<std::string>() : "none",
                    "height " + number(a, "registeredHeight")});
      }
      break;
    case ListKind::kProposals:
      field = "proposals";
      table.emplace(std::vector<std::string>{"proposal", "change", "subject", "proposer",
                                             "approvals", "expires", "status"});
      for (const auto& p : list["proposals"]) {
        std::string approvals;
        for (const auto& a : p["approvals"]) {
          approvals += (approvals.empty() ? "" : ",") + a.value("governor", "");
        }
        table->add({p.value("id", ""), p["change"].value("type", ""),
                    p["change"].value("subject", ""), p.value("proposer", ""), approvals,
                    "height " + number(p, "expiryHeight"), p.value("status", "")});
      }
      break;
  }
  if (table->empty()) {
    out << "no " << field << "\n";
  } else {
    table->print(out);
  }
  if (truncated) out << "(the list goes on: only the first " << kMaxPages * 1000 << " shown)\n";
}

std::string block_of(const Json& entry) {
  return std::to_string(entry.value("height", std::uint64_t{0})) + "/" + std::to_string(entry.value("index", std::uint64_t{0}));
}

std::string result_of(const Json& entry) {
  const std::string status = entry.value("status", "");
  return status == "ok" ? "ok" : status + " (" + entry.value("reason", "") + ")";
}

// Block times by height, read from the public headers in one batch.
Result<std::map<std::uint64_t, std::uint64_t>> block_times(node::rpc::Client& client,
                                                           const std::set<std::uint64_t>& heights) {
  std::vector<std::pair<std::string, Json>> calls;
  for (std::uint64_t h : heights) calls.push_back({"chain_getHeader", {{"height", h}}});
  auto answers = client.batch(calls);
  if (!answers) return answers.error();
  std::map<std::uint64_t, std::uint64_t> times;
  std::size_t i = 0;
  for (std::uint64_t h : heights) {
    if (auto* header = std::get_if<Json>(&(*answers)[i++])) times[h] = header->value("timeMs", std::uint64_t{0});
  }
  return times;
}

std::string time_at(const std::map<std::uint64_t, std::uint64_t>& times, std::uint64_t height) {
  auto it = times.find(height);
  return it == times.end() ? "?" : format_time_ms(it->second);
}


}  // namespace

int status(const RemoteOptions& remote, std::ostream& out, std::ostream& err) {
  auto client = connect(remote);
  if (!client) return report_error(err, client.error());
  auto s = client->status();
  if (!s) return report_error(err, s.error());
  if (remote.output == OutputFormat::kJson) {
    print_json(out, *s);
    return kExitOk;
  }
  out << "node        " << s->value("nodeId", "") << " at " << client->url().to_string() << "\n";
  out << "chain       " << s->value("chainId", "") << " (" << s->value("suite", "") << ")\n";
  out << "height      " << s->value("height", std::uint64_t{0}) << ", block " << s->value("tipHash", "") << "\n";
  out << "time        " << format_time_ms(s->value("tipTimeMs", std::uint64_t{0})) << "\n";
  out << "log size    " << s->value("logSize", std::uint64_t{0}) << "\n";
  out << "syncing     " << (s->value("syncing", false) ? "yes" : "no") << "\n";
  std::string peers;
  for (const auto& p : (*s)["peers"]) peers += (peers.empty() ? "" : ", ") + p.get<std::string>();
  out << "peers       " << (peers.empty() ? "none" : peers) << "\n";
  std::string validators;
  for (const auto& v : (*s)["validators"]["validators"]) {
    validators += (validators.empty() ? "" : ", ") + v.value("id", "");
  }
  out << "validators  " << validators << "\n";
  return kExitOk;
}

int policy(const RemoteOptions& remote, std::ostream& out, std::ostream& err) {
  auto client = connect(remote);
  if (!client) return report_error(err, client.error());
  auto p = client->call("chain_getPolicy", Json::object());
  if (!p) return report_error(err, p.error());
  if (remote.output == OutputFormat::kJson) {
    print_json(out, *p);
    return kExitOk;
  }
  auto names = [](const Json& list, const char* none) {
    std::string text;
    for (const auto& name : list) text += (text.empty() ? "" : ", ") + name.get<std::string>();
    return text.empty() ? std::string(none) : text;
  };
  out << "governance threshold  " << p->value("governanceThreshold", 0) << " governors\n";
  out << "transaction lifetime  " << p->value("maxTransactionLifetimeBlocks", "") << " blocks\n";
  out << "proposal lifetime     " << p->value("maxProposalLifetimeBlocks", "") << " blocks\n\n";
  Table table({"level", "tradable", "reviews", "cross-border assessment", "accepted claims",
               "attestor roles", "identity until settlement"});
  for (const auto& l : (*p)["levels"]) {
    auto yes = [&](const char* field) { return l.value(field, false) ? "yes" : "no"; };
    table.add({"L" + std::to_string(l.value("level", 0)), yes("tradable"),
               std::to_string(l.value("requiredReviews", 0)), yes("crossBorderAssessment"),
               names(l["acceptedClaims"], "any"), names(l["attestorRoles"], "any"),
               yes("identityUntilSettlement")});
  }
  table.print(out);
  return kExitOk;
}

int trail(const TrailOptions& options, std::ostream& out, std::ostream& err) {
  auto client = connect(options.remote);
  if (!client) return report_error(err, client.error());
  auto loaded = trust_anchor_if(*client, options.genesis);
  if (!loaded) return report_error(err, loaded.error());
  std::optional<TrustAnchor> anchor = std::move(*loaded);
  const bool prove = anchor && anchor->genesis.state_tree;
  Json params = {{"tradeId", options.trade}};
  if (prove) params["proof"] = true;
  auto trail = client->call("trade_getTrail", params);
  if (!trail) return report_error(err, trail.error().with_context("trade " + options.trade));
  bool complete = true;
  if (prove) {
    complete = check_completeness(*trail, ledger::keys::trade(options.trade), (*trail)["steps"],
                                  anchor->genesis, anchor->validators, false);
  }

  // Every entry: the trade's steps, then what they relied on.
  struct Entry {
    Json* json;
    std::string tx;
    std::uint64_t height;
  };
  std::vector<Entry> entries;
  auto add = [&](Json& json, const std::string& tx, const Json& located) {
    entries.push_back({&json, tx, located.value("height", std::uint64_t{0})});
  };
  Json& t = *trail;
  if (t["registration"].is_object()) {
    add(t["registration"], t["registration"].value("txHash", ""), t["registration"]);
  }
  for (auto& step : t["steps"]) add(step, step.value("txHash", ""), step);
  for (auto& review : t["sourceReviews"]) add(review, review["receipt"].value("txHash", ""), review);
  for (auto& attestation : t["attestations"]) {
    add(attestation, attestation.value("id", ""), attestation);
  }

  std::set<std::uint64_t> heights;
  for (const auto& e : entries) heights.insert(e.height);
  auto revoked_height = [](const Json& attestation) -> std::optional<std::uint64_t> {
    const Json* h = attestation.contains("revokedHeight") ? &attestation["revokedHeight"] : nullptr;
    if (!h || !h->is_number_unsigned()) return std::nullopt;
    return h->get<std::uint64_t>();
  };
  for (const auto& a : t["attestations"]) {
    if (auto h = revoked_height(a)) heights.insert(*h);
  }
  auto times = block_times(*client, heights);
  if (!times) return report_error(err, times.error());
  for (auto& a : t["attestations"]) {
    if (auto h = revoked_height(a)) a["revokedTimeMs"] = times->count(*h) ? (*times)[*h] : 0;
  }

  // Each entry's self-contained receipt, checked offline.
  bool all_verified = true;
  if (anchor) {
    std::vector<std::pair<std::string, Json>> calls;
    for (const auto& e : entries) calls.push_back({"tx_getVerifiableReceipt", {{"hash", e.tx}}});
    auto receipts = client->batch(calls);
    if (!receipts) return report_error(err, receipts.error());
    for (std::size_t i = 0; i < entries.size(); ++i) {
      Json& json = *entries[i].json;
      if (auto* receipt = std::get_if<Json>(&(*receipts)[i])) {
        ReceiptVerification v = verify_receipt(*receipt, anchor->genesis, anchor->validators);
        json["verified"] = v.ok();
        if (const Check* failed = v.first_failure()) {
          json["verification"] = failed->name + ": " + failed->detail;
        }
      } else {
        json["verified"] = false;
        json["verification"] = "the node sent no receipt: " +
                               std::get<node::rpc::RpcError>((*receipts)[i]).message;
      }
      if (!json["verified"].get<bool>()) all_verified = false;
    }
  }
  for (auto& e : entries) e.json->emplace("timeMs", times->count(e.height) ? (*times)[e.height] : 0);

  if (options.remote.output == OutputFormat::kJson) {
    print_json(out, t);
  } else {
    auto mark = [](const Json& entry) -> std::string {
      if (!entry.contains("verified") || entry["verified"].is_null()) return "-";
      return entry["verified"].get<bool>() ? "✓" : "✗";
    };
    const Json& trade = t["trade"];
    out << "trade " << trade.value("id", "") << ": " << trade.value("provider", "") << " → "
        << trade.value("buyer", "") << ", asset " << trade.value("asset", "") << ", state "
        << trade.value("state", "") << (trade.value("crossBorder", false) ? ", cross-border" : "")
        << "\n";
    out << "read at height " << t.value("height", std::uint64_t{0}) << "\n\n";
    Table steps({"#", "when", "block", "who", "what", "result", "verified"});
    int n = 0;
    for (const auto& step : t["steps"]) {
      steps.add({std::to_string(++n), time_at(*times, step.value("height", std::uint64_t{0})),
                 block_of(step), step.value("sender", ""), step.value("kind", ""),
                 result_of(step), mark(step)});
    }
    steps.print(out);
    out << "\nrelied on:\n";
    Table relied({"record", "by", "what", "when", "block", "verified"});
    if (t["registration"].is_object()) {
      const Json& r = t["registration"];
      const Json& asset = t["asset"];
      relied.add({"asset " + asset.value("id", ""), r.value("sender", ""),
                  "registered, level L" + std::to_string(asset.value("level", std::uint64_t{0})),
                  time_at(*times, r.value("height", std::uint64_t{0})), block_of(r), mark(r)});
    }
    for (const auto& review : t["sourceReviews"]) {
      const Json& receipt = review["receipt"];
      relied.add({"source review " + short_hash(review.value("id", "")),
                  review.value("reviewer", ""),
                  review.value("verdict", "") + " (rules " + review.value("ruleSetVersion", "") +
                      ")",
                  time_at(*times, review.value("height", std::uint64_t{0})), block_of(receipt),
                  mark(review)});
    }
    for (const auto& a : t["attestations"]) {
      std::string what = a.value("claimType", "") + " of " + a.value("subject", "");
      if (auto h = revoked_height(a)) {
        what += ", revoked at block " + std::to_string(*h) + " (" + time_at(*times, *h) + ")";
      }
      relied.add({"attestation " + short_hash(a.value("id", "")), a.value("attestor", ""), what,
                  time_at(*times, a.value("height", std::uint64_t{0})), block_of(a["receipt"]),
                  mark(a)});
    }
    if (relied.empty()) {
      out << "  nothing recorded\n";
    } else {
      relied.print(out);
    }
    for (const auto& e : entries) {
      if (e.json->contains("verification")) {
        out << "✗ " << e.tx << ": " << (*e.json)["verification"].get<std::string>() << "\n";
      }
    }
    if (!anchor) {
      out << "\nreceipts not verified: pass --genesis FILE to check each one offline\n";
    } else if (prove) {
      out << "\n" << completeness_line(*trail);
    } else {
      out << "\n" << kNoHistoryProofs;
    }
  }
  if (!all_verified) {
    err << "tracectl: at least one receipt of the trail failed verification\n";
    return kExitVerificationFailed;
  }
  if (!complete) {
    err << "tracectl: the trail is not proven complete\n";
    return kExitVerificationFailed;
  }
  return kExitOk;
}

int trades(const TradesOptions& options, std::ostream& out, std::ostream& err) {
  if (options.participant.empty() == options.asset.empty()) {
    return report_error(err, Error(ErrorCode::kInvalidInput,
                                   "give exactly one of --participant and --asset"));
  }
  auto client = connect(options.remote);
  if (!client) return report_error(err, client.error());
  bool truncated = false;
  auto list = options.participant.empty()
                  ? all_pages(*client, "trade_listByAsset", {{"assetId", options.asset}},
                              "trades", truncated)
                  : all_pages(*client, "trade_listByParticipant",
                              {{"participant", options.participant}}, "trades", truncated);
  if (!list) return report_error(err, list.error());
  print_list(out, options.remote.output, ListKind::kTrades, *list, truncated);
  return kExitOk;
}

int list(const ListOptions& options, std::ostream& out, std::ostream& err) {
  auto client = connect(options.remote);
  if (!client) return report_error(err, client.error());
  bool truncated = false;
  Result<Json> found = Json();
  switch (options.kind) {
    case ListKind::kTrades: {
      Json params = Json::object();
      if (!options.state.empty()) params["state"] = options.state;
      found = all_pages(*client, "trade_list", params, "trades", truncated);
      break;
    }
    case ListKind::kAssets:
      found = all_pages(*client, "asset_list", Json::object(), "assets", truncated);
      break;
    case ListKind::kProposals:
      found = all_pages(*client, "governance_listProposals", {{"open", options.open}}, "proposals",
                        truncated);
      break;
  }
  if (!found) return report_error(err, found.error());
  print_list(out, options.remote.output, options.kind, *found, truncated);
  return kExitOk;
}

int show(const ShowOptions& options, std::ostream& out, std::ostream& err) {
  auto client = connect(options.remote);
  if (!client) return report_error(err, client.error());
  auto record = client->call(options.method, {{options.param, options.id}});
  if (!record) return report_error(err, record.error().with_context(options.id));
  if (options.remote.output == OutputFormat::kJson) {
    print_json(out, *record);
    return kExitOk;
  }
  Table table({"field", "value"});
  for (const auto& [key, value] : record->items()) {
    table.add({key, value.is_string() ? value.get<std::string>() : value.dump()});
  }
  table.print(out);
  return kExitOk;
}

int asset_history(const AssetOptions& options, std::ostream& out, std::ostream& err) {
  auto client = connect(options.remote);
  if (!client) return report_error(err, client.error());
  auto loaded = trust_anchor_if(*client, options.genesis);
  if (!loaded) return report_error(err, loaded.error());
  std::optional<TrustAnchor> anchor = std::move(*loaded);
  const bool prove = anchor && anchor->genesis.state_tree;
  Json params = {{"assetId", options.asset}};
  if (prove) params["proof"] = true;
  bool truncated = false;
  auto history = all_pages(*client, "asset_getHistory", params, "entries", truncated);
  if (!history) return report_error(err, history.error().with_context("asset " + options.asset));
  // The first page's proof: later pages, read as the chain grew, may add
  // entries beyond the count it commits to.
  const bool complete = !prove || check_completeness(*history, ledger::keys::asset(options.asset),
                                                     (*history)["entries"], anchor->genesis,
                                                     anchor->validators, true);
  auto finish = [&] { return history_exit(complete, err, "the history of asset " + options.asset); };
  if (options.remote.output == OutputFormat::kJson) {
    print_json(out, *history);
    return finish();
  }
  const Json& asset = (*history)["asset"];
  out << "asset " << asset.value("id", "") << " of " << asset.value("provider", "") << ", level L"
      << asset.value("level", std::uint64_t{0}) << ", latest source verdict "
      << (asset["latestVerdict"].is_string() ? asset["latestVerdict"].get<std::string>() : "none")
      << "\n\n";
  std::set<std::uint64_t> heights;
  for (const auto& e : (*history)["entries"]) heights.insert(e.value("height", std::uint64_t{0}));
  auto times = block_times(*client, heights);
  if (!times) return report_error(err, times.error());
  Table table({"#", "when", "block", "who", "what", "result", "detail"});
  for (const auto& e : (*history)["entries"]) {
    std::string detail;
    if (e.contains("review") && e["review"].is_object()) {
      detail = e["review"].value("verdict", "") + " (rules " +
               e["review"].value("ruleSetVersion", "") + ")";
    }
    table.add({std::to_string(e.value("seq", std::uint64_t{0})), time_at(*times, e.value("height", std::uint64_t{0})),
               block_of(e), e.value("sender", ""), e.value("kind", ""), result_of(e), detail});
  }
  table.print(out);
  if (truncated) out << "(the history goes on: only the first " << kMaxPages * 1000 << " shown)\n";
  if (prove) {
    out << "\n" << completeness_line(*history);
  } else if (anchor) {
    out << "\n" << kNoHistoryProofs;
  }
  return finish();
}

int participant_history(const ParticipantHistoryOptions& options, std::ostream& out,
                        std::ostream& err) {
  auto client = connect(options.remote);
  if (!client) return report_error(err, client.error());
  auto loaded = trust_anchor_if(*client, options.genesis);
  if (!loaded) return report_error(err, loaded.error());
  std::optional<TrustAnchor> anchor = std::move(*loaded);
  const bool prove = anchor && anchor->genesis.state_tree;
  auto history = client->call("participant_getHistory",
                              {{"participantId", options.participant}, {"proof", prove}});
  if (!history) return report_error(err, history.error().with_context(options.participant));
  const bool complete =
      !prove || check_completeness(*history, ledger::keys::participant(options.participant),
                                   (*history)["entries"], anchor->genesis,
                                   anchor->validators, false);
  auto finish = [&] { return history_exit(complete, err, "the trades of " + options.participant); };
  if (options.remote.output == OutputFormat::kJson) {
    print_json(out, *history);
    return finish();
  }
  out << "trades of " << options.participant << ", in the order they were created, read at height "
      << history->value("height", std::uint64_t{0}) << "\n\n";
  std::set<std::uint64_t> heights;
  for (const auto& e : (*history)["entries"]) heights.insert(e.value("height", std::uint64_t{0}));
  auto times = block_times(*client, heights);
  if (!times) return report_error(err, times.error());
  Table table({"#", "trade", "when", "block", "created by", "transaction"});
  int n = 0;
  for (const auto& e : (*history)["entries"]) {
    table.add({std::to_string(++n), e.value("tradeId", ""),
               time_at(*times, e.value("height", std::uint64_t{0})), block_of(e),
               e.value("sender", ""), short_hash(e.value("txHash", ""))});
  }
  if (table.empty()) {
    out << "no trades\n";
  } else {
    table.print(out);
  }
  if (prove) {
    out << "\n" << completeness_line(*history);
  } else if (anchor) {
    out << "\n" << kNoHistoryProofs;
  } else {
    out << "\nnot checked for completeness: pass --genesis FILE\n";
  }
  return finish();
}

int attestations(const AttestationsOptions& options, std::ostream& out, std::ostream& err) {
  auto client = connect(options.remote);
  if (!client) return report_error(err, client.error());
  bool truncated = false;
  auto list = all_pages(*client, "participant_getAttestations",
                        {{"participantId", options.participant}}, "attestations", truncated);
  if (!list) return report_error(err, list.error().with_context(options.participant));
  if (options.remote.output == OutputFormat::kJson) {
    print_json(out, *list);
    return kExitOk;
  }
  Table table({"attestation", "attestor", "claim", "valid from", "valid until", "height", "state"});
  for (const auto& a : (*list)["attestations"]) {
    auto ms = [&](const char* field) {
      auto value = a.contains(field) ? ledger::read_whole_number(a[field]) : Result<std::uint64_t>(0);
      return value ? format_time_ms(*value) : std::string("?");
    };
    table.add({a.value("id", ""), a.value("attestor", ""), a.value("claimType", ""),
               ms("validFromMs"), ms("validUntilMs"), std::to_string(a.value("height", std::uint64_t{0})),
               a.value("revoked", false)
                   ? "revoked at " + std::to_string(a.value("revokedHeight", std::uint64_t{0}))
                   : "in force"});
  }
  if (table.empty()) {
    out << "no attestations about " << options.participant << "\n";
  } else {
    table.print(out);
  }
  return kExitOk;
}

namespace {

// Prints `document` when `path` is empty, or writes it to `path`: the exit
// code when done here (printed, or the write failed), nothing when written.
std::optional<int> save_or_print(const Json& document, const std::filesystem::path& path,
                                 std::ostream& out, std::ostream& err) {
  const std::string text = document.dump(2) + "\n";
  if (path.empty()) {
    out << text;
    return kExitOk;
  }
  if (Status s = write_file_atomic(path, text, 0644, Overwrite::kReplace); !s) {
    return report_error(err, s.error());
  }
  return std::nullopt;
}

}  // namespace

int receipt_get(const ReceiptGetOptions& options, std::ostream& out, std::ostream& err) {
  auto client = connect(options.remote);
  if (!client) return report_error(err, client.error());
  Json params = {{"hash", options.tx}};
  if (options.height) params["height"] = *options.height;
  if (options.witnessed) params["witnessed"] = true;
  auto receipt = client->call("tx_getVerifiableReceipt", params);
  if (!receipt) return report_error(err, receipt.error().with_context("transaction " + options.tx));
  if (auto done = save_or_print(*receipt, options.out, out, err)) return *done;
  const Json& header = (*receipt)["header"];
  out << "wrote " << options.out.string() << ": transaction " << options.tx << "\n"
      << "  committed at height " << (*receipt)["receipt"].value("height", std::uint64_t{0}) << ", proved against "
      << "header " << header.value("height", std::uint64_t{0}) << " (log size " << header.value("logSize", std::uint64_t{0})
      << ")\n"
      << "verify it offline: tracectl verify " << options.out.string()
      << " --genesis genesis.json";
  if (options.witnessed) {
    const Json& witnessed = (*receipt)["witnessed"];
    out << (witnessed.is_array() && !witnessed.empty() ? " --min-witnesses 1" : "") << "\n"
        << "  witnessed by " << (witnessed.is_array() ? witnessed.size() : 0)
        << " witness(es) whose latest cosigned checkpoint holds it";
  }
  out << "\n";
  return kExitOk;
}

int state_proof_get(const StateProofOptions& options, std::ostream& out, std::ostream& err) {
  std::vector<std::string> keys;
  if (!options.key.empty()) keys.push_back(options.key);
  if (!options.trade.empty()) keys.push_back(ledger::keys::trade(options.trade));
  if (!options.asset.empty()) keys.push_back(ledger::keys::asset(options.asset));
  if (!options.participant.empty()) keys.push_back(ledger::keys::participant(options.participant));
  if (keys.size() != 1) {
    return report_error(err, Error(ErrorCode::kInvalidInput,
                                   "name exactly one of STATE_KEY, --trade, --asset, --participant"));
  }
  std::string key = options.history ? ledger::keys::history(keys.front()) : keys.front();
  auto client = connect(options.remote);
  if (!client) return report_error(err, client.error());
  auto proof = client->call("state_getProof", {{"key", key}});
  if (!proof) return report_error(err, proof.error().with_context("state key '" + key + "'"));
  if (auto done = save_or_print(*proof, options.out, out, err)) return *done;
  out << "wrote " << options.out.string() << ": '" << key << "' "
      << ((*proof)["value"].is_null() ? "holds nothing" : "and its value") << " at height "
      << proof->value("height", std::uint64_t{0}) << "\n"
      << "verify it offline: tracectl verify-state " << options.out.string()
      << " --genesis genesis.json\n";
  return kExitOk;
}

int checkpoint_get(const CheckpointOptions& options, std::ostream& out, std::ostream& err) {
  auto client = connect(options.remote);
  if (!client) return report_error(err, client.error());
  Json params = Json::object();
  if (options.height) params["height"] = *options.height;
  auto answer = client->call("chain_getCheckpoint", params);
  if (!answer) return report_error(err, answer.error());
  if (options.out.empty()) {
    const Json& note = (*answer)["signedNote"];
    out << (note.is_string() ? note.get<std::string>() : (*answer)["checkpoint"].get<std::string>());
    if (!note.is_string()) {
      err << "(unsigned: " << answer->value("unsigned", std::string("no signature")) << ")\n";
    }
    return kExitOk;
  }
  if (auto done = save_or_print(*answer, options.out, out, err)) return *done;
  out << "wrote " << options.out.string() << ": the checkpoint at height "
      << answer->value("height", std::uint64_t{0}) << " (log size "
      << answer->value("logSize", std::uint64_t{0}) << ")"
      << ((*answer)["signedNote"].is_string() ? ", signed by this node" : ", unsigned") << "\n"
      << "verify it offline: tracectl verify-checkpoint " << options.out.string()
      << " --genesis genesis.json\n";
  return kExitOk;
}

}  // namespace tracechain::cli
