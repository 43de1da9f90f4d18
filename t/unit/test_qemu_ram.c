/*
 * CUnit tests of what fngate-qemu changes of QEMU's command line for the
 * pool's template and its clones (guest/qemu/qemu_ram.c).
 */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <CUnit/Basic.h>

#include "cu_main.h"
#include "qemu_ram.h"

#define RAM_ARG \
    "{\"qom-type\":\"memory-backend-ram\",\"id\":\"pc.ram\",\"size\":8192}"


static void
test_find(void)
{
    char        err[256];
    qemu_ram_t  ram;
    char       *boot[] = { "qemu", "-name", "x", "-object", RAM_ARG,
                           "-machine", "pc,memory-backend=pc.ram" };
    char       *restore[] = { "qemu", "-object", RAM_ARG, "-incoming",
                              "defer" };
    char       *none[] = { "qemu", "-m", "640" };
    char       *two[] = { "qemu", "-object", RAM_ARG, "-object", RAM_ARG };
    char       *other[] = { "qemu", "-object", "{\"qom-type\":"
        "\"memory-backend-memfd\",\"id\":\"pc.ram\",\"size\":8192}" };
    char       *bad[] = { "qemu", "-object", "{\"qom-type\":"
        "\"memory-backend-ram\",\"id\":\"pc.ram\",\"size\":8192,\"x\":1}" };

    CU_ASSERT_EQUAL(qemu_ram_find(7, boot, &ram, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(ram.index, 4);
    CU_ASSERT_EQUAL(ram.size, 8192);
    CU_ASSERT_FALSE(ram.clone);
    CU_ASSERT_EQUAL(qemu_ram_find(5, restore, &ram, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(ram.index, 2);
    CU_ASSERT_TRUE(ram.clone);

    CU_ASSERT_EQUAL(qemu_ram_find(3, none, &ram, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no guest RAM"));
    CU_ASSERT_EQUAL(qemu_ram_find(5, two, &ram, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "more than one"));
    CU_ASSERT_EQUAL(qemu_ram_find(3, other, &ram, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown"));
    CU_ASSERT_EQUAL(qemu_ram_find(3, bad, &ram, err, sizeof(err)), -1);
}


static void
test_object(void)
{
    qemu_ram_t  ram = { 4, 671088640ull, false };
    char        out[512];

    CU_ASSERT_EQUAL(qemu_ram_object(&ram, "/dev/shm/fg-tmpl-0a.ram", out,
        sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(out, "{\"qom-type\":\"memory-backend-file\","
        "\"id\":\"pc.ram\",\"mem-path\":\"/dev/shm/fg-tmpl-0a.ram\","
        "\"share\":true,\"size\":671088640}");
    ram.clone = true;
    CU_ASSERT_EQUAL(qemu_ram_object(&ram, "/dev/shm/x.ram", out,
        sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"share\":false,"));

    /* nothing that could end the JSON string or leave the directory */
    CU_ASSERT_EQUAL(qemu_ram_object(&ram, "dev/shm/x", out, sizeof(out)),
        -1);
    CU_ASSERT_EQUAL(qemu_ram_object(&ram, "/dev/shm/../x", out,
        sizeof(out)), -1);
    CU_ASSERT_EQUAL(qemu_ram_object(&ram, "/dev/shm/x\",\"share\":true",
        out, sizeof(out)), -1);
    CU_ASSERT_EQUAL(qemu_ram_object(&ram, "/dev/shm/x", out, 20), -1);
}


static void
test_file(void)
{
    char         dir[] = "/tmp/test_qemu_ram.XXXXXX", path[128], err[256];
    qemu_ram_t   tmpl = { 4, 8192, false }, clone = { 4, 8192, true };
    struct stat  st;
    int          fd;

    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/t.ram", dir);

    /* a clone needs the template's file, of the RAM's size */
    CU_ASSERT_EQUAL(qemu_ram_file(&clone, path, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));

    /* the template's boot makes it, private, and never over another */
    CU_ASSERT_EQUAL(qemu_ram_file(&tmpl, path, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
    CU_ASSERT_EQUAL(qemu_ram_file(&tmpl, path, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "File exists"));

    CU_ASSERT_EQUAL(qemu_ram_file(&clone, path, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a file of 8192 bytes"));
    fd = open(path, O_WRONLY);
    CU_ASSERT_EQUAL(ftruncate(fd, 8192), 0);
    close(fd);
    CU_ASSERT_EQUAL(qemu_ram_file(&clone, path, err, sizeof(err)), 0);

    unlink(path);
    rmdir(dir);
}


static const cu_test_t  qemu_ram_tests[] = {
    { "the guest RAM object found, exactly one", test_find },
    { "the file object, shared or private", test_object },
    { "the template file made once, a clone's checked", test_file },
    { NULL, NULL }
};

static const cu_suite_t  qemu_ram_suites[] = {
    { "fngate-qemu template RAM", NULL, NULL, qemu_ram_tests },
    { NULL, NULL, NULL, NULL }
};


int
main(void)
{
    return cu_main_run(qemu_ram_suites, CU_BRM_NORMAL);
}
