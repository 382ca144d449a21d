#include "fetch/tls_fetch.hpp"

#include "pkix/result.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace certdoctor {
namespace {

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};

// The largest certificate message accepted. OpenSSL's default (100 KB) is below what real, if odd, servers
// send; anything above this is reported rather than buffered.
constexpr long kMaxCertList = 8L * 1024 * 1024;

// Replaces verification: keep a DER copy of every presented certificate and accept, so that the handshake
// goes on and the chain is ours even when a later step fails.
int capture_chain(X509_STORE_CTX* store, void* arg) {
  auto* out = static_cast<std::vector<std::string>*>(arg);
  out->clear();
  STACK_OF(X509)* presented = X509_STORE_CTX_get0_untrusted(store);  // the peer's list, leaf first
  for (int i = 0; presented && i < sk_X509_num(presented); ++i) {
    unsigned char* der = nullptr;
    int len = i2d_X509(sk_X509_value(presented, i), &der);
    if (len > 0) out->emplace_back(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
  }
  return 1;
}

std::unique_ptr<SSL_CTX, SslCtxFree> make_context(std::vector<std::string>* chain) {
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return ctx;
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_VERSION);
  SSL_CTX_set_max_proto_version(ctx.get(), TLS1_3_VERSION);
  SSL_CTX_set_security_level(ctx.get(), 0);
  SSL_CTX_set_cipher_list(ctx.get(), "ALL:@SECLEVEL=0");
  SSL_CTX_set_options(ctx.get(), SSL_OP_LEGACY_SERVER_CONNECT | SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION |
                                     SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_TICKET);
  SSL_CTX_set_max_cert_list(ctx.get(), kMaxCertList);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_cert_verify_callback(ctx.get(), capture_chain, chain);
  return ctx;
}

std::string openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

// Maps a failed handshake to the error table, from OpenSSL's first queued reason.
Finding classify_handshake_failure(SSL* ssl, int ret, const std::string& host_port) {
  int err = SSL_get_error(ssl, ret);
  unsigned long first = ERR_peek_error();
  int reason = ERR_GET_REASON(first);
  std::string detail = openssl_errors();
  nlohmann::json values = {{"host_port", host_port}, {"detail", detail}};

  if (first == 0 && (err == SSL_ERROR_SYSCALL || err == SSL_ERROR_ZERO_RETURN)) {
    values["detail"] = errno ? std::string(std::strerror(errno)) : "end of stream";
    return {Condition::connection_closed, values};
  }
  switch (reason) {
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST:
      return {Condition::not_tls, values};
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
      values["version"] = "a protocol older than TLS 1.0";
      return Finding::firefox_error(pkix::firefox_code(pkix::Result::UnsupportedVersion), values);
    case SSL_R_UNEXPECTED_EOF_WHILE_READING:
      return {Condition::connection_closed, values};
    case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
    case SSL_R_NO_SHARED_CIPHER:
    case SSL_R_NO_CIPHERS_AVAILABLE:
      // The server found nothing it can use in an offer far wider than Firefox's (certdoctor also offers
      // legacy suites): Firefox, offering less, gets no common cipher either.
      return Finding::firefox_error(pkix::firefox_code(pkix::Result::NoCypherOverlap), values);
    default:
      return {Condition::handshake_failed, values};
  }
}

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

}  // namespace

FetchResult fetch_chain(const FetchOptions& o) {
  FetchResult result;
  const std::string host_port = o.target.authority();
  const auto started = Clock::now();

  Connection conn;
  try {
    const std::string& host = o.proxy ? o.proxy->host : o.target.host;
    const std::uint16_t port = o.proxy ? o.proxy->port : o.target.port;
    conn = connect_tcp(host, port, o.resolve, started + o.connect_timeout);
    if (o.proxy) open_proxy_tunnel(conn, *o.proxy, host_port, started + o.connect_timeout);
  } catch (const NetFailure& f) {
    result.failure = Finding{f.code(), f.values()};
    result.failure->values["host_port"] = host_port;
    return result;
  }

  TlsSession session;
  session.address = conn.address;
  session.port = conn.port;
  if (o.proxy) session.proxy = o.proxy->url;
  session.connect_ms = ms_since(started);

  ERR_clear_error();
  auto ctx = make_context(&result.chain_der);
  std::unique_ptr<SSL, SslFree> ssl(ctx ? SSL_new(ctx.get()) : nullptr);
  if (!ssl || SSL_set_fd(ssl.get(), conn.socket.fd()) != 1) {
    result.failure = Finding{Condition::handshake_failed, {{"host_port", host_port}, {"detail", openssl_errors()}}};
    result.session = session;
    return result;
  }
  if (!o.target.host_is_ip) {
    // Firefox sends SNI for names only, never for IP literals.
    session.sni = o.target.host;
    SSL_set_tlsext_host_name(ssl.get(), session.sni.c_str());
  }

  const auto hs_started = Clock::now();
  const auto deadline = hs_started + o.handshake_timeout;
  for (;;) {
    errno = 0;
    int ret = SSL_connect(ssl.get());
    if (ret == 1) break;
    int err = SSL_get_error(ssl.get(), ret);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      if (wait_fd(conn.socket.fd(), err == SSL_ERROR_WANT_WRITE, deadline)) continue;
      double seconds = std::chrono::duration<double>(o.handshake_timeout).count();
      result.failure = Finding{Condition::handshake_timeout, {{"host_port", host_port}, {"seconds", seconds}}};
    } else {
      result.failure = classify_handshake_failure(ssl.get(), ret, host_port);
    }
    session.handshake_ms = ms_since(hs_started);
    result.session = session;
    return result;
  }

  session.handshake_complete = true;
  session.handshake_ms = ms_since(hs_started);
  session.version = SSL_get_version(ssl.get());
  if (const char* c = SSL_get_cipher_name(ssl.get())) session.cipher = c;
  if (int nid = SSL_get_negotiated_group(ssl.get()); nid > 0) {
    if (const char* g = SSL_group_to_name(ssl.get(), nid)) session.group = g;
  }
  if (SSL_session_reused(ssl.get()) == 0 && result.chain_der.empty()) {
    result.failure = Finding{Condition::no_certificate, {{"host_port", host_port}}};
  } else if (SSL_version(ssl.get()) < TLS1_2_VERSION) {
    // Firefox's floor is TLS 1.2 (security.tls.version.min = 3): this is the page the user sees.
    result.failure = Finding::firefox_error(pkix::firefox_code(pkix::Result::UnsupportedVersion),
                                            {{"host_port", host_port}, {"version", session.version}});
  }
  SSL_shutdown(ssl.get());  // one close_notify, without waiting for the server's
  result.session = session;
  return result;
}

}  // namespace certdoctor
