// Handler delivery right after a channel's commit (mail, import): the few lines those commands
// need. The handler room (src/handlers/) does the work; this adds the command-line options.
//
//   AfterCommitDelivery delivery(config, vm, "mail");  // may throw FatalError (bad section)
//   delivery.attach(store);                             // outbox rows join the ingest commit
//   ... store.ingest(...) / record_input(...) ...
//   delivery.run_for(analysis.notifications);           // or run_all() after an import
#pragma once

#include <string>
#include <vector>

#include "app/config.hpp"
#include "handlers/config.hpp"
#include "store/store.hpp"

namespace autodns {

class AfterCommitDelivery {
  public:
    // --no-dispatch, --dispatch-deadline SECONDS; `default_text` describes the default deadline.
    static po::options_description options(const char* default_text);

    // Reads the handler sections of `config` and the options above; `command` ("mail",
    // "import") selects the [dispatch] default deadline and prefixes log lines. Throws
    // FatalError naming the section and key when the handler configuration is bad.
    AfterCommitDelivery(const Config& config, const po::variables_map& vm, std::string command);

    const Handlers& handlers() const { return handlers_; }

    // Sets the outbox router on `store` when handlers are configured (none: store-only).
    void attach(Store& store) const;

    // Delivers the due outbox rows of `records` (mail) or every due row (import) before the
    // deadline. Failures are logged one line each on stderr and stay in the outbox for
    // `autodns-notify dispatch`; nothing here throws or changes the command's exit status.
    void run_for(const std::vector<Notification>& records) const noexcept;
    void run_all() const noexcept;

  private:
    void run(const std::vector<std::string>& keys) const noexcept;

    Handlers handlers_;
    std::string command_;
    std::string db_path_;
    int busy_timeout_ms_ = 10000;
    int verbosity_ = 0;
    bool enabled_ = true;
    double deadline_seconds_ = 0;  // 0: none
};

}  // namespace autodns
