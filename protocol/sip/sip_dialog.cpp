#include "protocol/sip/sip_dialog.hpp"

namespace dialtone::protocol::sip {
namespace {

DialogError read_routes(const SipMessage& m, bool reverse, SipRouteSet& out) {
  const std::size_t n = m.record_route_count();
  if (n > limits::kSipRouteSetMax) return DialogError::kRouteOverflow;
  out.clear();
  for (std::size_t i = 0; i < n; ++i) {
    auto rr = m.record_route(reverse ? n - 1 - i : i);
    if (!rr) return DialogError::kTooLong;
    out.push_back(*rr);
  }
  return DialogError::kOk;
}

}  // namespace

const char* to_string(DialogError e) {
  switch (e) {
    case DialogError::kOk: return "ok";
    case DialogError::kTooLong: return "a dialog value is too long";
    case DialogError::kNoContact: return "no Contact";
    case DialogError::kRouteOverflow: return "too many Record-Route entries";
  }
  return "?";
}

std::string_view route_uri_of(std::string_view v) {
  std::size_t lt = v.find('<');
  if (lt == std::string_view::npos) return v.substr(0, v.find(';'));
  std::size_t gt = v.find('>', lt);
  return gt == std::string_view::npos ? v.substr(lt + 1) : v.substr(lt + 1, gt - lt - 1);
}

DialogSpec SipDialog::spec(FixedVector<std::string_view, limits::kSipRouteSetMax>& routes) const {
  routes.clear();
  for (const SipHeaderText& r : route_set) routes.push_back(r.view());
  return DialogSpec{.call_id = call_id.view(),
                    .local = local.spec(),
                    .remote = remote.spec(),
                    .remote_target = remote_target.view(),
                    .route_set = routes.span()};
}

std::string_view SipDialog::next_hop() const {
  return route_set.empty() ? remote_target.view() : route_uri_of(route_set[0].view());
}

DialogError dialog_from_response(const SipMessage& r, SipDialog& d) {
  auto to = r.to();
  if (!to || !d.remote.assign(*to)) return DialogError::kTooLong;
  if (auto c = r.contact(0); c && !c->star) {
    if (!d.remote_target.assign(c->uri.view())) return DialogError::kTooLong;
  } else if (r.status() >= 200) {
    return DialogError::kNoContact;
  }
  return read_routes(r, true, d.route_set);
}

DialogError dialog_from_request(const SipMessage& q, std::string_view local_tag, SipDialog& d) {
  auto from = q.from();
  auto to = q.to();
  auto call_id = q.call_id();
  auto cseq = q.cseq();
  if (!from || !to || !call_id || !cseq) return DialogError::kTooLong;
  auto c = q.contact(0);
  if (!c || c->star) return DialogError::kNoContact;
  if (!d.call_id.assign(call_id->view()) || !d.remote.assign(*from) || !d.local.assign(*to) ||
      !d.local.tag.assign(local_tag) || !d.remote_target.assign(c->uri.view()))
    return DialogError::kTooLong;
  d.remote_cseq = cseq->number;
  d.remote_cseq_known = true;
  d.caller = false;
  return read_routes(q, false, d.route_set);
}

DialogError refresh_target(const SipMessage& m, SipDialog& d) {
  auto c = m.contact(0);
  if (!c || c->star) return DialogError::kOk;  // no Contact: the target stays
  return d.remote_target.assign(c->uri.view()) ? DialogError::kOk : DialogError::kTooLong;
}

}  // namespace dialtone::protocol::sip
