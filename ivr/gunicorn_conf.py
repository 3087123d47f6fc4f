"""gunicorn settings shared by the Procfile, `make run` and the load benchmark."""

import os

# Twilio gives a webhook 15 s; a request that takes a worker longer than this is already lost.
timeout = 15
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
accesslog = None  # the app logs each webhook itself, with phone numbers masked
