#include "protocol/kazoo/kazoo_api.hpp"

#include <gtest/gtest.h>

#include "firmware/core/json.hpp"

using namespace dialtone;
using namespace dialtone::protocol::kazoo;

namespace {

// docs/kazoo-phone-numbers-api.md, "List an account's specific phone number".
constexpr std::string_view kNumberDoc = R"({
    "auth_token": "1a82795e8759f62d77f6552de80ce32e",
    "data": {"id": "+14155555555", "my_own_field": {}, "assigned_to": "4b8c6fec4b2597882c0390202d195419",
             "created": 63602230185, "features": {}, "state": "in_service", "updated": 63602230212,
             "used_by": "callflow"},
    "request_id": "e268c22be3076a12d8581ebab0d89cc8", "revision": "undefined", "status": "success"})";

E911Address natoma() {
  E911Address a;
  a.postal_code.assign("94105");
  a.street_address.assign("116 NATOMA ST");
  a.extended_address.assign("APT 116");
  a.locality.assign("SAN FRANCISCO");
  a.region.assign("CA");
  return a;
}

}  // namespace

TEST(KazooApi, AuthBodyAndToken) {
  char buf[128];
  std::size_t n = build_auth_body("k\"ey", buf);
  EXPECT_EQ(std::string_view(buf, n), R"({"data":{"api_key":"k\"ey"}})");
  FixedString<limits::kKazooTokenMax> token;
  EXPECT_TRUE(parse_auth_token(R"({"auth_token":"abc123","data":{}})", token));
  EXPECT_EQ(token.view(), "abc123");
  EXPECT_FALSE(parse_auth_token(R"({"data":{}})", token));
  EXPECT_FALSE(parse_auth_token("not json", token));
}

TEST(KazooApi, NumberPathEncodesThePlus) {
  FixedString<limits::kUrlMax> p;
  ASSERT_TRUE(number_path("4b8c", "+14155555555", p));
  EXPECT_EQ(p.view(), "/accounts/4b8c/phone_numbers/%2B14155555555");
  EXPECT_FALSE(number_path("", "+1", p));
}

TEST(KazooApi, PhoneNumbersListing) {
  NumberList list;
  ASSERT_TRUE(parse_phone_numbers(R"({"data":{"casquade_quantity":0,"numbers":{
      "+14155555555":{"state":"in_service","used_by":"callflow"},
      "+14158865100":{"state":"reserved","used_by":""}}},"status":"success"})",
                                  list));
  EXPECT_EQ(list.total, 2u);
  ASSERT_NE(list.find("+14158865100"), nullptr);
  EXPECT_EQ(list.find("+14158865100")->state.view(), "reserved");
  EXPECT_FALSE(parse_phone_numbers(R"({"data":{}})", list));
}

TEST(KazooApi, DocumentWithoutE911IsNotProvisioned) {
  E911State st;
  ASSERT_TRUE(parse_number_e911(kNumberDoc, st));
  EXPECT_FALSE(st.provisioned);
  EXPECT_TRUE(st.address.empty());
}

TEST(KazooApi, UpdateKeepsEveryOtherField) {
  char out[limits::kServiceBodyMax];
  std::size_t len = 0;
  E911Address a = natoma();
  ASSERT_EQ(build_e911_update(kNumberDoc, a, out, len), BuildError::kOk);
  JsonDocument doc(std::string_view(out, len));
  const cJSON* data = json_object(doc.root(), "data");
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(json_string(data, "used_by"), "callflow");
  EXPECT_EQ(json_string(data, "id"), "+14155555555");
  EXPECT_NE(json_object(data, "my_own_field"), nullptr);
  EXPECT_EQ(json_int(data, "created"), 63602230185);
  EXPECT_EQ(json_string(json_object(data, "dash_e911"), "street_address"), "116 NATOMA ST");
  EXPECT_EQ(json_get(doc.root(), "auth_token"), nullptr);  // the envelope is not the document
}

