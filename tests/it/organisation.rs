//! Issue 16, items 3 and 4: an account or region mismatch said plainly, and organisation IAM
//! rules (`[role] permissions_boundary`, `path`, `arn`), run against moto and checked through a
//! second client.

use crate::support;
use crate::support::printed;

use aws_sdk_sfn::types::StateMachineType;
use support::World;

const STACK: &str = "org-rules";
const MACHINE: &str = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding";

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
    assert_eq!(out.status.code(), Some(1), "{}", printed(&out));
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

// A machine in another region is named by its ARN (docs/stack-format.md) and asked for in that
// region: the route gets `Region` (API Gateway developer guide, "Integration subtype reference":
// Region is an optional parameter of every StepFunctions subtype).
#[tokio::test]
async fn a_machine_in_another_region_is_checked_there_and_its_route_gets_that_region() {
    let world = world().await;
    let machine = support::create_state_machine(
        &world.moto.sfn_in("eu-west-1"),
        "far-away",
        StateMachineType::Standard,
    )
    .await;
    assert!(machine.contains(":eu-west-1:"), "{machine}");
    let path = world.stack("s.toml", &stack_text(&machine, ""));
    world.ok(&["up", path.to_str().expect("utf-8")]);
    let api = world.only_api_id(STACK).await;
    let integrations = world
        .moto
        .apigw()
        .get_integrations()
        .api_id(api)
        .send()
        .await
        .expect("GetIntegrations");
    let parameters = integrations.items()[0]
        .request_parameters()
        .cloned()
        .unwrap_or_default();
    assert_eq!(parameters.get("Region").map(String::as_str), Some("eu-west-1"));
    assert_eq!(parameters.get("StateMachineArn"), Some(&machine));
    // Missing there, it is said to be missing there, with the machines of that region.
    let gone = machine.replace("far-away", "far-awya");
    let path = world.stack("m.toml", &stack_text(&gone, ""));
    let out = world.run(&["diff", path.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1), "{}", printed(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "state machine {gone} does not exist (DescribeStateMachine); asked in eu-west-1\n"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `far-away`?"), "{stderr}");
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

/// A customer managed policy made through the second client, for a boundary.
async fn managed_policy(world: &World, name: &str) -> String {
    let doc =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"states:*","Resource":"*"}]}"#;
    let out = world
        .moto
        .iam()
        .create_policy()
        .policy_name(name)
        .policy_document(doc)
        .send()
        .await
        .expect("CreatePolicy");
    out.policy()
        .and_then(|p| p.arn())
        .expect("policy arn")
        .to_string()
}

async fn get_role(world: &World, name: &str) -> Option<aws_sdk_iam::types::Role> {
    world
        .moto
        .iam()
        .get_role()
        .role_name(name)
        .send()
        .await
        .ok()?
        .role
}

fn boundary_of(role: &aws_sdk_iam::types::Role) -> Option<String> {
    role.permissions_boundary()
        .and_then(|b| b.permissions_boundary_arn())
        .map(str::to_string)
}

fn assert_no_changes(world: &World, path: &str) {
    let diff = world.run(&["diff", "--exit-code", path]);
    assert_eq!(diff.status.code(), Some(0), "{}", printed(&diff));
}

