#!/usr/bin/env python3
"""Writes the zgrab2 and sslyze fixtures of tests/data/audit from the certificates beside this script.

Neither zgrab2 nor sslyze is packaged in Debian 12, so these two files are NOT produced by the tools: they are
written from the tools' published output schemas (zgrab2's zgrab2_schemas for the tls module; sslyze's
certificate_info JSON output), with only the fields certdoctor reads plus a few around them, and marked as such
inside ("written_from_schema"). Re-run after changing a certificate:  python3 make-schema-fixtures.py
"""
import base64
import json
import pathlib
import re
import ssl

here = pathlib.Path(__file__).parent


def der(name):
    return ssl.PEM_cert_to_DER_cert((here / name).read_text())


def pem(name):
    return (here / name).read_text()


def zgrab2_record(ip, port, leaf, chain=(), version="TLSv1.2"):
    return {
        "ip": ip,
        "data": {
            "tls": {
                "status": "success",
                "protocol": "tls",
                "port": port,
                "result": {
                    "handshake_log": {
                        "server_hello": {"version": {"name": version, "value": 771},
                                          "cipher_suite": {"name": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "hex": "0xC02F"}},
                        "server_certificates": {
                            "certificate": {"raw": base64.b64encode(der(leaf)).decode(),
                                            # zgrab2 prints the serial in decimal; certdoctor never reads it
                                            "parsed": {"serial_number": "1"}},
                            "chain": [{"raw": base64.b64encode(der(c)).decode()} for c in chain],
                        },
                    }
                },
                "timestamp": "2026-12-02T13:00:00Z",
            }
        },
    }


records = [
    zgrab2_record("192.0.2.10", 443, "twin1.pem"),
    zgrab2_record("192.0.2.11", 443, "twin2.pem"),
    zgrab2_record("2001:db8::12", 8443, "unique.pem", version="TLSv1.0"),
    # One IOS switch seen before and after it re-made its certificate (a scan of two days, merged).
    zgrab2_record("192.0.2.20", 443, "ios-before.pem"),
    zgrab2_record("192.0.2.20", 443, "ios-after.pem"),
    # Printed alike (CN=Printable Twin, serial 07), but the names differ as bytes: no collision.
    zgrab2_record("192.0.2.30", 443, "printable-name.pem"),
    zgrab2_record("192.0.2.31", 443, "utf8-name.pem"),
    {"ip": "192.0.2.40", "data": {"tls": {"status": "connection-timeout", "protocol": "tls", "port": 443,
                                          "error": "dial tcp 192.0.2.40:443: i/o timeout"}}},
]
with open(here / "zgrab2-fleet.jsonl", "w") as f:
    for r in records:
        f.write(json.dumps(r) + "\n")


def sslyze_chain(*names):
    out = []
    for n in names:
        text = pem(n)
        serial = 16 if n.startswith("nas") else 2**100 + 12345  # a JSON integer beyond 64 bits, as sslyze writes
        out.append({"as_pem": text, "serial_number": serial})
    return out


def sslyze_server(host, ip, port, *names):
    return {
        "server_location": {"hostname": host, "port": port, "ip_address": ip, "connection_type": "DIRECT"},
        "scan_status": "COMPLETED",
        "connectivity_status": "COMPLETED",
        "scan_result": {"certificate_info": {"status": "COMPLETED", "result": {
            "hostname_used_for_server_name_indication": host,
            "certificate_deployments": [{"received_certificate_chain": sslyze_chain(*names),
                                         "leaf_certificate_subject_matches_hostname": True}]}}},
    }


sslyze = {
    "written_from_schema": "sslyze --json_out shape (certificate_info); not produced by sslyze",
    "sslyze_version": "5.2.0",
    "date_scans_started": "2026-12-02T13:00:00",
    "server_scan_results": [
        sslyze_server("nas-1.example.test", "192.0.2.50", 443, "nas-1.pem", "internal-ca.pem"),
        sslyze_server("nas-2.example.test", "192.0.2.51", 443, "nas-2.pem", "internal-ca.pem"),
        {"server_location": {"hostname": "gone.example.test", "port": 443, "ip_address": "192.0.2.52"},
         "scan_status": "ERROR_NO_CONNECTIVITY", "connectivity_status": "ERROR",
         "connectivity_error_trace": "Connection to 192.0.2.52:443 timed out", "scan_result": None},
    ],
}
(here / "sslyze-fleet.json").write_text(json.dumps(sslyze, indent=2) + "\n")
