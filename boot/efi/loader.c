/* vmgate's UEFI loader: efi_main reads as the boot order.
 *
 * Firmware (or the UEFI shell) starts this application from the ESP
 * (\EFI\BOOT\BOOTX64.EFI). It loads the kernel embedded in it at its link address
 * (1 MiB, kernel/kernel.ld), fills a struct boot_info (boot/bootinfo.h) from the
 * load options, \vmgate.conf, the \tftp tree, the ACPI RSDP and the memory map,
 * leaves boot services and enters kernel_entry64 in long mode with interrupts off
 * and %rdi = &boot_info. */
#include "loader.h"

/* boot_info and the strings it points to, in one alloc_kept() block. */
struct handoff {
    struct boot_info bi;
    char boot_path[8];
    char cmdline[];                     /* sized from the load options */
};

/* Memory that outlives the loader: EfiLoaderData pages below 4 GiB (the kernel's
 * identity map covers only that). See the policy in loader.h. */
void *alloc_kept(UINT64 size)
{
    EFI_PHYSICAL_ADDRESS addr = 0xffffffffULL;
    EFI_STATUS st = BS->AllocatePages(AllocateMaxAddress, EfiLoaderData, PAGES(size), &addr);
    return EFI_ERROR(st) ? NULL : (void *)addr;
}

static struct handoff *handoff_alloc(EFI_LOADED_IMAGE *li)
{
    UINT64 size = sizeof(struct handoff) + li->LoadOptionsSize / 2 + 1;
    struct handoff *h = alloc_kept(size);
    if (!h)
        return NULL;
    SetMem(h, PAGES(size) * EFI_PAGE, 0);
    h->bi.magic = BOOT_INFO_MAGIC;
    CopyMem(h->boot_path, "uefi", 5);
    h->bi.boot_path = h->boot_path;
    boot_reserve(&h->bi, (UINT64)h, size);
    return h;
}

static int is_space(unsigned c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Does the first word of the load options name this program? The UEFI shell passes
 * the whole command line ("fs0:\vmgate.efi nic0 wan dhcp"); a boot entry passes only
 * its optional data. No configuration statement ends in ".efi" or holds '\' or ':'. */
static int is_program_name(const char *w, UINTN n)
{
    for (UINTN i = 0; i < n; i++)
        if (w[i] == '\\' || w[i] == ':')
            return 1;
    return n >= 4 && w[n - 4] == '.' && (w[n - 3] | 0x20) == 'e' && (w[n - 2] | 0x20) == 'f' &&
           (w[n - 1] | 0x20) == 'i';
}

/* Load options (UCS-2) into h->cmdline as ASCII, without the program name. Options
 * that are not printable text (some boot managers pass binary data) are ignored. */
static void cmdline_from_load_options(EFI_LOADED_IMAGE *li, struct handoff *h)
{
    const CHAR16 *opt = li->LoadOptions;
    UINTN n = li->LoadOptionsSize / sizeof(CHAR16), len = 0;
    if (!opt || n == 0)
        return;
    for (UINTN i = 0; i < n && opt[i]; i++) {
        if ((opt[i] < 0x20 || opt[i] > 0x7e) && !is_space(opt[i])) {
            say(L"load options are not ASCII text (%d bytes); ignored", li->LoadOptionsSize);
            return;
        }
        h->cmdline[len++] = is_space(opt[i]) ? ' ' : (char)opt[i];
    }
    h->cmdline[len] = 0;

    char *s = h->cmdline;
    while (*s == ' ')
        s++;
    UINTN w = 0;
    while (s[w] && s[w] != ' ')
        w++;
    if (is_program_name(s, w))
        s += w;
    while (*s == ' ')
        s++;
    len = 0;
    while (s[len])
        len++;
    while (len && s[len - 1] == ' ')
        len--;
    if (len == 0)
        return;
    CopyMem(h->cmdline, s, len);        /* overlapping move down: CopyMem handles it */
    h->cmdline[len] = 0;
    h->bi.cmdline = h->cmdline;
    say(L"cmdline: %a", h->cmdline);
}

static int guid_eq(const EFI_GUID *a, const EFI_GUID *b)
{
    return CompareMem((void *)a, (void *)b, sizeof *a) == 0;
}

/* The ACPI RSDP from the configuration table: the 2.0 one (XSDT), else 1.0. */
static void rsdp_find(struct boot_info *bi)
{
    EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
    UINT64 v1 = 0;
    for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
        EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];
        if (guid_eq(&t->VendorGuid, &acpi20)) {
            bi->rsdp = (UINT64)t->VendorTable;
            break;
        }
        if (guid_eq(&t->VendorGuid, &acpi10))
            v1 = (UINT64)t->VendorTable;
    }
    if (!bi->rsdp)
        bi->rsdp = v1;
    if (!bi->rsdp) {
        say(L"warning: no ACPI RSDP in the configuration table");
        return;
    }
    if (CompareMem((void *)bi->rsdp, "RSD PTR ", 8) != 0)
        say(L"warning: the RSDP at %lx has no \"RSD PTR \" signature", bi->rsdp);
    /* The tables are in ACPI memory; the RSDP itself may be elsewhere (a firmware
     * data page): keep its 36 bytes (ACPI 6.x, 5.2.5.3). */
    boot_reserve(bi, bi->rsdp, 36);
    say(L"acpi: RSDP at %lx (ACPI %a)", bi->rsdp, v1 == bi->rsdp ? "1.0" : "2.0");
}

