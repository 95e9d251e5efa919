//! The production options of `stacks/onboarding-secure.toml` (JWT authorizer and scopes, AWS_IAM,
//! the stop action, CORS, throttling, access logs, managed policies, the source-account guard)
//! against a real moto server: created, left alone by a second `up`, updated in place, removed
//! one by one, and gone after `down`. Every check reads moto through a second client.
//!
//! moto gaps: UpdateStage answers 500, so removing access logs alone (an UpdateStage) is covered
//! in `tests/it/mocked.rs`; here access logs go with the throttling limits, which replaces the stage.
//! moto has no GetAuthorizers handler; the harness starts it through `scripts/moto_server.py`,
//! which lists moto's own authorizer store.

use crate::support;

use std::path::PathBuf;

use aws_sdk_sfn::types::StateMachineType;
use serde_json::{Value, json};
use support::World;

const STACK: &str = "user-onboarding-secure";
const ROLE: &str = "user-onboarding-secure-api-gateway-role";
const POLICY: &str = "InvokeUserOnboardingWorkflows";
const MANAGED: &str = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs";
const SECURE: &str = "stacks/onboarding-secure.toml";

type Env = World;

async fn env() -> Env {
    World::start(&[
        ("user-onboarding", StateMachineType::Standard),
        ("user-onboarding-express", StateMachineType::Express),
    ])
    .await
}

/// `up` of `text`, then a second `up` that must make no mutating call; the first one's
/// mutating operations.
fn converge(env: &Env, text: &str) -> Vec<String> {
    let path = env.stack("stack.toml", text);
    let path = path.to_str().expect("utf-8 path");
    env.proxy.clear();
    env.ok(&["up", path]);
    let mutations: Vec<String> = env
        .proxy
        .mutating_calls()
        .iter()
        .map(|c| c.operation.clone())
        .collect();
    env.proxy.clear();
    env.ok(&["up", path]);
    assert_eq!(
        env.proxy.mutating_calls(),
        Vec::new(),
        "a second up changes nothing"
    );
    mutations
}

async fn trust(env: &Env) -> Value {
    let role = support::owned_role(&env.moto.iam(), ROLE, STACK).await;
    support::decode_policy(role.assume_role_policy_document().expect("trust policy"))
}

async fn attached(env: &Env) -> Vec<String> {
    let out = env
        .moto
        .iam()
        .list_attached_role_policies()
        .role_name(ROLE)
        .send()
        .await
        .expect("ListAttachedRolePolicies");
    out.attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_string))
        .collect()
}

/// The secure stack with every option on, the source-account guard included (the file leaves
/// it commented out; see there why).
fn secure() -> String {
    let text = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(SECURE))
        .expect("secure stack");
    assert!(text.contains("# restrict_source_account = true\n"));
    text.replace(
        "# restrict_source_account = true\n",
        "restrict_source_account = true\n",
    )
}

/// Removes the lines of `text` from the one equal to `from` up to (not including) the next blank
/// line or table header, or only that line when `whole_block` is false.
fn without(text: &str, from: &str, whole_block: bool) -> String {
    let mut out = Vec::new();
    let mut skipping = false;
    for line in text.lines() {
        if line == from {
            skipping = whole_block;
            continue;
        }
        if skipping && (line.trim().is_empty() || (line.starts_with('[') && line != from)) {
            skipping = false;
        }
        if !skipping {
            out.push(line);
        }
    }
    assert_ne!(out.len(), text.lines().count(), "`{from}` is in the stack");
    out.join("\n") + "\n"
}

