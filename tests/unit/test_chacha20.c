/* ChaCha20 against RFC 8439's published test vectors: the block function of
 * section 2.3.2, the keystream blocks of appendix A.1, and the encryptions of
 * section 2.4.2 and appendix A.2 (the RFC's key, counter, nonce, plaintext and
 * ciphertext, written here as hex). */
#include "net/chacha20.h"
#include "unit.h"

#include <stdio.h>
#include <string.h>

/* Decodes the hex string s into out (room for at least strlen(s) / 2 bytes);
 * returns the byte count. */
static size_t unhex(const char *s, uint8_t *out)
{
    size_t n = 0;
    for (; s[0] && s[1]; s += 2) {
        unsigned v;
        sscanf(s, "%2x", &v);
        out[n++] = (uint8_t)v;
    }
    return n;
}

static const uint8_t zero_nonce[12];

/* Key 00 01 .. 1f, the key of sections 2.3.2 and 2.4.2. */
static void key_0_to_31(uint8_t key[32])
{
    for (unsigned i = 0; i < 32; i++)
        key[i] = (uint8_t)i;
}

/* Checks that the keystream of (key, counter, nonce) is the 64 bytes `hex`, both
 * from chacha20_block and as chacha20_xor of zeros. */
static void check_block(const uint8_t key[32], uint32_t counter, const uint8_t nonce[12],
                        const char *hex, int line)
{
    uint8_t want[64], got[64], xored[64] = {0};

    if (unhex(hex, want) != 64) {
        unit_fail(false, __FILE__, line, "vector is not 64 bytes");
        return;
    }
    chacha20_block(key, counter, nonce, got);
    if (memcmp(got, want, 64) != 0)
        unit_fail(false, __FILE__, line, "chacha20_block differs from the vector");
    chacha20_xor(key, counter, nonce, xored, sizeof xored);
    if (memcmp(xored, want, 64) != 0)
        unit_fail(false, __FILE__, line, "chacha20_xor of zeros differs from the vector");
}

/* Checks that encrypting `plain` gives the hex ciphertext, and decrypting it gives
 * `plain` back. */
static void check_encrypt(const uint8_t key[32], uint32_t counter, const uint8_t nonce[12],
                          const char *plain, const char *hex, int line)
{
    size_t len = strlen(plain);
    uint8_t want[512], buf[512];

    if (unhex(hex, want) != len || len > sizeof buf) {
        unit_fail(false, __FILE__, line, "vector length is not the plaintext's (%zu)", len);
        return;
    }
    memcpy(buf, plain, len);
    chacha20_xor(key, counter, nonce, buf, len);
    if (memcmp(buf, want, len) != 0)
        unit_fail(false, __FILE__, line, "ciphertext differs from the vector");
    chacha20_xor(key, counter, nonce, buf, len);
    if (memcmp(buf, plain, len) != 0)
        unit_fail(false, __FILE__, line, "decryption does not give the plaintext back");
}

static const char block_2_3_2[] =
    "10f1e7e4d13b5915500fdd1fa32071c4"
    "c7d1f4c733c068030422aa9ac3d46c4e"
    "d2826446079faa0914c2d705d98b02a2"
    "b5129cd1de164eb9cbd083e8a2503c4e";

TEST(chacha20_block_rfc8439_2_3_2)
{
    uint8_t key[32], nonce[12];

    key_0_to_31(key);
    unhex("000000090000004a00000000", nonce);
    check_block(key, 1, nonce, block_2_3_2, __LINE__);
}

/* Appendix A.1: test vectors 1 to 5. */
static const char a1_1[] =
    "76b8e0ada0f13d90405d6ae55386bd28"
    "bdd219b8a08ded1aa836efcc8b770dc7"
    "da41597c5157488d7724e03fb8d84a37"
    "6a43b8f41518a11cc387b669b2ee6586";
static const char a1_2[] =
    "9f07e7be5551387a98ba977c732d080d"
    "cb0f29a048e3656912c6533e32ee7aed"
    "29b721769ce64e43d57133b074d839d5"
    "31ed1f28510afb45ace10a1f4b794d6f";
static const char a1_3[] =
    "3aeb5224ecf849929b9d828db1ced4dd"
    "832025e8018b8160b82284f3c949aa5a"
    "8eca00bbb4a73bdad192b5c42f73f2fd"
    "4e273644c8b36125a64addeb006c13a0";
static const char a1_4[] =
    "72d54dfbf12ec44b362692df94137f32"
    "8fea8da73990265ec1bbbea1ae9af0ca"
    "13b25aa26cb4a648cb9b9d1be65b2c09"
    "24a66c54d545ec1b7374f4872e99f096";
static const char a1_5[] =
    "c2c64d378cd536374ae204b9ef933fcd"
    "1a8b2288b3dfa49672ab765b54ee27c7"
    "8a970e0e955c14f3a88e741b97c286f7"
    "5f8fc299e8148362fa198a39531bed6d";

TEST(chacha20_block_rfc8439_a1)
{
    uint8_t key[32] = {0}, nonce[12] = {0};

    check_block(key, 0, zero_nonce, a1_1, __LINE__);     /* #1: all zero */
    check_block(key, 1, zero_nonce, a1_2, __LINE__);     /* #2: counter 1 */
    key[31] = 0x01;
    check_block(key, 1, zero_nonce, a1_3, __LINE__);     /* #3: key ...01 */
    memset(key, 0, sizeof key);
    key[1] = 0xff;
    check_block(key, 2, zero_nonce, a1_4, __LINE__);     /* #4: key 00 ff 00..., counter 2 */
    memset(key, 0, sizeof key);
    nonce[11] = 0x02;
    check_block(key, 0, nonce, a1_5, __LINE__);          /* #5: nonce ...02 */
}

