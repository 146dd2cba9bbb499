/* Entry into the kernel from both boot paths.
 *
 * pvh_entry32: `qemu -kernel` with a PVH ELF note (Xen PVH ABI, XEN_ELFNOTE_PHYS32_ENTRY):
 *   32-bit protected mode, paging off, flat segments, %ebx = hvm_start_info.
 * kernel_entry64: the UEFI loader, already in long mode, %rdi = struct boot_info.
 *
 * Both switch to our own GDT, page tables (first 4 GiB identity-mapped with 2 MiB
 * pages, built statically so no code runs before paging) and stack. */

#define CR0_PE  (1 << 0)
#define CR0_MP  (1 << 1)
#define CR0_EM  (1 << 2)
#define CR0_WP  (1 << 16)
#define CR0_PG  (1 << 31)
#define CR4_PAE (1 << 5)
#define CR4_OSFXSR (1 << 9)
#define CR4_OSXMMEXCPT (1 << 10)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

#define SEL_CODE64 0x08
#define SEL_DATA   0x10
#define SEL_CODE32 0x18

/* The PVH note: QEMU reads a 32-bit physical entry address from it. */
    .section .note.pvh, "a", @note
    .balign 4
    .long 4                 /* namesz: "Xen\0" */
    .long 4                 /* descsz */
    .long 18                /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .long pvh_entry32

    .section .text.entry, "ax"
    .code32
    .globl pvh_entry32
pvh_entry32:
    cli
    cld
    movl %ebx, %esi                     /* keep start_info across the switch */
    lgdt gdt_ptr32
    movl $SEL_DATA, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    movl $boot_stack_top, %esp

    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl $boot_pml4, %eax
    movl %eax, %cr3
    movl $MSR_EFER, %ecx
    rdmsr
    orl $EFER_LME, %eax
    wrmsr
    movl %cr0, %eax
    orl $(CR0_PG | CR0_PE), %eax
    movl %eax, %cr0
    ljmp $SEL_CODE64, $pvh_entry64

    .code64
pvh_entry64:
    movl %esi, %edi                     /* arg: start_info (below 4 GiB) */
    movq $pvh_boot, %rbx                /* pvh_boot() builds a boot_info, calls kernel_main */
    jmp common64

    .globl kernel_entry64
kernel_entry64:
    cli
    cld
    movq $kernel_main, %rbx
    /* The loader's stack and GDT live in firmware memory: leave them at once. */
    lgdt gdt_ptr64
    movq $boot_pml4, %rax
    movq %rax, %cr3

common64:
    lgdt gdt_ptr64
    movl $SEL_DATA, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    xorl %eax, %eax
    movl %eax, %fs
    movl %eax, %gs
    movq $boot_stack_top, %rsp
    /* Reload CS with a far return: the firmware's code selector may differ from ours. */
    pushq $SEL_CODE64
    leaq 1f(%rip), %rax
    pushq %rax
    lretq
1:
    /* SSE on: newlib and gcc use it; the interrupt stubs save it. */
    movq %cr0, %rax
    andq $~CR0_EM, %rax
    orq $(CR0_MP | CR0_WP), %rax
    movq %rax, %cr0
    movq %cr4, %rax
    orq $(CR4_OSFXSR | CR4_OSXMMEXCPT), %rax
    movq %rax, %cr4
    movl $MSR_EFER, %ecx
    rdmsr
    orl $EFER_NXE, %eax
    wrmsr
    fninit
    xorl %ebp, %ebp                     /* ends the backtrace */
    /* %rsp is 16-byte aligned here, so after the call pushes its return address the
     * callee sees %rsp = 8 (mod 16), as the ABI wants; gcc's aligned SSE spills
     * fault otherwise. */
    call *%rbx
2:  cli
    hlt
    jmp 2b

    .section .data.boot, "aw"
    .balign 16
gdt:
    .quad 0
    .quad 0x00af9a000000ffff            /* 0x08: 64-bit code, DPL 0 */
    .quad 0x00cf92000000ffff            /* 0x10: data, 4 GiB */
    .quad 0x00cf9a000000ffff            /* 0x18: 32-bit code, 4 GiB */
gdt_end:
gdt_ptr32:
    .word gdt_end - gdt - 1
    .long gdt
gdt_ptr64:
    .word gdt_end - gdt - 1
    .quad gdt

/* Page tables: PML4[0] -> PDPT, PDPT[0..3] -> four page directories of 512 x 2 MiB. */
    .balign 4096
    .globl boot_pml4
boot_pml4:
    .quad boot_pdpt + 0x3
    .fill 511, 8, 0
    .globl boot_pdpt
boot_pdpt:
    .quad boot_pd + 0x0000 + 0x3
    .quad boot_pd + 0x1000 + 0x3
    .quad boot_pd + 0x2000 + 0x3
    .quad boot_pd + 0x3000 + 0x3
    .fill 508, 8, 0
boot_pd:
    .set addr, 0
    .rept 2048
    .quad addr + 0x83                   /* present, writable, 2 MiB page */
    .set addr, addr + 0x200000
    .endr

    .section .bss.boot, "aw", @nobits
    .balign 16
    .globl boot_stack_bottom
boot_stack_bottom:
    .skip 65536
    .globl boot_stack_top
boot_stack_top:
