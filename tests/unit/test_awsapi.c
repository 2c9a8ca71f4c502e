/* Unit tests for tools/lib/awsapi: where credentials come from, what the
 * messages about them say (never a secret), names, endpoints, backoff. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "awsapi.h"
#include "tap.h"

#define SECRET "unitTestSecretZZ9"
#define KEY "AKIAUNITTESTKEY00000"

static void
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(3);
	}
}

int
main(void)
{
	char dir[] = "/tmp/lp-awsapi-XXXXXX", file[300], err[512];
	struct aws_creds c;
	if (mkdtemp(dir) == NULL)
		return perror("mkdtemp"), 3;
	snprintf(file, sizeof file, "%s/credentials", dir);
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_PROFILE");

	setenv("AWS_ACCESS_KEY_ID", KEY, 1);
	setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
	setenv("AWS_SESSION_TOKEN", "tok", 1);
	ok(aws_creds_load(&c, err, sizeof err) == 0 && strcmp(c.access_key_id, KEY) == 0 &&
	    strcmp(c.secret_access_key, SECRET) == 0 && c.session_token && strcmp(c.session_token, "tok") == 0 &&
	    strcmp(c.source, "environment") == 0, "the environment's key, secret and token are used first");
	aws_creds_free(&c);
	unsetenv("AWS_SESSION_TOKEN");

	unsetenv("AWS_SECRET_ACCESS_KEY");
	ok(aws_creds_load(&c, err, sizeof err) == -1 && strstr(err, "AWS_SECRET_ACCESS_KEY is not") &&
	    !strstr(err, KEY), "a key without a secret is an error that does not print the key");
	unsetenv("AWS_ACCESS_KEY_ID");

	setenv("AWS_SHARED_CREDENTIALS_FILE", file, 1);
	put(file, "# comment\n[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = defsecret\n"
	    "\n[profile lp]\n  aws_access_key_id=" KEY "\naws_secret_access_key = " SECRET "  \naws_session_token = t2\n");
	ok(aws_creds_load(&c, err, sizeof err) == 0 && strcmp(c.access_key_id, "AKIADEFAULT") == 0 &&
	    strcmp(c.secret_access_key, "defsecret") == 0, "without AWS_PROFILE the default profile is read");
	aws_creds_free(&c);
	setenv("AWS_PROFILE", "lp", 1);
	ok(aws_creds_load(&c, err, sizeof err) == 0 && strcmp(c.access_key_id, KEY) == 0 &&
	    strcmp(c.secret_access_key, SECRET) == 0 && c.session_token && strcmp(c.session_token, "t2") == 0,
	    "AWS_PROFILE picks its section; values are trimmed");
	ok(strstr(c.source, "lp") != NULL && strstr(c.source, SECRET) == NULL, "the source names the profile, not a value");
	aws_creds_free(&c);

	setenv("AWS_PROFILE", "nope", 1);
	ok(aws_creds_load(&c, err, sizeof err) == -1 && strstr(err, "profile nope not found"),
	    "a missing profile is named in the error");
	put(file, "[lp]\naws_access_key_id = " KEY "\naws_secret_access_key = " SECRET "\nbroken line\n");
	setenv("AWS_PROFILE", "lp", 1);
	ok(aws_creds_load(&c, err, sizeof err) == -1 && strstr(err, ":4:") && !strstr(err, SECRET) && !strstr(err, KEY),
	    "a malformed line is reported by file and line, without any value (%s)", err);
	put(file, "[lp]\naws_access_key_id = " KEY "\n");
	ok(aws_creds_load(&c, err, sizeof err) == -1 && strstr(err, "lacks aws_secret_access_key") && !strstr(err, KEY),
	    "a profile without a secret says which key is missing");
	unlink(file);
	ok(aws_creds_load(&c, err, sizeof err) == -1 && strstr(err, "no AWS credentials"),
	    "no environment and no file: no credentials");

	ok(aws_valid_function_name("lp-minimal_rust") && !aws_valid_function_name("") &&
	    !aws_valid_function_name("a/b") && !aws_valid_function_name("arn:aws:lambda:x") &&
	    !aws_valid_function_name("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
	    "function names are 1-64 of A-Z a-z 0-9 - _");

	struct aws_client cl;
	setenv("AWS_ACCESS_KEY_ID", KEY, 1);
	setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
	ok(aws_client_init(&cl, "eu-west-1", NULL, err, sizeof err) == 0 &&
	    strcmp(cl.endpoint, "https://lambda.eu-west-1.amazonaws.com") == 0 &&
	    strcmp(cl.sigv4, "aws:amz:eu-west-1:lambda") == 0, "the default endpoint and SigV4 scope follow the region");
	double lo = 1e9, hi = 0;
	for (int i = 0; i < 200; i++) {
		double b = aws_backoff_ms(&cl, 12);
		lo = b < lo ? b : lo;
		hi = b > hi ? b : hi;
	}
	ok(lo >= cl.backoff_cap_ms / 2 && hi <= cl.backoff_cap_ms, "backoff is capped, with jitter in [cap/2, cap]");
	ok(aws_backoff_ms(&cl, 1) <= cl.backoff_base_ms, "the first backoff is at most the base");
	aws_client_free(&cl);
	ok(aws_client_init(&cl, "us-east-1", "http://user:" SECRET "@127.0.0.1:9", err, sizeof err) == -1 &&
	    strstr(err, "user information") && !strstr(err, SECRET), "an endpoint with user:password is refused without echoing it");
	ok(aws_client_init(&cl, "us-east-1", "ftp://127.0.0.1", err, sizeof err) == -1 && strncmp(err, "bad endpoint", 12) == 0,
	    "a non-HTTP endpoint is refused");
	ok(aws_client_init(&cl, "", NULL, err, sizeof err) == -1 && strstr(err, "region"), "no region is refused");
	ok(aws_client_init(&cl, "us-east-1", "http://127.0.0.1:9/", err, sizeof err) == 0 &&
	    strcmp(cl.endpoint, "http://127.0.0.1:9") == 0, "a trailing slash is dropped from the endpoint");
	json_t *out;
	cl.max_attempts = 2;
	ok(aws_get_function_configuration(&cl, "f", 0, &out, err, sizeof err) == -1 && strstr(err, "GET /2015-03-31/functions/f/configuration") &&
	    !strstr(err, SECRET) && !strstr(err, KEY), "a refused connection is an error naming the request, not the key (%s)", err);
	ok(cl.transport_errors == 1 && cl.attempts == 1, "a refused connection is not retried");
	aws_client_free(&cl);
	rmdir(dir);
	return tap_done();
}
