#!/usr/bin/env python3
"""Render charts/helm-operator with real Helm (helm_python) into deploy/manifests.yaml.

The plain manifests are the chart's objects with default values, in Helm's install order, plus
the operator's Namespace, so `kubectl apply -f deploy/manifests.yaml` and `helm install` create
the same objects. CRDs stay in crds/ (apply them first).

usage: render-manifests.py [--output FILE] [--namespace NS] [--name RELEASE]
"""
import argparse
import os
import sys

import helm_python as helm
import yaml

# Helm v4's install order (pkg/release/v1/util/kind_sorter.go).
INSTALL_ORDER = [
    "PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
    "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
    "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
    "ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding",
    "RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
    "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
    "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
]

HEADER = """# helm-operator: plain manifests, generated from charts/helm-operator by scripts/render-manifests.py
# (`make manifests`); do not edit by hand. Apply the CRDs first:
#   kubectl apply --server-side -f crds/
#   kubectl apply -f deploy/manifests.yaml
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--output", default="deploy/manifests.yaml")
    ap.add_argument("--namespace", default="ketches")
    ap.add_argument("--name", default="helm-operator")
    ap.add_argument("--chart", default="charts/helm-operator")
    a = ap.parse_args()
    with helm.Chart.load(a.chart) as chart:
        rendered = chart.render({}, name=a.name, namespace=a.namespace)
    docs = [("namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n  labels:\n    app.kubernetes.io/part-of: helm-operator\n" % a.namespace)]
    for path in sorted(rendered):
        if path.endswith("NOTES.txt"):
            continue
        for text in rendered[path].split("\n---"):
            body = text.strip("\n")
            if not body.strip() or yaml.safe_load(body) is None:
                continue
            docs.append((path, body.lstrip("-\n") + "\n"))

    def order(item):
        kind = yaml.safe_load(item[1]).get("kind", "")
        return INSTALL_ORDER.index(kind) if kind in INSTALL_ORDER else len(INSTALL_ORDER)

    docs.sort(key=order)  # stable: within a kind, file order is kept, as Helm does
    out = HEADER + "".join("---\n# Source: %s\n%s" % (path, body) for path, body in docs)
    if a.output == "-":
        sys.stdout.write(out)
    else:
        os.makedirs(os.path.dirname(a.output) or ".", exist_ok=True)
        with open(a.output, "w") as f:
            f.write(out)


if __name__ == "__main__":
    main()
