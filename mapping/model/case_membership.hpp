#pragma once
// CaseMembership: open or close a cross-border case; add or remove participants.
// Schema: mapping/schema/case-membership-1.xsd.

#include <optional>
#include <string>
#include <vector>

#include "mapping/model/common.hpp"

namespace tsunagi::mapping {

enum class MembershipAction { Open, Close, AddParticipant, RemoveParticipant };

struct Actor {
  std::string node;  ///< 団体コード of the acting node
  std::string organisation;
  std::optional<std::string> name;
};

struct PatientReference {
  std::optional<std::string> insurerNumber, insuredNumber;
  std::string nameKana;
  Date birthDate;
  std::string sex;  ///< sex
};

struct Participant {
  std::string node;
  std::string organisation;
  std::optional<std::string> organisationCode;
  std::string profession;  ///< profession
  std::optional<std::string> name;
};

struct CaseMembership {
  MembershipAction action = MembershipAction::Open;
  std::string eventId;
  std::string caseId;
  std::string at;  ///< instant with offset
  Actor by;
  std::optional<PatientReference> patient;
  std::vector<Participant> participants;
  std::optional<std::string> reason;
};

template <class V>
void describe(V& v, Actor& x) {
  v.text("node", x.node);
  v.text("organisation", x.organisation);
  v.text("name", x.name);
}

template <class V>
void describe(V& v, PatientReference& x) {
  v.text("insurerNumber", x.insurerNumber);
  v.text("insuredNumber", x.insuredNumber);
  v.text("nameKana", x.nameKana);
  v.date("birthDate", x.birthDate);
  v.code("sex", x.sex, "sex");
}

template <class V>
void describe(V& v, Participant& x) {
  v.text("node", x.node);
  v.text("organisation", x.organisation);
  v.text("organisationCode", x.organisationCode);
  v.code("profession", x.profession, "profession");
  v.text("name", x.name);
}

template <class V>
void describe(V& v, CaseMembership& x) {
  v.text("eventId", x.eventId);
  v.text("caseId", x.caseId);
  v.text("at", x.at);
  v.child("by", x.by);
  v.child("patient", x.patient);
  v.child("participant", x.participants);
  v.text("reason", x.reason);
}

}  // namespace tsunagi::mapping
