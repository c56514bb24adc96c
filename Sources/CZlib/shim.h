#include <zlib.h>

// deflateInit2 / inflateInit2 are macros: Swift cannot call them directly.
static inline int vigil_deflate_init_gzip(z_streamp stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
static inline int vigil_inflate_init_gzip(z_streamp stream) {
    return inflateInit2(stream, 15 + 32);
}
