// Plain C API over simdjson: see include/CSimdJSON.h.
//
// Three paths give the same entries; each declines to the next what it cannot represent exactly:
// - Scanner: one validating pass over the bytes for the common event shape (objects, strings of
//   printable ASCII without escapes, numbers whose value Clinger's fast path gives exactly,
//   true/false/null), reading keys through the same path trie and key-order prediction as the
//   others. It builds nothing: values at configured paths become entries as they are read. It
//   declines (DOM runs) on anything else: an escape, a byte outside printable ASCII inside a
//   string, an array, NaN/Infinity, a number with more than 18 digits or a decimal exponent beyond
//   ±22, a non-integer where the number text is needed, any syntax error, nesting past `max_depth`.
//   So whatever it accepts is valid JSON (RFC 8259's grammar, checked token by token, and ASCII
//   needs no UTF-8 check), and every value it reports is the one DOM reports (issue 11: simdjson's
//   stages 1 and 2 and the tape walk were ~40 % of a replay's CPU).
// - DOM path: simdjson's DOM parser validates the whole document (its stage 2 is compiled for this
//   CPU, AVX2 or AVX-512, chosen at run time) and only the configured paths are then read from the
//   parsed tape. It declines (and the slow path runs) on anything it cannot represent exactly:
//   a parse error of any kind, a top level that is not an object, and a non-integer number at a
//   path whose raw number text the caller needs (`vigil_json_extractor_needs_number_text`).
// - Slow path: an On-Demand walk of the whole document (every key unescaped, every scalar parsed),
//   so anything invalid anywhere is reported, not just in the values Vigil reads (On-Demand alone
//   would skip unvisited values without validating them); it also reads Python's NaN/Infinity and
//   numbers beyond a double's range. Stage 1 validates UTF-8 for the whole input. The On-Demand
//   code is compiled for baseline x86-64 (simdjson's "fallback" kernel), hence DOM before it.
// Integer `-0` reads as 0 (text "0") on every path, as Python's json reads it (DOM stores it so).
// The statuses come from DOM or On-Demand alone: the scanner only ever accepts or declines.
#include "CSimdJSON.h"

#include <simdjson.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ondemand = simdjson::ondemand;

namespace {

uint64_t hash_key(std::string_view key) noexcept {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : key) { h = (h ^ c) * 0x100000001b3ULL; }
    return h;
}

/// Whether `a` and `b` (both `length` bytes) are equal; `b` may be read up to 8 bytes past
/// `length` and `a` too (both sit in padded buffers: the document buffer or a padded key copy).
inline bool same_key(const char *a, const char *b, size_t length) noexcept {
    if (length <= 8) {
        uint64_t x, y;
        std::memcpy(&x, a, 8);
        std::memcpy(&y, b, 8);
        uint64_t mask = length == 8 ? ~uint64_t(0) : (uint64_t(1) << (8 * length)) - 1;
        return ((x ^ y) & mask) == 0;
    }
    return std::memcmp(a, b, length) == 0;
}

/// A node of the path trie: one per key prefix of a registered path.
struct Node {
    int32_t path = -1;                    // id of the path ending here, or -1
    bool needs_number_text = false;       // the caller reads a number's raw text at this path
    std::vector<std::string> keys;        // child keys, each followed by 8 NUL bytes (for `same_key`)
    std::vector<uint32_t> lengths;        // child key lengths (without the padding)
    std::vector<uint8_t> plain;           // per child key: printable ASCII without '"' or '\\' (see `scan_object`)
    std::vector<uint32_t> children;       // node index per child key
    std::vector<uint32_t> table;          // open addressing: child slot + 1, 0 = empty; size power of 2
    /// Key order prediction: at field position i of the last object walked at this node, the child
    /// slot + 1 its key matched (0: none). Events of one stream share their key order, so most keys
    /// match their prediction with one comparison instead of a hash lookup.
    std::vector<uint32_t> predicted;
    static constexpr size_t max_predicted = 256;

    void rebuild() {
        size_t size = 4;
        while (size < keys.size() * 2) { size <<= 1; }
        table.assign(size, 0);
        for (uint32_t i = 0; i < keys.size(); i++) { insert(i); }
    }
    void insert(uint32_t i) {
        size_t mask = table.size() - 1;
        size_t slot = hash_key(std::string_view(keys[i].data(), lengths[i])) & mask;
        while (table[slot] != 0) { slot = (slot + 1) & mask; }
        table[slot] = i + 1;
    }
    /// Child slot + 1 of `key`, or 0.
    uint32_t slot_of(std::string_view key) const noexcept {
        if (keys.empty()) { return 0; }
        size_t mask = table.size() - 1;
        size_t slot = hash_key(key) & mask;
        while (uint32_t entry = table[slot]) {
            if (lengths[entry - 1] == key.size() && std::memcmp(keys[entry - 1].data(), key.data(), key.size()) == 0) {
                return entry;
            }
            slot = (slot + 1) & mask;
        }
        return 0;
    }
    /// Index of the child reached through `key`, or -1.
    int64_t find(std::string_view key) const noexcept {
        uint32_t entry = slot_of(key);
        return entry == 0 ? -1 : int64_t(children[entry - 1]);
    }
    /// `find` for the key at field position `position` of an object in a document buffer (readable
    /// 8 bytes past the key), through the prediction first; learns the key order as it goes.
    int64_t find_at(std::string_view key, size_t position) noexcept {
        if (position < predicted.size()) {
            uint32_t entry = predicted[position];
            if (entry != 0 && lengths[entry - 1] == key.size() && same_key(key.data(), keys[entry - 1].data(), key.size())) {
                return children[entry - 1];
            }
        }
        uint32_t entry = slot_of(key);
        if (position < max_predicted) {
            if (position >= predicted.size()) { predicted.resize(position + 1, 0); }
            predicted[position] = entry;
        }
        return entry == 0 ? -1 : int64_t(children[entry - 1]);
    }
};

