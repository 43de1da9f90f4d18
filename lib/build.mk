# lib/: the code shared by the nginx module, fngated and the guest agent.
# Included by the top-level Makefile; builds $(BUILD)/libfg.a and the CUnit
# binaries $(BUILD)/t/test_{sigv4,frame,route,keys,api,rtapi,action,egress,
# cluster}.

LIBFG         := $(BUILD)/libfg.a
LIBFG_SRCS    := $(wildcard lib/*.c)
LIBFG_OBJS    := $(LIBFG_SRCS:%.c=$(BUILD)/obj/%.o)

# -fPIC so the archive can also be linked into a shared object (the nginx
# module); harmless in the static agent.
$(LIBFG_OBJS): CFLAGS += -fPIC

$(LIBFG): $(LIBFG_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

# The same sources are compiled into the nginx module with nginx's own
# warning flags (and Debian's --with-cc-opt); check here that they stay
# clean under them.
LIBFG_NGX_CFLAGS := -W -Wall -Wpointer-arith -Wno-unused-parameter -Werror \
                    -g -O2 -fstack-protector-strong -Wformat \
                    -Werror=format-security -fPIC -Wdate-time \
                    -D_FORTIFY_SOURCE=2
LIBFG_NGX_CHECK  := $(BUILD)/obj/lib/ngx-flags.ok

$(LIBFG_NGX_CHECK): $(LIBFG_SRCS) $(wildcard lib/*.h) lib/build.mk
	@mkdir -p $(dir $@)
	for f in $(LIBFG_SRCS); do \
	    $(CC) $(LIBFG_NGX_CFLAGS) -Ilib -c -o /dev/null $$f || exit 1; \
	done
	@touch $@

BUILD_TARGETS += $(LIBFG) $(LIBFG_NGX_CHECK)

# CUnit tests of lib/.
LIBFG_TESTS     := sigv4 frame route keys api rtapi action egress cluster
LIBFG_TEST_BINS := $(LIBFG_TESTS:%=$(BUILD)/t/test_%)

$(LIBFG_TEST_BINS): $(BUILD)/t/test_%: $(BUILD)/obj/t/unit/test_%.o $(LIBFG)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIBFG) -lcunit -lcrypto -lhiredis -pthread

UNIT_TESTS += $(LIBFG_TEST_BINS)
