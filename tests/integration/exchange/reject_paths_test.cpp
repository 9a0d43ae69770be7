// Every way a peer request is refused: at the TLS handshake (no HTTP status exists there; the
// refusal is counted by reason) or with an RFC 9457 problem whose type is stable.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gateway/exchange/envelope.hpp"
#include "gateway/exchange/submitter.hpp"
#include "gateway/store/case_book.hpp"
#include "gateway/store/exchange_store.hpp"
#include "tests/support/test_federation.hpp"

namespace tsunagi::exchange {
namespace {

using ::testing::HasSubstr;
using testing::RawPeer;
using testing::RawReply;
using testing::signedHeaders;
using testing::TestFederation;

const testing::TestNodeSpec kKashiwa{"122173", "柏市", {"122173"}, {"122176"}};
const testing::TestNodeSpec kNagareyama{"122203", "流山市", {"122203"}, {"122200"}};

class RejectPaths : public ::testing::Test {
 protected:
  RejectPaths() : federation_({kKashiwa, kNagareyama}) {
    // Matsudo is a member of the federation (in the manifest) but no node runs for it here: its
    // certificate plays the other city's peer.
    auto spec = federation_.manifestSpec();
    auto entry = federation_.pki().entry("122076", "https://127.0.0.1:9");
    entry.name = "松戸市";
    entry.municipalities = {"122076"};
    spec.nodes.push_back(entry);
    spec.serial += 1;
    federation_.rewriteManifest(spec);
  }

  testing::TestNode& receiver() { return federation_.node("122203"); }
  unsigned short port() { return receiver().exchange().port(); }
  long long handshakeFailures(const std::string& reason) {
    return receiver().exchange().handshakeStats().count(reason);
  }

  RawPeer peer(const std::string& code) {
    const auto& files = federation_.pki().node(code);
    return RawPeer{files.key, files.cert, federation_.pki().ca().certificate()};
  }

  /// A valid envelope from `from` to `to` carrying the discharge fixture.
  std::string envelope(const std::string& from = "122173", const std::string& to = "122203",
                       std::optional<std::string> consent = std::string("consent-0001"),
                       const std::string& messageId = newMessageId()) {
    Envelope e{messageId,
               utcNow(),
               from,
               to,
               "LiaisonSheet",
               std::string("case-1"),
               consent,
               mapping::parseCanonical(testing::canonicalFixture("discharge-sheet.xml")),
               {},
               0};
    return serializeEnvelope(e);
  }

  RawReply sendAs(const std::string& code, const std::string& body, std::int64_t created = 0,
                  const std::string& keyId = "") {
    return peer(code).post(port(), body,
                           signedHeaders(body, port(), federation_.pki().node(code).key,
                                         keyId.empty() ? code : keyId, created));
  }

  long long inbox() { return receiver().count("SELECT count(*) FROM inbox"); }

