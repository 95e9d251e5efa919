//! A new API in one ImportApi call (issue 26): a fresh `up` makes at most three API Gateway
//! calls (the read that finds no API, ImportApi, CreateStage), and a second client finds the
//! routes, integrations (credentials with the role's path, subtype, request parameters),
//! authorizer, CORS configuration and ownership tag the stack declares; the next `diff` is a
//! no-op, and a one-route change afterwards is made one call at a time. Where ImportApi is
//! refused (AccessDenied), `up` says so once and makes the API one call per resource.
//! Lost answers and kills around ImportApi are in `faults`; stock moto in `stock_moto`.

use crate::support;

use aws_sdk_sfn::types::StateMachineType;
use support::{Action, Call, World};

const MACHINE: &str = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding";
const EXPRESS: &str = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding-express";
const ROLE: &str = "user-onboarding-secure-api-gateway-role";
const STACK: &str = "user-onboarding-secure";

async fn world() -> World {
    World::start(&[
        ("user-onboarding", StateMachineType::Standard),
        ("user-onboarding-express", StateMachineType::Express),
    ])
    .await
}

/// The secure example stack with its role under an IAM path, so that the credentials the
/// document names must be CreateRole's answer (path included), not a name-built ARN.
fn secure_with_path() -> String {
    support::read("stacks/onboarding-secure.toml").replace("[role]\n", "[role]\npath = \"/team/\"\n")
}

fn api_gateway_calls(world: &World) -> Vec<String> {
    world
        .proxy
        .calls()
        .iter()
        .filter(|c| c.service == "apigatewayv2")
        .map(|c| c.operation.clone())
        .collect()
}

/// What a second client reads of the stack's one API: its id, after checking every part.
async fn assert_the_declared_api(world: &World, role_arn: &str) -> String {
    let gw = world.moto.apigw();
    let apis = gw.get_apis().send().await.expect("GetApis");
    assert_eq!(apis.items().len(), 1, "{:?}", apis.items());
    let api = &apis.items()[0];
    assert_eq!(api.name(), Some("user-onboarding-secure-api"));
    assert_eq!(
        api.tags()
            .and_then(|t| t.get("provision:stack"))
            .map(String::as_str),
        Some(STACK),
        "the ownership tag comes from the document's root tags"
    );
    let cors = api.cors_configuration().expect("CORS configuration");
    assert_eq!(cors.allow_origins(), ["https://app.example.com"]);
    assert_eq!(cors.allow_methods(), ["POST"]);
    assert_eq!(cors.max_age(), Some(300));
    let id = api.api_id().expect("id").to_string();

    let authorizers = gw
        .get_authorizers()
        .api_id(&id)
        .send()
        .await
        .expect("GetAuthorizers");
    assert_eq!(authorizers.items().len(), 1);
    let cognito = &authorizers.items()[0];
    assert_eq!(cognito.name(), Some("cognito"));
    assert_eq!(
        cognito.jwt_configuration().and_then(|j| j.issuer()),
        Some("https://cognito-idp.ap-southeast-2.amazonaws.com/ap-southeast-2_Example")
    );
    assert_eq!(
        cognito.jwt_configuration().map(|j| j.audience().to_vec()),
        Some(vec!["onboarding-client".to_string()])
    );
    assert_eq!(cognito.identity_source(), ["$request.header.Authorization"]);

    let integrations = gw
        .get_integrations()
        .api_id(&id)
        .send()
        .await
        .expect("GetIntegrations");
    let routes = gw.get_routes().api_id(&id).send().await.expect("GetRoutes");
    assert_eq!(routes.items().len(), 3, "{:?}", routes.items());
    assert_eq!(integrations.items().len(), 3, "{:?}", integrations.items());
    for (key, subtype, authorization, scopes, parameters) in [
        (
            "POST /new-user",
            "StepFunctions-StartExecution",
            "JWT",
            vec!["onboarding/write"],
            vec![("Input", "$request.body.input"), ("StateMachineArn", MACHINE)],
        ),
        (
            "POST /new-user-sync",
            "StepFunctions-StartSyncExecution",
            "AWS_IAM",
            vec![],
            vec![("Input", "$request.body.input"), ("StateMachineArn", EXPRESS)],
        ),
        (
            "POST /cancel",
            "StepFunctions-StopExecution",
            "JWT",
            vec!["onboarding/admin"],
            vec![
                ("Cause", "$request.body.cause"),
                ("ExecutionArn", "$request.body.executionArn"),
            ],
        ),
    ] {
        let route = routes
            .items()
            .iter()
            .find(|r| r.route_key() == Some(key))
            .unwrap_or_else(|| panic!("route {key}: {:?}", routes.items()));
        assert_eq!(
            route.authorization_type().map(|a| a.as_str()),
            Some(authorization),
            "{key}"
        );
        assert_eq!(route.authorization_scopes(), scopes.as_slice(), "{key}");
        let authorizer = (authorization == "JWT").then(|| cognito.authorizer_id().unwrap_or_default());
        assert_eq!(route.authorizer_id(), authorizer, "{key}");
        let target = route.target().and_then(|t| t.strip_prefix("integrations/"));
        let integration = integrations
            .items()
            .iter()
            .find(|i| i.integration_id() == target)
            .unwrap_or_else(|| panic!("{key} targets an integration"));
        assert_eq!(
            integration.integration_type().map(|t| t.as_str()),
            Some("AWS_PROXY")
        );
        assert_eq!(integration.integration_subtype(), Some(subtype), "{key}");
        assert_eq!(integration.payload_format_version(), Some("1.0"), "{key}");
        assert_eq!(integration.credentials_arn(), Some(role_arn), "{key}");
        let mut got: Vec<(String, String)> = integration
            .request_parameters()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .collect();
        got.sort();
        let want: Vec<(String, String)> = parameters
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(got, want, "{key}");
    }
    id
}

