#include "protocol/framing.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace certdoctor {
namespace {

// Reads up to n bytes into buf (nullptr: discard them); returns how many arrived before end of stream.
std::size_t read_fully(int fd, char* buf, std::size_t n) {
  char sink[16 * 1024];
  std::size_t got = 0;
  while (got < n) {
    std::size_t want = buf ? n - got : std::min(n - got, sizeof sink);
    ssize_t r = ::read(fd, buf ? buf + got : sink, want);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<std::size_t>(r);
  }
  return got;
}

}  // namespace

Frame read_frame(int fd, std::size_t max_bytes) {
  Frame f;
  char header[4];
  std::size_t got = read_fully(fd, header, sizeof header);
  if (got == 0) return f;  // eof
  if (got < sizeof header) {
    f.status = FrameStatus::truncated;
    return f;
  }
  std::uint32_t length;
  std::memcpy(&length, header, sizeof length);  // native byte order, as Firefox writes it
  f.declared_length = length;
  if (length > max_bytes) {
    read_fully(fd, nullptr, length);
    f.status = FrameStatus::too_large;
    return f;
  }
  f.payload.resize(length);
  if (read_fully(fd, f.payload.data(), length) < length) {
    f.payload.clear();
    f.status = FrameStatus::truncated;
    return f;
  }
  f.status = FrameStatus::ok;
  return f;
}

std::string encode_frame(std::string_view payload) {
  auto length = static_cast<std::uint32_t>(payload.size());
  std::string out(sizeof length, '\0');
  std::memcpy(out.data(), &length, sizeof length);
  out.append(payload);
  return out;
}

bool write_frame(int fd, std::string_view payload) {
  std::string frame = encode_frame(payload);
  std::size_t sent = 0;
  while (sent < frame.size()) {
    ssize_t w = ::write(fd, frame.data() + sent, frame.size() - sent);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    sent += static_cast<std::size_t>(w);
  }
  return true;
}

}  // namespace certdoctor
