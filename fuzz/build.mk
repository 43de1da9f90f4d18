# fuzz/: libFuzzer harnesses for every parser that takes outside bytes
# (docs/testing.md, "Fuzzing").  Included by the top-level Makefile.
#
#   make fuzz                          builds all, runs each FUZZ_SECONDS
#   make fuzz FUZZ_ONLY=sigv4 FUZZ_SECONDS=1800
#   make fuzz-build                    builds $(BUILD)/fuzz/fuzz_NAME only
#
# The parsers are compiled again with clang (-fsanitize=fuzzer-no-link,
# address,undefined) into $(BUILD)/fuzz/obj and archived, so each harness
# links only the real objects it uses.  Seeds: fuzz/corpus/NAME/ (in the
# tree, read only); what the runs find: $(BUILD)/fuzz/corpus/NAME/;
# crashes, leaks, timeouts: $(BUILD)/fuzz/artifacts/NAME/.

FUZZ_CC       ?= clang
FUZZ_SECONDS  ?= 15
FUZZ_ONLY     ?=
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS   := -std=gnu11 -g -O1 -fno-omit-frame-pointer -D_GNU_SOURCE \
                 -Wall -Wextra -Wno-unused-parameter $(FUZZ_SAN) \
                 -I$(ROOT)/lib -I$(ROOT)/vmpool -I$(ROOT)/fngated \
                 -I$(ROOT)/guest/agent -I$(ROOT)/fuzz
FUZZ_DIR      := $(BUILD)/fuzz

FUZZ_NAMES    := $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_BINS     := $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)

# The code under test: lib/, the pure part of fngated, vmpool (the zip
# and the INVOKE frame's configuration; vmpool.c for fngated_conf's
# defaults), the agent's parser of the host's frames.
FUZZ_SRCS     := $(wildcard lib/*.c) $(FNGATED_PURE) $(VMPOOL_SRCS) \
                 guest/agent/agent_msg.c
FUZZ_OBJS     := $(FUZZ_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_LIB      := $(FUZZ_DIR)/libfgfuzz.a
FUZZ_LIBS     := -lyajl -larchive -lhiredis -lvirt -lvirt-qemu -lnftables -lcrypto -pthread -lm

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP \
	    -c $< -o $@

$(FUZZ_LIB): $(FUZZ_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

# (-MMD: a harness that includes a source, as fuzz_usage does, is
# rebuilt when it changes)
$(FUZZ_DIR)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP -MF $@.d \
	    -o $@ $< $(FUZZ_LIB) $(FUZZ_LIBS)

-include $(shell find $(FUZZ_DIR) -name '*.d' 2>/dev/null)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	FUZZ_SECONDS='$(FUZZ_SECONDS)' FUZZ_ONLY='$(FUZZ_ONLY)' \
	    util/fuzz.sh $(FUZZ_DIR) $(FUZZ_NAMES)
