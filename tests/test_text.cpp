// The one sanitiser for terminal text, and JSON that is exact for a parser but inert for a person (base/text.hpp).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "base/text.hpp"

using certdoctor::inert_json;
using certdoctor::printable;

TEST_CASE("printable: C0, C1 (UTF-8 and raw 8-bit), malformed bytes and format characters are made visible", "[text]") {
  CHECK(printable("\x1b]0;title\x07") == "\\x1b]0;title\\x07");
  CHECK(printable("\xc2\x9b" "2J") == "\\u009b2J");                 // C1 CSI as UTF-8
  CHECK(printable("san\x9b" "31m") == "san\\x9b31m");                // a raw 8-bit CSI (the review's c2raw.pem)
  CHECK(printable("\xff\xfe") == "\\xff\\xfe");                      // not UTF-8 at all
  CHECK(printable("\xe2\x80\xae" "moc.evil") == "\u27e8U+202E\u27e9moc.evil");  // bidi override
  CHECK(printable("a\xe2\x80\x8b" "b") == "a\u27e8U+200B\u27e9b");   // zero-width space
  CHECK(printable("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac") == "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac");  // ordinary text kept
  CHECK(printable("\xed\xa0\x80") == "\\xed\\xa0\\x80");             // a UTF-16 surrogate is not UTF-8
  CHECK(printable("a\nb\tc", true) == "a\nb\tc");
  CHECK(printable(printable("\x1b\xc2\x9b\xe2\x80\xae")).find('\x1b') == std::string::npos);
}

TEST_CASE("inert_json: C1 and format characters escaped, the data unchanged for a parser", "[text]") {
  const nlohmann::json j = {{"subject", "CN=\xc2\x9b" "31m\xe2\x80\xae" "lapyap\xf3\xa0\x80\x81 ok \xc3\xa9"}};
  const std::string text = inert_json(j.dump());
  CHECK(text.find("\xc2\x9b") == std::string::npos);
  CHECK(text.find("\xe2\x80\xae") == std::string::npos);
  CHECK(text.find("\\u009b") != std::string::npos);
  CHECK(text.find("\\u202e") != std::string::npos);
  CHECK(text.find("\\udb40\\udc01") != std::string::npos);  // U+E0001 (a tag character) as a surrogate pair
  CHECK(text.find("\xc3\xa9") != std::string::npos);        // ordinary text stays readable
  CHECK(nlohmann::json::parse(text) == j);
}
