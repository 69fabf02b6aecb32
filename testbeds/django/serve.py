#!/usr/bin/env python3
"""Single entry point of the tollgate Django testbed.

    .venv/bin/python serve.py --mode vulnerable|hardened --port P \
        [--docker-port Q] --state-dir DIR

At every start: fresh SQLite DB in DIR, migrations, seed data, token files
(DIR/alice.token, DIR/bob.token, DIR/admin.token, ...), then
  vulnerable: Django runserver on 127.0.0.1:P (DEBUG=True) and, with
              --docker-port, a fake Docker Engine API on 127.0.0.1:Q
  hardened:   gunicorn (1 gthread worker) on 127.0.0.1:P (DEBUG=False)
Prints "TESTBED READY http://127.0.0.1:P" once the port accepts connections.
Everything lives in the caller's process group; SIGTERM/SIGKILL of the group
ends it (gunicorn's worker also exits if its arbiter disappears).
"""
import argparse
import json
import os
import socket
import sys
import threading
import time

T0 = time.monotonic()
HERE = os.path.dirname(os.path.abspath(__file__))

# Environment kept for the vulnerable server. runserver copies os.environ
# into every request.META, which the technical 500 page prints; only these
# ordinary variables (plus the planted ones) are kept so that the caller's
# own environment never ends up in a scan report.
KEEP_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "USER", "LOGNAME", "SHELL")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mode", choices=("vulnerable", "hardened"), required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--docker-port", type=int, default=None,
                   help="fake Docker Engine API port (vulnerable mode only)")
    p.add_argument("--state-dir", required=True)
    return p.parse_args(argv)


def say(msg):
    try:
        print(msg, flush=True)
    except (BrokenPipeError, OSError):
        pass


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def announce_when_listening(port, timeout=60.0):
    def run():
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if port_open(port):
                say("TESTBED READY http://127.0.0.1:%d (startup %.2fs)" % (port, time.monotonic() - T0))
                return
            time.sleep(0.02)
    threading.Thread(target=run, name="ready-announcer", daemon=True).start()


def prepare_environment(args, state_dir):
    sys.path.insert(0, HERE)
    from api import planted  # no Django import

    vulnerable = args.mode == "vulnerable"
    if vulnerable:
        kept = {k: os.environ[k] for k in KEEP_ENV if k in os.environ}
        os.environ.clear()
        os.environ.update(kept)
        os.environ.update(planted.planted_environment(args.docker_port))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "testbed.settings",
            "TESTBED_MODE": args.mode,
            "TESTBED_STATE_DIR": state_dir,
            "TESTBED_DOCKER_PORT": str(args.docker_port or "") if vulnerable else "",
            "PYTHONUNBUFFERED": "1",
        }
    )


def reset_database(state_dir):
    for suffix in ("", "-journal", "-wal", "-shm"):
        try:
            os.remove(os.path.join(state_dir, "db.sqlite3" + suffix))
        except FileNotFoundError:
            pass


def run_vulnerable(args):
    from django.core.management import call_command

    if args.docker_port:
        from api import fake_docker

        fake_docker.start(args.docker_port)
    # wsgiref captured os.environ when it was imported; make sure the
    # request environ is built from the curated environment set above.
    import wsgiref.handlers

    wsgiref.handlers.BaseHandler.os_environ = dict(os.environ)
    announce_when_listening(args.port)
    call_command(
        "runserver",
        "127.0.0.1:%d" % args.port,
        use_reloader=False,
        use_threading=True,
        skip_checks=True,
    )


def run_hardened(args, state_dir):
    from django.core.wsgi import get_wsgi_application
    from gunicorn.app.base import BaseApplication

    application = get_wsgi_application()
    port = args.port

    def post_worker_init(worker):
        if worker.age == 1:
            say("TESTBED READY http://127.0.0.1:%d (startup %.2fs)" % (port, time.monotonic() - T0))

    class TestbedGunicorn(BaseApplication):
        def load_config(self):
            options = {
                "bind": ["127.0.0.1:%d" % port],
                "workers": 1,
                "threads": 4,
                "worker_class": "gthread",
                "timeout": 30,
                "graceful_timeout": 1,
                "keepalive": 2,
                "preload_app": True,
                "accesslog": None,
                "errorlog": os.path.join(state_dir, "gunicorn.log"),
                "loglevel": "info",
                "proc_name": "tollgate-testbed-hardened",
                "control_socket_disable": True,
                # trust no X-Forwarded-* header, whoever sends it
                "forwarded_allow_ips": "",
                "post_worker_init": post_worker_init,
            }
            for key, value in options.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self):
            return application

    TestbedGunicorn().run()


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    state_dir = os.path.abspath(args.state_dir)
    os.makedirs(state_dir, exist_ok=True)
    os.chdir(HERE)
    prepare_environment(args, state_dir)
    reset_database(state_dir)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0, interactive=False)
    from api import seed

    users = seed.seed()
    seed.write_state(
        __import__("pathlib").Path(state_dir),
        users,
        args.port,
        args.docker_port if args.mode == "vulnerable" else None,
    )
    # This mode's OpenAPI document, for scanners given a file (the harness).
    from api.views import openapi_for_mode

    doc = openapi_for_mode(args.mode == "vulnerable")
    doc["servers"] = [{"url": "http://127.0.0.1:%d" % args.port}]
    with open(os.path.join(state_dir, "openapi.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2)
    connections.close_all()
    sys.stdout.flush()
    sys.stderr.flush()

    if args.mode == "vulnerable":
        run_vulnerable(args)
    else:
        run_hardened(args, state_dir)


if __name__ == "__main__":
    main()
