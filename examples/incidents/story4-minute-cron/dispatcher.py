#!/usr/bin/python3
"""Story 4 before the fix (SPURT): a per-minute cron over the whole table, schedules only in memory.

The team's design, reproduced on purpose (do not copy it):

- every reminder (5,000 users x 20 tasks x 10 notifications) is a row with its due time, in a table
  kept only in this process's memory (like a scheduler's in-memory job store): a restart forgets
  every schedule that has not fired;
- a cron job runs once a minute, at second 0, and scans the whole table for rows that are due and
  not sent: no index on the due time, so each scan reads every row (2,899 ms at 1,000,000);
- everything it finds is pushed at once on a pool of 64 threads, unpaced: 1,000,000 due in the same
  minute run past FCM's 600,000 a minute, and a refused push (429 QUOTA_EXCEEDED) is not retried;
- a notification due at 12:00:01 goes out at 12:01:00 at the earliest: up to a minute late.

The fix (issue 14, items 1-3): due rows claimed by an indexed scan, never early, paced at the quota,
and schedules in the durable store, so a restart resumes them.

Campaign API: the reference dispatcher's POST /v1/campaigns body with its optional `schedule`
(dispatcher/README.md, "Scheduled sends"): `at` (RFC 3339 with an offset, or epoch milliseconds;
default: now) and `spreadMs` (recipient i of N due at at + floor(i * spreadMs / N)) or `everyMs` with
`batch` (at + floor(i / batch) * everyMs). Python 3 standard library only.

Run:  /usr/bin/python3 dispatcher.py --provider-url http://127.0.0.1:9090/fcm --port 8080
"""

import argparse
import itertools
import json
import logging
import os
import re
import signal
import sqlite3
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = logging.getLogger("story4")
SENDERS = 64


class Schedules:
    """The reminders table, in memory only (a restart loses it), without an index on due_at."""

    def __init__(self):
        self.db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self.db.execute("CREATE TABLE reminder (id INTEGER PRIMARY KEY, token TEXT, title TEXT, body TEXT,"
                        " due_at REAL, sent INTEGER DEFAULT 0)")
        self.lock = threading.Lock()

    def add(self, rows):
        with self.lock:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT INTO reminder (token, title, body, due_at) VALUES (?, ?, ?, ?)", rows)
            self.db.execute("COMMIT")

    def take_due(self, now):
        """The cron's query: a full scan, then every due row marked sent before it is pushed."""
        with self.lock:
            started = time.monotonic()
            rows = self.db.execute("SELECT id, token, title, body FROM reminder WHERE sent = 0 AND due_at <= ?",
                                   (now,)).fetchall()
            self.db.execute("UPDATE reminder SET sent = 1 WHERE sent = 0 AND due_at <= ?", (now,))
            LOG.info("scan: %d due, %.0f ms (whole table)", len(rows), (time.monotonic() - started) * 1000)
            return rows

    def pending(self):
        with self.lock:
            return self.db.execute("SELECT count(*) FROM reminder WHERE sent = 0").fetchone()[0]


