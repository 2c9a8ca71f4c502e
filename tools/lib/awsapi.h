/* awsapi — a small AWS Lambda REST client on libcurl.  Prefix: aws_.
 *
 * Requests are signed by libcurl itself (CURLOPT_AWS_SIGV4 with
 * "aws:amz:REGION:lambda"); credentials come from AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else from the profile
 * AWS_PROFILE (default "default") of AWS_SHARED_CREDENTIALS_FILE or
 * ~/.aws/credentials.  Credentials never appear in any message this file
 * makes, and curl's verbose output is never turned on.
 *
 * Throttling (429) and server errors (5xx), and transport failures (reset,
 * timeout) are retried with exponential backoff and jitter (honouring
 * Retry-After) up to max_attempts and the client's deadline; every retry
 * is counted in the client.  Errors are AWS's JSON shape parsed into
 * error_type + error_message. */
#ifndef AWSAPI_H
#define AWSAPI_H

#include <jansson.h>
#include <stddef.h>

struct aws_creds {
	char *access_key_id;
	char *secret_access_key;
	char *session_token;          /* NULL when none */
	char source[96];              /* "environment" or "profile NAME in FILE" */
};

/* 0 ok, -1 with err (never containing a secret). */
int aws_creds_load(struct aws_creds *c, char *err, size_t errlen);
/* Wipe and free. */
void aws_creds_free(struct aws_creds *c);

struct aws_client {
	void *curl;                   /* CURL * */
	char *endpoint;               /* "https://lambda.REGION.amazonaws.com", no trailing / */
	char *region;
	char *sigv4;                  /* "aws:amz:REGION:lambda" */
	struct aws_creds creds;
	long request_timeout_ms;      /* per attempt */
	int max_attempts;             /* per request, >= 1 */
	double backoff_base_ms, backoff_cap_ms;
	/* counters over the client's life */
	unsigned long attempts, throttled, server_errors, transport_errors;
};

struct aws_response {
	long status;                  /* HTTP status, 0 when no answer */
	char *body;                   /* NUL-terminated, may be "" */
	size_t body_len;
	char *request_id;             /* x-amzn-RequestId */
	char *function_error;         /* X-Amz-Function-Error */
	char *log_result;             /* X-Amz-Log-Result (base64) */
	char *executed_version;       /* X-Amz-Executed-Version */
	char *error_type;             /* x-amzn-ErrorType or body __type/code (short form) */
	char *error_message;          /* body message/Message */
	double retry_after_s;         /* Retry-After, NAN when absent */
	int attempts;                 /* attempts this request took */
	int throttled;                /* 429 answers seen for this request */
	int server_errors;            /* 5xx answers seen for this request */
};

/* endpoint NULL: https://lambda.REGION.amazonaws.com.  Loads credentials.
 * 0 ok, -1 with err (bad endpoint, no credentials, curl init). */
int aws_client_init(struct aws_client *c, const char *region, const char *endpoint,
    char *err, size_t errlen);
void aws_client_free(struct aws_client *c);

/* One request with retries.  headers: NULL-terminated "Name: value".
 * 0: an HTTP answer is in r (any status; the caller judges it);
 * -1: no usable answer (transport error after retries, or a retryable
 * status still failing when attempts or the deadline ran out) with err and
 * whatever r holds of the last attempt.  deadline_ms: CLOCK_MONOTONIC ms
 * (lp_now_ms) after which no new attempt starts, 0 for none. */
int aws_request(struct aws_client *c, const char *method, const char *path,
    const char *const *headers, const void *body, size_t len, double deadline_ms,
    struct aws_response *r, char *err, size_t errlen);
void aws_response_free(struct aws_response *r);

/* "STATUS ErrorType: message" of a failed answer, into buf. */
const char *aws_describe(const struct aws_response *r, char *buf, size_t len);

/* 1 when name is a plain Lambda function name ([A-Za-z0-9_-]{1,64}). */
int aws_valid_function_name(const char *name);

/* Lambda control-plane calls (2015-03-31).  Each returns 0 with the
 * parsed JSON answer in *out (caller decrefs) or -1 with err; err of a
 * failed answer is aws_describe's text. */
int aws_get_function_configuration(struct aws_client *c, const char *name,
    double deadline_ms, json_t **out, char *err, size_t errlen);
int aws_update_function_configuration(struct aws_client *c, const char *name,
    json_t *changes, double deadline_ms, json_t **out, char *err, size_t errlen);
int aws_create_function(struct aws_client *c, json_t *request,
    double deadline_ms, json_t **out, char *err, size_t errlen);
int aws_update_function_code(struct aws_client *c, const char *name,
    json_t *request, double deadline_ms, json_t **out, char *err, size_t errlen);
/* Poll GetFunctionConfiguration with backoff until State is Active and
 * LastUpdateStatus is Successful; Failed or the deadline -> -1.  *polls
 * (may be NULL) gets the number of polls made. */
int aws_wait_function_ready(struct aws_client *c, const char *name,
    double deadline_ms, json_t **out, int *polls, char *err, size_t errlen);

/* Wait ms (a retry backoff or a poll interval; never a stand-in for a
 * measurement). */
void aws_backoff_wait(double ms);
/* Exponential backoff with full jitter for attempt n (1-based). */
double aws_backoff_ms(const struct aws_client *c, int n);

#endif
