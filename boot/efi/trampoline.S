/* The last instructions of the loader, copied by handover.c to a page of its own
 * (EfiLoaderCode, below 4 GiB) and called after ExitBootServices with interrupts off:
 *
 *   efi_trampoline(pml4 %rdi, dest %rsi, src %rdx, len %rcx, entry %r8, boot_info %r9)
 *
 * It switches to the loader's identity map of the first 4 GiB (no NX bits, whatever
 * the firmware's policy was for the pages it allocated), moves the staged kernel
 * into place (overlap-safe; len 0 when it was loaded in place) and jumps to the
 * kernel's entry with %rdi = boot_info. Position-independent, and it touches no
 * stack: the copy may overwrite what the firmware's stack and tables were. */
    .section .text.trampoline, "ax"
    .globl efi_trampoline, efi_trampoline_end
    .hidden efi_trampoline, efi_trampoline_end
    .code64
efi_trampoline:
    cli
    movq %rdi, %cr3
    movq %rsi, %rdi                     /* rep movsb: %rdi dest, %rsi src, %rcx count */
    movq %rdx, %rsi
    cld
    cmpq %rsi, %rdi
    jbe 1f                              /* dest below src: forward is safe */
    leaq (%rsi,%rcx), %rax
    cmpq %rax, %rdi
    jae 1f                              /* no overlap */
    leaq -1(%rsi,%rcx), %rsi            /* dest above src and overlapping: backward */
    leaq -1(%rdi,%rcx), %rdi
    std
1:  rep movsb
    cld
    movq %r9, %rdi
    jmp *%r8
efi_trampoline_end:

    .section .note.GNU-stack, "", @progbits
