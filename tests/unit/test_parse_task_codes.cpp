#include <catch2/catch.hpp>

#include "parse/task_codes.hpp"

using namespace autodns;

TEST_CASE("task codes: four-digit status codes", "[task_codes]") {
    auto m = match_task_code("S0101");
    REQUIRE(m);
    CHECK(m->code == "0101");
    CHECK(m->name == "DomainCreate");
    CHECK(match_task_code("E0102")->name == "DomainUpdate");
    CHECK(match_task_code("N0104")->name == "DomainTransfer");
    CHECK(match_task_code("S0203")->name == "ZoneDelete");
    CHECK(match_task_code("S0301")->name == "ContactCreate");
    CHECK(match_task_code("0523")->name == "BackupMxDelete");
}

TEST_CASE("task codes: the longest table code wins", "[task_codes]") {
    auto m = match_task_code("S0102002");
    REQUIRE(m);
    CHECK(m->code == "0102002");
    CHECK(m->name == "DomainStatusUpdate");
    CHECK(match_task_code("S0101003")->name == "DomainRenew");
    CHECK(match_task_code("S0104010")->name == "DomainOwnerChange");
    CHECK(match_task_code("S0202001")->name == "ZoneUpdateBulk");
    CHECK(match_task_code("S1301014")->name == "UserProfileUpdate");
    CHECK(match_task_code("S400106")->name == "CertificateRenew");
    CHECK(match_task_code("S400201")->name == "ContactCreate");
    // A sub-code the table does not list falls back to its four-digit task.
    m = match_task_code("S0102009");
    REQUIRE(m);
    CHECK(m->code == "0102");
    CHECK(m->name == "DomainUpdate");
}

TEST_CASE("task codes: unknown or non-codes", "[task_codes]") {
    CHECK_FALSE(match_task_code("S0105"));  // not in the table
    CHECK_FALSE(match_task_code("S1301"));  // only 1301002 / 1301014 are listed
    CHECK_FALSE(match_task_code("S0905x"));
    CHECK_FALSE(match_task_code(""));
    CHECK_FALSE(match_task_code("SUCCESS"));
    CHECK(task_digits("S0105") == "0105");
    CHECK(task_digits("EF01024") == "01024");
    CHECK(task_digits("abc").empty());
    CHECK(task_digits("S01 05").empty());
}
