#!/usr/bin/python3
"""Story 3 before the fix: Alimtalk to 420,000 members, the page that was re-sent every second.

The team's design, reproduced on purpose (do not copy it):

- a scheduled job runs every second (Spring's @Scheduled(fixedDelay = 1000));
- it reads one page: SELECT ... WHERE sent = 0 LIMIT 180, and marks the page sent in one transaction;
- it hands each recipient of the page to a ThreadPoolTaskExecutor: 4 threads and a queue of 100;
- 4 + 100 = 104 tasks fit; the 105th is rejected (TaskRejectedException), the exception rolls the
  transaction back, and the page is "not sent" again, although 104 of its messages go out;
- a second later the job reads the same 180 rows, and so on: the same 180 people get the same
  Alimtalk every second (100+ times each) and nobody else gets anything.

It speaks the reference dispatcher's campaign API (POST /v1/campaigns with a recipient generator),
so floodgate's scenarios start campaigns on it unchanged, and sends to the Alimtalk broker's wire
shape (mock-providers/README.md). Python 3 standard library only.

Run:  /usr/bin/python3 dispatcher.py --provider-url http://127.0.0.1:9090/alimtalk --port 8080
"""

import argparse
import json
import logging
import os
import queue
import re
import signal
import sqlite3
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = logging.getLogger("story3")
PAGE = 180  # LIMIT 180: "we send 180 a second, under the broker's 200 TPS"
THREADS = 4  # ThreadPoolTaskExecutor corePoolSize = maxPoolSize = 4
QUEUE = 100  # queueCapacity = 100
EVERY = 1.0  # fixedDelay = 1000 ms


class TaskRejected(Exception):
    """Spring's TaskRejectedException: the executor's threads are busy and its queue is full."""


class Executor:
    """A fixed pool of THREADS workers in front of a bounded queue of QUEUE tasks."""

    def __init__(self, stop):
        self.tasks = queue.Queue(maxsize=QUEUE)
        self.stop = stop
        for i in range(THREADS):
            threading.Thread(target=self._work, name=f"alimtalk-{i}", daemon=True).start()

    def submit(self, fn, *args):
        # A free thread takes the task at once; otherwise it waits in the queue, and a full queue rejects.
        try:
            self.tasks.put_nowait((fn, args))
        except queue.Full:
            raise TaskRejected(f"queue capacity {QUEUE} reached with {THREADS} threads busy") from None

    def _work(self):
        while not self.stop.is_set():
            try:
                fn, args = self.tasks.get(timeout=0.2)
            except queue.Empty:
                continue
            try:
                fn(*args)
            except Exception:  # a failed send is logged and forgotten, as the original did
                LOG.exception("send failed")


class Broker:
    """POST {base}/alimtalk/v2.3/appkeys/{appKey}/messages, one recipient per request."""

    def __init__(self, base_url, app_key, sender_key):
        self.url = f"{base_url.rstrip('/')}/alimtalk/v2.3/appkeys/{app_key}/messages"
        self.sender_key = sender_key

    def send(self, recipient, template, params):
        body = {
            "senderKey": self.sender_key,
            "templateCode": template,
            "recipientList": [{"recipientNo": recipient, "templateParameter": params}],
        }
        req = urllib.request.Request(self.url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json;charset=UTF-8"})
        try:
            with urllib.request.urlopen(req, timeout=10) as res:
                res.read()
        except urllib.error.HTTPError as e:
            LOG.warning("%s: HTTP %s %s", recipient, e.code, e.read()[:200])


class Outbox:
    """The team's table: one row per recipient with a sent flag (SQLite in memory here)."""

    def __init__(self):
        self.db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self.db.execute("CREATE TABLE outbox (id INTEGER PRIMARY KEY, campaign INTEGER, recipient TEXT, sent INTEGER)")
        self.db.execute("CREATE TABLE campaign (id INTEGER PRIMARY KEY, template TEXT, params TEXT)")
        self.lock = threading.Lock()

    def add(self, template, params, recipients):
        with self.lock:
            cur = self.db.execute("INSERT INTO campaign (template, params) VALUES (?, ?)", (template, json.dumps(params)))
            cid = cur.lastrowid
            self.db.executemany("INSERT INTO outbox (campaign, recipient, sent) VALUES (?, ?, 0)",
                                ((cid, r) for r in recipients))
            return cid

    def unsent(self):
        with self.lock:
            return self.db.execute("SELECT count(*) FROM outbox WHERE sent = 0").fetchone()[0]


def run_job(outbox, executor, broker):
    """One run of the scheduled job: a page of PAGE unsent rows, marked sent, handed to the executor."""
    with outbox.lock:
        db = outbox.db
        db.execute("BEGIN")
        rows = db.execute(
            "SELECT o.id, o.recipient, c.template, c.params FROM outbox o JOIN campaign c ON c.id = o.campaign "
            "WHERE o.sent = 0 ORDER BY o.id LIMIT ?", (PAGE,)).fetchall()
        try:
            for row_id, recipient, template, params in rows:
                db.execute("UPDATE outbox SET sent = 1 WHERE id = ?", (row_id,))
                executor.submit(broker.send, recipient, template, json.loads(params))
            db.execute("COMMIT")
        except TaskRejected as e:
            # The @Transactional method threw: the page's "sent" marks are rolled back, but the
            # tasks already queued cannot be taken back. They send, and the page comes round again.
            db.execute("ROLLBACK")
            LOG.warning("page of %d: TaskRejectedException (%s); rolled back", len(rows), e)


def scheduler(outbox, executor, broker, stop):
    while not stop.wait(EVERY):
        try:
            run_job(outbox, executor, broker)
        except Exception:
            LOG.exception("job failed")


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
    parser = argparse.ArgumentParser(description="Story 3 before the fix: a page of 180 re-sent every second.")
    parser.add_argument("--provider-url", required=True, help="the Alimtalk broker's base URL, e.g. http://127.0.0.1:9090/alimtalk")
    parser.add_argument("--port", type=int, default=8080, help="API port (0: a free one; the 'listening on' line says which)")
    parser.add_argument("--app-key", default="floodgate-app")
    parser.add_argument("--sender-key", default="floodgate-sender")
    args = parser.parse_args()
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    stop = threading.Event()
    outbox = Outbox()
    executor = Executor(stop)
    broker = Broker(args.provider_url, args.app_key, args.sender_key)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler("story3-resend-every-second", lambda t, p, r, *_: outbox.add(t, p, r), outbox.unsent))
    server.daemon_threads = True
    threading.Thread(target=scheduler, args=(outbox, executor, broker, stop), name="scheduler", daemon=True).start()
    threading.Thread(target=server.serve_forever, name="api", daemon=True).start()
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
