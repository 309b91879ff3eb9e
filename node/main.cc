// tracechaind: runs a tracechain node from its home directory.
//
//   tracechaind --home DIR [--set section.key=value ...]
//
// The home defaults to $TRACECHAIN_HOME, then ~/.tracechain. SIGINT and
// SIGTERM stop the node cleanly; kill -9 loses nothing committed.
#include <CLI/CLI.hpp>

#include <atomic>
#include <sys/stat.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "node/build_info.h"
#include "node/log.h"
#include "node/node.h"
#include "node/rpc/server.h"
#include "node/systemd_notify.h"

extern char** environ;

namespace {

std::filesystem::path default_home() {
  if (const char* home = std::getenv("TRACECHAIN_HOME"); home && *home) return home;
  if (const char* user = std::getenv("HOME"); user && *user) {
    return std::filesystem::path(user) / ".tracechain";
  }
  return ".tracechain";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tracechain;
  // The data directory holds every trade; the RPC's access control means
  // nothing if another local user can read the files: everything this
  // process creates is its owner's alone.
  ::umask(077);
  CLI::App app{"tracechaind: a tracechain node"};
  app.set_version_flag("--version", "tracechaind " + std::string(node::build_version()));
  std::filesystem::path home = default_home();
  std::vector<std::string> settings;
  app.add_option("--home", home, "Node home directory (config/, data/, logs/)")
      ->capture_default_str();
  app.add_option("--set", settings, "Override a setting: --set p2p.listen=0.0.0.0:26656")
      ->type_name("KEY=VALUE");
  app.footer("Settings come from --set, then TRACECHAIN_SECTION_KEY environment variables, then\n"
             "config/node.toml, then defaults. See docs/operations.md.\n"
             "Create a home with: tracectl init --home DIR, or tracectl testnet init.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  node::Overrides command_line;
  for (const std::string& setting : settings) {
    auto equals = setting.find('=');
    if (equals == std::string::npos) {
      std::cerr << "tracechaind: --set takes section.key=value, got '" << setting << "'\n";
      return 2;
    }
    command_line[setting.substr(0, equals)] = setting.substr(equals + 1);
  }
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) environment.emplace_back(*entry);

  auto from_environment = node::overrides_from_environment(environment);
  if (!from_environment) {
    std::cerr << "tracechaind: " << from_environment.error().message() << "\n";
    return 2;
  }
  auto config = node::load_config(home, *from_environment, command_line);
  if (!config) {
    std::cerr << "tracechaind: " << config.error().message() << "\n";
    return 2;
  }
  node::log::Options log_options;
  log_options.level = config->log.level;
  log_options.format = config->log.format == "json" ? node::log::Format::kJson
                                                    : node::log::Format::kText;
  // One place by default: under systemd or in a container stdout is kept
  // (the journal, the container's log), and a file as well would double it.
  auto destinations = node::log::destinations(config->log.to_stdout, config->log_file(),
                                              node::log::stdout_is_kept(environment));
  log_options.file = destinations.file;
  log_options.to_stdout = destinations.to_stdout;
  log_options.max_file_bytes = config->log.max_file_mb * 1024 * 1024;
  log_options.max_files = config->log.max_files;
  if (Status s = node::log::init(log_options); !s) {
    std::cerr << "tracechaind: " << s.error().message() << "\n";
    return 2;
  }

  // Signals are taken synchronously by a dedicated thread, so no work
  // happens inside a signal handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Opening a large store takes a while (it builds the state tree): each
  // step it reports extends systemd's start timeout.
  auto node = node::Node::open(*config, node::systemd::notify_starting);
  if (!node) {
    node::log::error("node", "cannot open the node: {}", node.error().message());
    node::log::flush();
    return 1;
  }
  // The RPC server registers for commit notices before the node starts,
  // serves once it runs, and stops before it.
  node::rpc::Server rpc(**node, config->rpc);
  // Under systemd's watchdog, the beats come from the node's core, so a
  // node that is stuck gets restarted.
  if (auto interval = node::systemd::watchdog_interval()) {
    (*node)->set_heartbeat(*interval, node::systemd::notify_watchdog);
  }
  if (Status s = (*node)->start(); !s) {
    node::log::error("node", "cannot start: {}", s.error().message());
    node::log::flush();
    return 1;
  }
  if (Status s = rpc.start(); !s) {
    node::log::error("rpc", "cannot start: {}", s.error().message());
    (*node)->stop();
    return 1;
  }
  node::systemd::notify_ready();
  std::atomic<bool> stopped_by_itself{false};
  std::thread waiter([&] {
    int received = 0;
    sigwait(&signals, &received);
    if (stopped_by_itself) return;  // woken by the node's own stop below
    node::log::info("node", "received {}", received == SIGINT ? "SIGINT" : "SIGTERM");
    node::systemd::notify_stopping();
    rpc.stop();
    (*node)->stop();
  });
  (*node)->wait();
  // If the node stopped by itself (a fatal error), release the signal thread.
  stopped_by_itself = true;
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  rpc.stop();
  if (auto failure = (*node)->failure()) {
    // A supervisor (systemd's Restart=on-failure) must see this as a failure.
    node::systemd::notify_stopping();
    node::log::error("node", "stopped on a fatal error: {}", *failure);
    node::log::flush();
    std::cerr << "tracechaind: stopped on a fatal error: " << *failure << "\n";
    return 1;
  }
  return 0;
}
