#include "gateway/channels/kintone/kintone_client.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/URI.h>
#include <sys/stat.h>

#include <cctype>
#include <cstdio>
#include <stdexcept>

#include "gateway/channels/kintone/kintone_rest.hpp"
#include "gateway/exchange/tls.hpp"
#include "gateway/net/http_message.hpp"
#include "mapping/files.hpp"

namespace tsunagi::channels {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxTokenFileBytes = 64u * 1024u;

bool tokenCharacter(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == '~' || c == '+' || c == '/' || c == '=';
}

}  // namespace

std::string readApiToken(const fs::path& file) {
  const std::string where = "API token file " + file.string();
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) throw std::runtime_error(where + " does not exist");
  if (!S_ISREG(st.st_mode)) throw std::runtime_error(where + " is not a regular file");
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw std::runtime_error(where + " may be read or written by group or others (mode " + mode +
                             "); make it readable by the node's user only (chmod 600)");
  }
  std::string bytes;
  try {
    bytes = mapping::readWholeFile(file, kMaxTokenFileBytes);
  } catch (const mapping::FileReadError& e) {
    throw std::runtime_error(where + (e.reason() == mapping::FileReadError::Reason::TooLarge
                                          ? " is too large"
                                          : " cannot be read (permissions?)"));
  }
  std::string joined, token;
  int line = 1;
  const auto flush = [&] {
    if (token.empty()) return;
    joined += (joined.empty() ? "" : ",") + token;
    token.clear();
  };
  for (const char c : bytes) {
    if (c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      flush();
      if (c == '\n') ++line;
    } else if (tokenCharacter(c)) {
      token += c;
    } else {
      throw std::runtime_error(where + ", line " + std::to_string(line) +
                               ": a character that is not part of an API token");
    }
  }
  flush();
  if (joined.empty()) throw std::runtime_error(where + " is empty");
  return joined;
}

KintoneClient::KintoneClient(KintoneOptions options) : options_(std::move(options)) {
  exchange::ClientTlsOptions tls;
  tls.host = Poco::URI(options_.baseUrl).getHost();
  if (!options_.caCertificate.empty()) tls.caFiles.push_back(options_.caCertificate);
  try {
    context_ = exchange::makeTlsClientContext(tls);
  } catch (const crypto::CryptoError& e) {
    throw std::runtime_error("kintone " + options_.baseUrl + ": TLS: " + e.what());
  }
}

KintoneReply KintoneClient::request(const std::string& method, const std::string& pathAndQuery,
                                    const std::string* body) const {
  KintoneReply reply;
  std::string token;
  try {
    token = readApiToken(options_.tokenFile);
  } catch (const std::exception& e) {
    reply.failure = "token-file";
    reply.error = e.what();
    return reply;
  }
  try {
    const Poco::URI base(options_.baseUrl);
    Poco::Net::HTTPSClientSession session(base.getHost(), base.getPort(), context_);
    session.setTimeout(Poco::Timespan(options_.timeout.count(), 0));
    std::string prefix = base.getPath();
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    Poco::Net::HTTPRequest request(method, prefix + pathAndQuery, Poco::Net::HTTPMessage::HTTP_1_1);
    request.set(kintone::kApiTokenHeader, token);
    if (body) {
      request.setContentType("application/json");
      request.setContentLength(static_cast<std::streamsize>(body->size()));
      session.sendRequest(request) << *body;
    } else {
      session.sendRequest(request);
    }
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    auto answer = net::readBoundedBody(in, kintone::kMaxAnswerBytes);
    if (!answer) {
      reply.failure = "connection";
      reply.error = "the answer is larger than " + std::to_string(kintone::kMaxAnswerBytes) + " bytes";
      return reply;
    }
    reply.body = std::move(*answer);
    reply.status = response.getStatus();
  } catch (const Poco::Exception& e) {
    reply.status = 0;
    reply.failure = "connection";
    reply.error = e.displayText();
  }
  return reply;
}

KintoneReply KintoneClient::getRecords(const std::string& app, const std::string& query) const {
  Poco::URI target("/k/v1/records.json");
  target.addQueryParameter("app", app);
  target.addQueryParameter("query", query);
  return request(Poco::Net::HTTPRequest::HTTP_GET, target.getPathEtc(), nullptr);
}

KintoneReply KintoneClient::writeRecords(const std::string& method, const std::string& body) const {
  return request(method, "/k/v1/records.json", &body);
}

}  // namespace tsunagi::channels
