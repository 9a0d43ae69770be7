#pragma once
// The regional liaison sheet (地域生活連携シート). Schema: mapping/schema/liaison-sheet-1.xsd;
// element reference with Japanese names: docs/liaison-sheet.md. Code fields hold the code value of
// the table named in their comment (mapping/codes/<table>.xml).

#include <optional>
#include <string>
#include <vector>

#include "mapping/model/common.hpp"

namespace tsunagi::mapping {

enum class SheetKind { Admission, Discharge };

struct SheetDates {
  Date recordedOn;                         ///< 記入日
  std::optional<Date> admittedOn;          ///< 入院日
  std::optional<Date> plannedDischargeOn;  ///< 退院予定日
  std::optional<Date> providedOn;          ///< 情報提供日
};

struct Patient {
  std::string nameKanji;  ///< 氏名 (漢字)
  std::string nameKana;   ///< 氏名 (カナ)
  std::string sex;        ///< sex
  Date birthDate;         ///< 生年月日
  std::optional<std::string> postalCode;
  std::optional<std::string> address;
  std::optional<std::string> municipalityCode;  ///< 住所地の団体コード (with check digit)
  std::optional<std::string> phone;
};

struct Insurance {
  std::string insurerNumber;                      ///< 保険者番号
  std::string insuredNumber;                      ///< 被保険者番号
  std::optional<std::string> careLevel;           ///< care-level 要介護状態区分
  std::optional<std::string> certificationStatus; ///< certification-status 認定状況
  std::optional<DateRange> certificationPeriod;   ///< 認定有効期間
  std::optional<std::string> burdenRatio;         ///< burden-ratio 負担割合
};

struct Independence {
  std::optional<std::string> disability;  ///< disability-independence
  std::optional<std::string> dementia;    ///< dementia-independence
};

/// ADL items, each on the adl-level scale (自立 / 見守り / 一部介助 / 全介助).
struct Adl {
  std::optional<std::string> mobility, transfer, dressing, grooming, bathing, eating, urination,
      defecation, risingAndSitting;
  std::optional<std::string> mobilityAid;  ///< mobility-aid 移動手段
};

struct Nutrition {
  std::optional<std::string> mealsPerDay;          ///< one digit
  std::optional<std::string> mealForm;             ///< meal-form
  std::optional<std::string> intakeMethod;         ///< intake-method
  std::optional<bool> thickenedFluids;             ///< 水分とろみ
  std::optional<std::string> dietRestriction;      ///< restriction
  std::optional<std::string> dietRestrictionNote;
  std::optional<std::string> swallowing;           ///< swallowing
  std::optional<std::string> denture;              ///< denture
  std::optional<std::string> oralHygiene;          ///< oral-hygiene
};

struct Elimination {
  std::optional<std::string> portableToilet;  ///< portable-toilet
  std::optional<std::string> note;
};

struct PressureUlcer {
  bool present = false;
  std::optional<std::string> note;
};

struct MedicalProcedure {
  std::string code;  ///< medical-procedure
  std::optional<std::string> note;
};

struct Diagnosis {
  std::string name;
  std::optional<std::string> icd10;
  std::optional<Date> onsetDate;
};

struct Drug {
  std::string name;
  std::optional<std::string> dosage;
};

struct Medication {
  std::optional<std::string> manager;  ///< medication-manager
  std::optional<std::string> status;   ///< medication-status
  std::vector<Drug> drugs;
};

struct Wishes {
  std::optional<std::string> patient, family, advanceCarePlanning;
};

struct KeyPerson {
  std::string name;
  std::string relationship;
  std::optional<std::string> phone;
};

struct Family {
  std::optional<std::string> structure;
  std::optional<bool> livesAlone;
  std::optional<KeyPerson> keyPerson;
};

struct ServiceUse {
  std::string name;
  std::optional<std::string> provider, frequency;
};

struct CareManager {
  std::string name, office;
  std::optional<std::string> officeNumber;  ///< 介護保険事業所番号
  std::optional<std::string> phone;
};

struct Doctor {
  std::string name, institution;
  std::optional<std::string> institutionCode;  ///< 医療機関コード
  std::optional<std::string> phone;
};

struct Hospital {
  std::string institution;
  std::optional<std::string> institutionCode, ward, contactPerson, phone;
};

struct Contacts {
  std::optional<CareManager> careManager;
  std::optional<Doctor> attendingDoctor;
  std::optional<Hospital> hospital;
};

struct AdmissionDetails {
  std::optional<std::string> lifeHistory, livingEnvironment, sleep, communication, mentalSymptoms;
  std::optional<bool> wishToAccompanyHomeVisit;
  std::vector<std::string> enclosedCarePlanTables;  ///< "1", "2", "3"
};

struct Interview {
  Date on;
  std::string interviewee;
  std::string profession;  ///< profession
};

struct DischargeDetails {
  std::optional<std::string> causeDisease;
  std::optional<std::string> careLevelBefore;  ///< care-level
  std::optional<std::string> medicalFollowUp;  ///< medical-follow-up
  std::optional<std::string> disposition;      ///< discharge-disposition
  std::optional<std::string> courseAndTreatment, explanationAndWishes, nursingView,
      rehabilitationView, contraindications, prognosis, homeReturnRequirements;
  std::optional<Interview> interview;
};

struct LiaisonSheet {
  SheetKind kind = SheetKind::Discharge;
  std::string sheetId;
  SheetDates dates;
  Patient patient;
  std::optional<Insurance> insurance;
  std::optional<Independence> independence;
  std::optional<Adl> adl;
  std::optional<Nutrition> nutrition;
  std::optional<Elimination> elimination;
  std::optional<std::string> paralysis;  ///< paralysis
  std::optional<PressureUlcer> pressureUlcer;
  std::vector<MedicalProcedure> medicalProcedures;
  std::vector<Diagnosis> diagnoses;
  std::optional<Medication> medication;
  std::optional<Wishes> wishes;
  std::optional<Family> family;
  std::vector<ServiceUse> servicesBeforeAdmission;
  std::optional<Contacts> contacts;
  std::optional<AdmissionDetails> admission;
  std::optional<DischargeDetails> discharge;
  std::optional<std::string> notes;
  std::vector<Attachment> attachments;
};

// ---- field descriptions, in schema order ----

template <class V>
void describe(V& v, SheetDates& x) {
  v.date("recordedOn", x.recordedOn);
  v.date("admittedOn", x.admittedOn);
  v.date("plannedDischargeOn", x.plannedDischargeOn);
  v.date("providedOn", x.providedOn);
}

template <class V>
void describe(V& v, Patient& x) {
  v.text("nameKanji", x.nameKanji);
  v.text("nameKana", x.nameKana);
  v.code("sex", x.sex, "sex");
  v.date("birthDate", x.birthDate);
  v.text("postalCode", x.postalCode);
  v.text("address", x.address);
  v.text("municipalityCode", x.municipalityCode);
  v.text("phone", x.phone);
}

template <class V>
void describe(V& v, Insurance& x) {
  v.text("insurerNumber", x.insurerNumber);
  v.text("insuredNumber", x.insuredNumber);
  v.code("careLevel", x.careLevel, "care-level");
  v.code("certificationStatus", x.certificationStatus, "certification-status");
  v.child("certificationPeriod", x.certificationPeriod);
  v.code("burdenRatio", x.burdenRatio, "burden-ratio");
}

template <class V>
void describe(V& v, Independence& x) {
  v.code("disability", x.disability, "disability-independence");
  v.code("dementia", x.dementia, "dementia-independence");
}

template <class V>
void describe(V& v, Adl& x) {
  v.code("mobility", x.mobility, "adl-level");
  v.code("transfer", x.transfer, "adl-level");
  v.code("dressing", x.dressing, "adl-level");
  v.code("grooming", x.grooming, "adl-level");
  v.code("bathing", x.bathing, "adl-level");
  v.code("eating", x.eating, "adl-level");
  v.code("urination", x.urination, "adl-level");
  v.code("defecation", x.defecation, "adl-level");
  v.code("risingAndSitting", x.risingAndSitting, "adl-level");
  v.code("mobilityAid", x.mobilityAid, "mobility-aid");
}

template <class V>
void describe(V& v, Nutrition& x) {
  v.text("mealsPerDay", x.mealsPerDay);
  v.code("mealForm", x.mealForm, "meal-form");
  v.code("intakeMethod", x.intakeMethod, "intake-method");
  v.boolean("thickenedFluids", x.thickenedFluids);
  v.code("dietRestriction", x.dietRestriction, "restriction");
  v.text("dietRestrictionNote", x.dietRestrictionNote);
  v.code("swallowing", x.swallowing, "swallowing");
  v.code("denture", x.denture, "denture");
  v.code("oralHygiene", x.oralHygiene, "oral-hygiene");
}

template <class V>
void describe(V& v, Elimination& x) {
  v.code("portableToilet", x.portableToilet, "portable-toilet");
  v.text("note", x.note);
}

template <class V>
void describe(V& v, PressureUlcer& x) {
  v.boolean("present", x.present);
  v.text("note", x.note);
}

template <class V>
void describe(V& v, MedicalProcedure& x) {
  v.code("code", x.code, "medical-procedure");
  v.text("note", x.note);
}

template <class V>
void describe(V& v, Diagnosis& x) {
  v.text("name", x.name);
  v.text("icd10", x.icd10);
  v.date("onsetDate", x.onsetDate);
}

template <class V>
void describe(V& v, Drug& x) {
  v.text("name", x.name);
  v.text("dosage", x.dosage);
}

template <class V>
void describe(V& v, Medication& x) {
  v.code("manager", x.manager, "medication-manager");
  v.code("status", x.status, "medication-status");
  v.child("drug", x.drugs);
}

template <class V>
void describe(V& v, Wishes& x) {
  v.text("patient", x.patient);
  v.text("family", x.family);
  v.text("advanceCarePlanning", x.advanceCarePlanning);
}

template <class V>
void describe(V& v, KeyPerson& x) {
  v.text("name", x.name);
  v.text("relationship", x.relationship);
  v.text("phone", x.phone);
}

template <class V>
void describe(V& v, Family& x) {
  v.text("structure", x.structure);
  v.boolean("livesAlone", x.livesAlone);
  v.child("keyPerson", x.keyPerson);
}

template <class V>
void describe(V& v, ServiceUse& x) {
  v.text("name", x.name);
  v.text("provider", x.provider);
  v.text("frequency", x.frequency);
}

template <class V>
void describe(V& v, CareManager& x) {
  v.text("name", x.name);
  v.text("office", x.office);
  v.text("officeNumber", x.officeNumber);
  v.text("phone", x.phone);
}

template <class V>
void describe(V& v, Doctor& x) {
  v.text("name", x.name);
  v.text("institution", x.institution);
  v.text("institutionCode", x.institutionCode);
  v.text("phone", x.phone);
}

template <class V>
void describe(V& v, Hospital& x) {
  v.text("institution", x.institution);
  v.text("institutionCode", x.institutionCode);
  v.text("ward", x.ward);
  v.text("contactPerson", x.contactPerson);
  v.text("phone", x.phone);
}

template <class V>
void describe(V& v, Contacts& x) {
  v.child("careManager", x.careManager);
  v.child("attendingDoctor", x.attendingDoctor);
  v.child("hospital", x.hospital);
}

template <class V>
void describe(V& v, AdmissionDetails& x) {
  v.text("lifeHistory", x.lifeHistory);
  v.text("livingEnvironment", x.livingEnvironment);
  v.text("sleep", x.sleep);
  v.text("communication", x.communication);
  v.text("mentalSymptoms", x.mentalSymptoms);
  v.boolean("wishToAccompanyHomeVisit", x.wishToAccompanyHomeVisit);
  v.texts("enclosedCarePlanTable", x.enclosedCarePlanTables);
}

template <class V>
void describe(V& v, Interview& x) {
  v.date("on", x.on);
  v.text("interviewee", x.interviewee);
  v.code("profession", x.profession, "profession");
}

template <class V>
void describe(V& v, DischargeDetails& x) {
  v.text("causeDisease", x.causeDisease);
  v.code("careLevelBefore", x.careLevelBefore, "care-level");
  v.code("medicalFollowUp", x.medicalFollowUp, "medical-follow-up");
  v.code("disposition", x.disposition, "discharge-disposition");
  v.text("courseAndTreatment", x.courseAndTreatment);
  v.text("explanationAndWishes", x.explanationAndWishes);
  v.text("nursingView", x.nursingView);
  v.text("rehabilitationView", x.rehabilitationView);
  v.text("contraindications", x.contraindications);
  v.text("prognosis", x.prognosis);
  v.text("homeReturnRequirements", x.homeReturnRequirements);
  v.child("interview", x.interview);
}

template <class V>
void describe(V& v, LiaisonSheet& x) {
  v.text("sheetId", x.sheetId);
  v.child("dates", x.dates);
  v.child("patient", x.patient);
  v.child("insurance", x.insurance);
  v.child("independence", x.independence);
  v.child("adl", x.adl);
  v.child("nutrition", x.nutrition);
  v.child("elimination", x.elimination);
  v.code("paralysis", x.paralysis, "paralysis");
  v.child("pressureUlcer", x.pressureUlcer);
  v.child("medicalProcedure", x.medicalProcedures);
  v.child("diagnosis", x.diagnoses);
  v.child("medication", x.medication);
  v.child("wishes", x.wishes);
  v.child("family", x.family);
  v.child("serviceBeforeAdmission", x.servicesBeforeAdmission);
  v.child("contacts", x.contacts);
  v.child("admission", x.admission);
  v.child("discharge", x.discharge);
  v.text("notes", x.notes);
  v.child("attachment", x.attachments);
}

}  // namespace tsunagi::mapping
