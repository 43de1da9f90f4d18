# vmpool/: the pool library over libvirt and the vmctl tool (the guests
# themselves: guest/build.mk).  Included by the top-level Makefile.

VMPOOL        := $(BUILD)/libvmpool.a
VMPOOL_SRCS   := vmpool/vmpool.c vmpool/vmp_state.c vmpool/vmp_guest.c \
                 vmpool/vmp_snapshot.c vmpool/vmp_fnsnap.c vmpool/vmp_accel.c \
                 vmpool/vmp_thread.c vmpool/vmp_zip.c
VMPOOL_OBJS   := $(VMPOOL_SRCS:%.c=$(BUILD)/obj/%.o)
VMPOOL_LIBS   := -lvirt -larchive -lcrypto -pthread

$(VMPOOL): $(VMPOOL_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/vmctl: $(BUILD)/obj/util/vmctl.o $(VMPOOL) $(LIBFG)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(VMPOOL) $(LIBFG) $(VMPOOL_LIBS)

# The agent tests run $(BUILD)/fngate-agent on the host.
$(BUILD)/t/test_vmpool: $(BUILD)/obj/t/unit/test_vmpool.o $(VMPOOL) $(LIBFG) \
        $(GUEST_AGENT) $(GUEST_RUNTIMES)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(VMPOOL) $(LIBFG) -lcunit $(VMPOOL_LIBS)

BUILD_TARGETS += $(VMPOOL) $(BUILD)/vmctl
UNIT_TESTS    += $(BUILD)/t/test_vmpool
