#include "firmware/dialplan/classifier_plan.hpp"

#include <cstdint>
#include <cstdio>
#include <cstring>

namespace dialtone::dialplan {
namespace {

// The parsed regex: atoms and groups chained by `next`; a group's branches
// are chained too. Choice points (an optional piece, a group of several
// branches) are numbered; every combination of choices is one alternative.
constexpr std::size_t kNodesMax = 96;
constexpr std::size_t kBranchesMax = 48;
constexpr std::size_t kChoicesMax = 12;
constexpr std::size_t kCombinationsMax = 4096;
constexpr std::size_t kGroupRepeatMax = 8;
constexpr std::uint8_t kOpenRepeat = limits::kDialDigitsMax;  // what * and + stand for

struct Node {
  bool group = false;
  char cls[16] = {};  // atom: the pattern class as written ("X", "7", "[2-9]", "+")
  std::uint8_t min = 1, max = 1;  // atom: its repeat; group: min == max == repeat count
  bool capturing = false;
  int first_branch = -1;  // group
  int next = -1;
  int optional_choice = -1;  // '?': choice 0 leaves it out
  int branch_choice = -1;    // a group of several branches
};

struct Branch {
  int head = -1;
  int next = -1;
};

class RegexParser {
 public:
  explicit RegexParser(std::string_view re) : re_(re) {}

  // The root group's index, or -1 with problem() set.
  int parse() {
    int root = new_node();
    if (root < 0) return -1;
    nodes_[root].group = true;
    int first = parse_branches(0);
    if (first < 0) return -1;
    if (pos_ != re_.size()) return fail("unbalanced parenthesis");
    nodes_[root].first_branch = first;
    if (branch_count(first) > 1) nodes_[root].branch_choice = new_choice(branch_count(first));
    if (!problem_.empty()) return -1;
    return root;
  }
  std::string_view problem() const { return problem_; }
  const Node& node(int i) const { return nodes_[static_cast<std::size_t>(i)]; }
  const Branch& branch(int i) const { return branches_[static_cast<std::size_t>(i)]; }
  std::span<const std::uint8_t> radix() const { return radix_.span(); }
  int branch_at(int first, int k) const {
    int b = first;
    while (k-- > 0 && b >= 0) b = branch(b).next;
    return b;
  }

 private:
  int fail(const char* why) {
    if (problem_.empty()) problem_ = why;
    return -1;
  }
  int new_node() {
    if (!nodes_.push_back(Node{})) return fail("regex too complex");
    return static_cast<int>(nodes_.size() - 1);
  }
  int new_choice(std::size_t ways) {
    if (ways > 255 || !radix_.push_back(static_cast<std::uint8_t>(ways))) return fail("regex has too many choices");
    return static_cast<int>(radix_.size() - 1);
  }
  int branch_count(int first) const {
    int n = 0;
    for (int b = first; b >= 0; b = branch(b).next) ++n;
    return n;
  }
  bool at(char c) const { return pos_ < re_.size() && re_[pos_] == c; }

  // Branches separated by '|', up to a ')' or the end. Returns the first.
  int parse_branches(int depth) {
    int first = -1, last = -1;
    for (;;) {
      if (!branches_.push_back(Branch{})) return fail("regex too complex");
      int b = static_cast<int>(branches_.size() - 1);
      if (last >= 0) branches_[static_cast<std::size_t>(last)].next = b;
      else first = b;
      last = b;
      int head = parse_sequence(depth);
      if (!problem_.empty()) return -1;
      branches_[static_cast<std::size_t>(b)].head = head;
      if (!at('|')) return first;
      ++pos_;
    }
  }

