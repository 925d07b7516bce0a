#!/usr/bin/env bash
# The local demo: `supercloud-lab up` runs three simulated clouds on this machine (each host a network namespace with
# its own node agent running QEMU, the operator, the lab's API server), SuperPods are applied with the real kubectl,
# scheduled onto the hosts that fit them and boot; a guest's heartbeats are shown. Interactive (stdin is a terminal):
# the lab stays up until Ctrl-C. Otherwise (CI, scripts): the lab is removed and the demo exits 0.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
config="${CONFIG:-Release}"
work="$repo/.lab"
data="$work/demo"
kubectl="$repo/.tools/bin/kubectl"
lab="$repo/lab/SuperCloud.Lab.Cli/bin/$config/net10.0/supercloud-lab"
clouds="${LAB_CLOUDS:-aws-us-east-1:2,aws-eu-west-1:1,onprem:1}"
guest="$repo/node-agent/guest/out"
pods=(web-us batch-spot ledger-onprem roamer)

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
fail() { echo "demo: $*" >&2; [ -f "$work/demo-up.log" ] && tail -20 "$work/demo-up.log" >&2; exit 1; }

[ -x "$lab" ] || { echo "demo: $lab is missing; run 'make build'" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "demo: the lab creates network namespaces and must run as root" >&2; exit 1; }
mkdir -p "$work"

step "Build the test guest (Debian's kernel, an initramfs with a memory checker that prints heartbeats)"
bash "$repo/node-agent/guest/build.sh" "$guest"

step "Start the lab: supercloud-lab up --data-dir $data --clouds $clouds"
started=$SECONDS
"$lab" up --data-dir "$data" --clouds "$clouds" --port 0 >"$work/demo-up.log" 2>&1 &
up=$!
teardown() {
  trap - EXIT INT TERM
  step "Remove the lab: supercloud-lab down --data-dir $data"
  "$lab" down --data-dir "$data" || true
  wait "$up" 2>/dev/null || true
}
trap teardown EXIT
trap 'exit 0' INT TERM
deadline=$((SECONDS + 120))
until [ -f "$data/ready" ]; do
  kill -0 "$up" 2>/dev/null || fail "supercloud-lab up exited"
  [ $SECONDS -lt $deadline ] || fail "the lab was not ready within 120 s"
  sleep 0.5
