"""gunicorn settings for production: ``smartservice serve`` uses this file.

Threads, not more processes: the work per request is tiny (record and ack) and
each process keeps one NLU model and one worker pool.
"""
import multiprocessing
import os
import tempfile

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8080')}")
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count())))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = None
errorlog = "-"

# Metrics from every worker process are summed by /metrics.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="smartservice-metrics-")


def child_exit(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
