//! The README's by-hand moto steps work as written: `scripts/getting-started.sh` holds every line
//! of the README's getting-started block, in order (with its own ports, interpreter and binary),
//! and running it against a fresh moto reaches an execution that SUCCEEDED. A failing step fails
//! the script, which still stops the moto it started.

use crate::support::{self, read, repo};

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const START: &str = "<!-- getting-started:start -->";
const END: &str = "<!-- getting-started:end -->";

/// Shell text as logical lines: continuations joined, whitespace collapsed, blank lines and
/// comments dropped.
fn logical_lines(text: &str) -> Vec<String> {
    text.replace("\\\n", " ")
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// The commands of the README's getting-started block.
fn readme_steps() -> Vec<String> {
    let readme = read("README.md");
    let block = readme
        .split_once(START)
        .and_then(|(_, rest)| rest.split_once(END))
        .map(|(block, _)| block)
        .expect("README.md has the getting-started markers");
    let body = block
        .split_once("```sh\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(body, _)| body)
        .expect("a ```sh fence between the getting-started markers");
    logical_lines(body)
}

/// A README line as the script writes it: random ports instead of 5000 and 8080, the venv's
/// interpreter and the binary under test held in variables.
fn as_in_script(line: &str) -> String {
    let line = line
        .replace("5000", "$moto_port")
        .replace("8080", "$gateway_port")
        .replace(".venv/bin/python", "\"$python\"");
    match line.strip_prefix("provision ") {
        Some(rest) => format!("\"$provision\" {rest}"),
        None => line,
    }
}

#[test]
fn the_readme_steps_are_complete() {
    let steps = readme_steps().join("\n");
    for needed in [
        "scripts/moto.sh",
        "scripts/moto_server.py",
        "MOTO_ACCOUNT_ID=189107071895",
        "/moto-api/config",
        r#"{"stepfunctions":{"execute_state_machine":true}}"#,
        "AWS_ENDPOINT_URL=",
        "AWS_ACCESS_KEY_ID=",
        "AWS_SECRET_ACCESS_KEY=",
        "examples/setup_workflow.py",
        "provision up stacks/onboarding.toml",
        "provision serve stacks/onboarding.toml",
        "provision invoke stacks/onboarding.toml \"POST /new-user\"",
        "--local http://127.0.0.1:8080 --follow",
    ] {
        assert!(
            steps.contains(needed),
            "the README's steps lack `{needed}`:\n{steps}"
        );
    }
}

#[test]
fn the_script_runs_every_readme_step_in_order() {
    let script = logical_lines(&read("scripts/getting-started.sh"));
    let mut from = 0;
    for step in readme_steps() {
        let wanted = as_in_script(&step);
        match script[from..].iter().position(|l| *l == wanted) {
            Some(i) => from += i + 1,
            None => panic!(
                "scripts/getting-started.sh does not run this README step (after line {from} of its \
                 logical lines):\n  README: {step}\n  wanted: {wanted}"
            ),
        }
    }
}

/// Runs the script with `provision` as its binary, in its own process group, killed whole if it
/// outlives `limit`. Output goes through files, so that nothing it leaves behind holds a pipe.
fn run_script(provision: &Path, limit: Duration) -> Output {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let (out_path, err_path) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let mut cmd = Command::new("bash");
    cmd.arg(repo().join("scripts/getting-started.sh"))
        .current_dir(repo())
        .env("PROVISION", provision)
        .env("MOTO_SERVER", support::moto_server_path())
        .env("GETTING_STARTED_TIMEOUT", limit.as_secs().to_string())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .process_group(0);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("AWS_EC2_METADATA_DISABLED", "true");
    let mut child = cmd.spawn().expect("spawn scripts/getting-started.sh");
    let deadline = Instant::now() + limit + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the script") {
            break status;
        }
        if Instant::now() > deadline {
            let group = format!("-{}", child.id());
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            let _ = child.wait();
            panic!(
                "scripts/getting-started.sh ran over {limit:?}:\n{}\n{}",
                std::fs::read_to_string(&out_path).unwrap_or_default(),
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    Output {
        status,
        stdout: std::fs::read(&out_path).unwrap_or_default(),
        stderr: std::fs::read(&err_path).unwrap_or_default(),
    }
}

/// The moto port the script announced in its step 2 header.
fn moto_port(stderr: &str) -> u16 {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("==> 2. Start moto on 127.0.0.1:"))
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("no moto port in the script's output:\n{stderr}"))
}

#[test]
fn the_getting_started_script_reaches_succeeded_on_a_fresh_moto() {
    let out = run_script(
        Path::new(env!("CARGO_BIN_EXE_provision")),
        Duration::from_secs(120),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "exit {:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status.code()
    );
    for step in 1..=8 {
        assert!(
            stderr.contains(&format!("==> {step}. ")),
            "step {step} missing:\n{stderr}"
        );
    }
    assert!(stdout.contains("Outputs:"), "up printed its outputs:\n{stdout}");
    assert!(stdout.contains("HTTP 200"), "{stdout}");
    assert!(stdout.contains("executionArn"), "{stdout}");
    assert!(stdout.contains("Execution SUCCEEDED"), "{stdout}");
    assert!(stderr.contains("every step passed"), "{stderr}");
    let port = moto_port(&stderr);
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the script left moto running on {port}"
    );
}

#[test]
fn a_failing_step_fails_the_script_which_stops_its_moto() {
    // A provision whose every command fails: step 6 (`provision up`) is the first to run it.
    let dir = tempfile::tempdir().expect("tempdir");
    let fake: PathBuf = dir.path().join("provision");
    std::fs::write(&fake, "#!/bin/sh\necho \"fake provision: $*\" >&2\nexit 3\n").expect("write");
    let mut perms = std::fs::metadata(&fake).expect("stat").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&fake, perms).expect("chmod");

    let out = run_script(&fake, Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(3),
        "the failing step's exit code:\n{stderr}"
    );
    assert!(
        stderr.contains("fake provision: up stacks/onboarding.toml"),
        "{stderr}"
    );
    assert!(stderr.contains("==> 6. provision up"), "{stderr}");
    assert!(
        !stderr.contains("==> 7. "),
        "nothing runs after the failed step:\n{stderr}"
    );
    assert!(stderr.contains("getting-started.sh: FAILED (exit 3)"), "{stderr}");
    assert!(!stderr.contains("every step passed"), "{stderr}");
    let port = moto_port(&stderr);
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the script left moto running on {port} after a failure"
    );
}
