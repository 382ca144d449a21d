#include "diagnosis/verdict_explain.hpp"

#include <algorithm>

#include "certificate/cert_info.hpp"

namespace certdoctor {

using json = nlohmann::json;
using pkix::Result;

// Facts only: the key as its type and size or curve, the names as one line ("" when there are none); the table's
// texts word them (diagnosis/fact_words), the extension in the user's language.
json certificate_values(const CertificateDescription& d) {
  json values = {{"subject", d.subject},
                 {"issuer", d.issuer},
                 {"serial", d.serial},
                 {"not_before", d.not_before},
                 {"not_after", d.not_after},
                 {"sha256", d.sha256},
                 {"names", d.names()},
                 {"signature_algorithm", d.signature_algorithm}};
  if (!d.parse_error) {
    const PublicKeyInfo& k = d.public_key;
    values["key_type"] = k.type;
    if (k.curve) values["key_curve"] = *k.curve;
    else if (k.bits) values["key_bits"] = *k.bits;
  }
  return values;
}

json site_values(const std::string& url, const std::string& host, const std::string& host_port) {
  const bool ip = host.find(':') != std::string::npos ||
                  std::all_of(host.begin(), host.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
  const std::string san_ext = (ip ? "IP:" : "DNS:") + host;
  // For commands that re-make the certificate: a subject and the subjectAltName line for this host.
  return {{"url", url}, {"host", host}, {"host_port", host_port}, {"san_ext", san_ext}, {"subj", "/CN=" + host},
          {"san_line", "subjectAltName=" + san_ext}};
}

Finding explain_verdict(const Verdict& v, const std::vector<std::string>& chain_der, const ExplainContext& ctx) {
  const std::string code(pkix::firefox_code(v.result));
  json values = ctx.chain.empty() ? json::object() : certificate_values(ctx.chain.at(0));
  values.update(site_values(ctx.url, ctx.host, ctx.host_port));
  // The verdict's own finding (the key of a chain that got through the handshake): what the server accepts is a
  // key Firefox cannot use; what Firefox offered and the profile's settings are not known here.
  if (v.result == Result::NoCypherOverlap) values["unusable_key"] = true;
  Finding f = Finding::firefox_error(code, values);
  f.field = pkix::facts(v.result).field;
  f.cert = 0;
  if (pkix::facts(v.result).about_issuer) {
    // The certificate that failed: the issuer tried whose own result became the reported one.
    auto it = std::find_if(v.attempts.begin(), v.attempts.end(), [&](const pkix::Attempt& a) {
      return pkix::as_issuer_result(a.result) == v.result || a.result == v.result;
    });
    if (it != v.attempts.end()) {
      const json issuer = certificate_values(describe_certificate(it->issuer_der));
      for (const auto& [k, val] : issuer.items()) f.values["issuer_" + k] = val;
      auto served = std::find(chain_der.begin(), chain_der.end(), it->issuer_der);
      f.cert = served != chain_der.end() ? std::optional<int>(static_cast<int>(served - chain_der.begin())) : std::nullopt;
    }
  }
  // Every row that speaks of an issuer can be filled, whatever the verdict: when no tried issuer failed with this
  // result, the served issuer stands in, and without one the leaf's issuer name (its dates are then unknown).
  if (!f.values.contains("issuer_subject")) {
    if (ctx.chain.size() > 1) {
      const json served_issuer = certificate_values(ctx.chain.at(1));
      for (const auto& [k, val] : served_issuer.items()) f.values["issuer_" + k] = val;
    } else {
      f.values["issuer_subject"] = values.value("issuer", "");  // its dates are not known: the issuer was not found
    }
  }
  f.values["overridable"] = v.overridable;
  return f;
}

Finding explain_reported(const Finding& verdict, const std::string& reported, const SessionFacts& session) {
  Finding f = verdict;
  f.code = reported;
  f.field.clear();
  // Handshake rows speak of the protocol and of what the server accepted: the connection certdoctor made. Whether
  // the server asks for a client certificate cannot be told from it (no client_certificate_requested).
  f.values.erase("unusable_key");
  if (!session.version.empty()) f.values["accepted_version"] = session.version;
  if (!session.cipher.empty()) f.values["accepted_cipher"] = session.cipher;
  if (!session.offered.empty()) f.values["offered"] = session.offered;
  f.values["prefs"] = session.prefs;
  return f;
}

}  // namespace certdoctor
