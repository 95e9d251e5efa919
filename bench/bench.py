"""The benchmark driver (run it through bench/run, which builds provision and the venv).

    bench/run [--rounds 5] [--validate-runs 20] [--routes 300] [--awscli-big] [--no-page] [--check]
    bench/run --render-only [--results bench/results.json]

Starts moto (scripts/moto_server.py) and measures side by side: fresh `up` and no-op `diff` of
stacks/onboarding.toml and of a generated N-route stack, for `provision`, a sequential boto3 script
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
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import baseline_boto3  # noqa: E402
from proxy import Call, RecordingProxy, waves  # noqa: E402

ACCOUNT = "189107071895"
REGION = "ap-southeast-2"
ONBOARDING = ROOT / "stacks" / "onboarding.toml"
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

    def __init__(self, python: str, logdir: Path, name: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = clean_env()
        env.update(MOTO_ACCOUNT_ID=ACCOUNT, MOTO_IAM_LOAD_MANAGED_POLICIES="true")
        self.log_path = logdir / f"moto-{name}.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [python, str(ROOT / "scripts" / "moto_server.py"), "-H", "127.0.0.1", "-p", str(self.port)],
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
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

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


def big_stack(n: int, path: Path) -> Path:
    machine = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:user-onboarding"
    lines = [
        "# Generated by bench/bench.py: the onboarding stack with many routes on one workflow.",
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

    def converged(self, moto: Moto, stack: Path, what: str) -> bool:
        """`provision diff --output json` straight against moto: True when it plans no change."""
        env = aws_env(moto.url, self.venv_bin)
        out = subprocess.run(
            [self.provision, "diff", str(stack), "--output", "json"], env=env, capture_output=True, text=True, cwd=ROOT
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
        cmd = [self.provision, "validate", str(ONBOARDING)]
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
        add("no-op onboarding `diff` ≤ 10 AWS calls", fmt_n(d["calls"]), d["calls"] <= 10)
        add("no-op onboarding `diff` ≤ 2 waves", fmt_n(d["waves"]), d["waves"] <= 2)
    return out


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
        rows.append([f"`validate stacks/onboarding.toml` ({v['runs']} runs)", fmt_s(v["median_s"]), "–", "–"])

    lines = [
        f"Wall times are medians of {env['rounds']} round{'s' if env['rounds'] != 1 else ''} sent straight to moto 5.2.5 on loopback, with no "
        "proxy; AWS calls, waves and peak RSS come from one extra, untimed round per tool through a "
        "recording proxy. The proxy is Python on the same cores as moto and the clients, so in timed "
        "rounds its CPU would slow a client that sends calls concurrently more than a sequential one, "
        "and it adds latency to every call. "
        f"{env['cpus']} CPUs (1-min load average {env['loadavg_start']} at start, "
        f"{env.get('loadavg_end', '?')} at end), {env['provision']}, Python {env['python']}, {env['date']}. "
        "Wall time is the whole process, startup included. Run `bench/run` to reproduce.",
        "",
        "| scenario | provision | boto3 (sequential) | AWS CLI |",
        "|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
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
    parser.add_argument("--rounds", type=int, default=5, help="rounds per tool and scenario (default 5)")
    parser.add_argument("--validate-runs", type=int, default=20, help="runs of `provision validate` (default 20)")
    parser.add_argument("--routes", type=int, default=300, help="routes of the generated big stack")
    parser.add_argument("--awscli-big", action="store_true", help="also run the AWS CLI `up` of the big stack (slow)")
    parser.add_argument("--only", choices=["onboarding", "big", "validate"], action="append",
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
    only = set(args.only or ["onboarding", "big", "validate"])

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
    (BENCH / "results.md").write_text("# provision benchmark results\n\n" + table)
    (BENCH / "results.json").write_text(json.dumps(results, indent=2) + "\n")
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
    log(f"wrote bench/results.md and bench/results.json in {results['elapsed_s']} s")
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
