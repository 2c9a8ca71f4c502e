# mk/perf.mk — lp-perfrec: `make perf FUNC=... [IMPL=...]`, its allocation
# shim, its test functions and its benchmark.
#
# perf: profile the `profiling` variant of FUNC-IMPL (release-ultra + debug
# info + frame pointers, unstripped; mk/lambdas.mk) over PERF_COLD cold
# starts in three runs, so no mode perturbs another's numbers:
#   sampling (-F PERF_FREQ)  -> hotspots.ndjson, {init,invoke}.{folded,svg},
#                               speedscope.json
#   --syscalls               -> syscalls.ndjson
#   --alloc (lp-alloc.so)    -> alloc.ndjson
# all in $(LP_RESULTS)/FUNC-IMPL/.

PERF_COLD ?= 200
PERF_FREQ ?= 20000

LP_DEB_PKGS += chromium linux-perf python3

LP_PERF_SHIM      := $(LP_BUILD)/lib/lp-alloc.so
LP_PERF_SHIM_ASAN := $(LP_BUILD)/asan/lib/lp-alloc.so
LP_PERF_PROF_BOOT  = $(LP_BUILD)/lambdas-profiling/$(FUNC)-$(IMPL)/bootstrap
LP_PERF_TASKROOT   = $(LP_RESULTS)/$(FUNC)-$(IMPL)/perf-taskroot
LP_PERF_ARGS       = --func $(FUNC) --impl $(IMPL) --memory $(MEMORY) \
	--event $(LP_EVENT) --cold $(PERF_COLD)

# The shim is a plain shared object (never ASan: it runs inside the
# function); the ASan tools find the copy next to them.
$(LP_PERF_SHIM): $(LP_ROOT)/tools/lp-perfrec/shim/lp-alloc.c $(LP_ROOT)/tools/lp-perfrec/allocshm.h | $(LP_DEPS_STAMP)
	@mkdir -p $(@D)
	$(LP_CC) -std=c11 -D_GNU_SOURCE -O2 -g $(LP_WARN) -fPIC -shared \
	  -fvisibility=hidden -o $@ $< -ldl
$(LP_PERF_SHIM_ASAN): $(LP_PERF_SHIM)
	@mkdir -p $(@D)
	cp -p $< $@

.PHONY: perf-shim
perf-shim: $(LP_PERF_SHIM) $(LP_PERF_SHIM_ASAN)
tools: perf-shim
tools-asan: perf-shim

# Test functions (tests/perfrec/fn.c): name -> -D flag and link options.
LP_PERF_TDIR := $(LP_BUILD)/tests/perfrec
LP_PERF_TSRC := $(LP_ROOT)/tests/perfrec/fn.c $(LP_ROOT)/tests/perfrec/prt.h
LP_PERF_TCC   = $(LP_CC) -std=c11 -D_GNU_SOURCE -O1 -g -fno-omit-frame-pointer $(LP_WARN)
LP_PERF_TESTS := fib known threads fork exit fib-static fib-stripped known-static script
$(LP_PERF_TDIR)/fib/bootstrap: $(LP_PERF_TSRC)
	@mkdir -p $(@D)
	$(LP_PERF_TCC) -DFN_FIB -o $@ $< -lpthread
$(LP_PERF_TDIR)/known/bootstrap: $(LP_PERF_TSRC)
	@mkdir -p $(@D)
	$(LP_PERF_TCC) -DFN_KNOWN -o $@ $< -lpthread
$(LP_PERF_TDIR)/threads/bootstrap: $(LP_PERF_TSRC)
	@mkdir -p $(@D)
	$(LP_PERF_TCC) -DFN_THREADS -o $@ $< -lpthread
$(LP_PERF_TDIR)/fork/bootstrap: $(LP_PERF_TSRC)
	@mkdir -p $(@D)
	$(LP_PERF_TCC) -DFN_FORK -o $@ $< -lpthread
$(LP_PERF_TDIR)/exit/bootstrap: $(LP_PERF_TSRC)
	@mkdir -p $(@D)
	$(LP_PERF_TCC) -DFN_EXIT -o $@ $< -lpthread
$(LP_PERF_TDIR)/fib-static/bootstrap: $(LP_PERF_TSRC)
	@mkdir -p $(@D)
	$(LP_PERF_TCC) -DFN_FIB -static -o $@ $< -lpthread