  TestFederation federation_;
};

MATCHER_P2(Problem, status, type, "") {
  return arg.status == status &&
         arg.body.find(std::string("\"type\":\"") + type + "\"") != std::string::npos;
}

TEST_F(RejectPaths, AGoodRequestIsAcceptedWith202AndAReceipt) {
  RawReply r = sendAs("122173", envelope());
  EXPECT_EQ(r.status, 202) << r.body << r.error;
  EXPECT_THAT(r.body, HasSubstr("<Receipt"));
  EXPECT_EQ(inbox(), 1);
}

TEST_F(RejectPaths, NoClientCertificateIsRefusedAtTheHandshake) {
  RawPeer anonymous{std::nullopt, std::nullopt, federation_.pki().ca().certificate()};
  const std::string body = envelope();
  RawReply r = anonymous.post(port(), body, {});
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.error.empty());
  EXPECT_TRUE(testing::eventually([&] { return handshakeFailures("no-client-certificate") >= 1; }));
  EXPECT_EQ(inbox(), 0);
}

TEST_F(RejectPaths, CertificateFromAnotherCaIsRefusedAtTheHandshake) {
  auto& other = federation_.pki().otherCa();
  const auto& files = other.node("122076");
  RawPeer stranger{files.key, files.cert, federation_.pki().ca().certificate()};
  RawReply r = stranger.post(port(), envelope("122076"), {});
  EXPECT_EQ(r.status, 0);
  // The listener counts the refusal just after the alert reaches the client.
  EXPECT_TRUE(testing::eventually([&] { return handshakeFailures("untrusted-ca") >= 1; }));
  EXPECT_EQ(handshakeFailures("untrusted-ca"), 1) << "counted once";
  EXPECT_EQ(inbox(), 0);
}

TEST_F(RejectPaths, RevokedCertificateIsRefusedAtTheHandshake) {
  federation_.pki().ca().revoke(federation_.pki().node("122076").cert);
  receiver().exchange().reloadRevocations();
  RawReply r = sendAs("122076", envelope("122076"));
  EXPECT_EQ(r.status, 0);
  // The listener counts the refusal just after the alert reaches the client.
  EXPECT_TRUE(testing::eventually([&] { return handshakeFailures("revoked") >= 1; }));
  EXPECT_EQ(handshakeFailures("revoked"), 1) << "counted once";
  EXPECT_EQ(inbox(), 0);
}

TEST_F(RejectPaths, ValidCaButKeyNotPinnedInTheManifestIsRefused) {
  federation_.pki().ca().rotateNode("122076");  // a new, CA-signed key the manifest does not list
  RawReply r = sendAs("122076", envelope("122076"));
  EXPECT_EQ(r.status, 0);
  // The listener counts the refusal just after the alert reaches the client.
  EXPECT_TRUE(testing::eventually([&] { return handshakeFailures("pin-mismatch") >= 1; }));
  EXPECT_EQ(handshakeFailures("pin-mismatch"), 1) << "counted once";
  EXPECT_EQ(inbox(), 0);
}

TEST_F(RejectPaths, PeerSpoofingAnotherCityInTheEnvelopeGets403) {
  // Matsudo's genuine certificate and signature, but the envelope claims to come from Kashiwa.
  RawReply r = sendAs("122076", envelope("122173"));
  EXPECT_THAT(r, Problem(403, "urn:tsunagi:problem:sender-mismatch")) << r.body;
  EXPECT_THAT(r.body, HasSubstr("the authenticated peer is 122076"));
  EXPECT_EQ(inbox(), 0);
}

TEST_F(RejectPaths, PeerSigningUnderAnotherCitysKeyIdGets403) {
  RawReply r = sendAs("122076", envelope("122076"), 0, "122173");
  EXPECT_THAT(r, Problem(403, "urn:tsunagi:problem:sender-mismatch")) << r.body;
}

TEST_F(RejectPaths, BadSignatureGets401) {
  const std::string body = envelope();
  auto headers = signedHeaders(body, port(), federation_.pki().node("122173").key, "122173");
  // Flip one base64 character of the signature value.
  std::string& signature = headers[2].second;
  const auto at = signature.find(":") + 5;
  signature[at] = signature[at] == 'A' ? 'B' : 'A';
  RawReply r = peer("122173").post(port(), body, headers);
  EXPECT_THAT(r, Problem(401, "urn:tsunagi:problem:signature-invalid")) << r.body;
  EXPECT_EQ(inbox(), 0);
}

TEST_F(RejectPaths, BodyAlteredAfterSigningGets400DigestMismatch) {
  const std::string body = envelope();
  auto headers = signedHeaders(body, port(), federation_.pki().node("122173").key, "122173");
  std::string altered = body;
  altered.replace(altered.find("<careLevel>23"), 13, "<careLevel>25");
  RawReply r = peer("122173").post(port(), altered, headers);
  EXPECT_THAT(r, Problem(400, "urn:tsunagi:problem:digest-mismatch")) << r.body;
  EXPECT_EQ(inbox(), 0);
}

TEST_F(RejectPaths, ReplayedMessageGetsTheOriginalReceiptAndIsStoredOnce) {
  const std::string body = envelope();
  auto headers = signedHeaders(body, port(), federation_.pki().node("122173").key, "122173");
  RawReply first = peer("122173").post(port(), body, headers);
  RawReply replay = peer("122173").post(port(), body, headers);
  EXPECT_EQ(first.status, 202);
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(replay.body, first.body);
  EXPECT_EQ(inbox(), 1);
  EXPECT_EQ(receiver().count("SELECT count(*) FROM exchange_events WHERE event = 'duplicate'"), 1);
}

TEST_F(RejectPaths, SignatureCreatedOutsideTheReplayWindowGets401) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  RawReply old = sendAs("122173", envelope(), now - 600);
  EXPECT_THAT(old, Problem(401, "urn:tsunagi:problem:stale-request")) << old.body;
  RawReply future = sendAs("122173", envelope(), now + 300);
  EXPECT_THAT(future, Problem(401, "urn:tsunagi:problem:stale-request")) << future.body;
  EXPECT_EQ(inbox(), 0);
}

