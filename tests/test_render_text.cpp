// The CLI's text output shows names as they are: format characters (bidi controls, zero-width characters) are
// made visible by their code point, so that a certificate's subject, a SAN or a stored nickname cannot be spoofed
// on a terminal.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "diagnosis/render_text.hpp"

using certdoctor::render_text;
using certdoctor::visible_format;
using nlohmann::json;

TEST_CASE("visible_format names every bidi control and zero-width character by its code point") {
  CHECK(visible_format("plain name.example") == "plain name.example");
  CHECK(visible_format("\u202emoc.evil") == "⟨U+202E⟩moc.evil");
  for (const char* c : {"\u202a", "\u202b", "\u202c", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f",
                        "\u061c"}) {
    CHECK(visible_format(std::string("a") + c + "b").find("⟨U+") == 1);
  }
  CHECK(visible_format("a\u200bb\u200dc\ufeffd\u2060e\u00adf") == "a⟨U+200B⟩b⟨U+200D⟩c⟨U+FEFF⟩d⟨U+2060⟩e⟨U+00AD⟩f");
  CHECK(visible_format("tag\U000E0041") == "tag⟨U+E0041⟩");
  // Ordinary scripts and combining marks stay as they are; malformed bytes pass through untouched.
  CHECK(visible_format("שלום مرحبا e\u0301") == "שלום مرحبا e\u0301");
  CHECK(visible_format("bad \xe2\x80 end") == "bad \xe2\x80 end");
}

TEST_CASE("the text output of a diagnosis shows a hostile subject, SAN and nickname with their controls visible") {
  const std::string rlo = "\u202e", zw = "\u200b";
  json cert = {{"subject", "CN=" + rlo + "moc.evil"}, {"issuer", "CN=Test CA"}, {"serial", "01"},
               {"not_before", "2026-01-01T00:00:00Z"}, {"not_after", "2027-01-01T00:00:00Z"},
               {"public_key", {{"type", "RSA"}, {"bits", 2048}}}, {"signature_algorithm", "sha256WithRSAEncryption"},
               {"subject_alt_names", json::array({{{"type", "dns"}, {"value", "pay" + zw + "pal.example"}}})},
               {"sha256", "00"}};
  json d = {{"url", "https://x.example/"}, {"firefox_error", "SEC_ERROR_REUSED_ISSUER_AND_SERIAL"}, {"chain", {cert}},
            {"findings", json::array({{{"code", "stale_copy"}, {"severity", "error"}, {"title", "old copy"},
                                       {"explanation", "stored as 'portal " + rlo + "dlo'"}, {"fix", "remove it"}}})},
            {"conflicts", json::array({{{"nickname", "portal " + rlo + "dlo"}, {"trust", ",,"}, {"cert", 0},
                                        {"subject", "CN=" + rlo + "moc.evil"}, {"issuer", "CN=Test CA"},
                                        {"serial", "01"}, {"sha256", "11"}, {"removable", true}}})}};
  const std::string text = render_text(d);
  CHECK(text.find(rlo) == std::string::npos);
  CHECK(text.find(zw) == std::string::npos);
  CHECK(text.find("CN=⟨U+202E⟩moc.evil") != std::string::npos);       // subject
  CHECK(text.find("dns:pay⟨U+200B⟩pal.example") != std::string::npos);  // SAN
  CHECK(text.find("'portal ⟨U+202E⟩dlo'") != std::string::npos);       // nickname, in the conflict and the finding
}
