#!/usr/bin/env bats
# tests/suite.bats — the benchmark suite (docs/suite.md): json_processing,
# data_transform, api_gateway and db_query in Rust and C (byte-identical
# responses, checked against independent computations), the minimal
# baselines (go, python, node, cpp), make profile and make compare.
#
# Response bodies are captured with rtcapture (tests/lambdas/rtcapture.c:
# lp's local Runtime API, printing what the bootstrap posted), because
# lp-invoke's invocation records carry response_bytes but not the body.

load helpers

EV="$LP_ROOT/share/events"
MIN_EXPECTED='{"statusCode":200,"headers":{"content-type":"application/json"},"body":"{\"ok\":true}"}'

lpmake() { make --no-print-directory -C "$LP_ROOT" LP_BUILD="$LP_BUILD" "$@"; }

# bootstrap FUNC IMPL -> path of a task root holding the built bootstrap
# (and db_query's database), built once per test file run.
taskroot() {
	local func=$1 impl=$2 tr="$BATS_FILE_TMPDIR/tr/$1-$2"
	if [ ! -x "$tr/bootstrap" ]; then
		lpmake lambda FUNC="$func" IMPL="$impl" >&2 || return 1
		mkdir -p "$tr"
		cp "$LP_BUILD/lambdas/$func-$impl/bootstrap" "$tr/"
		if [ "$func" = db_query ]; then cp "$LP_BUILD/suite/db_query/data.db" "$tr/"; fi
	fi
	printf '%s\n' "$tr"
}

# respond FUNC IMPL EVENT -> the response body the bootstrap posted.
respond() {
	local tr
	tr=$(taskroot "$1" "$2") || return 1
	local line
	line=$("$LP_TEST_BIN/rtcapture" "$tr/bootstrap" "$3" 1) || { echo "rtcapture failed: $line" >&2; return 1; }
	[[ "$line" == "response "* ]] || { echo "not a response: $line" >&2; return 1; }
	printf '%s' "${line#response }"
}

# same_response FUNC EVENT: rust and c answer byte for byte the same; the
# body is left in $BATS_TEST_TMPDIR/resp.json.
same_response() {
	respond "$1" rust "$2" > "$BATS_TEST_TMPDIR/rust.out" || return 1
	respond "$1" c "$2" > "$BATS_TEST_TMPDIR/c.out" || return 1
	cmp "$BATS_TEST_TMPDIR/rust.out" "$BATS_TEST_TMPDIR/c.out" || {
		echo "rust and c differ on $1 $(basename "$2"):" >&2
		cat "$BATS_TEST_TMPDIR/rust.out" >&2; echo >&2; cat "$BATS_TEST_TMPDIR/c.out" >&2; return 1; }
	[ -s "$BATS_TEST_TMPDIR/rust.out" ]
	cp "$BATS_TEST_TMPDIR/rust.out" "$BATS_TEST_TMPDIR/resp.json"
}

@test "json_processing: rust and c give byte-identical responses to the 100 KB orders event" {
	[ "$(wc -c < "$EV/json_processing.json")" -gt 90000 ]
	same_response json_processing "$EV/json_processing.json"
	jq -e '.orders_in == 350 and (.customers | length) > 10 and (.top_skus | length) == 5' "$BATS_TEST_TMPDIR/resp.json" >/dev/null
}

@test "json_processing: the aggregation matches an independent jq computation over the event" {
	same_response json_processing "$EV/json_processing.json"
	# jq recomputes filter + per-customer totals + sort from the event itself.
	jq -c '[.orders[] | select((.status == "paid" or .status == "shipped" or .status == "delivered") and .currency == "EUR")
	        | {c: .customer, t: ([.items[] | .qty * .unit_price_cents] | add), q: ([.items[].qty] | add), d: .created}]
	       | group_by(.c) | map({customer: .[0].c, orders: length, items: (map(.q) | add), total_cents: (map(.t) | add),
	                            first_order: (map(.d) | min), last_order: (map(.d) | max)})
	       | sort_by(-.total_cents, .customer)' "$EV/json_processing.json" > "$BATS_TEST_TMPDIR/want.json"
	jq -c '[.customers[] | {customer, orders, items, total_cents, first_order, last_order}]' "$BATS_TEST_TMPDIR/resp.json" > "$BATS_TEST_TMPDIR/got.json"
	cmp "$BATS_TEST_TMPDIR/want.json" "$BATS_TEST_TMPDIR/got.json"
	jq -e '.total_cents == ([.customers[].total_cents] | add) and all(.customers[]; .avg_order_cents == ((.total_cents / .orders) | floor))' \
		"$BATS_TEST_TMPDIR/resp.json" >/dev/null
}

