// Times as certdoctor writes them: ISO 8601 in UTC ("2026-11-22T20:14:00Z") unless a format is given.
#pragma once
#include <ctime>
#include <string>

namespace certdoctor {

inline std::string utc_format(std::time_t t, const char* format = "%Y-%m-%dT%H:%M:%SZ") {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

}  // namespace certdoctor
