#include "CTSanSupport.h"

// Provided by the ThreadSanitizer runtime (compiler-rt's tsan_interface.h); null without it.
extern void __tsan_acquire(void *address) __attribute__((weak));
extern void __tsan_release(void *address) __attribute__((weak));

void vigil_tsan_acquire(void *address) {
    if (__tsan_acquire) __tsan_acquire(address);
}

void vigil_tsan_release(void *address) {
    if (__tsan_release) __tsan_release(address);
}
