# mk/lambdas.mk — build the lambdas: one bootstrap per FUNC-IMPL and variant.
#
# A function is a directory lambdas/FUNC/ (runtime/ excluded) holding at
# least one implementation: rust/Cargo.toml (a member of the workspace
# lambdas/Cargo.toml; package and binary named FUNC), c/*.c (linked with the
# C runtime lambdas/runtime/c), handler.ruchy (transpiled by $(RUCHY) into a
# crate under $(LP_BUILD)/ruchy/FUNC that uses the Rust runtime).
#
# Variants (docs/lambdas.md):
#   $(LP_BUILD)/lambdas/FUNC-IMPL/bootstrap            release-ultra (what lp ships)
#   $(LP_BUILD)/lambdas-release/FUNC-IMPL/bootstrap    Cargo `release` / C -O2
#   $(LP_BUILD)/lambdas-profiling/FUNC-IMPL/bootstrap  release-ultra + symbols + frame pointers
#
# Hooks other mk files may set, per function:
#   LP_C_LDLIBS_<func>        extra link libraries of the C build (-ljansson ...)
#   LP_C_CFLAGS_<func>        extra compile flags of the C build
#   LP_TASKROOT_FILES_<func>  data files mk/profile.mk copies into the task root
#   LP_DEB_PKGS               Debian packages those need (mk/deps.mk)
#
#   LP_FUNC_GOALS             goals for which FUNC/IMPL are validated early
#
# Everything rebuilds only on change: C through `cc -MM` dependency files,
# Rust through cargo's own dep-info (both kept as bootstrap.d), plus the
# workspace manifest, lock, cargo config and this file.

RUCHY      ?= ruchy
LP_CARGO   ?= cargo
LP_LAMBDA_CC ?= cc

