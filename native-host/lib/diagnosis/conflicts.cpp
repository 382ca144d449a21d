#include "diagnosis/conflicts.hpp"

#include "certificate/cert_info.hpp"

namespace certdoctor {

using json = nlohmann::json;

namespace {

std::string names_of(const json& described) {
  std::string out;
  for (const auto& n : described.value("subject_alt_names", json::array())) {
    out += (out.empty() ? "" : ", ") + n.value("value", "");
  }
  return out.empty() ? described.value("subject", "") : out;
}

}  // namespace

json conflict_json(const StoredCert& s, const json& described, int served_index, const std::string& reason) {
  Removability r = removability(s);
  json c = {{"sha256", s.sha256},
            {"nickname", s.nickname},
            {"trust", s.trust_string()},
            {"subject", described.value("subject", "")},
            {"issuer", described.value("issuer", "")},
            {"serial", described.value("serial", "")},
            {"not_before", described.value("not_before", "")},
            {"not_after", described.value("not_after", "")},
            {"cert", served_index},
            {"reason", reason},
            {"removable", r.without_confirmation}};
  if (!r.caution.empty()) c["caution"] = r.caution;
  return c;
}

ConflictReport find_conflicts(NssStore& store, const std::vector<std::string>& chain_der, const json& chain,
                              const std::string& profile, const std::string& reported_error) {
  ConflictReport report;
  for (std::size_t i = 0; i < chain_der.size(); ++i) {
    const auto keys = cert_keys(chain_der[i]);
    if (!keys) continue;
    const json& served = chain.at(i);
    const int index = static_cast<int>(i);

    // Same issuer and serial, other bytes: NSS treats the pair as one certificate's identity.
    for (const auto& s : store.by_issuer_serial(keys->issuer_der, keys->serial_der)) {
      if (s.der == chain_der[i]) continue;
      const json stored = describe_certificate(s.der);
      json values = {{"profile", profile},          {"stored_sha256", s.sha256},
                     {"served_sha256", served["sha256"]}, {"nickname", s.nickname},
                     {"serial", served["serial"]},   {"issuer", served["issuer"]},
                     {"subject", served["subject"]}, {"stored_subject", stored.value("subject", "")},
                     {"stored_names", names_of(stored)}, {"served_names", names_of(served)}};
      // The same names mean the same site re-made its certificate; other names mean another device (self-made
      // certificates with a fixed factory name and serial) or another site of the same CA.
      const bool same_site = stored.value("subject", "") == served.value("subject", "") &&
                             names_of(stored) == names_of(served);
      std::string scenario;
      if (i > 0) scenario = "stale_intermediate";
      else if (same_site) scenario = "stale_copy";
      else if (served.value("self_issued", false)) scenario = "shared_device_serial";
      else scenario = "ca_serial_reuse";
      report.conflicts.push_back(conflict_json(s, stored, index, "same_issuer_and_serial"));
      Finding f(scenario, values);
      f.cert = index;
      f.field = "serial";
      report.findings.push_back(f);
    }

    // A stored certificate named like this certificate's issuer whose key did not sign it: an issuer that was
    // re-made (new key, old name) while the profile keeps the old one.
    if (served.value("self_issued", false)) continue;
    for (const auto& s : store.by_subject(keys->issuer_der)) {
      if (signature_verifies(chain_der[i], s.der)) continue;
      bool served_twin = false;
      for (const auto& other : chain_der) served_twin = served_twin || other == s.der;
      if (served_twin) continue;
      const json stored = describe_certificate(s.der);
      report.conflicts.push_back(conflict_json(s, stored, index, "issuer_name_other_key"));
      Finding f("stale_issuer", {{"profile", profile}, {"stored_sha256", s.sha256}, {"nickname", s.nickname},
                                 {"issuer", served["issuer"]}, {"trust", s.trust_string()}});
      f.cert = index;
      f.field = "issuer";
      report.findings.push_back(f);
    }
  }
  if (report.conflicts.empty() && reported_error == "SEC_ERROR_REUSED_ISSUER_AND_SERIAL" && !chain_der.empty()) {
    const json& leaf = chain.at(0);
    Finding f("live_connection_conflict", {{"serial", leaf["serial"]}, {"issuer", leaf["issuer"]}});
    f.cert = 0;
    report.findings.push_back(f);
  }
  return report;
}

}  // namespace certdoctor
