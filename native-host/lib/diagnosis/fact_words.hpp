// The values a row's English texts take that are words for facts, not facts: the engine's findings carry facts
// (a list of prefs, whether the server asked for a client certificate, the version and cipher it accepted, what a
// removal leaves Firefox showing), and the edge words them here from the extension's English catalog
// (diagnosis/catalog.hpp) just before the table's texts are filled. The protocol's `values` stay the facts.
#pragma once
#include <nlohmann/json.hpp>

namespace certdoctor {

struct ErrorRow;

// `facts` with the worded values the row's texts take added (never replacing a fact of the same name).
nlohmann::json with_words(const ErrorRow& row, const nlohmann::json& facts);

}  // namespace certdoctor
