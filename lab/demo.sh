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

echo "(the three clouds above have no hosts on this machine: remove their objects before starting one)"
"$kubectl" delete -f "$repo/examples/three-clouds.yaml" --wait=false >/dev/null

step "One host on this machine: a node agent (QEMU, TCG) and the operator, over mutual TLS"
agent="$repo/node-agent/SuperCloud.NodeAgent/bin/$config/net10.0/supercloud-node-agent"
operator="$repo/operator/SuperCloud.Operator/bin/$config/net10.0/supercloud-operator"
guest="$repo/node-agent/guest/out"
bash "$repo/node-agent/guest/build.sh" "$guest" >/dev/null
"$agent" certs "$data/certs" lab-host-1 >/dev/null
run "$kubectl" create namespace supercloud-system
"$kubectl" apply -f - <<'YAML'
apiVersion: supercloud.dev/v1alpha1
kind: SuperCluster
metadata:
  name: lab
spec:
  provider: onprem
  region: lab
  pricing:
    currency: USD
    onDemand:
      perVcpuHour: "0.01"
      perGiBHour: "0.001"
    billingPeriod: 1h
YAML
agent_port=$((port + 1)); metrics_port=$((port + 2))
"$agent" --NodeAgent:NodeName=lab-host-1 --NodeAgent:Port=$agent_port \
  --NodeAgent:CaCertificatePath="$data/certs/ca.crt" --NodeAgent:CertificatePath="$data/certs/lab-host-1.crt" \
  --NodeAgent:KeyPath="$data/certs/lab-host-1.key" --NodeAgent:Cloud=onprem --NodeAgent:Region=lab \
  --Qemu:StateDirectory="$data/vms" --Qemu:Accelerator=tcg \
  --Kubernetes:Kubeconfig="$KUBECONFIG" --Kubernetes:Cluster=lab --Kubernetes:AgentEndpoint=127.0.0.1:$agent_port \
  >"$data/agent.log" 2>&1 &
agent_pid=$!
"$operator" --kubeconfig "$KUBECONFIG" --listen-address "http://127.0.0.1:$metrics_port" \
  --leader-election-namespace supercloud-system --agent-ca "$data/certs/ca.crt" \
  --agent-cert "$data/certs/supercloud-operator.crt" --agent-key "$data/certs/supercloud-operator.key" \
  >"$data/operator.log" 2>&1 &
operator_pid=$!
stop_all() {
  kill "$operator_pid" "$agent_pid" 2>/dev/null; wait "$operator_pid" "$agent_pid" 2>/dev/null
  for pid in "$data"/vms/*/qemu.pid; do [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null; done
  kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true
}
trap stop_all EXIT
deadline=$((SECONDS + 60))
until "$kubectl" get supernode lab-host-1 >/dev/null 2>&1; do
  [ $SECONDS -lt $deadline ] || { echo "demo: the agent did not register" >&2; tail -20 "$data/agent.log" >&2; exit 1; }
  sleep 0.5
done
run "$kubectl" wait --for=condition=Ready supernode/lab-host-1 --timeout=60s
run "$kubectl" get supernodes

step "kubectl apply a SuperPod: the scheduler places it, the agent boots it"
"$kubectl" apply -f - <<YAML
apiVersion: supercloud.dev/v1alpha1
kind: SuperPod
metadata:
  name: hello-vm
  namespace: default
spec:
  resources:
    cpu: "1"
    memory: 128Mi
  boot:
    kernel: $guest/vmlinuz
    initrd: $guest/initramfs.cpio.gz
    cmdline: console=ttyS0 quiet panic=-1 sc.mem_mib=32 sc.dirty_pages_per_sec=2000
  runStrategy: Always
YAML
run "$kubectl" wait --for=jsonpath='{.status.phase}'=Running superpod/hello-vm --timeout=120s
run "$kubectl" get superpods -o wide
uid="$("$kubectl" get superpod hello-vm -o jsonpath='{.metadata.uid}')"
deadline=$((SECONDS + 60))
until grep -q "MEMCHECK OK" "$data/vms/$uid/console.log" 2>/dev/null; do
  [ $SECONDS -lt $deadline ] || break
  sleep 0.5
done
echo "guest console ($data/vms/$uid/console.log):"
grep -E "HEARTBEAT|MEMCHECK" "$data/vms/$uid/console.log" | tail -4

step "Delete it: the VM is stopped and removed before the SuperPod goes"
run "$kubectl" delete superpod hello-vm --timeout=60s
[ -d "$data/vms/$uid" ] && echo "demo: the VM's state directory is still there" >&2 || echo "VM $uid removed from lab-host-1"

step "Not running yet"
echo "supercloud-lab up (several hosts in network namespaces across simulated clouds), live migration,"
echo "the Open vSwitch overlay and migration policies are not part of this build yet."
