# mk/profile.mk — the main job: `make profile FUNC=minimal [IMPL=rust]`.
#
# transpile (ruchy) -> build release-ultra -> deploy to a local task root
# -> measure N cold starts with lp-invoke -> summarize.

LP_OUT       = $(LP_RESULTS)/$(FUNC)-$(IMPL)
LP_BOOTSTRAP = $(LP_BUILD)/lambdas/$(FUNC)-$(IMPL)/bootstrap
LP_TASKROOT  = $(LP_OUT)/taskroot
LP_EVENT     = $(if $(EVENT),$(EVENT),$(LP_SHARE)/events/$(FUNC).json)

.PHONY: check-func
check-func:
	@case " $(LP_FUNCS) " in *" $(FUNC) "*) ;; *) \
	  echo "lp: unknown FUNC '$(FUNC)'; valid: $(LP_FUNCS)" >&2; exit 2;; esac
	@case " $(LP_IMPLS) " in *" $(IMPL) "*) ;; *) \
	  echo "lp: unknown IMPL '$(IMPL)'; valid: $(LP_IMPLS)" >&2; exit 2;; esac

# The local "deploy": a task root holding the bootstrap (and any data files
# the function ships, see mk/lambdas.mk LP_TASKROOT_FILES).
.PHONY: deploy-local
deploy-local: check-func $(LP_BOOTSTRAP) ## copy the bootstrap into results/FUNC-IMPL/taskroot
	@mkdir -p $(LP_TASKROOT)
	@rm -rf $(LP_TASKROOT) && mkdir -p $(LP_TASKROOT)
	@cp -p $(LP_BOOTSTRAP) $(LP_TASKROOT)/bootstrap
	@$(foreach f,$(LP_TASKROOT_FILES_$(FUNC)),cp -p $(f) $(LP_TASKROOT)/;)

.PHONY: measure
measure: deps tools deploy-local ## measure N cold starts -> results/FUNC-IMPL/invocations.ndjson
	@echo "lp: measuring $(N) cold starts of $(FUNC)-$(IMPL) ($(MEMORY) MB, local)" >&2
	$(LP_BIN)/lp-invoke --func $(FUNC) --impl $(IMPL) --cold $(N) --memory $(MEMORY) \
	  --event $(LP_EVENT) --log $(LP_OUT)/function.log $(LP_TASKROOT) \
	  > $(LP_OUT)/invocations.ndjson.tmp
	@mv $(LP_OUT)/invocations.ndjson.tmp $(LP_OUT)/invocations.ndjson

# PLATFORM=aws measures through the Lambda API instead (mk/aws.mk).
.PHONY: profile
profile: $(if $(filter aws,$(PLATFORM)),measure-aws,measure) ## the main job: build, deploy, measure and summarize FUNC
	@$(MAKE) --no-print-directory profile-report

# Other mk files append report targets (stats table, size, bottlenecks...)
# to LP_PROFILE_REPORTS; they run in order after the measurement.
# LP_PROFILE_REPORTS_LAST run after all of those, whatever the order the mk
# files are read in (mk/propose.mk: perf, bottlenecks, proposals read what
# the others wrote).
# The statistics table comes first whatever the include order (issue 6:
# summary table, size summary, bottlenecks, proposals, paths).
LP_PROFILE_FIRST := stats-table
.PHONY: profile-report
profile-report:
	@echo "lp: records in $(LP_OUT)/invocations.ndjson" >&2
	@$(if $(strip $(LP_PROFILE_REPORTS)),$(MAKE) --no-print-directory \
	  $(filter $(LP_PROFILE_FIRST),$(LP_PROFILE_REPORTS)) \
	  $(filter-out $(LP_PROFILE_FIRST),$(LP_PROFILE_REPORTS)),true)
	@$(if $(strip $(LP_PROFILE_REPORTS_LAST)),$(MAKE) --no-print-directory $(LP_PROFILE_REPORTS_LAST),true)
