// The last step every channel shares: an analysed input becomes stored notifications, a
// recognized duplicate, or a quarantined raw copy with its reason — in one durable commit.
#pragma once

#include <string>
#include <string_view>

#include "ingest/pipeline.hpp"
#include "store/store.hpp"

namespace autodns {

struct IngestReport {
    IngestOutcome outcome = IngestOutcome::quarantined;
    int new_count = 0;
    int duplicate_count = 0;
    std::string reason;   // for quarantined inputs
    std::string summary;  // one line for the log: what was stored, or why quarantined
};

// Records `analysis` of `raw` as arriving by `arrival`. Throws FatalError (temporary) when the
// store cannot commit; then nothing was written.
IngestReport record_input(Store& store, const Analysis& analysis, const Arrival& arrival,
                          std::string_view raw);

// "id:123 notify autoupdate_dns_success domain example.aq" for logs.
std::string describe(const Notification& n);

}  // namespace autodns
