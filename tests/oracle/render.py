#!/usr/bin/env python3
"""Renders template snippets with real Helm (helm_python, Helm v4.2.3), for the engine's
differential tests. Reads JSON lines {"template": str, "values": obj, "files": {name: str}?}
from stdin; writes one JSON line per case: {"ok": rendered text} or {"error": Helm's message}.
Each case is a one-template chart named "c" rendered as release "rel" in namespace "ns"."""
import json, os, shutil, sys, tempfile

import helm_python as helm

def render(case, workdir, index):
    chart = os.path.join(workdir, f"case{index}", "c")
    os.makedirs(os.path.join(chart, "templates"))
    with open(os.path.join(chart, "Chart.yaml"), "w") as f:
        f.write("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    with open(os.path.join(chart, "templates", "t.yaml"), "w") as f:
        f.write(case["template"])
    for name, text in (case.get("files") or {}).items():
        path = os.path.join(chart, "templates", name)
        with open(path, "w") as f:
            f.write(text)
    try:
        with helm.Chart.load(chart) as c:
            out = c.render(case.get("values") or {}, name="rel", namespace="ns")
        return {"ok": out.get("c/templates/t.yaml", "")}
    except Exception as e:  # Helm's error arrives as the exception text
        return {"error": str(e)}
    finally:
        shutil.rmtree(os.path.dirname(chart), ignore_errors=True)

def main():
    workdir = tempfile.mkdtemp(prefix="engine-oracle-")
    try:
        for i, line in enumerate(sys.stdin):
            if line.strip():
                print(json.dumps(render(json.loads(line), workdir, i)), flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

if __name__ == "__main__":
    main()
