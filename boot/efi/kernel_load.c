/* The kernel ELF embedded in the loader (kernel_blob.S): validation and loading.
 *
 * The kernel (kernel/kernel.ld) is a non-PIC ELF64 executable linked and run
 * identity-mapped at 1 MiB. Its PT_LOAD segments are not page-aligned at both ends
 * (the symbol table segment starts in the page where .bss ends), so the loader
 * allocates the whole span from the lowest to the highest segment byte, page-rounded,
 * in one AllocatePages(AllocateAddress) call, zeroes it (that is the .bss and the
 * gaps) and copies each segment's file bytes in.
 *
 * Firmware may still be using that range until ExitBootServices (OVMF keeps its
 * decompressed DXE firmware volume at 9-21 MiB as EfiBootServicesData, where the
 * kernel was linked before it moved to 1 MiB; at 1 MiB Debian 12's OVMF has the
 * range free and the kernel loads in place). Such memory is
 * the kernel's afterwards, so the loader then claims the range's free pages (so that
 * none of its later allocations land there), builds the image in a staging buffer,
 * and handover() moves it into place after ExitBootServices. A range that stays in
 * use afterwards (runtime services, ACPI, reserved, not RAM) is an error, with the
 * conflicting memory map entries printed. */
#include "loader.h"
#include "elf64.h"

/* The embedded image; hidden so that -fpic code reaches it without the GOT. */
extern const uint8_t vmgate_kernel_elf[] __attribute__((visibility("hidden")));
extern const uint8_t vmgate_kernel_elf_end[] __attribute__((visibility("hidden")));

/* The kernel must sit above the first MiB (which the kernel never uses) and end below
 * 4 GiB (the kernel's boot page tables map only that). */
#define KERNEL_MIN_ADDR  (1ULL << 20)
#define KERNEL_MAX_ADDR  (4ULL << 30)
#define KERNEL_MAX_SPAN  (256ULL << 20)
#define KERNEL_MAX_PHDRS 16

#define PT_GNU_EH_FRAME  0x6474e550
#define PT_GNU_STACK     0x6474e551
#define PT_GNU_PROPERTY  0x6474e553

struct kernel_image {
    const uint8_t *data;
    UINT64 size;
    struct elf64_ehdr eh;
    struct elf64_phdr ph[KERNEL_MAX_PHDRS];
    UINT64 lo, hi;                      /* page-rounded span of the PT_LOAD segments */
};

