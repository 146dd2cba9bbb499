/* The parts of the ELF-64 object file format the loader checks (System V ABI,
 * "ELF-64 Object File Format" 1.5 and the x86-64 psABI). */
#ifndef VMGATE_EFI_ELF64_H
#define VMGATE_EFI_ELF64_H

#include <stdint.h>

#define EI_NIDENT     16
#define ELFCLASS64    2             /* e_ident[4] */
#define ELFDATA2LSB   1             /* e_ident[5]: little endian */
#define EV_CURRENT    1             /* e_ident[6] and e_version */
#define ET_EXEC       2             /* executable at fixed addresses */
#define EM_X86_64     62

#define PT_NULL       0
#define PT_LOAD       1
#define PT_DYNAMIC    2
#define PT_INTERP     3
#define PT_NOTE       4
#define PT_SHLIB      5
#define PT_PHDR       6
#define PT_TLS        7

#define PF_X          1
#define PF_W          2
#define PF_R          4

struct elf64_ehdr {
    uint8_t  e_ident[EI_NIDENT];
    uint16_t e_type;
    uint16_t e_machine;
    uint32_t e_version;
    uint64_t e_entry;
    uint64_t e_phoff;
    uint64_t e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize;
    uint16_t e_phentsize;
    uint16_t e_phnum;
    uint16_t e_shentsize;
    uint16_t e_shnum;
    uint16_t e_shstrndx;
};

struct elf64_phdr {
    uint32_t p_type;
    uint32_t p_flags;
    uint64_t p_offset;
    uint64_t p_vaddr;
    uint64_t p_paddr;
    uint64_t p_filesz;
    uint64_t p_memsz;
    uint64_t p_align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF-64 header is 64 bytes");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF-64 program header is 56 bytes");

#endif
