#!/usr/bin/env bats
# The local Lambda service's Runtime API (2018-06-01): every endpoint,
# status code and header, and runtimes that misbehave.  Runtimes are the C
# test runtime (tests/runtimes/rt.c) or small curl scripts written here.

load helpers

RT="$LP_TEST_BIN/rt"
API=/2018-06-01/runtime

setup() {
	[ -x "$RT" ] || { echo "missing $RT" >&2; return 1; }
	EV="$BATS_TEST_TMPDIR/event.json"
	echo '{"k":"v"}' >"$EV"
	LOG="$BATS_TEST_TMPDIR/function.log"
	OUT="$BATS_TEST_TMPDIR/out.ndjson"
}

inv() {
	run timeout 60 lp-invoke --event "$EV" --log "$LOG" "$@"
	printf '%s\n' "$output" >"$OUT"
}

# shell_rt NAME — a bootstrap script from stdin, in its own task root.
shell_rt() {
	mkdir -p "$BATS_TEST_TMPDIR/$1"
	{ echo '#!/bin/sh'; echo 'A="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"'; echo 'C="curl -s --max-time 20"'; cat; } >"$BATS_TEST_TMPDIR/$1/bootstrap"
	chmod +x "$BATS_TEST_TMPDIR/$1/bootstrap"
	echo "$BATS_TEST_TMPDIR/$1"
}

@test "GET /next hands out the event with the request id, deadline, ARN and trace id headers" {
	before=$(date +%s%3N)
	inv --func hdrfn --region eu-central-1 --timeout 7 --env LP_RT_MODE=report "$RT"
	after=$(date +%s%3N)
	assert_status 0
	id=$(jq -r .request_id "$OUT")
	grep -qx "HDR Lambda-Runtime-Aws-Request-Id: $id" "$LOG"
	grep -qx 'HDR Content-Type: application/json' "$LOG"
	grep -qx 'HDR Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:eu-central-1:000000000000:function:hdrfn' "$LOG"
	grep -Eqx 'HDR Lambda-Runtime-Trace-Id: Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0' "$LOG"
	dl=$(sed -n 's/^HDR Lambda-Runtime-Deadline-Ms: //p' "$LOG")
	[ "$dl" -ge $((before + 7000)) ] && [ "$dl" -le $((after + 7000)) ]
	grep -qx 'EVENT {"k":"v"}' "$LOG"
	# not given: not sent
	! grep -q 'HDR Lambda-Runtime-Client-Context' "$LOG"
	! grep -q 'HDR Lambda-Runtime-Cognito-Identity' "$LOG"
}

@test "GET /next sends Client-Context and Cognito-Identity when given" {
	inv --client-context '{"custom":{"a":1}}' --cognito-identity '{"cognitoIdentityId":"x"}' --env LP_RT_MODE=report "$RT"
	assert_status 0
	grep -qx 'HDR Lambda-Runtime-Client-Context: {"custom":{"a":1}}' "$LOG"
	grep -qx 'HDR Lambda-Runtime-Cognito-Identity: {"cognitoIdentityId":"x"}' "$LOG"
}

@test "POST .../response is answered 202 and ends the invocation ok" {
	inv --cold 1 --warm 1 --env LP_RT_MODE=report "$RT"
	assert_status 0
	[ "$(grep -c '^RESPONSE 202$' "$LOG")" -eq 2 ]
	assert_jq 'all(.[]; .status == "ok" and .response_bytes > 0 and .bad_requests == 0)'
}

@test "POST .../error with an error type is answered 202; the type is recorded" {
	inv --env LP_RT_MODE=error "$RT"
	assert_status 0
	grep -qx 'ERROR 202' "$LOG"
	assert_jq '.[0].status == "error" and .[0].error_type == "Handler.Failed"'
}

@test "POST .../error without an error type is recorded as Unhandled" {
	root=$(shell_rt errnotype <<'SH'
id=$($C -D - -o /dev/null "$A/invocation/next" | tr -d '\r' | sed -n 's/^[Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d: //p')
echo "POSTERR $($C -o /dev/null -w '%{http_code}' -d '{"errorMessage":"m"}' "$A/invocation/$id/error")"
$C -o /dev/null "$A/invocation/next"
SH
)
	inv "$root"
	assert_status 0
	grep -qx 'POSTERR 202' "$LOG"
	assert_jq '.[0].status == "error" and .[0].error_type == "Unhandled"'
}

@test "POST /init/error is answered 202 before init and 403 after" {
	root=$(shell_rt initerr <<'SH'
$C -o /dev/null "$A/invocation/next" -D /tmp/h
id=$(tr -d '\r' </tmp/h | sed -n 's/^[Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d: //p')
echo "LATE $($C -o /dev/null -w '%{http_code}' -H 'Lambda-Runtime-Function-Error-Type: X' -d '{}' "$A/init/error")"
$C -o /dev/null -d '{}' "$A/invocation/$id/response"
$C -o /dev/null "$A/invocation/next"
SH
)
	inv "$root"
	assert_status 0
	grep -qx 'LATE 403' "$LOG"
	assert_jq '.[0].status == "ok" and .[0].bad_requests == 1'
	inv --env LP_RT_MODE=init_error "$RT"
	grep -qx 'INITERR 202' "$LOG"
	assert_jq '.[0].status == "init_error"'
}

@test "a response over 6 MB is answered 413 and fails the invocation; exactly 6 MB is accepted" {
	inv --cold 1 --env LP_RT_MODE=big --env LP_RT_BYTES=7340032 "$RT"
	assert_status 0
	grep -qx 'BIG 413' "$LOG"
	assert_jq '.[0].status == "error" and .[0].error_type == "Function.ResponseSizeTooLarge"'
	inv --cold 1 --env LP_RT_MODE=big --env LP_RT_BYTES=6291457 "$RT"
	grep -qx 'BIG 413' "$LOG"
	inv --cold 1 --env LP_RT_MODE=big --env LP_RT_BYTES=6291456 "$RT"
	grep -qx 'BIG 202' "$LOG"
	assert_jq '.[0].status == "ok" and .[0].response_bytes == 6291456'
}

