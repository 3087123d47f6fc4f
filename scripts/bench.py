"""Load benchmark on loopback: simulated callers against the line, then against a bare Flask app.

Both run under gunicorn with the Procfile's settings (gunicorn.conf.py). Callers replay paths
recorded from the line itself (keys, wrong keys, silences), signed like Twilio, with pauses between
requests; the bare app gets the very same requests. Prints latency, throughput, errors, worker memory
and the ratio of the two, then checks that /metrics counted every call across the workers.

With --against FOLDER, the line of another checkout (an older commit) takes part in the same alternating
rounds, under this checkout's gunicorn settings, replaying calls recorded from itself with the same keys:
a ratio measured on one day on one machine is only comparable with another measured beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from twilio.request_validator import RequestValidator

from ivr.phone import HttpTransport, Phone, Transport

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token"
LINE_APP = "ivr:create_app()"
BARE_APP = "scripts.bare_app:create_app()"
# What a caller presses after choosing a language: mostly "next", sometimes repeat, back, help, a
# menu option, a wrong key, or nothing at all ("" lets the <Gather> time out).
KEYS = ["1", "1", "1", "1", "#", "9", "*", "0", "2", "3", "", "7"]
LANGUAGE_KEYS = "1111223456"

# The callers and the server each get their own core, so neither measures the other's work.
CPUS = sorted(os.sched_getaffinity(0))
CLIENT_CPUS, SERVER_CPUS = set(CPUS[:1]), set(CPUS[1:] or CPUS)
Request = tuple[str, dict[str, str]]  # path with query, form without CallSid


class Recorder:
    """A transport that keeps the path and form of every request it passes on."""

    def __init__(self, transport: Transport | None = None) -> None:
        self.transport = transport or HttpTransport()
        self.requests: list[Request] = []

    def post(self, url: str, form: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        """Record, then pass on (over HTTP unless told otherwise)."""
        parts = urllib.parse.urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.requests.append((path, {key: value for key, value in form.items() if key != "CallSid"}))
        return self.transport.post(url, form, headers)


def record_paths(base: str, count: int, rng: random.Random,
                 transport: Callable[[], Transport] = HttpTransport) -> list[list[Request]]:
    """Place `count` calls on the line with random keys and keep each call's requests."""
    paths = []
    for _ in range(count):
        recorder = Recorder(transport())
        phone = Phone(recorder, f"{base}/voice", TOKEN, caller=f"+336{rng.randrange(10**8):08d}")
        phone.dial()
        phone.press(rng.choice(LANGUAGE_KEYS))
        for _ in range(rng.randint(4, 16)):
            if phone.ended:
                break
            phone.press(rng.choice(KEYS))
        paths.append(recorder.requests)
    return paths


