#include "base/template.hpp"

#include <algorithm>

#include "base/text.hpp"

namespace certdoctor {
namespace {

std::string value_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string out;
    for (const auto& e : v) out += (out.empty() ? "" : ", ") + value_text(e);
    return out;
  }
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string render_template(std::string_view tpl, const nlohmann::json& values) {
  std::string out;
  std::size_t i = 0;
  while (i < tpl.size()) {
    std::size_t open = tpl.find('{', i);
    std::size_t close = open == std::string_view::npos ? open : tpl.find('}', open);
    if (close == std::string_view::npos) {
      out.append(tpl.substr(i));
      break;
    }
    out.append(tpl.substr(i, open - i));
    std::string_view key = tpl.substr(open + 1, close - open - 1);
    bool quote = false;
    if (auto bar = key.find('|'); bar != std::string_view::npos) {
      quote = key.substr(bar + 1) == "sh";
      key = key.substr(0, bar);
    }
    auto it = values.is_object() ? values.find(std::string(key)) : values.end();
    std::string text = it == values.end() ? "?" : value_text(*it);
    out += quote ? shell_quote(text) : printable(text);
    i = close + 1;
  }
  return out;
}

std::vector<std::string> placeholders(std::string_view tpl) {
  std::vector<std::string> out;
  for (std::size_t open = tpl.find('{'); open != std::string_view::npos; open = tpl.find('{', open + 1)) {
    std::size_t close = tpl.find('}', open);
    if (close == std::string_view::npos) break;
    std::string_view key = tpl.substr(open + 1, close - open - 1);
    out.emplace_back(key.substr(0, key.find('|')));
  }
  return out;
}

std::vector<std::string> unfilled_placeholders(std::initializer_list<std::string_view> templates,
                                               const nlohmann::json& values) {
  std::vector<std::string> missing;
  for (std::string_view tpl : templates) {
    for (auto& key : placeholders(tpl)) {
      const bool filled = values.is_object() && values.contains(key) && !values[key].is_null();
      if (!filled && std::find(missing.begin(), missing.end(), key) == missing.end()) missing.push_back(key);
    }
  }
  return missing;
}

}  // namespace certdoctor
