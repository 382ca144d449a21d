// The diagnosis as the protocol's JSON object (docs/PROTOCOL.md): the only place where the model becomes JSON.
// The CLI's --json, the host's diagnose reply and the after-check of a remove or undo all go through it.
#pragma once
#include <nlohmann/json.hpp>

#include "diagnosis/model.hpp"

namespace certdoctor {

nlohmann::json to_json(const CertificateDescription& c);
nlohmann::json to_json(const Diagnosis& d);

}  // namespace certdoctor