@dataclass
class Tally:
    """What the callers saw."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    calls: int = 0  # first requests of a call answered 200
    seconds: float = 0.0
    stolen: float = 0.0  # ticks the hypervisor gave the server's core to someone else meanwhile
    ticks: float = 0.0

    def figures(self) -> dict[str, float]:
        """p50/p95/p99 in milliseconds, requests per second and errors."""
        cuts = statistics.quantiles(self.latencies, n=100, method="inclusive")
        return {"requests": len(self.latencies), "rps": len(self.latencies) / self.seconds,
                "p50": cuts[49] * 1000, "p95": cuts[94] * 1000, "p99": cuts[98] * 1000,
                "errors": self.errors}


async def call(session: aiohttp.ClientSession, base: str, path: list[Request], pause: tuple[float, float],
               rng: random.Random, deadline: float, tally: Tally) -> None:
    """One call, until its path ends or time is up: each request signed for its URL, then a pause."""
    sid = "CA" + secrets.token_hex(16)
    validator = RequestValidator(TOKEN)
    for route, recorded in path:
        if time.monotonic() >= deadline:
            return
        url, form = base + route, {**recorded, "CallSid": sid}
        headers = {"X-Twilio-Signature": validator.compute_signature(url, form)}
        start = time.perf_counter()
        try:
            async with session.post(url, data=form, headers=headers) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError):
            status = 0
        tally.latencies.append(time.perf_counter() - start)
        if status != 200:
            tally.errors += 1
        elif route == "/voice":
            tally.calls += 1
        await asyncio.sleep(rng.uniform(*pause))


async def caller(session: aiohttp.ClientSession, base: str, paths: list[list[Request]], deadline: float,
                 pause: tuple[float, float], delay: float, seed: int, tally: Tally) -> None:
    """One simulated caller: calls after calls until the deadline."""
    rng = random.Random(seed)
    await asyncio.sleep(delay)  # callers arrive over the first second, not all at once
    while time.monotonic() < deadline:
        await call(session, base, rng.choice(paths), pause, rng, deadline, tally)


async def load(base: str, paths: list[list[Request]], callers: int, seconds: float,
               pause: tuple[float, float], tally: Tally | None = None) -> Tally:
    """Run `callers` callers for `seconds`, adding to `tally`; calls still under way then are cut off."""
    tally = tally or Tally()
    # Twilio gives a webhook 15 s: a longer wait is an error, as it would be on a real call.
    timeout = aiohttp.ClientTimeout(total=15)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=timeout) as session:
        start = time.monotonic()
        deadline = start + seconds
        await asyncio.gather(*(caller(session, base, paths, deadline, pause, i / callers, i, tally)
                               for i in range(callers)))
        tally.seconds += time.monotonic() - start
    return tally


def cpu_ticks(cpus: set[int]) -> tuple[int, int]:
    """Stolen and total ticks of these cores so far, from /proc/stat (zeros where it cannot be read)."""
    stolen = total = 0
    try:
        lines = Path("/proc/stat").read_text().splitlines()
    except OSError:
        return 0, 0
    for line in lines:
        name, *counts = line.split()
        if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in cpus:
            ticks = [int(count) for count in counts[:8]]
            stolen, total = stolen + ticks[7], total + sum(ticks)
    return stolen, total


def free_port() -> int:
    """A port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def worker_pids(master: int) -> list[int]:
    """gunicorn's workers: the master's children."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            pids.append(int(stat.parent.name))
    return sorted(pids)


def peak_rss_mib(pid: int) -> float:
    """The highest resident memory a process has had, in MiB."""
    match = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(match.group(1)) / 1024 if match else float("nan")


@dataclass
class Server:
    """A running gunicorn."""

    base: str
    process: subprocess.Popen[bytes]

    def get(self, path: str) -> str:
        """GET a page of this server."""
        with urllib.request.urlopen(self.base + path, timeout=5) as response:
            return str(response.read().decode())

    def memory(self) -> list[float]:
        """Peak resident memory of each worker, in MiB."""
        return [peak_rss_mib(pid) for pid in worker_pids(self.process.pid)]


@contextmanager
def gunicorn(app: str, log: Path, folder: Path = ROOT) -> Iterator[Server]:
    """Start gunicorn as the Procfile does, on a free loopback port; stop it afterwards.

    `folder` is the checkout whose app it serves (this one unless told otherwise); the settings are always
    this checkout's gunicorn.conf.py, so that two checkouts compared run under the same server.
    """
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(TWILIO_AUTH_TOKEN=TOKEN, PORT=str(port))
    # gunicorn puts its working folder first on sys.path: the app is imported from that checkout.
    command = [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"),
               "--bind", f"127.0.0.1:{port}", app]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=folder, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   preexec_fn=lambda: os.sched_setaffinity(0, SERVER_CPUS))
    server = Server(f"http://127.0.0.1:{port}", process)
    try:
        wait_until_up(server)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def wait_until_up(server: Server) -> None:
    """Wait for the port to accept connections and for every worker to have started."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start (exit {server.process.returncode}); see its log")
        try:
            with socket.create_connection(("127.0.0.1", int(server.base.rpartition(":")[2])), timeout=1):
                pass
            time.sleep(1.0)  # workers boot after the master binds the port
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start listening within 30 s")


def calls_counted(metrics: str) -> float:
    """ivr_calls_total as /metrics reports it, summed over every worker."""
    match = re.search(r"^ivr_calls_total ([0-9.e+]+)$", metrics, re.MULTILINE)
    return float(match.group(1)) if match else float("nan")


def row(name: str, tally: Tally, memory: list[float], width: int = 11) -> str:
    """One line of the results table."""
    f = tally.figures()
    rss = ", ".join(f"{mib:.0f}" for mib in memory)
    return (f"{name:<{width}}{f['requests']:>9.0f}{f['rps']:>8.0f}"
            f"{f['p50']:>9.2f}{f['p95']:>9.2f}{f['p99']:>9.2f}{f['errors']:>8.0f}   {rss}")


