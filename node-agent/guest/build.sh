#!/usr/bin/env bash
# Builds the SuperCloud test guest from Debian packages only (busybox-static, gcc, cpio, linux-image-amd64, and for the
# disk: fdisk, dosfstools, mtools, syslinux, qemu-utils), without root or loop devices:
#   OUT_DIR/initramfs.cpio.gz  busybox + the guest checker and its network server + /init + the kernel modules for
#                              virtio disks and NICs and the vfat cloud-init seed, reproducible (fixed mtimes, sorted, gzip -n)
#   OUT_DIR/vmlinuz            a copy of Debian's kernel (newest /boot/vmlinuz-*, or $KERNEL)
#   OUT_DIR/disk.qcow2         the same guest on a bootable disk: an MBR partition table and syslinux's MBR, one FAT
#                              partition with syslinux, the kernel and the initramfs; reproducible (fixed ids and times)
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

# The kernel's modules come from the package that ships the kernel: /lib/modules/<version of vmlinuz-<version>>.
KVER="${KERNEL##*/vmlinuz-}"
MODULES_DIR="${MODULES_DIR:-/lib/modules/$KVER}"
# Loaded in this order by /init (each after what it depends on): virtio PCI, block and network devices, FAT with the code pages
# the vfat seed is mounted with.
MODULES=(
    kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko
    kernel/drivers/virtio/virtio_pci_legacy_dev.ko kernel/drivers/virtio/virtio_pci_modern_dev.ko
    kernel/drivers/virtio/virtio_pci.ko kernel/drivers/block/virtio_blk.ko
    kernel/net/core/failover.ko kernel/drivers/net/net_failover.ko kernel/drivers/net/virtio_net.ko
    kernel/fs/fat/fat.ko kernel/fs/fat/vfat.ko kernel/fs/nls/nls_cp437.ko kernel/fs/nls/nls_ascii.ko
)
SYSLINUX_MBR="${SYSLINUX_MBR:-/usr/lib/syslinux/mbr/mbr.bin}"
DISK_MIB=64

for tool in "$CC" cpio gzip sha256sum sfdisk mkfs.vfat mcopy syslinux qemu-img; do
    command -v "$tool" >/dev/null || { echo "build.sh: missing tool '$tool'" >&2; exit 1; }
done
[[ -x "$BUSYBOX" ]] || { echo "build.sh: busybox not found at $BUSYBOX (apt-get install busybox-static)" >&2; exit 1; }
file_out="$(LC_ALL=C file -b "$BUSYBOX" 2>/dev/null || true)"
if [[ -n "$file_out" && "$file_out" != *"statically linked"* ]]; then
    echo "build.sh: $BUSYBOX is not statically linked (apt-get install busybox-static)" >&2; exit 1
fi
[[ -n "$KERNEL" && -r "$KERNEL" ]] || { echo "build.sh: no readable kernel in /boot (apt-get install linux-image-amd64) or \$KERNEL" >&2; exit 1; }
for module in "${MODULES[@]}"; do
    [[ -r "$MODULES_DIR/$module" ]] || { echo "build.sh: kernel module $MODULES_DIR/$module missing (uncompressed modules of $KVER expected)" >&2; exit 1; }
done
[[ -r "$SYSLINUX_MBR" ]] || { echo "build.sh: $SYSLINUX_MBR missing (apt-get install syslinux-common)" >&2; exit 1; }

stamp="$( { sha256sum "$SRC_DIR/checker.c" "$SRC_DIR/netserver.c" "$SRC_DIR/netserver.h" "$SRC_DIR/init" "$SRC_DIR/build.sh" "$BUSYBOX" "$KERNEL" "$SYSLINUX_MBR" \
                "${MODULES[@]/#/$MODULES_DIR/}" | cut -d' ' -f1
            dpkg-query -W -f='${Package} ${Version}\n' dosfstools mtools syslinux syslinux-common fdisk qemu-utils 2>/dev/null || true
            "$CC" --version | head -n 1; echo "${CFLAGS[*]}"; } | sha256sum | cut -d' ' -f1)"
