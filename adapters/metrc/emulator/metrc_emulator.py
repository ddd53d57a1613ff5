#!/usr/bin/env python3
"""metrc_emulator.py — a Metrc v2 API emulator for edict's tests and bench.

It behaves as ../shared/domain/FACTS.md §1 says Metrc does (the December
2026 update included), so that edict's client, sync and outbox are tested
against the real shapes, limits and failures, never against mocks:

- HTTP Basic auth, username the vendor (integrator) key, password the user
  key; a wrong pair is 401 {"Message": ...}. A user key reaches only its
  own licences: another licence's list or entity is 401.
- v2 list endpoints: pagination is off unless pageSize is sent; pageSize
  above 20 is 400; a paged body is {Data, Total, TotalRecords, PageSize,
  RecordsOnPage, CurrentPage, Page, TotalPages}; pageNumber starts at 1.
  /tags/v2/plant/available and /facilities/v2/ are bare arrays.
- lastModifiedStart/End: ISO-8601 (yyyy-mm-ddThh:mm:ssZ); a window longer
  than --window-hours (24) is 400.
- Rate limits on GET only, per facility (licence) and per integrator key:
  calls per second and concurrent calls (defaults 50/150/10/30, the SDK
  defaults FACTS cites); over the limit: 429 with Retry-After.
- POST/PUT bodies: more than 10 objects is 413; a validation failure is
  400 [{"row": N, "message": ...}]; success is {"Ids": [...], "Warnings": null}.
- Faults, set by POST /_emulator/faults (JSON) or at start (--faults JSON):
  error_rate (a 500 or 503), slow_rate + slow_ms, cut_rate (the connection
  closed mid-answer), latency_ms [lo, hi] on every answer (a GET that counts
  against a facility's limits spends slow_ms and latency_ms holding its
  place: Metrc counts a call in flight until it is answered), garbage_rate
  (a 200 whose body is not JSON), shape_rate (a 200 whose Data is not a
  list), huge_rate (a 200 body of 64 MiB of
  spaces), only_paths (apply faults only to paths starting with one of these).
  Injected failures happen before anything is applied, except cut_after_rate:
  a write applied and then its connection cut (the answer lost), and
  cut_after_keys, the same on the first receipt of each key listed.
- Receipts: a write carrying X-Idempotency-Key is applied once per key (a
  repeat gets the first answer); GET /_emulator/stats counts requests per
  path and status, receipts and applications per key. /_emulator/* needs
  no auth (it is the test's side channel, not Metrc's).

Run: python3 metrc_emulator.py --port-file F [--port 0] [--config JSON]
where the config names the keys, licences and how many objects to seed.
"""
import argparse
import base64
import datetime as dt
import json
import random
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UTC = dt.timezone.utc
LOCK = threading.RLock()

DEFAULT_CONFIG = {
    "vendor_key": "emu-vendor-key",
    # user key -> the licences it may use
    "users": {"emu-user-key": ["OR-LIC-1", "OR-LIC-2"]},
    # seeded per licence
    "seed": {"packages": 45, "plants": 12, "plantbatches": 5, "harvests": 4,
             "transfers": 3},
    # when the seeded objects were last modified: spread over this many hours
    # before "now" (the emulator's clock, see now)
    "spread_hours": 60,
    "now": None,  # ISO time the emulator takes as now; None: the real clock
    "window_hours": 24,
    "max_page_size": 20,
    "max_objects": 10,
    "limits": {"get_per_s_facility": 50, "get_per_s_integrator": 150,
               "concurrent_facility": 10, "concurrent_integrator": 30},
    "retry_after_s": 1,
    # resource -> the active lists seeded objects are spread over (default:
    # every active list of RESOURCES)
    "active_lists": {},
}

RESOURCES = {
    # path prefix -> (kind, the list names that are active, the inactive ones)
    "packages": ("Package", ["active", "onhold", "intransit"], ["inactive"]),
    "plants": ("Plant", ["vegetative", "flowering", "onhold"], ["inactive"]),
    "plantbatches": ("PlantBatch", ["active"], ["inactive"]),
    "harvests": ("Harvest", ["active", "onhold"], ["inactive"]),
    "transfers": ("Transfer", ["incoming", "outgoing"], ["rejected"]),
}


