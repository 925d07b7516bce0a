#!/usr/bin/env bash
# The local demo: starts the lab API server, installs the SuperCloud CRDs with the real kubectl,
# applies the three-cloud example and shows what a user sees. It runs what exists today and
# says plainly what does not run yet.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
config="${CONFIG:-Release}"
data="$repo/.lab/demo"
kubectl="$repo/.tools/bin/kubectl"
lab="$repo/lab/SuperCloud.Lab.Cli/bin/$config/net10.0/supercloud-lab"
port="${LAB_PORT:-16443}"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

[ -x "$lab" ] || { echo "demo: $lab is missing; run 'make build'" >&2; exit 1; }
rm -rf "$data" && mkdir -p "$data"

step "Start the lab API server (Kubernetes-API-compatible) on 127.0.0.1:$port"
"$lab" apiserver --port "$port" --data-dir "$data" >"$data/apiserver.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
deadline=$((SECONDS + 30))
until [ -s "$data/kubeconfig" ] && curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
  if ! kill -0 "$server" 2>/dev/null; then cat "$data/apiserver.log" >&2; exit 1; fi
  [ $SECONDS -lt $deadline ] || { echo "demo: API server not ready after 30 s" >&2; cat "$data/apiserver.log" >&2; exit 1; }
  sleep 0.2
done
export KUBECONFIG="$data/kubeconfig" KUBECACHEDIR="$data/kube-cache"
run "$kubectl" version

step "Install the SuperCloud API (CRDs generated from the C# types)"
run "$kubectl" apply -f "$repo/crds/generated/"
run "$kubectl" wait --for=condition=Established --timeout=30s -f "$repo/crds/generated/"
run "$kubectl" api-resources --categories=supercloud

step "Describe three clouds, a spot migration policy, a stub and two SuperPods"
run "$kubectl" apply -f "$repo/examples/three-clouds.yaml"
run "$kubectl" get superclusters
run "$kubectl" get superpods -o wide
run "$kubectl" explain superpod.spec.placement

step "Bad input is rejected with the field named, and nothing is stored"
bad="$data/bad-superpod.yaml"
cat >"$bad" <<'YAML'
apiVersion: supercloud.dev/v1alpha1
kind: SuperPod
metadata:
  name: bad-memory
spec:
  resources:
    cpu: "1"
    memory: "-1Gi"
  boot:
    kernel: /boot/vmlinuz
YAML
printf '$ kubectl apply -f %s\n' "$bad"
if "$kubectl" apply -f "$bad"; then echo "demo: the bad manifest was accepted" >&2; exit 1; fi
run "$kubectl" get superpods

step "Not running yet"
echo "The operator (scheduler, SuperPod controller) and the node agent (QEMU VMs over mutual TLS) are built and tested,"
echo "but the lab does not start hosts, agents and the operator yet (supercloud-lab up):"
echo "the SuperPods above are stored and validated by the API; nothing places or boots them."
