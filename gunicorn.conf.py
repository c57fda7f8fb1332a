"""gunicorn settings shared by `make run` and the Docker image (flags on the command line win)."""

import glob
import os
import shutil
import tempfile

# /metrics under several workers (web/metrics.py): each worker counts in its own file in this
# folder, and a scrape adds them up. prometheus-client reads the variable when first imported,
# so it is set before anything imports it. One folder per server: two servers sharing one would
# count each other's requests. A folder made here is removed when the server stops. Only when
# gunicorn reads this file (as `__config__`), not when a test reads its hooks.
_made_metrics_dir = False
if __name__ == "__config__" and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="kb-metrics-")
    _made_metrics_dir = True

from web import gunicorn_support  # noqa: E402 - after the variable above

preload_app = True  # load the model once in the master; workers share its memory
# The longest request line gunicorn allows (its default, 4,094, cut a 600-character query in
# Chinese with an HTML 414); the app's own, smaller limits answer in JSON (kb/limits.py).
limit_request_line = 8190
# The access log (`--access-logfile`): time, method, path, status, bytes sent, milliseconds.
# Never the query string (searches and contact lookups carry e-mail addresses and phone
# numbers), the client address, the referer (the previous page's query string) or the user agent
# (beside a time, it helps single a person out, and nothing here reads it).
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
# What gunicorn answers by itself (a request line over the limit above, a malformed request) is
# JSON with the app's security headers, and its error log names no client address or URL.
logger_class = gunicorn_support.PrivateLogger
gunicorn_support.install()
# gunicorn 27's control socket (one path per user, ~/.gunicorn/gunicorn.ctl) would be shared by
# every server on the machine, several nodes' included; nothing here uses it.
control_socket_disable = True
# A stopping worker finishes its request within this many seconds, then goes (default 30).
graceful_timeout = 10


def on_starting(server) -> None:
    """Counts start from zero with each server: an operator's folder may hold the last run's."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    for stale in glob.glob(os.path.join(folder, "*.db")) if folder else []:
        os.remove(stale)


def child_exit(server, worker) -> None:
    """A worker that ended leaves its counts to the totals but no longer adds to live gauges."""
    from prometheus_client import multiprocess  # noqa: PLC0415

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    if _made_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def post_worker_init(worker) -> None:
    """Share the cores between workers, then open the index and search it once, so no customer
    waits for the warm-up.

    Without a share, every worker's torch runs one thread per core: two workers on two cores
    spin against each other and concurrent searches stall for half a second (bench/RESULTS.md).
    """
    import torch  # noqa: PLC0415 - only workers need it, after the fork

    torch.set_num_threads(max(1, (os.cpu_count() or 1) // max(1, worker.cfg.workers)))
    worker.wsgi.extensions["kb"].readiness.warm_up()  # not ready (/readyz) until it is
