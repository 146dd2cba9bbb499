/* Contract in fileroot.h. */
#include "fileroot.h"

#include <errno.h>
#include <string.h>

int fileroot_path_clean(const char *in, size_t len, char *out)
{
    size_t o = 0, i = 0;

    if (len > 0 && (in[0] == '/' || in[0] == '\\'))
        return -EACCES;
    while (i < len) {
        /* One component: up to the next separator. */
        size_t start = i;
        while (i < len && in[i] != '/' && in[i] != '\\') {
            unsigned char c = (unsigned char)in[i];
            if (c < 0x20 || c == 0x7f)
                return -EACCES;
            i++;
        }
        size_t n = i - start;
        if (i < len)
            i++;                                    /* the separator */
        if (n == 0 || (n == 1 && in[start] == '.'))
            continue;
        if (n == 2 && in[start] == '.' && in[start + 1] == '.')
            return -EACCES;
        if (o + (o ? 1 : 0) + n + 1 > FILEROOT_PATH_MAX)
            return -ENAMETOOLONG;
        if (o)
            out[o++] = '/';
        memcpy(out + o, in + start, n);
        o += n;
    }
    if (o == 0)
        return -ENOENT;
    out[o] = 0;
    return (int)o;
}
