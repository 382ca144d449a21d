// Fetches the certificate chain a server presents, with OpenSSL, verifying nothing: judging the chain is the
// verdict engine's job, done the way Firefox does it. The first handshake offers exactly what Firefox offers
// (fetch/firefox_hello: versions, suites in order, groups, signature algorithms, extensions, as this profile's
// prefs change them), so its outcome is the one Firefox meets, named as Firefox names it. Only when it fails is the
// chain fetched again accepting whatever an old device speaks (TLS 1.0-1.3, security level 0, legacy
// renegotiation), so that the certificate can still be diagnosed and the finding can say what the server accepts.
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
  // Firefox pref name -> value, from the profile (profile/prefs: prefs.js, user.js, enterprise policies); they
  // change what the first handshake offers. Empty: Firefox's defaults.
  nlohmann::json firefox_prefs = nlohmann::json::object();
};

struct TlsSession {
  std::string address;  // where the TCP connection went (the proxy, when one is used)
  std::uint16_t port = 0;
  std::string proxy;    // the proxy's URL, when one was used
  std::string sni;      // empty for IP literals, as Firefox sends none
  std::string version;  // "TLSv1.3", ...
  std::string cipher;   // IANA-style OpenSSL name
  std::string group;    // key exchange group, when known
  std::string firefox_outcome;  // "loads", or the name of the error Firefox's own handshake met
  std::string firefox_offer;    // what that handshake offered (versions; suites), for people
  std::vector<std::string> firefox_prefs;  // the profile's settings that changed the offer, "pref=value"
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
