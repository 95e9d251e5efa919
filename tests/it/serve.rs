//! End to end: what `up` deployed, served by `provision serve` on loopback, runs the real
//! onboarding workflow in moto; the saved item is read back with boto3, a second client.

use crate::support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use support::{Moto, python};

fn boto_env(cmd: &mut Command, moto: &Moto) {
    cmd.env("AWS_ENDPOINT_URL", moto.url())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_DEFAULT_REGION", support::REGION)
        .env_remove("AWS_PROFILE")
        .current_dir(env!("CARGO_MANIFEST_DIR"));
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `provision serve --port 0` and returns it with the port it printed.
fn serve(moto: &Moto) -> (Server, u16) {
    let mut child = support::provision(&moto.url())
        .args(["serve", "stacks/onboarding.toml", "--port", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve");
    let stderr = child.stderr.take().expect("stderr");
    let server = Server(child);
    // Read the log on its own thread, so a silent server cannot hang the test.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
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

/// `provision up stacks/onboarding.toml`, which must succeed.
fn up(moto: &Moto) {
    let out = support::provision(&moto.url())
        .args(["up", "stacks/onboarding.toml"])
        .output()
        .expect("up");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A raw HTTP/1.1 exchange, independent of the tool's own client.
fn http(port: u16, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default().to_string();
    (status, body)
}

#[tokio::test]
async fn a_user_posted_through_serve_is_onboarded_by_the_real_workflow() {
    let moto = Moto::start();
    moto.enable_execution();
    let mut setup = Command::new(python());
    setup.arg("examples/setup_workflow.py");
    boto_env(&mut setup, &moto);
    let out = setup.output().expect("run setup_workflow.py");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    up(&moto);

    let (_server, port) = serve(&moto);
    let invoke = support::provision(&moto.url())
        .args([
            "invoke",
            "stacks/onboarding.toml",
            "POST /new-user",
            "--local",
            &format!("http://127.0.0.1:{port}"),
            "--data",
            "@examples/new-user.json",
            "--follow",
        ])
        .output()
        .expect("invoke");
    let stdout = String::from_utf8_lossy(&invoke.stdout);
    assert!(
        invoke.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&invoke.stderr)
    );
    assert!(stdout.contains("Execution SUCCEEDED"), "{stdout}");

    let mut scan = Command::new(python());
    scan.args([
        "-c",
        "import boto3, json; print(json.dumps(boto3.client('dynamodb').get_item(\
         TableName='user-onboarding-users', Key={'userId': {'S': 'user-88888'}}).get('Item')))",
    ]);
    boto_env(&mut scan, &moto);
    let out = scan.output().expect("read DynamoDB with boto3");
    let item: serde_json::Value = serde_json::from_slice(&out.stdout).expect("item JSON");
    assert_eq!(item["email"]["S"], "api-gateway@example.com", "{item}");
    assert_eq!(item["source"]["S"], "web");

    // The execution's input is the object under "input", as a JSON string Step Functions parsed.
    let executions = moto
        .sfn()
        .list_executions()
        .state_machine_arn("arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding")
        .send()
        .await
        .expect("ListExecutions");
    assert_eq!(executions.executions().len(), 1);
    let described = moto
        .sfn()
        .describe_execution()
        .execution_arn(executions.executions()[0].execution_arn())
        .send()
        .await
        .expect("DescribeExecution");
    let input: serde_json::Value =
        serde_json::from_str(described.input().unwrap_or_default()).expect("input JSON");
    assert_eq!(input["user"]["userId"], "user-88888");
}

#[tokio::test]
async fn serve_answers_like_api_gateway_for_unknown_routes_and_bad_bodies() {
    let moto = Moto::start();
    moto.enable_execution();
    let machine = support::create_state_machine(
        &moto.sfn(),
        "user-onboarding",
        aws_sdk_sfn::types::StateMachineType::Standard,
    )
    .await;
    up(&moto);
    let (_server, port) = serve(&moto);

    assert_eq!(
        http(port, "GET", "/nope", ""),
        (404, r#"{"message":"Not Found"}"#.to_string())
    );
    assert_eq!(
        http(port, "GET", "/new-user", ""),
        (404, r#"{"message":"Not Found"}"#.to_string()),
        "the route is POST only"
    );
    assert_eq!(
        http(port, "POST", "/new-user", "not json"),
        (400, r#"{"message":"Bad Request"}"#.to_string())
    );
    let (status, body) = http(
        port,
        "POST",
        "/new-user",
        r#"{"input": {"user": {"userId": "u-1"}}}"#,
    );
    assert_eq!(status, 200, "{body}");
    let (second, body) = http(
        port,
        "POST",
        "/new-user",
        r#"{"input": {"user": {"userId": "u-2"}}}"#,
    );
    assert_eq!(second, 200, "every request gets its own execution name: {body}");

    // Read back through the SDK: two executions, each named by the gateway (moto would name
    // both "None"), each with the object under "input" as its input.
    let sfn = moto.sfn();
    let listed = sfn
        .list_executions()
        .state_machine_arn(&machine)
        .send()
        .await
        .expect("ListExecutions");
    let mut names: Vec<&str> = listed.executions().iter().map(|e| e.name()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names.iter().all(|n| n.len() == 36 && n.matches('-').count() == 4),
        "{names:?}"
    );
    let mut inputs = Vec::new();
    for e in listed.executions() {
        let described = sfn
            .describe_execution()
            .execution_arn(e.execution_arn())
            .send()
            .await
            .expect("DescribeExecution");
        let input: serde_json::Value =
            serde_json::from_str(described.input().unwrap_or_default()).expect("JSON");
        inputs.push(input);
    }
    inputs.sort_by_key(|i| i.to_string());
    assert_eq!(
        inputs,
        vec![
            serde_json::json!({"user": {"userId": "u-1"}}),
            serde_json::json!({"user": {"userId": "u-2"}})
        ]
    );
}