  // Pieces up to '|', ')' or the end; the top level must be anchored at both ends.
  int parse_sequence(int depth) {
    int head = -1, tail = -1;
    bool anchored_start = false, anchored_end = false;
    if (at('^')) {
      if (depth > 0) return fail("^ inside a group");
      anchored_start = true;
      ++pos_;
    }
    while (pos_ < re_.size() && !at('|') && !at(')')) {
      if (at('$')) {
        ++pos_;
        if (depth > 0 || (pos_ < re_.size() && !at('|'))) return fail("$ before the end");
        anchored_end = true;
        break;
      }
      int n = parse_piece(depth);
      if (n < 0) return -1;
      if (tail >= 0) nodes_[static_cast<std::size_t>(tail)].next = n;
      else head = n;
      tail = n;
    }
    if (depth == 0 && (!anchored_start || !anchored_end)) return fail("not anchored with ^ and $");
    return head;
  }

  bool set_class(Node& n, std::string_view cls) {
    if (cls.size() >= sizeof n.cls) return fail("digit set too long") >= 0;
    std::memcpy(n.cls, cls.data(), cls.size());
    n.cls[cls.size()] = '\0';
    return true;
  }

  int parse_piece(int depth) {
    int i = new_node();
    if (i < 0) return -1;
    Node& n = nodes_[static_cast<std::size_t>(i)];
    const char c = re_[pos_];
    if (c == '(') {
      ++pos_;
      n.group = true;
      if (at('?')) {
        if (pos_ + 1 >= re_.size() || re_[pos_ + 1] != ':') return fail("unsupported group kind");
        pos_ += 2;
      } else {
        n.capturing = true;
      }
      int first = parse_branches(depth + 1);
      if (first < 0) return -1;
      if (!at(')')) return fail("unbalanced parenthesis");
      ++pos_;
      Node& g = nodes_[static_cast<std::size_t>(i)];  // nodes_ did not move (fixed storage)
      g.first_branch = first;
      if (branch_count(first) > 1) g.branch_choice = new_choice(static_cast<std::size_t>(branch_count(first)));
    } else if (c == '\\') {
      if (pos_ + 1 >= re_.size()) return fail("regex ends with \\");
      const char e = re_[pos_ + 1];
      pos_ += 2;
      if (e == 'd') set_class(n, "X");
      else if (e == '+' || e == '*' || e == '#') set_class(n, std::string_view(&e, 1));
      else return fail("unsupported escape");
    } else if (c == '[') {
      std::size_t close = re_.find(']', pos_);
      if (close == std::string_view::npos) return fail("unclosed [");
      std::string_view set = re_.substr(pos_, close + 1 - pos_);
      pos_ = close + 1;
      if (set == "[0-9]") set_class(n, "X");
      else set_class(n, set);  // checked as a digit set with the finished pattern
    } else if ((c >= '0' && c <= '9') || c == '#') {
      set_class(n, std::string_view(&c, 1));
      ++pos_;
    } else {
      return fail(c == '.' ? "matches any character (.)" : "unsupported regex syntax");
    }
    if (!problem_.empty()) return -1;
    return parse_quantifier(i);
  }

  int parse_quantifier(int i) {
    Node& n = nodes_[static_cast<std::size_t>(i)];
    if (pos_ >= re_.size()) return i;
    const char q = re_[pos_];
    std::uint8_t lo = 1, hi = 1;
    if (q == '?') {
      ++pos_;
      n.optional_choice = new_choice(2);
      return problem_.empty() ? i : -1;
    }
    if (q == '*' || q == '+') {
      ++pos_;
      lo = q == '*' ? 0 : 1;
      hi = kOpenRepeat;
    } else if (q == '{') {
      std::size_t close = re_.find('}', pos_);
      if (close == std::string_view::npos) return fail("unclosed {");
      std::string_view body = re_.substr(pos_ + 1, close - pos_ - 1);
      pos_ = close + 1;
      auto number = [](std::string_view s, std::uint8_t& out) {
        if (s.empty() || s.size() > 3) return false;
        unsigned v = 0;
        for (char d : s) {
          if (d < '0' || d > '9') return false;
          v = v * 10 + static_cast<unsigned>(d - '0');
        }
        if (v > kOpenRepeat) return false;
        out = static_cast<std::uint8_t>(v);
        return true;
      };
      std::size_t comma = body.find(',');
      bool ok = comma == std::string_view::npos
                    ? number(body, lo) && (hi = lo, true)
                    : number(body.substr(0, comma), lo) &&
                          (comma + 1 == body.size() ? (hi = kOpenRepeat, true) : number(body.substr(comma + 1), hi));
      if (!ok || hi == 0 || lo > hi) return fail("unsupported repeat count");
    } else {
      return i;
    }
    if (pos_ < re_.size() && (re_[pos_] == '?' || re_[pos_] == '+')) return fail("lazy or possessive quantifier");
    if (n.group) {
      // A group repeated a fixed number of times is written out; one of
      // several branches or of open length is not a digit pattern.
      if (lo != hi || lo > kGroupRepeatMax || n.branch_choice >= 0) return fail("repeated group");
    }
    n.min = lo;
    n.max = hi;
    return i;
  }

