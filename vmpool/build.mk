# vmpool/: the pool library over libvirt, the guest agent and its
# initramfs, the vmctl tool.  Included by the top-level Makefile.

VMPOOL        := $(BUILD)/libvmpool.a
VMPOOL_SRCS   := vmpool/vmpool.c vmpool/vmp_state.c vmpool/vmp_zip.c \
                 vmpool/vmp_snap.c vmpool/vmp_fnsnap.c
VMPOOL_OBJS   := $(VMPOOL_SRCS:%.c=$(BUILD)/obj/%.o)
VMPOOL_LIBS   := -lvirt -larchive -lcrypto -pthread

VMP_KERNEL    := $(ROOT)/.fngate/kernel
VMP_AGENT     := $(BUILD)/fngate-agent
VMP_INITRAMFS := $(BUILD)/initramfs.cpio.gz

$(VMPOOL): $(VMPOOL_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

# PID 1 of the guest: static, so the initramfs needs no libc.
VMP_AGENT_OBJS := $(BUILD)/obj/vmpool/agent/fngate-agent.o \
                  $(BUILD)/obj/vmpool/agent/agent_sandbox.o
$(VMP_AGENT): $(VMP_AGENT_OBJS) $(LIBFG)
	@mkdir -p $(dir $@)
	$(CC) -static -o $@ $(VMP_AGENT_OBJS) $(LIBFG)

# The Debian kernel, unpacked (never installed): util/fetch-kernel.sh.
$(VMP_KERNEL)/.package: util/fetch-kernel.sh
	util/fetch-kernel.sh $(VMP_KERNEL)
	@touch $@

$(VMP_INITRAMFS): $(VMP_AGENT) util/mkinitramfs.sh $(VMP_KERNEL)/.package
	util/mkinitramfs.sh $@ $(VMP_AGENT) $(VMP_KERNEL)

# The runtime disk (python3.11), mounted read-only on /var/runtime in the
# guests; the tree beside it serves the agent's host tests.
VMP_RUNTIMES  := $(BUILD)/runtimes.img
VMP_RT_SRCS   := $(wildcard vmpool/runtimes/*/*)

$(VMP_RUNTIMES): util/mkruntimes.sh $(VMP_RT_SRCS)
	util/mkruntimes.sh $@ $(BUILD)/runtimes

# The guests' emulator: QEMU without transparent huge pages (host memory).
VMP_QEMU      := $(BUILD)/fngate-qemu

$(VMP_QEMU): $(BUILD)/obj/vmpool/fngate-qemu.o
	@mkdir -p $(dir $@)
	$(CC) -o $@ $<

$(BUILD)/vmctl: $(BUILD)/obj/util/vmctl.o $(VMPOOL) $(LIBFG)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(VMPOOL) $(LIBFG) $(VMPOOL_LIBS)

# The agent tests run $(BUILD)/fngate-agent on the host.
$(BUILD)/t/test_vmpool: $(BUILD)/obj/t/unit/test_vmpool.o $(VMPOOL) $(LIBFG) \
        $(VMP_AGENT) $(VMP_RUNTIMES)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(VMPOOL) $(LIBFG) -lcunit $(VMPOOL_LIBS)

# The agent's sandbox, entered on the host by a child of the test (root).
$(BUILD)/t/test_sandbox: $(BUILD)/obj/t/unit/test_sandbox.o \
        $(BUILD)/obj/vmpool/agent/agent_sandbox.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ -lcunit

$(BUILD)/obj/t/unit/test_sandbox.o: CFLAGS += -I$(ROOT)/vmpool/agent

BUILD_TARGETS += $(VMPOOL) $(VMP_AGENT) $(VMP_INITRAMFS) $(VMP_RUNTIMES) \
                 $(VMP_QEMU) $(BUILD)/vmctl
UNIT_TESTS    += $(BUILD)/t/test_vmpool $(BUILD)/t/test_sandbox
