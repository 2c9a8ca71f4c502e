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
