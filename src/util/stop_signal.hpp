// SIGTERM / SIGINT as a stop request for long-running commands (serve, poll).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace autodns::util {

class StopSignal {
  public:
    // Blocks SIGTERM and SIGINT in the calling thread, so that every thread started after this
    // inherits the mask, and waits for them on a thread of its own. The first signal (or
    // request_stop()) sets the stop flag, wakes wait_for() and runs `on_stop` once, on the
    // watching thread (or the requesting one). Create it before starting other threads.
    explicit StopSignal(std::function<void()> on_stop = {});
    ~StopSignal();  // joins the watcher and restores the signal mask
    StopSignal(const StopSignal&) = delete;
    StopSignal& operator=(const StopSignal&) = delete;

    void request_stop();
    bool stop_requested() const { return stopped_; }
    int signal_number() const { return signal_; }  // 0 when stopped without a signal

    // Sleeps up to `seconds`; true (early) when a stop was requested.
    bool wait_for(double seconds);

  private:
    std::function<void()> on_stop_;
    std::atomic<bool> stopped_{false};
    std::atomic<bool> quit_{false};
    std::atomic<int> signal_{0};
    std::mutex mutex_;
    std::condition_variable cv_;
    std::thread watcher_;
    std::once_flag once_;
    bool mask_saved_ = false;
    unsigned char old_mask_[128] = {};  // sigset_t, kept opaque here
};

}  // namespace autodns::util
