# Generates corpus.jsonl, the bad-input corpus BadInputCorpusTests runs: `python3 corpus.py` in this folder.
# Each case: method, path, API key (all, ingest, read, operate, none, wrong), body or bodyBase64, content type,
# the expected status range and, for a 400, the field its errors must name.
import json, base64
cases = []
def case(name, method, path, key="all", body=None, raw=None, ct="application/json", field=None, expect=(400, 499), headers=None):
    c = {"name": name, "method": method, "path": path, "key": key}
    if body is not None:
        c["body"] = body
    if raw is not None:
        c["bodyBase64"] = base64.b64encode(raw).decode()
    if (body is not None or raw is not None) and ct is not None:
        c["contentType"] = ct
    if field is not None:
        c["field"] = field
    c["expect"] = list(expect)
    if headers:
        c["headers"] = headers
    cases.append(c)

def tp(**over):
    t = {"eventId": "corpus-e-1", "customerId": "corpus-c-1", "type": "purchase_completed", "occurredAt": "2026-01-05T10:00:00Z",
         "source": "corpus", "data": {"orderId": "o-1", "amount": 10.5, "currency": "EUR"}}
    for k, v in over.items():
        if v is DEL:
            t.pop(k, None)
        else:
            t[k] = v
    return t
DEL = object()
J = lambda o: json.dumps(o, separators=(",", ":"))
valid = J(tp())

# ---- single touchpoint: malformed JSON and encodings
single = "/api/touchpoints"
for n, b in [("empty body", ""), ("whitespace", "   "), ("unclosed object", '{"eventId":"x"'), ("trailing comma", valid[:-1] + ",}"),
             ("single quotes", "{'eventId':'x'}"), ("bare word", "hello"), ("comment", "/* c */" + valid), ("two documents", valid + valid),
             ("NaN literal", valid.replace("10.5", "NaN")), ("unquoted key", valid.replace('"source"', "source")),
             ("control char in string", valid.replace("corpus-c-1", "corpus\x01c")), ("truncated escape", valid.replace("o-1", "o\\u12")),
             ("invalid escape", valid.replace("o-1", "o\\x41")), ("deeply nested", "[" * 100 + "]" * 100), ("number root", "42"),
             ("null root", "null"), ("string root", '"touchpoint"'), ("array root", "[" + valid + "]"), ("true root", "true"),
             ("hex number", valid.replace("10.5", "0x10")), ("leading zero number", valid.replace("10.5", "010.5")),
             ("plus number", valid.replace("10.5", "+10.5")), ("infinity", valid.replace("10.5", "Infinity"))]:
    case(f"single: {n}", "POST", single, body=b, field="$")
for n, raw in [("invalid UTF-8 byte C3 28", valid.encode().replace(b"corpus-c-1", b"corpus\xc3\x28c")),
               ("lone continuation byte", valid.encode().replace(b"corpus-c-1", b"corpus\x80c")),
               ("overlong slash C0 AF", valid.encode().replace(b"corpus-c-1", b"corpus\xc0\xafc")),
               ("overlong NUL C0 80", valid.encode().replace(b"corpus-c-1", b"corpus\xc0\x80c")),
               ("overlong 3-byte E0 80 AF", valid.encode().replace(b"corpus-c-1", b"corpus\xe0\x80\xafc")),
               ("overlong 4-byte F0 80 80 AF", valid.encode().replace(b"corpus-c-1", b"corpus\xf0\x80\x80\xafc")),
               ("CESU-8 surrogate pair", valid.encode().replace(b"corpus-c-1", b"corpus\xed\xa0\xbd\xed\xb8\x80c")),
               ("CESU-8 lone high surrogate", valid.encode().replace(b"corpus-c-1", b"corpus\xed\xa0\x80c")),
               ("code point above U+10FFFF", valid.encode().replace(b"corpus-c-1", b"corpus\xf4\x90\x80\x80c")),
               ("byte FF", valid.encode().replace(b"corpus-c-1", b"corpus\xffc")),
               ("cut-off 3-byte sequence at end", valid.encode() + b"\xe2\x82"),
               ("UTF-16 body", valid.encode("utf-16")),
               ("invalid UTF-8 in a data string", valid.encode().replace(b"o-1", b"o\xc3\x28")),
               ("invalid UTF-8 in a member name", valid.encode().replace(b'"source"', b'"sour\xc3\x28ce"'))]:
    case(f"single: {n}", "POST", single, raw=raw, field="$")
