#include "fetch/net.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/request_error.hpp"
#include "fetch/url.hpp"

namespace certdoctor {

Socket& Socket::operator=(Socket&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

Socket::~Socket() {
  if (fd_ >= 0) ::close(fd_);
}

ResolveOverride parse_resolve(std::string_view spec) {
  auto bad = [&](const std::string& why) -> ResolveOverride {
    throw RequestError("invalid_field", "--resolve '" + std::string(spec.substr(0, 200)) + "': " + why +
                                            " (expected HOST:PORT:ADDRESS)");
  };
  auto c1 = spec.find(':');
  if (c1 == std::string_view::npos) return bad("missing port");
  auto c2 = spec.find(':', c1 + 1);
  if (c2 == std::string_view::npos) return bad("missing address");
  ResolveOverride r;
  r.host = std::string(spec.substr(0, c1));
  for (auto& ch : r.host) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::string_view port = spec.substr(c1 + 1, c2 - c1 - 1);
  if (port != "*") {
    r.port = parse_port(port);
    if (r.port == 0) return bad("port must be 1-65535 or *");
  }
  std::string_view addr = spec.substr(c2 + 1);
  if (addr.size() >= 2 && addr.front() == '[' && addr.back() == ']') addr = addr.substr(1, addr.size() - 2);
  r.address = std::string(addr);
  in6_addr a6{};
  in_addr a4{};
  if (r.host.empty()) return bad("empty host");
  if (inet_pton(AF_INET, r.address.c_str(), &a4) != 1 && inet_pton(AF_INET6, r.address.c_str(), &a6) != 1) {
    return bad("address must be a numeric IPv4 or IPv6 address");
  }
  return r;
}

ProxySpec parse_proxy(std::string_view url) {
  auto bad = [&](const std::string& why) -> ProxySpec {
    throw RequestError("invalid_field", "proxy '" + std::string(url.substr(0, 200)) + "': " + why);
  };
  std::string_view rest = url;
  if (rest.starts_with("http://")) rest.remove_prefix(7);
  else if (rest.find("://") != std::string_view::npos) return bad("only HTTP proxies (CONNECT) are supported");
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  ProxySpec p;
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string creds(rest.substr(0, at));
    std::string encoded(4 * ((creds.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                            reinterpret_cast<const unsigned char*>(creds.data()), static_cast<int>(creds.size()));
    encoded.resize(static_cast<std::size_t>(n));
    p.authorization = "Basic " + encoded;
    rest.remove_prefix(at + 1);
  }
  Target t = [&] {
    try {
      return parse_target(rest);
    } catch (const RequestError& e) {
      bad(e.what());
      throw;
    }
  }();
  if (rest.find(':') == std::string_view::npos || (t.host_is_ipv6 && rest.back() == ']')) {
    return bad("give the proxy's port, e.g. http://proxy.example:3128");
  }
  p.host = t.host;
  p.port = t.port;
  p.url = "http://" + t.authority();
  return p;
}

bool wait_fd(int fd, bool for_write, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
    int r = ::poll(&p, 1, static_cast<int>(left));
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return true;  // let the next read/write report the error
  }
}

namespace {

std::string address_text(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
  }
  return buf;
}

struct AddrInfo {
  addrinfo* list = nullptr;
  ~AddrInfo() {
    if (list) freeaddrinfo(list);
  }
};

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace

Connection connect_tcp(const std::string& host, std::uint16_t port, const std::vector<ResolveOverride>& overrides,
                       Clock::time_point deadline) {
  const auto started = Clock::now();
  std::string lookup = host;
  int hint_flags = AI_ADDRCONFIG;
  for (const auto& o : overrides) {
    if (o.host == host && (o.port == 0 || o.port == port)) {
      lookup = o.address;
      hint_flags = AI_NUMERICHOST;
      break;
    }
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = hint_flags;
  AddrInfo ai;
  const std::string service = std::to_string(port);
  int rc = getaddrinfo(lookup.c_str(), service.c_str(), &hints, &ai.list);
  if (rc == EAI_NONAME || rc == EAI_ADDRFAMILY) {
    // AI_ADDRCONFIG hides ::1 on hosts with no global IPv6 address; loopback-only machines need it.
    hints.ai_flags &= ~AI_ADDRCONFIG;
    rc = getaddrinfo(lookup.c_str(), service.c_str(), &hints, &ai.list);
  }
  if (rc != 0) {
    throw NetFailure(Condition::dns_failed, {{"host", host}, {"detail", gai_strerror(rc)}});
  }

  NetFailure last(Condition::connect_timeout, {{"host", host}, {"port", port}});
  for (addrinfo* a = ai.list; a; a = a->ai_next) {
    std::string addr = address_text(a->ai_addr);
    Socket s(::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
    if (s.fd() < 0) continue;
    int r = ::connect(s.fd(), a->ai_addr, a->ai_addrlen);
    if (r != 0 && errno == EINPROGRESS) {
      if (!wait_fd(s.fd(), true, deadline)) {
        last = NetFailure(Condition::connect_timeout, {{"host", host}, {"port", port}, {"address", addr},
                                              {"seconds", seconds_between(started, Clock::now())}});
        break;  // the deadline is shared by all addresses
      }
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &err, &len);
      r = err ? -1 : 0;
      errno = err;
    }
    if (r == 0) return Connection{std::move(s), addr, port};
    if (errno == ECONNREFUSED) {
      last = NetFailure(Condition::connection_refused, {{"host", host}, {"address", addr}, {"port", port}});
    } else {
      last = NetFailure(Condition::connect_failed,
                        {{"host", host}, {"address", addr}, {"port", port}, {"detail", std::strerror(errno)}});
    }
  }
  throw last;
}

void open_proxy_tunnel(Connection& conn, const ProxySpec& proxy, const std::string& authority,
                       Clock::time_point deadline) {
  auto fail = [&](const std::string& detail) {
    throw NetFailure(Condition::proxy_failed, {{"proxy", proxy.url}, {"host_port", authority}, {"detail", detail}});
  };
  std::string req = "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n";
  if (!proxy.authorization.empty()) req += "Proxy-Authorization: " + proxy.authorization + "\r\n";
  req += "\r\n";
  for (std::size_t sent = 0; sent < req.size();) {
    if (!wait_fd(conn.socket.fd(), true, deadline)) fail("timed out sending the request");
    ssize_t n = ::send(conn.socket.fd(), req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) fail(std::strerror(errno));
    if (n > 0) sent += static_cast<std::size_t>(n);
  }
  // Read the response head byte by byte: anything after it belongs to the TLS stream.
  std::string head;
  constexpr std::size_t kMaxHead = 16 * 1024;
  while (head.size() < 4 || head.compare(head.size() - 4, 4, "\r\n\r\n") != 0) {
    if (head.size() >= kMaxHead) fail("response header over 16 KiB");
    if (!wait_fd(conn.socket.fd(), false, deadline)) fail("no answer in time");
    char c;
    ssize_t n = ::recv(conn.socket.fd(), &c, 1, 0);
    if (n == 0) fail("closed the connection");
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      fail(std::strerror(errno));
    }
    head += c;
  }
  auto line_end = head.find("\r\n");
  std::string status = head.substr(0, line_end);
  // "HTTP/1.x 200 ..." — any 2xx opens the tunnel.
  if (status.size() < 12 || !status.starts_with("HTTP/1.") || status[9] != '2') fail("'" + status + "'");
}

}  // namespace certdoctor
