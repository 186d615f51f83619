#!/usr/bin/env bash
# Where an idle mTLS connection's memory goes inside OpenSSL (docs/benchmarks.md, "Idle
# connections"): a small C program against the system libssl, with the server context set as
# urad sets it (ServerTLSContext: P-256 certificates, client certificates asked for and verified,
# no tickets, no session cache, SSL_MODE_RELEASE_BUFFERS), makes N server-side SSL objects over
# memory BIOs, completes a handshake and one small request/response on each (the client SSL is
# freed), and reports glibc's heap in use per connection (mallinfo2) and the growth of the
# process's RSS after each step:
#   SSL_new with its two memory BIOs; after a handshake without a client certificate; after one
#   with a verified client certificate; the same with the BIOs swapped for empty ones
#   (ServerTLSContext.releaseBIOBuffers); one parsed client X509; and what is left after SSL_free.
#
#   Benchmarks/tls-connection-memory.sh [N=1000]
set -euo pipefail
N=${1:-1000}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
key() { openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt -subj /CN=ca -days 2 2>/dev/null
key server localhost; key client client
for name in server client; do
  openssl x509 -req -in $name.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out $name.crt -days 2 2>/dev/null
done
cat > memory.c <<'C'
#include <openssl/ssl.h>
#include <openssl/pem.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int n;
static size_t used(void) { struct mallinfo2 m = mallinfo2(); return m.uordblks + m.hblkhd; }
static double rss(void) { long pages = 0, resident = 0; FILE *f = fopen("/proc/self/statm", "r"); if (f) { if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0; fclose(f); } return resident * 4.0; }
static void pump(BIO *from, BIO *to) { char b[65536]; int k; while ((k = BIO_read(from, b, sizeof b)) > 0) BIO_write(to, b, k); }
static int accept_all(int ok, X509_STORE_CTX *c) { (void)c; return 1; }
static BIO *mem(void) { BIO *b = BIO_new(BIO_s_mem()); BIO_set_mem_eof_return(b, -1); return b; }
static SSL_CTX *server(int verify) {
  SSL_CTX *s = SSL_CTX_new(TLS_server_method());
  SSL_CTX_use_certificate_file(s, "server.crt", SSL_FILETYPE_PEM); SSL_CTX_use_PrivateKey_file(s, "server.key", SSL_FILETYPE_PEM);
  SSL_CTX_load_verify_locations(s, "ca.crt", NULL);
  SSL_CTX_set_verify(s, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, verify ? accept_all : NULL);
  SSL_CTX_set_mode(s, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_NO_AUTO_CHAIN);
  SSL_CTX_set_options(s, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_num_tickets(s, 0); SSL_CTX_set_session_cache_mode(s, SSL_SESS_CACHE_OFF);
  return s;
}
static void run(const char *label, int verify, int renew) {
  SSL_CTX *s = server(verify), *c = SSL_CTX_new(TLS_client_method());
  SSL_CTX_use_certificate_file(c, "client.crt", SSL_FILETYPE_PEM); SSL_CTX_use_PrivateKey_file(c, "client.key", SSL_FILETYPE_PEM);
  SSL **kept = calloc(n, sizeof *kept);
  size_t base = used(); double rss0 = rss();
  for (int i = 0; i < n; i++) {
    SSL *a = SSL_new(s); SSL_set_bio(a, mem(), mem()); SSL_set_accept_state(a);
    SSL *b = SSL_new(c); SSL_set_bio(b, mem(), mem()); SSL_set_connect_state(b);
    for (int k = 0; k < 10 && !(SSL_is_init_finished(a) && SSL_is_init_finished(b)); k++) {
      SSL_do_handshake(b); pump(SSL_get_wbio(b), SSL_get_rbio(a)); SSL_do_handshake(a); pump(SSL_get_wbio(a), SSL_get_rbio(b));
    }
    if (!SSL_is_init_finished(a)) { fprintf(stderr, "handshake failed\n"); exit(1); }
    char buf[16384]; const char *request = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";
    SSL_write(b, request, strlen(request)); pump(SSL_get_wbio(b), SSL_get_rbio(a)); SSL_read(a, buf, sizeof buf);
    memset(buf, 'x', 300); SSL_write(a, buf, 300); pump(SSL_get_wbio(a), SSL_get_rbio(b)); SSL_read(b, buf, sizeof buf);
    SSL_free(b);
    if (renew) SSL_set_bio(a, mem(), mem());
    kept[i] = a;
  }
  size_t during = used(); double rss1 = rss();
  for (int i = 0; i < n; i++) SSL_free(kept[i]);
  printf("%-62s %6.1f KB per connection in use, RSS +%.1f KB (%.1f KB left after SSL_free)\n", label,
         (double)(during - base) / n / 1024, (rss1 - rss0) / n, ((double)used() - (double)base) / n / 1024);
  free(kept); SSL_CTX_free(s); SSL_CTX_free(c);
}
int main(int argc, char **argv) {
  n = atoi(argv[1]);
  int step = atoi(argv[2]);
  if (step >= 2) {
    const char *labels[] = {"", "", "after handshake + request, no client certificate",
                            "after handshake + request, verified client certificate",
                            "  the same, memory BIOs swapped for empty ones"};
    run(labels[step], step >= 3, step == 4);
    return 0;
  }
  SSL_CTX *s = server(1);
  SSL **kept = calloc(n, sizeof *kept);
  size_t base = used(); double rss0 = rss();
  if (step == 0) {
    for (int i = 0; i < n; i++) { kept[i] = SSL_new(s); SSL_set_bio(kept[i], mem(), mem()); SSL_set_accept_state(kept[i]); }
    printf("%-62s %6.1f KB per connection in use, RSS +%.1f KB\n", "SSL_new and two memory BIOs", (double)(used() - base) / n / 1024, (rss() - rss0) / n);
  } else {
    for (int i = 0; i < n; i++) { BIO *f = BIO_new_file("client.crt", "r"); kept[i] = (SSL *)PEM_read_bio_X509(f, NULL, NULL, NULL); BIO_free(f); }
    printf("%-62s %6.1f KB per certificate in use, RSS +%.1f KB\n", "one parsed client certificate (X509)", (double)(used() - base) / n / 1024, (rss() - rss0) / n);
  }
  return 0;
}
C
cc -O2 -o memory memory.c -lssl -lcrypto
echo "OpenSSL $(openssl version | cut -d' ' -f2), $N connections"
for step in 0 1 2 3 4; do ./memory "$N" $step; done  # each in a fresh process: no reuse of freed memory
