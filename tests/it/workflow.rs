//! `[[state_machine]]`: the workflow in the stack. `up`, `diff` and `down` against moto (with the
//! shim's versions), verified through a second client (the SDK talking to moto directly) and
//! counted at the HTTP layer.

use crate::support::{self, World, printed};
use serde_json::{Value, json};

const STACK: &str = "wf-stack";
const REGION_ACCOUNT: &str = "ap-southeast-2:189107071895";
const ROLE: &str = "StepFunctions-wf-ap-southeast-2";

fn machine_arn(name: &str) -> String {
    format!("arn:aws:states:{REGION_ACCOUNT}:stateMachine:{name}")
}

/// The definition file: save to a table, then queue a message (the queue URL a substitution).
const DEFINITION: &str = r#"{
  "StartAt": "Save",
  "States": {
    "Save": {
      "Type": "Task",
      "Resource": "arn:aws:states:::dynamodb:putItem",
      "Parameters": {"TableName": "users", "Item": {"id": {"S.$": "$.id"}}},
      "ResultPath": null,
      "Next": "Queue"
    },
    "Queue": {
      "Type": "Task",
      "Resource": "arn:aws:states:::sqs:sendMessage",
      "Parameters": {"QueueUrl": "${QueueUrl}", "MessageBody.$": "$"},
      "End": true
    }
  }
}
"#;

const QUEUE_URL: &str = "https://sqs.ap-southeast-2.amazonaws.com/189107071895/welcome";

fn stack(extra: &str, route_extra: &str) -> String {
    format!(
        r#"
[stack]
name = "{STACK}"
region = "ap-southeast-2"
allow = ["no-throttling", "no-authorization"]

[api]
name = "wf-api"

[role]
name = "wf-api-role"
policy_name = "StartWf"

[[state_machine]]
name = "wf"
definition = "wf.asl.json"
substitutions = {{ QueueUrl = "{QUEUE_URL}" }}
{extra}

[[route]]
key = "POST /run"
action = "StartExecution"
state_machine = "wf"
{route_extra}
"#
    )
}

/// A world with the definition file and the stack written next to each other.
async fn world(extra: &str, route_extra: &str) -> (World, String) {
    let world = World::start(&[]).await;
    std::fs::write(world.dir.path().join("wf.asl.json"), DEFINITION).expect("write definition");
    let path = world.stack("wf.toml", &stack(extra, route_extra));
    let path = path.to_str().expect("utf-8").to_string();
    (world, path)
}

async fn describe(
    world: &World,
    arn: &str,
) -> aws_sdk_sfn::operation::describe_state_machine::DescribeStateMachineOutput {
    world
        .moto
        .sfn()
        .describe_state_machine()
        .state_machine_arn(arn)
        .send()
        .await
        .expect("DescribeStateMachine")
}

