// The readable form of a diagnosis, for people at a terminal. Every value that came from a server or a
// certificate is passed through printable() (no escape sequence reaches the terminal) and visible_format() (no
// bidi override or zero-width character hides in a name).
#pragma once
#include <string>
#include <string_view>

#include "base/text.hpp"  // printable(), visible_format()
#include "diagnosis/model.hpp"

namespace certdoctor {

std::string render_text(const Diagnosis& diagnosis);

}  // namespace certdoctor
