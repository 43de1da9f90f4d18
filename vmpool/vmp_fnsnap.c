/*
 * vmp_fnsnap: function snapshots: their names and the reaping (without
 * libvirt, see vmpool_priv.h), then their saving and restoring (below).
 *
 * A function snapshot is a guest saved after a persistent runtime's init:
 * it holds one account's code, environment and the runtime's memory.  Its
 * name says exactly what is in it, so that an image is only ever restored
 * for the same account, code, configuration and guest image:
 *
 *   fn-ACCOUNT-H.img   H = sha256 of "account", "code", "config", "base"
 *                      (NUL-separated), config = vmp_fnsnap_config
 *   fn-ACCOUNT-H.key   the same four as "name=value" lines, for people and
 *                      for the reaper (its "base" line)
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "fg_sigv4.h"
#include "fg_util.h"
#include "vmpool_priv.h"

/* An INVOKE's fields that change from call to call: the runtime gets them
 * with each event, never at its init. */
static bool
vmp_fnsnap_per_call(const char *key, size_t klen, const uint8_t *val,
    size_t vlen)
{
    static const char  *const per_call[] = {
        "request_id", "event", "function_arn", "max_output", "credentials"
    };
    size_t              i;

    for (i = 0; i < sizeof(per_call) / sizeof(per_call[0]); i++) {
        if (klen == strlen(per_call[i])
            && memcmp(key, per_call[i], klen) == 0)
        {
            return true;
        }
    }
    return klen == 3 && memcmp(key, "env", 3) == 0
           && vlen >= 15 && memcmp(val, "AWS_REQUEST_ID=", 15) == 0;
}


int
vmp_fnsnap_config(const uint8_t *frame, size_t len, const char *function,
    char out[65])
{
    fg_frame_t       f;
    fg_field_iter_t  it;
    fg_buf_t         b = { 0 };
    const char      *key;
    const uint8_t   *val;
    size_t           klen, vlen;
    uint8_t          nul = 0;
    int              rc = -1;

    out[0] = '\0';
    if (fg_frame_parse(frame, len, &f) <= 0 || f.type != FG_FRAME_INVOKE) {
        return -1;
    }
    /* each field as key NUL length NUL value: no two configurations
     * compose the same bytes */
    if (fg_buf_append(&b, function, strlen(function) + 1) < 0) {
        goto cleanup;
    }
    fg_field_iter_init(&it, &f);
    while (fg_field_next(&it, &key, &klen, &val, &vlen) == 1) {
        char  n[24];

        if (vmp_fnsnap_per_call(key, klen, val, vlen)) {
            continue;
        }
        snprintf(n, sizeof(n), "%zu", vlen);
        if (fg_buf_append(&b, key, klen) < 0
            || fg_buf_append(&b, &nul, 1) < 0
            || fg_buf_append(&b, n, strlen(n) + 1) < 0
            || fg_buf_append(&b, val, vlen) < 0)
        {
            goto cleanup;
        }
    }
    fg_sha256_hex(b.data, b.len, out);
    rc = 0;

cleanup:
    fg_buf_free(&b);
    return rc;
}


static bool
vmp_fnsnap_word(const char *s, size_t max)
{
    size_t  n = 0;

    for ( ; s[n] != '\0'; n++) {
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'z')
              || (s[n] >= 'A' && s[n] <= 'Z') || s[n] == '_'))
        {
            return false;
        }
    }
    return n > 0 && n <= max;
}


