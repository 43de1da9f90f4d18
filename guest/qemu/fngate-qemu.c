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
 * libvirt runs it as it runs QEMU (the same user, the same arguments,
 * also to probe QEMU's capabilities), so it must be executable by the
 * QEMU user.  FNGATE_QEMU (at build time) names the QEMU it runs.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>

#ifndef FNGATE_QEMU
#define FNGATE_QEMU  "/usr/bin/qemu-system-x86_64"
#endif


int
main(int argc, char **argv)
{
    char  *qemu = FNGATE_QEMU;

    (void) argc;
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
