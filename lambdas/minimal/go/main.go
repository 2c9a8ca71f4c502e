// minimal bootstrap in Go (baseline for `make compare`): a Runtime API
// client over the standard library's net/http (keep-alive client), with
// the same fixed response as lambdas/minimal/rust and c.
package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
)

const response = `{"statusCode":200,"headers":{"content-type":"application/json"},"body":"{\"ok\":true}"}`

func fatal(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "minimal-go: "+format+"\n", a...)
	os.Exit(3)
}

func main() {
	api := os.Getenv("AWS_LAMBDA_RUNTIME_API")
	if api == "" {
		fatal("AWS_LAMBDA_RUNTIME_API is not set")
	}
	base := "http://" + api + "/2018-06-01/runtime/invocation/"
	client := &http.Client{} // no timeout: /next blocks until an event comes
	body := []byte(response)
	for {
		resp, err := client.Get(base + "next")
		if err != nil {
			fatal("GET next: %v", err)
		}
		// Drain the event so the connection is reused.
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			fatal("reading event: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			fatal("GET next: HTTP %d", resp.StatusCode)
		}
		id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
		if id == "" {
			fatal("no Lambda-Runtime-Aws-Request-Id")
		}
		if tr := resp.Header.Get("Lambda-Runtime-Trace-Id"); tr != "" {
			os.Setenv("_X_AMZN_TRACE_ID", tr)
		} else {
			os.Unsetenv("_X_AMZN_TRACE_ID")
		}
		post, err := client.Post(base+id+"/response", "application/json", bytes.NewReader(body))
		if err != nil {
			fatal("POST response: %v", err)
		}
		io.Copy(io.Discard, post.Body)
		post.Body.Close()
		if post.StatusCode != http.StatusAccepted {
			fatal("POST response: HTTP %d", post.StatusCode)
		}
	}
}