done
echo "lab ready after $((SECONDS - started)) s"
run cat "$data/ready"
dashboard="$(sed -n 's/.*"DashboardAddress": *"\([^"]*\)".*/\1/p' "$data/lab-state.json")"
echo "dashboard: $dashboard/   (clouds, hosts, SuperPods, migrations live, cost vs on-demand, client RTT)"
run ip netns list
export KUBECONFIG="$data/kubeconfig" KUBECACHEDIR="$work/kube-cache"
run "$kubectl" get superclusters
run "$kubectl" get supernodes -o wide

step "Bad input is rejected with the field named, and nothing is stored"
bad="$work/demo-bad-superpod.yaml"
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
if "$kubectl" apply -f "$bad"; then fail "the bad manifest was accepted"; fi

step "kubectl apply SuperPods with different placements (lab/demo-superpods.yaml)"
manifest="$work/demo-superpods.yaml"
sed "s|@GUEST@|$guest|g" "$repo/lab/demo-superpods.yaml" >"$manifest"
run "$kubectl" apply -f "$manifest"

step "Watch them being scheduled and booting (kubectl get superpods -o wide -w, until all run)"
"$kubectl" get superpods -o wide -w &
watch=$!
deadline=$((SECONDS + 180))
running() { [ "$("$kubectl" get superpods "${pods[@]}" -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -c '^Running$')" -eq ${#pods[@]} ]; }
until running; do
  [ $SECONDS -lt $deadline ] || { kill "$watch"; fail "the SuperPods did not all run within 180 s"; }
  sleep 1
done
sleep 1; kill "$watch"; wait "$watch" 2>/dev/null || true
echo
run "$kubectl" get superpods -o wide

step "Why too-big waits: the scheduler's explanation, kube-scheduler style"
run "$kubectl" get superpod too-big -o jsonpath='{.status.conditions[?(@.type=="Scheduled")].message}{"\n"}'

step "A guest's console on its host: heartbeats from inside the VM"
for pod in "${pods[@]}"; do
  node="$("$kubectl" get superpod "$pod" -o jsonpath='{.status.node}')"
  uid="$("$kubectl" get superpod "$pod" -o jsonpath='{.metadata.uid}')"
  console="$data/hosts/$node/vms/$uid/console.log"
  deadline=$((SECONDS + 60))
  until grep -q "^HEARTBEAT" "$console" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || fail "no heartbeat from $pod in $console within 60 s"
    sleep 0.5
  done
  printf '%-14s on %-16s %s\n' "$pod" "$node" "$(grep '^HEARTBEAT' "$console" | tail -1)"
done

# Moves roamer with a SuperPodMigration targeting $1=$2 and shows what the guest and the API say about it.
migrate() {
  local name="$1" field="$2" value="$3" from uid before console
  from="$("$kubectl" get superpod roamer -o jsonpath='{.status.node}')"
  uid="$("$kubectl" get superpod roamer -o jsonpath='{.metadata.uid}')"
  before="$(grep '^HEARTBEAT' "$data/hosts/$from/vms/$uid/console.log" | tail -1)"
  printf '$ kubectl create -f - <<< SuperPodMigration %s {superPod: roamer, target: {%s: %s}}\n' "$name" "$field" "$value"
  "$kubectl" create -f - <<YAML
apiVersion: supercloud.dev/v1alpha1
kind: SuperPodMigration
metadata:
  name: $name
  namespace: default
spec:
  superPod: roamer
  target:
    $field: $value
YAML
  # Each phase as it is reached, with the transfer's progress while memory is copied.
  local phase="" seen="" deadline=$((SECONDS + 180))
  until [ "$phase" = Succeeded ]; do
    phase="$("$kubectl" get superpodmigration "$name" -o jsonpath='{.status.phase}')"
    if [ "$phase" != "$seen" ] || [ "$phase" = Transferring ]; then
      printf '  %-15s %s\n' "${phase:-Pending}" "$("$kubectl" get superpodmigration "$name" \
        -o jsonpath='{.status.progress.bytesSent} bytes sent, {.status.progress.bytesRemaining} remaining, {.status.progress.iterations} passes')"
      seen="$phase"
    fi
    case "$phase" in Failed|Cancelled) "$kubectl" get superpodmigration "$name" -o yaml >&2; fail "migration $name $phase";; esac
    [ $SECONDS -lt $deadline ] || fail "migration $name did not succeed within 180 s"
    sleep 1
  done
  run "$kubectl" get superpodmigration "$name" -o wide
  run "$kubectl" get superpod roamer -o wide
  local to
  to="$("$kubectl" get superpod roamer -o jsonpath='{.status.node}')"
  console="$data/hosts/$to/vms/$uid/console.log"
  deadline=$((SECONDS + 60))
  until grep -q "^MEMCHECK OK" "$console" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || fail "no MEMCHECK OK from roamer on $to within 60 s"
    sleep 0.5
  done
  echo "on $from, last before the move: $before"
  echo "on $to, first after the move:  $(grep '^HEARTBEAT' "$console" | head -1)   (the counter goes on: same guest, not a reboot)"
  echo "on $to, the memory checker:     $(grep '^MEMCHECK' "$console" | tail -1)"
  [ -d "$data/hosts/$from/vms/$uid" ] && fail "the source still has the VM" || echo "no copy left on $from"
}

step "Live-migrate roamer to another cloud: kubectl create a SuperPodMigration, watch its phases"
if [ "$("$kubectl" get superpod roamer -o jsonpath='{.status.region}')" = us-east-1 ]; then
  migrate roamer-to-onprem cloud onprem
else
  migrate roamer-to-us region us-east-1
fi

step "Again, over a WAN capped at 100mbit with tc tbf (supercloud-lab link): the transfer takes what physics says"
run "$lab" link --data-dir "$data" --cloud aws-eu-west-1 --rate 100mbit
migrate roamer-to-eu region eu-west-1
run "$lab" link --data-dir "$data" --cloud aws-eu-west-1 --clear
run "$kubectl" get superpod roamer -o jsonpath='{.status.lastMigration}{"\n"}'

step "Delete one: its VM is stopped and removed before the SuperPod goes"
node="$("$kubectl" get superpod ledger-onprem -o jsonpath='{.status.node}')"
uid="$("$kubectl" get superpod ledger-onprem -o jsonpath='{.metadata.uid}')"
run "$kubectl" delete superpod ledger-onprem --timeout=60s
[ -d "$data/hosts/$node/vms/$uid" ] && fail "the VM's state directory is still there" || echo "VM $uid removed from $node"

if [ -t 0 ]; then
  step "The lab keeps running: press Ctrl-C to remove it"
  echo "Dashboard: $dashboard/"
  cat <<TEXT
  export KUBECONFIG=$data/kubeconfig
  $kubectl get superpods,supernodes -o wide
  $lab link --data-dir $data --cloud onprem --rate 100mbit     # cap the WAN into a cloud
  $lab link --data-dir $data --cut aws-us-east-1,onprem         # cut the link between two clouds
  $lab agent kill --data-dir $data --host onprem-1              # lose a host's agent
  dashboard: $dashboard/
TEXT
  wait "$up" || true
fi
