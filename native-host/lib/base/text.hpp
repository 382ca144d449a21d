// Text from certificates, servers, scanner files and profiles on its way to a terminal, a shell, a spreadsheet
// or a person reading JSON: never an escape sequence, never a second word, never a formula, never a hidden
// character. One sanitiser, printable(), for everything that reaches a terminal.
#pragma once
#include <string>
#include <string_view>
#include <utility>

namespace certdoctor {

// Single-quotes for a POSIX shell ('it'"'"'s' style); the result is one word whatever the input holds.
std::string shell_quote(std::string_view s);

// The one sanitiser for terminal text. Control characters become visible escapes: C0 and DEL as \xNN, C1 as
// \u00NN (U+0080..U+009F in UTF-8), and any byte that is not part of well-formed UTF-8 as \xNN (a raw 0x9B is a
// CSI on a terminal in 8-bit mode). Format characters (bidi controls, zero-width characters: visible_format) are
// shown by their code point. Keeps '\n' and '\t' only when asked.
std::string printable(std::string_view s, bool keep_newlines = false);

// `s` (UTF-8) with every format character shown by its code point, e.g. U+202E as "⟨U+202E⟩"; everything else,
// malformed bytes included, as it was.
std::string visible_format(std::string_view s);

// Serialised JSON (as nlohmann's dump() writes it: raw UTF-8 inside strings) with every C1 control and format
// character written as a \uXXXX escape instead of raw: the same data for a parser, nothing that moves a
// terminal's cursor or reorders a name for a person reading it.
std::string inert_json(std::string_view dumped);

// The code point of a well-formed UTF-8 sequence at s[i] and its length, or length 0.
std::pair<char32_t, std::size_t> decode_utf8(std::string_view s, std::size_t i);

// Unicode's format characters (Cf) and the line and paragraph separators.
bool is_format_character(char32_t c);

}  // namespace certdoctor