/* Summary of the map the kernel will get (read again after ExitBootServices: it
 * may have changed a little, not in kind). */
static void memmap_report(struct efi_memmap *m, struct boot_info *bi)
{
    UINTN dropped = memmap_to_boot_info(m, bi);
    UINT64 usable = 0, low = 0;
    for (uint32_t i = 0; i < bi->n_mem; i++) {
        const struct boot_mem_region *r = &bi->mem[i];
        if (r->type != BOOT_MEM_USABLE)
            continue;
        usable += r->len;
        if (r->base < (4ULL << 30))
            low += (r->base + r->len > (4ULL << 30) ? (4ULL << 30) : r->base + r->len) - r->base;
    }
    say(L"memory: %ld firmware entries -> %d regions, %ld MiB usable (%ld MiB below 4 GiB)",
        (UINT64)(m->size / m->desc_size), bi->n_mem, usable >> 20, low >> 20);
    if (dropped)
        say(L"warning: %ld regions over BOOT_MEM_MAX dropped (MMIO and reserved first)", (UINT64)dropped);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
    EFI_LOADED_IMAGE *li;
    struct handoff *h;
    struct efi_memmap map = { 0 };
    struct kernel_place kernel;
    EFI_STATUS st;

    InitializeLib(image, systab);
    /* gnu-efi's AllocatePool() takes the image's data type, EfiLoaderData, which the
     * kernel is told to keep: our pool memory is temporary, so make it boot services
     * data, free for the kernel (see the policy in loader.h). */
    PoolAllocationType = EfiBootServicesData;
    /* The boot manager's 5-minute watchdog: reading a large TFTP root under
     * emulation must not reset the machine. ExitBootServices disarms it anyway. */
    BS->SetWatchdogTimer(0, 0, 0, NULL);
    st = BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&li);
    if (EFI_ERROR(st)) {
        say(L"no loaded-image protocol: %r", st);
        return st;
    }
    say(L"loader at %lx (%ld KiB), firmware %s rev %x", (UINT64)li->ImageBase, li->ImageSize >> 10,
        ST->FirmwareVendor, ST->FirmwareRevision);

    /* The kernel first: where it has to be staged, it claims its range before
     * anything else can be allocated there. */
    st = kernel_load(&kernel);
    if (EFI_ERROR(st))
        return st;
    h = handoff_alloc(li);
    if (!h) {
        say(L"no memory below 4 GiB for boot_info");
        return EFI_OUT_OF_RESOURCES;
    }
    boot_reserve(&h->bi, kernel.lo, kernel.hi - kernel.lo);
    cmdline_from_load_options(li, h);
    EFI_FILE_HANDLE root = volume_open(li);
    config_load(root, &h->bi);
    tftp_load(root, &h->bi);
    if (root)
        root->Close(root);
    rsdp_find(&h->bi);

    st = handover_prepare();
    if (EFI_ERROR(st))
        return st;
    st = memmap_prepare(&map);
    if (EFI_ERROR(st))
        return st;
    memmap_report(&map, &h->bi);
    say(L"boot_info at %lx; leaving boot services, entering the kernel at %lx", (UINT64)&h->bi, kernel.entry);

    st = memmap_exit_boot_services(image, &map);
    if (EFI_ERROR(st)) {
        /* The firmware may be half shut down; the console may or may not work. */
        say(L"ExitBootServices failed: %r", st);
        return st;
    }
    __asm__ volatile("cli");
    memmap_to_boot_info(&map, &h->bi);
    handover(&kernel, &map, &h->bi);
}
