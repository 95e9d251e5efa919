//! `up`, `diff` and `down` against a real moto server, verified through a second client (the
//! SDK talking to moto directly) and counted at the HTTP layer by a recording proxy.

use crate::support;
use crate::support::printed;

use std::path::Path;

use aws_sdk_apigatewayv2::types::IntegrationType;
use aws_sdk_sfn::types::StateMachineType;
use serde_json::{Value, json};
use support::World;

const ROLE: &str = "user-onboarding-api-gateway-stepfunctions-role";
const MACHINE: &str = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding";
const ONBOARDING: &str = "tests/fixtures/onboarding-existing-machine.toml";
const STACK: &str = "user-onboarding";

type Env = World;

async fn env() -> Env {
    World::start(&[("user-onboarding", StateMachineType::Standard)]).await
}

/// The stack's inline policy `name`, read from moto.
async fn role_policy(env: &World, name: &str) -> Value {
    let out = env
        .moto
        .iam()
        .get_role_policy()
        .role_name(ROLE)
        .policy_name(name)
        .send()
        .await
        .expect("GetRolePolicy");
    support::decode_policy(out.policy_document())
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

const TEMPLATE: &str = r#"
[stack]
name = "user-onboarding"
region = "ap-southeast-2"

[api]
name = "user-onboarding-api"

[role]
name = "user-onboarding-api-gateway-stepfunctions-role"
policy_name = "InvokeUserOnboardingWorkflow"
"#;

#[tokio::test]
async fn up_creates_the_walkthrough_from_nothing() {
    let env = env().await;
    let out = env.ok(&["up", ONBOARDING]);
    let stdout = String::from_utf8_lossy(&out.stdout);

    let api_id = env.only_api_id(STACK).await;
    let gw = env.moto.apigw();
    let api = gw.get_api().api_id(&api_id).send().await.expect("GetApi");
    assert_eq!(api.name(), Some("user-onboarding-api"));
    assert!(stdout.contains(&format!(
        "https://{api_id}.execute-api.ap-southeast-2.amazonaws.com/new-user"
    )));
    assert!(stdout.contains("curl -X POST"), "{stdout}");

    let routes = gw.get_routes().api_id(&api_id).send().await.expect("GetRoutes");
    assert_eq!(routes.items().len(), 1);
    let route = &routes.items()[0];
    assert_eq!(route.route_key(), Some("POST /new-user"));

    let integrations = gw
        .get_integrations()
        .api_id(&api_id)
        .send()
        .await
        .expect("GetIntegrations");
    assert_eq!(integrations.items().len(), 1);
    let integration = &integrations.items()[0];
    assert_eq!(
        route.target(),
        Some(
            format!(
                "integrations/{}",
                integration.integration_id().unwrap_or_default()
            )
            .as_str()
        )
    );
    assert_eq!(integration.integration_type(), Some(&IntegrationType::AwsProxy));
    assert_eq!(
        integration.integration_subtype(),
        Some("StepFunctions-StartExecution")
    );
    assert_eq!(integration.payload_format_version(), Some("1.0"));
    assert_eq!(
        integration.credentials_arn(),
        Some(format!("arn:aws:iam::189107071895:role/{ROLE}").as_str())
    );
    let params = integration.request_parameters().expect("parameters");
    assert_eq!(
        params.get("Input").map(String::as_str),
        Some("$request.body.input")
    );
    assert_eq!(params.get("StateMachineArn").map(String::as_str), Some(MACHINE));

    let stages = gw.get_stages().api_id(&api_id).send().await.expect("GetStages");
    assert_eq!(stages.items().len(), 1);
    assert_eq!(stages.items()[0].stage_name(), Some("$default"));
    assert_eq!(stages.items()[0].auto_deploy(), Some(true));
    assert_eq!(
        stages.items()[0]
            .tags()
            .and_then(|t| t.get("provision:stack"))
            .map(String::as_str),
        Some("user-onboarding")
    );

    let role = support::owned_role(&env.moto.iam(), ROLE, "user-onboarding").await;
    let trust = percent_encoding::percent_decode_str(role.assume_role_policy_document().unwrap_or_default())
        .decode_utf8_lossy()
        .to_string();
    let trust: Value = serde_json::from_str(&trust).expect("trust JSON");
    assert_eq!(
        trust,
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": ["apigateway.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}]})
    );
    let policy = role_policy(&env, "InvokeUserOnboardingWorkflow").await;
    assert_eq!(
        policy,
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": ["states:StartExecution", "states:StartSyncExecution"], "Resource": [MACHINE]}]}),
        "exactly the walkthrough's grant, nothing wider"
    );
    let inline = env
        .moto
        .iam()
        .list_role_policies()
        .role_name(ROLE)
        .send()
        .await
        .expect("ListRolePolicies");
    assert_eq!(
        inline.policy_names(),
        ["InvokeUserOnboardingWorkflow".to_string()]
    );
    assert_eq!(
        route.authorization_type(),
        Some(&aws_sdk_apigatewayv2::types::AuthorizationType::None)
    );
}

