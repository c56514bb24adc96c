// A plain C API over simdjson (a scanner of its own for the common event shape, then simdjson's DOM
// parser, then On-Demand for what DOM declines), for Vigil's event decoder.
//
// The extractor is configured once with a set of key paths (each path a list of object keys from
// the top-level object). Parsing a message validates the whole document (UTF-8, syntax of every
// value, nothing after the top-level value, nesting depth) and reports, in document order, one
// entry per value found at a configured path. It makes no decision beyond that: the caller turns
// entries into events.
//
// Not thread-safe: one extractor per thread. No C++ exception crosses this API.
#ifndef VIGIL_CSIMDJSON_H
#define VIGIL_CSIMDJSON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vigil_json_extractor vigil_json_extractor;

/// The JSON type of an extracted value.
typedef enum vigil_json_kind {
    VIGIL_JSON_NULL = 0,
    /// A finite JSON number: `number` holds it, `text`/`length` its raw token (only at paths
    /// declared with `vigil_json_extractor_needs_number_text`).
    VIGIL_JSON_NUMBER = 1,
    /// `NaN`, `Infinity`, `-Infinity` literals or a number that overflows a double: `number` holds
    /// NaN or ±infinity, `text`/`length` the raw token.
    VIGIL_JSON_NON_FINITE = 2,
    /// A string: `text`/`length` hold its unescaped UTF-8 bytes (not NUL-terminated).
    VIGIL_JSON_STRING = 3,
    VIGIL_JSON_TRUE = 4,
    VIGIL_JSON_FALSE = 5,
    /// An object; entries for configured paths below it follow this entry.
    VIGIL_JSON_OBJECT = 6,
    VIGIL_JSON_ARRAY = 7,
} vigil_json_kind;

/// One value found at a configured path. `text` points into memory owned by the extractor and is
/// valid until the next call to `vigil_json_extract` or `vigil_json_extractor_destroy`.
typedef struct vigil_json_entry {
    /// The id returned by `vigil_json_extractor_add_path` for the path; -1 for a value voided by a
    /// later occurrence of its key (or of a key above it) in the same object.
    int32_t path;
    /// A `vigil_json_kind`.
    int32_t kind;
    double number;
    const char *text;
    size_t length;
} vigil_json_entry;

typedef enum vigil_json_status {
    VIGIL_JSON_OK = 0,
    /// The document is not a single JSON object (an array, a scalar, empty input).
    VIGIL_JSON_NOT_OBJECT = 1,
    /// Invalid JSON anywhere (syntax, invalid UTF-8, bad escape, truncated, trailing content).
    VIGIL_JSON_INVALID = 2,
    /// Nested deeper than the configured maximum depth.
    VIGIL_JSON_TOO_DEEP = 3,
    /// Larger than the configured maximum size, or memory could not be allocated.
    VIGIL_JSON_CAPACITY = 4,
} vigil_json_status;

/// Creates an extractor for documents of at most `max_bytes` bytes nested at most `max_depth`
/// levels (the top-level object is level 1). Returns NULL when out of memory.
vigil_json_extractor *vigil_json_extractor_create(size_t max_bytes, uint32_t max_depth);

void vigil_json_extractor_destroy(vigil_json_extractor *extractor);

/// Registers a path of `count` keys (`keys[i]` is `lengths[i]` bytes of UTF-8, unescaped) and returns
/// its id (0, 1, 2, … in registration order; the same id again for a path already registered).
/// Returns -1 for an empty path or when out of memory.
int32_t vigil_json_extractor_add_path(vigil_json_extractor *extractor, const char *const *keys,
                                      const size_t *lengths, size_t count);

/// Declares that the caller reads the raw text (`text`/`length`) of numbers found at path `path`.
/// Numbers elsewhere may come without it (`text` NULL, `length` 0); strings always carry theirs.
/// Integer `-0` reads as the number 0 with text "0".
void vigil_json_extractor_needs_number_text(vigil_json_extractor *extractor, int32_t path);

