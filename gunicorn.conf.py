"""gunicorn settings for `make run` and production (docs/deploy.md)."""
import multiprocessing
import os

# Workers from the CPU count (the classic 2n+1, capped: each worker holds its own DB pool).
workers = int(os.environ.get("WEB_CONCURRENCY") or min(multiprocessing.cpu_count() * 2 + 1, 9))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 10000
max_requests_jitter = 1000
accesslog = os.environ.get("ACCESS_LOG", "-")  # one line per request, on stdout by default
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
if "PORT" in os.environ and not os.environ.get("GUNICORN_CMD_ARGS", "").count("--bind"):
    bind = [f"127.0.0.1:{os.environ['PORT']}"]
