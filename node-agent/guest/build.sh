#!/usr/bin/env bash
# Builds the SuperCloud test guest from Debian packages only (busybox-static, gcc, cpio, linux-image-amd64):
#   OUT_DIR/initramfs.cpio.gz  busybox + the guest checker + /init, reproducible (fixed mtimes, sorted, gzip -n)
#   OUT_DIR/vmlinuz            a copy of Debian's kernel (newest /boot/vmlinuz-*, or $KERNEL)
# Idempotent: when no input changed since the last build it only says so.
set -euo pipefail

usage() { echo "usage: $0 OUT_DIR" >&2; exit 2; }
[[ $# -eq 1 ]] || usage

SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT_DIR="$1"
mkdir -p "$OUT_DIR"
OUT_DIR="$(cd "$OUT_DIR" && pwd)"

BUSYBOX="${BUSYBOX:-/bin/busybox}"
KERNEL="${KERNEL:-$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1 || true)}"
CC="${CC:-gcc}"
CFLAGS=(-std=c11 -O2 -Wall -Wextra -Werror -static -ffile-prefix-map="$SRC_DIR"=.)

for tool in "$CC" cpio gzip sha256sum; do
    command -v "$tool" >/dev/null || { echo "build.sh: missing tool '$tool'" >&2; exit 1; }
done
[[ -x "$BUSYBOX" ]] || { echo "build.sh: busybox not found at $BUSYBOX (apt-get install busybox-static)" >&2; exit 1; }
file_out="$(LC_ALL=C file -b "$BUSYBOX" 2>/dev/null || true)"
if [[ -n "$file_out" && "$file_out" != *"statically linked"* ]]; then
    echo "build.sh: $BUSYBOX is not statically linked (apt-get install busybox-static)" >&2; exit 1
fi
[[ -n "$KERNEL" && -r "$KERNEL" ]] || { echo "build.sh: no readable kernel in /boot (apt-get install linux-image-amd64) or \$KERNEL" >&2; exit 1; }

# virtio-net is a module in Debian's kernel: the NIC drivers of the kernel's own version go into the initramfs
# (uncompressed, loaded by /init in dependency order), so the guest has a network; without them it boots without one.
KERNEL_VERSION="$(basename "$KERNEL")"; KERNEL_VERSION="${KERNEL_VERSION#vmlinuz-}"
NET_MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover virtio_net)
module_files=()
for m in "${NET_MODULES[@]}"; do
    f="$(find "/lib/modules/$KERNEL_VERSION/kernel" -name "$m.ko" 2>/dev/null | head -n 1)"
    if [[ -z "$f" ]]; then
        echo "build.sh: warning: no $m.ko for kernel $KERNEL_VERSION in /lib/modules: the guest will have no network" >&2
        module_files=(); break
    fi
    module_files+=("$f")
done

stamp="$( { sha256sum "$SRC_DIR/checker.c" "$SRC_DIR/netserver.c" "$SRC_DIR/netserver.h" "$SRC_DIR/init" "$SRC_DIR/build.sh" "$BUSYBOX" "$KERNEL" "${module_files[@]}" | cut -d' ' -f1
            "$CC" --version | head -n 1; echo "${CFLAGS[*]}"; } | sha256sum | cut -d' ' -f1)"
if [[ -f "$OUT_DIR/.stamp" && "$(cat "$OUT_DIR/.stamp")" == "$stamp" \
      && -f "$OUT_DIR/initramfs.cpio.gz" && -f "$OUT_DIR/vmlinuz" ]]; then
    echo "guest up to date: $OUT_DIR"
    exit 0
fi

work="$(mktemp -d "$OUT_DIR/.build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

"$CC" "${CFLAGS[@]}" -o "$work/checker" "$SRC_DIR/checker.c" "$SRC_DIR/netserver.c"

root="$work/root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp}
cp "$BUSYBOX" "$root/bin/busybox"
cp "$work/checker" "$root/bin/checker"
cp "$SRC_DIR/init" "$root/init"
if [[ ${#module_files[@]} -gt 0 ]]; then
    mkdir -p "$root/lib/modules"
    for i in "${!NET_MODULES[@]}"; do
        # Numbered, so /init loads them in dependency order by their names alone.
        cp "${module_files[$i]}" "$root/lib/modules/$(printf '%02d' "$i")-${NET_MODULES[$i]}.ko"
    done
fi
chmod 0755 "$root/bin/busybox" "$root/bin/checker" "$root/init"
find "$root" -exec touch -h -d @0 {} +

(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet --reproducible -o -H newc -R 0:0) \
    | gzip -9 -n > "$work/initramfs.cpio.gz"

cp "$work/checker" "$OUT_DIR/checker"
mv "$work/initramfs.cpio.gz" "$OUT_DIR/initramfs.cpio.gz"
cmp -s "$KERNEL" "$OUT_DIR/vmlinuz" 2>/dev/null || cp "$KERNEL" "$OUT_DIR/vmlinuz"
echo "$stamp" > "$OUT_DIR/.stamp"
echo "guest built: $OUT_DIR/initramfs.cpio.gz ($(stat -c %s "$OUT_DIR/initramfs.cpio.gz") bytes), kernel $(basename "$KERNEL")"
