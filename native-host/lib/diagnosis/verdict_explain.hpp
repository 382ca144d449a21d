// Turns a verdict into the diagnosis' finding: the error's row of the table, the certificate it concerns (its index
// in `chain`; a certificate the server did not send has none, its facts are in the values as issuer_*), the
// field, and the values the row's explanation and fix are filled with.
#pragma once
#include <nlohmann/json.hpp>

#include "certificate/cert_info.hpp"
#include "diagnosis/error_table.hpp"
#include "firefox/verdict.hpp"

namespace certdoctor {

struct ExplainContext {
  const std::vector<CertificateDescription>& chain;  // the served chain, described
  std::string url, host, host_port;
};

Finding explain_verdict(const Verdict& v, const std::vector<std::string>& chain_der, const ExplainContext& ctx);

// What certdoctor's own connection negotiated, for rows that speak of the handshake.
struct SessionFacts {
  std::string version, cipher;
  std::string offered;                // what Firefox's handshake offered (fetch/firefox_hello), when known
  std::vector<std::string> prefs;     // the profile's settings that changed that offer
};

// The code Firefox reported, when it differs from the verdict, explained with the same certificate's facts and
// the connection's: a finding whose every placeholder is filled, whichever row the reported code is.
Finding explain_reported(const Finding& verdict, const std::string& reported, const SessionFacts& session);

// The values of the site that templates use, whatever the finding: url, host, host_port, and for commands that
// re-make a certificate for it subj, san_ext and san_line.
nlohmann::json site_values(const std::string& url, const std::string& host, const std::string& host_port);

// The values of one described certificate that templates use: subject, issuer, serial, dates, names, key, ...
nlohmann::json certificate_values(const CertificateDescription& described);

}  // namespace certdoctor
