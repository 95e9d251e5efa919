//! `provision import` (issue 24): an API made by hand, exactly as the console makes it for the
//! walkthrough, becomes a stack file that validates, whose `diff --adopt` shows only the
//! ownership tags, whose `up --adopt` makes only tagging calls (integration ids and the role's
//! create date stay), after which `diff` is a no-op and `down` deletes it all. The resources are
//! made, and every result checked, through a second client talking to moto directly.

use crate::support::{self, ACCOUNT_ID, REGION, World, printed};
use aws_sdk_apigatewayv2::types::{AuthorizerType, Cors, IntegrationType, JwtConfiguration, ProtocolType};
use aws_sdk_sfn::types::StateMachineType;
use std::collections::{BTreeMap, BTreeSet};

const API: &str = "user-onboarding-api";
const ROLE: &str = "user-onboarding-api-gateway-stepfunctions-role";
const POLICY: &str = "InvokeUserOnboardingWorkflow";
const PUSH_TO_LOGS: &str = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs";

fn machine() -> String {
    format!("arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:user-onboarding")
}

/// What the IAM console makes for use case "API Gateway" (Step Functions developer guide,
/// "Creating a Step Functions API using API Gateway"): the trust policy with its empty `Sid`,
/// `AmazonAPIGatewayPushToCloudWatchLogs` attached; then the walkthrough's inline policy.
async fn console_role(w: &World) -> String {
    let iam = w.moto.iam();
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Sid":"","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let role = iam
        .create_role()
        .role_name(ROLE)
        .assume_role_policy_document(trust)
        .description("Allows API Gateway to push logs to CloudWatch Logs.")
        .send()
        .await
        .expect("CreateRole")
        .role
        .expect("role");
    iam.attach_role_policy()
        .role_name(ROLE)
        .policy_arn(PUSH_TO_LOGS)
        .send()
        .await
        .expect("AttachRolePolicy");
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"VisualEditor0","Effect":"Allow","Action":"states:StartExecution","Resource":"{}"}}]}}"#,
        machine()
    );
    iam.put_role_policy()
        .role_name(ROLE)
        .policy_name(POLICY)
        .policy_document(policy)
        .send()
        .await
        .expect("PutRolePolicy");
    role.arn().to_string()
}

/// The walkthrough's API as the console makes it: an HTTP API, a StepFunctions-StartExecution
/// integration (payload 1.0, 30 s timeout, `Input = $request.body.input`), `POST /new-user`,
/// and the auto-deployed `$default` stage. Returns (api id, integration id).
async fn console_api(w: &World, role_arn: &str) -> (String, String) {
    let apigw = w.moto.apigw();
    let api = apigw
        .create_api()
        .name(API)
        .protocol_type(ProtocolType::Http)
        .send()
        .await
        .expect("CreateApi");
    let api_id = api.api_id().expect("api id").to_string();
    let integration = step_functions_integration(w, &api_id, role_arn).await;
    apigw
        .create_route()
        .api_id(&api_id)
        .route_key("POST /new-user")
        .target(format!("integrations/{integration}"))
        .send()
        .await
        .expect("CreateRoute");
    apigw
        .create_stage()
        .api_id(&api_id)
        .stage_name("$default")
        .auto_deploy(true)
        .send()
        .await
        .expect("CreateStage");
    (api_id, integration)
}

async fn step_functions_integration(w: &World, api_id: &str, role_arn: &str) -> String {
    w.moto
        .apigw()
        .create_integration()
        .api_id(api_id)
        .integration_type(IntegrationType::AwsProxy)
        .integration_subtype("StepFunctions-StartExecution")
        .credentials_arn(role_arn)
        .payload_format_version("1.0")
        .timeout_in_millis(30_000)
        .request_parameters("StateMachineArn", machine())
        .request_parameters("Input", "$request.body.input")
        .send()
        .await
        .expect("CreateIntegration")
        .integration_id()
        .expect("integration id")
        .to_string()
}

async fn role_created(w: &World) -> aws_smithy_types::DateTime {
    *w.moto
        .iam()
        .get_role()
        .role_name(ROLE)
        .send()
        .await
        .expect("GetRole")
        .role
        .expect("role")
        .create_date()
}

async fn integration_ids(w: &World, api_id: &str) -> BTreeSet<String> {
    w.moto
        .apigw()
        .get_integrations()
        .api_id(api_id)
        .send()
        .await
        .expect("GetIntegrations")
        .items()
        .iter()
        .filter_map(|i| i.integration_id().map(str::to_string))
        .collect()
}

