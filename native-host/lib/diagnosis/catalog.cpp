#include "diagnosis/catalog.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace certdoctor {

extern const std::string_view kEnglishCatalog;  // generated: embed_catalog.cmake

namespace {

const nlohmann::json& english() {
  static const nlohmann::json catalog = nlohmann::json::parse(kEnglishCatalog);
  return catalog;
}

// "$1" ... "$9" in a placeholder's content, from the substitutions.
std::string substitute(const std::string& content, const std::vector<std::string>& subs) {
  std::string out;
  for (std::size_t i = 0; i < content.size(); ++i) {
    if (content[i] == '$' && i + 1 < content.size() && content[i + 1] >= '1' && content[i + 1] <= '9') {
      const std::size_t n = static_cast<std::size_t>(content[i + 1] - '1');
      if (n < subs.size()) out += subs[n];
      ++i;
    } else {
      out += content[i];
    }
  }
  return out;
}

}  // namespace

std::string catalog_words(std::string_view key, const std::vector<std::string>& subs) {
  const auto& catalog = english();
  const auto entry = catalog.find(std::string(key));
  if (entry == catalog.end()) throw std::logic_error("the catalog has no message " + std::string(key));
  const std::string message = entry->at("message").get<std::string>();
  const nlohmann::json placeholders = entry->value("placeholders", nlohmann::json::object());
  // $NAME$ is the placeholder `name`; "$$" is a dollar sign.
  std::string out;
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message[i] != '$') {
      out += message[i];
      continue;
    }
    const std::size_t end = message.find('$', i + 1);
    if (end == std::string::npos) {
      out += message.substr(i);
      break;
    }
    std::string name = message.substr(i + 1, end - i - 1);
    if (name.empty()) {
      out += '$';
    } else {
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const auto p = placeholders.find(name);
      if (p == placeholders.end()) throw std::logic_error("the message " + std::string(key) + " lacks its placeholder " + name);
      out += substitute(p->at("content").get<std::string>(), subs);
    }
    i = end;
  }
  return out;
}

}  // namespace certdoctor