class Fcm:
    """POST {base}/v1/projects/{project}/messages:send, one device per request."""

    def __init__(self, base_url, project):
        self.url = f"{base_url.rstrip('/')}/v1/projects/{project}/messages:send"

    def send(self, token, title, body):
        message = {"token": token, "notification": {"title": title, "body": body}}
        req = urllib.request.Request(self.url, data=json.dumps({"message": message}).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": "Bearer replica"})
        try:
            with urllib.request.urlopen(req, timeout=10) as res:
                res.read()
        except (urllib.error.URLError, OSError) as e:
            LOG.warning("%s: %s (not retried)", token, e)  # 429 QUOTA_EXCEEDED included


def cron(schedules, fcm, pool, stop):
    """Once a minute, at second 0: whatever is due now is pushed, all at once."""
    while not stop.wait(60 - time.time() % 60):
        for _id, token, title, body in schedules.take_due(time.time()):
            pool.submit(fcm.send, token, title, body)


def due_time(value, field):
    """A due time as epoch seconds: ISO-8601 or epoch milliseconds; None means now."""
    if value is None:
        return time.time()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value / 1000
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    raise ValueError(f"{field}: ISO-8601 or epoch milliseconds")


# ------------------------------------------------------------------------------------------
# The reference dispatcher's campaign API, what floodgate's default campaign.start sends
# (the same block in every replica of examples/incidents/).

PLACEHOLDER = re.compile(r"\{n(?::(\d+))?\}|\{seq\}")


def expand(pattern, count):
    """Recipient ids as floodgate names them: {n} 0-based, {n:W} zero-padded, {seq} 1-based."""
    def one(i):
        return PLACEHOLDER.sub(lambda m: str(i + 1) if m.group(0) == "{seq}" else str(i).zfill(int(m.group(1) or 0)), pattern)
    return (one(i) for i in range(count))


def rss_bytes():
    """This process's resident memory (Linux /proc), 0 where it cannot be read."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def metrics(backlog):
    """Prometheus text under the reference dispatcher's names, so the scenarios' monitors and memory
    thresholds read it as they read the reference's. This is Python: it has no Node heap, so its
    resident memory stands in for the heap a scenario bounds (`dispatcher.heap.max`)."""
    rss = rss_bytes()
    return (
        "# HELP floodgate_dispatcher_backlog Messages accepted and not sent yet.\n"
        "# TYPE floodgate_dispatcher_backlog gauge\n"
        f"floodgate_dispatcher_backlog {backlog}\n"
        "# HELP floodgate_dispatcher_in_flight Messages accepted and not sent yet.\n"
        "# TYPE floodgate_dispatcher_in_flight gauge\n"
        f"floodgate_dispatcher_in_flight {backlog}\n"
        "# HELP floodgate_dispatcher_process_resident_memory_bytes Resident memory of this process.\n"
        "# TYPE floodgate_dispatcher_process_resident_memory_bytes gauge\n"
        f"floodgate_dispatcher_process_resident_memory_bytes {rss}\n"
        "# HELP floodgate_dispatcher_nodejs_heap_size_used_bytes A Python replica: its resident memory.\n"
        "# TYPE floodgate_dispatcher_nodejs_heap_size_used_bytes gauge\n"
        f"floodgate_dispatcher_nodejs_heap_size_used_bytes {rss}\n"
    )


class BadCampaign(Exception):
    """A campaign body the replica cannot take: answered 400 naming the field."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


def make_handler(service, start_campaign, backlog):
    """POST /v1/campaigns {template, params, generator: {count, pattern}} -> start_campaign(template, params,
    recipients, count, body) -> id; POST /v1/reports/* taken and ignored; GET /, /healthz, /metrics."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def _send(self, status, obj):
            body = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _text(self, text):
            body = text.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _body(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                return json.loads(raw) if raw else None
            except ValueError:
                return None

        def do_GET(self):
            if self.path in ("/", "/healthz"):
                return self._send(200, {"service": service, "ok": True})
            if self.path == "/metrics":
                return self._text(metrics(backlog()))
            return self._send(404, {"error": f"no route GET {self.path}"})

        def do_POST(self):
            body = self._body()
            if self.path.startswith("/v1/reports/"):
                return self._send(200, {"ok": True})  # delivery reports: taken and ignored
            if self.path != "/v1/campaigns":
                return self._send(404, {"error": f"no route POST {self.path}"})
            gen = body.get("generator") if isinstance(body, dict) else None
            if not isinstance(gen, dict) or not isinstance(gen.get("count"), int) or not isinstance(gen.get("pattern"), str):
                return self._send(400, {"error": "generator: {count, pattern} is required", "field": "generator"})
            if not isinstance(body.get("template"), str):
                return self._send(400, {"error": "template: a string is required", "field": "template"})
            count = gen["count"]
            try:
                cid = start_campaign(body["template"], body.get("params") or {}, expand(gen["pattern"], count), count, body)
            except BadCampaign as e:
                return self._send(400, {"error": str(e), "field": e.field})
            LOG.info("campaign %s: %d recipients", cid, count)
            return self._send(201, {"id": str(cid), "accepted": count})

    return Handler


def main():
    parser = argparse.ArgumentParser(description="Story 4 before the fix: a per-minute cron, schedules only in memory.")
    parser.add_argument("--provider-url", required=True, help="the FCM mock's base URL, e.g. http://127.0.0.1:9090/fcm")
    parser.add_argument("--port", type=int, default=8080, help="API port (0: a free one; the 'listening on' line says which)")
    parser.add_argument("--project", default="floodgate-project")
    args = parser.parse_args()
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    stop = threading.Event()
    schedules = Schedules()
    fcm = Fcm(args.provider_url, args.project)
    pool = ThreadPoolExecutor(max_workers=SENDERS, thread_name_prefix="fcm")
    ids = itertools.count(1)

    def start_campaign(template, params, recipients, count, body):
        schedule = body.get("schedule") or {}
        if not isinstance(schedule, dict):
            raise BadCampaign("schedule", "schedule: an object {at, spreadMs} or {at, everyMs, batch}")
        try:
            first = due_time(schedule.get("at"), "schedule.at")
        except ValueError as e:
            raise BadCampaign("schedule.at", str(e)) from None
        numbers = {}
        for field in ("spreadMs", "everyMs", "batch"):
            value = schedule.get(field, 0)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise BadCampaign(f"schedule.{field}", f"schedule.{field}: a whole number, 0 or more")
            numbers[field] = value
        spread, every, batch = numbers["spreadMs"], numbers["everyMs"], numbers["batch"]

        def due(i):
            if every and batch:
                return first + (i // batch) * every / 1000
            return first + (i * spread // count) / 1000 if count else first

        title = str(params.get("title", template))
        schedules.add((r, title, template, due(i)) for i, r in enumerate(recipients))
        return next(ids)

    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler("story4-minute-cron", start_campaign, schedules.pending))
    server.daemon_threads = True
    threading.Thread(target=cron, args=(schedules, fcm, pool, stop), name="cron", daemon=True).start()
    threading.Thread(target=server.serve_forever, name="api", daemon=True).start()
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
    server.shutdown()
    LOG.info("stopping with %d schedule(s) pending: forgotten", schedules.pending())
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
