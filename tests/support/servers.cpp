#include "servers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <chrono>
#include <stdexcept>

namespace bp = boost::process;
namespace fs = std::filesystem;

namespace testing {

std::uint16_t free_port(bool ipv6) {
  int fd = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  sockaddr_storage ss{};
  socklen_t len;
  if (ipv6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof *a;
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind a loopback port");
  }
  std::uint16_t port = ntohs(ipv6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                  : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  ::close(fd);
  return port;
}

namespace {

// Starts a server process and waits until `ready` shows up in its output; retries on another port when the
// chosen one was taken in the meantime.
template <typename Start>
std::unique_ptr<bp::child> start_until_ready(const fs::path& log, const std::string& ready, Start start,
                                             std::uint16_t& port, bool ipv6) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    port = free_port(ipv6);
    std::unique_ptr<bp::child> child = start(port);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline && child->running()) {
      if (read_file(log).find(ready) != std::string::npos) return child;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (child->running()) child->terminate();
    child->wait();
  }
  throw std::runtime_error("server did not start: " + read_file(log));
}

}  // namespace

TlsServer::TlsServer(TlsServerOptions o) {
  fs::path out = logs_ / "out", err = logs_ / "err";
  child_ = start_until_ready(
      out, "ACCEPT",
      [&](std::uint16_t port) {
        std::vector<std::string> args = {"s_server", "-accept",
                                         (!o.address.empty() ? o.address + ":" : o.ipv6 ? "[::1]:" : "127.0.0.1:") + std::to_string(port), "-cert",
                                         o.cert.string(), "-key", o.key.string(), "-www"};
        if (!o.chain.empty()) args.insert(args.end(), {"-cert_chain", o.chain.string()});
        args.insert(args.end(), o.extra_args.begin(), o.extra_args.end());
        return std::make_unique<bp::child>(bp::search_path("openssl"), bp::args(args), bp::std_in < bp::null,
                                           bp::std_out > out.string(), bp::std_err > err.string());
      },
      port_, o.ipv6);
}

TlsServer::~TlsServer() {
  if (child_->running()) child_->terminate();  // SIGKILL to this child's pid only
  child_->wait();
}

std::string TlsServer::url(const std::string& host) const {
  return "https://" + host + ":" + std::to_string(port_) + "/";
}

HttpProxy::HttpProxy() {
  fs::path log = dir_ / "log";
  child_ = start_until_ready(
      log, "listening",
      [&](std::uint16_t port) {
        write_file(dir_ / "tinyproxy.conf", "Port " + std::to_string(port) +
                                                "\nListen 127.0.0.1\nTimeout 15\nMaxClients 20\nLogLevel Info\n"
                                                "User nobody\nGroup nogroup\n");
        return std::make_unique<bp::child>(bp::search_path("tinyproxy"), "-d", "-c",
                                           (dir_ / "tinyproxy.conf").string(), bp::std_in < bp::null,
                                           bp::std_out > log.string(), bp::std_err > log.string());
      },
      port_, false);
}

HttpProxy::~HttpProxy() {
  if (child_->running()) child_->terminate();
  child_->wait();
}

RawServer::RawServer(Mode mode) : mode_(mode) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(listen_fd_, 16) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    throw std::runtime_error("RawServer: cannot listen");
  }
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { serve(); });
}

RawServer::~RawServer() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

void RawServer::serve() {
  std::vector<int> held;  // silent connections stay open until the server stops
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int c = ::accept(listen_fd_, nullptr, nullptr);
    if (c < 0) continue;
    if (mode_ == Mode::silent) {
      held.push_back(c);
      continue;
    }
    char buf[4096];
    pollfd q{c, POLLIN, 0};
    if (::poll(&q, 1, 2000) > 0) (void)::read(c, buf, sizeof buf);
    if (mode_ == Mode::garbage) {
      static const char reply[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\nthis is not TLS";
      (void)::write(c, reply, sizeof reply - 1);
    }
    if (mode_ == Mode::internal_error_alert) {
      // An alert record (type 21, TLS 1.2), level fatal (2), description internal_error (80).
      static const unsigned char alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x50};
      (void)::write(c, alert, sizeof alert);
    }
    if (mode_ == Mode::tls10_server_hello) {
      // A handshake record holding a ServerHello (type 2, 38 bytes): version 3.1 (TLS 1.0), a zero random, no
      // session id, TLS_RSA_WITH_AES_128_CBC_SHA, no compression, no extensions.
      unsigned char hello[5 + 4 + 38] = {0x16, 0x03, 0x01, 0x00, 4 + 38, 0x02, 0x00, 0x00, 38, 0x03, 0x01};
      hello[5 + 4 + 2 + 32] = 0x00;      // session id length
      hello[5 + 4 + 2 + 32 + 1] = 0x00;  // cipher suite 0x002f
      hello[5 + 4 + 2 + 32 + 2] = 0x2f;
      hello[5 + 4 + 2 + 32 + 3] = 0x00;  // compression: null
      (void)::write(c, hello, sizeof hello);
    }
    ::close(c);
  }
  for (int c : held) ::close(c);
}

}  // namespace testing
