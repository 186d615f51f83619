/* A native RabbitMQ publisher, the reference for Benchmarks/rabbitmq.sh.
 *
 * N threads, each with its own connection and a confirm-mode channel, publish persistent messages
 * of --size bytes to one durable queue (quorum or classic) through the default exchange. With
 * --window 1 (the default) a thread waits for each confirm before it publishes the next, as an
 * agency system waits for Ura's 202; with --window W it keeps up to W messages unconfirmed.
 *
 * After --warmup seconds it counts for --seconds: confirmed messages per second, the latency from
 * publish to confirm (p50, p99), and the CPU a message costs the broker (from /proc/<--broker-pid>)
 * and this publisher (getrusage). It prints one JSON line in the format of ura-bench.
 *
 *   publisher --port 5672 [--host 127.0.0.1] [--threads 64] [--size 4096] [--window 1]
 *             [--queue-type quorum|classic] [--queue NAME] [--seconds 10] [--warmup 2]
 *             [--broker-pid PID]
 *
 * The queue is declared at the start and deleted at the end (a run leaves no messages on disk).
 * Exit status: 0 on success, 1 when the broker refuses (nack, closed channel) or cannot be reached,
 * 64 on bad arguments.
 */
#define _GNU_SOURCE
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

enum phase { WARMUP, MEASURE, STOP };

static const char *host = "127.0.0.1";
static int port = 0, threads = 64, size = 4096, window = 1, broker_pid = 0;
static double seconds = 10, warmup = 2;
static const char *queue_type = "quorum";
static char queue[128];
static _Atomic int phase = WARMUP;
static _Atomic int failed = 0;
static char *body;

struct worker {
    pthread_t thread;
    long confirmed;    /* confirms received during the measurement */
    double *latencies; /* seconds, one per confirm during the measurement */
    size_t count, capacity;
    char error[256];
};

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void fail(struct worker *w, const char *what) {
    if (w) snprintf(w->error, sizeof w->error, "%s", what);
    else fprintf(stderr, "publisher: %s\n", what);
    atomic_store(&failed, 1);
    atomic_store(&phase, STOP);
}

static int rpc_ok(amqp_connection_state_t conn, const char *what, struct worker *w) {
    amqp_rpc_reply_t reply = amqp_get_rpc_reply(conn);
    if (reply.reply_type == AMQP_RESPONSE_NORMAL) return 1;
    char message[200];
    if (reply.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION && reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        amqp_channel_close_t *close = reply.reply.decoded;
        snprintf(message, sizeof message, "%s: the broker closed the channel: %.*s", what,
                 (int)close->reply_text.len, (char *)close->reply_text.bytes);
    } else if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION) {
        snprintf(message, sizeof message, "%s: %s", what, amqp_error_string2(reply.library_error));
    } else {
        snprintf(message, sizeof message, "%s: failed (reply type %d)", what, (int)reply.reply_type);
    }
    fail(w, message);
    return 0;
}

