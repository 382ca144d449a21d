// Times as certdoctor writes them: ISO 8601 in UTC ("2026-11-22T20:14:00Z") unless a format is given.
#pragma once
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>

namespace certdoctor {

inline std::string utc_format(std::time_t t, const char* format = "%Y-%m-%dT%H:%M:%SZ") {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

// The seconds since 1970 of a time utc_format wrote with its default format; nullopt for anything else.
inline std::optional<std::int64_t> utc_parse(const std::string& iso) {
  std::tm tm{};
  char zulu = 0;
  if (std::sscanf(iso.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &zulu) != 7 || zulu != 'Z') {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace certdoctor
