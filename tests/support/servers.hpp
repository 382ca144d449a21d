// Real servers on loopback for tests: openssl s_server, tinyproxy, and small raw TCP servers for behaviours
// no TLS server offers on purpose (silence, garbage). Each is stopped by its own process id or thread when
// the test ends, and listens on a free port so that parallel runs never collide.
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "process.hpp"

namespace boost::process {
class child;
}

namespace testing {

// A port nothing listens on right now (bound and released by the kernel's choice).
std::uint16_t free_port(bool ipv6 = false);

struct TlsServerOptions {
  std::filesystem::path cert, key;
  std::filesystem::path chain;          // extra certificates to send (-cert_chain), optional
  std::vector<std::string> extra_args;  // e.g. {"-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"}
  bool ipv6 = false;
  std::string address;  // the loopback address to listen on (e.g. 127.0.0.2: another host); default 127.0.0.1 or ::1
};

class TlsServer {
 public:
  explicit TlsServer(TlsServerOptions options);
  ~TlsServer();
  std::uint16_t port() const { return port_; }
  std::string url(const std::string& host = "127.0.0.1") const;

 private:
  std::unique_ptr<boost::process::child> child_;
  TempDir logs_;
  std::uint16_t port_ = 0;
};

class HttpProxy {  // tinyproxy: a real HTTP CONNECT proxy
 public:
  HttpProxy();
  ~HttpProxy();
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  std::unique_ptr<boost::process::child> child_;
  TempDir dir_;
  std::uint16_t port_ = 0;
};

// A TCP server of our own on 127.0.0.1 that misbehaves in one chosen way.
class RawServer {
 public:
  enum class Mode {
    silent,   // accepts and never says anything
    garbage,  // answers every connection with plain text, as a non-TLS service would
    hang_up,  // reads the ClientHello and closes
    internal_error_alert,  // reads the ClientHello and answers with a fatal internal_error alert, as a broken TLS
                           // stack in a device does
    tls10_server_hello,    // reads the ClientHello and answers with a ServerHello that chooses TLS 1.0, then closes
  };
  explicit RawServer(Mode mode);
  ~RawServer();
  std::uint16_t port() const { return port_; }

 private:
  void serve();
  Mode mode_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace testing
