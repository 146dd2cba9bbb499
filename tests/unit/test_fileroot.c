/* The path rules every boot-file server applies (net/fileroot.h). */
#include "net/fileroot.h"
#include "unit.h"

#include <errno.h>
#include <string.h>

static int clean(const char *in, char *out)
{
    return fileroot_path_clean(in, strlen(in), out);
}

TEST(fileroot_path_clean_keeps_plain_paths)
{
    char out[FILEROOT_PATH_MAX];
    CHECK_EQ_INT(clean("pxelinux.0", out), 10);
    CHECK_EQ_STR(out, "pxelinux.0");
    CHECK_EQ_INT(clean("debian/linux", out), 12);
    CHECK_EQ_STR(out, "debian/linux");
    CHECK(clean("a//b/./c/", out) > 0);
    CHECK_EQ_STR(out, "a/b/c");
    CHECK(clean("boot\\x64\\wdsnbp.com", out) > 0);      /* Windows' separators */
    CHECK_EQ_STR(out, "boot/x64/wdsnbp.com");
    CHECK(clean("..hidden/a..b", out) > 0);              /* dots inside a name are fine */
    CHECK_EQ_STR(out, "..hidden/a..b");
}

TEST(fileroot_path_clean_refuses_escapes)
{
    char out[FILEROOT_PATH_MAX];
    CHECK_EQ_INT(clean("/etc/passwd", out), -EACCES);
    CHECK_EQ_INT(clean("\\etc", out), -EACCES);
    CHECK_EQ_INT(clean("..", out), -EACCES);
    CHECK_EQ_INT(clean("a/../../b", out), -EACCES);
    CHECK_EQ_INT(clean("a\\..\\b", out), -EACCES);
    CHECK_EQ_INT(clean("a/..", out), -EACCES);
    CHECK_EQ_INT(fileroot_path_clean("a\0b", 3, out), -EACCES);
    CHECK_EQ_INT(clean("a\nb", out), -EACCES);
    CHECK_EQ_INT(clean("", out), -ENOENT);
    CHECK_EQ_INT(clean("./", out), -ENOENT);
}

TEST(fileroot_path_clean_bounds)
{
    char in[600], out[FILEROOT_PATH_MAX];
    memset(in, 'x', sizeof in);
    CHECK_EQ_INT(fileroot_path_clean(in, FILEROOT_PATH_MAX - 1, out), FILEROOT_PATH_MAX - 1);
    CHECK_EQ_INT(fileroot_path_clean(in, FILEROOT_PATH_MAX, out), -ENAMETOOLONG);
    CHECK_EQ_INT(fileroot_path_clean(in, sizeof in, out), -ENAMETOOLONG);
}
