#!/usr/bin/env bats
# The Lambda API path: `lp-invoke serve` (a local Lambda control plane)
# driven by the real AWS CLI (Debian's awscli) and by lp-invoke's own
# libcurl SigV4 client (--platform aws, deploy).  Everything runs on
# 127.0.0.1; every wait has a deadline.
load helpers

AWS_CLI=${LP_AWS_CLI:-/usr/bin/aws}
# recognizable fake credentials (the leak test greps for them)
TEST_KEY=AKIALPTESTKEY7EXAMPLE
TEST_SECRET=lpTestSecret/K7MDENG+bPxRfiCYzz9SECRETzz

setup() {
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	export AWS_ACCESS_KEY_ID=$TEST_KEY AWS_SECRET_ACCESS_KEY=$TEST_SECRET
	unset AWS_SESSION_TOKEN AWS_PROFILE AWS_SHARED_CREDENTIALS_FILE
	export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" AWS_CONFIG_FILE=/dev/null
	export AWS_MAX_ATTEMPTS=1 AWS_EC2_METADATA_DISABLED=true
	TR="$BATS_TEST_TMPDIR/taskroot"
	mkdir -p "$TR"
	cp "$LP_TEST_BIN/rt" "$TR/bootstrap"
	[ -x "$AWS_CLI" ] || { echo "the AWS CLI is missing: $AWS_CLI (make deps installs awscli)" >&2; return 1; }
	SERVE_PID=
}

teardown() {
	if [ -n "${SERVE_PID:-}" ]; then
		kill "$SERVE_PID" 2>/dev/null || true
		wait "$SERVE_PID" 2>/dev/null || true
	fi
}

# serve_start [ARGS...]: lp-invoke serve in the background; sets URL, SV.
serve_start() {
	SV="$BATS_TEST_TMPDIR/serve"
	mkdir -p "$SV"
	rm -f "$SV/port"
	lp-invoke serve --port 0 --port-file "$SV/port" --workdir "$SV/work" "$@" \
		>"$SV/out" 2>"$SV/err" 3>&- &
	SERVE_PID=$!
	local deadline=$((SECONDS + 20))
	while [ ! -s "$SV/port" ]; do
		if ! kill -0 "$SERVE_PID" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
			echo "serve did not start:" >&2; cat "$SV/err" >&2; return 1
		fi
		sleep 0.05
	done
	URL="http://127.0.0.1:$(cat "$SV/port")"
}

# serve_stop: SIGTERM, and the server must exit 0 (ASan leaks fail it).
serve_stop() {
	kill "$SERVE_PID"
	local rc=0
	wait "$SERVE_PID" || rc=$?
	SERVE_PID=
	[ "$rc" -eq 0 ] || { echo "serve exited $rc" >&2; cat "$SV/err" >&2; return 1; }
}

# wait_invocations N: until serve has written N invocation records (20 s).
wait_invocations() {
	local deadline=$((SECONDS + 20))
	until [ "$(grep -c '"type":"invocation"' "$SV/out")" -ge "$1" ]; do
		[ $SECONDS -lt $deadline ] || { echo "fewer than $1 invocation records" >&2; return 1; }
		sleep 0.05
	done
}

awscli() {
	timeout 60 "$AWS_CLI" --endpoint-url "$URL" --no-cli-pager --cli-read-timeout 30 \
		--cli-connect-timeout 5 --region us-east-1 "$@"
}

# the decoded log tail of an `aws lambda invoke --log-type Tail` answer
log_tail() { jq -r .LogResult "$1" | base64 -d; }

@test "aws lambda invoke --log-type Tail gets the payload and Lambda's START/END/REPORT lines, Init Duration on the cold call only" {
	serve_start --function echo="$TR"
	run awscli lambda invoke --function-name echo --cli-binary-format raw-in-base64-out \
		--payload '{"n":1}' --log-type Tail "$BATS_TEST_TMPDIR/r1.json"
	assert_status 0
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/a1.json"
	assert_jq '.[0].StatusCode == 200 and .[0].ExecutedVersion == "$LATEST"'
	run jq -c . "$BATS_TEST_TMPDIR/r1.json"
	[ "$output" = '{"echo":{"n":1}}' ]
	log_tail "$BATS_TEST_TMPDIR/a1.json" >"$BATS_TEST_TMPDIR/log1"
	# Lambda's exact shapes and order
	grep -Eq '^START RequestId: [0-9a-f-]{36} Version: \$LATEST$' "$BATS_TEST_TMPDIR/log1"
	grep -Eq '^END RequestId: [0-9a-f-]{36}$' "$BATS_TEST_TMPDIR/log1"
	grep -Pq '^REPORT RequestId: [0-9a-f-]{36}\tDuration: [0-9]+\.[0-9]{2} ms\tBilled Duration: [0-9]+ ms\tMemory Size: 128 MB\tMax Memory Used: [0-9]+ MB\tInit Duration: [0-9]+\.[0-9]{2} ms\t$' "$BATS_TEST_TMPDIR/log1"
	[ "$(grep -oE '^(START|END|REPORT)' "$BATS_TEST_TMPDIR/log1" | tr '\n' ' ')" = "START END REPORT " ]
	head -1 "$BATS_TEST_TMPDIR/log1" | grep -q '^START '
	tail -1 "$BATS_TEST_TMPDIR/log1" | grep -q '^REPORT '
	run awscli lambda invoke --function-name echo --log-type Tail "$BATS_TEST_TMPDIR/r2.json"
	assert_status 0
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/a2.json"
	log_tail "$BATS_TEST_TMPDIR/a2.json" >"$BATS_TEST_TMPDIR/log2"
	grep -q '^REPORT RequestId: ' "$BATS_TEST_TMPDIR/log2"
	! grep -q 'Init Duration' "$BATS_TEST_TMPDIR/log2"
	serve_stop
	# serve's own records: two invocations in one environment, cold then warm
	assert_jq '[.[] | select(.type == "invocation")] | length == 2 and .[0].start == "cold" and .[1].start == "warm" and .[0].env_id == .[1].env_id and all(.[]; .platform == "local")' "$SV/out"
}

