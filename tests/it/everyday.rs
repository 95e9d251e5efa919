//! The everyday loop as a new user meets it, through the binary: `init`, `up`, `serve`,
//! `invoke` (signed for AWS_IAM routes), a did-you-mean for a mistyped route, an unreachable
//! invoke URL, and `--quiet`.

use crate::support;
use crate::support::text;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Output, Stdio};
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
            let _ = tx.send(format!("{head}\r\n{}", String::from_utf8_lossy(&body)));
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
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/onboarding-existing-machine.toml"
    ))
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
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/onboarding-existing-machine.toml"
        ))
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
    let help = doc["error"]["help"].as_str().unwrap_or_default();
    assert!(
        help.starts_with("fix `state_machine` in") && help.ends_with("nothing was changed"),
        "{doc}"
    );
    assert!(
        text(&out.stderr).contains("error: route POST /new-user"),
        "{}",
        text(&out.stderr)
    );
}

/// The walkthrough's stack, as a file in the world's scratch directory.
fn onboarding(world: &World) -> String {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/onboarding-existing-machine.toml"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    world.stack("onboarding.toml", &text).display().to_string()
}

/// Deleting the workflow first is a normal teardown order: `down` still deletes what the stack
/// owns, and says once that the machine is gone.
#[tokio::test(flavor = "multi_thread")]
async fn down_deletes_the_stack_after_its_machine_was_deleted_with_one_note() {
    let world = World::start(&[("user-onboarding", StateMachineType::Standard)]).await;
    let stack = onboarding(&world);
    world.ok(&["up", &stack]);
    let sfn = world.moto.sfn();
    let machine = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding";
    sfn.delete_state_machine()
        .state_machine_arn(machine)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    // diff and up still refuse it: they would deploy a route to nothing.
    let refused = world.run(&["diff", &stack]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    let out = world.run(&["down", &stack, "--yes"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr.matches("note:").count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("state machine {machine} does not exist"))
            && stderr.contains("`down` deletes what the stack owns all the same"),
        "{stderr}"
    );
    assert!(text(&out.stdout).contains("Stack user-onboarding deleted."));
    // A second client: the API and the role are gone.
    assert!(world.owned_apis("user-onboarding").await.is_empty());
    let role = world
        .moto
        .iam()
        .get_role()
        .role_name("user-onboarding-api-gateway-stepfunctions-role")
        .send()
        .await;
    assert!(role.is_err(), "the role is deleted: {role:?}");
}

/// A missing machine points at the route's `state_machine` line, suggests the nearest machine of
/// the account in that region, and says where the tool's region came from.
#[tokio::test(flavor = "multi_thread")]
async fn a_missing_machine_points_at_its_line_with_a_did_you_mean_and_the_regions_source() {
    let world = World::start(&[("user-onboarding", StateMachineType::Standard)]).await;
    let text_of = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/onboarding-existing-machine.toml"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let typo = text_of.replace("stateMachine:user-onboarding", "stateMachine:user-onbaording");
    let stack = world.stack("typo.toml", &typo).display().to_string();
    let line = typo
        .lines()
        .position(|l| l.starts_with("state_machine"))
        .map(|i| i + 1)
        .unwrap_or_default();
    for command in ["diff", "up"] {
        let out = world.run(&[command, &stack]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(&format!("typo.toml:{line}:")), "{stderr}");
        assert!(
            stderr.contains("no such state machine in ap-southeast-2"),
            "{stderr}"
        );
        assert!(stderr.contains("did you mean `user-onboarding`?"), "{stderr}");
        assert!(
            stderr.contains("asked in ap-southeast-2, the tool's region, from `region` under [stack]"),
            "{stderr}"
        );
        assert!(stderr.contains("help: fix `state_machine` in"), "{stderr}");
    }
    assert!(
        world.owned_apis("user-onboarding").await.is_empty(),
        "nothing was made"
    );
    // Named without an ARN and without a stack region: the region is AWS_REGION's, and it says so.
    let named = typo.replace("region = \"ap-southeast-2\"\n", "").replace(
        "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onbaording",
        "user-onbaording",
    );
    let stack = world.stack("named.toml", &named).display().to_string();
    let out = world.run(&["diff", &stack]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("the tool's region, from AWS_REGION"), "{stderr}");
    assert!(stderr.contains("did you mean `user-onboarding`?"), "{stderr}");
}

/// A StartSyncExecution route on a STANDARD machine: grammar, and what to change.
#[tokio::test(flavor = "multi_thread")]
async fn a_sync_route_on_a_standard_machine_says_what_to_change() {
    let world = World::start(&[("user-onboarding", StateMachineType::Standard)]).await;
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/onboarding-existing-machine.toml"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let sync = source.replace("action = \"StartExecution\"", "action = \"StartSyncExecution\"");
    let stack = world.stack("sync.toml", &sync).display().to_string();
    let out = world.run(&["diff", &stack]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("StartSyncExecution needs an EXPRESS state machine, but"),
        "{stderr}"
    );
    assert!(stderr.contains("use action = \"StartExecution\""), "{stderr}");
}