  std::string_view re_;
  std::size_t pos_ = 0;
  FixedVector<Node, kNodesMax> nodes_;
  FixedVector<Branch, kBranchesMax> branches_;
  FixedVector<std::uint8_t, kChoicesMax> radix_;
  std::string_view problem_;
};

// One alternative written out as a digit pattern, with what the rules need
// to know: the literal keys before the first captured group, and whether
// that group runs to the end.
struct Alternative {
  FixedString<120> pattern;
  std::size_t elements = 0;
  FixedString<16> literal_prefix;  // the leading single literal digits
  bool literal_run = true;
  bool has_plus = false;
  int capture = 0;  // 0 not yet, 1 inside, 2 closed
  FixedString<16> strip;
  bool strip_literal = false;
  std::size_t capture_end = 0;
  bool overflow = false;

  bool capture_to_end() const { return capture == 2 && capture_end == elements; }
};

class Writer {
 public:
  Writer(const RegexParser& p, std::span<const std::uint8_t> choice) : p_(p), choice_(choice) {}

  void node(int i, Alternative& a) {
    const Node& n = p_.node(i);
    if (n.optional_choice >= 0 && choice_[static_cast<std::size_t>(n.optional_choice)] == 0) return;
    if (!n.group) return atom(n, a);
    const bool opens = n.capturing && a.capture == 0;
    if (opens) {
      a.capture = 1;
      a.strip_literal = a.literal_run;
      a.strip.assign(a.literal_prefix.view());
    }
    int b = p_.branch_at(n.first_branch,
                         n.branch_choice >= 0 ? choice_[static_cast<std::size_t>(n.branch_choice)] : 0);
    for (int r = 0; r < n.min; ++r) sequence(p_.branch(b).head, a);
    if (opens) {
      a.capture = 2;
      a.capture_end = a.elements;
    }
  }
  void sequence(int head, Alternative& a) {
    for (int i = head; i >= 0; i = p_.node(i).next) node(i, a);
  }

 private:
  void atom(const Node& n, Alternative& a) {
    std::string_view cls(n.cls);
    if (cls == "+") {  // not written: see add_classifier
      a.has_plus = true;
      return;
    }
    const bool literal_digit = cls.size() == 1 && cls[0] >= '0' && cls[0] <= '9' && n.min == 1 && n.max == 1;
    if (literal_digit && a.literal_run) a.overflow |= !a.literal_prefix.append(cls);
    else a.literal_run = false;
    a.overflow |= !a.pattern.append(cls);
    if (n.min != 1 || n.max != 1) {
      char rep[16];
      int len = n.min == n.max ? std::snprintf(rep, sizeof rep, "{%u}", n.min)
                               : std::snprintf(rep, sizeof rep, "{%u,%u}", n.min, n.max);
      a.overflow |= !a.pattern.append({rep, static_cast<std::size_t>(len)});
    }
    ++a.elements;
  }

