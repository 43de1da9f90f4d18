# vmpool/: the pool library over libvirt and the vmctl tool (the guests
# themselves: guest/build.mk).  Included by the top-level Makefile.

VMPOOL        := $(BUILD)/libvmpool.a
VMPOOL_SRCS   := vmpool/vmpool.c vmpool/vmp_state.c vmpool/vmp_guest.c \
                 vmpool/vmp_sandbox.c \
                 vmpool/vmp_snapshot.c vmpool/vmp_fnsnap.c vmpool/vmp_accel.c \
                 vmpool/vmp_thread.c vmpool/vmp_zip.c \
                 vmpool/vmp_net.c
VMPOOL_OBJS   := $(VMPOOL_SRCS:%.c=$(BUILD)/obj/%.o)
VMPOOL_LIBS   := -lvirt -lvirt-qemu -larchive -lcrypto -lnftables -pthread

$(VMPOOL): $(VMPOOL_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/vmctl: $(BUILD)/obj/util/vmctl.o $(VMPOOL) $(LIBFG)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(VMPOOL) $(LIBFG) $(VMPOOL_LIBS)

# test_vmpool: one suite per source file of vmpool/ that has tests, in its
# own file (t/unit/test_vmp_NAME.c tests vmpool/vmp_NAME.c; test_vmpool.c
# tests vmpool.c and holds main()), and the agent's suite
# (test_fngate_agent.c), which runs $(BUILD)/fngate-agent on the host.
VMPOOL_TEST_SRCS := t/unit/test_vmpool.c \
                    $(sort $(wildcard t/unit/test_vmp_*.c)) \
                    t/unit/test_fngate_agent.c
VMPOOL_TEST_OBJS := $(VMPOOL_TEST_SRCS:%.c=$(BUILD)/obj/%.o)

$(BUILD)/t/test_vmpool: $(VMPOOL_TEST_OBJS) $(VMPOOL) $(LIBFG) \
        $(GUEST_AGENT) $(GUEST_RUNTIMES)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $(VMPOOL_TEST_OBJS) $(VMPOOL) $(LIBFG) -lcunit \
	    $(VMPOOL_LIBS)

BUILD_TARGETS += $(VMPOOL) $(BUILD)/vmctl
UNIT_TESTS    += $(BUILD)/t/test_vmpool
