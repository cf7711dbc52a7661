// Header field values: RFC 2047 encoded words, RFC 2045/2231 parameters, addresses.
// mimetic 0.9.8 does none of this correctly (DESIGN §5); these are the replacements.
#include <catch2/catch.hpp>

#include "mail/extract.hpp"
#include "mail/header_fields.hpp"

using namespace autodns;

TEST_CASE("RFC 2047: B and Q words in the charsets mail uses", "[rfc2047]") {
    CHECK(decode_rfc2047("=?UTF-8?B?w7xiZXI=?=") ==
          "\xC3\xBC"
          "ber");
    CHECK(decode_rfc2047("=?utf-8?q?f=C3=BCr_example=2Eaq?=") == "f\xC3\xBCr example.aq");
    CHECK(decode_rfc2047("=?ISO-8859-1?Q?f=FCr?=") == "f\xC3\xBCr");
    CHECK(decode_rfc2047("=?iso-8859-1?b?/A==?=") == "\xC3\xBC");
    CHECK(decode_rfc2047("=?ISO-8859-15?Q?5_=A4?=") == "5 \xE2\x82\xAC");
    CHECK(decode_rfc2047("=?windows-1252?Q?5_=80?=") == "5 \xE2\x82\xAC");
    CHECK(decode_rfc2047("=?UTF-8*de?Q?Gr=C3=BC=C3=9Fe?=") == "Gr\xC3\xBC\xC3\x9F\x65");
}

TEST_CASE("RFC 2047: whitespace between adjacent encoded words is dropped", "[rfc2047]") {
    CHECK(decode_rfc2047("=?UTF-8?Q?a?= =?UTF-8?Q?b?=") == "ab");
    CHECK(decode_rfc2047("=?UTF-8?Q?a?=\r\n\t =?UTF-8?Q?b?=") == "ab");  // folded
    CHECK(decode_rfc2047("=?UTF-8?Q?a?=  b  =?UTF-8?Q?c?=") == "a  b  c");
    // A multibyte character split across two words (mailers split bytes, not characters).
    CHECK(decode_rfc2047("=?UTF-8?Q?=C3?= =?UTF-8?Q?=BC?=") == "\xC3\xBC");
    // Words in different charsets next to each other.
    CHECK(decode_rfc2047("=?ISO-8859-1?Q?=FC?= =?UTF-8?Q?=C3=B6?=") == "\xC3\xBC\xC3\xB6");
}

TEST_CASE("RFC 2047: plain text, broken words and raw 8-bit survive", "[rfc2047]") {
    CHECK(decode_rfc2047("AutoDNS Benachrichtigung: =?UTF-8?Q?f=C3=BCr?= example.aq") ==
          "AutoDNS Benachrichtigung: f\xC3\xBCr example.aq");
    CHECK(decode_rfc2047("plain subject") == "plain subject");
    CHECK(decode_rfc2047("=?UTF-8?B?!!!?=") == "=?UTF-8?B?!!!?=");  // not base64: literal
    CHECK(decode_rfc2047("=?UTF-8?X?abc?=") == "=?UTF-8?X?abc?=");  // unknown encoding
    CHECK(decode_rfc2047("=?UTF-8?Q?unterminated") == "=?UTF-8?Q?unterminated");
    CHECK(decode_rfc2047("K\xF6ln") == "K\xC3\xB6ln");                 // raw Latin-1 header
    CHECK(decode_rfc2047("K\xC3\xB6ln") == "K\xC3\xB6ln");             // raw UTF-8 header
    CHECK(decode_rfc2047("=?x-unknown?Q?K=F6ln?=") == "K\xC3\xB6ln");  // unknown charset
}

TEST_CASE("parameters: a quoted ';' does not split, escapes are resolved", "[rfc2047][params]") {
    FieldValue v = parse_field_value("multipart/mixed; boundary=\"a;b\\\"c\"; charset=x");
    CHECK(v.token == "multipart/mixed");
    CHECK(v.param("boundary") == "a;b\"c");
    CHECK(v.param("charset") == "x");

    FieldValue w = parse_field_value(" Text/Plain (a comment) ;\r\n\tCharSet = \"ISO-8859-1\" ");
    CHECK(w.token == "text/plain");
    CHECK(w.param("charset") == "ISO-8859-1");

    FieldValue missing_semicolon = parse_field_value("text/plain charset=utf-8");
    CHECK(missing_semicolon.token == "text/plain");
    CHECK(missing_semicolon.param("charset") == "utf-8");

    FieldValue spaces = parse_field_value("attachment; filename=my notification.xml");
    CHECK(spaces.param("filename") == "my notification.xml");

    CHECK(parse_field_value("").token.empty());
    CHECK(parse_field_value("; charset=x").param("charset") == "x");
}

TEST_CASE("parameters: RFC 2231 values and continuations", "[rfc2047][params]") {
    CHECK(parse_field_value("multipart/mixed; boundary*=us-ascii''autodns%3D_part")
              .param("boundary") == "autodns=_part");
    CHECK(parse_field_value("attachment; filename*=UTF-8''%C3%BCbersicht.xml").param("filename") ==
          "\xC3\xBC"
          "bersicht.xml");
    CHECK(parse_field_value("attachment; filename*=iso-8859-1'de'%FCbersicht.xml")
              .param("filename") ==
          "\xC3\xBC"
          "bersicht.xml");
    FieldValue cont = parse_field_value(
        "attachment; filename*0*=UTF-8''autodns-%C3%BC; filename*1=\"ber sicht\"; "
        "filename*2*=%2Exml");
    CHECK(cont.param("filename") ==
          "autodns-\xC3\xBC"
          "ber sicht.xml");
    // The RFC 2231 form wins over a plain one of the same name.
    CHECK(parse_field_value("a; name=plain.xml; name*=UTF-8''fancy.xml").param("name") ==
          "fancy.xml");
}

TEST_CASE("media types split into lower-case type and subtype", "[rfc2047][params]") {
    MediaType m = split_media_type("Application/EPP+XML");
    CHECK(m.type == "application");
    CHECK(m.subtype == "epp+xml");
    CHECK(split_media_type("text").type.empty());
    CHECK(split_media_type("text/").type.empty());
    CHECK(split_media_type("/plain").type.empty());
}

TEST_CASE("the first mailbox's addr-spec, lower case", "[rfc2047][address]") {
    CHECK(first_address("AutoDNS <NoReply@AutoDNS.example>") == "noreply@autodns.example");
    CHECK(first_address("\"Doe, <John>\" <j@x.example>, other@y.example") == "j@x.example");
    CHECK(first_address("j@x.example (John Doe)") == "j@x.example");
    CHECK(first_address("MAILER-DAEMON@mail.example (Mail Delivery System)") ==
          "mailer-daemon@mail.example");
    CHECK(first_address("=?UTF-8?Q?J=C3=BCrgen?= <jm@x.example>") == "jm@x.example");
    CHECK(first_address("undisclosed-recipients:;") == "");
    CHECK(first_address("Team: a@x.example, b@x.example;") == "a@x.example");
    CHECK(first_address("no address here") == "");
}