static amqp_connection_state_t connect_broker(struct worker *w) {
    amqp_connection_state_t conn = amqp_new_connection();
    amqp_socket_t *socket = amqp_tcp_socket_new(conn);
    if (!socket || amqp_socket_open(socket, host, port) != AMQP_STATUS_OK) {
        char message[128];
        snprintf(message, sizeof message, "cannot connect to %s:%d", host, port);
        fail(w, message);
        amqp_destroy_connection(conn);
        return NULL;
    }
    amqp_rpc_reply_t login = amqp_login(conn, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest");
    if (login.reply_type != AMQP_RESPONSE_NORMAL) {
        fail(w, "login as guest refused");
        amqp_destroy_connection(conn);
        return NULL;
    }
    amqp_channel_open(conn, 1);
    if (!rpc_ok(conn, "channel.open", w)) return NULL;
    return conn;
}

static void close_broker(amqp_connection_state_t conn) {
    amqp_channel_close(conn, 1, AMQP_REPLY_SUCCESS);
    amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(conn);
}

static void record(struct worker *w, double latency) {
    if (w->count == w->capacity) {
        w->capacity = w->capacity ? w->capacity * 2 : 4096;
        w->latencies = realloc(w->latencies, w->capacity * sizeof(double));
        if (!w->latencies) { fail(w, "out of memory"); return; }
    }
    w->latencies[w->count++] = latency;
    w->confirmed++;
}

static void *publish(void *argument) {
    struct worker *w = argument;
    amqp_connection_state_t conn = connect_broker(w);
    if (!conn) return NULL;
    amqp_confirm_select(conn, 1);
    if (!rpc_ok(conn, "confirm.select", w)) return NULL;

    amqp_basic_properties_t props;
    memset(&props, 0, sizeof props);
    props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG;
    props.delivery_mode = 2; /* persistent */
    props.content_type = amqp_cstring_bytes("application/octet-stream");
    amqp_bytes_t message = {.len = (size_t)size, .bytes = body};

    double *sent = calloc((size_t)window, sizeof(double)); /* publish time of tag t at t % window */
    uint64_t published = 0, acknowledged = 0;             /* delivery tags start at 1 */
    while (1) {
        int current = atomic_load(&phase);
        if (current == STOP && acknowledged == published) break;
        if (current != STOP && published - acknowledged < (uint64_t)window) {
            if (amqp_basic_publish(conn, 1, amqp_empty_bytes, amqp_cstring_bytes(queue), 0, 0, &props, message) != AMQP_STATUS_OK) {
                fail(w, "basic.publish failed");
                break;
            }
            published++;
            sent[published % (uint64_t)window] = now();
            if (published - acknowledged < (uint64_t)window) continue;
        }
        amqp_frame_t frame;
        amqp_maybe_release_buffers(conn);
        if (amqp_simple_wait_frame(conn, &frame) != AMQP_STATUS_OK) {
            fail(w, "lost the connection while waiting for a confirm");
            break;
        }
        if (frame.frame_type != AMQP_FRAME_METHOD) continue;
        double t = now();
        int measuring = atomic_load(&phase) == MEASURE;
        if (frame.payload.method.id == AMQP_BASIC_ACK_METHOD) {
            amqp_basic_ack_t *ack = frame.payload.method.decoded;
            uint64_t first = ack->multiple ? acknowledged + 1 : ack->delivery_tag;
            for (uint64_t tag = first; tag <= ack->delivery_tag; tag++)
                if (measuring) record(w, t - sent[tag % (uint64_t)window]);
            /* Confirms may come out of order without `multiple`; count in order (the broker sends
             * them in order on one channel). */
            if (ack->delivery_tag > acknowledged) acknowledged = ack->delivery_tag;
        } else if (frame.payload.method.id == AMQP_BASIC_NACK_METHOD) {
            fail(w, "the broker refused a message (basic.nack)");
            break;
        } else if (frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD) {
            amqp_channel_close_t *close = frame.payload.method.decoded;
            char text[200];
            snprintf(text, sizeof text, "the broker closed the channel: %.*s", (int)close->reply_text.len, (char *)close->reply_text.bytes);
            fail(w, text);
            break;
        }
    }
    free(sent);
    close_broker(conn);
    return NULL;
}

static double process_cpu(int pid) { /* user + system seconds of a process, from /proc */
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[2048];
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = 0;
    char *p = strrchr(line, ')'); /* the command may contain spaces */
    if (!p) return -1;
    unsigned long utime = 0, stime = 0;
    /* after ")": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15) */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) return -1;
    return (double)(utime + stime) / sysconf(_SC_CLK_TCK);
}

