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
  certdoctor::CertificateDescription cert;
  cert.subject = "CN=" + rlo + "moc.evil";
  cert.issuer = "CN=Test CA";
  cert.serial = "01";
  cert.not_before = "2026-01-01T00:00:00Z";
  cert.not_after = "2027-01-01T00:00:00Z";
  cert.public_key = {"RSA", 2048, std::nullopt};
  cert.signature_algorithm = "sha256WithRSAEncryption";
  cert.subject_alt_names = std::vector<certdoctor::GeneralName>{{"dns", "pay" + zw + "pal.example"}};
  cert.sha256 = "00";
  certdoctor::Diagnosis d;
  d.url = "https://x.example/";
  d.judged = true;
  d.firefox_error = "SEC_ERROR_REUSED_ISSUER_AND_SERIAL";
  d.chain = {cert};
  // The stale_copy finding's text quotes the stored nickname.
  d.findings = {certdoctor::Finding(certdoctor::Condition::stale_copy, {{"nickname", "portal " + rlo + "dlo"}, {"profile", "/p"},
                                                   {"stored_sha256", "11"}, {"served_sha256", "00"},
                                                   {"serial", "01"}, {"issuer", "CN=Test CA"},
                                                   {"subject", cert.subject}, {"stored_subject", cert.subject},
                                                   {"stored_names", "x"}, {"served_names", "y"}})};
  certdoctor::Conflict k;
  k.nickname = "portal " + rlo + "dlo";
  k.trust = ",,";
  k.stored = cert;
  k.sha256 = "11";
  d.conflicts = std::vector<certdoctor::Conflict>{k};
  const std::string text = render_text(d);
  CHECK(text.find(rlo) == std::string::npos);
  CHECK(text.find(zw) == std::string::npos);
  CHECK(text.find("CN=⟨U+202E⟩moc.evil") != std::string::npos);       // subject
  CHECK(text.find("dns:pay⟨U+200B⟩pal.example") != std::string::npos);  // SAN
  CHECK(text.find("'portal ⟨U+202E⟩dlo'") != std::string::npos);       // nickname, in the conflict and the finding
}
