#include "audit/progress.hpp"

#include <unistd.h>

namespace certdoctor::audit {

bool Progress::stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

void Progress::update(const std::string& what, std::size_t done, std::size_t total) {
  const auto now = std::chrono::steady_clock::now();
  const auto every = terminal_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
  if (drawn_ && now - last_ < every && done != total) return;
  last_ = now;
  drawn_ = true;
  if (!terminal_) {
    out_ << prefix_ << what << " " << done;
    if (total) out_ << " of " << total;
    out_ << "\n" << std::flush;
    return;
  }
  out_ << "\r\033[K" << what << " ";
  if (total) {
    constexpr int width = 30;
    const int filled = static_cast<int>(width * done / total);
    out_ << "[" << std::string(static_cast<std::size_t>(filled), '#') << std::string(static_cast<std::size_t>(width - filled), '.')
         << "] " << done << "/" << total;
  } else {
    out_ << done;
  }
  out_ << std::flush;
}

void Progress::finish(const std::string& what, std::size_t done) {
  if (terminal_) {
    out_ << "\r\033[K";
  }
  out_ << prefix_ << what << " " << done << "\n" << std::flush;
  drawn_ = false;
}

}  // namespace certdoctor::audit
