/* Where the boot files come from: picks the one file root the TFTP and HTTP
 * servers read through (net/fileroot.h), says on one console line which it is,
 * and offers the `files` console command to look into it.
 *
 * The sources, the first present winning:
 *   1. a virtio-9p share tagged vmgate-tftp (a live host folder, read on
 *      demand: it wins over files copied at boot, so `--tftp DIR` always means
 *      that folder);
 *   2. the tftp/ folder of a cpio archive given as the PVH -initrd (read where
 *      QEMU loaded it);
 *   3. the ESP's \tftp folder that the UEFI loader read into memory.
 * A PVH -initrd that is a newc archive also carries vmgate.conf; one that is
 * not is a plain configuration text, as before archives existed. */
#ifndef VMGATE_BOOTFILES_H
#define VMGATE_BOOTFILES_H

#include "../boot/bootinfo.h"
#include "../net/fileroot.h"

/* Reads the boot path's initrd (setting bi->config: the archive's vmgate.conf,
 * or the initrd itself when it is no archive) and picks the root. Call after
 * the PCI scan (which finds the 9p share) and before the configuration is read. */
void bootfiles_init(struct boot_info *bi);

/* The root in use, or NULL when there is none. */
const struct fileroot *bootfiles_root(void);

#endif
