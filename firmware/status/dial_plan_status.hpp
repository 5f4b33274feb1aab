// Which dial plan the handset uses (services.md sections 3 and 4): the
// built-in one of the board's country, the classifiers cached from an
// earlier Kazoo answer, or Kazoo's classifiers fetched since start. The
// dial-plan store writes it; `status` and the web page show it.
#pragma once
#include <cstddef>
#include <string_view>

#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/limits.hpp"

namespace dialtone::status {

struct DialPlanStatus {
  enum class Source { kBuiltIn, kCache, kKazoo };
  Source source = Source::kBuiltIn;
  FixedString<8> country;
  std::size_t rules = 0;
  FixedString<limits::kServiceTextMax> problem;  // the last fetch's failure, or a classifier left out

  std::string_view source_name() const {
    switch (source) {
      case Source::kBuiltIn: return "built-in";
      case Source::kCache: return "cache";
      case Source::kKazoo: return "kazoo";
    }
    return "?";
  }
};

}  // namespace dialtone::status
