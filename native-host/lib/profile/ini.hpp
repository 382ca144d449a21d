// The INI dialect Firefox writes (profiles.ini, installs.ini): [Section] lines, key=value lines, ';' or '#'
// comments. Sections keep their file order; later duplicate keys win, as in Firefox's reader.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace certdoctor {

struct IniSection {
  std::string name;
  std::map<std::string, std::string> values;
  std::string get(const std::string& key) const {
    auto it = values.find(key);
    return it == values.end() ? std::string() : it->second;
  }
};

std::vector<IniSection> parse_ini(std::string_view text);
// Reads (at most 1 MiB of) a file and parses it; a missing or unreadable file has no sections.
std::vector<IniSection> read_ini(const std::filesystem::path& file);

}  // namespace certdoctor