#[tokio::test]
async fn a_permissions_boundary_is_set_at_creation_changed_and_removed_in_place() {
    let world = world().await;
    let first = managed_policy(&world, "OrgBoundary").await;
    let second = managed_policy(&world, "OrgBoundaryV2").await;
    let path = world.stack(
        "s.toml",
        &stack_text(MACHINE, &format!("permissions_boundary = \"{first}\"")),
    );
    let p = path.to_str().expect("utf-8");
    let up = world.ok(&["up", p]);
    let role = get_role(&world, "org-rules-role").await.expect("role");
    assert_eq!(boundary_of(&role), Some(first.clone()), "{}", printed(&up));
    assert!(
        world
            .proxy
            .operations()
            .iter()
            .all(|o| o != "PutRolePermissionsBoundary"),
        "set by CreateRole itself, as an organisation's SCP may demand"
    );
    assert_no_changes(&world, p);

    std::fs::write(
        &path,
        stack_text(MACHINE, &format!("permissions_boundary = \"{second}\"")),
    )
    .expect("write");
    let diff = world.run(&["diff", p]);
    assert!(
        printed(&diff).contains(&format!("permissions_boundary: \"{first}\" → \"{second}\"")),
        "{}",
        printed(&diff)
    );
    let up = world.ok(&["up", "--yes", p]);
    assert!(
        printed(&up).contains("set permissions boundary of role org-rules-role"),
        "{}",
        printed(&up)
    );
    let role = get_role(&world, "org-rules-role").await.expect("role");
    assert_eq!(boundary_of(&role), Some(second.clone()));
    assert_eq!(
        role.arn(),
        "arn:aws:iam::189107071895:role/org-rules-role",
        "the same role"
    );
    assert_no_changes(&world, p);

    std::fs::write(&path, stack_text(MACHINE, "")).expect("write");
    let up = world.ok(&["up", "--yes", p]);
    assert!(
        printed(&up).contains("remove permissions boundary of role org-rules-role"),
        "{}",
        printed(&up)
    );
    let role = get_role(&world, "org-rules-role").await.expect("role");
    assert_eq!(boundary_of(&role), None);
    assert_no_changes(&world, p);
    world.ok(&["down", "--yes", p]);
    assert!(get_role(&world, "org-rules-role").await.is_none());
}

#[tokio::test]
async fn a_role_path_is_set_at_creation_and_a_path_change_replaces_the_role_and_repoints() {
    let world = world().await;
    let path = world.stack("s.toml", &stack_text(MACHINE, "path = \"/service/\""));
    let p = path.to_str().expect("utf-8");
    world.ok(&["up", p]);
    let role = get_role(&world, "org-rules-role").await.expect("role");
    assert_eq!(role.path(), "/service/");
    assert_eq!(
        role.arn(),
        "arn:aws:iam::189107071895:role/service/org-rules-role"
    );
    assert_no_changes(&world, p);

    std::fs::write(&path, stack_text(MACHINE, "path = \"/platform/apigw/\"")).expect("write");
    let diff = world.run(&["diff", p]);
    assert!(
        printed(&diff).contains("-/+ role org-rules-role"),
        "{}",
        printed(&diff)
    );
    assert!(
        printed(&diff).contains("path: \"/service/\" → \"/platform/apigw/\""),
        "{}",
        printed(&diff)
    );
    world.ok(&["up", "--yes", p]);
    let role = get_role(&world, "org-rules-role").await.expect("role");
    assert_eq!(role.path(), "/platform/apigw/");
    let new_arn = "arn:aws:iam::189107071895:role/platform/apigw/org-rules-role";
    assert_eq!(role.arn(), new_arn);
    let policies = world
        .moto
        .iam()
        .list_role_policies()
        .role_name("org-rules-role")
        .send()
        .await
        .expect("ListRolePolicies");
    assert_eq!(policies.policy_names(), ["InvokeOrgRules"]);
    let api_id = world.only_api_id(STACK).await;
    let integrations = world
        .moto
        .apigw()
        .get_integrations()
        .api_id(&api_id)
        .send()
        .await
        .expect("GetIntegrations");
    assert_eq!(
        integrations.items()[0].credentials_arn(),
        Some(new_arn),
        "repointed"
    );
    assert_no_changes(&world, p);
    world.ok(&["down", "--yes", p]);
    assert!(get_role(&world, "org-rules-role").await.is_none());
}

/// A role a platform team made, trusted by API Gateway, allowed `policy` (a JSON document).
async fn platform_role(world: &World, name: &str, trust_service: &str, policy: &str) -> String {
    let iam = world.moto.iam();
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"{trust_service}"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    let out = iam
        .create_role()
        .role_name(name)
        .path("/platform/")
        .assume_role_policy_document(trust)
        .send()
        .await
        .expect("CreateRole");
    iam.put_role_policy()
        .role_name(name)
        .policy_name("platform")
        .policy_document(policy)
        .send()
        .await
        .expect("PutRolePolicy");
    out.role().map(|r| r.arn().to_string()).expect("arn")
}

