// autodns-notify poll (placeholder until the poll client lands).
#include "app/net_commands.hpp"
#include "core/errors.hpp"
namespace autodns {
int run_poll(const Args&) {
    return exit_software;
}
}  // namespace autodns
