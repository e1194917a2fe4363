#!/usr/bin/python3
"""Story 2 before the fix: point accrual through an at-least-once queue, without a unique key.

The team's design, reproduced on purpose (do not copy it):

- every accrual is a message on an SQS standard queue (at-least-once: a message that is not deleted
  within its visibility timeout is delivered again, to whichever consumer asks next);
- consumers receive up to 10 messages (ReceiveMessage's maximum) and credit them with one call to the
  points API, paced under its limit, with a 1 s timeout; they delete the messages after a 2xx;
- the call carries no key of its own: nothing tells the points API that a repeat is a repeat.
- A call that outlasts the timeout was usually applied anyway (the API answers late rather than
  never). Its messages are not deleted, come back after the visibility timeout and are credited
  again: the same points twice. SQS's own occasional second delivery does the same.

The fix (the reference dispatcher): a service-generated key per accrual, the same on every attempt,
under a unique constraint at the points API (`dedupe: true` in scenarios/point-accrual-1m.yaml).

It speaks the reference dispatcher's campaign API (POST /v1/campaigns with a recipient generator),
so floodgate's scenarios start campaigns on it unchanged; the points API is reached through the
Alimtalk broker's wire shape (the scenario's `points` provider). Python 3 standard library only.

Run:  /usr/bin/python3 dispatcher.py --provider-url http://127.0.0.1:9090/points --port 8080
"""

import argparse
import collections
import itertools
import json
import logging
import os
import re
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = logging.getLogger("story2")
RECEIVE_MAX = 10  # SQS ReceiveMessage MaxNumberOfMessages
TIMEOUT = 1.0  # the points API call's timeout, seconds (scenarios/point-accrual-1m.yaml: timeout 1s)


class StandardQueue:
    """An SQS standard queue in miniature: at-least-once, with a visibility timeout."""

    def __init__(self, visibility):
        self.visibility = visibility
        self.visible = collections.deque()
        self.invisible = {}  # receipt -> (message, visible again at)
        self.receipts = itertools.count(1)
        self.lock = threading.Lock()

    def send(self, messages):
        with self.lock:
            self.visible.extend(messages)

    def receive(self, limit):
        """Up to `limit` messages, each hidden for the visibility timeout; [(receipt, message)]."""
        now = time.monotonic()
        with self.lock:
            for receipt, (message, at) in list(self.invisible.items()):
                if at <= now:  # not deleted in time: delivered again
                    del self.invisible[receipt]
                    self.visible.append(message)
            out = []
            while self.visible and len(out) < limit:
                receipt = next(self.receipts)
                message = self.visible.popleft()
                self.invisible[receipt] = (message, now + self.visibility)
                out.append((receipt, message))
            return out

    def delete(self, receipts):
        with self.lock:
            for receipt in receipts:
                self.invisible.pop(receipt, None)

    def depth(self):
        with self.lock:
            return len(self.visible) + len(self.invisible)


class Pacer:
    """At most `tps` recipients a second, evenly spaced (the team did respect the API's limit)."""

    def __init__(self, tps):
        self.tps = tps
        self.next_at = time.monotonic()
        self.lock = threading.Lock()

    def wait(self, units):
        with self.lock:
            now = time.monotonic()
            at = max(self.next_at, now)
            self.next_at = at + units / self.tps
        time.sleep(max(0.0, at - now))


class PointsApi:
    """The points API behind the Alimtalk broker's wire shape: one call credits a recipientList."""

    def __init__(self, base_url, app_key, sender_key):
        self.url = f"{base_url.rstrip('/')}/alimtalk/v2.3/appkeys/{app_key}/messages"
        self.sender_key = sender_key

    def credit(self, messages):
        """True after a 2xx; raises on a timeout or an error (the messages then stay on the queue)."""
        first = messages[0]
        body = {
            "senderKey": self.sender_key,
            "templateCode": first["template"],
            # No clientKey: the original had no key of its own per accrual.
            "recipientList": [{"recipientNo": m["to"], "templateParameter": m["params"]} for m in messages],
        }
        req = urllib.request.Request(self.url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json;charset=UTF-8"})
        with urllib.request.urlopen(req, timeout=TIMEOUT) as res:
            res.read()
        return True


def consume(queue, pacer, api, stop):
    """One consumer: receive, credit, delete; an exception leaves the messages to come back."""
    while not stop.is_set():
        batch = queue.receive(RECEIVE_MAX)
        if not batch:
            stop.wait(0.05)
            continue
        receipts = [r for r, _ in batch]
        messages = [m for _, m in batch]
        # Messages of one receive may belong to different campaigns: one call per template and params.
        groups = collections.defaultdict(list)
        for m in messages:
            groups[(m["template"], json.dumps(m["params"], sort_keys=True))].append(m)
        try:
            for group in groups.values():
                pacer.wait(len(group))
                api.credit(group)
            queue.delete(receipts)
        except (socket.timeout, TimeoutError, urllib.error.URLError, OSError) as e:
            # Not deleted: SQS delivers them again after the visibility timeout, and they are credited again.
            LOG.warning("%d accrual(s) starting %s: %s; left on the queue", len(messages), messages[0]["to"], e)


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
    parser = argparse.ArgumentParser(description="Story 2 before the fix: at-least-once accrual without a unique key.")
    parser.add_argument("--provider-url", required=True, help="the points API's base URL, e.g. http://127.0.0.1:9090/points")
    parser.add_argument("--port", type=int, default=8080, help="API port (0: a free one; the 'listening on' line says which)")
    parser.add_argument("--tps", type=float, default=900, help="accruals a second at most (the API admits 1,111; room for jitter)")
    parser.add_argument("--consumers", type=int, default=16, help="consumer threads")
    parser.add_argument("--visibility-timeout", type=float, default=1.0,
                        help="seconds a received message stays hidden before SQS delivers it again")
    parser.add_argument("--app-key", default="floodgate-app")
    parser.add_argument("--sender-key", default="floodgate-sender")
    args = parser.parse_args()
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    stop = threading.Event()
    queue = StandardQueue(args.visibility_timeout)
    pacer = Pacer(args.tps)
    api = PointsApi(args.provider_url, args.app_key, args.sender_key)
    ids = itertools.count(1)

    def start_campaign(template, params, recipients, *_):
        queue.send({"to": r, "template": template, "params": params} for r in recipients)
        return next(ids)

    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler("story2-at-least-once-accrual", start_campaign, queue.depth))
    server.daemon_threads = True
    for i in range(args.consumers):
        threading.Thread(target=consume, args=(queue, pacer, api, stop), name=f"consumer-{i}", daemon=True).start()
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
