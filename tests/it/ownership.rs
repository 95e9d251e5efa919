//! Nothing owned is left behind (issue 16, item 1): each rename (`[role] name`, `policy_name`,
//! an authorizer, the stage, a route key, the API) plans create-new, repoint, delete-old; after
//! its `up` the old resource is gone and `diff` says no changes; `down` then leaves nothing
//! tagged with the stack. Checked through a second client (the SDK talking to moto directly).

use crate::support;
use crate::support::printed;

use aws_sdk_apigatewayv2::types::{IntegrationType, ProtocolType};
use aws_sdk_sfn::types::StateMachineType;
use support::World;

const STACK: &str = "renames";
const MACHINE: &str = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding";

/// The names a stack file is written with; each test changes one.
#[derive(Clone)]
struct Names {
    api: &'static str,
    role: &'static str,
    policy: &'static str,
    authorizer: &'static str,
    stage: &'static str,
    route: &'static str,
}

const FIRST: Names = Names {
    api: "renames-api",
    role: "renames-role",
    policy: "InvokeRenames",
    authorizer: "cognito",
    stage: "live",
    route: "POST /new-user",
};

fn stack_text(n: &Names) -> String {
    format!(
        r#"
[stack]
name = "{STACK}"
region = "ap-southeast-2"

[api]
name = "{api}"

[role]
name = "{role}"
policy_name = "{policy}"

[[authorizer]]
name = "{authorizer}"
issuer = "https://cognito-idp.ap-southeast-2.amazonaws.com/ap-southeast-2_Example"
audience = ["onboarding-client"]

[[route]]
key = "{route}"
action = "StartExecution"
state_machine = "{MACHINE}"
authorizer = "{authorizer}"
parameters = {{ Input = "$request.body.input" }}

[stage]
name = "{stage}"
auto_deploy = true
"#,
        api = n.api,
        role = n.role,
        policy = n.policy,
        authorizer = n.authorizer,
        stage = n.stage,
        route = n.route,
    )
}

async fn world() -> World {
    World::start(&[("user-onboarding", StateMachineType::Standard)]).await
}

/// Every role moto holds that carries `provision:stack = STACK` (ListRoles, then each role's
/// tags: ListRoles does not return tags).
async fn tagged_roles(world: &World) -> Vec<String> {
    let iam = world.moto.iam();
    let roles = iam.list_roles().send().await.expect("ListRoles");
    let mut tagged = Vec::new();
    for role in roles.roles() {
        let tags = iam
            .list_role_tags()
            .role_name(role.role_name())
            .send()
            .await
            .expect("ListRoleTags");
        if tags
            .tags()
            .iter()
            .any(|t| t.key() == "provision:stack" && t.value() == STACK)
        {
            tagged.push(role.role_name().to_string());
        }
    }
    tagged
}

async fn role_exists(world: &World, name: &str) -> bool {
    world.moto.iam().get_role().role_name(name).send().await.is_ok()
}

/// Names of the authorizers of every API moto holds.
async fn all_authorizers(world: &World) -> Vec<String> {
    let gw = world.moto.apigw();
    let apis = gw.get_apis().send().await.expect("GetApis");
    let mut names = Vec::new();
    for api in apis.items() {
        let out = gw
            .get_authorizers()
            .api_id(api.api_id().expect("id"))
            .send()
            .await
            .expect("GetAuthorizers");
        names.extend(out.items().iter().filter_map(|a| a.name().map(str::to_string)));
    }
    names
}

/// `down --yes`, then nothing tagged with the stack remains: no role, no API, no authorizer.
async fn down_leaves_nothing(world: &World, path: &str) {
    let down = world.run(&["down", "--yes", path]);
    assert_eq!(down.status.code(), Some(0), "{}", printed(&down));
    assert!(
        String::from_utf8_lossy(&down.stdout).contains("Stack renames deleted."),
        "{}",
        printed(&down)
    );
    assert_eq!(
        tagged_roles(world).await,
        Vec::<String>::new(),
        "roles left after down"
    );
    assert!(world.owned_apis(STACK).await.is_empty(), "API left after down");
    assert_eq!(
        all_authorizers(world).await,
        Vec::<String>::new(),
        "authorizers left"
    );
}

/// `diff --exit-code` says no changes.
fn assert_no_changes(world: &World, path: &str) {
    let diff = world.run(&["diff", "--exit-code", path]);
    assert_eq!(
        diff.status.code(),
        Some(0),
        "diff after the rename: {}",
        printed(&diff)
    );
    assert!(printed(&diff).contains("No changes"), "{}", printed(&diff));
}

