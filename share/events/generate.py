#!/usr/bin/env python3
"""Generate the sample events of the benchmark suite, deterministically.

    python3 share/events/generate.py [OUTDIR]     (default: this directory)

The generated files are committed; re-running this script reproduces them
byte for byte (a fixed 64-bit LCG, no dependency on Python's `random`).
Only the standard library is used.
"""
import json
import os
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))


class Lcg:
    """Knuth's MMIX LCG; the high bits are the output."""

    def __init__(self, seed):
        self.s = seed & 0xFFFFFFFFFFFFFFFF

    def next(self):
        self.s = (self.s * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        return self.s >> 33

    def below(self, n):
        return self.next() % n

    def pick(self, seq):
        return seq[self.below(len(seq))]


def write(name, obj):
    path = os.path.join(OUT, name)
    with open(path, "w", encoding="ascii") as f:
        json.dump(obj, f, separators=(",", ":"), ensure_ascii=True)
        f.write("\n")
    print("%s: %d bytes" % (path, os.path.getsize(path)))


def json_processing():
    """~100 KB of orders: filter (status, currency), aggregate per customer, sort."""
    r = Lcg(20260101)
    statuses = ["pending", "paid", "shipped", "delivered", "cancelled", "refunded"]
    currencies = ["EUR", "EUR", "EUR", "USD"]
    skus = ["SKU-%04d" % i for i in range(1, 121)]
    orders = []
    for i in range(1, 351):
        items = []
        for _ in range(1 + r.below(3)):
            items.append({
                "sku": r.pick(skus),
                "qty": 1 + r.below(5),
                "unit_price_cents": 99 + r.below(25000),
            })
        month = 1 + r.below(12)
        day = 1 + r.below(28)
        orders.append({
            "id": "ORD-%06d" % i,
            "customer": "CUST-%04d" % (1 + r.below(60)),
            "status": r.pick(statuses),
            "currency": r.pick(currencies),
            "created": "2025-%02d-%02dT%02d:%02d:00Z" % (month, day, r.below(24), r.below(60)),
            "shipping": {"country": r.pick(["FR", "DE", "ES", "IT", "NL", "US"]),
                         "express": r.below(4) == 0},
            "items": items,
            "note": "" if r.below(3) else "gift wrap, leave at door",
        })
    write("json_processing.json", {"source": "lp-suite", "currency": "EUR", "orders": orders})


def data_transform():
    """Records with messy names, dates, amounts and currencies; some invalid."""
    r = Lcg(20260202)
    first = ["  jOHN", "mary-jane ", "o'brien", "ZOE", "  li", "ana maria", "Pierre", "\tsaoirse"]
    last = ["smith  ", "DUPONT", "van der berg", "nakamura", "  o'neil", "GARCIA lopez", "", "mueller"]
    domains = ["Example.COM", "mail.example.org", "example.net", "EXAMPLE.fr"] * 3 + ["invalid"]
    currencies = ["usd", "EUR", " gbp", "jpy", "chf", "EUR", "usd"] * 2 + ["XYZ"]
    records = []
    for i in range(1, 241):
        y, m, d = 1940 + r.below(66), 1 + r.below(12), 1 + r.below(31)
        k = r.below(10)
        fmt = 3 if k == 9 else k % 3
        if fmt == 0:
            date = "%04d-%02d-%02d" % (y, m, d)
        elif fmt == 1:
            date = "%02d/%02d/%04d" % (d, m, y)
        elif fmt == 2:
            date = "%04d%02d%02d" % (y, m, d)
        else:
            date = r.pick(["1990-13-01", "yesterday", "2001-02-29", "2000-02-29", "31/04/1999"])
        whole = r.below((100, 1000, 20000)[r.below(3)])
        cents = r.below(100)
        k = r.below(12)
        af = 4 if k == 11 else k % 4
        if af == 0:
            amount = "%d.%02d" % (whole, cents)
        elif af == 1:
            amount = "{:,}".format(whole) + ".%02d" % cents
        elif af == 2:
            amount = "%d" % whole
        elif af == 3:
            amount = "%d.%d" % (whole, cents % 10)
        else:
            amount = r.pick(["-12.00", "12.345", "abc", "", "1,2,3"])
        fn, ln = r.pick(first), r.pick(last)
        local = (fn.strip().split(" ")[0] + "." + (ln.strip() or "x")).replace("'", "").replace(" ", "")
        email = " %s@%s " % (local, r.pick(domains)) if r.below(10) else "no-at-sign.example.com"
        rec = {
            "id": "R%05d" % i,
            "name": fn + " " + ln,
            "email": email,
            "birth_date": date,
            "amount": amount,
            "currency": r.pick(currencies),
            "country": r.pick(["fr", "DE", "us ", "gb", "jp", "ch"] * 3 + ["F", ""]),
        }
        if r.below(40) == 0:
            del rec["id"]
        records.append(rec)
    write("data_transform.json", {"as_of": "2026-01-01", "records": records})


def api_gateway():
    """API Gateway proxy events, REST (v1) and HTTP API (v2)."""
    def v1(method, path, query=None, body=None):
        return {
            "resource": "/{proxy+}", "path": path, "httpMethod": method,
            "headers": {"Accept": "application/json", "Host": "api.example.com",
                        "User-Agent": "lp-suite", "X-Forwarded-Proto": "https"},
            "multiValueHeaders": None,
            "queryStringParameters": query,
            "multiValueQueryStringParameters": None if query is None else {k: [v] for k, v in query.items()},
            "pathParameters": {"proxy": path.lstrip("/")}, "stageVariables": None,
            "requestContext": {"accountId": "123456789012", "apiId": "lpsuite01", "stage": "prod",
                               "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
                               "httpMethod": method, "path": "/prod" + path,
                               "identity": {"sourceIp": "203.0.113.7", "userAgent": "lp-suite"}},
            "body": None if body is None else json.dumps(body, separators=(",", ":")),
            "isBase64Encoded": False,
        }

    def v2(method, path, query=None, body=None):
        ev = {
            "version": "2.0", "routeKey": "$default", "rawPath": path,
            "rawQueryString": "&".join("%s=%s" % kv for kv in (query or {}).items()),
            "headers": {"accept": "application/json", "host": "api.example.com",
                        "user-agent": "lp-suite", "x-forwarded-proto": "https"},
            "requestContext": {"accountId": "123456789012", "apiId": "lpsuite02",
                               "domainName": "api.example.com", "requestId": "JKJaXmPLvHcESHA=",
                               "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                                        "sourceIp": "203.0.113.7", "userAgent": "lp-suite"},
                               "stage": "$default", "timeEpoch": 1767225600000},
            "isBase64Encoded": False,
        }
        if query:
            ev["queryStringParameters"] = query
        if body is not None:
            ev["body"] = json.dumps(body, separators=(",", ":"))
        return ev

    # The default event (make profile FUNC=api_gateway) and the routing cases.
    write("api_gateway.json", v2("GET", "/users/42/orders", {"status": "shipped", "limit": "5"}))
    cases = [
        ("v1-health", v1("GET", "/health")),
        ("v1-list", v1("GET", "/users", {"limit": "3", "offset": "10"})),
        ("v1-get", v1("GET", "/users/7")),
        ("v1-get-missing", v1("GET", "/users/9999")),
        ("v1-create", v1("POST", "/users", body={"name": "Ada \"the first\" Lovelace", "email": "ada@example.com"})),
        ("v1-bad-body", v1("POST", "/users", body=None)),
        ("v1-delete", v1("DELETE", "/users/12")),
        ("v1-405", v1("PUT", "/users/12")),
        ("v1-404", v1("GET", "/nope")),
        ("v2-orders", v2("GET", "/users/42/orders", {"status": "shipped", "limit": "5"})),
        ("v2-orders-all", v2("GET", "/users/3/orders/")),
        ("v2-list-bad-limit", v2("GET", "/users", {"limit": "500"})),
        ("v2-bad-id", v2("GET", "/users/abc")),
        ("v2-405", v2("PATCH", "/health")),
        ("v2-404", v2("GET", "/users/1/invoices")),
        ("v2-create", v2("POST", "/users", body={"name": "Grace Hopper"})),
    ]
    os.makedirs(os.path.join(OUT, "api_gateway"), exist_ok=True)
    for name, ev in cases:
        write(os.path.join("api_gateway", name + ".json"), ev)


def db_query():
    write("db_query.json", {"customer_id": 42, "status": "shipped", "limit": 10})
    os.makedirs(os.path.join(OUT, "db_query"), exist_ok=True)
    write(os.path.join("db_query", "all-statuses.json"), {"customer_id": 7})
    write(os.path.join("db_query", "unknown-customer.json"), {"customer_id": 999999, "limit": 5})
    write(os.path.join("db_query", "limit-3.json"), {"customer_id": 1999, "status": None, "limit": 3})
    write(os.path.join("db_query", "bad-id.json"), {"customer_id": "42"})
    write(os.path.join("db_query", "bad-status.json"), {"customer_id": 42, "status": "lost"})


json_processing()
data_transform()
api_gateway()
db_query()