#[tokio::test]
async fn second_up_makes_no_mutating_call() {
    let env = env().await;
    env.ok(&["up", ONBOARDING]);
    env.proxy.clear();
    let out = env.ok(&["up", ONBOARDING]);
    assert!(printed(&out).contains("No changes"), "{}", printed(&out));
    assert!(!env.proxy.calls().is_empty(), "the second up read live state");
    assert_eq!(
        env.proxy.mutating_calls(),
        vec![],
        "second up must not change anything"
    );

    let diff = env.run(&["diff", "--exit-code", ONBOARDING]);
    assert_eq!(diff.status.code(), Some(0), "{}", printed(&diff));
    let json = env.ok(&["diff", "--output", "json", ONBOARDING]);
    let doc: Value = serde_json::from_slice(&json.stdout).expect("JSON on stdout");
    assert_eq!(doc, json!({"stack": "user-onboarding", "changes": []}));
}

#[tokio::test]
async fn drift_made_by_another_client_is_shown_and_repaired() {
    let env = env().await;
    env.ok(&["up", ONBOARDING]);
    let api_id = env.only_api_id(STACK).await;
    let gw = env.moto.apigw();
    let integrations = gw
        .get_integrations()
        .api_id(&api_id)
        .send()
        .await
        .expect("GetIntegrations");
    let integration = &integrations.items()[0];
    let drifted_id = integration.integration_id().unwrap_or_default().to_string();
    let mut params = integration.request_parameters().cloned().unwrap_or_default();
    params.insert("Input".into(), "$request.body".into());
    gw.update_integration()
        .api_id(&api_id)
        .integration_id(integration.integration_id().unwrap_or_default())
        .set_request_parameters(Some(params))
        .send()
        .await
        .expect("UpdateIntegration by hand");
    let routes = gw.get_routes().api_id(&api_id).send().await.expect("GetRoutes");
    gw.delete_route()
        .api_id(&api_id)
        .route_id(routes.items()[0].route_id().unwrap_or_default())
        .send()
        .await
        .expect("DeleteRoute by hand");
    let wide =
        json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"states:*","Resource":"*"}]});
    env.moto
        .iam()
        .put_role_policy()
        .role_name(ROLE)
        .policy_name("InvokeUserOnboardingWorkflow")
        .policy_document(wide.to_string())
        .send()
        .await
        .expect("PutRolePolicy by hand");

    let diff = env.run(&["diff", "--exit-code", "--output", "json", ONBOARDING]);
    assert_eq!(diff.status.code(), Some(2), "{}", printed(&diff));
    let doc: Value = serde_json::from_slice(&diff.stdout).expect("JSON");
    let changes = doc["changes"].as_array().expect("changes");
    let has = |action: &str, kind: &str| changes.iter().any(|c| c["action"] == action && c["kind"] == kind);
    assert!(has("update", "role_policy"), "{doc:#}");
    assert!(has("create", "route"), "{doc:#}");
    let input_field = changes
        .iter()
        .flat_map(|c| c["fields"].as_array().cloned().unwrap_or_default())
        .find(|f| f["field"] == "request_parameters.Input")
        .expect("Input drift shown");
    assert_eq!(input_field["before"], "$request.body");
    assert_eq!(input_field["after"], "$request.body.input");

    env.ok(&["up", ONBOARDING]);
    assert_eq!(
        env.only_api_id(STACK).await,
        api_id,
        "the API is kept, not recreated"
    );
    let integrations = gw
        .get_integrations()
        .api_id(&api_id)
        .send()
        .await
        .expect("GetIntegrations");
    assert_eq!(integrations.items().len(), 1);
    assert_eq!(
        integrations.items()[0].integration_id(),
        Some(drifted_id.as_str()),
        "the integration is updated in place and reused by the recreated route"
    );
    let params = integrations.items()[0].request_parameters().expect("params");
    let expected = std::collections::HashMap::from([
        ("Input".to_string(), "$request.body.input".to_string()),
        ("StateMachineArn".to_string(), MACHINE.to_string()),
    ]);
    assert_eq!(params, &expected, "the whole map, nothing lost");
    let routes = gw.get_routes().api_id(&api_id).send().await.expect("GetRoutes");
    assert_eq!(routes.items().len(), 1);
    assert_eq!(
        routes.items()[0].target(),
        Some(
            format!(
                "integrations/{}",
                integrations.items()[0].integration_id().unwrap_or_default()
            )
            .as_str()
        )
    );
    let policy = role_policy(&env, "InvokeUserOnboardingWorkflow").await;
    assert_eq!(policy["Statement"][0]["Resource"], json!([MACHINE]));

    let again = env.run(&["diff", "--exit-code", ONBOARDING]);
    assert_eq!(again.status.code(), Some(0), "{}", printed(&again));
    env.proxy.clear();
    env.ok(&["up", ONBOARDING]);
    assert_eq!(env.proxy.mutating_calls(), vec![], "repaired for good");
}

