// The host's side of docs/PROTOCOL.md: one handler per message type, one reply envelope, stable error codes.
#pragma once
#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "diagnosis/diagnose.hpp"
#include "protocol/framing.hpp"

namespace certdoctor {

inline constexpr int kProtocolVersion = 1;

// Every error code a reply can carry ({ok: false, error: {code, message}}): the `reply` rows of the one table of
// codes (codes/codes.def); docs/PROTOCOL.md explains each. Store failures carry the error table's store_* codes
// (store_missing, store_corrupt, store_password, ...).
inline constexpr std::string_view kProtocolErrorCodes[] = {
#define CERTDOCTOR_REQUEST_ERROR(code, where) CERTDOCTOR_REQUEST_ERROR_##where(code)
#define CERTDOCTOR_REQUEST_ERROR_reply(code) #code,
#define CERTDOCTOR_REQUEST_ERROR_cli(code)
#include "codes/codes.def"
#undef CERTDOCTOR_REQUEST_ERROR_reply
#undef CERTDOCTOR_REQUEST_ERROR_cli
};

// Who is asking, as the host learned it when Firefox started it.
struct HostContext {
  std::string caller;   // the extension id Firefox passed in argv
  bool caller_allowed = false;
  std::optional<int> browser_pid;                     // the parent process (the calling Firefox)
  std::optional<std::filesystem::path> profile_dir;   // CERTDOCTOR_PROFILE, set by whoever starts the host
  // CERTDOCTOR_RESOLVE: "HOST:PORT:ADDRESS,..." as curl's --resolve, for names the host's resolver does not know
  // (split DNS, a name Firefox resolves through its own settings, the built-in demo); added to every request.
  std::vector<std::string> resolve;
  std::filesystem::path home;
};

nlohmann::json ok_reply(const nlohmann::json& id, nlohmann::json result);
nlohmann::json error_reply(const nlohmann::json& id, std::string_view code, std::string_view message);

// Parses one request payload and answers it; never throws.
nlohmann::json handle_message(std::string_view payload, const HostContext& ctx);

// The diagnose request a message carries (fields checked for type; values checked by validate_request).
DiagnoseRequest diagnose_request(const nlohmann::json& req, const HostContext& ctx);

// The reply for a frame that could not be read (too large, truncated).
nlohmann::json frame_error_reply(FrameStatus status, std::uint64_t declared_length);

// Serialises a reply so that it fits in `limit` bytes: the longest arrays in the result are cut (and the
// cuts listed in "omitted", with "truncated": true) until it fits. Invalid UTF-8 is replaced, never thrown on.
std::string encode_reply(nlohmann::json reply, std::size_t limit = kMaxReplyBytes);

}  // namespace certdoctor
