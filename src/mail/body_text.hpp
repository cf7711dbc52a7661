// Turning decoded bodies into text a notification parser can read: HTML to plain text, and
// XML encoding declarations kept truthful after a body was converted to UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace autodns {

// Plain text of an HTML document (UTF-8 in, UTF-8 out): tags dropped, the content of head,
// title, script and style dropped, comments dropped, <br> and block elements end a line,
// character references decoded (named ones of HTML 4 that mail uses, decimal and hex). Text
// inside <pre> keeps its line structure, so an XML notification that was HTML-escaped in a
// <pre> comes back as the XML text. Linear time; unterminated tags and comments end the text.
std::string html_to_text(std::string_view html);

// The encoding named by an XML declaration at the very start of `text` (after an optional
// UTF-8 byte order mark and whitespace), as written; "" when there is none.
std::string xml_declared_encoding(std::string_view text);

// Rewrites the encoding pseudo-attribute of every XML declaration ("<?xml ... ?>", anywhere
// in the text, e.g. inside a Standard-format mail) that does not name UTF-8 to "UTF-8". Call
// after the text was converted to UTF-8 so that an XML parser reading it does not decode it a
// second time. Returns the number of declarations rewritten.
std::size_t rewrite_xml_encoding_declarations(std::string& text);

// RFC 3676 format=flowed text (LF line ends) as the lines the sender wrote: a line ending in
// a space (a soft break) is joined with the next line of the same quote depth; space
// stuffing (one leading space after the quote marks) is removed; with `delsp` the space of
// the soft break is removed too. Quote marks ('>') are kept, followed by one space, the signature
// separator "-- " is never a soft break, and a soft break before a line of another quote
// depth or at the end of the text is a hard one (RFC 3676 4.5). Linear time.
std::string unflow_text(std::string_view text, bool delsp);

}  // namespace autodns
