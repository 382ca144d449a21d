// Turns a verdict into the diagnosis' finding: the error's row of the table, the certificate it concerns (index
// in `chain`, or in `path` for a certificate the server did not send), the field, and the values the row's
// explanation and fix are filled with.
#pragma once
#include <nlohmann/json.hpp>

#include "error_table.hpp"
#include "verdict.hpp"

namespace certdoctor {

struct ExplainContext {
  const nlohmann::json& chain;  // the diagnosis' described chain
  const nlohmann::json& path;   // the diagnosis' described path (may be empty)
  std::string url, host, host_port;
};

Finding explain_verdict(const Verdict& v, const std::vector<std::string>& chain_der, const ExplainContext& ctx);

// The values of one described certificate that templates use: subject, issuer, serial, dates, names, key, ...
nlohmann::json certificate_values(const nlohmann::json& described);

}  // namespace certdoctor
