#include <gtest/gtest.h>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/inplace_function.hpp"

namespace dialtone {
namespace {

TEST(FixedVector, RefusesPastCapacity) {
  FixedVector<int, 3> v;
  EXPECT_TRUE(v.push_back(1));
  EXPECT_TRUE(v.push_back(2));
  EXPECT_TRUE(v.push_back(3));
  EXPECT_FALSE(v.push_back(4));
  EXPECT_EQ(v.size(), 3u);
  v.erase_at(0);
  EXPECT_EQ(v[0], 2);
  EXPECT_EQ(v[1], 3);
  EXPECT_EQ(v.size(), 2u);
}

TEST(FixedString, TruncationIsReported) {
  FixedString<4> s;
  EXPECT_TRUE(s.assign("abcd"));
  EXPECT_FALSE(s.append("e"));
  EXPECT_EQ(s.view(), "abcd");
  EXPECT_STREQ(s.c_str(), "abcd");
}

TEST(ByteRing, WritesAreAllOrNothingAndWrapAround) {
  ByteRing<8> r;
  EXPECT_TRUE(r.write(std::string_view("abcdef")));
  EXPECT_FALSE(r.write(std::string_view("xyz")));
  r.consume(4);
  EXPECT_TRUE(r.write(std::string_view("ghij")));
  std::string out;
  while (!r.empty()) {
    auto f = r.front();
    out.append(reinterpret_cast<const char*>(f.data()), f.size());
    r.consume(f.size());
  }
  EXPECT_EQ(out, "efghij");
}

TEST(InplaceFunction, CallsCopiesAndMoves) {
  int hits = 0;
  InplaceFunction<int(int)> f = [&hits](int x) { ++hits; return x * 2; };
  InplaceFunction<int(int)> g = f;
  EXPECT_EQ(f(2), 4);
  EXPECT_EQ(g(3), 6);
  InplaceFunction<int(int)> h = std::move(g);
  EXPECT_FALSE(static_cast<bool>(g));
  EXPECT_EQ(h(4), 8);
  EXPECT_EQ(hits, 3);
}

}  // namespace
}  // namespace dialtone
