//! `provision policy` under IAM enforcement: `up`, `diff` and `down` run as an IAM user whose only
//! permissions are the policy the command printed, against moto with enforcement on
//! (scripts/moto_server.py makes moto authorise API Gateway v2, Step Functions and IAM requests
//! as AWS does: HTTP-verb actions on resource ARNs, iam:PassRole with iam:PassedToService). The
//! same user without the PassRole statement cannot `up`, and the error names the permission.

use crate::support;
use crate::support::text;

use std::process::Output;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_iam::config::{Credentials, SharedCredentialsProvider};
use aws_sdk_sfn::types::StateMachineType;
use serde_json::{Value, json};
use support::{ACCOUNT_ID, REGION, World};

const STACK: &str = include_str!("../../stacks/onboarding-secure.toml");
const ROLE: &str = "user-onboarding-secure-api-gateway-role";
const MANAGED: &str = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs";

/// Static access keys of an IAM user made in moto.
#[derive(Clone)]
struct Keys {
    id: String,
    secret: String,
}

fn config(endpoint: &str, keys: &Keys) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(REGION))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            &keys.id,
            &keys.secret,
            None,
            None,
            "static",
        )))
        .build()
}

/// Turns moto's IAM enforcement on (`0`: every request from now on) or off (`inf`), through
/// `POST /moto-api/reset-auth`, which sets what INITIAL_NO_AUTH_ACTION_COUNT sets at start-up.
fn enforcement(world: &World, count: &str) {
    let (status, answer) = world.moto.moto_api("POST", "/moto-api/reset-auth", count);
    assert_eq!(status, 200, "reset-auth: {answer}");
}

/// Creates the IAM user `name` with `policy` as its only (inline) policy; returns its keys.
async fn user(iam: &aws_sdk_iam::Client, name: &str, policy: &Value) -> Keys {
    iam.create_user()
        .user_name(name)
        .send()
        .await
        .expect("CreateUser");
    put_policy(iam, name, policy).await;
    let key = iam
        .create_access_key()
        .user_name(name)
        .send()
        .await
        .expect("CreateAccessKey")
        .access_key
        .expect("access key");
    Keys {
        id: key.access_key_id,
        secret: key.secret_access_key,
    }
}

async fn put_policy(iam: &aws_sdk_iam::Client, name: &str, policy: &Value) {
    iam.put_user_policy()
        .user_name(name)
        .policy_name("provision-deployer")
        .policy_document(policy.to_string())
        .send()
        .await
        .expect("PutUserPolicy");
}

/// `provision ARGS` straight to moto (a proxy in between would break the request signatures moto
/// now checks), as the user with `keys`.
fn run_as(world: &World, keys: &Keys, args: &[&str]) -> Output {
    support::provision(&world.moto.url())
        .env("AWS_ACCESS_KEY_ID", &keys.id)
        .env("AWS_SECRET_ACCESS_KEY", &keys.secret)
        .args(["--max-rps", "0"])
        .args(args)
        .output()
        .expect("run provision")
}

fn ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({:?}):\n{}\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// `provision policy STACK`, parsed; asserted to succeed offline (no endpoint can answer).
fn printed_policy(stack: &str) -> Value {
    let out = support::provision("http://127.0.0.1:9")
        .args(["policy", stack])
        .output()
        .expect("run provision policy");
    ok(&out, "policy");
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("policy is not JSON ({e}): {}", text(&out.stdout)))
}

fn statement<'a>(policy: &'a Value, sid: &str) -> &'a Value {
    policy["Statement"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["Sid"] == sid))
        .unwrap_or_else(|| panic!("no statement {sid} in {policy:#}"))
}

fn without(policy: &Value, sid: &str) -> Value {
    let mut policy = policy.clone();
    if let Some(statements) = policy["Statement"].as_array_mut() {
        statements.retain(|s| s["Sid"] != sid);
    }
    policy
}

async fn world() -> World {
    World::start(&[
        ("user-onboarding", StateMachineType::Standard),
        ("user-onboarding-express", StateMachineType::Express),
    ])
    .await
}