  const RegexParser& p_;
  std::span<const std::uint8_t> choice_;
};

enum class Kind { kEmergency, kNanp, kInternational, kUnknown, kOther };

Kind kind_of(std::string_view name) {
  if (name == "emergency") return Kind::kEmergency;
  if (name == "did_us" || name == "tollfree_us" || name == "toll_us" || name == "caribbean") return Kind::kNanp;
  if (name == "international") return Kind::kInternational;
  if (name == "unknown") return Kind::kUnknown;
  return Kind::kOther;
}

bool fixed_length(std::string_view pattern) {
  for (std::size_t at = 0; at < pattern.size();) {
    const pattern_detail::Element e = pattern_detail::element_at(pattern, at);
    if (e.next == 0 || e.min != e.max) return false;
    at = e.next;
  }
  return true;
}

// The doc's example writes "\\" for "\": read both the same.
bool unescape_twice_escaped(std::string_view in, FixedString<limits::kClassifierRegexMax>& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\\' && i + 1 < in.size() && in[i + 1] == '\\') ++i;
    if (!out.push_back(in[i])) return false;
  }
  return true;
}

}  // namespace

std::string_view LoadedDialPlan::keep(std::string_view s) {
  if (s.size() > sizeof text_ - used_) return {};
  std::memcpy(text_ + used_, s.data(), s.size());
  std::string_view kept(text_ + used_, s.size());
  used_ += s.size();
  return kept;
}

bool LoadedDialPlan::add_classifier(const ClassifierInput& c, PlanBuildReport& report) {
  const std::size_t rules_before = rules_.size();
  const std::size_t text_before = used_;
  auto skip = [&](std::string_view why) {
    while (rules_.size() > rules_before) rules_.pop_back();
    used_ = text_before;
    ++report.classifiers_skipped;
    if (report.first_problem.empty()) {
      char text[160];
      std::snprintf(text, sizeof text, "classifier %.*s: %.*s", static_cast<int>(c.name.size()), c.name.data(),
                    static_cast<int>(why.size()), why.data());
      report.first_problem.assign(text);
    }
    return false;
  };
  const Kind kind = kind_of(c.name);
  if (kind == Kind::kUnknown) return false;  // the matcher's own fallback: as dialled on # or the timeout
  FixedString<limits::kClassifierRegexMax> re;
  if (c.name.empty() || !unescape_twice_escaped(c.regex, re)) return skip("regex too long");
  RegexParser parser(re.view());
  const int root = parser.parse();
  if (root < 0) return skip(parser.problem());
  std::string_view name = keep(c.name);
  std::string_view friendly = keep(c.friendly_name);
  if (name.empty()) return skip("no room for the plan's text");

  std::span<const std::uint8_t> radix = parser.radix();
  std::size_t combinations = 1;
  for (std::uint8_t r : radix) {
    combinations *= r;
    if (combinations > kCombinationsMax) return skip("too many alternatives");
  }
  std::uint8_t choice[kChoicesMax] = {};
  for (std::size_t k = 0; k < combinations; ++k) {
    std::size_t rest = k;
    for (std::size_t i = 0; i < radix.size(); ++i) {
      choice[i] = static_cast<std::uint8_t>(rest % radix[i]);
      rest /= radix[i];
    }
    Alternative a;
    Writer w(parser, std::span<const std::uint8_t>(choice, radix.size()));
    w.node(root, a);
    if (a.overflow) return skip("an alternative is too long");
    // Kazoo classifies E.164 numbers ("^\\+1(800\\d{7})$"). In North America
    // the keys a person dials are the same without the "+" (1 is both the
    // trunk prefix and the country code); elsewhere a "+" alternative is not
    // dialable from a keypad.
    if ((a.has_plus && kind != Kind::kNanp) || a.pattern.empty()) continue;
    Rule r{.name = name, .friendly_name = friendly};
    std::string_view strip;
    switch (kind) {
      case Kind::kEmergency:
        r.send = Send::kAtOnce;
        r.emergency = true;
        break;
      case Kind::kNanp:
        // "+1" and the first captured group: the keys before it are dropped.
        if (!a.capture_to_end() || !a.strip_literal) return skip("no captured group running to the end");
        r.form = Form::kE164;
        r.country_code = "1";
        strip = a.strip.view();
        r.send = Send::kAtOnce;
        break;
      case Kind::kInternational:
        if (a.literal_prefix.empty()) return skip("no literal international prefix");
        r.form = Form::kE164;
        r.country_code = "";
        strip = a.literal_prefix.view();
        r.send = Send::kOnTerminate;
        break;
      case Kind::kUnknown:
      case Kind::kOther:
        r.send = fixed_length(a.pattern.view()) ? Send::kAtOnce : Send::kOnTerminate;
        break;
    }
    // The same alternative reached through choices that did not matter.
    bool seen = false;
    for (std::size_t i = rules_before; i < rules_.size(); ++i)
      seen = seen || (rules_[i].pattern == a.pattern.view() && rules_[i].strip == strip);
    if (seen) continue;
    r.pattern = keep(a.pattern.view());
    r.strip = strip.empty() ? std::string_view{} : keep(strip);
    if (r.pattern.empty() || (!strip.empty() && r.strip.empty())) return skip("no room for the plan's text");
    if (!valid_rule(r)) return skip("an alternative is not a digit pattern");
    if (!rules_.push_back(r)) return skip("too many rules");
  }
  if (rules_.size() == rules_before) return skip("nothing a keypad can dial");
  ++report.classifiers_used;
  return true;
}

