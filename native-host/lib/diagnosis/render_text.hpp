// The readable form of a diagnosis, for people at a terminal. Every value that came from a server or a
// certificate is passed through printable() (no escape sequence reaches the terminal) and visible_format() (no
// bidi override or zero-width character hides in a name).
#pragma once
#include <string>
#include <string_view>

#include "diagnosis/model.hpp"

namespace certdoctor {

// `s` (UTF-8) with every format character shown by its code point, e.g. U+202E as "⟨U+202E⟩".
std::string visible_format(std::string_view s);

std::string render_text(const Diagnosis& diagnosis);

}  // namespace certdoctor
