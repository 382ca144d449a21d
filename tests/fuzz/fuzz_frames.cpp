// Fuzz target: bytes from Firefox. Frames are read from a file descriptor exactly as the host reads stdin, and
// every frame that arrives is dispatched as the host would (a diagnose request is parsed and validated but does
// not go to the network), and its reply encoded within the 1 MiB limit.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

#include "diagnosis/diagnose.hpp"
#include "protocol/framing.hpp"
#include "protocol/protocol.hpp"
#include "base/request_error.hpp"

using namespace certdoctor;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  int fd = memfd_create("frames", 0);
  if (fd < 0) std::abort();
  if (size && write(fd, data, size) != static_cast<ssize_t>(size)) std::abort();
  lseek(fd, 0, SEEK_SET);
  HostContext ctx;
  ctx.caller = "certdoctor@certdoctor.dev";
  ctx.caller_allowed = true;
  ctx.profile_dir = "/nonexistent/certdoctor-fuzz-profile";  // remove and undo fail fast, touching nothing
  ctx.home = "/nonexistent";
  for (int frames = 0; frames < 64; ++frames) {
    Frame f = read_frame(fd, 4096);
    if (f.status == FrameStatus::eof) break;
    if (f.status != FrameStatus::ok) {
      (void)encode_reply(frame_error_reply(f.status, f.declared_length));
      if (f.status == FrameStatus::truncated) break;
      continue;
    }
    auto req = nlohmann::json::parse(f.payload, nullptr, false);
    if (req.is_object() && req.value("type", nlohmann::json()).is_string() && req["type"] == "diagnose") {
      try {
        validate_request(diagnose_request(req, ctx));
      } catch (const RequestError&) {
      }
      continue;
    }
    (void)encode_reply(handle_message(f.payload, ctx), 2048);
  }
  close(fd);
  return 0;
}
