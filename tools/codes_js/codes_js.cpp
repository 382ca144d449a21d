// Writes the extension's copy of the one table of codes (extension/generated/codes.js) from codes/codes.def: for
// every error Firefox shows and every condition certdoctor finds itself, its kind, the values its messages take in
// placeholder order, its severity, and for an error the number Firefox reports and whether its page offers an
// exception. The extension decides nothing of this itself; its words are the locales' f_<code> messages.
//
// The preprocessor reads the table, as every other room does: the `web(kind, value, ...)` column expands here and
// nowhere else. Built from one source file and the table's headers only (no engine library), so that a test can
// build it against a scratch copy of the table (tests/codes_scratch.cmake).
//
//   codes_js OUT.js    writes the file;  codes_js --check FILE.js    exits 1 when FILE.js is not what it would write
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "diagnosis/error_numbers.hpp"

namespace {

using namespace certdoctor::error_numbers;

struct Web {
  std::string_view kind;
  std::string_view values;  // "a, b, c" as written in the row
};

struct Row {
  std::string_view code;
  std::string_view severity;
  Web web;
  int number = 0;
  bool firefox_error = false;
  bool overridable = false;
};

#define web(kind, ...) Web{#kind, "" #__VA_ARGS__}
constexpr bool overridable = true, final = false;
const Row kRows[] = {
#define CERTDOCTOR_FIREFOX_ERROR(Name, SYMBOL, override, field, about, severity, web_column, ...) \
  Row{#SYMBOL, #severity, web_column, SYMBOL, true, override},
#define CERTDOCTOR_CONDITION(name, severity, web_column, ...) Row{#name, #severity, web_column, 0, false, false},
#include "codes/codes.def"
};
#undef web

// The request errors a reply of the native host can carry (`reply` rows): the extension words each
// (request_<code> in its locales).
constexpr bool reply = true, cli = false;
struct RequestErrorRow {
  std::string_view code;
  bool in_reply;
};
const RequestErrorRow kRequestErrors[] = {
#define CERTDOCTOR_REQUEST_ERROR(code, where) RequestErrorRow{#code, where},
#include "codes/codes.def"
};

std::vector<std::string> split(std::string_view list) {
  std::vector<std::string> out;
  std::string item;
  for (char c : list) {
    if (c == ',') {
      out.push_back(item);
      item.clear();
    } else if (c != ' ') {
      item += c;
    }
  }
  if (!item.empty()) out.push_back(item);
  return out;
}

std::string generate() {
  std::ostringstream js;
  js << "// GENERATED from native-host/lib/codes/codes.def by tools/codes_js: do not edit. Rebuild it with\n"
        "//   cmake --build build --target extension-codes\n"
        "// (a test fails while this copy differs from the table). Per code: kind (see codes.def's web column),\n"
        "// values (the finding's values its messages f_<code>, f_<code>_text, f_<code>_todo take, in placeholder\n"
        "// order), severity, and for an error Firefox shows its number and whether its page offers an exception.\n"
        "\"use strict\";\n\n"
        "const CODES = {\n";
  for (const Row& r : kRows) {
    js << "  " << r.code << ": { kind: \"" << r.web.kind << "\", values: [";
    const auto values = split(r.web.values);
    for (std::size_t i = 0; i < values.size(); ++i) js << (i ? ", " : "") << '"' << values[i] << '"';
    js << "], severity: \"" << r.severity << '"';
    // NS_ERROR_NET_RESET is an nsresult, not a PRErrorCode: no number.
    if (r.firefox_error && r.number) js << ", number: " << r.number;
    if (r.firefox_error) js << ", overridable: " << (r.overridable ? "true" : "false");
    js << " },\n";
  }
  js << "};\n\n// The request errors a reply of the host can carry; each has its words, request_<code>.\n"
        "const REQUEST_ERRORS = [";
  bool first = true;
  for (const RequestErrorRow& r : kRequestErrors) {
    if (!r.in_reply) continue;
    js << (first ? "" : ", ") << '"' << r.code << '"';
    first = false;
  }
  js << "];\n\nif (typeof module !== \"undefined\") module.exports = { CODES, REQUEST_ERRORS };\n";
  return js.str();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string text = generate();
  if (argc == 3 && std::string_view(argv[1]) == "--check") {
    std::ifstream in(argv[2], std::ios::binary);
    std::stringstream have;
    have << in.rdbuf();
    if (have.str() == text) return 0;
    std::cerr << argv[2] << " is not what codes/codes.def gives: rebuild it with "
                            "cmake --build build --target extension-codes\n";
    return 1;
  }
  if (argc != 2) {
    std::cerr << "usage: codes_js OUT.js | codes_js --check FILE.js\n";
    return 2;
  }
  std::ofstream out(argv[1], std::ios::binary);
  out << text;
  return out ? 0 : 1;
}
