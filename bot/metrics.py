"""Prometheus metrics. Under gunicorn set PROMETHEUS_MULTIPROC_DIR (the bundled
gunicorn config does) so every worker's numbers add up in /metrics."""
from __future__ import annotations

from prometheus_client import Counter, Histogram

EVENTS_RECEIVED = Counter("smartservice_events_received_total", "Webhook events received", ["type"])
EVENTS_DUPLICATE = Counter("smartservice_events_duplicate_total", "Webhook events already seen")
EVENTS_REJECTED = Counter("smartservice_events_rejected_total", "Malformed webhook events recorded and skipped")
EVENTS_DEAD = Counter("smartservice_events_dead_total", "Events given up after their last attempt")
EVENTS_PROCESSED = Counter("smartservice_events_processed_total", "Events processed", ["outcome"])
ACK_SECONDS = Histogram("smartservice_webhook_ack_seconds", "Time to acknowledge a webhook request",
                        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2))
PROCESS_SECONDS = Histogram("smartservice_event_process_seconds", "Time from claim to answer sent",
                            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5))
WRITE_BATCH = Histogram("smartservice_write_batch_size",
                        "Webhook requests and answers written in one transaction (group commit)",
                        buckets=(1, 2, 3, 4, 6, 8, 12, 16, 32, 64))
MESSAGES_SENT = Counter("smartservice_messages_sent_total", "Messages delivered to LINE", ["via"])
REPLY_FALLBACKS = Counter("smartservice_reply_fallbacks_total", "Replies that went by push instead")
DELIVERY_FAILURES = Counter("smartservice_delivery_failures_total", "Pushes that failed", ["permanent"])
