#include <catch2/catch.hpp>

#include "core/pipeline.hpp"

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
    CHECK(check_policy(h, open).empty());

    MailPolicy domains;
    domains.allowed_from_domains = {"autodns.example"};
    CHECK(check_policy(h, domains).empty());
    h.from_address = "noreply@autodns.example.evil.test";
    CHECK(check_policy(h, domains).find("not allowed") != std::string::npos);
    h.from_address = "noreply@evilautodns.example";
    CHECK_FALSE(check_policy(h, domains).empty());
    h.from_address = "";
    CHECK(check_policy(h, domains).find("no sender") != std::string::npos);

    MailPolicy auth;
    auth.required_authserv_id = "mx.registrar.example";
    h.from_address = "noreply@autodns.example";
    CHECK_FALSE(check_policy(h, auth).empty());
    h.authentication_results = {"mx.registrar.example; dkim=fail header.d=autodns.example"};
    CHECK_FALSE(check_policy(h, auth).empty());
    h.authentication_results = {"forged.example; dmarc=pass"};
    CHECK_FALSE(check_policy(h, auth).empty());
    h.authentication_results = {
        "forged.example; dmarc=pass",
        "mx.registrar.example; spf=none; dkim=pass header.d=autodns.example"};
    CHECK(check_policy(h, auth).empty());
    h.authentication_results = {"mx.registrar.example; nodkim=pass"};
    CHECK_FALSE(check_policy(h, auth).empty());
}

TEST_CASE("sender policy: a pass counts only for the From domain, from the MTA's own field",
          "[pipeline]") {
    MailHeaders h;
    h.from_address = "noreply@autodns.example";
    MailPolicy auth;
    auth.required_authserv_id = "mx.registrar.example";
    const auto passes = [&](std::vector<std::string> fields) {
        h.authentication_results = std::move(fields);
        return check_policy(h, auth).empty();
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
