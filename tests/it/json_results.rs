//! Each command's result with `--output json`: stdout is one JSON document, parsed and checked
//! field by field, against what a second client reads from moto where the command reads AWS
//! (`diff`, `import`, `invoke`, `serve`, `up`), and against the text output where the command is
//! offline (`policy`, `synth`, `schema`, `completions`, `init`). Also: the Try line `up` prints
//! for a status route is a request that works once its variable is set.

use crate::support;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Output, Stdio};
use std::time::Duration;

use aws_sdk_sfn::types::{ExecutionStatus, StateMachineType};
use serde_json::{Value, json};
use support::{Serve, World, printed, text};

const ACCOUNT: &str = support::ACCOUNT_ID;

/// A STANDARD machine the stack declares, a route that starts it and a status route that
/// describes its executions (as `stacks/onboarding-walkthrough.toml` has them).
const STACK: &str = r#"[stack]
name = "results"
region = "ap-southeast-2"
allow = ["no-authorization", "no-throttling"]

[api]
name = "results-api"

[role]
name = "results-route-role"
policy_name = "Invoke"

[[state_machine]]
name = "greeter"
role = "arn:aws:iam::189107071895:role/sfn-role"
definition = { StartAt = "Greet", States = { Greet = { Type = "Pass", Result = { hello = "u-1" }, End = true } } }

[[route]]
key = "POST /greet"
action = "StartExecution"
state_machine = "greeter"
parameters = { Input = "$request.body.input" }

[[route]]
key = "GET /greet-status/{executionArn}"
action = "DescribeExecution"
state_machine = "greeter"
parameters = { ExecutionArn = "$request.path.executionArn" }

[[state_machine]]
name = "waiter"
role = "arn:aws:iam::189107071895:role/sfn-role"
definition = { StartAt = "Wait", States = { Wait = { Type = "Wait", Seconds = 5, End = true } } }

[[route]]
key = "POST /wait"
action = "StartExecution"
state_machine = "waiter"
"#;

/// stdout parsed as the one JSON document it must be.
fn document(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", printed(out)))
}

/// `provision ARGS` with no AWS behind it (offline commands).
fn offline(args: &[&str]) -> Output {
    support::provision("http://127.0.0.1:9")
        .args(args)
        .current_dir(support::repo())
        .output()
        .expect("run provision")
}

fn onboarding(world: &World) -> String {
    let text = support::read("tests/fixtures/onboarding-existing-machine.toml");
    world.stack("onboarding.toml", &text).display().to_string()
}

/// `provision serve STACK --port 0 --output json` and the document it prints once it listens.
struct JsonServe(Child);

impl Drop for JsonServe {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve_json(world: &World, stack: &str) -> (JsonServe, Value) {
    let mut child = support::provision(&world.moto.url())
        .args(["serve", stack, "--port", "0", "--output", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let stdout = child.stdout.take().expect("stdout");
    let serve = JsonServe(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            text.push_str(&line);
            text.push('\n');
            if let Ok(doc) = serde_json::from_str::<Value>(&text) {
                let _ = tx.send(doc);
                return;
            }
        }
    });
    let doc = rx
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("serve --output json printed no document within 60 s"));
    (serve, doc)
}