std::string_view trim_trailing_space(std::string_view token) noexcept {
    while (!token.empty()) {
        char c = token.back();
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') { break; }
        token.remove_suffix(1);
    }
    return token;
}

/// The content of a string starting at `content` (just after its opening quote) when it holds no
/// escape; a null view otherwise. The closing quote exists: stage 1 rejects unclosed strings.
std::string_view unescaped_span(const char *content) noexcept {
    size_t i = 0;
    while (content[i] != '"') {
        if (content[i] == '\\') { return std::string_view(); }
        i++;
    }
    return std::string_view(content, i);
}

/// Whether `token` is a JSON number by RFC 8259's grammar.
bool is_json_number(std::string_view token) noexcept {
    size_t i = 0, n = token.size();
    auto digit = [&](size_t at) { return at < n && token[at] >= '0' && token[at] <= '9'; };
    if (i < n && token[i] == '-') { i++; }
    if (!digit(i)) { return false; }
    if (token[i] == '0') { i++; } else { while (digit(i)) { i++; } }
    if (i < n && token[i] == '.') {
        i++;
        if (!digit(i)) { return false; }
        while (digit(i)) { i++; }
    }
    if (i < n && (token[i] == 'e' || token[i] == 'E')) {
        i++;
        if (i < n && (token[i] == '+' || token[i] == '-')) { i++; }
        if (!digit(i)) { return false; }
        while (digit(i)) { i++; }
    }
    return i == n;
}

/// The closing quote of a string whose content starts at `content`, when the content is printable
/// ASCII without escapes (bytes 0x20-0x7F but `\\`); nullptr otherwise (the scanner declines).
/// Reads 16 bytes at a time: the document buffer's zero padding stops the search at its end.
inline const char *plain_string_end(const char *content) noexcept {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
    for (const char *at = content;; at += 16) {
        __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i *>(at));
        // Signed: bytes from 0x80 (not ASCII) compare below 0x20 like control characters.
        __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash)),
                                    _mm_cmplt_epi8(bytes, space));
        if (unsigned mask = unsigned(_mm_movemask_epi8(stop))) {
            const char *hit = at + __builtin_ctz(mask);
            return *hit == '"' ? hit : nullptr;
        }
    }
#else
    for (const char *at = content;; at++) {
        unsigned char c = static_cast<unsigned char>(*at);
        if (c == '"') { return at; }
        if (c == '\\' || c < 0x20 || c >= 0x80) { return nullptr; }
    }
#endif
}

inline bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

inline const char *skip_space(const char *at) noexcept {
    while (*at == ' ' || *at == '\n' || *at == '\r' || *at == '\t') { at++; }
    return at;
}

/// Powers of ten a double holds exactly (Clinger's fast path).
constexpr double exact_powers_of_ten[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                          1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

}  // namespace

struct vigil_json_extractor {
    ondemand::parser parser;
    simdjson::dom::parser dom;
    size_t dom_capacity = 0;
    /// Which paths run before the On-Demand walk (`vigil_json_extractor_set_paths`).
    bool scanner_enabled = true;
    bool dom_enabled = true;
    /// Documents each path finished: scanner, DOM, On-Demand (any status).
    uint64_t finished[3] = {0, 0, 0};
    /// Decimal text of integers read by the DOM path (entry index, offset into `number_text`);
    /// entries point into it once the walk is over (it may reallocate while it grows).
    std::vector<char> number_text;
    std::vector<std::pair<size_t, size_t>> number_text_entries;
    size_t max_bytes;
    uint32_t max_depth;
    std::unique_ptr<uint8_t[]> buffer;    // the message copy, followed by SIMDJSON_PADDING bytes
    size_t buffer_capacity = 0;
    std::vector<Node> nodes;              // nodes[0] is the root (the top-level object)
    int32_t path_count = 0;
    std::vector<vigil_json_entry> entries;
    /// Per trie node: the object instance in which its key was last walked, and the range of
    /// `entries` emitted for that occurrence (to void them when the key repeats in that object).
    struct Occurrence { uint64_t object = 0; size_t start = 0, end = 0; };
    std::vector<Occurrence> occurrences;
    uint64_t objects_walked = 0;          // numbers object instances; never reset

