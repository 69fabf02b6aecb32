"""A fake, read-only Docker Engine API (VULNERABLE only; CONT-001/CONT-002).

Answers like dockerd 24.0.7 listening on tcp without TLS. Stdlib only, no
Django. Runs in a daemon thread of serve.py, bound to 127.0.0.1.
"""
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ENGINE_VERSION = "24.0.7"
API_VERSION = "1.43"
KERNEL = "6.1.0-13-amd64"

VERSION = {
    "Platform": {"Name": "Docker Engine - Community"},
    "Components": [
        {
            "Name": "Engine",
            "Version": ENGINE_VERSION,
            "Details": {
                "ApiVersion": API_VERSION,
                "Arch": "amd64",
                "BuildTime": "2023-10-26T09:07:41.000000000+00:00",
                "Experimental": "false",
                "GitCommit": "311b9ff",
                "GoVersion": "go1.20.10",
                "KernelVersion": KERNEL,
                "MinAPIVersion": "1.12",
                "Os": "linux",
            },
        },
        {"Name": "containerd", "Version": "1.6.24", "Details": {"GitCommit": "61f9fd88f79f081d64d6fa3bb1a0dc71ec870523"}},
        {"Name": "runc", "Version": "1.1.9", "Details": {"GitCommit": "v1.1.9-0-gccaecfc"}},
        {"Name": "docker-init", "Version": "0.19.0", "Details": {"GitCommit": "de40ad0"}},
    ],
    "Version": ENGINE_VERSION,
    "ApiVersion": API_VERSION,
    "MinAPIVersion": "1.12",
    "GitCommit": "311b9ff",
    "GoVersion": "go1.20.10",
    "Os": "linux",
    "Arch": "amd64",
    "KernelVersion": KERNEL,
    "BuildTime": "2023-10-26T09:07:41.000000000+00:00",
}

CONTAINERS = [
    {
        "Id": "8dfafdbc3a40c1b6f4e0b3a3c7e1f0e2d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4",
        "Names": ["/tollgate-api-1"],
        "Image": "registry.tollgate.test/shop/api:2.4.1",
        "ImageID": "sha256:2b8fd9751c4c0f5dd266fcae00707e67a2545ef34f9a29354585f93dac906749",
        "Command": "gunicorn testbed.wsgi -b 0.0.0.0:8000",
        "Created": 1700312345,
        "Ports": [{"IP": "0.0.0.0", "PrivatePort": 8000, "PublicPort": 8000, "Type": "tcp"}],
        "Labels": {
            "com.docker.compose.project": "tollgate",
            "com.docker.compose.service": "api",
            "com.docker.compose.version": "2.21.0",
        },
        "State": "running",
        "Status": "Up 3 days",
        "HostConfig": {"NetworkMode": "tollgate_default"},
        "NetworkSettings": {
            "Networks": {
                "tollgate_default": {
                    "NetworkID": "7ea29fc1412292a2d7bba362f9253545fecdfa8ce9a6e37dd10ba8bee7129812",
                    "EndpointID": "2cdc4edb1ded3631c81f57966563e5c8525b81121bb3706a9a9a3ae102711f3f",
                    "Gateway": "172.18.0.1",
                    "IPAddress": "172.18.0.3",
                    "IPPrefixLen": 16,
                    "MacAddress": "02:42:ac:12:00:03",
                }
            }
        },
        "Mounts": [
            {
                "Type": "bind",
                "Source": "/var/run/docker.sock",
                "Destination": "/var/run/docker.sock",
                "Mode": "",
                "RW": True,
                "Propagation": "rprivate",
            }
        ],
    },
    {
        "Id": "9cd87474be90c2b8e2a7a4b9d0f2e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2",
        "Names": ["/tollgate-db-1"],
        "Image": "postgres:15.4",
        "ImageID": "sha256:a21c0a1a5a3ff4dc2fee8a1e3a0a4e7f4a5d9b1b0a2a8c3e6f7d1b2c3d4e5f60",
        "Command": "docker-entrypoint.sh postgres",
        "Created": 1700312301,
        "Ports": [{"PrivatePort": 5432, "Type": "tcp"}],
        "Labels": {"com.docker.compose.project": "tollgate", "com.docker.compose.service": "db"},
        "State": "running",
        "Status": "Up 3 days (healthy)",
        "HostConfig": {"NetworkMode": "tollgate_default"},
        "NetworkSettings": {
            "Networks": {
                "tollgate_default": {
                    "Gateway": "172.18.0.1",
                    "IPAddress": "172.18.0.2",
                    "IPPrefixLen": 16,
                    "MacAddress": "02:42:ac:12:00:02",
                }
            }
        },
        "Mounts": [
            {
                "Type": "volume",
                "Name": "tollgate_pgdata",
                "Source": "/var/lib/docker/volumes/tollgate_pgdata/_data",
                "Destination": "/var/lib/postgresql/data",
                "Driver": "local",
                "Mode": "z",
                "RW": True,
                "Propagation": "",
            }
        ],
    },
]

INFO = {
    "ID": "3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
    "Containers": 2,
    "ContainersRunning": 2,
    "ContainersPaused": 0,
    "ContainersStopped": 0,
    "Images": 7,
    "Driver": "overlay2",
    "KernelVersion": KERNEL,
    "OperatingSystem": "Debian GNU/Linux 12 (bookworm)",
    "OSType": "linux",
    "Architecture": "x86_64",
    "NCPU": 2,
    "MemTotal": 25769803776,
    "Name": "shop-prod-01",
    "ServerVersion": ENGINE_VERSION,
    "SecurityOptions": ["name=seccomp,profile=builtin"],
}

_VERSION_PREFIX = re.compile(r"^/v\d+\.\d+(?=/)")


class DockerHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Docker/%s (linux)" % ENGINE_VERSION
    sys_version = ""

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):  # keep the harness's pipes quiet
        pass

    def _send(self, code, body, content_type="application/json", head=False):
        data = body if isinstance(body, bytes) else (json.dumps(body, separators=(",", ":")) + "\n").encode()
        self.send_response(code)
        self.send_header("Api-Version", API_VERSION)
        self.send_header("Docker-Experimental", "false")
        self.send_header("Ostype", "linux")
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _route(self, head=False):
        path = self.path.split("?", 1)[0]
        path = _VERSION_PREFIX.sub("", path)
        if path == "/_ping":
            self.send_response(200)
            self.send_header("Api-Version", API_VERSION)
            self.send_header("Builder-Version", "2")
            self.send_header("Docker-Experimental", "false")
            self.send_header("Ostype", "linux")
            self.send_header("Cache-Control", "no-cache, no-store, must-revalidate")
            self.send_header("Pragma", "no-cache")
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", "2")
            self.end_headers()
            if not head:
                self.wfile.write(b"OK")
            return
        if path == "/version":
            return self._send(200, VERSION, head=head)
        if path == "/info":
            return self._send(200, INFO, head=head)
        if path == "/containers/json":
            return self._send(200, CONTAINERS, head=head)
        return self._send(404, {"message": "page not found"}, head=head)

    def do_GET(self):
        self._route()

    def do_HEAD(self):
        self._route(head=True)

    def do_POST(self):
        self._send(403, {"message": "read-only engine (tollgate testbed)"})

    do_PUT = do_DELETE = do_PATCH = do_POST


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def start(port: int):
    """Bind synchronously (so errors surface at once), serve in a daemon thread."""
    server = _Server(("127.0.0.1", port), DockerHandler)
    thread = threading.Thread(target=server.serve_forever, name="fake-docker", daemon=True)
    thread.start()
    return server
