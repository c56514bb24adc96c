// ThreadSanitizer builds only: route C11 <threads.h> calls through the POSIX functions TSan
// intercepts.
//
// librdkafka (Debian's build) creates its threads with C11 `thrd_create` and guards its queues
// with `mtx_*` / `cnd_*`. glibc implements those by calling its internal pthread functions
// directly, past TSan's interceptors, so a TSan process does not know librdkafka's threads exist
// and the first intercepted call on one of them (malloc) crashes inside the TSan runtime (a SEGV),
// and hand-offs through librdkafka's queues would look unsynchronised. Defined in the executable,
// these take precedence over glibc's for librdkafka (the linker exports them because librdkafka
// references them). Each does exactly what glibc 2.36's nptl/thrd_*.c, mtx_*.c, cnd_*.c and
// call_once.c do, minus the internal entry points.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer) && defined(__linux__)

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <threads.h>

static int vigil_thrd_err_map(int err_code) {
    switch (err_code) {
    case 0: return thrd_success;
    case ENOMEM: return thrd_nomem;
    case ETIMEDOUT: return thrd_timedout;
    case EBUSY: return thrd_busy;
    default: return thrd_error;
    }
}

int thrd_create(thrd_t *thr, thrd_start_t func, void *arg) {
    return vigil_thrd_err_map(pthread_create(thr, NULL, (void *(*)(void *))func, arg));
}

int thrd_join(thrd_t thr, int *res) {
    void *pthread_res;
    int err_code = pthread_join(thr, &pthread_res);
    if (res) *res = (int)(intptr_t)pthread_res;
    return vigil_thrd_err_map(err_code);
}

int thrd_detach(thrd_t thr) {
    return vigil_thrd_err_map(pthread_detach(thr));
}

int mtx_init(mtx_t *mutex, int type) {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    if (type == (mtx_plain | mtx_recursive) || type == (mtx_timed | mtx_recursive)) {
        pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    } else {
        pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_NORMAL);
    }
    int err_code = pthread_mutex_init((pthread_mutex_t *)mutex, &attr);
    pthread_mutexattr_destroy(&attr);
    return vigil_thrd_err_map(err_code);
}

int mtx_lock(mtx_t *mutex) {
    return vigil_thrd_err_map(pthread_mutex_lock((pthread_mutex_t *)mutex));
}

int mtx_trylock(mtx_t *mutex) {
    return vigil_thrd_err_map(pthread_mutex_trylock((pthread_mutex_t *)mutex));
}

int mtx_unlock(mtx_t *mutex) {
    return vigil_thrd_err_map(pthread_mutex_unlock((pthread_mutex_t *)mutex));
}

void mtx_destroy(mtx_t *mutex) {
    pthread_mutex_destroy((pthread_mutex_t *)mutex);
}

int cnd_init(cnd_t *cond) {
    return vigil_thrd_err_map(pthread_cond_init((pthread_cond_t *)cond, NULL));
}

int cnd_signal(cnd_t *cond) {
    return vigil_thrd_err_map(pthread_cond_signal((pthread_cond_t *)cond));
}

int cnd_broadcast(cnd_t *cond) {
    return vigil_thrd_err_map(pthread_cond_broadcast((pthread_cond_t *)cond));
}

int cnd_wait(cnd_t *cond, mtx_t *mutex) {
    return vigil_thrd_err_map(pthread_cond_wait((pthread_cond_t *)cond, (pthread_mutex_t *)mutex));
}

int cnd_timedwait(cnd_t *restrict cond, mtx_t *restrict mutex, const struct timespec *restrict time_point) {
    return vigil_thrd_err_map(
        pthread_cond_timedwait((pthread_cond_t *)cond, (pthread_mutex_t *)mutex, time_point));
}

void cnd_destroy(cnd_t *cond) {
    pthread_cond_destroy((pthread_cond_t *)cond);
}

void call_once(once_flag *flag, void (*func)(void)) {
    pthread_once((pthread_once_t *)&flag->__data, func);
}

#endif
#endif
