#include "protocol/open_separately.hpp"

#include "base/request_error.hpp"
#include "launch/separate_firefox.hpp"
#include "profile/profile_locate.hpp"

namespace certdoctor {

using json = nlohmann::json;

json handle_open_separately(const json& req, const HostContext& ctx) {
  // Only the page's address comes from the request: a field the protocol does not define is refused rather than
  // ignored, so that nothing else can be mistaken for a way to pass arguments to Firefox.
  for (const auto& [key, value] : req.items()) {
    if (key != "id" && key != "type" && key != "url") {
      throw RequestError("invalid_field", "'" + key.substr(0, 40) + "' is not a field of open_separately");
    }
  }
  auto url = req.find("url");
  if (url == req.end() || !url->is_string()) {
    throw RequestError("invalid_field", "'url' is required: the https address of the tab's page");
  }
  validate_separate_url(url->get<std::string>());
  auto program = firefox_program(ctx.browser_pid);
  if (!program) throw RequestError("launch_failed", "no Firefox program was found to start");
  // The calling Firefox's profile lends its authorities and exceptions (copied, never changed).
  ProfileChoice trust = choose_profile({ctx.profile_dir, ctx.browser_pid, ctx.home});
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw RequestError("launch_failed", "the host cannot find its own program to watch the separate Firefox");
  SeparateFirefox started = open_separately({*program, url->get<std::string>(), trust.dir, self});
  return {{"pid", started.pid},
          {"profile", started.profile.string()},
          {"firefox", program->string()},
          {"trust_copied", started.trust_copied},
          {"url", url->get<std::string>()}};
}

}  // namespace certdoctor
