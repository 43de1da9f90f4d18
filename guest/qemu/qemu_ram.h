/*
 * qemu_ram: what fngate-qemu changes of the command line libvirt gives
 * QEMU for a guest of the pool's template (docs/vms.md, "Template
 * clones").  No libvirt, no QEMU: t/unit/test_qemu_ram.c drives it.
 */

#ifndef QEMU_RAM_H
#define QEMU_RAM_H

#include <stdbool.h>
#include <stddef.h>

/* The environment variable (a <qemu:env> of the domain XML) naming the
 * template's RAM file. */
#define QEMU_RAM_ENV  "FNGATE_TEMPLATE_RAM"

typedef struct {
    int                 index;     /* argv's pc.ram object */
    unsigned long long  size;      /* its size in bytes */
    bool                clone;     /* -incoming: a restore */
} qemu_ram_t;

/*
 * Finds the guest RAM object libvirt 9.0 writes,
 * {"qom-type":"memory-backend-ram","id":"pc.ram","size":N}, as the
 * argument after an -object, and whether argv restores (-incoming).
 * 0, or -1 with a message in err when there is not exactly one.
 */
int qemu_ram_find(int argc, char *const *argv, qemu_ram_t *ram,
    char *err, size_t err_size);

/*
 * The object that maps path instead: shared (share=on, the template's
 * boot writes its RAM to the file) or, for a clone, private (share=off:
 * copy-on-write, the file is never written).  0, or -1 when path is not
 * an absolute path of [A-Za-z0-9._/-] without "..", or out is too small.
 */
int qemu_ram_object(const qemu_ram_t *ram, const char *path, char *out,
    size_t size);

/*
 * Readies path for ram: the template's boot creates it (0600, it must
 * not exist: a template file clones map never changes); a clone needs
 * it, a regular file of the RAM's size.  0, or -1 with err.
 */
int qemu_ram_file(const qemu_ram_t *ram, const char *path, char *err,
    size_t err_size);

#endif /* QEMU_RAM_H */
