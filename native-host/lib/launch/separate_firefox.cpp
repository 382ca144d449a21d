#include "launch/separate_firefox.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <system_error>

#include "base/request_error.hpp"
#include "fetch/url.hpp"

namespace certdoctor {

namespace fs = std::filesystem;
namespace bp = boost::process;

namespace {

// A folder holds this file only when open_separately made it: the watcher removes nothing else, whatever its
// arguments say.
constexpr const char* kMarker = ".certdoctor-separate-profile";

// Prefs of the throw-away profile: none of certdoctor's own, only what keeps a first start from covering the
// device's page with Firefox's welcome tab, its default-browser question and its data-reporting bar.
constexpr const char* kUserJs =
    "user_pref(\"browser.aboutwelcome.enabled\", false);\n"
    "user_pref(\"browser.startup.homepage_override.mstone\", \"ignore\");\n"
    "user_pref(\"browser.shell.checkDefaultBrowser\", false);\n"
    "user_pref(\"datareporting.policy.dataSubmissionPolicyBypassNotification\", true);\n";

bool looks_like_firefox(const fs::path& program) {
  const std::string name = program.filename().string();
  return name.rfind("firefox", 0) == 0 && access(program.c_str(), X_OK) == 0;
}

}  // namespace

void validate_separate_url(const std::string& url) {
  if (url.rfind("https://", 0) != 0) {
    throw RequestError("invalid_url", "only an https page can be opened in a separate Firefox");
  }
  parse_target(url);  // throws invalid_url with the reason
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f) throw RequestError("invalid_url", "the URL contains a space or a control character");
  }
}

std::optional<fs::path> firefox_program(std::optional<int> browser_pid) {
  if (browser_pid) {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/" + std::to_string(*browser_pid) + "/exe", ec);
    if (!ec && looks_like_firefox(exe)) return exe;
  }
  for (const char* name : {"firefox-esr", "firefox"}) {
    fs::path found = bp::search_path(name).string();
    if (!found.empty()) return found;
  }
  return std::nullopt;
}

SeparateFirefox open_separately(const SeparateFirefoxRequest& request) {
  validate_separate_url(request.url);
  if (!looks_like_firefox(request.firefox)) {
    throw RequestError("launch_failed", "'" + request.firefox.string() + "' is not a Firefox program");
  }
  std::string tmpl = (fs::temp_directory_path() / "certdoctor-separate-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) {
    throw RequestError("launch_failed", "could not make a temporary profile folder in " +
                                            fs::temp_directory_path().string());
  }
  SeparateFirefox out;
  out.profile = tmpl;  // mkdtemp makes it 0700: only this user reads what is copied into it
  try {
    std::ofstream(out.profile / kMarker) << "a throw-away Firefox profile made by certdoctor; removed when that Firefox exits\n";
    std::ofstream(out.profile / "user.js") << kUserJs;
    if (request.trust_from) {
      // The authorities and exceptions the user's Firefox trusts, so that the device loads there as it would here.
      // Never key4.db: private keys and saved passwords stay in the user's profile.
      std::error_code ec;
      fs::copy_file(*request.trust_from / "cert9.db", out.profile / "cert9.db", ec);
      out.trust_copied = !ec;
      fs::copy_file(*request.trust_from / "cert_override.txt", out.profile / "cert_override.txt", ec);
    }
    bp::ipstream from_watcher;
    bp::child watcher(request.watcher.string(),
                      bp::args({std::string(kSeparateFirefoxWatcherFlag), request.firefox.string(),
                                out.profile.string(), request.url}),
                      bp::std_in<bp::null, bp::std_out> from_watcher, bp::std_err > bp::null);
    std::string line;
    std::getline(from_watcher, line);  // the watcher writes Firefox's process id, or closes without one
    if (line.empty() || line.find_first_not_of("0123456789") != std::string::npos) {
      watcher.wait();
      throw RequestError("launch_failed", "Firefox (" + request.firefox.string() + ") could not be started");
    }
    out.pid = std::stoi(line);
    watcher.detach();  // it lives on, in a session of its own, until that Firefox exits
  } catch (const RequestError&) {
    std::error_code ec;
    fs::remove_all(out.profile, ec);
    throw;
  } catch (const std::exception& e) {
    std::error_code ec;
    fs::remove_all(out.profile, ec);
    throw RequestError("launch_failed", std::string("the separate Firefox could not be started: ") + e.what());
  }
  return out;
}

int run_separate_firefox_watcher(int argc, char** argv) {
  if (argc != 5) return 2;
  const fs::path firefox = argv[2], profile = argv[3];
  const std::string url = argv[4];
  try {
    validate_separate_url(url);
  } catch (const RequestError&) {
    return 2;
  }
  if (!looks_like_firefox(firefox) || !fs::exists(profile / kMarker)) return 2;
  setsid();  // neither the host's end nor the browser's signals to the host reach the watcher
  std::signal(SIGHUP, SIG_IGN);
  std::signal(SIGPIPE, SIG_IGN);

  // The environment of the calling Firefox, without what would make the new one take over that Firefox's profile
  // or restart state.
  bp::environment env = boost::this_process::environment();
  for (const char* name : {"XRE_PROFILE_PATH", "XRE_PROFILE_LOCAL_PATH", "XRE_PROFILE_NAME", "XRE_START_OFFLINE",
                           "XRE_RESTARTED_BY_PROFILE_MANAGER", "MOZ_LAUNCHED_CHILD", "CERTDOCTOR_PROFILE"}) {
    env.erase(name);
  }
  int status = 0;
  try {
    bp::child browser(firefox.string(),
                      bp::args({std::string("--no-remote"), std::string("--new-instance"), std::string("--profile"),
                                profile.string(), url}),
                      env, bp::std_in<bp::null, bp::std_out> bp::null, bp::std_err > bp::null);
    std::cout << browser.id() << std::endl;
    // The host reads until the end of our stdout: close it now that it has the process id.
    int null_fd = open("/dev/null", O_WRONLY);
    if (null_fd >= 0) {
      dup2(null_fd, STDOUT_FILENO);
      close(null_fd);
    }
    browser.wait();
    status = browser.exit_code();
  } catch (const std::exception&) {
    status = 1;
  }
  std::error_code ec;
  if (fs::exists(profile / kMarker, ec)) fs::remove_all(profile, ec);
  return status;
}

}  // namespace certdoctor
