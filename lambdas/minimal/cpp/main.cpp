// minimal bootstrap in C++ (baseline for `make compare`): a Runtime API
// client over libcurl (one easy handle, so one keep-alive connection), with
// the same fixed response as lambdas/minimal/rust and c.
#include <curl/curl.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

const char kResponse[] =
    R"({"statusCode":200,"headers":{"content-type":"application/json"},"body":"{\"ok\":true}"})";

[[noreturn]] void fatal(const std::string &msg)
{
	std::fprintf(stderr, "minimal-cpp: %s\n", msg.c_str());
	std::exit(3);
}

size_t on_body(char *p, size_t size, size_t n, void *user)
{
	static_cast<std::string *>(user)->append(p, size * n);
	return size * n;
}

size_t on_header(char *p, size_t size, size_t n, void *user)
{
	std::string line(p, size * n);
	const std::string key = "lambda-runtime-aws-request-id:";
	if (line.size() > key.size()) {
		std::string head = line.substr(0, key.size());
		for (char &c : head)
			c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
		if (head == key) {
			std::string v = line.substr(key.size());
			size_t b = v.find_first_not_of(" \t"), e = v.find_last_not_of(" \t\r\n");
			*static_cast<std::string *>(user) = b == std::string::npos ? "" : v.substr(b, e - b + 1);
		}
	}
	return size * n;
}

} // namespace

int main()
{
	const char *api = std::getenv("AWS_LAMBDA_RUNTIME_API");
	if (!api || !*api)
		fatal("AWS_LAMBDA_RUNTIME_API is not set");
	if (curl_global_init(CURL_GLOBAL_NOTHING) != CURLE_OK)
		fatal("curl_global_init failed");
	CURL *h = curl_easy_init();
	if (!h)
		fatal("curl_easy_init failed");
	const std::string base = std::string("http://") + api + "/2018-06-01/runtime/invocation/";
	struct curl_slist *hdrs = curl_slist_append(nullptr, "Content-Type: application/json");
	std::string event, id;
	for (;;) {
		event.clear();
		id.clear();
		curl_easy_reset(h);
		curl_easy_setopt(h, CURLOPT_URL, (base + "next").c_str());
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &event);
		curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(h, CURLOPT_HEADERDATA, &id);
		curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
		CURLcode rc = curl_easy_perform(h);
		long status = 0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (rc != CURLE_OK)
			fatal(std::string("GET next: ") + curl_easy_strerror(rc));
		if (status != 200)
			fatal("GET next: HTTP " + std::to_string(status));
		if (id.empty() || id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != std::string::npos)
			fatal("missing or bad Lambda-Runtime-Aws-Request-Id");

		std::string sink;
		curl_easy_reset(h);
		curl_easy_setopt(h, CURLOPT_URL, (base + id + "/response").c_str());
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, kResponse);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(sizeof kResponse - 1));
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
		curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
		rc = curl_easy_perform(h);
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (rc != CURLE_OK)
			fatal(std::string("POST response: ") + curl_easy_strerror(rc));
		if (status != 202)
			fatal("POST response: HTTP " + std::to_string(status));
	}
}
