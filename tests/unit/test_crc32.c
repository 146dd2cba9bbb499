/* CRC-32 (net/crc32.c) against the published check value and zlib's results. */
#include "net/crc32.h"
#include "unit.h"

#include <string.h>

TEST(crc32_matches_the_check_value)
{
    /* The CRC catalogue's check: CRC-32/ISO-HDLC of "123456789" is 0xCBF43926. */
    CHECK_EQ_INT(crc32_update(0, "123456789", 9), 0xcbf43926u);
    CHECK_EQ_INT(crc32_update(0, "", 0), 0);
    /* zlib.crc32(b"The quick brown fox jumps over the lazy dog") */
    const char *fox = "The quick brown fox jumps over the lazy dog";
    CHECK_EQ_INT(crc32_update(0, fox, strlen(fox)), 0x414fa339u);
    /* In pieces, as the console sums a file block by block. */
    uint32_t c = crc32_update(0, fox, 10);
    c = crc32_update(c, fox + 10, strlen(fox) - 10);
    CHECK_EQ_INT(c, 0x414fa339u);
}
