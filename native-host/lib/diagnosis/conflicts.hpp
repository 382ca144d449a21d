// Stored certificates in the profile that break a site: the same issuer and serial as a served certificate
// with other content, or a stored issuer with the served issuer's name and another key. Each comes with the
// situation it points to (a stale copy, devices sharing a factory serial, a CA reusing serials, ...).
#pragma once
#include <string>
#include <vector>

#include "diagnosis/model.hpp"
#include "profile/nss_store.hpp"
#include "profile/removal.hpp"

namespace certdoctor {

struct ConflictReport {
  std::vector<Conflict> conflicts;  // the diagnosis' `conflicts`
  std::vector<Finding> findings;    // one per situation recognised
};

// `chain` describes `chain_der` (same order); `profile` fills fix commands; `reported_error` (may be empty) lets
// the transient case be named.
ConflictReport find_conflicts(NssStore& store, const std::vector<std::string>& chain_der,
                              const std::vector<CertificateDescription>& chain, const std::string& profile,
                              const std::string& reported_error);


}  // namespace certdoctor