static double own_cpu(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void usage(void) {
    fprintf(stderr, "usage: publisher --port PORT [--host 127.0.0.1] [--threads 64] [--size 4096] [--window 1]\n"
                    "                 [--queue-type quorum|classic] [--queue NAME] [--seconds 10] [--warmup 2] [--broker-pid PID]\n");
    exit(64);
}

static int number(const char *option, const char *value, int minimum) {
    char *end;
    long n = strtol(value, &end, 10);
    if (*value == 0 || *end != 0 || n < minimum || n > 1000000) {
        fprintf(stderr, "publisher: %s needs a whole number of at least %d, not \"%s\"\n", option, minimum, value);
        exit(64);
    }
    return (int)n;
}

int main(int argc, char **argv) {
    const char *name = NULL;
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc) usage();
        const char *o = argv[i], *v = argv[i + 1];
        if (!strcmp(o, "--host")) host = v;
        else if (!strcmp(o, "--port")) port = number(o, v, 1);
        else if (!strcmp(o, "--threads")) threads = number(o, v, 1);
        else if (!strcmp(o, "--size")) size = number(o, v, 0);
        else if (!strcmp(o, "--window")) window = number(o, v, 1);
        else if (!strcmp(o, "--seconds")) seconds = number(o, v, 1);
        else if (!strcmp(o, "--warmup")) warmup = number(o, v, 0);
        else if (!strcmp(o, "--broker-pid")) broker_pid = number(o, v, 1);
        else if (!strcmp(o, "--queue")) name = v;
        else if (!strcmp(o, "--queue-type")) {
            if (strcmp(v, "quorum") && strcmp(v, "classic")) {
                fprintf(stderr, "publisher: --queue-type is quorum or classic, not \"%s\"\n", v);
                return 64;
            }
            queue_type = v;
        } else usage();
    }
    if (port == 0) usage();
    snprintf(queue, sizeof queue, "%s", name ? name : (strcmp(queue_type, "quorum") ? "bench.classic" : "bench.quorum"));
    body = malloc((size_t)size + 1);
    for (int i = 0; i < size; i++) body[i] = (char)('a' + i % 26);

    /* Declare the queue fresh (durable; quorum queues are always durable and replicated by Raft,
     * here on a single node). */
    amqp_connection_state_t admin = connect_broker(NULL);
    if (!admin) return 1;
    amqp_queue_delete(admin, 1, amqp_cstring_bytes(queue), 0, 0);
    if (!rpc_ok(admin, "queue.delete", NULL)) return 1;
    amqp_table_entry_t entry = {.key = amqp_cstring_bytes("x-queue-type"),
                                .value = {.kind = AMQP_FIELD_KIND_UTF8, .value.bytes = amqp_cstring_bytes(queue_type)}};
    amqp_table_t arguments = {.num_entries = 1, .entries = &entry};
    amqp_queue_declare(admin, 1, amqp_cstring_bytes(queue), 0, 1, 0, 0, arguments);
    if (!rpc_ok(admin, "queue.declare", NULL)) return 1;

    struct worker *workers = calloc((size_t)threads, sizeof *workers);
    for (int i = 0; i < threads; i++) pthread_create(&workers[i].thread, NULL, publish, &workers[i]);

    usleep((useconds_t)(warmup * 1e6));
    double broker0 = broker_pid ? process_cpu(broker_pid) : -1, own0 = own_cpu(), t0 = now();
    if (atomic_load(&phase) == WARMUP) atomic_store(&phase, MEASURE);
    usleep((useconds_t)(seconds * 1e6));
    if (atomic_load(&phase) == MEASURE) atomic_store(&phase, STOP);
    double elapsed = now() - t0, broker1 = broker_pid ? process_cpu(broker_pid) : -1, own1 = own_cpu();
    for (int i = 0; i < threads; i++) pthread_join(workers[i].thread, NULL);

    long total = 0;
    size_t samples = 0;
    for (int i = 0; i < threads; i++) {
        if (workers[i].error[0]) fprintf(stderr, "publisher: thread %d: %s\n", i, workers[i].error);
        total += workers[i].confirmed;
        samples += workers[i].count;
    }
    double *all = malloc((samples ? samples : 1) * sizeof(double));
    size_t k = 0;
    for (int i = 0; i < threads; i++) {
        memcpy(all + k, workers[i].latencies, workers[i].count * sizeof(double));
        k += workers[i].count;
    }
    qsort(all, samples, sizeof(double), compare);
    double p50 = samples ? all[(size_t)(0.50 * (samples - 1))] : 0, p99 = samples ? all[(size_t)(0.99 * (samples - 1))] : 0;

    amqp_queue_delete(admin, 1, amqp_cstring_bytes(queue), 0, 0);
    rpc_ok(admin, "queue.delete", NULL);
    close_broker(admin);
    if (atomic_load(&failed) || total == 0) {
        fprintf(stderr, "publisher: the run failed (%ld messages confirmed)\n", total);
        return 1;
    }
    double rate = total / elapsed;
    char broker_cpu[32] = "-", total_cpu[32] = "-";
    if (broker0 >= 0 && broker1 >= 0) {
        snprintf(broker_cpu, sizeof broker_cpu, "%.0f", (broker1 - broker0) * 1e6 / total);
        snprintf(total_cpu, sizeof total_cpu, "%.0f", (broker1 - broker0 + own1 - own0) * 1e6 / total);
    }
    printf("{\"suite\":\"rabbitmq\",\"case\":\"%s-%s-%dthreads\",\"rate\":%.0f,\"unit\":\"msg/s\","
           "\"bytes\":\"%d\",\"broker_cpu_us_per_msg\":\"%s\",\"cpu_us_per_msg\":\"%s\",\"publisher_cpu_us_per_msg\":\"%.0f\","
           "\"p50_ms\":\"%.2f\",\"p99_ms\":\"%.2f\",\"seconds\":\"%.0f\",\"window\":\"%d\"}\n",
           queue_type, window == 1 ? "sync" : "windowed", threads, rate, size, broker_cpu, total_cpu,
           (own1 - own0) * 1e6 / total, p50 * 1000, p99 * 1000, elapsed, window);
    return 0;
}