if [[ -f "$OUT_DIR/.stamp" && "$(cat "$OUT_DIR/.stamp")" == "$stamp" \
      && -f "$OUT_DIR/initramfs.cpio.gz" && -f "$OUT_DIR/vmlinuz" && -f "$OUT_DIR/disk.qcow2" ]]; then
    echo "guest up to date: $OUT_DIR"
    exit 0
fi

work="$(mktemp -d "$OUT_DIR/.build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

"$CC" "${CFLAGS[@]}" -o "$work/checker" "$SRC_DIR/checker.c" "$SRC_DIR/netserver.c"

root="$work/root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,run,lib/modules}
cp "$BUSYBOX" "$root/bin/busybox"
cp "$work/checker" "$root/bin/checker"
cp "$SRC_DIR/init" "$root/init"
chmod 0755 "$root/bin/busybox" "$root/bin/checker" "$root/init"
for module in "${MODULES[@]}"; do
    name="$(basename "$module")"
    cp "$MODULES_DIR/$module" "$root/lib/modules/$name"
    echo "$name" >> "$root/lib/modules/load-order"
done
find "$root" -exec touch -h -d @0 {} +

(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet --reproducible -o -H newc -R 0:0) \
    | gzip -9 -n > "$work/initramfs.cpio.gz"

# The bootable disk, built in a regular file: the partition table by sfdisk, the FAT file system at the partition's
# offset by mkfs.vfat, its files by mtools, the boot loader by syslinux's mtools-based installer, syslinux's MBR code
# by dd; then converted to qcow2. Every id and time is fixed, so the same inputs give the same bytes.
export SOURCE_DATE_EPOCH=315532800 MTOOLS_SKIP_CHECK=1
raw="$work/disk.raw"
start=2048
truncate -s "${DISK_MIB}M" "$raw"
printf 'label: dos\nlabel-id: 0x53434c44\nstart=%d, type=c, bootable\n' "$start" | sfdisk -q --no-reread --no-tell-kernel "$raw"
dd if="$SYSLINUX_MBR" of="$raw" bs=440 count=1 conv=notrunc status=none
mkfs.vfat -F 32 --offset "$start" -n SCBOOT -i 53434c44 --invariant "$raw" $(( (DISK_MIB * 2048 - start) / 2 )) >/dev/null
printf 'DEFAULT guest\nPROMPT 0\nTIMEOUT 1\nLABEL guest\n  KERNEL /vmlinuz\n  INITRD /initrd.gz\n  APPEND console=ttyS0 quiet panic=-1\n' > "$work/syslinux.cfg"
cp "$KERNEL" "$work/vmlinuz"
touch -d @"$SOURCE_DATE_EPOCH" "$work/vmlinuz" "$work/initramfs.cpio.gz" "$work/syslinux.cfg"
fat="$raw@@$((start * 512))"
mcopy -m -i "$fat" "$work/vmlinuz" ::/vmlinuz
mcopy -m -i "$fat" "$work/initramfs.cpio.gz" ::/initrd.gz
mcopy -m -i "$fat" "$work/syslinux.cfg" ::/syslinux.cfg
syslinux --offset $((start * 512)) --install "$raw"
qemu-img convert -f raw -O qcow2 "$raw" "$work/disk.qcow2"

cp "$work/checker" "$OUT_DIR/checker"
mv "$work/disk.qcow2" "$OUT_DIR/disk.qcow2"
mv "$work/initramfs.cpio.gz" "$OUT_DIR/initramfs.cpio.gz"
cmp -s "$KERNEL" "$OUT_DIR/vmlinuz" 2>/dev/null || cp "$KERNEL" "$OUT_DIR/vmlinuz"
echo "$stamp" > "$OUT_DIR/.stamp"
echo "guest built: $OUT_DIR/initramfs.cpio.gz ($(stat -c %s "$OUT_DIR/initramfs.cpio.gz") bytes), kernel $(basename "$KERNEL"), disk.qcow2 ($(stat -c %s "$OUT_DIR/disk.qcow2") bytes)"
