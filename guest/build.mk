# guest/: what runs in (and as) the guests: the agent, PID 1 of the
# initramfs; the image (kernel, initramfs, runtime disk); the guests'
# emulator.  Included by the top-level Makefile.

GUEST_KERNEL     := $(ROOT)/.fngate/kernel
GUEST_AGENT      := $(BUILD)/fngate-agent
GUEST_INITRAMFS  := $(BUILD)/initramfs.cpio.gz

# PID 1 of the guest: static, so the initramfs needs no libc (agent.h
# lists the files).
GUEST_AGENT_SRCS := $(wildcard guest/agent/agent_*.c)
GUEST_AGENT_OBJS := $(GUEST_AGENT_SRCS:%.c=$(BUILD)/obj/%.o)
# What the CUnit suites (and make unit-san, make fuzz) link of the agent
# (and of the guests' emulator).
GUEST_UNIT_SRCS  := guest/agent/agent_msg.c guest/agent/agent_sandbox.c \
                    guest/qemu/qemu_ram.c
$(GUEST_AGENT): $(GUEST_AGENT_OBJS) $(LIBFG)
	@mkdir -p $(dir $@)
	$(CC) -static -o $@ $(GUEST_AGENT_OBJS) $(LIBFG)

# The Debian kernel, unpacked (never installed).
$(GUEST_KERNEL)/.package: guest/image/fetch-kernel.sh
	guest/image/fetch-kernel.sh $(GUEST_KERNEL)
	@touch $@

$(GUEST_INITRAMFS): $(GUEST_AGENT) guest/image/mkinitramfs.sh \
        $(GUEST_KERNEL)/.package
	guest/image/mkinitramfs.sh $@ $(GUEST_AGENT) $(GUEST_KERNEL)

# The runtime disk (python3.11, nodejs with the SDK's clients that
# util/deps.sh put in build/npm), mounted read-only on /var/runtime in the
# guests; the tree beside it serves the agent's host tests.
GUEST_RUNTIMES   := $(BUILD)/runtimes.img
GUEST_RT_SRCS    := $(wildcard guest/runtimes/*/*)

$(GUEST_RUNTIMES): guest/image/mkruntimes.sh $(GUEST_RT_SRCS) \
        $(wildcard $(BUILD)/npm/package.json)
	guest/image/mkruntimes.sh $@ $(BUILD)/runtimes

# The guests' emulator: QEMU without transparent huge pages (host memory).
GUEST_QEMU       := $(BUILD)/fngate-qemu

$(GUEST_QEMU): $(BUILD)/obj/guest/qemu/fngate-qemu.o \
        $(BUILD)/obj/guest/qemu/qemu_ram.o
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^

# What it changes of QEMU's command line for template clones.
$(BUILD)/t/test_qemu_ram: $(BUILD)/obj/t/unit/test_qemu_ram.o \
        $(BUILD)/obj/guest/qemu/qemu_ram.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ -lcunit

# What the agent checks and parses of the host's frames.
$(BUILD)/t/test_agent_msg: $(BUILD)/obj/t/unit/test_agent_msg.o \
        $(BUILD)/obj/guest/agent/agent_msg.o $(LIBFG)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ -lcunit

# The agent's sandbox, entered on the host by a child of the test (root).
$(BUILD)/t/test_sandbox: $(BUILD)/obj/t/unit/test_sandbox.o \
        $(BUILD)/obj/guest/agent/agent_sandbox.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ -lcunit

$(BUILD)/obj/t/unit/test_sandbox.o $(BUILD)/obj/t/unit/test_agent_msg.o: \
    CFLAGS += -I$(ROOT)/guest/agent
$(BUILD)/obj/t/unit/test_qemu_ram.o: CFLAGS += -I$(ROOT)/guest/qemu

BUILD_TARGETS += $(GUEST_AGENT) $(GUEST_INITRAMFS) $(GUEST_RUNTIMES) $(GUEST_QEMU)
UNIT_TESTS    += $(BUILD)/t/test_agent_msg $(BUILD)/t/test_sandbox \
                 $(BUILD)/t/test_qemu_ram
