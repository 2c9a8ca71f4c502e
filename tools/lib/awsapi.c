/* awsapi — AWS Lambda REST client (libcurl + CURLOPT_AWS_SIGV4). */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "awsapi.h"
#include "lputil.h"

static void
aws_wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void
aws_creds_free(struct aws_creds *c)
{
	aws_wipe_free(c->access_key_id);
	aws_wipe_free(c->secret_access_key);
	aws_wipe_free(c->session_token);
	c->access_key_id = c->secret_access_key = c->session_token = NULL;
}

static char *
aws_trim(char *s)
{
	char *e;
	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Read [profile] from an INI credentials file.  Messages name the file,
 * the line and the key, never a value. */
static int
aws_creds_from_file(struct aws_creds *c, const char *file, const char *profile,
    char *err, size_t errlen)
{
	FILE *f = fopen(file, "r");
	char line[4096];
	int in = 0, found = 0;
	unsigned long ln = 0;

	if (f == NULL) {
		snprintf(err, errlen, "no AWS credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "
		    "are not set and %s cannot be read (%s)", file, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f)) {
		char *s = aws_trim(line), *eq, *k, *v;
		ln++;
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *e = strchr(s, ']');
			if (e == NULL) {
				snprintf(err, errlen, "%s:%lu: malformed section header", file, ln);
				goto bad;
			}
			*e = '\0';
			s = aws_trim(s + 1);
			if (strncmp(s, "profile ", 8) == 0)
				s = aws_trim(s + 8);
			in = strcmp(s, profile) == 0;
			found |= in;
			continue;
		}
		if (!in)
			continue;
		if ((eq = strchr(s, '=')) == NULL) {
			snprintf(err, errlen, "%s:%lu: expected 'key = value' in profile %s", file, ln, profile);
			goto bad;
		}
		*eq = '\0';
		k = aws_trim(s);
		v = aws_trim(eq + 1);
		char **dst = strcasecmp(k, "aws_access_key_id") == 0 ? &c->access_key_id :
		    strcasecmp(k, "aws_secret_access_key") == 0 ? &c->secret_access_key :
		    strcasecmp(k, "aws_session_token") == 0 ? &c->session_token : NULL;
		if (dst) {
			aws_wipe_free(*dst);
			*dst = lp_xstrdup(v);
		}
		explicit_bzero(line, sizeof line);
	}
	explicit_bzero(line, sizeof line);
	fclose(f);
	if (!found) {
		snprintf(err, errlen, "no AWS credentials: profile %s not found in %s", profile, file);
		aws_creds_free(c);
		return -1;
	}
	if (c->access_key_id == NULL || c->secret_access_key == NULL ||
	    !*c->access_key_id || !*c->secret_access_key) {
		snprintf(err, errlen, "no AWS credentials: profile %s in %s lacks %s", profile, file,
		    c->access_key_id == NULL || !*c->access_key_id ? "aws_access_key_id" :
		    "aws_secret_access_key");
		aws_creds_free(c);
		return -1;
	}
	snprintf(c->source, sizeof c->source, "profile %.40s", profile);
	return 0;
bad:
	explicit_bzero(line, sizeof line);
	fclose(f);
	aws_creds_free(c);
	return -1;
}

int
aws_creds_load(struct aws_creds *c, char *err, size_t errlen)
{
	const char *id = getenv("AWS_ACCESS_KEY_ID"), *sec = getenv("AWS_SECRET_ACCESS_KEY");
	const char *tok = getenv("AWS_SESSION_TOKEN");

	memset(c, 0, sizeof *c);
	if (id && *id && sec && *sec) {
		c->access_key_id = lp_xstrdup(id);
		c->secret_access_key = lp_xstrdup(sec);
		c->session_token = tok && *tok ? lp_xstrdup(tok) : NULL;
		snprintf(c->source, sizeof c->source, "environment");
		return 0;
	}
	if ((id && *id) != (sec && *sec)) {
		snprintf(err, errlen, "no AWS credentials: %s is set but %s is not",
		    id && *id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
		    id && *id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
		return -1;
	}
	const char *profile = getenv("AWS_PROFILE");
	const char *file = getenv("AWS_SHARED_CREDENTIALS_FILE");
	char *path = NULL;
	if (profile == NULL || *profile == '\0')
		profile = "default";
	if (file == NULL || *file == '\0') {
		const char *home = getenv("HOME");
		if (home == NULL || *home == '\0') {
			snprintf(err, errlen, "no AWS credentials: no AWS_ACCESS_KEY_ID and no HOME for ~/.aws/credentials");
			return -1;
		}
		file = path = lp_xasprintf("%s/.aws/credentials", home);
	}
	int rc = aws_creds_from_file(c, file, profile, err, errlen);
	free(path);
	return rc;
}

int
aws_valid_function_name(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '-' && name[i] != '_')
			return 0;
	return 1;
}