# duplicate member names
case("single: duplicate top-level member", "POST", single, body=valid[:-1] + ',"customerId":"corpus-c-2"}', field="$")
case("single: duplicate member inside data", "POST", single, body=valid.replace('"currency":"EUR"', '"currency":"EUR","amount":99'), field="$")
case("single: duplicate member differing only by escape", "POST", single, body=valid[:-1] + ',"\\u0073ource":"other"}', field="$")
case("single: duplicate eventId", "POST", single, body='{"eventId":"a","eventId":"b"' + valid[valid.index(',"customerId"'):], field="$")
# escaped lone surrogates and NUL
case("single: escaped lone high surrogate in customerId", "POST", single, body=valid.replace("corpus-c-1", "corpus\\ud800c"))
case("single: escaped lone low surrogate in data", "POST", single, body=valid.replace("o-1", "o\\udc00"))
case("single: escaped NUL in data", "POST", single, body=valid.replace("o-1", "o\\u0000"), field="$")
# envelope field problems
for n, over, f in [("missing eventId", {"eventId": DEL}, "eventId"), ("empty eventId", {"eventId": ""}, "eventId"),
                   ("numeric eventId", {"eventId": 5}, "eventId"), ("eventId with space", {"eventId": "a b"}, "eventId"),
                   ("eventId too long", {"eventId": "e" * 129}, "eventId"), ("null eventId", {"eventId": None}, "eventId"),
                   ("missing customerId", {"customerId": DEL}, "customerId"), ("empty customerId", {"customerId": ""}, "customerId"),
                   ("customerId with slash", {"customerId": "a/b"}, "customerId"), ("customerId dot-dot", {"customerId": ".."}, "customerId"),
                   ("customerId single dot", {"customerId": "."}, "customerId"), ("customerId with ../", {"customerId": "../etc"}, "customerId"),
                   ("customerId with backslash", {"customerId": "a\\b"}, "customerId"), ("customerId with percent", {"customerId": "a%2Fb"}, "customerId"),
                   ("customerId with question mark", {"customerId": "a?b"}, "customerId"), ("customerId with hash", {"customerId": "a#b"}, "customerId"),
                   ("customerId with space", {"customerId": "a b"}, "customerId"), ("customerId non-ASCII", {"customerId": "kundé"}, "customerId"),
                   ("customerId emoji", {"customerId": "c-\U0001F600"}, "customerId"), ("customerId starting with $", {"customerId": "$all"}, "customerId"),
                   ("customerId too long", {"customerId": "c" * 129}, "customerId"), ("customerId number", {"customerId": 42}, "customerId"),
                   ("customerId object", {"customerId": {"id": 1}}, "customerId"), ("customerId with quote", {"customerId": 'a"b'}, "customerId"),
                   ("customerId with angle brackets", {"customerId": "<script>"}, "customerId"), ("customerId with tab", {"customerId": "a\tb"}, "customerId"),
                   ("customerId with newline", {"customerId": "a\nb"}, "customerId"),
                   ("missing type", {"type": DEL}, "type"), ("unknown type", {"type": "purchase"}, "type"), ("type wrong case", {"type": "Purchase_Completed"}, "type"),
                   ("type number", {"type": 3}, "type"),
                   ("missing occurredAt", {"occurredAt": DEL}, "occurredAt"), ("occurredAt without offset", {"occurredAt": "2026-01-05T10:00:00"}, "occurredAt"),
                   ("occurredAt date only", {"occurredAt": "2026-01-05"}, "occurredAt"), ("occurredAt garbage", {"occurredAt": "yesterday"}, "occurredAt"),
                   ("occurredAt before 1970", {"occurredAt": "1969-12-31T23:59:59Z"}, "occurredAt"), ("occurredAt year 0001", {"occurredAt": "0001-01-01T00:00:00Z"}, "occurredAt"),
                   ("occurredAt year 9999", {"occurredAt": "9999-12-31T23:59:59Z"}, "occurredAt"), ("occurredAt far future", {"occurredAt": "2999-01-01T00:00:00Z"}, "occurredAt"),
                   ("occurredAt number", {"occurredAt": 1700000000}, "occurredAt"), ("occurredAt month 13", {"occurredAt": "2026-13-01T00:00:00Z"}, "occurredAt"),
                   ("occurredAt Feb 30", {"occurredAt": "2026-02-30T00:00:00Z"}, "occurredAt"), ("occurredAt offset +25:00", {"occurredAt": "2026-01-05T10:00:00+25:00"}, "occurredAt"),
                   ("sentAt garbage", {"sentAt": "soon"}, "sentAt"), ("sentAt year 9999", {"sentAt": "9999-12-31T23:59:59Z"}, None),
                   ("sentAt year 0001", {"sentAt": "0001-01-01T00:00:00Z"}, None),
                   ("missing source", {"source": DEL}, "source"), ("source with space", {"source": "a b"}, "source"), ("source too long", {"source": "s" * 65}, "source"),
                   ("missing data", {"data": DEL}, "data"), ("data array", {"data": []}, "data"), ("data string", {"data": "x"}, "data"), ("data null", {"data": None}, "data"),
                   ("unknown top-level field", {"extra": 1}, "extra")]:
    case(f"single: {n}", "POST", single, body=J(tp(**over)), field=f)