    static constexpr size_t initial_capacity = 64 * 1024;

    vigil_json_extractor(size_t max_bytes, uint32_t max_depth)
        : parser(max_bytes), max_bytes(max_bytes), max_depth(max_depth) {
        nodes.emplace_back();
        occurrences.emplace_back();
        entries.reserve(64);
    }

    __attribute__((always_inline)) void emit(const Node *node, vigil_json_kind kind, double number = 0, const char *text = nullptr,
              size_t length = 0) {
        if (node == nullptr || node->path < 0) { return; }
        entries.push_back(vigil_json_entry{node->path, kind, number, text, length});
    }

    /// The child of `node` through `key`, the key at field `position` of its object.
    const Node *child(const Node *node, std::string_view key, size_t position) noexcept {
        if (node == nullptr) { return nullptr; }
        // Keys come from `nodes` (non-const: the prediction learns).
        int64_t index = nodes[size_t(node - nodes.data())].find_at(key, position);
        return index < 0 ? nullptr : &nodes[size_t(index)];
    }

    /// Records that key node `next` occurred in object `instance` with the entries from `start` on.
    /// A key repeated in one object: the last occurrence wins with everything below it (as
    /// JSON.parse and Python's json do), so the earlier one's entries are voided and one `features`
    /// object never mixes with another.
    void record_occurrence(const Node *next, uint64_t instance, size_t start) {
        Occurrence &seen = occurrences[size_t(next - nodes.data())];
        if (seen.object == instance) {
            for (size_t i = seen.start; i < seen.end; i++) { entries[i].path = -1; }
        }
        seen = Occurrence{instance, start, entries.size()};
    }

    /// Walks an object whose own nesting level is `depth`.
    vigil_json_status walk_object(ondemand::object &object, const Node *node, uint32_t depth) {
        uint64_t instance = ++objects_walked;
        size_t position = 0;
        for (auto field_result : object) {
            ondemand::field field;
            if (std::move(field_result).get(field) != simdjson::SUCCESS) { return VIGIL_JSON_INVALID; }
            // A key without escapes is its raw bytes (stage 1 validated the UTF-8 and the quotes);
            // only keys with a backslash need unescaping (which also validates the escapes).
            std::string_view key = unescaped_span(field.key().raw());
            if (key.data() == nullptr && field.unescaped_key().get(key) != simdjson::SUCCESS) { return VIGIL_JSON_INVALID; }
            const Node *next = child(node, key, position++);
            size_t start = entries.size();
            vigil_json_status status = walk_value(field.value(), next, depth);
            if (status != VIGIL_JSON_OK) { return status; }
            if (next != nullptr) { record_occurrence(next, instance, start); }
        }
        return VIGIL_JSON_OK;
    }

