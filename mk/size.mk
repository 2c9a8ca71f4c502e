# mk/size.mk — lp-size: what a bootstrap's bytes are made of.
#
#   make size FUNC=minimal [IMPL=rust]   results/FUNC-IMPL/size.ndjson + table
#   make size-all FUNC=minimal           the same for the rust and c builds
#   make size-diff FUNC=minimal          Cargo release -> release-ultra, byte by byte
#   make fuzz [FUZZ_SECONDS=60]          libFuzzer over tools/lib/elfx (not in check)
#   make bench-size                      lp-size vs nm -S --size-sort -C | sort
#
# The release-ultra bootstrap is stripped.  Its symbols come from an
# unstripped twin: the same profile, stripping undone by RUSTFLAGS
# '-C strip=none' (rustc's last -C wins; changing the profile instead would
# change cargo's -C metadata, hence symbol hashes and code layout), built
# apart under $(LP_BUILD)/lambdas-symbols/.  lp-size accepts the twin
# only when every allocated section is byte-identical to the shipped file,
# so the names it prints are those of the shipped bytes.  The C twin adds
# -g (DWARF for compile units; GCC keeps codegen independent of -g, and
# lp-size checks it).  (The profiling
# build is not used: it has other codegen.)

# libc6-dbg: tests find libc's debug file by build id; time: bench-size.
LP_DEB_PKGS    += libc6-dbg time
LP_SIZE_SYMS   := $(LP_BUILD)/lambdas-symbols
LP_SIZE_TWIN    = $(LP_SIZE_SYMS)/$(FUNC)-$(IMPL)/bootstrap
LP_SIZE_OUT     = $(LP_RESULTS)/$(FUNC)-$(IMPL)
TOP            ?= 10

# Twins depend on the shipped bootstrap, so they rebuild whenever it does.
$(LP_SIZE_SYMS)/%-rust/bootstrap: $(LP_BUILD)/lambdas/%-rust/bootstrap
	@mkdir -p $(@D)
	@echo "lp: cargo build --profile release-ultra -p $* (unstripped twin)" >&2
	@cd $(LP_LAMBDAS) && CARGO_TARGET_DIR=$(LP_BUILD)/cargo-symbols \
	  RUSTFLAGS='-C strip=none' $(LP_CARGO) build --quiet --profile release-ultra -p $*
	@cp $(LP_BUILD)/cargo-symbols/release-ultra/$* $@.tmp && mv $@.tmp $@

$(LP_SIZE_SYMS)/%-ruchy/bootstrap: $(LP_BUILD)/lambdas/%-ruchy/bootstrap
	@mkdir -p $(@D)
	@echo "lp: cargo build --profile release-ultra ruchy_$* (unstripped twin)" >&2
	@CARGO_TARGET_DIR=$(LP_BUILD)/cargo-symbols RUSTFLAGS='-C strip=none' \
	  $(LP_CARGO) build --quiet --profile release-ultra --manifest-path $(LP_RUCHY_BUILD)/$*/Cargo.toml
	@cp $(LP_BUILD)/cargo-symbols/release-ultra/ruchy_$* $@.tmp && mv $@.tmp $@

$(LP_SIZE_SYMS)/%-c/bootstrap: $(LP_BUILD)/lambdas/%-c/bootstrap
	@mkdir -p $(@D)
	@echo "lp: cc $* (release-ultra, unstripped twin)" >&2
	@$(LP_LAMBDA_CC) $(LP_LAMBDA_CWARN) $(LP_C_ULTRA) -g $(LP_C_CFLAGS_$*) -I$(LP_RTC) \
	  -o $@.tmp $(wildcard $(LP_LAMBDAS)/$*/c/*.c) $(LP_RTC)/lprt.c \
	  $(filter-out -s,$(LP_C_ULTRA_LD)) $(LP_C_LDLIBS_$*)
	@mv $@.tmp $@

.PHONY: size size-summary size-diff
size: deps $(LP_BIN)/lp-size check-func $(LP_BOOTSTRAP) $(LP_SIZE_TWIN) ## sizes of FUNC-IMPL vs 100/50 KiB -> results/FUNC-IMPL/size.ndjson (TOP=rows)
	@mkdir -p $(LP_SIZE_OUT)
	@$(LP_BIN)/lp-size --debug-file $(LP_SIZE_TWIN) $(LP_BOOTSTRAP) > $(LP_SIZE_OUT)/size.ndjson.tmp
	@mv $(LP_SIZE_OUT)/size.ndjson.tmp $(LP_SIZE_OUT)/size.ndjson
	@$(LP_BIN)/lp-size --format table -n $(TOP) --debug-file $(LP_SIZE_TWIN) $(LP_BOOTSTRAP)
	@echo "lp: records in $(LP_SIZE_OUT)/size.ndjson" >&2

# Every implementation of FUNC that has sources here (ruchy: IMPL=ruchy).
LP_SIZE_IMPLS = $(if $(wildcard $(LP_LAMBDAS)/$(FUNC)/rust/Cargo.toml),rust) $(if $(wildcard $(LP_LAMBDAS)/$(FUNC)/c/*.c),c)
.PHONY: size-all
size-all: ## make size for the Rust and the C build of FUNC, one after the other
	@for i in $(LP_SIZE_IMPLS); do $(MAKE) --no-print-directory size FUNC=$(FUNC) IMPL=$$i || exit $$?; echo; done

# The size part of `make profile`.
size-summary:
	@$(MAKE) --no-print-directory size TOP=5
LP_PROFILE_REPORTS += size-summary

size-diff: deps $(LP_BIN)/lp-size check-func $(LP_BUILD)/lambdas-release/$(FUNC)-$(IMPL)/bootstrap $(LP_BOOTSTRAP) $(LP_SIZE_TWIN) ## lp-size diff: Cargo release -> release-ultra of FUNC-IMPL
	@$(LP_BIN)/lp-size diff --format table -n $(TOP) --new-debug-file $(LP_SIZE_TWIN) \
	  $(LP_BUILD)/lambdas-release/$(FUNC)-$(IMPL)/bootstrap $(LP_BOOTSTRAP)

# --- test fixtures (make check) ------------------------------------------
# A cargo workspace whose crates we control (app -> alpha, beta), built with
# legacy (rustc's default for user crates) and v0 mangling, and a C program of two compile units with DWARF.
LP_SIZE_FIX := $(LP_ROOT)/tests/fixtures/size
LP_SIZE_TB  := $(LP_BUILD)/tests/size
LP_SIZE_FIX_RS := $(wildcard $(LP_SIZE_FIX)/*/src/*.rs) $(wildcard $(LP_SIZE_FIX)/*/Cargo.toml) $(LP_SIZE_FIX)/Cargo.toml

