"""The benchmark driver (run it through bench/run, which builds provision and the venv).

    bench/run [--rounds 5] [--validate-runs 20] [--routes 300] [--awscli-big] [--no-page] [--check]
    bench/run --render-only [--results bench/results.json]

Starts moto (scripts/moto_server.py) and measures side by side: fresh `up` and no-op `diff` of
the onboarding stack (tests/fixtures/onboarding-existing-machine.toml) and of a generated N-route stack, for `provision`, a sequential boto3 script
(bench/baseline_boto3.py) and an AWS CLI script (bench/baseline_awscli.sh); `provision validate`
wall time; the peak RSS of the big `up`; and the number of sequential waves of AWS calls.
Wall times are medians over the rounds, each sent straight to moto. Calls, waves and peak RSS come
from one extra round per tool and scenario sent through a recording proxy (bench/proxy.py), so
every tool is counted the same way; the proxy is kept out of the timed rounds because it is Python
on the same cores, and its CPU and latency would slow a concurrent client more than a sequential
one. Prints a markdown table on stdout, writes
bench/results.md and bench/results.json, and replaces the block between `<!-- bench:start -->`
and `<!-- bench:end -->` in docs/benchmark.md when those markers exist (not with --no-page).

`--render-only` measures nothing: it renders bench/results.json again and writes the page, to
check the writing path or to publish results after editing the text around the table.

Exit 0 when every scenario ran (missed targets are reported, not errors; with --check a missed
target exits 1), 2 when a scenario failed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import baseline_boto3  # noqa: E402
from proxy import QUOTA_SERVICE, Call, Quota, RecordingProxy, waves  # noqa: E402

ACCOUNT = "189107071895"
REGION = "ap-southeast-2"
# The onboarding stack as the walkthrough's console setup: its route names a state machine that
# exists (the bench creates it), so every tool builds the same API, role and stage. The shipped
# stacks/onboarding.toml also creates its workflow, which the scripts do not; tests/it/scale.rs
# pins this stack's call counts too.
ONBOARDING = ROOT / "tests" / "fixtures" / "onboarding-existing-machine.toml"
SHIPPED = ROOT / "stacks" / "onboarding.toml"
PAGE = ROOT / "docs" / "benchmark.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


class ScenarioError(Exception):
    pass


def log(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- moto


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Moto:
    """One moto server (through scripts/moto_server.py) on a free loopback port."""

    def __init__(self, python: str, logdir: Path, name: str, stock: bool = False):
        self.port = free_port()
        self.stock = stock
        self.url = f"http://127.0.0.1:{self.port}"
        env = clean_env()
        env.update(MOTO_ACCOUNT_ID=ACCOUNT, MOTO_IAM_LOAD_MANAGED_POLICIES="true")
        self.log_path = logdir / f"moto-{name}.log"
        self._log = open(self.log_path, "wb")
        # stock: moto as released, without the project's shim (to tell what the shim costs)
        server = ["-m", "moto.server"] if stock else [str(ROOT / "scripts" / "moto_server.py")]
        self.proc = subprocess.Popen(
            [python, *server, "-H", "127.0.0.1", "-p", str(self.port)],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while True:
            if self.proc.poll() is not None:
                raise ScenarioError(f"moto exited with {self.proc.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.url + "/moto-api/", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise ScenarioError(f"moto did not answer on {self.url} within 90 s; see {self.log_path}")
            time.sleep(0.1)
        import boto3

        kw = dict(
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        self.sfn = boto3.client("stepfunctions", **kw)
        self.iam = boto3.client("iam", **kw)
        self.apigw = boto3.client("apigatewayv2", **kw)

    def reset(self, machines: list[str]) -> None:
        """Empty account, then the state machines the stack's routes need."""
        req = urllib.request.Request(self.url + "/moto-api/reset", method="POST", data=b"")
        with urllib.request.urlopen(req, timeout=60) as r:
            if r.status != 200:
                raise ScenarioError(f"moto reset answered {r.status}")
        definition = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})
        for arn in machines:
            self.sfn.create_state_machine(
                name=arn.rsplit(":", 1)[-1],
                definition=definition,
                roleArn=f"arn:aws:iam::{ACCOUNT}:role/bench-workflow",
                type="STANDARD",
            )
        # moto rebuilds a service's backend on its first call after a reset (IAM loads every
        # AWS managed policy, which takes about a second); do that here, untimed, so no client
        # is charged for the emulator's start-up.
        self.iam.list_roles()
        self.apigw.get_apis()

    def cpu_seconds(self) -> float | None:
        """CPU time moto has used so far (Linux /proc), to tell when the server is the bottleneck."""
        return proc_cpu(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()


# --------------------------------------------------------------------------- running tools


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.pop("CI", None)
    return env


def aws_env(endpoint: str, venv_bin: Path) -> dict[str, str]:
    env = clean_env()
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE="/nonexistent",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
        NO_COLOR="1",
        PATH=f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env


@dataclass
class Run:
    wall: float
    rc: int
    maxrss_kib: int
    calls: list[Call] = field(default_factory=list)
    output: str = ""
    in_process: float | None = None
    server_cpu: float | None = None
    client_cpu: float = 0.0

    @property
    def n_calls(self) -> int:
        return len(self.calls)

    @property
    def n_mutating(self) -> int:
        return sum(c.mutating for c in self.calls)

    @property
    def waves(self) -> int:
        return waves(self.calls)

    def ops(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.calls:
            key = c.operation + ("" if c.mutating else " (read)")
            out[key] = out.get(key, 0) + 1
        return dict(sorted(out.items()))


def run_timed(
    cmd: list[str], env: dict[str, str], proxy: RecordingProxy | None, tmp: Path, moto: "Moto | None" = None
) -> Run:
    """Runs cmd to completion: wall time of the process, its rusage, the calls it made and the
    CPU time moto spent meanwhile."""
    if proxy:
        proxy.take()
    cpu0 = moto.cpu_seconds() if moto else None
    out_path = tmp / "out.txt"
    with open(out_path, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT)
        _, status, rusage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu1 = moto.cpu_seconds() if moto else None
    calls = proxy.take() if proxy else []
    text = out_path.read_text(errors="replace")
    m = re.search(r"BENCH_IN_PROCESS_SECONDS=([0-9.]+)", text)
    server_cpu = cpu1 - cpu0 if cpu0 is not None and cpu1 is not None else None
    return Run(
        wall,
        proc.returncode,
        rusage.ru_maxrss,
        calls,
        text,
        float(m.group(1)) if m else None,
        server_cpu,
        rusage.ru_utime + rusage.ru_stime,
    )


def check_ok(run: Run, what: str) -> None:
    if run.rc != 0:
        tail = "\n".join(run.output.strip().splitlines()[-25:])
        raise ScenarioError(f"{what} exited {run.rc}:\n{tail}")


# --------------------------------------------------------------------------- stacks


def big_stack(n: int, path: Path, targets: int = 1) -> Path:
    """N routes `POST /r000`.. on one workflow, or spread over `targets` workflows
    (`user-onboarding-0`.., route i on workflow i % targets)."""
    lines = [
        f"# Generated by bench/bench.py: the onboarding stack with many routes on {targets} workflow(s).",
        "[stack]",
        'name = "user-onboarding"',
        f'region = "{REGION}"',
        "",
        "[api]",
        'name = "user-onboarding-api"',
        "",
        "[role]",
        'name = "user-onboarding-api-gateway-stepfunctions-role"',
        'policy_name = "InvokeUserOnboardingWorkflow"',
        'actions = ["states:StartExecution", "states:StartSyncExecution"]',
    ]
    for i in range(n):
        machine = machine_arn("user-onboarding" if targets == 1 else f"user-onboarding-{i % targets}")
        lines += [
            "",
            "[[route]]",
            f'key = "POST /r{i:03d}"',
            'action = "StartExecution"',
            f'state_machine = "{machine}"',
            'parameters = { Input = "$request.body.input" }',
        ]
    lines += ["", "[stage]", 'name = "$default"', "auto_deploy = true", ""]
    path.write_text("\n".join(lines))
    return path


def write_cli_spec(spec: dict, path: Path) -> Path:
    q = shlex.quote

    def arr(name: str, items: list[str]) -> str:
        return f"{name}=(" + " ".join(q(i) for i in items) + ")"

    routes = spec["routes"]
    lines = [
        f"STACK={q(spec['stack'])}",
        f"API_NAME={q(spec['api_name'])}",
        f"ROLE_NAME={q(spec['role_name'])}",
        f"POLICY_NAME={q(spec['policy_name'])}",
        f"ROLE_DESCRIPTION={q(baseline_boto3.ROLE_DESCRIPTION)}",
        f"TRUST_JSON={q(json.dumps(spec['trust']))}",
        f"POLICY_JSON={q(json.dumps(spec['policy']))}",
        f"IAM_TAGS_JSON={q(json.dumps([{'Key': k, 'Value': v} for k, v in sorted(spec['tags'].items())]))}",
        f"TAGS_JSON={q(json.dumps(spec['tags']))}",
        f"STAGE_NAME={q(spec['stage_name'])}",
        f"AUTO_DEPLOY={'true' if spec['auto_deploy'] else 'false'}",
        arr("ROUTE_KEYS", [r["key"] for r in routes]),
        arr("ROUTE_SUBTYPES", [r["subtype"] for r in routes]),
        arr("ROUTE_PARAMS", [json.dumps(r["parameters"]) for r in routes]),
        arr("ROUTE_AUTH", [r["authorization"] for r in routes]),
        arr("MACHINES", sorted({r["state_machine"] for r in routes})),
        arr("MANAGED_POLICIES", spec["managed_policies"]),
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


# --------------------------------------------------------------------------- the benchmark


@dataclass
class Tool:
    name: str
    label: str
    up: list[str] | None
    diff: list[str] | None


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.provision = args.provision
        self.python = str(BENCH / ".venv" / "bin" / "python")
        self.venv_bin = BENCH / ".venv" / "bin"
        self.tmp = Path(tempfile.mkdtemp(prefix="provision-bench-"))
        self.results: dict = {"scenarios": {}, "notes": []}
        help_text = subprocess.run(
            [self.provision, "up", "--help"], capture_output=True, text=True, check=False
        ).stdout
        self.has_max_rps = "max-rps" in help_text
        version = subprocess.run([self.provision, "--version"], capture_output=True, text=True).stdout.strip()
        self.results["env"] = {
            "provision": version,
            "provision_binary": self.provision,
            "max_rps_flag": self.has_max_rps,
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "machine": platform.machine(),
            "rounds": args.rounds,
            "validate_runs": args.validate_runs,
            "routes": args.routes,
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "loadavg_start": round(os.getloadavg()[0], 2),
        }

    def note(self, text: str) -> None:
        log("note: " + text)
        self.results["notes"].append(text)

    def tools(self, stack: Path, spec_sh: Path, big: bool) -> list[Tool]:
        up_flags = ["--max-rps", "0"] if big and self.has_max_rps else []
        tools = [
            Tool("provision", "provision", [self.provision, "up", str(stack), *up_flags], [self.provision, "diff", str(stack)]),
            Tool(
                "boto3",
                "boto3 (sequential)",
                [self.python, str(BENCH / "baseline_boto3.py"), "up", str(stack)],
                [self.python, str(BENCH / "baseline_boto3.py"), "diff", str(stack)],
            ),
        ]
        cli_up = None if big and not self.args.awscli_big else ["bash", str(BENCH / "baseline_awscli.sh"), "up", str(spec_sh)]
        tools.append(Tool("awscli", "AWS CLI", cli_up, ["bash", str(BENCH / "baseline_awscli.sh"), "diff", str(spec_sh)]))
        return tools

    def converged(self, moto: Moto, stack: Path, what: str, binary: str | None = None) -> bool:
        """`provision diff --output json` (this build's, or `binary`'s) straight against moto: True
        when it plans no change."""
        env = aws_env(moto.url, self.venv_bin)
        out = subprocess.run(
            [binary or self.provision, "diff", str(stack), "--output", "json"], env=env, capture_output=True, text=True, cwd=ROOT
        )
        if out.returncode != 0:
            raise ScenarioError(f"provision diff after {what} exited {out.returncode}:\n{out.stderr[-2000:]}")
        changes = json.loads(out.stdout).get("changes", [])
        if changes:
            summary = ", ".join(f"{c.get('action')} {c.get('kind')} {c.get('name')}" for c in changes[:5])
            self.note(f"after {what}, `provision diff` still plans {len(changes)} change(s): {summary}")
            return False
        return True

    def scenario(self, key: str, stack: Path) -> None:
        """Fresh `up` and no-op `diff` of one stack, every tool: one instrumented round through the
        recording proxy (calls, waves, peak RSS), then args.rounds timed rounds straight to moto."""
        big = key == "big"
        spec = baseline_boto3.load_spec(str(stack))
        machines = sorted({r["state_machine"] for r in spec["routes"]})
        spec_sh = write_cli_spec(spec, self.tmp / f"spec-{key}.sh")
        tools = self.tools(stack, spec_sh, big)
        rounds = self.args.rounds
        moto = Moto(self.python, self.tmp, key)
        proxy = RecordingProxy(moto.port).start()
        proxied = aws_env(proxy.url, self.venv_bin)  # the instrumented round: counted, not timed
        direct = aws_env(moto.url, self.venv_bin)  # the timed rounds: no proxy in the way
        res = self.results["scenarios"].setdefault(key, {"stack": str(stack), "routes": len(spec["routes"])})
        try:
            # moto loads each service's backend (IAM's managed policies, ...) on first use: one
            # untimed up and diff straight to moto, so that no measured run pays for it.
            moto.reset(machines)
            for cmd in (tools[0].up, tools[0].diff):
                check_ok(run_timed(cmd, direct, None, self.tmp), f"warm-up {' '.join(cmd[1:2])} ({key})")

            # Fresh up: reset the account before every run. First the instrumented round through
            # the proxy (and the check that each tool built what provision builds), then the
            # timed rounds straight to moto.
            up_tools = [t for t in tools if t.up]
            up_counted: dict[str, Run] = {}
            for t in up_tools:
                moto.reset(machines)
                run = run_timed(t.up, proxied, proxy, self.tmp, moto)
                check_ok(run, f"{t.name} up ({key}, instrumented round)")
                up_counted[t.name] = run
                log(f"{key} up    counted     {t.name:<9} {run.wall:8.3f} s  {run.n_calls:4d} calls "
                    f"({run.n_mutating} mutating)  {run.waves} waves  (through the proxy)")
                self.converged(moto, stack, f"{t.name} up of the {key} stack")
            ups: dict[str, list[Run]] = {t.name: [] for t in up_tools}
            for r in range(rounds):
                for t in up_tools:
                    moto.reset(machines)
                    run = run_timed(t.up, direct, None, self.tmp, moto)
                    check_ok(run, f"{t.name} up ({key}, round {r + 1})")
                    ups[t.name].append(run)
                    log(f"{key} up    round {r + 1}/{rounds} {t.name:<9} {run.wall:8.3f} s  {moto_share(run)}")

            # No-op diff: one provision up, then every tool's diff: the instrumented round, then
            # the timed rounds.
            moto.reset(machines)
            converge = run_timed([*tools[0].up], direct, None, self.tmp)
            check_ok(converge, f"provision up before diff ({key})")
            if not self.converged(moto, stack, f"provision up of the {key} stack (diff setup)"):
                self.note(f"{key}: the measured `diff` is not a no-op")
            diff_tools = [t for t in tools if t.diff]
            diff_counted: dict[str, Run] = {}
            for t in diff_tools:
                run = run_timed(t.diff, proxied, proxy, self.tmp, moto)
                check_ok(run, f"{t.name} diff ({key}, instrumented round)")
                diff_counted[t.name] = run
                log(f"{key} diff  counted     {t.name:<9} {run.wall:8.3f} s  {run.n_calls:4d} calls "
                    f"({run.n_mutating} mutating)  {run.waves} waves  (through the proxy)")
            diffs: dict[str, list[Run]] = {t.name: [] for t in diff_tools}
            for r in range(rounds):
                for t in diff_tools:
                    run = run_timed(t.diff, direct, None, self.tmp, moto)
                    check_ok(run, f"{t.name} diff ({key}, round {r + 1})")
                    diffs[t.name].append(run)
                    log(f"{key} diff  round {r + 1}/{rounds} {t.name:<9} {run.wall:8.3f} s  {moto_share(run)}")
        finally:
            proxy.stop()
            moto.stop()
        res["up"] = {name: summarize(runs, up_counted[name]) for name, runs in ups.items()}
        res["diff"] = {name: summarize(runs, diff_counted[name]) for name, runs in diffs.items()}
        for t in tools:
            if not t.up:
                res["up"][t.name] = {"skipped": True}
        res["labels"] = {t.name: t.label for t in tools}
        res["commands"] = {t.name: {"up": t.up, "diff": t.diff} for t in tools}

    def validate(self) -> None:
        cmd = [self.provision, "validate", str(SHIPPED)]
        env = clean_env()
        warm = run_timed(cmd, env, None, self.tmp)
        check_ok(warm, "provision validate")
        walls = []
        for _ in range(self.args.validate_runs):
            run = run_timed(cmd, env, None, self.tmp)
            check_ok(run, "provision validate")
            walls.append(run.wall)
        self.results["validate"] = {
            "runs": len(walls),
            "median_s": statistics.median(walls),
            "min_s": min(walls),
            "max_s": max(walls),
        }
        log(f"validate median {statistics.median(walls) * 1000:.1f} ms over {len(walls)} runs")


# --------------------------------------------------------------------------- before and after

# API Gateway's account-level control-plane quota ("Amazon API Gateway quotas": 10 requests a
# second, burst 40, not raisable) and a round trip to a region, as the quota proxy holds them.
QUOTA_RATE, QUOTA_BURST, QUOTA_LATENCY = 10.0, 40.0, 0.05
SHARED_TARGETS = 10
SERVE_ROUNDS = 3
SERVE_REQUESTS_16 = 320  # 20 a worker
SERVE_ADDRESS = re.compile(r"on http://127\.0\.0\.1:(\d+)")


def machine_arn(name: str) -> str:
    return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"


def proc_cpu(pid: int) -> float | None:
    """CPU seconds a process has used (Linux /proc), user and system."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def apigw(calls: list[Call]) -> list[Call]:
    """The calls that count against API Gateway's quota (signed for `apigateway`)."""
    return [c for c in calls if c.service == QUOTA_SERVICE]


def counted(run: Run) -> dict:
    """The calls of one run through a proxy: all of them, API Gateway's, mutating, refused."""
    gw = apigw(run.calls)
    ops = run.ops()
    return {
        "wall_s": run.wall,
        "calls": run.n_calls,
        "mutating": run.n_mutating,
        "apigw_calls": len(gw),
        "apigw_mutating": sum(c.mutating for c in gw),
        "apigw_refused": sum(c.refused for c in gw),
        "path": "ImportApi" if "ImportApi" in ops else "per-resource",
        "operations": ops,
    }


def one_route_changed(stack: Path, path: Path) -> Path:
    """The stack with its first route's mapping changed (the whole body as Input)."""
    text = stack.read_text()
    marker = 'key = "POST /r000"\naction = "StartExecution"\n'
    if marker not in text:
        raise ScenarioError(f"{stack} has no route POST /r000 to change")
    head, tail = text.split(marker, 1)
    tail = tail.replace('parameters = { Input = "$request.body.input" }', 'parameters = { Input = "$request.body" }', 1)
    path.write_text(head + marker + tail)
    return path


class ServeProcess:
    """`provision serve STACK --port 0` in the background; its address read from its stderr."""

    def __init__(self, binary: str, env: dict[str, str], logdir: Path, name: str):
        self.log_path = logdir / f"serve-{name}.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [binary, "serve", str(ONBOARDING), "--port", "0"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            m = SERVE_ADDRESS.search(self.log_path.read_text(errors="replace"))
            if m:
                self.port = int(m.group(1))
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise ScenarioError(f"serve did not print its address; see {self.log_path}:\n"
                                    + self.log_path.read_text(errors="replace")[-2000:])
            time.sleep(0.05)

    def cpu(self) -> float | None:
        return proc_cpu(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()


def load(port: int, concurrency: int, total: int, method: str, path: str, headers: dict[str, str], body: bytes) -> dict:
    """`total` requests from `concurrency` threads, each on its own kept-alive connection, all
    connected before the clock starts. Requests a second, statuses, latency percentiles."""
    import http.client
    import threading

    shares = [total // concurrency + (1 if i < total % concurrency else 0) for i in range(concurrency)]
    ready = threading.Barrier(concurrency + 1)
    lock = threading.Lock()
    statuses: dict[str, int] = {}
    latencies: list[float] = []

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            conn.connect()
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        finally:
            ready.wait()
        for _ in range(n):
            t = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                key = str(resp.status)
            except (OSError, http.client.HTTPException) as e:
                key = type(e).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            with lock:
                statuses[key] = statuses.get(key, 0) + 1
                latencies.append(time.perf_counter() - t)
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in shares]
    for t in threads:
        t.start()
    ready.wait()
    cpu0, t0 = time.process_time(), time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    latencies.sort()
    return {
        "concurrency": concurrency,
        "requests": total,
        "ok": statuses.get("200", 0),
        "statuses": statuses,
        "wall_s": wall,
        "rps": total / wall if wall > 0 else None,
        "p50_ms": latencies[len(latencies) // 2] * 1000 if latencies else None,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000 if latencies else None,
        "client_cpu_s": time.process_time() - cpu0,
    }


def median_of(rounds: list[dict], key: str) -> float | None:
    values = [r[key] for r in rounds if r.get(key) is not None]
    return statistics.median(values) if values else None


class BeforeAfter:
    """The scenarios of the before/after table: the same measurements with each binary."""

    def __init__(self, bench: "Bench"):
        self.bench = bench
        self.binaries = {"before": bench.args.before, "after": bench.provision} if bench.args.before else {"after": bench.provision}
        self.tmp = bench.tmp
        self.results = bench.results.setdefault("before_after", {"binaries": {}, "quota": {}, "shared": {}, "serve": {}})
        for which, binary in self.binaries.items():
            version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
            self.results["binaries"][which] = {"path": binary, "version": version}

    def up_flags(self, binary: str) -> list[str]:
        text = subprocess.run([binary, "up", "--help"], capture_output=True, text=True).stdout
        return ["--max-rps", "0"] if "max-rps" in text else []

    # ------------------------------------------------------------------- the quota proxy

    def quota(self) -> None:
        """Fresh `up`, no-op `diff` and a one-route change of the onboarding and the big stack,
        each binary, through the quota proxy (10 API Gateway calls/s, burst 40, 50 ms a call), with
        the tool's own default pacing: what a user waits for against AWS."""
        routes = self.bench.args.routes
        big = big_stack(routes, self.tmp / f"quota-{routes}.toml")
        stacks = {"onboarding": ONBOARDING, "shipped": SHIPPED, "big": big}
        moto = Moto(self.bench.python, self.tmp, "quota")
        proxy = RecordingProxy(moto.port, quota=Quota(QUOTA_RATE, QUOTA_BURST), latency=QUOTA_LATENCY).start()
        env = aws_env(proxy.url, self.bench.venv_bin)
        self.results["quota"]["loadavg"] = round(os.getloadavg()[0], 2)
        try:
            for which, binary in self.binaries.items():
                for key, stack in stacks.items():
                    entry = self.results["quota"].setdefault(key, {}).setdefault(which, {})
                    try:
                        self.quota_stack(key, stack, which, binary, moto, proxy, env, entry)
                    except ScenarioError as e:
                        if key != "shipped":
                            raise
                        # The shipped stack may use what an older build does not know.
                        entry["error"] = str(e).splitlines()[0]
                        self.bench.note(f"the {which} build could not deploy {SHIPPED.relative_to(ROOT)}: {entry['error']}")
        finally:
            proxy.stop()
            moto.stop()

    def quota_stack(self, key: str, stack: Path, which: str, binary: str, moto: Moto, proxy: RecordingProxy,
                    env: dict[str, str], entry: dict) -> None:
        # The shipped stack creates its own machine; the others name one that must exist.
        machines = [] if stack == SHIPPED else sorted({r["state_machine"] for r in baseline_boto3.load_spec(str(stack))["routes"]})
        moto.reset(machines)
        entry["up"] = self.paced(proxy, [binary, "up", str(stack)], env, moto, f"{which} up ({key})")
        if not self.bench.converged(moto, stack, f"the {which} up of the {key} stack on the quota proxy", binary):
            entry["up"]["converged"] = False
        entry["diff"] = self.paced(proxy, [binary, "diff", str(stack)], env, moto, f"{which} diff ({key})")
        if key == "big":
            changed = one_route_changed(stack, self.tmp / f"quota-{stack.stem}-changed.toml")
            entry["change"] = self.paced(proxy, [binary, "up", str(changed)], env, moto, f"{which} one-route change ({key})")
            self.bench.converged(moto, changed, f"the {which} one-route change on the quota proxy", binary)

    def paced(self, proxy: RecordingProxy, cmd: list[str], env: dict[str, str], moto: Moto, what: str) -> dict:
        """One run through the quota proxy, which starts full (a quiet account)."""
        proxy.quota.refill()
        run = run_timed(cmd, env, proxy, self.tmp, moto)
        check_ok(run, what + " on the quota proxy")
        c = counted(run)
        log(f"quota {what:<34} {run.wall:7.2f} s  {c['apigw_calls']:4d} API Gateway calls "
            f"({c['apigw_refused']} refused)  {c['calls']:4d} calls in all  path {c['path']}")
        return c

    # ------------------------------------------------------------------- shared integrations

    def shared(self) -> None:
        """A big stack whose routes go to SHARED_TARGETS machines: the integrations `up` creates,
        counted through the proxy and read back with a second client (boto3), and every route's
        integration checked to start its own machine."""
        routes = self.bench.args.routes
        stack = big_stack(routes, self.tmp / f"shared-{routes}.toml", targets=SHARED_TARGETS)
        spec = baseline_boto3.load_spec(str(stack))
        machines = sorted({r["state_machine"] for r in spec["routes"]})
        want = {r["key"]: r["state_machine"] for r in spec["routes"]}
        moto = Moto(self.bench.python, self.tmp, "shared")
        proxy = RecordingProxy(moto.port).start()
        env = aws_env(proxy.url, self.bench.venv_bin)
        try:
            for which, binary in self.binaries.items():
                moto.reset(machines)
                run = run_timed([binary, "up", *self.up_flags(binary), str(stack)], env, proxy, self.tmp, moto)
                check_ok(run, f"{which} up of the shared-targets stack")
                c = counted(run)
                c.update(self.read_back(moto, spec["stack"], want))
                c["targets"] = len(machines)
                c["routes"] = routes
                self.results["shared"][which] = c
                log(f"shared {which:<6} {c['integrations']} integrations (second client) for {c['routes_live']} routes, "
                    f"{c['operations'].get('CreateIntegration', 0)} CreateIntegration, path {c['path']}, "
                    f"{c['wrong_target']} route(s) on the wrong machine")
                self.bench.converged(moto, stack, f"the {which} up of the shared-targets stack", binary)
        finally:
            proxy.stop()
            moto.stop()

    @staticmethod
    def read_back(moto: Moto, stack: str, want: dict[str, str]) -> dict:
        gw = moto.apigw

        def every(op, key: str, **kw) -> list:
            return [i for page in gw.get_paginator(op).paginate(**kw) for i in page.get(key, [])]

        apis = [a for a in every("get_apis", "Items") if a.get("Tags", {}).get(baseline_boto3.OWNER_TAG) == stack]
        if len(apis) != 1:
            raise ScenarioError(f"{len(apis)} APIs carry the tag of stack {stack}; expected one")
        api_id = apis[0]["ApiId"]
        integrations = {i["IntegrationId"]: i for i in every("get_integrations", "Items", ApiId=api_id)}
        live = every("get_routes", "Items", ApiId=api_id)
        wrong = 0
        for route in live:
            target = integrations.get((route.get("Target") or "").removeprefix("integrations/"), {})
            if (target.get("RequestParameters") or {}).get("StateMachineArn") != want.get(route["RouteKey"]):
                wrong += 1
        return {"integrations": len(integrations), "routes_live": len(live), "wrong_target": wrong + len(set(want) - {r["RouteKey"] for r in live})}

    # ------------------------------------------------------------------- serve

    def serve(self) -> None:
        """`provision serve` of the onboarding stack on moto: one round per binary through the
        recording proxy (the AWS calls a request makes), then timed rounds straight to moto at 16
        and 100 concurrent requests, the binaries taking turns round by round (so that a change in
        the machine's load falls on both), with the CPU of moto, serve and the client meanwhile;
        and, to tell what bounds it, StartExecution straight to moto (the shim, then stock moto)."""
        example = tomllib.loads(ONBOARDING.read_text())["route"][0]["example"]
        req = ("POST", "/new-user", {"Content-Type": "application/json"}, json.dumps(example).encode())
        machine = machine_arn("user-onboarding")
        moto = Moto(self.bench.python, self.tmp, "serve")
        proxy = RecordingProxy(moto.port).start()
        proxied, direct = aws_env(proxy.url, self.bench.venv_bin), aws_env(moto.url, self.bench.venv_bin)
        out = self.results["serve"]
        out["loadavg"] = round(os.getloadavg()[0], 2)
        try:
            for which, binary in self.binaries.items():
                out[which] = {"counted": self.serve_counted(which, binary, moto, proxy, proxied, direct, req)}
            for concurrency, total in ((16, SERVE_REQUESTS_16), (100, 100)):
                rounds: dict[str, list[dict]] = {which: [] for which in self.binaries}
                for i in range(SERVE_ROUNDS):
                    for which, binary in self.binaries.items():
                        r = self.serve_round(which, binary, moto, direct, req, concurrency, total)
                        rounds[which].append(r)
                        log(f"serve {which:<6} {concurrency:3d} concurrent, round {i + 1}/{SERVE_ROUNDS}: "
                            f"{r['rps']:6.1f} req/s, {r['ok']}/{total} answered 200, p50 {r['p50_ms']:.1f} ms, "
                            f"moto CPU {r['moto_cpu_s'] or 0:.2f} s, serve CPU {r['serve_cpu_s'] or 0:.2f} s "
                            f"over {r['wall_s']:.2f} s (load {os.getloadavg()[0]:.1f})")
                for which, rs in rounds.items():
                    out[which][f"c{concurrency}"] = {
                        "rounds": rs,
                        "rps_median": median_of(rs, "rps"),
                        "ok_min": min(r["ok"] for r in rs),
                        "requests": total,
                        "wall_median_s": median_of(rs, "wall_s"),
                        "moto_cpu_median_s": median_of(rs, "moto_cpu_s"),
                        "serve_cpu_median_s": median_of(rs, "serve_cpu_s"),
                        "client_cpu_median_s": median_of(rs, "client_cpu_s"),
                        "p50_ms_median": median_of(rs, "p50_ms"),
                    }
            stock = Moto(self.bench.python, self.tmp, "serve-stock", stock=True)
            try:
                out["moto_alone"] = self.moto_alone({"shim": moto, "stock": stock}, machine)
            finally:
                stock.stop()
        finally:
            proxy.stop()
            moto.stop()

    def deployed(self, moto: Moto, direct: dict) -> None:
        """moto with the onboarding stack (`up` of this build) and no execution yet. moto's
        StartExecution scans every execution of the machine (its name idempotency check), so it
        slows down as they pile up: every round starts from none, or the later ones would pay
        for the earlier ones."""
        moto.reset([machine_arn("user-onboarding")])
        check_ok(run_timed([self.bench.provision, "up", str(ONBOARDING)], direct, None, self.tmp), "up before serve")

    def serve_counted(self, which: str, binary: str, moto: Moto, proxy: RecordingProxy, proxied: dict, direct: dict,
                      req: tuple) -> dict:
        """The AWS calls of 160 requests through the recording proxy, after serve's start-up reads."""
        self.deployed(moto, direct)
        serve = ServeProcess(binary, proxied, self.tmp, f"{which}-counted")
        try:
            load(serve.port, 16, 16, *req)
            proxy.take()
            r = load(serve.port, 16, 160, *req)
            calls = proxy.take()
        finally:
            serve.stop()
        starts = sum(c.operation == "StartExecution" for c in calls)
        other = {k: v for k, v in Run(0, 0, 0, calls).ops().items() if k != "StartExecution"}
        log(f"serve {which:<6} counted: {len(calls)} AWS calls for {r['requests']} requests "
            f"({starts} StartExecution; other: {other or 'none'})")
        return {
            "requests": r["requests"],
            "ok": r["ok"],
            "calls": len(calls),
            "start_execution": starts,
            "other": other,
            "calls_per_request": len(calls) / r["requests"],
            "wall_s": r["wall_s"],
        }

    def serve_round(self, which: str, binary: str, moto: Moto, direct: dict, req: tuple, concurrency: int, total: int) -> dict:
        """One timed round straight to moto, on a fresh deployment and a fresh serve."""
        self.deployed(moto, direct)
        serve = ServeProcess(binary, direct, self.tmp, f"{which}-c{concurrency}")
        try:
            load(serve.port, 16, 32, *req)
            m0, s0 = moto.cpu_seconds(), serve.cpu()
            r = load(serve.port, concurrency, total, *req)
            m1, s1 = moto.cpu_seconds(), serve.cpu()
        finally:
            serve.stop()
        r["moto_cpu_s"] = m1 - m0 if m0 is not None and m1 is not None else None
        r["serve_cpu_s"] = s1 - s0 if s0 is not None and s1 is not None else None
        return r

    def moto_alone(self, servers: dict[str, Moto], machine: str) -> dict:
        """StartExecution sent by 16 threads straight to moto, no serve in between: the rate moto
        itself allows on this machine (JSON protocol; moto reads the service from the scope). The
        shim and stock moto take turns round by round, each round on a reset server."""
        headers = {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "AWSStepFunctions.StartExecution",
            "Authorization": f"AWS4-HMAC-SHA256 Credential=test/20260101/{REGION}/states/aws4_request, "
                             "SignedHeaders=host, Signature=0",
        }
        body = json.dumps({"stateMachineArn": machine, "input": "{}"}).encode()
        rounds: dict[str, list[dict]] = {name: [] for name in servers}
        for _ in range(SERVE_ROUNDS):
            for name, moto in servers.items():
                moto.reset([machine])  # no execution yet, as in serve's rounds
                load(moto.port, 16, 32, "POST", "/", headers, body)
                m0 = moto.cpu_seconds()
                r = load(moto.port, 16, SERVE_REQUESTS_16, "POST", "/", headers, body)
                m1 = moto.cpu_seconds()
                r["moto_cpu_s"] = m1 - m0 if m0 is not None and m1 is not None else None
                rounds[name].append(r)
        out = {}
        for name, rs in rounds.items():
            out[name] = {"rps_median": median_of(rs, "rps"), "ok_min": min(r["ok"] for r in rs),
                         "moto_cpu_median_s": median_of(rs, "moto_cpu_s"), "wall_median_s": median_of(rs, "wall_s"),
                         "rounds": rs}
            log(f"moto alone ({name}): {out[name]['rps_median']:.1f} StartExecution/s at 16 concurrent, "
                f"{out[name]['ok_min']}/{SERVE_REQUESTS_16} answered 200 (worst round)")
        return out

def moto_share(run: Run) -> str:
    if run.server_cpu is None or run.wall <= 0:
        return ""
    return f"moto CPU {run.server_cpu:.2f} s ({run.server_cpu / run.wall * 100:.0f}% of wall)"


def summarize(runs: list[Run], counted: Run) -> dict:
    """Wall times (and moto's CPU meanwhile) from the timed rounds, sent straight to moto; calls,
    waves and peak RSS from the one instrumented round, sent through the recording proxy."""
    walls = [r.wall for r in runs]
    inproc = [r.in_process for r in runs if r.in_process is not None]
    cpu = [r.server_cpu for r in runs if r.server_cpu is not None]
    busy = [r.server_cpu / r.wall for r in runs if r.server_cpu is not None and r.wall > 0]
    return {
        "rounds": len(runs),
        "wall_median_s": statistics.median(walls),
        "wall_min_s": min(walls),
        "wall_max_s": max(walls),
        "walls_s": walls,
        "in_process_median_s": statistics.median(inproc) if inproc else None,
        "moto_cpu_median_s": statistics.median(cpu) if cpu else None,
        "moto_busy_median": statistics.median(busy) if busy else None,
        "moto_cpu_s": cpu,
        "client_cpu_median_s": statistics.median(r.client_cpu for r in runs),
        "maxrss_kib_timed_median": statistics.median(r.maxrss_kib for r in runs),
        # the instrumented round (through the proxy; its wall time is for reference only)
        "calls": counted.n_calls,
        "mutating": counted.n_mutating,
        "waves": counted.waves,
        "maxrss_kib": counted.maxrss_kib,
        "instrumented_wall_s": counted.wall,
        "instrumented_in_process_s": counted.in_process,
        "instrumented_moto_cpu_s": counted.server_cpu,
        "operations": counted.ops(),
    }


# --------------------------------------------------------------------------- report


def fmt_s(s: float | None) -> str:
    if s is None:
        return "n/a"
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"


def fmt_n(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}"




def targets(results: dict) -> list[dict]:
    sc = results["scenarios"]
    on, big = sc.get("onboarding", {}), sc.get("big", {})
    out = []

    def add(name: str, measured: str, ok: bool | None) -> None:
        out.append({"target": name, "measured": measured, "pass": ok})

    def wall(s: dict, phase: str, tool: str) -> float | None:
        v = s.get(phase, {}).get(tool, {})
        return v.get("wall_median_s")

    p, b, c = wall(on, "up", "provision"), wall(on, "up", "boto3"), wall(on, "up", "awscli")
    if p and b:
        add("onboarding fresh `up` no slower than boto3", f"{fmt_s(p)} vs {fmt_s(b)} ({b / p:.1f}x)", p <= b)
    if p and c:
        add("onboarding fresh `up` ≥ 10x faster than the AWS CLI script", f"{c / p:.1f}x ({fmt_s(p)} vs {fmt_s(c)})", c / p >= 10)
    n = big.get("routes", "N")
    p, b = wall(big, "up", "provision"), wall(big, "up", "boto3")
    if p and b:
        add(f"{n}-route fresh `up` ≥ 2x faster than sequential boto3", f"{b / p:.1f}x ({fmt_s(p)} vs {fmt_s(b)})", b / p >= 2)
    p = wall(big, "diff", "provision")
    if p:
        add(f"{n}-route no-op `diff` under 1 s", fmt_s(p), p < 1)
    v = results.get("validate")
    if v:
        add("`validate` under 50 ms", fmt_s(v["median_s"]), v["median_s"] < 0.05)
    u = on.get("up", {}).get("provision")
    if u:
        add("onboarding fresh `up` ≤ 7 mutating calls", fmt_n(u["mutating"]), u["mutating"] <= 7)
        add("onboarding fresh `up` ≤ 4 waves", fmt_n(u["waves"]), u["waves"] <= 4)
    d = on.get("diff", {}).get("provision")
    if d:
        add("no-op onboarding `diff` ≤ 9 AWS calls", fmt_n(d["calls"]), d["calls"] <= 9)
        add("no-op onboarding `diff` ≤ 2 waves", fmt_n(d["waves"]), d["waves"] <= 2)
    return out + ba_targets(results)


def ba_targets(results: dict) -> list[dict]:
    """The targets of the before/after table, judged on the `after` build."""
    out = []
    ba = results.get("before_after")
    if not ba:
        return out

    def add(name: str, measured: str, ok: bool | None) -> None:
        out.append({"target": name, "measured": measured, "pass": ok})

    q = ba.get("quota", {})
    routes = results.get("env", {}).get("routes", "N")
    big = q.get("big", {}).get("after", {})
    if big.get("up"):
        u = big["up"]
        add(f"fresh {routes}-route `up` on the quota proxy ≤ 10 API Gateway calls", f"{u['apigw_calls']} ({u['path']})", u["apigw_calls"] <= 10)
        add(f"fresh {routes}-route `up` on the quota proxy under 5 s", fmt_s(u["wall_s"]), u["wall_s"] < 5)
    on = q.get("onboarding", {}).get("after", {})
    if on.get("up"):
        u = on["up"]
        add("fresh onboarding `up` on the quota proxy ≤ 3 API Gateway calls", f"{u['apigw_calls']} ({u['path']})", u["apigw_calls"] <= 3)
    shipped = q.get("shipped", {}).get("after", {})
    if shipped.get("up"):
        u = shipped["up"]
        add(f"fresh `up` of the shipped `{SHIPPED.relative_to(ROOT)}` on the quota proxy ≤ 3 API Gateway calls",
            f"{u['apigw_calls']} ({u['path']})", u["apigw_calls"] <= 3)
    if on.get("diff"):
        add("no-op onboarding `diff` on the quota proxy ≤ 9 AWS calls", fmt_n(on["diff"]["calls"]), on["diff"]["calls"] <= 9)
    if big.get("change"):
        c = big["change"]
        add(f"one-route change of the {routes}-route stack ≤ 3 mutating calls", fmt_n(c["mutating"]), c["mutating"] <= 3)
    sh = ba.get("shared", {}).get("after")
    if sh:
        add(f"{sh['routes']} routes over {sh['targets']} targets: {sh['targets']} integrations (second client)",
            f"{sh['integrations']} ({sh['wrong_target']} route(s) on the wrong machine)",
            sh["integrations"] == sh["targets"] and sh["wrong_target"] == 0)
    sv = ba.get("serve", {}).get("after")
    if sv:
        cpr = sv["counted"]["calls_per_request"]
        add("`serve`: 1 AWS call per request", f"{cpr:.2f} ({sv['counted']['calls']} calls for {sv['counted']['requests']} requests)", cpr <= 1.0)
        c100 = sv.get("c100")
        if c100:
            add("`serve`: 100 concurrent requests all answered 200", f"{c100['ok_min']}/100 (worst round)", c100["ok_min"] == 100)
        c16 = sv.get("c16")
        if c16:
            add("`serve`: ≥ 150 requests/s at 16 concurrent", f"{c16['rps_median']:.0f} req/s", c16["rps_median"] >= 150)
    return out


def render_before_after(results: dict) -> list[str]:
    ba = results.get("before_after")
    if not ba:
        return []
    bins = ba.get("binaries", {})
    cols = [w for w in ("before", "after") if w in bins]
    routes = results.get("env", {}).get("routes", "N")
    rows: list[list[str]] = []

    def row(label: str, fn, target: str = "") -> None:
        cells = []
        for w in cols:
            try:
                v = fn(w)
            except (KeyError, TypeError):
                v = None
            cells.append("–" if v is None else v)
        if any(c != "–" for c in cells):
            rows.append([label, *cells, target])

    def q(key: str, phase: str, w: str) -> dict:
        return ba["quota"][key][w][phase]

    def gw(d: dict) -> str:
        refused = f", {d['apigw_refused']} refused" if d["apigw_refused"] else ""
        return f"{d['apigw_calls']} ({d['calls']} in all{refused})"

    row(f"fresh {routes}-route `up`: API Gateway calls", lambda w: gw(q("big", "up", w)), "≤ 10")
    row(f"fresh {routes}-route `up`: wall time", lambda w: fmt_s(q("big", "up", w)["wall_s"]), "< 5 s")
    row(f"fresh {routes}-route `up`: path", lambda w: q("big", "up", w)["path"])
    row(f"no-op {routes}-route `diff`: AWS calls, wall time", lambda w: f"{q('big', 'diff', w)['calls']}, {fmt_s(q('big', 'diff', w)['wall_s'])}")
    row(f"one-route change of the {routes}-route stack: mutating calls, wall time",
        lambda w: f"{q('big', 'change', w)['mutating']}, {fmt_s(q('big', 'change', w)['wall_s'])}", "≤ 3 mutating")
    row("fresh onboarding `up`: API Gateway calls", lambda w: gw(q("onboarding", "up", w)), "≤ 3")
    row("fresh onboarding `up`: wall time", lambda w: fmt_s(q("onboarding", "up", w)["wall_s"]))
    row("no-op onboarding `diff`: AWS calls", lambda w: fmt_n(q("onboarding", "diff", w)["calls"]), "9")
    row(f"fresh `up` of the shipped `{SHIPPED.relative_to(ROOT)}` (creates its workflow): API Gateway calls",
        lambda w: gw(q("shipped", "up", w)), "≤ 3")
    row("the shipped stack: fresh `up` wall time, no-op `diff` AWS calls",
        lambda w: f"{fmt_s(q('shipped', 'up', w)['wall_s'])}, {q('shipped', 'diff', w)['calls']}")

    def sh(w: str) -> dict:
        return ba["shared"][w]

    row(f"{routes} routes over {SHARED_TARGETS} targets: integrations (second client)",
        lambda w: f"{sh(w)['integrations']} ({sh(w)['operations'].get('CreateIntegration', 0)} CreateIntegration, {sh(w)['path']})",
        f"{SHARED_TARGETS}")

    def sv(w: str, c: str) -> dict:
        return ba["serve"][w][c]

    row("`serve`, 16 concurrent: requests/s (p50 latency)",
        lambda w: f"{sv(w, 'c16')['rps_median']:.0f} ({sv(w, 'c16')['p50_ms_median']:.0f} ms)", "≥ 150")
    row("`serve`, 100 concurrent: answered 200, requests/s",
        lambda w: f"{sv(w, 'c100')['ok_min']}/100, {sv(w, 'c100')['rps_median']:.0f}", "100/100")
    row("`serve`: AWS calls per request", lambda w: f"{ba['serve'][w]['counted']['calls_per_request']:.2f}", "1")
    row("`serve`, 16 concurrent: CPU of moto / serve / client per round",
        lambda w: f"{fmt_s(sv(w, 'c16')['moto_cpu_median_s'])} / {fmt_s(sv(w, 'c16')['serve_cpu_median_s'])} / "
                  f"{fmt_s(sv(w, 'c16')['client_cpu_median_s'])} in {fmt_s(sv(w, 'c16')['wall_median_s'])}")

    head = ["measure", *[f"{w}: {bins[w]['version']}" for w in cols], "target"]
    lines = [
        f"The fresh `up`, `diff` and one-route change run once per build through a proxy that holds API Gateway's "
        f"control-plane quota as AWS does ({QUOTA_RATE:g} calls/s, burst {QUOTA_BURST:g}, refused with 429 over it, "
        f"full at the start of each run) and adds {QUOTA_LATENCY * 1000:.0f} ms to every call; `provision` uses its "
        "default pacing. `serve` runs the onboarding route on moto: AWS calls per request from one round through "
        f"the recording proxy, requests/s as the median of {SERVE_ROUNDS} rounds straight to moto "
        f"({SERVE_REQUESTS_16} requests from 16 threads; 100 requests sent at once).",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    alone = ba.get("serve", {}).get("moto_alone", {})
    if alone:
        parts = [f"{'the shim' if k == 'shim' else 'stock moto'} {v['rps_median']:.0f}/s "
                 f"(moto CPU {fmt_s(v['moto_cpu_median_s'])} in {fmt_s(v['wall_median_s'])})"
                 for k, v in alone.items() if v.get("rps_median")]
        lines += ["", "StartExecution straight to moto from 16 threads, no `serve` in between (the most moto "
                  "answers on this machine): " + ", ".join(parts) + "."]
    return lines


def render(results: dict) -> str:
    env = results["env"]
    rows = []
    tools = ["provision", "boto3", "awscli"]

    def cell(s: dict | None, what: str) -> str:
        if not s:
            return "–"
        if s.get("skipped"):
            return "skipped"
        if what == "wall":
            extra = ""
            if s.get("in_process_median_s") is not None:
                extra = f" ({fmt_s(s['in_process_median_s'])} in-process)"
            return fmt_s(s["wall_median_s"]) + extra
        if what == "calls":
            return f"{fmt_n(s['calls'])} ({fmt_n(s['mutating'])} mutating)"
        if what == "waves":
            return fmt_n(s["waves"])
        if what == "moto":
            if s.get("moto_cpu_median_s") is None:
                return "n/a"
            return f"{fmt_s(s['moto_cpu_median_s'])} ({s['moto_busy_median'] * 100:.0f}% of wall)"
        if what == "client":
            return fmt_s(s["client_cpu_median_s"]) if s.get("client_cpu_median_s") is not None else "n/a"
        if what == "rss":
            return f"{s['maxrss_kib'] / 1024:.1f} MiB"
        return "?"

    for key, title in (("onboarding", "onboarding"), ("big", f"{results['scenarios'].get('big', {}).get('routes', '?')}-route")):
        s = results["scenarios"].get(key)
        if not s:
            continue
        for phase, pname in (("up", "fresh `up`"), ("diff", "no-op `diff`")):
            data = s.get(phase, {})
            for what, wname in (("wall", "wall time"), ("calls", "AWS calls"), ("waves", "waves")):
                rows.append([f"{title} {pname}: {wname}"] + [cell(data.get(t), what) for t in tools])
            if key == "big" and phase == "up":
                rows.append([f"{title} fresh `up`: moto CPU meanwhile"] + [cell(data.get(t), "moto") for t in tools])
                rows.append([f"{title} fresh `up`: the client's own CPU"] + [cell(data.get(t), "client") for t in tools])
                rows.append([f"{title} fresh `up`: peak RSS", cell(data.get("provision"), "rss"), "–", "–"])
    v = results.get("validate")
    if v:
        rows.append([f"`validate {SHIPPED.relative_to(ROOT)}` ({v['runs']} runs)", fmt_s(v["median_s"]), "–", "–"])

    loads = [f"{name} {ba[name]['loadavg']}" for name in ("quota", "serve")
             if (ba := results.get("before_after")) and ba.get(name, {}).get("loadavg") is not None]
    lines = [
        f"Machine: {env['cpus']} CPUs ({env['machine']}); 1-minute load average {env['loadavg_start']} at the start and "
        f"{env.get('loadavg_end', '?')} at the end"
        + (f" ({', '.join(loads)} when those parts began)" if loads else "")
        + f" (a load above {env['cpus']} means other jobs competed for the CPU). moto 5.2.5 on loopback, {env['provision']}, Python {env['python']}, {env['date']}. "
        "Wall time is the whole process, startup included. Run `bench/run` to reproduce.",
    ]
    before_after = render_before_after(results)
    if before_after:
        lines += ["", "### Before and after", ""] + before_after
    if rows:
        lines += [
            "",
            "### Against hand-written scripts",
            "",
            f"Wall times are medians of {env['rounds']} round{'s' if env['rounds'] != 1 else ''} sent straight to moto, with no "
            "proxy; AWS calls, waves and peak RSS come from one extra, untimed round per tool through a "
            "recording proxy. The proxy is Python on the same cores as moto and the clients, so in timed "
            "rounds its CPU would slow a client that sends calls concurrently more than a sequential one, "
            "and it adds latency to every call.",
            "",
            "| scenario | provision | boto3 (sequential) | AWS CLI |",
            "|---|---|---|---|",
        ]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines += ["", "### Targets"]
    lines += ["", "| target | measured | result |", "|---|---|---|"]
    for t in results["targets"]:
        lines.append(f"| {t['target']} | {t['measured']} | {'PASS' if t['pass'] else 'FAIL'} |")
    notes = list(results["notes"])
    big = results["scenarios"].get("big", {})
    if big.get("up", {}).get("awscli", {}).get("skipped"):
        notes.insert(0, f"The AWS CLI `up` of the {big.get('routes')}-route stack is skipped "
                        "(one process per call; `bench/run --awscli-big` runs it).")
    if big:
        notes.insert(0, "The big `up` runs with `--max-rps 0`." if env.get("max_rps_flag")
                     else "This provision has no `--max-rps` flag; the big `up` runs with its defaults.")
    busy = big.get("up", {}).get("provision", {}).get("moto_busy_median")
    if busy is not None and busy >= 0.6:
        up = big.get("up", {})
        b3 = up.get("boto3", {})
        bound = ""
        if b3.get("wall_median_s") and up.get("provision", {}).get("moto_cpu_median_s"):
            best = b3["wall_median_s"] / up["provision"]["moto_cpu_median_s"]
            bound = (f" Even a client that took no time at all could be at most {best:.1f}x faster than boto3 here "
                     "(boto3's wall time over the CPU moto needs for the same calls).")
        notes.append(f"moto was busy for {busy * 100:.0f}% of provision's {big.get('routes')}-route `up`: the one "
                     "moto process (a single Python interpreter) bounds that number more than provision does."
                     + bound + " The client's own CPU row shows the work each client does itself.")
    notes.insert(0, f"*onboarding* is `{ONBOARDING.relative_to(ROOT)}`: the shipped `{SHIPPED.relative_to(ROOT)}` "
                    "as the walkthrough's console setup, its route on a state machine that already exists (the "
                    "shipped stack also creates its workflow, which the scripts do not).")
    ops = results["scenarios"].get("onboarding", {}).get("diff", {}).get("provision", {}).get("operations")
    if ops:
        listed = ", ".join(f"{k.removesuffix(' (read)')}" + (f" x{v}" if v > 1 else "") for k, v in ops.items())
        notes.append(f"The no-op onboarding `diff` counts every AWS call that reaches the proxy, of every service, "
                     f"as `tests/it/scale.rs` does: {listed}. (GetAuthorizers is read only when the stack declares "
                     "an authorizer or a route uses one.)")
    notes.append("Waves: calls sorted by start; a call that starts after every earlier call has ended opens a new wave. "
                 "They depend on timing (whether two calls happen to overlap), and come from the one round through the proxy.")
    lines += [""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def update_page(table: str, page: Path = PAGE) -> bool:
    """Replaces the block between the bench markers of `page` with `table`; False (and the page
    left alone) when the page or either marker is missing."""
    if not page.exists():
        return False
    text = page.read_text()
    if START not in text or END not in text or text.index(START) > text.index(END):
        return False
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    page.write_text(f"{head}{START}\n{table}{END}{tail}")
    return True


def render_only(results_path: Path, page: Path) -> int:
    """`--render-only`: the table of an earlier run, written to the page; nothing is measured."""
    try:
        results = json.loads(results_path.read_text())
    except (OSError, ValueError) as e:
        log(f"error: cannot read {results_path}: {e}")
        return 2
    table = render(results)
    print(table, end="")
    if update_page(table, page):
        log(f"{page.relative_to(ROOT) if page.is_relative_to(ROOT) else page} updated between the bench markers")
        return 0
    log(f"{page} has no bench markers (or does not exist); table printed only")
    return 2


def main() -> int:
    parser = argparse.ArgumentParser(description="provision benchmark driver (use bench/run)")
    parser.add_argument("--provision", help="the provision binary (required unless --render-only)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per tool and scenario (default 3)")
    parser.add_argument("--validate-runs", type=int, default=20, help="runs of `provision validate` (default 20)")
    parser.add_argument("--routes", type=int, default=300, help="routes of the generated big stack")
    parser.add_argument("--awscli-big", action="store_true", help="also run the AWS CLI `up` of the big stack (slow)")
    parser.add_argument("--before", help="a provision binary to measure as `before` in the before/after table "
                        "(bench/run builds it from --before-rev)")
    parser.add_argument("--only", choices=["onboarding", "big", "validate", "quota", "shared", "serve"], action="append",
                        help="run only these parts (repeatable); docs/benchmark.md is then left alone")
    parser.add_argument("--no-page", "--no-readme", dest="no_page", action="store_true",
                        help="do not touch docs/benchmark.md")
    parser.add_argument("--render-only", action="store_true",
                        help="measure nothing: render --results again and write docs/benchmark.md")
    parser.add_argument("--results", type=Path, default=BENCH / "results.json",
                        help="with --render-only: the results to render (default bench/results.json)")
    parser.add_argument("--page", type=Path, default=PAGE,
                        help="the page whose bench markers receive the table (default docs/benchmark.md)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    if args.render_only:
        return render_only(args.results, args.page)
    if not args.provision:
        parser.error("--provision is required (bench/run passes it)")
    if args.rounds < 1 or args.validate_runs < 1 or args.routes < 1:
        parser.error("--rounds, --validate-runs and --routes must be at least 1")
    only = set(args.only or ["onboarding", "big", "validate", "quota", "shared", "serve"])

    t0 = time.monotonic()
    bench = Bench(args)
    status = 0
    try:
        if "onboarding" in only:
            log(f"scenario onboarding: {ONBOARDING.relative_to(ROOT)}, {args.rounds} rounds")
            bench.scenario("onboarding", ONBOARDING)
        if "big" in only:
            stack = big_stack(args.routes, bench.tmp / f"routes-{args.routes}.toml")
            log(f"scenario big: {args.routes} generated routes ({stack}), {args.rounds} rounds")
            bench.scenario("big", stack)
        if "validate" in only:
            log(f"validate: {args.validate_runs} runs")
            bench.validate()
        if only & {"quota", "shared", "serve"}:
            ba = BeforeAfter(bench)
            if "quota" in only:
                log(f"quota proxy: fresh up, diff, one-route change ({', '.join(ba.binaries)})")
                ba.quota()
            if "shared" in only:
                log(f"shared integrations: {args.routes} routes over {SHARED_TARGETS} targets")
                ba.shared()
            if "serve" in only:
                log("serve: AWS calls per request, then 16 and 100 concurrent")
                ba.serve()
    except ScenarioError as e:
        log(f"error: {e}")
        bench.note(f"scenario error: {str(e).splitlines()[0]}")
        status = 2
    except KeyboardInterrupt:
        log("interrupted")
        return 130

    results = bench.results
    results["targets"] = targets(results)
    results["elapsed_s"] = round(time.monotonic() - t0, 1)
    results["env"]["loadavg_end"] = round(os.getloadavg()[0], 2)
    table = render(results)
    # A run of some parts only keeps the published results (results.json renders the page).
    stem = "results-only" if args.only else "results"
    (BENCH / f"{stem}.md").write_text("# provision benchmark results\n\n" + table)
    (BENCH / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n")
    print(table, end="")
    page = args.page
    if status:
        log(f"{page} left alone (a scenario failed)")
    elif args.no_page or args.only:
        log(f"{page} left alone" + (" (--no-page)" if args.no_page else " (--only)"))
    elif update_page(table, page):
        log(f"{page} updated between the bench markers")
    else:
        log(f"{page} has no bench markers; table printed only")
    log(f"wrote bench/{stem}.md and bench/{stem}.json in {results['elapsed_s']} s")
    if status == 0:
        shutil.rmtree(bench.tmp, ignore_errors=True)
    else:
        log(f"kept {bench.tmp} (moto logs) for inspection")
    failed = [t["target"] for t in results["targets"] if not t["pass"]]
    if failed:
        log(f"{len(failed)} target(s) missed: " + "; ".join(failed))
    if status:
        return status
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
