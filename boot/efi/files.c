/* Files from the volume the loader was loaded from: \vmgate.conf and the \tftp tree.
 *
 * Both are optional. Whatever is handed to the kernel is read into alloc_kept()
 * memory; directory listings and paths are temporary (pool memory). */
#include "loader.h"

#include <errno.h>

#define CONFIG_MAX      (1ULL << 20)    /* a text file of statements: 1 MiB is plenty */
#define TFTP_DIR        L"\\tftp"
#define TFTP_MAX_DEPTH  8
#define TFTP_ALIGN      16ULL
#define INFO_BUF_SIZE   (__builtin_offsetof(EFI_FILE_INFO, FileName) + 256 * sizeof(CHAR16))  /* FAT: 255 chars */

EFI_FILE_HANDLE volume_open(EFI_LOADED_IMAGE *li)
{
    EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs;
    EFI_FILE_HANDLE root;
    EFI_STATUS st = BS->HandleProtocol(li->DeviceHandle, &FileSystemProtocol, (void **)&fs);
    if (EFI_ERROR(st)) {
        say(L"the boot device has no file system (%r): no \\vmgate.conf, no TFTP root", st);
        return NULL;
    }
    st = fs->OpenVolume(fs, &root);
    if (EFI_ERROR(st)) {
        say(L"cannot open the boot volume: %r", st);
        return NULL;
    }
    return root;
}

/* The EFI_FILE_INFO of an open file into buf (INFO_BUF_SIZE bytes). */
static EFI_STATUS file_info(EFI_FILE_HANDLE f, EFI_FILE_INFO *buf)
{
    UINTN size = INFO_BUF_SIZE;
    return f->GetInfo(f, &GenericFileInfo, &size, buf);
}

/* Reads exactly len bytes from the start of f into dst. */
static EFI_STATUS file_read_all(EFI_FILE_HANDLE f, void *dst, UINT64 len)
{
    UINT8 *p = dst;
    while (len) {
        UINTN chunk = len > (16ULL << 20) ? (16ULL << 20) : len;
        EFI_STATUS st = f->Read(f, &chunk, p);
        if (EFI_ERROR(st))
            return st;
        if (chunk == 0)
            return EFI_END_OF_FILE;     /* shorter than its directory entry said */
        p += chunk;
        len -= chunk;
    }
    return EFI_SUCCESS;
}

void config_load(EFI_FILE_HANDLE root, struct boot_info *bi)
{
    EFI_FILE_HANDLE f;
    static UINT8 info_buf[INFO_BUF_SIZE] __attribute__((aligned(8)));
    EFI_FILE_INFO *info = (EFI_FILE_INFO *)info_buf;

    if (!root)
        return;
    EFI_STATUS st = root->Open(root, &f, L"\\vmgate.conf", EFI_FILE_MODE_READ, 0);
    if (st == EFI_NOT_FOUND) {
        say(L"no \\vmgate.conf: the kernel uses its defaults");
        return;
    }
    if (EFI_ERROR(st)) {
        say(L"cannot open \\vmgate.conf: %r", st);
        return;
    }
    st = file_info(f, info);
    if (EFI_ERROR(st) || (info->Attribute & EFI_FILE_DIRECTORY)) {
        say(L"\\vmgate.conf is not a readable file (%r)", st);
        goto out;
    }
    if (info->FileSize > CONFIG_MAX) {
        say(L"\\vmgate.conf is %ld bytes, more than a configuration can be; ignored", info->FileSize);
        goto out;
    }
    /* One byte more for a terminating NUL: the kernel gets config_len, but a string
     * is friendlier to debug prints. */
    char *buf = alloc_kept(info->FileSize + 1);
    if (!buf) {
        say(L"no memory below 4 GiB for \\vmgate.conf (%ld bytes)", info->FileSize);
        goto out;
    }
    st = file_read_all(f, buf, info->FileSize);
    if (EFI_ERROR(st)) {
        say(L"reading \\vmgate.conf: %r", st);
        goto out;
    }
    buf[info->FileSize] = 0;
    bi->config = buf;
    bi->config_len = info->FileSize;
    boot_reserve(bi, (UINT64)buf, info->FileSize + 1);
    say(L"config: \\vmgate.conf, %ld bytes at %lx", info->FileSize, (UINT64)buf);
out:
    f->Close(f);
}