/// `up` with FIRST, then with `renamed`: returns the rename's diff and up output.
async fn rename(world: &World, renamed: &Names) -> (String, String, std::path::PathBuf) {
    let path = world.stack("renames.toml", &stack_text(&FIRST));
    world.ok(&["up", path.to_str().expect("utf-8")]);
    std::fs::write(&path, stack_text(renamed)).expect("rewrite stack");
    let p = path.to_str().expect("utf-8");
    let diff = world.run(&["diff", p]);
    assert_eq!(diff.status.code(), Some(0), "{}", printed(&diff));
    let up = world.ok(&["up", "--yes", p]);
    (printed(&diff), printed(&up), path)
}

#[tokio::test]
async fn renaming_the_role_creates_the_new_one_repoints_and_deletes_the_old() {
    let world = world().await;
    let renamed = Names {
        role: "renames-role-v2",
        ..FIRST
    };
    let (diff, up, path) = rename(&world, &renamed).await;
    let p = path.to_str().expect("utf-8");
    assert!(diff.contains("+ role renames-role-v2"), "{diff}");
    assert!(diff.contains("credentials_arn"), "{diff}");
    assert!(
        diff.contains("- role renames-role (replaced by renames-role-v2)"),
        "{diff}"
    );
    assert!(up.contains("delete role renames-role"), "{up}");

    assert!(!role_exists(&world, "renames-role").await, "the old role is gone");
    support::owned_role(&world.moto.iam(), "renames-role-v2", STACK).await;
    let api_id = world.only_api_id(STACK).await;
    let integrations = world
        .moto
        .apigw()
        .get_integrations()
        .api_id(&api_id)
        .send()
        .await
        .expect("GetIntegrations");
    let credentials: Vec<_> = integrations.items().iter().map(|i| i.credentials_arn()).collect();
    assert_eq!(
        credentials,
        vec![Some("arn:aws:iam::189107071895:role/renames-role-v2")]
    );
    assert_eq!(tagged_roles(&world).await, vec!["renames-role-v2".to_string()]);
    assert_no_changes(&world, p);
    down_leaves_nothing(&world, p).await;
}

#[tokio::test]
async fn renaming_the_role_and_its_policy_together_leaves_neither_old_one() {
    let world = world().await;
    let renamed = Names {
        role: "renames-role-v2",
        policy: "InvokeRenamesV2",
        ..FIRST
    };
    let (_, _, path) = rename(&world, &renamed).await;
    let p = path.to_str().expect("utf-8");
    assert!(!role_exists(&world, "renames-role").await);
    assert_eq!(
        inline_policies(&world, "renames-role-v2").await,
        ["InvokeRenamesV2"]
    );
    assert_no_changes(&world, p);
    down_leaves_nothing(&world, p).await;
}

#[tokio::test]
async fn renaming_the_policy_replaces_it_on_the_same_role() {
    let world = world().await;
    let renamed = Names {
        policy: "InvokeRenamesV2",
        ..FIRST
    };
    let (diff, _, path) = rename(&world, &renamed).await;
    let p = path.to_str().expect("utf-8");
    assert!(diff.contains("+ role_policy InvokeRenamesV2"), "{diff}");
    assert!(diff.contains("- role_policy InvokeRenames"), "{diff}");
    assert_eq!(inline_policies(&world, "renames-role").await, ["InvokeRenamesV2"]);
    assert_no_changes(&world, p);
    down_leaves_nothing(&world, p).await;
}

#[tokio::test]
async fn renaming_the_authorizer_creates_the_new_one_and_deletes_the_old() {
    let world = world().await;
    let renamed = Names {
        authorizer: "cognito-v2",
        ..FIRST
    };
    let (diff, _, path) = rename(&world, &renamed).await;
    let p = path.to_str().expect("utf-8");
    assert!(diff.contains("+ authorizer cognito-v2"), "{diff}");
    assert!(diff.contains("- authorizer cognito"), "{diff}");
    assert_eq!(all_authorizers(&world).await, vec!["cognito-v2".to_string()]);
    assert_no_changes(&world, p);
    down_leaves_nothing(&world, p).await;
}

#[tokio::test]
async fn renaming_the_stage_creates_the_new_one_and_deletes_the_old() {
    let world = world().await;
    let renamed = Names {
        stage: "prod",
        ..FIRST
    };
    let (diff, _, path) = rename(&world, &renamed).await;
    let p = path.to_str().expect("utf-8");
    assert!(diff.contains("+ stage prod"), "{diff}");
    assert!(diff.contains("- stage live"), "{diff}");
    let api_id = world.only_api_id(STACK).await;
    let stages = world
        .moto
        .apigw()
        .get_stages()
        .api_id(&api_id)
        .send()
        .await
        .expect("GetStages");
    let names: Vec<_> = stages.items().iter().filter_map(|s| s.stage_name()).collect();
    assert_eq!(names, ["prod"]);
    assert_no_changes(&world, p);
    down_leaves_nothing(&world, p).await;
}

