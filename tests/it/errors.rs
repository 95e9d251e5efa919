//! What a user sees when AWS (or what stands in its place) fails: every message names the call,
//! says what happened in words, and never shows a Rust debug dump. No moto: each test runs
//! the binary against a small fake endpoint on loopback, or none at all.

use crate::support;
use crate::support::text;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

use support::{provision, run};

/// Words that only a `{:?}` of an SDK type prints.
const DEBUG_DUMP: &[&str] = &[
    "ServiceError(",
    "Unhandled(",
    "DispatchFailure(",
    "ConnectorError",
    "SdkBody",
    "ProviderError(",
    "Extensions",
    "DeserializeError",
    "StatusCode(",
    "Some(",
];

/// A loopback endpoint that answers every request with `status`, `headers` and `body`, for as
/// long as the test runs. Returns its URL.
fn fake_endpoint(
    status: &'static str,
    headers: &'static [(&'static str, &'static str)],
    body: &'static str,
) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("cannot bind: {e}"));
    let url = format!(
        "http://{}",
        listener.local_addr().map(|a| a.to_string()).unwrap_or_default()
    );
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut length = 0usize;
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                if line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().unwrap_or(0);
                }
                line.clear();
            }
            let mut sink = vec![0; length];
            let _ = reader.read_exact(&mut sink);
            let mut answer = format!(
                "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                answer.push_str(&format!("{name}: {value}\r\n"));
            }
            answer.push_str("\r\n");
            answer.push_str(body);
            let _ = reader.get_mut().write_all(answer.as_bytes());
        }
    });
    url
}

fn assert_no_dump(stderr: &str) {
    for word in DEBUG_DUMP {
        assert!(!stderr.contains(word), "debug formatting `{word}` in:\n{stderr}");
    }
    assert!(!stderr.contains(" WARN "), "SDK log lines in:\n{stderr}");
}