#[tokio::test]
async fn a_removed_parameter_replaces_the_integration() {
    let env = env().await;
    let with_name = format!(
        "{TEMPLATE}\n[[route]]\nkey = \"POST /new-user\"\naction = \"StartExecution\"\nstate_machine = \"{MACHINE}\"\n\
         parameters = {{ Input = \"$request.body.input\", Name = \"$context.requestId\" }}\n"
    );
    let without_name = format!(
        "{TEMPLATE}\n[[route]]\nkey = \"POST /new-user\"\naction = \"StartExecution\"\nstate_machine = \"{MACHINE}\"\n"
    );
    let first = env.stack("first.toml", &with_name);
    let second = env.stack("second.toml", &without_name);
    env.ok(&["up", path(&first)]);
    let api_id = env.only_api_id(STACK).await;
    let gw = env.moto.apigw();
    let before = gw
        .get_integrations()
        .api_id(&api_id)
        .send()
        .await
        .expect("GetIntegrations");
    let old_id = before.items()[0].integration_id().unwrap_or_default().to_string();
    env.proxy.clear();
    env.ok(&["up", path(&second)]);
    // moto replaces the whole map on update, so only the calls show that AWS's merge was avoided.
    let calls: Vec<String> = env
        .proxy
        .mutating_calls()
        .into_iter()
        .map(|c| c.operation)
        .collect();
    assert_eq!(
        calls,
        vec!["CreateIntegration", "UpdateRoute", "DeleteIntegration"]
    );
    let integrations = gw
        .get_integrations()
        .api_id(&api_id)
        .send()
        .await
        .expect("GetIntegrations");
    assert_eq!(integrations.items().len(), 1, "the old integration is deleted");
    assert_ne!(
        integrations.items()[0].integration_id(),
        Some(old_id.as_str()),
        "replaced, not updated"
    );
    let params = integrations.items()[0].request_parameters().expect("params");
    assert!(!params.contains_key("Name"), "{params:?}");
    let routes = gw.get_routes().api_id(&api_id).send().await.expect("GetRoutes");
    assert_eq!(
        routes.items()[0].target(),
        Some(
            format!(
                "integrations/{}",
                integrations.items()[0].integration_id().unwrap_or_default()
            )
            .as_str()
        )
    );
    env.proxy.clear();
    env.ok(&["up", path(&second)]);
    assert_eq!(env.proxy.mutating_calls(), vec![]);
}

