#include "node/rpc/static_files.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <utility>

namespace tracechain::node::rpc {

namespace {

namespace fs = std::filesystem;

constexpr std::array<std::string_view, 2> kServedTrees = {"/console/", "/js/src/"};

// The types the console is made of; any other extension is not served, so
// that a key or a configuration file put in the directory by mistake stays
// unreadable.
constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kTypes = {{
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".json", "application/json"},
}};

Error not_found(std::string_view path, std::string_view why) {
  return Error(ErrorCode::kNotFound, "no such file: " + std::string(path) + " (" +
                                         std::string(why) + ")");
}

bool allowed_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_' || c == '.' || c == '/';
}

// Whether `inner` (canonical) lies strictly inside `root` (canonical).
bool inside(const fs::path& root, const fs::path& inner) {
  auto [r, i] = std::mismatch(root.begin(), root.end(), inner.begin(), inner.end());
  return r == root.end() && i != inner.end();
}

}  // namespace

bool is_static_path(std::string_view path) {
  return std::any_of(kServedTrees.begin(), kServedTrees.end(),
                     [&](std::string_view tree) { return path.starts_with(tree); });
}

Result<StaticFile> read_static_file(const fs::path& root, std::string_view path) {
  if (!is_static_path(path)) return not_found(path, "outside /console/ and /js/src/");
  if (!std::all_of(path.begin(), path.end(), allowed_character)) {
    return not_found(path, "only letters, digits and - _ . / are served, nothing encoded");
  }
  std::string relative(path.substr(1));
  if (relative.ends_with('/')) relative += "index.html";
  // Every segment must be a plain name: no empty segment ("//"), none that
  // starts with '.' (".", "..", hidden files).
  for (std::size_t begin = 0; begin <= relative.size();) {
    std::size_t end = std::min(relative.find('/', begin), relative.size());
    if (end == begin || relative[begin] == '.') return not_found(path, "not a plain name");
    begin = end + 1;
  }
  std::string_view extension;
  if (std::size_t dot = relative.rfind('.'); dot != std::string::npos) {
    extension = std::string_view(relative).substr(dot);
  }
  auto type = std::find_if(kTypes.begin(), kTypes.end(),
                           [&](const auto& entry) { return entry.first == extension; });
  if (type == kTypes.end()) return not_found(path, "not a type the console is made of");

  std::error_code ec;
  fs::path base = fs::canonical(root, ec);
  if (ec) return not_found(path, "rpc.console cannot be read: " + ec.message());
  // Symbolic links are followed, but the target must stay inside the root.
  fs::path file = fs::canonical(base / relative, ec);
  if (ec || !inside(base, file)) return not_found(path, "not in rpc.console");
  if (!fs::is_regular_file(file, ec)) return not_found(path, "not a file");
  std::uintmax_t size = fs::file_size(file, ec);
  if (ec) return not_found(path, "not a file");
  if (size > kMaxStaticFileBytes) {
    return Error(ErrorCode::kResourceExhausted,
                 std::string(path) + " is larger than " + std::to_string(kMaxStaticFileBytes) +
                     " bytes and is not served");
  }

  std::ifstream in(file, std::ios::binary);
  StaticFile out;
  out.content_type = std::string(type->second);
  out.body.resize(static_cast<std::size_t>(size));
  // The file may have changed since it was measured: what is read is what
  // is sent, never more than the size allowed.
  in.read(out.body.data(), static_cast<std::streamsize>(out.body.size()));
  if (in.bad()) return Error(ErrorCode::kIo, "cannot read " + std::string(path));
  out.body.resize(static_cast<std::size_t>(in.gcount()));
  return out;
}

}  // namespace tracechain::node::rpc
