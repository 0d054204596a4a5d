// The machine's own wake-up tail, with nothing else of consensus-bench running: how late a thread
// that sleeps 100 us at a time wakes, and the round trip of an eventfd ping-pong between two threads
// that block in read (as idle event loops block in epoll_wait). Usage: wake-tail [seconds]
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "samples.h"

static int to_echo, to_main;
static volatile int stop;
static uint64_t *late;
static long late_count;

static void report(const char *name, uint64_t *s, long n) {
    if (n == 0) return;
    sort_samples(s, n);
    printf("%-36s n=%-7ld p50 %7.1f us  p99 %7.1f  p99.9 %7.1f  p99.99 %7.1f  max %7.1f\n", name, n, micros_at(s, n, 0.5),
           micros_at(s, n, 0.99), micros_at(s, n, 0.999), micros_at(s, n, 0.9999), micros_at(s, n, 1));
}

static void *echo(void *unused) {
    (void)unused;
    uint64_t v;
    while (!stop && read(to_echo, &v, 8) == 8) {
        if (write(to_main, &v, 8) != 8) break;
    }
    return NULL;
}

static void *sleeper(void *unused) {
    (void)unused;
    const long capacity = 1000000;
    late = malloc(capacity * sizeof *late);
    while (!stop && late_count < capacity) {
        uint64_t start = now_ns();
        struct timespec d = {0, 100000};
        nanosleep(&d, NULL);
        uint64_t slept = now_ns() - start;
        late[late_count++] = slept > 100000 ? slept - 100000 : 0;
    }
    return NULL;
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 5;
    to_echo = eventfd(0, 0);
    to_main = eventfd(0, 0);
    pthread_t e, s;
    pthread_create(&e, NULL, echo, NULL);
    pthread_create(&s, NULL, sleeper, NULL);
    const long capacity = 10000000;
    uint64_t *trip = malloc(capacity * sizeof *trip);
    long n = 0;
    uint64_t end = now_ns() + (uint64_t)(seconds * 1e9);
    while (now_ns() < end && n < capacity) {
        uint64_t one = 1, v, start = now_ns();
        if (write(to_echo, &one, 8) != 8 || read(to_main, &v, 8) != 8) break;
        trip[n++] = now_ns() - start;
        struct timespec gap = {0, 20000};  // 20 us apart: the echo thread sleeps between pings
        nanosleep(&gap, NULL);
    }
    stop = 1;
    uint64_t one = 1;
    if (write(to_echo, &one, 8) != 8) return 1;
    pthread_join(s, NULL);
    report("eventfd round trip (sleeping threads)", trip, n);
    report("100 us sleep, woken late by", late, late_count);
    return 0;
}
