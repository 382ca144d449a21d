// What Firefox shows for a served chain, decided the way Firefox decides it: the reused issuer + serial check of
// the handshake, then path building with strong and then weak RSA key sizes and three key usages, the
// self-signed special case, and the host name. Never asks Firefox, never uses another verifier. Never throws a
// StoreError: a database failing on the way is the verdict's store_failure.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "profile/nss_store.hpp"
#include "pkix/build.hpp"

namespace certdoctor {

struct VerdictInput {
  std::vector<std::string> chain_der;  // as served, leaf first
  std::string host;                    // as in the URL (names without brackets for IPv6)
  NssStore* profile = nullptr;
  NssStore* builtins = nullptr;
  std::int64_t now = 0;  // seconds since the epoch
  std::vector<std::string> left_out;  // DER of profile certificates to judge without: what removing them changes
};

struct Verdict {
  pkix::Result result = pkix::Result::Success;  // Success: the page loads (before exceptions)
  std::vector<std::string> path;                // end entity first, when a path to an anchor was built
  std::vector<std::string> path_sources;        // "served", "profile", "builtin" for each path element
  bool root_is_builtin = false;
  std::vector<pkix::Attempt> attempts;          // issuers tried, to explain a failure
  bool overridable = false;                     // the user may add an exception for this error
  // Set when a database failed while the chain was judged (result FatalLibraryFailure): no verdict, but what failed.
  std::optional<StoreError> store_failure;
};

Verdict firefox_verdict(const VerdictInput& in);

}  // namespace certdoctor
