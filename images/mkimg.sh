#!/bin/sh
# Builds vmgate's bootable disk image: a raw disk with a GPT and one EFI System
# Partition (FAT32, or FAT16 when the image is too small for FAT32) holding
#   \EFI\BOOT\BOOTX64.EFI   the loader (the removable-media path firmware boots)
#   \vmgate.conf            the configuration
#   \tftp\...               the TFTP root, if one is given
# No loop devices or mounts: sfdisk writes the partition table into the file,
# mkfs.vfat formats at the partition's offset, mtools copies files in at it.
#
#   images/mkimg.sh OUT.img LOADER.efi CONF [TFTP_ROOT_DIR]
#   IMG_SIZE_MB=64      size of the whole disk image in MiB
set -eu

usage() { echo "usage: $0 OUT.img LOADER.efi CONF [TFTP_ROOT_DIR]" >&2; exit 2; }
die() { echo "mkimg: $*" >&2; exit 1; }

[ $# -ge 3 ] && [ $# -le 4 ] || usage
out=$1 efi=$2 conf=$3 tftp=${4:-}
size_mb=${IMG_SIZE_MB:-64}

[ -f "$efi" ] || die "no loader $efi"
[ -f "$conf" ] || die "no configuration file $conf"
[ -z "$tftp" ] || [ -d "$tftp" ] || die "TFTP root $tftp is not a directory"
case $size_mb in ''|*[!0-9]*) die "IMG_SIZE_MB=$size_mb is not a number of MiB";; esac
[ "$size_mb" -ge 4 ] || die "IMG_SIZE_MB=$size_mb is too small (4 MiB at least)"

# Fail early, with a hint, when the files cannot fit (FAT and GPT overhead: ~3 MiB).
need_kb=$(du -skL "$efi" "$conf" ${tftp:+"$tftp"} | awk '{s += $1} END {print s}')
if [ $((need_kb / 1024 + 3)) -gt "$size_mb" ]; then
  die "$((need_kb / 1024)) MiB of files do not fit a ${size_mb} MiB image: set IMG_SIZE_MB"
fi

tmp=$out.tmp
rm -f "$tmp"
trap 'rm -f "$tmp" "$tmp.log"' EXIT    # on failure, leave no half-built image
truncate -s "${size_mb}M" "$tmp"

# GPT: one ESP from 1 MiB to the end. Fixed GUIDs keep rebuilds byte-comparable.
sfdisk --quiet --no-reread --no-tell-kernel "$tmp" <<EOF
label: gpt
label-id: 766D6761-7465-4000-8000-000000000001
start=2048, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=766D6761-7465-4000-8000-000000000002, name="vmgate ESP"
EOF
part=$(sfdisk --dump "$tmp" | grep 'type=C12A7328')
start=$(echo "$part" | sed -n 's/.*start= *\([0-9]*\).*/\1/p')
sectors=$(echo "$part" | sed -n 's/.*size= *\([0-9]*\).*/\1/p')
[ -n "$start" ] && [ -n "$sectors" ] || die "cannot read the partition back from sfdisk"

# FAT32 needs 65525 clusters at least: about 33 MiB with 512-byte clusters. Below
# that, mkfs.vfat picks FAT12 or FAT16 itself (UEFI reads all three).
if [ $((sectors / 2048)) -ge 36 ]; then fatsize="-F 32"; else fatsize=; fi
if ! mkfs.vfat $fatsize -n VMGATE --invariant -i 766d6774 --offset="$start" -h "$start" \
     "$tmp" $((sectors / 2)) >"$tmp.log" 2>&1; then
  cat "$tmp.log" >&2; rm -f "$tmp" "$tmp.log"; die "mkfs.vfat failed"
fi
# It warns that the file is larger than the file system it was told to make: expected.
grep -iv 'mkfs.fat [0-9]\|block count mismatch' "$tmp.log" >&2 || true
rm -f "$tmp.log"

# mtools addresses the partition as FILE@@BYTE_OFFSET; -D o: overwrite, never ask.
esp="$tmp@@$((start * 512))"
export MTOOLS_SKIP_CHECK=1
mmd -i "$esp" ::/EFI ::/EFI/BOOT
mcopy -i "$esp" -D o "$efi" ::/EFI/BOOT/BOOTX64.EFI </dev/null
mcopy -i "$esp" -D o "$conf" ::/vmgate.conf </dev/null
if [ -n "$tftp" ]; then
  mmd -i "$esp" ::/tftp
  # Every entry of the root (dot files too), recursively.
  for f in "$tftp"/* "$tftp"/.[!.]* "$tftp"/..?*; do
    [ -e "$f" ] || continue
    mcopy -i "$esp" -s -D o "$f" ::/tftp/ </dev/null
  done
fi

mv "$tmp" "$out"
echo "  IMG $out (${size_mb} MiB, GPT, ESP at sector $start${tftp:+, TFTP root from $tftp})"
