#!/usr/bin/env bash
# Builds Updraft and the example functions, starts `updraft up`, deploys the examples into
# an app named `demo` (developer account `demo`) and prints how to call them. Ctrl-C stops it.
#   LISTEN (default 127.0.0.1:8080)   DATA_DIR (default ./.updraft)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
listen="${LISTEN:-127.0.0.1:8080}"
data_dir="${DATA_DIR:-$root/.updraft}"
url="http://$listen"

command -v curl >/dev/null || { echo "curl is needed: apt-get install -y curl" >&2; exit 1; }
rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip1 || rustup target add wasm32-wasip1
cargo build --release -p updraft-cli
bash examples-wasm/build.sh
bin="${CARGO_TARGET_DIR:-$root/target}/release/updraft"

"$bin" up --listen "$listen" --data-dir "$data_dir" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server' EXIT INT TERM
for _ in $(seq 100); do curl -fs "$url/healthz" >/dev/null && break; sleep 0.1; done

# The demo account's password is kept in the data dir, made once.
password_file="$data_dir/demo-password"
[ -f "$password_file" ] || (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$password_file")
password="$(cat "$password_file")"
credentials="{\"username\":\"demo\",\"password\":\"$password\"}"
curl -fs -X POST "$url/v1/accounts" -H 'content-type: application/json' -d "$credentials" >/dev/null || true
token="$(curl -fs -X POST "$url/v1/tokens" -H 'content-type: application/json' -d "$credentials" | sed -E 's/.*"token":"([^"]+)".*/\1/')"
auth="authorization: Bearer $token"
curl -fs -X POST "$url/v1/apps" -H "$auth" -H 'content-type: application/json' -d '{"name":"demo"}' >/dev/null || true
for fn in hello echo json logging counter; do
  curl -fs -X PUT "$url/v1/apps/demo/functions/$fn" -H "$auth" -H 'content-type: application/wasm' \
    --data-binary "@examples-wasm/dist/$fn.wasm" >/dev/null
done

cat <<MSG

Deployed into app "demo": hello, echo, json, logging, counter. Try:
  curl $url/fn/demo/hello?name=you
  curl -X POST $url/fn/demo/json -d '{"name":"Ada","numbers":[1,2,3]}'
  curl $url/fn/demo/echo/any/path?x=1
Developer token (account "demo", password in $password_file):
  export TOKEN=$token
  curl -H "authorization: Bearer \$TOKEN" $url/v1/apps/demo/functions
Ctrl-C stops the platform.
MSG
wait $server
