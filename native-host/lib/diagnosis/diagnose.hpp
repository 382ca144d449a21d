// The diagnosis: from a URL (and the code Firefox reported, when known) to the object that the CLI prints
// and the host sends to the extension. docs/PROTOCOL.md describes every field.
#pragma once
#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "diagnosis/error_table.hpp"
#include "diagnosis/model.hpp"
#include "profile/profile_locate.hpp"
#include "fetch/url.hpp"

namespace certdoctor {

struct DiagnoseRequest {
  std::string url;
  std::optional<std::string> reported_error;  // e.g. "SEC_ERROR_REUSED_ISSUER_AND_SERIAL"
  std::vector<std::string> resolve;           // HOST:PORT:ADDRESS, as curl's --resolve
  std::optional<std::string> proxy;           // http://host:port
  std::vector<std::string> compare;           // other sites (the user's open https tabs): who holds our identity
  ProfileQuery profile;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds handshake_timeout{10000};
};

// Checks everything in the request that does not need the network (URL, --resolve, proxy, error name);
// throws RequestError. diagnose() starts with it.
void validate_request(const DiagnoseRequest& request);

// Throws RequestError when the request itself is unusable (bad URL, bad --resolve, ...). Anything about the
// site or the profile, however bad, is a finding in the returned diagnosis (to_json, render_text serialise it).
Diagnosis diagnose(const DiagnoseRequest& request);

// The check a remove or an undo may ask for afterwards. Validated with the request, before the profile is
// touched (throws RequestError); after the change, verdict_after never throws.
struct AfterCheck {
  std::string url;
  std::vector<std::string> resolve;
  std::optional<std::string> proxy;
};
void validate_after_check(const AfterCheck& check);

// What Firefox will show for the site now (after a removal or an undo): {firefox_error, overridable, title},
// the title being the first finding's. When the site could not be judged, or the check itself failed,
// {error, findings: [...]}: the change is done either way, and the reply must still say so.
nlohmann::json verdict_after(const AfterCheck& check, const std::filesystem::path& profile);

// The values every template may use to build a command the user can paste (site_values, and the port), added to
// a finding about reaching the site.
void add_site_values(Finding& f, const std::string& url, const Target& target);

// Checks the shape of an error name as Firefox reports it (upper case, digits, '_'); throws RequestError.
void check_error_name(const std::string& name);

}  // namespace certdoctor
