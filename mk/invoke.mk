# mk/invoke.mk — lp-invoke's test runtimes and benchmarks.
#
# tests/runtimes/*.c -> $(LP_BUILD)/tests/NAME (static where possible so a
# cold start measures the runtime, not the dynamic loader of a test helper).
# bench/invoke-*.c   -> $(LP_BUILD)/bench/NAME; `make bench-invoke` runs
# bench/invoke-overhead.sh (results in docs/overhead.md).

LP_RT_SRC  := $(wildcard $(LP_ROOT)/tests/runtimes/*.c)
LP_RT_BINS := $(patsubst $(LP_ROOT)/tests/runtimes/%.c,$(LP_BUILD)/tests/%,$(LP_RT_SRC))

$(LP_BUILD)/tests/%: $(LP_ROOT)/tests/runtimes/%.c | $(LP_DEPS_STAMP)
	@mkdir -p $(@D)
	$(LP_CC) -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o $@ $<

LP_CHECK_DEPS += $(LP_RT_BINS)

LP_INVOKE_BENCH_SRC  := $(wildcard $(LP_ROOT)/bench/invoke-*.c)
LP_INVOKE_BENCH_BINS := $(patsubst $(LP_ROOT)/bench/%.c,$(LP_BUILD)/bench/%,$(LP_INVOKE_BENCH_SRC))

$(LP_BUILD)/bench/invoke-%: $(LP_ROOT)/bench/invoke-%.c $(LP_BUILD)/liblp.a | $(LP_DEPS_STAMP)
	@mkdir -p $(@D)
	$(LP_CC) $(LP_CPPFLAGS) $(LP_CFLAGS) -o $@ $< $(LP_BUILD)/liblp.a $(LP_LDLIBS)

# The C minimal bootstrap when the lambdas build provides it, else the
# well-behaved test runtime.
LP_INVOKE_BENCH_RT = $(if $(wildcard $(LP_ROOT)/lambdas/minimal/c),$(LP_BUILD)/lambdas/minimal-c/bootstrap,$(LP_BUILD)/tests/rt)

.PHONY: bench-invoke
bench-invoke: tools $(LP_INVOKE_BENCH_BINS) $(LP_BUILD)/tests/rt ## lp-invoke overhead vs the bare floor, MHD vs hand loop
	$(if $(wildcard $(LP_ROOT)/lambdas/minimal/c),@$(MAKE) --no-print-directory $(LP_BUILD)/lambdas/minimal-c/bootstrap)
	LP_BUILD=$(LP_BUILD) LP_BENCH_OUT=$(LP_BENCH_OUT) $(LP_ROOT)/bench/invoke-overhead.sh $(LP_INVOKE_BENCH_RT)

LP_BENCH_TARGETS += bench-invoke
