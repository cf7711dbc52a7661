#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "handlers/delivery_thread.hpp"

using namespace autodns;
using namespace std::chrono_literals;

namespace {

// Polls `done` for up to 10 s.
bool eventually(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

}  // namespace

TEST_CASE("delivery thread: one run at start, then one per wake", "[delivery_thread]") {
    std::atomic<int> runs{0};
    DeliveryThread deliverer([&] { ++runs; }, 1h);
    std::this_thread::sleep_for(20ms);
    CHECK(runs == 0);  // nothing before start()
    deliverer.start();
    REQUIRE(eventually([&] { return runs == 1; }));
    std::this_thread::sleep_for(50ms);
    CHECK(runs == 1);  // not woken: no second run (the retry interval is an hour)
    deliverer.wake();
    REQUIRE(eventually([&] { return runs == 2; }));
    deliverer.wake();
    REQUIRE(eventually([&] { return runs == 3; }));
    CHECK(deliverer.runs() == 3u);
}

TEST_CASE("delivery thread: a wake during a run is not lost", "[delivery_thread]") {
    std::atomic<int> runs{0};
    std::atomic<bool> release{false};
    DeliveryThread deliverer(
        [&] {
            ++runs;
            while (!release) std::this_thread::sleep_for(1ms);
        },
        1h);
    deliverer.start();
    REQUIRE(eventually([&] { return runs == 1; }));
    deliverer.wake();  // while the first run is under way
    deliverer.wake();  // several wakes before the next run are one run
    release = true;
    REQUIRE(eventually([&] { return runs == 2; }));
    std::this_thread::sleep_for(50ms);
    CHECK(runs == 2);
}

TEST_CASE("delivery thread: without a wake it runs every retry interval", "[delivery_thread]") {
    std::atomic<int> runs{0};
    DeliveryThread deliverer([&] { ++runs; }, 20ms);
    deliverer.start();
    CHECK(eventually([&] { return runs >= 4; }));
}

TEST_CASE("delivery thread: stop() returns promptly and ends the runs", "[delivery_thread]") {
    std::atomic<int> runs{0};
    DeliveryThread deliverer([&] { ++runs; }, 1h);
    deliverer.start();
    REQUIRE(eventually([&] { return runs == 1; }));
    const auto before = std::chrono::steady_clock::now();
    deliverer.stop();
    CHECK(std::chrono::steady_clock::now() - before < 5s);  // not the hour of the interval
    deliverer.wake();
    deliverer.start();  // no restart after stop()
    std::this_thread::sleep_for(50ms);
    CHECK(runs == 1);
    deliverer.stop();  // again: nothing to do
}

TEST_CASE("delivery thread: stop() finishes the run under way", "[delivery_thread]") {
    std::atomic<bool> inside{false}, finished{false};
    DeliveryThread deliverer(
        [&] {
            inside = true;
            std::this_thread::sleep_for(100ms);
            finished = true;
        },
        1h);
    deliverer.start();
    REQUIRE(eventually([&] { return inside.load(); }));
    deliverer.stop();
    CHECK(finished);
}

TEST_CASE("delivery thread: never started, it is destroyed without running", "[delivery_thread]") {
    std::atomic<int> runs{0};
    {
        DeliveryThread deliverer([&] { ++runs; });
        deliverer.wake();
    }
    CHECK(runs == 0);
}
