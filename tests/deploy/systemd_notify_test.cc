// tracechaind under a stand-in for systemd's Type=notify: the test listens
// on a unix datagram socket named by NOTIFY_SOCKET, starts the real
// tracechaind on a `tracectl init` home, and reads the notices it sends:
// the state tree's progress with EXTEND_TIMEOUT_USEC while the store opens,
// READY=1 once the RPC answers, WATCHDOG=1 at half of WATCHDOG_USEC (and
// none without it), STOPPING=1 on SIGTERM, then a clean exit.
//
// Loopback ports 30500-30529: each case its own three (RPC, P2P, metrics),
// as CTest may run them at once.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/temp_dir.h"

extern char** environ;

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

// The service manager's end: a datagram socket bound to a path.
class NotifySocket {
 public:
  explicit NotifySocket(const fs::path& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    REQUIRE(path.string().size() < sizeof(address.sun_path));
    std::strcpy(address.sun_path, path.c_str());
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  }
  ~NotifySocket() { ::close(fd_); }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  const fs::path& path() const { return path_; }

  // The next notice, or none within `timeout`.
  std::optional<std::string> receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
    char buffer[4096];
    ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    if (n < 0) return std::nullopt;
    return std::string(buffer, static_cast<std::size_t>(n));
  }

  // Notices until one equals `wanted` (true), or `limit` passes (false);
  // every notice seen is appended to `seen`.
  bool wait_for(const std::string& wanted, std::chrono::milliseconds limit,
                std::vector<std::string>& seen) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      auto notice = receive(std::max(left, 1ms));
      if (!notice) continue;
      seen.push_back(*notice);
      if (*notice == wanted) return true;
    }
    return false;
  }

 private:
  fs::path path_;
  int fd_ = -1;
};