/* Fails with a reason when the condition does not hold. */
#define check(cond, fmt, ...) \
    do { if (!(cond)) { say(L"kernel ELF rejected: " fmt, ##__VA_ARGS__); return EFI_LOAD_ERROR; } } while (0)

/* Checks one PT_LOAD segment on its own: inside the file, inside the address window,
 * identity-mapped. */
static EFI_STATUS check_load_segment(const struct kernel_image *k, const struct elf64_phdr *p, int i)
{
    check(p->p_filesz <= p->p_memsz, L"segment %d: file size %lx > memory size %lx",
          i, p->p_filesz, p->p_memsz);
    check(p->p_filesz <= k->size && p->p_offset <= k->size - p->p_filesz,
          L"segment %d: bytes %lx+%lx lie outside the %lx-byte file", i, p->p_offset, p->p_filesz, k->size);
    check(p->p_vaddr == p->p_paddr, L"segment %d: virtual %lx != physical %lx (not identity-mapped)",
          i, p->p_vaddr, p->p_paddr);
    check(p->p_paddr >= KERNEL_MIN_ADDR && p->p_paddr < KERNEL_MAX_ADDR &&
          p->p_memsz <= KERNEL_MAX_ADDR - p->p_paddr,
          L"segment %d: %lx+%lx outside 1 MiB..4 GiB", i, p->p_paddr, p->p_memsz);
    return EFI_SUCCESS;
}

static EFI_STATUS kernel_check(struct kernel_image *k)
{
    check(k->size >= sizeof k->eh, L"%lx bytes is too short for an ELF header", k->size);
    CopyMem(&k->eh, (void *)k->data, sizeof k->eh);
    const struct elf64_ehdr *eh = &k->eh;
    check(eh->e_ident[0] == 0x7f && eh->e_ident[1] == 'E' && eh->e_ident[2] == 'L' && eh->e_ident[3] == 'F',
          L"no ELF magic");
    check(eh->e_ident[4] == ELFCLASS64 && eh->e_ident[5] == ELFDATA2LSB && eh->e_ident[6] == EV_CURRENT,
          L"not a little-endian ELF64 (class %d, data %d)", eh->e_ident[4], eh->e_ident[5]);
    check(eh->e_type == ET_EXEC, L"type %d, want an executable (%d)", eh->e_type, ET_EXEC);
    check(eh->e_machine == EM_X86_64, L"machine %d, want x86_64 (%d)", eh->e_machine, EM_X86_64);
    check(eh->e_phentsize == sizeof(struct elf64_phdr), L"program header size %d", eh->e_phentsize);
    check(eh->e_phnum >= 1 && eh->e_phnum <= KERNEL_MAX_PHDRS, L"%d program headers", eh->e_phnum);
    UINT64 ph_bytes = (UINT64)eh->e_phnum * sizeof(struct elf64_phdr);
    check(eh->e_phoff <= k->size && ph_bytes <= k->size - eh->e_phoff,
          L"program headers at %lx lie outside the file", eh->e_phoff);
    CopyMem(k->ph, (void *)(k->data + eh->e_phoff), ph_bytes);

    int n_load = 0, entry_ok = 0;
    k->lo = ~0ULL;
    k->hi = 0;
    for (int i = 0; i < eh->e_phnum; i++) {
        const struct elf64_phdr *p = &k->ph[i];
        switch (p->p_type) {
        case PT_LOAD:
            break;
        case PT_NULL: case PT_NOTE: case PT_PHDR:
        case PT_GNU_EH_FRAME: case PT_GNU_STACK: case PT_GNU_PROPERTY:
            continue;
        default:
            /* PT_DYNAMIC, PT_INTERP, PT_TLS...: not the freestanding kernel we expect. */
            check(0, L"segment %d has type %x, which the kernel never has", i, p->p_type);
        }
        EFI_STATUS st = check_load_segment(k, p, i);
        if (EFI_ERROR(st))
            return st;
        if (p->p_memsz == 0)
            continue;
        for (int j = 0; j < i; j++) {
            const struct elf64_phdr *q = &k->ph[j];
            check(q->p_type != PT_LOAD || q->p_memsz == 0 ||
                  p->p_paddr + p->p_memsz <= q->p_paddr || q->p_paddr + q->p_memsz <= p->p_paddr,
                  L"segments %d and %d overlap", j, i);
        }
        if ((p->p_flags & PF_X) && eh->e_entry >= p->p_paddr && eh->e_entry < p->p_paddr + p->p_memsz)
            entry_ok = 1;
        if (p->p_paddr < k->lo)
            k->lo = p->p_paddr;
        if (p->p_paddr + p->p_memsz > k->hi)
            k->hi = p->p_paddr + p->p_memsz;
        n_load++;
    }
    check(n_load > 0, L"no PT_LOAD segment");
    check(entry_ok, L"entry point %lx is not in an executable segment", eh->e_entry);
    k->lo &= ~(EFI_PAGE - 1);
    k->hi = (k->hi + EFI_PAGE - 1) & ~(EFI_PAGE - 1);
    check(k->hi - k->lo <= KERNEL_MAX_SPAN, L"segments span %lx bytes", k->hi - k->lo);
    return EFI_SUCCESS;
}

/* The kernel's range is taken (by EfiBootServicesData, say, as OVMF's DXE firmware
 * volume at 9-21 MiB is): if all of it is free once boot services end,
 * claim its free pages so nothing else lands there, and stage the image elsewhere. */
static EFI_STATUS kernel_stage(const struct kernel_image *k, struct kernel_place *kp)
{
    EFI_STATUS st = memmap_claim_free(k->lo, k->hi);
    if (EFI_ERROR(st)) {
        say(L"cannot place the kernel at %lx-%lx: the range stays in use after boot services (%r):",
            k->lo, k->hi - 1, st);
        memmap_print_conflicts(k->lo, k->hi, 1);
        return EFI_LOAD_ERROR;
    }
    say(L"kernel range %lx-%lx is firmware memory until ExitBootServices:", k->lo, k->hi - 1);
    memmap_print_conflicts(k->lo, k->hi, 0);
    EFI_PHYSICAL_ADDRESS addr = 0xffffffffULL;
    st = BS->AllocatePages(AllocateMaxAddress, EfiBootServicesData, PAGES(k->hi - k->lo), &addr);
    if (EFI_ERROR(st)) {
        say(L"no memory below 4 GiB to stage the kernel (%ld KiB): %r", (k->hi - k->lo) >> 10, st);
        return st;
    }
    kp->staging = addr;
    return EFI_SUCCESS;
}

EFI_STATUS kernel_load(struct kernel_place *kp)
{
    static struct kernel_image k;       /* loader memory: only used before the jump */
    k.data = vmgate_kernel_elf;
    k.size = (UINT64)(vmgate_kernel_elf_end - vmgate_kernel_elf);
    EFI_STATUS st = kernel_check(&k);
    if (EFI_ERROR(st))
        return st;

    kp->lo = k.lo;
    kp->hi = k.hi;
    kp->entry = k.eh.e_entry;
    EFI_PHYSICAL_ADDRESS addr = k.lo;
    st = BS->AllocatePages(AllocateAddress, EfiLoaderData, PAGES(k.hi - k.lo), &addr);
    if (!EFI_ERROR(st)) {
        kp->staging = k.lo;
    } else {
        st = kernel_stage(&k, kp);
        if (EFI_ERROR(st))
            return st;
    }
    /* Zero the span (the .bss and the gaps between segments), then copy each
     * segment's file bytes to its place relative to the span's start. */
    SetMem((void *)kp->staging, k.hi - k.lo, 0);
    for (int i = 0; i < k.eh.e_phnum; i++) {
        const struct elf64_phdr *p = &k.ph[i];
        if (p->p_type == PT_LOAD && p->p_filesz)
            CopyMem((void *)(kp->staging + (p->p_paddr - k.lo)), (void *)(k.data + p->p_offset), p->p_filesz);
    }
    if (kp->staging == kp->lo)
        say(L"kernel: %ld KiB ELF loaded at %lx-%lx, entry %lx", k.size >> 10, k.lo, k.hi - 1, kp->entry);
    else
        say(L"kernel: %ld KiB ELF staged at %lx, moves to %lx-%lx after ExitBootServices, entry %lx",
            k.size >> 10, kp->staging, k.lo, k.hi - 1, kp->entry);
    return EFI_SUCCESS;
}
