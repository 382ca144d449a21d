#include "fetch/tls_fetch.hpp"

#include "fetch/firefox_hello.hpp"
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

// What the server did during one handshake, seen record by record: whether its ServerHello came (NSS names a
// handshake_failure alert differently before and after it), whether it asked for a client certificate, and the
// first alert it sent.
struct Observed {
  bool server_hello = false;
  bool certificate_request = false;
  int alert = -1;
};

void observe(int write_p, int, int content_type, const void* buf, size_t len, SSL*, void* arg) {
  auto* seen = static_cast<Observed*>(arg);
  const auto* b = static_cast<const unsigned char*>(buf);
  if (write_p || len < 1) return;
  if (content_type == SSL3_RT_HANDSHAKE) {
    if (b[0] == SSL3_MT_SERVER_HELLO) seen->server_hello = true;
    if (b[0] == SSL3_MT_CERTIFICATE_REQUEST) seen->certificate_request = true;
  } else if (content_type == SSL3_RT_ALERT && len >= 2 && b[0] == SSL3_AL_FATAL && seen->alert < 0) {
    seen->alert = b[1];
  }
}

enum class Offer { firefox, permissive };

std::unique_ptr<SSL_CTX, SslCtxFree> make_context(Offer offer, const FirefoxOffer& firefox,
                                                  std::vector<std::string>* chain) {
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return ctx;
  if (offer == Offer::firefox) {
    if (!apply_firefox_offer(ctx.get(), firefox)) return nullptr;
    // Firefox talks to servers that lack secure renegotiation (security.ssl.require_safe_negotiation is false),
    // and does not offer encrypt_then_mac.
    SSL_CTX_set_options(ctx.get(), SSL_OP_LEGACY_SERVER_CONNECT | SSL_OP_NO_ENCRYPT_THEN_MAC);
  } else {
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_VERSION);
    SSL_CTX_set_max_proto_version(ctx.get(), TLS1_3_VERSION);
    SSL_CTX_set_security_level(ctx.get(), 0);
    SSL_CTX_set_cipher_list(ctx.get(), "ALL:@SECLEVEL=0");
    SSL_CTX_set_options(ctx.get(), SSL_OP_LEGACY_SERVER_CONNECT | SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION |
                                       SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_TICKET);
  }
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

// Maps a failed handshake to the error table, from the alert the server sent or OpenSSL's first queued reason.
// For Firefox's handshake the name is the one Firefox shows (NSS's mapping); the permissive fetch only says what
// kept it from getting a chain.
Finding classify_handshake_failure(SSL* ssl, int ret, const Observed& seen, Offer offer, const std::string& host_port) {
  int err = SSL_get_error(ssl, ret);
  unsigned long first = ERR_peek_error();
  int reason = ERR_GET_REASON(first);
  std::string detail = openssl_errors();
  nlohmann::json values = {{"host_port", host_port}, {"detail", detail}};

  if (offer == Offer::firefox && seen.alert >= 0) {
    values["alert"] = seen.alert;
    values["alert_name"] = SSL_alert_desc_string_long(seen.alert);
    // NSS: a handshake_failure alert in answer to the ClientHello means no common cipher.
    if (seen.alert == SSL3_AD_HANDSHAKE_FAILURE && !seen.server_hello) return Finding::firefox_error(pkix::firefox_code(pkix::Result::NoCypherOverlap), values);
    return Finding::firefox_error(firefox_alert_error(seen.alert), values);
  }
  const bool closed = (first == 0 && (err == SSL_ERROR_SYSCALL || err == SSL_ERROR_ZERO_RETURN)) ||
                      reason == SSL_R_UNEXPECTED_EOF_WHILE_READING;
  if (closed) {
    if (first == 0) values["detail"] = errno ? std::string(std::strerror(errno)) : "end of stream";
    // Measured (truth case hs:close-after-hello): a server that hangs up on Firefox's ClientHello gets
    // "The connection was reset".
    if (offer == Offer::firefox && !seen.server_hello) return Finding::firefox_error(pkix::firefox_code(pkix::Result::NetReset), values);
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
    case SSL_R_VERSION_TOO_LOW:
      // The server chose a version below the offer's floor.
      return Finding::firefox_error(pkix::firefox_code(pkix::Result::UnsupportedVersion), values);
    case SSL_R_WRONG_CIPHER_RETURNED:
      if (offer == Offer::firefox) return Finding::firefox_error(pkix::firefox_code(pkix::Result::NoCypherOverlap), values);
      return {Condition::handshake_failed, values};
    default:
      return {Condition::handshake_failed, values};
  }
}

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// One connection and one handshake, with the given offer.
struct Attempt {
  std::optional<TlsSession> session;
  std::vector<std::string> chain;
  std::optional<Finding> failure;
  bool tls_failure = false;  // the handshake itself failed (not the network, not the deadline)
  bool certificate_request = false;  // the server asked for a client certificate
};

