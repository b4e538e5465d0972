#!/usr/bin/env python3
"""Times real Helm (helm_python, Helm v4.2.3) rendering corpus charts, for the corpus speed
comparison (examples/corpus_speed.rs) and the corpus render benchmark (benches/corpus_render.rs).

usage: corpus_speed_helm.py ITERATIONS < cases
Reads JSON lines {"chart": path to .tgz or dir, "values_file": path or null}. For each case the
chart is loaded once and the values file is read by Helm (values_from_yaml, the -f path); after
one warm-up render, ITERATIONS renders are timed (release "rel" in namespace "ns"; Helm parses
every template on each render, so this is its cheapest path). Writes one JSON line per case,
{"median_ms": float, "rendered": {file: text}, "unstable": [files]} or {"error": Helm's message}
("rendered" is the warm-up render; "unstable" lists the files the last render changed, that is
random content such as generated passwords and certificates), then a final line
{"rss_baseline_kib": int, "rss_peak_kib": int}: this process's peak resident set (ru_maxrss, KiB
on Linux) right after importing helm_python (interpreter and Go runtime) and at the end."""
import json, resource, statistics, sys, time

import helm_python as helm

baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
iterations = int(sys.argv[1])


def time_case(case):
    try:
        values = {}
        if case.get("values_file"):
            with open(case["values_file"]) as f:
                values = helm.values_from_yaml(f.read())
        with helm.Chart.load(case["chart"]) as chart:
            rendered = last = chart.render(values, name="rel", namespace="ns")
            samples = []
            for _ in range(iterations):
                start = time.perf_counter()
                last = chart.render(values, name="rel", namespace="ns")
                samples.append(time.perf_counter() - start)
        unstable = sorted(k for k in rendered.keys() | last.keys() if rendered.get(k) != last.get(k))
        return {"median_ms": statistics.median(samples) * 1000, "rendered": rendered,
                "unstable": unstable}
    except Exception as e:  # Helm's error arrives as the exception text
        return {"error": str(e)}


for line in sys.stdin:
    if line.strip():
        print(json.dumps(time_case(json.loads(line))), flush=True)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"rss_baseline_kib": baseline, "rss_peak_kib": peak}), flush=True)
