#include "gateway/exchange/http_signature.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <string>

#include "mapping/digest.hpp"

namespace tsunagi::exchange {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

/// A fresh key on `curve`, made in memory (no file, nothing left behind).
crypto::Key generatedKey(const char* curve = "P-256") {
  return crypto::Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
}

crypto::Key publicHalf(const crypto::Key& key) {
  return crypto::Key::publicFromPem(key.publicPem());
}

const std::string kBody = "<liaisonSheet xmlns=\"urn:tsunagi:canonical:1\"/>";

SignedFields requestFields() {
  return {"POST", "https://127.0.0.1:8443/exchange/v1/messages", "application/xml",
          contentDigest(kBody)};
}

/// `text` with its first `from` replaced by `to` (the test fails if there is none).
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from << " not in " << text;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

/// The reason verifyRequest gives, or "verified".
std::string verifyReason(const SignedFields& fields, const std::string& input,
                         const std::string& signature, const crypto::Key& key) {
  try {
    verifyRequest(fields, input, signature, key);
    return "verified";
  } catch (const SignatureError& e) {
    return e.what();
  }
}

class HttpSignature : public ::testing::Test {
 protected:
  crypto::Key key_ = generatedKey();
  crypto::Key public_ = publicHalf(key_);
  SignedFields fields_ = requestFields();
  SignatureHeaders signed_ = signRequest(fields_, key_, "122173", 1700000000);