@test "the Tail log is at most the last 4 KB of the invocation's log" {
	serve_start --function echo="$TR"
	# report mode prints the environment and headers: more than 4 KB with
	# big variables (Lambda allows 4 KB of them in all)
	big=$(head -c 1300 /dev/zero | tr '\0' x)
	run awscli lambda update-function-configuration --function-name echo \
		--environment "Variables={LP_RT_MODE=report,B1=$big,B2=$big,B3=$big}"
	assert_status 0
	run awscli lambda wait function-updated --function-name echo
	assert_status 0
	run awscli lambda invoke --function-name echo --log-type Tail "$BATS_TEST_TMPDIR/r.json"
	assert_status 0
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/a.json"
	n=$(log_tail "$BATS_TEST_TMPDIR/a.json" | wc -c)
	[ "$n" -le 4096 ] && [ "$n" -gt 3000 ]
	log_tail "$BATS_TEST_TMPDIR/a.json" | tail -1 | grep -q '^REPORT '
	serve_stop
}

@test "aws lambda get-function-configuration describes the function as Lambda does" {
	serve_start --function echo="$TR"
	run awscli lambda get-function-configuration --function-name echo
	assert_status 0
	assert_jq '.[0] | .FunctionName == "echo" and .Runtime == "provided.al2023" and .MemorySize == 128 and .Timeout == 3 and .State == "Active" and .LastUpdateStatus == "Successful" and .Architectures == ["x86_64"] and (.FunctionArn | test("^arn:aws:lambda:us-east-1:[0-9]{12}:function:echo$")) and .PackageType == "Zip"'
	serve_stop
}

@test "update-function-configuration changes variables and memory, retires warm environments, and the next invoke is cold and sees them" {
	serve_start --function echo="$TR"
	run awscli lambda invoke --function-name echo "$BATS_TEST_TMPDIR/r0.json"
	assert_status 0
	run awscli lambda update-function-configuration --function-name echo \
		--environment 'Variables={LP_RT_MODE=report,LP_MARK=hello-update}' --memory-size 256
	assert_status 0
	assert_jq '.[0] | .MemorySize == 256 and .Environment.Variables.LP_MARK == "hello-update" and (.LastUpdateStatus == "InProgress" or .LastUpdateStatus == "Successful")'
	run awscli lambda wait function-updated --function-name echo
	assert_status 0
	run awscli lambda get-function-configuration --function-name echo
	assert_jq '.[0].LastUpdateStatus == "Successful" and .[0].MemorySize == 256'
	run awscli lambda invoke --function-name echo --log-type Tail "$BATS_TEST_TMPDIR/r1.json"
	assert_status 0
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/a1.json"
	log_tail "$BATS_TEST_TMPDIR/a1.json" >"$BATS_TEST_TMPDIR/log"
	grep -q '^ENV LP_MARK=hello-update$' "$BATS_TEST_TMPDIR/log"
	grep -q '^ENV AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256$' "$BATS_TEST_TMPDIR/log"
	grep -P 'Memory Size: 256 MB\t.*Init Duration: ' "$BATS_TEST_TMPDIR/log"
	serve_stop
	assert_jq '[.[] | select(.type == "invocation")] | length == 2 and .[1].start == "cold" and .[1].env_id != .[0].env_id' "$SV/out"
}

@test "update-function-configuration rejects an out-of-range memory size with a ValidationException" {
	serve_start --function echo="$TR"
	# the CLI itself refuses 100 MB; the server must too (curl signs the request)
	run awscli lambda update-function-configuration --function-name echo --memory-size 100
	[ "$status" -ne 0 ]
	run curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' --max-time 10 -X PUT \
		-H 'Content-Type: application/json' --data '{"MemorySize":100}' \
		--aws-sigv4 "aws:amz:us-east-1:lambda" --user "$TEST_KEY:$TEST_SECRET" "$URL/2015-03-31/functions/echo/configuration"
	[ "$output" = 400 ]
	grep -qi '^x-amzn-ErrorType: ValidationException' "$BATS_TEST_TMPDIR/h"
	jq -e '.message | test("memorySize")' "$BATS_TEST_TMPDIR/b"
	run awscli lambda get-function-configuration --function-name echo
	assert_jq '.[0].MemorySize == 128 and .[0].LastUpdateStatus == "Successful"'
	# Lambda's 4 KB limit on variables
	big=$(head -c 5000 /dev/zero | tr '\0' x)
	run awscli lambda update-function-configuration --function-name echo --environment "Variables={BIG=$big}"
	[ "$status" -ne 0 ]
	assert_contains "4KB limit"
	serve_stop
}