/* ---- the TFTP root ------------------------------------------------------------- */

struct tftp_walk {
    struct boot_info *bi;
    UINT64 total;                       /* bytes of the arena, files TFTP_ALIGN-aligned */
    UINTN skipped;
    EFI_FILE_INFO *info[TFTP_MAX_DEPTH + 1];  /* one directory-entry buffer per level */
};

static UINTN ascii_len(const char *s)
{
    UINTN n = 0;
    while (s[n])
        n++;
    return n;
}

/* name (UCS-2) appended to prefix (ASCII) into out[sizeof boot_file.name]. Fails for
 * names that are not printable ASCII or do not fit: boot_file names are ASCII. */
static int make_name(char *out, const char *prefix, const CHAR16 *name)
{
    UINTN n = ascii_len(prefix);
    CopyMem(out, (void *)prefix, n);
    for (const CHAR16 *c = name; *c; c++) {
        if (*c < 0x20 || *c > 0x7e || *c == '/')
            return -EINVAL;
        if (n + 1 >= sizeof ((struct boot_file *)0)->name)
            return -ENAMETOOLONG;
        out[n++] = (char)*c;
    }
    out[n] = 0;
    return 0;
}

static int is_dot(const CHAR16 *n)
{
    return (n[0] == '.' && n[1] == 0) || (n[0] == '.' && n[1] == '.' && n[2] == 0);
}

/* Pass 1: lists dir's regular files into bi->files (name and length; data later),
 * recursing into subdirectories. prefix is the ASCII path of dir relative to \tftp,
 * "" or ending in '/'. */
static void tftp_list(struct tftp_walk *w, EFI_FILE_HANDLE dir, const char *prefix, int depth)
{
    EFI_FILE_INFO *info = w->info[depth];
    char name[sizeof ((struct boot_file *)0)->name];
    for (;;) {
        UINTN size = INFO_BUF_SIZE;
        EFI_STATUS st = dir->Read(dir, &size, info);
        if (EFI_ERROR(st)) {
            say(L"warning: reading directory tftp/%a: %r; rest of it skipped", prefix, st);
            w->skipped++;
            return;
        }
        if (size == 0)
            return;                     /* end of the directory */
        if (is_dot(info->FileName))
            continue;
        if (make_name(name, prefix, info->FileName) < 0) {
            say(L"warning: skipped tftp/%a%s: name not ASCII or longer than %d bytes",
                prefix, info->FileName, (int)sizeof name - 1);
            w->skipped++;
            continue;
        }
        if (info->Attribute & EFI_FILE_DIRECTORY) {
            EFI_FILE_HANDLE sub;
            UINTN len = ascii_len(name);
            if (depth >= TFTP_MAX_DEPTH || len + 2 > sizeof name) {
                say(L"warning: skipped tftp/%a: nested too deep", name);
                w->skipped++;
                continue;
            }
            name[len] = '/';
            name[len + 1] = 0;
            st = dir->Open(dir, &sub, info->FileName, EFI_FILE_MODE_READ, 0);
            if (EFI_ERROR(st)) {
                say(L"warning: skipped tftp/%a: %r", name, st);
                w->skipped++;
                continue;
            }
            tftp_list(w, sub, name, depth + 1);
            sub->Close(sub);
            continue;
        }
        if (w->bi->n_files >= BOOT_FILES_MAX) {
            say(L"warning: skipped tftp/%a: more than %d files", name, BOOT_FILES_MAX);
            w->skipped++;
            continue;
        }
        struct boot_file *bf = &w->bi->files[w->bi->n_files++];
        CopyMem(bf->name, name, sizeof name);
        bf->len = info->FileSize;
        bf->data = NULL;
        w->total += (info->FileSize + TFTP_ALIGN - 1) & ~(TFTP_ALIGN - 1);
    }
}