TEST_F(RejectPaths, MessageForAnotherNodeGets421) {
  RawReply r = sendAs("122173", envelope("122173", "122076"));
  EXPECT_THAT(r, Problem(421, "urn:tsunagi:problem:wrong-addressee")) << r.body;
}

TEST_F(RejectPaths, SchemaInvalidDocumentGets422) {
  std::string body = envelope();
  body.replace(body.find("<sex>2</sex>"), 12, "<sex>女</sex>");
  RawReply r = sendAs("122173", body);
  EXPECT_THAT(r, Problem(422, "urn:tsunagi:problem:document-invalid")) << r.body;
  EXPECT_THAT(r.body, HasSubstr("/Envelope/document/LiaisonSheet/patient/sex"));
  EXPECT_EQ(inbox(), 0);
}

TEST_F(RejectPaths, EnvelopeWithoutConsentReferenceGets422) {
  RawReply r = sendAs("122173", envelope("122173", "122203", std::nullopt));
  EXPECT_THAT(r, Problem(422, "urn:tsunagi:problem:consent-missing")) << r.body;
  EXPECT_EQ(inbox(), 0);
}

TEST_F(RejectPaths, OversizedBodyGets413WithoutBeingRead) {
  RawReply r = peer("122173").post(port(), "", {}, 64LL * 1024 * 1024);
  EXPECT_THAT(r, Problem(413, "urn:tsunagi:problem:body-too-large")) << r.body << r.error;
}

TEST_F(RejectPaths, EveryRefusalIsInTheExchangeLog) {
  sendAs("122173", envelope("122173", "122076"));
  EXPECT_EQ(receiver().count("SELECT count(*) FROM exchange_events WHERE event = 'rejected' "
                             "AND detail LIKE '%wrong-addressee%' AND peer = '122173'"),
            1);
}

// ---- the sender's side: consent ----

TEST_F(RejectPaths, SubmissionWithoutConsentIsRefusedAndNothingIsQueued) {
  auto& kashiwa = federation_.node("122173");
  auto sheet = mapping::parseCanonical(testing::canonicalFixture("discharge-sheet.xml"));
  try {
    kashiwa.exchange().submitter().submit(sheet);
    FAIL() << "submitted without consent";
  } catch (const SubmitError& e) {
    EXPECT_EQ(e.code(), "consent-missing");
    EXPECT_THAT(e.what(), HasSubstr("not sent to 122203: no consent is recorded"));
  }
  EXPECT_EQ(kashiwa.count("SELECT count(*) FROM outbox"), 0);
  EXPECT_EQ(kashiwa.count("SELECT count(*) FROM exchange_events WHERE event = 'consent-blocked'"),
            1);
}