#[test]
fn an_html_500_is_named_as_such_with_its_first_line() {
    let url = fake_endpoint(
        "500 Internal Server Error",
        &[("content-type", "text/html")],
        "<!doctype html>\n<html><body><h1>Bad gateway</h1></body></html>\n",
    );
    let out = run(
        &url,
        &[
            "diff",
            "tests/fixtures/onboarding-existing-machine.toml",
            "--max-rps",
            "0",
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: DescribeStateMachine on arn:aws:states:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("HTTP 500; the answer is not an AWS error response"),
        "{stderr}"
    );
    assert!(stderr.contains("(first line: <!doctype html>)"), "{stderr}");
    assert!(
        stderr.contains("help: the endpoint is not answering as AWS does"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("error:").count(), 1, "printed once:\n{stderr}");
    assert_no_dump(&stderr);
    assert!(out.stdout.is_empty(), "text mode prints errors on stderr only");
}

#[test]
fn with_json_output_the_error_is_one_json_document_on_stdout() {
    let url = fake_endpoint(
        "500 Internal Server Error",
        &[("content-type", "text/html")],
        "<html>oops</html>",
    );
    let out = run(
        &url,
        &[
            "diff",
            "tests/fixtures/onboarding-existing-machine.toml",
            "--output",
            "json",
            "--max-rps",
            "0",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    let doc: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{stdout}"));
    let error = &doc["error"];
    assert_eq!(error["kind"], "aws");
    assert_eq!(error["call"], "DescribeStateMachine");
    assert_eq!(error["status"], 500);
    assert_eq!(error["code"], serde_json::Value::Null);
    assert!(
        error["resource"]
            .as_str()
            .is_some_and(|r| r.starts_with("arn:aws:states:")),
        "{error}"
    );
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("<html>oops</html>")),
        "{error}"
    );
    assert_no_dump(&stdout);
}

#[test]
fn access_denied_names_the_action_the_resource_and_the_request_id() {
    let url = fake_endpoint(
        "400 Bad Request",
        &[
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amzn-requestid", "req-5b1d"),
            ("x-amzn-errortype", "AccessDeniedException"),
        ],
        r#"{"__type":"AccessDeniedException","message":"User: arn:aws:iam::111122223333:user/ci is not authorized to perform: states:DescribeStateMachine on resource: arn:aws:states:ap-southeast-2:189107071895:stateMachine:UserOnboardingWorkflow because no identity-based policy allows the states:DescribeStateMachine action"}"#,
    );
    let out = run(
        &url,
        &[
            "diff",
            "tests/fixtures/onboarding-existing-machine.toml",
            "--max-rps",
            "0",
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("DescribeStateMachine on arn:aws:states:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("HTTP 400 AccessDeniedException: User: arn:aws:iam::111122223333:user/ci"),
        "{stderr}"
    );
    assert!(stderr.contains("(request id req-5b1d)"), "{stderr}");
    assert!(
        stderr.contains("may not call states:DescribeStateMachine on arn:aws:states:ap-southeast-2:189107071895:stateMachine:UserOnboardingWorkflow"),
        "{stderr}"
    );
    assert_no_dump(&stderr);
}

#[test]
fn expired_credentials_say_how_to_sign_in_again() {
    let url = fake_endpoint(
        "400 Bad Request",
        &[("content-type", "application/x-amz-json-1.0")],
        r#"{"__type":"ExpiredTokenException","message":"The security token included in the request is expired"}"#,
    );
    let out = run(
        &url,
        &[
            "diff",
            "tests/fixtures/onboarding-existing-machine.toml",
            "--max-rps",
            "0",
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "HTTP 400 ExpiredTokenException: The security token included in the request is expired"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("help: your credentials have expired: `aws sso login`"),
        "{stderr}"
    );
    assert_no_dump(&stderr);
}

#[test]
fn no_credentials_says_where_it_looked_and_what_to_run() {
    let url = fake_endpoint("500 Internal Server Error", &[], "must not be reached");
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = provision(&url)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("HOME", home.path())
        .args([
            "diff",
            "tests/fixtures/onboarding-existing-machine.toml",
            "--max-rps",
            "0",
        ])
        .output()
        .unwrap_or_else(|e| panic!("cannot run provision: {e}"));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("failed: no AWS credentials were found"),
        "{stderr}"
    );
    for hint in [
        "AWS_ACCESS_KEY_ID",
        "profile `default`",
        "`aws configure`",
        "AWS_PROFILE",
        "`aws sso login`",
    ] {
        assert!(stderr.contains(hint), "no {hint} in:\n{stderr}");
    }
    assert_eq!(stderr.matches("error:").count(), 1, "printed once:\n{stderr}");
    assert_no_dump(&stderr);
}

/// The profile is carried in the error value (not a global the printer reads): a named profile
/// that holds no credentials is the one the help names.
#[test]
fn a_named_profile_without_credentials_is_the_one_the_help_names() {
    let url = fake_endpoint("500 Internal Server Error", &[], "must not be reached");
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let config = home.path().join("config");
    std::fs::write(&config, "[profile ci]\nregion = ap-southeast-2\n").unwrap_or_else(|e| panic!("{e}"));
    let out = provision(&url)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", &config)
        .args([
            "diff",
            "tests/fixtures/onboarding-existing-machine.toml",
            "--max-rps",
            "0",
            "--profile",
            "ci",
        ])
        .output()
        .unwrap_or_else(|e| panic!("cannot run provision: {e}"));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("profile `ci` in ~/.aws/config"), "{stderr}");
    assert!(!stderr.contains("profile `default`"), "{stderr}");
    assert_eq!(stderr.matches("error:").count(), 1, "printed once:\n{stderr}");
    assert_no_dump(&stderr);
}

#[test]
fn an_unreachable_endpoint_names_the_address_and_the_refusal() {
    // A port that was free a moment ago: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"));
    let url = format!("http://127.0.0.1:{port}");
    let out = run(
        &url,
        &[
            "diff",
            "tests/fixtures/onboarding-existing-machine.toml",
            "--max-rps",
            "0",
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot reach {url}: the connection was refused")),
        "{stderr}"
    );
    assert!(
        stderr.contains("help: check that the endpoint is right and its server is running"),
        "{stderr}"
    );
    assert_no_dump(&stderr);
}

#[test]
fn a_stack_with_errors_is_one_json_document_with_its_diagnostics() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("broken.toml");
    std::fs::write(&file, "[stack]\nname = \"has space\"\n").unwrap_or_else(|e| panic!("{e}"));
    let file = file.display().to_string();
    let out = run("http://127.0.0.1:9", &["diff", &file, "--output", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}:\n{stdout}"));
    assert_eq!(doc["error"]["kind"], "invalid_stack");
    let diagnostics = doc["error"]["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let name = diagnostics
        .iter()
        .find(|d| d["message"] == "invalid stack name")
        .unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(name["file"], file.as_str());
    assert_eq!(
        (name["line"].as_u64(), name["column"].as_u64()),
        (Some(2), Some(8))
    );
    assert_eq!(name["severity"], "error");
}

/// A loopback endpoint that accepts connections and never answers: the call gives up after
/// `--call-timeout` (here 2 s, far below the default 90), and the error names the endpoint, how
/// long it waited, and what to do next (the network path, `--call-timeout`), as the other
/// network errors name the endpoint.
#[test]
fn an_endpoint_that_never_answers_is_named_when_the_call_s_time_is_up() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("cannot bind: {e}"));
    let url = format!(
        "http://{}",
        listener.local_addr().map(|a| a.to_string()).unwrap_or_default()
    );
    // Connections are accepted and held open, never read or answered.
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().flatten().collect();
        drop(held);
    });
    let started = std::time::Instant::now();
    let out = run(
        &url,
        &[
            "diff",
            "tests/fixtures/onboarding-existing-machine.toml",
            "--max-rps",
            "0",
            "--call-timeout",
            "2",
        ],
    );
    let took = started.elapsed();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        took < std::time::Duration::from_secs(15),
        "gave up after {took:?}:\n{stderr}"
    );
    assert!(
        stderr.contains(&format!("no answer from {url} in 2 s")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "help: check the network path (VPN, proxy, firewall) to {url}"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("--call-timeout SECONDS waits longer (now 2 s"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("error:").count(), 1, "printed once:\n{stderr}");
    assert_no_dump(&stderr);
}
