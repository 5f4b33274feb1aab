#include "protocol/sip/sip_writer.hpp"

#include <osipparser2/osip_parser.h>

#include "protocol/sip/sip_text.hpp"

namespace dialtone::protocol::sip {
namespace {

using text::TextOut;

template <typename T, typename WriteOne>
bool each(TextOut& out, const osip_list_t* list, std::string_view name, WriteOne&& write_one) {
  int n = osip_list_size(list);
  for (int i = 0; i < n; ++i) {
    auto* item = static_cast<const T*>(osip_list_get(list, i));
    if (item == nullptr) continue;
    if (!out.append(name) || !out.append(": ") || !write_one(item) || !out.append("\r\n")) return false;
  }
  return true;
}

bool write_via(TextOut& out, const osip_via_t* v) {
  if (!v->version || !v->protocol || !v->host) return false;
  bool ok = out.append("SIP/") && out.append(v->version) && out.push_back('/') && out.append(v->protocol) &&
            out.push_back(' ');
  if (std::strchr(v->host, ':') != nullptr) {
    ok = ok && out.push_back('[') && out.append(v->host) && out.push_back(']');
  } else {
    ok = ok && out.append(v->host);
  }
  if (v->port) ok = ok && out.push_back(':') && out.append(v->port);
  ok = ok && text::write_params(out, &v->via_params);
  if (v->comment) ok = ok && out.append(" (") && out.append(v->comment) && out.push_back(')');
  return ok;
}

// "Digest name=value, name=value" for credentials, challenges and
// Authentication-Info: the values as received (quoted where they were).
struct AuthField {
  std::string_view name;
  const char* value;
};
bool write_auth(TextOut& out, const char* scheme, std::span<const AuthField> fields, const char* extra) {
  if (scheme == nullptr || !out.append(scheme)) return false;
  bool first = true;
  for (const AuthField& f : fields) {
    if (f.value == nullptr) continue;
    if (!out.append(first ? " " : ", ") || !out.append(f.name) || !out.push_back('=') || !out.append(f.value))
      return false;
    first = false;
  }
  if (extra && extra[0] != '\0' && (!out.append(first ? " " : ", ") || !out.append(extra))) return false;
  return true;
}

bool write_authorization(TextOut& out, const osip_authorization_t* a) {
  const AuthField f[] = {{"username", a->username}, {"realm", a->realm},        {"nonce", a->nonce},
                         {"uri", a->uri},           {"response", a->response},  {"digest", a->digest},
                         {"algorithm", a->algorithm}, {"cnonce", a->cnonce},    {"opaque", a->opaque},
                         {"qop", a->message_qop},   {"nc", a->nonce_count},     {"version", a->version},
                         {"targetname", a->targetname}, {"gssapi-data", a->gssapi_data},
                         {"crand", a->crand},       {"cnum", a->cnum}};
  return write_auth(out, a->auth_type, f, a->auth_param);
}

bool write_challenge(TextOut& out, const osip_www_authenticate_t* w) {
  const AuthField f[] = {{"realm", w->realm},         {"domain", w->domain},    {"nonce", w->nonce},
                         {"opaque", w->opaque},       {"stale", w->stale},      {"algorithm", w->algorithm},
                         {"qop", w->qop_options},     {"version", w->version},  {"targetname", w->targetname},
                         {"gssapi-data", w->gssapi_data}};
  return write_auth(out, w->auth_type, f, w->auth_param);
}

bool write_auth_info(TextOut& out, const osip_authentication_info_t* a) {
  const AuthField f[] = {{"qop", a->qop_options}, {"nextnonce", a->nextnonce}, {"rspauth", a->rspauth},
                         {"cnonce", a->cnonce},    {"nc", a->nonce_count},      {"snum", a->snum},
                         {"srand", a->srand},      {"targetname", a->targetname}, {"realm", a->realm},
                         {"opaque", a->opaque}};
  // Authentication-Info has no scheme in RFC 3261; oSIP keeps one if given.
  if (a->auth_type == nullptr) {
    bool first = true;
    for (const AuthField& x : f) {
      if (x.value == nullptr) continue;
      if (!out.append(first ? "" : ", ") || !out.append(x.name) || !out.push_back('=') || !out.append(x.value))
        return false;
      first = false;
    }
    return true;
  }
  return write_auth(out, a->auth_type, f, nullptr);
}

bool write_content_type(TextOut& out, const osip_content_type_t* c) {
  if (c->type == nullptr) return true;  // "Accept:" with no value
  return out.append(c->type) && out.push_back('/') && out.append(text::sv(c->subtype)) &&
         text::write_params(out, &c->gen_params);
}

// Element and parameters: Call-Info, Alert-Info, Error-Info,
// Accept-Encoding, Accept-Language.
template <typename T>
bool write_element(TextOut& out, const T* e) {
  return out.append(text::sv(e->element)) && text::write_params(out, &e->gen_params);
}

bool write_value(TextOut& out, const osip_content_length_t* v) { return out.append(text::sv(v->value)); }

}  // namespace

SipError write_message(const osip_message* m, std::span<char> buf, std::size_t& len) {
  len = 0;
  TextOut out(buf);
  bool ok;
  // Start line.
  if (m->sip_method != nullptr) {
    ok = m->req_uri != nullptr && out.append(m->sip_method) && out.push_back(' ') &&
         text::write_uri(out, m->req_uri) && out.push_back(' ') &&
         out.append(m->sip_version ? m->sip_version : "SIP/2.0");
  } else {
    if (m->status_code < 100 || m->status_code > 699) return SipError::kMalformed;
    ok = out.append(m->sip_version ? m->sip_version : "SIP/2.0") && out.push_back(' ') &&
         text::append_u32(out, static_cast<std::uint32_t>(m->status_code)) && out.push_back(' ') &&
         out.append(text::sv(m->reason_phrase));
  }
  ok = ok && out.append("\r\n");

  auto name_addr = [&](const osip_from_t* f) { return text::write_name_addr(out, f); };
  auto single = [&](std::string_view name, const osip_from_t* f) {
    return f == nullptr || (out.append(name) && out.append(": ") && name_addr(f) && out.append("\r\n"));
  };
  ok = ok && each<osip_via_t>(out, &m->vias, "Via", [&](const osip_via_t* v) { return write_via(out, v); });
  ok = ok && each<osip_from_t>(out, &m->record_routes, "Record-Route", name_addr);
  ok = ok && each<osip_from_t>(out, &m->routes, "Route", name_addr);
  ok = ok && single("From", m->from) && single("To", m->to);
  if (ok && m->call_id != nullptr) {
    ok = out.append("Call-ID: ") && out.append(text::sv(m->call_id->number));
    if (m->call_id->host) ok = ok && out.push_back('@') && out.append(m->call_id->host);
    ok = ok && out.append("\r\n");
  }
  if (ok && m->cseq != nullptr)
    ok = out.append("CSeq: ") && out.append(text::sv(m->cseq->number)) && out.push_back(' ') &&
         out.append(text::sv(m->cseq->method)) && out.append("\r\n");
  ok = ok && each<osip_from_t>(out, &m->contacts, "Contact", name_addr);
  auto auth = [&](const osip_authorization_t* a) { return write_authorization(out, a); };
  auto chal = [&](const osip_www_authenticate_t* w) { return write_challenge(out, w); };
  auto info = [&](const osip_authentication_info_t* a) { return write_auth_info(out, a); };
  auto value = [&](const osip_content_length_t* v) { return write_value(out, v); };
  auto element = [&](const osip_call_info_t* e) { return write_element(out, e); };
  auto encoding = [&](const osip_accept_encoding_t* e) { return write_element(out, e); };
  auto ctype = [&](const osip_content_type_t* c) { return write_content_type(out, c); };
  ok = ok && each<osip_authorization_t>(out, &m->authorizations, "Authorization", auth);
  ok = ok && each<osip_www_authenticate_t>(out, &m->www_authenticates, "WWW-Authenticate", chal);
  ok = ok && each<osip_www_authenticate_t>(out, &m->proxy_authenticates, "Proxy-Authenticate", chal);
  ok = ok && each<osip_authorization_t>(out, &m->proxy_authorizations, "Proxy-Authorization", auth);
  ok = ok && each<osip_call_info_t>(out, &m->call_infos, "Call-Info", element);
  if (ok && m->content_type != nullptr && m->content_type->type != nullptr)
    ok = out.append("Content-Type: ") && write_content_type(out, m->content_type) && out.append("\r\n");
  if (ok && m->mime_version != nullptr)
    ok = out.append("Mime-Version: ") && write_value(out, m->mime_version) && out.append("\r\n");
  ok = ok && each<osip_content_length_t>(out, &m->allows, "Allow", value);
  ok = ok && each<osip_content_length_t>(out, &m->content_encodings, "Content-Encoding", value);
  ok = ok && each<osip_call_info_t>(out, &m->alert_infos, "Alert-Info", element);
  ok = ok && each<osip_call_info_t>(out, &m->error_infos, "Error-Info", element);
  ok = ok && each<osip_content_type_t>(out, &m->accepts, "Accept", ctype);
  ok = ok && each<osip_accept_encoding_t>(out, &m->accept_encodings, "Accept-Encoding", encoding);
  ok = ok && each<osip_accept_encoding_t>(out, &m->accept_languages, "Accept-Language", encoding);
  ok = ok && each<osip_authentication_info_t>(out, &m->authentication_infos, "Authentication-Info", info);
  ok = ok && each<osip_authentication_info_t>(out, &m->proxy_authentication_infos, "Proxy-Authentication-Info",
                                              info);
  // The headers oSIP keeps as text, in the order they came.
  int n = osip_list_size(&m->headers);
  for (int i = 0; ok && i < n; ++i) {
    auto* h = static_cast<const osip_header_t*>(osip_list_get(&m->headers, i));
    if (h == nullptr || h->hname == nullptr) continue;
    ok = out.append(h->hname) && out.append(": ") && out.append(text::sv(h->hvalue)) && out.append("\r\n");
  }
  // The body, and its length.
  std::string_view body;
  int parts = osip_list_size(&m->bodies);
  if (parts > 1) return SipError::kBadArgument;
  if (parts == 1) {
    auto* b = static_cast<const osip_body_t*>(osip_list_get(&m->bodies, 0));
    if (b != nullptr && b->body != nullptr) body = std::string_view(b->body, b->length);
  }
  ok = ok && out.append("Content-Length: ") && text::append_u32(out, static_cast<std::uint32_t>(body.size())) &&
       out.append("\r\n\r\n") && out.append(body);
  if (!ok) return SipError::kMalformed;
  len = out.size();
  return out.fits() ? SipError::kOk : SipError::kBufferTooSmall;
}

}  // namespace dialtone::protocol::sip
