"""Benchmarks and load tests (docs/performance.md); servers.py starts real gunicorn instances."""
