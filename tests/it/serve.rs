//! End to end: what `up` deployed, served by `provision serve` on loopback, runs the real
//! onboarding workflow in moto; the saved item is read back with boto3, a second client.
//! `stacks/onboarding.toml` declares the workflow, so its `up` deploys the machine too;
//! `tests/fixtures/onboarding-existing-machine.toml` is the stack whose machine already exists.

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

/// The stack whose machine already exists (the test creates it).
const EXISTING: &str = "tests/fixtures/onboarding-existing-machine.toml";
/// The shipped stack, which declares the workflow.
const ONBOARDING: &str = "stacks/onboarding.toml";
const MACHINE: &str = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding";
/// The execution role `up` generates for the onboarding machine.
const GENERATED_ROLE: &str = "StepFunctions-user-onboarding-ap-southeast-2";

/// Starts `provision serve STACK --port 0` and returns it with the port it printed.
fn serve(moto: &Moto, stack: &str) -> (Server, u16) {
    let mut child = support::provision(&moto.url())
        .args(["serve", stack, "--port", "0"])
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

/// `provision up STACK ARGS...`, which must succeed.
fn up(moto: &Moto, stack: &str, args: &[&str]) {
    let out = support::provision(&moto.url())
        .args(["up", stack])
        .args(args)
        .output()
        .expect("up");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// `python examples/setup_workflow.py ARGS...` against moto, which must succeed.
fn setup_workflow(moto: &Moto, args: &[&str]) {
    let mut setup = Command::new(python());
    setup.arg("examples/setup_workflow.py").args(args);
    boto_env(&mut setup, moto);
    let out = setup.output().expect("run setup_workflow.py");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Posts the sample user through `serve` with `invoke --follow`, which must print SUCCEEDED.
fn post_sample_user(moto: &Moto, port: u16) {
    let invoke = support::provision(&moto.url())
        .args([
            "invoke",
            ONBOARDING,
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
}

/// Python run with boto3 against moto; its stdout parsed as JSON.
fn boto3_json(moto: &Moto, script: &str) -> serde_json::Value {
    let mut cmd = Command::new(python());
    cmd.args(["-c", script]);
    boto_env(&mut cmd, moto);
    let out = cmd.output().expect("run python with boto3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON from boto3")
}

/// The saved user, read with boto3's GetItem.
fn saved_user(moto: &Moto) -> serde_json::Value {
    boto3_json(
        moto,
        "import boto3, json; print(json.dumps(boto3.client('dynamodb').get_item(\
         TableName='user-onboarding-users', Key={'userId': {'S': 'user-88888'}}).get('Item')))",
    )
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

/// The demo's path: only the table and the queue exist; one `up` of the shipped stack deploys
/// the machine (with its generated role), the API and the route; a user posted through `serve`
/// is saved and welcomed, each checked with a second client.
#[tokio::test]
async fn one_up_deploys_the_workflow_and_a_user_posted_through_serve_is_onboarded() {
    let moto = Moto::start();
    moto.enable_execution();
    setup_workflow(&moto, &[]);
    let sfn = moto.sfn();
    let before = sfn.list_state_machines().send().await.expect("ListStateMachines");
    assert!(before.state_machines().is_empty(), "setup creates no machine");

    up(&moto, ONBOARDING, &[]);

    let machine = sfn
        .describe_state_machine()
        .state_machine_arn(MACHINE)
        .send()
        .await
        .expect("DescribeStateMachine");
    assert_eq!(
        machine.role_arn(),
        format!("arn:aws:iam::189107071895:role/{GENERATED_ROLE}")
    );
    let definition: serde_json::Value = serde_json::from_str(machine.definition()).expect("definition JSON");
    assert_eq!(
        definition["States"]["SaveUser"]["Parameters"]["TableName"],
        "user-onboarding-users"
    );
    assert_eq!(
        definition["States"]["SendWelcomeMessage"]["Parameters"]["QueueUrl"],
        "https://sqs.ap-southeast-2.amazonaws.com/189107071895/user-onboarding-welcome"
    );
    let tags = sfn
        .list_tags_for_resource()
        .resource_arn(MACHINE)
        .send()
        .await
        .expect("ListTagsForResource");
    assert!(
        tags.tags()
            .iter()
            .any(|t| t.key() == Some("provision:stack") && t.value() == Some("user-onboarding")),
        "{tags:?}"
    );
    support::owned_role(&moto.iam(), GENERATED_ROLE, "user-onboarding").await;

    let (_server, port) = serve(&moto, ONBOARDING);
    post_sample_user(&moto, port);

    let item = saved_user(&moto);
    assert_eq!(item["email"]["S"], "api-gateway@example.com", "{item}");
    assert_eq!(item["source"]["S"], "web");
    // The welcome message the second state queued, received with boto3.
    let message = boto3_json(
        &moto,
        "import boto3, json; sqs = boto3.client('sqs'); \
         url = sqs.get_queue_url(QueueName='user-onboarding-welcome')['QueueUrl']; \
         print(json.dumps(sqs.receive_message(QueueUrl=url).get('Messages', [])))",
    );
    let messages = message.as_array().expect("messages");
    assert_eq!(messages.len(), 1, "{message}");
    let body: serde_json::Value =
        serde_json::from_str(messages[0]["Body"].as_str().unwrap_or_default()).expect("body JSON");
    assert_eq!(body["userId"], "user-88888", "{body}");

    // The execution's input is the object under "input", as a JSON string Step Functions parsed.
    let executions = sfn
        .list_executions()
        .state_machine_arn(MACHINE)
        .send()
        .await
        .expect("ListExecutions");
    assert_eq!(executions.executions().len(), 1);
    let described = sfn
        .describe_execution()
        .execution_arn(executions.executions()[0].execution_arn())
        .send()
        .await
        .expect("DescribeExecution");
    let input: serde_json::Value =
        serde_json::from_str(described.input().unwrap_or_default()).expect("input JSON");
    assert_eq!(input["user"]["userId"], "user-88888");
}

/// A machine an older demo run made by hand (`setup_workflow.py --machines`: no stack tag, a
/// hand-made role) is refused untouched by `up`, taken over by `up --adopt` (tagged, its role and
/// definition the stack's), and then runs the workflow.
#[tokio::test]
async fn the_machine_an_older_demo_made_is_refused_then_adopted() {
    let moto = Moto::start();
    moto.enable_execution();
    setup_workflow(&moto, &["--machines"]);
    let sfn = moto.sfn();
    let hand_made = "arn:aws:iam::189107071895:role/user-onboarding-workflow-role";

    let refused = support::provision(&moto.url())
        .args(["up", ONBOARDING])
        .output()
        .expect("up");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("state machine user-onboarding exists but is not owned by stack"),
        "{stderr}"
    );
    assert!(stderr.contains("--adopt"), "{stderr}");
    let untouched = sfn
        .describe_state_machine()
        .state_machine_arn(MACHINE)
        .send()
        .await
        .expect("DescribeStateMachine");
    assert_eq!(untouched.role_arn(), hand_made);
    let apis = moto.apigw().get_apis().send().await.expect("GetApis");
    assert!(apis.items().is_empty(), "nothing created before the refusal");

    up(&moto, ONBOARDING, &["--adopt"]);
    let adopted = sfn
        .describe_state_machine()
        .state_machine_arn(MACHINE)
        .send()
        .await
        .expect("DescribeStateMachine");
    assert_eq!(
        adopted.role_arn(),
        format!("arn:aws:iam::189107071895:role/{GENERATED_ROLE}")
    );
    let tags = sfn
        .list_tags_for_resource()
        .resource_arn(MACHINE)
        .send()
        .await
        .expect("ListTagsForResource");
    assert!(
        tags.tags()
            .iter()
            .any(|t| t.key() == Some("provision:stack") && t.value() == Some("user-onboarding")),
        "{tags:?}"
    );
    let listed = sfn.list_state_machines().send().await.expect("ListStateMachines");
    let mut names: Vec<&str> = listed.state_machines().iter().map(|m| m.name()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["user-onboarding", "user-onboarding-express"],
        "adopted in place, the express machine (not in this stack) left alone"
    );
    let diff = support::provision(&moto.url())
        .args(["diff", ONBOARDING, "--exit-code"])
        .output()
        .expect("diff");
    assert_eq!(
        diff.status.code(),
        Some(0),
        "adopted, nothing left to change: {}",
        String::from_utf8_lossy(&diff.stdout)
    );

    let (_server, port) = serve(&moto, ONBOARDING);
    post_sample_user(&moto, port);
    assert_eq!(saved_user(&moto)["email"]["S"], "api-gateway@example.com");
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
    up(&moto, EXISTING, &[]);
    let (_server, port) = serve(&moto, EXISTING);

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
