// "Open this device in a separate Firefox": the one remedy for a certificate Firefox holds in memory that the user
// can have at once, without restarting. Measured (tests/browser/measure-twins.mjs): a new Firefox process with a
// profile of its own loads the refused device while the first Firefox keeps refusing it. This is the platform
// edge that starts it: a throw-away profile folder, the calling Firefox's own program, the page's https URL as the
// only argument from the request, and a watcher that removes the folder when that Firefox exits.
#pragma once
#include <filesystem>
#include <optional>
#include <string>

namespace certdoctor {

// The first argument that makes certdoctor-host the watcher (see run_separate_firefox_watcher).
inline constexpr const char* kSeparateFirefoxWatcherFlag = "--watch-separate-firefox";

// Checks that `url` is an https URL Firefox could load, so that it can only ever be a page to open (never an
// option); throws RequestError("invalid_url").
void validate_separate_url(const std::string& url);

// The program of the Firefox with process id `browser_pid` (/proc/PID/exe) when it is a Firefox; otherwise the
// first of firefox-esr, firefox on PATH. nullopt when there is none.
std::optional<std::filesystem::path> firefox_program(std::optional<int> browser_pid);

struct SeparateFirefoxRequest {
  std::filesystem::path firefox;                 // the program to start
  std::string url;                               // the page, https only (validated again here)
  std::optional<std::filesystem::path> trust_from;  // a profile whose cert9.db and cert_override.txt are copied
  std::filesystem::path watcher;                 // certdoctor-host itself
};

struct SeparateFirefox {
  int pid = 0;                      // the throw-away Firefox's process id
  std::filesystem::path profile;    // its temporary profile folder, removed when it exits
  bool trust_copied = false;        // whether the authorities and exceptions of trust_from came along
};

// Makes the folder, starts the watcher (detached, in a session of its own, so that it outlives the host, which
// Firefox ends soon after the reply) and returns once the watcher has started Firefox. Throws RequestError
// ("launch_failed") with a reason; the folder is then gone again.
SeparateFirefox open_separately(const SeparateFirefoxRequest& request);

// certdoctor-host --watch-separate-firefox FIREFOX PROFILE URL: starts FIREFOX on PROFILE with URL, writes its
// process id on stdout, waits for it to exit, then removes PROFILE (only a folder this code made: it holds the
// marker file). Returns the exit status for main.
int run_separate_firefox_watcher(int argc, char** argv);

}  // namespace certdoctor
