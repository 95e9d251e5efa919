//! Every broken stack under `tests/broken` is rejected by the real binary, offline, with
//! diagnostics a person can act on. `validate`'s stderr for each file is snapshotted under
//! `tests/it/snapshots/` (review them by eye: each shows `file:line:col`, the underlined span, a
//! label and, where a fix is known, a help line). Regenerate with
//! `INSTA_UPDATE=always cargo test --test it diagnostics::`.
//!
//! `up` and `diff` on broken stacks are shown to make no AWS call at all: their endpoint is a
//! listener bound by the test, which must not have accepted any connection when they exit.

use crate::support::stderr;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_provision");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Nothing listens on the discard port: any AWS call would fail fast, not hang.
const CLOSED: &str = "http://127.0.0.1:9";

/// The binary run in `dir` with no ambient AWS configuration: dummy credentials, a fixed region,
/// every call sent to `endpoint`, no colour.
fn command(dir: &Path, endpoint: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir).args(args);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(key);
        }
    }
    let nowhere = Path::new(ROOT).join("tests/broken/.no-aws-config");
    cmd.env_remove("PROVISION_LOG")
        .env("NO_COLOR", "1")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "AKIDPROVISIONTESTS00")
        .env("AWS_SECRET_ACCESS_KEY", "not-a-real-secret")
        .env("AWS_REGION", "ap-southeast-2")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", &nowhere)
        .env("AWS_SHARED_CREDENTIALS_FILE", &nowhere)
        .stdin(Stdio::null());
    cmd
}

