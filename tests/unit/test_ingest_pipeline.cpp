#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>

#include "ingest/ingest.hpp"
#include "ingest/pipeline.hpp"
#include "store/store.hpp"
#include "temp_dir.hpp"
#include "util/io.hpp"

using namespace autodns;

TEST_CASE("looks_like_mail tells mails from bare payloads", "[pipeline]") {
    CHECK(looks_like_mail("Return-Path: <x@y>\nSubject: s\n\nbody"));
    CHECK(looks_like_mail("From x@y Mon Jan  1 00:00:00 2024\nSubject: s\n"));
    CHECK_FALSE(looks_like_mail("{\"id\": 1}"));
    CHECK_FALSE(looks_like_mail("<message><id>1</id></message>"));
    CHECK_FALSE(looks_like_mail("message>\n<id>1</id>"));
    CHECK_FALSE(looks_like_mail(""));
    CHECK_FALSE(looks_like_mail("Dear customer: your domain"));
}

TEST_CASE("sender policy: allowed From domains and Authentication-Results", "[pipeline]") {
    MailHeaders h;
    h.from_address = "noreply@mail.autodns.example";
    MailPolicy open;
    CHECK(check_policy(h, open));
    CHECK(check_policy(h, open)->from_domain.empty());

    MailPolicy domains;
    domains.allowed_from_domains = {"autodns.example"};
    REQUIRE(check_policy(h, domains));
    CHECK(check_policy(h, domains)->from_domain == "mail.autodns.example");
    h.from_address = "noreply@autodns.example.evil.test";
    CHECK(check_policy(h, domains).error().find("not allowed") != std::string::npos);
    h.from_address = "noreply@evilautodns.example";
    CHECK_FALSE(check_policy(h, domains));
    h.from_address = "";
    CHECK(check_policy(h, domains).error().find("no sender") != std::string::npos);

    MailPolicy auth;
    auth.required_authserv_id = "mx.registrar.example";
    h.from_address = "noreply@autodns.example";
    CHECK_FALSE(check_policy(h, auth));
    h.authentication_results = {"mx.registrar.example; dkim=fail header.d=autodns.example"};
    CHECK_FALSE(check_policy(h, auth));
    h.authentication_results = {"forged.example; dmarc=pass"};
    CHECK_FALSE(check_policy(h, auth));
    h.authentication_results = {
        "forged.example; dmarc=pass",
        "mx.registrar.example; spf=none; dkim=pass header.d=autodns.example"};
    CHECK(check_policy(h, auth));
    h.authentication_results = {"mx.registrar.example; nodkim=pass"};
    CHECK_FALSE(check_policy(h, auth));
}

TEST_CASE("sender policy: a pass counts only for the From domain, from the MTA's own field",
          "[pipeline]") {
    MailHeaders h;
    h.from_address = "noreply@autodns.example";
    MailPolicy auth;
    auth.required_authserv_id = "mx.registrar.example";
    const auto passes = [&](std::vector<std::string> fields) {
        h.authentication_results = std::move(fields);
        return check_policy(h, auth).has_value();
    };
    // Passes that vouch for the From domain (relaxed alignment).
    CHECK(passes({"mx.registrar.example; dmarc=pass header.from=autodns.example"}));
    CHECK(passes({"mx.registrar.example; dmarc=pass"}));
    CHECK(passes(
        {"MX.Registrar.Example 1; dkim=pass (good signature) header.d=mail.autodns.example"}));
    CHECK(passes({"mx.registrar.example; spf=pass smtp.mailfrom=bounce@autodns.example"}));
    CHECK(passes({"mx.registrar.example; dkim=pass header.i=@autodns.example"}));

    // Regression: a pass for the sender's own domain proved nothing, yet was accepted.
    CHECK_FALSE(passes({"mx.registrar.example; spf=pass smtp.mailfrom=x@evil.test"}));
    CHECK_FALSE(passes({"mx.registrar.example; dkim=pass header.d=evil.test"}));
    CHECK_FALSE(passes({"mx.registrar.example; dmarc=pass header.from=evil.test"}));
    CHECK_FALSE(passes({"mx.registrar.example; dkim=pass header.d=autodns.example.evil.test"}));
    // Regression: "dmarc=pass" inside a value the sender controls (the envelope sender's
    // local part, a quoted string, a comment) read as a result.
    CHECK_FALSE(passes({"mx.registrar.example; spf=fail smtp.mailfrom=dmarc=pass@evil.test"}));
    CHECK_FALSE(passes({"mx.registrar.example; dkim=fail header.i=\"dkim=pass\"@evil.test"}));
    CHECK_FALSE(passes({"mx.registrar.example; spf=fail (dmarc=pass) smtp.mailfrom=evil.test"}));
    CHECK_FALSE(passes({"mx.registrar.example; dkim=fail; x (; dmarc=pass)"}));
    // Regression: a forged field below the MTA's own one was believed.
    CHECK_FALSE(passes({"mx.registrar.example; dmarc=fail header.from=autodns.example",
                        "mx.registrar.example; dmarc=pass header.from=autodns.example"}));
    CHECK(passes({"other.example; dmarc=fail",
                  "mx.registrar.example; dmarc=pass header.from=autodns.example"}));
    // No From address: nothing to vouch for.
    h.from_address.clear();
    CHECK_FALSE(passes({"mx.registrar.example; dmarc=pass"}));
    CHECK_FALSE(passes({"mx.registrar.example; dkim=pass header.d=autodns.example"}));
}

