// MIME extraction (src/mail/extract.cpp and helpers). Each test named "mimetic defect: ..."
// exercises one defect of mimetic 0.9.8 listed in DESIGN §5 and fails without its cover.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "mail/body_text.hpp"
#include "mail/extract.hpp"
#include "mail/transfer_decoding.hpp"
#include "util/charset.hpp"
#include "util/text.hpp"

using namespace autodns;
using autodns::util::is_valid_utf8;

namespace {

const std::string kSamples = std::string(AUTODNS_SOURCE_DIR) + "/samples/mail/";

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

ExtractedMail extract_sample(const std::string& name) {
    return extract_mail(read_file(kSamples + name));
}

bool has_defect(const ExtractedMail& m, const std::string& needle) {
    for (const auto& d : m.defects)
        if (d.find(needle) != std::string::npos) return true;
    return false;
}

std::string defects_of(const ExtractedMail& m) {
    std::string all;
    for (const auto& d : m.defects) all += d + "\n";
    return all;
}

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

std::vector<std::string> types_of(const ExtractedMail& m) {
    std::vector<std::string> t;
    for (const auto& c : m.candidates) t.push_back(c.content_type);
    return t;
}

std::string crlf(std::string s) {
    std::string out;
    for (char c : s) {
        if (c == '\n') out.push_back('\r');
        out.push_back(c);
    }
    return out;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

const char kUe[] = "\xC3\xBC";  // ü in UTF-8
const char kGruessen[] =
    "Gr\xC3\xBC\xC3\x9F"
    "en";  // Grüßen in UTF-8

}  // namespace

// ---------------------------------------------------------------- samples

struct SampleExpectation {
    std::string file;
    bool has_headers;
    std::vector<std::string> types;
    std::vector<std::pair<std::size_t, std::string>> contains;  // candidate index, text
    std::string defect;                                         // "" = no defect at all
};

TEST_CASE("every sample mail yields the expected candidates", "[mime][samples]") {
    const std::string id40 = "<id>1005491840</id>", id44 = "\"id\": 1005491844",
                      id36 = "\"id\": 1005491836", epp = "<msgQ count=\"1\" id=\"880369\">";
    const std::vector<SampleExpectation> expectations = {
        {"standard-de-latin1-qp-body.eml",
         true,
         {"text/plain"},
         {{0, id40},
          {0, kGruessen},
          {0, std::string("f") + kUe + "r die Domain"},
          {0, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"}},
         ""},
        {"standard-en-ascii-7bit-body-crlf.eml",
         true,
         {"text/plain"},
         {{0, id40}, {0, "Dear Sir or Madam,\n\nthe following"}},
         ""},
        {"standard-de-utf8-alternative-base64-html.eml",
         true,
         {"text/plain", "text/html"},
         {{0, id40}, {0, kGruessen}, {1, id40}, {1, "<message>\n   <domain>"}, {1, kGruessen}},
         ""},
        {"standard-de-utf8-8bit-mixed-xml-attachment.eml",
         true,
         {"text/plain", "application/xml"},
         {{0, kGruessen}, {1, id40}},
         ""},
        {"xml-push-1005491840-utf8-7bit-body.eml", true, {"text/plain"}, {{0, id40}}, ""},
        {"xml-push-1005491840-latin1-mixed-attachment-base64-crlf.eml",
         true,
         {"text/plain", "text/xml"},
         {{0, kGruessen}, {1, id40}, {1, "encoding=\"UTF-8\""}},
         ""},
        {"xml-push-1005491840-mbox-from-line.eml", true, {"text/plain"}, {{0, id40}}, ""},
        {"xml-push-1005491840-boundary-trailing-whitespace-crlf.eml",
         true,
         {"text/plain", "text/xml"},
         {{0, kGruessen}, {1, id40}},
         ""},
        {"xml-poll-1855680-octet-stream-rfc2231-filename.eml",
         true,
         {"text/plain", "application/octet-stream"},
         {{1, "<id>1855680</id>"}, {1, "<code>S0905</code>"}},
         ""},
        {"xml-poll-1005491836-latin1-qp-text-xml.eml",
         true,
         {"text/xml"},
         {{0, "<id>1005491836</id>"}, {0, "encoding=\"UTF-8\""}},
         ""},
        {"json-push-1005491844-utf8-7bit-body.eml", true, {"text/plain"}, {{0, id44}}, ""},
        {"json-push-1005491844-application-json-qp-crlf.eml",
         true,
         {"application/json"},
         {{0, id44}, {0, "\"type\": \"autoupdate_dns_success\""}},
         ""},
        {"json-push-1005491844-rfc2231-boundary.eml",
         true,
         {"text/plain", "application/json"},
         {{1, id44}},
         ""},
        {"json-push-1005491844-quoted-semicolon-boundary.eml",
         true,
         {"text/plain", "application/json"},
         {{1, id44}},
         ""},
        {"json-poll-1005491836-mixed-nested-alternative-base64.eml",
         true,
         {"text/plain", "text/html", "application/json"},
         {{0, kGruessen}, {1, kGruessen}, {2, id36}, {2, "\"code\": \"S0905\""}},
         ""},
        {"epp-poll-880369-utf8-body.eml", true, {"text/plain"}, {{0, epp}}, ""},
        {"epp-poll-880369-mixed-epp-xml-attachment-crlf.eml",
         true,
         {"text/plain", "application/epp+xml"},
         {{0, kGruessen}, {1, epp}},
         ""},
        {"standard-en-no-mime-headers.eml", true, {"text/plain"}, {{0, id40}}, ""},
        // Not notifications.
        {"other/ordinary-mail-de-latin1-qp.eml",
         true,
         {"text/plain"},
         {{0, "k\xC3\xB6nnen wir den Termin"}},
         ""},
        {"other/bounce-dsn.eml",
         true,
         {"text/plain", "text/plain"},
         {{0, "could not\nbe delivered"}, {1, "Please update the name servers"}},
         ""},
        {"other/newsletter-html-with-image.eml",
         true,
         {"text/html"},
         {{0, "M\xC3\xBCnchen & K\xC3\xB6ln sind jetzt \"klimaneutral\"."}},
         ""},
        // Broken.
        {"broken/truncated-multipart.eml",
         true,
         {"text/plain", "text/xml"},
         {{0, kGruessen}, {1, "<message>\n   <domain>"}},
         "truncated"},
        {"broken/base64-label-on-plain-json.eml",
         true,
         {"text/plain"},
         {{0, id44}},
         "invalid base64 in part 1: raw text kept"},
        {"broken/base64-stray-pipe.eml",
         true,
         {"text/plain"},
         {{0, "RGVhciBTaXIgb3IgTWFkYW0s"}},
         "invalid base64 in part 1: raw text kept"},
        {"broken/no-headers-json.eml", false, {"text/plain"}, {{0, id44}}, ""},
        {"broken/binary-junk.eml", false, {"text/plain"}, {}, ""},
        {"broken/unknown-charset.eml",
         true,
         {"text/plain"},
         {{0, kGruessen}, {0, id40}},
         "unknown charset \"x-unknown\" in part 1: read as ISO-8859-1"},
        {"broken/mixed-line-endings.eml",
         true,
         {"text/plain", "text/xml"},
         {{0, kGruessen}, {1, id40}},
         ""},
        {"broken/multipart-without-boundary-line.eml",
         true,
         {"text/plain"},
         {{0, id44}},
         "has no boundary line"},
    };
    std::size_t seen = 0;
    for (const auto& e : expectations) {
        INFO("sample " << e.file);
        ExtractedMail m = extract_sample(e.file);
        INFO("defects:\n" << defects_of(m));
        CHECK(m.has_headers == e.has_headers);
        CHECK(types_of(m) == e.types);
        for (const auto& c : m.candidates) {
            CHECK(is_valid_utf8(c.bytes));
            CHECK_FALSE(contains(c.bytes, "\r\n"));
        }
        for (const auto& want : e.contains) {
            REQUIRE(want.first < m.candidates.size());
            INFO("candidate " << want.first << ":\n" << m.candidates[want.first].bytes);
            CHECK(contains(m.candidates[want.first].bytes, want.second));
        }
        if (e.defect.empty()) {
            CHECK(m.defects.empty());
        } else {
            CHECK(has_defect(m, e.defect));
        }
        ++seen;
    }
    // Every .eml under samples/mail/ but messy/ (checked by the oracle and the golden records)
    // has an expectation here (keeps the list complete).
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(kSamples))
        if (entry.path().extension() == ".eml" && entry.path().parent_path().filename() != "messy")
            ++files;
    CHECK(files == seen);
}

TEST_CASE("sample headers are decoded", "[mime][samples][headers]") {
    ExtractedMail m = extract_sample("standard-de-utf8-alternative-base64-html.eml");
    CHECK(m.headers.subject ==
          std::string("AutoDNS Benachrichtigung: autoupdate_dns_success f") + kUe + "r example.aq");
    CHECK(m.headers.from == "AutoDNS <noreply@autodns.example>");
    CHECK(m.headers.from_address == "noreply@autodns.example");
    CHECK(m.headers.message_id == "1620823970.9a0e4c3d.app1@autodns.example");
    CHECK(m.headers.date == "Wed, 12 May 2021 14:52:50 +0200");
    REQUIRE(m.headers.authentication_results.size() == 1);
    CHECK(m.headers.authentication_results[0].rfind(
              "mx1.example-hosting.de; dkim=pass header.d=autodns.example", 0) == 0);

    CHECK(extract_sample("standard-de-latin1-qp-body.eml").headers.subject ==
          std::string("AutoDNS Benachrichtigung: autoupdate_dns_success f") + kUe + "r example.aq");
    CHECK(extract_sample("xml-poll-1005491836-latin1-qp-text-xml.eml").headers.subject ==
          std::string("AutoDNS Benachrichtigung: Abruf ") + kUe + "ber Poll fehlgeschlagen");
    ExtractedMail other = extract_sample("other/ordinary-mail-de-latin1-qp.eml");
    CHECK(other.headers.from == "J\xC3\xBCrgen M\xC3\xBCller <j.mueller@example-hosting.de>");
    CHECK(other.headers.subject ==
          "Termin n\xC3\xA4"
          "chste Woche");
    CHECK(extract_sample("other/bounce-dsn.eml").headers.from_address ==
          "mailer-daemon@mail.example-hosting.de");
}

TEST_CASE("attachment file names are decoded", "[mime][samples]") {
    ExtractedMail m = extract_sample("xml-poll-1855680-octet-stream-rfc2231-filename.eml");
    REQUIRE(m.candidates.size() == 2);
    CHECK(m.candidates[1].filename ==
          std::string("autodns-benachrichtigung-") + kUe + "bersicht-1855680.xml");
    CHECK(m.candidates[1].origin.rfind("part 2 application/octet-stream", 0) == 0);
    ExtractedMail q = extract_sample("json-push-1005491844-quoted-semicolon-boundary.eml");
    REQUIRE(q.candidates.size() == 2);
    CHECK(q.candidates[1].filename == "a;b.json");
    ExtractedMail n = extract_sample("json-poll-1005491836-mixed-nested-alternative-base64.eml");
    REQUIRE(n.candidates.size() == 3);
    CHECK(n.candidates[0].origin == "part 1.1 text/plain; charset=utf-8");
    CHECK(n.candidates[2].filename == "autodns-notification-1005491836.json");
}

// ---------------------------------------------------------------- mimetic defects

TEST_CASE("mimetic defect: no RFC 2047 - subjects are decoded", "[mime][mimetic]") {
    ExtractedMail m = extract_mail(
        "From: =?UTF-8?Q?J=C3=BCrgen?= <J@Example.org>\n"
        "Subject: AutoDNS Benachrichtigung: =?UTF-8?B?Zm9vIGbDvHI=?=\n"
        "  =?UTF-8?B?IGV4YW1wbGUuYXE=?=\n"
        "\n"
        "body\n");
    CHECK(m.headers.subject ==
          std::string("AutoDNS Benachrichtigung: foo f") + kUe + "r example.aq");
    CHECK(m.headers.from == "J\xC3\xBCrgen <J@Example.org>");
    CHECK(m.headers.from_address == "j@example.org");
}

TEST_CASE("mimetic defect: no RFC 2231 - boundary*= is rewritten", "[mime][mimetic]") {
    ExtractedMail m = extract_mail(
        "Content-Type: multipart/mixed; boundary*=us-ascii''part%3D1\n\n"
        "--part=1\nContent-Type: text/plain\n\none\n"
        "--part=1\nContent-Type: application/json\n\n{\"id\": 1}\n"
        "--part=1--\n");
    INFO(defects_of(m));
    REQUIRE(types_of(m) == std::vector<std::string>{"text/plain", "application/json"});
    CHECK(m.candidates[0].bytes == "one");
    CHECK(m.candidates[1].bytes == "{\"id\": 1}");
    CHECK(m.defects.empty());
}

TEST_CASE("mimetic defect: no RFC 2231 - file names filename*0*= are decoded", "[mime][mimetic]") {
    ExtractedMail m = extract_mail(
        "Content-Type: multipart/mixed; boundary=b\n\n"
        "--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment;\n"
        " filename*0*=UTF-8''%C3%BCbersicht-;\n filename*1=\"1855680.xml\"\n\n<response/>\n"
        "--b--\n");
    REQUIRE(m.candidates.size() == 1);
    CHECK(m.candidates[0].filename == std::string(kUe) + "bersicht-1855680.xml");
    CHECK(m.candidates[0].bytes == "<response/>");
}

TEST_CASE("mimetic defect: parameters split at a quoted ';' and keep escapes", "[mime][mimetic]") {
    ExtractedMail m = extract_mail(
        "Content-Type: multipart/alternative; boundary=\"a;b\\\"c\"; charset=\"utf-8\"\n\n"
        "--a;b\"c\nContent-Type: text/plain; charset=\"iso-8859-1\"; format=flowed\n\nK\xF6ln\n"
        "--a;b\"c--\n");
    INFO(defects_of(m));
    REQUIRE(m.candidates.size() == 1);
    CHECK(m.candidates[0].bytes == "K\xC3\xB6ln");
    CHECK(m.defects.empty());
}

namespace {
// `levels` multiparts, each the second part of its parent, behind a first text part.
std::string nested_multiparts(std::size_t levels) {
    std::string s =
        "Subject: deep\nContent-Type: multipart/mixed; boundary=top\n\n"
        "--top\nContent-Type: text/plain\n\nouter text\n--top\n";
    s.reserve(levels * 64 + 256);
    for (std::size_t i = 0; i < levels; ++i)
        s += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\n\n--b" +
             std::to_string(i) + "\n";
    s += "Content-Type: text/plain\n\ninnermost\n";
    for (std::size_t i = levels; i-- > 0;) s += "--b" + std::to_string(i) + "--\n";
    s += "--top--\n";
    return s;
}
}  // namespace

TEST_CASE("mimetic defect: unbounded recursion - 10 000 nested multiparts", "[mime][mimetic]") {
    for (std::size_t levels : {10000u, 16000u}) {
        INFO("levels " << levels);
        auto t0 = std::chrono::steady_clock::now();
        ExtractedMail m = extract_mail(nested_multiparts(levels));
        CHECK(seconds_since(t0) < 5.0);
        CHECK(has_defect(m, "nesting deeper than 32 levels"));
        REQUIRE(m.candidates.size() == 1);  // the inner levels are not descended
        CHECK(m.candidates[0].bytes == "outer text");
        CHECK(m.headers.subject == "deep");
    }
    // Nesting below the limit is descended in full.
    MimeLimits limits;
    ExtractedMail shallow = extract_mail(nested_multiparts(20), limits);
    CHECK(shallow.defects.empty());
    REQUIRE(shallow.candidates.size() == 2);
    CHECK(shallow.candidates[1].bytes == "innermost");
}

TEST_CASE("mimetic defect: unbounded recursion - nested message/rfc822", "[mime][mimetic]") {
    std::string s;
    for (int i = 0; i < 10000; ++i) s += "Subject: level\nContent-Type: message/rfc822\n\n";
    s += "Content-Type: text/plain\n\ninnermost\n";
    ExtractedMail m = extract_mail(s);
    CHECK(has_defect(m, "nesting deeper"));
    CHECK(m.candidates.empty());
}

TEST_CASE("mimetic defect: CRLF header ended by a bare-LF blank line", "[mime][mimetic]") {
    // mimetic's iterator parser reads "\n\r" as one line end here and throws out_of_range.
    ExtractedMail m = extract_mail(
        "Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\n\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n");
    INFO(defects_of(m));
    CHECK(m.defects.empty());
    REQUIRE(m.candidates.size() == 1);
    CHECK(m.candidates[0].bytes == "hello");
    CHECK(m.headers.subject == "x");
}

TEST_CASE("mimetic defect: delimiter lines with trailing whitespace", "[mime][mimetic]") {
    ExtractedMail m =
        extract_mail(crlf("Content-Type: multipart/mixed; boundary=b\n\n"
                          "--b \t\nContent-Type: text/xml; charset=utf-8\n\n<message/>\n"
                          "--b  \nContent-Type: application/json\n\n{}\n"
                          "--b-- \n"));
    INFO(defects_of(m));
    CHECK(types_of(m) == std::vector<std::string>{"text/xml", "application/json"});
    CHECK(m.defects.empty());
}

TEST_CASE("mimetic defect: an mbox From_ line makes the whole mail body", "[mime][mimetic]") {
    ExtractedMail m = extract_mail(
        "From noreply@autodns.example Wed May 12 14:52:50 2021\n"
        "Subject: hello\nContent-Type: text/plain; charset=utf-8\n\nbody text\n");
    CHECK(m.has_headers);
    CHECK(m.headers.subject == "hello");
    REQUIRE(m.candidates.size() == 1);
    CHECK(m.candidates[0].bytes == "body text\n");  // a single body keeps its last line end
}

TEST_CASE("mimetic defect: missing or bare Content-Type gets the RFC 2045 default",
          "[mime][mimetic]") {
    SECTION("missing: text/plain; charset=us-ascii") {
        ExtractedMail m = extract_mail("Subject: x\n\nplain\n");
        REQUIRE(m.candidates.size() == 1);
        CHECK(m.candidates[0].content_type == "text/plain");
        CHECK(m.defects.empty());
    }
    SECTION("bare type without subtype") {
        ExtractedMail m = extract_mail("Subject: x\nContent-Type: text\n\nplain\n");
        REQUIRE(m.candidates.size() == 1);
        CHECK(m.candidates[0].content_type == "text/plain");
        CHECK(has_defect(m, "no subtype"));
    }
    SECTION("empty field") {
        ExtractedMail m = extract_mail("Subject: x\nContent-Type:\n\nplain\n");
        REQUIRE(m.candidates.size() == 1);
        CHECK(m.candidates[0].content_type == "text/plain");
    }
    SECTION("parts of a multipart without Content-Type") {
        ExtractedMail m =
            extract_mail("Content-Type: multipart/mixed; boundary=b\n\n--b\n\nno header\n--b--\n");
        REQUIRE(m.candidates.size() == 1);
        CHECK(m.candidates[0].content_type == "text/plain");
        CHECK(m.candidates[0].bytes == "no header");
    }
    SECTION("multipart/digest parts default to message/rfc822") {
        ExtractedMail m = extract_mail(
            "Content-Type: multipart/digest; boundary=d\n\n"
            "--d\n\nSubject: first\nContent-Type: application/json\n\n{\"id\": 1}\n"
            "--d\n\nSubject: second\n\nsecond body\n"
            "--d--\n");
        INFO(defects_of(m));
        REQUIRE(types_of(m) == std::vector<std::string>{"application/json", "text/plain"});
        CHECK(m.candidates[0].bytes == "{\"id\": 1}");
        CHECK(m.candidates[0].origin.rfind("part 1.1 ", 0) == 0);
        CHECK(m.candidates[1].bytes == "second body");
    }
}

TEST_CASE("mimetic defect: truncated input is flagged and what was read returned",
          "[mime][mimetic]") {
    ExtractedMail m = extract_mail(
        "Content-Type: multipart/mixed; boundary=b\n\n"
        "--b\nContent-Type: text/plain\n\nfirst\n"
        "--b\nContent-Type: text/xml\n\n<message>\n  <id>1005491840</i");
    CHECK(has_defect(m, "truncated"));
    REQUIRE(m.candidates.size() == 2);
    CHECK(m.candidates[1].bytes == "<message>\n  <id>1005491840</i");

    // An inner multipart cut off by its parent's next delimiter.
    ExtractedMail inner = extract_mail(
        "Content-Type: multipart/mixed; boundary=outer\n\n"
        "--outer\nContent-Type: multipart/alternative; boundary=inner\n\n"
        "--inner\nContent-Type: text/plain\n\na\n"
        "--outer\nContent-Type: text/plain\n\nb\n--outer--\n");
    CHECK(has_defect(inner, "no closing boundary before its parent's next part"));
    REQUIRE(inner.candidates.size() == 2);
    CHECK(inner.candidates[0].bytes == "a");
    CHECK(inner.candidates[1].bytes == "b");
}

TEST_CASE("mimetic defect: base64 with a stray '|' is not decoded to garbage", "[mime][mimetic]") {
    SECTION("text part: the raw text is kept") {
        ExtractedMail m = extract_mail(
            "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
            "SGVsbG8g|V29ybGQ=\n");
        CHECK(has_defect(m, "invalid base64 in part 1: raw text kept"));
        REQUIRE(m.candidates.size() == 1);
        CHECK(m.candidates[0].bytes == "SGVsbG8g|V29ybGQ=\n");
    }
    SECTION("a JSON body mislabelled base64 stays readable") {
        ExtractedMail m = extract_mail(
            "Content-Type: application/json\nContent-Transfer-Encoding: base64\n\n"
            "{\"id\": 1005491844}\n");
        REQUIRE(m.candidates.size() == 1);
        CHECK(m.candidates[0].bytes == "{\"id\": 1005491844}\n");
    }
    SECTION("binary part: invalid characters skipped") {
        ExtractedMail m = extract_mail(
            "Content-Type: application/octet-stream; name=a.txt\n"
            "Content-Transfer-Encoding: base64\n\nSGVsbG8g|V29ybGQ=\n");
        CHECK(has_defect(m, "invalid characters skipped"));
        REQUIRE(m.candidates.size() == 1);
        CHECK(m.candidates[0].bytes == "Hello World");
    }
    SECTION("valid base64 decodes") {
        ExtractedMail m = extract_mail(
            "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: BASE64\n\n"
            "SGVs\nbG8g\r\nV29y bGQ=\n");
        CHECK(m.defects.empty());
        REQUIRE(m.candidates.size() == 1);
        CHECK(m.candidates[0].bytes == "Hello World");
    }
}

// ---------------------------------------------------------------- charsets and bodies

TEST_CASE("text parts are converted from their charset to UTF-8", "[mime][charset]") {
    auto body_of = [](const std::string& ctype, const std::string& cte, const std::string& body) {
        ExtractedMail m = extract_mail("Content-Type: " + ctype +
                                       "\nContent-Transfer-Encoding: " + cte + "\n\n" + body);
        REQUIRE(m.candidates.size() == 1);
        return m.candidates[0].bytes;
    };
    CHECK(body_of("text/plain; charset=iso-8859-1", "8bit", "Gr\xFC\xDF\x65\n") ==
          "Gr\xC3\xBC\xC3\x9F\x65\n");
    CHECK(body_of("text/plain; charset=latin1", "quoted-printable", "Gr=FC=DFe=\n n\n") ==
          "Gr\xC3\xBC\xC3\x9F\x65 n\n");
    CHECK(body_of("text/plain; charset=\"iso8859-1\"", "8bit", "\xFC") == "\xC3\xBC");
    CHECK(body_of("text/plain; charset=cp1252", "8bit", "\x80") == "\xE2\x82\xAC");
    CHECK(body_of("text/plain; charset=utf8", "8bit", "\xC3\xBC") == "\xC3\xBC");
    CHECK(body_of("text/plain; charset=us-ascii", "7bit", "abc") == "abc");
    CHECK(body_of("text/plain; charset=iso-8859-15", "base64", "pA==") == "\xE2\x82\xAC");
}

TEST_CASE("an unknown charset is read as UTF-8 if valid, else ISO-8859-1", "[mime][charset]") {
    ExtractedMail latin = extract_mail("Content-Type: text/plain; charset=x-unknown\n\nK\xF6ln\n");
    REQUIRE(latin.candidates.size() == 1);
    CHECK(latin.candidates[0].bytes == "K\xC3\xB6ln\n");
    CHECK(has_defect(latin, "unknown charset \"x-unknown\" in part 1: read as ISO-8859-1"));
    ExtractedMail utf8 =
        extract_mail("Content-Type: text/plain; charset=x-unknown\n\nK\xC3\xB6ln\n");
    REQUIRE(utf8.candidates.size() == 1);
    CHECK(utf8.candidates[0].bytes == "K\xC3\xB6ln\n");
    CHECK(has_defect(utf8, "read as UTF-8"));
}

TEST_CASE("XML bodies end up UTF-8 with a truthful declaration", "[mime][charset][xml]") {
    SECTION("declared encoding used when the part has no charset") {
        ExtractedMail m = extract_mail(
            "Content-Type: application/xml\n\n"
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<city>K\xF6ln</city>\n");
        REQUIRE(m.candidates.size() == 1);
        CHECK(m.candidates[0].bytes ==
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<city>K\xC3\xB6ln</city>\n");
        CHECK(m.defects.empty());
    }
    SECTION("the charset parameter wins; the declaration is rewritten") {
        ExtractedMail m = extract_mail(
            "Content-Type: text/xml; charset=iso-8859-1\n\n"
            "<?xml version='1.0' encoding='windows-1252'?><a>\xE4</a>\n");
        REQUIRE(m.candidates.size() == 1);
        CHECK(m.candidates[0].bytes == "<?xml version='1.0' encoding='UTF-8'?><a>\xC3\xA4</a>\n");
    }
    SECTION("a declaration inside Standard-format text is rewritten too") {
        ExtractedMail m = extract_mail(
            "Content-Type: text/plain; charset=iso-8859-1\n\nGr\xFC\xDF\x65\n"
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<message/>\n");
        REQUIRE(m.candidates.size() == 1);
        CHECK(contains(m.candidates[0].bytes, "encoding=\"UTF-8\"?>\n<message/>"));
    }
    SECTION("UTF-8 declarations are left alone") {
        std::string text = "<?xml version=\"1.0\" encoding=\"utf-8\"?><a/>";
        CHECK(rewrite_xml_encoding_declarations(text) == 0);
        CHECK(text == "<?xml version=\"1.0\" encoding=\"utf-8\"?><a/>");
        CHECK(xml_declared_encoding("\xEF\xBB\xBF  <?xml version=\"1.0\" encoding=\"latin1\"?>") ==
              "latin1");
        CHECK(xml_declared_encoding("<?xml-stylesheet href=\"a\"?>").empty());
    }
}

TEST_CASE("HTML parts become plain text", "[mime][html]") {
    CHECK(html_to_text("<html><head><title>T</title><style>p{}</style></head>"
                       "<body><p>a &amp; b</p><p>c<br>d</p></body></html>") == "a & b\nc\nd\n");
    CHECK(html_to_text("<pre>&lt;id&gt;1005491840&lt;/id&gt;\n&lt;type&gt;x&lt;/type&gt;</pre>") ==
          "<id>1005491840</id>\n<type>x</type>");
    CHECK(html_to_text("M&uuml;ller &#252; &#xFC; &euro; &bogus; a < b") ==
          "M\xC3\xBCller \xC3\xBC \xC3\xBC \xE2\x82\xAC &bogus; a < b");
    CHECK(html_to_text("<!-- <p>hidden</p> -->shown<a href='x>y'>link</a>") == "shownlink");
    CHECK(html_to_text("text <unterminated") == "text ");
    CHECK(html_to_text("&#0; &#x110000; &#1114112;") == "\xEF\xBF\xBD \xEF\xBF\xBD \xEF\xBF\xBD");

    ExtractedMail m = extract_mail(
        "Content-Type: text/html; charset=iso-8859-1\nContent-Transfer-Encoding: "
        "quoted-printable\n\n<pre>&lt;message&gt;K=F6ln&lt;/message&gt;</pre>\n");
    REQUIRE(m.candidates.size() == 1);
    CHECK(m.candidates[0].content_type == "text/html");
    CHECK(m.candidates[0].bytes == "<message>K\xC3\xB6ln</message>\n");
}

TEST_CASE("only bodies that may hold a notification are candidates", "[mime]") {
    ExtractedMail m = extract_mail(
        "Content-Type: multipart/mixed; boundary=b\n\n"
        "--b\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n"
        "--b\nContent-Type: application/pdf\n\n%PDF-1.4\n"
        "--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n"
        "AAECAwQF\n"
        "--b\nContent-Type: application/octet-stream; name=\"n.JSON\"\n\n{\"id\": 2}\n"
        "--b\nContent-Type: application/octet-stream\n\n<message><id>3</id></message>\n"
        "--b\nContent-Type: application/vnd.autodns+json\n\n{}\n"
        "--b\nContent-Type: message/delivery-status\n\nAction: failed\n"
        "--b--\n");
    INFO(defects_of(m));
    CHECK(types_of(m) == std::vector<std::string>{"application/octet-stream",
                                                  "application/octet-stream",
                                                  "application/vnd.autodns+json"});
    CHECK(m.candidates[0].filename == "n.JSON");
}

TEST_CASE("a forwarded notification inside message/rfc822 is found", "[mime]") {
    ExtractedMail m = extract_mail(
        "Subject: Fwd: AutoDNS\nContent-Type: multipart/mixed; boundary=f\n\n"
        "--f\nContent-Type: text/plain\n\nsee attached\n"
        "--f\nContent-Type: message/rfc822\n\n"
        "Subject: AutoDNS notification\nContent-Type: multipart/mixed; boundary=g\n\n"
        "--g\nContent-Type: application/json\n\n{\"id\": 1005491844}\n--g--\n"
        "--f--\n");
    INFO(defects_of(m));
    REQUIRE(m.candidates.size() == 2);
    CHECK(m.candidates[1].bytes == "{\"id\": 1005491844}");
    CHECK(m.candidates[1].origin.rfind("part 2.1 application/json", 0) == 0);
    CHECK(m.headers.subject == "Fwd: AutoDNS");  // the outer mail's
}

TEST_CASE("boundaries match whole delimiter lines only", "[mime]") {
    // "--b" in the middle of a line, a longer boundary that starts with "b", and a body that
    // holds the token prefix the pre-scan would otherwise use.
    ExtractedMail m = extract_mail(
        "Content-Type: multipart/mixed; boundary=b\n\n"
        "--b\nContent-Type: multipart/alternative; boundary=b_alt\n\n"
        "--b_alt\nContent-Type: text/plain\n\nline with --b inside and _adn0_b0_ too\n--b-x\n"
        "--b_alt--\n"
        "--b\nContent-Type: text/plain\n\nsecond\n--b--\n");
    INFO(defects_of(m));
    REQUIRE(m.candidates.size() == 2);
    CHECK(m.candidates[0].bytes == "line with --b inside and _adn0_b0_ too\n--b-x");
    CHECK(m.candidates[1].bytes == "second");
    CHECK(m.defects.empty());
}

TEST_CASE("transfer decoders", "[mime][decode]") {
    std::string out;
    CHECK(decode_base64("SGVsbG8=", out));
    CHECK(out == "Hello");
    CHECK(decode_base64("SGVsbG8", out));  // missing padding tolerated
    CHECK(out == "Hello");
    CHECK(decode_base64("SGVs\r\nbG8=\n", out));
    CHECK(decode_base64("QQ==QkM=", out));  // concatenated encodings
    CHECK(out == "ABC");
    CHECK_FALSE(decode_base64("SGVs|bG8=", out));
    CHECK_FALSE(decode_base64("S", out));
    CHECK_FALSE(decode_base64(std::string("SG\0Vs", 5), out));

    CHECK(decode_quoted_printable("a=3Db=\nc\n") == "a=bc\n");
    CHECK(decode_quoted_printable("trailing   \nx=  \ny") == "trailing\nxy");
    CHECK(decode_quoted_printable("=e4=C4 =ZZ =4") == "\xE4\xC4 =ZZ =4");
    CHECK(decode_quoted_printable("end=") == "end");
}

// ---------------------------------------------------------------- hostile input

TEST_CASE("no headers at all: the whole input is one text/plain candidate", "[mime][hostile]") {
    ExtractedMail m = extract_mail("{\"id\": 1005491844}\r\n");
    CHECK_FALSE(m.has_headers);
    REQUIRE(m.candidates.size() == 1);
    CHECK(m.candidates[0].content_type == "text/plain");
    CHECK(m.candidates[0].bytes == "{\"id\": 1005491844}\n");

    CHECK(extract_mail("").candidates.empty());
    CHECK_FALSE(extract_mail("").has_headers);
    CHECK(extract_mail("\n\n").candidates.empty());
    ExtractedMail blank_first = extract_mail("\nSubject: x\n\nbody\n");
    CHECK_FALSE(blank_first.has_headers);
}

TEST_CASE("NUL bytes in headers and bodies", "[mime][hostile]") {
    const char raw[] = "Subject: a\0b\nContent-Type: text/plain\n\nbe\0fore\0after\n";
    std::string mail(raw, sizeof raw - 1);
    ExtractedMail m = extract_mail(mail);
    CHECK(m.has_headers);
    CHECK(m.headers.subject == "a b");
    REQUIRE(m.candidates.size() == 1);
    CHECK(m.candidates[0].bytes == std::string("be\0fore\0after\n", 14));

    std::string junk;
    for (int i = 0; i < 4096; ++i) junk.push_back(static_cast<char>((i * 7919) & 0xFF));
    ExtractedMail j = extract_mail(junk);
    CHECK_FALSE(j.has_headers);
    REQUIRE(j.candidates.size() == 1);
    CHECK(is_valid_utf8(j.candidates[0].bytes));
}

TEST_CASE("a 10 MB header line", "[mime][hostile]") {
    std::string mail = "X-Junk: " + std::string(10 * 1024 * 1024, 'a') +
                       "\nSubject: after the junk\nContent-Type: text/plain\n\nbody\n";
    auto t0 = std::chrono::steady_clock::now();
    ExtractedMail m = extract_mail(mail);
    CHECK(seconds_since(t0) < 3.0);
    CHECK(has_defect(m, "X-Junk longer than"));
    CHECK(m.headers.subject == "after the junk");
    REQUIRE(m.candidates.size() == 1);
    CHECK(m.candidates[0].bytes == "body\n");

    // A 10 MB header block of ordinary lines: cut at max_header_bytes, MIME fields kept.
    std::string block;
    for (int i = 0; block.size() < 10 * 1024 * 1024; ++i)
        block += "X-Line-" + std::to_string(i) + ": some value\n";
    t0 = std::chrono::steady_clock::now();
    ExtractedMail b =
        extract_mail("Subject: s\n" + block + "Content-Type: application/json\n\n{}\n");
    CHECK(seconds_since(t0) < 3.0);
    CHECK(has_defect(b, "header larger than 1048576 bytes cut"));
    REQUIRE(b.candidates.size() == 1);
    CHECK(b.candidates[0].content_type == "application/json");
}

TEST_CASE("a 100 MB body and very long lines", "[mime][hostile]") {
    std::string mail =
        "Subject: big\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
        "Content-Type: text/plain; charset=utf-8\n\n";
    const std::string line =
        "0123456789 abcdefghijklmnopqrstuvwxyz \xC3\xBC\xC3\xB6\xC3\xA4 "
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ\r\n";
    const std::size_t lines = 100 * 1024 * 1024 / line.size();
    mail.reserve(lines * line.size() + 30 * 1024 * 1024);
    for (std::size_t i = 0; i < lines; ++i) mail += line;
    mail += "--b\nContent-Type: text/plain\n\n";
    mail.append(20 * 1024 * 1024, 'x');  // one 20 MB line
    mail += "\n--b--\n";
    auto t0 = std::chrono::steady_clock::now();
    ExtractedMail m = extract_mail(mail);
    CHECK(seconds_since(t0) < 10.0);
    INFO(defects_of(m));
    REQUIRE(m.candidates.size() == 2);
    CHECK(m.candidates[0].bytes.size() == lines * (line.size() - 1) - 1);
    CHECK(m.candidates[1].bytes.size() == 20 * 1024 * 1024);
    CHECK(m.defects.empty());
}

TEST_CASE("pathological HTML, XML declarations and parameters stay linear", "[mime][hostile]") {
    std::string html, xml, params = "text/plain";
    for (int i = 0; i < 500000; ++i) html += "<head>& a &";
    for (int i = 0; i < 500000; ++i) xml += "<?xml encoding='x' ";
    for (int i = 0; i < 5000; ++i) params += " a" + std::to_string(i) + "=b c";
    auto t0 = std::chrono::steady_clock::now();
    CHECK(html_to_text(html).size() == 500000 * 5);
    CHECK(rewrite_xml_encoding_declarations(xml) == 0);
    std::string subject;
    for (int i = 0; i < 10000; ++i) subject += "=?a?q?";  // encoded words that never end
    ExtractedMail m = extract_mail("Subject: " + subject + "\nContent-Type: " + params + "\n\nx\n");
    CHECK(m.headers.subject.size() > 30000);
    CHECK(m.candidates.size() == 1);
    CHECK(seconds_since(t0) < 3.0);
}

TEST_CASE("bare CR line endings", "[mime][hostile]") {
    ExtractedMail m = extract_mail(
        "Subject: mac\rContent-Type: multipart/mixed; boundary=b\r\r--b\rContent-Type: "
        "text/plain\r\rone\rtwo\r--b--\r");
    CHECK(m.headers.subject == "mac");
    REQUIRE(m.candidates.size() == 1);
    CHECK(m.candidates[0].bytes == "one\ntwo");
}

TEST_CASE("many parts are bounded by max_parts", "[mime][hostile]") {
    std::string mail = "Content-Type: multipart/mixed; boundary=b\n\n";
    for (int i = 0; i < 5000; ++i) mail += "--b\nContent-Type: text/plain\n\npart\n";
    mail += "--b--\n";
    MimeLimits limits;
    limits.max_parts = 100;
    ExtractedMail m = extract_mail(mail, limits);
    CHECK(has_defect(m, "more than 100 parts"));
    CHECK(m.candidates.size() <= 100);
    CHECK(m.candidates.size() >= 90);
}

TEST_CASE("malformed structures never throw", "[mime][hostile]") {
    const char* cases[] = {
        "Content-Type: multipart/mixed\n\n--\n--\n",                  // no boundary parameter
        "Content-Type: multipart/mixed; boundary=\"\"\n\n--\n",       // empty boundary
        "Content-Type: multipart/mixed; boundary=b\n\n--b",           // delimiter at EOF
        "Content-Type: multipart/mixed; boundary=b\n\n--b--\n--b\n",  // part after the end
        "Content-Type: message/rfc822\n\n",                           // empty message
        "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nU3ViamVjdDogeA==\n",
        "Subject: x\n continuation\n\tmore\n\n",
        "Subject: x\nnot a header line\nTo: y\n\nbody\n",
        " leading continuation\nSubject: x\n\n",
        "Content-Type: text/plain\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 a\n",
        "Content-Type: text/plain; charset=\"\nContent-Transfer-Encoding: quoted-printable\n\n=\n",
        ":\n\n",
    };
    for (const char* c : cases) {
        INFO(c);
        ExtractedMail m;
        CHECK_NOTHROW(m = extract_mail(c));
        for (const auto& d : m.defects) CHECK(d.find("MIME parsing failed") == std::string::npos);
        for (const auto& p : m.candidates) CHECK(is_valid_utf8(p.bytes));
    }
    ExtractedMail no_boundary = extract_mail(cases[0]);
    CHECK(has_defect(no_boundary, "without boundary read as text/plain"));
    ExtractedMail uu = extract_mail(cases[9]);
    CHECK(has_defect(uu, "unknown Content-Transfer-Encoding"));
}

// ---------------------------------------------------------------- oracle

namespace {

std::string normalized(std::string s) {
    std::string out, line;
    std::istringstream in(s);
    while (std::getline(in, line)) {
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
            line.pop_back();
        out += line;
        out += '\n';
    }
    std::size_t b = out.find_first_not_of("\n "), e = out.find_last_not_of("\n ");
    return b == std::string::npos ? std::string() : out.substr(b, e - b + 1);
}

std::string collapsed_whitespace(const std::string& s) {
    std::string out;
    bool space = false;
    for (char c : s) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = !out.empty();
        } else {
            if (space) out.push_back(' ');
            space = false;
            out.push_back(c);
        }
    }
    return out;
}

// Runs the oracle once over all files; returns its output, one JSON object per line.
std::string run_oracle(const std::vector<std::string>& mail_paths) {
    std::string cmd =
        "python3 '" + std::string(AUTODNS_SOURCE_DIR) + "/tests/tools/mime_oracle.py'";
    for (const std::string& path : mail_paths) cmd += " '" + path + "'";
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string out;
    char buf[8192];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    int status = pclose(p);
    INFO(out);
    REQUIRE(status == 0);
    return out;
}

}  // namespace

TEST_CASE("extract_mail agrees with Python's email package on every sample", "[mime][oracle]") {
    std::vector<std::string> files;
    for (const std::string& dir : {kSamples, kSamples + "messy/"})
        for (const auto& entry : std::filesystem::directory_iterator(dir))
            if (entry.path().extension() == ".eml") files.push_back(entry.path().string());
    REQUIRE(files.size() >= 35);
    std::istringstream lines(run_oracle(files));
    std::string line;
    std::size_t compared = 0;
    while (std::getline(lines, line)) {
        nlohmann::json oracle = nlohmann::json::parse(line);
        const std::string file = oracle["file"].get<std::string>();
        INFO("sample " << file);
        ExtractedMail m = extract_mail(read_file(file));
        if (oracle["subject"].is_string())
            CHECK(collapsed_whitespace(m.headers.subject) ==
                  collapsed_whitespace(oracle["subject"].get<std::string>()));
        const auto& want = oracle["candidates"];
        REQUIRE(m.candidates.size() == want.size());
        for (std::size_t i = 0; i < want.size(); ++i) {
            INFO("candidate " << i);
            CHECK(m.candidates[i].content_type == want[i]["content_type"].get<std::string>());
            CHECK(m.candidates[i].filename == want[i]["filename"].get<std::string>());
            CHECK(normalized(m.candidates[i].bytes) ==
                  normalized(want[i]["text"].get<std::string>()));
            CHECK(m.contexts.at(i).in_report == want[i]["in_report"].get<bool>());
        }
        ++compared;
    }
    CHECK(compared == files.size());
}

// ---------------------------------------------------------------- RFC 3676, structure

TEST_CASE("format=flowed is unwrapped (RFC 3676)", "[mime][flowed]") {
    // Soft breaks (a trailing space) join; the space stays without delsp.
    CHECK(unflow_text("a long \nline\nnext\n", false) == "a long line\nnext\n");
    CHECK(unflow_text("a lo \nng line\n", true) == "a long line\n");
    // Space stuffing is removed; a stuffed "From " and a leading space come back.
    CHECK(unflow_text("  indented\n From here\n", false) == " indented\nFrom here\n");
    // The signature separator is not a soft break; quote depth changes end a paragraph.
    CHECK(unflow_text("text\n-- \nsig\n", false) == "text\n-- \nsig\n");
    CHECK(unflow_text("> quoted \n> more\n>> deeper \nplain\n", false) ==
          "> quoted more\n>> deeper \nplain\n");
    CHECK(unflow_text("ends soft \n", false) == "ends soft \n");
    CHECK(unflow_text("", false).empty());
}

TEST_CASE("format=flowed parts are unwrapped before extraction, other parts are not",
          "[mime][flowed]") {
    const std::string head = "From: a@b.example\nMIME-Version: 1.0\nContent-Type: text/plain; ";
    const std::string body = "\n{\"notice\": \"one \n two\"}\n";
    ExtractedMail m = extract_mail(head + "charset=utf-8; format=flowed\n" + body);
    REQUIRE(m.candidates.size() == 1);
    CHECK(m.candidates[0].bytes == "{\"notice\": \"one two\"}\n");
    CHECK(m.candidates[0].origin.find("format=flowed") != std::string::npos);
    m = extract_mail(head + "charset=utf-8; format=Flowed; DelSp=Yes\n" + body);
    CHECK(m.candidates.at(0).bytes == "{\"notice\": \"onetwo\"}\n");
    m = extract_mail(head + "charset=utf-8\n" + body);
    CHECK(m.candidates.at(0).bytes == "{\"notice\": \"one \n two\"}\n");
}

TEST_CASE("candidates know the message, alternative and report around them", "[mime]") {
    ExtractedMail m = extract_sample("messy/forward-attached-three-levels.eml");
    REQUIRE(m.candidates.size() == 4);
    REQUIRE(m.messages.size() == 3);
    CHECK(m.contexts[0].message == kOuterMessage);
    CHECK(m.messages[0].section == "2");
    CHECK(m.messages[0].headers.from_address == "ops2@example-hosting.de");
    CHECK(m.messages[1].section == "2.2");
    CHECK(m.messages[1].parent == 0);
    CHECK(m.messages[2].section == "2.2.2");
    CHECK(m.messages[2].headers.from_address == "noreply@autodns.example");
    CHECK(m.contexts[3].message == 2);

    m = extract_sample("messy/digest-three-entries.eml");
    REQUIRE(m.messages.size() == 3);  // digest parts default to message/rfc822
    CHECK(m.messages[1].headers.from_address == "noreply@autodns.example");
    CHECK(m.contexts.at(2).message == 1);

    m = extract_sample("standard-de-utf8-alternative-base64-html.eml");
    REQUIRE(m.contexts.size() == 2);
    CHECK(m.contexts[0].alternative == m.contexts[1].alternative);
    CHECK(m.contexts[0].alternative != kOuterMessage);
    CHECK(m.contexts[0].alternative_member == 1);
    CHECK(m.contexts[1].alternative_member == 2);

    m = extract_sample("other/bounce-dsn.eml");
    for (const CandidateContext& c : m.contexts) CHECK(c.in_report);

    CHECK(extract_sample("messy/autoreply-quoting-json.eml").headers.auto_reply);
    CHECK(extract_sample("messy/autoreply-x-autoreply-full-copy.eml").headers.auto_reply);
    CHECK_FALSE(extract_sample("messy/dsn-bounce-carrying-notification.eml").headers.auto_reply);
}

TEST_CASE("opaque S/MIME is named as not read", "[mime]") {
    const ExtractedMail m = extract_mail(
        "From: a@b.example\nMIME-Version: 1.0\nContent-Type: application/pkcs7-mime; "
        "smime-type=signed-data; name=smime.p7m\nContent-Transfer-Encoding: base64\n\n"
        "MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwGggCSABIIB\n");
    CHECK(m.candidates.empty());
    CHECK(has_defect(m, "part 1: application/pkcs7-mime (opaque or encrypted S/MIME) not read"));
}
