# Dovecot Sieve (Pigeonhole, sieve_extprograms plugin): hand AutoDNS notification mail to
# autodns-notify and keep it when the filter fails.
#
# Dovecot configuration (conf.d/90-sieve.conf and conf.d/90-sieve-extprograms.conf):
#
#   plugin {
#     sieve_plugins = sieve_extprograms
#     sieve_global_extensions = +vnd.dovecot.pipe +vnd.dovecot.execute
#     # Only programs in these directories can run: link the filter there.
#     sieve_pipe_bin_dir = /usr/lib/dovecot/sieve-pipe
#     sieve_execute_bin_dir = /usr/lib/dovecot/sieve-pipe
#     # The filter needs milliseconds; it waits up to --busy-timeout (5 s below) for a locked
#     # database and then exits 75, well inside these limits (default 10 s).
#     sieve_pipe_exec_timeout = 10s
#     sieve_execute_exec_timeout = 10s
#   }
#
#   mkdir -p /usr/lib/dovecot/sieve-pipe
#   ln -s /usr/bin/autodns-notify /usr/lib/dovecot/sieve-pipe/autodns-notify
#
# Dovecot runs the program as the mail user (who must be able to write the database), with
# the mail on standard input in CRLF line endings, which the filter accepts; it reads all of
# its input before exiting, as Dovecot requires.
#
# Variant A, vnd.dovecot.pipe: `pipe` is an action. Without :try, a non-zero exit status
# (75: database locked, read-only or full) makes the script fail, and Dovecot falls back to
# the implicit keep: the mail lands in INBOX instead of being lost. Simple, but the failure
# is only visible in the INBOX and the log.
#
#   require ["vnd.dovecot.pipe"];
#   if address :domain :is "from" ["autodns.com", "internetx.com"] {
#       pipe "autodns-notify" ["mail", "--busy-timeout", "5000"];
#       discard;
#   }
#
# Variant B (below), vnd.dovecot.execute with :pipe: used as a test, it is true when the
# program exits 0 (stored, duplicate or quarantined), so a failure can be filed into a
# folder that `autodns-notify import --mark-seen` takes in later. Sieve cannot tell 65 from
# 75, so --pass-through is not used: non-notification mail from these senders is
# quarantined in the database and listed by `autodns-notify report`.

require ["vnd.dovecot.execute", "fileinto", "mailbox"];

if address :domain :is "from" ["autodns.com", "autodns.de", "internetx.com", "internetx.de"] {
    if execute :pipe "autodns-notify" ["mail", "--busy-timeout", "5000"] {
        discard;
        stop;
    }
    fileinto :create "AutoDNS-retry";
    stop;
}