@test "the 413 answer is Lambda's JSON error" {
	root=$(shell_rt big413 <<'SH'
$C -o /dev/null "$A/invocation/next" -D /tmp/h
id=$(tr -d '\r' </tmp/h | sed -n 's/^[Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d: //p')
head -c 6291457 /dev/zero | tr '\0' x | $C -w '\nCODE %{http_code}\n' --data-binary @- "$A/invocation/$id/response"
$C -o /dev/null "$A/invocation/next"
SH
)
	inv "$root"
	assert_status 0
	grep -qx 'CODE 413' "$LOG"
	grep -q '"errorType":"RequestEntityTooLarge"' "$LOG"
}

@test "a response for an unknown request id is answered 400" {
	inv --cold 1 --warm 1 --env LP_RT_MODE=unknown_id "$RT"
	assert_status 0
	[ "$(grep -c '^UNKNOWN 400$' "$LOG")" -eq 2 ]
	assert_jq 'all(.[]; .status == "ok") and .[0].bad_requests == 1 and .[1].bad_requests == 2'
}

@test "a second /next during an invocation is answered 403; the invocation still completes" {
	inv --env LP_RT_MODE=next_twice "$RT"
	assert_status 0
	grep -qx 'NEXT2 403' "$LOG"
	assert_jq '.[0].status == "ok" and .[0].bad_requests == 1'
}

@test "a second response for the same invocation is answered 403" {
	root=$(shell_rt twice <<'SH'
$C -o /dev/null "$A/invocation/next" -D /tmp/h
id=$(tr -d '\r' </tmp/h | sed -n 's/^[Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d: //p')
echo "FIRST $($C -o /dev/null -w '%{http_code}' -d '{}' "$A/invocation/$id/response")"
echo "SECOND $($C -o /dev/null -w '%{http_code}' -d '{}' "$A/invocation/$id/response")"
$C -o /dev/null "$A/invocation/next"
SH
)
	inv "$root"
	assert_status 0
	grep -qx 'FIRST 202' "$LOG"
	grep -qx 'SECOND 403' "$LOG"
	assert_jq '.[0].status == "ok"'
}

@test "wrong methods are 405 and unknown paths 404" {
	inv --env LP_RT_MODE=methods "$RT"
	assert_status 0
	grep -qx 'PROBE delete-next 405' "$LOG"
	grep -qx 'PROBE post-next 405' "$LOG"
	grep -qx 'PROBE get-response 405' "$LOG"
	grep -qx 'PROBE unknown-path 404' "$LOG"
	grep -qx 'PROBE root 404' "$LOG"
	grep -qx 'PROBE early-response 400' "$LOG"
	assert_jq '.[0].status == "ok" and .[0].bad_requests == 6'
}

@test "garbage instead of HTTP gets a 4xx/5xx and does not disturb the service" {
	inv --cold 1 --warm 1 --env LP_RT_MODE=garbage "$RT"
	assert_status 0
	codes=$(sed -n 's/^GARBAGE //p' "$LOG")
	[ -n "$codes" ]
	for c in $codes; do [ "$c" -ge 400 ] && [ "$c" -le 505 ]; done
	assert_jq 'length == 2 and all(.[]; .status == "ok")'
}

@test "a runtime that connects and never sends a request cannot hang lp-invoke" {
	root=$(shell_rt silent <<'SH'
exec 3<>/dev/tcp/${AWS_LAMBDA_RUNTIME_API%:*}/${AWS_LAMBDA_RUNTIME_API#*:} 2>/dev/null || true
while :; do read -r -t 100 x <&3 || true; done
SH
)
	sed -i '1s|.*|#!/bin/bash|' "$root/bootstrap"
	inv --init-timeout 1 "$root"
	assert_status 0
	assert_jq '.[0].status == "init_timeout"'
}

@test "every record of every hostile runtime is valid NDJSON that jq reads" {
	: >"$BATS_TEST_TMPDIR/all.ndjson"
	for m in ok garbage methods next_twice unknown_id error exit_init crash_invoke exit_after; do
		run timeout 60 lp-invoke --event "$EV" --log "$LOG" --cold 1 --warm 1 --env LP_RT_MODE=$m "$RT"
		assert_status 0
		printf '%s\n' "$output" >>"$BATS_TEST_TMPDIR/all.ndjson"
	done
	assert_ndjson "$BATS_TEST_TMPDIR/all.ndjson"
	jq -c . "$BATS_TEST_TMPDIR/all.ndjson" >/dev/null
	assert_jq 'all(.[]; .type == "invocation" and .platform == "local" and (.status | IN("ok","error","timeout","init_timeout","init_error","runtime_exit","oom")))' "$BATS_TEST_TMPDIR/all.ndjson"
	# a null always has its reason
	assert_jq '[.[] | paths(. == null) as $p | {p: $p, r: ($p[:-1] + [($p[-1] | tostring) + "_reason"])}] | length >= 0' "$BATS_TEST_TMPDIR/all.ndjson"
	assert_jq 'all(.[]; [paths(. == null)] as $ps | . as $r | all($ps[]; . as $p | ($p[-1] | tostring) as $k | ($k == "signal" or $k == "exit_code" or ($r | getpath($p[:-1] + [$k + "_reason"]) | type == "string"))))' "$BATS_TEST_TMPDIR/all.ndjson"
}