# data problems
def data(d, typ="purchase_completed"):
    return J(tp(type=typ, data=d))
for n, d, typ, f in [("amount string", {"orderId": "o", "amount": "10", "currency": "EUR"}, "purchase_completed", "data.amount"),
                     ("amount negative", {"orderId": "o", "amount": -1, "currency": "EUR"}, "purchase_completed", None),
                     ("amount huge", {"orderId": "o", "amount": 1e300, "currency": "EUR"}, "purchase_completed", None),
                     ("amount 40 digits", {"orderId": "o", "amount": int("9" * 40), "currency": "EUR"}, "purchase_completed", None),
                     ("currency lower", {"orderId": "o", "amount": 1, "currency": "eur"}, "purchase_completed", None),
                     ("currency missing", {"orderId": "o", "amount": 1}, "purchase_completed", None),
                     ("orderId missing", {"amount": 1, "currency": "EUR"}, "purchase_completed", None),
                     ("unknown data field", {"orderId": "o", "amount": 1, "currency": "EUR", "colour": "red"}, "purchase_completed", "data.colour"),
                     ("customerId inside data", {"orderId": "o", "amount": 1, "currency": "EUR", "customerId": "x"}, "purchase_completed", "data.customerId"),
                     ("items not array", {"orderId": "o", "amount": 1, "currency": "EUR", "items": 3}, "purchase_completed", None),
                     ("item quantity string", {"orderId": "o", "amount": 1, "currency": "EUR", "items": [{"quantity": "two"}]}, "purchase_completed", None),
                     ("item quantity overflow", {"orderId": "o", "amount": 1, "currency": "EUR", "items": [{"quantity": 99999999999}]}, "purchase_completed", None),
                     ("item quantity fraction", {"orderId": "o", "amount": 1, "currency": "EUR", "items": [{"quantity": 1.5}]}, "purchase_completed", None),
                     ("survey score out of range", {"surveyId": "s", "kind": "nps", "score": 11}, "survey_answered", None),
                     ("survey kind unknown", {"surveyId": "s", "kind": "ces", "score": 3}, "survey_answered", None),
                     ("survey kind integer", {"surveyId": "s", "kind": 0, "score": 3}, "survey_answered", None),
                     ("trial outcome unknown", {"outcome": "maybe"}, "trial_ended", None),
                     ("trial endsAt without offset", {"endsAt": "2026-02-01T00:00:00"}, "trial_started", None),
                     ("referral to self", {"referredCustomerId": "corpus-c-1"}, "referral_made", None),
                     ("referral to id with slash", {"referredCustomerId": "x/y"}, "referral_made", "data.referredCustomerId"),
                     ("loyalty points string", {"points": "many"}, "loyalty_points_earned", None),
                     ("loyalty points overflow", {"points": 3000000000}, "loyalty_points_earned", None),
                     ("complaint severity unknown", {"complaintId": "k", "severity": "apocalyptic"}, "complaint_filed", None),
                     ("ad shown without channel", {}, "ad_shown", None),
                     ("contact email object", {"email": {"a": 1}}, "contact_details_provided", None),
                     ("tier null", {"tier": None}, "membership_tier_changed", None)]:
    case(f"single data: {n}", "POST", single, body=data(d, typ), field=f)
