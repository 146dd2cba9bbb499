/* The kernel ELF, embedded in the loader. KERNEL_ELF (set by boot/efi/efi.mk) is a
 * copy of build/vmgate.elf without its debug sections. The section name starts with
 * .rodata so that gnu-efi's linker script puts it in .data, which the objcopy to
 * PE32+ keeps. */
    .section .rodata.vmgate_kernel, "a"
    .balign 16
    .globl vmgate_kernel_elf, vmgate_kernel_elf_end
    .hidden vmgate_kernel_elf, vmgate_kernel_elf_end
vmgate_kernel_elf:
    .incbin KERNEL_ELF
vmgate_kernel_elf_end:

    .section .note.GNU-stack, "", @progbits
