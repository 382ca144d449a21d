// Reaching a server the way the user's Firefox would: name resolution (or a curl-style --resolve override),
// an optional HTTP CONNECT proxy, and hard deadlines so that no server can make a diagnosis hang.
#pragma once
#include <nlohmann/json.hpp>

#include "base/conditions.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace certdoctor {

using Clock = std::chrono::steady_clock;

// HOST:PORT:ADDR, as curl's --resolve: connect to ADDR when asked for HOST:PORT ("*" matches any port).
struct ResolveOverride {
  std::string host;
  std::uint16_t port = 0;  // 0 = any port
  std::string address;     // numeric, IPv6 without brackets
};
ResolveOverride parse_resolve(std::string_view spec);  // throws RequestError("invalid_field")

struct ProxySpec {
  std::string url;            // as given, without credentials, for messages
  std::string host;
  std::uint16_t port = 0;
  std::string authorization;  // "Basic ..." when the URL carried user:password
};
ProxySpec parse_proxy(std::string_view url);  // http://[user:pass@]host:port; throws RequestError

// A reason the site could not be reached; `code` is a row of the error table, `values` fill its templates.
class NetFailure : public std::runtime_error {
 public:
  NetFailure(Condition code, nlohmann::json values)
      : std::runtime_error(std::string(code_of(code))), code_(code), values_(std::move(values)) {}
  Condition code() const noexcept { return code_; }
  const nlohmann::json& values() const noexcept { return values_; }

 private:
  Condition code_;
  nlohmann::json values_;
};

// An owned, non-blocking socket.
class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  Socket(Socket&& o) noexcept : fd_(o.release()) {}
  Socket& operator=(Socket&& o) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket();
  int fd() const noexcept { return fd_; }
  int release() noexcept { int f = fd_; fd_ = -1; return f; }

 private:
  int fd_ = -1;
};

struct Connection {
  Socket socket;
  std::string address;  // the address actually connected to (the proxy's, when there is one)
  std::uint16_t port = 0;
};

// Resolves `host` (honouring overrides) and connects to the first address that answers before `deadline`.
Connection connect_tcp(const std::string& host, std::uint16_t port, const std::vector<ResolveOverride>& overrides,
                       Clock::time_point deadline);

// Asks an HTTP proxy, already connected on `conn`, for a tunnel to host:port.
void open_proxy_tunnel(Connection& conn, const ProxySpec& proxy, const std::string& authority,
                       Clock::time_point deadline);

// Waits until fd is readable (or writable) or the deadline passes; false on timeout.
bool wait_fd(int fd, bool for_write, Clock::time_point deadline);

}  // namespace certdoctor