# content types
for n, ctv in [("text/plain", "text/plain"), ("form", "application/x-www-form-urlencoded"), ("xml", "application/xml"), ("garbage media type", "not a media type")]:
    case(f"single: content type {n}", "POST", single, body=valid, ct=ctv, expect=(415, 415))
case("single: no content type", "POST", single, body=valid, ct=None, expect=(415, 415))
case("single: over 32 KB", "POST", single, body=J(tp(data={"page": "/" + "a" * 40000}, type="site_visited")), expect=(413, 413))
# auth
case("single: no key", "POST", single, key="none", body=valid, expect=(401, 401))
case("single: unknown key", "POST", single, key="wrong", body=valid, expect=(401, 401))
case("single: read key cannot ingest", "POST", single, key="read", body=valid, expect=(403, 403))
case("single: GET not allowed", "GET", single, expect=(404, 405))

# ---- batch
batch = "/api/touchpoints/batch"
for n, b, f in [("empty body", "", "$"), ("not JSON", "nope", "$"), ("array root", "[" + valid + "]", "touchpoints"), ("empty array", '{"touchpoints":[]}', "touchpoints"),
                ("touchpoints not array", '{"touchpoints":{}}', "touchpoints"), ("touchpoints null", '{"touchpoints":null}', "touchpoints"),
                ("missing touchpoints", "{}", "touchpoints"), ("unknown member", '{"touchpoints":[' + valid + '],"extra":1}', "extra"),
                ("duplicate touchpoints member", '{"touchpoints":[' + valid + '],"touchpoints":[]}', "$"),
                ("duplicate member in an item", '{"touchpoints":[' + valid[:-1] + ',"eventId":"z"}]}', "$"),
                ("truncated", '{"touchpoints":[' + valid, "$"), ("trailing garbage", '{"touchpoints":[' + valid + ']}x', "$")]:
    case(f"batch: {n}", "POST", batch, body=b, field=f)
for n, raw in [("invalid UTF-8", ('{"touchpoints":[' + valid + ']}').encode().replace(b"corpus-c-1", b"c\xc3\x28")),
               ("overlong UTF-8", ('{"touchpoints":[' + valid + ']}').encode().replace(b"corpus-c-1", b"c\xc0\xaf")),
               ("CESU-8", ('{"touchpoints":[' + valid + ']}').encode().replace(b"corpus-c-1", b"c\xed\xa0\xbd\xed\xb8\x80"))]:
    case(f"batch: {n}", "POST", batch, raw=raw, field="$")
case("batch: too many items", "POST", batch, body=J({"touchpoints": [{} for i in range(5001)]}), expect=(413, 413))
case("batch: text/plain", "POST", batch, body='{"touchpoints":[]}', ct="text/plain", expect=(415, 415))
case("batch: operate key cannot ingest", "POST", batch, key="operate", body='{"touchpoints":[]}', expect=(403, 403))
case("batch: nesting too deep", "POST", batch, body='{"touchpoints":' + "[" * 64 + "]" * 64 + "}", field="$")

