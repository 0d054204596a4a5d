// Loopback TCP ping-pong between two threads that block in epoll_wait (the pattern of two event
// loops), with exponential gaps of mean G us between pings: round-trip percentiles of the machine
// itself, to set beside `consensus-bench calibrate`'s ping-pong through the tcp shell's transport.
// Usage: tcp-gaps [mean gap in us, 0: back to back] [seconds]
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "samples.h"

static volatile int port;

static int watch(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int ep = epoll_create1(0);
    struct epoll_event e = {.events = EPOLLIN, .data.fd = fd};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
    return ep;
}

static void *server(void *unused) {
    (void)unused;
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof a;
    if (bind(listener, (struct sockaddr *)&a, sizeof a) != 0 || listen(listener, 1) != 0) exit(1);
    getsockname(listener, (struct sockaddr *)&a, &length);
    port = ntohs(a.sin_port);
    int s = accept(listener, NULL, NULL);
    int ep = watch(s);
    char buffer[64];
    for (;;) {
        struct epoll_event ready;
        if (epoll_wait(ep, &ready, 1, -1) < 1) continue;
        ssize_t got = read(s, buffer, sizeof buffer);
        if (got <= 0 || write(s, buffer, (size_t)got) != got) return NULL;
    }
}

int main(int argc, char **argv) {
    double gap_us = argc > 1 ? atof(argv[1]) : 200;
    double seconds = argc > 2 ? atof(argv[2]) : 3;
    pthread_t t;
    pthread_create(&t, NULL, server, NULL);
    while (!port) usleep(1000);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) return 1;
    int ep = watch(s);
    const long capacity = 5000000;
    uint64_t *trip = malloc(capacity * sizeof *trip);
    long n = 0;
    char frame[62] = {0};  // a small consensus message: 4-byte length + 58 bytes
    srand(1);
    uint64_t end = now_ns() + (uint64_t)(seconds * 1e9);
    while (now_ns() < end && n < capacity) {
        uint64_t start = now_ns();
        if (write(s, frame, sizeof frame) != (ssize_t)sizeof frame) return 1;
        size_t got = 0;
        while (got < sizeof frame) {
            struct epoll_event ready;
            epoll_wait(ep, &ready, 1, -1);
            ssize_t r = read(s, frame + got, sizeof frame - got);
            if (r <= 0) return 1;
            got += (size_t)r;
        }
        trip[n++] = now_ns() - start;
        if (gap_us > 0) {
            double u = (rand() + 1.0) / (RAND_MAX + 2.0);
            uint64_t g = (uint64_t)(-log(u) * gap_us * 1000);
            struct timespec d = {(time_t)(g / 1000000000u), (long)(g % 1000000000u)};
            nanosleep(&d, NULL);
        }
    }
    if (n == 0) return 1;
    sort_samples(trip, n);
    printf("loopback TCP, gaps of mean %4.0f us: n=%-7ld round trip p50 %6.1f us  p90 %6.1f  p99 %7.1f  p99.9 %7.1f  max %7.1f\n",
           gap_us, n, micros_at(trip, n, 0.5), micros_at(trip, n, 0.9), micros_at(trip, n, 0.99), micros_at(trip, n, 0.999),
           micros_at(trip, n, 1));
    return 0;
}
