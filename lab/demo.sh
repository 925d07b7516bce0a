#!/usr/bin/env bash
# The local demo: `supercloud-lab up` runs three simulated clouds on this machine (each host a network namespace with
# its own node agent running QEMU, the operator, the lab's API server), SuperPods are applied with the real kubectl,
# scheduled onto the hosts that fit them and boot; a guest's heartbeats are shown; a client reaches SuperPods by their
# overlay IPs, also through a live migration across clouds. Interactive (stdin is a terminal):
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
    image: supercloud/test-guest:latest
YAML
printf '$ kubectl apply -f %s\n' "$bad"
if "$kubectl" apply -f "$bad"; then fail "the bad manifest was accepted"; fi

step "kubectl apply SuperPods with different placements (lab/demo-superpods.yaml)"
run "$kubectl" apply -f "$repo/lab/demo-superpods.yaml"

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

step "The overlay: every SuperPod with a network keeps one IP (kubectl get superpods -o wide); a client reaches it"
"$kubectl" get superpods -o custom-columns='NAME:.metadata.name,IP:.status.ip,NODE:.status.node,MAC:.status.interfaces[0].mac,NETWORK:.status.interfaces[0].overlay,READY:.status.conditions[?(@.type=="NetworkReady")].status'
roamer_ip="$("$kubectl" get superpod roamer -o jsonpath='{.status.ip}')"
web_ip="$("$kubectl" get superpod web-us -o jsonpath='{.status.ip}')"
client() { "$lab" client --data-dir "$data" --cloud aws-eu-west-1 -- "$@"; }
deadline=$((SECONDS + 120))
until client curl -s -m 3 "http://$roamer_ip:8080/" 2>/dev/null | grep -q '^roamer$' && client curl -s -m 3 "http://$web_ip:8080/" 2>/dev/null | grep -q '^web-us$'; do
  [ $SECONDS -lt $deadline ] || fail "roamer ($roamer_ip) and web-us ($web_ip) did not answer a client within 120 s"
  sleep 1
done
run "$lab" client --data-dir "$data" --cloud aws-eu-west-1 -- curl -s "http://$roamer_ip:8080/"
run "$lab" client --data-dir "$data" --cloud aws-eu-west-1 -- ping -c 3 "$roamer_ip"
echo "web-us pings roamer from inside its guest (through the guest's own /ping):"
run "$lab" client --data-dir "$data" --cloud aws-eu-west-1 -- curl -s "http://$web_ip:8080/ping/$roamer_ip"

# A client in aws-us-east-1 holds a TCP connection to roamer's port 7000 (one HEARTBEAT line every 100 ms) while it
# moves: started before the migration, judged after it. (Not a client behind the capped link the second move fills.)
stream_start() {
  stream_log="$work/demo-stream-$1.log"
  setsid bash -c "'$lab' client --data-dir '$data' --cloud aws-us-east-1 -- socat -u TCP:$roamer_ip:7000 STDOUT \
    | while IFS= read -r line; do printf '%s %s\\n' \"\$(date +%s.%N)\" \"\$line\"; done >'$stream_log'" &
  stream_pid=$!
  printf '$ supercloud-lab client --cloud aws-us-east-1 -- socat -u TCP:%s:7000 STDOUT   (in the background)\n' "$roamer_ip"
}
stream_report() {
  sleep 3
  kill -- "-$stream_pid" 2>/dev/null || true
  wait "$stream_pid" 2>/dev/null || true
  awk '{ t = $1; n = $3; if (NR > 1) { g = t - pt; if (g > max) { max = g; a = pn; b = n } if (n < pn) back = 1 } pt = t; pn = n }
    END { printf "the client read %d lines on one TCP connection across the move; longest gap %.0f ms (HEARTBEAT %d -> %d); the counter %s\n",
          NR, max * 1000, a, b, back ? "went BACK" : "never went back" }' "$stream_log"
  echo "the VM's own downtime: $("$kubectl" get superpod roamer -o jsonpath='{.status.lastMigration.downtime}')"
  run "$lab" client --data-dir "$data" --cloud aws-eu-west-1 -- curl -s "http://$roamer_ip:8080/"
}

step "Images: each SuperPod's tag was resolved once to a digest; its host pulled it from its own cloud's registry"
run "$kubectl" get superpod web-us -o jsonpath='{.status.images[0].image} -> {.status.images[0].resolved}{"\n"}{.status.conditions[?(@.type=="ImagesReady")].message}{"\n"}'

step "A host path is refused at apply: the field is named and nothing is stored"
hostpath="$work/demo-hostpath-superpod.yaml"
cat >"$hostpath" <<'YAML'
apiVersion: supercloud.dev/v1alpha1
kind: SuperPod
metadata:
  name: sneaky
spec:
  resources:
    cpu: "1"
    memory: 128Mi
  boot:
    image: /var/lib/supercloud/node-agent/tls.key
YAML
printf '$ kubectl apply -f %s\n' "$hostpath"
if "$kubectl" apply -f "$hostpath"; then fail "a host path was accepted"; fi

step "A disk image with cloud-init user-data: the guest boots from its own overlay and takes the hostname from the seed"
run "$kubectl" apply -f - <<'YAML'
apiVersion: supercloud.dev/v1alpha1
kind: SuperPod
metadata:
  name: seeded
spec:
  resources:
    cpu: "1"
    memory: 256Mi
  boot:
    image: supercloud/test-guest-disk:latest
  disks:
  - name: scratch
    size: 1Gi
  cloudInit:
    userData: |
      #cloud-config
      hostname: seeded-by-cloud-init
YAML
deadline=$((SECONDS + 180))
until [ "$("$kubectl" get superpod seeded -o jsonpath='{.status.phase}')" = Running ]; do
  [ $SECONDS -lt $deadline ] || fail "seeded did not run within 180 s"
  sleep 1
done
node="$("$kubectl" get superpod seeded -o jsonpath='{.status.node}')"
uid="$("$kubectl" get superpod seeded -o jsonpath='{.metadata.uid}')"
console="$data/hosts/$node/vms/$uid/console.log"
until grep -q "^CLOUDINIT" "$console" 2>/dev/null; do
  [ $SECONDS -lt $deadline ] || fail "no CLOUDINIT line from seeded in $console"
  sleep 0.5
done
printf 'seeded on %s: %s\n' "$node" "$(grep '^CLOUDINIT' "$console")"
run "$kubectl" delete superpod seeded

# Moves roamer with a SuperPodMigration targeting $1=$2 and shows what the guest and the API say about it.
migrate() {
  local name="$1" field="$2" value="$3" from uid before console
  from="$("$kubectl" get superpod roamer -o jsonpath='{.status.node}')"
  uid="$("$kubectl" get superpod roamer -o jsonpath='{.metadata.uid}')"
  before="$(grep '^HEARTBEAT' "$data/hosts/$from/vms/$uid/console.log" | tail -1)"
  stream_start "$name"
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
  stream_report
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
  $lab client --data-dir $data --cloud onprem -- ping $roamer_ip   # reach a SuperPod as a client of a cloud
  $lab ovs kill --data-dir $data --host onprem-1                # lose a host's ovs-vswitchd (ovs start brings it back)
  dashboard: $dashboard/
TEXT
  wait "$up" || true
fi
