// How tracectl prints results for people (--output table). JSON output is
// the node's shapes (docs/rpc.md) and needs no help.
#pragma once

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tracechain::cli {

// Columns aligned on the widest cell (widths counted in characters, so
// "✓" is one), a header row, two spaces between columns.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// "2026-11-23 18:40:01 UTC" for Unix milliseconds.
std::string format_time_ms(std::uint64_t ms);

// A hash shortened for a table: its first 12 hex digits and "…".
std::string short_hash(const std::string& hex);

// The receipt of transaction `hash` (docs/rpc.md's Receipt shape).
void print_receipt(std::ostream& out, const std::string& hash, const nlohmann::json& receipt);

}  // namespace tracechain::cli
