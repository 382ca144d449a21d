// Turns a verdict into the diagnosis' finding: the error's row of the table, the certificate it concerns (its index
// in `chain`; a certificate the server did not send has none, its facts are in the values as issuer_*), the
// field, and the values the row's explanation and fix are filled with.
#pragma once
#include <nlohmann/json.hpp>

#include "error_table.hpp"
#include "verdict.hpp"

namespace certdoctor {

struct ExplainContext {
  const nlohmann::json& chain;  // the diagnosis' described chain
  std::string url, host, host_port;
};

Finding explain_verdict(const Verdict& v, const std::vector<std::string>& chain_der, const ExplainContext& ctx);

// The values of one described certificate that templates use: subject, issuer, serial, dates, names, key, ...
nlohmann::json certificate_values(const nlohmann::json& described);

}  // namespace certdoctor