Attempt handshake(const FetchOptions& o, Offer offer, const FirefoxOffer& firefox, Clock::time_point started) {
  Attempt a;
  const std::string host_port = o.target.authority();
  Connection conn;
  try {
    const std::string& host = o.proxy ? o.proxy->host : o.target.host;
    const std::uint16_t port = o.proxy ? o.proxy->port : o.target.port;
    conn = connect_tcp(host, port, o.resolve, started + o.connect_timeout);
    if (o.proxy) open_proxy_tunnel(conn, *o.proxy, host_port, started + o.connect_timeout);
  } catch (const NetFailure& f) {
    a.failure = Finding{f.code(), f.values()};
    a.failure->values["host_port"] = host_port;
    return a;
  }

  TlsSession session;
  session.address = conn.address;
  session.port = conn.port;
  if (o.proxy) session.proxy = o.proxy->url;
  session.connect_ms = ms_since(started);

  ERR_clear_error();
  Observed seen;
  auto ctx = make_context(offer, firefox, &a.chain);
  std::unique_ptr<SSL, SslFree> ssl(ctx ? SSL_new(ctx.get()) : nullptr);
  if (!ssl || SSL_set_fd(ssl.get(), conn.socket.fd()) != 1) {
    a.failure = Finding{Condition::handshake_failed, {{"host_port", host_port}, {"detail", openssl_errors()}}};
    a.session = session;
    return a;
  }
  SSL_set_msg_callback(ssl.get(), observe);
  SSL_set_msg_callback_arg(ssl.get(), &seen);
  if (!o.target.host_is_ip) {
    // Firefox sends SNI for names only, never for IP literals.
    session.sni = o.target.host;
    SSL_set_tlsext_host_name(ssl.get(), session.sni.c_str());
  }

  const auto hs_started = Clock::now();
  const auto deadline = hs_started + o.handshake_timeout;
  auto timed_out = [&] {
    double seconds = std::chrono::duration<double>(o.handshake_timeout).count();
    return Finding{Condition::handshake_timeout, {{"host_port", host_port}, {"seconds", seconds}}};
  };
  // What the server chose, once its ServerHello came (also when the handshake fails later).
  auto negotiated = [&] {
    session.version = SSL_get_version(ssl.get());
    if (const char* c = SSL_get_cipher_name(ssl.get())) session.cipher = c;
    if (int nid = SSL_get_negotiated_group(ssl.get()); nid > 0) {
      if (const char* g = SSL_group_to_name(ssl.get(), nid)) session.group = g;
    }
  };
  for (;;) {
    errno = 0;
    int ret = SSL_connect(ssl.get());
    if (ret == 1) break;
    int err = SSL_get_error(ssl.get(), ret);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      if (wait_fd(conn.socket.fd(), err == SSL_ERROR_WANT_WRITE, deadline)) continue;
      a.failure = timed_out();
    } else {
      a.failure = classify_handshake_failure(ssl.get(), ret, seen, offer, host_port);
      a.tls_failure = true;
    }
    session.handshake_ms = ms_since(hs_started);
    if (seen.server_hello) negotiated();
    a.certificate_request = seen.certificate_request;
    a.session = session;
    return a;
  }

  // TLS 1.3: a server that requires a client certificate says so only after the client's Finished, so the
  // handshake "completes" first. Firefox has none to send and meets the alert; wait briefly for it.
  if (offer == Offer::firefox && seen.certificate_request && SSL_version(ssl.get()) >= TLS1_3_VERSION) {
    const auto until = std::min(deadline, Clock::now() + std::chrono::milliseconds(1000));
    char byte;
    for (;;) {
      int ret = SSL_peek(ssl.get(), &byte, 1);
      int err = ret > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl.get(), ret);
      if (err == SSL_ERROR_WANT_READ && wait_fd(conn.socket.fd(), false, until)) continue;
      if (seen.alert >= 0) {
        a.failure = classify_handshake_failure(ssl.get(), ret, seen, offer, host_port);
        a.tls_failure = true;
      }
      break;
    }
    ERR_clear_error();
  }

  session.handshake_complete = !a.failure;
  session.handshake_ms = ms_since(hs_started);
  negotiated();
  if (!a.failure && SSL_session_reused(ssl.get()) == 0 && a.chain.empty()) {
    a.failure = Finding{Condition::no_certificate, {{"host_port", host_port}}};
  }
  a.certificate_request = seen.certificate_request;
  if (!a.failure) SSL_shutdown(ssl.get());  // one close_notify, without waiting for the server's
  a.session = session;
  return a;
}

}  // namespace

