// What a diagnosis says, before it is put into words: a stable code (a row of the error table in diagnosis/),
// the values its texts are filled with, and the certificate and field it concerns. Lower layers (fetching,
// the profile) report their conditions as findings without knowing the texts.
#pragma once
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "base/conditions.hpp"

namespace certdoctor {

struct Finding {
  Finding() = default;
  // A condition certdoctor found itself.
  Finding(Condition c, nlohmann::json v = nlohmann::json::object()) : code(code_of(c)), values(std::move(v)) {}
  // An error Firefox shows, by the name pkix::firefox_code gives it (or the name Firefox reported).
  static Finding firefox_error(std::string_view name, nlohmann::json v = nlohmann::json::object()) {
    Finding f;
    f.code = name;
    f.values = std::move(v);
    return f;
  }

  std::string code;
  nlohmann::json values = nlohmann::json::object();
  std::optional<int> cert;  // index into the diagnosis' `chain`
  std::string field;        // the certificate field concerned, when there is one
};

}  // namespace certdoctor