/// Admin credentials (Allow * on *), made while moto still lets everything through.
async fn admin(world: &World) -> Keys {
    user(
        &world.moto.iam(),
        "admin",
        &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn up_diff_and_down_succeed_with_exactly_the_printed_policy() {
    let world = world().await;
    let stack = world.stack("onboarding-secure.toml", STACK);
    let stack = stack.to_str().expect("path");
    let policy = printed_policy(stack);
    let role_arn = format!("arn:aws:iam::{ACCOUNT_ID}:role/{ROLE}");
    assert_eq!(
        statement(&policy, "PassStackRoleToApiGateway")["Resource"],
        role_arn
    );
    assert_eq!(
        statement(&policy, "StackRoleManagedPolicies")["Condition"]["ArnEquals"]["iam:PolicyARN"],
        json!([MANAGED])
    );

    let admin = admin(&world).await;
    let deployer = user(&world.moto.iam(), "ci-deployer", &policy).await;
    enforcement(&world, "0");
    let iam = aws_sdk_iam::Client::new(&config(&world.moto.url(), &admin));
    let apigw = aws_sdk_apigatewayv2::Client::new(&config(&world.moto.url(), &admin));
    // Enforcement is on: the harness's own test/test keys are no IAM user's and are refused.
    assert!(world.moto.iam().get_role().role_name(ROLE).send().await.is_err());

    let up = run_as(&world, &deployer, &["up", stack]);
    ok(&up, "up");
    // The printed policy allows the import path: the API is made by one ImportApi call
    // (`apigateway:PUT` on `/apis`, `iam:PassRole` on the role), never one call per resource.
    assert!(
        text(&up.stderr).contains("in one ImportApi call")
            && !text(&up.stderr).contains("one call per resource instead"),
        "{}",
        text(&up.stderr)
    );
    let role = iam
        .get_role()
        .role_name(ROLE)
        .send()
        .await
        .expect("GetRole")
        .role
        .expect("role");
    assert_eq!(role.arn(), role_arn);
    let attached = iam
        .list_attached_role_policies()
        .role_name(ROLE)
        .send()
        .await
        .expect("list attached");
    assert_eq!(attached.attached_policies()[0].policy_arn(), Some(MANAGED));
    let apis = apigw.get_apis().send().await.expect("GetApis");
    let api = apis.items()[0].api_id().expect("api id").to_string();
    let integrations = apigw
        .get_integrations()
        .api_id(&api)
        .send()
        .await
        .expect("GetIntegrations");
    assert_eq!(integrations.items().len(), 3);
    assert!(
        integrations
            .items()
            .iter()
            .all(|i| i.credentials_arn() == Some(role_arn.as_str()))
    );

    let diff = run_as(&world, &deployer, &["diff", stack, "--exit-code"]);
    ok(&diff, "diff");
    assert!(
        text(&diff.stdout).contains("No changes"),
        "{}",
        text(&diff.stdout)
    );

    // The stack changes: a route renamed, CORS changed, the managed policy dropped (not a tag:
    // moto has no TagResource for stages). The policy printed for the new file is the one the
    // deployer gets.
    let changed = STACK
        .replace("key = \"POST /cancel\"", "key = \"POST /stop\"")
        .replace(
            "managed_policies = [\"arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs\"]",
            "",
        )
        .replace("max_age = 300", "max_age = 600");
    let changed = world.stack("onboarding-secure.toml", &changed);
    let changed = changed.to_str().expect("path");
    let new_policy = printed_policy(changed);
    assert!(
        !new_policy.to_string().contains("iam:AttachRolePolicy"),
        "{new_policy:#}"
    );
    put_policy(&iam, "ci-deployer", &new_policy).await;
    ok(
        &run_as(&world, &deployer, &["up", changed]),
        "up after the change",
    );
    let attached = iam
        .list_attached_role_policies()
        .role_name(ROLE)
        .send()
        .await
        .expect("list attached");
    assert!(attached.attached_policies().is_empty(), "{attached:?}");
    let routes = apigw.get_routes().api_id(&api).send().await.expect("GetRoutes");
    assert!(routes.items().iter().any(|r| r.route_key() == Some("POST /stop")));
    assert!(
        routes
            .items()
            .iter()
            .all(|r| r.route_key() != Some("POST /cancel"))
    );
    let cors = apigw.get_api().api_id(&api).send().await.expect("GetApi");
    assert_eq!(cors.cors_configuration().and_then(|c| c.max_age()), Some(600));
    ok(
        &run_as(&world, &deployer, &["diff", changed, "--exit-code"]),
        "diff after the change",
    );

    let down = run_as(&world, &deployer, &["down", changed, "--yes"]);
    ok(&down, "down");
    assert!(apigw.get_apis().send().await.expect("GetApis").items().is_empty());
    let gone = iam.get_role().role_name(ROLE).send().await;
    assert!(
        gone.as_ref()
            .err()
            .and_then(|e| e.as_service_error())
            .is_some_and(|e| e.is_no_such_entity_exception()),
        "{gone:?}"
    );
}

/// A policy without `apigateway:PUT` (an older printed policy, say): ImportApi is refused as
/// AWS refuses it, `up` says so once and makes the API one call per resource.
#[tokio::test(flavor = "multi_thread")]
async fn without_apigateway_put_the_api_is_made_one_call_per_resource() {
    let world = world().await;
    let stack = world.stack("onboarding-secure.toml", STACK);
    let stack = stack.to_str().expect("path");
    let mut policy = printed_policy(stack);
    for statement in policy["Statement"].as_array_mut().expect("statements") {
        if statement["Sid"] == "HttpApis" {
            let actions = statement["Action"].as_array_mut().expect("actions");
            actions.retain(|a| a != "apigateway:PUT");
        }
    }
    assert!(!policy.to_string().contains("apigateway:PUT"));
    let admin = admin(&world).await;
    let deployer = user(&world.moto.iam(), "ci-deployer", &policy).await;
    enforcement(&world, "0");

    let up = run_as(&world, &deployer, &["up", stack]);
    ok(&up, "up");
    let stderr = text(&up.stderr);
    assert_eq!(
        stderr.matches("is created one call per resource instead").count(),
        1,
        "{stderr}"
    );
    assert!(
        stderr.contains("the caller may not call ImportApi") && stderr.contains("apigateway:PUT"),
        "{stderr}"
    );
    let apigw = aws_sdk_apigatewayv2::Client::new(&config(&world.moto.url(), &admin));
    let apis = apigw.get_apis().send().await.expect("GetApis");
    assert_eq!(apis.items().len(), 1, "one API, made call by call");
    let api = apis.items()[0].api_id().expect("api id");
    let routes = apigw.get_routes().api_id(api).send().await.expect("GetRoutes");
    assert_eq!(routes.items().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_pass_role_up_fails_naming_the_permission() {
    let world = world().await;
    let stack = world.stack("onboarding-secure.toml", STACK);
    let stack = stack.to_str().expect("path");
    let policy = without(&printed_policy(stack), "PassStackRoleToApiGateway");
    assert!(!policy.to_string().contains("iam:PassRole"));
    let admin = admin(&world).await;
    let deployer = user(&world.moto.iam(), "ci-deployer", &policy).await;
    enforcement(&world, "0");

    let out = run_as(&world, &deployer, &["up", stack]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let stderr = text(&out.stderr);
    let role_arn = format!("arn:aws:iam::{ACCOUNT_ID}:role/{ROLE}");
    assert!(stderr.contains("CreateIntegration"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "your AWS identity may not call iam:PassRole on {role_arn}"
        )),
        "{stderr}"
    );
    // Nothing points at the role: every integration was refused.
    let apigw = aws_sdk_apigatewayv2::Client::new(&config(&world.moto.url(), &admin));
    for api in apigw.get_apis().send().await.expect("GetApis").items() {
        let id = api.api_id().expect("api id");
        let integrations = apigw
            .get_integrations()
            .api_id(id)
            .send()
            .await
            .expect("GetIntegrations");
        assert!(integrations.items().is_empty(), "{integrations:?}");
    }

    // The same user with the printed policy, PassRole included, finishes the job.
    let iam = aws_sdk_iam::Client::new(&config(&world.moto.url(), &admin));
    put_policy(&iam, "ci-deployer", &printed_policy(stack)).await;
    ok(&run_as(&world, &deployer, &["up", stack]), "up with PassRole");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_machine_outside_the_policy_is_refused_by_name() {
    // The enforcement is real for Step Functions too: a policy printed for another machine does
    // not let `diff` describe this one.
    let world = world().await;
    let stack = world.stack("onboarding-secure.toml", STACK);
    let stack = stack.to_str().expect("path");
    let mut policy = printed_policy(stack);
    let machine = format!("arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:user-onboarding-express");
    if let Some(statements) = policy["Statement"].as_array_mut() {
        for s in statements.iter_mut().filter(|s| s["Sid"] == "StateMachines") {
            s["Resource"] = json!([machine]);
        }
    }
    let deployer = user(&world.moto.iam(), "ci-deployer", &policy).await;
    enforcement(&world, "0");
    let out = run_as(&world, &deployer, &["diff", stack]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("may not call states:DescribeStateMachine on arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding"),
        "{stderr}"
    );
}

#[test]
fn what_cannot_be_known_offline_is_an_iam_policy_variable_said_on_stderr() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stack = dir.path().join("two-accounts.toml");
    let source = include_str!("../fixtures/onboarding-existing-machine.toml")
        .replace("region = \"ap-southeast-2\"\n", "")
        .replace(
            "parameters = { Input = \"$request.body.input\" }",
            "parameters = { Input = \"$request.body.input\" }\n\n[[route]]\nkey = \"POST /b\"\naction = \"StartExecution\"\n\
             state_machine = \"arn:aws:states:ap-southeast-2:111122223333:stateMachine:b\"",
        );
    std::fs::write(&stack, source).expect("write stack");
    let stack = stack.to_str().expect("path");
    let out = support::provision("http://127.0.0.1:9")
        .env_remove("AWS_REGION")
        .args(["policy", stack])
        .output()
        .expect("run provision policy");
    ok(&out, "policy with placeholders");
    let policy: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let role = &statement(&policy, "PassStackRoleToApiGateway")["Resource"];
    assert_eq!(
        role,
        "arn:aws:iam::*:role/user-onboarding-api-gateway-stepfunctions-role"
    );
    assert_eq!(
        statement(&policy, "HttpApis")["Resource"][0],
        "arn:aws:apigateway:${aws:RequestedRegion}::/apis"
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("`${aws:RequestedRegion}`") && stderr.contains("--region"),
        "{stderr}"
    );
    assert!(
        stderr.contains("2 accounts")
            && stderr.contains("`${aws:PrincipalAccount}`")
            && stderr.contains("--account"),
        "{stderr}"
    );

    let out = support::provision("http://127.0.0.1:9")
        .env_remove("AWS_REGION")
        .args([
            "policy",
            stack,
            "--region",
            "eu-west-1",
            "--account",
            "111122223333",
        ])
        .output()
        .expect("run provision policy");
    ok(&out, "policy with --region and --account");
    let policy: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        statement(&policy, "StackRole")["Resource"],
        "arn:aws:iam::111122223333:role/user-onboarding-api-gateway-stepfunctions-role"
    );
    assert_eq!(
        statement(&policy, "HttpApis")["Resource"][0],
        "arn:aws:apigateway:eu-west-1::/apis"
    );
    assert!(!text(&out.stderr).contains("note:"), "{}", text(&out.stderr));
}

/// `provision policy STACK ARGS`, parsed; asserted to succeed offline.
fn printed_policy_with(stack: &str, args: &[&str]) -> Value {
    let out = support::provision("http://127.0.0.1:9")
        .args(["policy", stack])
        .args(args)
        .output()
        .expect("run provision policy");
    ok(&out, "policy");
    let text = text(&out.stdout);
    assert!(
        !text.contains("${AWS::"),
        "a CloudFormation placeholder in the policy:\n{text}"
    );
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("policy is not JSON ({e}): {text}"))
}

/// A stack of its own: `name`'s API and role, one StartExecution route on `machine` (a name or
/// an ARN), the role under `path`.
fn team_stack(name: &str, machine: &str, path: &str) -> String {
    format!(
        r#"[stack]
name = "{name}"
region = "{REGION}"
allow = ["no-throttling"]

[api]
name = "{name}-api"

[role]
name = "{name}-role"
policy_name = "Invoke"
path = "{path}"

[[route]]
key = "POST /start"
action = "StartExecution"
state_machine = "{machine}"
parameters = {{ Input = "$request.body.input" }}
allow = ["no-authorization"]

[stage]
name = "$default"
auto_deploy = true
"#
    )
}

/// Issue 20 items 1 and 2: two stacks side by side in one account under IAM enforcement, each
/// deployed, diffed and deleted by a principal holding exactly its own printed policy. One names
/// its machine without an ARN and has no `--account` (the policy says `${aws:PrincipalAccount}`),
/// the other has a role under a path. Every call either makes on the other's resources is
/// granted by its own policy or not made: `down` of one while the other's API and role exist
/// succeeds and leaves the other untouched.
#[tokio::test(flavor = "multi_thread")]
async fn two_stacks_side_by_side_each_with_exactly_its_printed_policy() {
    let world = world().await;
    let a = world.stack("team-a.toml", &team_stack("team-a", "user-onboarding", "/"));
    let b_machine = format!("arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:user-onboarding");
    let b = world.stack("team-b.toml", &team_stack("team-b", &b_machine, "/teams/"));
    let (a, b) = (a.to_str().expect("path"), b.to_str().expect("path"));

    let policy_a = printed_policy_with(a, &[]);
    assert_eq!(
        statement(&policy_a, "StateMachines")["Resource"],
        json!([format!(
            "arn:aws:states:{REGION}:${{aws:PrincipalAccount}}:stateMachine:user-onboarding"
        )])
    );
    let policy_b = printed_policy_with(b, &["--account", ACCOUNT_ID]);
    let role_b = format!("arn:aws:iam::{ACCOUNT_ID}:role/teams/team-b-role");
    assert_eq!(
        statement(&policy_b, "PassStackRoleToApiGateway")["Resource"],
        role_b
    );

    let admin = admin(&world).await;
    // PutUserPolicy under moto's IAM policy validation accepts both documents as printed.
    let deployer_a = user(&world.moto.iam(), "deployer-a", &policy_a).await;
    let deployer_b = user(&world.moto.iam(), "deployer-b", &policy_b).await;
    enforcement(&world, "0");
    let iam = aws_sdk_iam::Client::new(&config(&world.moto.url(), &admin));
    let apigw = aws_sdk_apigatewayv2::Client::new(&config(&world.moto.url(), &admin));

    ok(&run_as(&world, &deployer_a, &["up", a]), "up a");
    ok(&run_as(&world, &deployer_b, &["up", b]), "up b");
    let role = iam
        .get_role()
        .role_name("team-b-role")
        .send()
        .await
        .expect("GetRole b");
    assert_eq!(role.role.expect("role").arn(), role_b);
    for (who, keys, stack) in [("a", &deployer_a, a), ("b", &deployer_b, b)] {
        let diff = run_as(&world, keys, &["diff", stack, "--exit-code"]);
        ok(&diff, &format!("diff {who}"));
        assert!(
            text(&diff.stdout).contains("No changes"),
            "{}",
            text(&diff.stdout)
        );
    }

    ok(
        &run_as(&world, &deployer_a, &["down", a, "--yes"]),
        "down a beside b",
    );
    let apis = apigw.get_apis().send().await.expect("GetApis");
    let names: Vec<&str> = apis.items().iter().filter_map(|api| api.name()).collect();
    assert_eq!(names, ["team-b-api"]);
    assert!(iam.get_role().role_name("team-a-role").send().await.is_err());
    assert!(iam.get_role().role_name("team-b-role").send().await.is_ok());
    let diff = run_as(&world, &deployer_b, &["diff", b, "--exit-code"]);
    ok(&diff, "diff b after down a");

    ok(&run_as(&world, &deployer_b, &["down", b, "--yes"]), "down b");
    assert!(apigw.get_apis().send().await.expect("GetApis").items().is_empty());
    assert!(iam.get_role().role_name("team-b-role").send().await.is_err());
}

/// A stack that declares its workflow (the shipped `stacks/onboarding.toml`, publishing
/// versions behind an alias the route starts): `up`, a no-op `up` and `down` succeed as a user
/// whose only permissions are what `provision policy` printed, each checked with admin keys.
#[tokio::test(flavor = "multi_thread")]
async fn a_stack_with_machines_goes_up_and_down_with_exactly_the_printed_policy() {
    let world = World::start(&[]).await;
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/examples/onboarding.asl.json"),
        world.dir.path().join("onboarding.asl.json"),
    )
    .expect("copy definition");
    let source = include_str!("../../stacks/onboarding.toml")
        .replace("\"../examples/onboarding.asl.json\"", "\"onboarding.asl.json\"")
        .replace(
            "state_machine = \"user-onboarding\"\n",
            "state_machine = \"user-onboarding\"\nalias = \"live\"\n",
        )
        .replace(
            "\n[[route]]",
            "publish = true\n\n[state_machine.alias]\nname = \"live\"\n\n[[route]]",
        );
    let stack = world.stack("onboarding.toml", &source);
    let stack = stack.to_str().expect("path");
    let policy = printed_policy(stack);

    let admin = admin(&world).await;
    let deployer = user(&world.moto.iam(), "ci-deployer", &policy).await;
    enforcement(&world, "0");
    let admin_config = config(&world.moto.url(), &admin);
    let (iam, sfn) = (
        aws_sdk_iam::Client::new(&admin_config),
        aws_sdk_sfn::Client::new(&admin_config),
    );
    let machine = format!("arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:user-onboarding");
    let role = "StepFunctions-user-onboarding-ap-southeast-2";

    ok(&run_as(&world, &deployer, &["up", stack]), "up");
    let described = sfn
        .describe_state_machine()
        .state_machine_arn(&machine)
        .send()
        .await
        .expect("DescribeStateMachine");
    assert_eq!(
        described.role_arn(),
        format!("arn:aws:iam::{ACCOUNT_ID}:role/{role}")
    );
    let aliases = sfn
        .list_state_machine_aliases()
        .state_machine_arn(&machine)
        .send()
        .await
        .expect("ListStateMachineAliases");
    assert_eq!(aliases.state_machine_aliases().len(), 1);
    iam.get_role_policy()
        .role_name(role)
        .policy_name("StateMachineExecution")
        .send()
        .await
        .expect("the generated role's policy");

    let again = run_as(&world, &deployer, &["up", stack]);
    ok(&again, "no-op up");
    let said = format!("{}{}", text(&again.stdout), text(&again.stderr));
    assert!(said.contains("No changes"), "{said}");

    ok(&run_as(&world, &deployer, &["down", stack, "--yes"]), "down");
    assert!(
        sfn.list_state_machines()
            .send()
            .await
            .expect("ListStateMachines")
            .state_machines()
            .is_empty(),
        "the machine (with its versions and alias) is deleted"
    );
    assert!(
        iam.get_role().role_name(role).send().await.is_err(),
        "generated role deleted"
    );
}

/// "IAM and AWS STS quotas": IAM counts a policy without white space, and a user's inline
/// policies may hold 2,048 characters together (a group's 5,120, a managed policy 6,144, a
/// role's 10,240). The printed deployer policy of the onboarding stack, counted here from what
/// was printed, is over a user's quota, and `policy` says so on stderr with that count and where
/// it fits; the smaller policy of `stacks/onboarding-anywhere.toml` (no state machine of its own)
/// gets no such note.
#[test]
fn a_policy_over_a_user_s_inline_quota_is_said_to_fit_a_role_or_a_managed_policy() {
    let run = |stack: &str| {
        let out = support::provision("http://127.0.0.1:9")
            .args(["policy", stack])
            .output()
            .expect("run provision policy");
        ok(&out, "policy");
        let counted = text(&out.stdout).chars().filter(|c| !c.is_whitespace()).count();
        (counted, text(&out.stderr))
    };
    let (counted, stderr) = run("stacks/onboarding.toml");
    assert!(counted > 2_048 && counted <= 5_120, "{counted}");
    let thousands = format!("{},{:03}", counted / 1000, counted % 1000);
    let note = stderr
        .lines()
        .find(|l| l.contains("as IAM counts them"))
        .unwrap_or_else(|| panic!("no size note: {stderr}"));
    assert!(note.contains(&format!("is {thousands} characters")), "{note}");
    for place in [
        "2,048 a user's inline policies",
        "a group's inline policies (5,120 at most)",
        "a customer managed policy (6,144 at most)",
        "a role's inline policies (10,240 at most)",
        "aws iam create-policy",
    ] {
        assert!(note.contains(place), "{place}: {note}");
    }
    let (counted, stderr) = run("stacks/onboarding-anywhere.toml");
    assert!(counted <= 2_048, "{counted}");
    assert!(!stderr.contains("as IAM counts them"), "{stderr}");
}
