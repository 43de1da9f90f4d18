# fcgi_backend/: fngated, the FastCGI backend.  Included by the top-level
# Makefile; builds $(BUILD)/fngated and the CUnit binary
# $(BUILD)/t/test_fngated.

FNGATED          := $(BUILD)/fngated
# The logic tests reach without Redis, libvirt or FastCGI.
FNGATED_PURE     := fcgi_backend/fngated_util.c fcgi_backend/fngated_api.c \
                    fcgi_backend/fngated_conf.c fcgi_backend/fngated_result.c \
                    fcgi_backend/fngated_overrides.c \
                    fcgi_backend/fngated_apis_util.c
FNGATED_DAEMON   := fcgi_backend/fngated.c fcgi_backend/fngated_store.c \
                    fcgi_backend/fngated_invoke.c fcgi_backend/fngated_apis.c \
                    fcgi_backend/fngated_cache.c fcgi_backend/fngated_usage.c
FNGATED_PURE_OBJS   := $(FNGATED_PURE:%.c=$(BUILD)/obj/%.o)
FNGATED_DAEMON_OBJS := $(FNGATED_DAEMON:%.c=$(BUILD)/obj/%.o)
FNGATED_LIBS     := -lfcgi -lhiredis -lyajl -larchive -lvirt -lcrypto \
                    -lpthread

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
	    $(BUILD)/libfg.a -lcunit -lyajl -larchive -lvirt -lcrypto -lpthread

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
	    $(BUILD)/libfg.a -lcunit -lyajl -larchive -lvirt -lcrypto -lpthread

UNIT_TESTS    += $(BUILD)/t/test_fngated_apis

# GetUsage / GetApiUsage (fngated_usage.c, included by the test: its
# parsers are static).
$(BUILD)/t/test_usage: $(BUILD)/obj/t/unit/test_usage.o \
                       $(FNGATED_PURE_OBJS) $(BUILD)/libvmpool.a \
                       $(BUILD)/libfg.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(FNGATED_PURE_OBJS) $(BUILD)/libvmpool.a \
	    $(BUILD)/libfg.a -lcunit -lyajl -larchive -lvirt -lcrypto -lpthread

UNIT_TESTS    += $(BUILD)/t/test_usage