int
vmp_fnsnap_name(const char *account, const char *code, const char *config,
    const char *base, char *out, size_t size)
{
    char    h[65], *all;
    size_t  la, lc, lf, lb;
    int     n;

    /* a pool key that can not be part of a file name gets no images */
    if (!vmp_fnsnap_word(account, 64) || !vmp_fnsnap_word(code, 64)
        || !vmp_fnsnap_word(config, 64) || !vmp_fnsnap_word(base, 64))
    {
        return -1;
    }
    la = strlen(account) + 1;
    lc = strlen(code) + 1;
    lf = strlen(config) + 1;
    lb = strlen(base) + 1;
    all = malloc(la + lc + lf + lb);
    if (all == NULL) {
        return -1;
    }
    memcpy(all, account, la);
    memcpy(all + la, code, lc);
    memcpy(all + la + lc, config, lf);
    memcpy(all + la + lc + lf, base, lb);
    fg_sha256_hex(all, la + lc + lf + lb, h);
    free(all);
    n = snprintf(out, size, "fn-%s-%s", account, h);
    return n < 0 || (size_t) n >= size ? -1 : 0;
}


unsigned
vmp_fnsnap_reap(const vmp_fnsnap_entry_t *e, unsigned n, const char *base,
    unsigned max, bool *drop)
{
    unsigned  i, j, kept = 0, dropped = 0;

    for (i = 0; i < n; i++) {
        /* an image of another guest image (or without its key) is never
         * used again */
        drop[i] = e[i].base == NULL || strcmp(e[i].base, base) != 0;
        if (drop[i]) {
            dropped++;
        } else {
            kept++;
        }
    }
    /* beyond max: the least recently used go (ties: by name, so that the
     * choice does not depend on the directory's order) */
    while (kept > max) {
        j = n;
        for (i = 0; i < n; i++) {
            if (drop[i]) {
                continue;
            }
            if (j == n || e[i].used < e[j].used
                || (e[i].used == e[j].used
                    && strcmp(e[i].name, e[j].name) < 0))
            {
                j = i;
            }
        }
        drop[j] = true;
        kept--;
        dropped++;
    }
    return dropped;
}


/* ---- saving and restoring ---- */

/*
 * With cfg.function_snapshots, a guest in which a call started a
 * persistent runtime (python3.11, or provided with a bootstrap) and
 * succeeded is saved by the background thread once it is idle, as
 * STATE_DIR/fn-ACCOUNT-H.img (vmp_fnsnap.c names it: the account, the
 * code, what the runtime saw at its init, the generic snapshot's key).
 * The save stops the guest: it is restored at once from the image just
 * made (which shows that the image restores; one that does not is
 * deleted), so the account keeps its guest.  A later call of the same
 * account, code and configuration that needs a new guest restores a copy
 * of that image instead of taking a warm guest: the code is loaded and the
 * runtime waits on its next event, so the call skips the LOAD and the
 * runtime's init.  SYNC gives the copy the time and fresh kernel entropy;
 * the runtime's own random state (Python's random, its hash seed) is the
 * image's, shared by every copy of it, all of them of one account and one
 * function.  The images kept are bounded (function_snapshots_max, the
 * least recently used go) and those of another generic snapshot are
 * deleted at start.
 */

#define VMP_FNSNAP_SCAN      1024u
#define VMP_FNSNAP_DELAY_MS  1000u   /* idle this long before the save (at
                                        most half the idle timeout) */

/* STATE_DIR/NAME.EXT */
void
vmp_fnsnap_path(vmp_pool_t *pool, const char *name, const char *ext,
    char *out, size_t size)
{
    snprintf(out, size, "%s/%s.%s", pool->cfg.state_dir, name, ext);
}


/* The image name of a call of account, or "" (none made or used now). */
void
vmp_fnsnap_for(vmp_pool_t *pool, const char *account, const char *code,
    const char *config, char *name, size_t size)
{
    char  base[65];

    name[0] = '\0';
    if (!pool->cfg.function_snapshots || account == NULL || code == NULL
        || config == NULL || config[0] == '\0')
    {
        return;
    }
    pthread_mutex_lock(&pool->lock);
    memcpy(base, pool->fnsnap_base, sizeof(base));
    pthread_mutex_unlock(&pool->lock);
    if (base[0] == '\0'
        || vmp_fnsnap_name(account, code, config, base, name, size) < 0)
    {
        name[0] = '\0';
    }
}


