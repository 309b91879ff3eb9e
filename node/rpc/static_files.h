// The web console's files, read-only, from the directory rpc.console names
// (docs/console.md). The directory holds `console/` (the pages) and
// `js/src/` (the JavaScript client they import by relative path), as the
// repository's `clients/` does; the node serves exactly those two trees, at
// /console/… and /js/src/…, and nothing else.
//
// A request path is taken literally, never decoded: only letters, digits,
// '-', '_', '.' and '/' may appear, no segment may begin with '.' (so no
// "..", no hidden files), and the file found must still lie inside the
// directory once symbolic links are resolved, be a regular file of a known
// type and at most kMaxStaticFileBytes. Anything else is "not found".
//
// No Beast here; http_session.cc turns the answer into a response.
// Thread-safety: free functions, safe from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "crypto/result.h"

namespace tracechain::node::rpc {

// Larger files are refused (kResourceExhausted); the console's largest is a
// few tens of kilobytes.
constexpr std::uint64_t kMaxStaticFileBytes = 4 * 1024 * 1024;

// Where the console's start page is; "/console" alone is redirected here.
constexpr std::string_view kConsolePath = "/console/";

// The Content-Security-Policy sent with every file: scripts, styles, images
// and connections (HTTP and the WebSocket: CSP 3's 'self' covers ws: and
// wss: to the same host) from this origin only; no plugins, frames, forms
// posted elsewhere or <base> tricks.
constexpr std::string_view kConsoleContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

struct StaticFile {
  std::string body;
  std::string content_type;
};

// Whether `path` (a request target without its query) is in the served
// trees: it starts with /console/ or /js/src/.
bool is_static_path(std::string_view path);

// The file `path` names under `root`; a path ending in '/' names its
// index.html. kNotFound for anything not served (with a message for the
// node's reply), kResourceExhausted for a file over the size limit, kIo when
// a served file cannot be read.
Result<StaticFile> read_static_file(const std::filesystem::path& root, std::string_view path);

}  // namespace tracechain::node::rpc
