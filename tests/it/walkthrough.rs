//! `stacks/onboarding-walkthrough.toml`, the walkthrough's three endpoints with no code, deployed
//! with one `up` on moto (the table and queue made by `examples/setup_workflow.py`) and served by
//! `provision serve`: the asynchronous route answers 202 with the execution ARN in `Location`,
//! the status route reports that execution until SUCCEEDED with the workflow's output, refuses
//! another machine's execution (the helper role) and answers a missing one with the helper's
//! error, and the synchronous route answers with the output. Checked with a second client; a
//! no-op `up` mutates nothing and `down` removes the three machines and their roles.

use crate::support;

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Serve, World, printed, python};

const WALKTHROUGH: &str = "stacks/onboarding-walkthrough.toml";
const STACK: &str = "onboarding-walkthrough";
const STANDARD: &str = "walkthrough-onboarding";
const EXPRESS: &str = "walkthrough-onboarding-express";
const HELPER: &str = "walkthrough-onboarding-status";

fn machine_arn(name: &str) -> String {
    format!(
        "arn:aws:states:{}:{}:stateMachine:{name}",
        support::REGION,
        support::ACCOUNT_ID
    )
}

fn role(machine: &str) -> String {
    format!("StepFunctions-{machine}-{}", support::REGION)
}

