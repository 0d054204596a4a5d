// What both probes share: a monotonic clock in nanoseconds, and sorting samples for percentiles.
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int by_value(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void sort_samples(uint64_t *s, long n) { qsort(s, (size_t)n, sizeof *s, by_value); }

/// The sorted samples' value at `fraction` (0.99: p99), in microseconds.
static double micros_at(const uint64_t *s, long n, double fraction) {
    long i = (long)(n * fraction);
    return s[i < n ? i : n - 1] / 1e3;
}
