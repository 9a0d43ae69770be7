#include "gateway/channels/http/http_endpoint.hpp"

#include "gateway/exchange/problem.hpp"
#include "mapping/json/writer.hpp"

namespace tsunagi::channels {

HttpEndpoint::HttpEndpoint(InputHandler& channel)
    : channel_(channel), options_(channel.options().connector.as<HttpOptions>()) {}

std::vector<std::string> HttpEndpoint::mediaTypes() const {
  const std::string& adapter = channel_.options().adapter;
  const std::string base = adapter.substr(0, adapter.find(':'));
  if (base == "fhir_jp") return {"application/fhir+json", "application/json"};
  if (base == "liaison_xml") return {"application/xml", "text/xml"};
  if (base == "ssmix2") return {"x-application/hl7-v2+er7", "application/hl7-v2", "text/plain"};
  if (base == "room_csv" || base == "careplan_csv") return {"text/csv"};
  if (base == "kintone") return {"application/json"};
  return {"application/octet-stream"};
}

net::HttpResponse HttpEndpoint::post(const std::string& body, const std::string& contentType) {
  const std::string& name = channel_.options().name;
  InboundResult result =
      channel_.accept(adapters::LocalInput{body, "http:" + name, {{"contentType", contentType}}});
  switch (result.status) {
    case InboundResult::Status::Accepted: {
      std::string json = R"({"channel":")" + mapping::json::jsonEscape(name) + R"(","documents":)" +
                         std::to_string(result.documents) + R"(,"messages":[)";
      for (std::size_t i = 0; i < result.messages.size(); ++i) {
        if (i) json += ',';
        json += R"({"peer":")" + result.messages[i].peer + R"(","messageId":")" +
                result.messages[i].messageId + R"("})";
      }
      json += R"(],"losses":)" + result.losses.json() + "}";
      return {202, "application/json", json, {}, false};
    }
    case InboundResult::Status::Rejected: {
      return exchange::Problem{422, "urn:tsunagi:problem:" + result.code,
                               result.code == "input-invalid" ? "The input cannot be translated"
                                                              : "The document cannot be sent",
                               result.reason}
          .reply();
    }
    case InboundResult::Status::Unavailable: {
      return exchange::problems::storageUnavailable(result.reason).reply();
    }
  }
  return {500, "text/plain", "", {}, false};
}

}  // namespace tsunagi::channels