#[tokio::test]
async fn an_undeclared_route_is_deleted_with_its_integration() {
    let env = env().await;
    env.ok(&["up", ONBOARDING]);
    let api_id = env.only_api_id(STACK).await;
    let gw = env.moto.apigw();
    let extra = gw
        .create_integration()
        .api_id(&api_id)
        .integration_type(IntegrationType::AwsProxy)
        .integration_subtype("StepFunctions-StartExecution")
        .payload_format_version("1.0")
        .request_parameters("StateMachineArn", MACHINE)
        .send()
        .await
        .expect("CreateIntegration by hand");
    gw.create_route()
        .api_id(&api_id)
        .route_key("GET /extra")
        .target(format!(
            "integrations/{}",
            extra.integration_id().unwrap_or_default()
        ))
        .send()
        .await
        .expect("CreateRoute by hand");

    let diff = env.run(&["diff", ONBOARDING]);
    assert!(
        printed(&diff).contains("- route GET /extra"),
        "{}",
        printed(&diff)
    );
    env.ok(&["up", ONBOARDING]);
    let routes = gw.get_routes().api_id(&api_id).send().await.expect("GetRoutes");
    let keys: Vec<_> = routes.items().iter().filter_map(|r| r.route_key()).collect();
    assert_eq!(keys, vec!["POST /new-user"]);
    let integrations = gw
        .get_integrations()
        .api_id(&api_id)
        .send()
        .await
        .expect("GetIntegrations");
    assert_eq!(integrations.items().len(), 1);
    assert_ne!(integrations.items()[0].integration_id(), extra.integration_id());
}

#[tokio::test]
async fn a_changed_route_key_moves_the_route() {
    let env = env().await;
    env.ok(&["up", ONBOARDING]);
    let api_id = env.only_api_id(STACK).await;
    let moved = env.stack(
        "moved.toml",
        &format!("{TEMPLATE}\n[[route]]\nkey = \"POST /users\"\naction = \"StartExecution\"\nstate_machine = \"{MACHINE}\"\n"),
    );
    env.ok(&["up", path(&moved)]);
    let gw = env.moto.apigw();
    let routes = gw.get_routes().api_id(&api_id).send().await.expect("GetRoutes");
    let keys: Vec<_> = routes.items().iter().filter_map(|r| r.route_key()).collect();
    assert_eq!(keys, vec!["POST /users"]);
    let integrations = gw
        .get_integrations()
        .api_id(&api_id)
        .send()
        .await
        .expect("GetIntegrations");
    assert_eq!(integrations.items().len(), 1, "no orphan integration is left");
    env.proxy.clear();
    env.ok(&["up", path(&moved)]);
    assert_eq!(env.proxy.mutating_calls(), vec![]);
}

