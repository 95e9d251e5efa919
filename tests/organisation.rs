//! Issue 16, items 3 and 4: an account or region mismatch said plainly, and organisation IAM
//! rules (`[role] permissions_boundary`, `path`, `arn`), run against moto and checked through a
//! second client.

mod support;

use std::process::Output;

use aws_sdk_sfn::types::StateMachineType;
use support::World;

const STACK: &str = "org-rules";
const MACHINE: &str = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding";

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

async fn world() -> World {
    World::start(&[("user-onboarding", StateMachineType::Standard)]).await
}

/// A stack with one route to `machine` and these extra `[role]` lines.
fn stack_text(machine: &str, role_lines: &str) -> String {
    format!(
        r#"
[stack]
name = "{STACK}"
region = "ap-southeast-2"

[api]
name = "org-rules-api"

[role]
name = "org-rules-role"
policy_name = "InvokeOrgRules"
{role_lines}

[[route]]
key = "POST /new-user"
action = "StartExecution"
state_machine = "{machine}"
parameters = {{ Input = "$request.body.input" }}

[stage]
name = "$default"
auto_deploy = true
"#
    )
}

#[tokio::test]
async fn a_machine_in_another_account_says_which_account_the_credentials_are_for() {
    let world = world().await;
    let other = "arn:aws:states:ap-southeast-2:111111111111:stateMachine:user-onboarding";
    let path = world.stack("s.toml", &stack_text(other, ""));
    let out = world.run(&["diff", path.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "state machine {other} does not exist (DescribeStateMachine): the stack names account \
             111111111111, your credentials are for account 189107071895 (profile default)"
        )),
        "{stderr}"
    );
    assert!(
        world.proxy.operations().iter().any(|o| o == "GetCallerIdentity"),
        "the account is asked on the error path"
    );
}

#[tokio::test]
async fn a_machine_in_another_region_says_so() {
    let world = world().await;
    let other = "arn:aws:states:eu-west-1:189107071895:stateMachine:user-onboarding";
    let path = world.stack("s.toml", &stack_text(other, ""));
    let out = world.run(&["diff", path.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the stack names region eu-west-1, the tool is using region ap-southeast-2"),
        "{stderr}"
    );
    assert!(!stderr.contains("names account"), "same account: {stderr}");
}

#[tokio::test]
async fn a_machine_that_exists_costs_no_identity_call_and_a_missing_one_in_the_same_account_says_only_that() {
    let world = world().await;
    let path = world.stack("s.toml", &stack_text(MACHINE, ""));
    world.ok(&["diff", path.to_str().expect("utf-8")]);
    assert!(
        !world.proxy.operations().iter().any(|o| o == "GetCallerIdentity"),
        "no STS call on the happy path: {:?}",
        world.proxy.operations()
    );
    let missing = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:nope";
    let path = world.stack("m.toml", &stack_text(missing, ""));
    let out = world.run(&["diff", path.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "state machine {missing} does not exist (DescribeStateMachine)"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("the stack names"), "{stderr}");
}
