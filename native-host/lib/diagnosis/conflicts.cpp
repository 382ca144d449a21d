#include "diagnosis/conflicts.hpp"

#include "certificate/cert_info.hpp"
#include "pkix/signature.hpp"

namespace certdoctor {

namespace {

// How a finding names a certificate's site: its subjectAltNames, or its subject when it has none.
std::string names_of(const CertificateDescription& c) {
  std::string names = c.names();
  return names.empty() ? c.subject : names;
}

}  // namespace

Conflict conflict_of(const StoredCert& s, CertificateDescription described, int served_index, const std::string& reason) {
  Removability r = removability(s);
  return Conflict{s.sha256, s.nickname, s.trust_string(), std::move(described), served_index, reason,
                  r.without_confirmation, r.caution, std::nullopt};
}

ConflictReport find_conflicts(NssStore& store, const std::vector<std::string>& chain_der,
                              const std::vector<CertificateDescription>& chain, const std::string& profile,
                              const std::string& reported_error) {
  ConflictReport report;
  for (std::size_t i = 0; i < chain_der.size(); ++i) {
    const auto keys = cert_keys(chain_der[i]);
    if (!keys) continue;
    const CertificateDescription& served = chain.at(i);
    const int index = static_cast<int>(i);

    // Same issuer and serial, other bytes: NSS treats the pair as one certificate's identity.
    for (const auto& s : store.same_identity_other_bytes(chain_der[i])) {
      CertificateDescription stored = describe_certificate(s.der);
      nlohmann::json values = {{"profile", profile},          {"stored_sha256", s.sha256},
                               {"served_sha256", served.sha256}, {"nickname", s.nickname},
                               {"serial", served.serial},     {"issuer", served.issuer},
                               {"subject", served.subject},   {"stored_subject", stored.subject},
                               {"stored_names", names_of(stored)}, {"served_names", names_of(served)}};
      // The same names mean the same site re-made its certificate; other names mean another device (self-made
      // certificates with a fixed factory name and serial) or another site of the same CA.
      const bool same_site = stored.subject == served.subject && names_of(stored) == names_of(served);
      const Condition scenario = i > 0                ? Condition::stale_intermediate
                                 : same_site          ? Condition::stale_copy
                                 : served.self_issued ? Condition::shared_device_serial
                                                      : Condition::ca_serial_reuse;
      report.conflicts.push_back(conflict_of(s, std::move(stored), index, "same_issuer_and_serial"));
      Finding f(scenario, values);
      f.cert = index;
      f.field = "serial";
      report.findings.push_back(f);
    }

    // A stored certificate named like this certificate's issuer whose key did not sign it: an issuer that was
    // re-made (new key, old name) while the profile keeps the old one.
    if (served.self_issued) continue;
    for (const auto& s : store.by_subject(keys->issuer_der)) {
      // Only a signature that does not verify makes a conflict; a certificate that cannot be read proves nothing.
      if (pkix::verify_signed_by(pkix::as_input(chain_der[i]), pkix::as_input(s.der)) != pkix::Result::BadSignature) {
        continue;
      }
      bool served_twin = false;
      for (const auto& other : chain_der) served_twin = served_twin || other == s.der;
      if (served_twin) continue;
      report.conflicts.push_back(conflict_of(s, describe_certificate(s.der), index, "issuer_name_other_key"));
      Finding f(Condition::stale_issuer, {{"profile", profile}, {"stored_sha256", s.sha256}, {"nickname", s.nickname},
                                 {"issuer", served.issuer}, {"trust", s.trust_string()}});
      f.cert = index;
      f.field = "issuer";
      report.findings.push_back(f);
    }
  }
  if (report.conflicts.empty() && reported_error == pkix::firefox_code(pkix::Result::ReusedIssuerAndSerial) &&
      !chain_der.empty()) {
    const CertificateDescription& leaf = chain.at(0);
    Finding f(Condition::live_connection_conflict, {{"serial", leaf.serial}, {"issuer", leaf.issuer}});
    f.cert = 0;
    report.findings.push_back(f);
  }
  return report;
}

}  // namespace certdoctor