/// The table and the queue the workflow writes to, made with boto3 as the demo makes them.
fn setup_workflow(world: &World) {
    let out = Command::new(python())
        .arg("examples/setup_workflow.py")
        .env("AWS_ENDPOINT_URL", world.moto.url())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_DEFAULT_REGION", support::REGION)
        .env_remove("AWS_PROFILE")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run setup_workflow.py");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The sample user the walkthrough posts, as `{"input": {...}}`.
fn sample() -> Value {
    serde_json::from_str(&support::read("examples/new-user.json")).expect("new-user.json")
}

/// The three machines and the helper role, as `up` made them.
async fn check_deployed(world: &World) {
    let sfn = world.moto.sfn();
    for (name, kind) in [(STANDARD, "STANDARD"), (EXPRESS, "EXPRESS"), (HELPER, "EXPRESS")] {
        let machine = sfn
            .describe_state_machine()
            .state_machine_arn(machine_arn(name))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{name} exists: {e:?}"));
        assert_eq!(machine.r#type().as_str(), kind, "{name}");
        let tags = sfn
            .list_tags_for_resource()
            .resource_arn(machine_arn(name))
            .send()
            .await
            .expect("tags");
        assert!(
            tags.tags()
                .iter()
                .any(|t| t.key() == Some("provision:stack") && t.value() == Some(STACK)),
            "{name}: {tags:?}"
        );
    }
    let policy = world
        .moto
        .iam()
        .get_role_policy()
        .role_name(role(HELPER))
        .policy_name("StateMachineExecution")
        .send()
        .await
        .expect("the helper role's policy");
    assert_eq!(
        support::decode_policy(policy.policy_document())["Statement"],
        json!([{
            "Action": ["states:DescribeExecution"],
            "Effect": "Allow",
            "Resource": [format!(
                "arn:aws:states:{}:{}:execution:{STANDARD}:*",
                support::REGION,
                support::ACCOUNT_ID
            )]
        }])
    );
}

/// Polls the status route until the execution leaves RUNNING (bounded), returning what it
/// reported each time.
fn follow(serve: &Serve, execution: &str) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    loop {
        let (described, envelope) = serve.onboarding_status(execution);
        assert_eq!(envelope["status"], "SUCCEEDED", "the helper ran: {envelope}");
        let running = described["status"] == "RUNNING";
        seen.push(described);
        if !running {
            return seen;
        }
        assert!(Instant::now() < deadline, "still RUNNING after 30 s: {seen:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[tokio::test]
async fn the_walkthrough_stack_serves_its_three_endpoints_with_no_code() {
    let world = World::start(&[]).await;
    world.moto.enable_execution();
    setup_workflow(&world);
    let out = world.ok(&["up", WALKTHROUGH]);
    assert!(
        printed(&out).contains(&format!("create state machine {HELPER}")),
        "{}",
        printed(&out)
    );
    check_deployed(&world).await;
    world.assert_no_op_up(WALKTHROUGH);

    let serve = Serve::start(&world.moto.url(), WALKTHROUGH, &[], &[]);
    let user = sample();
    let body = user.to_string();
    let json_type = [("content-type", "application/json")];

    // Asynchronous: 202, the execution's ARN in Location (and in the body, as AWS answers it).
    let accepted = serve.send("POST", "/process-user-onboarding", &json_type, body.as_bytes());
    assert_eq!(accepted.status, 202, "{accepted:?}\n{}", serve.log());
    let execution = accepted
        .header("location")
        .expect("a Location header")
        .to_string();
    let answer: Value = serde_json::from_str(&accepted.body).expect("StartExecution's answer");
    assert_eq!(answer["executionArn"], execution.as_str());
    let prefix = format!(
        "arn:aws:states:{}:{}:execution:{STANDARD}:",
        support::REGION,
        support::ACCOUNT_ID
    );
    assert!(execution.starts_with(&prefix), "{execution}");

    // Status: RUNNING (while it runs) until SUCCEEDED, with the workflow's output.
    let seen = follow(&serve, &execution);
    assert!(
        seen[..seen.len() - 1]
            .iter()
            .all(|s| s["status"] == "RUNNING" && s.get("output").is_none()),
        "{seen:?}"
    );
    let done = seen.last().expect("one answer at least");
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(done["output"], user["input"], "the workflow's output: {done}");
    assert!(
        done["startDate"].is_string() && done["stopDate"].is_string(),
        "{done}"
    );
    // The same execution, read with a second client.
    let described = world
        .moto
        .sfn()
        .describe_execution()
        .execution_arn(&execution)
        .send()
        .await
        .expect("DescribeExecution");
    assert_eq!(described.status().as_str(), "SUCCEEDED");

    // Another machine's execution: refused by the helper role, nothing of it in the answer.
    let payroll = world
        .moto
        .sfn()
        .create_state_machine()
        .name("payroll")
        .definition(
            r#"{"StartAt":"S","States":{"S":{"Type":"Pass","Result":{"salary":"do-not-leak"},"End":true}}}"#,
        )
        .role_arn(support::SFN_ROLE_ARN)
        .send()
        .await
        .expect("CreateStateMachine payroll")
        .state_machine_arn;
    let foreign = world
        .moto
        .sfn()
        .start_execution()
        .state_machine_arn(&payroll)
        .name("p-1")
        .send()
        .await
        .expect("StartExecution payroll")
        .execution_arn;
    let (described, envelope) = serve.onboarding_status(&foreign);
    assert_eq!(described, Value::Null, "{envelope}");
    assert_eq!(envelope["status"], "FAILED", "{envelope}");
    assert_eq!(envelope["error"], "Sfn.AccessDeniedException", "{envelope}");
    assert!(!envelope.to_string().contains("do-not-leak"), "{envelope}");

    // A non-existent execution: the envelope carries the helper's error.
    let (described, envelope) = serve.onboarding_status(&format!("{prefix}nobody"));
    assert_eq!(described, Value::Null, "{envelope}");
    assert_eq!(envelope["status"], "FAILED", "{envelope}");
    assert_eq!(
        envelope["error"], "Sfn.ExecutionDoesNotExistException",
        "{envelope}"
    );

    // Synchronous: the EXPRESS run's output in StartSyncExecution's envelope.
    let synced = serve.send(
        "POST",
        "/process-user-onboarding-sync",
        &json_type,
        body.as_bytes(),
    );
    assert_eq!(synced.status, 200, "{synced:?}\n{}", serve.log());
    let envelope: Value = serde_json::from_str(&synced.body).expect("envelope");
    assert_eq!(envelope["status"], "SUCCEEDED", "{envelope}");
    let output: Value = serde_json::from_str(envelope["output"].as_str().expect("output")).expect("JSON");
    assert_eq!(output, user["input"], "{envelope}");
    drop(serve);

    // `down` removes the three machines and their generated roles.
    world.ok(&["down", WALKTHROUGH, "--yes"]);
    for name in [STANDARD, EXPRESS, HELPER] {
        let gone = world
            .moto
            .sfn()
            .describe_state_machine()
            .state_machine_arn(machine_arn(name))
            .send()
            .await;
        assert!(gone.is_err(), "{name} deleted");
        let role = world.moto.iam().get_role().role_name(role(name)).send().await;
        assert!(role.is_err(), "the role of {name} deleted");
    }
}