int
aws_client_init(struct aws_client *c, const char *region, const char *endpoint,
    char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	if (region == NULL || *region == '\0') {
		snprintf(err, errlen, "no AWS region: set AWS_REGION or pass --region");
		return -1;
	}
	for (const char *p = region; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-') {
			snprintf(err, errlen, "bad AWS region \"%.40s\"", region);
			return -1;
		}
	if (endpoint) {
		const char *auth = strstr(endpoint, "://");
		if (auth == NULL || (strncmp(endpoint, "http://", 7) && strncmp(endpoint, "https://", 8))) {
			snprintf(err, errlen, "bad endpoint \"%.200s\": want http://HOST[:PORT] or https://...", endpoint);
			return -1;
		}
		/* user:password@ would put a secret into URLs and messages */
		const char *slash = strchr(auth + 3, '/');
		const char *at = strchr(auth + 3, '@');
		if (at && (slash == NULL || at < slash)) {
			snprintf(err, errlen, "bad endpoint: user information in the URL is refused");
			return -1;
		}
		c->endpoint = lp_xstrdup(endpoint);
		size_t n = strlen(c->endpoint);
		while (n > 0 && c->endpoint[n - 1] == '/')
			c->endpoint[--n] = '\0';
	} else {
		c->endpoint = lp_xasprintf("https://lambda.%s.amazonaws.com", region);
	}
	c->region = lp_xstrdup(region);
	c->sigv4 = lp_xasprintf("aws:amz:%s:lambda", region);
	c->request_timeout_ms = 930000; /* > Lambda's 900 s maximum function timeout */
	c->max_attempts = 8;
	c->backoff_base_ms = 100;
	c->backoff_cap_ms = 5000;
	if (aws_creds_load(&c->creds, err, errlen) < 0) {
		aws_client_free(c);
		return -1;
	}
	if ((c->curl = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "curl_easy_init failed");
		aws_client_free(c);
		return -1;
	}
	return 0;
}

void
aws_client_free(struct aws_client *c)
{
	if (c->curl)
		curl_easy_cleanup(c->curl);
	aws_creds_free(&c->creds);
	free(c->endpoint);
	free(c->region);
	free(c->sigv4);
	memset(c, 0, sizeof *c);
}

void
aws_response_free(struct aws_response *r)
{
	free(r->body);
	free(r->request_id);
	free(r->function_error);
	free(r->log_result);
	free(r->executed_version);
	free(r->error_type);
	free(r->error_message);
	memset(r, 0, sizeof *r);
	r->retry_after_s = NAN;
}

struct aws_buf {
	char *p;
	size_t n, cap;
};

static size_t
aws_body_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct aws_buf *b = arg;
	size_t n = size * nmemb;
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = lp_xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, ptr, n);
	b->n += n;
	b->p[b->n] = '\0';
	return n;
}

static void
aws_set_header(char **dst, const char *v, size_t n)
{
	free(*dst);
	*dst = lp_xmalloc(n + 1);
	memcpy(*dst, v, n);
	(*dst)[n] = '\0';
}

static size_t
aws_header_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct aws_response *r = arg;
	size_t n = size * nmemb, k;
	const char *colon = memchr(ptr, ':', n), *v;
	size_t vlen;

	if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0) {
		/* a new response (redirect, 100-continue): forget the last headers */
		free(r->request_id), r->request_id = NULL;
		free(r->function_error), r->function_error = NULL;
		free(r->log_result), r->log_result = NULL;
		free(r->executed_version), r->executed_version = NULL;
		free(r->error_type), r->error_type = NULL;
		r->retry_after_s = NAN;
		return n;
	}
	if (colon == NULL)
		return n;
	k = (size_t)(colon - ptr);
	v = colon + 1;
	vlen = n - k - 1;
	while (vlen && (*v == ' ' || *v == '\t'))
		v++, vlen--;
	while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
		vlen--;
