/* Interrupt and exception entry stubs. Each pushes (error code, vector) so that
 * every vector reaches trap_dispatch() with the same struct trapframe layout. */

    .altmacro
    .text
.macro ISR_NOERR v
    .globl isr\v
isr\v:
    pushq $0
    pushq $\v
    jmp isr_common
.endm
.macro ISR_ERR v
    .globl isr\v
isr\v:
    pushq $\v
    jmp isr_common
.endm

/* Vectors that push an error code: 8, 10-14, 17, 21, 29, 30. */
ISR_NOERR 0;  ISR_NOERR 1;  ISR_NOERR 2;  ISR_NOERR 3
ISR_NOERR 4;  ISR_NOERR 5;  ISR_NOERR 6;  ISR_NOERR 7
ISR_ERR   8;  ISR_NOERR 9;  ISR_ERR  10;  ISR_ERR  11
ISR_ERR  12;  ISR_ERR  13;  ISR_ERR  14;  ISR_NOERR 15
ISR_NOERR 16; ISR_ERR  17;  ISR_NOERR 18; ISR_NOERR 19
ISR_NOERR 20; ISR_ERR  21;  ISR_NOERR 22; ISR_NOERR 23
ISR_NOERR 24; ISR_NOERR 25; ISR_NOERR 26; ISR_NOERR 27
ISR_NOERR 28; ISR_ERR  29;  ISR_ERR  30;  ISR_NOERR 31
.set v, 32
.rept 224
    ISR_NOERR %v
    .set v, v + 1
.endr

isr_common:
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, %rdi                 /* struct trapframe * */
    movq %rsp, %rbx                 /* callee-saved: the frame, across the call */
    /* The interrupted code may hold live SSE registers (newlib uses them). */
    subq $512, %rsp
    andq $-16, %rsp
    fxsave (%rsp)
    cld
    call trap_dispatch
    fxrstor (%rsp)
    movq %rbx, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    addq $16, %rsp                  /* vector, error code */
    iretq

/* The table of stub addresses, for the IDT setup in C. */
    .section .rodata
    .balign 8
    .globl isr_table
isr_table:
.macro ISR_ADDR v
    .quad isr\v
.endm
.set v, 0
.rept 256
    ISR_ADDR %v
    .set v, v + 1
.endr