bool LoadedDialPlan::build(std::span<const ClassifierInput> classifiers, const DialPlan* builtin,
                           PlanBuildReport& report) {
  rules_.clear();
  used_ = 0;
  report = PlanBuildReport{};
  country_ = builtin ? builtin->country : std::string_view("kazoo");
  if (builtin)
    for (const Rule& r : builtin->rules)
      if (r.emergency) rules_.push_back(r);
  const std::size_t builtin_rules = rules_.size();
  // services.md's order: emergency, every other, international and unknown last.
  for (const ClassifierInput& c : classifiers)
    if (kind_of(c.name) == Kind::kEmergency) add_classifier(c, report);
  for (const ClassifierInput& c : classifiers) {
    Kind k = kind_of(c.name);
    if (k != Kind::kEmergency && k != Kind::kInternational && k != Kind::kUnknown) add_classifier(c, report);
  }
  for (const ClassifierInput& c : classifiers)
    if (kind_of(c.name) == Kind::kInternational) add_classifier(c, report);
  report.rules = rules_.size();
  if (rules_.size() == builtin_rules) {
    rules_.clear();
    report.rules = 0;
    return false;
  }
  return true;
}

const char* to_string(E164Error e) {
  switch (e) {
    case E164Error::kOk: return "ok";
    case E164Error::kEmpty: return "no number given";
    case E164Error::kNotANumber: return "not a phone number: use digits, and + for the country code";
    case E164Error::kEmergency: return "emergency numbers are dialled from the handset";
    case E164Error::kNoE164: return "not a number the dial plan can write in full: type it with + and the country code";
  }
  return "?";
}

E164Error to_e164(const DialPlan* plan, std::string_view typed, Number& out) {
  out.clear();
  FixedString<limits::kDialDigitsMax> digits;
  for (char c : typed) {
    if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/') continue;
    const bool plus = c == '+' && digits.empty();
    if (!plus && (c < '0' || c > '9')) return E164Error::kNotANumber;
    if (!digits.push_back(c)) return E164Error::kNotANumber;
  }
  if (digits.empty()) return E164Error::kEmpty;
  if (digits.view()[0] == '+') {
    // E.164: a country code (never 0) and at most 15 digits in all.
    if (digits.size() < 4 || digits.size() > 16 || digits.view()[1] == '0') return E164Error::kNotANumber;
    out.assign(digits.view());
    return E164Error::kOk;
  }
  if (!plan) return E164Error::kNoE164;
  const DialDecision d = match(*plan, digits.view(), true, out);
  if (d.kind == DialKind::kDialNow && d.emergency) {
    out.clear();
    return E164Error::kEmergency;
  }
  if (d.kind != DialKind::kDialNow || out.empty() || out.view()[0] != '+') {
    out.clear();
    return E164Error::kNoE164;
  }
  return E164Error::kOk;
}

}  // namespace dialtone::dialplan