// A tracechaind process, killed if the test ends before it exits.
class Daemon {
 public:
  // RPC on `port`, P2P on port + 1, metrics on port + 2.
  Daemon(const fs::path& home, int port, const fs::path& log,
         const std::vector<std::string>& extra_env)
      : log_(log) {
    std::vector<std::string> args = {
        TRACECHAIND, "--home", home.string(),
        "--set", "rpc.listen=127.0.0.1:" + std::to_string(port),
        "--set", "p2p.listen=127.0.0.1:" + std::to_string(port + 1),
        "--set", "rpc.metrics_listen=127.0.0.1:" + std::to_string(port + 2),
        "--set", "log.file="};
    // The test's own environment, less anything systemd would set, plus `extra_env`.
    std::vector<std::string> env;
    for (char** entry = environ; *entry != nullptr; ++entry) {
      std::string e = *entry;
      if (e.starts_with("NOTIFY_SOCKET=") || e.starts_with("WATCHDOG_")) continue;
      env.push_back(e);
    }
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    int r = posix_spawn(&pid_, TRACECHAIND, &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(r == 0);
  }
  ~Daemon() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  void signal(int number) { ::kill(pid_, number); }

  std::string log() const {
    std::ifstream in(log_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // The exit status, once it exits within `limit`; -1 if it was still running.
  int wait_exit(std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(50ms);
    }
    return -1;
  }

 private:
  fs::path log_;
  pid_t pid_ = -1;
};

bool accepts_connections(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return ok;
}

fs::path init_home(const fs::path& dir) {
  fs::path home = dir / "home";
  std::string command = std::string(TRACECTL) + " init --home " + home.string() +
                        " --chain-id notify-test >" + (dir / "init.log").string() + " 2>&1";
  REQUIRE(std::system(command.c_str()) == 0);
  return home;
}

// What tracechaind sends once it serves.
const std::string kReady = "READY=1\nSTATUS=serving";

std::string joined(const std::vector<std::string>& notices) {
  std::string out;
  for (const auto& n : notices) out += "[" + n + "] ";
  return out;
}

int count(const std::vector<std::string>& notices, const std::string& wanted) {
  return static_cast<int>(std::count(notices.begin(), notices.end(), wanted));
}

// tracechaind on a fresh `tracectl init` home, RPC on `port`, with
// NOTIFY_SOCKET naming `socket` when `notify` and WATCHDOG_USEC when given.
struct Service {
  Service(int port, bool notify, std::optional<std::string> watchdog_usec) {
    std::vector<std::string> env;
    if (notify) env.push_back("NOTIFY_SOCKET=" + socket.path().string());
    if (watchdog_usec) env.push_back("WATCHDOG_USEC=" + *watchdog_usec);
    daemon.emplace(init_home(dir.path()), port, dir.path() / "node.log", env);
  }

  tracechain::test::TempDir dir;
  NotifySocket socket{dir.path() / "notify.sock"};
  std::optional<Daemon> daemon;
};

}  // namespace

TEST_CASE("tracechaind tells systemd READY=1, WATCHDOG=1 and STOPPING=1", "[systemd]") {
  constexpr int kPort = 30500;
  // A 400 ms watchdog: a beat every 200 ms.
  Service service(kPort, true, "400000");
  NotifySocket& socket = service.socket;

  std::vector<std::string> seen;
  bool ready = socket.wait_for(kReady, 30s, seen);
  INFO("notices: " << joined(seen) << "\nlog:\n" << service.daemon->log());
  REQUIRE(ready);
  // Ready means serving: the RPC listener is already up.
  CHECK(accepts_connections(kPort));
  // Before it, opening the store said what it did and extended the start
  // timeout as it went (a large store takes minutes to open).
  CHECK(std::any_of(seen.begin(), seen.end(), [](const std::string& notice) {
    return notice.starts_with("EXTEND_TIMEOUT_USEC=120000000\nSTATUS=building the state tree: ") &&
           notice.ends_with(" state keys read");
  }));

  seen.clear();
  const auto start = Clock::now();
  while (Clock::now() - start < 1500ms) {
    if (auto notice = socket.receive(100ms)) seen.push_back(*notice);
  }
  {
    INFO("notices in 1.5 s after READY=1: " << joined(seen));
    // 7 beats are due; allow for a slow machine, but not for none.
    CHECK(count(seen, "WATCHDOG=1") >= 4);
    CHECK(count(seen, "WATCHDOG=1") <= 9);
  }

  service.daemon->signal(SIGTERM);
  seen.clear();
  bool stopping = socket.wait_for("STOPPING=1", 10s, seen);
  INFO("notices after SIGTERM: " << joined(seen));
  CHECK(stopping);
  CHECK(service.daemon->wait_exit(20s) == 0);
}

TEST_CASE("without WATCHDOG_USEC tracechaind sends no WATCHDOG=1", "[systemd]") {
  Service service(30510, true, std::nullopt);
  NotifySocket& socket = service.socket;

  std::vector<std::string> seen;
  bool ready = socket.wait_for(kReady, 30s, seen);
  INFO("log:\n" << service.daemon->log());
  REQUIRE(ready);
  seen.clear();
  while (auto notice = socket.receive(1000ms)) seen.push_back(*notice);
  INFO("notices after READY=1: " << joined(seen));
  CHECK(count(seen, "WATCHDOG=1") == 0);

  service.daemon->signal(SIGTERM);
  CHECK(socket.wait_for("STOPPING=1", 10s, seen));
  CHECK(service.daemon->wait_exit(20s) == 0);
}

TEST_CASE("without NOTIFY_SOCKET tracechaind starts and stops as before", "[systemd]") {
  constexpr int kPort = 30520;
  // A watchdog with nowhere to send beats must not disturb the node.
  Service service(kPort, false, "400000");
  const auto deadline = Clock::now() + 30s;
  while (!accepts_connections(kPort) && Clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  INFO("log:\n" << service.daemon->log());
  REQUIRE(accepts_connections(kPort));
  service.daemon->signal(SIGTERM);
  CHECK(service.daemon->wait_exit(20s) == 0);
}
