#ifndef VIGIL_CTSAN_SUPPORT_H
#define VIGIL_CTSAN_SUPPORT_H

// ThreadSanitizer support (`make sanitize-thread`). Outside TSan builds this is two null checks.
//
// c11threads.c (TSan builds only) routes librdkafka's C11 thread, mutex and condition calls
// through the POSIX functions TSan intercepts.
//
// Happens-before annotations:
//
// Swift's `Synchronization.Mutex` locks with raw futex system calls on Linux, which TSan does not
// intercept, so TSan sees no ordering between two critical sections of one Mutex and reports a
// "Swift access race" on every value a Mutex guards. `Locked` (VigilSync) calls these right after
// acquiring and right before releasing the Mutex. They forward to TSan's `__tsan_acquire` /
// `__tsan_release` when the TSan runtime is linked in (a weak reference, so a normal build resolves
// it to null) and do nothing otherwise.

void vigil_tsan_acquire(void *address);
void vigil_tsan_release(void *address);

#endif