fn run(dir: &Path, endpoint: &str, args: &[&str]) -> Output {
    command(dir, endpoint, args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {BIN}: {e}"))
}

fn broken_files() -> Vec<PathBuf> {
    let dir = Path::new(ROOT).join("tests/broken");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

/// `validate` on `relative` (from `dir`) fails with exit 1, prints nothing on stdout, and its
/// stderr matches the snapshot `name`.
fn check_rejected(dir: &Path, relative: &str, name: &str) {
    let out = run(dir, CLOSED, &["validate", relative]);
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "validate {relative} should exit 1; stderr:\n{err}"
    );
    assert!(
        out.stdout.is_empty(),
        "validate {relative} wrote to stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        err.contains(&format!("{relative}: ")) && err.contains("error(s)"),
        "no summary line for {relative}:\n{err}"
    );
    insta::assert_snapshot!(name, err);
}

#[test]
fn every_broken_stack_is_rejected_with_readable_diagnostics() {
    let files = broken_files();
    assert!(files.len() >= 20, "only {} files in tests/broken", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        let relative = format!("tests/broken/{stem}.toml");
        // Check every file before failing, so one run shows every changed snapshot.
        let result = std::panic::catch_unwind(|| check_rejected(Path::new(ROOT), &relative, &stem));
        if result.is_err() {
            failures.push(relative);
        }
    }
    assert!(failures.is_empty(), "failed: {failures:#?}");
}

/// A definition over Step Functions' 1 MB ("Step Functions service quotas", maximum
/// definition size) is refused offline, naming its file. Made here rather than kept in
/// `tests/broken/` (a megabyte in the repository); its snapshot sits with the corpus's.
#[test]
fn a_definition_over_one_megabyte_is_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stack =
        std::fs::read_to_string(Path::new(ROOT).join("tests/broken/definition-unreachable-state.toml"))
            .expect("read the corpus stack")
            .replace("definitions/unreachable-state.asl.json", "big.asl.json");
    std::fs::write(dir.path().join("too-large.toml"), stack).expect("write stack");
    let with = |padding: &str| {
        format!(
            "{{\"Comment\": \"{padding}\", \"StartAt\": \"A\", \"States\": {{\"A\": {{\"Type\": \"Pass\", \"End\": true}}}}}}"
        )
    };
    // A valid definition, padded with a long Comment past 1,048,576 bytes.
    std::fs::write(dir.path().join("big.asl.json"), with(&"x".repeat(1024 * 1024)))
        .expect("write definition");
    check_rejected(dir.path(), "too-large.toml", "definition-too-large");

    // The control: at exactly 1 MB the same definition passes.
    let at_limit = with(&"x".repeat(1024 * 1024 - with("").len()));
    assert_eq!(at_limit.len(), 1024 * 1024);
    std::fs::write(dir.path().join("big.asl.json"), at_limit).expect("write definition");
    let out = run(dir.path(), CLOSED, &["validate", "too-large.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn binary_file_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"[stack]\0name = \"x\"\n".to_vec();
    bytes.extend([0u8, 0xff, 0xfe, 0x00, 0x01, 0x89, b'P', b'N', b'G']);
    std::fs::write(dir.path().join("binary.toml"), bytes).unwrap();
    check_rejected(dir.path(), "binary.toml", "binary");

    // NUL bytes in otherwise valid UTF-8 are refused the same way.
    std::fs::write(dir.path().join("nul.toml"), "[stack]\nname = \"a\0b\"\n").unwrap();
    let out = run(dir.path(), CLOSED, &["validate", "nul.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("nul.toml is not a text file"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn missing_file_is_rejected() {
    check_rejected(Path::new(ROOT), "tests/broken/does-not-exist.toml", "missing");
}

#[test]
fn the_example_stacks_pass_deny_warnings_because_their_warnings_are_acknowledged() {
    let root = Path::new(ROOT);
    for stack in ["stacks/onboarding.toml", "stacks/onboarding-secure.toml"] {
        let ok = run(root, CLOSED, &["validate", "--deny-warnings", stack]);
        assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
        assert!(
            stderr(&ok).contains(&format!("{stack}: 0 error(s), 0 warning(s)")),
            "{}",
            stderr(&ok)
        );
    }
    // Without its `allow` lines the walkthrough's stack shows what it acknowledges, by name.
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(root.join("stacks/onboarding.toml")).expect("read");
    // Its definition path is relative to the stack file: the copy names the repository's.
    let bare: String = text
        .replace("\"../examples/", &format!("\"{ROOT}/examples/"))
        .lines()
        .filter(|l| !l.starts_with("allow"))
        .map(|l| format!("{l}\n"))
        .collect();
    let file = dir.path().join("onboarding.toml");
    std::fs::write(&file, bare).expect("write");
    let file = file.display().to_string();
    let warned = run(root, CLOSED, &["validate", &file]);
    assert_eq!(warned.status.code(), Some(0), "{}", stderr(&warned));
    let text = stderr(&warned);
    assert!(text.contains("0 error(s), 2 warning(s)"), "{text}");
    assert!(
        text.contains("warning no-authorization (allow = [\"no-authorization\"]"),
        "{text}"
    );
    assert!(text.contains("warning no-throttling"), "{text}");
    let denied = run(root, CLOSED, &["validate", "--deny-warnings", &file]);
    assert_eq!(denied.status.code(), Some(1), "{}", stderr(&denied));
}

/// A listener standing in for AWS that must never be reached.
struct Tripwire {
    listener: TcpListener,
    url: String,
}

impl Tripwire {
    fn new() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        listener.set_nonblocking(true).expect("nonblocking listener");
        let url = format!("http://{}", listener.local_addr().unwrap());
        Self { listener, url }
    }

    fn assert_untouched(&self, what: &str) {
        match self.listener.accept() {
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Ok((_, peer)) => panic!("{what} connected to the AWS endpoint (from {peer})"),
            Err(e) => panic!("accept failed after {what}: {e}"),
        }
    }
}

#[test]
fn broken_stacks_make_no_aws_call() {
    let tripwire = Tripwire::new();
    let root = Path::new(ROOT);
    let files = [
        "tests/broken/many-problems.toml",
        "tests/broken/syntax-error.toml",
        "tests/broken/lambda-arn.toml",
        "tests/broken/role-action-not-granted.toml",
        "tests/broken/empty.toml",
        "tests/broken/does-not-exist.toml",
    ];
    for file in files {
        for args in [vec!["up", file], vec!["diff", file], vec!["down", "--yes", file]] {
            let what = args.join(" ");
            let out = run(root, &tripwire.url, &args);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(1), "{what} should exit 1; stderr:\n{err}");
            assert!(
                err.contains("nothing was sent to AWS"),
                "{what} did not say it stopped before AWS:\n{err}"
            );
            tripwire.assert_untouched(&what);
        }
    }
    // A binary file too.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("binary.toml"), [0u8, 159, 146, 150, 0]).unwrap();
    let out = run(dir.path(), &tripwire.url, &["up", "binary.toml"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    tripwire.assert_untouched("up binary.toml");
}

/// The control for [`broken_stacks_make_no_aws_call`]: with a valid stack, the same set-up does
/// reach the listener, so its silence above means something.
#[test]
fn a_valid_stack_does_reach_the_endpoint() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    // Answer every request with a non-retryable 400 so the command gives up at once.
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            counter.fetch_add(1, Ordering::SeqCst);
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(
                b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/x-amz-json-1.0\r\n\
                  content-length: 2\r\nconnection: close\r\n\r\n{}",
            );
        }
    });
    let mut child = command(
        Path::new(ROOT),
        &url,
        &["diff", "tests/fixtures/onboarding-existing-machine.toml"],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .expect("spawn provision");
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for provision") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("diff against a 400-answering endpoint did not finish in 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(1));
    assert!(
        accepted.load(Ordering::SeqCst) > 0,
        "diff never reached the endpoint"
    );
}

/// IAM role names are unique regardless of case ("IAM identifiers"): two stacks of a folder whose
/// role names differ only in case would fight over one role, so `up DIR` sends nothing.
#[test]
fn up_of_a_folder_refuses_role_names_that_differ_only_in_case() {
    let tripwire = Tripwire::new();
    let dir = tempfile::tempdir().unwrap();
    let onboarding =
        std::fs::read_to_string(Path::new(ROOT).join("tests/fixtures/onboarding-existing-machine.toml"))
            .unwrap();
    std::fs::write(dir.path().join("a.toml"), &onboarding).unwrap();
    let other = onboarding
        .replace("name = \"user-onboarding\"", "name = \"user-onboarding-two\"")
        .replace(
            "user-onboarding-api-gateway-stepfunctions-role",
            "User-Onboarding-API-Gateway-StepFunctions-Role",
        );
    std::fs::write(dir.path().join("b.toml"), other).unwrap();
    let out = run(dir.path(), &tripwire.url, &["up", "."]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("both name the role `user-onboarding-api-gateway-stepfunctions-role` and `User-Onboarding-API-Gateway-StepFunctions-Role` (IAM role names ignore case)"),
        "{err}"
    );
    tripwire.assert_untouched("up of a folder with a role-name clash");
}
