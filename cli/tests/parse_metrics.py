"""Parses Prometheus/OpenMetrics text from stdin with the reference parser and prints
{family: [[labels, value], ...]} as JSON. Fails (exit 1) on text the parser rejects."""
import json
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families

text = sys.stdin.read()
out = {}
for family in text_string_to_metric_families(text):
    out[family.name] = [[sample.name, sample.labels, sample.value] for sample in family.samples]
print(json.dumps(out))
