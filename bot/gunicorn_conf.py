"""gunicorn settings for production: ``smartservice serve`` uses this file.

Threads, not more processes: the work per request is tiny (record and ack) and
each process keeps one NLU model and one worker pool.

One process per core (at least two, so one busy process never stops the acks) with
8 request threads. Measured with bench/webhook.py on 2 cores (docs/benchmarks.md):
2×8, 2×4, 3×4, 3×8 and 1×16 all gave the same throughput within the noise, because
the limit is CPU, not threads. Fewer event workers per process (WORKER_THREADS=2
instead of 8) kept the acknowledgement p99 lower under saturation, but against the
real LINE API, tens of milliseconds away, each worker spends most of an event
waiting on the network, so the default stays at 8.
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
