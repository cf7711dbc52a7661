// Helpers over a parsed pugixml tree shared by the XML and EPP parsers. pugixml itself is
// included only by the .cpp files; here its node type is only declared.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pugi {
class xml_node;
}

namespace autodns::xmltree {

// "domain:name" -> "name".
std::string_view local_name(std::string_view qualified);

// "domain:name" -> "domain"; empty without a prefix.
std::string_view prefix_of(std::string_view qualified);

// First child element whose local name is `local`; an empty node when there is none.
pugi::xml_node child(const pugi::xml_node& parent, std::string_view local);

// The text of an element: its PCDATA and CDATA children joined. When it has none, a comment
// written as "<!--[CDATA[...]]-->" yields the text inside (a known imperfection of the AutoDNS
// examples). Not trimmed.
std::string text_of(const pugi::xml_node& element);

// Trimmed text of the child `local`; nullopt when the child is absent or its text is blank.
std::optional<std::string> child_text(const pugi::xml_node& parent, std::string_view local);

// An element as JSON text: child elements become keys (local names), repeated children an
// array, leaf text a string (trimmed), empty leaves null, attributes "@name", text beside child
// elements or attributes "#text".
std::string element_to_json(const pugi::xml_node& element);

}  // namespace autodns::xmltree