$(LP_PERF_TDIR)/known-static/bootstrap: $(LP_PERF_TSRC)
	@mkdir -p $(@D)
	$(LP_PERF_TCC) -DFN_KNOWN -static -o $@ $< -lpthread
$(LP_PERF_TDIR)/fib-stripped/bootstrap: $(LP_PERF_TSRC)
	@mkdir -p $(@D)
	$(LP_PERF_TCC) -DFN_FIB -o $@ $< -lpthread
	strip --strip-all $@
# A shell script that execs the real binary next to it.
$(LP_PERF_TDIR)/script/bootstrap: $(LP_PERF_TDIR)/fib/bootstrap
	@mkdir -p $(@D)
	cp -p $< $(@D)/real
	printf '#!/bin/sh\nexec "$${LAMBDA_TASK_ROOT:-.}/real" "$$@"\n' > $@
	chmod 755 $@

LP_PERF_TEST_BINS := $(foreach t,$(LP_PERF_TESTS),$(LP_PERF_TDIR)/$(t)/bootstrap)
LP_CHECK_DEPS += $(LP_PERF_SHIM) $(LP_PERF_SHIM_ASAN) $(LP_PERF_TEST_BINS) \
	$(LP_BUILD)/lambdas-profiling/minimal-rust/bootstrap

.PHONY: perf
perf: check-func deps tools $(LP_PERF_SHIM) $(LP_PERF_PROF_BOOT) ## profile FUNC-IMPL's cold starts: hotspots, flame graphs, syscalls, allocations
	@rm -rf $(LP_PERF_TASKROOT) && mkdir -p $(LP_PERF_TASKROOT)
	@cp -p $(LP_PERF_PROF_BOOT) $(LP_PERF_TASKROOT)/bootstrap
	@$(foreach f,$(LP_TASKROOT_FILES_$(FUNC)),cp -p $(f) $(LP_PERF_TASKROOT)/;)
	@echo "lp: sampling $(PERF_COLD) cold starts of $(FUNC)-$(IMPL) at $(PERF_FREQ) Hz" >&2
	$(LP_BIN)/lp-perfrec $(LP_PERF_ARGS) -F $(PERF_FREQ) --top 10 \
	  --out $(LP_RESULTS)/$(FUNC)-$(IMPL) $(LP_PERF_TASKROOT) \
	  | jq -r 'select(.type=="hotspot") | [.phase, (.self_pct*10|round/10), (.symbol // "?"), .module] | @tsv' \
	  | column -t -s $$'\t'
	@echo "lp: tracing syscalls" >&2
	$(LP_BIN)/lp-perfrec $(LP_PERF_ARGS) --no-sample --syscalls \
	  --out $(LP_RESULTS)/$(FUNC)-$(IMPL) $(LP_PERF_TASKROOT) >/dev/null
	@echo "lp: counting allocations" >&2
	$(LP_BIN)/lp-perfrec $(LP_PERF_ARGS) --no-sample --alloc \
	  --out $(LP_RESULTS)/$(FUNC)-$(IMPL) $(LP_PERF_TASKROOT) >/dev/null
	@echo "lp: profile in $(LP_RESULTS)/$(FUNC)-$(IMPL)/{hotspots.ndjson,init.folded,invoke.folded,init.svg,invoke.svg,speedscope.json,syscalls.ndjson,alloc.ndjson}" >&2

# make bench: the cost of each mode and of post-processing (bench/perfrec.sh).
.PHONY: bench-perfrec
LP_PERF_BENCH_BOOTS := $(foreach f,minimal json_processing,$(foreach i,rust c,$(LP_BUILD)/lambdas/$(f)-$(i)/bootstrap)) \
	$(LP_BUILD)/lambdas-profiling/minimal-rust/bootstrap
bench-perfrec: deps tools $(LP_PERF_SHIM) $(LP_PERF_BENCH_BOOTS) ## lp-perfrec: cost of each mode, post-processing vs perf script
	@mkdir -p $(LP_BENCH_OUT)
	LP_BIN=$(LP_BIN) LP_BUILD=$(LP_BUILD) LP_ROOT=$(LP_ROOT) LP_RESULTS=$(LP_RESULTS) \
	  $(LP_ROOT)/bench/perfrec.sh $(LP_BENCH_OUT)/perfrec
LP_BENCH_TARGETS += bench-perfrec
