// nmap XML (`nmap -p PORTS --script ssl-cert -oX FILE`): per <host>, its <address addr= addrtype="ipv4|ipv6"/>
// and per <port portid=...>, the ssl-cert script's <elem key="pem"> (nmap scripts/ssl-cert.nse). nmap gives the
// leaf only, and no serial (the subject's "serialNumber" is a name attribute, not the serial). Read with
// libxml2's streaming reader: one node at a time, whatever the file's size.
#include <libxml/xmlreader.h>

#include <cstring>
#include <memory>

#include "audit/scan_input.hpp"

namespace certdoctor::audit {
namespace {

struct ReaderFree {
  void operator()(xmlTextReader* r) const { xmlFreeTextReader(r); }
};

std::string attribute(xmlTextReader* r, const char* name) {
  xmlChar* v = xmlTextReaderGetAttribute(r, reinterpret_cast<const xmlChar*>(name));
  if (!v) return {};
  std::string s(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return s;
}

bool is(const xmlChar* name, const char* want) {
  return name && std::strcmp(reinterpret_cast<const char*>(name), want) == 0;
}

int read_stream(void* context, char* buffer, int len) {
  auto* in = static_cast<std::istream*>(context);
  in->read(buffer, len);
  return static_cast<int>(in->gcount());
}

}  // namespace

void read_nmap(std::istream& in, const ScanContext& ctx) {
  // No network access, no entity expansion, no DTD loading: the file is data.
  std::unique_ptr<xmlTextReader, ReaderFree> reader(
      xmlReaderForIO(read_stream, nullptr, &in, nullptr, nullptr, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                                      XML_PARSE_NOWARNING | XML_PARSE_HUGE));
  if (!reader) throw ScanError(ctx.source + ": cannot start reading nmap XML");
  xmlTextReader* r = reader.get();

  std::string address, portid, pem, state;
  bool in_ssl_cert = false, in_port = false;
  int rc;
  while ((rc = xmlTextReaderRead(r)) == 1) {
    const int type = xmlTextReaderNodeType(r);
    const xmlChar* name = xmlTextReaderConstLocalName(r);
    if (type == XML_READER_TYPE_ELEMENT) {
      const bool empty = xmlTextReaderIsEmptyElement(r);
      if (is(name, "host")) {
        address.clear();
      } else if (is(name, "address")) {
        std::string type_attr = attribute(r, "addrtype");
        if (type_attr == "ipv4" || type_attr == "ipv6") address = attribute(r, "addr");
      } else if (is(name, "port") && !empty) {
        in_port = true;
        portid = attribute(r, "portid");
        pem.clear();
        state.clear();
      } else if (is(name, "state") && in_port) {
        state = attribute(r, "state");
      } else if (is(name, "script") && in_port && !empty) {
        in_ssl_cert = attribute(r, "id") == "ssl-cert";
      } else if (is(name, "elem") && in_ssl_cert && attribute(r, "key") == "pem" && !empty) {
        xmlChar* text = xmlTextReaderReadString(r);
        if (text) {
          pem = reinterpret_cast<const char*>(text);
          xmlFree(text);
        }
      }
    } else if (type == XML_READER_TYPE_END_ELEMENT) {
      if (is(name, "script")) {
        in_ssl_cert = false;
      } else if (is(name, "port") && in_port) {
        in_port = false;
        // Only ports where ssl-cert ran say anything about certificates; the others are not ours to judge.
        if (pem.empty()) continue;
        Observation o;
        o.source = "nmap";
        o.host = address;
        unsigned long port = std::strtoul(portid.c_str(), nullptr, 10);
        if (address.empty() || port == 0 || port > 65535) {
          throw ScanError(ctx.source + ": an nmap <port> with a certificate but no address or port number");
        }
        o.port = static_cast<std::uint16_t>(port);
        o.chain_der = pem_certificates(pem);
        if (o.chain_der.empty()) {
          o.failure = Finding{Condition::handshake_failed, {{"host_port", endpoint_name(o.host, o.port)},
                                                   {"detail", "nmap's ssl-cert output holds no readable certificate"}}};
        }
        ctx.sink(std::move(o));
      }
    }
  }
  if (rc < 0) {
    const xmlError* e = xmlGetLastError();
    throw ScanError(ctx.source + ": not valid nmap XML" +
                    (e && e->message ? std::string(" (line ") + std::to_string(e->line) + ": " + e->message + ")" : ""));
  }
}

}  // namespace certdoctor::audit
