# fngated/: fngated, the FastCGI backend.  Included by the top-level
# Makefile; builds $(BUILD)/fngated and the CUnit binaries
# $(BUILD)/t/test_fngated, test_http_apis_json and test_usage.

FNGATED          := $(BUILD)/fngated
# The logic tests reach without Redis, libvirt or FastCGI.
FNGATED_PURE     := fngated/fngated_util.c fngated/fngated_resp.c \
                    fngated/fngated_json.c fngated/fngated_conf.c \
                    fngated/fngated_functions_json.c \
                    fngated/fngated_versions_json.c \
                    fngated/fngated_aliases_json.c \
                    fngated/fngated_policy_json.c \
                    fngated/fngated_iam_json.c \
                    fngated/fngated_bounds_json.c \
                    fngated/fngated_event_config_json.c \
                    fngated/fngated_http_apis_json.c \
                    fngated/fngated_queues_wire.c \
                    fngated/fngated_result.c \
                    fngated/fngated_async_json.c \
                    fngated/fngated_esm_json.c \
                    fngated/fngated_deadline.c \
                    fngated/fngated_idem_json.c
FNGATED_DAEMON   := fngated/fngated_main.c fngated/fngated_log.c \
                    fngated/fngated_dispatch.c fngated/fngated_req.c \
                    fngated/fngated_redis.c fngated/fngated_store.c \
                    fngated/fngated_functions.c fngated/fngated_versions.c \
                    fngated/fngated_aliases.c fngated/fngated_policy.c \
                    fngated/fngated_bounds.c fngated/fngated_cache.c \
                    fngated/fngated_pool.c fngated/fngated_invoke.c \
                    fngated/fngated_http_apis.c fngated/fngated_usage.c \
                    fngated/fngated_cli.c fngated/fngated_async.c \
                    fngated/fngated_gateway.c \
                    fngated/fngated_concurrency.c \
                    fngated/fngated_provisioned.c \
                    fngated/fngated_billship.c fngated/fngated_billtail.c \
                    fngated/fngated_queues.c fngated/fngated_queues_move.c \
                    fngated/fngated_event_config.c \
                    fngated/fngated_esm.c fngated/fngated_esm_poll.c \
                    fngated/fngated_roles.c \
                    fngated/fngated_idem.c fngated/fngated_suspend.c
FNGATED_PURE_OBJS   := $(FNGATED_PURE:%.c=$(BUILD)/obj/%.o)
FNGATED_DAEMON_OBJS := $(FNGATED_DAEMON:%.c=$(BUILD)/obj/%.o) \
                       $(BUILD)/obj/gen/fngated_lua.o

# The Redis scripts, fngated/lua/NAME.lua (lua/lib/: pieces they use),
# embedded as one generated C file (fngated_redis.h).
FNGATED_LUA      := $(sort $(wildcard fngated/lua/*.lua))
FNGATED_LUA_LIB  := $(wildcard fngated/lua/lib/*.lua)

$(BUILD)/gen/fngated_lua.c: $(FNGATED_LUA) $(FNGATED_LUA_LIB) \
                            fngated/lua/embed.awk
	@mkdir -p $(dir $@)
	awk -f fngated/lua/embed.awk $(FNGATED_LUA) > $@.tmp
	mv $@.tmp $@

$(BUILD)/obj/gen/fngated_lua.o: $(BUILD)/gen/fngated_lua.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@
FNGATED_LIBS     := -lfcgi -lhiredis -lyajl -larchive -lvirt -lvirt-qemu -lnftables \
                    -lcrypto -lpthread -lm

$(FNGATED): $(FNGATED_DAEMON_OBJS) $(FNGATED_PURE_OBJS) $(BUILD)/libvmpool.a \
            $(BUILD)/libfg.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $(FNGATED_DAEMON_OBJS) $(FNGATED_PURE_OBJS) \
	    $(BUILD)/libvmpool.a $(BUILD)/libfg.a $(FNGATED_LIBS)

# test_fngated: one suite per source file it tests, in its own file
# (t/unit/test_fngated_NAME.c tests fngated/fngated_NAME.c); main(), the
# suite table and the helpers they share in t/unit/test_fngated.{c,h}.
# libvmpool for vmp_config_defaults (the VM keys' defaults).
FNGATED_TEST_SRCS := t/unit/test_fngated.c \
                     $(sort $(wildcard t/unit/test_fngated_*.c))
FNGATED_TEST_OBJS := $(FNGATED_TEST_SRCS:%.c=$(BUILD)/obj/%.o)

$(BUILD)/t/test_fngated: $(FNGATED_TEST_OBJS) $(FNGATED_PURE_OBJS) \
                         $(BUILD)/libvmpool.a $(BUILD)/libfg.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $(FNGATED_TEST_OBJS) $(FNGATED_PURE_OBJS) \
	    $(BUILD)/libvmpool.a $(BUILD)/libfg.a -lcunit -lyajl -larchive \
	    -lvirt -lvirt-qemu -lnftables -lcrypto -lpthread -lm

BUILD_TARGETS += $(FNGATED)
UNIT_TESTS    += $(BUILD)/t/test_fngated

# The test reads the shipped conf/fngated.conf.
$(BUILD)/obj/t/unit/test_fngated_conf.o: CFLAGS += -DFNGATE_ROOT='"$(ROOT)"'

# APIs made of functions: the pure parts (fngated_http_apis_json.c).
$(BUILD)/t/test_http_apis_json: $(BUILD)/obj/t/unit/test_http_apis_json.o \
                              $(FNGATED_PURE_OBJS) $(BUILD)/libvmpool.a \
                              $(BUILD)/libfg.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(FNGATED_PURE_OBJS) $(BUILD)/libvmpool.a \
	    $(BUILD)/libfg.a -lcunit -lyajl -larchive -lvirt -lvirt-qemu -lnftables -lcrypto \
	    -lpthread -lm

UNIT_TESTS    += $(BUILD)/t/test_http_apis_json

# GetUsage / GetApiUsage (fngated_usage.c, included by the test: its
# parsers are static; hiredis reads the test's canned Redis replies).
$(BUILD)/t/test_usage: $(BUILD)/obj/t/unit/test_usage.o \
                       $(FNGATED_PURE_OBJS) $(BUILD)/libvmpool.a \
                       $(BUILD)/libfg.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(FNGATED_PURE_OBJS) $(BUILD)/libvmpool.a \
	    $(BUILD)/libfg.a -lcunit -lyajl -larchive -lhiredis -lvirt -lvirt-qemu -lnftables -lcrypto \
	    -lpthread -lm

UNIT_TESTS    += $(BUILD)/t/test_usage

# The billing log's reader (fngated_billtail.c, included by the test).
$(BUILD)/t/test_billtail: $(BUILD)/obj/t/unit/test_billtail.o \
                          $(BUILD)/libfg.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libfg.a -lcunit -lcrypto

UNIT_TESTS    += $(BUILD)/t/test_billtail