/// Fresh onboarding: GetApis finds nothing, ImportApi makes the API with everything in it,
/// CreateStage adds the stage; nothing is read back. Then `diff` is a no-op and `up` sends
/// nothing.
#[tokio::test]
async fn a_fresh_up_is_one_import_and_a_stage_and_the_next_diff_is_a_no_op() {
    let world = world().await;
    let file = world.stack("secure.toml", &secure_with_path());
    let file = file.to_str().expect("utf-8 path");
    let out = world.ok(&["up", file]);
    let stderr = support::stderr(&out);
    assert!(
        stderr.contains("is new: creating it with one ImportApi call"),
        "{stderr}"
    );
    assert!(stderr.contains("import api user-onboarding-secure-api (3 route(s), 3 integration(s), 1 authorizer(s)) in one ImportApi call"), "{stderr}");
    let calls = api_gateway_calls(&world);
    eprintln!("fresh up, API Gateway calls: {calls:?}");
    assert_eq!(calls, ["GetApis", "ImportApi", "CreateStage"]);

    let role = support::owned_role(&world.moto.iam(), ROLE, STACK).await;
    assert_eq!(role.path(), "/team/");
    assert!(role.arn().contains(":role/team/"), "{}", role.arn());
    let id = assert_the_declared_api(&world, role.arn()).await;
    let stages = world
        .moto
        .apigw()
        .get_stages()
        .api_id(&id)
        .send()
        .await
        .expect("GetStages");
    assert_eq!(stages.items().len(), 1);
    assert_eq!(
        stages.items()[0]
            .default_route_settings()
            .and_then(|s| s.throttling_rate_limit()),
        Some(50.0)
    );

    world.proxy.clear();
    let diff = world.run(&["diff", "--exit-code", file]);
    assert_eq!(
        diff.status.code(),
        Some(0),
        "no changes after an import:\n{}",
        support::labelled(&diff)
    );
    assert!(world.proxy.mutating_calls().is_empty());
    world.proxy.clear();
    world.ok(&["up", file]);
    assert!(
        world.proxy.mutating_calls().is_empty(),
        "{:?}",
        world.proxy.mutating_calls()
    );
}

