//! `provision serve` authorizes as API Gateway does, through the real HTTP port, against moto with
//! state machines executing: JWT routes verify tokens signed in the test with a key published as a
//! JWKS file (`--jwks`), AWS_IAM routes need a SigV4 signature. Every refusal is checked by status,
//! body, and that no execution started (ListExecutions through the SDK).

use crate::support;

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_sfn::types::StateMachineType;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use support::Moto;
use support::{Serve, executions, input_of, up};

const ISSUER: &str = "https://issuer.test.example";
const MACHINE: &str = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:serve-auth";

fn stack() -> String {
    format!(
        r#"[stack]
name = "serve-auth"
region = "ap-southeast-2"

[api]
name = "serve-auth-api"

[role]
name = "serve-auth-role"
policy_name = "InvokeServeAuth"

[[authorizer]]
name = "header"
issuer = "{ISSUER}"
audience = ["onboarding-client"]

[[authorizer]]
name = "query"
issuer = "{ISSUER}"
audience = ["onboarding-client"]
identity_source = "$request.querystring.token"

[[authorizer]]
name = "down"
issuer = "https://down.test.example"
audience = ["onboarding-client"]

[[authorizer]]
name = "undiscoverable"
issuer = "https://127.0.0.1:9"
audience = ["onboarding-client"]

[[route]]
key = "POST /write"
action = "StartExecution"
state_machine = "{MACHINE}"
authorizer = "header"
scopes = ["onboarding/write"]
parameters = {{ Input = "$request.body.input", Name = "$context.authorizer.claims.sub" }}

[[route]]
key = "POST /query"
action = "StartExecution"
state_machine = "{MACHINE}"
authorizer = "query"
parameters = {{ Input = "$request.body.input", Name = "$context.authorizer.claims.sub" }}

[[route]]
key = "POST /down"
action = "StartExecution"
state_machine = "{MACHINE}"
authorizer = "down"

[[route]]
key = "POST /undiscoverable"
action = "StartExecution"
state_machine = "{MACHINE}"
authorizer = "undiscoverable"

[[route]]
key = "POST /signed"
action = "StartExecution"
state_machine = "{MACHINE}"
authorization = "AWS_IAM"
parameters = {{ Input = "$request.body.input" }}

[stage]
name = "$default"
auto_deploy = true
"#
    )
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).expect("fixture")
}

/// A token signed in the test: RS256 with the published key unless told otherwise.
fn token(claims: Value, key: &str, alg: Algorithm, kid: &str) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_string());
    let pem = fixture(key);
    let key = match alg {
        Algorithm::ES256 => EncodingKey::from_ec_pem(&pem),
        _ => EncodingKey::from_rsa_pem(&pem),
    }
    .expect("test key");
    jsonwebtoken::encode(&header, &claims, &key).expect("sign")
}

fn claims(sub: &str, extra: Value) -> Value {
    let mut c = json!({"iss": ISSUER, "aud": "onboarding-client", "sub": sub, "exp": now() + 300,
        "iat": now() - 5, "scope": "openid onboarding/write"});
    if let (Some(c), Some(extra)) = (c.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            c.insert(k.clone(), v.clone());
        }
    }
    c
}

fn rs(claims: Value) -> String {
    token(claims, "jwt-rsa-key.pem", Algorithm::RS256, "test-rsa")
}

const BODY: &[u8] = br#"{"input": {"user": "u-1"}}"#;

