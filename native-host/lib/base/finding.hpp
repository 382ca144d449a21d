// What a diagnosis says, before it is put into words: a stable code (a row of the error table in diagnosis/),
// the values its texts are filled with, and the certificate and field it concerns. Lower layers (fetching,
// the profile) report their conditions as findings without knowing the texts.
#pragma once
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace certdoctor {

struct Finding {
  Finding() = default;
  Finding(std::string c, nlohmann::json v = nlohmann::json::object()) : code(std::move(c)), values(std::move(v)) {}

  std::string code;
  nlohmann::json values = nlohmann::json::object();
  std::optional<int> cert;  // index into the diagnosis' `chain`
  std::string field;        // the certificate field concerned, when there is one
};

}  // namespace certdoctor