#[tokio::test(flavor = "multi_thread")]
async fn up_serve_and_invoke_results_are_json_and_the_status_try_line_works() {
    let world = World::start(&[]).await;
    world.moto.enable_execution();
    let path = world.stack("results.toml", STACK).display().to_string();

    // up: the outputs, with the status route's execution parameter explained.
    let up = document(&world.ok(&["up", &path, "--output", "json"]));
    let api_id = world.only_api_id("results").await;
    assert_eq!(up["outputs"]["api_id"], api_id.as_str(), "{up:#}");
    let status = &up["outputs"]["routes"][1];
    assert_eq!(status["route"], "GET /greet-status/{executionArn}");
    let executions = format!("arn:aws:states:ap-southeast-2:{ACCOUNT}:execution:greeter:");
    assert_eq!(
        status["hint"],
        format!(
            "$EXECUTION_ARN: the ARN of an execution of greeter, {executions}NAME; POST /greet answers with one"
        ),
        "{up:#}"
    );
    assert!(up["outputs"]["routes"][0].get("hint").is_none(), "{up:#}");
    let curl = status["curl"].as_str().unwrap_or_default().to_string();
    assert!(curl.ends_with("/greet-status/$EXECUTION_ARN\""), "{curl}");

    // The same Try line in text: a comment saying what the variable holds, then the curl.
    let again = world.ok(&["up", &path]);
    let shown = text(&again.stdout);
    assert!(
        shown.contains(&format!(
            "Try GET /greet-status/{{executionArn}}:\n  # $EXECUTION_ARN: the ARN of an execution of greeter, {executions}NAME; POST /greet answers with one\n  {curl}\n"
        )),
        "{shown}"
    );

    // serve: where it listens and what it serves, as AWS holds it (read with a second client).
    let (_json_serve, serving) = serve_json(&world, &path);
    assert_eq!(serving["api"]["id"], api_id.as_str(), "{serving:#}");
    assert_eq!(serving["api"]["name"], "results-api");
    assert!(
        serving["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("http://127.0.0.1:")),
        "{serving:#}"
    );
    let routes = world
        .moto
        .apigw()
        .get_routes()
        .api_id(&api_id)
        .send()
        .await
        .expect("GetRoutes");
    let in_aws: BTreeSet<String> = routes
        .items()
        .iter()
        .filter_map(|r| r.route_key().map(str::to_string))
        .collect();
    let served: BTreeSet<String> = serving["routes"]
        .as_array()
        .expect("routes")
        .iter()
        .filter_map(|r| r["route"].as_str().map(str::to_string))
        .collect();
    assert_eq!(served, in_aws);
    for route in serving["routes"].as_array().expect("routes") {
        assert_eq!(route["authorization"], "NONE", "{route}");
        assert!(
            route["integration"]
                .as_str()
                .is_some_and(|i| i.starts_with("StepFunctions-")),
            "{route}"
        );
    }
    assert_eq!(
        serving["stages"],
        json!([{"name": "$default", "path": "/", "throttle": null}])
    );
    assert_eq!(serving["refresh"], json!({"watch": false, "after_seconds": 5}));
    // The document's URL answers.
    let url = serving["url"].as_str().unwrap_or_default().to_string();
    let port: u16 = url.rsplit(':').next().and_then(|p| p.parse().ok()).expect("port");
    let reply = support::send(port, "GET", "/nowhere", &[], b"");
    assert_eq!(reply.status, 404, "{reply:?}");

    // invoke --follow: the answer and the execution, which a second client finds as reported.
    let serve = Serve::start(&world.moto.url(), &path, &[], &[]);
    let base = format!("http://127.0.0.1:{}", serve.port);
    let invoked = document(&world.ok(&[
        "invoke",
        &path,
        "POST /greet",
        "--local",
        &base,
        "--data",
        r#"{"input": {"userId": "u-1"}}"#,
        "--follow",
        "--output",
        "json",
    ]));
    assert_eq!(invoked["status"], 200, "{invoked:#}");
    assert_eq!(invoked["url"], format!("{base}/greet"));
    let arn = invoked["response"]["executionArn"]
        .as_str()
        .unwrap_or_else(|| panic!("{invoked:#}"))
        .to_string();
    assert!(arn.starts_with(&executions), "{arn}");
    let described = world
        .moto
        .sfn()
        .describe_execution()
        .execution_arn(&arn)
        .send()
        .await
        .expect("DescribeExecution");
    assert_eq!(described.status(), &ExecutionStatus::Succeeded);
    assert_eq!(invoked["execution"]["status"], "SUCCEEDED", "{invoked:#}");
    assert_eq!(
        invoked["execution"]["output"],
        described.output().unwrap_or_default()
    );
    assert_eq!(invoked["execution"]["error"], Value::Null);

    // The status route's Try line, with the variable set to that execution, asks serve for it.
    let try_path = curl
        .split(&format!("{}.execute-api.ap-southeast-2.amazonaws.com", api_id))
        .nth(1)
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or_else(|| panic!("the Try line's URL is on the API's endpoint: {curl}"))
        .replace("$EXECUTION_ARN", &arn);
    let reply = serve.send("GET", &try_path, &[], b"");
    assert_eq!(reply.status, 200, "{try_path}: {reply:?}");
    let envelope: Value = serde_json::from_str(&reply.body).expect("the envelope");
    let answer: Value = serde_json::from_str(envelope["output"].as_str().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: {envelope}"));
    assert_eq!(answer["status"], "SUCCEEDED", "{envelope}");
    assert_eq!(answer["output"], json!({"hello": "u-1"}), "{envelope}");
    let asked: Value = serde_json::from_str(envelope["input"].as_str().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: {envelope}"));
    assert_eq!(
        asked,
        json!({"executionArn": arn}),
        "the helper described that execution"
    );

    // invoke of the status route: the described execution as `execution`.
    let status = document(&world.ok(&[
        "invoke",
        &path,
        &format!("GET /greet-status/{arn}"),
        "--local",
        &base,
        "--output",
        "json",
    ]));
    assert_eq!(status["status"], 200, "{status:#}");
    assert_eq!(status["execution"]["status"], "SUCCEEDED", "{status:#}");
    assert_eq!(
        status["execution"]["output"],
        json!({"hello": "u-1"}),
        "{status:#}"
    );

    // Following an execution that outlives --timeout: in text the answer, then the error; in
    // JSON the error is the one document.
    let wait = [
        "invoke",
        &path,
        "POST /wait",
        "--local",
        &base,
        "--follow",
        "--timeout",
        "0",
    ];
    let timed_out = world.run(&wait);
    assert_eq!(timed_out.status.code(), Some(1), "{}", printed(&timed_out));
    let shown = text(&timed_out.stdout);
    assert!(shown.starts_with("HTTP 200\n{"), "{shown}");
    assert!(
        shown.contains(&format!(
            "arn:aws:states:ap-southeast-2:{ACCOUNT}:execution:waiter:"
        )),
        "{shown}"
    );
    assert!(!shown.contains("Execution "), "{shown}");
    assert!(
        text(&timed_out.stderr).contains("is still RUNNING after 0s"),
        "{}",
        printed(&timed_out)
    );
    let timed_out = world.run(&[&wait[..], &["--output", "json"]].concat());
    assert_eq!(timed_out.status.code(), Some(1), "{}", printed(&timed_out));
    let doc = document(&timed_out);
    assert!(doc.get("status").is_none(), "{doc:#}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("is still RUNNING after 0s")),
        "{doc:#}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn diff_results_are_the_plan_with_where_it_was_saved() {
    let world = World::start(&[("user-onboarding", StateMachineType::Standard)]).await;
    let stack = onboarding(&world);
    world.ok(&["up", &stack]);
    let api_id = world.only_api_id("user-onboarding").await;
    let no_change = document(&world.ok(&["diff", &stack, "--output", "json"]));
    assert_eq!(no_change, json!({"stack": "user-onboarding", "changes": []}));

    // A route deleted by another client: the plan creates it again, and is saved with --out.
    let gw = world.moto.apigw();
    let routes = gw.get_routes().api_id(&api_id).send().await.expect("GetRoutes");
    let route = routes
        .items()
        .first()
        .and_then(|r| r.route_id())
        .expect("a route");
    gw.delete_route()
        .api_id(&api_id)
        .route_id(route)
        .send()
        .await
        .expect("DeleteRoute");
    let plan = world.dir.path().join("plan.json");
    let plan_arg = plan.display().to_string();
    let out = world.run(&[
        "diff",
        &stack,
        "--out",
        &plan_arg,
        "--exit-code",
        "--output",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", printed(&out));
    let doc = document(&out);
    assert_eq!(doc["stack"], "user-onboarding");
    assert_eq!(doc["saved"], plan_arg.as_str(), "{doc:#}");
    let changes = doc["changes"].as_array().expect("changes");
    assert!(
        changes
            .iter()
            .any(|c| c["action"] == "create" && c["kind"] == "route" && c["name"] == "POST /new-user"),
        "{doc:#}"
    );
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).expect("the saved plan")).expect("JSON");
    assert_eq!(saved["changes"], doc["changes"], "{saved:#}");

    // A diff that fails: one document with the error, exit 1, and the saved plan removed.
    world
        .moto
        .sfn()
        .delete_state_machine()
        .state_machine_arn(format!(
            "arn:aws:states:ap-southeast-2:{ACCOUNT}:stateMachine:user-onboarding"
        ))
        .send()
        .await
        .expect("DeleteStateMachine");
    let failed = world.run(&["diff", &stack, "--out", &plan_arg, "--output", "json"]);
    assert_eq!(failed.status.code(), Some(1), "{}", printed(&failed));
    let doc = document(&failed);
    assert_eq!(doc["error"]["kind"], "error", "{doc:#}");
    assert!(doc.get("changes").is_none(), "{doc:#}");
    assert!(!plan.exists(), "a failed diff leaves no plan");
}

#[tokio::test(flavor = "multi_thread")]
async fn import_results_report_the_api_read_and_where_the_stack_went() {
    let world = World::start(&[("user-onboarding", StateMachineType::Standard)]).await;
    let stack = onboarding(&world);
    world.ok(&["up", &stack]);
    let api_id = world.only_api_id("user-onboarding").await;
    let routes = world
        .moto
        .apigw()
        .get_routes()
        .api_id(&api_id)
        .send()
        .await
        .expect("GetRoutes");
    let in_aws: Vec<String> = routes
        .items()
        .iter()
        .filter_map(|r| r.route_key().map(str::to_string))
        .collect();

    let doc = document(&world.ok(&["import", "--api", "user-onboarding-api", "--output", "json"]));
    assert_eq!(doc["api"], json!({"id": api_id, "name": "user-onboarding-api"}));
    assert_eq!(doc["written"], true);
    assert_eq!(doc["file"], Value::Null);
    assert_eq!(doc["skipped"], json!([]));
    let imported: Vec<String> = doc["stack"]["routes"]
        .as_array()
        .expect("routes")
        .iter()
        .filter_map(|r| r["key"].as_str().map(str::to_string))
        .collect();
    assert_eq!(imported, in_aws);
    // The stack is named by the API's ownership tag.
    assert_eq!(doc["stack"]["stack"], "user-onboarding", "{doc:#}");
    assert_eq!(doc["stack"]["api_name"], "user-onboarding-api", "{doc:#}");

    let file = world.dir.path().join("imported.toml");
    let file_arg = file.display().to_string();
    let doc = document(&world.ok(&["import", "--api", &api_id, "--out", &file_arg, "--output", "json"]));
    assert_eq!(doc["file"], file_arg.as_str());
    assert_eq!(doc["written"], true);
    let validated = document(&world.ok(&["validate", &file_arg, "--output", "json"]));
    assert_eq!(validated["errors"], 0, "{validated:#}");
}

/// A machine whose generated role gets a derived policy (PutItem on its table).
const WORKFLOW_STACK: &str = r#"[stack]
name = "results"
region = "ap-southeast-2"
allow = ["no-authorization", "no-throttling"]

[api]
name = "results-api"

[role]
name = "results-route-role"
policy_name = "Invoke"

[[state_machine]]
name = "greeter"
definition = { StartAt = "Save", States = { Save = { Type = "Task", Resource = "arn:aws:states:::dynamodb:putItem", Parameters = { TableName = "users", Item = { id = { S = "u-1" } } }, End = true } } }

[[route]]
key = "POST /greet"
action = "StartExecution"
state_machine = "greeter"
"#;

#[tokio::test(flavor = "multi_thread")]
async fn policy_results_are_the_policy_documents() {
    let world = World::start(&[]).await;
    let path = world.stack("results.toml", WORKFLOW_STACK).display().to_string();
    world.ok(&["up", &path]);
    let deployed = world
        .moto
        .iam()
        .get_role_policy()
        .role_name("StepFunctions-greeter-ap-southeast-2")
        .policy_name("StateMachineExecution")
        .send()
        .await
        .expect("GetRolePolicy");
    let deployed = support::decode_policy(deployed.policy_document());
    let json = world.ok(&[
        "policy",
        &path,
        "--workflow",
        "greeter",
        "--account",
        ACCOUNT,
        "--output",
        "json",
    ]);
    assert_eq!(document(&json), deployed);

    // The deployer's policy: the same document in both formats, byte for byte.
    let text = world.ok(&["policy", &path, "--account", ACCOUNT]);
    let json = world.ok(&["policy", &path, "--account", ACCOUNT, "--output", "json"]);
    assert_eq!(json.stdout, text.stdout);
    let policy = document(&json);
    assert_eq!(policy["Version"], "2012-10-17");
    assert!(
        policy["Statement"]
            .to_string()
            .contains(&format!("arn:aws:iam::{ACCOUNT}:role/results-route-role")),
        "{policy:#}"
    );
}

#[test]
fn synth_results_are_the_template_or_what_was_written() {
    let stack = "stacks/onboarding.toml";
    let text = offline(&["synth", stack]);
    assert!(text.status.success(), "{}", printed(&text));
    let template = document(&text);
    let resources = template["Resources"].as_object().map_or(0, |r| r.len());
    assert!(resources > 0, "{template:#}");
    assert_eq!(
        document(&offline(&["synth", stack, "--output", "json"])),
        template
    );
    // --yaml shapes the text; JSON asked for is the same template as JSON.
    assert_eq!(
        document(&offline(&["synth", stack, "--yaml", "--output", "json"])),
        template
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("template.yaml");
    let file_arg = file.display().to_string();
    let out = offline(&[
        "synth",
        stack,
        "--yaml",
        "--output-file",
        &file_arg,
        "--output",
        "json",
    ]);
    assert!(out.status.success(), "{}", printed(&out));
    assert_eq!(
        document(&out),
        json!({
            "file": file_arg,
            "stack": stack,
            "format": "cloudformation",
            "yaml": true,
            "resources": resources,
        })
    );
    let written = std::fs::read_to_string(&file).expect("the template file");
    assert!(written.contains("AWSTemplateFormatVersion"), "{written}");

    let out = offline(&[
        "synth",
        "stacks/onboarding-secure.toml",
        "--format",
        "openapi",
        "--output-file",
        &dir.path().join("openapi.json").display().to_string(),
        "--output",
        "json",
    ]);
    let doc = document(&out);
    assert_eq!(doc["format"], "openapi");
    assert_eq!(doc["yaml"], false);
    let routes = support::read("stacks/onboarding-secure.toml")
        .matches("\n[[route]]")
        .count();
    assert_eq!(doc["routes"], routes, "{doc:#}");
    let written: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("openapi.json")).expect("openapi.json"),
    )
    .expect("JSON");
    assert!(written["openapi"].is_string(), "{written:#}");
}

#[test]
fn schema_and_completions_results() {
    let text = offline(&["schema"]);
    let json = offline(&["schema", "--output", "json"]);
    assert_eq!(json.stdout, text.stdout, "the schema itself in both formats");
    assert_eq!(
        document(&json)["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );

    let script = offline(&["completions", "bash"]);
    let doc = document(&offline(&["completions", "bash", "--output", "json"]));
    assert_eq!(doc["shell"], "bash");
    assert_eq!(doc["script"], text_of(&script.stdout));
    assert!(text_of(&script.stdout).contains("provision"));
}

fn text_of(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn init_result_names_the_file_written_and_what_to_do_next() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("stacks/orders.toml");
    let path_arg = path.display().to_string();
    let out = support::provision("http://127.0.0.1:9")
        .args([
            "init",
            &path_arg,
            "--route",
            "POST /orders/{id}",
            "--output",
            "json",
        ])
        .current_dir(dir.path())
        .output()
        .expect("init");
    assert!(out.status.success(), "{}", printed(&out));
    let doc = document(&out);
    assert_eq!(doc["path"], path_arg.as_str());
    assert_eq!(doc["stack"], "orders");
    assert_eq!(doc["route"], "POST /orders/{id}");
    assert_eq!(doc["state_machine_placeholder"], true);
    let schema = dir.path().join("schema/stack.schema.json");
    assert_eq!(
        doc["notes"],
        json!([format!(
            "for completion in editors, save the schema its first line points to: provision schema > {}",
            schema.display()
        )]),
        "{doc:#}"
    );
    assert!(
        doc["next"]
            .as_str()
            .is_some_and(|n| n.contains(&format!("provision up {path_arg}"))),
        "{doc:#}"
    );
    let written = std::fs::read_to_string(&path).expect("the stack file");
    assert!(written.contains("key = \"POST /orders/{id}\""), "{written}");
    // Text mode says the same on stderr and leaves stdout empty.
    let other = dir.path().join("stacks/other.toml").display().to_string();
    let out = support::provision("http://127.0.0.1:9")
        .args(["init", &other])
        .current_dir(dir.path())
        .output()
        .expect("init");
    assert!(out.stdout.is_empty(), "{}", printed(&out));
    assert!(
        text(&out.stderr).contains(&format!("wrote {other}")),
        "{}",
        printed(&out)
    );
}
