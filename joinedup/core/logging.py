"""Logging helpers: stamp every log line with the request id (never with personal data)."""

import logging

from joinedup.core.context import current_request_id


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to log records so a log line can be matched to its audit rows."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True
