// The web console (docs/console.md): how the node serves rpc.console's files
// (types, security headers, HEAD, refusals of traversal in every form,
// symbolic links out of the directory, unknown types and missing files,
// nothing at all by default), and the console itself in a real browser:
// clients/console/test/browser.js drives Debian's headless Chromium against
// a live node serving the repository's clients/ directory. That case
// reports SKIPPED when Chromium or Node.js 20 is missing
// (scripts/install-deps.sh installs both).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "node/rpc/static_files.h"
#include "tests/rpc/live_node.h"

using namespace tracechain;
using namespace tracechain::test;
namespace fs = std::filesystem;

namespace {

constexpr const char* kChromium = "/usr/bin/chromium";

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

// A console directory with one file of each type, and things that must
// stay unserved: a file beside it, a key, a hidden file, links out.
struct ConsoleTree {
  TempDir dir;
  fs::path root = dir.path() / "clients";

  ConsoleTree() {
    write(root / "console" / "index.html", "<!doctype html><title>console</title>");
    write(root / "console" / "style.css", "body { margin: 0 }");
    write(root / "console" / "app.js", "export const x = 1;");
    write(root / "console" / "logo.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>");
    write(root / "console" / "shot.png", "\x89PNG\r\n\x1a\n");
    write(root / "console" / "data.json", "{}");
    write(root / "console" / "key.pem", "-----BEGIN PRIVATE KEY-----");
    write(root / "console" / ".hidden.js", "secret");
    write(root / "js" / "src" / "index.js", "export {};");
    write(root / "js" / "package.json", "{}");
    write(dir.path() / "secret.json", "{\"secret\": true}");
    fs::create_symlink(dir.path() / "secret.json", root / "console" / "escape.json");
    fs::create_symlink(dir.path(), root / "console" / "up");
    fs::create_symlink(root / "console" / "app.js", root / "console" / "alias.js");
  }
};

}  // namespace

TEST_CASE("console: rpc.console's files are served with their types and strict headers",
          "[rpc][console]") {
  ConsoleTree tree;
  LiveNode live([&](node::NodeConfig& config) { config.rpc.console = tree.root.string(); });
  const std::pair<const char*, const char*> files[] = {
      {"/console/", "text/html; charset=utf-8"},
      {"/console/index.html", "text/html; charset=utf-8"},
      {"/console/style.css", "text/css; charset=utf-8"},
      {"/console/app.js", "text/javascript; charset=utf-8"},
      {"/console/alias.js", "text/javascript; charset=utf-8"},  // a link inside the root
      {"/console/logo.svg", "image/svg+xml"},
      {"/console/shot.png", "image/png"},
      {"/console/data.json", "application/json"},
      {"/js/src/index.js", "text/javascript; charset=utf-8"},
  };
  for (const auto& [path, type] : files) {
    INFO(path);
    HttpReply reply = http_request(live.rpc_port(), "GET", path);
    CHECK(reply.status == 200);
    CHECK(reply.headers["content-type"] == type);
    CHECK(reply.headers["x-content-type-options"] == "nosniff");
    CHECK(reply.headers["content-security-policy"] ==
          std::string(node::rpc::kConsoleContentSecurityPolicy));
    CHECK(reply.headers["content-security-policy"].find("connect-src 'self'") != std::string::npos);
  }
  CHECK(http_request(live.rpc_port(), "GET", "/console/app.js").body == "export const x = 1;");
  CHECK(http_request(live.rpc_port(), "GET", "/console/shot.png").body.size() == 8);

  HttpReply head = http_request(live.rpc_port(), "HEAD", "/console/style.css");
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(head.headers["content-length"] == "18");

  HttpReply bare = http_request(live.rpc_port(), "GET", "/console");
  CHECK(bare.status == 301);
  CHECK(bare.headers["location"] == "/console/");

  HttpReply post = http_request(live.rpc_port(), "POST", "/console/index.html", "{}",
                                {{"Content-Type", "application/json"}});
  CHECK(post.status == 405);
  CHECK(post.headers["allow"] == "GET, HEAD");

  // JSON-RPC on the same port is untouched.
  CHECK(live.call("chain_getStatus")["result"]["chainId"] == live.chain_id());
}

