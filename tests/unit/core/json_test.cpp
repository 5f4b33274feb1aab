#include "firmware/core/json.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace dialtone {
namespace {

TEST(Json, TypedLookupsNeverCrashOnWrongTypes) {
  JsonDocument doc(R"({"a":"x","n":5,"f":1.5,"b":true,"o":{},"arr":[1]})");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(json_string(doc.root(), "a").value(), "x");
  EXPECT_FALSE(json_string(doc.root(), "n").has_value());
  EXPECT_EQ(json_int(doc.root(), "n").value(), 5);
  EXPECT_FALSE(json_int(doc.root(), "f").has_value());
  EXPECT_FALSE(json_int(doc.root(), "missing").has_value());
  EXPECT_TRUE(json_bool(doc.root(), "b").value());
  EXPECT_NE(json_object(doc.root(), "o"), nullptr);
  EXPECT_EQ(json_object(doc.root(), "arr"), nullptr);
  EXPECT_NE(json_array(doc.root(), "arr"), nullptr);
}

TEST(Json, NumbersBeyondInt64AreNotIntegers) {
  JsonDocument doc(R"({"big":1e300,"inf":1e400,"top":9223372036854775807,"low":-9223372036854775808})");
  ASSERT_TRUE(doc.ok());
  EXPECT_FALSE(json_int(doc.root(), "big").has_value());
  EXPECT_FALSE(json_int(doc.root(), "inf").has_value());
  EXPECT_FALSE(json_int(doc.root(), "top").has_value());  // a double rounds it up to 2^63
  EXPECT_EQ(json_int(doc.root(), "low").value(), INT64_MIN);
}

TEST(Json, MalformedTextIsRejected) {
  JsonDocument doc("{\"a\":");
  EXPECT_FALSE(doc.ok());
  JsonDocument arr("[1,2]");
  EXPECT_TRUE(arr.ok());
  EXPECT_FALSE(json_string(arr.root(), "a").has_value());
}

TEST(Json, ArenaIsReusedPerDocument) {
  { JsonDocument a(R"({"k":"v"})"); ASSERT_TRUE(a.ok()); }
  EXPECT_EQ(json_arena_used(), 0u);
  { JsonDocument b(R"({"k":"v"})"); ASSERT_TRUE(b.ok()); }
  EXPECT_EQ(json_arena_used(), 0u);
}

TEST(Json, ArenaExhaustionIsReportedNotACrash) {
  std::string big = "[";
  for (int i = 0; i < 20000; ++i) big += "{},";
  big += "{}]";
  JsonDocument doc(big);
  EXPECT_FALSE(doc.ok());
  EXPECT_TRUE(doc.out_of_memory());
}

TEST(JsonWriter, EscapesAndReportsOverflow) {
  char buf[64];
  JsonWriter w(buf);
  w.begin_object().string("s", "a\"b\n").number("n", -3).boolean("t", true).end_object();
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w.view(), R"({"s":"a\"b\n","n":-3,"t":true})");
  JsonDocument back(w.view());
  EXPECT_EQ(json_string(back.root(), "s").value(), "a\"b\n");

  char small[8];
  JsonWriter o(small);
  o.begin_object().string("long", "value").end_object();
  EXPECT_FALSE(o.ok());
}

}  // namespace
}  // namespace dialtone
