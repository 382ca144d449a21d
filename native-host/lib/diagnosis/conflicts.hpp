// Stored certificates in the profile that break a site: the same issuer and serial as a served certificate
// with other content, or a stored issuer with the served issuer's name and another key. Each comes with the
// situation it points to (a stale copy, devices sharing a factory serial, a CA reusing serials, ...).
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "diagnosis/error_table.hpp"
#include "profile/nss_store.hpp"
#include "profile/removal.hpp"

namespace certdoctor {

struct ConflictReport {
  nlohmann::json conflicts = nlohmann::json::array();  // the diagnosis' `conflicts`
  std::vector<Finding> findings;                        // one per situation recognised
};

// One `conflicts` entry: the stored certificate (`described` is its description), the index of the served
// certificate it breaks, and the reason ("same_issuer_and_serial", "issuer_name_other_key", ...).
nlohmann::json conflict_json(const StoredCert& s, const nlohmann::json& described, int served_index,
                             const std::string& reason);

// `chain` is the diagnosis' description of `chain_der` (same order); `profile` fills fix commands;
// `reported_error` (may be empty) lets the transient case be named.
ConflictReport find_conflicts(NssStore& store, const std::vector<std::string>& chain_der, const nlohmann::json& chain,
                              const std::string& profile, const std::string& reported_error);


}  // namespace certdoctor