TEST_F(RejectPaths, ConsentForAnotherMunicipalityDoesNotCoverThisOne) {
  auto& kashiwa = federation_.node("122173");
  kashiwa.consent("consent-matsudo-only", {"122076"});
  auto sheet = mapping::parseCanonical(testing::canonicalFixture("discharge-sheet.xml"));
  try {
    kashiwa.exchange().submitter().submit(sheet);
    FAIL() << "submitted outside the consent's scope";
  } catch (const SubmitError& e) {
    EXPECT_EQ(e.code(), "consent-scope");
    EXPECT_THAT(e.what(), HasSubstr("does not cover municipality 122203"));
  }
}

TEST_F(RejectPaths, ConsentNotValidYetHasItsOwnCode) {
  // Its obtained_on is still to come: refused as consent-not-yet-valid (it used to be reported
  // as consent-missing, as if no consent were recorded).
  auto& kashiwa = federation_.node("122173");
  kashiwa.consent("consent-from-next-month", {"122203"});
  store::withTransaction(kashiwa.pool(), [](store::PgConnection& conn) {
    conn.exec("UPDATE consents SET obtained_on = current_date + 30");
  });
  auto sheet = mapping::parseCanonical(testing::canonicalFixture("discharge-sheet.xml"));
  try {
    kashiwa.exchange().submitter().submit(sheet);
    FAIL() << "submitted before the consent is valid";
  } catch (const SubmitError& e) {
    EXPECT_EQ(e.code(), "consent-not-yet-valid");
    EXPECT_THAT(e.what(), HasSubstr("not sent to 122203: consent consent-from-next-month is not "
                                    "valid yet"));
  }
  EXPECT_EQ(kashiwa.count("SELECT count(*) FROM outbox"), 0);
  EXPECT_EQ(kashiwa.count("SELECT count(*) FROM exchange_events WHERE event = 'consent-blocked' "
                          "AND detail LIKE '%\"code\":\"consent-not-yet-valid\"%'"),
            1);
}

TEST_F(RejectPaths, ConsentRefusalCodeDoesNotDependOnTheReference) {
  // A revoked consent whose reference reads "expired": the code is the refusal's, not a word of
  // the message (it used to be matched in the English text).
  auto& kashiwa = federation_.node("122173");
  kashiwa.consent("consent-expired-form-2024", {"122203"});
  store::withTransaction(kashiwa.pool(), [](store::PgConnection& conn) {
    EXPECT_TRUE(store::revokeConsent(conn, "consent-expired-form-2024"));
  });
  try {
    kashiwa.exchange().submitter().submit(
        mapping::parseCanonical(testing::canonicalFixture("discharge-sheet.xml")));
    FAIL() << "submitted after revocation";
  } catch (const SubmitError& e) {
    EXPECT_EQ(e.code(), "consent-revoked");
  }
}

TEST_F(RejectPaths, RevokedConsentStopsNewAndQueuedMessages) {
  auto& kashiwa = federation_.node("122173");
  kashiwa.consent("consent-0001", {"122203"});
  // Nagareyama is unreachable for now: the first message waits in the queue.
  receiver().exchange().stop();
  auto sheet = mapping::parseCanonical(testing::canonicalFixture("discharge-sheet.xml"));
  auto queued = kashiwa.exchange().submitter().submit(sheet);
  ASSERT_EQ(queued.size(), 1u);
  store::withTransaction(kashiwa.pool(), [](store::PgConnection& conn) {
    EXPECT_TRUE(store::revokeConsent(conn, "consent-0001"));
  });
  std::string later = testing::canonicalFixture("discharge-sheet.xml");
  later.replace(later.find("<sheetId>") + 9, 36, "a-later-sheet");
  try {
    kashiwa.exchange().submitter().submit(mapping::parseCanonical(later));
    FAIL() << "submitted after revocation";
  } catch (const SubmitError& e) {
    EXPECT_EQ(e.code(), "consent-revoked");
    EXPECT_THAT(e.what(), HasSubstr("consent consent-0001 was revoked"));
  }
  // The queued one is dead-lettered on its next attempt instead of being sent.
  ASSERT_TRUE(testing::eventually([&] {
    return kashiwa.count(
               "SELECT count(*) FROM outbox WHERE state = 'dead' AND last_error LIKE "
               "'%was revoked%'") == 1;
  }));
}

}  // namespace
}  // namespace tsunagi::exchange