  std::string reasonFor(const std::string& input, const std::string& signature) const {
    return verifyReason(fields_, input, signature, public_);
  }
  std::string reasonForInput(const std::string& input) const {
    return reasonFor(input, signed_.signature);
  }
};

// ---- RFC 9530 Content-Digest --------------------------------------------------------------------

TEST(ContentDigest, MatchesTheRfc9530Example) {
  // RFC 9530 §2: the body {"hello": "world"} and its sha-256 and sha-512 members.
  const std::string body = "{\"hello\": \"world\"}";
  EXPECT_EQ(contentDigest(body), "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:");
  EXPECT_EQ(checkContentDigest(contentDigest(body), body), std::nullopt);
  EXPECT_EQ(
      checkContentDigest("sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYl"
                         "lu7BNNyealdVLvRwEmTHWXvJwew==:, "
                         "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
                         body),
      std::nullopt);
}

TEST(ContentDigest, RefusesABodyThatDoesNotMatch) {
  EXPECT_EQ(checkContentDigest(contentDigest(kBody), kBody + " "),
            "digest does not match the body");
}

TEST(ContentDigest, NeedsASha256Member) {
  EXPECT_EQ(
      checkContentDigest("sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYll"
                         "u7BNNyealdVLvRwEmTHWXvJwew==:",
                         "{\"hello\": \"world\"}"),
      "no sha-256 member");
  EXPECT_EQ(checkContentDigest("", kBody), "no sha-256 member");
}

TEST(ContentDigest, NamesWhatIsMalformed) {
  EXPECT_THAT(checkContentDigest("sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=", kBody)
                  .value_or(""),
              HasSubstr("malformed: Content-Digest: byte sequence has no closing ':'"));
  EXPECT_THAT(checkContentDigest("sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE:", kBody)
                  .value_or(""),
              HasSubstr("byte sequence is not padded standard base64"));
  EXPECT_EQ(checkContentDigest("sha-256=:AAAA:", kBody),
            "malformed: the sha-256 member is 3 bytes, not 32");
  EXPECT_EQ(checkContentDigest("sha-256=\"X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=\"", kBody),
            "malformed: the sha-256 member is not a byte sequence");
  EXPECT_THAT(
      checkContentDigest(contentDigest(kBody) + ", " + contentDigest(kBody), kBody).value_or(""),
      HasSubstr("duplicate member \"sha-256\""));
  EXPECT_THAT(checkContentDigest(contentDigest(kBody) + ",", kBody).value_or(""),
              HasSubstr("trailing ','"));
}

// ---- RFC 9421 signing
// -----------------------------------------------------------------------------

TEST_F(HttpSignature, SignsTheProfileComponentsWithCreatedKeyidAndAlg) {
  EXPECT_EQ(signed_.signatureInput,
            "tsunagi=(\"@method\" \"@target-uri\" \"content-type\" \"content-digest\")"
            ";created=1700000000;keyid=\"122173\";alg=\"ecdsa-p256-sha256\"");
  // 64 bytes r‖s in base64 are 88 characters.
  EXPECT_THAT(signed_.signature, MatchesRegex("tsunagi=:[A-Za-z0-9+/]{86}==:"));
}

TEST_F(HttpSignature, BaseFollowsRfc9421Section2_5) {
  const std::string params = signed_.signatureInput.substr(std::string("tsunagi=").size());
  EXPECT_EQ(
      signatureBase(fields_, params),
      "\"@method\": POST\n"
      "\"@target-uri\": https://127.0.0.1:8443/exchange/v1/messages\n"
      "\"content-type\": application/xml\n"
      "\"content-digest\": " +
          contentDigest(kBody) +
          "\n"
          "\"@signature-params\": (\"@method\" \"@target-uri\" \"content-type\" "
          "\"content-digest\");created=1700000000;keyid=\"122173\";alg=\"ecdsa-p256-sha256\"");
  // The signature is over exactly those bytes.
  const std::string raw = *mapping::base64Decode(signed_.signature.substr(9, 88));
  EXPECT_TRUE(verifyBase(signatureBase(fields_, params), raw, public_));
  EXPECT_FALSE(verifyBase(signatureBase(fields_, params) + "\n", raw, public_));
}

TEST_F(HttpSignature, SignedRequestVerifies) {
  const VerifiedSignature verified =
      verifyRequest(fields_, signed_.signatureInput, signed_.signature, public_);
  EXPECT_EQ(verified.keyId, "122173");
  EXPECT_EQ(verified.created, 1700000000);
  EXPECT_EQ(verified.expires, std::nullopt);
  EXPECT_THAT(verified.components,
              ::testing::ElementsAre("@method", "@target-uri", "content-type", "content-digest"));
}

TEST_F(HttpSignature, SignaturesAreRandomizedButBothVerify) {
  const SignatureHeaders again = signRequest(fields_, key_, "122173", 1700000000);
  EXPECT_EQ(again.signatureInput, signed_.signatureInput);
  EXPECT_NE(again.signature, signed_.signature);
  EXPECT_EQ(reasonFor(again.signatureInput, again.signature), "verified");
}

TEST_F(HttpSignature, FieldValuesLoseSurroundingWhitespaceOnBothSides) {
  SignedFields padded = fields_;
  padded.contentType = "  application/xml\t";
  EXPECT_EQ(verifyReason(padded, signed_.signatureInput, signed_.signature, public_), "verified");
}

TEST_F(HttpSignature, SigningRefusesWhatCannotBeSigned) {
  SignedFields broken = fields_;
  broken.contentType = "application/xml\r\nX-Injected: 1";
  EXPECT_THAT([&] { signRequest(broken, key_, "122173", 1); },
              ::testing::ThrowsMessage<SignatureError>(HasSubstr("control character")));
  broken = fields_;
  broken.contentType = "";
  EXPECT_THAT([&] { signRequest(broken, key_, "122173", 1); },
              ::testing::ThrowsMessage<SignatureError>(HasSubstr("\"content-type\" is empty")));
  EXPECT_THAT([&] { signRequest(fields_, generatedKey("P-384"), "122173", 1); },
              ::testing::ThrowsMessage<SignatureError>(HasSubstr("not an EC P-256 key")));
  EXPECT_THAT([&] { signRequest(fields_, key_, "12217\n3", 1); },
              ::testing::ThrowsMessage<SignatureError>(HasSubstr("keyid is not printable")));
}

// ---- every tamper fails
// ---------------------------------------------------------------------------

TEST_F(HttpSignature, TamperedRequestPartsDoNotVerify) {
  SignedFields changed = fields_;
  changed.method = "PUT";
  EXPECT_EQ(verifyReason(changed, signed_.signatureInput, signed_.signature, public_),
            "signature does not verify");
  changed = fields_;
  changed.targetUri = "https://127.0.0.1:8443/exchange/v1/messages?x=1";
  EXPECT_EQ(verifyReason(changed, signed_.signatureInput, signed_.signature, public_),
            "signature does not verify");
  changed = fields_;
  changed.contentType = "application/json";
  EXPECT_EQ(verifyReason(changed, signed_.signatureInput, signed_.signature, public_),
            "signature does not verify");
  changed = fields_;
  changed.contentDigest = contentDigest(kBody + "x");
  EXPECT_EQ(verifyReason(changed, signed_.signatureInput, signed_.signature, public_),
            "signature does not verify");
}

TEST_F(HttpSignature, TamperedParametersDoNotVerify) {
  EXPECT_EQ(reasonForInput(replaced(signed_.signatureInput, "1700000000", "1700000001")),
            "signature does not verify");
  EXPECT_EQ(reasonForInput(replaced(signed_.signatureInput, "\"122173\"", "\"122181\"")),
            "signature does not verify");
  // Reordering the covered components changes the base.
  EXPECT_EQ(reasonForInput(replaced(signed_.signatureInput, "\"content-type\" \"content-digest\"",
                                    "\"content-digest\" \"content-type\"")),
            "signature does not verify");
}

TEST_F(HttpSignature, TamperedSignatureOrLabelDoesNotVerify) {
  std::string raw = *mapping::base64Decode(signed_.signature.substr(9, 88));
  raw[10] = static_cast<char>(raw[10] ^ 0x01);
  EXPECT_EQ(reasonFor(signed_.signatureInput, "tsunagi=:" + mapping::base64Encode(raw) + ":"),
            "signature does not verify");
  EXPECT_EQ(reasonForInput(replaced(signed_.signatureInput, "tsunagi=", "sig1=")),
            "Signature-Input: no \"tsunagi\" member (present: sig1)");
  EXPECT_EQ(reasonFor(signed_.signatureInput, replaced(signed_.signature, "tsunagi=", "sig1=")),
            "Signature: no \"tsunagi\" member (present: sig1)");
  EXPECT_EQ(
      verifyReason(fields_, signed_.signatureInput, signed_.signature, publicHalf(generatedKey())),
      "signature does not verify");
}

// ---- strict parsing, precise reasons
// --------------------------------------------------------------

TEST_F(HttpSignature, MalformedSignatureInputIsNamed) {
  EXPECT_THAT(reasonForInput(replaced(signed_.signatureInput, "\"@method\"", "@method")),
              HasSubstr("Signature-Input: unexpected character '@' at byte 9"));
  EXPECT_THAT(reasonForInput(replaced(signed_.signatureInput, "\"@method\"", "\"@method")),
              HasSubstr("Signature-Input: expected ' ' or ')' after an inner-list item"));
  EXPECT_THAT(reasonForInput(signed_.signatureInput.substr(0, 30)),
              HasSubstr("Signature-Input: string has no closing '\"'"));
  EXPECT_THAT(reasonForInput("tsunagi=(\"@method\" \"@target-uri\""),
              HasSubstr("Signature-Input: inner list has no closing ')'"));
  EXPECT_THAT(reasonForInput(signed_.signatureInput + " x"),
              HasSubstr("Signature-Input: expected ',' after member \"tsunagi\""));
  EXPECT_THAT(reasonForInput(signed_.signatureInput + ","), HasSubstr("trailing ','"));
  EXPECT_THAT(reasonForInput(signed_.signatureInput + ", " + signed_.signatureInput),
              HasSubstr("Signature-Input: duplicate member \"tsunagi\""));
  EXPECT_THAT(reasonForInput(signed_.signatureInput + ";created=1"),
              HasSubstr("Signature-Input: duplicate parameter \"created\""));
  EXPECT_THAT(reasonForInput("Tsunagi=()"), HasSubstr("expected a key"));
  EXPECT_EQ(reasonForInput(""), "Signature-Input: no \"tsunagi\" member (the field is empty)");
}

TEST_F(HttpSignature, MalformedSignatureIsNamed) {
  EXPECT_THAT(reasonFor(signed_.signatureInput, replaced(signed_.signature, "==:", "=:")),
              HasSubstr("Signature: byte sequence is not padded standard base64"));
  EXPECT_THAT(reasonFor(signed_.signatureInput, replaced(signed_.signature, "==:", "==")),
              HasSubstr("Signature: byte sequence has no closing ':'"));
  EXPECT_EQ(reasonFor(signed_.signatureInput, "tsunagi=:" + mapping::base64Encode("short") + ":"),
            "Signature: \"tsunagi\" is 5 bytes; an ecdsa-p256-sha256 signature is 64 (r‖s)");
  EXPECT_EQ(reasonFor(signed_.signatureInput, "tsunagi=\"abc\""),
            "Signature: member \"tsunagi\" is not a byte sequence");
  EXPECT_THAT(reasonFor(signed_.signatureInput, signed_.signature + ", " + signed_.signature),
              HasSubstr("Signature: duplicate member \"tsunagi\""));
}

TEST_F(HttpSignature, ProfileRulesAreEnforced) {
  EXPECT_EQ(reasonForInput(replaced(signed_.signatureInput, ";created=1700000000", "")),
            "Signature-Input: the created parameter is missing");
  EXPECT_EQ(reasonForInput(
                replaced(signed_.signatureInput, "created=1700000000", "created=\"1700000000\"")),
            "Signature-Input: \"created\" must be a non-negative integer");
  EXPECT_EQ(reasonForInput(replaced(signed_.signatureInput, ";keyid=\"122173\"", "")),
            "Signature-Input: the keyid parameter is missing");
  EXPECT_EQ(reasonForInput(replaced(signed_.signatureInput, "ecdsa-p256-sha256", "rsa-pss-sha512")),
            "Signature-Input: alg \"rsa-pss-sha512\" is not ecdsa-p256-sha256");
  EXPECT_EQ(reasonForInput(replaced(signed_.signatureInput, "alg=\"ecdsa-p256-sha256\"",
                                    "alg=ecdsa-p256-sha256")),
            "Signature-Input: \"alg\" must be a quoted string");
  EXPECT_EQ(reasonForInput(signed_.signatureInput + ";foo=1"),
            "Signature-Input: unknown signature parameter \"foo\"");
  EXPECT_EQ(reasonForInput(replaced(signed_.signatureInput, " \"@target-uri\"", "")),
            "Signature-Input: required component \"@target-uri\" is not covered");
  EXPECT_EQ(reasonForInput(replaced(signed_.signatureInput, " \"content-digest\"", "")),
            "Signature-Input: required component \"content-digest\" is not covered");
  EXPECT_EQ(
      reasonForInput(replaced(signed_.signatureInput, "\"content-type\"", "\"content-length\"")),
      "Signature-Input: covered component \"content-length\" has no value in this message");
  EXPECT_EQ(reasonForInput(replaced(signed_.signatureInput, "\"content-type\"", "\"@method\"")),
            "Signature-Input: component \"@method\" is covered twice");
  EXPECT_EQ(
      reasonForInput(replaced(signed_.signatureInput, "\"content-type\"", "\"content-type\";sf")),
      "Signature-Input: component \"content-type\" has parameters (;sf), not supported here");
  EXPECT_EQ(reasonForInput(replaced(signed_.signatureInput, "\"content-type\"", "content-type")),
            "Signature-Input: component 3 of \"tsunagi\" is not a quoted string");
  EXPECT_EQ(reasonForInput("tsunagi=\"x\""),
            "Signature-Input: member \"tsunagi\" is not an inner list of components");
  EXPECT_EQ(verifyReason(fields_, signed_.signatureInput, signed_.signature,
                         publicHalf(generatedKey("P-384"))),
            "the verification key is not an EC P-256 key");
}

TEST_F(HttpSignature, PicksTheTsunagiMemberAmongOthersAndToleratesSpacing) {
  const std::string params = signed_.signatureInput.substr(8);
  const std::string input = "sig1=(\"@method\");created=1;keyid=\"x\", tsunagi=( " +
                            replaced(params.substr(1), "\" \"", "\"   \"") + " ,proxy=?1";
  const std::string signature =
      "sig1=:" + mapping::base64Encode(std::string(64, 'x')) + ":,  " + signed_.signature;
  EXPECT_EQ(reasonFor(input, signature), "verified");
}

// ---- the worked example of docs/exchange-protocol.md
// ----------------------------------------------

TEST(ProtocolDocExample, VerifiesAndHasTheDocumentedBase) {
  const std::string body = "<Envelope xmlns=\"urn:tsunagi:exchange:1\"/>\n";
  const SignedFields fields{"POST", "https://tsunagi.kashiwa.example.jp:8443/exchange/v1/messages",
                            "application/xml", contentDigest(body)};
  EXPECT_EQ(fields.contentDigest, "sha-256=:AW4UU6Ot6Rwv8cVY52eOCkGqQVrXJWTWVF0CxnVVddI=:");
  const std::string input =
      "tsunagi=(\"@method\" \"@target-uri\" \"content-type\" \"content-digest\")"
      ";created=1795000000;keyid=\"122173\";alg=\"ecdsa-p256-sha256\"";
  const std::string signature =
      "tsunagi=:5qS2G+v3l4n9qDrCWnplkkKbpcECe8HrAJVKFnKYBBf6lufOl4XClGc0M+a3/"
      "NwfUBM1+L2w9hDWkqBE70en"
      "CA==:";
  const crypto::Key key = crypto::Key::publicFromPem(
      "-----BEGIN PUBLIC KEY-----\n"
      "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEvRGwAV+rk+g/uxuk4ieuTyw02Zq7\n"
      "IcRicuvtD7sV4yNX1T7YmnT4yshk7stiwGH9RE4PxDQ53icim5tAKI0SQw==\n"
      "-----END PUBLIC KEY-----\n");
  const std::string base = signatureBase(fields, input.substr(8));
  EXPECT_EQ(base.size(), 333u);
  EXPECT_EQ(mapping::sha256Hex(base),
            "a69d1abe21bc32bb517becc14a852613d4cde26af1a77fdb9cb129154d2d2a99");
  EXPECT_EQ(verifyReason(fields, input, signature, key), "verified");
}

// ---- RFC 9421 Appendix B.2.4
// ----------------------------------------------------------------------

/// RFC 9421 Appendix B.1.3 `test-key-ecc-p256`, public half.
constexpr const char* kRfcEccP256Public =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqIVYZVLCrPZHGHjP17CTW0/+D9Lf\n"
    "w0EkjqF7xB4FivAxzic30tMM4GF+hR6Dxh71Z50VGGdldkkDXZCnTNnoXQ==\n"
    "-----END PUBLIC KEY-----\n";

/// B.2.4 "Signing a Response Using ecdsa-p256-sha256": the response's component values.
const ComponentValues kRfcResponse = {
    {"@status", "200"},
    {"content-type", "application/json"},
    {"content-digest",
     "sha-512=:"
     "mEWXIS7MaLRuGgxOBdODa3xqM1XdEvxoYhvlCFJ41QJgJc4GTsPp29l5oGX69wWdXymyU0rjJuahq4l5aGgfLQ==:"},
    {"content-length", "23"},
};
constexpr const char* kRfcInput =
    "sig-b24=(\"@status\" \"content-type\" \"content-digest\" \"content-length\")"
    ";created=1618884473;keyid=\"test-key-ecc-p256\"";
constexpr const char* kRfcSignature =
    "sig-b24=:wNmSUAhwb5LxtOtOpNa6W5xj067m5hFrj0XQ4fvpaCLx0NKocgPquLgyahnzDnDAUy5eCdlYUEkLIj+32oia"
    "sw==:";

TEST(Rfc9421Vector, AppendixB24VerifiesWithTheRfcKey) {
  const crypto::Key key = crypto::Key::publicFromPem(kRfcEccP256Public);
  const VerifiedSignature verified =
      verifyMessage("sig-b24", kRfcInput, kRfcSignature, kRfcResponse, {}, key);
  EXPECT_EQ(verified.keyId, "test-key-ecc-p256");
  EXPECT_EQ(verified.created, 1618884473);
  EXPECT_THAT(verified.components, ::testing::ElementsAre("@status", "content-type",
                                                          "content-digest", "content-length"));
  // The RFC's response body matches its sha-512 digest, which has no sha-256 member for us.
  EXPECT_EQ(checkContentDigest(kRfcResponse.at("content-digest"), "{\"message\": \"good dog\"}"),
            "no sha-256 member");
}

TEST(Rfc9421Vector, AppendixB24FailsWhenAnyValueChanges) {
  const crypto::Key key = crypto::Key::publicFromPem(kRfcEccP256Public);
  ComponentValues changed = kRfcResponse;
  changed["@status"] = "201";
  EXPECT_THAT(
      [&] { verifyMessage("sig-b24", kRfcInput, kRfcSignature, changed, {}, key); },
      ::testing::ThrowsMessage<SignatureError>(::testing::StrEq("signature does not verify")));
  EXPECT_THAT(
      [&] { verifyMessage("sig-b24", kRfcInput, kRfcSignature, kRfcResponse, {"@method"}, key); },
      ::testing::ThrowsMessage<SignatureError>(
          ::testing::StrEq("Signature-Input: required component \"@method\" is not covered")));
}

}  // namespace
}  // namespace tsunagi::exchange
