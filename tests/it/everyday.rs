//! The everyday loop as a new user meets it, through the binary: `init`, `up`, `serve`,
//! `invoke` (signed for AWS_IAM routes), a did-you-mean for a mistyped route, an unreachable
//! invoke URL, and `--quiet`.

use crate::support;
use crate::support::text;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Child, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use aws_sdk_sfn::types::StateMachineType;
use support::World;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `provision serve STACK --port 0` against the world's moto; the server and its port.
fn serve(world: &World, stack: &str) -> (Server, u16) {
    let mut child = support::provision(&world.moto.url())
        .args(["serve", stack, "--port", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot spawn serve: {e}"));
    let stderr = child.stderr.take();
    let server = Server(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let Some(stderr) = stderr else { return };
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("on http://127.0.0.1:").nth(1) {
                let _ = tx.send(rest.trim().parse::<u16>().ok());
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(Some(port)) => (server, port),
        _ => panic!("serve did not print its address within 30 s"),
    }
}

/// A loopback endpoint that records the first request's head and answers 200 `{}`.
fn recording_endpoint() -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let url = format!(
        "http://{}",
        listener.local_addr().map(|a| a.to_string()).unwrap_or_default()
    );
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let (mut head, mut line, mut length) = (String::new(), String::new(), 0usize);
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                head.push_str(&line);
                line.clear();
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let _ = tx.send(head);
            let _ = reader
                .get_mut()
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}");
        }
    });
    (url, rx)
}

/// A starter stack written by `provision init` for a new STANDARD machine `orders`.
async fn init_stack(world: &World) -> String {
    let arn = support::create_state_machine(&world.moto.sfn(), "orders", StateMachineType::Standard).await;
    let path = world.dir.path().join("stacks/orders.toml");
    let path = path.display().to_string();
    let out = world.ok(&["init", &path, "--state-machine", &arn]);
    assert!(text(&out.stderr).contains("wrote"), "{}", text(&out.stderr));
    path
}

fn invoke(world: &World, args: &[&str]) -> Output {
    let mut all = vec!["invoke"];
    all.extend_from_slice(args);
    world.run(&all)
}

#[tokio::test(flavor = "multi_thread")]
async fn init_up_serve_invoke_reaches_200_on_the_starters_aws_iam_route() {
    let world = World::start(&[]).await;
    world.moto.enable_execution();
    let stack = init_stack(&world).await;
    world.ok(&["validate", &stack, "--deny-warnings"]);
    world.ok(&["up", &stack]);
    let (_server, port) = serve(&world, &stack);
    let local = format!("http://127.0.0.1:{port}");
    let out = invoke(
        &world,
        &[
            &stack,
            "POST /start",
            "--data",
            r#"{"input": {"id": 7}}"#,
            "--local",
            &local,
        ],
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.starts_with("HTTP 200"), "{stdout}");
    // A second client sees the execution, started with the `input` member.
    let sfn = world.moto.sfn();
    let machines = sfn
        .list_state_machines()
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let arn = machines.state_machines()[0].state_machine_arn();
    let executions = sfn
        .list_executions()
        .state_machine_arn(arn)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(executions.executions().len(), 1, "one execution started");
    let described = sfn
        .describe_execution()
        .execution_arn(executions.executions()[0].execution_arn())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let input: serde_json::Value =
        serde_json::from_str(described.input().unwrap_or("null")).unwrap_or_default();
    assert_eq!(input, serde_json::json!({"id": 7}));
}