@test "create-function from a zip, invoke it, and a second create is a ResourceConflictException" {
	serve_start
	run lp-invoke deploy --zip-only --bootstrap "$TR/bootstrap" --zip "$BATS_TEST_TMPDIR/f.zip"
	assert_status 0
	run awscli lambda create-function --function-name made --runtime provided.al2023 \
		--role arn:aws:iam::123456789012:role/lp-test --handler bootstrap \
		--zip-file "fileb://$BATS_TEST_TMPDIR/f.zip" --architectures x86_64 --memory-size 512
	assert_status 0
	assert_jq '.[0] | .FunctionName == "made" and .MemorySize == 512 and .Role == "arn:aws:iam::123456789012:role/lp-test" and .CodeSize > 0'
	run awscli lambda invoke --function-name made --cli-binary-format raw-in-base64-out --payload '{"x":2}' "$BATS_TEST_TMPDIR/r.json"
	assert_status 0
	[ "$(jq -c . "$BATS_TEST_TMPDIR/r.json")" = '{"echo":{"x":2}}' ]
	run awscli lambda create-function --function-name made --runtime provided.al2023 \
		--role arn:aws:iam::123456789012:role/lp-test --handler bootstrap \
		--zip-file "fileb://$BATS_TEST_TMPDIR/f.zip"
	[ "$status" -ne 0 ]
	assert_contains "ResourceConflictException"
	# a zip without a bootstrap is refused with a reason
	(cd "$BATS_TEST_TMPDIR" && echo hi >readme.txt && python3 -c 'import zipfile; z=zipfile.ZipFile("nob.zip","w"); z.write("readme.txt"); z.close()')
	run awscli lambda create-function --function-name nob --runtime provided.al2023 \
		--role arn:aws:iam::123456789012:role/lp-test --handler bootstrap --zip-file "fileb://$BATS_TEST_TMPDIR/nob.zip"
	[ "$status" -ne 0 ]
	assert_contains "InvalidParameterValueException"
	assert_contains "bootstrap"
	serve_stop
}

@test "update-function-code replaces the code and the next invoke runs the new bootstrap cold" {
	serve_start --function echo="$TR"
	run awscli lambda invoke --function-name echo "$BATS_TEST_TMPDIR/r0.json"
	assert_status 0
	# the new code: a script bootstrap that runs rt in report mode
	mkdir -p "$BATS_TEST_TMPDIR/new"
	cp "$LP_TEST_BIN/rt" "$BATS_TEST_TMPDIR/new/rt"
	printf '#!/bin/sh\nLP_RT_MODE=report exec "$LAMBDA_TASK_ROOT/rt"\n' >"$BATS_TEST_TMPDIR/new/bootstrap"
	chmod 755 "$BATS_TEST_TMPDIR/new/bootstrap"
	run lp-invoke deploy --zip-only --bootstrap "$BATS_TEST_TMPDIR/new/bootstrap" --file rt="$BATS_TEST_TMPDIR/new/rt" --zip "$BATS_TEST_TMPDIR/new.zip"
	assert_status 0
	run awscli lambda update-function-code --function-name echo --zip-file "fileb://$BATS_TEST_TMPDIR/new.zip"
	assert_status 0
	run awscli lambda wait function-updated --function-name echo
	assert_status 0
	run awscli lambda invoke --function-name echo --log-type Tail "$BATS_TEST_TMPDIR/r1.json"
	assert_status 0
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/a1.json"
	log_tail "$BATS_TEST_TMPDIR/a1.json" | grep -q '^HDR Lambda-Runtime-Aws-Request-Id: '
	log_tail "$BATS_TEST_TMPDIR/a1.json" | grep -q 'Init Duration: '
	serve_stop
}

@test "a missing function is a ResourceNotFoundException in AWS's error shape" {
	serve_start --function echo="$TR"
	run awscli lambda invoke --function-name nope "$BATS_TEST_TMPDIR/r.json"
	[ "$status" -ne 0 ]
	assert_contains "ResourceNotFoundException"
	assert_contains "Function not found: arn:aws:lambda:us-east-1:"
	run awscli lambda get-function-configuration --function-name nope
	[ "$status" -ne 0 ]
	assert_contains "ResourceNotFoundException"
	serve_stop
}

@test "a function error answers 200 with X-Amz-Function-Error Unhandled and the runtime's error payload" {
	serve_start --function echo="$TR"
	run awscli lambda update-function-configuration --function-name echo --environment 'Variables={LP_RT_MODE=error}'
	assert_status 0
	run awscli lambda wait function-updated --function-name echo
	run awscli lambda invoke --function-name echo --log-type Tail "$BATS_TEST_TMPDIR/r.json"
	assert_status 0
	assert_jq '.[0].StatusCode == 200 and .[0].FunctionError == "Unhandled"'
	jq -e '.errorType == "Handler.Failed"' "$BATS_TEST_TMPDIR/r.json"
	# a runtime that exits: Lambda's Runtime.ExitError payload
	run awscli lambda update-function-configuration --function-name echo --environment 'Variables={LP_RT_MODE=exit_invoke}'
	run awscli lambda wait function-updated --function-name echo
	run awscli lambda invoke --function-name echo "$BATS_TEST_TMPDIR/r2.json"
	assert_status 0
	assert_jq '.[0].FunctionError == "Unhandled"'
	jq -e '.errorType == "Runtime.ExitError" and (.errorMessage | test("exit status 7"))' "$BATS_TEST_TMPDIR/r2.json"
	serve_stop
}

