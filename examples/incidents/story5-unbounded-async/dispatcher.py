#!/usr/bin/python3
"""Story 5 before the fix: 100,000 FCM pushes sent asynchronously through an unbounded queue.

The team's design, reproduced on purpose (do not copy it):

- blocking sends, one after another, took 186 minutes (100,000 x ~110 ms), so the team made them
  asynchronous: every push of the campaign is handed to an executor at once (firebase-admin's
  sendAsync; here Python's ThreadPoolExecutor, whose work queue is unbounded as Java's
  LinkedBlockingQueue is) and the API answers "accepted" immediately;
- the executor has a few senders (5 here: OkHttp's default of 5 requests per host, the usual cap of
  an async HTTP client) and nothing paces, counts or awaits the futures: a failed send is logged
  and forgotten;
- so the queue holds the whole campaign in memory (the JVM's 256 MB heap ran out on it) and drains at
  the senders' pace, which nothing compares with the deadline: what is still queued when the campaign
  must be over is lost, and so is the whole queue when the process dies.

The fix (the reference dispatcher): recipients in a durable outbox, one page in memory, senders paced
at the rate the deadline needs (scenarios/fcm-100k.yaml: 166.67/s, 64 in flight), every attempt
awaited and retried.

It speaks the reference dispatcher's campaign API (POST /v1/campaigns with a recipient generator),
so floodgate's scenarios start campaigns on it unchanged, and sends FCM HTTP v1 requests
(mock-providers/README.md). Python 3 standard library only.

Run:  /usr/bin/python3 dispatcher.py --provider-url http://127.0.0.1:9090/fcm --port 8080
"""

import argparse
import itertools
import json
import logging
import os
import re
import signal
import sys
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = logging.getLogger("story5")


class Fcm:
    """POST {base}/v1/projects/{project}/messages:send, one device per request."""

    def __init__(self, base_url, project):
        self.url = f"{base_url.rstrip('/')}/v1/projects/{project}/messages:send"

    def send(self, token, template, params):
        message = {"token": token, "notification": {"title": str(params.get("title", template)), "body": template}}
        req = urllib.request.Request(self.url, data=json.dumps({"message": message}).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": "Bearer replica"})
        with urllib.request.urlopen(req, timeout=10) as res:
            res.read()


class AsyncSender:
    """sendAsync for every push at once: an executor with a few senders and an unbounded queue."""

    def __init__(self, fcm, senders):
        self.fcm = fcm
        self.executor = ThreadPoolExecutor(max_workers=senders, thread_name_prefix="fcm")
        self.pending = 0
        self.lock = threading.Lock()

    def send_all(self, recipients, template, params):
        for token in recipients:
            with self.lock:
                self.pending += 1
            # The future is dropped: nobody waits for it, nobody retries it.
            self.executor.submit(self._send, token, template, params)

    def _send(self, token, template, params):
        try:
            self.fcm.send(token, template, params)
        except (urllib.error.URLError, OSError) as e:
            LOG.warning("%s: %s (dropped)", token, e)
        finally:
            with self.lock:
                self.pending -= 1

    def queued(self):
        with self.lock:
            return self.pending


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
    parser = argparse.ArgumentParser(description="Story 5 before the fix: async sends on an unbounded queue.")
    parser.add_argument("--provider-url", required=True, help="the FCM mock's base URL, e.g. http://127.0.0.1:9090/fcm")
    parser.add_argument("--port", type=int, default=8080, help="API port (0: a free one; the 'listening on' line says which)")
    parser.add_argument("--senders", type=int, default=5, help="requests in flight at most (OkHttp's per-host default)")
    parser.add_argument("--project", default="floodgate-project")
    args = parser.parse_args()
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    stop = threading.Event()
    sender = AsyncSender(Fcm(args.provider_url, args.project), args.senders)
    ids = itertools.count(1)

    def start_campaign(template, params, recipients, *_):
        sender.send_all(recipients, template, params)
        return next(ids)

    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler("story5-unbounded-async", start_campaign, sender.queued))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="api", daemon=True).start()
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
    server.shutdown()
    # Whatever is still queued dies with the process: it was only ever in memory.
    LOG.info("stopping with %d push(es) still queued: lost", sender.queued())
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
