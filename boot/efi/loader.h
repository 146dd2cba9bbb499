/* vmgate's UEFI loader: shared declarations.
 *
 * The loader is a GNU-EFI application (built with GNU_EFI_USE_MS_ABI, so firmware
 * services are called directly through their ms_abi function pointers). It embeds
 * the kernel ELF, places it at its link address, gathers what struct boot_info
 * needs from the firmware and the boot volume, leaves boot services and jumps to
 * kernel_entry64. See docs/BOOT.md.
 *
 * Memory policy (one rule, used everywhere in the loader):
 *   - what the kernel keeps using after the jump (boot_info, the command line, the
 *     configuration file, the TFTP root) is allocated with alloc_kept(): EfiLoaderData
 *     pages below 4 GiB. The memory map handed to the kernel reports EfiLoaderData
 *     as reserved, and these ranges are listed in boot_info.reserved as well;
 *   - the kernel image is EfiLoaderData too when it could be loaded in place; when
 *     it had to be staged, its final range is firmware memory that the map reports
 *     usable. Either way its range is in boot_info.reserved (and the kernel reserves
 *     its own image regardless);
 *   - everything temporary (pool memory, the staging buffer, the hand-over page
 *     tables) is EfiBootServicesData, and the loader's image with the trampoline
 *     EfiLoaderCode: usable memory once the kernel runs, since the kernel never
 *     returns into the loader and its first instructions leave the loader's stack,
 *     GDT and page tables. */
#ifndef VMGATE_EFI_LOADER_H
#define VMGATE_EFI_LOADER_H

#include <efi.h>
#include <efilib.h>

#include "boot/bootinfo.h"

#define EFI_PAGE 4096ULL
#define PAGES(bytes) (((bytes) + EFI_PAGE - 1) / EFI_PAGE)

/* Progress and errors on ConOut (OVMF mirrors it on the serial port). fmt is a
 * CHAR16 literal in gnu-efi's Print() syntax: %a ASCII, %s UCS-2, %lx 64-bit hex,
 * %d int, %r EFI_STATUS. */
#define say(fmt, ...) Print(L"vmgate-efi: " fmt L"\n", ##__VA_ARGS__)

struct efi_memmap;

/* loader.c */
void *alloc_kept(UINT64 size);

/* kernel_load.c: validates the embedded ELF and loads its PT_LOAD segments at their
 * physical addresses, or, where the firmware still uses that range, into a staging
 * buffer that handover() moves into place after ExitBootServices. Prints why on
 * failure. Call it before any other allocation (see kernel_load.c). */
struct kernel_place {
    UINT64 lo, hi;                      /* where it runs: page-rounded span of PT_LOAD */
    UINT64 staging;                     /* where it is now: lo, or a staging buffer */
    UINT64 entry;                       /* e_entry: kernel_entry64 */
};
EFI_STATUS kernel_load(struct kernel_place *kp);

/* handover.c: the last step, after ExitBootServices. */
EFI_STATUS handover_prepare(void);
void handover(const struct kernel_place *kp, const struct efi_memmap *m, struct boot_info *bi)
    __attribute__((noreturn));

/* files.c: the boot volume, \vmgate.conf and the \tftp tree. */
EFI_FILE_HANDLE volume_open(EFI_LOADED_IMAGE *li);
void config_load(EFI_FILE_HANDLE root, struct boot_info *bi);
void tftp_load(EFI_FILE_HANDLE root, struct boot_info *bi);

/* memmap.c: the firmware memory map, its conversion, ExitBootServices. */
struct efi_memmap {
    EFI_MEMORY_DESCRIPTOR *buf;
    UINTN size;                         /* bytes filled by the last GetMemoryMap */
    UINTN cap;                          /* bytes allocated */
    UINTN key;
    UINTN desc_size;
    UINT32 desc_ver;
    struct boot_mem_region *scratch;    /* room for one region per descriptor */
    UINTN scratch_cap;
};
EFI_STATUS memmap_prepare(struct efi_memmap *m);
EFI_STATUS memmap_refresh(struct efi_memmap *m);
void memmap_print_conflicts(UINT64 base, UINT64 end, int blocking_only);
/* Is all of [base, end) RAM that is free after ExitBootServices? Pure. */
int memmap_range_reclaimable(const struct efi_memmap *m, UINT64 base, UINT64 end);
/* Allocates (as EfiBootServicesData) the free pages in [base, end), so that nothing
 * the loader allocates later lands there; fails, allocating nothing, unless all
 * of it is reclaimable. */
EFI_STATUS memmap_claim_free(UINT64 base, UINT64 end);
/* Converts the map into bi->mem; returns how many regions did not fit. Pure: it
 * calls no firmware service, so it runs after ExitBootServices too. */
UINTN memmap_to_boot_info(const struct efi_memmap *m, struct boot_info *bi);
EFI_STATUS memmap_exit_boot_services(EFI_HANDLE image, struct efi_memmap *m);

#endif
