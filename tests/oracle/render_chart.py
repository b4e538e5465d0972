#!/usr/bin/env python3
"""Renders charts with real Helm (helm_python, Helm v4.2.3) for the corpus conformance run.
Reads JSON lines {"chart": path to .tgz or dir, "values_file": path or null}; writes one JSON line
per chart: {"ok": {file: text}, "ms": render milliseconds} or {"error": Helm's message}. Each chart
renders as release "rel" in namespace "ns" with Helm's default capabilities; values files are read
by Helm itself (values_from_yaml, the -f path)."""
import json, sys, time

import helm_python as helm

def render(case):
    try:
        values = {}
        if case.get("values_file"):
            with open(case["values_file"]) as f:
                values = helm.values_from_yaml(f.read())
        with helm.Chart.load(case["chart"]) as chart:
            start = time.perf_counter()
            out = chart.render(values, name="rel", namespace="ns")
            ms = (time.perf_counter() - start) * 1000
        return {"ok": out, "ms": ms}
    except Exception as e:  # Helm's error arrives as the exception text
        return {"error": str(e)}

for line in sys.stdin:
    if line.strip():
        print(json.dumps(render(json.loads(line))), flush=True)
