#!/usr/bin/env python3
"""Structural checks of the Kubernetes manifests in deploy/kubernetes/, with PyYAML only.

No Debian repository ships kubectl or kustomize, so CI cannot count on them. This script
renders each kustomization the simple way (resources, generators, labels, replicas, JSON and
merge patches; no name prefixes/suffixes or hashes) and checks what a cluster and the
Prometheus Operator would reject or silently get wrong: required fields, selectors that select
nothing, probes and mounts that point nowhere, the sidecar's security context.

    python3 deploy/kubernetes/check-manifests.py deploy/kubernetes/base deploy/kubernetes/overlays/standalone
    kubectl kustomize deploy/kubernetes/base | python3 deploy/kubernetes/check-manifests.py --rendered -

Prints one line per problem and exits 1 when there is any.
"""
import copy
import os
import sys

import yaml

problems = []


def problem(where, message):
    problems.append(f"{where}: {message}")


def load_all(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def pointer_parts(path):
    return [p.replace("~1", "/").replace("~0", "~") for p in path.lstrip("/").split("/")]


def json_patch(doc, ops, where):
    for op in ops:
        parts = pointer_parts(op["path"])
        parent = doc
        try:
            for part in parts[:-1]:
                parent = parent[int(part)] if isinstance(parent, list) else parent[part]
            last = parts[-1]
            key = (len(parent) if last == "-" else int(last)) if isinstance(parent, list) else last
            kind = op["op"]
            if kind == "test":
                if parent[key] != op["value"]:
                    problem(where, f"patch test failed at {op['path']}: {parent[key]!r} != {op['value']!r}")
                    return
            elif kind == "remove":
                del parent[key]
            elif kind == "replace":
                parent[key]  # must exist
                parent[key] = op["value"]
            elif kind == "add":
                if isinstance(parent, list):
                    parent.insert(key, op["value"])
                else:
                    parent[key] = op["value"]
            else:
                problem(where, f"unsupported patch op {kind}")
        except (KeyError, IndexError, ValueError, TypeError):
            problem(where, f"patch path {op['path']} does not exist")


def merge(base, patch):
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)


