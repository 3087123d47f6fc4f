"""Any instance can die, nothing is lost (make chaos): two instances behind haproxy, Redis, and faults.

On loopback only, and it stops by itself: two instances of the line started as the Procfile does, behind
deploy/haproxy.cfg, sharing a real redis-server (SMS limits and returning callers, SMS on, sent to the
fake Twilio API). Signed calls run through the balancer the whole time while, phase by phase, one instance
is killed (SIGKILL) and started again, the other is stopped (SIGTERM) and started again, and Redis hangs
(SIGSTOP) for 10 s. Prints, per phase: requests, failures by kind, p50/p99, and whether both instances
report the same audio build (manifest version).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from twilio.request_validator import RequestValidator

from scripts.bench import TOKEN, Request, free_port, record_paths
from scripts.fake_twilio import FakeTwilio
from scripts.local_redis import redis_server_binary

ROOT = Path(__file__).resolve().parent.parent
SID = "AC" + "c" * 32
LIMIT = 170.0  # seconds: the whole run stops by itself before 3 minutes


@dataclass
class Phase:
    """What the callers saw while one thing went wrong."""

    name: str
    latencies: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)

    def row(self) -> str:
        """One line of the table."""
        cuts = statistics.quantiles(self.latencies, n=100, method="inclusive") if len(self.latencies) > 1 \
            else [0.0] * 99
        kinds = ", ".join(f"{kind} {count}" for kind, count in self.failures.most_common()) or "-"
        return (f"{self.name:<26}{len(self.latencies):>9}{sum(self.failures.values()):>9}"
                f"{cuts[49] * 1000:>9.1f}{cuts[98] * 1000:>9.1f}   {kinds}")


class Processes:
    """The services of the run, each started as a deployment would, stopped at the end whatever happens."""

    def __init__(self, scratch: Path, redis_binary: str, api: str) -> None:
        self.scratch = scratch
        self.redis_binary = redis_binary
        self.api = api  # the fake Twilio API the instances send their texts to
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self.ports = {name: free_port() for name in ("redis", "one", "two", "balancer")}

    def start_redis(self) -> None:
        """A redis-server of its own, nothing saved to disk."""
        self.running["redis"] = subprocess.Popen(
            [self.redis_binary, "--bind", "127.0.0.1", "--port", str(self.ports["redis"]), "--save", "",
             "--appendonly", "no", "--dir", str(self.scratch)], stdout=subprocess.DEVNULL)

    def start_instance(self, name: str) -> None:
        """One instance, as the Procfile starts it (gunicorn.conf.py read from the project folder)."""
        env = {key: value for key, value in os.environ.items() if key != "PROMETHEUS_MULTIPROC_DIR"}
        env.update(TWILIO_AUTH_TOKEN=TOKEN, TWILIO_ACCOUNT_SID=SID, IVR_SMS_ENABLED="true",
                   IVR_TWILIO_API_BASE_URL=json.dumps(self.api), IVR_CALLER_HASH_KEY=json.dumps("chaos-key"),
                   REDIS_URL=f"redis://127.0.0.1:{self.ports['redis']}/0", IVR_DRAIN_SECONDS="3",
                   WEB_CONCURRENCY="2")
        log = (self.scratch / f"{name}.log").open("ab")
        self.running[name] = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.ports[name]}", "ivr:create_app()"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def start_balancer(self) -> None:
        """haproxy with the project's configuration, on loopback ports."""
        env = {**os.environ, "CHAOS_BIND": f"127.0.0.1:{self.ports['balancer']}",
               "CHAOS_ONE": f"127.0.0.1:{self.ports['one']}", "CHAOS_TWO": f"127.0.0.1:{self.ports['two']}"}
        log = (self.scratch / "haproxy.log").open("ab")
        self.running["balancer"] = subprocess.Popen(
            [haproxy(), "-db", "-f", str(ROOT / "deploy" / "haproxy.cfg")], env=env, stdout=log,
            stderr=subprocess.STDOUT)

    def url(self, name: str) -> str:
        """Where a service listens."""
        return f"http://127.0.0.1:{self.ports[name]}"

    def stop_all(self) -> None:
        """Stop whatever still runs, even a stopped Redis."""
        for process in self.running.values():
            if process.poll() is None:
                os.kill(process.pid, signal.SIGCONT)
                process.kill()
                process.wait(timeout=30)


def haproxy() -> str:
    """Debian's haproxy; `make chaos` installs it."""
    found = shutil.which("haproxy", path=f"{os.environ.get('PATH', '')}:/usr/sbin")
    if found is None:
        raise SystemExit("haproxy is not installed: run `make chaos`, which installs it")
    return found


def redis_server() -> str:
    """The redis-server to start."""
    found = redis_server_binary()
    if found is None:
        raise SystemExit("no redis-server: `make test` or `make chaos` installs one")
    return found


def health(base: str) -> dict[str, object] | None:
    """An instance's /healthz, or None when it does not answer 200."""
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=2) as answer:
            return dict(json.loads(answer.read()))
    except (OSError, ValueError):
        return None


