// Text from certificates and servers on its way to a terminal or a shell: never an escape sequence, never a
// second word.
#pragma once
#include <string>
#include <string_view>

namespace certdoctor {

// Single-quotes for a POSIX shell ('it'"'"'s' style); the result is one word whatever the input holds.
std::string shell_quote(std::string_view s);

// Replaces control characters (terminal escapes, NUL, DEL, C1) with visible \xNN escapes; keeps '\n' and '\t'
// only when asked. Text from certificates and servers goes through this before it reaches a terminal.
std::string printable(std::string_view s, bool keep_newlines = false);

}  // namespace certdoctor