#[tokio::test]
async fn an_existing_role_is_used_never_changed_nor_deleted() {
    let world = world().await;
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"states:Start*","Resource":"{MACHINE}"}}]}}"#
    );
    let arn = platform_role(&world, "platform-apigw", "apigateway.amazonaws.com", &policy).await;
    let text_of = |lines: &str| {
        stack_text(MACHINE, lines).replace(
            "name = \"org-rules-role\"\npolicy_name = \"InvokeOrgRules\"\n",
            "",
        )
    };
    let path = world.stack("s.toml", &text_of(&format!("arn = \"{arn}\"")));
    let p = path.to_str().expect("utf-8");
    let validate = world.run(&["validate", p]);
    assert_eq!(validate.status.code(), Some(0), "{}", printed(&validate));
    assert!(
        printed(&validate).contains("an existing role: the tool never creates, changes or deletes it"),
        "{}",
        printed(&validate)
    );
    let up = world.ok(&["up", p]);
    assert!(
        !printed(&up).contains("does not allow"),
        "it allows StartExecution: {}",
        printed(&up)
    );
    assert!(
        world.proxy.mutating_calls().iter().all(|c| c.service != "iam"),
        "no IAM change: {:?}",
        world.proxy.mutating_calls()
    );
    let api_id = world.only_api_id(STACK).await;
    let integrations = world
        .moto
        .apigw()
        .get_integrations()
        .api_id(&api_id)
        .send()
        .await
        .expect("GetIntegrations");
    assert_eq!(integrations.items()[0].credentials_arn(), Some(arn.as_str()));
    assert_no_changes(&world, p);

    let down = world.ok(&["down", "--yes", p]);
    assert!(!printed(&down).contains("delete role"), "{}", printed(&down));
    let role = get_role(&world, "platform-apigw").await.expect("never deleted");
    assert!(role.tags().is_empty(), "never tagged");
    assert!(world.owned_apis(STACK).await.is_empty());
}

#[tokio::test]
async fn diff_reports_what_an_existing_role_lacks() {
    let world = world().await;
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"states:DescribeExecution","Resource":"*"}]}"#;
    let arn = platform_role(&world, "lambda-role", "lambda.amazonaws.com", policy).await;
    let text_of = stack_text(MACHINE, &format!("arn = \"{arn}\"")).replace(
        "name = \"org-rules-role\"\npolicy_name = \"InvokeOrgRules\"\n",
        "",
    );
    let path = world.stack("s.toml", &text_of);
    let diff = world.run(&["diff", path.to_str().expect("utf-8")]);
    assert_eq!(diff.status.code(), Some(0), "{}", printed(&diff));
    let stderr = String::from_utf8_lossy(&diff.stderr);
    assert!(
        stderr.contains("role lambda-role does not trust apigateway.amazonaws.com"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "role lambda-role does not allow states:StartExecution on {MACHINE}"
        )),
        "{stderr}"
    );
}

#[tokio::test]
async fn invalid_paths_boundaries_and_role_arns_are_refused_before_any_call() {
    let world = world().await;
    let path = world.stack(
        "s.toml",
        &stack_text(
            MACHINE,
            "path = \"service\"\npermissions_boundary = \"arn:aws:iam::189107071895:role/x\"",
        ),
    );
    let out = world.run(&["validate", path.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1), "{}", printed(&out));
    assert!(printed(&out).contains("invalid IAM path"), "{}", printed(&out));
    assert!(
        printed(&out).contains("not a managed policy ARN"),
        "{}",
        printed(&out)
    );
    let path = world.stack(
        "t.toml",
        &stack_text(MACHINE, "arn = \"arn:aws:iam::189107071895:policy/x\""),
    );
    let out = world.run(&["validate", path.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1), "{}", printed(&out));
    assert!(printed(&out).contains("not a role ARN"), "{}", printed(&out));
}
