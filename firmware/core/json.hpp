// JSON on fixed memory.
//
// Parsing: cJSON with allocation hooks that draw from one static arena. A
// JsonDocument resets the arena when it is created, so each message parses
// into the same memory and nothing leaks or fragments. Only one document is
// alive at a time (single-threaded loop; parse, act, drop).
//
// Writing: JsonWriter appends to a caller-owned fixed buffer with proper
// escaping; overflow is sticky and reported, never a partial success.
#pragma once
#include <cjson/cJSON.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace dialtone {

class JsonDocument {
 public:
  explicit JsonDocument(std::string_view text);
  ~JsonDocument();
  JsonDocument(const JsonDocument&) = delete;
  JsonDocument& operator=(const JsonDocument&) = delete;

  // nullptr when the text was not valid JSON or the arena ran out.
  const cJSON* root() const { return root_; }
  // For editing a parsed document before printing it back (cJSON_Print*):
  // nodes added meanwhile come from the same arena and go with the document.
  cJSON* mutable_root() { return root_; }
  bool ok() const { return root_ != nullptr; }
  bool out_of_memory() const { return oom_; }

 private:
  cJSON* root_ = nullptr;
  bool oom_ = false;
};

// Typed lookups that never crash on a wrong type: nullopt/nullptr instead.
const cJSON* json_get(const cJSON* obj, const char* key);
std::optional<std::string_view> json_string(const cJSON* obj, const char* key);
std::optional<std::int64_t> json_int(const cJSON* obj, const char* key);
std::optional<bool> json_bool(const cJSON* obj, const char* key);
const cJSON* json_array(const cJSON* obj, const char* key);
const cJSON* json_object(const cJSON* obj, const char* key);

// Bytes of arena in use right now, and its high-water mark (for benchmarks).
std::size_t json_arena_used();
std::size_t json_arena_peak();

class JsonWriter {
 public:
  explicit JsonWriter(std::span<char> out) : out_(out) {}
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array(std::string_view key = {});
  JsonWriter& end_array();
  JsonWriter& begin_object(std::string_view key);
  JsonWriter& string(std::string_view key, std::string_view value);
  JsonWriter& number(std::string_view key, std::int64_t value);
  JsonWriter& real(std::string_view key, double value, int decimals = 1);
  JsonWriter& boolean(std::string_view key, bool value);
  JsonWriter& null(std::string_view key);
  JsonWriter& raw(std::string_view key, std::string_view json);  // already-encoded value
  JsonWriter& value_string(std::string_view value);               // array element

  bool ok() const { return !overflow_; }
  std::string_view view() const { return {out_.data(), len_}; }
  std::size_t size() const { return len_; }

 private:
  void comma();
  void key(std::string_view k);
  void put(std::string_view s);
  void put_escaped(std::string_view s);
  std::span<char> out_;
  std::size_t len_ = 0;
  bool overflow_ = false;
  bool need_comma_ = false;
};

}  // namespace dialtone