fn assert_unauthorized(reply: &support::Reply, error: &str, what: &str) {
    assert_eq!(reply.status, 401, "{what}: {reply:?}");
    assert_eq!(reply.body, r#"{"message":"Unauthorized"}"#, "{what}");
    let www = reply.header("www-authenticate").unwrap_or_default();
    assert!(www.starts_with("Bearer "), "{what}: {www}");
    assert!(www.contains(r#"error="invalid_token""#), "{what}: {www}");
    assert!(www.contains(error), "{what}: `{www}` should name `{error}`");
}

#[tokio::test]
async fn jwt_routes_verify_tokens_as_api_gateway_does() {
    let moto = Moto::start();
    moto.enable_execution();
    support::create_state_machine(&moto.sfn(), "serve-auth", StateMachineType::Standard).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("auth.toml");
    std::fs::write(&path, stack()).expect("stack");
    let path = path.display().to_string();
    up(&moto.url(), &path);
    let jwks = format!("{ISSUER}={}/tests/fixtures/jwks.json", env!("CARGO_MANIFEST_DIR"));
    let serve = Serve::start(
        &moto.url(),
        &path,
        &[
            "--jwks",
            &jwks,
            "--jwks",
            "https://down.test.example=http://127.0.0.1:9/jwks.json",
        ],
        &[],
    );
    assert!(serve.log_contains("JWT header (keys: "), "{}", serve.log());

    let bearer = |t: &str| format!("Bearer {t}");
    let post = |path: &str, auth: Option<&str>| {
        let headers: Vec<(&str, &str)> = auth.map(|a| ("Authorization", a)).into_iter().collect();
        serve.send("POST", path, &headers, BODY)
    };

    // Valid, with and without `Bearer `; the sub claim names the execution.
    let ok = post("/write", Some(&bearer(&rs(claims("alice", json!({}))))));
    assert_eq!(ok.status, 200, "{ok:?}\n{}", serve.log());
    let ok_bare = post(
        "/write",
        Some(&rs(claims(
            "bob",
            json!({"scope": null, "scp": ["onboarding/write"]}),
        ))),
    );
    assert_eq!(ok_bare.status, 200, "{ok_bare:?}\n{}", serve.log());

    // Refusals, each with what the www-authenticate header names.
    let expired = rs(claims("x1", json!({"exp": now() - 10})));
    assert_unauthorized(&post("/write", Some(&bearer(&expired))), "expired", "expired");
    let audience = rs(claims("x2", json!({"aud": "someone-else"})));
    assert_unauthorized(
        &post("/write", Some(&bearer(&audience))),
        "the token does not have a valid audience",
        "wrong audience",
    );
    let wrong_key = token(
        claims("x3", json!({})),
        "jwt-rsa-other-key.pem",
        Algorithm::RS256,
        "test-rsa",
    );
    assert_unauthorized(
        &post("/write", Some(&bearer(&wrong_key))),
        "signature",
        "wrong key",
    );
    let issuer = rs(claims("x4", json!({"iss": "https://evil.example"})));
    assert_unauthorized(&post("/write", Some(&bearer(&issuer))), "issuer", "wrong issuer");
    let ec = token(
        claims("x5", json!({})),
        "jwt-ec-key.pem",
        Algorithm::ES256,
        "test-ec",
    );
    assert_unauthorized(
        &post("/write", Some(&bearer(&ec))),
        "RSA",
        "ES256 (HTTP APIs accept RSA only)",
    );
    assert_unauthorized(&post("/write", None), "no token", "no token");
    assert_unauthorized(&post("/write", Some("Bearer not.a.jwt")), "decoded", "garbage");

    // A valid token without the route's scope: 403.
    let no_scope = rs(claims("x6", json!({"scope": "openid"})));
    let forbidden = post("/write", Some(&bearer(&no_scope)));
    assert_eq!(forbidden.status, 403, "{forbidden:?}");
    assert_eq!(forbidden.body, r#"{"message":"Forbidden"}"#);

    // Query-string identity source: the token in the header is not looked at.
    let q = rs(claims("carol", json!({})));
    let by_query = serve.send("POST", &format!("/query?token={q}"), &[], BODY);
    assert_eq!(by_query.status, 200, "{by_query:?}\n{}", serve.log());
    assert_unauthorized(
        &post("/query", Some(&bearer(&q))),
        "querystring.token",
        "query route, header token",
    );

    // Keys that cannot be had: 401, and the log says why.
    assert_unauthorized(
        &post("/down", Some(&bearer(&rs(claims("x7", json!({})))))),
        "cannot be had",
        "keys down",
    );
    assert!(
        serve.log_contains("the keys of issuer https://down.test.example cannot be had"),
        "{}",
        serve.log()
    );

    // An issuer whose discovery document cannot be fetched: 401, and the log points at --jwks
    // (issue 21 item 7).
    assert_unauthorized(
        &post("/undiscoverable", Some(&bearer(&rs(claims("x8", json!({})))))),
        "cannot be had",
        "discovery down",
    );
    assert!(
        serve.log_contains("run serve with --jwks https://127.0.0.1:9=KEYS"),
        "{}",
        serve.log()
    );

    // Exactly the three accepted requests started executions, named by the sub claim.
    let sfn = moto.sfn();
    let started = executions(&sfn, MACHINE).await;
    let mut names: Vec<&str> = started.iter().map(|e| e.name()).collect();
    names.sort_unstable();
    assert_eq!(names, ["alice", "bob", "carol"], "{}", serve.log());
    let input = input_of(&sfn, started[0].execution_arn()).await;
    assert_eq!(input, json!({"user": "u-1"}));
}

/// A request signed with SigV4 for execute-api, as an SDK or `awscurl` signs it.
fn signed_headers(port: u16, path: &str, key: &str, secret: &str, body: &[u8]) -> Vec<(String, String)> {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    use aws_sigv4::sign::v4;
    let identity = aws_credential_types::Credentials::new(key, secret, None, None, "test").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(support::REGION)
        .name("execute-api")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .expect("signing params")
        .into();
    let host = format!("127.0.0.1:{port}");
    let url = format!("http://{host}{path}");
    let headers = [("host", host.as_str()), ("content-type", "application/json")];
    let signable =
        SignableRequest::new("POST", &url, headers.into_iter(), SignableBody::Bytes(body)).expect("signable");
    let (instructions, _) = sign(signable, &params).expect("sign").into_parts();
    let mut out: Vec<(String, String)> = vec![("content-type".into(), "application/json".into())];
    for (name, value) in instructions.headers() {
        out.push((name.to_string(), value.to_string()));
    }
    out
}

#[tokio::test]
async fn iam_routes_need_a_sigv4_signature() {
    let moto = Moto::start();
    moto.enable_execution();
    support::create_state_machine(&moto.sfn(), "serve-auth", StateMachineType::Standard).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("auth.toml");
    std::fs::write(&path, stack()).expect("stack");
    let path = path.display().to_string();
    up(&moto.url(), &path);
    let serve = Serve::start(&moto.url(), &path, &[], &[]);
    let send = |headers: &[(String, String)]| {
        let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        serve.send("POST", "/signed", &h, BODY)
    };

    let unsigned = send(&[("content-type".into(), "application/json".into())]);
    assert_eq!(
        (unsigned.status, unsigned.body.as_str()),
        (403, r#"{"message":"Forbidden"}"#)
    );
    let malformed = send(&[(
        "authorization".into(),
        "AWS4-HMAC-SHA256 Credential=nonsense".into(),
    )]);
    assert_eq!(
        (malformed.status, malformed.body.as_str()),
        (403, r#"{"message":"Forbidden"}"#)
    );
    let bearer = send(&[("authorization".into(), "Bearer abc".into())]);
    assert_eq!(
        (bearer.status, bearer.body.as_str()),
        (403, r#"{"message":"Forbidden"}"#)
    );

    // Signed with the gateway's own credentials (test/test): verified and served.
    let good = send(&signed_headers(serve.port, "/signed", "test", "test", BODY));
    assert_eq!(good.status, 200, "{good:?}\n{}", serve.log());
    // The same key with another secret: the signature is recomputed and does not match.
    let forged = send(&signed_headers(
        serve.port,
        "/signed",
        "test",
        "not-the-secret",
        BODY,
    ));
    assert_eq!(forged.status, 403, "{forged:?}");
    assert!(
        forged
            .body
            .contains("The request signature we calculated does not match"),
        "{}",
        forged.body
    );
    // A body changed after signing does not match either.
    let mut tampered = signed_headers(serve.port, "/signed", "test", "test", BODY);
    tampered.retain(|(k, _)| !k.eq_ignore_ascii_case("x-amz-content-sha256"));
    let changed = {
        let h: Vec<(&str, &str)> = tampered.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        serve.send("POST", "/signed", &h, br#"{"input": {"user": "mallory"}}"#)
    };
    assert_eq!(changed.status, 403, "{changed:?}");
    // Another access key cannot be checked locally: served, and the log says so.
    let other = send(&signed_headers(
        serve.port,
        "/signed",
        "AKIDOTHER",
        "secret",
        BODY,
    ));
    assert_eq!(other.status, 200, "{other:?}");
    assert!(
        serve.log_contains("served without verifying it"),
        "{}",
        serve.log()
    );

    let started = executions(&moto.sfn(), MACHINE).await;
    assert_eq!(
        started.len(),
        2,
        "only the two accepted requests started executions: {started:?}"
    );
}
