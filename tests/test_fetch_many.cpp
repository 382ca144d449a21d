// Fetching many sites at once against real servers on loopback: results in the input's order, the bound on
// fetches in flight (counted by the server), per-target timeouts, the overall deadline, and progress.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "base/hex.hpp"
#include "fetch/fetch_many.hpp"
#include "pki.hpp"
#include "servers.hpp"

using namespace certdoctor;
using namespace std::chrono_literals;

namespace {

FetchOptions options(const std::string& url, std::chrono::milliseconds timeout = 3000ms) {
  FetchOptions o;
  o.target = parse_target(url);
  o.connect_timeout = timeout;
  o.handshake_timeout = timeout;
  return o;
}

// Accepts connections on 127.0.0.1, says nothing, and counts how many are open at once (a connection ends when
// the client closes it).
class CountingServer {
 public:
  CountingServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(fd_, 64) != 0) throw std::runtime_error("listen");
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~CountingServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }
  std::size_t max_open() const { return max_open_; }
  std::size_t accepted() const { return accepted_; }

 private:
  void serve() {
    std::vector<pollfd> fds{{fd_, POLLIN, 0}};
    while (!stop_) {
      if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
      for (std::size_t i = fds.size(); i-- > 1;) {
        if (!fds[i].revents) continue;
        char buf[4096];
        if (::read(fds[i].fd, buf, sizeof buf) <= 0) {
          ::close(fds[i].fd);
          fds.erase(fds.begin() + static_cast<long>(i));
        }
      }
      if (fds[0].revents & POLLIN) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c >= 0) {
          fds.push_back({c, POLLIN, 0});
          ++accepted_;
        }
      }
      max_open_ = std::max<std::size_t>(max_open_, fds.size() - 1);
    }
    for (std::size_t i = 1; i < fds.size(); ++i) ::close(fds[i].fd);
  }
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> max_open_{0}, accepted_{0};
  std::thread thread_;
};

}  // namespace

TEST_CASE("fetch_many: each target's chain comes back in the input's order, failures where they happened",
          "[fetch_many]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  std::vector<testing::Issued> certs;
  std::vector<std::unique_ptr<testing::TlsServer>> servers;
  for (int i = 0; i < 3; ++i) {
    certs.push_back(pki.device("d" + std::to_string(i), {.subject = "/CN=dev" + std::to_string(i) + ".test"}));
    servers.push_back(std::make_unique<testing::TlsServer>(
        testing::TlsServerOptions{.cert = certs.back().cert, .key = certs.back().key}));
  }
  testing::RawServer silent(testing::RawServer::Mode::silent);
  std::uint16_t closed = testing::free_port();

  std::vector<FetchOptions> targets{options(servers[2]->url()), options("127.0.0.1:" + std::to_string(closed)),
                                    options(servers[0]->url()),
                                    options("127.0.0.1:" + std::to_string(silent.port()), 700ms),
                                    options(servers[1]->url())};
  std::vector<std::pair<std::size_t, std::size_t>> calls;
  auto results = fetch_many(targets, {.max_parallel = 8},
                            [&](std::size_t done, std::size_t total) { calls.emplace_back(done, total); });
  REQUIRE(results.size() == 5);
  for (auto [r, c] : {std::pair{0, 2}, {2, 0}, {4, 1}}) {
    INFO("result " << r);
    CHECK_FALSE(results[r].failure);
    REQUIRE(results[r].chain_der.size() == 1);
    CHECK(sha256_hex(results[r].chain_der[0]) == certs[c].sha256());
  }
  REQUIRE(results[1].failure);
  CHECK(results[1].failure->code == "connection_refused");
  REQUIRE(results[3].failure);
  CHECK(results[3].failure->code == "handshake_timeout");

  // Progress: once per target, counting up, ending at (total, total).
  REQUIRE(calls.size() == 5);
  for (std::size_t i = 0; i < calls.size(); ++i) CHECK(calls[i] == std::pair<std::size_t, std::size_t>{i + 1, 5});
}

TEST_CASE("fetch_many: never more fetches in flight than max_parallel, as the server counts them", "[fetch_many]") {
  CountingServer server;
  std::vector<FetchOptions> targets(6, options("127.0.0.1:" + std::to_string(server.port()), 600ms));
  auto results = fetch_many(targets, {.max_parallel = 3});
  for (const auto& r : results) {
    REQUIRE(r.failure);
    CHECK(r.failure->code == "handshake_timeout");
  }
  CHECK(server.accepted() == 6);
  CHECK(server.max_open() <= 3);
  CHECK(server.max_open() >= 2);  // they did run side by side
}

TEST_CASE("fetch_many: the overall deadline cuts a long timeout, and targets after it are not contacted",
          "[fetch_many]") {
  CountingServer server;
  std::vector<FetchOptions> targets(4, options("127.0.0.1:" + std::to_string(server.port()), 20000ms));
  const auto t0 = std::chrono::steady_clock::now();
  auto results = fetch_many(targets, {.max_parallel = 1, .overall_deadline = 800ms});
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  CHECK(elapsed < 10s);  // far below the 20 s each target alone would have been allowed
  REQUIRE(results[0].failure);
  CHECK(results[0].failure->code == "handshake_timeout");
  CHECK(results[0].failure->values.at("seconds").get<double>() <= 0.8);
  for (int i = 1; i < 4; ++i) {
    REQUIRE(results[i].failure);
    CHECK(results[i].failure->code == "connect_timeout");
    CHECK(results[i].failure->values.value("deadline", false));
  }
  CHECK(server.accepted() == 1);
}

TEST_CASE("fetch_many: no targets, no fetches", "[fetch_many]") {
  bool called = false;
  CHECK(fetch_many({}, {}, [&](std::size_t, std::size_t) { called = true; }).empty());
  CHECK_FALSE(called);
}
