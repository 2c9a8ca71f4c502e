# mk/suite.mk — the benchmark suite (docs/suite.md): the four functions
# json_processing, data_transform, api_gateway, db_query (rust and c), the
# minimal baselines in other languages (go, python, node, cpp), `make
# compare` and the suite's benchmark targets.

LP_SUITE_FUNCS := json_processing data_transform api_gateway db_query

# C builds: jansson everywhere, SQLite for db_query (hooks of mk/lambdas.mk).
LP_C_LDLIBS_json_processing := -ljansson
LP_C_LDLIBS_data_transform  := -ljansson
LP_C_LDLIBS_api_gateway     := -ljansson
LP_C_LDLIBS_db_query        := -ljansson -lsqlite3

LP_DEB_PKGS += libjansson-dev libsqlite3-dev sqlite3 librust-serde-json-dev

# db_query's database: built from lambdas/db_query/schema.sql (schema and
# deterministic seed data) with the sqlite3 CLI, copied into the task root
# by mk/profile.mk. Every db_query bootstrap needs it (order-only).
LP_SUITE_DB := $(LP_BUILD)/suite/db_query/data.db
LP_TASKROOT_FILES_db_query := $(LP_SUITE_DB)

$(LP_SUITE_DB): $(LP_LAMBDAS)/db_query/schema.sql | $(LP_DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "lp: sqlite3 $@ < $<" >&2
	@rm -f $@.tmp && sqlite3 -bail $@.tmp < $< > /dev/null && mv $@.tmp $@

$(foreach v,$(LP_LAMBDA_VARIANTS),$(foreach i,rust c ruchy,\
  $(eval $(LP_LV_DIR_$(v))/db_query-$(i)/bootstrap: | $(LP_SUITE_DB))))

.PHONY: suite-db
suite-db: $(LP_SUITE_DB) ## build db_query's SQLite database (build/suite/db_query/data.db)

# ---------------------------------------------------------------------------
# Baselines of `minimal` in other languages, for `make compare` only (they
# are not IMPLs of mk/lambdas.mk). Each is a real Runtime API client; a
# language whose toolchain is missing is skipped by `compare` with a message.
LP_BASELINES := go python node cpp
LP_DEB_PKGS  += golang-go g++ libcurl4-openssl-dev nodejs python3 \
                autoconf automake libtool cmake make

LP_BL_DIR := $(LP_BUILD)/lambdas
LP_BL_SRC := $(LP_LAMBDAS)/minimal

# release-ultra equivalents: Go stripped (-s -w), static (CGO off); C++ -Os,
# LTO, dead sections removed, stripped, glibc and libcurl dynamic.
$(LP_BL_DIR)/minimal-go/bootstrap: $(wildcard $(LP_BL_SRC)/go/*.go) $(LP_BL_SRC)/go/go.mod
	@command -v go >/dev/null || { echo "lp: go not found (apt-get install golang-go)" >&2; exit 3; }
	@mkdir -p $(@D)
	@echo "lp: go build minimal-go" >&2
	@cd $(LP_BL_SRC)/go && CGO_ENABLED=0 GOPROXY=off GOFLAGS=-mod=mod GOCACHE=$(LP_BUILD)/go-cache \
	  go build -trimpath -ldflags='-s -w' -o $@.tmp . && mv $@.tmp $@

$(LP_BL_DIR)/minimal-cpp/bootstrap: $(LP_BL_SRC)/cpp/main.cpp
	@command -v g++ >/dev/null || { echo "lp: g++ not found (apt-get install g++)" >&2; exit 3; }
	@mkdir -p $(@D)
	@echo "lp: g++ minimal-cpp" >&2
	@g++ -std=c++17 -Wall -Wextra -Werror -Os -flto -ffunction-sections -fdata-sections \
	  -o $@.tmp $< -Wl,--gc-sections -Wl,--as-needed -s -lcurl && mv $@.tmp $@

$(LP_BL_DIR)/minimal-python/bootstrap: $(LP_BL_SRC)/python/bootstrap
	@mkdir -p $(@D) && cp $< $@.tmp && chmod 755 $@.tmp && mv $@.tmp $@

# node: the official aws-lambda-ric from the npm registry (package-lock.json
# pinned). Its install scripts build its native Runtime API client
# (aws-lambda-cpp, curl) from source: autotools, cmake and g++ from Debian,
# about 5 minutes once on a small machine. The task root gets only what
# runs: bootstrap, index.mjs, aws-lambda-ric's package.json, bin/ and dist/. When npm or the registry is unavailable the
# standard-library client (node/stdlib/bootstrap) is used instead, and the
# NODE_CLIENT file in the task root says which.
LP_NODE_RIC := $(LP_BUILD)/node-ric
$(LP_NODE_RIC)/.installed: $(LP_BL_SRC)/node/package.json $(LP_BL_SRC)/node/package-lock.json
	@mkdir -p $(@D) && cp $^ $(@D)/
	@echo "lp: npm ci aws-lambda-ric (once; slow: builds its native client from source)" >&2
	@rm -f $@; cd $(@D) && if command -v npm >/dev/null && \
	  npm ci --no-audit --no-fund --loglevel=error >npm.log 2>&1 && \
	  [ -f node_modules/aws-lambda-ric/dist/rapid-client.node ]; then echo aws-lambda-ric > $@; \
	else echo "lp: aws-lambda-ric could not be installed (see $(@D)/npm.log): node baseline falls back to the standard-library client" >&2; \
	  echo stdlib > $@; fi

$(LP_BL_DIR)/minimal-node/bootstrap: $(LP_NODE_RIC)/.installed $(LP_BL_SRC)/node/bootstrap $(LP_BL_SRC)/node/index.mjs $(LP_BL_SRC)/node/stdlib/bootstrap
	@rm -rf $(@D) && mkdir -p $(@D)
	@if [ "$$(cat $<)" = aws-lambda-ric ]; then \
	  ric=$(@D)/node_modules/aws-lambda-ric && mkdir -p $$ric && \
	  cp -r $(LP_NODE_RIC)/node_modules/aws-lambda-ric/package.json $(LP_NODE_RIC)/node_modules/aws-lambda-ric/bin \
	    $(LP_NODE_RIC)/node_modules/aws-lambda-ric/dist $$ric/ && \
	  cp $(LP_BL_SRC)/node/index.mjs $(@D)/ && cp $(LP_BL_SRC)/node/bootstrap $@.tmp; \
	else cp $(LP_BL_SRC)/node/stdlib/bootstrap $@.tmp; fi
	@cp $< $(@D)/NODE_CLIENT && chmod 755 $@.tmp && mv $@.tmp $@

# What each implementation is, for the compare rows (client and toolchain).
SUITE_IMPL_INFO_rust   = lp_runtime (std only), $(shell rustc --version 2>/dev/null), release-ultra
SUITE_IMPL_INFO_c      = lprt (C), $(shell cc --version 2>/dev/null | head -n 1), -Os LTO
SUITE_IMPL_INFO_ruchy  = ruchy transpile ($(RUCHY)) + lp_runtime
SUITE_IMPL_INFO_go     = net/http (standard library), $(shell go version 2>/dev/null | cut -d' ' -f3)
SUITE_IMPL_INFO_python = http.client (standard library), $(shell PATH=/usr/local/bin:/usr/bin:/bin python3 --version 2>/dev/null) (the PATH a function sees)
SUITE_IMPL_INFO_node   = $(if $(filter stdlib,$(shell cat $(LP_NODE_RIC)/.installed 2>/dev/null)),http (standard library; aws-lambda-ric unavailable),aws-lambda-ric 3.3.0 (npm)), node $(shell PATH=/usr/local/bin:/usr/bin:/bin node --version 2>/dev/null)
SUITE_IMPL_INFO_cpp    = libcurl, $(shell g++ --version 2>/dev/null | head -n 1)
export SUITE_IMPL_INFO_rust SUITE_IMPL_INFO_c SUITE_IMPL_INFO_ruchy SUITE_IMPL_INFO_go \
  SUITE_IMPL_INFO_python SUITE_IMPL_INFO_node SUITE_IMPL_INFO_cpp

# A baseline's toolchain: present (1) or not (empty).
LP_BL_HAVE_go     = $(shell command -v go >/dev/null && echo 1)
LP_BL_HAVE_python = $(shell command -v python3 >/dev/null && echo 1)
LP_BL_HAVE_node   = $(shell command -v node >/dev/null && echo 1)
LP_BL_HAVE_cpp    = $(shell command -v g++ >/dev/null && [ -e /usr/include/x86_64-linux-gnu/curl/curl.h -o -e /usr/include/curl/curl.h ] && echo 1)

# ---------------------------------------------------------------------------
# make compare FUNC=f [N=30] [MEMORY=128] [EVENT=file]
LP_COMPARE_OUT = $(LP_RESULTS)/compare-$(FUNC)
LP_COMPARE_IMPLS = $(foreach i,rust c,$(if $(wildcard $(LP_LAMBDAS)/$(FUNC)/$(if $(filter rust,$(i)),rust/Cargo.toml,c/*.c)),$(i)))

# An unknown FUNC stops make when the makefiles are read (exit 2), before
# anything is built.
ifneq ($(filter compare,$(MAKECMDGOALS)),)
ifeq ($(filter $(FUNC),$(LP_FUNCS)),)
$(error lp: unknown FUNC '$(FUNC)'; valid: $(LP_FUNCS))
endif
endif

.PHONY: compare
compare: deps tools ## measure every implementation of FUNC (and, for minimal, the go/python/node/cpp baselines) in one interleaved run -> results/compare-FUNC/compare.{ndjson,md}
	@case " $(LP_FUNCS) " in *" $(FUNC) "*) ;; *) \
	  echo "lp: unknown FUNC '$(FUNC)'; valid: $(LP_FUNCS)" >&2; exit 2;; esac
	@set -e; args=""; root=$(LP_COMPARE_OUT)/taskroots; rm -rf $$root; \
	deploy() { mkdir -p $$root/$$1 && cp -p $$2 $$root/$$1/bootstrap && \
	  for f in $(LP_TASKROOT_FILES_$(FUNC)); do cp -p $$f $$root/$$1/; done; args="$$args $$1=$$root/$$1"; }; \
	for i in $(LP_COMPARE_IMPLS); do \
	  $(MAKE) --no-print-directory $(LP_BUILD)/lambdas/$(FUNC)-$$i/bootstrap; \
	  deploy $$i $(LP_BUILD)/lambdas/$(FUNC)-$$i/bootstrap; done; \
	if [ -e $(LP_LAMBDAS)/$(FUNC)/handler.ruchy ]; then \
	  if ! command -v '$(RUCHY)' >/dev/null; then \
	    echo "lp compare: skipping ruchy: no ruchy compiler ('$(RUCHY)'; set RUCHY=/path/to/ruchy)" >&2; \
	  elif $(MAKE) --no-print-directory IMPL=ruchy RUCHY='$(RUCHY)' $(LP_BUILD)/lambdas/$(FUNC)-ruchy/bootstrap; then \
	    deploy ruchy $(LP_BUILD)/lambdas/$(FUNC)-ruchy/bootstrap; \
	  else echo "lp compare: skipping ruchy: '$(RUCHY)' could not build $(FUNC)'s handler.ruchy (see above)" >&2; fi; \
	fi; \
	if [ "$(FUNC)" = minimal ]; then \
	  $(foreach b,$(LP_BASELINES),\
	  if [ -n "$(LP_BL_HAVE_$(b))" ]; then $(MAKE) --no-print-directory $(LP_BL_DIR)/minimal-$(b)/bootstrap; \
	    deploy $(b) $(LP_BL_DIR)/minimal-$(b)/bootstrap; cp -rp $(LP_BL_DIR)/minimal-$(b)/. $$root/$(b)/; \
	  else echo "lp compare: skipping $(b): toolchain not installed" >&2; fi;) \
	fi; \
	LP_BIN=$(LP_BIN) $(LP_ROOT)/mk/suite-compare.sh $(FUNC) $(N) $(MEMORY) $(LP_EVENT) $(LP_COMPARE_OUT) $$args

# ---------------------------------------------------------------------------
# make bench-suite: the suite's targets (bench/suite-bench.sh), from one
# `make compare` per function; results in results/bench/suite/.
LP_SUITE_BENCH_OUT = $(LP_BENCH_OUT)/suite

.PHONY: bench-suite
bench-suite: tools ## suite targets: rust minimal init within 1.5x of C, each function vs its seed target, sizes vs 100 KB / 50 KB zip
	@for f in $(LP_FUNCS); do \
	  $(MAKE) --no-print-directory compare FUNC=$$f N=$(N) MEMORY=$(MEMORY) LP_RESULTS=$(LP_SUITE_BENCH_OUT) || exit; done
	LP_BIN=$(LP_BIN) $(LP_ROOT)/bench/suite-bench.sh $(LP_SUITE_BENCH_OUT) $(LP_FUNCS)

LP_BENCH_TARGETS += bench-suite
