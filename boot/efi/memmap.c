/* The firmware's memory map: printing, converting to boot_info.mem[], and leaving
 * boot services with it.
 *
 * Conversion policy (UEFI 2.x, 7.2 "Memory Allocation Services", table "Memory Type
 * Usage after ExitBootServices()"):
 *   usable   EfiConventionalMemory, EfiBootServicesCode/Data (the firmware is gone),
 *            EfiLoaderCode (this loader's image: kernel_entry64 never returns to it
 *            and nothing boot_info points to lies in it);
 *   ACPI     EfiACPIReclaimMemory (the tables; reusable once parsed);
 *   reserved everything else: EfiLoaderData (the kernel image, boot_info, the
 *            configuration and the TFTP root: see loader.h), runtime services
 *            code/data (the firmware still owns them), ACPI NVS, MMIO, unusable,
 *            persistent memory and types this header does not know.
 * Regions are sorted and adjacent ones of the same kind merged. If more than
 * BOOT_MEM_MAX remain, the least useful go first: MMIO, then reserved, then ACPI,
 * then the smallest usable ones (the kernel treats anything unlisted as not RAM). */
#include "loader.h"

/* Kinds used while converting; MMIO is kept apart so it can be dropped first. */
enum { KIND_MMIO = 0, KIND_RESERVED = 1, KIND_ACPI = 2, KIND_USABLE = 3 };

static const CHAR16 *type_name(UINT32 type)
{
    static const CHAR16 *const names[] = {
        L"Reserved", L"LoaderCode", L"LoaderData", L"BootServicesCode",
        L"BootServicesData", L"RuntimeServicesCode", L"RuntimeServicesData",
        L"Conventional", L"Unusable", L"ACPIReclaim", L"ACPINVS", L"MMIO",
        L"MMIOPortSpace", L"PalCode", L"Persistent", L"Unaccepted",
    };
    return type < sizeof names / sizeof names[0] ? names[type] : L"(unknown)";
}

static unsigned kind_of(UINT32 type)
{
    switch (type) {
    case EfiConventionalMemory:
    case EfiBootServicesCode:
    case EfiBootServicesData:
    case EfiLoaderCode:
        return KIND_USABLE;
    case EfiACPIReclaimMemory:
        return KIND_ACPI;
    case EfiMemoryMappedIO:
    case EfiMemoryMappedIOPortSpace:
        return KIND_MMIO;
    default:
        return KIND_RESERVED;
    }
}

static const EFI_MEMORY_DESCRIPTOR *desc_at(const struct efi_memmap *m, UINTN i)
{
    return (const EFI_MEMORY_DESCRIPTOR *)((const UINT8 *)m->buf + i * m->desc_size);
}

static UINTN desc_count(const struct efi_memmap *m)
{
    return m->desc_size ? m->size / m->desc_size : 0;
}

/* Sizes and allocates (pool, so EfiBootServicesData) the map buffer with room for the
 * entries that later allocations and ExitBootServices retries may add, and the
 * conversion scratch array, then reads the map once. After the first failed
 * ExitBootServices no allocation is allowed, hence the slack now. */
EFI_STATUS memmap_prepare(struct efi_memmap *m)
{
    UINTN size = 0;
    EFI_STATUS st = BS->GetMemoryMap(&size, NULL, &m->key, &m->desc_size, &m->desc_ver);
    if (st != EFI_BUFFER_TOO_SMALL) {
        say(L"GetMemoryMap (sizing): %r", st);
        return EFI_ERROR(st) ? st : EFI_LOAD_ERROR;
    }
    if (m->desc_size < sizeof(EFI_MEMORY_DESCRIPTOR)) {
        say(L"firmware memory descriptors of %ld bytes are too small", (UINT64)m->desc_size);
        return EFI_UNSUPPORTED;
    }
    m->cap = size + 32 * m->desc_size;
    m->buf = AllocatePool(m->cap);
    m->scratch_cap = m->cap / m->desc_size;
    m->scratch = AllocatePool(m->scratch_cap * sizeof *m->scratch);
    if (!m->buf || !m->scratch) {
        say(L"no pool memory for the memory map");
        return EFI_OUT_OF_RESOURCES;
    }
    return memmap_refresh(m);
}

EFI_STATUS memmap_refresh(struct efi_memmap *m)
{
    m->size = m->cap;
    EFI_STATUS st = BS->GetMemoryMap(&m->size, m->buf, &m->key, &m->desc_size, &m->desc_ver);
    if (EFI_ERROR(st))
        m->size = 0;
    return st;
}

/* Memory that is free for the kernel once boot services are gone, but maybe in use
 * by the firmware now: where a kernel may be moved after ExitBootServices. */
static int reclaimable(UINT32 type)
{
    return type == EfiConventionalMemory || type == EfiBootServicesCode || type == EfiBootServicesData;
}

/* After an AllocateAddress failure: which firmware regions overlap [base, end).
 * blocking_only: only those that stay in use after ExitBootServices. */
void memmap_print_conflicts(UINT64 base, UINT64 end, int blocking_only)
{
    struct efi_memmap m = { 0 };
    if (EFI_ERROR(memmap_prepare(&m))) {
        say(L"  (no memory map to show what is there)");
        return;
    }
    UINT64 covered = 0;
    for (UINTN i = 0; i < desc_count(&m); i++) {
        const EFI_MEMORY_DESCRIPTOR *d = desc_at(&m, i);
        UINT64 d_end = d->PhysicalStart + d->NumberOfPages * EFI_PAGE;
        if (d_end <= base || d->PhysicalStart >= end)
            continue;
        covered += (d_end < end ? d_end : end) - (d->PhysicalStart > base ? d->PhysicalStart : base);
        if (d->Type == EfiConventionalMemory || (blocking_only && reclaimable(d->Type)))
            continue;
        say(L"  %a: %lx-%lx %s (type %d, attributes %lx)", blocking_only ? "conflict" : "in use",
            d->PhysicalStart, d_end - 1, type_name(d->Type), d->Type, d->Attribute);
    }
    if (covered < end - base)
        say(L"  conflict: %ld KiB of the range are not RAM (not in the memory map)", (end - base - covered) >> 10);
    FreePool(m.buf);
    FreePool(m.scratch);
}

