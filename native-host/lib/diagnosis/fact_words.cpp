#include "diagnosis/fact_words.hpp"

#include <string>

#include "diagnosis/catalog.hpp"
#include "diagnosis/error_table.hpp"

namespace certdoctor {

using json = nlohmann::json;

namespace {

std::string text(const json& facts, const char* name) {
  const auto it = facts.find(name);
  if (it == facts.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

void put(json& out, const std::string& name, const std::string& words) {
  if (!out.contains(name)) out[name] = words;
}

// A certificate's key and names (certificate_values), for the certificate itself and for its issuer.
void certificate_words(json& out, const json& facts, const std::string& prefix) {
  if (facts.contains(prefix + "key_type")) {
    const std::string type = facts.at(prefix + "key_type").get<std::string>();
    if (facts.contains(prefix + "key_curve")) put(out, prefix + "key", type + " " + facts.at(prefix + "key_curve").get<std::string>());
    else if (facts.contains(prefix + "key_bits")) put(out, prefix + "key", catalog_words("keyBits", {type, facts.at(prefix + "key_bits").dump()}));
    else put(out, prefix + "key", type);
  }
  if (facts.contains(prefix + "names") && facts.at(prefix + "names") == "") out[prefix + "names"] = catalog_words("namesNone");
}

// What Firefox's handshake offered and met, and what the server accepts (fetch/tls_fetch, verdict_explain).
void handshake_words(json& out, const json& facts) {
  if (!facts.contains("offered")) put(out, "offered", catalog_words("offeredDefault"));
  if (!facts.contains("prefs")) {
    put(out, "profile_settings", catalog_words("profileSettingsUnknown"));
  } else {
    std::string settings;
    for (const auto& p : facts.at("prefs")) settings += (settings.empty() ? "" : ", ") + p.get<std::string>();
    put(out, "profile_settings", settings.empty() ? catalog_words("profileDefaults") : settings);
  }
  const auto asked = facts.find("client_certificate_requested");
  put(out, "client_certificate", asked == facts.end() ? catalog_words("clientCertificateUnknown")
                                 : asked->get<bool>() ? catalog_words("clientCertificateAsked")
                                                      : catalog_words("clientCertificateNotAsked"));
  const std::string version = text(facts, "accepted_version"), cipher = text(facts, "accepted_cipher");
  if (facts.value("unusable_key", false)) put(out, "accepted", catalog_words("keyUnusable", {text(out, "key")}));
  else if (!version.empty() && !cipher.empty()) put(out, "accepted", catalog_words("acceptedProtocol", {version, cipher}));
  else put(out, "accepted", catalog_words("acceptedNothing"));
  put(out, "version", version.empty() ? catalog_words("versionUnknown") : version);
}

}  // namespace

json with_words(const ErrorRow& row, const json& facts) {
  json out = facts;
  certificate_words(out, facts, "");
  certificate_words(out, facts, "issuer_");
  if (facts.contains("issuer_subject")) {
    for (const char* date : {"issuer_not_before", "issuer_not_after"}) put(out, date, catalog_words("issuerDatesUnknown"));
  }
  if (row.result || row.code == "handshake_alert") handshake_words(out, facts);
  // What removing a stored certificate leaves Firefox showing (stored_culprits).
  if (facts.contains("after_error")) {
    const std::string error = text(facts, "after_error"), root = text(facts, "after_root");
    std::string after = error.empty() ? catalog_words("afterThenLoads") : catalog_words("afterThenShows", {error});
    if (!root.empty()) after += " " + catalog_words("afterPathTo", {root});
    put(out, "after_text", after);
  }
  if (facts.contains("why")) {
    const std::string why = text(facts, "why");
    put(out, "why_text", why == "other_key" ? catalog_words("whyOtherKey")
                         : why == "expired" ? catalog_words("whyExpired")
                                            : catalog_words("whyNotYetValid"));
  }
  if (row.code == "issuer_not_sent") {
    const std::string url = text(facts, "aia_url");
    put(out, "where", url.empty() ? "" : " " + catalog_words("aiaWhere", {url}));
  }
  if (facts.contains("include_subdomains")) {
    put(out, "subdomains", facts.at("include_subdomains").get<bool>() ? catalog_words("hstsSubdomains") : "");
  }
  if (row.code == "prediction_differs") put(out, "predicted", catalog_words("predictedNone"));
  return out;
}

}  // namespace certdoctor