#[tokio::test]
async fn renaming_a_route_key_creates_the_new_route_and_deletes_the_old() {
    let world = world().await;
    let renamed = Names {
        route: "POST /users",
        ..FIRST
    };
    let (diff, _, path) = rename(&world, &renamed).await;
    let p = path.to_str().expect("utf-8");
    assert!(diff.contains("+ route POST /users"), "{diff}");
    assert!(diff.contains("- route POST /new-user"), "{diff}");
    let api_id = world.only_api_id(STACK).await;
    let gw = world.moto.apigw();
    let routes = gw.get_routes().api_id(&api_id).send().await.expect("GetRoutes");
    let keys: Vec<_> = routes.items().iter().filter_map(|r| r.route_key()).collect();
    assert_eq!(keys, ["POST /users"]);
    let integrations = gw
        .get_integrations()
        .api_id(&api_id)
        .send()
        .await
        .expect("GetIntegrations");
    assert_eq!(integrations.items().len(), 1, "the old integration is gone");
    assert_no_changes(&world, p);
    down_leaves_nothing(&world, p).await;
}

#[tokio::test]
async fn renaming_the_api_renames_it_in_place() {
    let world = world().await;
    let before = {
        let path = world.stack("first.toml", &stack_text(&FIRST));
        world.ok(&["up", path.to_str().expect("utf-8")]);
        world.only_api_id(STACK).await
    };
    let renamed = Names {
        api: "renames-api-v2",
        ..FIRST
    };
    let path = world.stack("renames.toml", &stack_text(&renamed));
    let p = path.to_str().expect("utf-8");
    let diff = world.run(&["diff", p]);
    assert!(printed(&diff).contains("~ api"), "{}", printed(&diff));
    world.ok(&["up", "--yes", p]);
    let apis = world.owned_apis(STACK).await;
    assert_eq!(apis.len(), 1);
    assert_eq!(apis[0].api_id(), Some(before.as_str()), "the same API, renamed");
    assert_eq!(apis[0].name(), Some("renames-api-v2"));
    assert_no_changes(&world, p);
    down_leaves_nothing(&world, p).await;
}

#[tokio::test]
async fn every_rename_at_once_then_down_leaves_nothing_tagged() {
    let world = world().await;
    let renamed = Names {
        api: "renames-api-v2",
        role: "renames-role-v2",
        policy: "InvokeRenamesV2",
        authorizer: "cognito-v2",
        stage: "prod",
        route: "POST /users",
    };
    let (_, _, path) = rename(&world, &renamed).await;
    let p = path.to_str().expect("utf-8");
    assert_eq!(tagged_roles(&world).await, vec!["renames-role-v2".to_string()]);
    assert_no_changes(&world, p);
    // And back again, then down.
    std::fs::write(&path, stack_text(&FIRST)).expect("rewrite");
    world.ok(&["up", "--yes", p]);
    assert_eq!(tagged_roles(&world).await, vec!["renames-role".to_string()]);
    assert_no_changes(&world, p);
    down_leaves_nothing(&world, p).await;
}

/// An API outside the stack whose integration uses `role_arn` as credentials.
async fn outside_api_using(world: &World, role_arn: &str) -> String {
    let gw = world.moto.apigw();
    let api = gw
        .create_api()
        .name("someone-elses-api")
        .protocol_type(ProtocolType::Http)
        .send()
        .await
        .expect("CreateApi");
    let id = api.api_id().expect("id").to_string();
    gw.create_integration()
        .api_id(&id)
        .integration_type(IntegrationType::AwsProxy)
        .integration_subtype("StepFunctions-StartExecution")
        .payload_format_version("1.0")
        .credentials_arn(role_arn)
        .request_parameters("StateMachineArn", MACHINE)
        .send()
        .await
        .expect("CreateIntegration");
    id
}

#[tokio::test]
async fn a_tagged_role_used_outside_the_stack_is_reported_and_never_deleted() {
    let world = world().await;
    let path = world.stack("renames.toml", &stack_text(&FIRST));
    let p = path.to_str().expect("utf-8");
    world.ok(&["up", p]);
    let outside = outside_api_using(&world, "arn:aws:iam::189107071895:role/renames-role").await;

    // Renamed: the old role is still used by someone else's API, so it stays.
    let renamed = Names {
        role: "renames-role-v2",
        ..FIRST
    };
    std::fs::write(&path, stack_text(&renamed)).expect("rewrite");
    let up = world.ok(&["up", "--yes", p]);
    assert!(
        printed(&up).contains(&format!(
            "role renames-role is tagged for stack renames but API someone-elses-api ({outside}) use(s) it too"
        )),
        "{}",
        printed(&up)
    );
    assert!(
        !printed(&up).contains("delete role renames-role"),
        "{}",
        printed(&up)
    );
    assert!(role_exists(&world, "renames-role").await, "the used role stays");

    // down deletes the stack's current role but leaves the one used outside, saying so.
    std::fs::write(&path, stack_text(&FIRST)).expect("rewrite");
    let down = world.run(&["down", "--yes", p]);
    assert_eq!(down.status.code(), Some(0), "{}", printed(&down));
    assert!(
        printed(&down).contains("role renames-role is tagged for stack renames but API someone-elses-api"),
        "{}",
        printed(&down)
    );
    assert!(
        role_exists(&world, "renames-role").await,
        "never deleted while used outside"
    );
    assert!(world.owned_apis(STACK).await.is_empty());
}

