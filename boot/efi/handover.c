/* Handing the machine to the kernel, after ExitBootServices.
 *
 * The jump goes through a small trampoline (trampoline.S) on our own page tables
 * rather than the firmware's, because:
 *   - the kernel may be staged elsewhere and must first be moved over memory the
 *     firmware used until ExitBootServices (kernel_load.c), possibly its stack, GDT
 *     or page tables;
 *   - firmware may map the pages it allocated for us non-executable (EDK2's
 *     PcdDxeNxMemoryProtectionPolicy can cover EfiLoaderData, where the kernel is;
 *     Debian 12's OVMF does not, but a newer or stricter build may).
 * So before ExitBootServices, handover_prepare() builds an identity map of the first
 * 4 GiB with 2 MiB pages (EfiBootServicesData: the kernel replaces it at once) and
 * copies the trampoline to an EfiLoaderCode page; both lie below 4 GiB and outside
 * the kernel's range (kernel_load() claimed that first). */
#include "loader.h"

#define PTE_P  0x001ULL
#define PTE_RW 0x002ULL
#define PTE_PS 0x080ULL
#define CR4_LA57 (1ULL << 12)

#define COM1 0x3f8

extern const UINT8 efi_trampoline[] __attribute__((visibility("hidden")));
extern const UINT8 efi_trampoline_end[] __attribute__((visibility("hidden")));

typedef void trampoline_fn(UINT64 pml4, UINT64 dest, UINT64 src, UINT64 len, UINT64 entry,
                           struct boot_info *bi);

static UINT64 *pml4;
static trampoline_fn *trampoline;

static void *alloc_low(EFI_MEMORY_TYPE type, UINTN pages)
{
    EFI_PHYSICAL_ADDRESS addr = 0xffffffffULL;
    EFI_STATUS st = BS->AllocatePages(AllocateMaxAddress, type, pages, &addr);
    return EFI_ERROR(st) ? NULL : (void *)addr;
}

EFI_STATUS handover_prepare(void)
{
    UINT64 cr4;
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    if (cr4 & CR4_LA57) {
        say(L"the firmware runs with 5-level paging; the kernel needs 4-level");
        return EFI_UNSUPPORTED;
    }
    /* PML4, PDPT, 4 page directories of 512 x 2 MiB. */
    UINT64 *pt = alloc_low(EfiBootServicesData, 6);
    UINTN code_size = (UINTN)(efi_trampoline_end - efi_trampoline);
    void *code = alloc_low(EfiLoaderCode, 1);
    if (!pt || !code || code_size > EFI_PAGE) {
        say(L"no memory below 4 GiB for the hand-over page tables and trampoline");
        return EFI_OUT_OF_RESOURCES;
    }
    SetMem(pt, 6 * EFI_PAGE, 0);
    UINT64 *pdpt = pt + 512, *pd = pt + 1024;
    pt[0] = (UINT64)pdpt | PTE_P | PTE_RW;
    for (int i = 0; i < 4; i++)
        pdpt[i] = (UINT64)(pd + 512 * i) | PTE_P | PTE_RW;
    for (UINT64 i = 0; i < 4 * 512; i++)
        pd[i] = (i << 21) | PTE_P | PTE_RW | PTE_PS;
    CopyMem(code, (void *)efi_trampoline, code_size);
    pml4 = pt;
    trampoline = (trampoline_fn *)code;
    return EFI_SUCCESS;
}

static inline void outb(UINT16 port, UINT8 v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline UINT8 inb(UINT16 port)
{
    UINT8 v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* After ExitBootServices there is no console: write to COM1 (which the firmware
 * left initialised, as the kernel will) and stop. */
static void __attribute__((noreturn)) fatal_serial(const char *msg)
{
    for (const char *p = msg; *p; p++) {
        for (int spin = 0; spin < 100000 && !(inb(COM1 + 5) & 0x20); spin++)
            ;
        outb(COM1, (UINT8)*p);
    }
    for (;;)
        __asm__ volatile("cli; hlt");
}

void handover(const struct kernel_place *kp, const struct efi_memmap *m, struct boot_info *bi)
{
    UINT64 len = 0;
    if (kp->staging != kp->lo) {
        /* Checked before ExitBootServices; the final map must agree. */
        if (!memmap_range_reclaimable(m, kp->lo, kp->hi))
            fatal_serial("\r\nvmgate-efi: the kernel's range is not free after ExitBootServices; halted\r\n");
        len = kp->hi - kp->lo;
    }
    trampoline((UINT64)pml4, kp->lo, kp->staging, len, kp->entry, bi);
    __builtin_unreachable();
}
