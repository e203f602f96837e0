#!/usr/bin/env python3
"""A proxy between the console and the AWS emulator for the live-apply browser test.

AWS takes seconds to create what moto creates at once: every mutating call (Create*,
Delete*, Update*, Put*, Register*, Deregister*, RunTask, SubmitJob) waits DELAY seconds
here, so a browser can watch an apply progress step by step. The first Batch
CreateJobQueue of a queue whose name contains "fail-once" is refused as AWS refuses a
bad request (400, ClientException), so the failed step, its error and the retry can be
seen; the retry then goes through.

Usage: slow-aws.py LISTEN_PORT UPSTREAM_URL [DELAY_SECONDS]
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])
UPSTREAM = urllib.parse.urlsplit(sys.argv[2])
DELAY = float(sys.argv[3]) if len(sys.argv) > 3 else 0.4
MUTATING = ("Create", "Delete", "Update", "Put", "Register", "Deregister", "RunTask", "SubmitJob")
failed_once = set()
lock = threading.Lock()


def operation(path, headers, body):
    """The AWS operation of a request, whatever its protocol."""
    target = headers.get("X-Amz-Target", "")
    if target:  # JSON protocol (ECS): Service.Operation
        return target.rsplit(".", 1)[-1]
    if path.startswith("/v1/"):  # REST-JSON (Batch): /v1/createjobqueue
        return path[4:].split("?")[0]
    form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    return form.get("Action", [""])[0]  # query protocol (EC2, Auto Scaling, IAM, STS)


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        op = operation(self.path, self.headers, body)
        if op.lower() == "createjobqueue":
            name = json.loads(body or b"{}").get("jobQueueName", "")
            with lock:
                refuse = "fail-once" in name and name not in failed_once
                failed_once.add(name)
            if refuse:
                time.sleep(DELAY)
                payload = json.dumps({
                    "__type": "ClientException",
                    "message": f"Compute environment for {name} is not VALID yet (refused once by the test proxy)",
                }).encode()
                self.send_response(400)
                self.send_header("Content-Type", "application/json")
                self.send_header("x-amzn-ErrorType", "ClientException")
                self.send_header("x-amzn-RequestId", "test-proxy-refusal")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
        if any(op.lower().startswith(m.lower()) for m in MUTATING):
            time.sleep(DELAY)
        conn = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        headers["Host"] = UPSTREAM.netloc
        conn.request(self.command, self.path, body=body, headers=headers)
        answer = conn.getresponse()
        data = answer.read()
        self.send_response(answer.status)
        for k, v in answer.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        conn.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = forward


ThreadingHTTPServer(("127.0.0.1", PORT), Proxy).serve_forever()
