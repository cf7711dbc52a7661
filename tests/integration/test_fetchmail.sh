#!/usr/bin/env bash
# The shipped fetchmail recipe (examples/mda/fetchmailrc) against a real Dovecot IMAP over TLS
# (a CA made by the test, a free loopback port): a notification is stored once and deleted on
# the server; with the database read-only the filter's 75 leaves the mail on the server; the
# next run stores it once and deletes it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/dovecot_lib.sh"
command -v fetchmail >/dev/null || { fail "fetchmail is not installed"; finish; exit 1; }
U=mailuser
dovecot_user "$U" 65534 65534
MD=$T/home/$U/Maildir
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# A CA and a server certificate for localhost.
TLS=$T/tls
mkdir -p "$TLS"
(
  cd "$TLS"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=autodns-notify test CA" \
    -keyout ca.key -out ca.crt -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr
  printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >ext
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
    -extfile ext -out server.crt
) >"$T/openssl.log" 2>&1 || { fail "openssl: $(tail -3 "$T/openssl.log")"; finish; exit 1; }
chmod 644 "$TLS/server.key"

cat >"$DV/imaps.conf" <<CONF
ssl = required
ssl_cert = <$TLS/server.crt
ssl_key = <$TLS/server.key
ssl_min_protocol = TLSv1.2
service imap-login {
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $PORT
    ssl = yes
  }
}
CONF
dovecot_start "imap lmtp" "$DV/imaps.conf"
for _ in $(seq 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1)" 2>/dev/null && break
  sleep 0.1
done

DB=$T/db/notify.sqlite
printf 'db = %s\n' "$DB" >"$T/config.ini"
# The shipped rcfile with the server, user, password, CA and paths changed.
sed -e "s|imap.example-hosting.de|localhost|" -e "s|port 993|port $PORT|" \
  -e "s|\"autodns-notifications@example-hosting.de\" password \"change-me\"|\"$U\" password \"$(secret -imap)\"|" \
  -e "s|ssl sslcertck|ssl sslcertck sslcertfile \"$TLS/ca.crt\"|" \
  -e "s|/usr/local/bin/autodns-notify|$BIN|" -e "s|/etc/autodns-notify/config.ini|$T/config.ini|" \
  "$SRC/examples/mda/fetchmailrc" >"$T/fetchmailrc"
holds_secret "$T/fetchmailrc"
# fetchmail and the filter run as an ordinary user (nobody), who owns the database.
mkdir -p "$T/fm" "$T/db"
chown nobody:nogroup "$T/fm" "$T/db" "$T/fetchmailrc"
chmod 600 "$T/fetchmailrc"
fetch() {  # one fetchmail run (no daemon; its messages to $T/fetchmail.log); prints its status
  local rc=0
  setpriv --reuid=65534 --regid=65534 --clear-groups -- env HOME="$T/fm" \
    fetchmail --nosyslog -d0 -f "$T/fetchmailrc" >>"$T/fetchmail.log" 2>&1 || rc=$?
  echo "$rc"
}
on_server() { find "$MD/new" "$MD/cur" -type f 2>/dev/null | wc -l; }

make_mail 9500001 >"$T/n1.eml"
make_mail 9500002 >"$T/n2.eml"
expect_eq "LMTP: first mail on the server" "$(lmtp_deliver "$T/n1.eml" "$U")" 250
expect_eq "on the server" "$(on_server)" 1
expect_eq "fetchmail: exit" "$(fetch)" 0
expect_eq "stored" "$(sql "$DB" "SELECT count(*) FROM notifications")" 1
expect_eq "deleted on the server" "$(on_server)" 0
expect_contains "fetched over TLS" "$(cat "$T/fetchmail.log")" "reading message"

# Read-only database: 75 -> the mail stays on the server.
chmod 0440 "$DB"
expect_eq "LMTP: second mail on the server" "$(lmtp_deliver "$T/n2.eml" "$U")" 250
rc=$(fetch)
echo "fetchmail exit status with a failing MDA: $rc"
expect_eq "left on the server" "$(on_server)" 1
expect_eq "not stored" "$(sql "$DB" "SELECT count(*) FROM notifications")" 1
expect_contains "fetchmail logged the MDA failure" "$(cat "$T/fetchmail.log")" "MDA returned nonzero status 75"
expect_contains "the filter's reason in fetchmail's log" "$(cat "$T/fetchmail.log")" "(temporary; the MDA will retry)"

# Write access back: the next run stores it once and deletes it; a further run finds nothing.
chmod 0600 "$DB"
expect_eq "fetchmail again: exit" "$(fetch)" 0
expect_eq "stored once" "$(sql "$DB" "SELECT count(*) FROM notifications"):$(sql "$DB" "SELECT count(*) FROM receipts")" "2:2"
expect_eq "deleted on the server" "$(on_server)" 0
expect_eq "nothing left: exit 1 (no mail)" "$(fetch)" 1
finish
