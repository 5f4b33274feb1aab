// The owner's page, part by part: everything rendered from the device
// status model (the same one the control socket's `status` writes), with
// only the actions that apply in the current state.
#include <cstdio>
#include <utility>

#include "firmware/web/local_time.hpp"
#include "firmware/web/page_assets.hpp"
#include "firmware/web/web_page.hpp"
#include "protocol/http/http_writer.hpp"

namespace dialtone::web {

namespace {

// One page at a time is built here (single-threaded loop).
Html g_page;
Html g_sections;

void text(Html& p, std::string_view s) { html_escape_append(s, p); }

// "+14155550100" -> "+1 (415) 555-0100"; anything else as it is.
void pretty_number(std::string_view n, Html& p) {
  bool nanp = n.size() == 12 && n.substr(0, 2) == "+1";
  for (char c : n.substr(n.empty() ? 0 : 1)) nanp = nanp && c >= '0' && c <= '9';
  if (!nanp) {
    text(p, n);
    return;
  }
  char out[24];
  std::snprintf(out, sizeof out, "+1 (%.3s) %.3s-%.4s", n.data() + 2, n.data() + 5, n.data() + 8);
  p.append(out);
}

struct StateLook {
  const char* label;
  const char* cls;
};

StateLook look(status::LineState s) {
  switch (s) {
    case status::LineState::kUnlinked: return {"Not linked", "warn"};
    case status::LineState::kLinking: return {"Linking", "warn"};
    case status::LineState::kRegistering: return {"Connecting", "warn"};
    case status::LineState::kRegistered: return {"Ready", "ok"};
    case status::LineState::kOffline: return {"Offline", "bad"};
  }
  return {"Unknown", "warn"};
}

std::string_view line_title(std::string_view kind) {
  if (kind == "yna") return "T-Mobile line";
  if (kind == "sip") return "SIP line";
  return kind;
}

// What an alert means for the owner, beside jambonz's own message.
std::string_view alert_help(std::string_view type) {
  if (type == "device-limit") return "More devices are registered to this account than it allows: calls to some may fail.";
  if (type == "no-carrier") return "jambonz has no carrier for the call: calls to the phone network fail.";
  if (type == "call-limit") return "The account reached its limit of calls at once.";
  if (type == "webhook-failure" || type == "webhook-connection-failure")
    return "jambonz could not reach the application that handles calls.";
  return {};
}

// As an address is written: "116 NATOMA ST, APT 116, SAN FRANCISCO, CA 94105".
void address_text(Html& p, const status::E911Address& a) {
  const status::E911Field* parts[] = {&a.street_address, &a.extended_address, &a.locality, &a.region};
  bool first = true;
  for (const status::E911Field* f : parts) {
    if (f->empty()) continue;
    if (!first) p.append(", ");
    text(p, f->view());
    first = false;
  }
  if (!a.postal_code.empty()) {
    if (!first) p.append(" ");
    text(p, a.postal_code.view());
  }
}

}  // namespace

void WebPage::head(Html& p, std::string_view title, std::string_view reload) {
  p.assign("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
  text(p, title);
  p.append("</title><style>");
  p.append(kPageStyle);
  p.append("</style>");
  // An answer from Kazoo or jambonz is on its way: look again in a second.
  if (!reload.empty()) {
    p.append("<meta http-equiv=\"refresh\" content=\"1; url=");
    p.append(reload);
    p.append("\">");
  }
  p.append("</head><body>");
}

void WebPage::form_start(Html& p, std::string_view action, std::string_view id) {
  p.append("<form method=\"post\" action=\"");
  p.append(action);
  p.append("\"");
  if (!id.empty()) {
    p.append(" id=\"");
    p.append(id);
    p.append("\"");
  }
  p.append("><input type=\"hidden\" name=\"csrf\" value=\"");
  p.append(csrf_.view());
  p.append("\">");
}

void WebPage::button_form(Html& p, std::string_view action, std::string_view label, std::string_view cls) {
  form_start(p, action);
  p.append(cls.empty() ? "<button type=\"submit\">" : "<button type=\"submit\" class=\"quiet\">");
  p.append(label);
  p.append("</button></form>");
}

void WebPage::signature(Html& p) {
  // Only what changes the actions offered: linked or not.
  for (const status::LineStatus& l : status_.lines()) {
    const bool linked = l.state != status::LineState::kUnlinked && l.state != status::LineState::kLinking;
    p.append(l.kind.view());
    p.append(linked ? ":linked;" : ":unlinked;");
  }
}

void WebPage::live_section(Html& p) {
  p.append("<section id=\"live\" data-sig=\"");
  signature(p);
  p.append("\"><h2>Lines</h2>");
  // The first line's ids stay as they were, for scripts.
  bool first = true;
  for (const status::LineStatus& l : status_.lines()) {
    const StateLook s = look(l.state);
    p.append("<div class=\"line\"><p><b>");
    text(p, line_title(l.kind.view()));
    p.append("</b> <span class=\"pill ");
    p.append(s.cls);
    p.append(first ? "\" id=\"line-state\"" : "\"");
    p.append(" data-state=\"");
    p.append(status::line_state_name(l.state));
    p.append("\">");
    p.append(s.label);
    p.append("</span></p>");
    if (!l.address.empty()) {
      p.append("<p>Number: <b");
      p.append(first ? " id=\"msisdn\">" : ">");
      pretty_number(l.address.view(), p);
      p.append("</b></p>");
    }
    if (!l.reason.empty()) {
      p.append(first ? "<p class=\"reason\" id=\"line-reason\">" : "<p class=\"reason\">");
      text(p, l.reason.view());
      p.append("</p>");
    }
    p.append("</div>");
    first = false;
  }
  if (status_.lines().empty())
    p.append("<p><span class=\"pill warn\" id=\"line-state\" data-state=\"none\">No line</span> "
             "This phone has no line configured: it shows the account's services only.</p>");

  p.append("<h2>Current calls</h2>");
  std::size_t shown = 0;
  if (const call::CallLayer* calls = status_.calls()) {
    for (std::size_t i = 0; i < calls->slots(); ++i) {
      const call::CallMachine& c = calls->slot(i);
      if (!c.active()) continue;
      p.append(shown++ == 0 ? "<ul id=\"calls\"><li data-state=\"" : "<li data-state=\"");
      p.append(call::state_name(c.state()));
      p.append("\">");
      p.append(c.direction() == call::Direction::kOut ? "Outgoing call to <b>" : "Incoming call from <b>");
      pretty_number(c.peer(), p);
      p.append("</b>");
      if (!c.peer_name().empty()) {
        p.append(" (");
        text(p, c.peer_name());
        p.append(")");
      }
      p.append(": ");
      p.append(call::state_name(c.state()));
      if (c.emergency()) p.append(" <span class=\"pill bad\">emergency</span>");
      p.append("</li>");
    }
  }
  p.append(shown ? "</ul>" : "<p class=\"muted\" id=\"calls\">No call right now.</p>");

  std::string_view errs[status::DeviceStatus::kErrorsKept];
  std::size_t n = status_.errors(errs);
  if (n) {
    p.append("<h2>Last errors</h2><ul id=\"errors\" class=\"small\">");
    for (std::size_t i = 0; i < n; ++i) {
      p.append("<li>");
      text(p, errs[i]);
      p.append("</li>");
    }
    p.append("</ul>");
  }
  p.append("</section>");
}

void WebPage::yna_section(Html& p) {
  if (!yna_) return;
  const status::LineState s = yna_state();
  p.append("<section id=\"yna\"><h2>T-Mobile number</h2>");
  if (s == status::LineState::kUnlinked || s == status::LineState::kLinking) {
    p.append("<p>Link your T-Mobile number to make and take its calls on this phone. You sign in on "
             "T-Mobile's page and come back here.</p>");
    button_form(p, "/link", "Link my T-Mobile number");
  } else {
    p.append("<p>The emergency (E911) address of this number is kept by T-Mobile.</p><div class=\"row\">");
    button_form(p, "/e911", "Emergency address");
    button_form(p, "/unlink", "Unlink", "quiet");
    p.append("</div>");
  }
  p.append("<p class=\"small muted\">See every device signed in with your T-Mobile ID, and sign one out, at "
           "<a id=\"mydigits\" href=\"");
  p.append(kMyDigitsUrl);
  p.append("\" rel=\"noopener noreferrer\" target=\"_blank\">mydigits.t-mobile.com</a> "
           "(Manage signed in devices).</p></section>");
}

void WebPage::address_form(Html& p, const protocol::kazoo::E911Address& a, std::string_view button, bool hidden) {
  using protocol::kazoo::E911Address;
  static constexpr const char* kLabels[E911Address::kFields] = {"Postal code", "Street address",
                                                                "Apartment, suite (optional)", "City", "State"};
  static constexpr const char* kAutocomplete[E911Address::kFields] = {"postal-code", "address-line1", "address-line2",
                                                                      "address-level2", "address-level1"};
  form_start(p, "/kazoo/e911", hidden ? std::string_view{} : std::string_view("e911-form"));
  // In the order an address is written: street, apartment, city, state, postal code.
  static constexpr std::size_t kOrder[E911Address::kFields] = {1, 2, 3, 4, 0};
  for (std::size_t i : kOrder) {
    if (hidden) {
      p.append("<input type=\"hidden\" name=\"");
    } else {
      p.append("<label>");
      p.append(kLabels[i]);
      p.append(" <input autocomplete=\"");
      p.append(kAutocomplete[i]);
      p.append(i == 2 ? "\" name=\"" : "\" required name=\"");
    }
    p.append(E911Address::kNames[i]);
    p.append("\" value=\"");
    text(p, a.field(i).view());
    p.append(hidden ? "\">" : "\"></label>");
  }
  if (hidden) {
    p.append("<span class=\"address\">");
    address_text(p, a);
    p.append("</span>");
  }
  p.append("<button type=\"submit\">");
  p.append(button);
  p.append("</button></form>");
}

bool WebPage::kazoo_section(Html& p) {
  const status::KazooStatus* k = status_.kazoo();
  if (!k) return false;
  using Outcome = status::KazooStatus::Outcome;
  p.append("<section id=\"e911\"><h2>Number and emergency address</h2><p>Number: <b id=\"kazoo-number\">");
  pretty_number(k->number.view(), p);
  p.append("</b>");
  if (!k->number_state.empty()) {
    p.append(" <span class=\"pill ");
    p.append(k->number_state == "in_service" ? "ok" : "warn");
    p.append("\">");
    text(p, k->number_state.view());
    p.append("</span>");
  }
  p.append("</p><p>Emergency address: <b id=\"e911-status\">");
  p.append(k->e911 == status::KazooStatus::E911::kUnknown ? "checking" : k->e911_name());
  p.append("</b>");
  if (k->provisioned()) {
    p.append(" <span id=\"e911-address\">");
    address_text(p, k->address);
    p.append("</span>");
  }
  p.append("</p>");
  if (!k->provisioned() && k->e911 != status::KazooStatus::E911::kUnknown) {
    p.append("<p class=\"warning\" id=\"e911-warning\"><strong>Warning:</strong> ");
    text(p, status::kNoE911Warning);
    p.append(". Enter the address where this phone is.</p>");
  }
  if (!k->error.empty()) {
    p.append("<p class=\"bad\" id=\"kazoo-error\">Could not reach Kazoo: ");
    text(p, k->error.view());
    p.append(". The phone keeps working; the page tries again later.</p>");
  }
  if (k->updating) {
    p.append("<p id=\"e911-saving\">Saving the address&hellip;</p>");
    address_form(p, k->entered, "Save emergency address", false);
    p.append("</section>");
    return true;
  }
  const bool refused = k->outcome == Outcome::kInvalid || k->outcome == Outcome::kError;
  if (refused) {
    p.append("<p class=\"alert\" id=\"e911-error\">");
    p.append(k->outcome == Outcome::kInvalid ? "Address not accepted: " : "Could not save the address: ");
    text(p, k->outcome_message.view());
    p.append(k->outcome == Outcome::kInvalid ? ". Check it and save again." : ". Try again in a moment.");
    p.append("</p>");
  }
  if (k->outcome == Outcome::kMultipleChoice) {
    p.append("<p class=\"warning\" id=\"e911-choose\">");
    text(p, k->outcome_message.view());
    p.append(": pick the right one, or correct the address below.</p><ul class=\"choices\" id=\"e911-choices\">");
    for (const status::E911Address& a : k->choices) {
      p.append("<li>");
      address_form(p, a, "Use this address", true);
      p.append("</li>");
    }
    p.append("</ul>");
  }
  // The form keeps what was entered after a refusal; else it shows the address in force.
  const bool keep = refused || k->outcome == Outcome::kMultipleChoice;
  address_form(p, keep ? k->entered : k->address, k->provisioned() ? "Change emergency address" : "Save emergency address",
               false);
  p.append("</section>");
  return k->e911 == status::KazooStatus::E911::kUnknown && k->error.empty();
}

bool WebPage::numbers_section(Html& p) {
  const status::KazooStatus* k = status_.kazoo();
  if (!k) return false;
  bool waiting = false;
  p.append("<section id=\"numbers\"><h2>Get a number</h2>");
  if (!k->account_numbers.empty()) {
    p.append("<p class=\"small\">On this account: <span id=\"account-numbers\">");
    bool first = true;
    for (const protocol::kazoo::NumberEntry& n : k->account_numbers) {
      if (!first) p.append(", ");
      pretty_number(n.number.view(), p);
      first = false;
    }
    p.append("</span></p>");
  }
  form_start(p, "/kazoo/search", "search-form");
  p.append("<label>Area code <input name=\"prefix\" inputmode=\"numeric\" pattern=\"[0-9]{1,8}\" maxlength=\"8\" "
           "required value=\"");
  text(p, k->search_prefix.view());
  p.append("\"></label><button type=\"submit\">Search</button></form>");
  if (k->searching) {
    p.append("<p id=\"search-progress\">Searching&hellip;</p>");
    waiting = true;
  } else if (!k->search_error.empty()) {
    p.append("<p class=\"bad\" id=\"search-error\">The search failed: ");
    text(p, k->search_error.view());
    p.append("</p>");
  } else if (!k->found.empty()) {
    p.append("<ul class=\"choices\" id=\"found-numbers\">");
    for (const protocol::kazoo::FoundNumber& f : k->found) {
      p.append("<li><b>");
      pretty_number(f.number.view(), p);
      p.append("</b> <span class=\"small muted\">");
      text(p, f.rate_center.view());
      p.append("</span>");
      form_start(p, "/kazoo/activate");
      p.append("<input type=\"hidden\" name=\"number\" value=\"");
      text(p, f.number.view());
      p.append("\"><button type=\"submit\">Activate</button></form></li>");
    }
    p.append("</ul>");
  } else if (!k->search_prefix.empty() && k->activate_number.empty()) {
    p.append("<p class=\"muted\" id=\"search-none\">No numbers on offer with that area code.</p>");
  }
  if (k->activating) {
    p.append("<p id=\"activate-progress\">Activating ");
    pretty_number(k->activate_number.view(), p);
    p.append("&hellip;</p>");
    waiting = true;
  } else if (!k->activate_number.empty()) {
    p.append(k->activated ? "<p class=\"ok\" id=\"activate-result\">" : "<p class=\"alert\" id=\"activate-result\">");
    pretty_number(k->activate_number.view(), p);
    p.append(k->activated ? " is now on this account (" : " could not be activated: ");
    text(p, k->activate_message.view());
    p.append(k->activated ? ")." : ". Search again for another.");
    p.append("</p>");
  }
  p.append("</section>");
  return waiting;
}

bool WebPage::alerts_section(Html& p) {
  const status::JambonzStatus* j = status_.jambonz();
  if (!j) return false;
  p.append("<section id=\"alerts-section\"><h2>Alerts</h2>");
  if (!j->alerts_error.empty()) {
    p.append("<p class=\"bad\" id=\"alerts-error\">Could not load alerts from jambonz: ");
    text(p, j->alerts_error.view());
    p.append("</p>");
  }
  if (j->alerts_loaded && j->alerts.alerts.empty()) p.append("<p class=\"muted\">No recent alerts: calls should go through.</p>");
  if (!j->alerts.alerts.empty()) p.append("<ul id=\"alerts\" class=\"plain\">");
  std::size_t shown = 0;
  for (const protocol::jambonz::Alert& a : j->alerts.alerts) {
    if (shown++ == limits::kJambonzPageRows) break;
    p.append("<li class=\"alert\"><b>");
    text(p, a.message.view());
    p.append("</b>");
    if (!a.detail.empty()) {
      p.append(" (");
      text(p, a.detail.view());
      p.append(")");
    }
    std::string_view help = alert_help(a.alert_type.view());
    if (!help.empty()) {
      p.append("<br>");
      text(p, help);
    }
    p.append("<br><span class=\"small muted\">");
    const std::int64_t when = parse_iso_utc(a.time.view());
    if (when) {
      append_local_time(when, p);
      p.append(" ");
      append_zone(when, p);
    } else {
      text(p, a.time.view());
    }
    p.append(" &middot; ");
    text(p, a.alert_type.view());
    p.append("</span></li>");
  }
  if (!j->alerts.alerts.empty()) p.append("</ul>");
  p.append("</section>");
  return false;
}

bool WebPage::click_to_call_section(Html& p) {
  const status::JambonzStatus* j = status_.jambonz();
  if (!j || !account_ || !account_->click_to_call_ready()) return false;
  p.append("<section id=\"call\"><h2>Call a number</h2><p class=\"small muted\">This phone rings first: lift the "
           "handset, and the call goes out to the number.</p>");
  form_start(p, "/call", "call-form");
  p.append("<label>Number <input name=\"to\" type=\"tel\" inputmode=\"tel\" autocomplete=\"tel\" required value=\"");
  text(p, call_form_error_.empty() ? std::string_view{} : call_form_value_.view());
  p.append("\"></label><button type=\"submit\">Call</button></form>");
  bool waiting = false;
  if (!call_form_error_.empty()) {
    p.append("<p class=\"alert\" id=\"call-error\">");
    text(p, call_form_error_.view());
    p.append("</p>");
  } else if (j->calling) {
    p.append("<p id=\"call-progress\">Asking jambonz to call ");
    pretty_number(j->call_to.view(), p);
    p.append("&hellip;</p>");
    waiting = true;
  } else if (!j->call_error.empty()) {
    p.append("<p class=\"alert\" id=\"call-error\">The call to ");
    pretty_number(j->call_to.view(), p);
    p.append(" could not be started: ");
    text(p, j->call_error.view());
    p.append("</p>");
  } else if (!j->call_sid.empty()) {
    p.append("<p class=\"ok\" id=\"call-progress\">Calling ");
    pretty_number(j->call_to.view(), p);
    p.append(": this phone rings now. Lift the handset to be connected.</p>");
  }
  p.append("</section>");
  return waiting;
}

bool WebPage::history_section(Html& p, int page) {
  const status::JambonzStatus* j = status_.jambonz();
  if (!j) return false;
  p.append("<section id=\"history\"><h2>Call history</h2>");
  const bool have = j->calls_query.page == page;
  bool waiting = false;
  if (!have && account_ && !j->calls_loading) waiting = account_->want_calls_page(page);
  // After a failure the page does not reload by itself: the owner's next
  // look asks again, rather than the page asking jambonz every second.
  if (!have && (j->calls_loading || waiting) && j->calls_error.empty()) {
    p.append("<p id=\"calls-loading\">Loading&hellip;</p></section>");
    return true;
  }
  if (!j->calls_error.empty()) {
    p.append("<p class=\"bad\" id=\"calls-error\">Could not load the call history from jambonz: ");
    text(p, j->calls_error.view());
    p.append(". Reload the page to try again.</p>");
  }
  if (!have) {
    p.append("</section>");
    return false;
  }
  // Newest first, whatever order the rows came in.
  const protocol::jambonz::RecentCall* rows[limits::kJambonzRowsMax];
  std::size_t n = 0;
  for (const protocol::jambonz::RecentCall& c : j->calls.calls) rows[n++] = &c;
  for (std::size_t a = 1; a < n; ++a)
    for (std::size_t b = a; b > 0 && rows[b]->attempted_at > rows[b - 1]->attempted_at; --b) std::swap(rows[b], rows[b - 1]);
  if (n == 0) {
    p.append("<p class=\"muted\">No calls yet.</p>");
  } else {
    p.append("<table id=\"calls-history\"><tr><th>When (");
    append_zone(rows[0]->attempted_at, p);
    p.append(")</th><th>Direction</th><th>From</th><th>To</th><th>Duration</th><th>Result</th></tr>");
  }
  for (std::size_t i = 0; i < n; ++i) {
    const protocol::jambonz::RecentCall& c = *rows[i];
    p.append("<tr><td>");
    append_local_time(c.attempted_at, p);
    p.append("</td><td data-label=\"Direction\">");
    if (c.direction == "inbound") p.append("incoming");
    else if (c.direction == "outbound") p.append("outgoing");
    else text(p, c.direction.view());
    p.append("</td><td data-label=\"From\">");
    pretty_number(c.from.view(), p);
    p.append("</td><td data-label=\"To\">");
    pretty_number(c.to.view(), p);
    char dur[32];
    if (c.duration >= 60) std::snprintf(dur, sizeof dur, "%lld min %02lld s", static_cast<long long>(c.duration / 60),
                                        static_cast<long long>(c.duration % 60));
    else std::snprintf(dur, sizeof dur, "%lld s", static_cast<long long>(c.duration));
    p.append("</td><td data-label=\"Duration\">");
    p.append(dur);
    p.append("</td><td data-label=\"Result\">");
    p.append(c.answered ? "answered" : "not answered");
    if (!c.termination_reason.empty()) {
      p.append(", ");
      text(p, c.termination_reason.view());
    }
    p.append("</td></tr>");
  }
  if (n) p.append("</table>");
  p.append("<p class=\"pages\" id=\"calls-pages\">");
  char nav[96];
  if (page > 1) {
    std::snprintf(nav, sizeof nav, "<a href=\"/?page=%d#history\">&larr; newer</a>", page - 1);
    p.append(nav);
  }
  std::snprintf(nav, sizeof nav, "<span>Page %d</span>", page);
  p.append(nav);
  if (static_cast<std::int64_t>(page) * static_cast<std::int64_t>(limits::kJambonzPageRows) < j->calls.total) {
    std::snprintf(nav, sizeof nav, "<a href=\"/?page=%d#history\">older &rarr;</a>", page + 1);
    p.append(nav);
  }
  p.append("</p></section>");
  return false;
}

void WebPage::phone_section(Html& p) {
  const status::DialPlanStatus* d = status_.dial_plan();
  if (!d) return;
  p.append("<section id=\"phone\"><h2>This phone</h2><p>Dial plan: <b id=\"dial-plan\" data-source=\"");
  p.append(d->source_name());
  p.append("\">");
  switch (d->source) {
    case status::DialPlanStatus::Source::kBuiltIn: p.append("built in"); break;
    case status::DialPlanStatus::Source::kCache: p.append("Kazoo's, as saved from an earlier start"); break;
    case status::DialPlanStatus::Source::kKazoo: p.append("Kazoo's"); break;
  }
  char rules[48];
  std::snprintf(rules, sizeof rules, " (%s, %zu rules)", d->country.c_str(), d->rules);
  text(p, rules);
  p.append("</b></p>");
  if (!d->problem.empty()) {
    p.append("<p class=\"small muted\">");
    text(p, d->problem.view());
    p.append("</p>");
  }
  p.append("</section>");
}

std::size_t WebPage::status_page(std::span<char> out, std::string_view notice, int calls_page, bool toggle) {
  // The parts first, into their own buffer: whether anything is still on
  // its way decides the head's reload.
  Html& s = g_sections;
  s.clear();
  std::string_view waiting_in;  // the first part that waits: the reload comes back to it
  auto waits = [&](bool w, std::string_view anchor) {
    if (w && waiting_in.empty()) waiting_in = anchor;
  };
  // Alerts beside the line state (why calls fail), then what the owner does.
  waits(alerts_section(s), "alerts-section");
  yna_section(s);
  waits(kazoo_section(s), "e911");
  waits(click_to_call_section(s), "call");
  waits(history_section(s, calls_page), "history");
  waits(numbers_section(s), "numbers");
  phone_section(s);

  // The reload goes to another URL than this one (w flips): a refresh to
  // the same URL with a #fragment only scrolls, it does not load again.
  char reload[64] = "";
  if (!waiting_in.empty()) {
    if (calls_page > 1)
      std::snprintf(reload, sizeof reload, "/?page=%d&amp;w=%d#%.*s", calls_page, toggle ? 0 : 1,
                    static_cast<int>(waiting_in.size()), waiting_in.data());
    else
      std::snprintf(reload, sizeof reload, "/?w=%d#%.*s", toggle ? 0 : 1, static_cast<int>(waiting_in.size()),
                    waiting_in.data());
  }
  Html& p = g_page;
  head(p, "Dialtone", reload);
  p.append("<main><h1>Dialtone</h1>");
  if (!notice.empty()) {
    p.append("<p class=\"notice\" id=\"notice\">");
    text(p, notice);
    p.append("</p>");
  }
  live_section(p);
  p.append(s.view());
  p.append("</main><script>");
  p.append(kPageScript);
  if (s.size() >= limits::kWebResponseMax || !p.append("</script></body></html>\n")) return plain(out, 500, "page too large\n");
  return html(out, p.view());
}

std::size_t WebPage::live_part(std::span<char> out) {
  Html& p = g_page;
  p.clear();
  live_section(p);
  if (!p.append("\n")) return plain(out, 500, "page too large\n");
  return html(out, p.view());
}

}  // namespace dialtone::web