namespace tsunagi::exchange {
namespace {

TEST_F(RejectPaths, SenderRefusesToTalkToARevokedPeerAfterReload) {
  // The revoked node is the receiver this time: Kashiwa's delivery worker must not hand it data.
  auto& kashiwa = federation_.node("122173");
  kashiwa.consent("consent-0001", {"122203"});
  federation_.pki().ca().revoke(federation_.pki().node("122203").cert);
  kashiwa.exchange().reloadRevocations();
  kashiwa.exchange().submitter().submit(
      mapping::parseCanonical(testing::canonicalFixture("discharge-sheet.xml")));
  kashiwa.exchange().wakeDelivery();
  ASSERT_TRUE(testing::eventually(
      [&] { return kashiwa.exchange().handshakeStats().count("revoked") >= 1; }));
  EXPECT_EQ(inbox(), 0);
  EXPECT_EQ(kashiwa.count("SELECT count(*) FROM outbox WHERE state = 'pending'"), 1);
}

}  // namespace
}  // namespace tsunagi::exchange

namespace tsunagi::exchange {
namespace {

TEST_F(RejectPaths, OnlyAParticipantMayPostToAKnownCase) {
  // Nagareyama knows the case with Kashiwa and itself as participants; Matsudo is not one.
  store::withTransaction(receiver().pool(), [](store::PgConnection& conn) {
    store::openCase(conn, "case-122203-2024-0001", std::string("122200"), std::string("0000123456"),
                    {"122173", "122203"});
  });
  Envelope e{newMessageId(),
             utcNow(),
             "122076",
             "122203",
             "CaseUpdate",
             std::string("case-122203-2024-0001"),
             std::string("consent-0001"),
             mapping::parseCanonical(testing::canonicalFixture("case-update.xml")),
             {},
             0};
  RawReply r = sendAs("122076", serializeEnvelope(e));
  EXPECT_THAT(r, Problem(403, "urn:tsunagi:problem:not-a-participant")) << r.body;
  EXPECT_EQ(inbox(), 0);
  e.from = "122173";
  e.messageId = newMessageId();
  RawReply ok = sendAs("122173", serializeEnvelope(e));
  EXPECT_EQ(ok.status, 202) << ok.body;
}

}  // namespace
}  // namespace tsunagi::exchange

namespace tsunagi::exchange {
namespace {

TEST_F(RejectPaths, StorageTroubleGets503WithRetryAfterAndNeverAnAcknowledgement) {
  {
    auto conn = receiver().pool().lease();
    conn->exec("ALTER TABLE inbox RENAME TO inbox_unavailable");
  }
  RawReply r = sendAs("122173", envelope());
  EXPECT_THAT(r, Problem(503, "urn:tsunagi:problem:storage-unavailable")) << r.body;
  EXPECT_EQ(r.retryAfter, "30");
  EXPECT_THAT(r.body, ::testing::Not(HasSubstr("<Receipt")));
  {
    auto conn = receiver().pool().lease();
    conn->exec("ALTER TABLE inbox_unavailable RENAME TO inbox");
  }
  EXPECT_EQ(inbox(), 0);  // nothing half-written: the failed transaction left no row and no event
  EXPECT_EQ(receiver().count("SELECT count(*) FROM exchange_events WHERE event = 'received'"), 0);
}

TEST_F(RejectPaths, HealthAnswersPeersWithTheManifestSerial) {
  RawReply r = peer("122173").get(port(), "/exchange/v1/health");
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_THAT(r.body, HasSubstr(R"("node":"122203")"));
  EXPECT_THAT(r.body, HasSubstr(R"("manifestSerial":2)"));
}

}  // namespace
}  // namespace tsunagi::exchange