$(LP_SIZE_TB)/app-legacy $(LP_SIZE_TB)/app-v0: $(LP_SIZE_TB)/app-%: $(LP_SIZE_FIX_RS)
	@mkdir -p $(@D)
	@echo "lp: cargo build tests/fixtures/size ($* mangling)" >&2
	@cd $(LP_SIZE_FIX) && CARGO_TARGET_DIR=$(LP_SIZE_TB)/cargo-$* \
	  RUSTFLAGS='$(if $(filter v0,$*),-C symbol-mangling-version=v0)' \
	  $(LP_CARGO) build --quiet --offline --release
	@cp $(LP_SIZE_TB)/cargo-$*/release/app $@.tmp && mv $@.tmp $@

$(LP_SIZE_TB)/cus: $(wildcard $(LP_SIZE_FIX)/c/*.c)
	@mkdir -p $(@D)
	$(LP_CC) -std=c11 -O1 -g -o $@ $^

# A stripped copy and its unstripped twin (same link, so same bytes).
$(LP_SIZE_TB)/cus-stripped: $(LP_SIZE_TB)/cus
	objcopy --strip-all $< $@

$(LP_SIZE_TB)/cus.debug: $(LP_SIZE_TB)/cus
	objcopy --only-keep-debug $< $@

$(LP_SIZE_TB)/dzip_one: $(LP_SIZE_FIX)/dzip_one.c $(LP_BUILD)/liblp.a
	@mkdir -p $(@D)
	$(LP_CC) $(LP_CPPFLAGS) $(LP_CFLAGS) -o $@ $^ $(LP_LDLIBS)

# The project's own lambdas are checked against readelf and nm too.
LP_CHECK_DEPS += $(LP_BUILD)/lambdas/minimal-c/bootstrap $(LP_BUILD)/lambdas/minimal-rust/bootstrap \
	$(LP_SIZE_SYMS)/minimal-c/bootstrap $(LP_SIZE_TB)/dzip_one
LP_CHECK_DEPS += $(LP_SIZE_TB)/app-legacy $(LP_SIZE_TB)/app-v0 $(LP_SIZE_TB)/cus \
	$(LP_SIZE_TB)/cus-stripped $(LP_SIZE_TB)/cus.debug

# --- fuzzing (never in make check; its corpus and crashes are) ------------
FUZZ_SECONDS ?= 60
LP_FUZZ_BIN  := $(LP_BUILD)/fuzz/fuzz_elfx
LP_FUZZ_DIR  := $(LP_ROOT)/tests/fuzz

$(LP_FUZZ_BIN): $(LP_FUZZ_DIR)/fuzz_elfx.c $(LP_ROOT)/tools/lib/elfx.c $(LP_ROOT)/tools/lib/demangle.c $(LP_ROOT)/tools/lib/lputil.c
	@mkdir -p $(@D)
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	  $(LP_CPPFLAGS) -o $@ $^ -ldw -lelf -liberty -lz

.PHONY: fuzz
fuzz: deps $(LP_FUZZ_BIN) ## fuzz the ELF parser for FUZZ_SECONDS (corpus tests/fuzz/corpus)
	@mkdir -p $(LP_BUILD)/fuzz/corpus $(LP_FUZZ_DIR)/crashes
	$(LP_FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 \
	  -artifact_prefix=$(LP_FUZZ_DIR)/crashes/ $(LP_BUILD)/fuzz/corpus $(LP_FUZZ_DIR)/corpus

# --- benchmark (make bench) ------------------------------------------------
.PHONY: bench-size
bench-size: $(LP_BIN)/lp-size ## lp-size vs nm -S --size-sort -C | sort on a 36 MB, 100k-symbol C++ binary
	@$(LP_ROOT)/bench/size-bench.sh $(LP_BIN)/lp-size $(LP_BUILD)/bench/size $(LP_BENCH_OUT) $(LP_ROOT)/docs/bench-size.md
LP_BENCH_TARGETS += bench-size