/* Deletes an image and its key. */
void
vmp_fnsnap_delete(vmp_pool_t *pool, const char *name)
{
    char  path[4200];

    vmp_fnsnap_path(pool, name, "img", path, sizeof(path));
    unlink(path);
    vmp_fnsnap_path(pool, name, "key", path, sizeof(path));
    unlink(path);
}


/* The value of the line "field=..." of an image's key file, malloc'd, or
 * NULL. */
static char *
vmp_fnsnap_key_get(vmp_pool_t *pool, const char *name, const char *field)
{
    char    path[4200], line[512];
    char   *v = NULL;
    size_t  n = strlen(field);
    FILE   *f;

    vmp_fnsnap_path(pool, name, "key", path, sizeof(path));
    f = fopen(path, "re");
    if (f == NULL) {
        return NULL;
    }
    while (v == NULL && fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, field, n) == 0 && line[n] == '=') {
            v = strdup(line + n + 1);
        }
    }
    fclose(f);
    return v;
}


/* Deletes the images vmp_fnsnap_reap chooses (and what a save that was cut
 * short left: temporary images, keys without an image).  Runs in the
 * background thread, without the pool lock. */
static void
vmp_fnsnap_reap_dir(vmp_pool_t *pool, const char *base)
{
    vmp_fnsnap_entry_t  e[VMP_FNSNAP_SCAN];
    bool                drop[VMP_FNSNAP_SCAN];
    char                path[4200], *name;
    struct dirent      *d;
    struct stat         st;
    DIR                *dir;
    unsigned            n = 0, i;
    size_t              len;

    dir = opendir(pool->cfg.state_dir);
    if (dir == NULL) {
        return;
    }
    while ((d = readdir(dir)) != NULL) {
        if (strncmp(d->d_name, "fn-", 3) != 0) {
            continue;
        }
        len = strlen(d->d_name);
        snprintf(path, sizeof(path), "%s/%s", pool->cfg.state_dir,
            d->d_name);
        if (len > 8 && strcmp(d->d_name + len - 8, ".img.tmp") == 0) {
            unlink(path);
            continue;
        }
        if (len > 4 && strcmp(d->d_name + len - 4, ".key") == 0) {
            strcpy(path + strlen(path) - 4, ".img");
            if (access(path, F_OK) < 0) {
                strcpy(path + strlen(path) - 4, ".key");
                unlink(path);
            }
            continue;
        }
        if (len <= 4 || strcmp(d->d_name + len - 4, ".img") != 0
            || n == VMP_FNSNAP_SCAN || stat(path, &st) < 0)
        {
            continue;
        }
        name = strndup(d->d_name, len - 4);
        if (name == NULL) {
            continue;
        }
        e[n].name = name;
        e[n].base = vmp_fnsnap_key_get(pool, name, "base");
        e[n].used = (uint64_t) st.st_mtime;
        n++;
    }
    closedir(dir);

    vmp_fnsnap_reap(e, n, base, pool->cfg.function_snapshots_max, drop);
    for (i = 0; i < n; i++) {
        if (drop[i]) {
            vmp_log("function snapshot %s dropped (%s)", e[i].name,
                e[i].base != NULL && strcmp(e[i].base, base) == 0
                ? "least recently used beyond function_snapshots_max"
                : "made on another guest image");
            vmp_fnsnap_delete(pool, e[i].name);
        }
        free((char *) e[i].name);
        free((char *) e[i].base);
    }
}


/* At start (background thread): the base of the images, and the images of
 * another base deleted. */
void
vmp_fnsnap_prepare(vmp_pool_t *pool)
{
    char  *key, base[65];

    key = vmp_snap_key(pool);
    if (key == NULL) {
        vmp_log("function snapshots: no key (kernel or initrd unreadable); "
            "none are made");
        return;
    }
    fg_sha256_hex(key, strlen(key), base);
    free(key);
    vmp_fnsnap_reap_dir(pool, base);
    pthread_mutex_lock(&pool->lock);
    memcpy(pool->fnsnap_base, base, sizeof(base));
    pthread_mutex_unlock(&pool->lock);
}


