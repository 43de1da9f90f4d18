/*
 * fngate-qemu: the emulator of fngate's guests (the `emulator` key of
 * fngated.conf, the domain template's @EMULATOR@).  It turns transparent
 * huge pages off for itself and executes QEMU with the same arguments.
 *
 * QEMU advises huge pages for all guest RAM (MADV_HUGEPAGE), and the
 * kernel honours that advice under the usual THP setting "madvise": a
 * guest page in use then makes its whole 2 MiB resident on the host.  An
 * idle guest restored from the pool's snapshot uses 77 MiB of pages spread
 * over 96 MiB of 2 MiB blocks.  PR_SET_THP_DISABLE is kept across
 * execve(2) and makes the kernel ignore that advice for this process only;
 * the host's settings are left as they are.
 *
 * With FNGATE_TEMPLATE_RAM in its environment (a <qemu:env> of the
 * domain: the pool's template and the guests restored from it), the guest
 * RAM libvirt gives as anonymous memory is the file it names instead
 * (qemu_ram.c): the template's boot creates it and writes its RAM there;
 * a clone (-incoming) maps it copy-on-write, so every clone shares the
 * pages it has not written (docs/vms.md, "Template clones").  Anything
 * unexpected in the command line or the file stops QEMU with a message
 * in the domain's log: the pool then boots or restores a full image.
 *
 * libvirt runs it as it runs QEMU (the same user, the same arguments,
 * also to probe QEMU's capabilities), so it must be executable by the
 * QEMU user.  FNGATE_QEMU (at build time) names the QEMU it runs.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>

#include "qemu_ram.h"

#ifndef FNGATE_QEMU
#define FNGATE_QEMU  "/usr/bin/qemu-system-x86_64"
#endif


/* argv with the guest RAM in the template file path: 0, or -1 (said). */
static int
fngate_qemu_template(int argc, char **argv, const char *path)
{
    static char  obj[4200];
    qemu_ram_t   ram;
    char         err[4200];

    if (qemu_ram_find(argc, argv, &ram, err, sizeof(err)) < 0) {
        fprintf(stderr, "fngate-qemu: %s: %s\n", QEMU_RAM_ENV, err);
        return -1;
    }
    if (qemu_ram_object(&ram, path, obj, sizeof(obj)) < 0) {
        fprintf(stderr, "fngate-qemu: %s: not a plain absolute path: %s\n",
            QEMU_RAM_ENV, path);
        return -1;
    }
    if (qemu_ram_file(&ram, path, err, sizeof(err)) < 0) {
        fprintf(stderr, "fngate-qemu: %s: %s\n", QEMU_RAM_ENV, err);
        return -1;
    }
    argv[ram.index] = obj;
    return 0;
}


int
main(int argc, char **argv)
{
    char        *qemu = FNGATE_QEMU;
    const char  *tmpl = getenv(QEMU_RAM_ENV);

    if (tmpl != NULL && tmpl[0] != '\0'
        && fngate_qemu_template(argc, argv, tmpl) < 0)
    {
        return 1;
    }
    /* Without it the guest still runs, with more host memory: say so in
     * the domain's log and go on. */
    if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) < 0) {
        fprintf(stderr, "fngate-qemu: PR_SET_THP_DISABLE: %s\n",
            strerror(errno));
    }
    argv[0] = qemu;
    execv(qemu, argv);
    fprintf(stderr, "fngate-qemu: %s: %s\n", qemu, strerror(errno));
    return 127;
}
