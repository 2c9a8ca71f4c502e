/* Unit tests for tools/lib/lreport: Lambda REPORT lines as AWS writes them. */
#include <math.h>
#include <string.h>

#include "lreport.h"
#include "tap.h"

int
main(void)
{
	struct lr_report r;
	char err[256];
	const char *cold =
	    "START RequestId: 8f5e0c6a-1d2b-4c3d-9e8f-001122334455 Version: $LATEST\n"
	    "hello from the handler\n"
	    "END RequestId: 8f5e0c6a-1d2b-4c3d-9e8f-001122334455\n"
	    "REPORT RequestId: 8f5e0c6a-1d2b-4c3d-9e8f-001122334455\tDuration: 1.53 ms\t"
	    "Billed Duration: 14 ms\tMemory Size: 128 MB\tMax Memory Used: 14 MB\t"
	    "Init Duration: 12.10 ms\t\n";
	ok(lr_parse_log(cold, strlen(cold), NULL, &r, err, sizeof err) == 0, "a cold start's log tail parses");
	ok(strcmp(r.request_id, "8f5e0c6a-1d2b-4c3d-9e8f-001122334455") == 0, "the request id is read");
	ok(close_enough(r.duration_ms, 1.53, 1e-9), "Duration is read in ms");
	ok(close_enough(r.billed_duration_ms, 14, 1e-9), "Billed Duration is read in ms");
	ok(r.memory_size_mb == 128 && r.max_memory_used_mb == 14, "Memory Size and Max Memory Used are read in MB");
	ok(r.has_init && close_enough(r.init_ms, 12.10, 1e-9), "Init Duration marks a cold start");
	ok(!r.has_restore && isnan(r.restore_ms), "no Restore Duration without SnapStart");

	const char *warm = "REPORT RequestId: abc\tDuration: 0.88 ms\tBilled Duration: 1 ms\t"
	    "Memory Size: 512 MB\tMax Memory Used: 20 MB\t";
	ok(lr_parse_line(warm, strlen(warm), &r, err, sizeof err) == 0 && !r.has_init && isnan(r.init_ms),
	    "a REPORT without Init Duration is a warm start");

	const char *snap = "REPORT RequestId: s1\tDuration: 5.00 ms\tBilled Duration: 120 ms\t"
	    "Memory Size: 1024 MB\tMax Memory Used: 90 MB\tRestore Duration: 300.12 ms\t"
	    "Billed Restore Duration: 114 ms\t";
	ok(lr_parse_line(snap, strlen(snap), &r, err, sizeof err) == 0 && r.has_restore &&
	    close_enough(r.restore_ms, 300.12, 1e-9) && close_enough(r.billed_restore_ms, 114, 1e-9) && !r.has_init,
	    "Restore Duration and Billed Restore Duration are read from a SnapStart REPORT");

	const char *st = "REPORT RequestId: t1\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\t"
	    "Memory Size: 128 MB\tMax Memory Used: 17 MB\tStatus: error\tError Type: Runtime.ExitError";
	ok(lr_parse_line(st, strlen(st), &r, err, sizeof err) == 0 && strcmp(r.status, "error") == 0 &&
	    strcmp(r.error_type, "Runtime.ExitError") == 0, "Status and Error Type are read");

	const char *two = "REPORT RequestId: a\tDuration: 1 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 1 MB\t\n"
	    "REPORT RequestId: b\tDuration: 2 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 2 MB\t\n";
	ok(lr_parse_log(two, strlen(two), "a", &r, err, sizeof err) == 0 && close_enough(r.duration_ms, 1, 1e-9),
	    "the REPORT of the asked request id is picked");
	ok(lr_parse_log(two, strlen(two), NULL, &r, err, sizeof err) == 0 && strcmp(r.request_id, "b") == 0,
	    "without a request id the last REPORT is picked");
	ok(lr_parse_log(two, strlen(two), "ab", &r, err, sizeof err) == -1 && strstr(err, "no REPORT line for request ab"),
	    "a request id that is only a prefix does not match");

	const char *bad = "REPORT RequestId: x\tDuration: fast ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 1 MB";
	ok(lr_parse_line(bad, strlen(bad), &r, err, sizeof err) == -1 && strstr(err, "Duration is not a number"),
	    "a non-numeric Duration is an error that names the field");
	const char *unit = "REPORT RequestId: x\tDuration: 1 s\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 1 MB";
	ok(lr_parse_line(unit, strlen(unit), &r, err, sizeof err) == -1, "a Duration in the wrong unit is an error");
	const char *lack = "REPORT RequestId: x\tDuration: 1 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB";
	ok(lr_parse_line(lack, strlen(lack), &r, err, sizeof err) == -1 && strstr(err, "Max Memory Used"),
	    "a REPORT missing Max Memory Used is an error that names it");
	const char *none = "START RequestId: x Version: $LATEST\nEND RequestId: x\n";
	ok(lr_parse_log(none, strlen(none), NULL, &r, err, sizeof err) == -1 && strstr(err, "no REPORT line"),
	    "a log without REPORT says so");
	const char *neg = "REPORT RequestId: x\tDuration: -1 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 1 MB";
	ok(lr_parse_line(neg, strlen(neg), &r, err, sizeof err) == -1, "a negative duration is rejected");
	const char *dash = "REPORT RequestId: d\tDuration: 2.00 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: - MB\t";
	ok(lr_parse_line(dash, strlen(dash), &r, err, sizeof err) == 0 && r.max_memory_used_mb == -1,
	    "a Max Memory Used written as '-' reads as unknown (-1), not 0");
	return tap_done();
}