/* Writes the key file of name (what vmp_fnsnap_name hashed, and the
 * function and version for vmp_pool_fnsnap_forget). */
static int
vmp_fnsnap_write_key(vmp_pool_t *pool, const vmp_vm_t *vm,
    const char *name, const char *code, const char *config,
    const char *function, const char *version)
{
    char   path[4200];
    FILE  *f;
    int    rc;

    vmp_fnsnap_path(pool, name, "key", path, sizeof(path));
    f = fopen(path, "we");
    if (f == NULL) {
        return -1;
    }
    fprintf(f, "account=%s\ncode=%s\nconfig=%s\nbase=%s\nfunction=%s\n"
        "version=%s\n", vm->account, code, config, pool->fnsnap_base,
        function, version);
    rc = ferror(f) ? -1 : 0;
    if (fclose(f) != 0) {
        rc = -1;
    }
    return rc;
}


/*
 * Saves one idle guest that asked for it as its function snapshot and
 * restores it from the image for its account.  The lock is held on entry
 * and exit, not while libvirt works; the guest is BUSY meanwhile, so no
 * call takes it.
 */
void
vmp_fnsnap_capture(vmp_pool_t *pool)
{
    vmp_vm_t  *vm;
    char       name[sizeof(vm->capture)], img[4200], tmp[4300];
    char       code[65], config[65], fn[sizeof(vm->capture_fn)];
    char       version[sizeof(vm->capture_version)], *err = NULL;
    uint64_t   t0, last, now, delay;
    unsigned   save_ms;
    struct stat  st;

    /* idle for a moment: a client calling in a row keeps its guest */
    delay = (uint64_t) pool->cfg.idle_timeout_s * 1000 / 2;
    if (delay > VMP_FNSNAP_DELAY_MS) {
        delay = VMP_FNSNAP_DELAY_MS;
    }
    now = fg_now_ms();
    for (vm = pool->set.head; vm != NULL; vm = vm->next) {
        if (vm->state == VMP_IDLE && vm->capture[0] != '\0'
            && !vm->suspended && now >= vm->last_used_ms
            && now - vm->last_used_ms >= delay)
        {
            break;
        }
    }
    if (vm == NULL) {
        return;
    }
    memcpy(name, vm->capture, sizeof(name));
    vm->capture[0] = '\0';
    vmp_fnsnap_path(pool, name, "img", img, sizeof(img));
    snprintf(tmp, sizeof(tmp), "%s.tmp", img);
    if (access(img, F_OK) == 0 || vm->dom == NULL) {
        return;                     /* made already: once per name */
    }
    memcpy(code, vm->capture_code, sizeof(code));
    memcpy(config, vm->capture_config, sizeof(config));
    memcpy(fn, vm->capture_fn, sizeof(fn));
    memcpy(version, vm->capture_version, sizeof(version));
    last = vm->last_used_ms;
    vmp_set_move(&pool->set, vm, VMP_BUSY, NULL, fg_now_ms());
    vm->calls--;                    /* not a call */
    vm->saving = true;
    pthread_mutex_unlock(&pool->lock);

    t0 = fg_now_ms();
    unlink(tmp);
    /* saved with its host connected, as the pool's snapshot */
    if (virDomainSaveFlags(vm->dom, tmp, NULL, VIR_DOMAIN_SAVE_RUNNING) < 0)
    {
        vmp_log("%s: function snapshot %s: save: %s", vm->name, name,
            vmp_virt_error());
        unlink(tmp);
        if (virDomainIsActive(vm->dom) == 1) {
            goto back;              /* it runs on */
        }
        goto lost;
    }
    save_ms = (unsigned) (fg_now_ms() - t0);
    close(vm->fd);
    vm->fd = -1;
    virDomainFree(vm->dom);         /* saved: the domain is gone */
    vm->dom = NULL;
    if (!vmp_snap_valid(tmp) || stat(tmp, &st) < 0
        || vmp_fnsnap_write_key(pool, vm, name, code, config, fn,
               version) < 0
        || rename(tmp, img) < 0)
    {
        vmp_log("%s: function snapshot %s: %s is not an image libvirt "
            "restores", vm->name, name, tmp);
        unlink(tmp);
        vmp_fnsnap_delete(pool, name);
        goto lost;
    }

    /* the account's guest comes back from the image: this also proves
     * that the image restores */
    t0 = fg_now_ms();
    if (vmp_vm_restore(pool, vm, img, false, pool->cfg.boot_timeout_ms,
            &err) < 0)
    {
        vmp_log("%s: function snapshot %s does not restore (%s); deleted",
            vm->name, name, err ? err : "?");
        free(err);
        vmp_fnsnap_delete(pool, name);
        goto lost;
    }
    vmp_log("%s: function snapshot %s made for account %s (save %u ms, "
        "%lld MiB; back in %llu ms)", vm->name, name, vm->account, save_ms,
        (long long) (st.st_size >> 20),
        (unsigned long long) (fg_now_ms() - t0));
    vmp_fnsnap_reap_dir(pool, pool->fnsnap_base);

back:
    pthread_mutex_lock(&pool->lock);
    vm->saving = false;
    vmp_set_move(&pool->set, vm, VMP_IDLE, NULL, fg_now_ms());
    vm->last_used_ms = last;        /* idle since its call */
    pthread_cond_broadcast(&pool->changed);
    return;

lost:
    pthread_mutex_lock(&pool->lock);
    vm->saving = false;
    vmp_log("%s: lost while saving its function snapshot (account %s)",
        vm->name, vm->account);
    vmp_vm_discard(pool, vm);
}