async fn tags(world: &World, arn: &str) -> Vec<(String, String)> {
    let out = world
        .moto
        .sfn()
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .expect("tags");
    out.tags()
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

async fn versions(world: &World, arn: &str) -> Vec<String> {
    let out = world
        .moto
        .sfn()
        .list_state_machine_versions()
        .state_machine_arn(arn)
        .send()
        .await
        .expect("ListStateMachineVersions");
    out.state_machine_versions()
        .iter()
        .map(|v| v.state_machine_version_arn().to_string())
        .collect()
}

async fn alias_routes_to(world: &World, alias_arn: &str) -> Vec<(String, i32)> {
    let out = world
        .moto
        .sfn()
        .describe_state_machine_alias()
        .state_machine_alias_arn(alias_arn)
        .send()
        .await
        .expect("DescribeStateMachineAlias");
    out.routing_configuration()
        .iter()
        .map(|r| (r.state_machine_version_arn().to_string(), r.weight()))
        .collect()
}

async fn integration_arn(world: &World) -> String {
    let api = world.only_api_id(STACK).await;
    let out = world
        .moto
        .apigw()
        .get_integrations()
        .api_id(api)
        .send()
        .await
        .expect("GetIntegrations");
    out.items()[0].request_parameters().expect("parameters")["StateMachineArn"].clone()
}

#[tokio::test]
async fn up_creates_the_machine_its_generated_role_and_the_route_and_a_second_up_calls_nothing_mutating() {
    let (world, path) = world("", "").await;
    let out = world.ok(&["up", &path]);
    let shown = printed(&out);
    assert!(shown.contains("create state machine wf"), "{shown}");
    assert!(shown.contains(&format!("create workflow role {ROLE}")), "{shown}");

    let arn = machine_arn("wf");
    let machine = describe(&world, &arn).await;
    assert_eq!(machine.r#type().as_str(), "STANDARD");
    assert_eq!(
        machine.role_arn(),
        format!("arn:aws:iam::189107071895:role/{ROLE}")
    );
    let definition: Value = serde_json::from_str(machine.definition()).expect("JSON definition");
    assert_eq!(definition["States"]["Queue"]["Parameters"]["QueueUrl"], QUEUE_URL);
    assert!(
        tags(&world, &arn)
            .await
            .contains(&("provision:stack".into(), STACK.into()))
    );
    assert_eq!(integration_arn(&world).await, arn);

    // The generated role: trusted by Step Functions for this machine only, allowed exactly the
    // definition's calls.
    let iam = world.moto.iam();
    let role = iam
        .get_role()
        .role_name(ROLE)
        .send()
        .await
        .expect("GetRole")
        .role
        .expect("role");
    let trust = support::decode_policy(role.assume_role_policy_document().expect("trust"));
    assert_eq!(
        trust["Statement"][0]["Principal"]["Service"],
        json!(["states.amazonaws.com"])
    );
    assert_eq!(
        trust["Statement"][0]["Condition"]["ArnLike"]["aws:SourceArn"],
        json!([arn])
    );
    assert_eq!(
        trust["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"],
        json!(["189107071895"])
    );
    assert!(
        role.tags()
            .iter()
            .any(|t| t.key() == "provision:stack" && t.value() == STACK)
    );
    let policy = iam
        .get_role_policy()
        .role_name(ROLE)
        .policy_name("StateMachineExecution")
        .send()
        .await
        .expect("GetRolePolicy");
    let policy = support::decode_policy(policy.policy_document());
    let expected = json!([
        {"Action": ["dynamodb:PutItem"], "Effect": "Allow", "Resource": ["arn:aws:dynamodb:ap-southeast-2:189107071895:table/users"]},
        {"Action": ["sqs:SendMessage"], "Effect": "Allow", "Resource": ["arn:aws:sqs:ap-southeast-2:189107071895:welcome"]}
    ]);
    assert_eq!(policy["Statement"], expected);

    world.assert_no_op_up(&path);
    let diff = world.run(&["diff", &path]);
    assert_eq!(diff.status.code(), Some(0), "{}", printed(&diff));
}

#[tokio::test]
async fn a_definition_change_updates_in_place_publishes_version_2_and_moves_the_alias() {
    let alias = "publish = true\n[state_machine.alias]\nname = \"live\"\n";
    let (world, path) = world(alias, "alias = \"live\"").await;
    world.ok(&["up", &path]);
    let arn = machine_arn("wf");
    let created = *describe(&world, &arn).await.creation_date();
    assert_eq!(versions(&world, &arn).await, vec![format!("{arn}:1")]);
    assert_eq!(
        alias_routes_to(&world, &format!("{arn}:live")).await,
        vec![(format!("{arn}:1"), 100)]
    );
    assert_eq!(integration_arn(&world).await, format!("{arn}:live"));

    // Reformatted by hand (as AWS may return it) is no change; a new state is.
    let changed = DEFINITION.replace("\"End\": true", "\"Next\": \"Done\"").replace(
        "\"Queue\": {",
        "\"Done\": {\"Type\": \"Succeed\"},\n    \"Queue\": {",
    );
    std::fs::write(world.dir.path().join("wf.asl.json"), changed).expect("rewrite");
    let diff = world.run(&["diff", &path]);
    let shown = printed(&diff);
    assert!(shown.contains("definition.States.Done"), "{shown}");
    assert!(shown.contains("definition.States.Queue.Next"), "{shown}");
    assert!(
        !shown.contains("definition.States.Save"),
        "unchanged states are not shown: {shown}"
    );

    world.ok(&["up", &path]);
    let machine = describe(&world, &arn).await;
    assert_eq!(
        machine.creation_date(),
        &created,
        "updated in place, not replaced"
    );
    let definition: Value = serde_json::from_str(machine.definition()).expect("JSON");
    assert_eq!(definition["States"]["Done"]["Type"], "Succeed");
    assert_eq!(
        versions(&world, &arn).await,
        vec![format!("{arn}:2"), format!("{arn}:1")]
    );
    assert_eq!(
        alias_routes_to(&world, &format!("{arn}:live")).await,
        vec![(format!("{arn}:2"), 100)]
    );

    world.proxy.clear();
    world.ok(&["up", &path]);
    assert_eq!(world.proxy.mutating_calls(), Vec::new());
}

#[tokio::test]
async fn a_type_change_replaces_the_machine() {
    let (world, path) = world("", "").await;
    world.ok(&["up", &path]);
    std::fs::write(&path, stack("type = \"EXPRESS\"", "")).expect("rewrite");
    let diff = printed(&world.run(&["diff", &path]));
    assert!(diff.contains("-/+ state_machine wf"), "{diff}");
    assert!(diff.contains("type: \"STANDARD\" → \"EXPRESS\""), "{diff}");
    world.ok(&["up", &path, "--yes"]);
    let machine = describe(&world, &machine_arn("wf")).await;
    assert_eq!(machine.r#type().as_str(), "EXPRESS");
    assert!(
        tags(&world, &machine_arn("wf"))
            .await
            .contains(&("provision:stack".into(), STACK.into()))
    );
}

#[tokio::test]
async fn down_deletes_the_machine_its_versions_alias_and_generated_role() {
    let alias = "publish = true\n[state_machine.alias]\nname = \"live\"\n";
    let (world, path) = world(alias, "alias = \"live\"").await;
    world.ok(&["up", &path]);
    world.ok(&["down", &path, "--yes"]);
    let sfn = world.moto.sfn();
    let arn = machine_arn("wf");
    let gone = sfn.describe_state_machine().state_machine_arn(&arn).send().await;
    assert!(gone.is_err(), "machine deleted");
    let alias = sfn
        .describe_state_machine_alias()
        .state_machine_alias_arn(format!("{arn}:live"))
        .send()
        .await;
    assert!(alias.is_err(), "alias deleted with it");
    let versions = sfn
        .list_state_machine_versions()
        .state_machine_arn(&arn)
        .send()
        .await;
    assert!(versions.is_err(), "versions deleted with it");
    let role = world.moto.iam().get_role().role_name(ROLE).send().await;
    assert!(role.is_err(), "generated role deleted");
}

#[tokio::test]
async fn a_machine_the_stack_does_not_own_is_refused_until_adopted() {
    let (world, path) = world("", "").await;
    // As an older demo left it: the machine exists without the stack's tag.
    support::create_state_machine(
        &world.moto.sfn(),
        "wf",
        aws_sdk_sfn::types::StateMachineType::Standard,
    )
    .await;
    let refused = world.run(&["up", &path]);
    assert_eq!(refused.status.code(), Some(1), "{}", printed(&refused));
    assert!(
        printed(&refused).contains("state machine wf exists but is not owned by stack"),
        "{}",
        printed(&refused)
    );
    assert!(world.proxy.mutating_calls().is_empty(), "nothing changed");

    world.ok(&["up", &path, "--adopt"]);
    let arn = machine_arn("wf");
    assert!(
        tags(&world, &arn)
            .await
            .contains(&("provision:stack".into(), STACK.into()))
    );
    assert_eq!(
        describe(&world, &arn).await.role_arn(),
        format!("arn:aws:iam::189107071895:role/{ROLE}")
    );
    world.proxy.clear();
    world.ok(&["up", &path]);
    assert_eq!(world.proxy.mutating_calls(), Vec::new());
}

#[tokio::test]
async fn a_machine_no_longer_declared_is_deleted_with_its_role() {
    let (world, path) = world("", "").await;
    world.ok(&["up", &path]);
    let without = stack("", "").replace(
        "[[state_machine]]\nname = \"wf\"\ndefinition = \"wf.asl.json\"",
        "[[state_machine]]\nname = \"wf2\"\ndefinition = \"wf.asl.json\"",
    );
    std::fs::write(
        &path,
        without.replace("state_machine = \"wf\"", "state_machine = \"wf2\""),
    )
    .expect("rewrite");
    world.ok(&["up", &path, "--yes"]);
    let sfn = world.moto.sfn();
    assert!(
        sfn.describe_state_machine()
            .state_machine_arn(machine_arn("wf"))
            .send()
            .await
            .is_err()
    );
    assert!(
        sfn.describe_state_machine()
            .state_machine_arn(machine_arn("wf2"))
            .send()
            .await
            .is_ok()
    );
    assert!(world.moto.iam().get_role().role_name(ROLE).send().await.is_err());
    assert_eq!(integration_arn(&world).await, machine_arn("wf2"));
}

#[tokio::test]
async fn on_stock_moto_versions_and_aliases_still_work() {
    let world = World::start_stock(&[]).await;
    std::fs::write(world.dir.path().join("wf.asl.json"), DEFINITION).expect("write definition");
    let alias = "publish = true\n[state_machine.alias]\nname = \"live\"\n";
    let path = world.stack("wf.toml", &stack(alias, "alias = \"live\""));
    let path = path.to_str().expect("utf-8");
    world.ok(&["up", path]);
    let arn = machine_arn("wf");
    assert_eq!(
        alias_routes_to(&world, &format!("{arn}:live")).await,
        vec![(format!("{arn}:1"), 100)]
    );
    world.proxy.clear();
    world.ok(&["up", path]);
    assert_eq!(world.proxy.mutating_calls(), Vec::new());
}

/// A route on the alias starts an execution through `serve` (issue 22): the integration names the
/// alias ARN, `serve` sends StartExecution with it (the shim, as AWS, refuses an alias that does
/// not exist), and the execution belongs to the machine, checked with a second client.
#[tokio::test]
async fn a_route_on_the_alias_starts_an_execution_through_serve() {
    let alias = "publish = true\n[state_machine.alias]\nname = \"live\"\n";
    let (world, path) = world(alias, "alias = \"live\"").await;
    world.ok(&["up", &path]);
    let arn = machine_arn("wf");
    assert_eq!(integration_arn(&world).await, format!("{arn}:live"));

    let serve = support::Serve::start(&world.proxy.url(), &path, &["--refresh", "600"], &[]);
    world.proxy.clear();
    let reply = serve.send("POST", "/run", &[], br#"{"input": {"user": "alias"}}"#);
    assert_eq!(reply.status, 200, "{reply:?}\n{}", serve.log());
    assert_eq!(world.proxy.operations(), vec!["StartExecution".to_string()]);
    let body: Value = serde_json::from_str(&reply.body).expect("JSON answer");
    let execution = body["executionArn"].as_str().expect("executionArn").to_string();
    assert!(
        execution.starts_with(&format!("arn:aws:states:{REGION_ACCOUNT}:execution:wf:")),
        "{execution}"
    );
    let described = world
        .moto
        .sfn()
        .describe_execution()
        .execution_arn(&execution)
        .send()
        .await
        .expect("DescribeExecution through a second client");
    assert_eq!(described.state_machine_arn(), arn);
}

/// The tags of the stack's API, read directly from moto.
async fn api_tags(world: &World) -> std::collections::HashMap<String, String> {
    let api = world.only_api_id(STACK).await;
    let out = world
        .moto
        .apigw()
        .get_api()
        .api_id(api)
        .send()
        .await
        .expect("GetApi");
    out.tags().cloned().unwrap_or_default()
}

#[tokio::test]
async fn removing_the_last_machine_deletes_it_and_its_role_and_then_the_stack_no_longer_scans_for_machines() {
    let (world, path) = world("", "").await;
    world.ok(&["up", &path]);
    assert_eq!(
        api_tags(&world)
            .await
            .get("provision:state-machines")
            .map(String::as_str),
        Some("true"),
        "the API carries the machines tag while the stack declares one"
    );
    // The route now starts a machine the stack does not own; no [[state_machine]] is left.
    let other = support::create_state_machine(
        &world.moto.sfn(),
        "other",
        aws_sdk_sfn::types::StateMachineType::Standard,
    )
    .await;
    let without = format!(
        r#"
[stack]
name = "{STACK}"
region = "ap-southeast-2"
allow = ["no-throttling", "no-authorization"]

[api]
name = "wf-api"

[role]
name = "wf-api-role"
policy_name = "StartWf"

[[route]]
key = "POST /run"
action = "StartExecution"
state_machine = "{other}"
"#
    );
    std::fs::write(&path, without).expect("rewrite");
    world.proxy.clear();
    let out = world.ok(&["up", &path, "--yes"]);
    let shown = printed(&out);
    assert!(shown.contains("delete state machine wf"), "{shown}");
    let sfn = world.moto.sfn();
    assert!(
        sfn.describe_state_machine()
            .state_machine_arn(machine_arn("wf"))
            .send()
            .await
            .is_err(),
        "the machine no longer declared is deleted"
    );
    assert!(
        sfn.describe_state_machine()
            .state_machine_arn(&other)
            .send()
            .await
            .is_ok(),
        "the machine the stack does not own is left alone"
    );
    assert!(
        world.moto.iam().get_role().role_name(ROLE).send().await.is_err(),
        "its generated role is deleted"
    );
    assert!(!api_tags(&world).await.contains_key("provision:state-machines"));
    assert_eq!(integration_arn(&world).await, other);

    world.assert_no_op_up(&path);
    // Only the route's machine is checked (it exists, its type fits the action): the stack no
    // longer looks for machines of its own, so no ListStateMachines, no ListTagsForResource.
    let sfn_calls: Vec<_> = world
        .proxy
        .calls()
        .into_iter()
        .filter(|c| c.service == "sfn")
        .map(|c| c.operation)
        .collect();
    assert_eq!(sfn_calls, vec!["DescribeStateMachine".to_string()]);
}

#[tokio::test]
async fn the_first_up_after_upgrading_only_adds_the_machines_tag_to_the_api() {
    let (world, path) = world("", "").await;
    world.ok(&["up", &path]);
    // As a stack deployed before the tag existed: its API carries only the stack's tags.
    let api = world.only_api_id(STACK).await;
    world
        .moto
        .apigw()
        .untag_resource()
        .resource_arn(format!("arn:aws:apigateway:ap-southeast-2::/apis/{api}"))
        .tag_keys("provision:state-machines")
        .send()
        .await
        .expect("UntagResource");
    assert!(!api_tags(&world).await.contains_key("provision:state-machines"));
    world.proxy.clear();
    world.ok(&["up", &path, "--yes"]);
    let mutating: Vec<_> = world
        .proxy
        .mutating_calls()
        .into_iter()
        .map(|c| format!("{} {}", c.service, c.operation))
        .collect();
    assert_eq!(mutating, vec!["apigatewayv2 TagResource".to_string()]);
    assert_eq!(
        api_tags(&world)
            .await
            .get("provision:state-machines")
            .map(String::as_str),
        Some("true")
    );
}

/// `policy --workflow` prints what `up` puts on the generated role (read back with a second
/// client), and with no account known an IAM policy variable, never a CloudFormation
/// placeholder (IAM would read `${AWS::AccountId}` as literal text: "IAM policy elements:
/// Variables and tags" lists the variables it substitutes).
#[tokio::test]
async fn policy_workflow_prints_the_policy_up_gives_the_generated_role() {
    let (world, path) = world("", "").await;
    world.ok(&["up", &path]);
    let deployed = world
        .moto
        .iam()
        .get_role_policy()
        .role_name(ROLE)
        .policy_name("StateMachineExecution")
        .send()
        .await
        .expect("GetRolePolicy");
    let deployed = support::decode_policy(deployed.policy_document());

    let out = world.ok(&["policy", &path, "--workflow", "wf", "--account", "189107071895"]);
    let printed_policy: Value = serde_json::from_slice(&out.stdout).expect("the policy is JSON on stdout");
    assert_eq!(printed_policy, deployed);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("Role {ROLE} ")), "{stderr}");

    let out = world.ok(&["policy", &path, "--workflow", "wf"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("${AWS::"), "no CloudFormation placeholder: {text}");
    let unbound: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        unbound["Statement"][0]["Resource"],
        json!(["arn:aws:dynamodb:ap-southeast-2:${aws:PrincipalAccount}:table/users"])
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--account"),
        "says what would name the account: {stderr}"
    );
}

/// A definition that calls no service: a Choice, a Wait, and Pass states (the queue URL only a
/// value it passes on). Its generated role needs no permission.
const PASS_ONLY: &str = r#"{
  "StartAt": "Check",
  "States": {
    "Check": {"Type": "Choice", "Choices": [{"Variable": "$.id", "IsPresent": true, "Next": "Wait"}], "Default": "Done"},
    "Wait": {"Type": "Wait", "Seconds": 1, "Next": "Done"},
    "Done": {"Type": "Pass", "Result": {"queue": "${QueueUrl}"}, "End": true}
  }
}
"#;

/// The names of the generated role's inline policies, read with a second client.
async fn inline_policies(world: &World) -> Vec<String> {
    world
        .moto
        .iam()
        .list_role_policies()
        .role_name(ROLE)
        .send()
        .await
        .expect("ListRolePolicies")
        .policy_names()
        .to_vec()
}

/// A machine that needs no permission gets a role without an inline policy: IAM refuses a
/// policy whose `Statement` is empty ("IAM JSON policy elements: Statement": the element is
/// required; moto answers MalformedPolicyDocument), so `up` sends no PutRolePolicy. A second
/// `up` and `diff` find nothing to do, `synth` declares the role without `Policies` (optional on
/// AWS::IAM::Role), `policy --workflow` says there is no policy, and `down` removes it all.
#[tokio::test]
async fn a_machine_that_needs_no_permission_gets_a_role_without_a_policy_from_up_to_down() {
    let (world, path) = world("", "").await;
    std::fs::write(world.dir.path().join("wf.asl.json"), PASS_ONLY).expect("write definition");
    let out = world.ok(&["up", &path]);
    let shown = printed(&out);
    assert!(shown.contains(&format!("create workflow role {ROLE}")), "{shown}");
    assert!(shown.contains("create state machine wf"), "{shown}");
    let operations = world.proxy.operations();
    // Two roles made, one policy put: the API role's own (`StartWf`), none on the workflow role.
    assert_eq!(
        operations.iter().filter(|o| *o == "CreateRole").count(),
        2,
        "{operations:?}"
    );
    assert_eq!(
        operations.iter().filter(|o| *o == "PutRolePolicy").count(),
        1,
        "{operations:?}"
    );

    let role = world
        .moto
        .iam()
        .get_role()
        .role_name(ROLE)
        .send()
        .await
        .expect("GetRole");
    let role = role.role.expect("role");
    assert!(
        role.tags()
            .iter()
            .any(|t| t.key() == "provision:stack" && t.value() == STACK)
    );
    assert_eq!(inline_policies(&world).await, Vec::<String>::new());
    let machine = describe(&world, &machine_arn("wf")).await;
    assert_eq!(machine.role_arn(), role.arn());
    let definition: Value = serde_json::from_str(machine.definition()).expect("JSON definition");
    assert_eq!(definition["States"]["Done"]["Result"]["queue"], QUEUE_URL);

    world.assert_no_op_up(&path);
    let diff = world.ok(&["diff", &path]);
    assert!(printed(&diff).contains("No changes"), "{}", printed(&diff));

    let template: Value = serde_json::from_slice(&world.ok(&["synth", &path]).stdout).expect("template");
    let role = &template["Resources"]["StateMachineRoleWf"];
    assert_eq!(role["Type"], "AWS::IAM::Role", "{template}");
    let properties = &role["Properties"];
    assert!(properties["AssumeRolePolicyDocument"].is_object(), "{properties}");
    assert!(properties.get("Policies").is_none(), "{properties}");

    let out = world.ok(&["policy", &path, "--workflow", "wf"]);
    assert_eq!(support::text(&out.stdout), "", "no policy document on stdout");
    let stderr = support::stderr(&out);
    assert!(
        stderr.contains("state machine wf needs no permission"),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("role {ROLE}")), "{stderr}");
    let out = world.ok(&["policy", &path, "--workflow", "wf", "--output", "json"]);
    let document: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(document, Value::Null);

    world.ok(&["down", &path, "--yes"]);
    assert!(
        world.moto.iam().get_role().role_name(ROLE).send().await.is_err(),
        "role deleted"
    );
    let gone = world
        .moto
        .sfn()
        .describe_state_machine()
        .state_machine_arn(machine_arn("wf"))
        .send()
        .await;
    assert!(gone.is_err(), "machine deleted");
}