@test "json_processing: bad events get the same error response from rust and c" {
	printf '{"orders": 5}' > "$BATS_TEST_TMPDIR/e1.json"
	same_response json_processing "$BATS_TEST_TMPDIR/e1.json"
	[ "$(cat "$BATS_TEST_TMPDIR/resp.json")" = '{"error":"event has no orders array"}' ]
	printf '42' > "$BATS_TEST_TMPDIR/e2.json"
	same_response json_processing "$BATS_TEST_TMPDIR/e2.json"
	[ "$(cat "$BATS_TEST_TMPDIR/resp.json")" = '{"error":"invalid JSON event"}' ]
	printf '{"currency":"USD","orders":[{"customer":"A","created":"x","status":"paid","currency":"USD","items":[{"sku":"S","qty":2.5,"unit_price_cents":1}]},{"customer":"B\\u0001\\"","created":"y","status":"paid","currency":"USD","items":[{"sku":"S","qty":2,"unit_price_cents":150}]}]}' > "$BATS_TEST_TMPDIR/e3.json"
	same_response json_processing "$BATS_TEST_TMPDIR/e3.json"
	jq -e '.orders_invalid == 1 and .orders_used == 1 and .customers[0].customer == "B\u0001\"" and .total_cents == 300' "$BATS_TEST_TMPDIR/resp.json" >/dev/null
}

@test "data_transform: rust and c give byte-identical responses (sample and edge-case events)" {
	same_response data_transform "$EV/data_transform.json"
	jq -e '.summary.records == 240 and .summary.accepted + .summary.rejected == 240 and .summary.accepted == (.accepted | length)
	       and .summary.rejected == (.rejected | length) and .summary.accepted > 100 and .summary.rejected > 50' \
		"$BATS_TEST_TMPDIR/resp.json" >/dev/null
	same_response data_transform "$FIXTURES/suite/data_transform-edge.json"
	cp "$BATS_TEST_TMPDIR/resp.json" "$BATS_TEST_TMPDIR/edge.json"
	jq -e '.as_of == "2026-01-01" and ([.rejected[] | select(.id == null)] | length) == 5' "$BATS_TEST_TMPDIR/edge.json" >/dev/null
}

@test "data_transform: the business rules normalize names, emails, dates, amounts and currencies" {
	same_response data_transform "$FIXTURES/suite/data_transform-edge.json"
	r="$BATS_TEST_TMPDIR/resp.json"
	# Title case after space, hyphen and apostrophe; whitespace collapsed.
	jq -e '.accepted[] | select(.id == "E000\u0007") | .name == "Élodie D'"'"'Arc-Van" and .email == "a@b.c"
	       and .birth_date == "2000-02-29" and .age == 25 and .amount_cents == 123400 and .currency == "USD" and .tier == "gold"' "$r" >/dev/null
	# 1 unit of USD, bronze; 2000-01-01 is 26 on 2026-01-01.
	jq -e '.accepted[] | select(.id == "OK1") | .amount_usd_cents == 100 and .age == 26 and .tier == "bronze" and .country == "FR"' "$r" >/dev/null
	# long values are normalized whole (a 82-byte email lowercased)
	jq -e '.accepted[] | select(.id == "LONG") | .email == (("a" * 70) + "@example.com") and .name == "Long Email"' "$r" >/dev/null
	# Each rule names its own reason, in rule order.
	jq -e '.rejected[] | select(.id == "E002\u0007") | .reasons == ["missing name","invalid email","invalid birth_date","invalid amount","invalid country"]' "$r" >/dev/null
	jq -e '[.rejected[] | select(.id == null) | .reasons] == [["not an object"],["not an object"],["not an object"],["missing id"],["missing id","invalid amount"]]' "$r" >/dev/null
}