#define H(name) (k == sizeof(name) - 1 && strncasecmp(ptr, name, k) == 0)
	if (H("x-amzn-RequestId"))
		aws_set_header(&r->request_id, v, vlen);
	else if (H("X-Amz-Function-Error"))
		aws_set_header(&r->function_error, v, vlen);
	else if (H("X-Amz-Log-Result"))
		aws_set_header(&r->log_result, v, vlen);
	else if (H("X-Amz-Executed-Version"))
		aws_set_header(&r->executed_version, v, vlen);
	else if (H("x-amzn-ErrorType")) {
		/* "ResourceNotFoundException:http://internal.amazon.com/..." */
		const char *c2 = memchr(v, ':', vlen);
		aws_set_header(&r->error_type, v, c2 ? (size_t)(c2 - v) : vlen);
	} else if (H("Retry-After")) {
		char tmp[32];
		size_t m = vlen < sizeof tmp - 1 ? vlen : sizeof tmp - 1;
		memcpy(tmp, v, m);
		tmp[m] = '\0';
		double d;
		if (lp_parse_double(tmp, 0, 3600, &d) == 0)
			r->retry_after_s = d;
	}
#undef H
	return n;
}

/* error type and message from AWS's JSON error shapes */
static void
aws_parse_error_body(struct aws_response *r)
{
	json_error_t je;
	json_t *j;
	const char *t, *m;

	if (r->status < 400 || r->body_len == 0)
		return;
	if ((j = json_loadb(r->body, r->body_len, 0, &je)) == NULL || !json_is_object(j)) {
		json_decref(j);
		return;
	}
	if (r->error_type == NULL) {
		t = json_string_value(json_object_get(j, "__type"));
		if (t == NULL)
			t = json_string_value(json_object_get(j, "code"));
		if (t) {
			const char *hash = strrchr(t, '#'); /* "ns#TypeName" */
			if (hash)
				t = hash + 1;
			const char *c2 = strchr(t, ':');
			aws_set_header(&r->error_type, t, c2 ? (size_t)(c2 - t) : strlen(t));
		}
	}
	m = json_string_value(json_object_get(j, "message"));
	if (m == NULL)
		m = json_string_value(json_object_get(j, "Message"));
	if (m)
		r->error_message = lp_xstrdup(m);
	json_decref(j);
}

const char *
aws_describe(const struct aws_response *r, char *buf, size_t len)
{
	if (r->status == 0)
		snprintf(buf, len, "no answer");
	else
		snprintf(buf, len, "HTTP %ld %s%s%.300s", r->status,
		    r->error_type ? r->error_type : "(no error type)",
		    r->error_message ? ": " : "", r->error_message ? r->error_message : "");
	return buf;
}

double
aws_backoff_ms(const struct aws_client *c, int n)
{
	double cap = c->backoff_base_ms * pow(2, n - 1);
	if (cap > c->backoff_cap_ms)
		cap = c->backoff_cap_ms;
	/* full jitter, but never less than half: a retry storm helps nobody */
	return cap / 2 + (double)random() / RAND_MAX * cap / 2;
}

void
aws_backoff_wait(double ms)
{
	double until = lp_now_ms() + ms;
	for (;;) {
		double left = until - lp_now_ms();
		if (left <= 0)
			return;
		/* poll with no fds: a timed wait that EINTR cannot cut short */
		(void)poll(NULL, 0, left > 1 ? (int)left : 1);
	}
}

static int
aws_retryable_status(long st)
{
	return st == 429 || st >= 500;
}

int
aws_request(struct aws_client *c, const char *method, const char *path,
    const char *const *headers, const void *body, size_t len, double deadline_ms,
    struct aws_response *r, char *err, size_t errlen)
{
	CURL *h = c->curl;
	char *url = lp_xasprintf("%s%s", c->endpoint, path);
	char cerr[CURL_ERROR_SIZE];
	int rc = -1;

	int throttled = 0, server_errors = 0, attempts = 0;

