# mk/sweep.mk — `make sweep FUNC=minimal [IMPL=rust]`: build FUNC in a
# matrix of build variants, measure every variant with the same N in one
# interleaved run, and summarize (lp-propose sweep): cold-start p50/p99
# with CIs, the change of init p50 against the current build, binary and
# zip size, memory, and the Pareto front of init time against size.
# docs/sweep.md tells the whole story.
#
#   make sweep FUNC=minimal              Rust and C (every IMPL FUNC has of the two)
#   make sweep FUNC=minimal IMPL=c       one implementation
#   SWEEP=axes (default)  Rust: the current settings plus every one-setting
#                         change (8 variants); SWEEP=full: all 72 combinations
#   SWEEP_N=30 (default N) cold starts per variant
#
# Rust axes: opt-level 3/s/z, lto off/thin/fat, codegen-units 1/16, panic
# unwind/abort, link dynamic/static (crt-static).  The current settings are
# read from lambdas/Cargo.toml [profile.release-ultra].  Each variant is the
# release-ultra profile overridden through CARGO_PROFILE_RELEASE_ULTRA_*,
# built in its own cargo target directory (so variants are cached apart).
# C axes: -O2/-Os on the release-ultra flags (LTO, gc-sections) x glibc
# dynamic, glibc -static, musl-gcc -static (musl only without extra C
# libraries, LP_C_LDLIBS_<func>).
#
# Results: $(LP_RESULTS)/FUNC-IMPL/sweep.ndjson (sweep_variant records) and
# $(LP_RESULTS)/FUNC-IMPL/sweep/VARIANT/{variant.json,invocations.ndjson,
# size.ndjson,taskroot/}.  Builds: $(LP_BUILD)/sweep/VARIANT/FUNC-IMPL/.
#
# VARIANT=name (any variant of the full matrix) makes `make measure` and
# `make validate` measure that variant's bootstrap instead of the shipped
# one: the validate command of a build proposal (docs/lp-propose.1).

SWEEP   ?= axes
SWEEP_N ?= $(N)
LP_SWEEP_BUILD := $(LP_BUILD)/sweep
LP_SW_OUT       = $(LP_OUT)/sweep
LP_DEB_PKGS    += musl-tools

# --- Rust variants ------------------------------------------------------------
# Current settings: [profile.release-ultra] of lambdas/Cargo.toml (values
# it does not set are Cargo's release defaults: 3, off, 16, unwind).
LP_SW_TOML := $(shell sed -n '/^\[profile\.release-ultra\]/,/^\[/{s/^\(opt-level\|lto\|codegen-units\|panic\) *= *"\{0,1\}\([^"]*\)"\{0,1\}.*/\1=\2/p}' $(LP_LAMBDAS)/Cargo.toml 2>/dev/null)
lp_sw_get = $(or $(patsubst $(1)=%,%,$(filter $(1)=%,$(LP_SW_TOML))),$(2))
LP_SW_CUR_OPT   := $(call lp_sw_get,opt-level,3)
LP_SW_CUR_LTO   := $(patsubst true,fat,$(patsubst false,off,$(call lp_sw_get,lto,off)))
LP_SW_CUR_CGU   := $(call lp_sw_get,codegen-units,16)
LP_SW_CUR_PANIC := $(call lp_sw_get,panic,unwind)

# A variant is a token opt.lto.cgu.panic.link; its name is make- and
# path-friendly.
LP_SW_OPTS := 3 s z
LP_SW_LTOS := off thin fat
LP_SW_CGUS := 1 16
LP_SW_PANICS := unwind abort
LP_SW_LINKS := dynamic static
lp_sw_w = $(word $(2),$(subst ., ,$(1)))
lp_sw_rname = o$(call lp_sw_w,$(1),1)-lto$(call lp_sw_w,$(1),2)-cgu$(call lp_sw_w,$(1),3)-$(call lp_sw_w,$(1),4)-$(call lp_sw_w,$(1),5)

