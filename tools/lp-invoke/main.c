/* lp-invoke — run a Lambda function's bootstrap and measure every
 * invocation (see docs/lp-invoke.1).  This file parses options and
 * dispatches on --platform (local.c) or the `serve` subcommand. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "invoke.h"
#include "lputil.h"

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: lp-invoke [OPTIONS] TASKROOT|BOOTSTRAP\n"
	    "       lp-invoke --platform aws [OPTIONS] FUNCTION_NAME\n"
	    "       lp-invoke serve [OPTIONS]    (a local Lambda API; serve --help)\n"
	    "       lp-invoke deploy [OPTIONS]   (zip and deploy; deploy --help)\n"
	    "\n"
	    "Run a Lambda custom runtime (provided.al2023 bootstrap) against a local\n"
	    "Lambda service (Runtime API 2018-06-01 on 127.0.0.1) and write one\n"
	    "`invocation` record per invocation (NDJSON) on stdout.\n"
	    "\n"
	    "  --func NAME        function name for records (default: basename of TASKROOT)\n"
	    "  --impl NAME        implementation label (default: unknown)\n"
	    "  --cold N           cold starts, each in a fresh environment (default 1)\n"
	    "  --warm N           further events to each environment after its cold one (default 0)\n"
	    "  --memory MB        memory size, 128-10240 (default 128): cgroup limit + CPU MB/1769\n"
	    "  --timeout S        invocation timeout in seconds (default 3)\n"
	    "  --init-timeout S   init timeout in seconds (default 10, as Lambda)\n"
	    "  --event FILE       one JSON document used for every invocation\n"
	    "                     (default: NDJSON events on stdin, one per invocation)\n"
	    "  --env K=V          extra environment variable for the function (repeatable)\n"
	    "  --cold-cache       evict the task root and the files it maps from the page cache\n"
	    "                     before each cold start\n"
	    "  --log FILE         function output and START/END/REPORT lines (default stderr)\n"
	    "  --arch ARCH        x86_64 or arm64 (default: this machine)\n"
	    "  --platform P       local (default); aws: TARGET is a Lambda function name,\n"
	    "                     measured through the Lambda API (forced cold starts)\n"
	    "  --endpoint URL     --platform aws: another Lambda endpoint (lp-invoke serve)\n"
	    "  --zip FILE         --platform aws: the code to use when --arch changes the\n"
	    "                     function's architecture\n"
	    "  --region R         AWS_REGION the function sees (default us-east-1); --platform aws:\n"
	    "                     the Lambda region (default $AWS_REGION, $AWS_DEFAULT_REGION)\n"
	    "  --handler H        _HANDLER the function sees (default bootstrap)\n"
	    "  --client-context J Lambda-Runtime-Client-Context header value\n"
	    "  --cognito-identity J  Lambda-Runtime-Cognito-Identity header value\n"
	    "  --no-cgroup        do not create cgroups (no limits; memory from /proc)\n"
	    "  --no-counters      do not open perf counters (counters are null with a reason)\n"
	    "  --workdir DIR      where the per-start task root copies go\n"
	    "  --help             this text\n"
	    "\n"
	    "Exit: 0 ok (a function that fails is a record with a status), 2 usage or\n"
	    "input error, 3 environment error.\n");
}

int main(int argc, char **argv)
{
	lp_setprogname(argv[0]);
	if (argc > 1 && strcmp(argv[1], "serve") == 0) {
		if (!invoke_serve)
			lp_usage_error("the serve subcommand is not part of this build");
		return invoke_serve(argc - 1, argv + 1);
	}
	if (argc > 1 && strcmp(argv[1], "deploy") == 0) {
		if (!invoke_deploy)
			lp_usage_error("the deploy subcommand is not part of this build");
		return invoke_deploy(argc - 1, argv + 1);
	}
	enum { O_FUNC = 256, O_IMPL, O_COLD, O_WARM, O_MEMORY, O_TIMEOUT, O_INIT_TIMEOUT, O_EVENT,
		O_ENV, O_COLD_CACHE, O_LOG, O_ARCH, O_PLATFORM, O_REGION, O_HANDLER, O_CC, O_COG,
		O_NO_CGROUP, O_NO_COUNTERS, O_WORKDIR, O_ENDPOINT, O_ZIP, O_HELP };
	static const struct option lo[] = {
		{ "func", required_argument, 0, O_FUNC },
		{ "impl", required_argument, 0, O_IMPL },
		{ "cold", required_argument, 0, O_COLD },
		{ "warm", required_argument, 0, O_WARM },
		{ "memory", required_argument, 0, O_MEMORY },
		{ "timeout", required_argument, 0, O_TIMEOUT },
		{ "init-timeout", required_argument, 0, O_INIT_TIMEOUT },
		{ "event", required_argument, 0, O_EVENT },
		{ "env", required_argument, 0, O_ENV },
		{ "cold-cache", no_argument, 0, O_COLD_CACHE },
		{ "log", required_argument, 0, O_LOG },
		{ "arch", required_argument, 0, O_ARCH },
		{ "platform", required_argument, 0, O_PLATFORM },
		{ "region", required_argument, 0, O_REGION },
		{ "handler", required_argument, 0, O_HANDLER },
		{ "client-context", required_argument, 0, O_CC },
		{ "cognito-identity", required_argument, 0, O_COG },
		{ "no-cgroup", no_argument, 0, O_NO_CGROUP },
		{ "no-counters", no_argument, 0, O_NO_COUNTERS },
		{ "workdir", required_argument, 0, O_WORKDIR },
		{ "endpoint", required_argument, 0, O_ENDPOINT },
		{ "zip", required_argument, 0, O_ZIP },
		{ "help", no_argument, 0, O_HELP },
		{ 0, 0, 0, 0 },
	};
	struct inv_opts o;
	memset(&o, 0, sizeof o);
	o.impl = "unknown";
	o.platform = "local";
	o.cold = 1;
	o.memory_mb = 128;
	o.timeout_s = 3;
	o.init_timeout_s = 10;
	o.region = "us-east-1";
	int region_given = 0;
	o.handler = "bootstrap";
	o.env = lp_xcalloc((size_t)argc + 1, sizeof *o.env);
	int c;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case O_FUNC: o.func = optarg; break;
		case O_IMPL: o.impl = optarg; break;
		case O_COLD: o.cold = lp_opt_long("--cold", optarg, 0, 1000000); break;
		case O_WARM: o.warm = lp_opt_long("--warm", optarg, 0, 1000000); break;
		case O_MEMORY: o.memory_mb = lp_opt_long("--memory", optarg, 128, 10240); o.memory_set = 1; break;
		case O_TIMEOUT: o.timeout_s = lp_opt_double("--timeout", optarg, 0.001, 900); break;
		case O_INIT_TIMEOUT: o.init_timeout_s = lp_opt_double("--init-timeout", optarg, 0.001, 900); break;
		case O_EVENT: o.event_file = optarg; break;
		case O_ENV:
			if (!strchr(optarg, '=') || optarg[0] == '=')
				lp_usage_error("--env: '%s' is not K=V", optarg);
			o.env[o.nenv++] = optarg;
			break;
		case O_COLD_CACHE: o.cold_cache = 1; break;
		case O_LOG: o.log_file = optarg; break;
		case O_ARCH:
			if (strcmp(optarg, "x86_64") && strcmp(optarg, "arm64"))
				lp_usage_error("--arch: '%s' is not x86_64 or arm64", optarg);
			o.arch = optarg;
			break;
		case O_PLATFORM: o.platform = optarg; break;
		case O_REGION: o.region = optarg; region_given = 1; break;
		case O_HANDLER: o.handler = optarg; break;
		case O_CC: o.client_context = optarg; break;
		case O_COG: o.cognito_identity = optarg; break;
		case O_NO_CGROUP: o.no_cgroup = 1; break;
		case O_NO_COUNTERS: o.no_counters = 1; break;
		case O_WORKDIR: o.workdir = optarg; break;
		case O_ENDPOINT: o.endpoint = optarg; break;
		case O_ZIP: o.zip = optarg; break;
		case O_HELP:
			usage(stdout);
			free(o.env);
			lp_close_stdout();
			return LP_EXIT_OK;
		default:
			lp_usage_error("unknown option");
		}
	}
	if (optind != argc - 1)
		lp_usage_error(optind == argc ? "missing TASKROOT or BOOTSTRAP" : "one TASKROOT or BOOTSTRAP only");
	o.target = argv[optind];
	/* aws: the region of the user's AWS configuration, as the AWS CLI */
	if (strcmp(o.platform, "aws") == 0 && !region_given) {
		const char *r = getenv("AWS_REGION");
		if (r == NULL || *r == '\0')
			r = getenv("AWS_DEFAULT_REGION");
		if (r && *r)
			o.region = r;
	}
	if (!o.arch && strcmp(o.platform, "aws") != 0)
		o.arch = lp_host_arch();
	int rc;
	if (strcmp(o.platform, "local") == 0) {
		rc = invoke_local(&o);
	} else if (strcmp(o.platform, "aws") == 0) {
		if (!invoke_aws)
			lp_usage_error("--platform aws is not part of this build");
		rc = invoke_aws(&o);
	} else {
		lp_usage_error("--platform: '%s' is not local or aws", o.platform);
	}
	free(o.env);
	lp_close_stdout();
	return rc;
}
