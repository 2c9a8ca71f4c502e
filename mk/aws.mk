# mk/aws.mk — deploy to AWS Lambda and measure there (issue 8).
#
#   make deploy FUNC=minimal [IMPL=rust] [ROLE=arn] [ARCH=x86_64] [ENDPOINT=url]
#   make profile FUNC=minimal PLATFORM=aws [ROLE=arn] [ENDPOINT=url]
#
# deploy: the release-ultra bootstrap (mk/lambdas.mk) -> a deterministic zip
# in results/FUNC-IMPL/function.zip (fixed timestamps and modes: the same
# binary gives the same bytes) -> CreateFunction or UpdateFunctionCode +
# UpdateFunctionConfiguration of the Lambda function lp-FUNC-IMPL
# (provided.al2023) through lp-invoke's libcurl SigV4 client (`lp-invoke
# deploy`).  measure-aws: lp-invoke --platform aws, N forced cold starts
# (an environment variable changed before each), Init Duration from
# Lambda's REPORT lines.  Credentials: AWS_ACCESS_KEY_ID/... or AWS_PROFILE;
# region: REGION or AWS_REGION.  See docs/aws.md.

LP_DEB_PKGS += awscli unzip python3 curl

ROLE     ?=
ENDPOINT ?=
REGION   ?= $(AWS_REGION)
ARCH     ?= $(if $(filter aarch64 arm64,$(shell uname -m)),arm64,x86_64)

LP_AWS_FUNCTION = lp-$(FUNC)-$(IMPL)
LP_ZIP          = $(LP_OUT)/function.zip
LP_AWS_FLAGS    = $(if $(ENDPOINT),--endpoint $(ENDPOINT)) $(if $(REGION),--region $(REGION))

.PHONY: deploy
deploy: check-func deps tools $(LP_BOOTSTRAP) ## zip the bootstrap (deterministic) into results/FUNC-IMPL/function.zip and create/update Lambda function lp-FUNC-IMPL (ROLE=arn to create, ENDPOINT=url)
	@mkdir -p $(LP_OUT)
	$(LP_BIN)/lp-invoke deploy --function-name $(LP_AWS_FUNCTION) --bootstrap $(LP_BOOTSTRAP) \
	  $(foreach f,$(LP_TASKROOT_FILES_$(FUNC)),--file $(notdir $(f))=$(f)) \
	  --zip $(LP_ZIP) --memory $(MEMORY) --arch $(ARCH) $(if $(ROLE),--role $(ROLE)) $(LP_AWS_FLAGS) \
	  > $(LP_OUT)/deploy.ndjson.tmp
	@mv $(LP_OUT)/deploy.ndjson.tmp $(LP_OUT)/deploy.ndjson
	@echo "lp: $(LP_AWS_FUNCTION) deployed from $(LP_ZIP) ($$(wc -c < $(LP_ZIP)) bytes)" >&2

.PHONY: zip
zip: check-func tools $(LP_BOOTSTRAP) ## only write the deterministic results/FUNC-IMPL/function.zip
	@mkdir -p $(LP_OUT)
	$(LP_BIN)/lp-invoke deploy --zip-only --bootstrap $(LP_BOOTSTRAP) \
	  $(foreach f,$(LP_TASKROOT_FILES_$(FUNC)),--file $(notdir $(f))=$(f)) --zip $(LP_ZIP) >/dev/null

.PHONY: measure-aws
measure-aws: deploy ## measure N forced cold starts of lp-FUNC-IMPL on AWS -> results/FUNC-IMPL/invocations.ndjson
	@echo "lp: measuring $(N) forced cold starts of $(LP_AWS_FUNCTION) ($(MEMORY) MB, Lambda API$(if $(ENDPOINT), at $(ENDPOINT)))" >&2
	$(LP_BIN)/lp-invoke --platform aws --func $(FUNC) --impl $(IMPL) --cold $(N) --memory $(MEMORY) \
	  --arch $(ARCH) --zip $(LP_ZIP) --event $(LP_EVENT) --log $(LP_OUT)/function.log $(LP_AWS_FLAGS) \
	  $(LP_AWS_FUNCTION) \
	  > $(LP_OUT)/invocations.ndjson.tmp
	@mv $(LP_OUT)/invocations.ndjson.tmp $(LP_OUT)/invocations.ndjson
