#pragma once
// The inbound side of the HTTP connector: POST /local/v1/channels/NAME on the node's local
// listener, which reads the request whole (within bodyLimit(), the content type one of
// mediaTypes()) before the endpoint answers it from the channel's InboundResult:
//   202 {"channel","documents","messages":[{"peer","messageId"}],"losses"} once committed;
//   422 problem (urn:tsunagi:problem:input-invalid or the Submitter's code) for input that cannot
//       be sent as it is;
//   503 problem for storage trouble (nothing committed: send it again).

#include <string>
#include <vector>

#include "gateway/channels/connector.hpp"
#include "gateway/channels/http/http_options.hpp"

namespace tsunagi::channels {

class HttpEndpoint : public InboundConnector, public LocalEndpoint {
 public:
  explicit HttpEndpoint(InputHandler& channel);

  LocalEndpoint* localEndpoint() override { return this; }
  std::size_t bodyLimit() const override { return options_.maxBytes; }
  /// The content types of the channel adapter's format (docs/operations.md "Channels").
  std::vector<std::string> mediaTypes() const override;
  net::HttpResponse post(const std::string& body, const std::string& contentType) override;

 private:
  InputHandler& channel_;
  HttpOptions options_;
};

}  // namespace tsunagi::channels
