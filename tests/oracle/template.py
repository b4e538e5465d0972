#!/usr/bin/env python3
"""Real Helm (helm_python, Helm v4.2.3) for the `helm-operator template` tests.

Reads JSON lines {"mode": "render"|"install", "chart": path, "name", "namespace", "files": [...],
"set": [...], "set_string": [...], "set_json": [...], "set_file": [...], "set_literal": [...]}.
The user values are built with Helm's own parsers (values_from_yaml for each -f file, the
parse_set_* functions for the --set family), merged in Helm's flag order with Helm's MergeMaps
rule (maps merge recursively, anything else is replaced). "render" answers Chart.render's render
map; "install" answers a client-only dry-run install's manifest and notes (what `helm template`
prints comes from that release). Each answer is {"ok": ...} or {"error": Helm's message}.

helm_python hands values to Go as JSON, so integers reach Helm as float64 here, where
`helm template --set n=1` gives int64: cases that print large --set integers cannot use this oracle.
"""
import json, sys

import helm_python as helm


def merge(a, b):
    out = dict(a)
    for k, v in b.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = v
    return out


def user_values(case):
    values = {}
    for path in case.get("files", []):
        with open(path) as f:
            values = merge(values, helm.values_from_yaml(f.read()) or {})
    for expr in case.get("set_json", []):
        # MergeValues reads a whole JSON object itself, and key=value forms with strvals
        if expr.strip().startswith("{"):
            values = merge(values, json.loads(expr))
        else:
            values = merge(values, helm.parse_set_json(expr))
    for flag, parse in [("set", helm.parse_set_string),
                        ("set_string", helm.parse_set_string_values),
                        ("set_file", helm.parse_set_file), ("set_literal", helm.parse_set_literal)]:
        for expr in case.get(flag, []):
            values = merge(values, parse(expr))
    return values


def answer(case):
    try:
        values = user_values(case)
        if case["mode"] == "render":
            with helm.Chart.load(case["chart"]) as chart:
                return {"ok": chart.render(values, name=case["name"], namespace=case["namespace"])}
        cfg = helm.Config(storage_driver="memory", kube_apiserver="http://127.0.0.1:9")
        try:
            rel = cfg.install(case["chart"], case["name"], values, dry_run="client",
                              namespace=case["namespace"])
        finally:
            cfg.close()
        return {"ok": {"manifest": rel["manifest"], "notes": rel.get("notes", "")}}
    except Exception as e:  # Helm's error arrives as the exception text
        return {"error": str(e)}


for line in sys.stdin:
    if line.strip():
        print(json.dumps(answer(json.loads(line))), flush=True)