def main(argv: list[str] | None = None) -> int:
    """Benchmark the line against the bare app and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--callers", type=int, default=200, help="concurrent simulated callers (200)")
    parser.add_argument("--seconds", type=float, default=16, help="load time per app (16)")
    parser.add_argument("--rounds", type=int, default=4,
                        help="the load alternates between the apps in this many rounds (4)")
    parser.add_argument("--pause", type=float, nargs=2, default=(0.5, 1.5), metavar=("MIN", "MAX"),
                        help="seconds a caller waits after each answer, drawn uniformly (0.5 1.5)")
    parser.add_argument("--paths", type=int, default=60, help="distinct call paths recorded (60)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the recorded paths (1)")
    parser.add_argument("--against", type=Path, metavar="FOLDER",
                        help="also load the line of another checkout (a git worktree of an older commit, its "
                             "audio built), in the same alternating rounds: a comparison the machine's drift "
                             "from run to run does not blur")
    args = parser.parse_args(argv)
    if args.against and not (args.against / "ivr" / "__init__.py").is_file():
        parser.error(f"--against {args.against}: no checkout of the line there (no ivr/__init__.py)")
    os.sched_setaffinity(0, CLIENT_CPUS)
    pause = (args.pause[0], args.pause[1])
    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ivr-bench-")))
        line = stack.enter_context(gunicorn(LINE_APP, scratch / "line.log"))
        servers = {"line": line}
        if args.against:
            servers[f"line at {args.against.resolve().name}"] = stack.enter_context(
                gunicorn(LINE_APP, scratch / "against.log", args.against.resolve()))
        bare = servers["bare Flask"] = stack.enter_context(gunicorn(BARE_APP, scratch / "bare.log"))
        # Each line replays calls recorded from itself (an older line may not know a newer one's URLs): the
        # same callers pressing the same keys. The bare app answers the first line's requests.
        paths = {name: record_paths(server.base, args.paths, random.Random(args.seed))
                 for name, server in servers.items() if name != "bare Flask"}
        paths["bare Flask"] = paths["line"]
        # Warm the bare app up, as recording did the lines.
        asyncio.run(load(bare.base, paths["line"][:20], 1, 2, (0.0, 0.0)))
        tallies = {name: Tally() for name in servers}
        # Alternating spreads any change in the machine's speed over every app alike.
        for _ in range(args.rounds):
            for name, server in servers.items():
                stolen, ticks = cpu_ticks(SERVER_CPUS)
                asyncio.run(load(server.base, paths[name], args.callers, args.seconds / args.rounds, pause,
                                 tallies[name]))
                stolen_after, ticks_after = cpu_ticks(SERVER_CPUS)
                tallies[name].stolen += stolen_after - stolen
                tallies[name].ticks += ticks_after - ticks
        results = [(name, tallies[name], server.memory()) for name, server in servers.items()]
        counted = calls_counted(line.get("/metrics"))
    recorded_calls = len(paths["line"])
    workers = len(results[0][2])
    width = max(11, *(len(name) + 1 for name in servers))
    print(f"{args.callers} callers, {args.seconds:.0f} s per app in {args.rounds} alternating rounds, pauses "
          f"{pause[0]}-{pause[1]} s, {recorded_calls} recorded paths; gunicorn as in the Procfile, "
          f"{workers} workers each")
    print(f"{'':<{width}}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}   "
          "peak RSS per worker, MiB")
    for name, tally, memory in results:
        print(row(name, tally, memory, width))
    floor = results[-1][1].figures()
    for name, tally, _ in results[:-1]:
        ours = tally.figures()
        ratios = (f"{cut} {ours[cut] / floor[cut]:.2f}" for cut in ("p50", "p95", "p99"))
        print(f"ratio {name}/bare: " + ", ".join(ratios))
    # On a shared virtual machine the host may take the server's core away; runs with much of it are noisy.
    steal = (f"{name} {100 * tally.stolen / tally.ticks:.1f}%" for name, tally, _ in results if tally.ticks)
    print("CPU time stolen by the host from the server's core: " + ", ".join(steal))
    made = recorded_calls + results[0][1].calls
    verdict = "ok" if counted == made else "MISMATCH"
    print(f"/metrics ivr_calls_total {counted:.0f}, calls answered {made} (recording {recorded_calls} + "
          f"load {results[0][1].calls}), summed over {workers} workers: {verdict}")
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
