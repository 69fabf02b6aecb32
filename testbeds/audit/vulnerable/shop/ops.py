import logging
import subprocess


def restart_worker(request):
    subprocess.run("docker restart shop-worker", shell=True, check=True)


class RequestContext(logging.Filter):
    def filter(self, record):
        request = getattr(record, "request", None)
        record.auth = request.META.get("HTTP_AUTHORIZATION", "")
        return True