/* Section 2.4.2: 114 bytes across two blocks, the second one partial. */
static const char s242[] =
    "6e2e359a2568f98041ba0728dd0d6981"
    "e97e7aec1d4360c20a27afccfd9fae0b"
    "f91b65c5524733ab8f593dabcd62b357"
    "1639d624e65152ab8f530c359f0861d8"
    "07ca0dbf500d6a6156a38e088a22b65e"
    "52bc514d16ccf806818ce91ab7793736"
    "5af90bbf74a35be6b40b8eedf2785e42"
    "874d";

TEST(chacha20_encrypt_rfc8439_2_4_2)
{
    uint8_t key[32], nonce[12];

    key_0_to_31(key);
    unhex("000000000000004a00000000", nonce);
    check_encrypt(key, 1, nonce,
                  "Ladies and Gentlemen of the class of '99: If I could offer you only one "
                  "tip for the future, sunscreen would be it.",
                  s242, __LINE__);
}

/* Appendix A.2: vector 1 is A.1's first keystream (all zero); vectors 2 and 3. */
static const char a2_2[] =
    "a3fbf07df3fa2fde4f376ca23e827370"
    "41605d9f4f4f57bd8cff2c1d4b7955ec"
    "2a97948bd3722915c8f3d337f7d37005"
    "0e9e96d647b7c39f56e031ca5eb6250d"
    "4042e02785ececfa4b4bb5e8ead0440e"
    "20b6e8db09d881a7c6132f420e527950"
    "42bdfa7773d8a9051447b3291ce1411c"
    "680465552aa6c405b7764d5e87bea85a"
    "d00f8449ed8f72d0d662ab052691ca66"
    "424bc86d2df80ea41f43abf937d3259d"
    "c4b2d0dfb48a6c9139ddd7f76966e928"
    "e635553ba76c5c879d7b35d49eb2e62b"
    "0871cdac638939e25e8a1e0ef9d5280f"
    "a8ca328b351c3c765989cbcf3daa8b6c"
    "cc3aaf9f3979c92b3720fc88dc95ed84"
    "a1be059c6499b9fda236e7e818b04b0b"
    "c39c1e876b193bfe5569753f88128cc0"
    "8aaa9b63d1a16f80ef2554d7189c411f"
    "5869ca52c5b83fa36ff216b9c1d30062"
    "bebcfd2dc5bce0911934fda79a86f6e6"
    "98ced759c3ff9b6477338f3da4f9cd85"
    "14ea9982ccafb341b2384dd902f3d1ab"
    "7ac61dd29c6f21ba5b862f3730e37cfd"
    "c4fd806c22f221";
static const char a2_3_key[] =
    "1c9240a5eb55d38af333888604f6b5f0"
    "473917c1402b80099dca5cbc207075c0";
static const char a2_3[] =
    "62e6347f95ed87a45ffae7426f27a1df"
    "5fb69110044c0d73118effa95b01e5cf"
    "166d3df2d721caf9b21e5fb14c616871"
    "fd84c54f9d65b283196c7fe4f60553eb"
    "f39c6402c42234e32a356b3e764312a6"
    "1a5532055716ead6962568f87d3f3f77"
    "04c6a8d1bcd1bf4d50d6154b6da731b1"
    "87b58dfd728afa36757a797ac188d1";

TEST(chacha20_encrypt_rfc8439_a2)
{
    uint8_t key[32] = {0}, nonce[12] = {0}, buf[64] = {0}, want[64];

    chacha20_xor(key, 0, zero_nonce, buf, sizeof buf);   /* #1: 64 zero bytes */
    unhex(a1_1, want);
    CHECK_MEM(buf, want, 64);

    key[31] = 0x01;                                      /* #2: 375 bytes from counter 1 */
    nonce[11] = 0x02;
    check_encrypt(key, 1, nonce,
                  "Any submission to the IETF intended by the Contributor for publication as "
                  "all or part of an IETF Internet-Draft or RFC and any statement made within "
                  "the context of an IETF activity is considered an \"IETF Contribution\". Such "
                  "statements include oral statements in IETF sessions, as well as written and "
                  "electronic communications made at any time or place, which are addressed to",
                  a2_2, __LINE__);

    unhex(a2_3_key, key);                                /* #3: counter 42 */
    check_encrypt(key, 42, nonce,
                  "'Twas brillig, and the slithy toves\nDid gyre and gimble in the wabe:\n"
                  "All mimsy were the borogoves,\nAnd the mome raths outgrabe.",
                  a2_3, __LINE__);
}

/* The keystream is one stream whatever the pieces: XOR in odd-sized steps, each
 * continuing at the right block, equals one call. */
TEST(chacha20_xor_in_pieces_equals_one_call)
{
    uint8_t key[32], whole[200] = {0}, pieces[200] = {0};

    key_0_to_31(key);
    chacha20_xor(key, 7, zero_nonce, whole, sizeof whole);
    chacha20_xor(key, 7, zero_nonce, pieces, 64);
    chacha20_xor(key, 8, zero_nonce, pieces + 64, 128);
    chacha20_xor(key, 10, zero_nonce, pieces + 192, 8);
    CHECK_MEM(pieces, whole, sizeof whole);
}

TEST(chacha20_wipe_zeroes)
{
    uint8_t b[40];

    memset(b, 0xa5, sizeof b);
    chacha20_wipe(b + 1, 38);
    CHECK_EQ_INT(b[0], 0xa5);
    CHECK_EQ_INT(b[39], 0xa5);
    for (unsigned i = 1; i < 39; i++)
        CHECK_EQ_INT(b[i], 0);
}
