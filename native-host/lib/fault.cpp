#include "fault.hpp"

#ifdef CERTDOCTOR_FAULT_INJECTION
#include <csignal>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>

namespace certdoctor {
namespace {

// The point named in CERTDOCTOR_FAULT and the number of calls that still succeed.
struct Spec {
  std::string name;
  long after = 0;
};

Spec spec() {
  const char* env = std::getenv("CERTDOCTOR_FAULT");
  Spec s;
  if (!env) return s;
  std::string text = env;
  if (auto at = text.find('@'); at != std::string::npos) {
    s.after = std::strtol(text.c_str() + at + 1, nullptr, 10);
    text.resize(at);
  }
  s.name = text;
  return s;
}

}  // namespace

void crash_point(std::string_view name) {
  if (spec().name == name) std::raise(SIGKILL);
}

bool failure_injected(std::string_view name) {
  static std::mutex mutex;
  static std::map<std::string, long, std::less<>> calls;
  const Spec s = spec();
  if (s.name != name) return false;
  std::lock_guard lock(mutex);
  return ++calls[s.name] > s.after;
}

}  // namespace certdoctor
#endif
