//! A status route (`action = "DescribeExecution"`) through `provision up` and `provision serve`
//! on moto: the stack owns an EXPRESS helper machine and a role that may describe one machine's
//! executions only (checked with a second client), a no-op `up` mutates nothing, `serve` reports
//! RUNNING then SUCCEEDED with the workflow's output, another machine's execution is refused by
//! the helper role with nothing of it in the answer, a non-existent execution is answered with
//! the helper's error in the envelope, `invoke` prints the described execution, and `down`
//! deletes the helper and its role.

use crate::support;

use std::time::{Duration, Instant};

use aws_sdk_sfn::types::StateMachineType;
use serde_json::{Value, json};
use support::{Serve, World, printed};

const ACCOUNT: &str = "189107071895";
const STACK: &str = "status";
const HELPER: &str = "onboarding-status";
const HELPER_ROLE: &str = "StepFunctions-onboarding-status-ap-southeast-2";

fn arn(kind: &str, name: &str) -> String {
    format!("arn:aws:states:ap-southeast-2:{ACCOUNT}:{kind}:{name}")
}

/// The described machine waits 3 s, so its first status is RUNNING.
const STATUS_STACK: &str = r#"[stack]
name = "status"
region = "ap-southeast-2"
allow = ["no-authorization", "no-throttling"]

[api]
name = "status-api"

[role]
name = "status-route-role"
policy_name = "Invoke"

[[state_machine]]
name = "onboarding"
role = "arn:aws:iam::189107071895:role/sfn-role"
definition = { StartAt = "Wait", States = { Wait = { Type = "Wait", Seconds = 3, Next = "Welcome" }, Welcome = { Type = "Pass", Result = { welcome = "u-1" }, End = true } } }

[[route]]
key = "GET /onboarding-status/{executionArn}"
action = "DescribeExecution"
state_machine = "onboarding"
parameters = { ExecutionArn = "$request.path.executionArn" }
"#;

async fn start(world: &World, machine: &str, name: &str) -> String {
    world
        .moto
        .sfn()
        .start_execution()
        .state_machine_arn(machine)
        .name(name)
        .input("{}")
        .send()
        .await
        .expect("StartExecution")
        .execution_arn
}