#[tokio::test]
async fn the_policy_is_derived_from_the_routes_when_actions_are_absent() {
    let env = env().await;
    let stop_machine =
        support::create_state_machine(&env.moto.sfn(), "cleanup", StateMachineType::Standard).await;
    let stack = env.stack(
        "derived.toml",
        &format!(
            "{TEMPLATE}\n[[route]]\nkey = \"POST /new-user\"\naction = \"StartExecution\"\nstate_machine = \"{MACHINE}\"\n\
             [[route]]\nkey = \"DELETE /runs\"\naction = \"StopExecution\"\nstate_machine = \"{stop_machine}\"\n\
             parameters = {{ ExecutionArn = \"$request.querystring.arn\" }}\n"
        ),
    );
    env.ok(&["up", path(&stack)]);
    let policy = role_policy(&env, "InvokeUserOnboardingWorkflow").await;
    let mut statements: Vec<(Value, Value)> = policy["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .map(|s| (s["Action"].clone(), s["Resource"].clone()))
        .collect();
    statements.sort_by_key(|s| s.0.to_string());
    assert_eq!(
        statements,
        vec![
            (json!(["states:StartExecution"]), json!([MACHINE])),
            (
                json!(["states:StopExecution"]),
                json!(["arn:aws:states:ap-southeast-2:189107071895:execution:cleanup:*"])
            ),
        ]
    );
    assert!(!policy.to_string().contains("\"*\""));
}

#[tokio::test]
async fn an_unowned_role_is_refused_untouched_then_adopted_on_request() {
    let env = env().await;
    env.moto
        .iam()
        .create_role()
        .role_name(ROLE)
        .assume_role_policy_document(support::APIGW_TRUST_POLICY)
        .send()
        .await
        .expect("CreateRole by hand");

    let out = env.run(&["up", ONBOARDING]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(ROLE) && stderr.contains("--adopt"), "{stderr}");
    assert_eq!(
        env.proxy.mutating_calls(),
        vec![],
        "nothing is changed when the role is not ours"
    );
    assert!(env.owned_apis(STACK).await.is_empty());

    env.ok(&["up", "--adopt", ONBOARDING]);
    support::owned_role(&env.moto.iam(), ROLE, "user-onboarding").await;
    env.proxy.clear();
    env.ok(&["up", ONBOARDING]);
    assert_eq!(
        env.proxy.mutating_calls(),
        vec![],
        "an adopted role is owned from then on"
    );
}

#[tokio::test]
async fn down_deletes_what_the_stack_owns_and_a_second_down_does_nothing() {
    let env = env().await;
    env.ok(&["up", ONBOARDING]);
    let bystander = env
        .moto
        .apigw()
        .create_api()
        .name("someone-elses-api")
        .protocol_type(aws_sdk_apigatewayv2::types::ProtocolType::Http)
        .send()
        .await
        .expect("CreateApi by hand");

    env.proxy.clear();
    let refused = env.run(&["down", ONBOARDING]);
    assert_eq!(refused.status.code(), Some(1), "down needs --yes off a terminal");
    assert_eq!(
        env.proxy.mutating_calls(),
        vec![],
        "a refused down deletes nothing"
    );
    assert_eq!(env.owned_apis(STACK).await.len(), 1);

    env.ok(&["down", "--yes", ONBOARDING]);
    assert!(env.owned_apis(STACK).await.is_empty());
    let role = env.moto.iam().get_role().role_name(ROLE).send().await;
    assert!(role.is_err(), "role deleted: {role:?}");
    let apis = env.moto.apigw().get_apis().send().await.expect("GetApis");
    assert!(
        apis.items().iter().any(|a| a.api_id() == bystander.api_id()),
        "an API without the stack's tag is never touched"
    );

    env.proxy.clear();
    let out = env.ok(&["down", "--yes", ONBOARDING]);
    assert!(printed(&out).contains("Nothing to delete"), "{}", printed(&out));
    assert_eq!(env.proxy.mutating_calls(), vec![]);
}

#[tokio::test]
async fn the_wrong_machine_type_is_refused_before_any_change() {
    let env = env().await;
    let stack = env.stack(
        "sync.toml",
        &format!("{TEMPLATE}\n[[route]]\nkey = \"POST /sync\"\naction = \"StartSyncExecution\"\nstate_machine = \"{MACHINE}\"\n"),
    );
    let out = env.run(&["up", path(&stack)]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("POST /sync") && stderr.contains("EXPRESS") && stderr.contains("STANDARD"),
        "{stderr}"
    );
    let missing = env.stack(
        "missing.toml",
        &format!(
            "{TEMPLATE}\n[[route]]\nkey = \"POST /x\"\naction = \"StartExecution\"\n\
             state_machine = \"arn:aws:states:ap-southeast-2:189107071895:stateMachine:nope\"\n"
        ),
    );
    let out = env.run(&["diff", path(&missing)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    assert_eq!(env.proxy.mutating_calls(), vec![]);
}

/// `--adopt` with two untagged APIs of the stack's API name refuses to guess (API names are not
/// unique: botocore apigatewayv2 `CreateApi` has no uniqueness rule on `Name`), changes nothing,
/// and says how to tag the one meant, with the API Gateway ARN in the region's partition.
#[tokio::test]
async fn adopt_with_two_untagged_apis_of_the_name_refuses_to_guess_and_changes_nothing() {
    let env = env().await;
    let apigw = env.moto.apigw();
    for _ in 0..2 {
        apigw
            .create_api()
            .name("user-onboarding-api")
            .protocol_type(aws_sdk_apigatewayv2::types::ProtocolType::Http)
            .send()
            .await
            .expect("create an untagged API");
    }

    let out = env.run(&["up", ONBOARDING, "--adopt", "--yes"]);
    let err = support::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("2 APIs are named user-onboarding-api"), "{err}");
    assert!(
        err.contains("--adopt cannot choose; nothing was changed"),
        "{err}"
    );
    assert!(
        err.contains("--resource-arn arn:aws:apigateway:ap-southeast-2::/apis/ID --tags provision:stack=user-onboarding"),
        "{err}"
    );
    assert!(
        env.proxy.mutating_calls().is_empty(),
        "{:?}",
        env.proxy.mutating_calls()
    );

    let apis = apigw
        .get_apis()
        .send()
        .await
        .expect("GetApis")
        .items
        .unwrap_or_default();
    assert_eq!(apis.len(), 2);
    assert!(
        apis.iter().all(|a| a.tags().is_none_or(|t| t.is_empty())),
        "{apis:?}"
    );
}
