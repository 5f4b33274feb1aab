#include "protocol/http/http_writer.hpp"

#include <cstdio>
#include <cstring>

namespace dialtone::protocol {
namespace {

// Appends with a sticky overflow flag, so callers check once at the end.
class Out {
 public:
  explicit Out(std::span<char> buf) : buf_(buf) {}
  Out& put(std::string_view s) {
    if (s.size() > buf_.size() - len_) {
      overflow_ = true;
    } else {
      if (!s.empty()) std::memcpy(buf_.data() + len_, s.data(), s.size());
      len_ += s.size();
    }
    return *this;
  }
  Out& num(unsigned long long v) {
    char tmp[24];
    int n = std::snprintf(tmp, sizeof tmp, "%llu", v);
    return put(std::string_view(tmp, static_cast<std::size_t>(n)));
  }
  bool header(const HttpHeader& h) {
    if (!valid_header_name(h.name) || !valid_header_value(h.value)) return false;
    put(h.name).put(": ").put(h.value).put("\r\n");
    return true;
  }
  std::size_t result() const { return overflow_ ? 0 : len_; }

 private:
  std::span<char> buf_;
  std::size_t len_ = 0;
  bool overflow_ = false;
};

}  // namespace

std::size_t write_http_request(std::span<char> out, std::string_view method, const Url& url,
                               std::span<const HttpHeader> headers, std::string_view body) {
  if (!valid_header_name(method)) return 0;
  Out o(out);
  o.put(method).put(" ").put(url.target.view()).put(" HTTP/1.1\r\nHost: ");
  bool v6 = url.host.view().find(':') != std::string_view::npos;
  if (v6) o.put("[");
  o.put(url.host.view());
  if (v6) o.put("]");
  if (!url.default_port()) o.put(":").num(url.port);
  o.put("\r\n");
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")
    o.put("Content-Length: ").num(body.size()).put("\r\n");
  for (const HttpHeader& h : headers)
    if (!o.header(h)) return 0;
  o.put("\r\n").put(body);
  return o.result();
}

std::size_t write_http_response(std::span<char> out, int status, std::span<const HttpHeader> headers,
                                std::string_view body, bool keep_alive, std::string_view reason) {
  if (status < 100 || status > 999) return 0;
  if (reason.empty()) reason = http_reason(status);
  if (!valid_header_value(reason)) return 0;
  Out o(out);
  o.put("HTTP/1.1 ").num(static_cast<unsigned>(status)).put(" ").put(reason).put("\r\n");
  if (status >= 200 && status != 204 && status != 304) o.put("Content-Length: ").num(body.size()).put("\r\n");
  if (!keep_alive) o.put("Connection: close\r\n");
  for (const HttpHeader& h : headers)
    if (!o.header(h)) return 0;
  o.put("\r\n").put(body);
  return o.result();
}

}  // namespace dialtone::protocol