TEST(KazooApi, UpdateReplacesEveryEarlierAddressEvenADuplicateKey) {
  char out[limits::kServiceBodyMax];
  std::size_t len = 0;
  ASSERT_EQ(build_e911_update(R"({"data":{"dash_e911":"old","x":1,"dash_e911":{"region":"NY"}}})", natoma(), out,
                              len),
            BuildError::kOk);
  JsonDocument doc(std::string_view(out, len));
  const cJSON* data = json_object(doc.root(), "data");
  int seen = 0;
  const cJSON* item = nullptr;
  cJSON_ArrayForEach(item, data) seen += std::string_view(item->string) == "dash_e911";
  EXPECT_EQ(seen, 1);
  EXPECT_EQ(json_string(json_object(data, "dash_e911"), "street_address"), "116 NATOMA ST");
}

TEST(KazooApi, UpdateRefusesWhatItCannotSendBack) {
  char small[64];
  std::size_t len = 0;
  EXPECT_EQ(build_e911_update(kNumberDoc, natoma(), small, len), BuildError::kTooLarge);
  char out[1024];
  EXPECT_EQ(build_e911_update("{oops", natoma(), out, len), BuildError::kNotJson);
  EXPECT_EQ(build_e911_update(R"({"status":"success"})", natoma(), out, len), BuildError::kNoData);
}

TEST(KazooApi, ResultProvisioned) {
  E911Outcome o;
  parse_e911_result(200, R"({"data":{"used_by":"callflow","id":"+1","dash_e911":{"street_address":"116 NATOMA ST",
      "extended_address":"APT 116","locality":"SAN FRANCISCO","postal_code":"94105","region":"CA",
      "status":"PROVISIONED","legacy_data":{"house_number":"116"}}},"status":"success"})",
                    o);
  EXPECT_EQ(o.kind, E911Outcome::Kind::kProvisioned);
  EXPECT_TRUE(o.address == natoma());
}

TEST(KazooApi, ResultInvalid) {
  E911Outcome o;
  parse_e911_result(400, R"({"data":{"address":{"invalid":{"cause":{"postal_code":"1"},
      "message":"Location is not geocoded","provider":"dash_e911"}}},"error":"400","message":"invalid data",
      "status":"error"})",
                    o);
  EXPECT_EQ(o.kind, E911Outcome::Kind::kInvalid);
  EXPECT_EQ(o.message.view(), "Location is not geocoded");
}

TEST(KazooApi, ResultMultipleChoice) {
  E911Outcome o;
  parse_e911_result(400, R"({"data":{"multiple_choice":{"dash_e911":{"cause":{},"details":[
      {"postal_code":"94105","street_address":"100 NATOMA ST","locality":"SF","region":"CA"},
      {"postal_code":"94105","street_address":"200 NATOMA ST","locality":"SF","region":"CA"}],
      "message":"more than one address found"}}},"error":"400","message":"multiple_choice","status":"error"})",
                    o);
  ASSERT_EQ(o.kind, E911Outcome::Kind::kMultipleChoice);
  ASSERT_EQ(o.choices.size(), 2u);
  EXPECT_EQ(o.choices[1].street_address.view(), "200 NATOMA ST");
}

TEST(KazooApi, ResultOtherErrorsInWords) {
  E911Outcome o;
  parse_e911_result(500, R"({"data":{"message":"unknown failure"},"error":"500","message":"unauthorized",
      "status":"error"})",
                    o);
  EXPECT_EQ(o.kind, E911Outcome::Kind::kError);
  EXPECT_EQ(o.message.view(), "HTTP 500: unauthorized");
  parse_e911_result(200, "<html>", o);
  EXPECT_EQ(o.kind, E911Outcome::Kind::kError);
  EXPECT_EQ(o.message.view(), "HTTP 200 with a malformed body");
}

