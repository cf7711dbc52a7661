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
