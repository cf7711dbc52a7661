# Helpers for the EPP poll tests; source after lib.sh. Makes the certificates in $T (a CA, a
# server certificate for localhost, a client certificate, and a second CA that signed none of
# them) and starts the EPP stand-in (epp_standin.py) with them.
command -v openssl >/dev/null || { fail "openssl is not installed (scripts/bootstrap.sh installs it)"; finish; exit 1; }
cat >"$T/openssl.cnf" <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = test
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
[client]
basicConstraints = CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = clientAuth
CNF
EC=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
for ca in ca other-ca; do
  openssl req -x509 "${EC[@]}" -config "$T/openssl.cnf" -extensions ca -subj "/CN=$ca test" \
    -days 2 -keyout "$T/$ca.key" -out "$T/$ca.pem" 2>/dev/null
done
for leaf in server client; do
  openssl req "${EC[@]}" -config "$T/openssl.cnf" -subj "/CN=localhost" \
    -keyout "$T/$leaf.key" -out "$T/$leaf.csr" 2>/dev/null
  openssl x509 -req -in "$T/$leaf.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
    -days 2 -extfile "$T/openssl.cnf" -extensions "$leaf" -out "$T/$leaf.pem" 2>/dev/null
done
[ -s "$T/server.pem" ] && [ -s "$T/client.pem" ] || { echo "openssl could not make the certificates" >&2; exit 1; }

# start_standin NAME ARGS...: sets STANDIN_PID, URL, STANDIN_LOG.
start_standin() {
  local name=$1
  shift
  STANDIN_LOG=$T/$name.log
  : >"$STANDIN_LOG"
  rm -f "$T/$name.port"
  python3 "$SRC/tests/integration/epp_standin.py" --cert "$T/server.pem" --key "$T/server.key" \
    --user user --password "$(secret -pw)" --port-file "$T/$name.port" --log "$STANDIN_LOG" "$@" &
  STANDIN_PID=$!
  for _ in $(seq 300); do
    [ -s "$T/$name.port" ] && break
    sleep 0.1
  done
  [ -s "$T/$name.port" ] || { echo "stand-in did not start" >&2; exit 1; }
  URL=localhost:$(cat "$T/$name.port")
}
stop_standin() {
  kill "$STANDIN_PID" 2>/dev/null || true
  wait "$STANDIN_PID" 2>/dev/null || true
}
acked() { awk '$1 == "ACK" && $3 == "ok" {print $2}' "$STANDIN_LOG" | tr '\n' ' ' | sed 's/ $//'; }
