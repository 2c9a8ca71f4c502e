/* deploy.c — `lp-invoke deploy`: zip a bootstrap deterministically and
 * create or update a Lambda function (provided.al2023) with it, through
 * the same libcurl client as --platform aws.
 *
 * The zip is written first (sorted entries, fixed 1980-01-01 timestamps,
 * mode 0755 for bootstrap and executables, 0644 for other files): the same
 * inputs give
 * the same bytes.  Then: GetFunctionConfiguration; a missing function is
 * created (CreateFunction: Runtime provided.al2023, Handler bootstrap, the
 * role, memory, timeout, architecture), an existing one gets
 * UpdateFunctionCode (with the architecture) and then
 * UpdateFunctionConfiguration (memory, timeout, runtime), each followed by
 * a wait for State Active / LastUpdateStatus Successful. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "awsapi.h"
#include "b64.h"
#include "deploy.h"
#include "dzip.h"
#include "invoke.h"
#include "lputil.h"
#include "sha256.h"
#include "ndjson.h"

int
deploy_put_code(struct aws_client *c, const char *name, const char *zip_path,
    const char *arch, double deadline_ms, char *err, size_t errlen)
{
	size_t zl;
	unsigned char *zb = dz_read_file(zip_path, &zl, err, errlen);
	if (zb == NULL)
		return -1;
	char *b = b64_encode(zb, zl);
	free(zb);
	json_t *req = json_pack("{s:s, s:b}", "ZipFile", b, "Publish", 0);
	free(b);
	if (arch)
		json_object_set_new(req, "Architectures", json_pack("[s]", arch));
	json_t *out = NULL;
	int rc = aws_update_function_code(c, name, req, deadline_ms, &out, err, errlen);
	json_decref(req);
	json_decref(out);
	if (rc < 0)
		return -1;
	json_t *ready;
	if (aws_wait_function_ready(c, name, deadline_ms, &ready, NULL, err, errlen) < 0)
		return -1;
	json_decref(ready);
	return 0;
}

static void
deploy_usage(FILE *f)
{
	fprintf(f,
	    "usage: lp-invoke deploy [OPTIONS] --function-name NAME --bootstrap FILE --zip OUT.zip\n"
	    "\n"
	    "Zip a custom runtime deterministically (fixed timestamps and modes, sorted\n"
	    "entries: the same bootstrap gives the same bytes) and create or update the\n"
	    "Lambda function (provided.al2023) with it through the Lambda API.\n"
	    "\n"
	    "  --function-name NAME  Lambda function name ([A-Za-z0-9_-]{1,64})\n"
	    "  --bootstrap FILE      the bootstrap executable (zipped as bootstrap, 0755)\n"
	    "  --file NAME=PATH      another file for the task root (0755 when executable,\n"
	    "                        else 0644), repeatable\n"
	    "  --zip OUT.zip         where the zip goes (written before any request)\n"
	    "  --zip-only            write the zip and stop\n"
	    "  --role ARN            execution role (needed to create the function)\n"
	    "  --memory MB           memory size, 128-10240 (default 128)\n"
	    "  --timeout S           function timeout in seconds, 1-900 (default 3)\n"
	    "  --arch ARCH           x86_64 or arm64 (default x86_64)\n"
	    "  --region R            region (default $AWS_REGION, $AWS_DEFAULT_REGION,\n"
	    "                        else us-east-1)\n"
	    "  --endpoint URL        another Lambda endpoint (e.g. lp-invoke serve)\n"
	    "  --help                this text\n"
	    "\n"
	    "Credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY[/AWS_SESSION_TOKEN] or the\n"
	    "profile AWS_PROFILE of ~/.aws/credentials.  Stdout: one `deploy` record.\n"
	    "Exit: 0 deployed, 2 usage or input error, 3 environment (no credentials,\n"
	    "the API refused or could not be reached).\n");
}

int
invoke_deploy(int argc, char **argv)
{
	enum { O_NAME = 256, O_BOOT, O_FILE, O_ZIP, O_ZIP_ONLY, O_ROLE, O_MEMORY, O_TIMEOUT, O_ARCH,
		O_REGION, O_ENDPOINT, O_HELP };
	static const struct option lo[] = {
		{ "function-name", required_argument, 0, O_NAME },
		{ "bootstrap", required_argument, 0, O_BOOT },
		{ "file", required_argument, 0, O_FILE },
		{ "zip", required_argument, 0, O_ZIP },
		{ "zip-only", no_argument, 0, O_ZIP_ONLY },
		{ "role", required_argument, 0, O_ROLE },
		{ "memory", required_argument, 0, O_MEMORY },
		{ "timeout", required_argument, 0, O_TIMEOUT },
		{ "arch", required_argument, 0, O_ARCH },
		{ "region", required_argument, 0, O_REGION },
		{ "endpoint", required_argument, 0, O_ENDPOINT },
		{ "help", no_argument, 0, O_HELP },
		{ 0, 0, 0, 0 },
	};
	const char *name = NULL, *boot = NULL, *zip = NULL, *role = NULL, *arch = "x86_64";
	const char *region = getenv("AWS_REGION"), *endpoint = NULL;
	long memory = 128, timeout = 3;
	int zip_only = 0, c;
	struct dz_entry *ents = lp_xcalloc((size_t)argc + 1, sizeof *ents);
	size_t nent = 1;
	char err[1024];

	optind = 1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case O_NAME: name = optarg; break;
		case O_BOOT: boot = optarg; break;
		case O_FILE: {
			char *eq = strchr(optarg, '=');
			if (eq == NULL || eq == optarg || eq[1] == '\0')
				lp_usage_error("--file: '%s' is not NAME=PATH", optarg);
			*eq = '\0';
			ents[nent].name = optarg;
			ents[nent].path = eq + 1;
			/* normalized: executable files 0755, others 0644 */
			struct stat fst;
			if (stat(eq + 1, &fst) != 0)
				lp_err(LP_EXIT_USAGE, "--file %s", eq + 1);
			ents[nent].mode = fst.st_mode & 0111 ? 0755 : 0644;
			nent++;
			break;
		}
		case O_ZIP: zip = optarg; break;
		case O_ZIP_ONLY: zip_only = 1; break;
		case O_ROLE: role = optarg; break;
		case O_MEMORY:
			memory = lp_opt_long("--memory", optarg, 128, 10240);
			break;
		case O_TIMEOUT:
			timeout = lp_opt_long("--timeout", optarg, 1, 900);
			break;
		case O_ARCH:
			if (strcmp(optarg, "x86_64") && strcmp(optarg, "arm64"))
				lp_usage_error("--arch: '%s' is not x86_64 or arm64", optarg);
			arch = optarg;
			break;
		case O_REGION: region = optarg; break;
		case O_ENDPOINT: endpoint = optarg; break;
		case O_HELP:
			deploy_usage(stdout);
			free(ents);
			lp_close_stdout();
			return LP_EXIT_OK;
		default:
			lp_usage_error("unknown option");
		}
	}
	if (optind != argc)
		lp_usage_error("deploy takes no operands (got '%s')", argv[optind]);
	if (region == NULL || *region == '\0')
		region = getenv("AWS_DEFAULT_REGION");
	if (region == NULL || *region == '\0')
		region = "us-east-1"; /* as lp-invoke --platform aws */
	if (boot == NULL || zip == NULL || (name == NULL && !zip_only))
		lp_usage_error("deploy needs --bootstrap FILE, --zip OUT.zip and --function-name NAME");
	if (name && !aws_valid_function_name(name))
		lp_usage_error("--function-name: '%s' is not a Lambda function name ([A-Za-z0-9_-]{1,64})", name);
	struct stat st;
	if (stat(boot, &st) != 0)
		lp_err(LP_EXIT_USAGE, "%s", boot);
	if (!S_ISREG(st.st_mode) || access(boot, X_OK) != 0)
		lp_errx(LP_EXIT_USAGE, "%s: not an executable file", boot);
	ents[0].name = "bootstrap";
	ents[0].path = boot;
	ents[0].mode = 0755;
	if (dz_write(zip, ents, nent, err, sizeof err) < 0)
		lp_errx(strstr(err, "duplicate") ? LP_EXIT_USAGE : LP_EXIT_ENV, "%s", err);
	free(ents);
	size_t zl;
	unsigned char *zb = dz_read_file(zip, &zl, err, sizeof err);
	if (zb == NULL)
		lp_errx(LP_EXIT_ENV, "%s", err);
	unsigned char dg[32];
	sha256(zb, zl, dg);
	char *zsha = b64_encode(dg, sizeof dg);
	json_t *rec = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "type", "deploy", "run_id", lp_run_id(),
	    "zip", zip, "zip_bytes", (json_int_t)zl, "zip_sha256", zsha, "arch", arch);
	if (zip_only) {
		free(zb);
		free(zsha);
		json_object_set_new(rec, "action", json_string("zip_only"));
		nd_emit(stdout, rec);
		lp_close_stdout();
		return LP_EXIT_OK;
	}

	struct aws_client cl;
	if (aws_client_init(&cl, region, endpoint, err, sizeof err) < 0)
		lp_errx(strncmp(err, "bad ", 4) == 0 ? LP_EXIT_USAGE : LP_EXIT_ENV, "%s", err);
	double deadline = lp_now_ms() + 600000; /* 10 min for the whole deploy */
	json_t *cfg = NULL, *out = NULL;
	const char *action;
	int rc = LP_EXIT_OK;
	if (aws_get_function_configuration(&cl, name, deadline, &cfg, err, sizeof err) < 0) {
		if (strstr(err, "ResourceNotFoundException") == NULL) {
			rc = LP_EXIT_ENV;
			goto fail;
		}
		if (role == NULL) {
			snprintf(err, sizeof err, "function %s does not exist: give --role ARN (make deploy ROLE=arn:aws:iam::ACCOUNT:role/NAME) to create it", name);
			rc = LP_EXIT_USAGE;
			goto fail;
		}
		char *b = b64_encode(zb, zl);
		json_t *req = json_pack("{s:s, s:s, s:s, s:s, s:{s:s}, s:I, s:I, s:[s], s:s, s:b}",
		    "FunctionName", name, "Runtime", "provided.al2023", "Role", role, "Handler", "bootstrap",
		    "Code", "ZipFile", b, "MemorySize", (json_int_t)memory, "Timeout", (json_int_t)timeout,
		    "Architectures", arch, "PackageType", "Zip", "Publish", 0);
		free(b);
		int cr = aws_create_function(&cl, req, deadline, &out, err, sizeof err);
		json_decref(req);
		json_decref(out);
		if (cr < 0) {
			rc = strstr(err, "HTTP 4") ? LP_EXIT_USAGE : LP_EXIT_ENV;
			goto fail;
		}
		json_object_set_new(rec, "code_updated", json_true());
		action = "created";
	} else {
		/* the same zip and architecture already there: no code update */
		const char *have = json_string_value(json_object_get(cfg, "CodeSha256"));
		const char *harch = json_string_value(json_array_get(json_object_get(cfg, "Architectures"), 0));
		int same = have && strcmp(have, zsha) == 0 && harch && strcmp(harch, arch) == 0;
		json_decref(cfg);
		json_object_set_new(rec, "code_updated", json_boolean(!same));
		if (!same && deploy_put_code(&cl, name, zip, arch, deadline, err, sizeof err) < 0) {
			rc = LP_EXIT_ENV;
			goto fail;
		}
		json_t *req = json_pack("{s:I, s:I, s:s, s:s}", "MemorySize", (json_int_t)memory,
		    "Timeout", (json_int_t)timeout, "Runtime", "provided.al2023", "Handler", "bootstrap");
		if (role)
			json_object_set_new(req, "Role", json_string(role));
		int ur = aws_update_function_configuration(&cl, name, req, deadline, &out, err, sizeof err);
		json_decref(req);
		json_decref(out);
		if (ur < 0) {
			rc = LP_EXIT_ENV;
			goto fail;
		}
		action = "updated";
	}
	int polls = 0;
	if (aws_wait_function_ready(&cl, name, deadline, &cfg, &polls, err, sizeof err) < 0) {
		rc = LP_EXIT_ENV;
		goto fail;
	}
	json_object_set_new(rec, "action", json_string(action));
	json_object_set_new(rec, "function_name", json_string(name));
	const char *arn = json_string_value(json_object_get(cfg, "FunctionArn"));
	json_object_set_new(rec, "function_arn", arn ? json_string(arn) : json_null());
	json_object_set_new(rec, "memory_mb", json_integer(memory));
	json_object_set_new(rec, "timeout_s", json_integer(timeout));
	json_object_set_new(rec, "endpoint", json_string(cl.endpoint));
	json_object_set_new(rec, "region", json_string(cl.region));
	json_object_set_new(rec, "ready_polls", json_integer(polls));
	json_decref(cfg);
	nd_emit(stdout, rec);
	free(zb);
	free(zsha);
	aws_client_free(&cl);
	lp_close_stdout();
	return LP_EXIT_OK;
fail:
	lp_warnx("deploy %s: %s", name, err);
	json_decref(rec);
	free(zb);
	free(zsha);
	aws_client_free(&cl);
	return rc;
}