    /// Walks a value held by a container whose nesting level is `depth`.
    vigil_json_status walk_value(ondemand::value value, const Node *node, uint32_t depth) {
        std::string_view token = value.raw_json_token();
        if (token.empty()) { return VIGIL_JSON_INVALID; }
        switch (token[0]) {
        case '{': {
            if (depth + 1 > max_depth) { return VIGIL_JSON_TOO_DEEP; }
            ondemand::object object;
            if (value.get_object().get(object) != simdjson::SUCCESS) { return VIGIL_JSON_INVALID; }
            emit(node, VIGIL_JSON_OBJECT);
            return walk_object(object, node, depth + 1);
        }
        case '[': {
            if (depth + 1 > max_depth) { return VIGIL_JSON_TOO_DEEP; }
            ondemand::array array;
            if (value.get_array().get(array) != simdjson::SUCCESS) { return VIGIL_JSON_INVALID; }
            emit(node, VIGIL_JSON_ARRAY);
            for (auto element_result : array) {
                ondemand::value element;
                if (std::move(element_result).get(element) != simdjson::SUCCESS) { return VIGIL_JSON_INVALID; }
                vigil_json_status status = walk_value(element, nullptr, depth + 1);
                if (status != VIGIL_JSON_OK) { return status; }
            }
            return VIGIL_JSON_OK;
        }
        case '"': {
            std::string_view text = unescaped_span(token.data() + 1);
            if (text.data() != nullptr) {
                simdjson::ondemand::raw_json_string raw;
                if (value.get_raw_json_string().get(raw) != simdjson::SUCCESS) { return VIGIL_JSON_INVALID; }
            } else if (value.get_string().get(text) != simdjson::SUCCESS) {
                return VIGIL_JSON_INVALID;
            }
            emit(node, VIGIL_JSON_STRING, 0, text.data(), text.size());
            return VIGIL_JSON_OK;
        }
        case 't':
        case 'f': {
            bool flag;
            if (value.get_bool().get(flag) != simdjson::SUCCESS) { return VIGIL_JSON_INVALID; }
            emit(node, flag ? VIGIL_JSON_TRUE : VIGIL_JSON_FALSE, flag ? 1 : 0);
            return VIGIL_JSON_OK;
        }
        case 'n': {
            bool is_null = false;
            if (value.is_null().get(is_null) != simdjson::SUCCESS || !is_null) { return VIGIL_JSON_INVALID; }
            emit(node, VIGIL_JSON_NULL);
            return VIGIL_JSON_OK;
        }
        case 'N':
        case 'I': {
            // Python's json writes these; they are not JSON. The value is left unconsumed: the
            // enclosing iteration steps over a single scalar token.
            token = trim_trailing_space(token);
            double number;
            if (token == "NaN") {
                number = std::numeric_limits<double>::quiet_NaN();
            } else if (token == "Infinity") {
                number = std::numeric_limits<double>::infinity();
            } else {
                return VIGIL_JSON_INVALID;
            }
            emit(node, VIGIL_JSON_NON_FINITE, number, token.data(), token.size());
            return VIGIL_JSON_OK;
        }
        case '-':
        case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9': {
            double number;
            token = trim_trailing_space(token);
            if (value.get_double().get(number) == simdjson::SUCCESS) {
                if (token == "-0") {   // an integer: 0, as DOM (and Python's json) reads it
                    emit(node, VIGIL_JSON_NUMBER, 0, "0", 1);
                    return VIGIL_JSON_OK;
                }
                emit(node, VIGIL_JSON_NUMBER, number, token.data(), token.size());
                return VIGIL_JSON_OK;
            }
            // Not consumed on failure, like the literals above.
            if (token == "-Infinity" || is_json_number(token)) {   // a valid number that overflows
                double infinity = std::numeric_limits<double>::infinity();
                emit(node, VIGIL_JSON_NON_FINITE, token[0] == '-' ? -infinity : infinity, token.data(), token.size());
                return VIGIL_JSON_OK;
            }
            return VIGIL_JSON_INVALID;
        }
        default:
            return VIGIL_JSON_INVALID;
        }
    }

    /// DOM path: reads the configured paths of a validated DOM object (the DOM parser's own
    /// limit, `max_depth`, is stricter than the slow path's, so no depth check is needed).
    /// False: decline, the slow path decides.
    bool fast_object(simdjson::dom::object object, const Node *node) {
        uint64_t instance = ++objects_walked;
        size_t position = 0;
        for (simdjson::dom::key_value_pair field : object) {
            // DOM keys sit in its string buffer, padded: `same_key` may read past them.
            const Node *next = child(node, field.key, position++);
            if (next == nullptr) { continue; }   // validated by the parse, nothing to read below
            size_t start = entries.size();
            if (!fast_value(field.value, next)) { return false; }
            record_occurrence(next, instance, start);
        }
        return true;
    }

    /// Records the decimal text of an integer for entry `entry` (pointers fixed after the walk).
    void integer_text(size_t entry, uint64_t magnitude, bool negative) {
        char digits[24];
        size_t at = sizeof(digits);
        do { digits[--at] = char('0' + magnitude % 10); magnitude /= 10; } while (magnitude != 0);
        if (negative) { digits[--at] = '-'; }
        size_t offset = number_text.size();
        number_text.insert(number_text.end(), digits + at, digits + sizeof(digits));
        number_text_entries.emplace_back(entry, offset);
        entries[entry].length = sizeof(digits) - at;
    }

    bool fast_value(simdjson::dom::element value, const Node *node) {
        using simdjson::dom::element_type;
        switch (value.type()) {
        case element_type::OBJECT:
            emit(node, VIGIL_JSON_OBJECT);
            return fast_object(value.get_object().value_unsafe(), node);
        case element_type::ARRAY:
            emit(node, VIGIL_JSON_ARRAY);
            return true;
        case element_type::STRING: {
            std::string_view text = value.get_string().value_unsafe();
            emit(node, VIGIL_JSON_STRING, 0, text.data(), text.size());
            return true;
        }
        case element_type::INT64: {
            int64_t integer = value.get_int64().value_unsafe();
            if (node->path < 0) { return true; }
            emit(node, VIGIL_JSON_NUMBER, double(integer));
            uint64_t magnitude = integer < 0 ? 0 - uint64_t(integer) : uint64_t(integer);
            if (node->needs_number_text) { integer_text(entries.size() - 1, magnitude, integer < 0); }
            return true;
        }
        case element_type::UINT64: {
            uint64_t integer = value.get_uint64().value_unsafe();
            if (node->path < 0) { return true; }
            emit(node, VIGIL_JSON_NUMBER, double(integer));
            if (node->needs_number_text) { integer_text(entries.size() - 1, integer, false); }
            return true;
        }
        case element_type::DOUBLE:
            if (node->needs_number_text) { return false; }   // its raw text is not in the tape
            emit(node, VIGIL_JSON_NUMBER, value.get_double().value_unsafe());
            return true;
        case element_type::BOOL: {
            bool flag = value.get_bool().value_unsafe();
            emit(node, flag ? VIGIL_JSON_TRUE : VIGIL_JSON_FALSE, flag ? 1 : 0);
            return true;
        }
        case element_type::NULL_VALUE:
            emit(node, VIGIL_JSON_NULL);
            return true;
        }
        return false;
    }

    /// The DOM path over the padded copy in `buffer`; false: decline.
    bool fast_extract(size_t length) {
        if (dom_capacity < length) {
            size_t capacity = dom_capacity * 2;
            if (capacity < length) { capacity = length; }
            if (capacity < initial_capacity) { capacity = initial_capacity; }
            if (capacity > max_bytes) { capacity = max_bytes; }
            if (dom.allocate(capacity, max_depth) != simdjson::SUCCESS) { return false; }
            dom_capacity = capacity;
        }
        simdjson::dom::element root;
        if (dom.parse(buffer.get(), length, false).get(root) != simdjson::SUCCESS) { return false; }
        if (root.type() != simdjson::dom::element_type::OBJECT) { return false; }
        number_text.clear();
        number_text_entries.clear();
        if (!fast_object(root.get_object().value_unsafe(), &nodes[0])) { return false; }
        for (auto [entry, offset] : number_text_entries) { entries[entry].text = number_text.data() + offset; }
        return true;
    }

    const char *scan_end = nullptr;       // the end of the document being scanned

    // Scanner (see the top of this file). Each function takes the position of a token's first byte
    // and returns the position after it, or nullptr to decline. The document buffer holds the
    // message followed by zero bytes, which no token accepts, so no read passes its padding.

    const char *scan_object(const char *at, const Node *node, uint32_t depth) {
        uint64_t instance = ++objects_walked;
        size_t position = 0;
        at = skip_space(at + 1);
        if (*at == '}') { return at + 1; }
        for (;;) {
            if (*at != '"') { return nullptr; }
            const Node *next = nullptr;
            const char *close = nullptr;
            // The key predicted at this position (the one the last object here had), compared in
            // place with its closing quote: a plain registered key that matches so is the whole
            // string token, valid as it stands, with no scan for its end.
            if (node != nullptr && position < node->predicted.size()) {
                if (uint32_t entry = node->predicted[position]; entry != 0 && node->plain[entry - 1] != 0) {
                    size_t length = node->lengths[entry - 1];
                    if (at + 1 + length < scan_end && at[1 + length] == '"' &&
                        same_key(at + 1, node->keys[entry - 1].data(), length)) {
                        next = &nodes[node->children[entry - 1]];
                        close = at + 1 + length;
                    }
                }
            }
            if (close == nullptr) {
                close = plain_string_end(at + 1);
                if (close == nullptr) { return nullptr; }
                // The key stays in the buffer, padded: `same_key` may read past it.
                next = child(node, std::string_view(at + 1, size_t(close - at - 1)), position);
            }
            position++;
            at = skip_space(close + 1);
            if (*at != ':') { return nullptr; }
            at = skip_space(at + 1);
            size_t start = entries.size();
            at = scan_value(at, next, depth);
            if (at == nullptr) { return nullptr; }
            if (next != nullptr) { record_occurrence(next, instance, start); }
            at = skip_space(at);
            if (*at == ',') {
                at = skip_space(at + 1);
                continue;
            }
            return *at == '}' ? at + 1 : nullptr;
        }
    }

    /// A value held by a container whose nesting level is `depth`; `node` may be null (not read).
    const char *scan_value(const char *at, const Node *node, uint32_t depth) {
        switch (*at) {
        case '{':
            if (depth + 1 > max_depth) { return nullptr; }
            emit(node, VIGIL_JSON_OBJECT);
            return scan_object(at, node, depth + 1);
        case '"': {
            const char *close = plain_string_end(at + 1);
            if (close == nullptr) { return nullptr; }
            emit(node, VIGIL_JSON_STRING, 0, at + 1, size_t(close - at - 1));
            return close + 1;
        }
        case 't':
            if (std::memcmp(at, "true", 4) != 0) { return nullptr; }
            emit(node, VIGIL_JSON_TRUE, 1);
            return at + 4;
        case 'f':
            if (std::memcmp(at, "false", 5) != 0) { return nullptr; }
            emit(node, VIGIL_JSON_FALSE, 0);
            return at + 5;
        case 'n':
            if (std::memcmp(at, "null", 4) != 0) { return nullptr; }
            emit(node, VIGIL_JSON_NULL);
            return at + 4;
        case '-':
        case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9':
            return scan_number(at, node);
        default:
            return nullptr;   // arrays, NaN, Infinity, invalid: DOM or On-Demand decides
        }
    }

    /// A number by RFC 8259's grammar, read as DOM reads it: an integer of up to 18 digits as an
    /// int64 (so `-0` is 0), anything else as the correctly rounded double, which Clinger's fast
    /// path gives when the digits (at most 18) form an integer m ≤ 2^53 and the decimal exponent e
    /// is within ±22: m and 10^|e| are then exact doubles and one IEEE division or multiplication
    /// rounds once. Declines otherwise.
    const char *scan_number(const char *at, const Node *node) {
        const char *start = at;
        bool negative = *at == '-';
        if (negative) { at++; }
        uint64_t mantissa = 0;
        size_t digits = 0;
        if (*at == '0') {
            at++;
            if (is_digit(*at)) { return nullptr; }   // a leading zero: not JSON
        } else if (is_digit(*at)) {
            const char *first = at;
            while (is_digit(*at)) {
                mantissa = mantissa * 10 + uint64_t(*at - '0');
                at++;
                if (at - first > 18) { return nullptr; }   // before the mantissa could overflow
            }
            digits = size_t(at - first);
        } else {
            return nullptr;
        }
        bool integer = true;
        int64_t exponent = 0;
        if (*at == '.') {
            integer = false;
            const char *first = ++at;
            while (is_digit(*at)) {
                mantissa = mantissa * 10 + uint64_t(*at - '0');
                at++;
                if (digits + size_t(at - first) > 18) { return nullptr; }
            }
            if (at == first) { return nullptr; }
            exponent = -int64_t(at - first);
        }
        if (*at == 'e' || *at == 'E') {
            integer = false;
            at++;
            bool below = *at == '-';
            if (*at == '+' || *at == '-') { at++; }
            if (!is_digit(*at)) { return nullptr; }
            int64_t power = 0;
            while (is_digit(*at)) {
                if (power < 100000) { power = power * 10 + (*at - '0'); }
                at++;
            }
            exponent += below ? -power : power;
        }
        bool needs_text = node != nullptr && node->needs_number_text;
        if (integer) {
            // `-0` is the integer 0 (text "0"), as DOM and Python's json read it.
            double value = mantissa == 0 ? 0 : negative ? -double(int64_t(mantissa)) : double(int64_t(mantissa));
            if (!needs_text) {
                emit(node, VIGIL_JSON_NUMBER, value);
            } else if (mantissa == 0) {
                emit(node, VIGIL_JSON_NUMBER, 0, "0", 1);
            } else {
                emit(node, VIGIL_JSON_NUMBER, value, start, size_t(at - start));
            }
            return at;
        }
        if (needs_text) { return nullptr; }   // DOM declines too: On-Demand keeps the raw text
        if (exponent < -22 || exponent > 22 || mantissa > (uint64_t(1) << 53)) { return nullptr; }
        double value = double(mantissa);
        value = exponent < 0 ? value / exact_powers_of_ten[-exponent] : value * exact_powers_of_ten[exponent];
        emit(node, VIGIL_JSON_NUMBER, negative ? -value : value);
        return at;
    }

    /// The scanner over `length` bytes at `begin`, followed by `SIMDJSON_PADDING` zero bytes;
    /// false: decline.
    bool scan(const char *begin, size_t length) {
        scan_end = begin + length;
        const char *at = skip_space(begin);
        if (*at != '{') { return false; }
        at = scan_object(at, &nodes[0], 1);
        return at != nullptr && skip_space(at) == begin + length;
    }

    /// Copies `length` bytes at `bytes` into `buffer`, followed by `SIMDJSON_PADDING` zero bytes;
    /// false when out of memory.
    bool copy_to_buffer(const void *bytes, size_t length) {
        if (buffer_capacity < length + simdjson::SIMDJSON_PADDING) {
            size_t capacity = length + simdjson::SIMDJSON_PADDING;
            if (capacity < buffer_capacity * 2) { capacity = buffer_capacity * 2; }
            buffer.reset(new (std::nothrow) uint8_t[capacity]);
            if (!buffer) {
                buffer_capacity = 0;
                return false;
            }
            buffer_capacity = capacity;
        }
        if (length > 0) { std::memcpy(buffer.get(), bytes, length); }
        std::memset(buffer.get() + length, 0, simdjson::SIMDJSON_PADDING);
        return true;
    }

    /// One document: the scanner first (unless `scanner` is false: the caller tried it), then DOM,
    /// then On-Demand.
    vigil_json_status extract(const void *bytes, size_t length, bool scanner = true) {
        entries.clear();
        if (length > max_bytes) { return VIGIL_JSON_CAPACITY; }
        if (!copy_to_buffer(bytes, length)) { return VIGIL_JSON_CAPACITY; }

        if (scanner && scanner_enabled && max_depth >= 1) {
            if (scan(reinterpret_cast<const char *>(buffer.get()), length)) {
                finished[0]++;
                return VIGIL_JSON_OK;
            }
            entries.clear();
        }
        if (dom_enabled && max_depth >= 1) {
            if (fast_extract(length)) {
                finished[1]++;
                return VIGIL_JSON_OK;
            }
            entries.clear();
        }
        finished[2]++;

        // Grow the parser geometrically (iterate alone would reallocate to each new maximum length).
        if (parser.capacity() < length) {
            size_t capacity = parser.capacity() * 2;
            if (capacity < length) { capacity = length; }
            if (capacity < initial_capacity) { capacity = initial_capacity; }
            if (capacity > max_bytes) { capacity = max_bytes; }
            if (parser.allocate(capacity, parser.max_depth()) != simdjson::SUCCESS) { return VIGIL_JSON_CAPACITY; }
        }

        ondemand::document document;
        simdjson::error_code error = parser.iterate(buffer.get(), length, buffer_capacity).get(document);
        if (error == simdjson::CAPACITY || error == simdjson::MEMALLOC) { return VIGIL_JSON_CAPACITY; }
        if (error != simdjson::SUCCESS) { return VIGIL_JSON_INVALID; }
        // Only a top-level object is an event; check its first byte before asking On-Demand for it.
        const char *start = nullptr;
        if (document.current_location().get(start) != simdjson::SUCCESS) { return VIGIL_JSON_NOT_OBJECT; }
        if (*start != '{') {
            return (*start == '[' || *start == '"' || *start == '-' || (*start >= '0' && *start <= '9') ||
                    *start == 't' || *start == 'f' || *start == 'n') ? VIGIL_JSON_NOT_OBJECT : VIGIL_JSON_INVALID;
        }
        if (max_depth < 1) { return VIGIL_JSON_TOO_DEEP; }
        ondemand::object object;
        if (document.get_object().get(object) != simdjson::SUCCESS) { return VIGIL_JSON_INVALID; }
        vigil_json_status status = walk_object(object, &nodes[0], 1);
        if (status != VIGIL_JSON_OK) {
            entries.clear();
            return status;
        }
        // Nothing may follow the top-level value.
        if (document.current_location().error() != simdjson::OUT_OF_BOUNDS) {
            entries.clear();
            return VIGIL_JSON_INVALID;
        }
        return VIGIL_JSON_OK;
    }

    // Batches (`vigil_json_extract_batch`): every message's status and entries, their texts copied
    // into `blocks`, which are kept (and reused) from batch to batch.
    struct Result { vigil_json_status status; size_t start, count; };
    std::vector<Result> batch_results;
    std::vector<vigil_json_entry> batch_entries;
    struct Block { std::unique_ptr<char[]> bytes; size_t size; };
    std::vector<Block> blocks;
    size_t block = 0, block_used = 0;    // the block being filled and its bytes in use
    static constexpr size_t block_size = 256 * 1024;

    /// `size` bytes that live until the next batch; nullptr when out of memory.
    char *reserve(size_t size) {
        while (block < blocks.size() && blocks[block].size - block_used < size) {
            block++;
            block_used = 0;
        }
        if (block == blocks.size()) {
            size_t bytes_size = size > block_size ? size : block_size;
            char *bytes = new (std::nothrow) char[bytes_size];
            if (bytes == nullptr) { return nullptr; }
            blocks.push_back(Block{std::unique_ptr<char[]>(bytes), bytes_size});
            block_used = 0;
        }
        char *at = blocks[block].bytes.get() + block_used;
        block_used += size;
        return at;
    }

    /// A copy of `length` bytes at `text` that lives until the next batch; nullptr when out of memory.
    const char *keep(const char *text, size_t length) {
        char *copy = reserve(length);
        if (copy != nullptr && length > 0) { std::memcpy(copy, text, length); }
        return copy;
    }

    /// `terminated`: each message is followed by a zero byte and at least `SIMDJSON_PADDING`
    /// readable bytes (`vigil_json_extract_batch_terminated`), so the scanner reads it in place.
    void extract_batch(const void *const *messages, const size_t *lengths, size_t count, bool terminated) {
        batch_results.clear();
        batch_entries.clear();
        block = 0;
        block_used = 0;
        for (size_t i = 0; i < count; i++) {
            size_t length = lengths[i];
            size_t start = batch_entries.size();
            bool scanner_tried = false, scanned = false;
            if (scanner_enabled && max_depth >= 1 && length <= max_bytes &&
                (terminated || copy_to_buffer(messages[i], length))) {
                // The scanner appends to the batch's entries directly.
                std::swap(entries, batch_entries);
                scanned = scan(terminated ? static_cast<const char *>(messages[i])
                                          : reinterpret_cast<const char *>(buffer.get()), length);
                if (!scanned) { entries.resize(start); }
                std::swap(entries, batch_entries);
                scanner_tried = true;
            }
            vigil_json_status status = VIGIL_JSON_OK;
            if (scanned) {
                finished[0]++;
            } else {
                status = extract(messages[i], length, !scanner_tried);
                if (status == VIGIL_JSON_OK) { batch_entries.insert(batch_entries.end(), entries.begin(), entries.end()); }
            }
            // Texts point into the message's copy or DOM's strings: copied next to each other into
            // the batch's blocks (compact: the decoding thread reads them soon after, from cache).
            for (size_t e = start; status == VIGIL_JSON_OK && e < batch_entries.size(); e++) {
                vigil_json_entry &entry = batch_entries[e];
                if (entry.text != nullptr) {
                    entry.text = keep(entry.text, entry.length);
                    if (entry.text == nullptr) { status = VIGIL_JSON_CAPACITY; }
                }
            }
            if (status != VIGIL_JSON_OK) { batch_entries.resize(start); }
            batch_results.push_back(Result{status, start, batch_entries.size() - start});
        }
        entries.clear();
    }

    int32_t add_path(const char *const *keys, const size_t *lengths, size_t count) {
        if (count == 0) { return -1; }
        size_t node = 0;
        for (size_t i = 0; i < count; i++) {
            std::string_view key(keys[i], lengths[i]);
            int64_t next = nodes[node].find(key);
            if (next < 0) {
                nodes.emplace_back();
                occurrences.emplace_back();
                next = int64_t(nodes.size() - 1);
                Node &parent = nodes[node];
                parent.keys.emplace_back(key);
                parent.keys.back().append(8, '\0');
                parent.lengths.push_back(uint32_t(key.size()));
                bool plain = true;
                for (unsigned char c : key) { plain = plain && c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }
                parent.plain.push_back(plain ? 1 : 0);
                parent.children.push_back(uint32_t(next));
                parent.rebuild();
            }
            node = size_t(next);
        }
        if (nodes[node].path < 0) { nodes[node].path = path_count++; }
        return nodes[node].path;
    }
};

