// The conditions certdoctor finds itself (a site it cannot reach, a stored certificate in the way, a profile it
// cannot use, ...), as opposed to the errors Firefox shows (pkix/result.hpp). Each has a lower-case code, the one
// the protocol carries, and a row of words in diagnosis/error_table.cpp keyed on it (a unit test checks each has
// one). Code names a Condition, never a string, so a misspelt condition does not compile.
#pragma once
#include <string_view>

namespace certdoctor {

#define CERTDOCTOR_CONDITIONS(X)                                                                                    \
  /* reaching the server */                                                                                         \
  X(dns_failed) X(connection_refused) X(connect_failed) X(connect_timeout) X(proxy_failed) X(not_tls)               \
  X(connection_closed) X(handshake_timeout) X(handshake_failed) X(no_certificate) X(handshake_alert)                \
  /* stored certificates that break the site */                                                                     \
  X(stale_copy) X(shared_device_serial) X(ca_serial_reuse) X(stale_intermediate) X(stale_issuer)                    \
  X(stored_distrust) X(stale_anchor) X(live_connection_conflict) X(open_site_conflict) X(compare_incomplete)         \
  /* how the verdict was reached, and Firefox's error page */                                                       \
  X(prediction_differs) X(builtin_roots_unavailable) X(exception_applies) X(stale_exception) X(issuer_not_sent)     \
  X(not_overridable) X(hsts_host) X(hsts_preloaded)                                                                 \
  /* the profile and its certificate database */                                                                    \
  X(profile_not_found) X(profile_unusable) X(store_missing) X(store_unreadable) X(store_corrupt) X(store_read_only) \
  X(store_password) X(store_failed) X(after_check_failed)

enum class Condition {
#define CERTDOCTOR_CONDITION_ENUM(name) name,
  CERTDOCTOR_CONDITIONS(CERTDOCTOR_CONDITION_ENUM)
#undef CERTDOCTOR_CONDITION_ENUM
};

// The condition's code, as the protocol and the error table write it.
constexpr std::string_view code_of(Condition c) {
  switch (c) {
#define CERTDOCTOR_CONDITION_CASE(name) \
  case Condition::name:                 \
    return #name;
    CERTDOCTOR_CONDITIONS(CERTDOCTOR_CONDITION_CASE)
#undef CERTDOCTOR_CONDITION_CASE
  }
  return "";
}

// Every condition, for tables and tests.
inline constexpr Condition kConditions[] = {
#define CERTDOCTOR_CONDITION_ITEM(name) Condition::name,
    CERTDOCTOR_CONDITIONS(CERTDOCTOR_CONDITION_ITEM)
#undef CERTDOCTOR_CONDITION_ITEM
};

}  // namespace certdoctor