/// The helper machine and its role as `up` made them, read with a second client.
async fn check_the_helper(world: &World) {
    let sfn = world.moto.sfn();
    let helper = sfn
        .describe_state_machine()
        .state_machine_arn(arn("stateMachine", HELPER))
        .send()
        .await
        .expect("the helper exists");
    assert_eq!(helper.r#type(), &StateMachineType::Express);
    assert_eq!(
        helper.role_arn(),
        format!("arn:aws:iam::{ACCOUNT}:role/{HELPER_ROLE}")
    );
    let definition: Value = serde_json::from_str(helper.definition()).expect("definition");
    assert_eq!(
        definition["States"]["Describe"]["Resource"],
        "arn:aws:states:::aws-sdk:sfn:describeExecution"
    );
    let tags = sfn
        .list_tags_for_resource()
        .resource_arn(arn("stateMachine", HELPER))
        .send()
        .await
        .expect("tags");
    assert!(
        tags.tags()
            .iter()
            .any(|t| t.key() == Some("provision:stack") && t.value() == Some(STACK)),
        "{tags:?}"
    );
    let policy = world
        .moto
        .iam()
        .get_role_policy()
        .role_name(HELPER_ROLE)
        .policy_name("StateMachineExecution")
        .send()
        .await
        .expect("the helper role's policy");
    assert_eq!(
        support::decode_policy(policy.policy_document())["Statement"],
        json!([{
            "Action": ["states:DescribeExecution"],
            "Effect": "Allow",
            "Resource": [format!("arn:aws:states:ap-southeast-2:{ACCOUNT}:execution:onboarding:*")]
        }])
    );
    // The route starts the helper synchronously.
    let api = world.only_api_id(STACK).await;
    let integrations = world
        .moto
        .apigw()
        .get_integrations()
        .api_id(api)
        .send()
        .await
        .expect("GetIntegrations");
    let integration = &integrations.items()[0];
    assert_eq!(
        integration.integration_subtype(),
        Some("StepFunctions-StartSyncExecution")
    );
    let parameters = integration.request_parameters().expect("parameters");
    assert_eq!(parameters["StateMachineArn"], arn("stateMachine", HELPER));
    assert_eq!(
        parameters["Input"],
        r#"{"executionArn": "${request.path.executionArn}"}"#
    );
}

#[tokio::test]
async fn a_status_route_owns_its_helper_and_reports_one_machines_executions_and_nothing_else() {
    let world = World::start(&[]).await;
    world.moto.enable_execution();
    let path = world.stack("status.toml", STATUS_STACK);
    let path = path.to_str().expect("path");
    let out = world.ok(&["up", path]);
    let shown = printed(&out);
    assert!(
        shown.contains(&format!("create state machine {HELPER}")),
        "{shown}"
    );
    check_the_helper(&world).await;

    world.assert_no_op_up(path);

    let serve = Serve::start(&world.moto.url(), path, &[], &[]);
    // RUNNING: status and start date, no output yet.
    let running = start(&world, &arn("stateMachine", "onboarding"), "u-1").await;
    let (answer, envelope) = serve.onboarding_status(&running);
    assert_eq!(
        envelope["status"], "SUCCEEDED",
        "the helper itself succeeded: {envelope}"
    );
    assert_eq!(answer["status"], "RUNNING", "{answer}");
    assert!(answer["startDate"].is_string(), "{answer}");
    for absent in ["output", "stopDate", "error", "cause"] {
        assert!(answer.get(absent).is_none(), "{absent} in {answer}");
    }

    // SUCCEEDED: the workflow's output, parsed.
    let deadline = Instant::now() + Duration::from_secs(30);
    let done = loop {
        let (answer, _) = serve.onboarding_status(&running);
        if answer["status"] != "RUNNING" {
            break answer;
        }
        assert!(Instant::now() < deadline, "still RUNNING after 30 s");
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(done["output"], json!({"welcome": "u-1"}), "{done}");
    assert!(done["stopDate"].is_string(), "{done}");

    // `invoke` prints the described execution, not the envelope.
    let base = format!("http://127.0.0.1:{}", serve.port);
    let invoked = world.ok(&[
        "invoke",
        path,
        &format!("GET /onboarding-status/{running}"),
        "--local",
        &base,
    ]);
    let shown = printed(&invoked);
    assert!(shown.contains("Execution SUCCEEDED"), "{shown}");
    assert!(shown.contains(r#"Output: {"welcome":"u-1"}"#), "{shown}");
    assert!(!shown.contains("billingDetails"), "no envelope: {shown}");

    // Another machine's execution: refused by the helper role, and nothing of it in the answer.
    let secret =
        r#"{"StartAt":"S","States":{"S":{"Type":"Pass","Result":{"secret":"do-not-leak"},"End":true}}}"#;
    let payroll = world
        .moto
        .sfn()
        .create_state_machine()
        .name("payroll")
        .definition(secret)
        .role_arn(support::SFN_ROLE_ARN)
        .send()
        .await
        .expect("CreateStateMachine payroll")
        .state_machine_arn;
    let foreign = start(&world, &payroll, "p-1").await;
    let reply = serve.send("GET", &format!("/onboarding-status/{foreign}"), &[], b"");
    assert_eq!(
        reply.status, 200,
        "AWS answers 200 with the failed envelope: {reply:?}"
    );
    assert!(!reply.body.contains("do-not-leak"), "{}", reply.body);
    let (answer, envelope) = serve.onboarding_status(&foreign);
    assert_eq!(answer, Value::Null, "{envelope}");
    assert_eq!(envelope["status"], "FAILED", "{envelope}");
    assert_eq!(envelope["error"], "Sfn.AccessDeniedException", "{envelope}");
    assert!(
        envelope["cause"]
            .as_str()
            .is_some_and(|c| c.contains(HELPER_ROLE) && c.contains("states:DescribeExecution")),
        "{envelope}"
    );
    let refused = world.run(&[
        "invoke",
        path,
        &format!("GET /onboarding-status/{foreign}"),
        "--local",
        &base,
    ]);
    assert_eq!(refused.status.code(), Some(1), "{}", printed(&refused));
    assert!(
        printed(&refused).contains("Sfn.AccessDeniedException"),
        "{}",
        printed(&refused)
    );
    assert!(
        !printed(&refused).contains("do-not-leak"),
        "{}",
        printed(&refused)
    );

    // An execution that does not exist: the helper's error in the envelope.
    let missing = arn("execution", "onboarding:nobody");
    let (answer, envelope) = serve.onboarding_status(&missing);
    assert_eq!(answer, Value::Null, "{envelope}");
    assert_eq!(envelope["status"], "FAILED", "{envelope}");
    assert_eq!(
        envelope["error"], "Sfn.ExecutionDoesNotExistException",
        "{envelope}"
    );
    drop(serve);

    // `down` deletes the helper and its role with the rest of the stack.
    world.ok(&["down", path, "--yes"]);
    let gone = world
        .moto
        .sfn()
        .describe_state_machine()
        .state_machine_arn(arn("stateMachine", HELPER))
        .send()
        .await;
    assert!(gone.is_err(), "the helper is deleted");
    let role = world.moto.iam().get_role().role_name(HELPER_ROLE).send().await;
    assert!(role.is_err(), "the helper role is deleted");
    let kept = world
        .moto
        .sfn()
        .describe_state_machine()
        .state_machine_arn(&payroll)
        .send()
        .await;
    assert!(kept.is_ok(), "a machine the stack does not own is left alone");
}
