// Digit patterns: the small language a dial plan's rules are written in,
// instead of the regexes Kazoo's classifiers use (std::regex allocates, and a
// phone matches on every key press). A pattern is a sequence of elements, each
// one character class with an optional repeat count:
//
//   0-9 * #   that key
//   +         a literal '+' (numbers given already in E.164 form)
//   X         any digit 0-9
//   N         a digit 2-9
//   Z         a digit 1-9
//   [2-9] [19] [0-35]   a set of digits, with ranges
//   {n} {m,n}           the element before, repeated exactly n / m to n times
//
// e.g. "[2-9]XX[2-9]XXXXXX" (a North American ten-digit number), "N11",
// "011X{1,15}". Everything here is constexpr and works on string_views:
// no allocation, recursion as deep as the pattern has elements.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dialtone::dialplan {

// How a dialled string relates to a pattern. Both false: no digit that could
// still be dialled makes it match.
struct PatternFit {
  bool complete = false;  // the string matches the whole pattern
  bool longer = false;    // some longer string beginning with it matches too
  constexpr bool none() const { return !complete && !longer; }
};

namespace pattern_detail {

inline constexpr std::size_t kRepeatMax = 255;

struct Element {
  std::string_view cls;  // the class as written: "X", "N", "7", "[2-9]"
  std::size_t min = 1;
  std::size_t max = 1;
  std::size_t next = 0;  // where the following element starts; 0: malformed
};

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads an unsigned number at p; advances p. Returns kRepeatMax + 1 if there
// is none or it is too large.
constexpr std::size_t read_count(std::string_view s, std::size_t& p) {
  if (p >= s.size() || !is_digit(s[p])) return kRepeatMax + 1;
  std::size_t n = 0;
  while (p < s.size() && is_digit(s[p])) {
    n = n * 10 + static_cast<std::size_t>(s[p] - '0');
    if (n > kRepeatMax) return kRepeatMax + 1;
    ++p;
  }
  return n;
}

// The element starting at `at` (which is before the end of the pattern).
constexpr Element element_at(std::string_view pat, std::size_t at) {
  Element e;
  std::size_t p = at;
  const char c = pat[p];
  if (c == '[') {
    const std::size_t close = pat.find(']', p);
    if (close == std::string_view::npos || close == p + 1) return e;
    for (std::size_t i = p + 1; i < close; ++i) {
      const bool range = pat[i] == '-';
      if (!is_digit(pat[i]) && !range) return e;
      // A range needs a digit either side, in order: "2-9", not "-9" or "9-2".
      if (range && (i == p + 1 || i + 1 == close || !is_digit(pat[i + 1]) || pat[i - 1] > pat[i + 1])) return e;
    }
    e.cls = pat.substr(p, close + 1 - p);
    p = close + 1;
  } else if (is_digit(c) || c == '*' || c == '#' || c == '+' || c == 'X' || c == 'N' || c == 'Z') {
    e.cls = pat.substr(p, 1);
    ++p;
  } else {
    return e;
  }
  if (p < pat.size() && pat[p] == '{') {
    ++p;
    e.min = read_count(pat, p);
    e.max = e.min;
    if (p < pat.size() && pat[p] == ',') {
      ++p;
      e.max = read_count(pat, p);
    }
    if (e.max > kRepeatMax || e.min > e.max || e.max == 0 || p >= pat.size() || pat[p] != '}') return e;
    ++p;
  }
  e.next = p;
  return e;
}

constexpr bool class_has(std::string_view cls, char d) {
  switch (cls[0]) {
    case 'X': return is_digit(d);
    case 'N': return d >= '2' && d <= '9';
    case 'Z': return d >= '1' && d <= '9';
    case '[': {
      if (!is_digit(d)) return false;
      const std::string_view set = cls.substr(1, cls.size() - 2);
      for (std::size_t i = 0; i < set.size(); ++i) {
        if (i + 2 < set.size() && set[i + 1] == '-') {
          if (d >= set[i] && d <= set[i + 2]) return true;
          i += 2;
        } else if (set[i] == d) {
          return true;
        }
      }
      return false;
    }
    default: return cls[0] == d;
  }
}

constexpr PatternFit fit_from(std::string_view pat, std::size_t at, std::string_view s, std::size_t d) {
  if (at >= pat.size()) return PatternFit{.complete = d == s.size(), .longer = false};
  const Element e = element_at(pat, at);
  PatternFit out;
  // Let the element take k characters, fewest first; every k from min on may
  // hand the rest of the string to the rest of the pattern.
  for (std::size_t k = 0;; ++k) {
    if (k >= e.min) {
      const PatternFit rest = fit_from(pat, e.next, s, d + k);
      out.complete = out.complete || rest.complete;
      out.longer = out.longer || rest.longer;
    }
    if (k == e.max) break;
    if (d + k == s.size()) {
      out.longer = true;  // the string ended inside this element: one more would fit
      break;
    }
    if (!class_has(e.cls, s[d + k])) break;
  }
  return out;
}

}  // namespace pattern_detail

// Whether `pattern` is written in the language above. Built-in plans check
// theirs at compile time.
constexpr bool valid_pattern(std::string_view pattern) {
  if (pattern.empty()) return false;
  for (std::size_t at = 0; at < pattern.size();) {
    const pattern_detail::Element e = pattern_detail::element_at(pattern, at);
    if (e.next == 0) return false;
    at = e.next;
  }
  return true;
}

// How `dialled` relates to `pattern`; a malformed pattern matches nothing.
constexpr PatternFit fit(std::string_view pattern, std::string_view dialled) {
  if (!valid_pattern(pattern)) return {};
  return pattern_detail::fit_from(pattern, 0, dialled, 0);
}

}  // namespace dialtone::dialplan