/// `diff --adopt --output json`: every change, asserted to be only tags to add.
fn assert_adoption_only(w: &World, file: &str) -> Vec<(String, String)> {
    let out = w.ok(&["diff", file, "--adopt", "--output", "json"]);
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).expect("plan JSON");
    let changes = plan["changes"].as_array().expect("changes");
    assert!(!changes.is_empty(), "adoption tags something: {plan}");
    for change in changes {
        assert_eq!(change["action"], "update", "only updates: {change}");
        for field in change["fields"].as_array().expect("fields") {
            assert_eq!(
                field["field"].as_str(),
                Some("tags.provision:stack"),
                "only the ownership tag is added: {change}"
            );
            assert!(field["before"].is_null(), "{change}");
        }
    }
    changes
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap_or_default().to_string(),
                c["name"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// `up --adopt` through the recording proxy: only tagging calls.
fn adopt(w: &World, file: &str) {
    w.proxy.clear();
    w.ok(&["up", file, "--adopt", "--yes"]);
    let mutating: BTreeSet<String> = w
        .proxy
        .mutating_calls()
        .into_iter()
        .map(|c| c.operation)
        .collect();
    assert!(
        mutating.contains("TagResource") && mutating.contains("TagRole"),
        "{mutating:?}"
    );
    assert!(
        mutating.iter().all(|op| op == "TagResource" || op == "TagRole"),
        "up --adopt made only tagging calls: {mutating:?}"
    );
}

fn assert_no_op(w: &World, file: &str) {
    let out = w.run(&["diff", file, "--exit-code"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "no changes after adoption:\n{}",
        printed(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_walkthroughs_console_api_imports_adopts_with_tags_only_and_goes_with_down() {
    let w = World::start(&[("user-onboarding", StateMachineType::Standard)]).await;
    let role_arn = console_role(&w).await;
    let (api_id, integration) = console_api(&w, &role_arn).await;
    let created = role_created(&w).await;
    let file = w.dir.path().join("onboarding.toml");
    let file = file.to_str().expect("utf-8 path");

    w.ok(&["import", "--api", API, "--out", file]);
    let written = std::fs::read_to_string(file).expect("imported file");
    // Only the keys that differ from the defaults: no [stage] (the console's $default
    // auto-deployed stage is the default), no parameters (Input = $request.body.input is the
    // default), no actions (the console's policy is the one the route derives).
    for expected in [
        "name = \"user-onboarding\"",
        &format!("name = \"{API}\""),
        &format!("name = \"{ROLE}\""),
        &format!("policy_name = \"{POLICY}\""),
        &format!("managed_policies = [\"{PUSH_TO_LOGS}\"]"),
        "key = \"POST /new-user\"",
        "action = \"StartExecution\"",
        &format!("state_machine = \"{}\"", machine()),
    ] {
        assert!(written.contains(expected), "{expected} in:\n{written}");
    }
    for absent in [
        "[stage]",
        "parameters",
        "actions =",
        "policy =",
        "unmanaged",
        "authorization",
    ] {
        assert!(!written.contains(absent), "no {absent} in:\n{written}");
    }
    w.ok(&["validate", file]);

    // Without --adopt the untagged role is refused, as before import existed.
    let refused = w.run(&["diff", file]);
    assert_eq!(refused.status.code(), Some(1), "{}", printed(&refused));
    assert!(printed(&refused).contains("--adopt"), "{}", printed(&refused));

    let adopted = assert_adoption_only(&w, file);
    assert!(adopted.contains(&("api".into(), API.into())), "{adopted:?}");
    assert!(adopted.contains(&("role".into(), ROLE.into())), "{adopted:?}");
    adopt(&w, file);

    assert_eq!(
        w.only_api_id("user-onboarding").await,
        api_id,
        "the same API, tagged"
    );
    support::owned_role(&w.moto.iam(), ROLE, "user-onboarding").await;
    assert_eq!(
        integration_ids(&w, &api_id).await,
        BTreeSet::from([integration]),
        "integration kept"
    );
    assert_eq!(role_created(&w).await, created, "role kept, not replaced");
    assert_no_op(&w, file);

    w.ok(&["down", file, "--yes"]);
    assert!(w.owned_apis("user-onboarding").await.is_empty());
    let apis = w.moto.apigw().get_apis().send().await.expect("GetApis");
    assert!(apis.items().is_empty(), "the API is deleted: {:?}", apis.items());
    let role = w.moto.iam().get_role().role_name(ROLE).send().await;
    assert!(role.is_err(), "the role is deleted: {role:?}");
}

/// The variant: a JWT authorizer, CORS, two stages and a Lambda route.
async fn console_variant(w: &World) -> (String, String) {
    let role_arn = console_role(w).await;
    let (api_id, _) = console_api(w, &role_arn).await;
    let apigw = w.moto.apigw();
    apigw
        .update_api()
        .api_id(&api_id)
        .cors_configuration(
            Cors::builder()
                .allow_origins("https://app.example.com")
                .allow_methods("POST")
                .allow_headers("Content-Type")
                .allow_headers("Authorization")
                .max_age(300)
                .build(),
        )
        .send()
        .await
        .expect("UpdateApi");
    let authorizer = apigw
        .create_authorizer()
        .api_id(&api_id)
        .name("cognito")
        .authorizer_type(AuthorizerType::Jwt)
        .identity_source("$request.header.Authorization")
        .jwt_configuration(
            JwtConfiguration::builder()
                .issuer("https://cognito-idp.ap-southeast-2.amazonaws.com/ap-southeast-2_Example")
                .audience("onboarding-client")
                .build(),
        )
        .send()
        .await
        .expect("CreateAuthorizer")
        .authorizer_id()
        .expect("authorizer id")
        .to_string();
    let routes = apigw
        .get_routes()
        .api_id(&api_id)
        .send()
        .await
        .expect("GetRoutes");
    let route_id = routes.items()[0].route_id().expect("route id").to_string();
    apigw
        .update_route()
        .api_id(&api_id)
        .route_id(&route_id)
        .authorization_type(aws_sdk_apigatewayv2::types::AuthorizationType::Jwt)
        .authorizer_id(&authorizer)
        .authorization_scopes("onboarding/write")
        .send()
        .await
        .expect("UpdateRoute");
    let lambda = apigw
        .create_integration()
        .api_id(&api_id)
        .integration_type(IntegrationType::AwsProxy)
        .integration_uri(format!("arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:legacy"))
        .payload_format_version("2.0")
        .send()
        .await
        .expect("CreateIntegration (Lambda)")
        .integration_id()
        .expect("id")
        .to_string();
    apigw
        .create_route()
        .api_id(&api_id)
        .route_key("GET /legacy")
        .target(format!("integrations/{lambda}"))
        .send()
        .await
        .expect("CreateRoute (Lambda)");
    apigw
        .create_stage()
        .api_id(&api_id)
        .stage_name("beta")
        .auto_deploy(true)
        .send()
        .await
        .expect("CreateStage beta");
    (api_id, lambda)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_variant_with_a_lambda_route_and_two_stages_imports_with_partial_and_keeps_what_it_skips() {
    let w = World::start(&[("user-onboarding", StateMachineType::Standard)]).await;
    let (api_id, lambda) = console_variant(&w).await;
    let before = integration_ids(&w, &api_id).await;
    let created = role_created(&w).await;
    let file = w.dir.path().join("variant.toml");
    let file = file.to_str().expect("utf-8 path");

    // Without --partial: exit 1, each item named, no file.
    let refused = w.run(&["import", "--api", API, "--out", file]);
    assert_eq!(refused.status.code(), Some(1), "{}", printed(&refused));
    for item in [
        "route GET /legacy",
        "a Lambda integration",
        "stage beta",
        "--partial",
    ] {
        assert!(
            printed(&refused).contains(item),
            "{item} in:\n{}",
            printed(&refused)
        );
    }
    assert!(!std::path::Path::new(file).exists(), "nothing written");

    // --output json: the stack and the skipped items, for scripts.
    let json = w.run(&["import", "--api", &api_id, "--partial", "--output", "json"]);
    assert!(json.status.success(), "{}", printed(&json));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("one JSON document");
    let skipped: BTreeSet<(String, String)> = report["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| {
            (
                s["kind"].as_str().unwrap_or_default().into(),
                s["name"].as_str().unwrap_or_default().into(),
            )
        })
        .collect();
    assert_eq!(
        skipped,
        BTreeSet::from([
            ("route".into(), "GET /legacy".into()),
            ("stage".into(), "beta".into())
        ]),
        "{report}"
    );
    assert_eq!(report["stack"]["routes"][0]["authorizer"], "cognito", "{report}");
    assert_eq!(
        report["stack"]["unmanaged_routes"],
        serde_json::json!(["GET /legacy"])
    );

    w.ok(&["import", "--api", API, "--partial", "--out", file]);
    let written = std::fs::read_to_string(file).expect("imported file");
    for expected in [
        "unmanaged_routes = [\"GET /legacy\"]",
        "unmanaged_stages = [\"beta\"]",
        "#   route GET /legacy: a Lambda integration",
        "[api.cors]",
        "allow_headers = [\"Content-Type\", \"Authorization\"]",
        "max_age = 300",
        "[[authorizer]]",
        "authorizer = \"cognito\"",
        "scopes = [\"onboarding/write\"]",
    ] {
        assert!(written.contains(expected), "{expected} in:\n{written}");
    }
    w.ok(&["validate", file]);
    assert_adoption_only(&w, file);
    adopt(&w, file);
    assert_eq!(
        integration_ids(&w, &api_id).await,
        before,
        "integrations kept, the Lambda one too"
    );
    assert!(before.contains(&lambda));
    assert_eq!(role_created(&w).await, created);
    let stages: BTreeSet<String> = w
        .moto
        .apigw()
        .get_stages()
        .api_id(&api_id)
        .send()
        .await
        .expect("GetStages")
        .items()
        .iter()
        .filter_map(|s| s.stage_name().map(str::to_string))
        .collect();
    assert_eq!(stages, BTreeSet::from(["$default".into(), "beta".into()]));
    assert_no_op(&w, file);

    w.ok(&["down", file, "--yes"]);
    let apis = w.moto.apigw().get_apis().send().await.expect("GetApis");
    assert!(apis.items().is_empty(), "{:?}", apis.items());
}

const ROUND_TRIP: &str = r#"
[stack]
name = "round-trip"
region = "ap-southeast-2"

[api]
name = "round-trip-api"

[api.cors]
allow_origins = ["https://app.example.com"]
allow_methods = ["POST"]

[role]
name = "round-trip-role"
policy_name = "InvokeRoundTrip"
actions = ["states:StartExecution", "states:StartSyncExecution"]

[[authorizer]]
name = "cognito"
issuer = "https://cognito-idp.ap-southeast-2.amazonaws.com/ap-southeast-2_Example"
audience = ["onboarding-client"]

[[route]]
key = "POST /new-user"
action = "StartExecution"
state_machine = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding"
authorizer = "cognito"
scopes = ["onboarding/write"]

[[route]]
key = "POST /orders/{id}"
action = "StartExecution"
state_machine = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding"
authorization = "AWS_IAM"
parameters = { Input = "$request.body", Name = "order-${request.path.id}-${context.requestId}" }

[stage]
name = "live"
throttling_burst_limit = 100
throttling_rate_limit = 50

[tags]
team = "onboarding"
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_stack_whose_tags_are_stripped_imports_as_a_file_that_plans_no_change() {
    let w = World::start(&[("user-onboarding", StateMachineType::Standard)]).await;
    let original = w.stack("original.toml", ROUND_TRIP);
    let original = original.to_str().expect("utf-8 path");
    w.ok(&["up", original, "--yes"]);
    let api_id = w.only_api_id("round-trip").await;
    let apigw = w.moto.apigw();
    let api_arn = format!("arn:aws:apigateway:{REGION}::/apis/{api_id}");
    apigw
        .untag_resource()
        .resource_arn(&api_arn)
        .tag_keys("provision:stack")
        .send()
        .await
        .expect("UntagResource");
    w.moto
        .iam()
        .untag_role()
        .role_name("round-trip-role")
        .tag_keys("provision:stack")
        .send()
        .await
        .expect("UntagRole");
    assert!(w.owned_apis("round-trip").await.is_empty(), "tags stripped");

    let imported = w.dir.path().join("imported.toml");
    let imported = imported.to_str().expect("utf-8 path");
    w.ok(&[
        "import",
        "--api",
        "round-trip-api",
        "--stage",
        "live",
        "--out",
        imported,
    ]);
    let written = std::fs::read_to_string(imported).expect("imported file");
    for expected in [
        "actions = [\"states:StartExecution\", \"states:StartSyncExecution\"]",
        "authorization = \"AWS_IAM\"",
        "Name = \"order-${request.path.id}-${context.requestId}\"",
        "throttling_burst_limit = 100",
        "team = \"onboarding\"",
    ] {
        assert!(written.contains(expected), "{expected} in:\n{written}");
    }
    // The stack name comes from the API's name without `-api`: the original's, whose stripped
    // tag is all adoption adds back.
    assert!(written.contains("name = \"round-trip\""), "{written}");
    assert_adoption_only(&w, imported);

    // --portable: machines by name, [vars] for the account and region; still adoption only.
    let portable = w.dir.path().join("portable.toml");
    let portable = portable.to_str().expect("utf-8 path");
    w.ok(&[
        "import",
        "--api",
        "round-trip-api",
        "--stage",
        "live",
        "--portable",
        "--out",
        portable,
    ]);
    let written = std::fs::read_to_string(portable).expect("portable file");
    assert!(
        written.contains("state_machine = \"user-onboarding\""),
        "{written}"
    );
    assert!(
        written.contains(&format!("account = \"{ACCOUNT_ID}\"")),
        "{written}"
    );
    assert!(written.contains("region = \"${var.region}\""), "{written}");
    assert_adoption_only(&w, portable);

    adopt(&w, imported);
    assert_no_op(&w, imported);
    let tags: BTreeMap<String, String> = apigw
        .get_api()
        .api_id(&api_id)
        .send()
        .await
        .expect("GetApi")
        .tags()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .collect();
    assert_eq!(
        tags.get("team").map(String::as_str),
        Some("onboarding"),
        "{tags:?}"
    );
}
