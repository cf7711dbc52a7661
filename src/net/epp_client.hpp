// The EPP poll client (RFC 5730 commands, RFC 5734 transport): TLS to HOST:PORT, read the
// greeting, <login> with the account's clID and password and the object/extension URIs the
// greeting offers, then <poll op="req"/> -> store the message durably -> <poll op="ack"
// msgID="..."/>, until the server answers 1300 (queue empty), then <logout/>.
//
// A message is acked only after record_input() committed it. A frame that cannot be read, or
// a 1301 message that cannot be parsed, is quarantined once (by fingerprint) and not acked:
// the client backs off and the message stays first in the queue. TLS is always on, the
// server certificate is verified against --ca-file (or the system's CAs) and the host name;
// a client certificate and key are optional. Without `once` the session stays open: <hello/>
// every keepalive_seconds while waiting, reconnect with exponential back-off after a drop or
// a 2xxx answer (a new session logs in again).
//
// Boost.Asio and OpenSSL stay inside epp_client.cpp; this header is library-free.
#pragma once

#include "net/poll_client.hpp"

namespace autodns {

// Splits "HOST:PORT", "epp://HOST:PORT", "[v6]:PORT" (port 700 when omitted). Throws
// std::invalid_argument with the reason.
void split_epp_url(const std::string& url, std::string& host, std::string& port);

// Returns 0 (queue empty with once, or stopped), 75 when once gave up after max_failures
// failures in a row, 78 when the server refused the credentials (2200 / 2501 on login).
int run_epp_poll_client(const PollOptions& options, util::StopSignal& stop, PollTotals* totals);

}  // namespace autodns
