// certdoctor-host: the native-messaging front end. Firefox starts it with argv = [manifest path, extension id]
// and talks to it over stdin/stdout; all the work is done by the engine library.
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <iostream>

#include "base/build_info.hpp"
#include "protocol/framing.hpp"
#include "profile/firefox_nss.hpp"
#include "profile/profile_locate.hpp"
#include "protocol/protocol.hpp"
#include "launch/separate_firefox.hpp"

int main(int argc, char** argv) {
  using namespace certdoctor;
  std::signal(SIGPIPE, SIG_IGN);  // a vanished browser is noticed as a failed write, not a crash
  if (argc >= 2 && std::string_view(argv[1]) == "--version") {
    std::cout << "certdoctor-host " << build::version << "\n";
    return 0;
  }
  // The watcher of a separate Firefox (open_separately) is this program, started by itself.
  if (argc >= 2 && std::string_view(argv[1]) == kSeparateFirefoxWatcherFlag) return run_separate_firefox_watcher(argc, argv);
  if (argc < 2 && isatty(STDIN_FILENO)) {
    std::cerr << "certdoctor-host is started by Firefox (native messaging name '" << build::host_name
              << "').\nTo diagnose a site from a terminal, run: certdoctor diagnose https://HOST/\n";
    return 2;
  }

  HostContext ctx;
  ctx.caller = argc >= 3 ? argv[2] : "";
  ctx.caller_allowed = ctx.caller == build::extension_id;
  ctx.browser_pid = static_cast<int>(getppid());
  // The profile is read with the NSS of the Firefox that started the host, the one that wrote it.
  if (auto dir = parent_executable_dir(); dir && nss_libraries_in(*dir)) set_owning_firefox(*dir, NssSource::parent_process);
  if (const char* p = std::getenv("CERTDOCTOR_PROFILE"); p && *p) ctx.profile_dir = p;
  if (const char* r = std::getenv("CERTDOCTOR_RESOLVE")) {
    std::string_view rest = r;
    while (!rest.empty()) {
      std::size_t comma = rest.find(',');
      if (comma != 0) ctx.resolve.emplace_back(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  ctx.home = current_home();
  if (!ctx.caller_allowed) {
    std::cerr << "certdoctor-host: refusing caller '" << ctx.caller << "': only " << build::extension_id
              << " is allowed\n";
  }

  for (;;) {
    Frame frame = read_frame(STDIN_FILENO);
    if (frame.status == FrameStatus::eof) return 0;
    nlohmann::json reply = frame.status == FrameStatus::ok ? handle_message(frame.payload, ctx)
                                                           : frame_error_reply(frame.status, frame.declared_length);
    if (!write_frame(STDOUT_FILENO, encode_reply(reply))) return 0;  // the browser went away
    if (frame.status == FrameStatus::truncated) return 0;             // nothing more can follow
  }
}