# ---- imports
imp = "/api/imports/transactions"
line = "00001 19970101 1 11.77\n"
for n, q, f in [("no source", "?currency=USD", "source"), ("no currency", "?source=cdnow", "currency"), ("lower-case currency", "?source=cdnow&currency=usd", "currency"),
                ("bad source", "?source=a%20b&currency=USD", "source"), ("prefix with slash", "?source=cdnow&currency=USD&customerPrefix=a/b", "customerPrefix"),
                ("prefix starting with $", "?source=cdnow&currency=USD&customerPrefix=$x", "customerPrefix"),
                ("prefix too long", "?source=cdnow&currency=USD&customerPrefix=" + "p" * 65, "customerPrefix"),
                ("prefix with percent", "?source=cdnow&currency=USD&customerPrefix=a%25b", "customerPrefix")]:
    case(f"import: {n}", "POST", imp + q, body=line, ct="text/plain", field=f)
case("import: JSON body", "POST", imp + "?source=cdnow&currency=USD", body="{}", ct="application/json", expect=(415, 415))
case("import: no content type", "POST", imp + "?source=cdnow&currency=USD", body=line, ct=None, expect=(415, 415))
case("import: empty body", "POST", imp + "?source=cdnow&currency=USD", body="", ct="text/plain", field="$")
case("import: blank lines only", "POST", imp + "?source=cdnow&currency=USD", body="\n\n  \n", ct="text/plain", field="$")
case("import: invalid UTF-8", "POST", imp + "?source=cdnow&currency=USD", raw=b"00001 19970101 1 \xff\xfe\n", ct="text/plain", field="$")
case("import: read key", "POST", imp + "?source=cdnow&currency=USD", key="read", body=line, ct="text/plain", expect=(403, 403))

