// A malloc counter for any process (issue 11: "zero allocations per event, prove it"):
//
//   LD_PRELOAD=.build/bench-e2e/malloc_count.so vigil replay ...
//
// counts calls of malloc, calloc, realloc, posix_memalign, aligned_alloc and memalign (the Swift
// runtime and Foundation allocate through these) and writes the totals to standard error at exit,
// or to the file named by MALLOC_COUNT_OUT. Replaying two inputs of different sizes and dividing the
// difference in counts by the difference in events gives allocations per event, without start-up
// and report writing.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_ullong calls;
static atomic_ullong bytes;

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

void *malloc(size_t size) {
    atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&bytes, size, memory_order_relaxed);
    return __libc_malloc(size);
}

void *calloc(size_t n, size_t size) {
    atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&bytes, n * size, memory_order_relaxed);
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size) {
    atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&bytes, size, memory_order_relaxed);
    return __libc_realloc(p, size);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
    atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&bytes, size, memory_order_relaxed);
    void *p = __libc_memalign(alignment, size);
    if (!p) return 12;   // ENOMEM
    *out = p;
    return 0;
}

void *aligned_alloc(size_t alignment, size_t size) {
    atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&bytes, size, memory_order_relaxed);
    return __libc_memalign(alignment, size);
}

void *memalign(size_t alignment, size_t size) {
    atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&bytes, size, memory_order_relaxed);
    return __libc_memalign(alignment, size);
}

__attribute__((destructor)) static void report(void) {
    char line[128];
    int n = snprintf(line, sizeof line, "{\"malloc_calls\": %llu, \"malloc_bytes\": %llu}\n",
                     (unsigned long long)atomic_load(&calls), (unsigned long long)atomic_load(&bytes));
    const char *path = getenv("MALLOC_COUNT_OUT");
    if (path) {
        FILE *f = fopen(path, "w");
        if (f) { fwrite(line, 1, (size_t)n, f); fclose(f); return; }
    }
    (void)!write(2, line, (size_t)n);
}
