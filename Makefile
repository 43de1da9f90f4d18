# fngate: top-level build.  `make run` and `make test` are the two commands
# a user needs (see README.md); each installs what is missing first.

ROOT     := $(CURDIR)
BUILD    := $(ROOT)/build
CC       ?= cc
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE \
            -I$(ROOT)/lib -I$(ROOT)/vmpool -I$(ROOT)/fngated
export ROOT BUILD

.PHONY: all deps build unit unit-san test run bench chaos valgrind clean \
        check-docs
all: build

# Each tree adds its targets to BUILD_TARGETS and UNIT_TESTS.
BUILD_TARGETS :=
UNIT_TESTS    :=
include lib/build.mk
include guest/build.mk
include vmpool/build.mk
include fngated/build.mk
include ngx_module/build.mk
# last: it compiles the sources the others name
include fuzz/build.mk

deps:
	util/deps.sh

build: $(BUILD_TARGETS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

unit: $(UNIT_TESTS)
	@rc=0; for t in $(UNIT_TESTS); do $$t || rc=1; done; exit $$rc

# The same CUnit binaries under AddressSanitizer (with LeakSanitizer) and
# UndefinedBehaviorSanitizer: every source they test compiled again into
# $(SAN_DIR)/obj, the binaries in $(SAN_DIR) itself (so test_vmpool finds
# $(BUILD)/fngate-agent, the normal static build, as the plain one does).
# Any finding fails the run.
SAN_DIR    := $(BUILD)/san
SAN_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer
SAN_SRCS   := $(LIBFG_SRCS) $(FNGATED_PURE) $(VMPOOL_SRCS) \
              $(GUEST_UNIT_SRCS)
SAN_OBJS   := $(SAN_SRCS:%.c=$(SAN_DIR)/obj/%.o)
SAN_LIB    := $(SAN_DIR)/libfgsan.a
SAN_LIBS   := -lcunit -lyajl -larchive -lhiredis -lvirt -lvirt-qemu -lnftables -lcrypto -lm -pthread
SAN_TESTS  := $(UNIT_TESTS:$(BUILD)/t/%=$(SAN_DIR)/%)
SAN_ENV    := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=1 \
              UBSAN_OPTIONS=print_stacktrace=1 \
              LSAN_OPTIONS=suppressions=$(ROOT)/t/unit/lsan.supp:print_suppressions=0

$(SAN_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -MMD -MP -c $< -o $@

$(SAN_DIR)/obj/t/unit/test_fngated_conf.o: CFLAGS += -DFNGATE_ROOT='"$(ROOT)"'
$(SAN_DIR)/obj/t/unit/test_sandbox.o $(SAN_DIR)/obj/t/unit/test_agent_msg.o: \
    CFLAGS += -I$(ROOT)/guest/agent
$(SAN_DIR)/obj/t/unit/test_qemu_ram.o: CFLAGS += -I$(ROOT)/guest/qemu

-include $(shell find $(SAN_DIR)/obj -name '*.d' 2>/dev/null)

$(SAN_LIB): $(SAN_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(SAN_DIR)/test_%: $(SAN_DIR)/obj/t/unit/test_%.o $(SAN_LIB)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $(filter %.o,$^) $(SAN_LIB) $(SAN_LIBS)

# The binaries made of several test files (fngated/build.mk,
# vmpool/build.mk): their other objects.
$(SAN_DIR)/test_fngated: $(FNGATED_TEST_SRCS:%.c=$(SAN_DIR)/obj/%.o)
$(SAN_DIR)/test_vmpool: $(VMPOOL_TEST_SRCS:%.c=$(SAN_DIR)/obj/%.o)

# test_vmpool runs the agent (not sanitized: it is static) on the host.
$(SAN_DIR)/test_vmpool: $(GUEST_AGENT) $(GUEST_RUNTIMES)

unit-san: $(SAN_TESTS)
	@rc=0; for t in $(SAN_TESTS); do $(SAN_ENV) $$t || rc=1; done; \
	    exit $$rc

# The cross-account story runs on a stack of its own (state, ports, VM names).
STORY_ENV := FNGATE_STATE=$(BUILD)/story FNGATE_PORT=18680 \
             FNGATE_REDIS_PORT=16680 FNGATE_VM_PREFIX=fgstory
# So do the asynchronous events' fault test (util/async-faults.sh)
FAULTS_ENV := FNGATE_STATE=$(BUILD)/asyncfaults FNGATE_PORT=18790 \
              FNGATE_REDIS_PORT=16790 FNGATE_VM_PREFIX=fgfault
# and the API story (issue 4's "done when").
API_STORY_ENV := FNGATE_STATE=$(BUILD)/apistory FNGATE_PORT=18690 \
                 FNGATE_REDIS_PORT=16690 FNGATE_VM_PREFIX=fgapi
# and the local cluster (issue 16's "done when", docs/scale-out.md): its
# Redis Cluster on FNGATE_REDIS_PORT..+5 (and their bus ports, +10000).
CLUSTER_ENV := FNGATE_STATE=$(BUILD)/cluster FNGATE_PORT=18720 \
               FNGATE_REDIS_PORT=16720 FNGATE_VM_PREFIX=fgclu FNGATE_HOSTS=2
# and the order pipeline (issue 13's "done when", docs/event-sources.md).
ORDER_STORY_ENV := FNGATE_STATE=$(BUILD)/orderstory FNGATE_PORT=18695 \
                   FNGATE_REDIS_PORT=16695 FNGATE_VM_PREFIX=fgorder
# and functions that call the API (issue 14's "done when", docs/roles.md).
CALLS_STORY_ENV := FNGATE_STATE=$(BUILD)/callsstory FNGATE_PORT=18705 \
                   FNGATE_REDIS_PORT=16705 FNGATE_VM_PREFIX=fgcalls

# The docs against the code (util/check-docs.sh, docs/testing.md): every
# directive and variable of the module has its heading in
# docs/nginx-module.md, every key of fngated's parser is in
# conf/fngated.conf, every link and `make` target the docs name exists.
check-docs:
	util/check-docs.sh

test: deps
	util/check-docs.sh
	$(MAKE) build
	$(MAKE) unit
	$(MAKE) unit-san
	util/run-tests.sh
	rm -rf $(BUILD)/apistory
	$(API_STORY_ENV) util/api-story.sh
	rm -rf $(BUILD)/story
	$(STORY_ENV) util/xaccount-story.sh
	rm -rf $(BUILD)/orderstory
	$(ORDER_STORY_ENV) util/order-story.sh
	rm -rf $(BUILD)/callsstory
	$(CALLS_STORY_ENV) util/calls-story.sh
	rm -rf $(BUILD)/asyncfaults
	$(FAULTS_ENV) FAULT_EVENTS=100 util/async-faults.sh
	rm -rf $(BUILD)/cluster
	$(CLUSTER_ENV) util/cluster-stories.sh

run: deps
	$(MAKE) build
	util/fngate up
	util/fngate demo

bench: deps
	$(MAKE) build
	util/bench.sh

# nginx with the module under valgrind (memcheck), through the upstream
# Test::Nginx's valgrind mode, over the signing, lookup, API and error
# tests (util/valgrind-tests.sh, valgrind.suppress; docs/testing.md).
valgrind: deps
	$(MAKE) build
	util/valgrind-tests.sh

# Fault injection (util/chaos.sh, docs/testing.md): a stack of its own,
# its billing log on a tmpfs mounted under build/chaos (needs root).
CHAOS_ENV := FNGATE_STATE=$(BUILD)/chaos FNGATE_PORT=18780 \
             FNGATE_REDIS_PORT=16780 FNGATE_VM_PREFIX=fgchaos
chaos: deps
	$(MAKE) build
	-mountpoint -q $(BUILD)/chaos/billing && umount $(BUILD)/chaos/billing
	rm -rf $(BUILD)/chaos
	$(CHAOS_ENV) util/chaos.sh
	rm -rf $(BUILD)/asyncfaults
	$(FAULTS_ENV) FAULT_EVENTS=1000 util/async-faults.sh

clean:
	rm -rf $(BUILD)
