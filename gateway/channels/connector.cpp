#include "gateway/channels/connector.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

namespace tsunagi::channels {

namespace fs = std::filesystem;

std::vector<exchange::LocalOutcome> EachDocumentConnector::deliver(
    const std::vector<OutboundDocument>& documents) {
  std::vector<exchange::LocalOutcome> out(documents.size());
  for (std::size_t i = 0; i < documents.size(); ++i) {
    try {
      out[i].where = deliverOne(documents[i]);
    } catch (const exchange::LocalDeliveryError& e) {
      out[i].error = e;
    }
  }
  return out;
}

std::string outboundFileName(const store::ClaimedInbound& message,
                             const std::string& suggestedName) {
  std::string extension = fs::path(suggestedName).extension().string();
  const bool plain = !extension.empty() && extension.size() <= 10 &&
                     std::all_of(extension.begin() + 1, extension.end(), [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c));
                     });
  return message.sender + "_" + message.messageId + (plain ? extension : std::string(".dat"));
}

int ConnectorElement::integer(const char* name, int fallback) const {
  return static_cast<int>(number(name, fallback, std::numeric_limits<int>::min(),
                                 std::numeric_limits<int>::max()));
}

}  // namespace tsunagi::channels
