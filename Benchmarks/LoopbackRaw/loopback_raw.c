// The raw rate of small messages over loopback TCP on this machine, for comparison with the Loopback
// shell (consensus-bench --shell tcp). Not part of the package build. Frames are what the shell sends
// for a small message: a 4-byte little-endian length, then the body (default 64 bytes).
//
//   cc -O2 -pthread -o /tmp/loopback_raw Benchmarks/LoopbackRaw/loopback_raw.c
//   /tmp/loopback_raw pingpong 200000        # one message in flight: round trips/s, RTT p50/p99
//   /tmp/loopback_raw stream 5000000 1       # one-way, one write() per message
//   /tmp/loopback_raw stream 5000000 16      # one-way, 16 messages per write()
//   /tmp/loopback_raw echo 2000000 64        # 64 in flight, echoed back; replies batched per read
//
// Each mode runs a server thread and a client thread in one process over 127.0.0.1 with TCP_NODELAY.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int body_size = 64;
static long count = 0;
static int batch = 1;
static int listen_fd;
static int port;

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + t.tv_nsec;
}

static void nodelay(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) { perror("write"); exit(1); }
        p += w;
        n -= (size_t)w;
    }
}

static void make_frame(char *p) {
    uint32_t len = (uint32_t)body_size;
    memcpy(p, &len, 4);
    memset(p + 4, 0xAB, (size_t)body_size);
}

/// Reads whatever is available and counts the whole frames in it; keeps a partial frame for later.
typedef struct { char buf[1 << 16]; size_t have; } reader_t;

static long read_frames(int fd, reader_t *r) {
    ssize_t n = read(fd, r->buf + r->have, sizeof r->buf - r->have);
    if (n <= 0) return -1;
    r->have += (size_t)n;
    size_t off = 0;
    long frames = 0;
    for (;;) {
        if (r->have - off < 4) break;
        uint32_t len;
        memcpy(&len, r->buf + off, 4);
        if (r->have - off < 4 + len) break;
        off += 4 + len;
        frames++;
    }
    memmove(r->buf, r->buf + off, r->have - off);
    r->have -= off;
    return frames;
}

static const char *mode;

static void *server(void *arg) {
    (void)arg;
    int fd = accept(listen_fd, NULL, NULL);
    nodelay(fd);
    static reader_t r;
    int frame = 4 + body_size;
    char *out = malloc((size_t)frame * 4096);
    for (int i = 0; i < 4096; i++) make_frame(out + i * frame);
    long total = 0;
    while (total < count) {
        long f = read_frames(fd, &r);
        if (f < 0) break;
        total += f;
        if (strcmp(mode, "stream") != 0) {
            // Echo every whole frame of this read back in one write.
            while (f > 0) {
                long k = f > 4096 ? 4096 : f;
                write_all(fd, out, (size_t)(k * frame));
                f -= k;
            }
        }
    }
    close(fd);
    return NULL;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s pingpong|stream|echo COUNT [BATCH|IN_FLIGHT] [BODY_BYTES]\n", argv[0]);
        return 2;
    }
    mode = argv[1];
    count = atol(argv[2]);
    if (argc > 3) batch = atoi(argv[3]);
    if (argc > 4) body_size = atoi(argv[4]);
    listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = 0};
    bind(listen_fd, (struct sockaddr *)&a, sizeof a);
    listen(listen_fd, 1);
    socklen_t al = sizeof a;
    getsockname(listen_fd, (struct sockaddr *)&a, &al);
    port = ntohs(a.sin_port);
    pthread_t t;
    pthread_create(&t, NULL, server, NULL);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    connect(fd, (struct sockaddr *)&a, sizeof a);
    nodelay(fd);
    int frame = 4 + body_size;
    char *out = malloc((size_t)frame * (size_t)(batch > 4096 ? batch : 4096));
    for (int i = 0; i < (batch > 4096 ? batch : 4096); i++) make_frame(out + i * frame);
    static reader_t r;
    double start = now_s();
    if (strcmp(mode, "pingpong") == 0) {
        uint64_t *rtt = malloc(sizeof(uint64_t) * (size_t)count);
        for (long i = 0; i < count; i++) {
            uint64_t t0 = now_ns();
            write_all(fd, out, (size_t)frame);
            long got = 0;
            while (got < 1) got += read_frames(fd, &r);
            rtt[i] = now_ns() - t0;
        }
        double s = now_s() - start;
        qsort(rtt, (size_t)count, sizeof *rtt, cmp_u64);
        printf("pingpong: %ld round trips in %.3f s = %.0f round trips/s (%.0f messages/s), RTT p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us\n",
               count, s, count / s, 2 * count / s, rtt[count / 2] / 1e3, rtt[count * 99 / 100] / 1e3,
               rtt[count * 999 / 1000] / 1e3, rtt[count - 1] / 1e3);
    } else if (strcmp(mode, "stream") == 0) {
        for (long sent = 0; sent < count; sent += batch) {
            long k = count - sent < batch ? count - sent : batch;
            write_all(fd, out, (size_t)(k * frame));
        }
        pthread_join(t, NULL);
        double s = now_s() - start;
        printf("stream: %ld messages of %d bytes, %d per write(), in %.3f s = %.0f messages/s\n", count, frame, batch, s, count / s);
        return 0;
    } else if (strcmp(mode, "echo") == 0) {
        long inflight = batch, sent = 0, received = 0;
        long first = inflight < count ? inflight : count;
        write_all(fd, out, (size_t)(first * frame));
        sent = first;
        while (received < count) {
            long f = read_frames(fd, &r);
            if (f < 0) break;
            received += f;
            long k = count - sent < f ? count - sent : f;
            // Answer every reply of this read with a new request, all in one write (a closed loop).
            while (k > 0) {
                long m = k > 4096 ? 4096 : k;
                write_all(fd, out, (size_t)(m * frame));
                sent += m;
                k -= m;
            }
        }
        double s = now_s() - start;
        printf("echo: %ld round trips, %d in flight, in %.3f s = %.0f round trips/s (%.0f messages/s)\n",
               count, batch, s, count / s, 2 * count / s);
    }
    close(fd);
    pthread_join(t, NULL);
    return 0;
}