/* "\tftp\" + name with '/' turned into '\', as the firmware wants paths. */
static void tftp_path(CHAR16 *out, UINTN cap, const char *name)
{
    UINTN n = 0;
    for (const CHAR16 *p = TFTP_DIR L"\\"; *p; p++)
        out[n++] = *p;
    for (; *name && n + 1 < cap; name++)
        out[n++] = *name == '/' ? '\\' : (CHAR16)*name;
    out[n] = 0;
}

/* Pass 2: reads every listed file into one arena; drops those that fail. */
static void tftp_read(struct tftp_walk *w, EFI_FILE_HANDLE root, UINT8 *arena)
{
    struct boot_info *bi = w->bi;
    CHAR16 path[sizeof ((struct boot_file *)0)->name + 8];
    UINT64 off = 0;
    uint32_t kept = 0;
    for (uint32_t i = 0; i < bi->n_files; i++) {
        struct boot_file bf = bi->files[i];
        EFI_FILE_HANDLE f;
        tftp_path(path, sizeof path / sizeof path[0], bf.name);
        EFI_STATUS st = root->Open(root, &f, path, EFI_FILE_MODE_READ, 0);
        if (!EFI_ERROR(st)) {
            st = file_read_all(f, arena + off, bf.len);
            f->Close(f);
        }
        if (EFI_ERROR(st)) {
            say(L"warning: skipped tftp/%a: %r", bf.name, st);
            w->skipped++;
            continue;
        }
        bf.data = arena + off;
        bi->files[kept++] = bf;
        off += (bf.len + TFTP_ALIGN - 1) & ~(TFTP_ALIGN - 1);
    }
    bi->n_files = kept;
}

void tftp_load(EFI_FILE_HANDLE root, struct boot_info *bi)
{
    EFI_FILE_HANDLE dir;
    struct tftp_walk w = { .bi = bi };

    if (!root)
        return;
    EFI_STATUS st = root->Open(root, &dir, TFTP_DIR, EFI_FILE_MODE_READ, 0);
    if (st == EFI_NOT_FOUND)
        return;                         /* no TFTP root: nothing to say */
    if (EFI_ERROR(st)) {
        say(L"warning: cannot open \\tftp: %r", st);
        return;
    }
    for (int i = 0; i <= TFTP_MAX_DEPTH; i++) {
        w.info[i] = AllocatePool(INFO_BUF_SIZE);
        if (!w.info[i]) {
            say(L"warning: no pool memory to list \\tftp");
            goto out;
        }
    }
    if (EFI_ERROR(file_info(dir, w.info[0])) || !(w.info[0]->Attribute & EFI_FILE_DIRECTORY)) {
        say(L"warning: \\tftp is not a directory; ignored");
        goto out;
    }
    tftp_list(&w, dir, "", 0);
    if (bi->n_files == 0)
        goto report;

    /* One arena for all files, so one range in boot_info.reserved covers them. */
    UINT8 *arena = alloc_kept(w.total ? w.total : 1);
    if (!arena) {
        say(L"warning: no room below 4 GiB for the TFTP root (%ld MiB); skipped", w.total >> 20);
        w.skipped += bi->n_files;
        bi->n_files = 0;
        goto report;
    }
    tftp_read(&w, root, arena);
    boot_reserve(bi, (UINT64)arena, w.total ? w.total : 1);
report:
    say(L"tftp: %d files, %ld KiB from \\tftp at %lx%a", bi->n_files, (w.total + 1023) >> 10,
        bi->n_files ? (UINT64)bi->files[0].data : 0ULL, w.skipped ? " (some skipped, see above)" : "");
out:
    for (int i = 0; i <= TFTP_MAX_DEPTH; i++)
        if (w.info[i])
            FreePool(w.info[i]);
    dir->Close(dir);
}