/// A machine whose definition no longer calls a service: `up` updates the machine, then deletes
/// the tool's own inline policy from its role (DeleteRolePolicy, after UpdateStateMachine, so a
/// run in between keeps what it needs), and leaves an inline policy of another name alone. The
/// next `up` is a no-op; calling a service again puts the policy back.
#[tokio::test]
async fn a_machine_that_stops_needing_permissions_loses_the_tool_s_policy_and_nothing_else() {
    let (world, path) = world("", "").await;
    world.ok(&["up", &path]);
    assert_eq!(
        inline_policies(&world).await,
        vec!["StateMachineExecution".to_string()]
    );
    let theirs = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::theirs/*"}]});
    world
        .moto
        .iam()
        .put_role_policy()
        .role_name(ROLE)
        .policy_name("Theirs")
        .policy_document(theirs.to_string())
        .send()
        .await
        .expect("PutRolePolicy");

    std::fs::write(world.dir.path().join("wf.asl.json"), PASS_ONLY).expect("rewrite definition");
    let diff = printed(&world.run(&["diff", &path]));
    assert!(diff.contains("policy.StateMachineExecution"), "{diff}");
    world.proxy.clear();
    let out = world.ok(&["up", &path]);
    let shown = printed(&out);
    assert!(
        shown.contains(&format!("delete policy of workflow role {ROLE}")),
        "{shown}"
    );
    let mutating: Vec<String> = world
        .proxy
        .mutating_calls()
        .into_iter()
        .map(|c| c.operation)
        .collect();
    assert_eq!(
        mutating,
        ["UpdateStateMachine", "DeleteRolePolicy"],
        "{mutating:?}"
    );
    assert_eq!(inline_policies(&world).await, vec!["Theirs".to_string()]);
    let machine = describe(&world, &machine_arn("wf")).await;
    let definition: Value = serde_json::from_str(machine.definition()).expect("JSON definition");
    assert_eq!(definition["StartAt"], "Check");

    world.assert_no_op_up(&path);

    std::fs::write(world.dir.path().join("wf.asl.json"), DEFINITION).expect("restore definition");
    world.ok(&["up", &path]);
    let mut names = inline_policies(&world).await;
    names.sort();
    assert_eq!(names, ["StateMachineExecution", "Theirs"]);
}
