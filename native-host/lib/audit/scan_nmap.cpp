// nmap XML (`nmap -p PORTS --script ssl-cert -oX FILE`): per <host>, its <address addr= addrtype="ipv4|ipv6"/>
// and per <port portid=...>, the ssl-cert script's <elem key="pem"> (nmap scripts/ssl-cert.nse). nmap gives the
// leaf only, and no serial (the subject's "serialNumber" is a name attribute, not the serial).
// Read with expat, a streaming parser: one element at a time, whatever the file's size. (libxml2 did this before;
// it pulls ICU into every start of the program, about 3 ms of each `diagnose` the extension runs.)
#include <expat.h>

#include <cstring>
#include <exception>
#include <memory>
#include <optional>

#include "audit/scan_input.hpp"

namespace certdoctor::audit {
namespace {

struct ParserFree {
  void operator()(XML_ParserStruct* p) const { XML_ParserFree(p); }
};

bool is(const XML_Char* name, const char* want) { return std::strcmp(name, want) == 0; }

// An attribute's value from expat's name/value list, "" when absent.
std::string attribute(const XML_Char** attributes, const char* name) {
  for (const XML_Char** a = attributes; a && a[0]; a += 2) {
    if (is(a[0], name)) return a[1];
  }
  return {};
}

// What has been read so far, element by element; one port's certificate goes to the sink at its </port>.
// Nothing may unwind through expat's C frames: a problem, or an exception from the sink, stops the parser and waits
// here until XML_Parse has returned.
class NmapDocument {
 public:
  NmapDocument(const ScanContext& ctx, XML_Parser parser) : ctx_(ctx), parser_(parser) {}

  void start(const XML_Char* name, const XML_Char** attributes) {
    if (is(name, "host")) {
      address_.clear();
    } else if (is(name, "address")) {
      const std::string type = attribute(attributes, "addrtype");
      if (type == "ipv4" || type == "ipv6") address_ = attribute(attributes, "addr");
    } else if (is(name, "port")) {
      in_port_ = true;
      portid_ = attribute(attributes, "portid");
      pem_.clear();
    } else if (is(name, "script") && in_port_) {
      in_ssl_cert_ = attribute(attributes, "id") == "ssl-cert";
    } else if (is(name, "elem") && in_ssl_cert_ && attribute(attributes, "key") == "pem") {
      in_pem_ = true;
      pem_.clear();
    }
  }

  void end(const XML_Char* name) {
    if (is(name, "elem")) {
      in_pem_ = false;
    } else if (is(name, "script")) {
      in_ssl_cert_ = false;
    } else if (is(name, "port") && in_port_) {
      in_port_ = false;
      // Only ports where ssl-cert ran say anything about certificates; the others are not ours to judge.
      if (!pem_.empty()) emit();
    }
  }

  void text(const XML_Char* s, int len) {
    if (in_pem_) pem_.append(s, static_cast<std::size_t>(len));
  }

  std::optional<std::string> problem;  // set when the document is readable XML but not what nmap writes
  std::exception_ptr thrown;            // what the sink threw

 private:
  void stop() { XML_StopParser(parser_, XML_FALSE); }

  void emit() {
    if (problem || thrown) return;
    Observation o;
    o.source = "nmap";
    o.host = address_;
    const unsigned long port = std::strtoul(portid_.c_str(), nullptr, 10);
    if (address_.empty() || port == 0 || port > 65535) {
      problem = "an nmap <port> with a certificate but no address or port number";
      stop();
      return;
    }
    o.port = static_cast<std::uint16_t>(port);
    o.chain_der = pem_certificates(pem_);
    if (o.chain_der.empty()) {
      o.failure = Finding{Condition::handshake_failed, {{"host_port", endpoint_name(o.host, o.port)},
                                                       {"detail", "nmap's ssl-cert output holds no readable certificate"}}};
    }
    try {
      ctx_.sink(std::move(o));
    } catch (...) {
      thrown = std::current_exception();
      stop();
    }
  }

  const ScanContext& ctx_;
  XML_Parser parser_;
  std::string address_, portid_, pem_;
  bool in_port_ = false, in_ssl_cert_ = false, in_pem_ = false;
};

}  // namespace

void read_nmap(std::istream& in, const ScanContext& ctx) {
  std::unique_ptr<XML_ParserStruct, ParserFree> parser(XML_ParserCreate(nullptr));
  if (!parser) throw ScanError(ctx.source + ": cannot start reading nmap XML");
  XML_Parser p = parser.get();
  // The file is data: no external DTD or parameter entities are read (expat fetches nothing by itself, and limits
  // the expansion of internal entities).
  XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
  NmapDocument doc(ctx, p);
  XML_SetUserData(p, &doc);
  XML_SetElementHandler(
      p, [](void* d, const XML_Char* name, const XML_Char** attributes) { static_cast<NmapDocument*>(d)->start(name, attributes); },
      [](void* d, const XML_Char* name) { static_cast<NmapDocument*>(d)->end(name); });
  XML_SetCharacterDataHandler(p, [](void* d, const XML_Char* s, int len) { static_cast<NmapDocument*>(d)->text(s, len); });

  char buffer[1 << 16];
  for (;;) {
    in.read(buffer, sizeof buffer);
    const std::streamsize n = in.gcount();
    const bool last = n < static_cast<std::streamsize>(sizeof buffer);
    const XML_Status status = XML_Parse(p, buffer, static_cast<int>(n), last ? XML_TRUE : XML_FALSE);
    if (doc.thrown) std::rethrow_exception(doc.thrown);
    if (doc.problem) throw ScanError(ctx.source + ": " + *doc.problem);
    if (status != XML_STATUS_OK) {
      throw ScanError(ctx.source + ": not valid nmap XML (line " + std::to_string(XML_GetCurrentLineNumber(p)) + ": " +
                      XML_ErrorString(XML_GetErrorCode(p)) + ")");
    }
    if (last) return;
  }
}

}  // namespace certdoctor::audit