TEST_CASE("console: traversal, links out, hidden and unknown files are refused", "[rpc][console]") {
  ConsoleTree tree;
  LiveNode live([&](node::NodeConfig& config) { config.rpc.console = tree.root.string(); });
  for (const char* path : {
           "/console/../secret.json",
           "/console/../../secret.json",
           "/js/src/../../../secret.json",
           "/console/%2e%2e/secret.json",
           "/console/%2E%2E%2Fsecret.json",
           "/console/..%2fsecret.json",
           "/console/..%5csecret.json",
           "/console/..\\secret.json",
           "/console/./index.html",
           "/console//index.html",
           "/console/escape.json",       // a link to a file outside the root
           "/console/up/secret.json",    // a link to a directory outside the root
           "/console/key.pem",           // not a type the console is made of
           "/console/.hidden.js",
           "/console/missing.js",
           "/console/index.html%00.js",
           "/js/package.json",           // only js/src/ is served of js/
           "/js/src/",                   // no index there
           "//etc/passwd",
           "/etc/passwd",
           "/console/app.js/",
       }) {
    INFO(path);
    HttpReply reply = http_request(live.rpc_port(), "GET", path);
    CHECK(reply.status == 404);
    CHECK(reply.body.find("\"secret\": true") == std::string::npos);
    CHECK(reply.body.find("PRIVATE KEY") == std::string::npos);
    CHECK(reply.headers.count("content-security-policy") == 0);
  }
  // The module itself refuses the same, even with an absolute path.
  for (const char* path : {"/console/../secret.json", "/console/escape.json", "/tmp/secret.json"}) {
    INFO(path);
    auto file = node::rpc::read_static_file(tree.root, path);
    REQUIRE(!file.ok());
    CHECK(file.error().code() == ErrorCode::kNotFound);
  }
}

TEST_CASE("console: a file over the size limit is refused", "[rpc][console]") {
  ConsoleTree tree;
  write(tree.root / "console" / "huge.js", std::string(node::rpc::kMaxStaticFileBytes + 1, 'x'));
  auto file = node::rpc::read_static_file(tree.root, "/console/huge.js");
  REQUIRE(!file.ok());
  CHECK(file.error().code() == ErrorCode::kResourceExhausted);
}

TEST_CASE("console: nothing is served unless rpc.console is set", "[rpc][console]") {
  LiveNode live;
  for (const char* path : {"/console/", "/console", "/console/index.html", "/js/src/index.js"}) {
    INFO(path);
    HttpReply reply = http_request(live.rpc_port(), "GET", path);
    CHECK(reply.status == 404);
    CHECK(reply.headers.count("content-security-policy") == 0);
  }
}

TEST_CASE("console: a server whose rpc.console is not a directory does not start",
          "[rpc][console]") {
  TempDir dir;
  LiveNode live;
  node::RpcSection config;
  config.listen = {"127.0.0.1", 0};
  config.metrics_listen = {"127.0.0.1", 0};
  config.console = (dir.path() / "absent").string();
  boost::asio::io_context io;
  node::rpc::Server server(io, std::make_unique<node::rpc::NodeBackend>(live.node()), config);
  Status started = server.start();
  REQUIRE(!started.ok());
  CHECK(started.error().message() == "rpc.console '" + config.console + "' is not a directory");
}

TEST_CASE("console: in headless Chromium, an auditor verifies a trade's every step",
          "[rpc][console][browser]") {
  if (!fs::exists(kChromium)) {
    std::cout << "SKIPPED: no " << kChromium << " (scripts/install-deps.sh installs chromium)\n";
    return;
  }
  auto [found, version] = run_command("node -p 'process.versions.node.split(\".\")[0]'");
  if (found != 0 || std::atoi(version.c_str()) < 20) {
    std::cout << "SKIPPED: no Node.js 20 or later on the PATH\n";
    return;
  }
  const std::string source = TRACECHAIN_SOURCE_DIR;
  LiveNode live([&](node::NodeConfig& config) { config.rpc.console = source + "/clients"; });
  // The screenshots stay in the build tree, beside the test binary, wherever
  // it is run from.
  const fs::path shots = fs::path(TRACECHAIN_TEST_BINARY_DIR) / "console-screenshots";
  fs::create_directories(shots);
  auto quote = [](const std::string& text) { return "'" + text + "'"; };
  std::string command =
      "node " + quote(source + "/clients/console/test/browser.js") +
      " --url http://127.0.0.1:" + std::to_string(live.rpc_port()) +
      " --keys " + quote((live.home() / "keys").string()) +
      " --genesis " + quote(live.config().genesis_file().string()) +
      " --chromium " + kChromium + " --screenshots " + quote(shots.string());
  auto [status, output] = run_command(command);
  INFO(command << "\n" << output);
  std::cout << output;
  REQUIRE(status == 0);
  CHECK(output.find("console: every check passed") != std::string::npos);
}