def iso(t):
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(s):
    s = s.strip()
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    t = dt.datetime.fromisoformat(s)
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t


class State:
    def __init__(self, cfg):
        self.cfg = cfg
        self.now = parse_iso(cfg["now"]) if cfg.get("now") else None
        self.faults = {}
        self.objects = {}  # licence -> resource -> list of dicts
        self.stats = {"requests": 0, "by_status": {}, "by_path": {},
                      "receipts": {}, "applied": {}, "rejected_auth": 0,
                      "max_concurrent_facility": 0}
        self.answers = {}  # idempotency key -> (status, body)
        self.writes = []   # applied writes, in order
        self.calls = {}    # bucket -> list of call times (last second)
        self.inflight = {}  # bucket -> count
        self.next_id = 100000
        self.seed()

    def clock(self):
        return self.now or dt.datetime.now(UTC)

    def seed(self):
        rng = random.Random(12)
        base = self.clock()
        spread = float(self.cfg["spread_hours"]) * 3600
        for users in self.cfg["users"].values():
            for lic in users:
                if lic in self.objects:
                    continue
                per = {}
                for res, (kind, active, inactive) in RESOURCES.items():
                    active = self.cfg["active_lists"].get(res, active)
                    n = int(self.cfg["seed"].get(res, 0))
                    rows = []
                    for i in range(n):
                        self.next_id += 1
                        # every 5th object inactive; the rest spread over
                        # the active lists
                        lists = inactive if i % 5 == 4 else active
                        when = base - dt.timedelta(seconds=rng.uniform(60, spread))
                        label = "1A4%s%s%07d" % (lic.replace("-", "")[-4:],
                                                 kind[:2].upper(), i)
                        rows.append({"Id": self.next_id, "Label": label,
                                     "_list": lists[i % len(lists)],
                                     "LastModified": iso(when),
                                     "Quantity": 10 + i, "UnitOfMeasure": "Grams"})
                    per[res] = rows
                # tags available: package and plant
                per["tags_package"] = ["1A4%sTAG%05d" % (lic.replace("-", "")[-4:], i)
                                       for i in range(30)]
                per["tags_plant"] = ["1A4%sPTG%05d" % (lic.replace("-", "")[-4:], i)
                                     for i in range(10)]
                self.objects[lic] = per


