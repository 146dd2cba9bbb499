#!/bin/sh
# Writes the kernel's symbol table as assembly, from the first link of the kernel:
#   tools/ksyms.sh NM ELF > ksyms.S
# Layout: .quad count; count x {.quad addr; .long name_offset; .long 0}; the names.
set -e
"$1" -n "$2" | awk 'BEGIN { n = 0 }
  $2 ~ /^[tTwW]$/ && $3 !~ /^\./ { addr[n] = $1; name[n] = $3; n++ }
  END {
    print "    .section .ksyms, \"a\""
    print "    .balign 8"
    printf "    .quad %d\n", n
    off = 0
    for (i = 0; i < n; i++) {
      printf "    .quad 0x%s\n    .long %d, 0\n", addr[i], off
      off += length(name[i]) + 1
    }
    for (i = 0; i < n; i++) printf "    .asciz \"%s\"\n", name[i]
  }'
