// Every capacity of the agent, in one place. Sizing a board is editing this
// file; nothing else in the tree picks a buffer size of its own.
#pragma once
#include <cstddef>
#include <cstdint>

namespace dialtone::limits {

// Event loop
inline constexpr std::size_t kMaxFds = 64;          // sockets, timerfd, ALSA, GPIO, control
inline constexpr std::size_t kMaxTimers = 64;       // armed timers at once
inline constexpr std::size_t kMaxGlibFds = 32;      // GPollFDs libnice may ask us to watch
inline constexpr std::size_t kMaxDeferredFds = 8;   // media sockets read at the audio tick (EventLoop::defer_fd)

// Calls and media
inline constexpr std::size_t kMaxCalls = 2;          // one active + one waiting or held
inline constexpr std::size_t kCallIdMax = 256;       // the longest call id a line sends (YNA callId)
inline constexpr std::size_t kPeerMax = 64;          // a caller's or callee's address
inline constexpr std::size_t kPeerNameMax = 64;      // a caller's display name
inline constexpr std::size_t kCallReasonMax = 128;   // why a call ended or failed, in words
inline constexpr std::size_t kCallEventsQueued = 16; // inputs waiting for the call layer
inline constexpr std::size_t kCallSdpSlots = 4;      // of those, ones that carry an SDP
inline constexpr std::size_t kLinesMax = 2;          // a YNA line and a SIP line
inline constexpr std::size_t kSampleRateMax = 48000;
inline constexpr std::size_t kFrameMs = 20;
inline constexpr std::size_t kFrameSamplesMax = kSampleRateMax * kFrameMs / 1000;  // 960
inline constexpr std::size_t kJitterSlots = 16;      // 320 ms of 20 ms frames
inline constexpr std::size_t kRtpPacketMax = 1500;
inline constexpr std::size_t kSdpMax = 8 * 1024;
inline constexpr std::size_t kIceCandidatesMax = 16;

// ---- Media network: ICE, DTLS-SRTP, transport (media/ice, dtls, transport) --
inline constexpr std::size_t kIceHostAddressesMax = 8;     // ice.host_addresses entries
inline constexpr std::size_t kIceAddressMax = 46;          // an IPv6 literal (INET6_ADDRSTRLEN)
inline constexpr std::size_t kIceUfragPwdMax = 256;        // RFC 8839: ufrag/pwd <= 256 chars
inline constexpr std::size_t kIceCandidateLineMax = 256;   // one "a=candidate:..." line
inline constexpr std::size_t kTurnCredentialMax = 128;     // TURN user name or password
inline constexpr std::size_t kDtlsMtu = 1200;              // DTLS record size limit; fits any path
inline constexpr std::size_t kDtlsDatagramMax = 1500;      // one outgoing DTLS datagram
inline constexpr std::size_t kDtlsOutQueue = 8;            // datagrams queued per handshake flight
inline constexpr std::size_t kDtlsPemMax = 2048;           // our certificate or key as PEM
inline constexpr std::size_t kDtlsClientHelloMax = 2048;   // a fragmented ClientHello, reassembled

// ---- Media engine, pure half (media/sdp, rtp, codec, jitter, dtmf) --------
inline constexpr std::size_t kSdpLineMax = 1024;          // longer line -> kTooLong
inline constexpr std::size_t kSdpFormatsMax = 16;         // payload types kept per m=audio
inline constexpr std::size_t kSdpFingerprintsMax = 4;     // sha-256/384/512 (+1)
inline constexpr std::size_t kSdpExtraSectionsMax = 4;    // non-audio m= lines we must reject
inline constexpr std::size_t kSdpTokenMax = 64;           // mid, cname, foundation, address
inline constexpr std::size_t kSdpFmtpMax = 128;           // one a=fmtp value
inline constexpr std::size_t kFingerprintBytesMax = 64;   // sha-512 digest
inline constexpr std::size_t kSdpCryptosMax = 4;          // a=crypto lines kept per m=audio (RFC 4568)
inline constexpr std::size_t kSdesKeySaltBytes = 30;      // AES_CM_128 master key (16) + salt (14)
inline constexpr std::size_t kRtcpReportBlocksMax = 8;    // more are skipped, not an error
inline constexpr std::size_t kRtcpPacketsPerCompound = 8; // more are skipped, not an error
inline constexpr std::size_t kRtcpPacketMax = 512;        // what we build
inline constexpr std::size_t kCodecPayloadMax = 1275;     // largest Opus packet (RFC 6716)
inline constexpr std::size_t kJitterPayloadMax = kRtpPacketMax;
inline constexpr std::size_t kJitterMinDelayMs = 40;
inline constexpr std::size_t kJitterMaxDelayMs = 200;
inline constexpr std::size_t kOpusEncoderStateBytes = 48 * 1024;  // opus_encoder_get_size(1) = 43572 (1.3.1)
inline constexpr std::size_t kOpusDecoderStateBytes = 24 * 1024;  // opus_decoder_get_size(1) = 18228 (1.3.1)
inline constexpr std::size_t kDtmfQueueMax = 32;                  // digits waiting to be sent

// Signalling
inline constexpr std::size_t kHttpHeaderMax = 8 * 1024;
inline constexpr std::size_t kHttpBodyMax = 32 * 1024;
inline constexpr std::size_t kWsFrameMax = 64 * 1024;  // larger -> close 1009
inline constexpr std::size_t kNotificationIdsRemembered = 64;
inline constexpr std::size_t kUrlMax = 1024;
inline constexpr std::size_t kTokenMax = 4096;
inline constexpr std::size_t kJsonArenaBytes = 96 * 1024;  // cJSON arena, reset per message

// ---- SIP calls (protocol/sip/sip_call*: one INVITE dialog per engine) -----
// Engines on a SIP line: a call slot each, plus two whose calls are winding
// down (a BYE waiting for its answer, a CANCEL for its 487), so a new call
// never waits for an old one to end. The router gives a new call the engine
// free longest.
inline constexpr std::size_t kSipCallEngines = kMaxCalls + 2;
// The ACK of a 2xx, kept to be sent again when the 2xx is: headers only,
// with a route set at its largest (kSipRouteSetMax values of kSipHeaderValueMax).
inline constexpr std::size_t kSipShortMessageMax = 4 * 1024 + 1024;
// RFC 4028 4: no session interval below 90 s; a request asking for less
// gets 422 with this Min-SE.
inline constexpr std::uint32_t kSipMinSeS = 90;
// ---- end of SIP calls ------------------------------------------------------

// ---- Signalling transport (protocol/common, tls, http, websocket, pop) ----
// mbedtls_ssl_setup allocates ~16 KiB per direction per TLS slot, so slots
// are set up once at start-up and reused; this is how many exist at once.
inline constexpr std::size_t kTlsStreamsMax = 3;       // 2 HTTP keep-alive + 1 WebSocket
inline constexpr std::size_t kTcpStreamsMax = 3;       // plain http:// and ws:// (tests, loopback)
inline constexpr std::size_t kHttpClientSlots = 2;     // HTTP requests in flight at once
inline constexpr std::size_t kHttpHeadersMax = 32;     // header lines kept per message
inline constexpr std::size_t kHttpRequestMax = 8 * 1024 + 32 * 1024;  // serialized request: headers + body
inline constexpr std::size_t kStreamOutBytes = kHttpRequestMax + 1024;  // queued output per stream
inline constexpr std::size_t kStreamReadChunk = 4096;  // bytes pulled from a stream per read()
inline constexpr std::size_t kHostMax = 253;           // DNS name length limit
inline constexpr std::size_t kWsControlMax = 125;      // RFC 6455 control frame payload
inline constexpr std::int64_t kHttpIdleCloseMs = 30000;  // idle keep-alive connection closed after
inline constexpr std::int64_t kWsCloseWaitMs = 5000;     // wait for the peer's close frame
inline constexpr std::size_t kPopItemsMax = 100;       // pop-token.md section 4: 1 to 100 signed items
inline constexpr std::size_t kPopEhtsMax = 512;        // the joined item names
// ---- end of signalling transport -------------------------------------------

// ---- YNA line (protocol/yna, firmware/line/yna_*, firmware/web) ----------
inline constexpr std::size_t kYnaRequestsMax = 4;             // REST requests in flight or waiting to retry
inline constexpr std::size_t kYnaBodyMax = kSdpMax + 1024;    // a request body we send (SDP + JSON)
inline constexpr std::size_t kYnaTokenFileMax = 2 * kTokenMax + 512;  // stored token pair (JSON)
inline constexpr std::size_t kYnaMsisdnMax = 32;
inline constexpr std::size_t kYnaCallIdMax = kCallIdMax;     // callId / last segment of callObjectRef
inline constexpr std::size_t kYnaErrorsKept = 4;             // "last errors" on the status page
inline constexpr std::size_t kWebFormMax = 2048;             // one POSTed form
inline constexpr std::size_t kWebResponseMax = 32 * 1024;    // one page, headers included (the owner's page: ~11 KiB, ~26 KiB with every list full)
// ---- end of YNA line -------------------------------------------------------

// ---- Account services (protocol/kazoo, protocol/jambonz, firmware/services) --
inline constexpr std::size_t kE911FieldMax = 96;         // one address field (street, locality, ...)
inline constexpr std::size_t kE911ChoicesMax = 4;        // multiple_choice addresses kept; more are dropped
inline constexpr std::size_t kKazooTokenMax = 512;       // auth_token (Kazoo's are 32 hex or a JWT)
inline constexpr std::size_t kKazooNumbersMax = 16;      // numbers kept from an account listing
inline constexpr std::size_t kServiceBodyMax = 8 * 1024; // a request body we build (the number document)
inline constexpr std::size_t kServiceOpsQueued = 4;      // operations waiting per platform
inline constexpr std::size_t kServiceTlsStreams = 2;     // one per HTTP client slot, per platform
inline constexpr std::int64_t kServiceTimeoutMs = 10000; // one request, connect to complete answer
inline constexpr std::int64_t kServiceRefreshMs = 5 * 60 * 1000;  // background refresh of page/status data
inline constexpr std::size_t kJambonzRowsMax = 25;       // services.md: count at most 25
inline constexpr std::size_t kJambonzPageRows = 10;      // rows per page on the web page
inline constexpr std::size_t kServiceTextMax = 160;      // a message, detail or reason kept for display
inline constexpr std::size_t kKazooSearchMax = 10;       // numbers offered by one search
inline constexpr std::size_t kKazooClassifiersMax = 16;  // an account's classifiers (Kazoo ships 13)
inline constexpr std::size_t kClassifierRegexMax = 256;  // one regex (caribbean's, the longest shipped, is ~150)
inline constexpr std::size_t kClassifiersFileMax = 8 * 1024;  // the cached answer in the state directory
// The dial plan built from classifiers: each alternative of a regex becomes
// one rule (caribbean's 26 area codes, did_us with and without its 1, ...);
// a rule's name, pattern and strip live in one text arena.
inline constexpr std::size_t kDialRulesMax = 64;
inline constexpr std::size_t kDialPlanTextMax = 2048;
// ---- end of account services -----------------------------------------------

// ---- SIP core (protocol/sip: pool, messages, transactions) ----------------
// The largest SIP message sent or received, over any transport. An INVITE
// with an SDP offer of every profile is 2-3 KiB; 8 KiB leaves room for long
// Record-Route sets and challenges. Larger ones are refused, never truncated.
inline constexpr std::size_t kSipMessageMax = 8 * 1024;
// oSIP's allocations (parsed and built messages) come from this static pool.
// Measured (sip_message_test): a typical 0.8 KiB INVITE with SDP peaks at
// 5.4 KiB while parsed and keeps 4.4 KiB; a message of kSipMessageMax with a
// 7.5 KiB body peaks at 27 KiB. Serializing takes nothing from it (our own
// writer). 128 KiB holds the messages the engines keep (an INVITE to
// CANCEL, a request to answer later, a retained response) beside the worst
// of those parses. An 8 KiB message of hundreds of tiny headers can ask for
// more (130-300 bytes of structure per header): it is refused as
// kPoolExhausted.
inline constexpr std::size_t kSipPoolBytes = 128 * 1024;
inline constexpr std::size_t kSipUriMax = 256;         // one URI as text
inline constexpr std::size_t kSipDisplayNameMax = kPeerNameMax;  // unquoted display name
inline constexpr std::size_t kSipTokenMax = 64;        // tag, branch, method, option tag
inline constexpr std::size_t kSipCallIdMax = 128;      // Call-ID as text
inline constexpr std::size_t kSipHeaderValueMax = 512; // a header value handed out as text (route)
inline constexpr std::size_t kSipRouteSetMax = 8;      // Record-Route / Route entries kept per dialog
// Client and server transactions alive at once on the SIP line: REGISTER,
// a keep-alive OPTIONS, and per call an INVITE, its CANCEL, a re-INVITE,
// a BYE, an INFO, with two calls. Each keeps one message of kSipMessageMax
// for retransmission (about 100 KiB in all).
inline constexpr std::size_t kSipTransactionsMax = 12;
// RFC 3261 section 17 timer bases (its defaults; T1 is the RTT estimate).
inline constexpr std::int64_t kSipT1Ms = 500;
inline constexpr std::int64_t kSipT2Ms = 4000;
inline constexpr std::int64_t kSipT4Ms = 5000;
// ---- end of SIP core -------------------------------------------------------

// ---- SIP registration (protocol/sip: digest.hpp, registration.hpp) ------
// Challenge fields are copied out of the 401/407 that carried them, so the
// credentials of every later REGISTER can be built after that message is gone.
inline constexpr std::size_t kSipDigestRealmMax = 128;    // a realm is a host name or a short label
inline constexpr std::size_t kSipDigestNonceMax = 256;    // Kamailio 40-56, Asterisk 32, RFC 7616 examples 44
inline constexpr std::size_t kSipDigestOpaqueMax = 256;   // echoed as received
inline constexpr std::size_t kSipDigestCnonceChars = 32;  // 16 random bytes in hex
inline constexpr std::size_t kSipDigestHashChars = 64;    // SHA-256 in hex (MD5 is 32)
// One Authorization value we build: every quoted field at its largest, each
// character escaped, plus the fixed names; a value that does not fit is refused.
inline constexpr std::size_t kSipDigestValueMax = 2048;
inline constexpr std::size_t kSipCredentialMax = 128;     // username, auth_username or password
inline constexpr std::size_t kSipAccountUriMax = 256;     // registrar or outbound proxy URI
inline constexpr std::size_t kSipRegReasonMax = 128;      // why the line is offline, in words
inline constexpr std::size_t kSipRegContactsMax = 8;      // Contacts of a 200 searched for ours (other devices of the AOR too)
inline constexpr std::size_t kSipRegChallengesMax = 4;    // WWW-/Proxy-Authenticate values tried, first usable wins
// ---- end of SIP registration -----------------------------------------------

// ---- SIP transport (protocol/sip framing and keep-alive, firmware/line/sip_transport) --
// DNS lookup, TCP connect and TLS handshake to the SIP server together.
// Well inside Timer B (64*T1 = 32 s), so a request queued while connecting
// learns the outcome before its transaction gives up.
inline constexpr std::int64_t kSipConnectTimeoutMs = 10000;
// RFC 5626 4.4.1: a ping unanswered for 10 s means the flow is dead.
inline constexpr std::int64_t kSipPongTimeoutMs = 10000;
// ---- end of SIP transport --------------------------------------------------

// Handset
inline constexpr std::size_t kDialDigitsMax = 32;
inline constexpr std::size_t kKeypadLinesMax = 16;  // direct GPIO lines, one per key

// Control socket (device-control.md: a request at most 4 KiB, a reply at most
// 16 KiB, newline included).
inline constexpr std::size_t kControlClientsMax = 8;
inline constexpr std::size_t kControlLineMax = 4096;
inline constexpr std::size_t kControlReplyMax = 16 * 1024;
inline constexpr std::size_t kControlEventBacklog = 16 * 1024;  // events a slow subscriber may fall behind by
inline constexpr std::size_t kControlOutMax = kControlReplyMax + kControlEventBacklog;  // queued per client
// When every slot is taken, a new connection takes over an idle one, so
// forgotten connections cannot lock the owner out. dialtonectl and scripts
// write their request as soon as they connect, so 5 s without a complete
// line is a connection opened and abandoned (or a client dribbling bytes).
inline constexpr std::int64_t kControlFirstRequestMs = 5000;
// A person typing requests by hand (socat) pauses between them; a minute of
// silence after a reply is an abandoned connection, not a slow typist.
inline constexpr std::int64_t kControlIdleMs = 60000;

// Web page: one request per connection (Connection: close), so a slot is
// either waiting for its request or sending its answer.
inline constexpr std::size_t kWebClientsMax = 4;
// When every slot is taken, a connection that has not completed its request
// this long after connecting gives its slot to a new one. Browsers send the
// request at once, except for speculative pre-connections, which may sit
// unused for as long as they like; 3 s also ends a client dribbling a request
// byte by byte.
inline constexpr std::int64_t kWebRequestGraceMs = 3000;
// Every connection is closed this long after it was accepted, needed or not:
// this is what closes half-open TCP connections (a peer that vanished).
inline constexpr std::int64_t kWebConnectionMaxMs = 10000;

// Config
inline constexpr std::size_t kConfigFileMax = 64 * 1024;
inline constexpr std::size_t kPathMax = 256;

}  // namespace dialtone::limits