/// After an import, changes keep the per-resource calls (never ReimportApi): a changed mapping
/// is one UpdateIntegration, a new route its integration and route, each at most three
/// mutating calls, and the other routes keep their ids.
#[tokio::test]
async fn one_route_changes_after_an_import_are_a_few_calls_each_and_ids_stay() {
    let world = world().await;
    let text = support::read("stacks/onboarding-secure.toml");
    let file = world.stack("secure.toml", &text);
    let file = file.to_str().expect("utf-8 path");
    world.ok(&["up", file]);
    let gw = world.moto.apigw();
    let api = gw.get_apis().send().await.expect("GetApis").items()[0]
        .api_id()
        .expect("id")
        .to_string();
    let route_ids = |routes: &aws_sdk_apigatewayv2::operation::get_routes::GetRoutesOutput| {
        let mut ids: Vec<(String, String)> = routes
            .items()
            .iter()
            .map(|r| {
                (
                    r.route_key().unwrap_or_default().to_string(),
                    r.route_id().unwrap_or_default().to_string(),
                )
            })
            .collect();
        ids.sort();
        ids
    };
    let before = route_ids(&gw.get_routes().api_id(&api).send().await.expect("GetRoutes"));

    // One route's mapping changes.
    let changed = text.replace(
        "parameters = { ExecutionArn = \"$request.body.executionArn\", Cause = \"$request.body.cause\" }",
        "parameters = { ExecutionArn = \"$request.body.executionArn\", Cause = \"$request.body.reason\" }",
    );
    assert_ne!(changed, text);
    std::fs::write(file, &changed).expect("write");
    world.proxy.clear();
    world.ok(&["up", file]);
    let mutating: Vec<String> = world
        .proxy
        .mutating_calls()
        .iter()
        .map(|c| c.operation.clone())
        .collect();
    eprintln!("one mapping changed: {mutating:?}");
    assert!(mutating.len() <= 3 && !mutating.is_empty(), "{mutating:?}");
    assert!(!mutating.iter().any(|o| o.contains("Import")), "{mutating:?}");

    // One route is added.
    let added = format!(
        "{changed}\n[[route]]\nkey = \"POST /again\"\naction = \"StartExecution\"\nstate_machine = \"{MACHINE}\"\nauthorization = \"AWS_IAM\"\n"
    );
    std::fs::write(file, &added).expect("write");
    world.proxy.clear();
    world.ok(&["up", file]);
    let mutating: Vec<String> = world
        .proxy
        .mutating_calls()
        .iter()
        .map(|c| c.operation.clone())
        .collect();
    eprintln!("one route added: {mutating:?}");
    assert!(mutating.len() <= 3, "{mutating:?}");
    assert!(mutating.contains(&"CreateRoute".to_string()), "{mutating:?}");

    let after = route_ids(&gw.get_routes().api_id(&api).send().await.expect("GetRoutes"));
    for kept in &before {
        assert!(after.contains(kept), "route {kept:?} kept its id: {after:?}");
    }
    world.proxy.clear();
    let diff = world.run(&["diff", "--exit-code", file]);
    assert_eq!(diff.status.code(), Some(0), "{}", support::labelled(&diff));
}

/// A caller whose policy lacks ImportApi: one note saying so and why, then the API is made one
/// call per resource, and it is the same API.
#[tokio::test]
async fn access_denied_on_import_api_makes_the_api_one_call_per_resource_with_one_note() {
    let world = world().await;
    world.proxy.set_policy(|call: &Call| {
        if call.operation == "ImportApi" {
            Action::respond(403, "AccessDeniedException")
        } else {
            Action::Forward
        }
    });
    let file = world.stack("secure.toml", &secure_with_path());
    let file = file.to_str().expect("utf-8 path");
    let out = world.ok(&["up", file]);
    let stderr = support::stderr(&out);
    assert_eq!(
        stderr.matches("is created one call per resource instead").count(),
        1,
        "{stderr}"
    );
    assert!(
        stderr.contains("the caller may not call ImportApi (AccessDeniedException"),
        "{stderr}"
    );
    let calls = api_gateway_calls(&world);
    assert_eq!(calls.iter().filter(|c| *c == "ImportApi").count(), 1, "{calls:?}");
    assert_eq!(calls.iter().filter(|c| *c == "CreateApi").count(), 1, "{calls:?}");
    assert_eq!(
        calls.iter().filter(|c| *c == "CreateRoute").count(),
        3,
        "{calls:?}"
    );
    let role = support::owned_role(&world.moto.iam(), ROLE, STACK).await;
    assert_the_declared_api(&world, role.arn()).await;

    world.proxy.clear_policy();
    world.proxy.clear();
    let diff = world.run(&["diff", "--exit-code", file]);
    assert_eq!(diff.status.code(), Some(0), "{}", support::labelled(&diff));
}

/// An authorizer name OpenAPI does not allow as a security scheme name would be imported under
/// another name: `up` says so and makes the API one call per resource, without trying ImportApi.
#[tokio::test]
async fn an_authorizer_name_the_document_cannot_carry_is_made_one_call_per_resource() {
    let world = world().await;
    let text = support::read("stacks/onboarding-secure.toml").replace("\"cognito\"", "\"my cognito\"");
    let file = world.stack("secure.toml", &text);
    let file = file.to_str().expect("utf-8 path");
    let out = world.ok(&["up", file]);
    let stderr = support::stderr(&out);
    assert!(
        stderr.contains("is created one call per resource: the authorizer name `my cognito`"),
        "{stderr}"
    );
    let calls = api_gateway_calls(&world);
    assert!(!calls.contains(&"ImportApi".to_string()), "{calls:?}");
    let authorizers = world
        .moto
        .apigw()
        .get_authorizers()
        .api_id(
            world
                .moto
                .apigw()
                .get_apis()
                .send()
                .await
                .expect("GetApis")
                .items()[0]
                .api_id()
                .expect("id"),
        )
        .send()
        .await
        .expect("GetAuthorizers");
    assert_eq!(authorizers.items()[0].name(), Some("my cognito"));
}