#[tokio::test(flavor = "multi_thread")]
async fn invoke_signs_aws_iam_routes_and_sends_headers_and_tokens() {
    let world = World::start(&[]).await;
    let stack = init_stack(&world).await;
    world.ok(&["up", &stack]);
    let (url, heads) = recording_endpoint();
    let out = invoke(
        &world,
        &[
            &stack,
            "POST /start",
            "--data",
            r#"{"input": {}}"#,
            "--local",
            &url,
            "-H",
            "x-trace: abc",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let head = heads
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(head.starts_with("post /start http/1.1"), "{head}");
    assert!(
        head.contains("authorization: aws4-hmac-sha256 credential=test/")
            && head.contains("/ap-southeast-2/execute-api/aws4_request"),
        "not signed for execute-api:\n{head}"
    );
    assert!(head.contains("x-amz-date: "), "{head}");
    assert!(head.contains("x-trace: abc"), "{head}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mistyped_route_gets_a_did_you_mean_before_anything_is_sent() {
    let world = World::start(&[]).await;
    let stack = init_stack(&world).await;
    let out = invoke(&world, &[&stack, "POST /strat", "--local", "http://127.0.0.1:9"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: stack orders has no route for `POST /strat`"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `POST /start`?"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_stage_on_an_emulator_suggests_serve_and_local() {
    let world = World::start(&[]).await;
    let stack = init_stack(&world).await;
    world.ok(&["up", &stack]);
    // moto has no execute-api endpoint: the stage URL it reports cannot be reached from here.
    let out = invoke(&world, &[&stack, "POST /start", "--data", r#"{"input": {}}"#]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("POST ") && stderr.contains("/start got no answer"),
        "{stderr}"
    );
    assert!(
        stderr.contains("run `provision serve` in another terminal"),
        "{stderr}"
    );
    assert!(stderr.contains("--local http://127.0.0.1:8080"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_without_the_input_member_is_pointed_out() {
    let world = World::start(&[]).await;
    let stack = init_stack(&world).await;
    let (url, _heads) = recording_endpoint();
    world.ok(&["up", &stack]);
    let out = invoke(
        &world,
        &[&stack, "POST /start", "--data", r#"{"id": 7}"#, "--local", &url],
    );
    let stderr = text(&out.stderr);
    assert!(stderr.contains("this body has no `input` member"), "{stderr}");
    let quiet = invoke(
        &world,
        &[
            &stack,
            "POST /start",
            "--data",
            r#"{"id": 7}"#,
            "--local",
            &url,
            "-q",
        ],
    );
    assert_eq!(quiet.status.code(), Some(0));
    assert!(!text(&quiet.stderr).contains("note:"), "{}", text(&quiet.stderr));
}

#[test]
fn quiet_hides_warnings_but_not_errors() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // The walkthrough's stack without its `allow` lines has two warnings.
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/stacks/onboarding.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let bare: String = source
        .lines()
        .filter(|l| !l.starts_with("allow"))
        .map(|l| format!("{l}\n"))
        .collect();
    let warned = dir.path().join("warned.toml");
    std::fs::write(&warned, bare).unwrap_or_else(|e| panic!("{e}"));
    let warned = warned.display().to_string();
    let validate = |args: &[&str]| {
        support::provision("http://127.0.0.1:9")
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let out = validate(&["validate", &warned, "--quiet"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).trim().is_empty(), "{}", text(&out.stderr));
    let loud = validate(&["validate", &warned]);
    assert!(text(&loud.stderr).contains("⚠"), "the stack has warnings to hide");
    let broken = dir.path().join("b.toml");
    std::fs::write(&broken, "[stack]\nname = \"x y\"\n").unwrap_or_else(|e| panic!("{e}"));
    let out = validate(&["validate", &broken.display().to_string(), "-q"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("invalid stack name"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_machine_is_one_json_error_document_with_output_json() {
    let world = World::start(&[]).await;
    let stack = world.stack(
        "gone.toml",
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/stacks/onboarding.toml"))
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let out = world.run(&["diff", &stack.display().to_string(), "--output", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}:\n{stdout}"));
    let message = doc["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("route POST /new-user: state machine arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding does not exist"),
        "{doc}"
    );
    assert_eq!(doc["error"]["help"], "nothing was changed");
    assert!(
        text(&out.stderr).contains("error: route POST /new-user"),
        "{}",
        text(&out.stderr)
    );
}
