# mk/check.mk — the test suite.
#
# `make check`: release tools with -Werror, the ASan+UBSan tools, C unit
# tests (tests/unit/test_*.c, linked with the ASan liblp), helper programs
# other mk files add to LP_CHECK_DEPS, then tests/run over everything. It
# ends with "N passed, N failed".

# Included last by lp.mk, so LP_CHECK_DEPS is complete here.
LP_UNIT_SRC := $(wildcard $(LP_ROOT)/tests/unit/test_*.c)
LP_UNIT_BIN := $(LP_BUILD)/asan/unit
LP_UNIT_EXE := $(patsubst $(LP_ROOT)/tests/unit/%.c,$(LP_UNIT_BIN)/%,$(LP_UNIT_SRC))

$(LP_UNIT_BIN)/%: $(LP_ROOT)/tests/unit/%.c $(LP_BUILD)/asan/liblp.a $(LP_ROOT)/tests/unit/tap.h
	@mkdir -p $(@D)
	$(LP_CC) $(LP_CPPFLAGS) $(LP_CFLAGS) $(LP_ASAN) -o $@ $< $(LP_BUILD)/asan/liblp.a $(LP_LDLIBS)

.PHONY: check check-build
check-build: deps tools tools-asan $(LP_UNIT_EXE) $(LP_CHECK_DEPS)

check: check-build ## build with -Werror, run unit and bats tests under ASan+UBSan
	@LP_BIN=$(LP_ASAN_BIN) LP_REL_BIN=$(LP_BIN) LP_UNIT_BIN=$(LP_UNIT_BIN) \
	  LP_BUILD=$(LP_BUILD) LP_ROOT=$(LP_ROOT) $(LP_ROOT)/tests/run $(TESTS)

.PHONY: clean
clean: ## remove build/ (results/ is kept)
	rm -rf $(LP_BUILD)
