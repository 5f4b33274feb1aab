// SDP parser, and, when it accepts, negotiation and the answer writer fed
// with whatever it read.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "media/sdp/sdp_negotiate.hpp"
#include "media/sdp/sdp_parser.hpp"
#include "media/sdp/sdp_writer.hpp"

using namespace dialtone::media::sdp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static SessionDescription d;  // ~10 KB: keep it off the fuzzer's stack
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (parse(text, d) != SdpError::kOk) return 0;
  // One key per suite, as the audio session draws them for kSdes offers.
  Crypto keys[2];
  keys[0].suite = CryptoSuite::kAesCm128HmacSha1_80;
  keys[1].suite = CryptoSuite::kAesCm128HmacSha1_32;
  keys[0].usable = keys[1].usable = true;
  Negotiated n;
  if (negotiate_answer(d, Direction::kSendRecv, std::nullopt, n, keys) != SdpError::kOk) return 0;
  static constexpr std::array<std::uint8_t, 32> fp{};
  LocalMedia l;
  l.profile = d.profile;
  l.address = "127.0.0.1";
  l.port = 40000;
  l.rtcp_port = 40001;
  l.cryptos = keys;
  l.ice_ufrag = "fuzz";
  l.ice_pwd = "fuzzfuzzfuzzfuzzfuzzfuzz";
  l.fingerprint_sha256 = fp;
  l.ssrc = 1;
  l.cname = "fuzz";
  static std::array<char, dialtone::limits::kSdpMax> out;
  std::size_t len = 0;
  if (write_answer(l, d, n, out, len) == SdpError::kOk) {
    static SessionDescription back;
    parse({out.data(), len}, back);  // our own answer must read back
  }
  return 0;
}
