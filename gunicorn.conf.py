"""gunicorn settings shared by `make run` and the Docker image (flags on the command line win)."""

import os

preload_app = True  # load the model once in the master; workers share its memory
# The longest request line gunicorn allows (its default, 4,094, cut a 600-character query in
# Chinese with an HTML 414); the app's own, smaller limits answer in JSON (kb/limits.py).
limit_request_line = 8190
# The access log (`--access-logfile`): time, method, path, status, bytes sent, milliseconds.
# Never the query string (searches and contact lookups carry e-mail addresses and phone
# numbers), the client address, the referer (the previous page's query string) or the user agent
# (beside a time, it helps single a person out, and nothing here reads it).
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'


def post_worker_init(worker) -> None:
    """Share the cores between workers, then open the index and run one query, so no customer
    waits for the warm-up.

    Without a share, every worker's torch runs one thread per core: two workers on two cores
    spin against each other and concurrent searches stall for half a second (bench/RESULTS.md).
    """
    import torch  # noqa: PLC0415 - only workers need it, after the fork

    torch.set_num_threads(max(1, (os.cpu_count() or 1) // max(1, worker.cfg.workers)))
    services = worker.wsgi.extensions["kb"]
    if services.index.ready():
        services.engine.embedder.embed_query("warm up")