// ---------------------------------------------------------------- several parts of one mail

namespace {

std::string sample(const std::string& relative) {
    const auto text = util::read_file(std::string(AUTODNS_SOURCE_DIR) + "/samples/" + relative);
    REQUIRE(text);
    return *text;
}

std::vector<std::string> keys_of(const Analysis& a) {
    std::vector<std::string> keys;
    for (const Notification& n : a.notifications) keys.push_back(n.key);
    return keys;
}

bool has_note(const Analysis& a, const std::string& part) {
    return std::any_of(a.notes.begin(), a.notes.end(),
                       [&](const std::string& n) { return n.find(part) != std::string::npos; });
}

const std::string kId44 = "id:1005491844", kId77 = "id:1012057877";

}  // namespace

TEST_CASE("pipeline: two attachments with two ids are two notifications, each with its part",
          "[pipeline][mail]") {
    const Analysis a = analyze_mail(sample("mail/messy/two-json-attachments-two-ids.eml"),
                                    MailPolicy{}, MimeLimits{});
    REQUIRE(a.verdict == Verdict::notifications);
    CHECK(keys_of(a) == std::vector<std::string>{kId44, kId77});
    CHECK(a.origin.find("1005491844.json") != std::string::npos);
    REQUIRE(a.more_parts.size() == 1);
    CHECK(a.more_parts[0].first == 1);
    CHECK(a.more_parts[0].origin.find("1012057877.json") != std::string::npos);
    CHECK(a.payload == sample("payloads/003-autoupdate_dns_success-push.json"));
    CHECK(a.more_parts[0].payload == sample("payloads/003-autoupdate_dns_error-push.json"));
}

TEST_CASE("pipeline: one notification in several parts is kept once", "[pipeline][mail]") {
    // Standard format: the text and the XML attachment are one message.
    Analysis a = analyze_mail(sample("mail/standard-de-utf8-8bit-mixed-xml-attachment.eml"),
                              MailPolicy{}, MimeLimits{});
    REQUIRE(a.verdict == Verdict::notifications);
    CHECK(keys_of(a) == std::vector<std::string>{"id:1005491840"});
    CHECK(a.more_parts.empty());
    CHECK(a.origin.find("application/xml") != std::string::npos);  // the structured part wins
    a = analyze_mail(sample("mail/messy/standard-text-and-xml-attachment.eml"), MailPolicy{},
                     MimeLimits{});
    CHECK(keys_of(a) == std::vector<std::string>{"id:1005491840"});
    CHECK(a.more_parts.empty());
    CHECK(a.notifications.at(0).format == Format::xml);  // the attachment's copy is kept
    CHECK(has_note(a, "part 1 text/plain; charset=utf-8: id:1005491840 again"));
    a = analyze_mail(sample("mail/messy/same-json-in-body-and-attached.eml"), MailPolicy{},
                     MimeLimits{});
    CHECK(keys_of(a) == std::vector<std::string>{kId44});
    CHECK(a.more_parts.empty());
    CHECK(a.origin.find("notification.json") != std::string::npos);
    CHECK(has_note(a, "part 1 text/plain; charset=utf-8: id:1005491844 again"));
    // Alternatives (text + HTML) are one content: the HTML is not parsed once the text gave.
    a = analyze_mail(sample("mail/standard-de-utf8-alternative-base64-html.eml"), MailPolicy{},
                     MimeLimits{});
    CHECK(keys_of(a) == std::vector<std::string>{"id:1005491840"});
    CHECK(has_note(a, "an alternative of a part that gave"));
}

