#include "cli/print.h"

#include <algorithm>
#include <ctime>
#include <ostream>

namespace tracechain::cli {

namespace {

std::size_t display_width(const std::string& text) {
  // UTF-8: count the bytes that start a character.
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

}  // namespace

void Table::print(std::ostream& out) const {
  std::vector<std::size_t> widths(header_.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(row[i]));
    }
  };
  measure(header_);
  for (const auto& row : rows_) measure(row);
  auto line = [&](const std::vector<std::string>& row) {
    std::string text;
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      text += row[i];
      if (i + 1 < row.size()) text += std::string(widths[i] - display_width(row[i]) + 2, ' ');
    }
    out << text << "\n";
  };
  line(header_);
  for (const auto& row : rows_) line(row);
}

std::string format_time_ms(std::uint64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return text;
}

std::string short_hash(const std::string& hex) {
  return hex.size() <= 12 ? hex : hex.substr(0, 12) + "…";
}

void print_receipt(std::ostream& out, const std::string& hash, const nlohmann::json& receipt) {
  out << "transaction " << hash << "\n";
  out << "committed   height " << receipt.value("height", std::uint64_t{0}) << ", index "
      << receipt.value("index", std::uint64_t{0}) << "\n";
  out << "status      " << receipt.value("status", "?");
  if (receipt.value("status", "") != "ok") {
    out << " (" << receipt.value("reason", "") << ")";
    if (!receipt.value("message", "").empty()) out << ": " << receipt.value("message", "");
  }
  out << "\n";
  if (auto events = receipt.find("events"); events != receipt.end() && events->is_array()) {
    for (const auto& event : *events) {
      out << "event       " << event.value("kind", "") << " " << event.value("subject", "")
          << "\n";
    }
  }
  out << "receipt     " << receipt.value("hash", "") << "\n";
}

}  // namespace tracechain::cli
