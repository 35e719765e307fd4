"""The benchmark behind `make bench`: `manage.py benchmark` on the configured database.

Prints, for the database in DATABASE_URL:
1. in-process kit assembly time (median, p95) as the bank grows to 1k, 10k
   and 100k questions (generated with generate_bank), and the 100k/1k ratio:
   with the bank cache warm (the bank unchanged since the process last read
   it) and cold (the first kit after a change, reading the decks again);
   and, at each size, the time of the question list's first and last pages;
2. SQL queries per kit creation (cache cold and warm) and per kit fetch
   (first and cached);
3. PDF rendering time of a 20-question kit;
4. HTTP throughput and latency (p50, p99) under gunicorn with concurrent
   connections on loopback, measured by wrk, for GET /api/v1/kits/{id}/,
   POST /api/v1/kits/ and the same server returning a fixed pre-serialised
   kit body (the upper bound for this stack), with the ratios to it: the
   medians of rounds that run every endpoint in turn.

Run it on an empty database: it fills it with synthetic data.
"""

import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from questionbank import bank_cache
from questionbank.kits import assemble_kit
from questionbank.models import Question, Role

SIZES = [1_000, 10_000, 100_000]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Command(BaseCommand):
    help = "Benchmark kit assembly, queries, PDF and HTTP on the configured database."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
        parser.add_argument("--kits", type=int, default=50, help="assemblies per bank size")
        parser.add_argument("--connections", type=int, default=64)
        parser.add_argument("--duration", type=int, default=5, help="seconds per HTTP run")
        parser.add_argument("--rounds", type=int, default=3, help="HTTP runs per endpoint")
        parser.add_argument(
            "--workers",
            type=int,
            default=len(os.sched_getaffinity(0)),
            help="gunicorn workers (default: one per core; see the README)",
        )

    def handle(self, *args, sizes, kits, connections, duration, workers, rounds, **options):
        if Question.objects.exists():
            raise CommandError("Run the benchmark on an empty database: it generates its own.")
        vendor = connection.vendor
        self.stdout.write(f"== Benchmark on {vendor} ==")
        token = self.api_token()
        timings = self.assembly(sorted(int(s) for s in sizes.split(",")), kits, token)
        role = Role.objects.filter(slug__startswith="bench").order_by("-pk").first()
        kit_id = self.queries(role, token)
        call_command("benchmark_pdf", questions=20, runs=5, stdout=self.stdout)
        self.http(role, token, kit_id, connections, duration, workers, rounds)
        first, last = timings[0], timings[-1]
        self.stdout.write(
            f"assembly median ratio {last[0]:,} / {first[0]:,} questions: "
            f"{last[1] / first[1]:.2f}x (target: within 2x); cold cache {last[2] / first[2]:.2f}x"
        )

    def assembly(self, sizes, kits, token):
        self.stdout.write(
            "-- kit assembly, in process (final interview, 6 competencies); "
            "a page of GET /api/v1/questions/ (50) --"
        )
        client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1")
        results, total = [], 0
        for index, size in enumerate(sizes):
            call_command(
                "generate_bank", questions=size - total, prefix=f"bench{index}", stdout=self.stdout
            )
            total = size
            roles = list(Role.objects.filter(slug__startswith=f"bench{index}-"))
            assemble_kit(role=roles[0], stage="final", seed=0)  # connections, imports
            cold, seconds = [], []
            for seed in range(kits):
                bank_cache.forget()  # as after a change to the bank
                start = time.perf_counter()
                assemble_kit(role=roles[seed % len(roles)], stage="final", seed=1000 + seed)
                cold.append(time.perf_counter() - start)
            for seed, role in enumerate(roles):  # the cache warm: every role's plan and decks
                assemble_kit(role=role, stage="final", seed=seed)
            for seed in range(kits):
                start = time.perf_counter()
                assemble_kit(role=roles[seed % len(roles)], stage="final", seed=2000 + seed)
                seconds.append(time.perf_counter() - start)
            median, cold_median = statistics.median(seconds) * 1000, statistics.median(cold) * 1000
            self.stdout.write(
                f"{total:>7,} questions: median {median:6.1f} ms   "
                f"p95 {percentile(seconds, 0.95) * 1000:6.1f} ms   (cold cache: median "
                f"{cold_median:6.1f} ms   p95 {percentile(cold, 0.95) * 1000:6.1f} ms)"
            )
            self.stdout.write(f"{'':>17}{self.question_pages(client)}")
            results.append((total, median, cold_median))
        return results

    def question_pages(self, client, runs=5) -> str:
        """The medians of the question list's first and last pages, in process."""
        last = -(-Question.objects.count() // 50)
        medians = []
        for page in (1, last):
            seconds = []
            for _ in range(runs + 1):  # the first run warms up
                start = time.perf_counter()
                response = client.get("/api/v1/questions/", {"page": page})
                seconds.append(time.perf_counter() - start)
                if response.status_code != 200:
                    raise CommandError(f"GET /api/v1/questions/ answered {response.status_code}.")
            medians.append(statistics.median(seconds[1:]) * 1000)
        return f"question list: page 1 {medians[0]:6.1f} ms   page {last:,} {medians[1]:6.1f} ms"

    def api_token(self) -> str:
        user, _ = User.objects.get_or_create(username="bench")
        user.user_permissions.add(Permission.objects.get(codename="add_kit"))
        return Token.objects.get_or_create(user=user)[0].key

    def queries(self, role, token) -> str:
        self.stdout.write("-- SQL queries per request --")
        client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1")
        body = json.dumps({"role": role.slug, "stage": "final", "seed": 7})
        bank_cache.forget()
        with CaptureQueriesContext(connection) as create:
            response = client.post("/api/v1/kits/", body, content_type="application/json")
        if response.status_code != 201:
            raise CommandError(
                f"POST /api/v1/kits/ answered {response.status_code}, not 201 "
                "(with production settings, set HTTPS=0 for plain HTTP on loopback)."
            )
        kit_id = response.json()["id"]
        with CaptureQueriesContext(connection) as warm:
            client.post("/api/v1/kits/", body, content_type="application/json")
        cache.clear()  # the POST cached its body: fetch as a server that did not create it
        with CaptureQueriesContext(connection) as fetch:
            client.get(f"/api/v1/kits/{kit_id}/")
        with CaptureQueriesContext(connection) as cached:
            client.get(f"/api/v1/kits/{kit_id}/")
        self.stdout.write(
            f"POST /api/v1/kits/: {len(create)} queries (cold bank cache), {len(warm)} (warm)   "
            f"GET (first): {len(fetch)}   GET (cached): {len(cached)}"
        )
        return kit_id

    def http(self, role, token, kit_id, connections, duration, workers, rounds):
        wrk = shutil.which("wrk")
        if wrk is None:
            raise CommandError("wrk is not installed: run `make bench` (it installs it).")
        self.stdout.write(
            f"-- HTTP under gunicorn ({workers} workers), wrk {connections} connections, "
            f"{rounds} rounds of {duration} s, medians --"
        )
        port = free_port()
        env = {
            **os.environ,
            "BENCHMARK_ENDPOINT": "1",
            "HTTPS": "0",  # plain HTTP on loopback
            "BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_ACCESS_LOG": "/dev/null",
            # One token stands for every client here: keep the throttle's work per
            # request, but with a rate no run reaches (the default would answer 429).
            "API_THROTTLE_USER": "100000000/minute",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "interviews.wsgi", "-c", "gunicorn.conf.py"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            self.wait_for(base)
            auth = f"Authorization: Token {token}"
            post = json.dumps({"role": role.slug, "stage": "final"})
            targets = {
                "fixed body (upper bound)": (f"{base}/bench/fixed-kit/", [], None),
                "GET /api/v1/kits/{id}/": (f"{base}/api/v1/kits/{kit_id}/", [auth], None),
                "POST /api/v1/kits/": (
                    f"{base}/api/v1/kits/",
                    [auth, "Content-Type: application/json"],
                    post,
                ),
            }
            # Warm up every worker on every path (imports, connections, caches) first,
            # so that no run pays for start-up; these runs are not reported.
            for url, headers, body in targets.values():
                self.wrk(wrk, url, headers, connections, 2, post=body)
            # Rounds of every endpoint in turn: a slow spell of a shared machine falls on
            # one round of each, not on one endpoint's whole run.
            runs = {name: [] for name in targets}
            for _ in range(rounds):
                for name, (url, headers, body) in targets.items():
                    runs[name].append(self.wrk(wrk, url, headers, connections, duration, post=body))
        finally:
            server.terminate()
            server.wait(timeout=30)
        bounds = runs["fixed body (upper bound)"]
        for name, rounds_run in runs.items():
            # The round of median throughput; the share of the bound is the median of each
            # round's share of the bound measured just before it.
            run = sorted(rounds_run, key=lambda r: r["rps"])[len(rounds_run) // 2]
            share = statistics.median(
                r["rps"] / bound["rps"] for r, bound in zip(rounds_run, bounds, strict=True)
            )
            self.stdout.write(
                f"{name:<26} {run['rps']:8.1f} req/s   p50 {run['p50']:7.1f} ms   "
                f"p99 {run['p99']:7.1f} ms   errors {sum(r['errors'] for r in rounds_run)}   "
                f"{share:6.1%} of the upper bound"
            )
        self.stdout.write("targets: GET >= 70%, POST >= 25% of the upper bound; zero errors")

    def wait_for(self, base):
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), 0.2):
                    return
            except OSError:
                time.sleep(0.1)
        raise CommandError("gunicorn did not start.")

    def wrk(self, wrk, url, headers, connections, duration, post=None) -> dict:
        command = [
            wrk,
            "-t2",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "--timeout",
            "10s",
        ]
        for header in headers:
            command += ["-H", header]
        script = None
        if post is not None:
            script = Path(tempfile.mkstemp(suffix=".lua")[1])
            script.write_text(f'wrk.method = "POST"\nwrk.body = {json.dumps(post)}\n')
            command += ["-s", str(script)]
        try:
            output = subprocess.run(
                [*command, url], capture_output=True, text=True, check=True
            ).stdout
        finally:
            if script:
                script.unlink()
        return parse_wrk(output)


def parse_wrk(output: str) -> dict:
    def latency(label):
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if sockets:
        errors += sum(int(n) for n in sockets.groups())
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
        "errors": errors,
    }
