// The device's Kazoo number (services.md section 3) over HTTPS: the number's
// state and its E911 address, fetched at start and every
// limits::kServiceRefreshMs, and the owner's address changes.
//
// One operation runs at a time (a few more wait, kServiceOpsQueued), each a
// short chain of requests: PUT /api_auth when there is no token yet, the
// account's number listing, the number's document, and for a change the
// POST of the whole document back with dash_e911 replaced. Getting a number
// is a search (GET /phone_numbers?prefix=) and an activation (PUT
// .../activate); the account's classifiers are fetched after the first look
// and go to the dial-plan sink. A 401 anywhere
// gets one new token and one repeat of that request; a second 401 fails.
// Results land in the KazooStatus model and go to the operation's callback.
#pragma once
#include <cstdint>
#include <string_view>

#include "firmware/config/config.hpp"
#include "firmware/core/event_loop.hpp"
#include "firmware/core/fixed_vector.hpp"
#include "firmware/core/inplace_function.hpp"
#include "firmware/services/platform_client.hpp"
#include "firmware/status/kazoo_status.hpp"
#include "protocol/kazoo/kazoo_api.hpp"

namespace dialtone::services {

struct KazooResult {
  enum class Kind { kOk, kInvalid, kMultipleChoice, kServiceError };
  Kind kind = Kind::kServiceError;
  std::string_view message;  // kInvalid, kServiceError: in words
  // kMultipleChoice: the addresses to pick from (the model's list).
  std::span<const protocol::kazoo::E911Address> choices;
  // search(): the numbers offered (the model's list).
  std::span<const protocol::kazoo::FoundNumber> found;
  std::string_view state;  // activate(): the number's state
};

class KazooService {
 public:
  using Done = InplaceFunction<void(const KazooResult&), 32>;
  // The classifiers' answer (ok: its body) or why it could not be had;
  // returns whether the answer was usable (else it is asked for again on
  // the next refresh).
  using ClassifiersSink = InplaceFunction<bool(bool ok, std::string_view body_or_why), 16>;

  KazooService(EventLoop& loop, const config::KazooConfig& cfg, status::KazooStatus& model);
  ~KazooService();
  KazooService(const KazooService&) = delete;
  KazooService& operator=(const KazooService&) = delete;

  // Starts the first fetch. False when TLS cannot be set up (the model says why).
  bool start();
  void stop();

  // A fresh look at the number and its address. False when too many
  // operations wait (the callback is not called then).
  bool fetch(Done done);
  // Sets the number's E911 address. False as for fetch().
  bool update_e911(const protocol::kazoo::E911Address& address, Done done);
  // Numbers on offer beginning with `prefix` (an area code). False when the
  // prefix is not 1 to 8 digits or as for fetch().
  bool search(std::string_view prefix, int quantity, Done done);
  // Adds `number` (E.164) to the account. False as for fetch().
  bool activate(std::string_view number, Done done);
  // Where the classifiers go; fetched after the first look, and again on
  // each refresh until one fetch has worked.
  void set_classifiers_sink(ClassifiersSink sink) { classifiers_sink_ = std::move(sink); }

 private:
  enum class OpKind : std::uint8_t { kFetch, kUpdate, kSearch, kActivate, kClassifiers };
  enum class Step : std::uint8_t { kIdle, kAuth, kList, kGet, kPost, kSearch, kActivate, kClassifiers };
  struct Op {
    OpKind kind = OpKind::kFetch;
    protocol::kazoo::E911Address address;
    FixedString<32> number;  // kSearch: the prefix; kActivate: the number
    int quantity = 0;
    Done done;
    bool reauthed = false;  // the one new token this operation may ask for
  };

  bool enqueue(Op&& op);
  void run_next();
  void send_step(Step step);
  void on_answer(Step step, const protocol::HttpResult& r);
  void on_auth(const protocol::HttpResult& r);
  void on_list(const protocol::HttpResult& r);
  void on_get(const protocol::HttpResult& r);
  void on_post(const protocol::HttpResult& r);
  void on_search(const protocol::HttpResult& r);
  void on_activate(const protocol::HttpResult& r);
  void on_classifiers(const protocol::HttpResult& r);
  bool load_classifiers();
  void fail(std::string_view why);
  void finish(const KazooResult& result);
  void arm_refresh();

  EventLoop& loop_;
  const config::KazooConfig& cfg_;
  status::KazooStatus& model_;
  PlatformClient client_;
  FixedString<limits::kKazooTokenMax> token_;
  FixedVector<Op, limits::kServiceOpsQueued> ops_;  // ops_[0] runs
  Step step_ = Step::kIdle;
  Step resume_ = Step::kIdle;  // the step a re-authentication repeats
  std::size_t body_len_ = 0;   // the POST body in the service's scratch
  TimerId refresh_;
  TimerId kick_;
  ClassifiersSink classifiers_sink_;
  bool classifiers_loaded_ = false;
};

}  // namespace dialtone::services