def wait_healthy(*bases: str, limit: float = 60) -> None:
    """Until every instance answers /healthz with 200 (a condition, polled)."""
    deadline = time.monotonic() + limit
    while any(health(base) is None for base in bases):
        if time.monotonic() > deadline:
            raise RuntimeError(f"not healthy within {limit:.0f} s: {bases}")
        time.sleep(0.1)


async def call(session: aiohttp.ClientSession, base: str, path: list[Request], phase: list[Phase],
               rng: random.Random, stop: asyncio.Event) -> None:
    """One call through the balancer, each request signed for its public URL; failures counted by kind."""
    sid = "CA" + secrets.token_hex(16)
    validator = RequestValidator(TOKEN)
    for route, recorded in path:
        if stop.is_set():
            return
        url, form = base + route, {**recorded, "CallSid": sid}
        headers = {"X-Twilio-Signature": validator.compute_signature(url, form)}
        started = time.perf_counter()
        kind = None
        try:
            async with session.post(url, data=form, headers=headers) as response:
                body = await response.read()
                if response.status != 200:
                    kind = f"HTTP {response.status}"
                elif not body.startswith(b"<?xml"):
                    kind = "not TwiML"
        except TimeoutError:
            kind = "timeout"
        except aiohttp.ClientError as error:
            kind = type(error).__name__
        current = phase[0]
        current.latencies.append(time.perf_counter() - started)
        if kind:
            current.failures[kind] += 1
        await asyncio.sleep(rng.uniform(0.3, 1.0))


async def callers(base: str, paths: list[list[Request]], count: int, phase: list[Phase],
                  stop: asyncio.Event) -> None:
    """`count` callers placing calls until told to stop."""
    timeout = aiohttp.ClientTimeout(total=15)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=timeout) as session:

        async def one(seed: int) -> None:
            rng = random.Random(seed)
            await asyncio.sleep(seed / count)
            while not stop.is_set():
                await call(session, base, rng.choice(paths), phase, rng, stop)

        await asyncio.gather(*(one(seed) for seed in range(count)))


async def run(processes: Processes, paths: list[list[Request]], count: int) -> list[Phase]:
    """The phases, one after the other, under a steady load."""
    phases: list[Phase] = []
    current = [Phase("steady")]
    phases.append(current[0])
    stop = asyncio.Event()
    load = asyncio.create_task(callers(processes.url("balancer"), paths, count, current, stop))
    loop = asyncio.get_running_loop()

    def begin(name: str) -> None:
        current[0] = Phase(name)
        phases.append(current[0])

    await asyncio.sleep(8)
    begin("SIGKILL one, start again")
    os.killpg(processes.running["one"].pid, signal.SIGKILL)  # the master and its workers: a machine gone
    processes.running["one"].wait()
    await asyncio.sleep(2)
    processes.start_instance("one")
    await loop.run_in_executor(None, wait_healthy, processes.url("one"))
    await asyncio.sleep(3)
    begin("SIGTERM two, start again")
    processes.running["two"].send_signal(signal.SIGTERM)
    await loop.run_in_executor(None, processes.running["two"].wait)
    processes.start_instance("two")
    await loop.run_in_executor(None, wait_healthy, processes.url("two"))
    await asyncio.sleep(3)
    begin("Redis hung (SIGSTOP) 10 s")
    os.kill(processes.running["redis"].pid, signal.SIGSTOP)
    await asyncio.sleep(10)
    os.kill(processes.running["redis"].pid, signal.SIGCONT)
    await asyncio.sleep(5)
    begin("after")
    await asyncio.sleep(5)
    stop.set()
    await load
    return phases


def main(argv: list[str] | None = None) -> int:
    """Start everything, run the phases, print the table, stop everything."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--callers", type=int, default=60, help="concurrent simulated callers (60)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ivr-chaos-") as scratch:
        api = FakeTwilio(0, SID, TOKEN)
        threading.Thread(target=api.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        processes = Processes(Path(scratch), redis_server(), api.url)
        try:
            processes.start_redis()
            for name in ("one", "two"):
                processes.start_instance(name)
            wait_healthy(processes.url("one"), processes.url("two"))
            processes.start_balancer()
            wait_healthy(processes.url("balancer"))
            paths = record_paths(processes.url("balancer"), 40, random.Random(7))
            phases = asyncio.run(asyncio.wait_for(run(processes, paths, args.callers), LIMIT))
            versions = {name: (health(processes.url(name)) or {}).get("audio_version")
                        for name in ("one", "two")}
        except (RuntimeError, TimeoutError) as error:
            for log in sorted(Path(scratch).glob("*.log")):
                print(f"--- {log.name} (last lines)\n" + "\n".join(log.read_text().splitlines()[-15:]))
            raise SystemExit(f"chaos run stopped: {error}") from error
        finally:
            processes.stop_all()
            api.shutdown()
    print(f"{args.callers} callers through haproxy to two instances (2 workers each), Redis shared; "
          f"{time.monotonic() - started:.0f} s in all")
    print(f"{'phase':<26}{'requests':>9}{'failed':>9}{'p50 ms':>9}{'p99 ms':>9}   failures by kind")
    for phase in phases:
        print(phase.row())
    same = len(set(versions.values())) == 1 and None not in versions.values()
    print(f"audio build (manifest version): one {versions['one']}, two {versions['two']}: "
          f"{'the same' if same else 'DIFFERENT'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