extern "C" {

vigil_json_extractor *vigil_json_extractor_create(size_t max_bytes, uint32_t max_depth) {
    return new (std::nothrow) vigil_json_extractor(max_bytes, max_depth);
}

void vigil_json_extractor_destroy(vigil_json_extractor *extractor) { delete extractor; }

int32_t vigil_json_extractor_add_path(vigil_json_extractor *extractor, const char *const *keys,
                                      const size_t *lengths, size_t count) {
    // Without exceptions enabled, a failed allocation inside std::vector aborts; paths are
    // registered once at startup, so that is a startup failure, not an input-dependent one.
    return extractor->add_path(keys, lengths, count);
}

void vigil_json_extractor_set_paths(vigil_json_extractor *extractor, int paths) {
    extractor->scanner_enabled = (paths & VIGIL_JSON_PATH_SCANNER) != 0;
    extractor->dom_enabled = (paths & VIGIL_JSON_PATH_DOM) != 0;
}

void vigil_json_extractor_finished(const vigil_json_extractor *extractor, uint64_t counts[3]) {
    for (int i = 0; i < 3; i++) { counts[i] = extractor->finished[i]; }
}

void vigil_json_extractor_needs_number_text(vigil_json_extractor *extractor, int32_t path) {
    for (Node &node : extractor->nodes) {
        if (node.path == path && path >= 0) { node.needs_number_text = true; }
    }
}

vigil_json_status vigil_json_extract(vigil_json_extractor *extractor, const void *bytes, size_t length,
                                     const vigil_json_entry **entries, size_t *count) {
    vigil_json_status status = extractor->extract(bytes, length);
    *entries = extractor->entries.data();
    *count = status == VIGIL_JSON_OK ? extractor->entries.size() : 0;
    return status;
}

void vigil_json_extract_batch(vigil_json_extractor *extractor, const void *const *messages, const size_t *lengths,
                              size_t count) {
    extractor->extract_batch(messages, lengths, count, false);
}

void vigil_json_extract_batch_terminated(vigil_json_extractor *extractor, const void *const *messages,
                                         const size_t *lengths, size_t count) {
    extractor->extract_batch(messages, lengths, count, true);
}

vigil_json_status vigil_json_batch_result(const vigil_json_extractor *extractor, size_t index,
                                          const vigil_json_entry **entries, size_t *count) {
    if (index >= extractor->batch_results.size()) {
        *entries = nullptr;
        *count = 0;
        return VIGIL_JSON_CAPACITY;
    }
    const auto &result = extractor->batch_results[index];
    *entries = extractor->batch_entries.data() + result.start;
    *count = result.status == VIGIL_JSON_OK ? result.count : 0;
    return result.status;
}

int64_t vigil_json_parse_number_array(const void *text, size_t length, double *out, size_t capacity) {
    try {
        simdjson::padded_string padded(static_cast<const char *>(text), length);
        ondemand::parser parser;
        ondemand::document document;
        ondemand::array array;
        if (parser.iterate(padded).get(document) != simdjson::SUCCESS || document.get_array().get(array) != simdjson::SUCCESS) {
            return -1;
        }
        size_t count = 0;
        for (auto element : array) {
            double value;
            if (count == capacity || element.get_double().get(value) != simdjson::SUCCESS || !std::isfinite(value)) { return -1; }
            out[count++] = value;
        }
        // Nothing may follow the array (On-Demand does not look past where the walk ended).
        const char *end = padded.data() + length;
        const char *after = nullptr;
        if (document.current_location().get(after) == simdjson::SUCCESS) {
            while (after < end && (*after == ' ' || *after == '\n' || *after == '\r' || *after == '\t')) { ++after; }
            if (after != end) { return -1; }
        }
        return static_cast<int64_t>(count);
    } catch (...) {
        return -1;   // std::bad_alloc from the padded copy or the parser's buffers
    }
}

}  // extern "C"