TEST_CASE("pipeline: a broken part next to a good one is a note, alone it is malformed",
          "[pipeline][mail]") {
    const std::string raw = sample("mail/messy/one-good-one-cut-attachment.eml");
    Analysis a = analyze_mail(raw, MailPolicy{}, MimeLimits{});
    REQUIRE(a.verdict == Verdict::notifications);
    CHECK(keys_of(a) == std::vector<std::string>{kId44});
    CHECK(has_note(a, "a.json\": malformed: truncated JSON"));
    // Without the good part the mail is malformed (and so quarantined).
    const std::size_t b = raw.find("--==good_and_cut\nContent-Type: application/json; name=\"b");
    REQUIRE(b != std::string::npos);
    a = analyze_mail(raw.substr(0, b) + "--==good_and_cut--\n", MailPolicy{}, MimeLimits{});
    CHECK(a.verdict == Verdict::malformed);
    CHECK(a.reason.find("truncated JSON") != std::string::npos);
    CHECK(a.notes.empty());
}

TEST_CASE("pipeline: trailing text after the document is ignored and counted", "[pipeline][mail]") {
    const Analysis a =
        analyze_mail(sample("mail/messy/json-mailman-footer.eml"), MailPolicy{}, MimeLimits{});
    REQUIRE(a.verdict == Verdict::notifications);
    CHECK(keys_of(a) == std::vector<std::string>{kId44});
    // The footer (three lines, 194 bytes with their line ends) is what was ignored.
    CHECK(has_note(a, "194 bytes of text after the document ignored"));
    const Analysis p = analyze_payload(
        sample("payloads/003-autoupdate_dns_success-push.json") + "\nSent from my phone\n",
        "application/json", "push");
    REQUIRE(p.verdict == Verdict::notifications);
    CHECK(p.notes == std::vector<std::string>{"19 bytes of text after the document ignored"});
    const Analysis two = analyze_payload(
        "{\"id\": 1, \"notify\": {\"type\": \"x\"}}\n"
        "{\"id\": 2, \"notify\": {\"type\": \"x\"}}\n",
        "application/json", "push");
    CHECK(two.verdict == Verdict::malformed);
    CHECK(two.reason == "a second JSON document after the first at byte 35");
}

TEST_CASE("pipeline: bounces and automatic replies give no notification", "[pipeline][mail]") {
    Analysis a = analyze_mail(sample("mail/messy/dsn-bounce-carrying-notification.eml"),
                              MailPolicy{}, MimeLimits{});
    CHECK(a.verdict == Verdict::not_notification);
    CHECK(a.reason.find("multipart/report") != std::string::npos);
    a = analyze_mail(sample("mail/messy/autoreply-quoting-json.eml"), MailPolicy{}, MimeLimits{});
    CHECK(a.verdict == Verdict::not_notification);
    a = analyze_mail(sample("mail/messy/autoreply-x-autoreply-full-copy.eml"), MailPolicy{},
                     MimeLimits{});
    CHECK(a.verdict == Verdict::not_notification);
    CHECK(a.reason.find("automatic reply") != std::string::npos);
}

TEST_CASE(
    "pipeline: the policy applies to the mail and to the embedded message that carries "
    "the notification",
    "[pipeline][mail]") {
    MailPolicy colleagues;  // the forwarder's domain and AutoDNS's
    colleagues.allowed_from_domains = {"example-hosting.de", "autodns.example"};
    MailPolicy autodns_only;
    autodns_only.allowed_from_domains = {"autodns.example"};
    MailPolicy hosting_only;
    hosting_only.allowed_from_domains = {"example-hosting.de"};

    const std::string fwd = sample("mail/messy/forward-attached-rfc822.eml");
    CHECK(analyze_mail(fwd, colleagues, MimeLimits{}).verdict == Verdict::notifications);
    // The outer sender (the forwarder) is not allowed.
    Analysis a = analyze_mail(fwd, autodns_only, MimeLimits{});
    CHECK(a.verdict == Verdict::untrusted);
    CHECK(a.reason ==
          "untrusted: From domain example-hosting.de is not allowed (allow-from: autodns.example)");
    // The forwarder is allowed, but the embedded message's sender is not.
    a = analyze_mail(fwd, hosting_only, MimeLimits{});
    CHECK(a.verdict == Verdict::untrusted);
    CHECK(a.reason ==
          "untrusted: the message embedded as part 2: From domain autodns.example "
          "is not allowed (allow-from: example-hosting.de)");
    CHECK(a.notifications.empty());

    // Three levels: every message between the mail and the notification is checked.
    const std::string deep = sample("mail/messy/forward-attached-three-levels.eml");
    a = analyze_mail(deep, colleagues, MimeLimits{});
    CHECK(keys_of(a) == std::vector<std::string>{kId44});
    std::string forged = deep;
    const std::size_t at = forged.find("ops1@example-hosting.de");  // level 1, in part 2.2
    REQUIRE(at != std::string::npos);
    forged.replace(at, 23, "ops1@evil.example");
    a = analyze_mail(forged, colleagues, MimeLimits{});
    CHECK(a.verdict == Verdict::untrusted);
    CHECK(a.reason.find("embedded as part 2.2: From domain evil.example") != std::string::npos);

    // A digest: the list server sends it, AutoDNS wrote the entries.
    a = analyze_mail(sample("mail/messy/digest-three-entries.eml"), colleagues, MimeLimits{});
    CHECK(keys_of(a) == std::vector<std::string>{"id:1005452977", kId44});
}