#[tokio::test]
async fn a_no_op_diff_makes_no_extra_call_and_a_renamed_role_costs_three() {
    let world = world().await;
    let path = world.stack("renames.toml", &stack_text(&FIRST));
    let p = path.to_str().expect("utf-8");
    world.ok(&["up", p]);
    world.proxy.clear();
    world.ok(&["diff", p]);
    let no_op = world.proxy.operations();
    // The onboarding budget (9) plus GetAuthorizers: this stack declares an authorizer.
    assert_eq!(no_op.len(), 10, "{no_op:?}");
    assert!(!no_op.iter().any(|o| o == "GetCallerIdentity" || o == "ListRoles"));

    std::fs::write(
        &path,
        stack_text(&Names {
            role: "renames-role-v2",
            ..FIRST
        }),
    )
    .expect("rewrite");
    world.proxy.clear();
    world.ok(&["diff", p]);
    let renamed = world.proxy.operations();
    // The old role, read by the name in the integration's credentials (GetRole,
    // ListRolePolicies, ListAttachedRolePolicies). Whether an API outside the stack uses it comes
    // from the same GetApis listing (there is none, so no GetIntegrations of another API).
    assert_eq!(renamed.len(), no_op.len() + 3, "{renamed:?}");
    let count = |ops: &[String], op: &str| ops.iter().filter(|o| *o == op).count();
    assert_eq!(count(&renamed, "GetRole"), 2);
    assert_eq!(count(&renamed, "GetApis"), 1);
}

/// A role as the tool makes it (its description, a trust of API Gateway, an inline policy)
/// tagged for `stack`, made through the second client: what an `up` cut off between
/// repointing the integrations and deleting the old role leaves behind.
async fn left_behind_role(world: &World, name: &str, stack: Option<&str>) {
    let iam = world.moto.iam();
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let mut create = iam
        .create_role()
        .role_name(name)
        .description(provision::stack::rules::role_description(stack.unwrap_or(STACK)))
        .assume_role_policy_document(trust);
    if let Some(stack) = stack {
        create = create.tags(
            aws_sdk_iam::types::Tag::builder()
                .key("provision:stack")
                .value(stack)
                .build()
                .expect("tag"),
        );
    }
    create.send().await.expect("CreateRole");
    iam.put_role_policy()
        .role_name(name)
        .policy_name("InvokeRenames")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"states:StartExecution","Resource":"*"}]}"#)
        .send()
        .await
        .expect("PutRolePolicy");
}

#[tokio::test]
async fn down_finds_a_role_left_behind_by_a_cut_off_rename_by_its_description_and_tag() {
    let world = world().await;
    let path = world.stack("renames.toml", &stack_text(&FIRST));
    let p = path.to_str().expect("utf-8");
    world.ok(&["up", p]);
    left_behind_role(&world, "renames-role-old", Some(STACK)).await;
    left_behind_role(&world, "other-stacks-role", Some("another-stack")).await;
    left_behind_role(&world, "untagged-role", None).await;
    // up and diff do not look for it (no call is added to them) ...
    assert_no_changes(&world, p);
    // ... down does, and deletes only the stack's.
    let down = world.run(&["down", "--yes", p]);
    assert_eq!(down.status.code(), Some(0), "{}", printed(&down));
    assert!(
        printed(&down).contains("delete role renames-role-old"),
        "{}",
        printed(&down)
    );
    assert_eq!(tagged_roles(&world).await, Vec::<String>::new());
    assert!(role_exists(&world, "other-stacks-role").await);
    assert!(role_exists(&world, "untagged-role").await);
    assert!(!role_exists(&world, "renames-role-old").await);
}

/// The inline policy names of `role`, read through a second client.
async fn inline_policies(world: &World, role: &str) -> Vec<String> {
    world
        .moto
        .iam()
        .list_role_policies()
        .role_name(role)
        .send()
        .await
        .expect("ListRolePolicies")
        .policy_names()
        .to_vec()
}
