/* GDT, TSS and IDT. The GDT from boot/entry.S is replaced by one with a TSS so that
 * a double fault (often a stack overflow) runs on a stack of its own and can still
 * print what happened. */
#include "cpu.h"

#include <string.h>

#define SEL_CODE64 0x08
#define SEL_TSS    0x20
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));

struct idt_gate {
    uint16_t off_lo;
    uint16_t sel;
    uint8_t ist;
    uint8_t type;
    uint16_t off_mid;
    uint32_t off_hi;
    uint32_t reserved;
} __attribute__((packed));

struct desc_ptr {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

static uint64_t gdt[7] __attribute__((aligned(16)));
static struct tss tss __attribute__((aligned(16)));
static struct idt_gate idt[256] __attribute__((aligned(16)));
static uint8_t df_stack[16384] __attribute__((aligned(16)));
static uint8_t nmi_stack[8192] __attribute__((aligned(16)));

extern const uint64_t isr_table[256];

static void load_gdt(void)
{
    uint64_t base = (uint64_t)&tss;
    uint64_t limit = sizeof tss - 1;

    gdt[0] = 0;
    gdt[1] = 0x00af9a000000ffffULL;          /* 64-bit code */
    gdt[2] = 0x00cf92000000ffffULL;          /* data */
    gdt[3] = 0x00cf9a000000ffffULL;          /* 32-bit code (unused after boot) */
    /* 64-bit TSS descriptor: type 9 (available), present; 16 bytes. */
    gdt[4] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
             (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    gdt[5] = base >> 32;

    struct desc_ptr p = { sizeof gdt - 1, (uint64_t)gdt };
    __asm__ volatile("lgdt %0" :: "m"(p));
    __asm__ volatile("ltr %w0" :: "r"((uint16_t)SEL_TSS));
}

static void set_gate(int v, uint64_t handler, uint8_t ist)
{
    idt[v].off_lo = handler & 0xffff;
    idt[v].sel = SEL_CODE64;
    idt[v].ist = ist;
    idt[v].type = 0x8e;                      /* present, interrupt gate: IF cleared */
    idt[v].off_mid = (handler >> 16) & 0xffff;
    idt[v].off_hi = handler >> 32;
    idt[v].reserved = 0;
}

void cpu_init(void)
{
    memset(&tss, 0, sizeof tss);
    tss.ist[IST_DOUBLE_FAULT - 1] = (uint64_t)(df_stack + sizeof df_stack);
    tss.ist[IST_NMI - 1] = (uint64_t)(nmi_stack + sizeof nmi_stack);
    tss.iomap_base = sizeof tss;
    load_gdt();

    for (int v = 0; v < 256; v++)
        set_gate(v, isr_table[v], 0);
    set_gate(8, isr_table[8], IST_DOUBLE_FAULT);
    set_gate(2, isr_table[2], IST_NMI);
    struct desc_ptr p = { sizeof idt - 1, (uint64_t)idt };
    __asm__ volatile("lidt %0" :: "m"(p));
}
