//! The walkthrough's synchronous route through `provision serve` on moto: StartSyncExecution on
//! an EXPRESS machine answers the documented envelope (the test shim runs the execution to its
//! end, as AWS does), a failed execution still answers 200 with its error, `invoke` prints the
//! execution's status and output from the envelope without `--follow`, and on stock moto (no
//! StartSyncExecution) the answer is explained in one line.

use crate::support;

use aws_sdk_sfn::types::StateMachineType;
use serde_json::Value;
use support::Serve;
use support::{Moto, World};

fn stack(machine: &str) -> String {
    format!(
        r#"[stack]
name = "sync"
region = "ap-southeast-2"
allow = ["no-authorization", "no-throttling", "sync-execution-timeout"]

[api]
name = "sync-api"

[role]
name = "sync-role"
policy_name = "Invoke"

[[route]]
key = "POST /process-user-onboarding-sync"
action = "StartSyncExecution"
state_machine = "{machine}"
"#
    )
}

/// What a command printed: its stdout and its stderr.
fn streams(out: &std::process::Output) -> (String, String) {
    (support::text(&out.stdout), support::text(&out.stderr))
}

async fn failing_machine(moto: &Moto) {
    let definition = r#"{"StartAt":"Reject","States":{"Reject":{"Type":"Fail","Error":"UserRejected","Cause":"no such user"}}}"#;
    moto.sfn()
        .create_state_machine()
        .name("sync-fails")
        .definition(definition)
        .role_arn(support::SFN_ROLE_ARN)
        .r#type(StateMachineType::Express)
        .send()
        .await
        .expect("CreateStateMachine");
}

#[tokio::test]
async fn the_sync_route_answers_the_envelope_and_invoke_prints_the_outcome() {
    let world = World::start(&[]).await;
    world.moto.enable_execution();
    support::create_state_machine(&world.moto.sfn(), "sync-ok", StateMachineType::Express).await;
    failing_machine(&world.moto).await;
    let path = world.stack("sync.toml", &stack("sync-ok"));
    let path = path.to_str().expect("path");
    world.ok(&["up", path]);
    let serve = Serve::start(&world.moto.url(), path, &[], &[]);

    let reply = serve.send(
        "POST",
        "/process-user-onboarding-sync",
        &[],
        br#"{"input": {"userId": "u-1"}}"#,
    );
    assert_eq!(reply.status, 200, "{reply:?}\n{}", serve.log());
    let envelope: Value = serde_json::from_str(&reply.body).expect("JSON");
    assert_eq!(envelope["status"], "SUCCEEDED", "{envelope}");
    let output: Value =
        serde_json::from_str(envelope["output"].as_str().expect("output string")).expect("output JSON");
    assert_eq!(output, serde_json::json!({"userId": "u-1"}));
    assert!(
        envelope["executionArn"]
            .as_str()
            .is_some_and(|a| a.contains(":express:sync-ok:")),
        "{envelope}"
    );
    assert!(
        envelope["billingDetails"]["billedDurationInMilliseconds"].is_number(),
        "{envelope}"
    );

    // invoke reads the outcome from the envelope, without --follow.
    let local = format!("http://127.0.0.1:{}", serve.port);
    let invoked = world.run(&[
        "invoke",
        path,
        "POST /process-user-onboarding-sync",
        "--data",
        r#"{"input": {"userId": "u-2"}}"#,
        "--local",
        &local,
    ]);
    let (out, err) = streams(&invoked);
    assert_eq!(invoked.status.code(), Some(0), "{out}\n{err}");
    assert!(out.contains("Execution SUCCEEDED"), "{out}");
    assert!(out.contains(r#"Output: {"userId":"u-2"}"#), "{out}");
    drop(serve);

    // A failed execution: still 200 (AWS's contract), the error in the envelope, invoke exits 1.
    std::fs::write(path, stack("sync-fails")).expect("write");
    world.ok(&["up", path]);
    let serve = Serve::start(&world.moto.url(), path, &[], &[]);
    let reply = serve.send("POST", "/process-user-onboarding-sync", &[], br#"{"input": {}}"#);
    assert_eq!(reply.status, 200, "{reply:?}");
    let envelope: Value = serde_json::from_str(&reply.body).expect("JSON");
    assert_eq!(envelope["status"], "FAILED", "{envelope}");
    assert_eq!(envelope["error"], "UserRejected", "{envelope}");
    assert!(
        envelope.get("output").is_none(),
        "no output when it failed: {envelope}"
    );
    let local = format!("http://127.0.0.1:{}", serve.port);
    let invoked = world.run(&[
        "invoke",
        path,
        "POST /process-user-onboarding-sync",
        "--data",
        r#"{"input": {}}"#,
        "--local",
        &local,
    ]);
    let (out, err) = streams(&invoked);
    assert_eq!(invoked.status.code(), Some(1), "{out}\n{err}");
    assert!(
        out.contains("Execution FAILED") && out.contains("Error: UserRejected"),
        "{out}"
    );
}

#[tokio::test]
async fn on_stock_moto_the_answer_says_start_sync_execution_is_missing() {
    let world = World::start_stock(&[("sync-ok", StateMachineType::Express)]).await;
    let path = world.stack("sync.toml", &stack("sync-ok"));
    let path = path.to_str().expect("path");
    world.ok(&["up", path]);
    let serve = Serve::start(&world.moto.url(), path, &[], &[]);
    let reply = serve.send("POST", "/process-user-onboarding-sync", &[], br#"{"input": {}}"#);
    assert!(reply.status >= 400, "{reply:?}");
    assert!(
        serve.log_contains("moto does not implement StartSyncExecution"),
        "{}",
        serve.log()
    );
    let said: Vec<String> = serve
        .log()
        .lines()
        .filter(|l| l.contains("UnknownError"))
        .map(str::to_string)
        .collect();
    assert_eq!(said.len(), 1, "one line: {said:?}");
}
