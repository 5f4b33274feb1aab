#include "firmware/core/json.hpp"

#include <cstdio>
#include <cstring>

#include "firmware/core/limits.hpp"
#include "firmware/core/pool_gauge.hpp"

namespace dialtone {
namespace {

alignas(std::max_align_t) unsigned char g_arena[limits::kJsonArenaBytes];
std::size_t g_used = 0;
std::size_t g_peak = 0;
bool g_oom = false;

void* arena_malloc(std::size_t n) {
  constexpr std::size_t kAlign = alignof(std::max_align_t);
  std::size_t start = (g_used + kAlign - 1) & ~(kAlign - 1);
  if (start + n > sizeof g_arena) {
    g_oom = true;
    return nullptr;
  }
  g_used = start + n;
  if (g_used > g_peak) g_peak = g_used;
  return g_arena + start;
}
void arena_free(void*) {}  // freed all at once by the next reset

struct HookInstaller {
  HookInstaller() {
    cJSON_Hooks hooks{arena_malloc, arena_free};
    cJSON_InitHooks(&hooks);
  }
};

void install_hooks() { static HookInstaller once; }

PoolGauge& arena_gauge() {
  static PoolGauge gauge{"json_arena_bytes", limits::kJsonArenaBytes};
  return gauge;
}

}  // namespace

JsonDocument::JsonDocument(std::string_view text) {
  install_hooks();
  g_used = 0;
  g_oom = false;
  root_ = cJSON_ParseWithLength(text.data(), text.size());
  oom_ = g_oom;
  if (oom_) root_ = nullptr;
  arena_gauge().set_used(oom_ ? limits::kJsonArenaBytes : g_used);
}

JsonDocument::~JsonDocument() {
  g_used = 0;
  arena_gauge().set_used(0);
}

std::size_t json_arena_used() { return g_used; }
std::size_t json_arena_peak() { return g_peak; }

const cJSON* json_get(const cJSON* obj, const char* key) {
  if (!obj || !cJSON_IsObject(obj)) return nullptr;
  return cJSON_GetObjectItemCaseSensitive(obj, key);
}
std::optional<std::string_view> json_string(const cJSON* obj, const char* key) {
  const cJSON* v = json_get(obj, key);
  if (!v || !cJSON_IsString(v) || !v->valuestring) return std::nullopt;
  return std::string_view(v->valuestring);
}
std::optional<std::int64_t> json_int(const cJSON* obj, const char* key) {
  const cJSON* v = json_get(obj, key);
  if (!v || !cJSON_IsNumber(v)) return std::nullopt;
  double d = v->valuedouble;
  // Converting a double outside int64's range (1e300, inf) is undefined.
  if (!(d >= -0x1p63 && d < 0x1p63)) return std::nullopt;
  if (d != static_cast<double>(static_cast<std::int64_t>(d))) return std::nullopt;
  return static_cast<std::int64_t>(d);
}
std::optional<bool> json_bool(const cJSON* obj, const char* key) {
  const cJSON* v = json_get(obj, key);
  if (!v || !cJSON_IsBool(v)) return std::nullopt;
  return cJSON_IsTrue(v) != 0;
}
const cJSON* json_array(const cJSON* obj, const char* key) {
  const cJSON* v = json_get(obj, key);
  return v && cJSON_IsArray(v) ? v : nullptr;
}
const cJSON* json_object(const cJSON* obj, const char* key) {
  const cJSON* v = json_get(obj, key);
  return v && cJSON_IsObject(v) ? v : nullptr;
}

void JsonWriter::put(std::string_view s) {
  if (overflow_) return;
  if (len_ + s.size() >= out_.size()) {
    overflow_ = true;
    return;
  }
  std::memcpy(out_.data() + len_, s.data(), s.size());
  len_ += s.size();
  out_[len_] = '\0';
}

void JsonWriter::put_escaped(std::string_view s) {
  put("\"");
  for (char c : s) {
    switch (c) {
      case '"': put("\\\""); break;
      case '\\': put("\\\\"); break;
      case '\n': put("\\n"); break;
      case '\r': put("\\r"); break;
      case '\t': put("\\t"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(c));
          put(esc);
        } else {
          put(std::string_view(&c, 1));
        }
    }
  }
  put("\"");
}

void JsonWriter::comma() {
  if (need_comma_) put(",");
  need_comma_ = true;
}
void JsonWriter::key(std::string_view k) {
  comma();
  if (!k.empty()) {
    put_escaped(k);
    put(":");
  }
}

JsonWriter& JsonWriter::begin_object() { comma(); put("{"); need_comma_ = false; return *this; }
JsonWriter& JsonWriter::begin_object(std::string_view k) { key(k); put("{"); need_comma_ = false; return *this; }
JsonWriter& JsonWriter::end_object() { put("}"); need_comma_ = true; return *this; }
JsonWriter& JsonWriter::begin_array(std::string_view k) { key(k); put("["); need_comma_ = false; return *this; }
JsonWriter& JsonWriter::end_array() { put("]"); need_comma_ = true; return *this; }
JsonWriter& JsonWriter::string(std::string_view k, std::string_view v) { key(k); put_escaped(v); return *this; }
JsonWriter& JsonWriter::value_string(std::string_view v) { comma(); put_escaped(v); return *this; }
JsonWriter& JsonWriter::number(std::string_view k, std::int64_t v) {
  key(k);
  char b[32];
  std::snprintf(b, sizeof b, "%lld", static_cast<long long>(v));
  put(b);
  return *this;
}
JsonWriter& JsonWriter::real(std::string_view k, double v, int decimals) {
  key(k);
  char b[48];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  put(b);
  return *this;
}
JsonWriter& JsonWriter::boolean(std::string_view k, bool v) { key(k); put(v ? "true" : "false"); return *this; }
JsonWriter& JsonWriter::null(std::string_view k) { key(k); put("null"); return *this; }
JsonWriter& JsonWriter::raw(std::string_view k, std::string_view j) { key(k); put(j); return *this; }

}  // namespace dialtone