STATE = None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "metrc-emulator/2"

    def log_message(self, fmt, *args):  # quiet: tests read stats instead
        pass

    # ---- answers ---------------------------------------------------------
    def send(self, status, body=None, headers=None, raw=None):
        # the call is over once its answer is decided: a client that has
        # read the answer may send the next call at once
        held, self.held = getattr(self, "held", None), None
        if held:
            self.limit_leave(held)
        data = raw if raw is not None else (b"" if body is None else
                                             json.dumps(body).encode())
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        with LOCK:
            st = STATE.stats["by_status"]
            st[str(status)] = st.get(str(status), 0) + 1

    def message(self, status, text, headers=None):
        self.send(status, {"Message": text}, headers)

    def cut(self):
        """Close the connection mid-answer: headers promise more than comes."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b'{"Data":[{"Id":1,')
        self.wfile.flush()
        self.close_connection = True
        try:
            import socket
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # ---- plumbing ----------------------------------------------------------
    def read_body(self):
        """The whole request body, read before anything is answered: an
        answer given early (401, an injected fault) would otherwise leave
        the body on a kept-alive connection, to be read as the next request."""
        n = int(self.headers.get("Content-Length") or 0)
        self.raw = self.rfile.read(n) if n > 0 else b""

    def body_json(self):
        raw = self.raw
        if not raw:
            return None, None
        try:
            return json.loads(raw), None
        except ValueError:
            return None, "the body is not JSON"

    def auth(self):
        """The user key's licences, or None (401 sent)."""
        h = self.headers.get("Authorization", "")
        if not h.startswith("Basic "):
            self.message(401, "Authorization has been denied for this request.")
            return None
        try:
            vendor, user = base64.b64decode(h[6:]).decode().split(":", 1)
        except Exception:
            self.message(401, "Authorization has been denied for this request.")
            return None
        cfg = STATE.cfg
        if vendor != cfg["vendor_key"] or user not in cfg["users"]:
            with LOCK:
                STATE.stats["rejected_auth"] += 1
            self.message(401, "Authorization has been denied for this request.")
            return None
        self.vendor = vendor
        return cfg["users"][user]

    def delay(self, path):
        """Injected latency and slow answers (faults latency_ms, slow_rate)."""
        f = STATE.faults
        only = f.get("only_paths")
        if only and not any(path.startswith(p) for p in only):
            return
        lat = f.get("latency_ms")
        if lat:
            time.sleep(random.uniform(lat[0], lat[1]) / 1000.0)
        if random.random() < f.get("slow_rate", 0):
            time.sleep(f.get("slow_ms", 3000) / 1000.0)

    def fault(self, path, delayed_here=True):
        """Injected faults: True when the answer was already given. A call
        that counts against a facility's limits is delayed once it holds
        its place (delayed_here False): Metrc counts a call in flight for
        as long as it takes."""
        f = STATE.faults
        only = f.get("only_paths")
        if only and not any(path.startswith(p) for p in only):
            return False
        if delayed_here:
            self.delay(path)
        r = random.random()
        if r < f.get("error_rate", 0):
            self.message(random.choice([500, 503]), "An error has occurred.")
            return True
        r = random.random()
        if r < f.get("cut_rate", 0):
            self.cut()
            return True
        if self.command == "GET":
            r = random.random()
            if r < f.get("garbage_rate", 0):
                self.send(200, raw=b"<html>Service Unavailable</html>")
                return True
            r = random.random()
            if r < f.get("shape_rate", 0):
                self.send(200, {"Data": "not a list", "TotalPages": 1})
                return True
            r = random.random()
            if r < f.get("huge_rate", 0):
                self.send(200, raw=b" " * (64 << 20))
                return True
        return False

    def limit_enter(self, lic):
        """Per facility and per integrator: calls per second and concurrent.
        False when 429 was answered."""
        lim = STATE.cfg["limits"]
        now = time.monotonic()
        buckets = [("f:" + lic, lim["get_per_s_facility"], lim["concurrent_facility"]),
                   ("i:" + self.vendor, lim["get_per_s_integrator"],
                    lim["concurrent_integrator"])]
        with LOCK:
            for b, per_s, conc in buckets:
                calls = [t for t in STATE.calls.get(b, []) if now - t < 1.0]
                STATE.calls[b] = calls
                if len(calls) >= per_s or STATE.inflight.get(b, 0) >= conc:
                    over = True
                    break
            else:
                over = False
                for b, _, _ in buckets:
                    STATE.calls[b].append(now)
                    STATE.inflight[b] = STATE.inflight.get(b, 0) + 1
                fb = STATE.inflight["f:" + lic]
                if fb > STATE.stats["max_concurrent_facility"]:
                    STATE.stats["max_concurrent_facility"] = fb
        if over:
            self.message(429, "Too many requests.",
                         {"Retry-After": str(STATE.cfg["retry_after_s"])})
            return None
        return [b for b, _, _ in buckets]

    def limit_leave(self, held):
        with LOCK:
            for b in held:
                STATE.inflight[b] -= 1

    # ---- requests -----------------------------------------------------------
    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_PUT(self):
        self.route("PUT")

    def do_DELETE(self):
        self.route("DELETE")

    def route(self, method):
        self.read_body()
        u = urllib.parse.urlsplit(self.path)
        path = u.path
        q = dict(urllib.parse.parse_qsl(u.query, keep_blank_values=True))
        with LOCK:
            STATE.stats["requests"] += 1
            bp = STATE.stats["by_path"]
            bp[path] = bp.get(path, 0) + 1
        if path.startswith("/_emulator/"):
            return self.admin(method, path)
        licences = self.auth()
        if licences is None:
            return
        parts = [p for p in path.split("/") if p]
        limited = method == "GET" and parts[:2] != ["facilities", "v2"]
        if self.fault(path, delayed_here=not limited):
            return
        if method == "GET":
            if parts[:2] == ["facilities", "v2"]:
                return self.send(200, [{"License": {"Number": lic}, "Name": lic}
                                       for lic in licences])
            lic = q.get("licenseNumber")
            if not lic:
                return self.message(400, "licenseNumber is required.")
            if lic not in licences or lic not in STATE.objects:
                return self.message(401, "Authorization has been denied for this request.")
            held = self.limit_enter(lic)
            if held is None:
                return
            self.held = held
            try:
                self.delay(path)
                return self.get(parts, q, lic, licences)
            finally:
                if self.held:
                    self.limit_leave(self.held)
                    self.held = None
        return self.write(method, parts, q, licences)

    def get(self, parts, q, lic, licences):
        if len(parts) < 3 or parts[1] != "v2":
            return self.message(404, "No HTTP resource was found.")
        res, rest = parts[0], parts[2:]
        if res == "tags" and rest in (["package", "available"], ["plant", "available"]):
            tags = STATE.objects[lic]["tags_" + rest[0]]
            if rest[0] == "plant":  # a bare array (FACTS §1, Dec 2026)
                return self.send(200, [{"Label": t} for t in tags])
            return self.page([{"Label": t} for t in tags], q)
        if res not in RESOURCES:
            return self.message(404, "No HTTP resource was found.")
        kind, active, inactive = RESOURCES[res]
        name = rest[0]
        if name in active + inactive and len(rest) == 1:
            rows = [r for r in STATE.objects[lic][res] if r["_list"] == name]
            s, e = q.get("lastModifiedStart"), q.get("lastModifiedEnd")
            if s or e:
                try:
                    ts = parse_iso(s) if s else None
                    te = parse_iso(e) if e else None
                except ValueError:
                    return self.message(400, "lastModifiedStart/End must be ISO-8601 times.")
                if ts is None or te is None:
                    return self.message(400, "Both lastModifiedStart and lastModifiedEnd are required.")
                if te < ts:
                    return self.message(400, "lastModifiedEnd is before lastModifiedStart.")
                hours = STATE.cfg["window_hours"]
                if te - ts > dt.timedelta(hours=hours):
                    return self.message(400, "The lastModified window may not exceed %s hours." % hours)
                rows = [r for r in rows if ts <= parse_iso(r["LastModified"]) < te]
            return self.page([public(r) for r in rows], q)
        # an entity by id or label, in this licence only; another's is 401
        for other, per in STATE.objects.items():
            for r in per.get(res, []):
                if str(r["Id"]) == name or r["Label"] == name:
                    if other != lic:
                        return self.message(401, "Authorization has been denied for this request.")
                    return self.send(200, public(r))
        return self.message(404, "%s %s was not found." % (kind, name))

    def page(self, rows, q):
        ps = q.get("pageSize")
        if ps is None:  # pagination off unless asked
            return self.send(200, {"Data": rows, "Total": len(rows), "TotalRecords": len(rows),
                                   "PageSize": len(rows), "RecordsOnPage": len(rows),
                                   "CurrentPage": 1, "Page": 1, "TotalPages": 1})
        try:
            size = int(ps)
            number = int(q.get("pageNumber", "1"))
        except ValueError:
            return self.message(400, "pageSize and pageNumber must be integers.")
        if size < 1 or size > STATE.cfg["max_page_size"]:
            return self.message(400, "pageSize must be between 1 and %d." % STATE.cfg["max_page_size"])
        if number < 1:
            return self.message(400, "pageNumber starts at 1.")
        pages = max(1, (len(rows) + size - 1) // size)
        chunk = rows[(number - 1) * size:number * size]
        return self.send(200, {"Data": chunk, "Total": len(rows), "TotalRecords": len(rows),
                               "PageSize": size, "RecordsOnPage": len(chunk),
                               "CurrentPage": number, "Page": number, "TotalPages": pages})

    WRITES = {
        ("POST", "packages", ""): "create",
        ("POST", "packages", "adjust"): "adjust",
        ("PUT", "packages", "finish"): "finish",
        ("POST", "harvests", "waste"): "waste",
        ("POST", "plants", "waste"): "waste",
        ("POST", "plantbatches", "waste"): "waste",
    }

    def write(self, method, parts, q, licences):
        if len(parts) < 2 or parts[1] != "v2":
            return self.message(404, "No HTTP resource was found.")
        op = self.WRITES.get((method, parts[0], parts[2] if len(parts) > 2 else ""))
        if op is None:
            return self.message(405, "The requested resource does not support http method '%s'." % method)
        lic = q.get("licenseNumber")
        if not lic:
            return self.message(400, "licenseNumber is required.")
        if lic not in licences:
            return self.message(401, "Authorization has been denied for this request.")
        key = self.headers.get("X-Idempotency-Key")
        body, bad = self.body_json()
        if bad:
            return self.message(400, bad)
        if not isinstance(body, list):
            return self.message(400, "The body must be a JSON array of objects.")
        if len(body) > STATE.cfg["max_objects"]:
            return self.message(413, "A request may carry at most %d objects." % STATE.cfg["max_objects"])
        with LOCK:
            if key:
                STATE.stats["receipts"][key] = STATE.stats["receipts"].get(key, 0) + 1
                if key in STATE.answers:
                    status, answer = STATE.answers[key]
                    return self.send(status, answer)
            errors = []
            for i, o in enumerate(body):
                if not isinstance(o, dict):
                    errors.append({"row": i, "message": "Row %d is not an object." % i})
                    continue
                label = o.get("Label") or o.get("PackageLabel") or o.get("Tag")
                if op in ("adjust", "finish"):
                    known = [r for r in STATE.objects[lic]["packages"] if r["Label"] == label]
                    if not known:
                        errors.append({"row": i, "message": "Package %s was not found." % label})
                    elif op == "adjust" and not isinstance(o.get("Quantity"), (int, float)):
                        errors.append({"row": i, "message": "Quantity is required."})
                elif op == "create":
                    tags = STATE.objects[lic]["tags_package"]
                    if o.get("Tag") not in tags:
                        errors.append({"row": i, "message": "Tag %s is not available." % o.get("Tag")})
                elif op == "waste" and not o.get("WasteWeight") and not o.get("WasteAmount"):
                    errors.append({"row": i, "message": "WasteWeight is required."})
            if errors:
                status, answer = 400, errors
            else:
                ids = []
                for o in body:
                    STATE.next_id += 1
                    ids.append(STATE.next_id)
                    if op == "create":
                        STATE.objects[lic]["tags_package"].remove(o["Tag"])
                    STATE.writes.append({"op": op, "licence": lic, "key": key, "object": o})
                if key:
                    STATE.stats["applied"][key] = STATE.stats["applied"].get(key, 0) + 1
                status, answer = 200, {"Ids": ids, "Warnings": None}
            if key:
                STATE.answers[key] = (status, answer)
        # applied, and then the answer lost: the client cannot know which
        # (cut_after_keys: on the first receipt of each key named)
        first = key and STATE.stats["receipts"].get(key) == 1
        if random.random() < STATE.faults.get("cut_after_rate", 0) or \
                (first and key in STATE.faults.get("cut_after_keys", [])):
            return self.cut()
        return self.send(status, answer)

    def admin(self, method, path):
        if path == "/_emulator/faults" and method == "POST":
            body, bad = self.body_json()
            if bad or not isinstance(body, dict):
                return self.message(400, bad or "faults: a JSON object")
            STATE.faults = body
            return self.send(200, STATE.faults)
        if path == "/_emulator/stats":
            with LOCK:
                return self.send(200, STATE.stats)
        if path == "/_emulator/writes":
            with LOCK:
                return self.send(200, STATE.writes)
        if path == "/_emulator/reset" and method == "POST":
            with LOCK:
                STATE.stats.update({"requests": 0, "by_status": {}, "by_path": {},
                                    "max_concurrent_facility": 0})
            return self.send(200, {})
        return self.message(404, "no such emulator endpoint")


def public(r):
    return {k: v for k, v in r.items() if not k.startswith("_")}


def main():
    global STATE
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", help="write the port bound here once listening")
    ap.add_argument("--config", help="JSON merged over the defaults (a file or text)")
    ap.add_argument("--faults", help="JSON: faults from the start")
    a = ap.parse_args()
    cfg = json.loads(json.dumps(DEFAULT_CONFIG))
    if a.config:
        text = a.config
        if not text.lstrip().startswith("{"):
            with open(text) as f:
                text = f.read()
        for k, v in json.loads(text).items():
            if isinstance(v, dict) and isinstance(cfg.get(k), dict) and k != "users":
                cfg[k].update(v)
            else:
                cfg[k] = v
    STATE = State(cfg)
    if a.faults:
        STATE.faults = json.loads(a.faults)
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 128
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    port = srv.server_address[1]
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        import os
        os.rename(a.port_file + ".tmp", a.port_file)
    print("metrc emulator on 127.0.0.1:%d" % port, file=sys.stderr, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