@test "Event invocations answer 202 and run; DryRun answers 204 and runs nothing" {
	serve_start --function echo="$TR"
	run awscli lambda invoke --function-name echo --invocation-type DryRun "$BATS_TEST_TMPDIR/d.json"
	assert_status 0
	assert_jq '.[0].StatusCode == 204'
	run awscli lambda invoke --function-name echo --invocation-type Event --cli-binary-format raw-in-base64-out --payload '{"ev":1}' "$BATS_TEST_TMPDIR/e.json"
	assert_status 0
	assert_jq '.[0].StatusCode == 202'
	wait_invocations 1
	serve_stop
	assert_jq '[.[] | select(.type == "invocation")] | length == 1 and .[0].status == "ok"' "$SV/out"
	assert_jq '[.[] | select(.type == "api_request") | .status] == [204, 202]' "$SV/out"
}

@test "a payload over 6 MB is refused with 413 RequestTooLargeException" {
	serve_start --function echo="$TR"
	python3 -c 'import json,sys; sys.stdout.write(json.dumps({"b": "x" * 6291456}))' >"$BATS_TEST_TMPDIR/big.json"
	run awscli lambda invoke --function-name echo --payload "fileb://$BATS_TEST_TMPDIR/big.json" "$BATS_TEST_TMPDIR/r.json"
	[ "$status" -ne 0 ]
	assert_contains "RequestTooLargeException"
	serve_stop
	assert_jq '[.[] | select(.type == "api_request" and .operation == "Invoke")] | .[0].status == 413' "$SV/out"
	assert_jq '[.[] | select(.type == "invocation")] | length == 0' "$SV/out"
}

@test "requests without a SigV4 Authorization header of the right shape are refused in AWS's error shape" {
	serve_start --function echo="$TR"
	run curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' --max-time 10 "$URL/2015-03-31/functions/echo/configuration"
	[ "$output" = 403 ]
	grep -qi '^x-amzn-ErrorType: MissingAuthenticationTokenException' "$BATS_TEST_TMPDIR/h"
	jq -e '.message == "Missing Authentication Token" and .Type == "User"' "$BATS_TEST_TMPDIR/b"
	run curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' --max-time 10 \
		-H 'Authorization: Basic Zm9vOmJhcg==' "$URL/2015-03-31/functions/echo/configuration"
	[ "$output" = 403 ]
	grep -qi '^x-amzn-ErrorType: IncompleteSignatureException' "$BATS_TEST_TMPDIR/h"
	# signed by curl itself for the wrong region: right shape, wrong scope
	run curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' --max-time 10 \
		--aws-sigv4 "aws:amz:eu-west-1:lambda" --user "$TEST_KEY:$TEST_SECRET" "$URL/2015-03-31/functions/echo/configuration"
	[ "$output" = 403 ]
	grep -qi '^x-amzn-ErrorType: InvalidSignatureException' "$BATS_TEST_TMPDIR/h"
	jq -e '.message | test("valid region")' "$BATS_TEST_TMPDIR/b"
	# and for the right one: accepted
	run curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
		--aws-sigv4 "aws:amz:us-east-1:lambda" --user "$TEST_KEY:$TEST_SECRET" "$URL/2015-03-31/functions/echo/configuration"
	[ "$output" = 200 ]
	serve_stop
	! grep -q "$TEST_KEY" "$SV/out" "$SV/err"
}