/// The paths a document may take before the On-Demand walk, which always remains (see extractor.cpp).
typedef enum vigil_json_path {
    /// One validating pass for the common event shape, building nothing.
    VIGIL_JSON_PATH_SCANNER = 1,
    /// simdjson's DOM parser, then a walk of its tape.
    VIGIL_JSON_PATH_DOM = 2,
} vigil_json_path;

/// Sets which paths run first (`vigil_json_path` flags; both by default, the scanner first); 0
/// leaves every document to the On-Demand walk. All give the same entries; tests and fuzzing
/// compare them.
void vigil_json_extractor_set_paths(vigil_json_extractor *extractor, int paths);

/// How many documents each path finished since the extractor was created: `counts[0]` the
/// scanner, `counts[1]` DOM, `counts[2]` the On-Demand walk (whatever the status). For tests.
void vigil_json_extractor_finished(const vigil_json_extractor *extractor, uint64_t counts[3]);

/// Parses one document (`length` bytes at `bytes`; copied into an internal padded buffer, so
/// `bytes` may be released after the call). On `VIGIL_JSON_OK`, `*entries` and `*count` describe
/// the extracted values in document order. A key repeated in one object: the last occurrence wins
/// with everything below it; the entries of earlier occurrences stay in place with `path` -1.
/// On any other status, `*count` is 0.
vigil_json_status vigil_json_extract(vigil_json_extractor *extractor, const void *bytes, size_t length,
                                     const vigil_json_entry **entries, size_t *count);

/// Parses `count` documents (`lengths[i]` bytes at `messages[i]`) one after another, each exactly as
/// `vigil_json_extract` would, and keeps every result until the next call of either function on this
/// extractor (entry texts are copied into memory the extractor owns, so the messages may be released
/// after the call). Read result `i` with `vigil_json_batch_result`.
///
/// Lets a caller parse several batches at once, one extractor per thread, and then interpret the
/// results in order on one thread (`EventDecoder.prepare`).
void vigil_json_extract_batch(vigil_json_extractor *extractor, const void *const *messages, const size_t *lengths,
                              size_t count);

/// As `vigil_json_extract_batch`, for messages that are each followed by a zero byte and then at
/// least 64 readable bytes of any content (lines of a buffer, their newline overwritten with zero,
/// the buffer padded): the scanner reads them in place instead of copying each into the
/// extractor's padded buffer. Results are the same as `vigil_json_extract_batch`'s. The scanner
/// accepts no zero byte (so it never moves past the terminator) and loads at most 16 bytes from a
/// position it has reached, so it reads nothing past the padding; what it declines is copied and
/// parsed by DOM and On-Demand as before.
void vigil_json_extract_batch_terminated(vigil_json_extractor *extractor, const void *const *messages,
                                         const size_t *lengths, size_t count);

/// Result `index` of the last `vigil_json_extract_batch`: its status, and on `VIGIL_JSON_OK` its entries
/// (`*count` is 0 on any other status, or for an index beyond the batch, which reads as
/// `VIGIL_JSON_CAPACITY`).
vigil_json_status vigil_json_batch_result(const vigil_json_extractor *extractor, size_t index,
                                          const vigil_json_entry **entries, size_t *count);

/// Parses `text` (`length` bytes), a JSON array of numbers such as `[1, -2.5e3, 0]`, into `out`
/// (room for `capacity` values), each number correctly rounded to the nearest double (`-0` stays
/// negative zero). Returns how many there were, or -1 when `text` is not exactly such an array
/// (any other value, invalid JSON, trailing content), a number lies beyond a double's range, there
/// are more than `capacity` numbers, or memory could not be allocated. Thread-safe.
///
/// For reference profiles' samples (100,000 numbers per feature): some five times faster than
/// `strtod` one number at a time, which made up most of the agent's start-up (issue 11).
int64_t vigil_json_parse_number_array(const void *text, size_t length, double *out, size_t capacity);

#ifdef __cplusplus
}
#endif

#endif
