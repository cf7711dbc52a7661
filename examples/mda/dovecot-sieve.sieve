# Dovecot Sieve (Pigeonhole 0.5, sieve_extprograms): hand AutoDNS notification mail to
# autodns-notify and keep what it could not take in the folder AutoDNS-retry.
#
# Install it as a GLOBAL script with examples/mda/dovecot-90-autodns-notify.conf (the conf.d
# file shows the commands): /etc/dovecot/sieve/autodns-notify.sieve, run by sieve_before for
# every mail delivered by LMTP or dovecot-lda. vnd.dovecot.execute is enabled for global
# scripts only, so as a user's personal script this fails to compile (and Dovecot then
# delivers every mail to INBOX).
#
# Dovecot runs the program as the mail user with a clean environment, so the arguments name
# the configuration and the shared database (CHANGE both if yours differ); the mail user gets
# write access to it through the group of mail_access_groups in the conf.d file. The mail
# arrives with CRLF line endings, which the filter accepts; it reads all of its input before
# exiting, as Dovecot requires.
#
# `execute :pipe` used as a test is true when the program exits 0 (stored, duplicate or
# quarantined): the mail is then discarded. On any other status (75: database locked,
# read-only or full; the filter's line is in Dovecot's log) the mail is filed into
# AutoDNS-retry, created when missing, for `autodns-notify import --mark-seen`
# (systemd/autodns-notify-retry-import@.timer; docs/user-guide.md): nothing else retries it.
# Sieve cannot tell 65 from 75, so --pass-through is not used: non-notification mail from
# these senders is quarantined in the database and listed by `autodns-notify report`.
# --log failure: the filter's line goes to stderr, which Dovecot logs as an error, only when
# the filter fails; drop it to see every outcome, or use --log syslog.
#
# CHANGE: the sender domains.

require ["vnd.dovecot.execute", "fileinto", "mailbox"];

if address :domain :is "from" ["autodns.com", "autodns.de", "internetx.com", "internetx.de"] {
    if execute :pipe "autodns-notify" ["mail", "--config", "/etc/autodns-notify/config.ini",
                                       "--db", "/var/lib/autodns-notify/notify.sqlite",
                                       "--busy-timeout", "5000", "--log", "failure"] {
        discard;
        stop;
    }
    fileinto :create "AutoDNS-retry";
    stop;
}