@test "serve answers malformed requests with AWS errors and keeps serving" {
	serve_start --function echo="$TR"
	sig=(--aws-sigv4 "aws:amz:us-east-1:lambda" --user "$TEST_KEY:$TEST_SECRET")
	run curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' --max-time 10 -X PUT \
		--data '{"MemorySize":' "${sig[@]}" "$URL/2015-03-31/functions/echo/configuration"
	[ "$output" = 400 ]
	grep -qi '^x-amzn-ErrorType: InvalidRequestContentException' "$BATS_TEST_TMPDIR/h"
	run curl -s -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' --max-time 10 \
		--data 'not json' "${sig[@]}" "$URL/2015-03-31/functions/echo/invocations"
	[ "$output" = 400 ]
	grep -qi '^x-amzn-ErrorType: InvalidRequestContentException' "$BATS_TEST_TMPDIR/h"
	run curl -s -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' --max-time 10 -X DELETE "${sig[@]}" "$URL/2015-03-31/functions/echo"
	[ "$output" = 404 ]
	run curl -s -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' --max-time 10 "${sig[@]}" "$URL/2015-03-31/functions/echo/invocations?Qualifier=7" --data '{}'
	[ "$output" = 404 ]
	# bytes that are not HTTP, then a request that is
	exec 5<>"/dev/tcp/127.0.0.1/${URL##*:}"
	printf '\x00\x01garbage\r\n\r\n' >&5
	timeout 5 cat <&5 >/dev/null || true
	exec 5>&-
	run awscli lambda invoke --function-name echo "$BATS_TEST_TMPDIR/r.json"
	assert_status 0
	serve_stop
	assert_jq '[.[] | select(.type == "invocation")] | length == 1' "$SV/out"
}

@test "beyond --max-concurrency an invoke gets 429 TooManyRequestsException" {
	serve_start --max-concurrency 1 --function slow="$TR"
	run awscli lambda update-function-configuration --function-name slow --timeout 6 --environment 'Variables={LP_RT_MODE=hang}'
	assert_status 0
	run awscli lambda wait function-updated --function-name slow
	# occupy the only environment for 6 s (the hang ends at the timeout)
	run awscli lambda invoke --function-name slow --invocation-type Event "$BATS_TEST_TMPDIR/e.json"
	assert_status 0
	run awscli lambda invoke --function-name slow "$BATS_TEST_TMPDIR/r.json"
	[ "$status" -ne 0 ]
	assert_contains "TooManyRequestsException"
	serve_stop
	assert_jq '[.[] | select(.type == "api_request" and .status == 429)] | length == 1 and .[0].error_type == "TooManyRequestsException"' "$SV/out"
	assert_jq '[.[] | select(.type == "invocation")] | length == 1 and .[0].status == "timeout"' "$SV/out"
}

@test "concurrent invokes each get an environment of their own, each cold" {
	serve_start --max-concurrency 3 --function slow="$TR"
	run awscli lambda update-function-configuration --function-name slow --timeout 5 --environment 'Variables={LP_RT_MODE=hang}'
	assert_status 0
	run awscli lambda wait function-updated --function-name slow
	pids=()
	for i in 1 2 3; do
		awscli lambda invoke --function-name slow --invocation-type Event "$BATS_TEST_TMPDIR/e$i.json" >/dev/null 3>&- &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	serve_stop
	assert_jq '[.[] | select(.type == "invocation")] | length == 3 and ([.[].env_id] | unique | length) == 3 and all(.[]; .start == "cold")' "$SV/out"
}

@test "lp-invoke --platform aws measures 10 forced cold starts whose init figures are the REPORT lines' Init Duration" {
	serve_start --function echo="$TR"
	echo '{"k":1}' >"$BATS_TEST_TMPDIR/ev.json"
	run timeout 120 lp-invoke --platform aws --endpoint "$URL" --func minimal --impl c --cold 10 \
		--event "$BATS_TEST_TMPDIR/ev.json" --log "$BATS_TEST_TMPDIR/flog" echo
	assert_status 0
	printf '%s\n' "$output" | grep '^{' >"$BATS_TEST_TMPDIR/recs"
	assert_ndjson "$BATS_TEST_TMPDIR/recs"
	assert_jq 'length == 10 and all(.[]; .type == "invocation" and .start == "cold" and .forced_cold == true and .status == "ok" and (.init_ms | type) == "number" and .init_ms > 0 and (.duration_ms | type) == "number" and (.billed_ms | type) == "number" and .memory_mb == 128 and (.max_memory_used_mb | type) == "number" and .memory_source == "report" and (.update_ms | type) == "number" and .update_polls >= 1 and .via == "lambda_api" and .func == "minimal" and .impl == "c" and .function_name == "echo")' "$BATS_TEST_TMPDIR/recs"
	# an endpoint that is not AWS's: the numbers were made on this machine
	assert_jq 'all(.[]; .platform == "local" and .endpoint == "'"$URL"'")' "$BATS_TEST_TMPDIR/recs"
	assert_jq '[.[].seq] == [1,2,3,4,5,6,7,8,9,10] and ([.[].request_id] | unique | length) == 10' "$BATS_TEST_TMPDIR/recs"
	[ "$(grep -c '^REPORT ' "$BATS_TEST_TMPDIR/flog")" -eq 10 ]
	serve_stop
	# every client init_ms is the server's Init Duration, as printed with 2 decimals
	jq -r 'select(.type == "invocation") | "\(.request_id) \(.init_ms * 100 | round)"' "$SV/out" | sort >"$BATS_TEST_TMPDIR/server"
	jq -r '"\(.request_id) \(.init_ms * 100 | round)"' "$BATS_TEST_TMPDIR/recs" | sort >"$BATS_TEST_TMPDIR/client"
	diff "$BATS_TEST_TMPDIR/server" "$BATS_TEST_TMPDIR/client"
	# the lambda-perf method, seen from the server: update, then invoke, 10 times
	[ "$(jq -r 'select(.type == "api_request") | .operation' "$SV/out" | grep -c '^UpdateFunctionConfiguration$')" -eq 10 ]
	[ "$(jq -r 'select(.type == "api_request") | .operation' "$SV/out" | grep -c '^Invoke$')" -eq 10 ]
	assert_jq '[.[] | select(.type == "invocation")] | all(.[]; .start == "cold") and ([.[].env_id] | unique | length) == 10' "$SV/out"
}

@test "lp-invoke --platform aws marks REPORTs without Init Duration as warm, never counted as cold" {
	serve_start --function echo="$TR"
	echo '{}' >"$BATS_TEST_TMPDIR/ev.json"
	run timeout 60 lp-invoke --platform aws --endpoint "$URL" --cold 2 --warm 2 --event "$BATS_TEST_TMPDIR/ev.json" echo
	assert_status 0
	printf '%s\n' "$output" | grep '^{' >"$BATS_TEST_TMPDIR/recs"
	assert_jq '[.[].start] == ["cold","warm","warm","cold","warm","warm"]' "$BATS_TEST_TMPDIR/recs"
	assert_jq '[.[] | select(.start == "warm")] | all(.[]; .init_ms == null and (.init_ms_reason | test("warm start")) and .forced_cold == false and .update_ms == null)' "$BATS_TEST_TMPDIR/recs"
	serve_stop
}

@test "lp-invoke --platform aws --memory sets the function's memory for the run, and the REPORT says so" {
	serve_start --function echo="$TR"
	echo '{}' >"$BATS_TEST_TMPDIR/ev.json"
	# without --memory the function keeps its own
	run awscli lambda update-function-configuration --function-name echo --memory-size 256
	run awscli lambda wait function-updated --function-name echo
	run timeout 60 lp-invoke --platform aws --endpoint "$URL" --cold 1 --event "$BATS_TEST_TMPDIR/ev.json" echo
	assert_status 0
	assert_jq '[.[] | select(type == "object")] | .[0].memory_mb == 256'
	run timeout 60 lp-invoke --platform aws --endpoint "$URL" --cold 1 --memory 512 --event "$BATS_TEST_TMPDIR/ev.json" echo
	assert_status 0
	assert_jq '[.[] | select(type == "object")] | .[0].memory_mb == 512'
	run awscli lambda get-function-configuration --function-name echo
	assert_jq '.[0].MemorySize == 512 and (.[0].Environment.Variables | has("LP_COLD_START_NONCE"))'
	serve_stop
}

@test "lp-invoke --platform aws records a function error with the payload's error type" {
	serve_start --function echo="$TR"
	run awscli lambda update-function-configuration --function-name echo --environment 'Variables={LP_RT_MODE=error}'
	run awscli lambda wait function-updated --function-name echo
	echo '{}' >"$BATS_TEST_TMPDIR/ev.json"
	run timeout 60 lp-invoke --platform aws --endpoint "$URL" --cold 2 --event "$BATS_TEST_TMPDIR/ev.json" echo
	assert_status 0
	printf '%s\n' "$output" | grep '^{' >"$BATS_TEST_TMPDIR/recs"
	assert_jq 'length == 2 and all(.[]; .status == "error" and .error_type == "Handler.Failed" and .function_error == "Unhandled" and .start == "cold")' "$BATS_TEST_TMPDIR/recs"
	serve_stop
}

@test "lp-invoke --platform aws retries 429 with backoff and counts it in the record" {
	serve_start --max-concurrency 1 --function slow="$TR"
	run awscli lambda update-function-configuration --function-name slow --timeout 2 --environment 'Variables={LP_RT_MODE=hang}'
	run awscli lambda wait function-updated --function-name slow
	run awscli lambda invoke --function-name slow --invocation-type Event "$BATS_TEST_TMPDIR/e.json"
	assert_status 0
	echo '{}' >"$BATS_TEST_TMPDIR/ev.json"
	run timeout 60 lp-invoke --platform aws --endpoint "$URL" --cold 1 --event "$BATS_TEST_TMPDIR/ev.json" slow
	assert_status 0
	printf '%s\n' "$output" | grep '^{' >"$BATS_TEST_TMPDIR/recs"
	assert_jq 'length == 1 and .[0].throttled >= 1 and .[0].retries == .[0].attempts - 1 and .[0].retries >= 1 and .[0].status == "error" and .[0].error_type == "Sandbox.Timedout"' "$BATS_TEST_TMPDIR/recs"
	serve_stop
}

@test "lp-invoke --platform aws that cannot finish says how many cold starts it got and exits 3" {
	serve_start --function echo="$TR"
	echo '{}' >"$BATS_TEST_TMPDIR/ev.json"
	# the server goes away after the first record: the client stops with a count
	( rc=0; timeout 60 lp-invoke --platform aws --endpoint "$URL" --cold 50 --event "$BATS_TEST_TMPDIR/ev.json" echo \
		>"$BATS_TEST_TMPDIR/recs" 2>"$BATS_TEST_TMPDIR/err" || rc=$?; echo $rc >"$BATS_TEST_TMPDIR/rc" ) 3>&- &
	client=$!
	deadline=$((SECONDS + 30))
	while [ ! -s "$BATS_TEST_TMPDIR/recs" ] && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
	serve_stop
	wait "$client"
	[ "$(cat "$BATS_TEST_TMPDIR/rc")" = 3 ]
	grep -Eq 'got [0-9]+ of 50 cold starts' "$BATS_TEST_TMPDIR/err"
	n=$(wc -l <"$BATS_TEST_TMPDIR/recs")
	[ "$n" -ge 1 ] && [ "$n" -lt 50 ]
	grep -q "got $n of 50" "$BATS_TEST_TMPDIR/err"
	assert_ndjson "$BATS_TEST_TMPDIR/recs"
}

@test "lp-invoke --platform aws exits 2 for a missing function and for a name that is not a function name" {
	serve_start --function echo="$TR"
	echo '{}' >"$BATS_TEST_TMPDIR/ev.json"
	run timeout 60 lp-invoke --platform aws --endpoint "$URL" --cold 1 --event "$BATS_TEST_TMPDIR/ev.json" nope
	assert_status 2
	assert_contains "ResourceNotFoundException"
	run lp-invoke --platform aws --endpoint "$URL" --cold 1 --event "$BATS_TEST_TMPDIR/ev.json" 'a/b'
	assert_status 2
	assert_contains "not a Lambda function name"
	run lp-invoke --platform aws --endpoint "ftp://127.0.0.1:1" --cold 1 --event "$BATS_TEST_TMPDIR/ev.json" echo
	assert_status 2
	assert_contains "bad endpoint"
	serve_stop
}

@test "lp-invoke --platform aws exits 3 without credentials, and --arch that differs needs --zip (exit 2)" {
	serve_start --function echo="$TR"
	echo '{}' >"$BATS_TEST_TMPDIR/ev.json"
	run env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY lp-invoke --platform aws --endpoint "$URL" --cold 1 --event "$BATS_TEST_TMPDIR/ev.json" echo
	assert_status 3
	assert_contains "no AWS credentials"
	run lp-invoke --platform aws --endpoint "$URL" --arch arm64 --cold 1 --event "$BATS_TEST_TMPDIR/ev.json" echo
	assert_status 2
	assert_contains "--zip"
	serve_stop
}

@test "credentials from env or a profile never appear in output, logs, errors or results" {
	serve_start --function echo="$TR"
	echo '{}' >"$BATS_TEST_TMPDIR/ev.json"
	out="$BATS_TEST_TMPDIR/leak"
	mkdir -p "$out"
	# 1. from the environment, with a session token: a good run, and errors
	export AWS_SESSION_TOKEN=lpTestSessionTokenZZ9SECRET
	lp-invoke --platform aws --endpoint "$URL" --cold 2 --event "$BATS_TEST_TMPDIR/ev.json" --log "$out/log1" echo >"$out/o1" 2>"$out/e1"
	lp-invoke --platform aws --endpoint "$URL" --cold 1 --event "$BATS_TEST_TMPDIR/ev.json" nope >"$out/o2" 2>"$out/e2" || true
	lp-invoke --platform aws --endpoint "http://127.0.0.1:1" --cold 1 --event "$BATS_TEST_TMPDIR/ev.json" echo >"$out/o3" 2>"$out/e3" || true
	lp-invoke deploy --function-name leak --bootstrap "$TR/bootstrap" --zip "$out/f.zip" --endpoint "$URL" >"$out/o4" 2>"$out/e4" || true
	lp-invoke deploy --function-name leak --bootstrap "$TR/bootstrap" --zip "$out/f.zip" --role arn:aws:iam::123456789012:role/x --endpoint "$URL" >"$out/o5" 2>"$out/e5"
	unset AWS_SESSION_TOKEN
	# 2. from a profile in ~/.aws/credentials (HOME is the test's)
	mkdir -p "$HOME/.aws"
	printf '[default]\naws_access_key_id = AKIAOTHERDEFAULT00000\naws_secret_access_key = wrongDefaultSecretZZ\n\n[lp]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$TEST_KEY" "$TEST_SECRET" >"$HOME/.aws/credentials"
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_PROFILE=lp lp-invoke --platform aws --endpoint "$URL" --cold 1 --event "$BATS_TEST_TMPDIR/ev.json" --log "$out/log6" echo >"$out/o6" 2>"$out/e6"
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_PROFILE=missing lp-invoke --platform aws --endpoint "$URL" --cold 1 --event "$BATS_TEST_TMPDIR/ev.json" echo >"$out/o7" 2>"$out/e7" || true
	# a profile file that is malformed after the secret
	printf '[lp]\naws_access_key_id = %s\naws_secret_access_key = %s\nthis line is broken\n' "$TEST_KEY" "$TEST_SECRET" >"$HOME/.aws/credentials"
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_PROFILE=lp lp-invoke --platform aws --endpoint "$URL" --cold 1 --event "$BATS_TEST_TMPDIR/ev.json" echo >"$out/o8" 2>"$out/e8" || true
	serve_stop
	cp "$SV/out" "$SV/err" "$out/"
	# the runs did what they should (so the grep below looks at real output)
	[ "$(grep -c '^{' "$out/o1")" -eq 2 ] && [ "$(grep -c '^{' "$out/o6")" -eq 1 ]
	grep -q ResourceNotFoundException "$out/e2"
	grep -q 'profile missing not found' "$out/e7"
	grep -q 'expected' "$out/e8"
	grep -q '"action":"created"' "$out/o5"
	# no secret, token or key anywhere: stdout, stderr, function logs, serve's records and log, the zip
	for s in "$TEST_SECRET" "$TEST_KEY" lpTestSessionTokenZZ9SECRET wrongDefaultSecretZZ AKIAOTHERDEFAULT00000 lpTestSecret; do
		if grep -rlF -- "$s" "$out"; then
			echo "leaked: $s" >&2
			return 1
		fi
	done
}

@test "lp-invoke deploy creates then updates a function through the Lambda API, and the zip is byte-identical each time" {
	serve_start
	run lp-invoke deploy --function-name lp-minimal-c --bootstrap "$TR/bootstrap" --zip "$BATS_TEST_TMPDIR/a.zip" --memory 256 --endpoint "$URL"
	assert_status 2
	assert_contains "--role"
	run lp-invoke deploy --function-name lp-minimal-c --bootstrap "$TR/bootstrap" --zip "$BATS_TEST_TMPDIR/a.zip" \
		--memory 256 --role arn:aws:iam::123456789012:role/lp --endpoint "$URL"
	assert_status 0
	assert_jq '.[0] | .type == "deploy" and .action == "created" and .function_name == "lp-minimal-c" and .memory_mb == 256'
	run lp-invoke deploy --function-name lp-minimal-c --bootstrap "$TR/bootstrap" --zip "$BATS_TEST_TMPDIR/b.zip" \
		--memory 1024 --endpoint "$URL"
	assert_status 0
	# the same zip (same CodeSha256): only the configuration is updated
	assert_jq '.[0].action == "updated" and .[0].memory_mb == 1024 and .[0].code_updated == false'
	cmp "$BATS_TEST_TMPDIR/a.zip" "$BATS_TEST_TMPDIR/b.zip"
	sha=$(sha256sum "$BATS_TEST_TMPDIR/a.zip" | cut -c1-64 | xxd -r -p | base64)
	run awscli lambda get-function-configuration --function-name lp-minimal-c
	assert_jq '.[0].MemorySize == 1024 and .[0].Runtime == "provided.al2023" and .[0].LastUpdateStatus == "Successful" and .[0].CodeSha256 == "'"$sha"'"'
	# new code: UpdateFunctionCode, and the function runs it
	printf '#!/bin/sh\nLP_RT_MODE=report exec "$LAMBDA_TASK_ROOT/rt"\n' >"$BATS_TEST_TMPDIR/boot.sh"
	chmod 755 "$BATS_TEST_TMPDIR/boot.sh"
	run lp-invoke deploy --function-name lp-minimal-c --bootstrap "$BATS_TEST_TMPDIR/boot.sh" --file rt="$TR/bootstrap" \
		--zip "$BATS_TEST_TMPDIR/c.zip" --endpoint "$URL"
	assert_status 0
	assert_jq '.[0].action == "updated" and .[0].code_updated == true'
	run awscli lambda invoke --function-name lp-minimal-c --log-type Tail "$BATS_TEST_TMPDIR/r.json"
	assert_status 0
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/a1.json"
	log_tail "$BATS_TEST_TMPDIR/a1.json" | grep -q '^HDR Lambda-Runtime-Aws-Request-Id: '
	serve_stop
	assert_jq '[.[] | select(.type == "api_request") | .operation] | index("CreateFunction") != null and (map(select(. == "UpdateFunctionCode")) | length) == 1' "$SV/out"
}

@test "the deployment zip is deterministic, readable by unzip and python zipfile, and round-trips the bootstrap" {
	run lp-invoke deploy --zip-only --bootstrap "$TR/bootstrap" --zip "$BATS_TEST_TMPDIR/1.zip"
	assert_status 0
	touch -d '2001-02-03' "$TR/bootstrap"
	chmod 700 "$TR/bootstrap"
	run lp-invoke deploy --zip-only --bootstrap "$TR/bootstrap" --zip "$BATS_TEST_TMPDIR/2.zip"
	assert_status 0
	cmp "$BATS_TEST_TMPDIR/1.zip" "$BATS_TEST_TMPDIR/2.zip"
	run unzip -Z "$BATS_TEST_TMPDIR/1.zip"
	assert_contains "-rwxr-xr-x"
	assert_contains "bootstrap"
	assert_contains "80-Jan-01 00:00"
	run python3 - "$BATS_TEST_TMPDIR/1.zip" "$TR/bootstrap" <<'EOF'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
i = z.getinfo("bootstrap")
assert i.date_time == (1980, 1, 1, 0, 0, 0), i.date_time
assert (i.external_attr >> 16) & 0o777 == 0o755
assert i.extra == b""
assert z.read("bootstrap") == open(sys.argv[2], "rb").read()
print("ok")
EOF
	assert_status 0
	[ "$output" = ok ]
}

@test "make deploy writes a byte-identical results/FUNC-IMPL/function.zip twice and deploys it" {
	[ -d "$LP_ROOT/lambdas/minimal/c" ] || { echo "lambdas/minimal/c is missing" >&2; return 1; }
	serve_start
	res="$BATS_TEST_TMPDIR/results"
	run timeout 300 make -s -C "$LP_ROOT" deploy FUNC=minimal IMPL=c LP_RESULTS="$res" \
		ROLE=arn:aws:iam::123456789012:role/lp ENDPOINT="$URL" REGION=us-east-1
	assert_status 0
	cp "$res/minimal-c/function.zip" "$BATS_TEST_TMPDIR/first.zip"
	run timeout 300 make -s -C "$LP_ROOT" deploy FUNC=minimal IMPL=c LP_RESULTS="$res" \
		ENDPOINT="$URL" REGION=us-east-1
	assert_status 0
	cmp "$BATS_TEST_TMPDIR/first.zip" "$res/minimal-c/function.zip"
	assert_jq '.[0].action == "updated" and .[0].function_name == "lp-minimal-c"' "$res/minimal-c/deploy.ndjson"
	serve_stop
}

@test "make profile PLATFORM=aws deploys, measures N forced cold starts through the Lambda API and reports" {
	[ -d "$LP_ROOT/lambdas/minimal/c" ] || { echo "lambdas/minimal/c is missing" >&2; return 1; }
	serve_start
	res="$BATS_TEST_TMPDIR/results"
	run timeout 600 make -s -C "$LP_ROOT" profile FUNC=minimal IMPL=c PLATFORM=aws N=3 MEMORY=256 \
		LP_RESULTS="$res" ROLE=arn:aws:iam::123456789012:role/lp ENDPOINT="$URL" REGION=us-east-1
	assert_status 0
	out="$res/minimal-c"
	assert_jq 'length == 3 and all(.[]; .type == "invocation" and .start == "cold" and .via == "lambda_api" and .platform == "local" and .func == "minimal" and .impl == "c" and .memory_mb == 256 and (.init_ms | type) == "number")' "$out/invocations.ndjson"
	assert_jq '.[0].type == "deploy" and .[0].function_name == "lp-minimal-c"' "$out/deploy.ndjson"
	[ "$(grep -c '^REPORT ' "$out/function.log")" -eq 3 ]
	serve_stop
	# the function ran from the zip make deploy wrote
	assert_jq '[.[] | select(.type == "api_request" and .operation == "CreateFunction")] | length == 1' "$SV/out"
}

@test "lp-invoke serve rejects bad options with exit 2 and stops cleanly on SIGTERM" {
	run lp-invoke serve --port notaport
	assert_status 2
	run lp-invoke serve --function noequals
	assert_status 2
	run lp-invoke serve --max-concurrency 0
	assert_status 2
	run lp-invoke serve --help
	assert_status 0
	assert_contains "--max-concurrency"
	serve_start --function echo="$TR"
	run awscli lambda invoke --function-name echo "$BATS_TEST_TMPDIR/r.json"
	assert_status 0
	serve_stop
	assert_jq '.[0].type == "serve" and .[0].url == "'"$URL"'" and .[0].platform == "local"' "$SV/out"
	# the environments are gone with it
	run pgrep -f "$SV/work"
	[ "$status" -ne 0 ]
}
