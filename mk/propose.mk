# mk/propose.mk — lp-bottleneck and lp-propose: from measurements to
# ranked, validated proposals.
#
#   make bottlenecks FUNC=x     results/FUNC-IMPL/bottlenecks.ndjson + table (TOP_BOTTLENECKS rows, 0 = all)
#   make proposals FUNC=x       ... + proposals.ndjson, report.md, top TOP_PROPOSALS
#   make profile FUNC=x         ends with a perf run (flame graphs, hotspots,
#                               syscalls, allocations; PROFILE_PERF_COLD cold
#                               starts), the top bottlenecks, the top proposals
#                               and the paths of the flame graphs and report
#   make validate FUNC=x BASELINE=f APPLIED=id[,id]
#                               also says whether each applied proposal is
#                               confirmed (validate-proposals, below)
#
# Inputs of lp-bottleneck: the records `make measure`, `make size` and
# `make perf` leave in results/FUNC-IMPL/ (the baseline and the tools' own
# outputs are left out).  lp-propose adds sweep.ndjson when `make sweep` made
# one, so build proposals carry measured gains.

PROFILE_PERF      ?= 1
PROFILE_PERF_COLD ?= 50
TOP_PROPOSALS     ?= 5
TOP_BOTTLENECKS   ?= 0
APPLIED           ?=
PROPOSALS         ?=

LP_BN_INPUT_NAMES := invocations.ndjson size.ndjson hotspots.ndjson syscalls.ndjson alloc.ndjson
LP_BN_INPUTS       = $(wildcard $(addprefix $(LP_OUT)/,$(LP_BN_INPUT_NAMES)))
LP_PR_PROPOSALS    = $(if $(PROPOSALS),$(PROPOSALS),$(LP_OUT)/proposals.ndjson)
# The baseline validate compares with (stats.mk's default when unset).
LP_PR_BASELINE     = $(if $(BASELINE),$(BASELINE),$(LP_OUT)/baseline.ndjson)

.PHONY: bottlenecks proposals
bottlenecks: deps tools check-func ## lp-bottleneck over results/FUNC-IMPL/*.ndjson -> bottlenecks.ndjson + table
	@$(if $(LP_BN_INPUTS),,echo "lp: no records in $(LP_OUT): run make measure/size/perf FUNC=$(FUNC) IMPL=$(IMPL) first" >&2; exit 2)
	@$(LP_BIN)/lp-bottleneck $(LP_BN_INPUTS) > $(LP_OUT)/bottlenecks.ndjson.tmp
	@mv $(LP_OUT)/bottlenecks.ndjson.tmp $(LP_OUT)/bottlenecks.ndjson
	@$(LP_BIN)/lp-bottleneck --format table -n $(TOP_BOTTLENECKS) $(LP_BN_INPUTS)

proposals: bottlenecks ## lp-propose: ranked proposals -> proposals.ndjson, report.md; top TOP_PROPOSALS
	@$(LP_BIN)/lp-propose --baseline $(LP_PR_BASELINE) $(LP_PR_ARGS) > $(LP_OUT)/proposals.ndjson.tmp
	@mv $(LP_OUT)/proposals.ndjson.tmp $(LP_OUT)/proposals.ndjson
	@$(LP_BIN)/lp-propose --baseline $(LP_PR_BASELINE) --format markdown -n 0 --results $(LP_OUT) \
	  $(LP_PR_ARGS) > $(LP_OUT)/report.md.tmp
	@mv $(LP_OUT)/report.md.tmp $(LP_OUT)/report.md
	@$(LP_BIN)/lp-propose --baseline $(LP_PR_BASELINE) --format table -n $(TOP_PROPOSALS) $(LP_PR_ARGS)
	@echo "lp: records in $(LP_OUT)/proposals.ndjson, report in $(LP_OUT)/report.md" >&2

LP_PR_ARGS = $(LP_OUT)/bottlenecks.ndjson $(wildcard $(LP_OUT)/sweep.ndjson $(LP_OUT)/invocations.ndjson)

# --- make profile, complete -------------------------------------------------
# After the summary table and the size summary (LP_PROFILE_REPORTS): a perf
# run for flame graphs and hotspots, then bottlenecks and proposals.  The
# perf run's own output goes to perf.log; PROFILE_PERF=0 skips it (the
# bottleneck rules that need it then say so in `skipped` records).
LP_PROFILE_REPORTS_LAST += profile-perf profile-proposals profile-paths