TEST(KazooApi, NumberSearchFromTheDocsExample) {
  FixedString<limits::kUrlMax> p;
  ASSERT_TRUE(search_path("415", 2, 0, p));
  EXPECT_EQ(p.view(), "/phone_numbers?prefix=415&quantity=2&offset=0");
  EXPECT_FALSE(search_path("41a", 2, 0, p)) << "digits only";
  EXPECT_FALSE(search_path("415", 0, 0, p));
  EXPECT_FALSE(search_path("415", static_cast<int>(limits::kKazooSearchMax) + 1, 0, p));
  NumberSearch s;
  ASSERT_TRUE(parse_number_search(R"({"auth_token":"","data":[{"e164":"+14152338397","formatted_number":"1-415-233-8397",
      "npa_nxx":"415233","number":"+14152338397","number_id":"4AA418FB","rate_center":{"lata":"722","name":"SAN RAFAEL",
      "state":"CA"},"status":"Available","ten_digit":"4152338397"},{"e164":"+14152338421","rate_center":{}},
      {"formatted_number":"no number"}],"status":"success"})",
                                  s));
  ASSERT_EQ(s.numbers.size(), 2u);
  EXPECT_EQ(s.numbers[0].number.view(), "+14152338397");
  EXPECT_EQ(s.numbers[0].formatted_number.view(), "1-415-233-8397");
  EXPECT_EQ(s.numbers[0].rate_center.view(), "SAN RAFAEL, CA");
  EXPECT_EQ(s.numbers[1].number.view(), "+14152338421") << "e164 when number is missing";
  EXPECT_FALSE(parse_number_search(R"({"data":{"numbers":{}}})", s));
}

TEST(KazooApi, Activation) {
  FixedString<limits::kUrlMax> p;
  ASSERT_TRUE(activate_path("4b8c", "+14152338397", p));
  EXPECT_EQ(p.view(), "/accounts/4b8c/phone_numbers/%2B14152338397/activate");
  ActivateOutcome o;
  parse_activate_result(201, R"({"data":{"id":"+14152338397","state":"in_service"},"status":"success"})", o);
  EXPECT_TRUE(o.ok);
  EXPECT_EQ(o.state.view(), "in_service");
  parse_activate_result(409, R"({"data":{"cause":"+14242424246","code":409,"error":"number_exists",
      "message":"number +14242424246 already exists"},"error":"409","message":"number_exists","status":"error"})", o);
  EXPECT_FALSE(o.ok);
  EXPECT_EQ(o.message.view(), "HTTP 409: number +14242424246 already exists");
  parse_activate_result(500, R"({"data":{"message":"unknown failure","unauthorized":"Not authorized"},"error":"500",
      "message":"unauthorized","status":"error"})", o);
  EXPECT_EQ(o.message.view(), "HTTP 500: unknown failure");
  parse_activate_result(200, "not json", o);
  EXPECT_FALSE(o.ok);
}

TEST(KazooApi, ClassifiersKeepTheirOrderAndDecodedRegex) {
  FixedString<limits::kUrlMax> p;
  ASSERT_TRUE(classifiers_path("4b8c", p));
  EXPECT_EQ(p.view(), "/accounts/4b8c/phone_numbers/classifiers");
  Classifiers c;
  ASSERT_TRUE(parse_classifiers(R"({"data":{"emergency":{"regex":"^(911)$","friendly_name":"Emergency Dispatcher"},
      "did_us":{"regex":"^\\+?1?([2-9][0-9]{2}[2-9][0-9]{6})$","friendly_name":"US DID"},"broken":{"friendly_name":"x"}},
      "status":"success"})",
                                c));
  ASSERT_EQ(c.list.size(), 2u);
  EXPECT_EQ(c.list[0].name.view(), "emergency");
  EXPECT_EQ(c.list[1].regex.view(), R"(^\+?1?([2-9][0-9]{2}[2-9][0-9]{6})$)");
  EXPECT_EQ(c.skipped, 1u);
  EXPECT_FALSE(parse_classifiers(R"({"data":[]})", c));
}
