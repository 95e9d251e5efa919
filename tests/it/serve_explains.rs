//! The everyday loop on the local gateway: `invoke --token` reaching 200 on a JWT route through
//! `serve`, and `serve` explaining itself: a 404 names the nearest route, an `Input` mapping that
//! finds nothing is logged (API Gateway answers 200 and the execution starts with `{}`), and a
//! route added by a second client is served without a signal.

use crate::support;
use crate::support::text;

use aws_sdk_sfn::types::StateMachineType;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;
use support::Serve;
use support::World;

const ISSUER: &str = "https://issuer.test";
const JWKS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/jwks.json");
const KEY: &str = include_str!("../fixtures/jwt-rsa-key.pem");

fn stack(arn: &str) -> String {
    format!(
        r#"
[stack]
name = "loop"
region = "ap-southeast-2"

[api]
name = "loop-api"

[role]
name = "loop-role"
policy_name = "loop-invoke"

[[authorizer]]
name = "idp"
issuer = "{ISSUER}"
audience = ["loop-client"]

[[route]]
key = "POST /orders"
action = "StartExecution"
state_machine = "{arn}"
authorizer = "idp"
scopes = ["orders/write"]

[stage]
throttling_burst_limit = 10
throttling_rate_limit = 5.0
"#
    )
}

/// A token the fixture key signs, valid for an hour, with the route's scope.
fn token() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let claims = json!({
        "iss": ISSUER, "aud": "loop-client", "sub": "user-1", "scope": "orders/write",
        "iat": now, "exp": now + 3600,
    });
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("test-rsa".into());
    let key = EncodingKey::from_rsa_pem(KEY.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    jsonwebtoken::encode(&header, &claims, &key).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn invoke_with_a_token_reaches_200_on_a_jwt_route_and_serve_explains_its_refusals() {
    let world = World::start(&[]).await;
    world.moto.enable_execution();
    let arn = support::create_state_machine(&world.moto.sfn(), "orders", StateMachineType::Standard).await;
    let file = world.stack("loop.toml", &stack(&arn)).display().to_string();
    world.ok(&["up", &file]);
    let jwks = format!("{ISSUER}={JWKS}");
    let serve = Serve::start(&world.moto.url(), &file, &["--jwks", &jwks], &[]);
    let local = format!("http://127.0.0.1:{}", serve.port);

    // Without a token the tool says what is missing, before sending anything.
    let out = world.run(&[
        "invoke",
        &file,
        "POST /orders",
        "--data",
        r#"{"input": {}}"#,
        "--local",
        &local,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("route POST /orders needs a JWT"),
        "{}",
        text(&out.stderr)
    );

    let token = token();
    let out = world.run(&[
        "invoke",
        &file,
        "POST /orders",
        "--data",
        r#"{"input": {"id": 1}}"#,
        "--local",
        &local,
        "--token",
        &token,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr),
        serve.log()
    );
    assert!(text(&out.stdout).starts_with("HTTP 200"), "{}", text(&out.stdout));

    // A body without the convention's `input`: 200 as API Gateway answers, and the log says why
    // the execution starts with {}.
    let out = world.run(&[
        "invoke",
        &file,
        "POST /orders",
        "--data",
        r#"{"id": 2}"#,
        "--local",
        &local,
        "--token",
        &token,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        serve.log_contains(
            "Input = $request.body.input found nothing in this request, so the execution starts with {}"
        ),
        "{}",
        serve.log()
    );
    let executions = support::executions(&world.moto.sfn(), &arn).await;
    assert_eq!(executions.len(), 2, "{executions:?}");

    // A mistyped path: 404 as API Gateway answers, and the nearest route in the log.
    let reply = serve.send("POST", "/order", &[], b"{}");
    assert_eq!(reply.status, 404);
    assert!(
        serve.log_contains("no route matches POST /order; did you mean POST /orders?"),
        "{}",
        serve.log()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_route_added_by_a_second_client_is_served_without_a_signal() {
    let world = World::start(&[]).await;
    let arn = support::create_state_machine(&world.moto.sfn(), "orders", StateMachineType::Standard).await;
    let onboarding = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/onboarding-existing-machine.toml"
    ))
    .unwrap_or_else(|e| panic!("{e}"))
    .replace(
        "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding",
        &arn,
    );
    let file = world.stack("onboarding.toml", &onboarding).display().to_string();
    world.ok(&["up", &file]);
    // `--refresh 0`: every request re-reads the API first, so the test waits on no timer.
    let serve = Serve::start(&world.moto.url(), &file, &["--refresh", "0"], &[]);
    assert_eq!(serve.send("POST", "/extra", &[], b"{}").status, 404);

    // A second client adds a route to the live API, reusing the stack's integration.
    let gw = world.moto.apigw();
    let api = world.only_api_id("user-onboarding").await;
    let integrations = gw
        .get_integrations()
        .api_id(&api)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let integration = integrations.items()[0]
        .integration_id()
        .unwrap_or_default()
        .to_string();
    gw.create_route()
        .api_id(&api)
        .route_key("POST /extra")
        .target(format!("integrations/{integration}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));

    // The next request re-reads the API first, and the new route answers.
    let reply = serve.send("POST", "/extra", &[], br#"{"input": {}}"#);
    assert_ne!(reply.status, 404, "{}", serve.log());
    assert!(
        serve.log_contains("Reloaded: 2 route(s): POST /extra, POST /new-user"),
        "{}",
        serve.log()
    );
}
