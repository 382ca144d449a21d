// The readable form of a diagnosis, for people at a terminal. Every value that came from a server or a
// certificate is passed through printable(): no escape sequence reaches the terminal.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

namespace certdoctor {

std::string render_text(const nlohmann::json& diagnosis);

}  // namespace certdoctor