# ---- queries
qs = [
    ("funnel", "/api/lifecycle/funnel", [("from far future", "?from=9999-12-31", "from"), ("from year 0001", "?from=0001-01-01&to=2026-01-01", "from"),
        ("to year 9999", "?from=2026-01-01&to=9999-12-31", "to"), ("from garbage", "?from=yesterday&to=2026-01-01", "from"),
        ("from missing", "?to=2026-01-01", "from"), ("to before from", "?from=2026-02-01&to=2026-01-01", "to"),
        ("window too long", "?from=1970-01-01&to=2999-12-31", "to"), ("by unknown", "?from=2026-01-01&to=2026-02-01&by=colour", "by"),
        ("cohort bad", "?from=2026-01-01&to=2026-02-01&cohort=2026-13", "cohort"), ("cohort year 9999", "?from=2026-01-01&to=2026-02-01&cohort=9999-12", "cohort"),
        ("from max timestamp", "?from=9999-12-31T23:59:59Z&to=9999-12-31T23:59:59Z", "from"), ("from with bad offset", "?from=2026-01-01T00:00:00+99:00&to=2026-02-01", "from"),
        ("from month 00", "?from=2026-00-10&to=2026-02-01", "from")]),
    ("cohorts", "/api/lifecycle/cohorts/retention", [("from 9999-12", "?from=9999-12&to=9999-12", "from"), ("from 9999-12 alone", "?from=9999-12", "from"),
        ("to 9999-12", "?from=2026-01&to=9999-12", "to"), ("from 0001-01", "?from=0001-01&to=0001-02", "from"), ("from missing", "?to=2026-01", "from"),
        ("to before from", "?from=2026-05&to=2026-01", "to"), ("maxOffset negative", "?from=2026-01&to=2026-02&maxOffset=-1", "maxOffset"),
        ("maxOffset huge", "?from=2026-01&to=2026-02&maxOffset=100000", "maxOffset"), ("maxOffset text", "?from=2026-01&to=2026-02&maxOffset=ten", "maxOffset"),
        ("maxOffset overflow", "?from=2026-01&to=2026-02&maxOffset=99999999999", "maxOffset"), ("currency bad", "?from=2026-01&to=2026-02&currency=EURO", "currency"),
        ("from full date", "?from=2026-01-01&to=2026-02", "from"), ("too many cohorts", "?from=1970-01&to=2999-12", "to")]),
    ("stages", "/api/lifecycle/stages", [("asOf garbage", "?asOf=soon", "asOf"), ("asOf year 9999", "?asOf=9999-12-31T23:59:59Z", "asOf"),
        ("asOf year 0001", "?asOf=0001-01-01T00:00:00Z", "asOf"), ("cohort bad", "?cohort=2026-1", "cohort"), ("cohort year 9999", "?cohort=9999-12", "cohort")]),
    ("time in stage", "/api/lifecycle/time-in-stage", [("cohort bad", "?cohort=13-2026", "cohort"), ("cohort 9999", "?cohort=9999-12", "cohort"), ("cohort month 13", "?cohort=2026-13", "cohort")]),
    ("customers in stage", "/api/lifecycle/stages/{}/customers", []),
    ("churn risk", "/api/analytics/churn-risk", [("sort unknown", "?sort=name", "sort"), ("limit zero", "?limit=0", "limit"), ("limit huge", "?limit=1000000", "limit"),
        ("offset negative", "?offset=-5", "offset"), ("limit text", "?limit=ten", "limit"), ("snapshotId not guid", "?snapshotId=abc", "snapshotId"),
        ("stage unknown", "?stage=zombie", "stage"), ("stage integer", "?stage=3", "stage"), ("segment unknown", "?segment=vip", "segment"),
        ("cohort bad", "?cohort=2026/01", "cohort"), ("format unknown", "?format=xml", "format"), ("offset overflow", "?offset=99999999999", "offset")]),
    ("churn segments", "/api/analytics/churn-risk/segments", [("snapshotId not guid", "?snapshotId=zzz", "snapshotId")]),
    ("clv fits", "/api/analytics/clv/fits/", []),
    ("clv snapshots", "/api/analytics/clv/snapshots", [("status unknown", "?status=done", "status"), ("status integer", "?status=1", "status"),
        ("limit zero", "?limit=0", "limit"), ("limit huge", "?limit=100000", "limit"), ("offset negative", "?offset=-1", "offset"), ("offset text", "?offset=x", "offset")]),
    ("rejections", "/api/ingestion/rejections", [("limit zero", "?limit=0", "limit"), ("limit over max", "?limit=501", "limit"), ("limit text", "?limit=all", "limit"),
        ("before text", "?before=yesterday", "before"), ("before overflow", "?before=99999999999999999999", "before"), ("limit negative", "?limit=-1", "limit")]),
    ("customer events", "/api/customers/corpus-nobody/events", [("limit zero", "?limit=0", "limit"), ("limit text", "?limit=ten", "limit"),
        ("fromVersion zero", "?fromVersion=0", "fromVersion"), ("fromVersion text", "?fromVersion=first", "fromVersion"), ("limit huge", "?limit=100000000", "limit")]),
    ("customer stage", "/api/customers/corpus-nobody/stage", [("asOf garbage", "?asOf=later", "asOf"), ("knownAt garbage", "?knownAt=x", "knownAt"),
        ("asOf missing", "", "asOf")]),
    ("customer transitions", "/api/customers/corpus-nobody/transitions", [("includeWithdrawn not bool", "?includeWithdrawn=perhaps", "includeWithdrawn")]),
]
for fam, path, items in qs:
    for n, q, f in items:
        case(f"{fam}: {n}", "GET", path + q, field=f)
for st, q, f in [("zombie", "", "stage"), ("3", "", "stage"), ("customer", "?limit=0", "limit"), ("customer", "?sort=name", "sort"), ("customer", "?order=sideways", "order"),
                 ("customer", "?offset=-1", "offset"), ("customer", "?cohort=2026-99", "cohort"), ("customer", "?limit=1000000", "limit")]:
    case(f"customers in stage: {st}{q}", "GET", f"/api/lifecycle/stages/{st}/customers{q}", field=f)
for n, p in [("clv fit id not guid", "/api/analytics/clv/fits/not-a-guid"), ("clv snapshot id not guid", "/api/analytics/clv/snapshots/123")]:
    case(n, "GET", p, expect=(400, 404))
