# mk/stats.mk — lp-stats: the profile table, baselines, gates, CI, bench.
#
#   make profile FUNC=x      ... ends with `stats-table` (LP_PROFILE_REPORTS)
#   make baseline FUNC=x     results/FUNC-IMPL/invocations.ndjson -> baseline.ndjson
#   make validate FUNC=x     re-measure, compare with the baseline, apply ci/gates/FUNC.gates
#   make ci                  build, measure every function with a gate file, every gate
#
# The baseline is the raw invocation records (not a summary), so regress()
# can run a rank test against them: $(LP_RESULTS)/FUNC-IMPL/baseline.ndjson.
# Gate files: ci/gates/FUNC.gates (one expression per line, # comments);
# ci/gates/all.gates applies to the records of every function pooled.
# GATES=file overrides the gate file of validate; BASELINE=file the baseline.
# A failed gate: lp-stats exits 1 (the message says so) and make stops with
# GNU make's own status for a failed recipe, 2; gate records are kept in
# results/FUNC-IMPL/gates.ndjson.

LP_STATS          = $(LP_BIN)/lp-stats
LP_GATES_DIR     := $(LP_ROOT)/ci/gates
GATES            ?=
BASELINE         ?=
LP_STATS_GATES    = $(if $(GATES),$(GATES),$(LP_GATES_DIR)/$(FUNC).gates)
LP_STATS_BASELINE = $(if $(BASELINE),$(BASELINE),$(LP_OUT)/baseline.ndjson)
# make ci: functions that have both a lambda and a gate file
LP_CI_FUNCS       = $(filter $(LP_FUNCS),$(patsubst $(LP_GATES_DIR)/%.gates,%,$(wildcard $(LP_GATES_DIR)/*.gates)))
LP_CI_OUT         = $(LP_RESULTS)/ci

LP_PROFILE_REPORTS += stats-table
LP_BENCH_TARGETS   += bench-stats

.PHONY: stats-table
stats-table: $(LP_STATS) ## lp-stats table of results/FUNC-IMPL/invocations.ndjson
	@test -s $(LP_OUT)/invocations.ndjson || { echo "lp: no $(LP_OUT)/invocations.ndjson: run make measure FUNC=$(FUNC) IMPL=$(IMPL)" >&2; exit 2; }
	$(LP_STATS) --format table $(LP_OUT)/invocations.ndjson

.PHONY: baseline
baseline: $(LP_STATS) ## save results/FUNC-IMPL/invocations.ndjson as the baseline (measures first if absent)
	@test -s $(LP_OUT)/invocations.ndjson || $(MAKE) --no-print-directory measure
	@# refuse to save a baseline lp-stats cannot read
	$(LP_STATS) --format table $(LP_OUT)/invocations.ndjson
	cp $(LP_OUT)/invocations.ndjson $(LP_STATS_BASELINE).tmp
	mv $(LP_STATS_BASELINE).tmp $(LP_STATS_BASELINE)
	@echo "lp: baseline saved: $(LP_STATS_BASELINE)" >&2

.PHONY: validate validate-gates
validate: ## re-measure FUNC, compare with its baseline, apply ci/gates/FUNC.gates (a failed gate fails make)
	@test -s $(LP_STATS_BASELINE) || { echo "lp: no baseline $(LP_STATS_BASELINE): run make baseline FUNC=$(FUNC) IMPL=$(IMPL) first" >&2; exit 2; }
	@test -s $(LP_STATS_GATES) || { echo "lp: no gate file $(LP_STATS_GATES)" >&2; exit 2; }
	@$(MAKE) --no-print-directory measure
	@$(MAKE) --no-print-directory validate-gates

# The gate half of validate, on the records already measured.
validate-gates: $(LP_STATS)
	$(LP_STATS) compare --format table $(LP_STATS_BASELINE) $(LP_OUT)/invocations.ndjson
	$(LP_STATS) --baseline $(LP_STATS_BASELINE) --gates $(LP_STATS_GATES) \
	  $(LP_OUT)/invocations.ndjson > $(LP_OUT)/gates.ndjson.tmp || rc=$$?; \
	  mv $(LP_OUT)/gates.ndjson.tmp $(LP_OUT)/gates.ndjson; \
	  jq -r 'select(.type == "gate") | "\(if .pass then "PASS" else "FAIL" end)  \(.expr)  value \(.value)  \(.reason // "")"' $(LP_OUT)/gates.ndjson; \
	  if [ "$${rc:-0}" -ne 0 ]; then echo "lp: validate FUNC=$(FUNC) IMPL=$(IMPL): gate failed (lp-stats exit $$rc), records in $(LP_OUT)/gates.ndjson" >&2; exit $$rc; fi
	@echo "lp: validate FUNC=$(FUNC) IMPL=$(IMPL): every gate passed" >&2

# make ci: for any CI system (ci/github-actions.yml calls it). Every gate
# runs even after a failure; the exit status says whether any failed.
.PHONY: ci ci-measure ci-gates
ci: ## build, measure every function with a gate file, apply every gate (CI entry point)
	@$(MAKE) --no-print-directory deps tools
	@$(MAKE) --no-print-directory ci-measure
	@$(MAKE) --no-print-directory ci-gates

ci-measure:
	@$(foreach f,$(LP_CI_FUNCS),$(MAKE) --no-print-directory measure FUNC=$(f) IMPL=$(IMPL) &&) true

ci-gates: $(LP_STATS)
	@mkdir -p $(LP_CI_OUT); rm -f $(LP_CI_OUT)/gates.ndjson; fail=0; \
	for f in $(LP_CI_FUNCS); do \
	  out=$(LP_RESULTS)/$$f-$(IMPL); gates=$(LP_GATES_DIR)/$$f.gates; base=; \
	  if [ -s $$out/baseline.ndjson ]; then base="--baseline $$out/baseline.ndjson"; \
	  else echo "lp: ci: no baseline for $$f-$(IMPL): its regress() gates are not applied (make baseline FUNC=$$f IMPL=$(IMPL))" >&2; \
	    grep -v '^[[:space:]]*regress' $$gates > $(LP_CI_OUT)/$$f.gates; gates=$(LP_CI_OUT)/$$f.gates; fi; \
	  echo "lp: ci: gates of $$f-$(IMPL)" >&2; \
	  $(LP_STATS) --format table $$base --gates $$gates $$out/invocations.ndjson || fail=1; \
	  $(LP_STATS) $$base --gates $$gates $$out/invocations.ndjson 2>/dev/null | grep '"type":"gate"' >> $(LP_CI_OUT)/gates.ndjson || true; \
	done; \
	if [ -s $(LP_GATES_DIR)/all.gates ]; then \
	  echo "lp: ci: gates over every function ($(LP_CI_FUNCS))" >&2; \
	  files=$$(for f in $(LP_CI_FUNCS); do echo $(LP_RESULTS)/$$f-$(IMPL)/invocations.ndjson; done); \
	  $(LP_STATS) --format table --by impl --gates $(LP_GATES_DIR)/all.gates $$files || fail=1; \
	fi; \
	if [ $$fail -ne 0 ]; then echo "lp: ci: a gate failed" >&2; exit 1; fi; \
	echo "lp: ci: every gate passed" >&2

.PHONY: bench-stats
bench-stats: $(LP_STATS) ## lp-stats records/s on 1M records, and the ratio to jq computing the same summary
	@mkdir -p $(LP_BENCH_OUT)
	$(LP_ROOT)/bench/stats-bench.sh $(LP_STATS) $(LP_BENCH_OUT)/stats | tee $(LP_BENCH_OUT)/stats.txt
