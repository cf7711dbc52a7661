#!/bin/sh
# on-transfer-start.sh — an autodns-notify exec handler for transfer_start notifications.
#
# Appends one line per transfer to an operations log and, when OPS_MAIL_TO is set and
# sendmail is installed, mails the record to the operations team. Configure it as in
# handlers.ini next to this file; docs/handlers.md explains the contract:
#   stdin   the record as one line of JSON
#   env     AUTODNS_KEY, AUTODNS_TYPE, AUTODNS_OBJECT, AUTODNS_CREATED, ... (docs/handlers.md)
#   exit 0  done; anything else: autodns-notify retries later with backoff
#
# Delivery is at least once, so the script is idempotent: a key already in the log is done.
# It writes the log line last, so a run that fails halfway is repeated in full.
#
# Settings (environment, e.g. through `command = /usr/bin/env OPS_LOG=... /path/to/this`):
#   OPS_LOG      the log file (default /var/log/autodns-notify/transfers.log)
#   OPS_MAIL_TO  recipient of a mail per transfer (default: no mail)
set -eu

log=${OPS_LOG:-/var/log/autodns-notify/transfers.log}
record=$(cat)

# The configuration routes only transfer_start here; stay safe if it is widened.
[ "${AUTODNS_TYPE:-}" = transfer_start ] || exit 0

if [ -f "$log" ] && grep -qF "key=$AUTODNS_KEY " "$log"; then
  exit 0  # delivered before (a retry after a lost acknowledgement)
fi

if [ -n "${OPS_MAIL_TO:-}" ] && command -v sendmail >/dev/null 2>&1; then
  {
    printf 'To: %s\n' "$OPS_MAIL_TO"
    printf 'Subject: AutoDNS: transfer started for %s\n' "${AUTODNS_OBJECT:-?}"
    printf 'Content-Type: text/plain; charset=utf-8\n\n'
    printf 'A transfer of %s has started (%s).\n\n' "${AUTODNS_OBJECT:-?}" "${AUTODNS_CREATED:-?}"
    printf '%s\n' "$record"
  } | sendmail -t -i || { echo "sendmail failed for $AUTODNS_KEY" >&2; exit 1; }
fi

printf '%s key=%s domain=%s created=%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$AUTODNS_KEY" \
  "${AUTODNS_OBJECT:-}" "${AUTODNS_CREATED:-}" >>"$log"