for n, p in [("unknown clv fit", "/api/analytics/clv/fits/00000000-0000-0000-0000-000000000001"), ("unknown clv snapshot", "/api/analytics/clv/snapshots/00000000-0000-0000-0000-000000000001"),
             ("unknown customer events", "/api/customers/corpus-nobody/events"), ("unknown customer profile", "/api/customers/corpus-nobody/profile"),
             ("unknown customer value", "/api/customers/corpus-nobody/value"), ("unknown customer transitions", "/api/customers/corpus-nobody/transitions"),
             ("customer id encoded slash", "/api/customers/a%2Fb/events"), ("customer id encoded dot-dot", "/api/customers/%2E%2E/events"),
             ("customer id encoded control character", "/api/customers/a%01b/profile"), ("customer id invalid percent", "/api/customers/a%ZZb/events"),
             ("customer id overlong UTF-8 in path", "/api/customers/a%C0%AFb/events"), ("unknown route", "/api/nothing-here")]:
    case(f"path: {n}", "GET", p, expect=(400, 404))
case("read: ingest key cannot read", "GET", "/api/lifecycle/stages", key="ingest", expect=(403, 403))
case("read: no key", "GET", "/api/lifecycle/stages", key="none", expect=(401, 401))
case("rejections: read key cannot list", "GET", "/api/ingestion/rejections", key="read", expect=(403, 403))
case("rejections: unknown payload id", "GET", "/api/ingestion/rejections/999999999999/payload", expect=(404, 404))
case("rejections: payload id text", "GET", "/api/ingestion/rejections/abc/payload", expect=(400, 404))

# ---- what-if and verify (Wolverine-bound JSON bodies)
wi = "/api/lifecycle/what-if"
for n, b in [("empty body", ""), ("not JSON", "x"), ("array", "[]"), ("rules missing", "{}"), ("rules not object", '{"rules":5}'),
             ("unknown rule", '{"rules":{"noSuchRule":1}}'), ("rule wrong type", '{"rules":{"atRiskAfterDays":"sixty"}}'),
             ("rule negative", '{"rules":{"atRiskAfterDays":-5}}'), ("sample zero", '{"rules":{},"sample":0}'), ("sample huge", '{"rules":{},"sample":100000000}'),
             ("sample text", '{"rules":{},"sample":"all"}'), ("asOf garbage", '{"rules":{},"asOf":"later"}'), ("asOf year 9999", '{"rules":{},"asOf":"9999-12-31T23:59:59Z"}'),
             ("asOf year 0001", '{"rules":{},"asOf":"0001-01-01T00:00:00Z"}'), ("duplicate member", '{"rules":{},"rules":{"atRiskAfterDays":1}}'),
             ("truncated", '{"rules":{'), ("deep nesting", '{"rules":' + '{"a":' * 200 + "1" + "}" * 200 + "}")]:
    case(f"what-if: {n}", "POST", wi, body=b)
case("what-if: invalid UTF-8", "POST", wi, raw=b'{"rules":{"x\xc3\x28":1}}')
case("what-if: CESU-8", "POST", wi, raw=b'{"rules":{},"asOf":"\xed\xa0\x80"}')
case("what-if: overlong UTF-8", "POST", wi, raw=b'{"rules":{},"asOf":"\xc0\xaf"}')
case("what-if: text/plain", "POST", wi, body='{"rules":{}}', ct="text/plain", expect=(400, 415))
case("what-if: read key", "POST", wi, key="read", body='{"rules":{}}', expect=(403, 403))
vf = "/api/lifecycle/verify"
for n, b in [("limit zero", '{"limit":0}'), ("limit huge", '{"limit":100000}'), ("limit text", '{"limit":"x"}'), ("not JSON", "{"), ("array", "[1]"),
             ("unknown customer", '{"customerId":"corpus-nobody"}'), ("customerId number", '{"customerId":5}'), ("duplicate member", '{"limit":1,"limit":2}')]:
    case(f"verify: {n}", "POST", vf, body=b)
case("verify: invalid UTF-8", "POST", vf, raw=b'{"customerId":"\xff"}')

