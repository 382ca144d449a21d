// Many TLS endpoints from one process, for audit tests and the audit benchmark: one listener on 127.0.0.1 per
// certificate (ports the kernel picks, so parallel runs never collide), all served by one thread with OpenSSL in
// non-blocking mode. Each connection gets its certificate (and chain) in a complete handshake, then a close.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "forge.hpp"

namespace testing {

struct FarmEndpoint {
  forge::Cert cert;
  std::vector<forge::Cert> chain;  // intermediates sent after the leaf
};

class TlsFarm {
 public:
  explicit TlsFarm(const std::vector<FarmEndpoint>& endpoints);
  ~TlsFarm();
  TlsFarm(const TlsFarm&) = delete;
  TlsFarm& operator=(const TlsFarm&) = delete;
  // The port of each endpoint, in the order given.
  const std::vector<std::uint16_t>& ports() const { return ports_; }
  std::size_t handshakes() const { return handshakes_; }

 private:
  struct Impl;
  void serve();
  std::unique_ptr<Impl> impl_;
  std::vector<std::uint16_t> ports_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> handshakes_{0};
  std::thread thread_;
};

}  // namespace testing
