// The removal an administrator orders by policy (the managed option `remove_certificates`, extension/schema.json):
// the extension sends the list when it starts and when the list changes; the host removes each listed certificate
// from this profile exactly as a user's removal does (remove_certificate: a backup, the journal, undo), under the
// same rules: a certificate is identified exactly (its SHA-256, or its issuer Name and serial INTEGER as DER, which
// NSS keys certificates by), built-in roots are never reached (the profile's store is opened without them), and a
// trusted or distrusted certificate goes only when its row says `allow_trusted`.
//
// Every outcome is appended to certdoctor-backups/policy.jsonl in the profile (what the admin finds on the
// machine) and returned, for the options page and the report the extension posts.
#pragma once
#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace certdoctor {

struct PolicyRow {
  std::optional<std::string> sha256;                   // normalised
  std::optional<std::string> issuer_der, serial_der;   // decoded bytes: a DER Name, a DER INTEGER
  std::string reason;
  bool allow_trusted = false;
  nlohmann::json as_given;  // the row as the policy wrote it, echoed in its outcome
};

// One row of the policy, checked: exactly one of sha256, or issuer and serial (each hex, colons allowed, or
// base64); a reason; allow_trusted true or false. Throws RequestError("invalid_field") naming what is wrong.
PolicyRow policy_row(const nlohmann::json& row);

// Removes each row's certificate from `profile`; one outcome per row, in order:
// {row, outcome: removed|not_stored|refused|failed, sha256?, backup_id?, removed?, error?: {code, message}, time}.
// A row that cannot be read is `failed` with invalid_field; the others are still carried out.
nlohmann::json remove_by_policy(const std::filesystem::path& profile, const nlohmann::json& rows);

}  // namespace certdoctor
