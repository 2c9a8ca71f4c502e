# mk/lp.mk — entry point for lp's make rules.
#
# Include this from any repository:   include path/to/lp/mk/lp.mk
# Paths are absolute, so the including makefile may live anywhere.
# Every other mk/*.mk file is included from here; each one owns one concern
# and documents its targets with `target: ## text` for `make help`.

LP_ROOT     := $(patsubst %/mk/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
LP_BUILD    ?= $(LP_ROOT)/build
LP_RESULTS  ?= $(CURDIR)/results
LP_LAMBDAS  ?= $(LP_ROOT)/lambdas
LP_BIN      := $(LP_BUILD)/bin
LP_ASAN_BIN := $(LP_BUILD)/asan/bin
export LP_SHARE := $(LP_ROOT)/share

# rustup installs into ~/.cargo/bin, which non-login shells may not have.
ifneq ($(wildcard $(HOME)/.cargo/bin/cargo),)
export PATH := $(HOME)/.cargo/bin:$(PATH)
endif

# User-facing variables (see `make help`).
FUNC     ?= minimal
IMPL     ?= rust
N        ?= 30
MEMORY   ?= 128
EVENT    ?=
PLATFORM ?= local

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
.DELETE_ON_ERROR:

# tools.mk and check.mk come last: their rules use what the others append
# to (LP_DEB_PKGS, LP_CHECK_DEPS), and prerequisites expand when read.
LP_MK_LAST  := $(LP_ROOT)/mk/tools.mk $(LP_ROOT)/mk/check.mk
LP_MK_FILES := $(filter-out $(LP_ROOT)/mk/lp.mk $(LP_MK_LAST),$(sort $(wildcard $(LP_ROOT)/mk/*.mk)))
include $(LP_MK_FILES) $(LP_MK_LAST)

.PHONY: help
help: ## list targets and variables
	@printf 'lp — cold-start measurement for AWS Lambda custom runtimes\n\n'
	@printf 'Targets:\n'
	@grep -hE '^[a-zA-Z_%-]+:.*## ' $(LP_ROOT)/mk/*.mk | sort -u | \
	  awk -F':.*## ' '{ printf "  %-14s %s\n", $$1, $$2 }'
	@printf '\nVariables:\n'
	@printf '  %-14s %s\n' \
	  'FUNC=name'    "function under lambdas/ (default minimal; valid: $(LP_FUNCS))" \
	  'IMPL=impl'    'rust, c or ruchy (default rust)' \
	  'N=count'      'cold starts to measure (default 30)' \
	  'MEMORY=MB'    'configured memory (default 128)' \
	  'EVENT=file'   'event JSON (default share/events/<func>.json)' \
	  'PLATFORM=p'   'local (default) or aws' \
	  'ROLE=arn'     'aws: execution role to create the function (make deploy)' \
	  'ENDPOINT=url' 'aws: another Lambda API endpoint (e.g. lp-invoke serve)' \
	  'REGION=r'     'aws: region (default $$AWS_REGION)' \
	  'ARCH=a'       'aws: x86_64 or arm64 (default this machine)' \
	  'RUCHY=path'   'ruchy compiler (default: ruchy on PATH)'
