/*
 * qemu_ram: the guest RAM of template clones (qemu_ram.h).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "qemu_ram.h"

#define QEMU_RAM_PREFIX \
    "{\"qom-type\":\"memory-backend-ram\",\"id\":\"pc.ram\",\"size\":"


/* The N of an argument that is QEMU_RAM_PREFIX N }, or 0. */
static unsigned long long
qemu_ram_size(const char *arg)
{
    const char          *p;
    char                *end;
    unsigned long long   n;

    if (strncmp(arg, QEMU_RAM_PREFIX, sizeof(QEMU_RAM_PREFIX) - 1) != 0) {
        return 0;
    }
    p = arg + sizeof(QEMU_RAM_PREFIX) - 1;
    if (*p < '1' || *p > '9') {
        return 0;
    }
    errno = 0;
    n = strtoull(p, &end, 10);
    return errno == 0 && strcmp(end, "}") == 0 ? n : 0;
}


int
qemu_ram_find(int argc, char *const *argv, qemu_ram_t *ram, char *err,
    size_t err_size)
{
    int  i, found = 0;

    ram->index = -1;
    ram->size = 0;
    ram->clone = false;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-incoming") == 0) {
            ram->clone = true;
        }
        if (strcmp(argv[i], "-object") == 0 && i + 1 < argc
            && strstr(argv[i + 1], "\"pc.ram\"") != NULL)
        {
            found++;
            ram->index = i + 1;
            ram->size = qemu_ram_size(argv[i + 1]);
        }
    }
    if (found != 1 || ram->size == 0) {
        snprintf(err, err_size, "%s guest RAM object%s",
            found == 0 ? "no" : found > 1 ? "more than one" : "an unknown",
            found == 1 ? " (not memory-backend-ram with a size)" : "");
        return -1;
    }
    return 0;
}


int
qemu_ram_object(const qemu_ram_t *ram, const char *path, char *out,
    size_t size)
{
    const char  *p;
    int          n;

    if (path[0] != '/' || strstr(path, "..") != NULL) {
        return -1;
    }
    for (p = path; *p != '\0'; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || strchr("._/-", *p) != NULL))
        {
            return -1;
        }
    }
    n = snprintf(out, size, "{\"qom-type\":\"memory-backend-file\","
            "\"id\":\"pc.ram\",\"mem-path\":\"%s\",\"share\":%s,"
            "\"size\":%llu}", path, ram->clone ? "false" : "true",
            ram->size);
    return n < 0 || (size_t) n >= size ? -1 : 0;
}


int
qemu_ram_file(const qemu_ram_t *ram, const char *path, char *err,
    size_t err_size)
{
    struct stat  st;
    int          fd;

    if (!ram->clone) {
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0600);
        if (fd < 0) {
            snprintf(err, err_size, "template RAM %s: %s", path,
                strerror(errno));
            return -1;
        }
        close(fd);
        return 0;
    }
    if (lstat(path, &st) < 0) {
        snprintf(err, err_size, "template RAM %s: %s", path,
            strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode) || (unsigned long long) st.st_size != ram->size)
    {
        snprintf(err, err_size, "template RAM %s: not a file of %llu bytes",
            path, ram->size);
        return -1;
    }
    return 0;
}
