#!/usr/bin/env python3
"""Times real Helm (helm_python, Helm v4.2.3) rendering a chart, for the engine benchmark's ratio.
usage: helm_render_timing.py CHART_DIR VALUES_JSON ITERATIONS
Prints one JSON object: {"median_ms": ..., "rendered": {file: text}} (the chart loaded once, as
the operator keeps parsed charts; release "rel" in namespace "ns")."""
import json, statistics, sys, time

import helm_python as helm

chart_dir, values_path, iterations = sys.argv[1], sys.argv[2], int(sys.argv[3])
values = json.load(open(values_path))
with helm.Chart.load(chart_dir) as chart:
    rendered = chart.render(values, name="rel", namespace="ns")
    for _ in range(min(20, iterations)):
        chart.render(values, name="rel", namespace="ns")
    samples = []
    for _ in range(iterations):
        start = time.perf_counter()
        chart.render(values, name="rel", namespace="ns")
        samples.append(time.perf_counter() - start)
print(json.dumps({"median_ms": statistics.median(samples) * 1000, "rendered": rendered}))