@test "api_gateway: rust and c give byte-identical proxy responses to every v1 and v2 event" {
	n=0
	for e in "$EV/api_gateway.json" "$EV"/api_gateway/*.json; do
		same_response api_gateway "$e"
		jq -e '(.statusCode | type) == "number" and (.headers | type) == "object" and (.body | type) == "string" and .isBase64Encoded == false' \
			"$BATS_TEST_TMPDIR/resp.json" >/dev/null
		n=$((n + 1))
	done
	[ "$n" -ge 15 ]
}

# status EVENT-NAME -> "STATUS x-route allow location" of the rust response
gw() {
	respond api_gateway rust "$EV/api_gateway/$1.json" |
		jq -r '[.statusCode, .headers["x-route"] // "-", .headers.allow // "-", .headers.location // "-"] | join(" ")'
}

@test "api_gateway: six routes with path parameters, query strings, 400, 404 and 405" {
	[ "$(gw v1-health)" = "200 /health - -" ]
	[ "$(gw v1-list)" = "200 /users - -" ]
	respond api_gateway rust "$EV/api_gateway/v1-list.json" | jq -e '.body | fromjson | [.users[].id] == [11,12,13] and .next == 13' >/dev/null
	[ "$(gw v1-get)" = "200 /users/{id} - -" ]
	respond api_gateway rust "$EV/api_gateway/v1-get.json" | jq -e '.body | fromjson | .id == 7 and .email == "user7@example.com"' >/dev/null
	[ "$(gw v1-get-missing)" = "404 /users/{id} - -" ]
	[ "$(gw v1-create)" = "201 /users - /users/501" ]
	respond api_gateway rust "$EV/api_gateway/v1-create.json" | jq -e '.body | fromjson | .name == "Ada \"the first\" Lovelace"' >/dev/null
	[ "$(gw v1-bad-body)" = "400 /users - -" ]
	[ "$(gw v1-delete)" = "204 /users/{id} - -" ]
	respond api_gateway rust "$EV/api_gateway/v1-delete.json" | jq -e '.body == "" and (.headers | has("content-type") | not)' >/dev/null
	[ "$(gw v1-405)" = "405 /users/{id} GET, DELETE -" ]
	[ "$(gw v1-404)" = "404 - - -" ]
	[ "$(gw v2-orders)" = "200 /users/{id}/orders - -" ]
	respond api_gateway rust "$EV/api_gateway/v2-orders.json" | jq -e '.body | fromjson | .user_id == 42 and .count >= 1 and all(.orders[]; .status == "shipped")' >/dev/null
	[ "$(gw v2-orders-all)" = "200 /users/{id}/orders - -" ]
	[ "$(gw v2-list-bad-limit)" = "400 /users - -" ]
	[ "$(gw v2-bad-id)" = "400 /users/{id} - -" ]
	[ "$(gw v2-405)" = "405 /health GET -" ]
	[ "$(gw v2-404)" = "404 - - -" ]
	[ "$(gw v2-create)" = "201 /users - /users/501" ]
}

@test "db_query: the database is real SQLite with thousands of rows built from schema.sql" {
	command -v sqlite3 >/dev/null || skip "sqlite3 CLI not installed"
	run lpmake suite-db
	assert_status 0
	db="$LP_BUILD/suite/db_query/data.db"
	[ "$(sqlite3 "$db" 'SELECT count(*) FROM customers')" -eq 2000 ]
	[ "$(sqlite3 "$db" 'SELECT count(*) FROM products')" -eq 300 ]
	[ "$(sqlite3 "$db" 'SELECT count(*) FROM orders')" -eq 20000 ]
	[ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ]
}

@test "db_query: rust and c answer the parameterized query byte-identically, and as the sqlite3 CLI does" {
	command -v sqlite3 >/dev/null || skip "sqlite3 CLI not installed"
	for e in "$EV/db_query.json" "$EV"/db_query/*.json; do
		same_response db_query "$e"
	done
	same_response db_query "$EV/db_query.json"
	db="$LP_BUILD/suite/db_query/data.db"
	want=$(sqlite3 "$db" "SELECT o.id || ':' || (o.qty * p.price_cents) FROM orders o JOIN products p ON p.id = o.product_id
	                     WHERE o.customer_id = 42 AND o.status = 'shipped' ORDER BY o.ordered_at DESC, o.id DESC LIMIT 10" | paste -sd, -)
	got=$(jq -r '[.orders[] | "\(.id):\(.amount_cents)"] | join(",")' "$BATS_TEST_TMPDIR/resp.json")
	[ -n "$want" ]
	[ "$got" = "$want" ]
	jq -e '.customer.id == 42 and .count == (.orders | length) and .total_cents == ([.orders[].amount_cents] | add)' "$BATS_TEST_TMPDIR/resp.json" >/dev/null
	same_response db_query "$EV/db_query/unknown-customer.json"
	[ "$(cat "$BATS_TEST_TMPDIR/resp.json")" = '{"error":"customer 999999 not found"}' ]
	same_response db_query "$EV/db_query/limit-3.json"
	jq -e '.count == 3 and .status == null' "$BATS_TEST_TMPDIR/resp.json" >/dev/null
}

@test "db_query: a task root without data.db fails init with a DatabaseError (rust and c)" {
	for impl in rust c; do
		tr=$(taskroot db_query $impl)
		mkdir -p "$BATS_TEST_TMPDIR/nodb-$impl"
		cp "$tr/bootstrap" "$BATS_TEST_TMPDIR/nodb-$impl/"
		run "$LP_TEST_BIN/rtcapture" "$BATS_TEST_TMPDIR/nodb-$impl/bootstrap" "$EV/db_query.json" 1
		assert_contains "init_error DatabaseError"
		assert_contains "data.db"
	done
}

@test "make profile works for all five functions with IMPL=rust and IMPL=c" {
	for func in minimal json_processing data_transform api_gateway db_query; do
		for impl in rust c; do
			run lpmake profile FUNC=$func IMPL=$impl N=2 LP_RESULTS="$BATS_TEST_TMPDIR/results"
			assert_status 0
			f="$BATS_TEST_TMPDIR/results/$func-$impl/invocations.ndjson"
			assert_ndjson "$f"
			assert_jq "map(select(.type == \"invocation\")) | length == 2 and all(.[]; .status == \"ok\" and .func == \"$func\" and .impl == \"$impl\")" "$f"
		done
	done
}

@test "lp-invoke counts the same response bytes for rust and c of each suite function" {
	for func in json_processing data_transform api_gateway db_query; do
		for impl in rust c; do
			tr=$(taskroot $func $impl)
			lp-invoke --func $func --impl $impl --cold 1 --event "$EV/$func.json" --log /dev/null "$tr" > "$BATS_TEST_TMPDIR/$impl.ndjson"
			assert_jq 'map(select(.type == "invocation")) | length == 1 and .[0].status == "ok"' "$BATS_TEST_TMPDIR/$impl.ndjson"
		done
		[ "$(jq -s '.[0].response_bytes' "$BATS_TEST_TMPDIR/rust.ndjson")" = "$(jq -s '.[0].response_bytes' "$BATS_TEST_TMPDIR/c.ndjson")" ]
		[ "$(jq -s '.[0].response_bytes' "$BATS_TEST_TMPDIR/rust.ndjson")" -gt 100 ]
	done
}

@test "IMPL=ruchy of a suite function fails clearly instead of faking: exit 3 without a compiler, refused by the test double" {
	[ -e "$LP_ROOT/lambdas/json_processing/handler.ruchy" ]
	run lpmake lambda FUNC=json_processing IMPL=ruchy RUCHY=/nonexistent/ruchy
	[ "$status" -ne 0 ]
	assert_contains "ruchy compiler not found"
	assert_contains "Error 3"
	# The double translates only minimal's subset: it refuses, nothing is built.
	rm -f "$LP_BUILD/lambdas/json_processing-ruchy/bootstrap"
	run lpmake lambda FUNC=json_processing IMPL=ruchy RUCHY="$LP_ROOT/tests/bin/ruchy-test-double"
	[ "$status" -ne 0 ]
	assert_contains "outside the subset"
	[ ! -e "$LP_BUILD/lambdas/json_processing-ruchy/bootstrap" ]
}

# baseline IMPL TOOL: build the baseline or skip when its toolchain is missing
baseline() {
	command -v "$2" >/dev/null || skip "$1 baseline: $2 not installed"
	lpmake "$LP_BUILD/lambdas/minimal-$1/bootstrap" >&2
}

@test "the Go, Python, Node and C++ minimal baselines each complete cold starts ok and answer like minimal" {
	local ran=0
	for b in go:go python:python3 node:node cpp:g++; do
		impl=${b%%:*} tool=${b#*:}
		if ! command -v "$tool" >/dev/null; then
			echo "# skipped $impl: $tool not installed" >&3
			continue
		fi
		run lpmake "$LP_BUILD/lambdas/minimal-$impl/bootstrap"
		assert_status 0
		bs="$LP_BUILD/lambdas/minimal-$impl/bootstrap"
		# the task root: node's holds aws-lambda-ric next to its bootstrap
		lp-invoke --func minimal --impl $impl --cold 2 --init-timeout 30 --event "$EV/minimal.json" --log "$BATS_TEST_TMPDIR/$impl.log" "$(dirname "$bs")" > "$BATS_TEST_TMPDIR/$impl.ndjson"
		assert_jq "map(select(.type == \"invocation\")) | length == 2 and all(.[]; .status == \"ok\" and .start == \"cold\" and .response_bytes == ${#MIN_EXPECTED})" "$BATS_TEST_TMPDIR/$impl.ndjson"
		run "$LP_TEST_BIN/rtcapture" "$bs" "$EV/minimal.json" 2
		assert_status 0
		# (aws-lambda-ric also logs "Executing 'index.handler' ..." on stdout)
		got=$(printf '%s\n' "$output" | grep -E '^(response|error|init_error) ')
		[ "$got" = "$(printf 'response %s\nresponse %s' "$MIN_EXPECTED" "$MIN_EXPECTED")" ]
		ran=$((ran + 1))
	done
	if [ -e "$LP_BUILD/lambdas/minimal-node/NODE_CLIENT" ]; then
		echo "# node baseline client: $(cat "$LP_BUILD/lambdas/minimal-node/NODE_CLIENT")" >&3
	fi
	[ "$ran" -ge 1 ]
}

@test "make compare FUNC=minimal writes compare_row NDJSON and a markdown table with at least c, rust, go and python" {
	for t in go python3; do command -v $t >/dev/null || skip "$t not installed (compare needs go and python for this test)"; done
	# node and cpp are declared missing: they are skipped with a message (and
	# the run is shorter; they are not needed here).
	run lpmake compare FUNC=minimal N=2 LP_RESULTS="$BATS_TEST_TMPDIR/results" LP_BL_HAVE_node= LP_BL_HAVE_cpp=
	assert_status 0
	assert_contains "skipping node: toolchain not installed"
	assert_contains "skipping cpp: toolchain not installed"
	out="$BATS_TEST_TMPDIR/results/compare-minimal"
	assert_jq '[.[] | select(.type == "compare_row") | .impl] | (index("node") == null) and (index("cpp") == null)' "$out/compare.ndjson"
	assert_ndjson "$out/compare.ndjson"
	assert_jq '[.[] | select(.type == "compare_row") | .impl] as $i | all(("c","rust","go","python"); . as $x | $i | index($x))' "$out/compare.ndjson"
	assert_jq 'map(select(.type == "compare_row")) | all(.[]; .platform == "local" and .n == 2 and .n_ok == 2 and (.init_ms_p50 | type) == "number"
	           and .binary_bytes > 0 and .memory_mb == 128 and (.init_ms_p99_ci95 == null) and (.init_ms_p99_ci95_reason | length) > 0)' "$out/compare.ndjson"
	# ranked by p50 init, and exactly one fastest
	assert_jq 'map(select(.type == "compare_row")) | (map(.init_ms_p50) == (map(.init_ms_p50) | sort)) and (map(.rank) == [range(1; length + 1)])
	           and ([.[] | select(.relative_init.fastest)] | length) == 1' "$out/compare.ndjson"
	# AWS figures stay in their own records, marked aws, with source and date
	assert_jq 'map(select(.type == "compare_aws")) | length > 0 and all(.[]; .platform == "aws" and (.url | startswith("https://github.com/maxday/lambda-perf")) and .date == "2025-12-21")' "$out/compare.ndjson"
	# interleaved: one lp-invoke run per implementation per round
	assert_jq 'map(select(.type == "invocation")) | group_by(.impl) | all(.[]; length == 2)' "$out/invocations.ndjson"
	head -n 1 "$out/compare.md" | grep -q '^| RANK | IMPL |'
	sed -n 2p "$out/compare.md" | grep -q '^|---|'
	for i in c rust go python; do grep -q "^| [0-9] | $i |" "$out/compare.md"; done
	grep -q 'AWS FIGURES' "$out/compare.md"
	assert_contains "times faster than"
}

@test "make compare rejects an unknown FUNC with exit 2 and the valid names" {
	run lpmake compare FUNC=nope N=1 LP_RESULTS="$BATS_TEST_TMPDIR/results"
	[ "$status" -ne 0 ]
	assert_contains "unknown FUNC 'nope'"
	assert_contains "db_query"
}