/// Without --data, invoke sends what up's Try line sends; --data that is not JSON is refused
/// before anything is sent, unless a content type says it is not JSON.
#[tokio::test(flavor = "multi_thread")]
async fn invoke_sends_the_try_body_and_refuses_data_that_is_not_json() {
    let world = World::start(&[]).await;
    let stack = init_stack(&world).await;
    let up = world.ok(&["up", &stack]);
    let try_body = text(&up.stdout)
        .lines()
        .find_map(|l| {
            l.split(" -d '")
                .nth(1)
                .and_then(|rest| rest.split('\'').next())
                .map(str::to_string)
        })
        .unwrap_or_else(|| panic!("no Try line with a body:\n{}", text(&up.stdout)));
    assert_eq!(try_body, r#"{"input":{}}"#);
    let (url, requests) = recording_endpoint();
    let out = invoke(&world, &[&stack, "POST /start", "--local", &url]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let sent = requests.recv_timeout(Duration::from_secs(10)).unwrap_or_default();
    let body = sent.split("\r\n\r\n").last().unwrap_or_default();
    assert_eq!(body, try_body, "{sent}");
    assert!(
        sent.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{sent}"
    );
    assert!(
        !text(&out.stderr).contains("no `input` member"),
        "{}",
        text(&out.stderr)
    );

    let out = invoke(&world, &[&stack, "POST /start", "--data", "a=b", "--local", &url]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error: --data is not JSON"), "{stderr}");
    assert!(stderr.contains("nothing was sent"), "{stderr}");
    assert!(stderr.contains("-H 'content-type: text/plain'"), "{stderr}");
    assert!(
        requests.recv_timeout(Duration::from_millis(500)).is_err(),
        "a request was sent"
    );
    let out = invoke(
        &world,
        &[
            &stack,
            "POST /start",
            "--data",
            "a=b",
            "-H",
            "content-type: text/plain",
            "--local",
            &url,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let sent = requests.recv_timeout(Duration::from_secs(10)).unwrap_or_default();
    assert!(sent.ends_with("\r\n\r\na=b"), "{sent}");
}

/// `serve` puts its reason for a refusal in a header and `invoke` shows it; an unsigned request
/// to an AWS_IAM route is told how to sign.
#[tokio::test(flavor = "multi_thread")]
async fn invoke_shows_why_serve_refused_and_serve_says_how_to_sign() {
    let world = World::start(&[]).await;
    let stack = init_stack(&world).await;
    world.ok(&["up", &stack]);
    let (_server, port) = serve(&world, &stack);
    let local = format!("http://127.0.0.1:{port}");
    let out = invoke(
        &world,
        &[
            &stack,
            "POST /start",
            "--data",
            "a=b",
            "-H",
            "content-type: text/plain",
            "--local",
            &local,
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(text(&out.stdout).starts_with("HTTP 400"), "{}", text(&out.stdout));
    assert!(
        stderr.contains("note: provision serve refused it: request body is not JSON"),
        "{stderr}"
    );
    // Unsigned, straight to serve: 403 and a reason that says how to sign.
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap_or_else(|e| panic!("{e}"));
    stream
        .write_all(b"POST /start HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
        .unwrap_or_else(|e| panic!("{e}"));
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(
        answer
            .contains("x-provision-reason: AWS_IAM: no Authorization header: the route is AWS_IAM, so sign"),
        "{answer}"
    );
    assert!(answer.contains("curl --aws-sigv4"), "{answer}");
}

/// After `down`, a running serve answers 404 for every route and says the stack was deleted;
/// after `up` it serves the new API.
#[tokio::test(flavor = "multi_thread")]
async fn serve_answers_404_once_the_stack_is_deleted_and_picks_it_up_again() {
    let world = World::start(&[]).await;
    let stack = init_stack(&world).await;
    world.ok(&["up", &stack]);
    let mut child = support::provision(&world.moto.url())
        .args(["serve", &stack, "--port", "0", "--watch"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot spawn serve: {e}"));
    let stderr = child.stderr.take();
    let _server = Server(child);
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        let Some(stderr) = stderr else { return };
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let wait_for = |needle: &str| -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match rx.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        panic!("serve never logged `{needle}`")
    };
    let banner = wait_for("on http://127.0.0.1:");
    let port: u16 = banner
        .rsplit(':')
        .next()
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("{banner}"));
    let local = format!("http://127.0.0.1:{port}");
    world.ok(&["down", &stack, "--yes"]);
    // --watch re-reads every 2 s: the log says so once.
    wait_for("Stack orders was deleted: its API is gone from AWS");
    let out = invoke(&world, &[&stack, "POST /start", "--local", &local]);
    assert!(text(&out.stdout).starts_with("HTTP 404"), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("stack orders was deleted"),
        "{}",
        text(&out.stderr)
    );
    world.ok(&["up", &stack]);
    let api = world.only_api_id("orders").await;
    wait_for(&format!("Stack orders is back: API orders-api ({api})"));
    wait_for("Reloaded: 1 route(s): POST /start");
    let out = invoke(&world, &[&stack, "POST /start", "--local", &local]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// A warning is one line outside `validate`, the box with `--verbose`.
#[tokio::test(flavor = "multi_thread")]
async fn warnings_are_one_line_outside_validate_and_in_full_with_verbose() {
    let world = World::start(&[("user-onboarding", StateMachineType::Standard)]).await;
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/onboarding-existing-machine.toml"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let bare = source.replace("allow = [\"no-throttling\"]\n", "");
    let stack = world.stack("warned.toml", &bare).display().to_string();
    let out = world.ok(&["diff", &stack]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "warning: no-throttling (stack user-onboarding, {stack}:"
        )) && stderr.contains(") — allow it or fix it; provision validate shows why\n"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("warning:").count(), 1, "{stderr}");
    assert!(!stderr.contains("⚠"), "{stderr}");
    let out = world.ok(&["diff", &stack, "--verbose"]);
    assert!(text(&out.stderr).contains("⚠"), "{}", text(&out.stderr));
    let out = world.ok(&["validate", &stack]);
    assert!(text(&out.stderr).contains("⚠"), "{}", text(&out.stderr));
}

/// PROVISION_LOG written to a file holds no colour codes; on a terminal it is coloured unless
/// NO_COLOR is set.
#[tokio::test(flavor = "multi_thread")]
async fn the_log_is_coloured_only_on_a_terminal_without_no_color() {
    let world = World::start(&[("user-onboarding", StateMachineType::Standard)]).await;
    let stack = onboarding(&world);
    let out = support::provision(&world.moto.url())
        .args(["diff", &stack])
        .env_remove("NO_COLOR")
        .env("PROVISION_LOG", "debug")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("DEBUG"), "debug lines are logged: {stderr}");
    assert!(!stderr.contains('\u{1b}'), "colour codes in a file");
    let on_terminal = |no_color: bool| -> String {
        let line = format!("{:?} diff '{stack}' > /dev/null", env!("CARGO_BIN_EXE_provision"));
        let command = support::provision(&world.moto.url());
        let mut script = Command::new("script");
        script.args(["-qec", &line, "/dev/null"]);
        for (key, value) in command.get_envs() {
            match value {
                Some(v) => script.env(key, v),
                None => script.env_remove(key),
            };
        }
        script.env("PROVISION_LOG", "debug").env_remove("NO_COLOR");
        if no_color {
            script.env("NO_COLOR", "1");
        }
        let out = script
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("script: {e}"));
        text(&out.stdout)
    };
    let coloured = on_terminal(false);
    assert!(coloured.contains("DEBUG"), "{coloured}");
    assert!(coloured.contains('\u{1b}'), "colour on a terminal: {coloured}");
    let plain = on_terminal(true);
    assert!(plain.contains("DEBUG"), "{plain}");
    assert!(!plain.contains('\u{1b}'), "NO_COLOR: {plain}");
}

/// `diff --out` that fails exits 1 and leaves no plan file, also removing one an earlier diff
/// saved there.
#[tokio::test(flavor = "multi_thread")]
async fn a_failing_diff_out_leaves_no_plan_file() {
    let world = World::start(&[("user-onboarding", StateMachineType::Standard)]).await;
    let stack = onboarding(&world);
    let plan = world.dir.path().join("plan.json");
    let plan_arg = plan.display().to_string();
    world.ok(&["diff", &stack, "--out", &plan_arg]);
    let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&plan).unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(saved["format"], 1);
    world
        .moto
        .sfn()
        .delete_state_machine()
        .state_machine_arn("arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let out = world.run(&["diff", &stack, "--out", &plan_arg]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(!plan.exists(), "the earlier plan is removed");
    assert!(text(&out.stderr).contains("removed"), "{}", text(&out.stderr));
    let fresh = world.dir.path().join("fresh.json");
    let out = world.run(&["diff", &stack, "--out", &fresh.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!fresh.exists(), "no file from a failed diff");
    let leftovers: Vec<_> = std::fs::read_dir(world.dir.path())
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        !leftovers.iter().any(|n| n.to_string_lossy().ends_with(".tmp")),
        "{leftovers:?}"
    );
}

/// `down` off a terminal names the stack file in its help line.
#[tokio::test(flavor = "multi_thread")]
async fn down_without_yes_names_the_stack_file_in_its_help() {
    let world = World::start(&[("user-onboarding", StateMachineType::Standard)]).await;
    let stack = onboarding(&world);
    world.ok(&["up", &stack]);
    let out = world.run(&["down", &stack]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "run `provision down {stack} --yes` to delete stack user-onboarding"
        )),
        "{stderr}"
    );
    // A policy put on the stack's role by hand is shown with its role when it is deleted.
    world
        .moto
        .iam()
        .put_role_policy()
        .role_name("user-onboarding-api-gateway-stepfunctions-role")
        .policy_name("ByHand")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let out = world.ok(&["diff", &stack]);
    let stdout = text(&out.stdout);
    assert!(
        stdout
            .contains("- role_policy ByHand\n      role: \"user-onboarding-api-gateway-stepfunctions-role\""),
        "{stdout}"
    );
}

/// The `provision` commands of docs/ci.md, as written there, against moto: the deployer policy,
/// the pull request's plan (exit 2: changes), the merge's apply of exactly that plan, and a plan
/// afterwards with nothing left to do.
#[tokio::test(flavor = "multi_thread")]
async fn the_ci_recipe_runs_as_written_against_moto() {
    let world = World::start(&[("user-onboarding", StateMachineType::Standard)]).await;
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/ci.md"))
        .unwrap_or_else(|e| panic!("{e}"));
    let commands: Vec<String> = page
        .lines()
        .map(|l| l.trim().trim_start_matches("- ").trim_start_matches("run: "))
        .filter(|l| l.starts_with("provision "))
        .map(|l| l.split(" || ").next().unwrap_or(l).to_string())
        .collect();
    assert_eq!(
        commands,
        [
            "provision policy stacks/onboarding.toml > deployer-policy.json",
            "provision diff stacks/onboarding.toml --exit-code --out plan.json",
            "provision up --plan plan.json",
        ],
        "docs/ci.md's commands changed: run the new ones here"
    );
    let dir = world.dir.path();
    std::fs::create_dir_all(dir.join("stacks")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/onboarding-existing-machine.toml"
        ),
        dir.join("stacks/onboarding.toml"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let run = |line: &str| -> Output {
        let (args, into) = match line.split_once(" > ") {
            Some((args, file)) => (args, Some(file)),
            None => (line, None),
        };
        let words: Vec<&str> = args.split_whitespace().skip(1).collect();
        let out = support::provision(&world.proxy.url())
            .args(&words)
            .current_dir(dir)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        if let Some(file) = into {
            std::fs::write(dir.join(file), &out.stdout).unwrap_or_else(|e| panic!("{e}"));
        }
        out
    };
    let policy = run(&commands[0]);
    assert_eq!(policy.status.code(), Some(0), "{}", text(&policy.stderr));
    let document: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("deployer-policy.json")).unwrap_or_default())
            .unwrap_or_else(|e| panic!("deployer-policy.json is not JSON: {e}"));
    assert_eq!(document["Version"], "2012-10-17");
    let plan = run(&commands[1]);
    assert_eq!(
        plan.status.code(),
        Some(2),
        "a plan to review: {}",
        text(&plan.stderr)
    );
    assert!(dir.join("plan.json").exists());
    assert!(
        world.owned_apis("user-onboarding").await.is_empty(),
        "diff changes nothing"
    );
    std::fs::copy(dir.join("plan.json"), dir.join("reviewed.json")).unwrap_or_else(|e| panic!("{e}"));
    let apply = run(&commands[2]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply.stderr));
    assert_eq!(
        world.owned_apis("user-onboarding").await.len(),
        1,
        "the plan was applied"
    );
    let again = run(&commands[1]);
    assert_eq!(
        again.status.code(),
        Some(0),
        "nothing left: {}",
        text(&again.stdout)
    );
    // The reviewed plan is stale now that AWS changed: applying it again is refused.
    let stale = run("provision up --plan reviewed.json");
    assert_eq!(stale.status.code(), Some(1), "{}", text(&stale.stderr));
    assert!(
        text(&stale.stderr).contains("nothing was changed"),
        "{}",
        text(&stale.stderr)
    );
    assert_eq!(world.owned_apis("user-onboarding").await.len(), 1);
}