	memset(r, 0, sizeof *r);
	r->retry_after_s = NAN;
	for (int attempt = 1;; attempt++) {
		struct curl_slist *hl = NULL;
		struct aws_buf b = { NULL, 0, 0 };
		CURLcode cc;
		char tokhdr[4096];

		aws_response_free(r);
		curl_easy_reset(h);
		cerr[0] = '\0';
		curl_easy_setopt(h, CURLOPT_VERBOSE, 0L); /* never: it would print headers */
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->request_timeout_ms);
		curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(h, CURLOPT_AWS_SIGV4, c->sigv4);
		curl_easy_setopt(h, CURLOPT_USERNAME, c->creds.access_key_id);
		curl_easy_setopt(h, CURLOPT_PASSWORD, c->creds.secret_access_key);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, aws_body_cb);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
		curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, aws_header_cb);
		curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
		curl_easy_setopt(h, CURLOPT_USERAGENT, "lp-invoke/1 (libcurl)");
		if (strcmp(method, "GET") != 0) {
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
		}
		for (const char *const *p = headers; p && *p; p++)
			hl = curl_slist_append(hl, *p);
		if (body == NULL || strcmp(method, "GET") == 0)
			hl = curl_slist_append(hl, "Content-Type:");
		hl = curl_slist_append(hl, "Expect:");
		if (c->creds.session_token) {
			snprintf(tokhdr, sizeof tokhdr, "X-Amz-Security-Token: %s", c->creds.session_token);
			hl = curl_slist_append(hl, tokhdr);
			explicit_bzero(tokhdr, sizeof tokhdr);
		}
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
		c->attempts++;
		attempts = attempt;
		cc = curl_easy_perform(h);
		/* curl copied the list; wipe the token copy we made */
		for (struct curl_slist *s = hl; s; s = s->next)
			if (strncmp(s->data, "X-Amz-Security-Token:", 21) == 0)
				explicit_bzero(s->data, strlen(s->data));
		curl_slist_free_all(hl);
		r->body = b.p ? b.p : lp_xstrdup("");
		r->body_len = b.n;
		int retry;
		if (cc != CURLE_OK) {
			r->status = 0;
			c->transport_errors++;
			snprintf(err, errlen, "%s %s: %s", method, path, cerr[0] ? cerr : curl_easy_strerror(cc));
			/* a refused connection will stay refused; timeouts and resets may pass */
			retry = cc != CURLE_COULDNT_CONNECT && cc != CURLE_COULDNT_RESOLVE_HOST &&
			    cc != CURLE_UNSUPPORTED_PROTOCOL && cc != CURLE_URL_MALFORMAT;
		} else {
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
			aws_parse_error_body(r);
			retry = aws_retryable_status(r->status);
			if (r->status == 429) {
				c->throttled++;
				throttled++;
			} else if (r->status >= 500) {
				c->server_errors++;
				server_errors++;
			}
			if (!retry) {
				rc = 0;
				break;
			}
			char d[512];
			snprintf(err, errlen, "%s %s: %s", method, path, aws_describe(r, d, sizeof d));
		}
		if (!retry)
			break;
		if (attempt >= c->max_attempts) {
			size_t l = strlen(err);
			snprintf(err + l, errlen - l, " (gave up after %d attempts)", attempt);
			break;
		}
		double wait = aws_backoff_ms(c, attempt);
		if (!isnan(r->retry_after_s) && r->retry_after_s * 1000 > wait)
			wait = r->retry_after_s * 1000;
		if (deadline_ms > 0 && lp_now_ms() + wait > deadline_ms) {
			size_t l = strlen(err);
			snprintf(err + l, errlen - l, " (deadline reached after %d attempts)", attempt);
			break;
		}
		aws_backoff_wait(wait);
	}
	/* each attempt starts a fresh response: the tallies are the request's */
	r->attempts = attempts;
	r->throttled = throttled;
	r->server_errors = server_errors;
	free(url);
	return rc;
}

/* A JSON answer with a 2xx status, else -1 with the described error. */
static int
aws_json_call(struct aws_client *c, const char *method, const char *path,
    json_t *body, double deadline_ms, json_t **out, char *err, size_t errlen)
{
	struct aws_response r;
	const char *hdr[] = { "Content-Type: application/json", NULL };
	char *txt = body ? json_dumps(body, JSON_COMPACT) : NULL;
	int rc;

	*out = NULL;
	rc = aws_request(c, method, path, body ? hdr : NULL, txt, txt ? strlen(txt) : 0,
	    deadline_ms, &r, err, errlen);
	if (txt) {
		explicit_bzero(txt, strlen(txt)); /* may hold an environment's values */
		free(txt);
	}
	if (rc < 0) {
		aws_response_free(&r);
		return -1;
	}
	if (r.status < 200 || r.status > 299) {
		char d[512];
		snprintf(err, errlen, "%s %s: %s", method, path, aws_describe(&r, d, sizeof d));
		aws_response_free(&r);
		return -1;
	}
	json_error_t je;
	if ((*out = json_loadb(r.body, r.body_len, 0, &je)) == NULL || !json_is_object(*out)) {
		snprintf(err, errlen, "%s %s: HTTP %ld with a body that is not a JSON object (%s)",
		    method, path, r.status, je.text);
		json_decref(*out);
		*out = NULL;
		aws_response_free(&r);
		return -1;
	}
	aws_response_free(&r);
	return 0;
}