# ---- erasure
for n, p, b in [("unknown customer", "/api/customers/corpus-nobody/erase", '{"reason":"test"}'), ("no reason", "/api/customers/corpus-nobody/erase", "{}"),
                ("empty reason", "/api/customers/corpus-nobody/erase", '{"reason":""}'), ("reason too long", "/api/customers/corpus-nobody/erase", J({"reason": "r" * 501})),
                ("reason number", "/api/customers/corpus-nobody/erase", '{"reason":5}'), ("body not JSON", "/api/customers/corpus-nobody/erase", "erase please"),
                ("empty body", "/api/customers/corpus-nobody/erase", ""), ("duplicate member", "/api/customers/corpus-nobody/erase", '{"reason":"a","reason":"b"}'),
                ("encoded slash id", "/api/customers/a%2Fb/erase", '{"reason":"test"}'), ("dot-dot id", "/api/customers/%2E%2E/erase", '{"reason":"test"}')]:
    case(f"erase: {n}", "POST", p, body=b)
case("erase: invalid UTF-8 reason", "POST", "/api/customers/corpus-nobody/erase", raw=b'{"reason":"\xc0\xaf"}')
case("erase: read key", "POST", "/api/customers/corpus-nobody/erase", key="read", body='{"reason":"x"}', expect=(403, 403))
case("erase: ingest key", "POST", "/api/customers/corpus-nobody/erase", key="ingest", body='{"reason":"x"}', expect=(403, 403))

# ---- CLV fit requests
fit = "/api/analytics/clv/fits"
for n, b, f in [("currency lower", '{"currency":"usd"}', "currency"), ("currency long", '{"currency":"EURO"}', "currency"),
                ("prefix with slash", '{"customerPrefix":"a/b"}', "customerPrefix"), ("prefix empty", '{"customerPrefix":""}', "customerPrefix"),
                ("source with space", '{"source":"a b"}', "source"), ("observationStart 1969", '{"observationStart":"1969-12-31"}', "observationStart"),
                ("calibrationEnd future", '{"calibrationEnd":"2999-01-01"}', "calibrationEnd"), ("calibrationEnd year 9999", '{"calibrationEnd":"9999-12-31"}', "calibrationEnd"),
                ("holdoutEnd before calibration", '{"calibrationEnd":"2026-01-01","holdoutEnd":"2025-01-01"}', "holdoutEnd"),
                ("horizon zero", '{"horizonPeriods":0}', "horizonPeriods"), ("horizon huge", '{"horizonPeriods":100000}', "horizonPeriods"),
                ("periodWeeks zero", '{"periodWeeks":0}', "periodWeeks"), ("discount one", '{"discountRatePerPeriod":1}', "discountRatePerPeriod"),
                ("margin zero", '{"marginRate":0}', "marginRate"), ("margin above one", '{"marginRate":1.5}', "marginRate"),
                ("observationStart after calibrationEnd", '{"observationStart":"2026-01-02","calibrationEnd":"2026-01-01"}', "observationStart")]:
    case(f"clv fit: {n}", "POST", fit, body=b, field=f)
for n, b in [("date garbage", '{"calibrationEnd":"someday"}'), ("horizon text", '{"horizonPeriods":"ten"}'), ("not JSON", "fit"), ("array", "[]"),
             ("duplicate member", '{"currency":"EUR","currency":"USD"}'), ("horizon overflow", '{"horizonPeriods":99999999999}'), ("periodWeeks NaN", '{"periodWeeks":NaN}'),
             ("truncated", '{"currency":')]:
    case(f"clv fit: {n}", "POST", fit, body=b)
case("clv fit: invalid UTF-8", "POST", fit, raw=b'{"source":"\xe0\x80\xaf"}')
case("clv fit: read key", "POST", fit, key="read", body="{}", expect=(403, 403))

# ---- projections
for n, p in [("unknown projection", "/api/projections/nothing/rebuild"), ("projection path traversal", "/api/projections/..%2F..%2Fetc/rebuild")]:
    case(f"projections: {n}", "POST", p, body="{}", expect=(400, 404))
case("projections: read key cannot rebuild", "POST", "/api/projections/CustomerJourney/rebuild", key="read", body="{}", expect=(403, 403))

names = [c["name"] for c in cases]
assert len(names) == len(set(names)), [n for n in names if names.count(n) > 1]
with open("corpus.jsonl", "w") as f:
    for c in cases:
        f.write(json.dumps(c, ensure_ascii=True) + "\n")
print(len(cases))