#[tokio::test]
async fn the_secure_stack_goes_up_exactly_as_declared() {
    let env = env().await;
    let created = converge(&env, &secure());
    assert!(created.len() <= 14, "{created:?}");
    let gw = env.moto.apigw();
    let api_id = env.only_api_id(STACK).await;

    let api = gw.get_api().api_id(&api_id).send().await.expect("GetApi");
    let cors = api.cors_configuration().expect("CORS configuration");
    assert_eq!(cors.allow_origins(), ["https://app.example.com"]);
    assert_eq!(cors.allow_methods(), ["POST"]);
    assert_eq!(cors.allow_headers(), ["authorization", "content-type"]);
    assert_eq!(cors.max_age(), Some(300));

    let authorizers = gw
        .get_authorizers()
        .api_id(&api_id)
        .send()
        .await
        .expect("GetAuthorizers");
    assert_eq!(authorizers.items().len(), 1);
    let authorizer = &authorizers.items()[0];
    assert_eq!(authorizer.name(), Some("cognito"));
    assert_eq!(authorizer.authorizer_type().map(|t| t.as_str()), Some("JWT"));
    assert_eq!(authorizer.identity_source(), ["$request.header.Authorization"]);
    let jwt = authorizer.jwt_configuration().expect("JWT configuration");
    assert_eq!(
        jwt.issuer(),
        Some("https://cognito-idp.ap-southeast-2.amazonaws.com/ap-southeast-2_Example")
    );
    assert_eq!(jwt.audience(), ["onboarding-client"]);

    let routes = gw.get_routes().api_id(&api_id).send().await.expect("GetRoutes");
    let integrations = gw
        .get_integrations()
        .api_id(&api_id)
        .send()
        .await
        .expect("GetIntegrations");
    let route = |key: &str| {
        routes
            .items()
            .iter()
            .find(|r| r.route_key() == Some(key))
            .unwrap_or_else(|| panic!("route {key}: {routes:?}"))
    };
    let integration_of = |key: &str| {
        let target = route(key)
            .target()
            .expect("target")
            .trim_start_matches("integrations/");
        integrations
            .items()
            .iter()
            .find(|i| i.integration_id() == Some(target))
            .expect("the route's integration")
    };
    let new_user = route("POST /new-user");
    assert_eq!(new_user.authorization_type().map(|a| a.as_str()), Some("JWT"));
    assert_eq!(new_user.authorizer_id(), authorizer.authorizer_id());
    assert_eq!(new_user.authorization_scopes(), ["onboarding/write"]);
    let sync = route("POST /new-user-sync");
    assert_eq!(sync.authorization_type().map(|a| a.as_str()), Some("AWS_IAM"));
    assert_eq!(
        integration_of("POST /new-user-sync").integration_subtype(),
        Some("StepFunctions-StartSyncExecution")
    );
    let cancel = route("POST /cancel");
    assert_eq!(cancel.authorization_scopes(), ["onboarding/admin"]);
    let stop = integration_of("POST /cancel");
    assert_eq!(stop.integration_subtype(), Some("StepFunctions-StopExecution"));
    let parameters = stop.request_parameters().expect("parameters");
    assert_eq!(
        parameters.get("ExecutionArn").map(String::as_str),
        Some("$request.body.executionArn")
    );
    assert_eq!(
        parameters.get("Cause").map(String::as_str),
        Some("$request.body.cause")
    );
    assert!(!parameters.contains_key("StateMachineArn"), "{parameters:?}");

    let stages = gw.get_stages().api_id(&api_id).send().await.expect("GetStages");
    let stage = &stages.items()[0];
    let settings = stage.default_route_settings().expect("route settings");
    assert_eq!(settings.throttling_burst_limit(), Some(100));
    assert_eq!(settings.throttling_rate_limit(), Some(50.0));
    let log = stage.access_log_settings().expect("access logs");
    assert_eq!(
        log.destination_arn(),
        Some("arn:aws:logs:ap-southeast-2:189107071895:log-group:/aws/apigateway/user-onboarding-secure")
    );
    let format: Value =
        serde_json::from_str(log.format().expect("format")).expect("the default format is JSON");
    for field in ["requestId", "ip", "routeKey", "status", "integrationErrorMessage"] {
        assert!(format.get(field).is_some(), "{field} in {format}");
    }

    let trust = provision::policy::normalize(&trust(&env).await);
    assert_eq!(
        trust["Statement"][0]["Condition"],
        json!({"StringEquals": {"aws:SourceAccount": ["189107071895"]}})
    );
    let out = env
        .moto
        .iam()
        .get_role_policy()
        .role_name(ROLE)
        .policy_name(POLICY)
        .send()
        .await
        .expect("GetRolePolicy");
    let policy = support::decode_policy(out.policy_document());
    let grants: Vec<(Value, Value)> = policy["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .map(|s| (s["Action"].clone(), s["Resource"].clone()))
        .collect();
    let machine = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding";
    let has = |action: &str, resource: &str| {
        grants.iter().any(|(a, r)| {
            let listed =
                |v: &Value, x: &str| v == x || v.as_array().is_some_and(|l| l.iter().any(|i| i == x));
            listed(a, action) && listed(r, resource)
        })
    };
    assert!(has("states:StartExecution", machine), "{policy}");
    assert!(
        has("states:StartSyncExecution", &format!("{machine}-express")),
        "{policy}"
    );
    assert!(
        has(
            "states:StopExecution",
            "arn:aws:states:ap-southeast-2:189107071895:execution:user-onboarding:*"
        ),
        "{policy}"
    );
    assert!(
        !has("states:StartExecution", &format!("{machine}-express")),
        "least privilege: {policy}"
    );
    assert_eq!(attached(&env).await, [MANAGED]);

    // diff agrees with the second up: nothing to do.
    let converged = env.dir.path().join("stack.toml");
    let out = env.ok(&["diff", "--exit-code", converged.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(0));
}

#[tokio::test]
async fn options_change_in_place_and_each_removal_reaches_aws() {
    let env = env().await;
    let full = secure();
    converge(&env, &full);
    let gw = env.moto.apigw();
    let api_id = env.only_api_id(STACK).await;
    let authorizer_id = gw
        .get_authorizers()
        .api_id(&api_id)
        .send()
        .await
        .expect("GetAuthorizers")
        .items()[0]
        .authorizer_id()
        .expect("id")
        .to_string();

    // In place: one more origin, another audience, other scopes. No delete, no replace.
    let changed = full
        .replace(
            r#"allow_origins = ["https://app.example.com"]"#,
            r#"allow_origins = ["https://app.example.com", "https://admin.example.com"]"#,
        )
        .replace(
            r#"audience = ["onboarding-client"]"#,
            r#"audience = ["onboarding-client", "admin-client"]"#,
        )
        .replace(
            r#"scopes = ["onboarding/write"]"#,
            r#"scopes = ["onboarding/write", "onboarding/admin"]"#,
        );
    let mut calls = converge(&env, &changed);
    calls.sort();
    assert_eq!(
        calls,
        ["UpdateApi", "UpdateAuthorizer", "UpdateRoute"],
        "{calls:?}"
    );
    let api = gw.get_api().api_id(&api_id).send().await.expect("GetApi");
    assert_eq!(
        api.cors_configuration().expect("cors").allow_origins().len(),
        2,
        "{api:?}"
    );
    let authorizers = gw
        .get_authorizers()
        .api_id(&api_id)
        .send()
        .await
        .expect("GetAuthorizers");
    assert_eq!(
        authorizers.items()[0].authorizer_id(),
        Some(authorizer_id.as_str())
    );
    assert_eq!(
        authorizers.items()[0]
            .jwt_configuration()
            .expect("jwt")
            .audience()
            .len(),
        2
    );

    // CORS removed: the configuration is deleted, not emptied.
    let no_cors = without(&changed, "[api.cors]", true);
    let calls = converge(&env, &no_cors);
    assert_eq!(calls, ["DeleteCorsConfiguration"], "{calls:?}");
    let api = gw.get_api().api_id(&api_id).send().await.expect("GetApi");
    assert!(api.cors_configuration().is_none(), "{api:?}");

    // The authorizer removed from the routes and the file: routes are freed, then it goes.
    let no_jwt = without(
        &without(
            &without(
                &without(&no_cors, "[[authorizer]]", true),
                r#"authorizer = "cognito""#,
                false,
            ),
            r#"scopes = ["onboarding/write", "onboarding/admin"]"#,
            false,
        ),
        r#"scopes = ["onboarding/admin"]"#,
        false,
    );
    let calls = converge(&env, &no_jwt);
    assert_eq!(
        calls.iter().filter(|c| *c == "UpdateRoute").count(),
        2,
        "{calls:?}"
    );
    assert_eq!(
        calls.last().map(String::as_str),
        Some("DeleteAuthorizer"),
        "{calls:?}"
    );
    let authorizers = gw
        .get_authorizers()
        .api_id(&api_id)
        .send()
        .await
        .expect("GetAuthorizers");
    assert!(authorizers.items().is_empty(), "{authorizers:?}");
    let routes = gw.get_routes().api_id(&api_id).send().await.expect("GetRoutes");
    for r in routes
        .items()
        .iter()
        .filter(|r| r.route_key() != Some("POST /new-user-sync"))
    {
        assert_eq!(r.authorization_type().map(|a| a.as_str()), Some("NONE"), "{r:?}");
        assert!(r.authorizer_id().is_none_or(str::is_empty), "{r:?}");
    }

    // Managed policy and source-account guard removed.
    let plain_role = without(
        &without(&no_jwt, &format!("managed_policies = [\"{MANAGED}\"]"), false),
        "restrict_source_account = true",
        false,
    );
    let mut calls = converge(&env, &plain_role);
    calls.sort();
    assert_eq!(calls, ["DetachRolePolicy", "UpdateAssumeRolePolicy"], "{calls:?}");
    assert!(attached(&env).await.is_empty());
    assert!(trust(&env).await["Statement"][0].get("Condition").is_none());

    // Throttling and access logs removed: AWS cannot unset a limit in place, so the stage is
    // made anew, without either.
    let bare_stage = without(
        &without(
            &without(&plain_role, "[stage.access_log]", true),
            "throttling_rate_limit = 50",
            false,
        ),
        "throttling_burst_limit = 100",
        false,
    );
    let calls = converge(&env, &bare_stage);
    assert_eq!(calls, ["DeleteStage", "CreateStage"], "{calls:?}");
    let stages = gw.get_stages().api_id(&api_id).send().await.expect("GetStages");
    let stage = &stages.items()[0];
    assert!(stage.access_log_settings().is_none(), "{stage:?}");
    let settings = stage.default_route_settings();
    assert!(
        settings.is_none_or(|s| s.throttling_burst_limit().is_none() && s.throttling_rate_limit().is_none()),
        "{stage:?}"
    );
    assert_eq!(stage.auto_deploy(), Some(true));
    assert_eq!(
        env.only_api_id(STACK).await,
        api_id,
        "the API itself was kept throughout"
    );
}

#[tokio::test]
async fn down_detaches_managed_policies_and_leaves_nothing() {
    let env = env().await;
    converge(&env, &secure());
    env.ok(&["down", "--yes", SECURE]);
    let apis = env.moto.apigw().get_apis().send().await.expect("GetApis");
    assert!(apis.items().is_empty(), "{apis:?}");
    let role = env.moto.iam().get_role().role_name(ROLE).send().await;
    assert!(
        role.as_ref()
            .err()
            .and_then(|e| e.as_service_error())
            .is_some_and(|e| e.is_no_such_entity_exception()),
        "{role:?}"
    );
    let detach = env
        .proxy
        .operations()
        .iter()
        .position(|o| o == "DetachRolePolicy");
    let delete = env.proxy.operations().iter().position(|o| o == "DeleteRole");
    assert!(
        detach.is_some() && detach < delete,
        "{:?}",
        env.proxy.operations()
    );
    // The managed policy itself is AWS's, and still there.
    let policy = env.moto.iam().get_policy().policy_arn(MANAGED).send().await;
    assert!(policy.is_ok(), "{policy:?}");
}
