#!/usr/bin/python3
# Parses OpenMetrics text (stdin) with the Prometheus project's own Python client (Debian's
# python3-prometheus-client), the strict parser of the format, and prints its families as JSON for a test to
# compare: {"family": {"type": ..., "unit": ..., "samples": [{"name": ..., "labels": {...}, "value": ...}]}}.
# A document the parser refuses exits 1 with its reason on stderr.
import json
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families

try:
    families = {}
    for family in text_string_to_metric_families(sys.stdin.read()):
        families[family.name] = {
            "type": family.type,
            "unit": family.unit,
            "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in family.samples],
        }
except Exception as error:  # the parser raises ValueError and others for what it refuses
    print(f"not OpenMetrics: {error}", file=sys.stderr)
    sys.exit(1)
json.dump(families, sys.stdout)
