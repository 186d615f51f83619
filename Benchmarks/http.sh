#!/usr/bin/env bash
# HTTPS server benchmark: builds ura-bench in release mode and measures UraHTTP (in-process TLS
# server, client certificates on, trivial handler answering 202 with 300 bytes) under the TLS
# load generator: closed loop with 64 keep-alive connections and 4 KiB POST bodies, then paced
# at 1,000 req/s for latency. If nginx is installed (apt-get install nginx-light) the same
# generator measures it with the same setup as a reference. Each line is a JSON result; every
# measurement runs 3 times (the machine is shared and noisy: compare medians).
#
#   Benchmarks/http.sh [--requests N] [--connections N] [--body BYTES] ...   (options of ura-bench http)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product ura-bench >/dev/null
bench=.build/release/ura-bench

echo "== UraHTTP, closed loop"
"$bench" http --connections 64 --requests 200000 --body 4096 --runs 3 "$@"
echo "== UraHTTP, paced at 1,000 req/s"
"$bench" http --connections 64 --requests 20000 --body 4096 --rate 1000 --runs 3 "$@"

nginx=$(command -v nginx || true)
[ -x /usr/sbin/nginx ] && nginx=/usr/sbin/nginx
if [ -z "$nginx" ]; then
    echo "== nginx reference skipped: nginx is not installed (apt-get install nginx-light)"
    exit 0
fi

work=$(mktemp -d)
chmod 700 "$work"
trap '[ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
printf 'basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > server.ext
printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n' > client.ext
for name in ca server client; do
    (umask 077; openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $name.key 2>/dev/null)
done
openssl req -x509 -new -key ca.key -subj /CN=BenchCA -days 2 -out ca.pem \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
for name in server client; do
    openssl req -new -key $name.key -subj /CN=$name -out $name.csr 2>/dev/null
    openssl x509 -req -in $name.csr -CA ca.pem -CAkey ca.key -set_serial $RANDOM -days 2 \
        -out $name.pem -extfile $name.ext 2>/dev/null
done
port=$(( 20000 + RANDOM % 20000 ))
body=$(head -c 300 /dev/zero | tr '\0' x)
cat > nginx.conf <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $work/body;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$port ssl;
        ssl_certificate $work/server.pem;
        ssl_certificate_key $work/server.key;
        ssl_client_certificate $work/ca.pem;
        ssl_verify_client optional;
        ssl_protocols TLSv1.2 TLSv1.3;
        location / { default_type application/json; return 202 '$body'; }
    }
}
CONF
"$nginx" -p "$work" -c "$work/nginx.conf"
cd - >/dev/null
echo "== nginx $("$nginx" -v 2>&1 | sed 's/.*\///'), 2 workers, closed loop"
"$bench" http --target 127.0.0.1:$port --ca "$work/ca.pem" --cert "$work/client.pem" --key "$work/client.key" \
    --connections 64 --requests 200000 --body 4096 --runs 3 "$@"
echo "== nginx, paced at 1,000 req/s"
"$bench" http --target 127.0.0.1:$port --ca "$work/ca.pem" --cert "$work/client.pem" --key "$work/client.key" \
    --connections 64 --requests 20000 --body 4096 --rate 1000 --runs 3 "$@"
