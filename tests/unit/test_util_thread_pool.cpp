#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <numeric>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "util/thread_pool.hpp"

using autodns::util::ThreadPool;

TEST_CASE("thread pool: every index runs exactly once, by a worker in range", "[thread_pool]") {
    for (unsigned threads : {0u, 1u, 3u}) {
        ThreadPool pool(threads);
        CHECK(pool.threads() == threads);
        for (std::size_t count :
             {std::size_t(0), std::size_t(1), std::size_t(7), std::size_t(1000)}) {
            std::vector<std::atomic<int>> hits(count);
            std::vector<unsigned> by(count, 99);
            pool.run(count, [&](std::size_t i, unsigned worker) {
                ++hits[i];
                by[i] = worker;
            });
            for (std::size_t i = 0; i < count; ++i) {
                CHECK(hits[i] == 1);
                CHECK(by[i] <= threads);
            }
        }
    }
}

TEST_CASE("thread pool: ranges follow each other; results land at their index", "[thread_pool]") {
    ThreadPool pool(3);
    std::vector<long> out(500);
    for (int round = 0; round < 50; ++round) {
        pool.run(out.size(), [&](std::size_t i, unsigned) { out[i] = long(i) * round; });
        long sum = std::accumulate(out.begin(), out.end(), 0L);
        REQUIRE(sum == 499L * 500 / 2 * round);
    }
}

TEST_CASE("thread pool: the background threads work while the caller does something else",
          "[thread_pool]") {
    ThreadPool pool(2);
    std::atomic<int> done{0};
    std::set<unsigned> workers;
    std::mutex m;
    pool.start(2, [&](std::size_t, unsigned worker) {
        {
            std::lock_guard<std::mutex> lock(m);
            workers.insert(worker);
        }
        ++done;
    });
    // Without wait() only the background threads can finish them.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (done < 2 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    CHECK(done == 2);
    pool.wait();
    CHECK(workers.count(0) == 0);
}

TEST_CASE("thread pool: with no background thread the caller does all in wait()", "[thread_pool]") {
    ThreadPool pool(0);
    int done = 0;
    pool.start(5, [&](std::size_t, unsigned worker) {
        CHECK(worker == 0u);
        ++done;
    });
    CHECK(done == 0);
    pool.wait();
    CHECK(done == 5);
    pool.wait();  // nothing in flight: returns at once
}

TEST_CASE("thread pool: per-worker state needs no lock", "[thread_pool]") {
    ThreadPool pool(3);
    std::vector<long> per_worker(pool.threads() + 1, 0);
    pool.run(10000, [&](std::size_t i, unsigned worker) { per_worker[worker] += long(i); });
    CHECK(std::accumulate(per_worker.begin(), per_worker.end(), 0L) == 9999L * 10000 / 2);
}

TEST_CASE("thread pool: an exception is rethrown by wait() after every index ran",
          "[thread_pool]") {
    ThreadPool pool(2);
    std::atomic<int> ran{0};
    CHECK_THROWS_WITH(pool.run(100,
                               [&](std::size_t i, unsigned) {
                                   ++ran;
                                   if (i == 17) throw std::runtime_error("index 17");
                               }),
                      "index 17");
    CHECK(ran == 100);
    // The pool goes on working afterwards.
    ran = 0;
    pool.run(10, [&](std::size_t, unsigned) { ++ran; });
    CHECK(ran == 10);
}

TEST_CASE("thread pool: destroyed with a range in flight, it finishes the range first",
          "[thread_pool]") {
    std::atomic<int> ran{0};
    {
        ThreadPool pool(1);
        pool.start(50, [&](std::size_t, unsigned) {
            std::this_thread::sleep_for(std::chrono::microseconds(100));
            ++ran;
        });
    }
    CHECK(ran == 50);
}
