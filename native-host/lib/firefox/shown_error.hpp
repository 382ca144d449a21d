// What Firefox finally shows for a verdict, after its policy on the error page: an exception the user stored for
// this host, port and certificate (cert_override.txt) lets an overridable error through; on an HSTS host nothing
// can be bypassed and stored exceptions are ignored (measured: tests/browser/e2e-hsts.mjs).
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "firefox/verdict.hpp"
#include "profile/hsts.hpp"

namespace certdoctor {

// An exception stored for the site's host and port, and whether it is for the served certificate.
struct ExceptionMatch {
  std::string host_port, fingerprint;
  bool matches = false;
};

struct ShownError {
  std::optional<std::vector<ExceptionMatch>> exceptions;  // set when a profile was read
  std::string served_fingerprint;                         // the served certificate's, as exceptions write it
  std::optional<HstsStatus> hsts;
  std::optional<pkix::Result> error;  // what the error page says; nullopt: the page loads
  bool exception_applies = false;     // the verdict's error is let through by a stored exception
  bool overridable = false;           // the error page offers an exception (never on an HSTS host)
};

struct SiteAddress {
  std::string host;       // as in the URL, IPv6 without brackets
  std::uint16_t port = 0;
  std::string host_port;  // as cert_override.txt and the texts write it
};

// `served_leaf_der` is the certificate the server sent first; `profile` may be absent; `now` in seconds.
ShownError shown_error(const Verdict& verdict, std::string_view served_leaf_der, const SiteAddress& site,
                       const std::optional<std::filesystem::path>& profile, std::int64_t now);

}  // namespace certdoctor
