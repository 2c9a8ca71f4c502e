# mk/bench.mk — `make bench`: speed targets and overhead measurements.
# Never part of `make check` (the machine is shared and noisy). Each mk file
# appends its benchmark targets to LP_BENCH_TARGETS; each benchmark reports
# medians, confidence intervals and ratios measured in one run.

LP_BENCH_OUT := $(LP_RESULTS)/bench

.PHONY: bench
bench: ## run every benchmark (results/bench/, summaries in docs/)
	@$(MAKE) --no-print-directory $(LP_BENCH_TARGETS)
