# A private Dovecot for one test, sourced after lib.sh: its own configuration, base_dir, state
# and log under $T/dovecot, loopback and Unix sockets only. Needs root (Dovecot switches to the
# mail user). dovecot_start EXTRA_CONF_FILE starts it and waits for its sockets; the EXIT trap
# stops it before $T is removed.
if ! command -v dovecot >/dev/null; then
  fail "dovecot is not installed (scripts/bootstrap.sh installs dovecot-core and friends)"
  finish
  exit 1
fi
DV=$T/dovecot
mkdir -p "$DV/run" "$DV/state"
DOVECOT_CONF=$DV/dovecot.conf
dovecot_stop() {
  if [ -f "$DV/run/master.pid" ]; then
    local pid
    pid=$(cat "$DV/run/master.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
}
trap 'dovecot_stop; rm -rf "$T"' EXIT

# dovecot_user NAME UID GID: a passwd-file user (password "$(secret -imap)") with home
# $T/home/NAME.
dovecot_user() {
  mkdir -p "$T/home/$1"
  chown "$2:$3" "$T/home/$1"
  echo "$1:{PLAIN}$(secret -imap):$2:$3::$T/home/$1::" >>"$DV/users"
  holds_secret "$DV/users"
}

# dovecot_start PROTOCOLS EXTRA_FILE: EXTRA_FILE is included after the base configuration.
dovecot_start() {
  cat >"$DOVECOT_CONF" <<CONF
protocols = $1
base_dir = $DV/run
state_dir = $DV/state
log_path = $DV/dovecot.log
info_log_path = $DV/dovecot.log
listen = 127.0.0.1
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
first_valid_gid = 1
import_environment = TZ
# No address-space limit for the mail processes (default 256M): the filter they start
# inherits it, and a sanitizer build reserves far more virtual memory than that.
default_vsz_limit = 0
auth_mechanisms = plain
ssl = no
passdb {
  driver = passwd-file
  args = $DV/users
}
userdb {
  driver = passwd-file
  args = $DV/users
}
mail_location = maildir:~/Maildir
service lmtp {
  unix_listener lmtp {
    mode = 0666
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
!include $2
CONF
  if ! dovecot -c "$DOVECOT_CONF" >"$DV/start.out" 2>&1; then
    fail "dovecot did not start: $(cat "$DV/start.out")"
    finish
    exit 1
  fi
  for _ in $(seq 100); do [ -S "$DV/run/lmtp" ] && return 0; sleep 0.1; done
  fail "dovecot: no LMTP socket after 10 s: $(tail -5 "$DV/dovecot.log")"
}

# lmtp_deliver FILE RCPT: one mail by LMTP; prints the server's reply code for RCPT.
lmtp_deliver() {
  python3 - "$DV/run/lmtp" "$1" "$2" <<'PY'
import smtplib, sys
sock, path, rcpt = sys.argv[1:4]
with open(path, "rb") as f:
    data = f.read()
lmtp = smtplib.LMTP(sock)
try:
    refused = lmtp.sendmail("bounce@autodns.example", [rcpt], data)
    print(250 if not refused else refused[rcpt][0])
except smtplib.SMTPRecipientsRefused as e:
    print(e.recipients[rcpt][0])
except smtplib.SMTPDataError as e:
    print(e.smtp_code)
finally:
    try:
        lmtp.quit()
    except Exception:
        pass
PY
}