LP_SW_RUST_CUR := $(LP_SW_CUR_OPT).$(LP_SW_CUR_LTO).$(LP_SW_CUR_CGU).$(LP_SW_CUR_PANIC).dynamic
LP_SW_RUST_FULL := $(foreach o,$(LP_SW_OPTS),$(foreach l,$(LP_SW_LTOS),$(foreach c,$(LP_SW_CGUS),$(foreach p,$(LP_SW_PANICS),$(foreach k,$(LP_SW_LINKS),$(o).$(l).$(c).$(p).$(k))))))
LP_SW_RUST_AXES := $(LP_SW_RUST_CUR) \
  $(foreach o,$(filter-out $(LP_SW_CUR_OPT),$(LP_SW_OPTS)),$(o).$(LP_SW_CUR_LTO).$(LP_SW_CUR_CGU).$(LP_SW_CUR_PANIC).dynamic) \
  $(foreach l,$(filter-out $(LP_SW_CUR_LTO),$(LP_SW_LTOS)),$(LP_SW_CUR_OPT).$(l).$(LP_SW_CUR_CGU).$(LP_SW_CUR_PANIC).dynamic) \
  $(foreach c,$(filter-out $(LP_SW_CUR_CGU),$(LP_SW_CGUS)),$(LP_SW_CUR_OPT).$(LP_SW_CUR_LTO).$(c).$(LP_SW_CUR_PANIC).dynamic) \
  $(foreach p,$(filter-out $(LP_SW_CUR_PANIC),$(LP_SW_PANICS)),$(LP_SW_CUR_OPT).$(LP_SW_CUR_LTO).$(LP_SW_CUR_CGU).$(p).dynamic) \
  $(LP_SW_CUR_OPT).$(LP_SW_CUR_LTO).$(LP_SW_CUR_CGU).$(LP_SW_CUR_PANIC).static

# --- C variants: opt.link ----------------------------------------------------
LP_SW_C_CUR  := s.dynamic
LP_SW_C_FULL := $(foreach o,2 s,$(o).dynamic $(o).static $(if $(LP_C_LDLIBS_$(FUNC)),,$(o).musl))
lp_sw_cname = o$(call lp_sw_w,$(1),1)-$(call lp_sw_w,$(1),2)

LP_SW_TOKENS_rust = $(if $(filter full,$(SWEEP)),$(LP_SW_RUST_FULL),$(LP_SW_RUST_AXES))
LP_SW_TOKENS_c    = $(LP_SW_C_FULL)
lp_sw_name = $(if $(filter c,$(2)),$(call lp_sw_cname,$(1)),$(call lp_sw_rname,$(1)))
LP_SW_NAMES = $(foreach t,$(LP_SW_TOKENS_$(IMPL)),$(call lp_sw_name,$(t),$(IMPL)))

# --- build rules (for FUNC only; every variant of the full matrix) ------------
# Rust: release-ultra overridden through Cargo's environment, in its own
# target directory; C: LP_LV_{C,LD}FLAGS_sweep-NAME and, for musl, CC.
# The recipes are mk/lambdas.mk's (lp_lambda_rules).
define lp_sweep_rust
$(LP_SWEEP_BUILD)/$(2)/$(1)-rust/bootstrap: LP_CARGO_TARGET = $(LP_SWEEP_BUILD)/cargo/$(2)
$(LP_SWEEP_BUILD)/$(2)/$(1)-rust/bootstrap: export CARGO_PROFILE_RELEASE_ULTRA_OPT_LEVEL = $(call lp_sw_w,$(3),1)
$(LP_SWEEP_BUILD)/$(2)/$(1)-rust/bootstrap: export CARGO_PROFILE_RELEASE_ULTRA_LTO = $(call lp_sw_w,$(3),2)
$(LP_SWEEP_BUILD)/$(2)/$(1)-rust/bootstrap: export CARGO_PROFILE_RELEASE_ULTRA_CODEGEN_UNITS = $(call lp_sw_w,$(3),3)
$(LP_SWEEP_BUILD)/$(2)/$(1)-rust/bootstrap: export CARGO_PROFILE_RELEASE_ULTRA_PANIC = $(call lp_sw_w,$(3),4)
endef
# A static link also needs what the libraries themselves link (sqlite: -lm
# -lz): pkg-config --static, for the function's libraries.
lp_sw_static_libs = $(or $(shell pkg-config --static --libs-only-l $(patsubst -l%,%,$(LP_C_LDLIBS_$(1))) 2>/dev/null),$(LP_C_LDLIBS_$(1)))
define lp_sweep_c
$(LP_SWEEP_BUILD)/$(2)/$(1)-c/bootstrap: LP_LAMBDA_CC = $(if $(filter musl,$(call lp_sw_w,$(3),2)),musl-gcc,$(LP_LAMBDA_CC))
$(if $(filter dynamic,$(call lp_sw_w,$(3),2)),,$(if $(LP_C_LDLIBS_$(1)),$(LP_SWEEP_BUILD)/$(2)/$(1)-c/bootstrap: LP_C_LDLIBS_$(1) = $(call lp_sw_static_libs,$(1))))
endef
lp_sw_cflags  = $(patsubst -Os,-O$(call lp_sw_w,$(1),1),$(LP_C_ULTRA))
lp_sw_ldflags = $(patsubst -Os,-O$(call lp_sw_w,$(1),1),$(LP_C_ULTRA_LD)) $(if $(filter dynamic,$(call lp_sw_w,$(1),2)),,-static)