TEST_CASE("pipeline: each part's notifications are stored with that part, a receipt each",
          "[pipeline][mail][store]") {
    TempDir dir;
    StoreOptions options;
    options.location = dir / "n.sqlite";
    const std::unique_ptr<Store> owned = open_store(options);
    Store& store = *owned;
    const std::string raw = sample("mail/messy/two-json-attachments-two-ids.eml");
    Analysis a = analyze_mail(raw, MailPolicy{}, MimeLimits{});
    Arrival arrival;
    arrival.locator = "test:two";
    arrival.raw_sha256 = sha256_hex(raw);
    IngestReport r = record_input(store, a, arrival, raw);
    CHECK(r.outcome == IngestOutcome::stored);
    CHECK(r.new_count == 2);
    for (const auto& [key, payload] :
         {std::pair{kId44, "payloads/003-autoupdate_dns_success-push.json"},
          std::pair{kId77, "payloads/003-autoupdate_dns_error-push.json"}}) {
        INFO(key);
        const auto stored = store.find_notification(key);
        REQUIRE(stored);
        CHECK(stored->raw_payload == sample(payload));
        CHECK(store.receipts_for(key).size() == 1);
    }
    // The same mail again, with records made beforehand as import does: duplicates only.
    prepare_records(a);
    r = record_input(store, a, arrival, raw);
    CHECK(r.outcome == IngestOutcome::duplicate);
    CHECK(r.duplicate_count == 2);
    CHECK(store.receipts_for(kId77).size() == 2);
    CHECK(store.counts().notifications == 2);
}

TEST_CASE("pipeline: many parts repeating notifications stay linear, the notes bounded",
          "[pipeline][mail][hostile]") {
    // 900 parts, each a JSON array of 200 notifications with the same 200 ids.
    std::string doc = "[";
    for (int i = 0; i < 200; ++i) {
        if (i) doc += ",";
        doc += "{\"id\":" + std::to_string(1000 + i) + ",\"notify\":{\"type\":\"x\"}}";
    }
    doc += "]";
    std::string raw =
        "From: a@b.example\nMIME-Version: 1.0\nContent-Type: multipart/mixed; "
        "boundary=b\n\n";
    for (int p = 0; p < 900; ++p) raw += "--b\nContent-Type: application/json\n\n" + doc + "\n";
    raw += "--b--\n";
    const auto start = std::chrono::steady_clock::now();
    const Analysis a = analyze_mail(raw, MailPolicy{}, MimeLimits{});
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    REQUIRE(a.verdict == Verdict::notifications);
    CHECK(a.notifications.size() == 200);
    CHECK(a.more_parts.empty());
    CHECK(a.notes.size() == 51);
    CHECK(a.notes.back() == "further notes left out");
    CHECK(seconds < 20);  // a bound against quadratic work, not a speed target (bench/)
}

TEST_CASE("pipeline: with required Authentication-Results, an embedded message needs its own",
          "[pipeline][mail]") {
    MailPolicy policy;
    policy.required_authserv_id = "mx1.example-hosting.de";
    std::string fwd = sample("mail/messy/forward-attached-rfc822.eml");
    // The outer mail: authenticated by our MTA for the forwarder's domain.
    fwd =
        "Authentication-Results: mx1.example-hosting.de; dkim=pass "
        "header.d=example-hosting.de\n" +
        fwd;
    // The embedded AutoDNS mail carries the field our MTA wrote when it first arrived.
    Analysis a = analyze_mail(fwd, policy, MimeLimits{});
    CHECK(a.verdict == Verdict::notifications);
    // Without it, the forwarded message is not vouched for.
    const std::size_t at = fwd.find("Authentication-Results: mx1.example-hosting.de;\n");
    REQUIRE(at != std::string::npos);
    std::string stripped = fwd;
    stripped.replace(at, std::string("Authentication-Results").size(), "X-Removed-Results");
    a = analyze_mail(stripped, policy, MimeLimits{});
    CHECK(a.verdict == Verdict::untrusted);
    CHECK(a.reason.find("the message embedded as part 2: no Authentication-Results pass") !=
          std::string::npos);
}