namespace tsunagi::exchange {
namespace {

TEST_F(RejectPaths, ARefusedDocumentsContentStaysOutOfTheExchangeLog) {
  std::string body = envelope();
  body.replace(body.find("<nameKana>ナガレヤマ ハナコ</nameKana>"),
               std::string("<nameKana>ナガレヤマ ハナコ</nameKana>").size(),
               "<nameKana>ながれやま はなこ</nameKana>");
  RawReply r = sendAs("122173", body);
  EXPECT_THAT(r, Problem(422, "urn:tsunagi:problem:document-invalid")) << r.body;
  // The peer is told exactly what is wrong …
  EXPECT_THAT(r.body, HasSubstr("/Envelope/document/LiaisonSheet/patient/nameKana"));
  // … the log keeps where, not what: no character of the name.
  EXPECT_EQ(receiver().count("SELECT count(*) FROM exchange_events WHERE event = 'rejected' AND "
                             "detail LIKE '%/patient/nameKana%'"),
            1);
  EXPECT_EQ(receiver().count("SELECT count(*) FROM exchange_events WHERE detail LIKE '%な%'"), 0);
}

}  // namespace
}  // namespace tsunagi::exchange

// ---- case ownership: a case belongs to the node its id names (case-NNNNNN-…) ----

namespace tsunagi::exchange {
namespace {

constexpr const char* kKashiwaCase = "case-122173-2024-0001";

/// A membership change of `caseId` made at node `by`: the open fixture's patient and its first
/// participant's organisation for each of `nodes` (no patient and no participant for `close`).
mapping::CaseMembership membership(mapping::MembershipAction action, const std::string& by,
                                   const std::string& caseId,
                                   const std::vector<std::string>& nodes) {
  auto m = std::get<mapping::CaseMembership>(
      mapping::parseCanonical(testing::canonicalFixture("case-membership-open.xml")));
  m.action = action;
  m.eventId = newMessageId();
  m.caseId = caseId;
  m.by.node = by;
  const mapping::Participant model = m.participants.front();
  m.participants.clear();
  for (const auto& node : nodes) {
    m.participants.push_back(model);
    m.participants.back().node = node;
  }
  if (action != mapping::MembershipAction::Open) m.patient.reset();
  return m;
}

mapping::CanonicalDocument caseUpdate(const std::string& caseId) {
  auto u = std::get<mapping::CaseUpdate>(
      mapping::parseCanonical(testing::canonicalFixture("case-update.xml")));
  u.updateId = newMessageId();
  u.caseId = caseId;
  return u;
}

class CaseOwnership : public RejectPaths {
 protected:
  /// A correctly signed message from `from` to Nagareyama carrying `document`.
  RawReply post(const std::string& from, const mapping::CanonicalDocument& document) {
    std::optional<std::string> caseId;
    if (const auto* m = std::get_if<mapping::CaseMembership>(&document)) caseId = m->caseId;
    if (const auto* u = std::get_if<mapping::CaseUpdate>(&document)) caseId = u->caseId;
    Envelope e{newMessageId(),
               utcNow(),
               from,
               "122203",
               mapping::documentTypeName(document),
               caseId,
               std::string("consent-0001"),
               document,
               {},
               0};
    return sendAs(from, serializeEnvelope(e));
  }

  /// Nagareyama's view of a case: patient numbers and key, open or closed, participants.
  std::string caseBook(const std::string& caseId) {
    auto conn = receiver().pool().lease();
    auto r = conn->exec(
        "SELECT coalesce(insurer_number, '-') || '|' || coalesce(insured_number, '-') || '|' || "
        "coalesce(patient_key, '-') || '|' || (closed_at IS NULL)::text || '|' || "
        "coalesce((SELECT string_agg(node, ',' ORDER BY node) FROM case_participants p WHERE "
        "p.case_id = c.case_id), '') FROM cases c WHERE case_id = '" +
        caseId + "'");
    return r.rows() == 0 ? std::string("(no case)") : r.text(0, 0);
  }

