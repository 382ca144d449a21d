// Native-messaging frames: a 4-byte length in native byte order, then that many bytes of UTF-8 JSON.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace certdoctor {

// Requests are small (a URL and a few fields); anything larger is refused without being buffered.
inline constexpr std::size_t kMaxRequestBytes = 1024 * 1024;
// Firefox drops host-to-browser messages above 1 MiB.
inline constexpr std::size_t kMaxReplyBytes = 1024 * 1024;

enum class FrameStatus {
  ok,         // payload holds the frame
  eof,        // the stream ended cleanly between frames
  truncated,  // the stream ended inside a frame
  too_large,  // the declared length exceeds the limit; the body was read and dropped, the stream is in sync
};

struct Frame {
  FrameStatus status = FrameStatus::eof;
  std::string payload;
  std::uint64_t declared_length = 0;
};

Frame read_frame(int fd, std::size_t max_bytes = kMaxRequestBytes);
std::string encode_frame(std::string_view payload);
bool write_frame(int fd, std::string_view payload);  // false when the reader has gone

}  // namespace certdoctor
