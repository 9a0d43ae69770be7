#pragma once
// CaseUpdate: one post on a shared case's timeline. Schema: mapping/schema/case-update-1.xsd.

#include <optional>
#include <string>
#include <vector>

#include "mapping/model/common.hpp"

namespace tsunagi::mapping {

struct Author {
  std::string name;
  std::string profession;  ///< profession
  std::string organisation;
  std::optional<std::string> organisationCode;  ///< 事業所番号 / 医療機関コード
};

struct Vitals {
  std::optional<std::string> measuredAt;  ///< instant with offset, e.g. 2024-03-01T09:30:00+09:00
  std::optional<int> systolic, diastolic, pulse, spo2;
  std::optional<std::string> temperature;  ///< ℃, one decimal ("36.5")
  std::optional<std::string> weight;       ///< kg, one decimal ("48.2")
  std::optional<int> foodIntakePercent, fluidIntakeMl;
};

struct AdlChange {
  std::string change;  ///< adl-change
  std::optional<std::string> note;
};

struct CaseUpdate {
  std::string updateId;
  std::string caseId;
  std::string postedAt;  ///< instant with offset
  Author author;
  std::optional<std::string> text;
  std::optional<Vitals> vitals;
  std::optional<std::string> medicationStatus;  ///< medication-status
  std::optional<AdlChange> adlChange;
  std::vector<Attachment> attachments;
};

template <class V>
void describe(V& v, Author& x) {
  v.text("name", x.name);
  v.code("profession", x.profession, "profession");
  v.text("organisation", x.organisation);
  v.text("organisationCode", x.organisationCode);
}

template <class V>
void describe(V& v, Vitals& x) {
  v.text("measuredAt", x.measuredAt);
  v.integer("systolic", x.systolic);
  v.integer("diastolic", x.diastolic);
  v.integer("pulse", x.pulse);
  v.integer("spo2", x.spo2);
  v.text("temperature", x.temperature);
  v.text("weight", x.weight);
  v.integer("foodIntakePercent", x.foodIntakePercent);
  v.integer("fluidIntakeMl", x.fluidIntakeMl);
}

template <class V>
void describe(V& v, AdlChange& x) {
  v.code("change", x.change, "adl-change");
  v.text("note", x.note);
}

template <class V>
void describe(V& v, CaseUpdate& x) {
  v.text("updateId", x.updateId);
  v.text("caseId", x.caseId);
  v.text("postedAt", x.postedAt);
  v.child("author", x.author);
  v.text("text", x.text);
  v.child("vitals", x.vitals);
  v.code("medicationStatus", x.medicationStatus, "medication-status");
  v.child("adlChange", x.adlChange);
  v.child("attachment", x.attachments);
}

}  // namespace tsunagi::mapping