  long long rejectedAsNotOwner(const std::string& peer) {
    return receiver().count(
        "SELECT count(*) FROM exchange_events WHERE event = 'rejected' AND peer = '" + peer +
        "' AND detail LIKE '%urn:tsunagi:problem:not-case-owner%'");
  }

  /// Kashiwa opens its case with Nagareyama (and `more`) for the fixtures' patient.
  void kashiwaOpens(const std::vector<std::string>& more = {}) {
    std::vector<std::string> nodes = {"122173", "122203"};
    nodes.insert(nodes.end(), more.begin(), more.end());
    RawReply r =
        post("122173", membership(mapping::MembershipAction::Open, "122173", kKashiwaCase, nodes));
    ASSERT_EQ(r.status, 202) << r.body << r.error;
  }
};

TEST_F(CaseOwnership, AnotherNodesOpenOfAnExistingCaseIsRefusedAndChangesNothing) {
  kashiwaOpens();
  const std::string before = caseBook(kKashiwaCase);
  ASSERT_THAT(before, HasSubstr("122200|0000123456|"));
  ASSERT_THAT(before, HasSubstr("|true|122173,122203"));

  // Matsudo, no participant, "opens" Kashiwa's case for another person and adds itself.
  auto takeover =
      membership(mapping::MembershipAction::Open, "122076", kKashiwaCase, {"122076", "122203"});
  takeover.patient->insurerNumber = "122077";
  takeover.patient->insuredNumber = "0000654321";
  takeover.patient->nameKana = "マツド タロウ";
  RawReply r = post("122076", takeover);
  EXPECT_THAT(r, Problem(403, "urn:tsunagi:problem:not-case-owner")) << r.body;
  EXPECT_THAT(r.body, HasSubstr("case case-122173-2024-0001 belongs to node 122173"));
  EXPECT_EQ(caseBook(kKashiwaCase), before);
  EXPECT_EQ(rejectedAsNotOwner("122076"), 1);
  EXPECT_EQ(inbox(), 1);  // the owner's open only

  // The owner's later messages are still accepted.
  RawReply update = post("122173", caseUpdate(kKashiwaCase));
  EXPECT_EQ(update.status, 202) << update.body;
  RawReply add = post("122173", membership(mapping::MembershipAction::AddParticipant, "122173",
                                           kKashiwaCase, {"122076"}));
  EXPECT_EQ(add.status, 202) << add.body;
  EXPECT_THAT(caseBook(kKashiwaCase), HasSubstr("|true|122076,122173,122203"));
}

TEST_F(CaseOwnership, AnOpenWhoseIdNamesAnotherNodeIsRefused) {
  // A new case id naming Kashiwa, opened by Matsudo: nobody may open a case in another's name.
  RawReply r = post("122076", membership(mapping::MembershipAction::Open, "122076",
                                         "case-122173-2024-0002", {"122076", "122203"}));
  EXPECT_THAT(r, Problem(403, "urn:tsunagi:problem:not-case-owner")) << r.body;
  EXPECT_THAT(r.body, HasSubstr("case case-122173-2024-0002 belongs to node 122173"));
  EXPECT_EQ(caseBook("case-122173-2024-0002"), "(no case)");
  EXPECT_EQ(rejectedAsNotOwner("122076"), 1);
  EXPECT_EQ(inbox(), 0);
  // Its own id is fine.
  RawReply own = post("122076", membership(mapping::MembershipAction::Open, "122076",
                                           "case-122076-2024-0002", {"122076", "122203"}));
  EXPECT_EQ(own.status, 202) << own.body;
}

TEST_F(CaseOwnership, AParticipantThatIsNotTheOwnerMayNotAddRemoveOrClose) {
  kashiwaOpens({"122076"});  // Matsudo takes part, but the case is Kashiwa's
  const std::string before = caseBook(kKashiwaCase);
  ASSERT_THAT(before, HasSubstr("|true|122076,122173,122203"));
  for (const auto& change :
       {membership(mapping::MembershipAction::AddParticipant, "122076", kKashiwaCase, {"122203"}),
        membership(mapping::MembershipAction::RemoveParticipant, "122076", kKashiwaCase,
                   {"122173"}),
        membership(mapping::MembershipAction::Close, "122076", kKashiwaCase, {})}) {
    RawReply r = post("122076", change);
    EXPECT_THAT(r, Problem(403, "urn:tsunagi:problem:not-case-owner")) << r.body;
    EXPECT_EQ(caseBook(kKashiwaCase), before);
  }
  EXPECT_EQ(rejectedAsNotOwner("122076"), 3);
  // A participant still posts updates; the owner still closes.
  EXPECT_EQ(post("122076", caseUpdate(kKashiwaCase)).status, 202);
  RawReply close =
      post("122173", membership(mapping::MembershipAction::Close, "122173", kKashiwaCase, {}));
  EXPECT_EQ(close.status, 202) << close.body;
  EXPECT_THAT(caseBook(kKashiwaCase), HasSubstr("|false|"));
}

TEST_F(CaseOwnership, ANodeAddedToACaseItDidNotKnowAcceptsTheOwnersUpdates) {
  // Nagareyama first hears of the case when Kashiwa adds it: the owner is a participant too.
  RawReply add = post("122173", membership(mapping::MembershipAction::AddParticipant, "122173",
                                           kKashiwaCase, {"122203"}));
  ASSERT_EQ(add.status, 202) << add.body;
  EXPECT_THAT(caseBook(kKashiwaCase), HasSubstr("|true|122173,122203"));
  RawReply update = post("122173", caseUpdate(kKashiwaCase));
  EXPECT_EQ(update.status, 202) << update.body;
}

TEST_F(CaseOwnership, TheSubmitterRefusesMembershipChangesForACaseThisNodeDoesNotOwn) {
  kashiwaOpens();  // Nagareyama knows Kashiwa's case as a participant
  auto& nagareyama = receiver();
  nagareyama.consent("consent-n", {"122173", "122076"});
  const std::string before = caseBook(kKashiwaCase);
  const auto refusal = [&](const mapping::CaseMembership& m) -> std::string {
    try {
      nagareyama.exchange().submitter().submit(m);
    } catch (const SubmitError& e) {
      return e.code() + ": " + e.what();
    }
    return "accepted";
  };
  EXPECT_EQ(refusal(membership(mapping::MembershipAction::Close, "122203", kKashiwaCase, {})),
            "not-case-owner: case case-122173-2024-0001 belongs to node 122173 (its id names it); "
            "this node (122203) may not close it");
  EXPECT_THAT(refusal(membership(mapping::MembershipAction::AddParticipant, "122203", kKashiwaCase,
                                 {"122076"})),
              HasSubstr("not-case-owner: case case-122173-2024-0001 belongs to node 122173"));
  EXPECT_THAT(refusal(membership(mapping::MembershipAction::Open, "122203", "case-122173-2024-0009",
                                 {"122173", "122203"})),
              HasSubstr("not-case-owner: case case-122173-2024-0009 belongs to node 122173"));
  EXPECT_EQ(nagareyama.count("SELECT count(*) FROM outbox"), 0);
  EXPECT_EQ(caseBook(kKashiwaCase), before);
  EXPECT_EQ(caseBook("case-122173-2024-0009"), "(no case)");
  EXPECT_EQ(nagareyama.count("SELECT count(*) FROM exchange_events WHERE event = 'refused' AND "
                             "detail LIKE '%not-case-owner%'"),
            3);
  // Its own case: accepted.
  EXPECT_EQ(nagareyama.exchange()
                .submitter()
                .submit(membership(mapping::MembershipAction::Open, "122203",
                                   "case-122203-2024-0009", {"122173", "122203"}))
                .size(),
            1u);
}

}  // namespace
}  // namespace tsunagi::exchange
