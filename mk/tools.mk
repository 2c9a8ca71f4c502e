# mk/tools.mk — build the lp-* tools from tools/lp-NAME/*.c and tools/lib/*.c.
#
# Two variants: build/bin (release, what users and benchmarks run) and
# build/asan/bin (ASan+UBSan, what `make check` tests). Both use -Werror.
# A tool is any directory tools/lp-NAME; its top-level *.c files form the
# program (subdirectories are the tool's own business, built by its mk file).

LP_CC      ?= cc
LP_WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral
LP_CPPFLAGS = -I$(LP_ROOT)/tools/lib -I/usr/include/libiberty -D_GNU_SOURCE
LP_CFLAGS  := -std=c11 -O2 -g $(LP_WARN) -fno-omit-frame-pointer
LP_ASAN    := -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined
LP_LDLIBS  := -Wl,--as-needed -ljansson -lmicrohttpd -lcurl -ldw -lelf -liberty -lz -lm -lpthread

LP_TOOLS   := $(notdir $(wildcard $(LP_ROOT)/tools/lp-*))
LP_LIB_SRC := $(wildcard $(LP_ROOT)/tools/lib/*.c)

# lp_variant NAME,OUTDIR,EXTRA_CFLAGS
define lp_variant
$(1)_OBJ := $(2)/obj
$(2)/obj/%.o: $(LP_ROOT)/tools/%.c | $(LP_DEPS_STAMP)
	@mkdir -p $$(@D)
	$$(LP_CC) $$(LP_CPPFLAGS) $$(LP_CFLAGS) $(3) -MMD -MP -c -o $$@ $$<
$(2)/liblp.a: $$(patsubst $(LP_ROOT)/tools/%.c,$(2)/obj/%.o,$$(LP_LIB_SRC))
	@mkdir -p $$(@D)
	rm -f $$@ && ar rcs $$@ $$^
$(foreach t,$(LP_TOOLS),
$(2)/bin/$(t): $$(patsubst $(LP_ROOT)/tools/%.c,$(2)/obj/%.o,$$(wildcard $(LP_ROOT)/tools/$(t)/*.c)) $(2)/liblp.a
	@mkdir -p $$(@D)
	$$(LP_CC) $(3) -o $$@ $$^ $$(LP_LDLIBS)
)
-include $$(shell find $(2)/obj -name '*.d' 2>/dev/null)
endef

$(eval $(call lp_variant,LP_REL,$(LP_BUILD),))
$(eval $(call lp_variant,LP_ASAN,$(LP_BUILD)/asan,$(LP_ASAN)))

LP_TOOL_BINS      := $(addprefix $(LP_BIN)/,$(LP_TOOLS))
LP_ASAN_TOOL_BINS := $(addprefix $(LP_ASAN_BIN)/,$(LP_TOOLS))

.PHONY: tools tools-asan
tools: $(LP_TOOL_BINS) ## build the lp-* tools into build/bin
tools-asan: $(LP_ASAN_TOOL_BINS) ## build ASan+UBSan tools into build/asan/bin
