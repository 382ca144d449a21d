// Targeted removal of one stored certificate, with a backup saved first and an exact undo. Backups live in
// <profile>/certdoctor-backups/: one JSON file per removal (the certificate's and its trust object's PKCS#11
// attributes, so that undo re-creates them byte for byte) and journal.jsonl, one line per removal or restore.
#pragma once
#include <nlohmann/json.hpp>

#include "profile/nss_store.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace certdoctor {

// Whether a stored certificate may be removed without --allow-trusted, and if not, why.
struct Removability {
  bool without_confirmation = true;
  std::string caution;  // why --allow-trusted is needed
  bool never = false;   // not even with --allow-trusted: its trust cannot be seen
};
Removability removability(const StoredCert& c);

// "AB:cd:..." or "abcd..." -> 64 lower-case hex digits; throws RequestError("invalid_field") otherwise.
std::string normalize_sha256(const std::string& text);

struct RemoveRequest {
  std::filesystem::path profile;
  std::string sha256;         // as given: any case, colons allowed
  bool allow_trusted = false; // trusted roots, certificates with a private key, distrusted certificates
  std::optional<std::string> url;  // recorded with the backup: what the removal was for
};

// Each of these opens the profile through enter_profile (profile/profile_access.hpp) first: run as root on another
// user's profile, they act as that user, for good, so that no file in the profile ends up owned by root and
// nothing the owner planted is written as root.
// Throws RequestError (not_found, needs_allow_trusted, ...) or StoreError; changes nothing when it throws
// before the deletion. Returns {removed: {...}, backup_id, verified_gone}.
nlohmann::json remove_certificate(const RemoveRequest& request);

// Puts back the named removal, or the last one not yet undone. Returns {restored: {...}, backup_id}.
nlohmann::json undo_removal(const std::filesystem::path& profile, const std::optional<std::string>& backup_id);

// Every backup in the profile, newest last: {id, removed_at, sha256, nickname, trust, subject, restored}.
nlohmann::json list_backups(const std::filesystem::path& profile);

}  // namespace certdoctor
