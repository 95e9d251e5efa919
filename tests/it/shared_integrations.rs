//! Issue 26: routes that declare the same integration (action, state machine, request
//! parameters; the stack's one role, payload format 1.0) share one integration in AWS, and
//! changing one route's mapping splits that route off (create, repoint, delete) without touching
//! the others. Verified through a second client (the SDK on moto) and counted at the proxy.

use crate::support;

use std::collections::BTreeMap;

use aws_sdk_sfn::types::StateMachineType;
use support::World;

const STACK: &str = "shared";

fn stack(signup_input: &str) -> String {
    let machine = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:shared";
    let route = |key: &str, input: &str| {
        format!(
            "\n[[route]]\nkey = \"{key}\"\naction = \"StartExecution\"\nstate_machine = \"{machine}\"\nparameters = {{ Input = \"{input}\" }}\nauthorization = \"AWS_IAM\"\n"
        )
    };
    let mut text = format!(
        "[stack]\nname = \"{STACK}\"\nregion = \"ap-southeast-2\"\nallow = [\"no-throttling\"]\n\n[api]\nname = \"shared-api\"\n\n[role]\nname = \"shared-role\"\npolicy_name = \"Invoke\"\n"
    );
    text.push_str(&route("POST /a", "$request.body.input"));
    text.push_str(&route("POST /signup", signup_input));
    text.push_str(&route("PUT /b", "$request.body.input"));
    text.push_str(&route("POST /raw", "$request.body"));
    text
}

/// Route key -> integration id, and the integrations' (id, Input mapping), read from moto.
async fn targets(world: &World) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let api = world.only_api_id(STACK).await;
    let gw = world.moto.apigw();
    let routes = gw.get_routes().api_id(&api).send().await.expect("GetRoutes");
    let by_key = routes
        .items()
        .iter()
        .map(|r| {
            let target = r.target().unwrap_or_default().trim_start_matches("integrations/");
            (r.route_key().unwrap_or_default().to_string(), target.to_string())
        })
        .collect();
    let integrations = gw
        .get_integrations()
        .api_id(&api)
        .send()
        .await
        .expect("GetIntegrations");
    let inputs = integrations
        .items()
        .iter()
        .map(|i| {
            let input = i
                .request_parameters()
                .and_then(|p| p.get("Input"))
                .cloned()
                .unwrap_or_default();
            (i.integration_id().unwrap_or_default().to_string(), input)
        })
        .collect();
    (by_key, inputs)
}

#[tokio::test]
async fn routes_share_an_integration_and_one_splits_off_without_touching_the_others() {
    let world = World::start(&[("shared", StateMachineType::Standard)]).await;
    let file = world.stack("shared.toml", &stack("$request.body.input"));
    let file = file.to_str().expect("utf-8 path");
    world.ok(&["up", file]);
    let (routes, integrations) = targets(&world).await;
    assert_eq!(
        integrations.len(),
        2,
        "four routes, two distinct integrations: {integrations:?}"
    );
    let shared = routes["POST /a"].clone();
    assert_eq!(routes["POST /signup"], shared);
    assert_eq!(routes["PUT /b"], shared);
    assert_ne!(routes["POST /raw"], shared);
    assert_eq!(integrations[&shared], "$request.body.input");
    // A new API is one ImportApi call: the shared integration is one components entry of the
    // document, made once (the second client's count above).
    let creates = world
        .proxy
        .operations()
        .iter()
        .filter(|o| *o == "CreateIntegration" || *o == "ImportApi")
        .count();
    assert_eq!(creates, 1, "{:?}", world.proxy.operations());

    // The plan shows the shared integration once, with its routes; a second diff is a no-op.
    world.proxy.clear();
    let diff = world.run(&["diff", file]);
    assert_eq!(
        diff.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&diff.stderr)
    );
    assert!(world.proxy.mutating_calls().is_empty());

    // One route's mapping changes: it splits off; the shared integration is neither updated nor
    // deleted, and the other routes still target it.
    let file2 = world.stack("split.toml", &stack("$request.body.user"));
    let file2 = file2.to_str().expect("utf-8 path");
    let plan = world.run(&["diff", file2]);
    let shown = String::from_utf8_lossy(&plan.stdout);
    assert!(shown.contains("POST /signup"), "{shown}");
    world.proxy.clear();
    world.ok(&["up", file2]);
    let mut mutating: Vec<String> = world
        .proxy
        .mutating_calls()
        .into_iter()
        .map(|c| c.operation)
        .collect();
    mutating.sort();
    assert_eq!(
        mutating,
        vec!["CreateIntegration", "UpdateRoute"],
        "create and repoint only"
    );
    let (after, integrations) = targets(&world).await;
    assert_eq!(after["POST /a"], shared);
    assert_eq!(after["PUT /b"], shared);
    assert_ne!(after["POST /signup"], shared);
    assert_eq!(integrations[&after["POST /signup"]], "$request.body.user");
    assert_eq!(
        integrations[&shared], "$request.body.input",
        "the shared one is untouched"
    );
    assert_eq!(integrations.len(), 3);

    // Back as it was: the route rejoins the shared integration and its own is deleted after.
    world.proxy.clear();
    world.ok(&["up", file]);
    let mut mutating: Vec<String> = world
        .proxy
        .mutating_calls()
        .into_iter()
        .map(|c| c.operation)
        .collect();
    mutating.sort();
    assert_eq!(mutating, vec!["DeleteIntegration", "UpdateRoute"]);
    let (back, integrations) = targets(&world).await;
    assert_eq!(back["POST /signup"], shared);
    assert_eq!(integrations.len(), 2);
}
