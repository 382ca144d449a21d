#include "tls_farm.hpp"

#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <unordered_map>

namespace testing {

struct TlsFarm::Impl {
  struct Listener {
    int fd;
    SSL_CTX* ctx;
  };
  struct Conn {
    SSL* ssl;
    short events = POLLIN;
  };
  std::vector<Listener> listeners;
  std::unordered_map<int, Conn> conns;

  ~Impl() {
    for (auto& [fd, c] : conns) {
      SSL_free(c.ssl);
      ::close(fd);
    }
    for (auto& l : listeners) {
      ::close(l.fd);
      SSL_CTX_free(l.ctx);
    }
  }
};

TlsFarm::TlsFarm(const std::vector<FarmEndpoint>& endpoints) : impl_(std::make_unique<Impl>()) {
  for (const auto& e : endpoints) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (ctx) SSL_CTX_set_security_level(ctx, 0);  // serve what the test asks for, weak keys included
    if (!ctx || SSL_CTX_use_certificate(ctx, e.cert.x509.get()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, e.cert.key.pkey.get()) != 1) {
      SSL_CTX_free(ctx);
      throw std::runtime_error("TlsFarm: certificate or key refused by OpenSSL");
    }
    for (const auto& c : e.chain) SSL_CTX_add1_chain_cert(ctx, c.x509.get());
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(ctx, 0);
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(fd, 128) != 0) {
      if (fd >= 0) ::close(fd);
      SSL_CTX_free(ctx);
      throw std::runtime_error("TlsFarm: cannot listen on 127.0.0.1");
    }
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ports_.push_back(ntohs(a.sin_port));
    impl_->listeners.push_back({fd, ctx});
  }
  thread_ = std::thread([this] { serve(); });
}

TlsFarm::~TlsFarm() {
  stop_ = true;
  thread_.join();
}

void TlsFarm::serve() {
  std::unordered_map<int, SSL_CTX*> ctx_of;
  for (auto& l : impl_->listeners) ctx_of[l.fd] = l.ctx;
  std::vector<pollfd> fds;
  auto close_conn = [&](int fd) {
    auto it = impl_->conns.find(fd);
    SSL_free(it->second.ssl);
    ::close(fd);
    impl_->conns.erase(it);
  };
  // Drives one handshake as far as it goes without blocking; closes the connection when it is done or failed.
  auto step = [&](int fd) {
    auto& c = impl_->conns.at(fd);
    ERR_clear_error();
    int rc = SSL_do_handshake(c.ssl);
    if (rc == 1) {
      ++handshakes_;
      SSL_shutdown(c.ssl);
      close_conn(fd);
      return;
    }
    int err = SSL_get_error(c.ssl, rc);
    if (err == SSL_ERROR_WANT_READ) c.events = POLLIN;
    else if (err == SSL_ERROR_WANT_WRITE) c.events = POLLOUT;
    else close_conn(fd);
  };
  while (!stop_) {
    fds.clear();
    for (auto& l : impl_->listeners) fds.push_back({l.fd, POLLIN, 0});
    for (auto& [fd, c] : impl_->conns) fds.push_back({fd, c.events, 0});
    if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
    for (const auto& p : fds) {
      if (!p.revents) continue;
      if (auto l = ctx_of.find(p.fd); l != ctx_of.end()) {
        for (;;) {
          int c = ::accept4(p.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (c < 0) break;
          SSL* ssl = SSL_new(l->second);
          SSL_set_fd(ssl, c);
          SSL_set_accept_state(ssl);
          impl_->conns[c] = {ssl, POLLIN};
          step(c);
        }
      } else if (impl_->conns.count(p.fd)) {
        step(p.fd);
      }
    }
  }
}

}  // namespace testing