static char *
aws_fn_path(const char *name, const char *suffix)
{
	return lp_xasprintf("/2015-03-31/functions/%s%s", name, suffix);
}

#define AWS_CHECK_NAME(name) do { \
	if (!aws_valid_function_name(name)) { \
		snprintf(err, errlen, "bad function name \"%.70s\": want 1-64 of A-Z a-z 0-9 - _", name); \
		return -1; \
	} \
} while (0)

int
aws_get_function_configuration(struct aws_client *c, const char *name,
    double deadline_ms, json_t **out, char *err, size_t errlen)
{
	AWS_CHECK_NAME(name);
	char *p = aws_fn_path(name, "/configuration");
	int rc = aws_json_call(c, "GET", p, NULL, deadline_ms, out, err, errlen);
	free(p);
	return rc;
}

int
aws_update_function_configuration(struct aws_client *c, const char *name,
    json_t *changes, double deadline_ms, json_t **out, char *err, size_t errlen)
{
	AWS_CHECK_NAME(name);
	char *p = aws_fn_path(name, "/configuration");
	int rc = aws_json_call(c, "PUT", p, changes, deadline_ms, out, err, errlen);
	free(p);
	return rc;
}

int
aws_create_function(struct aws_client *c, json_t *request,
    double deadline_ms, json_t **out, char *err, size_t errlen)
{
	const char *name = json_string_value(json_object_get(request, "FunctionName"));
	AWS_CHECK_NAME(name ? name : "");
	return aws_json_call(c, "POST", "/2015-03-31/functions", request, deadline_ms, out, err, errlen);
}

int
aws_update_function_code(struct aws_client *c, const char *name,
    json_t *request, double deadline_ms, json_t **out, char *err, size_t errlen)
{
	AWS_CHECK_NAME(name);
	char *p = aws_fn_path(name, "/code");
	int rc = aws_json_call(c, "PUT", p, request, deadline_ms, out, err, errlen);
	free(p);
	return rc;
}

int
aws_wait_function_ready(struct aws_client *c, const char *name,
    double deadline_ms, json_t **out, int *polls, char *err, size_t errlen)
{
	int n = 0;
	double interval = 20; /* fine at first: an update can be done in ms */

	*out = NULL;
	for (;;) {
		json_t *cfg;
		n++;
		if (polls)
			*polls = n;
		if (aws_get_function_configuration(c, name, deadline_ms, &cfg, err, errlen) < 0)
			return -1;
		const char *st = json_string_value(json_object_get(cfg, "State"));
		const char *lus = json_string_value(json_object_get(cfg, "LastUpdateStatus"));
		if ((st && strcmp(st, "Failed") == 0) || (lus && strcmp(lus, "Failed") == 0)) {
			const char *why = json_string_value(json_object_get(cfg,
			    lus && strcmp(lus, "Failed") == 0 ? "LastUpdateStatusReason" : "StateReason"));
			snprintf(err, errlen, "function %s: %s Failed: %.300s", name,
			    lus && strcmp(lus, "Failed") == 0 ? "LastUpdateStatus" : "State",
			    why ? why : "(no reason given)");
			json_decref(cfg);
			return -1;
		}
		/* LastUpdateStatus is absent on a function never updated */
		if ((st == NULL || strcmp(st, "Active") == 0) &&
		    (lus == NULL || strcmp(lus, "Successful") == 0)) {
			*out = cfg;
			return 0;
		}
		json_decref(cfg);
		if (deadline_ms > 0 && lp_now_ms() + interval > deadline_ms) {
			snprintf(err, errlen, "function %s: still State %s, LastUpdateStatus %s after %d polls "
			    "(deadline reached)", name, st ? st : "?", lus ? lus : "?", n);
			return -1;
		}
		aws_backoff_wait(interval);
		interval = interval * 1.5 > 2000 ? 2000 : interval * 1.5;
	}
}