.PHONY: profile-proposals
profile-proposals:
	@$(MAKE) --no-print-directory proposals TOP_BOTTLENECKS=$(or $(filter-out 0,$(TOP_BOTTLENECKS)),8)

.PHONY: profile-perf profile-paths
profile-perf:
	@$(if $(filter 0,$(PROFILE_PERF)),echo "lp: PROFILE_PERF=0: no perf run (rules needing hotspots, syscalls or allocations are skipped)" >&2; exit 0;) \
	echo "lp: make perf PERF_COLD=$(PROFILE_PERF_COLD) (log: $(LP_OUT)/perf.log)" >&2; \
	$(MAKE) --no-print-directory perf PERF_COLD=$(PROFILE_PERF_COLD) > $(LP_OUT)/perf.log 2>&1 || \
	  { echo "lp: make perf failed; its log:" >&2; tail -20 $(LP_OUT)/perf.log >&2; exit 1; }

profile-paths:
	@echo "lp: flame graphs: $(LP_OUT)/init.svg $(LP_OUT)/invoke.svg" >&2
	@echo "lp: report:       $(LP_OUT)/report.md" >&2

# --- make validate: applied proposals -----------------------------------------
# validate (mk/stats.mk) re-measures; with APPLIED=id[,id] this compares
# the new records with the baseline (lp-stats compare) and lp-propose
# confirm says, per applied proposal, confirmed or not confirmed, with the
# measured change and its 95 % CI.  VARIANT=name (mk/sweep.mk) measures a
# sweep variant: the validate command of a build proposal.
# make validate (mk/stats.mk) measures, then runs validate-gates; with
# APPLIED= the applied proposals are judged first.  "Not confirmed" (exit 1
# of lp-propose confirm) is a result and does not stop the gates there; a
# usage error does.  `make validate-proposals` alone exits 1 on it.
# lp_pr_confirm STOP_ON_NOT_CONFIRMED
define lp_pr_confirm
	@test -n "$(APPLIED)" || { echo "lp: APPLIED=id[,id] names the applied proposals (see $(LP_PR_PROPOSALS))" >&2; exit 2; }
	@test -s $(LP_PR_BASELINE) || { echo "lp: no baseline $(LP_PR_BASELINE): make baseline FUNC=$(FUNC) IMPL=$(IMPL) first" >&2; exit 2; }
	@test -s $(LP_PR_PROPOSALS) || { echo "lp: no proposals $(LP_PR_PROPOSALS): make profile FUNC=$(FUNC) IMPL=$(IMPL) first" >&2; exit 2; }
	@$(LP_BIN)/lp-stats compare $(LP_PR_BASELINE) $(LP_OUT)/invocations.ndjson > $(LP_OUT)/validate-compare.ndjson.tmp
	@mv $(LP_OUT)/validate-compare.ndjson.tmp $(LP_OUT)/validate-compare.ndjson
	@echo "lp: $(if $(VARIANT),variant $(VARIANT),the current build) against $(LP_PR_BASELINE)" >&2
	@rc=0; $(LP_BIN)/lp-propose confirm --applied $(APPLIED) $(LP_PR_PROPOSALS) $(LP_OUT)/validate-compare.ndjson \
	  > $(LP_OUT)/validation.ndjson.tmp || rc=$$?; \
	[ $$rc -le 1 ] || exit $$rc; mv $(LP_OUT)/validation.ndjson.tmp $(LP_OUT)/validation.ndjson; \
	$(LP_BIN)/lp-propose confirm --format table --applied $(APPLIED) $(LP_PR_PROPOSALS) $(LP_OUT)/validate-compare.ndjson || true; \
	echo "lp: records in $(LP_OUT)/validation.ndjson" >&2; \
	$(if $(filter 1,$(1)),exit $$rc,true)
endef

validate-gates: $(if $(APPLIED),validate-proposals-first)
.PHONY: validate-proposals validate-proposals-first
validate-proposals-first: deps tools
	$(call lp_pr_confirm,0)

validate-proposals: deps tools ## compare results/FUNC-IMPL with BASELINE; is each APPLIED=id proposal confirmed?
	$(call lp_pr_confirm,1)