ifneq ($(filter $(FUNC),$(LP_FUNCS)),)
ifneq ($(wildcard $(LP_LAMBDAS)/$(FUNC)/rust/Cargo.toml),)
$(foreach t,$(LP_SW_RUST_FULL),\
  $(eval $(call lp_sweep_rust,$(FUNC),$(call lp_sw_rname,$(t)),$(t)))\
  $(eval $(call lp_lambda_rules,$(FUNC),$(LP_SWEEP_BUILD)/$(call lp_sw_rname,$(t)),release-ultra,$(if $(filter static,$(call lp_sw_w,$(t),5)),-C target-feature=+crt-static),,,sweep-$(call lp_sw_rname,$(t)))))
endif
ifneq ($(wildcard $(LP_LAMBDAS)/$(FUNC)/c/*.c),)
$(foreach t,$(LP_SW_C_FULL),\
  $(eval LP_LV_CFLAGS_sweep-$(call lp_sw_cname,$(t)) := $(call lp_sw_cflags,$(t)))\
  $(eval LP_LV_LDFLAGS_sweep-$(call lp_sw_cname,$(t)) := $(call lp_sw_ldflags,$(t)))\
  $(eval $(call lp_sweep_c,$(FUNC),$(call lp_sw_cname,$(t)),$(t)))\
  $(eval $(call lp_lambda_rules,$(FUNC),$(LP_SWEEP_BUILD)/$(call lp_sw_cname,$(t)),release-ultra,,$(call lp_sw_cflags,$(t)),$(call lp_sw_ldflags,$(t)),sweep-$(call lp_sw_cname,$(t)))))
endif
endif
-include $(wildcard $(LP_SWEEP_BUILD)/*/*/bootstrap.d)

# What a variant means, for the proposal that applies it.
lp_sw_apply_rust = in lambdas/Cargo.toml [profile.release-ultra]: opt-level = $(call lp_sw_w,$(1),1), lto = $(call lp_sw_w,$(1),2), codegen-units = $(call lp_sw_w,$(1),3), panic = $(call lp_sw_w,$(1),4)$(if $(filter static,$(call lp_sw_w,$(1),5)),; link statically: RUSTFLAGS=\"-C target-feature=+crt-static\",; glibc dynamic)
lp_sw_apply_c = C flags of mk/lambdas.mk LP_C_ULTRA with -O$(call lp_sw_w,$(1),1)$(if $(filter static,$(call lp_sw_w,$(1),2)),; link with -static (glibc))$(if $(filter musl,$(call lp_sw_w,$(1),2)),; CC=musl-gcc and -static)$(if $(filter dynamic,$(call lp_sw_w,$(1),2)),; glibc dynamic)
lp_sw_settings_rust = {"opt":"$(call lp_sw_w,$(1),1)","lto":"$(call lp_sw_w,$(1),2)","cgu":"$(call lp_sw_w,$(1),3)","panic":"$(call lp_sw_w,$(1),4)","link":"$(call lp_sw_w,$(1),5)"}
lp_sw_settings_c = {"opt":"$(call lp_sw_w,$(1),1)","link":"$(call lp_sw_w,$(1),2)"}
LP_SW_CUR_rust = $(LP_SW_RUST_CUR)
LP_SW_CUR_c    = $(LP_SW_C_CUR)

# One variant's results directory: task root, variant.json, size.ndjson.
# $(1) token, $(2) name
define lp_sw_prep_rule
.PHONY: sweep-prep-$(2)
sweep-prep-$(2): $(LP_SWEEP_BUILD)/$(2)/$(FUNC)-$(IMPL)/bootstrap
	@rm -rf $(LP_SW_OUT)/$(2)/taskroot && mkdir -p $(LP_SW_OUT)/$(2)/taskroot
	@cp -p $$< $(LP_SW_OUT)/$(2)/taskroot/bootstrap
	@$(foreach f,$(LP_TASKROOT_FILES_$(FUNC)),cp -p $(f) $(LP_SW_OUT)/$(2)/taskroot/;) true
	@printf '%s\n' '{"type":"sweep_config","func":"$(FUNC)","impl":"$(IMPL)","variant":"$(2)","settings":$(call lp_sw_settings_$(IMPL),$(1)),"current":$(if $(filter $(1),$(LP_SW_CUR_$(IMPL))),true,false),"apply":"$(call lp_sw_apply_$(IMPL),$(1))"}' > $(LP_SW_OUT)/$(2)/variant.json
	@$(LP_BIN)/lp-size $(LP_SW_OUT)/$(2)/taskroot/bootstrap > $(LP_SW_OUT)/$(2)/size.ndjson.tmp
	@mv $(LP_SW_OUT)/$(2)/size.ndjson.tmp $(LP_SW_OUT)/$(2)/size.ndjson
endef
LP_SW_FULL_rust = $(LP_SW_RUST_FULL)
LP_SW_FULL_c    = $(LP_SW_C_FULL)
ifneq ($(filter rust c,$(IMPL)),)
ifneq ($(filter $(FUNC),$(LP_FUNCS)),)
$(foreach t,$(LP_SW_FULL_$(IMPL)),$(eval $(call lp_sw_prep_rule,$(t),$(call lp_sw_name,$(t),$(IMPL)))))
endif
endif
LP_SW_CUR_NAME = $(call lp_sw_name,$(LP_SW_CUR_$(IMPL)),$(IMPL))

LP_SW_BOOTS = $(foreach n,$(LP_SW_NAMES),$(LP_SWEEP_BUILD)/$(n)/$(FUNC)-$(IMPL)/bootstrap)
LP_SW_DIRS  = $(foreach n,$(LP_SW_NAMES),$(LP_SW_OUT)/$(n))

# Which implementations `make sweep` covers: IMPL when given on the command
# line, else those of rust and c that FUNC has.
LP_SW_IMPLS = $(if $(filter command line,$(origin IMPL)),$(IMPL),$(foreach i,rust c,$(if $(wildcard $(LP_LAMBDAS)/$(FUNC)/$(if $(filter c,$(i)),c/*.c,rust/Cargo.toml)),$(i))))

.PHONY: sweep sweep-one sweep-build sweep-table
sweep: check-func deps tools ## build FUNC in a matrix of build variants, measure them in one interleaved run -> sweep.ndjson, table, Pareto front
	@$(if $(LP_SW_IMPLS),,echo "lp: FUNC '$(FUNC)' has neither a rust nor a c implementation to sweep" >&2; exit 2)
	@$(foreach i,$(LP_SW_IMPLS),$(MAKE) --no-print-directory sweep-one IMPL=$(i) &&) true

sweep-build: check-func $(LP_SW_BOOTS)

sweep-one: check-func deps tools
	@case "$(IMPL)" in rust|c) ;; *) echo "lp: make sweep builds rust and c variants, not '$(IMPL)'" >&2; exit 2;; esac
	@echo "lp: sweep $(FUNC)-$(IMPL): building $(words $(LP_SW_NAMES)) variants ($(if $(filter c,$(IMPL)),C,SWEEP=$(SWEEP)))" >&2
	@$(MAKE) --no-print-directory sweep-build
	@mkdir -p $(LP_SW_OUT)
	@$(MAKE) --no-print-directory $(addprefix sweep-prep-,$(LP_SW_NAMES))
	@echo "lp: sweep $(FUNC)-$(IMPL): $(SWEEP_N) rounds x $(words $(LP_SW_NAMES)) variants, one interleaved run" >&2
	@$(LP_ROOT)/mk/sweep-measure.sh $(LP_BIN)/lp-invoke $(SWEEP_N) $(LP_EVENT) $(MEMORY) $(FUNC) $(IMPL) $(LP_SW_DIRS)
	@$(LP_BIN)/lp-propose sweep $(LP_SW_DIRS) > $(LP_OUT)/sweep.ndjson.tmp
	@mv $(LP_OUT)/sweep.ndjson.tmp $(LP_OUT)/sweep.ndjson
	@$(LP_BIN)/lp-propose sweep --format table $(LP_SW_DIRS)
	@echo "lp: records in $(LP_OUT)/sweep.ndjson" >&2

# VARIANT=name: measure/validate that variant of the full matrix.
ifneq ($(VARIANT),)
LP_SW_ALL_NAMES = $(foreach t,$(LP_SW_RUST_FULL),$(call lp_sw_rname,$(t))) $(foreach t,$(LP_SW_C_FULL),$(call lp_sw_cname,$(t)))
ifeq ($(filter $(VARIANT),$(LP_SW_ALL_NAMES)),)
$(error lp: unknown VARIANT '$(VARIANT)'; valid: $(LP_SW_ALL_NAMES))
endif
LP_BOOTSTRAP = $(LP_SWEEP_BUILD)/$(VARIANT)/$(FUNC)-$(IMPL)/bootstrap
# deploy-local's prerequisites were expanded before this override.
deploy-local: $(LP_SWEEP_BUILD)/$(VARIANT)/$(FUNC)-$(IMPL)/bootstrap
endif

# make validate-interleaved FUNC=x VARIANT=name APPLIED=id: the fair test of
# a build proposal.  The current build and VARIANT are measured in one
# interleaved run (N rounds, alternating), compared with lp-stats and judged
# by lp-propose confirm: no baseline from another time, so a change of the
# machine's load between two runs cannot pass for a gain.
LP_VI_OUT = $(LP_OUT)/validate-interleaved
.PHONY: validate-interleaved
validate-interleaved: check-func deps tools ## measure VARIANT and the current build interleaved, confirm APPLIED=id
	@test -n "$(VARIANT)" || { echo "lp: VARIANT=name: the sweep variant to validate (make sweep lists them)" >&2; exit 2; }
	@test -n "$(APPLIED)" || { echo "lp: APPLIED=id[,id]: the proposals that variant applies" >&2; exit 2; }
	@test -s $(LP_PR_PROPOSALS) || { echo "lp: no proposals $(LP_PR_PROPOSALS): make profile FUNC=$(FUNC) IMPL=$(IMPL) first" >&2; exit 2; }
	@$(MAKE) --no-print-directory sweep-prep-$(LP_SW_CUR_NAME) sweep-prep-$(VARIANT)
	@rm -rf $(LP_VI_OUT) && mkdir -p $(LP_VI_OUT)
	@cp -rp $(LP_SW_OUT)/$(LP_SW_CUR_NAME) $(LP_VI_OUT)/current && cp -rp $(LP_SW_OUT)/$(VARIANT) $(LP_VI_OUT)/variant
	@echo "lp: $(N) rounds: $(LP_SW_CUR_NAME) (current) and $(VARIANT), interleaved" >&2
	@$(LP_ROOT)/mk/sweep-measure.sh $(LP_BIN)/lp-invoke $(N) $(LP_EVENT) $(MEMORY) $(FUNC) $(IMPL) \
	  $(LP_VI_OUT)/current $(LP_VI_OUT)/variant
	@$(LP_BIN)/lp-stats compare $(LP_VI_OUT)/current/invocations.ndjson $(LP_VI_OUT)/variant/invocations.ndjson \
	  > $(LP_VI_OUT)/compare.ndjson
	@$(LP_BIN)/lp-stats compare --format table $(LP_VI_OUT)/current/invocations.ndjson $(LP_VI_OUT)/variant/invocations.ndjson
	@rc=0; $(LP_BIN)/lp-propose confirm --applied $(APPLIED) $(LP_PR_PROPOSALS) $(LP_VI_OUT)/compare.ndjson \
	  > $(LP_VI_OUT)/validation.ndjson || rc=$$?; [ $$rc -le 1 ] || exit $$rc; \
	$(LP_BIN)/lp-propose confirm --format table --applied $(APPLIED) $(LP_PR_PROPOSALS) $(LP_VI_OUT)/compare.ndjson || true; \
	echo "lp: records in $(LP_VI_OUT)/{current,variant}/invocations.ndjson, validation.ndjson" >&2; exit $$rc