void
vmp_vm_capture(vmp_pool_t *pool, vmp_vm_t *vm, const char *code,
    const char *config, const char *function, const char *version)
{
    /* the caller holds vm (BUSY): the background thread reads these only
     * once it is idle, after vmp_pool_release took the lock */
    vm->capture[0] = '\0';
    if (vm->from_fnsnap || vm->account == NULL || config == NULL
        || strlen(config) >= sizeof(vm->capture_config))
    {
        return;
    }
    vmp_fnsnap_for(pool, vm->account, code, config, vm->capture,
        sizeof(vm->capture));
    snprintf(vm->capture_code, sizeof(vm->capture_code), "%s", code);
    snprintf(vm->capture_config, sizeof(vm->capture_config), "%s", config);
    snprintf(vm->capture_fn, sizeof(vm->capture_fn), "%s", function);
    snprintf(vm->capture_version, sizeof(vm->capture_version), "%s",
        version);
}


void
vmp_pool_fnsnap_forget(vmp_pool_t *pool, const char *function,
    const char *version)
{
    struct dirent  *d;
    DIR            *dir;
    char            name[256], *f, *v;
    size_t          len;

    if (!pool->cfg.function_snapshots) {
        return;
    }
    dir = opendir(pool->cfg.state_dir);
    if (dir == NULL) {
        return;
    }
    while ((d = readdir(dir)) != NULL) {
        len = strlen(d->d_name);
        if (strncmp(d->d_name, "fn-", 3) != 0 || len <= 4
            || len - 4 >= sizeof(name)
            || strcmp(d->d_name + len - 4, ".key") != 0)
        {
            continue;
        }
        snprintf(name, sizeof(name), "%.*s", (int) (len - 4), d->d_name);
        f = vmp_fnsnap_key_get(pool, name, "function");
        v = vmp_fnsnap_key_get(pool, name, "version");
        if (f != NULL && strcmp(f, function) == 0
            && (version == NULL || (v != NULL && strcmp(v, version) == 0)))
        {
            vmp_log("function snapshot %s dropped (%s %s updated or "
                "deleted)", name, function, v ? v : "?");
            vmp_fnsnap_delete(pool, name);
        }
        free(f);
        free(v);
    }
    closedir(dir);
}
