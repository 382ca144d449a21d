// The words for facts in English, from the extension's own catalog (extension/_locales/en/messages.json, compiled
// in at build time): the CLI's text and the protocol's English texts say "TLS 1.2 with X", "Firefox's defaults" or
// "(none)" in the same words the extension uses, and a German user's extension says them in German from its own
// catalog. The engine passes facts; only the edge turns them into words.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace certdoctor {

// The message `key` with its placeholders filled from `subs` ($1, $2, ...), as browser.i18n.getMessage does.
// Throws std::logic_error for a key the catalog lacks (a test renders every key the engine asks for).
std::string catalog_words(std::string_view key, const std::vector<std::string>& subs = {});

}  // namespace certdoctor
