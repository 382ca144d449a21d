// Fetches the certificate chain a server presents, with OpenSSL, accepting whatever an old device speaks
// (TLS 1.0-1.3, security level 0, legacy renegotiation) and verifying nothing: judging the chain is the
// verdict engine's job, done the way Firefox does it.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/finding.hpp"
#include "fetch/net.hpp"
#include "fetch/url.hpp"

namespace certdoctor {

struct FetchOptions {
  Target target;
  std::vector<ResolveOverride> resolve;
  std::optional<ProxySpec> proxy;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds handshake_timeout{10000};
};

struct TlsSession {
  std::string address;  // where the TCP connection went (the proxy, when one is used)
  std::uint16_t port = 0;
  std::string proxy;    // the proxy's URL, when one was used
  std::string sni;      // empty for IP literals, as Firefox sends none
  std::string version;  // "TLSv1.3", ...
  std::string cipher;   // IANA-style OpenSSL name
  std::string group;    // key exchange group, when known
  bool handshake_complete = false;
  double connect_ms = 0;
  double handshake_ms = 0;
};

struct FetchResult {
  std::optional<TlsSession> session;  // set once TCP (and the tunnel) is up
  std::vector<std::string> chain_der; // as presented, leaf first (captured even if the handshake fails later)
  std::optional<Finding> failure;     // why the fetch stopped short, if it did
};

FetchResult fetch_chain(const FetchOptions& options);

}  // namespace certdoctor