LP_IMPLS := rust c ruchy
# Discovered: any lambdas/*/ with an implementation, except the runtime.
LP_FUNCS := $(sort $(filter-out runtime,$(foreach d,$(wildcard $(LP_LAMBDAS)/*/),\
  $(if $(wildcard $(d)rust/Cargo.toml $(d)c/*.c $(d)handler.ruchy),$(notdir $(patsubst %/,%,$(d)))))))

LP_CARGO_TARGET := $(LP_BUILD)/cargo
LP_RUCHY_BUILD  := $(LP_BUILD)/ruchy
LP_RTC          := $(LP_LAMBDAS)/runtime/c
LP_RUST_COMMON  := $(LP_LAMBDAS)/Cargo.toml $(LP_LAMBDAS)/Cargo.lock \
                   $(LP_LAMBDAS)/.cargo/config.toml $(LP_ROOT)/mk/lambdas.mk

LP_DEB_PKGS += gcc libc6-dev file

# C flags: the release-ultra equivalent is size-first, LTO, dead-section
# elimination, no unwind tables (C never unwinds), stripped; glibc dynamic.
LP_LAMBDA_CWARN := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror
LP_C_ULTRA      := -Os -flto -ffunction-sections -fdata-sections \
                   -fno-asynchronous-unwind-tables -fno-unwind-tables
LP_C_ULTRA_LD   := -flto -Os -Wl,--gc-sections -Wl,-O1 -Wl,--as-needed -s

# Variants: output directory, cargo profile, RUSTFLAGS, C flags, C link flags.
LP_LAMBDA_VARIANTS := ultra release profiling
LP_LV_DIR_ultra      := $(LP_BUILD)/lambdas
LP_LV_PROFILE_ultra  := release-ultra
LP_LV_RUSTFLAGS_ultra :=
LP_LV_CFLAGS_ultra   := $(LP_C_ULTRA)
LP_LV_LDFLAGS_ultra  := $(LP_C_ULTRA_LD)
LP_LV_DIR_release    := $(LP_BUILD)/lambdas-release
LP_LV_PROFILE_release := release
LP_LV_RUSTFLAGS_release :=
LP_LV_CFLAGS_release := -O2
LP_LV_LDFLAGS_release := -Wl,--as-needed
LP_LV_DIR_profiling  := $(LP_BUILD)/lambdas-profiling
LP_LV_PROFILE_profiling := profiling
LP_LV_RUSTFLAGS_profiling := -C force-frame-pointers=yes
LP_LV_CFLAGS_profiling := $(filter-out -fno-asynchronous-unwind-tables -fno-unwind-tables,$(LP_C_ULTRA)) -g -fno-omit-frame-pointer
LP_LV_LDFLAGS_profiling := $(filter-out -s,$(LP_C_ULTRA_LD))

# Report a missing tool as what it is (make then stops; its own exit is 2).
LP_NEED_CARGO = command -v $(LP_CARGO) >/dev/null || { \
  echo "lp: cargo not found: install Rust (rustup) so that $(LP_CARGO) is on PATH" >&2; exit 3; }

# Outputs are written to a per-process temporary name and renamed, so two
# makes sharing a build directory never see a half-written file.
#
# lp_cargo_build PROFILE,RUSTFLAGS,CARGO-ARGS,BIN-NAME -> copies to $@ and
# turns cargo's dep-info into $@.d so make knows every source file.
define lp_cargo_build
	@$(LP_NEED_CARGO)
	@mkdir -p $(@D)
	@echo "lp: cargo build --profile $(1) $(3)" >&2
	@cd $(LP_LAMBDAS) && CARGO_TARGET_DIR=$(LP_CARGO_TARGET) RUSTFLAGS='$(2)' \
	  $(LP_CARGO) build --quiet --profile $(1) $(3)
	@t=$@.tmp.$$$$; cp $(LP_CARGO_TARGET)/$(1)/$(4) $$t && mv $$t $@
	@t=$@.d.tmp.$$$$; d=$(LP_CARGO_TARGET)/$(1)/$(4).d; \
	 { sed 's|^[^:]*:|$@:|' $$d; sed 's|^[^:]*:||' $$d | tr ' ' '\n' | sed -n 's|^/.*|&:|p'; } > $$t && mv $$t $@.d
endef

# lp_c_build FUNC,VARIANT: one cc over the function's sources and lprt.c
# (LTO sees the whole program), then its header dependencies.
define lp_c_build
	@mkdir -p $(@D)
	@echo "lp: cc $(1) ($(2))" >&2
	@t=$@.tmp.$$$$; src="$(wildcard $(LP_LAMBDAS)/$(1)/c/*.c) $(LP_RTC)/lprt.c"; \
	 $(LP_LAMBDA_CC) $(LP_LAMBDA_CWARN) $(LP_LV_CFLAGS_$(2)) $(LP_C_CFLAGS_$(1)) -I$(LP_RTC) -o $$t $$src \
	   $(LP_LV_LDFLAGS_$(2)) $(LP_C_LDLIBS_$(1)) && \
	 $(LP_LAMBDA_CC) $(LP_LAMBDA_CWARN) $(LP_C_CFLAGS_$(1)) -I$(LP_RTC) -MM -MP -MT $@ $$src > $$t.d && \
	 mv $$t.d $@.d && mv $$t $@ || { rm -f $$t $$t.d; exit 1; }
endef

# lp_lambda_rules FUNC,DIR,PROFILE,RUSTFLAGS,CFLAGS,LDFLAGS,VARIANT
define lp_lambda_rules
ifneq ($(wildcard $(LP_LAMBDAS)/$(1)/rust/Cargo.toml),)
$(2)/$(1)-rust/bootstrap: $(LP_RUST_COMMON) $(LP_LAMBDAS)/$(1)/rust/Cargo.toml
	$$(call lp_cargo_build,$(3),$(4),-p $(1),$(1))
endif
ifneq ($(wildcard $(LP_LAMBDAS)/$(1)/c/*.c),)
$(2)/$(1)-c/bootstrap: $(wildcard $(LP_LAMBDAS)/$(1)/c/*.c) $(LP_RTC)/lprt.c $(LP_RTC)/lprt.h $(LP_ROOT)/mk/lambdas.mk
	$$(call lp_c_build,$(1),$(7))
endif
ifneq ($(wildcard $(LP_LAMBDAS)/$(1)/handler.ruchy),)
$(2)/$(1)-ruchy/bootstrap: $(LP_RUST_COMMON) $(LP_RUCHY_BUILD)/$(1)/src/handler.rs $(LP_RUCHY_BUILD)/$(1)/Cargo.toml
	$$(call lp_cargo_build,$(3),$(4),--manifest-path $(LP_RUCHY_BUILD)/$(1)/Cargo.toml,ruchy_$(1))
endif
endef

# The generated crate of a Ruchy function: the transpiled handler as module
# `handler`, wrapped by lambdas/runtime/ruchy/main.rs; the profiles are the
# workspace's own (copied, so there is one definition).
define lp_ruchy_rules
$(LP_RUCHY_BUILD)/$(1)/src/handler.rs: $(LP_LAMBDAS)/$(1)/handler.ruchy $(LP_RUCHY_BUILD)/ruchy-path $(LP_ROOT)/mk/ruchy-transpile.sh
	@mkdir -p $$(@D)
	@$(LP_ROOT)/mk/ruchy-transpile.sh '$$(RUCHY)' $$< $$@
$(LP_RUCHY_BUILD)/$(1)/Cargo.toml: $(LP_LAMBDAS)/runtime/ruchy/Cargo.toml.in $(LP_LAMBDAS)/runtime/ruchy/main.rs $(LP_LAMBDAS)/Cargo.toml
	@mkdir -p $$(@D)/src
	@cp $(LP_LAMBDAS)/runtime/ruchy/main.rs $$(@D)/src/main.rs
	@{ sed -e 's|@FUNC@|$(1)|g' -e 's|@RUNTIME@|$(LP_LAMBDAS)/runtime/rust|g' $$<; \
	   sed -n '/^\[profile\./,$$$$p' $(LP_LAMBDAS)/Cargo.toml; } > $$@.tmp.$$$$$$$$ && mv $$@.tmp.$$$$$$$$ $$@
endef

$(foreach f,$(LP_FUNCS),$(foreach v,$(LP_LAMBDA_VARIANTS),$(eval $(call lp_lambda_rules,$(f),$(LP_LV_DIR_$(v)),$(LP_LV_PROFILE_$(v)),$(LP_LV_RUSTFLAGS_$(v)),$(LP_LV_CFLAGS_$(v)),$(LP_LV_LDFLAGS_$(v)),$(v)))))

$(foreach f,$(LP_FUNCS),$(if $(wildcard $(LP_LAMBDAS)/$(f)/handler.ruchy),$(eval $(call lp_ruchy_rules,$(f)))))

# Which compiler RUCHY names, recorded so that switching compilers (or
# losing one) re-transpiles; rewritten only when it changes.
LP_RUCHY_RESOLVED := $(if $(filter ruchy,$(IMPL))$(findstring -ruchy,$(MAKECMDGOALS)),$(shell command -v '$(RUCHY)' 2>/dev/null || echo 'missing:$(RUCHY)'))
ifneq ($(LP_RUCHY_RESOLVED),)
$(shell mkdir -p $(LP_RUCHY_BUILD) && { [ "$$(cat $(LP_RUCHY_BUILD)/ruchy-path 2>/dev/null)" = '$(LP_RUCHY_RESOLVED)' ] || echo '$(LP_RUCHY_RESOLVED)' > $(LP_RUCHY_BUILD)/ruchy-path; })
endif
$(LP_RUCHY_BUILD)/ruchy-path:
	@mkdir -p $(@D) && echo 'missing:$(RUCHY)' > $@

-include $(wildcard $(addsuffix /*/bootstrap.d,$(LP_BUILD)/lambdas $(LP_BUILD)/lambdas-release $(LP_BUILD)/lambdas-profiling))

# FUNC and IMPL are checked when the makefiles are read, before any rule:
# an unknown name stops make with the list of valid ones.
LP_FUNC_GOALS += lambda lambda-release lambda-profiling profile measure deploy-local
ifneq ($(filter $(LP_FUNC_GOALS),$(MAKECMDGOALS)),)
ifeq ($(filter $(FUNC),$(LP_FUNCS)),)
$(error lp: unknown FUNC '$(FUNC)'; valid: $(LP_FUNCS))
endif
ifeq ($(filter $(IMPL),$(LP_IMPLS)),)
$(error lp: unknown IMPL '$(IMPL)'; valid: $(LP_IMPLS))
endif
LP_IMPL_SRC = $(LP_LAMBDAS)/$(FUNC)/$(if $(filter rust,$(IMPL)),rust/Cargo.toml,$(if $(filter c,$(IMPL)),c/*.c,handler.ruchy))
ifeq ($(wildcard $(LP_IMPL_SRC)),)
$(error lp: FUNC '$(FUNC)' has no $(IMPL) implementation ($(LP_IMPL_SRC) not found))
endif
endif

.PHONY: lambda lambda-release lambda-profiling
lambda: deps $(LP_BUILD)/lambdas/$(FUNC)-$(IMPL)/bootstrap ## build FUNC-IMPL's release-ultra bootstrap (build/lambdas/)
	@echo "$(lastword $^)"
lambda-release: deps $(LP_BUILD)/lambdas-release/$(FUNC)-$(IMPL)/bootstrap ## build FUNC-IMPL with Cargo's release profile / C -O2
	@echo "$(lastword $^)"
lambda-profiling: deps $(LP_BUILD)/lambdas-profiling/$(FUNC)-$(IMPL)/bootstrap ## build FUNC-IMPL with symbols and frame pointers
	@echo "$(lastword $^)"

# Test helper: captures what a bootstrap posts (tests/lambdas.bats).
LP_CHECK_DEPS += $(LP_BUILD)/tests/rtcapture
$(LP_BUILD)/tests/rtcapture: $(LP_ROOT)/tests/lambdas/rtcapture.c $(LP_BUILD)/asan/liblp.a
	@mkdir -p $(@D)
	$(LP_CC) $(LP_CPPFLAGS) $(LP_CFLAGS) $(LP_ASAN) -o $@ $< $(LP_BUILD)/asan/liblp.a $(LP_LDLIBS)

# Test helper: an odd or hostile Runtime API for the runtime clients.
LP_CHECK_DEPS += $(LP_BUILD)/tests/hostile_api
$(LP_BUILD)/tests/hostile_api: $(LP_ROOT)/tests/lambdas/hostile_api.c
	@mkdir -p $(@D)
	$(LP_CC) -std=c11 -D_GNU_SOURCE $(LP_WARN) -O1 -g $(LP_ASAN) -o $@ $<