FetchResult fetch_chain(const FetchOptions& o) {
  const auto started = Clock::now();
  const FirefoxOffer firefox = firefox_offer(o.firefox_prefs);
  Attempt first = handshake(o, Offer::firefox, firefox, started);
  FetchResult result{std::move(first.session), std::move(first.chain), std::move(first.failure)};
  if (result.session) {
    result.session->firefox_offer = describe_offer(firefox);
    result.session->firefox_prefs = firefox.changed_by;
    // A name only when it is the one Firefox shows: a failed handshake (a timeout or a non-TLS answer is left
    // to the finding).
    if (!result.failure) result.session->firefox_outcome = "loads";
    else if (first.tls_failure && result.failure->code.find("_ERROR_") != std::string::npos)
      result.session->firefox_outcome = result.failure->code;
  }
  if (!result.failure || !first.tls_failure) return result;

  // Firefox's handshake failed: what it offered, the profile's settings that changed the offer, whether the server
  // asked for a client certificate, and what the server accepts when offered everything. Facts only: the table's
  // texts word them (diagnosis/fact_words), the extension in the user's language.
  Finding& failure = *result.failure;
  failure.values["firefox_name"] = failure.code;
  failure.values["offered"] = describe_offer(firefox);
  failure.values["prefs"] = firefox.changed_by;
  failure.values["client_certificate_requested"] = first.certificate_request;
  const TlsSession firefox_session = *result.session;
  if (!result.chain_der.empty()) {
    // The server got as far as its certificate (a client certificate it wants, an alert after the hello):
    // the chain is here, and so is what the server chose.
    failure.values["accepted_version"] = firefox_session.version;
    failure.values["accepted_cipher"] = firefox_session.cipher;
    return result;
  }
  Attempt permissive = handshake(o, Offer::permissive, firefox, Clock::now());
  result.chain_der = std::move(permissive.chain);
  if (permissive.session && !permissive.session->version.empty() && !permissive.session->cipher.empty()) {
    failure.values["accepted_version"] = permissive.session->version;
    failure.values["accepted_cipher"] = permissive.session->cipher;
    result.session = *permissive.session;
    result.session->firefox_offer = firefox_session.firefox_offer;
    result.session->firefox_prefs = firefox_session.firefox_prefs;
    result.session->firefox_outcome = firefox_session.firefox_outcome;
    result.session->handshake_ms += firefox_session.handshake_ms;
  } else {
    // Nothing negotiated even when offered everything: the permissive handshake's own failure, by its code.
    failure.values["accepted_failure"] = permissive.failure ? permissive.failure->code : std::string("no_answer");
  }
  return result;
}

}  // namespace certdoctor