int memmap_range_reclaimable(const struct efi_memmap *m, UINT64 base, UINT64 end)
{
    UINT64 covered = 0;
    for (UINTN i = 0; i < desc_count(m); i++) {
        const EFI_MEMORY_DESCRIPTOR *d = desc_at(m, i);
        UINT64 d_end = d->PhysicalStart + d->NumberOfPages * EFI_PAGE;
        if (d_end <= base || d->PhysicalStart >= end || !reclaimable(d->Type))
            continue;
        covered += (d_end < end ? d_end : end) - (d->PhysicalStart > base ? d->PhysicalStart : base);
    }
    return covered == end - base;
}

EFI_STATUS memmap_claim_free(UINT64 base, UINT64 end)
{
    struct efi_memmap m = { 0 };
    EFI_STATUS st = memmap_prepare(&m);
    if (EFI_ERROR(st))
        return st;
    if (!memmap_range_reclaimable(&m, base, end))
        st = EFI_ACCESS_DENIED;         /* checked first: nothing to undo */
    for (UINTN i = 0; i < desc_count(&m) && !EFI_ERROR(st); i++) {
        const EFI_MEMORY_DESCRIPTOR *d = desc_at(&m, i);
        UINT64 d_end = d->PhysicalStart + d->NumberOfPages * EFI_PAGE;
        if (d_end <= base || d->PhysicalStart >= end || d->Type != EfiConventionalMemory)
            continue;
        EFI_PHYSICAL_ADDRESS a = d->PhysicalStart > base ? d->PhysicalStart : base;
        UINT64 e = d_end < end ? d_end : end;
        st = BS->AllocatePages(AllocateAddress, EfiBootServicesData, (e - a) / EFI_PAGE, &a);
    }
    FreePool(m.buf);
    FreePool(m.scratch);
    return st;
}

static unsigned drop_rank(const struct boot_mem_region *r)
{
    return r->type;                     /* while converting, type holds a KIND_* */
}

/* Removes the least useful region: the lowest kind, the smallest among equals. */
static void drop_one(struct boot_mem_region *r, UINTN *n)
{
    UINTN victim = 0;
    for (UINTN i = 1; i < *n; i++) {
        if (drop_rank(&r[i]) < drop_rank(&r[victim]) ||
            (drop_rank(&r[i]) == drop_rank(&r[victim]) && r[i].len < r[victim].len))
            victim = i;
    }
    for (UINTN i = victim; i + 1 < *n; i++)
        r[i] = r[i + 1];
    (*n)--;
}

UINTN memmap_to_boot_info(const struct efi_memmap *m, struct boot_info *bi)
{
    struct boot_mem_region *r = m->scratch;
    UINTN n = 0;
    for (UINTN i = 0; i < desc_count(m) && n < m->scratch_cap; i++) {
        const EFI_MEMORY_DESCRIPTOR *d = desc_at(m, i);
        if (!d->NumberOfPages)
            continue;
        struct boot_mem_region cur = {
            .base = d->PhysicalStart,
            .len = d->NumberOfPages * EFI_PAGE,
            .type = kind_of(d->Type),
        };
        /* Insertion sort by base: the map is short and usually already sorted. */
        UINTN j = n;
        while (j > 0 && r[j - 1].base > cur.base) {
            r[j] = r[j - 1];
            j--;
        }
        r[j] = cur;
        n++;
    }
    UINTN merged = 0;
    for (UINTN i = 0; i < n; i++) {
        if (merged && r[merged - 1].type == r[i].type && r[merged - 1].base + r[merged - 1].len == r[i].base)
            r[merged - 1].len += r[i].len;
        else
            r[merged++] = r[i];
    }
    n = merged;
    UINTN dropped = 0;
    while (n > BOOT_MEM_MAX) {
        drop_one(r, &n);
        dropped++;
    }
    for (UINTN i = 0; i < n; i++) {
        bi->mem[i] = r[i];
        bi->mem[i].type = r[i].type == KIND_USABLE ? BOOT_MEM_USABLE :
                          r[i].type == KIND_ACPI ? BOOT_MEM_ACPI : BOOT_MEM_RESERVED;
    }
    bi->n_mem = (uint32_t)n;
    return dropped;
}

/* The standard sequence: GetMemoryMap, then ExitBootServices with its key; if the
 * map changed in between (an event allocated memory), the key is stale and the call
 * fails with EFI_INVALID_PARAMETER: read the map again (into the same buffer, which
 * memmap_prepare sized with slack) and retry. Nothing else may be called in between,
 * not even console output. */
EFI_STATUS memmap_exit_boot_services(EFI_HANDLE image, struct efi_memmap *m)
{
    EFI_STATUS st = EFI_LOAD_ERROR;
    for (int attempt = 0; attempt < 8; attempt++) {
        st = memmap_refresh(m);
        if (EFI_ERROR(st))
            return st;
        st = BS->ExitBootServices(image, m->key);
        if (st != EFI_INVALID_PARAMETER)
            return st;
    }
    return st;
}
