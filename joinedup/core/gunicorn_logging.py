"""gunicorn's logger for `joinedup serve`: its error log through joinedup's formatter (JSON lines, or plain text with
`JOINEDUP_LOG_FORMAT=plain`; no query strings, no exception messages). `serve` leaves gunicorn's access log off
(joinedup logs each request's line itself); turned on, it has no query string or Referer (`ACCESS_LOG_FORMAT`, which
`serve` passes), each line ending with the request id that joinedup's log lines and audit rows carry."""

from __future__ import annotations

from gunicorn import glogging

from joinedup.core.logging import JsonFormatter, SafeFormatter, log_format

# Remote address, time, method, path (no query string), protocol, status, bytes, milliseconds, request id. Never %(r)s
# or %(q)s (the query string), %(f)s (the Referer: the previous page's URL) or %(a)s.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'


class SafeGunicornLogger(glogging.Logger):
    """gunicorn's logger, formatting every line with `SafeFormatter`."""

    def setup(self, cfg):
        super().setup(cfg)
        as_json = log_format() == "json"
        for log, fmt, datefmt in ((self.error_log, self.error_fmt, self.datefmt), (self.access_log, self.access_fmt,
                                                                                    None)):
            for handler in log.handlers:
                handler.setFormatter(JsonFormatter() if as_json else SafeFormatter(fmt, datefmt))
