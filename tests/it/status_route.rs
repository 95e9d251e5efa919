//! The status route's helper machine (`provision::stack::status_helper`) through `provision
//! serve` on moto: a StartSyncExecution route on the EXPRESS helper, whose role may describe one
//! machine's executions only. RUNNING then SUCCEEDED with the workflow's output parsed, another
//! machine's execution refused by the helper role with nothing of it in the answer, and a
//! non-existent execution answered with the helper's error in the envelope. (The helper and its
//! role are created here by the test; `provision` owning them is the next step.)

use crate::support;

use std::time::{Duration, Instant};

use aws_sdk_sfn::types::StateMachineType;
use provision::arn::parse_state_machine_arn;
use provision::stack::status_helper;
use serde_json::{Value, json};
use support::{Serve, World};

const ACCOUNT: &str = "189107071895";
const TRUST_STATES: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

async fn machine(world: &World, name: &str, ty: StateMachineType, definition: &str, role: &str) -> String {
    world
        .moto
        .sfn()
        .create_state_machine()
        .name(name)
        .definition(definition)
        .role_arn(role)
        .r#type(ty)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateStateMachine {name}: {e:?}"))
        .state_machine_arn
}

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

/// The helper's answer: the envelope's `output`, parsed, and the envelope.
fn status(serve: &Serve, execution: &str) -> (Value, Value) {
    let reply = serve.send("GET", &format!("/onboarding-status/{execution}"), &[], b"");
    assert_eq!(reply.status, 200, "{reply:?}\n{}", serve.log());
    let envelope: Value = serde_json::from_str(&reply.body).expect("envelope JSON");
    let answer = envelope["output"]
        .as_str()
        .map_or(Value::Null, |o| serde_json::from_str(o).expect("output JSON"));
    (answer, envelope)
}

#[tokio::test]
async fn the_status_route_reports_one_machines_executions_and_nothing_else() {
    let world = World::start(&[]).await;
    world.moto.enable_execution();
    let iam = world.moto.iam();
    let slow = r#"{"StartAt":"Wait","States":{"Wait":{"Type":"Wait","Seconds":3,"Next":"Welcome"},"Welcome":{"Type":"Pass","Result":{"welcome":"u-1"},"End":true}}}"#;
    let target = machine(
        &world,
        "onboarding",
        StateMachineType::Standard,
        slow,
        support::SFN_ROLE_ARN,
    )
    .await;
    let secret =
        r#"{"StartAt":"S","States":{"S":{"Type":"Pass","Result":{"secret":"do-not-leak"},"End":true}}}"#;
    let other = machine(
        &world,
        "payroll",
        StateMachineType::Standard,
        secret,
        support::SFN_ROLE_ARN,
    )
    .await;

    // The helper role: DescribeExecution on the onboarding machine's executions only.
    let policy = status_helper::role_policy(&parse_state_machine_arn(&target).expect("arn"));
    let role = iam
        .create_role()
        .role_name("onboarding-status-helper")
        .assume_role_policy_document(TRUST_STATES)
        .send()
        .await
        .expect("CreateRole")
        .role
        .expect("role")
        .arn;
    iam.put_role_policy()
        .role_name("onboarding-status-helper")
        .policy_name("DescribeOnboarding")
        .policy_document(policy.to_string())
        .send()
        .await
        .expect("PutRolePolicy");
    let definition = status_helper::definition().to_string();
    machine(
        &world,
        "onboarding-status",
        StateMachineType::Express,
        &definition,
        &role,
    )
    .await;

    let stack = r#"[stack]
name = "status"
region = "ap-southeast-2"
allow = ["no-authorization", "no-throttling", "sync-execution-timeout"]

[api]
name = "status-api"

[role]
name = "status-route-role"
policy_name = "Invoke"

[[route]]
key = "GET /onboarding-status/{executionArn}"
action = "StartSyncExecution"
state_machine = "onboarding-status"
parameters = { Input = '{"executionArn": "${request.path.executionArn}"}' }
"#;
    let path = world.stack("status.toml", stack);
    let path = path.to_str().expect("path");
    world.ok(&["up", path]);
    let serve = Serve::start(&world.moto.url(), path, &[], &[]);

    // RUNNING: status and start date, no output yet.
    let running = start(&world, &target, "u-1").await;
    let (answer, envelope) = status(&serve, &running);
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
        let (answer, _) = status(&serve, &running);
        if answer["status"] != "RUNNING" {
            break answer;
        }
        assert!(Instant::now() < deadline, "still RUNNING after 30 s");
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(done["output"], json!({"welcome": "u-1"}), "{done}");
    assert!(done["stopDate"].is_string(), "{done}");

    // Another machine's execution: refused by the helper role, and nothing of it in the answer.
    let foreign = start(&world, &other, "p-1").await;
    let reply = serve.send("GET", &format!("/onboarding-status/{foreign}"), &[], b"");
    assert_eq!(
        reply.status, 200,
        "AWS answers 200 with the failed envelope: {reply:?}"
    );
    assert!(!reply.body.contains("do-not-leak"), "{}", reply.body);
    let (answer, envelope) = status(&serve, &foreign);
    assert_eq!(answer, Value::Null, "{envelope}");
    assert_eq!(envelope["status"], "FAILED", "{envelope}");
    assert_eq!(envelope["error"], "Sfn.AccessDeniedException", "{envelope}");
    assert!(
        envelope["cause"]
            .as_str()
            .is_some_and(|c| c.contains("onboarding-status-helper") && c.contains("states:DescribeExecution")),
        "{envelope}"
    );

    // An execution that does not exist: the helper's error in the envelope.
    let missing = format!("arn:aws:states:ap-southeast-2:{ACCOUNT}:execution:onboarding:nobody");
    let (answer, envelope) = status(&serve, &missing);
    assert_eq!(answer, Value::Null, "{envelope}");
    assert_eq!(envelope["status"], "FAILED", "{envelope}");
    assert_eq!(
        envelope["error"], "Sfn.ExecutionDoesNotExistException",
        "{envelope}"
    );
}
