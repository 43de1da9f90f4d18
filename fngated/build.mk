# fngated/: fngated, the FastCGI backend.  Included by the top-level
# Makefile; builds $(BUILD)/fngated and the CUnit binary
# $(BUILD)/t/test_fngated.

FNGATED          := $(BUILD)/fngated
# The logic tests reach without Redis, libvirt or FastCGI.
FNGATED_PURE     := fngated/fngated_util.c fngated/fngated_api.c \
                    fngated/fngated_conf.c fngated/fngated_result.c \
                    fngated/fngated_overrides.c \
                    fngated/fngated_apis_util.c
FNGATED_DAEMON   := fngated/fngated.c fngated/fngated_store.c \
                    fngated/fngated_invoke.c fngated/fngated_apis.c \
                    fngated/fngated_cache.c fngated/fngated_usage.c \
                    fngated/fngated_cli.c
FNGATED_PURE_OBJS   := $(FNGATED_PURE:%.c=$(BUILD)/obj/%.o)
FNGATED_DAEMON_OBJS := $(FNGATED_DAEMON:%.c=$(BUILD)/obj/%.o)
FNGATED_LIBS     := -lfcgi -lhiredis -lyajl -larchive -lvirt -lcrypto \
                    -lpthread -lm

$(FNGATED): $(FNGATED_DAEMON_OBJS) $(FNGATED_PURE_OBJS) $(BUILD)/libvmpool.a \
            $(BUILD)/libfg.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $(FNGATED_DAEMON_OBJS) $(FNGATED_PURE_OBJS) \
	    $(BUILD)/libvmpool.a $(BUILD)/libfg.a $(FNGATED_LIBS)

# libvmpool for vmp_config_defaults (the VM keys' defaults).
$(BUILD)/t/test_fngated: $(BUILD)/obj/t/unit/test_fngated.o \
                         $(FNGATED_PURE_OBJS) $(BUILD)/libvmpool.a \
                         $(BUILD)/libfg.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(FNGATED_PURE_OBJS) $(BUILD)/libvmpool.a \
	    $(BUILD)/libfg.a -lcunit -lyajl -larchive -lvirt -lcrypto -lpthread -lm

BUILD_TARGETS += $(FNGATED)
UNIT_TESTS    += $(BUILD)/t/test_fngated

# The test reads the shipped conf/fngated.conf.
$(BUILD)/obj/t/unit/test_fngated.o: CFLAGS += -DFNGATE_ROOT='"$(ROOT)"'

# APIs made of functions: the pure parts (fngated_apis_util.c).
$(BUILD)/t/test_fngated_apis: $(BUILD)/obj/t/unit/test_fngated_apis.o \
                              $(FNGATED_PURE_OBJS) $(BUILD)/libvmpool.a \
                              $(BUILD)/libfg.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(FNGATED_PURE_OBJS) $(BUILD)/libvmpool.a \
	    $(BUILD)/libfg.a -lcunit -lyajl -larchive -lvirt -lcrypto -lpthread -lm

UNIT_TESTS    += $(BUILD)/t/test_fngated_apis

# GetUsage / GetApiUsage (fngated_usage.c, included by the test: its
# parsers are static).
$(BUILD)/t/test_usage: $(BUILD)/obj/t/unit/test_usage.o \
                       $(FNGATED_PURE_OBJS) $(BUILD)/libvmpool.a \
                       $(BUILD)/libfg.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(FNGATED_PURE_OBJS) $(BUILD)/libvmpool.a \
	    $(BUILD)/libfg.a -lcunit -lyajl -larchive -lvirt -lcrypto -lpthread -lm

UNIT_TESTS    += $(BUILD)/t/test_usage