def add_labels(doc, pairs, selectors):
    doc.setdefault("metadata", {}).setdefault("labels", {}).update(pairs)
    if not selectors:
        return
    spec = doc.get("spec", {})
    if doc["kind"] == "Service":
        spec.setdefault("selector", {}).update(pairs)
    elif doc["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "PodDisruptionBudget"):
        spec.setdefault("selector", {}).setdefault("matchLabels", {}).update(pairs)
        if "template" in spec:
            spec["template"].setdefault("metadata", {}).setdefault("labels", {}).update(pairs)


def render(directory):
    """The documents of a kustomization, rendered without name changes."""
    path = os.path.join(directory, "kustomization.yaml")
    if not os.path.isfile(path):
        problem(directory, "no kustomization.yaml")
        return []
    k = load_all(path)[0]
    where = os.path.relpath(path)
    if k.get("kind") != "Kustomization" or not str(k.get("apiVersion", "")).startswith("kustomize.config.k8s.io/"):
        problem(where, "not a kustomize.config.k8s.io Kustomization")
    docs = []
    for resource in k.get("resources", []):
        full = os.path.normpath(os.path.join(directory, resource))
        if os.path.isdir(full):
            docs += render(full)
        elif os.path.isfile(full):
            docs += load_all(full)
        else:
            problem(where, f"resource {resource} does not exist")
    for kind, key in (("ConfigMap", "configMapGenerator"), ("Secret", "secretGenerator")):
        for generator in k.get(key, []):
            data = {}
            for entry in generator.get("files", []):
                name, _, file = entry.partition("=") if "=" in entry else (os.path.basename(entry), "", entry)
                full = os.path.join(directory, file)
                if not os.path.isfile(full):
                    problem(where, f"{key} {generator['name']}: file {file} does not exist")
                data[name] = "<file>"
            if generator.get("behavior") in ("replace", "merge"):
                continue
            docs.append({"apiVersion": "v1", "kind": kind, "metadata": {"name": generator["name"]}, "data": data})
    for entry in k.get("labels", []):
        for doc in docs:
            add_labels(doc, entry.get("pairs", {}), entry.get("includeSelectors", False))
    for entry in k.get("replicas", []):
        targets = [d for d in docs if d.get("metadata", {}).get("name") == entry["name"] and "replicas" in d.get("spec", {})]
        if not targets:
            problem(where, f"replicas: no workload named {entry['name']}")
        for doc in targets:
            doc["spec"]["replicas"] = entry["count"]
    for patch in k.get("patches", []):
        target = patch.get("target", {})
        body = patch.get("patch") or open(os.path.join(directory, patch["path"]), encoding="utf-8").read()
        parsed = yaml.safe_load(body)
        if not target and isinstance(parsed, dict):
            target = {"kind": parsed.get("kind"), "name": parsed.get("metadata", {}).get("name")}
        matches = [d for d in docs if all(d.get(f) == v if f == "kind" else d.get("metadata", {}).get(f) == v
                                          for f, v in target.items() if f in ("kind", "name"))]
        if not matches:
            problem(where, f"patch target {target} matches no resource")
        for doc in matches:
            if isinstance(parsed, list):
                json_patch(doc, parsed, where)
            else:
                merge(doc, parsed)
    for image in k.get("images", []):
        for doc in docs:
            for c in pod_spec(doc).get("containers", []) if pod_spec(doc) else []:
                if c.get("image", "").split(":")[0] == image["name"]:
                    c["image"] = f"{image.get('newName', image['name'])}:{image.get('newTag', 'latest')}"
    return docs


def pod_spec(doc):
    return doc.get("spec", {}).get("template", {}).get("spec") if doc.get("kind") in ("Deployment", "StatefulSet", "DaemonSet") else None


def subset(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def check(docs, where):
    by_kind = {}
    for doc in docs:
        for field in ("apiVersion", "kind"):
            if not doc.get(field):
                problem(where, f"a document without {field}")
        if not doc.get("metadata", {}).get("name"):
            problem(where, f"a {doc.get('kind')} without metadata.name")
        by_kind.setdefault(doc.get("kind"), []).append(doc)
    names = lambda kind: {d["metadata"]["name"] for d in by_kind.get(kind, [])}
    pods = []  # (template labels, container port names)
    for d in by_kind.get("Deployment", []):
        name = f"{where}: Deployment {d['metadata']['name']}"
        if d.get("apiVersion") != "apps/v1":
            problem(name, "apiVersion must be apps/v1")
        spec = d.get("spec", {})
        labels = spec.get("template", {}).get("metadata", {}).get("labels", {})
        if not subset(spec.get("selector", {}).get("matchLabels"), labels):
            problem(name, "selector does not match the pod template's labels")
        pod = pod_spec(d) or {}
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        ports = set()
        vigil = None
        for c in pod.get("containers", []):
            cname = f"{name} container {c.get('name')}"
            if not c.get("name") or not c.get("image"):
                problem(cname, "needs name and image")
            if not c.get("resources", {}).get("requests") or not c.get("resources", {}).get("limits", {}).get("memory"):
                problem(cname, "needs resource requests and a memory limit")
            ports |= {p.get("name") for p in c.get("ports", [])}
            for m in c.get("volumeMounts", []):
                if m["name"] not in volumes:
                    problem(cname, f"mounts undeclared volume {m['name']}")
            if c.get("name") == "vigil":
                vigil = c
        pods.append((labels, ports))
        for v in volumes.values():
            if "configMap" in v and v["configMap"]["name"] not in names("ConfigMap"):
                problem(name, f"volume {v['name']}: no ConfigMap {v['configMap']['name']}")
            if "secret" in v and v["secret"]["secretName"] not in names("Secret"):
                problem(name, f"volume {v['name']}: no Secret {v['secret']['secretName']}")
        if vigil is None:
            problem(name, "no container named vigil")
            continue
        vname = f"{name} container vigil"
        vigil_ports = {p.get("name"): p.get("containerPort") for p in vigil.get("ports", [])}
        if 9877 not in vigil_ports.values():
            problem(vname, "does not expose port 9877")
        for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
            get = vigil.get(probe, {}).get("httpGet", {})
            if get.get("path") != path:
                problem(vname, f"{probe} must GET {path}")
            if get.get("port") not in vigil_ports and get.get("port") not in vigil_ports.values():
                problem(vname, f"{probe} port {get.get('port')} is not a container port")
        sc = vigil.get("securityContext", {})
        if not (sc.get("runAsNonRoot") or pod.get("securityContext", {}).get("runAsNonRoot")):
            problem(vname, "runAsNonRoot is not set")
        if sc.get("readOnlyRootFilesystem") is not True:
            problem(vname, "readOnlyRootFilesystem must be true")
        if sc.get("allowPrivilegeEscalation") is not False:
            problem(vname, "allowPrivilegeEscalation must be false")
        if "ALL" not in sc.get("capabilities", {}).get("drop", []):
            problem(vname, "capabilities must drop ALL")
        mounts = {m["mountPath"]: volumes.get(m["name"], {}) for m in vigil.get("volumeMounts", [])}
        if "configMap" not in mounts.get("/etc/vigil/vigil.yaml", {}) and "configMap" not in mounts.get("/etc/vigil", {}):
            problem(vname, "/etc/vigil/vigil.yaml does not come from a ConfigMap")
        if not any("secret" in v for v in mounts.values()):
            problem(vname, "no Secret mounted for the *_file keys")
        if "/tmp" not in mounts:
            problem(vname, "no writable /tmp (emptyDir) next to the read-only root file system")
    for s in by_kind.get("Service", []):
        name = f"{where}: Service {s['metadata']['name']}"
        selected = [ports for labels, ports in pods if subset(s.get("spec", {}).get("selector"), labels)]
        if not selected:
            problem(name, "selector selects no pod template")
        for p in s.get("spec", {}).get("ports", []):
            target = p.get("targetPort", p.get("port"))
            if isinstance(target, str) and not any(target in ports for ports in selected):
                problem(name, f"targetPort {target} is no container port of the selected pods")
    for m in by_kind.get("ServiceMonitor", []) + by_kind.get("PodMonitor", []):
        name = f"{where}: {m['kind']} {m['metadata']['name']}"
        if m.get("apiVersion") != "monitoring.coreos.com/v1":
            problem(name, "apiVersion must be monitoring.coreos.com/v1")
        selector = m.get("spec", {}).get("selector", {}).get("matchLabels")
        if m["kind"] == "ServiceMonitor":
            endpoints = m.get("spec", {}).get("endpoints", [])
            services = [s for s in by_kind.get("Service", []) if subset(selector, s["metadata"].get("labels", {}))]
            if not services:
                problem(name, "selector matches no Service")
            known = {p.get("name") for s in services for p in s["spec"].get("ports", [])}
        else:
            endpoints = m.get("spec", {}).get("podMetricsEndpoints", [])
            selected = [ports for labels, ports in pods if subset(selector, labels)]
            if not selected:
                problem(name, "selector matches no pod template")
            known = set().union(*selected) if selected else set()
        if not endpoints:
            problem(name, "no endpoints")
        for e in endpoints:
            if e.get("port") not in known:
                problem(name, f"port {e.get('port')} is not a port of the selected targets")
            if not any(r.get("targetLabel") == "job" and r.get("replacement") == "vigil" for r in e.get("relabelings", [])):
                problem(name, "does not set job=\"vigil\" (the rules and dashboard expect it)")
    for p in by_kind.get("PodDisruptionBudget", []):
        if not any(subset(p.get("spec", {}).get("selector", {}).get("matchLabels"), labels) for labels, _ in pods):
            problem(f"{where}: PodDisruptionBudget {p['metadata']['name']}", "selector matches no pod template")


def main(arguments):
    if arguments[:1] == ["--rendered"]:
        for source in arguments[1:]:
            text = sys.stdin.read() if source == "-" else open(source, encoding="utf-8").read()
            docs = [d for d in yaml.safe_load_all(text) if d is not None]
            if not docs:
                problem(source, "no documents")
            check(docs, f"rendered {source}")
    else:
        for directory in arguments:
            docs = render(directory)
            check(docs, directory)
            # Files kept beside the kustomization but not listed (alternatives such as
            # podmonitor.yaml) are checked against the rendered documents as well.
            listed = set(load_all(os.path.join(directory, "kustomization.yaml"))[0].get("resources", []))
            for file in sorted(os.listdir(directory)):
                if file.endswith(".yaml") and file not in listed and file not in ("kustomization.yaml", "vigil.yaml"):
                    extra = load_all(os.path.join(directory, file))
                    check([d for d in docs if d["kind"] != "ServiceMonitor" and d["kind"] != "Service"] + extra
                          if any(d["kind"] == "PodMonitor" for d in extra) else docs + extra, f"{directory}/{file}")
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
