//! `provision serve` answers as API Gateway would, through the real HTTP port, against moto with
//! state machines executing: route priority, CORS, the payload limit, stage throttling, a named
//! stage, the integration timeout, and the integration role's permissions. Every refusal is
//! checked by status, body, and that no execution started (ListExecutions through the SDK).

use crate::support;

use std::time::{Duration, Instant};

use aws_sdk_sfn::types::StateMachineType;
use serde_json::json;
use support::{Action, Moto, RecordingProxy};
use support::{Reply, Serve, executions, input_of, send_head, up};

const MACHINE: &str = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:serve-gw";
const BODY: &[u8] = br#"{"input": {"user": "u-1"}}"#;

fn header(name: &str, role: &str) -> String {
    format!(
        r#"[stack]
name = "{name}"
region = "ap-southeast-2"

[api]
name = "{name}-api"

[role]
name = "{role}"
policy_name = "Invoke"
"#
    )
}

fn route(key: &str, input: &str) -> String {
    format!(
        r#"
[[route]]
key = "{key}"
action = "StartExecution"
state_machine = "{MACHINE}"
parameters = {{ Input = '{input}' }}
"#
    )
}

const DEFAULT_STAGE: &str = "\n[stage]\nname = \"$default\"\nauto_deploy = true\n";

fn write(dir: &tempfile::TempDir, text: &str) -> String {
    let path = dir.path().join("stack.toml");
    std::fs::write(&path, text).expect("stack");
    path.display().to_string()
}

async fn moto_with_machine() -> Moto {
    let moto = Moto::start();
    moto.enable_execution();
    support::create_state_machine(&moto.sfn(), "serve-gw", StateMachineType::Standard).await;
    moto
}

#[tokio::test]
async fn routes_are_selected_by_the_documented_priority() {
    let moto = moto_with_machine().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = header("serve-routes", "serve-routes-role");
    // The developer guide's example ("Routing API requests") plus the full-vs-greedy case.
    for (key, tag) in [
        ("GET /pets/dog/1", "dog-1"),
        ("GET /pets/dog/{id}", "dog-id"),
        ("GET /pets/{proxy+}", "pets-proxy"),
        ("ANY /{proxy+}", "any-proxy"),
        ("$default", "default"),
        ("GET /{x}/{y}", "x-y"),
        ("GET /a/{proxy+}", "a-proxy"),
    ] {
        text.push_str(&route(key, &format!(r#"{{"route":"{tag}"}}"#)));
    }
    text.push_str(DEFAULT_STAGE);
    let path = write(&dir, &text);
    up(&moto.url(), &path);
    let serve = Serve::start(&moto.url(), &path, &[], &[]);
    let sfn = moto.sfn();
    for (method, request, want) in [
        ("GET", "/pets/dog/1", "dog-1"),
        ("GET", "/pets/dog/2", "dog-id"),
        ("GET", "/pets/cat/1", "pets-proxy"),
        ("POST", "/pets/dog/1", "any-proxy"),
        ("GET", "/a/b", "x-y"),
        ("GET", "/a/b/c", "a-proxy"),
        ("GET", "/", "default"),
    ] {
        let reply = serve.send(method, request, &[], b"");
        assert_eq!(
            reply.status,
            200,
            "{method} {request}: {reply:?}\n{}",
            serve.log()
        );
        let arn: serde_json::Value = serde_json::from_str(&reply.body).expect("JSON");
        let input = input_of(&sfn, arn["executionArn"].as_str().expect("executionArn")).await;
        assert_eq!(input, json!({"route": want}), "{method} {request}");
    }
}

#[tokio::test]
async fn cors_preflight_and_responses_follow_the_live_configuration() {
    let moto = moto_with_machine().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = header("serve-cors", "serve-cors-role");
    text.push_str(
        r#"
[api.cors]
allow_origins = ["https://app.example.com"]
allow_methods = ["POST"]
allow_headers = ["content-type", "authorization"]
expose_headers = ["x-request-id"]
allow_credentials = true
max_age = 300
"#,
    );
    text.push_str(&route("POST /new-user", "$request.body.input"));
    text.push_str(DEFAULT_STAGE);
    let path = write(&dir, &text);
    up(&moto.url(), &path);
    let serve = Serve::start(&moto.url(), &path, &[], &[]);
    let preflight = |origin: &str| {
        serve.send(
            "OPTIONS",
            "/new-user",
            &[("Origin", origin), ("Access-Control-Request-Method", "POST")],
            b"",
        )
    };
    let allowed = preflight("https://app.example.com");
    assert_eq!(allowed.status, 204, "{allowed:?}");
    assert_eq!(allowed.body, "");
    let headers = allowed.cors_headers();
    for (name, value) in [
        ("access-control-allow-origin", "https://app.example.com"),
        ("access-control-allow-methods", "POST"),
        ("access-control-allow-headers", "authorization,content-type"),
        ("access-control-max-age", "300"),
        ("access-control-allow-credentials", "true"),
    ] {
        assert!(
            headers.contains(&(name.to_string(), value.to_string())),
            "{name}: {value} missing from {headers:?}"
        );
    }
    let other = preflight("https://evil.example");
    assert_eq!(other.status, 204, "{other:?}");
    assert!(other.cors_headers().is_empty(), "{other:?}");

    let post = |origin: &str| serve.send("POST", "/new-user", &[("Origin", origin)], BODY);
    let from_app = post("https://app.example.com");
    assert_eq!(from_app.status, 200, "{from_app:?}");
    assert_eq!(
        from_app.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert_eq!(from_app.header("access-control-allow-credentials"), Some("true"));
    assert_eq!(
        from_app.header("access-control-expose-headers"),
        Some("x-request-id")
    );
    let from_evil = post("https://evil.example");
    assert_eq!(
        from_evil.status, 200,
        "the call is made; the browser hides it: {from_evil:?}"
    );
    assert!(from_evil.cors_headers().is_empty(), "{from_evil:?}");

    // Preflights start nothing: only the two POSTs did.
    assert_eq!(executions(&moto.sfn(), MACHINE).await.len(), 2);
}

#[tokio::test]
async fn limits_throttling_and_named_stages() {
    let moto = moto_with_machine().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = header("serve-limits", "serve-limits-role");
    text.push_str(&route("POST /new-user", "$request.body.input"));
    text.push_str(
        "\n[stage]\nname = \"v1\"\nauto_deploy = true\nthrottling_rate_limit = 1\nthrottling_burst_limit = 1\n",
    );
    let path = write(&dir, &text);
    up(&moto.url(), &path);
    let serve = Serve::start(&moto.url(), &path, &[], &[]);
    assert!(serve.log_contains("stage v1 at /v1/"), "{}", serve.log());

    // Issue 20 item 12. A declared body over 10 MB: 413 at once, before anything else; no body
    // is sent, so a gateway waiting for it would not answer within send_head's 10 s.
    let too_big = send_head(
        serve.port,
        "POST",
        "/v1/new-user",
        &[
            ("Content-Type", "application/json".to_string()),
            ("Content-Length", (11 * 1024 * 1024).to_string()),
        ],
    );
    assert_eq!(too_big.status, 413, "{too_big:?}");
    assert_eq!(too_big.body, r#"{"message":"Request Entity Too Large"}"#);
    // The request line and headers over 10,240 bytes: refused before any route runs.
    let pad = "x".repeat(10_240);
    let long_head = serve.send("POST", "/v1/new-user", &[("X-Pad", pad.as_str())], BODY);
    assert_eq!(long_head.status, 431, "{long_head:?}");
    assert!(serve.log_contains("over the 10240-byte quota"), "{}", serve.log());
    // Just under: served (the throttle's one token is spent here, so the burst test waits).
    let fits = "x".repeat(10_240 - 200);
    let under = serve.send("POST", "/v1/new-user", &[("X-Pad", fits.as_str())], BODY);
    assert_eq!(under.status, 200, "{under:?}\n{}", serve.log());

    // The named stage is served under its prefix only; there is no $default stage.
    let root = serve.send("POST", "/new-user", &[], BODY);
    assert_eq!(
        (root.status, root.body.as_str()),
        (404, r#"{"message":"Not Found"}"#)
    );

    // Rate 1, burst 1: the first passes, the one right after is throttled. The first waits for
    // the token spent above to come back (polled: a refused request takes no token).
    let first = until_not_throttled(&serve);
    assert_eq!(first.status, 200, "{first:?}\n{}", serve.log());
    let second = serve.send("POST", "/v1/new-user", &[], BODY);
    assert_eq!(second.status, 429, "{second:?}");
    assert_eq!(second.body, r#"{"message":"Too Many Requests"}"#);
    // The bucket refills at one token a second.
    let later = until_not_throttled(&serve);
    assert_eq!(later.status, 200, "a token is back after a second: {later:?}");

    let started = executions(&moto.sfn(), MACHINE).await;
    assert_eq!(started.len(), 3, "{started:?}");
    let input = input_of(&moto.sfn(), started[0].execution_arn()).await;
    assert_eq!(input, json!({"user": "u-1"}));
}

/// The first answer to `POST /v1/new-user` that is not 429: the route's bucket (rate 1) has a
/// token again. Polled, bounded well past the second a token takes to come back; a throttled
/// request takes no token and starts no execution.
fn until_not_throttled(serve: &Serve) -> Reply {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let reply = serve.send("POST", "/v1/new-user", &[], BODY);
        if reply.status != 429 || Instant::now() > deadline {
            return reply;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn a_slow_integration_answers_504() {
    let moto = moto_with_machine().await;
    let proxy = RecordingProxy::start(&moto.url());
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = header("serve-slow", "serve-slow-role");
    text.push_str(&route("POST /new-user", "$request.body.input"));
    text.push_str(DEFAULT_STAGE);
    let path = write(&dir, &text);
    up(&moto.url(), &path);
    let serve = Serve::start(&proxy.url(), &path, &["--integration-timeout-ms", "500"], &[]);
    proxy.set_policy(|call| {
        if call.operation == "StartExecution" {
            Action::Delay(Duration::from_secs(2))
        } else {
            Action::Forward
        }
    });
    let reply = serve.send("POST", "/new-user", &[], BODY);
    assert_eq!(reply.status, 504, "{reply:?}\n{}", serve.log());
    assert_eq!(reply.body, r#"{"message":"Gateway Timeout"}"#);
    assert!(
        serve.log_contains("did not answer within 500 ms"),
        "{}",
        serve.log()
    );
}

#[tokio::test]
async fn the_integration_role_must_allow_the_call() {
    let moto = moto_with_machine().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let role = "serve-role-check-role";
    let mut text = header("serve-role-check", role);
    text.push_str(&route("POST /new-user", "$request.body.input"));
    text.push_str(DEFAULT_STAGE);
    let path = write(&dir, &text);
    up(&moto.url(), &path);
    // --refresh 0: every request re-reads the role, so each change below is seen by the next one.
    let serve = Serve::start(&moto.url(), &path, &["--refresh", "0"], &[]);
    let sfn = moto.sfn();
    let iam = moto.iam();
    let internal = r#"{"message":"Internal Server Error"}"#;

    let ok = serve.send("POST", "/new-user", &[], BODY);
    assert_eq!(
        ok.status,
        200,
        "the role up made allows the call: {ok:?}\n{}",
        serve.log()
    );
    assert_eq!(executions(&sfn, MACHINE).await.len(), 1);

    // A second client narrows the inline policy to another machine: nothing may start.
    let other = MACHINE.replace("serve-gw", "some-other-machine");
    let narrowed = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "states:StartExecution", "Resource": other}]});
    iam.put_role_policy()
        .role_name(role)
        .policy_name("Invoke")
        .policy_document(narrowed.to_string())
        .send()
        .await
        .expect("PutRolePolicy");
    let refused = serve.send("POST", "/new-user", &[], BODY);
    assert_eq!(
        (refused.status, refused.body.as_str()),
        (500, internal),
        "{}",
        serve.log()
    );
    assert!(
        serve.log_contains(&format!(
            "no policy of the role allows states:StartExecution on {MACHINE}"
        )),
        "{}",
        serve.log()
    );
    assert_eq!(executions(&sfn, MACHINE).await.len(), 1, "no execution may start");

    // Allowed again by a wildcard, then an attached managed policy's explicit Deny wins.
    let wide = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "states:Start*", "Resource": "arn:aws:states:*:*:stateMachine:serve-*"}]});
    iam.put_role_policy()
        .role_name(role)
        .policy_name("Invoke")
        .policy_document(wide.to_string())
        .send()
        .await
        .expect("PutRolePolicy");
    assert_eq!(
        serve.send("POST", "/new-user", &[], BODY).status,
        200,
        "{}",
        serve.log()
    );
    let deny = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "NotAction": "states:Describe*", "Resource": "*"}]});
    let policy = iam
        .create_policy()
        .policy_name("serve-deny")
        .policy_document(deny.to_string())
        .send()
        .await
        .expect("CreatePolicy");
    let policy_arn = policy.policy().and_then(|p| p.arn()).expect("arn").to_string();
    iam.attach_role_policy()
        .role_name(role)
        .policy_arn(&policy_arn)
        .send()
        .await
        .expect("AttachRolePolicy");
    let denied = serve.send("POST", "/new-user", &[], BODY);
    assert_eq!((denied.status, denied.body.as_str()), (500, internal));
    assert!(
        serve.log_contains("explicitly denied by statement 1 of arn:aws:iam::"),
        "{}",
        serve.log()
    );
    iam.detach_role_policy()
        .role_name(role)
        .policy_arn(&policy_arn)
        .send()
        .await
        .expect("DetachRolePolicy");

    // A trust policy that no longer names API Gateway.
    let lambda = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    iam.update_assume_role_policy()
        .role_name(role)
        .policy_document(lambda.to_string())
        .send()
        .await
        .expect("UpdateAssumeRolePolicy");
    let untrusted = serve.send("POST", "/new-user", &[], BODY);
    assert_eq!((untrusted.status, untrusted.body.as_str()), (500, internal));
    assert!(
        serve.log_contains("does not let apigateway.amazonaws.com assume"),
        "{}",
        serve.log()
    );

    assert_eq!(
        executions(&sfn, MACHINE).await.len(),
        2,
        "only the two allowed calls started"
    );
}

/// Waits up to 10 s for `done` to hold of the proxy's recorded operations.
fn wait_for(proxy: &RecordingProxy, what: &str, done: impl Fn(&[String]) -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !done(&proxy.operations()) {
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: {:?}",
            proxy.operations()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn count(operations: &[String], name: &str) -> usize {
    operations.iter().filter(|o| *o == name).count()
}

/// Issue 26: the role and its policies are read with the routes (at start, on SIGHUP, on the
/// refresh interval), so a request makes one AWS call, its StartExecution, counted at the proxy.
#[tokio::test]
async fn a_request_makes_one_aws_call_and_sighup_rereads_the_role() {
    let moto = moto_with_machine().await;
    let proxy = RecordingProxy::start(&moto.url());
    let dir = tempfile::tempdir().expect("tempdir");
    let role = "serve-one-call-role";
    let mut text = header("serve-one-call", role);
    text.push_str(&route("POST /new-user", "$request.body.input"));
    text.push_str(DEFAULT_STAGE);
    let path = write(&dir, &text);
    up(&moto.url(), &path);
    let serve = Serve::start(&proxy.url(), &path, &["--refresh", "600"], &[]);
    let started = proxy.operations();
    assert!(
        started.iter().any(|o| o == "GetRole") && started.iter().any(|o| o == "GetRolePolicy"),
        "the role is read at start: {started:?}"
    );
    proxy.clear();

    for _ in 0..5 {
        let reply = serve.send("POST", "/new-user", &[], BODY);
        assert_eq!(reply.status, 200, "{reply:?}\n{}", serve.log());
    }
    let port = serve.port;
    let concurrent: Vec<_> = (0..10)
        .map(|_| std::thread::spawn(move || support::send(port, "POST", "/new-user", &[], BODY).status))
        .collect();
    for handle in concurrent {
        assert_eq!(handle.join().expect("request thread"), 200);
    }
    assert_eq!(
        proxy.operations(),
        vec!["StartExecution".to_string(); 15],
        "one call a request"
    );
    assert_eq!(executions(&moto.sfn(), MACHINE).await.len(), 15);

    // A second client narrows the policy: still served from the cache until SIGHUP re-reads it.
    let other = MACHINE.replace("serve-gw", "some-other-machine");
    let narrowed = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "states:StartExecution", "Resource": other}]});
    moto.iam()
        .put_role_policy()
        .role_name(role)
        .policy_name("Invoke")
        .policy_document(narrowed.to_string())
        .send()
        .await
        .expect("PutRolePolicy");
    assert_eq!(serve.send("POST", "/new-user", &[], BODY).status, 200);
    proxy.clear();
    serve.hangup();
    wait_for(&proxy, "SIGHUP re-reads the role's policies", |ops| {
        count(ops, "GetRolePolicy") >= 1 && count(ops, "GetIntegrations") >= 1
    });
    // The refresh's last reads may still be in flight; the answer below waits for the new table.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let refused = loop {
        let reply = serve.send("POST", "/new-user", &[], BODY);
        if reply.status != 200 || std::time::Instant::now() > deadline {
            break reply;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(refused.status, 500, "{}", serve.log());
    assert!(
        serve.log_contains(&format!(
            "no policy of the role allows states:StartExecution on {MACHINE}"
        )),
        "{}",
        serve.log()
    );
    proxy.clear();
    assert_eq!(serve.send("POST", "/new-user", &[], BODY).status, 500);
    assert!(
        proxy.operations().is_empty(),
        "a refused request makes no call: {:?}",
        proxy.operations()
    );
}

/// Within the refresh interval a request never waits on a refresh, not even one in progress
/// (SIGHUP's, held up at the proxy).
#[tokio::test]
async fn a_request_within_the_interval_does_not_wait_on_a_refresh() {
    let moto = moto_with_machine().await;
    let proxy = RecordingProxy::start(&moto.url());
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = header("serve-no-wait", "serve-no-wait-role");
    text.push_str(&route("POST /new-user", "$request.body.input"));
    text.push_str(DEFAULT_STAGE);
    let path = write(&dir, &text);
    up(&moto.url(), &path);
    let serve = Serve::start(&proxy.url(), &path, &["--refresh", "600"], &[]);
    proxy.set_policy(|call| {
        if call.operation == "GetApis" {
            Action::Delay(Duration::from_secs(3))
        } else {
            Action::Forward
        }
    });
    proxy.clear();
    serve.hangup();
    wait_for(&proxy, "the SIGHUP refresh starts", |ops| {
        count(ops, "GetApis") == 1
    });
    let asked = std::time::Instant::now();
    let reply = serve.send("POST", "/new-user", &[], BODY);
    assert_eq!(reply.status, 200, "{reply:?}\n{}", serve.log());
    assert!(
        asked.elapsed() < Duration::from_millis(2000),
        "a request within the interval waited {:?} on the refresh",
        asked.elapsed()
    );
}

/// A refresh in progress is shared: with `--refresh 0` a request re-reads the API first, and the
/// requests that arrive while that read is held up at the proxy take its table (one GetApis).
#[tokio::test]
async fn requests_arriving_during_a_refresh_share_it() {
    let moto = moto_with_machine().await;
    let proxy = RecordingProxy::start(&moto.url());
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = header("serve-shared", "serve-shared-role");
    text.push_str(&route("POST /new-user", "$request.body.input"));
    text.push_str(DEFAULT_STAGE);
    let path = write(&dir, &text);
    up(&moto.url(), &path);
    let serve = Serve::start(&proxy.url(), &path, &["--refresh", "0"], &[]);
    proxy.set_policy(|call| {
        if call.operation == "GetApis" {
            Action::Delay(Duration::from_millis(1500))
        } else {
            Action::Forward
        }
    });
    proxy.clear();
    let port = serve.port;
    let send = move || std::thread::spawn(move || support::send(port, "POST", "/new-user", &[], BODY).status);
    let first = send();
    wait_for(&proxy, "the first request's refresh starts", |ops| {
        count(ops, "GetApis") == 1
    });
    let others: Vec<_> = (0..9).map(|_| send()).collect();
    assert_eq!(first.join().expect("request thread"), 200);
    for handle in others {
        assert_eq!(handle.join().expect("request thread"), 200);
    }
    let ops = proxy.operations();
    assert_eq!(count(&ops, "GetApis"), 1, "one shared refresh: {ops:?}");
    assert_eq!(count(&ops, "StartExecution"), 10, "{ops:?}");
}

/// Issue 20 items 10 and 11 ("Configure CORS for HTTP APIs", its section on a `$default` route
/// with an authorizer): a preflight no route is defined for is the CORS configuration's, but the
/// `$default` route catches OPTIONS requests (its authorization applies: an unsigned preflight on
/// an AWS_IAM `$default` is refused) and an explicit OPTIONS route runs its integration; an ANY
/// route, on which the guide is silent, leaves it to the CORS configuration as before. Origins
/// `https://*` match any https origin. `$request.path` is the path without the stage,
/// `$context.path` the path as sent.
#[tokio::test]
async fn preflights_follow_the_routes_and_paths_keep_or_drop_the_stage() {
    let moto = moto_with_machine().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = header("serve-preflight", "serve-preflight-role");
    text.push_str("\n[api.cors]\nallow_origins = [\"https://*\"]\nallow_methods = [\"POST\"]\n");
    text.push_str(&route(
        "POST /new-user",
        r#"{"p":"${request.path}","c":"${context.path}"}"#,
    ));
    text.push_str(&route("OPTIONS /opts/{proxy+}", r#"{"route":"options"}"#));
    text.push_str(&route("ANY /open", r#"{"route":"open"}"#));
    text.push_str(&route("$default", r#"{"route":"default"}"#));
    text.push_str("authorization = \"AWS_IAM\"\n");
    text.push_str("\n[stage]\nname = \"v1\"\nauto_deploy = true\n");
    let path = write(&dir, &text);
    up(&moto.url(), &path);
    let serve = Serve::start(&moto.url(), &path, &[], &[]);
    let sfn = moto.sfn();
    let preflight = |at: &str| {
        serve.send(
            "OPTIONS",
            at,
            &[
                ("Origin", "https://app.example.com"),
                ("Access-Control-Request-Method", "POST"),
            ],
            b"",
        )
    };

    // No OPTIONS route for /new-user: the $default route catches the preflight, and its
    // AWS_IAM authorization refuses an unsigned request. Nothing starts.
    let caught = preflight("/v1/new-user");
    assert_eq!(caught.status, 403, "{caught:?}\n{}", serve.log());
    assert!(executions(&sfn, MACHINE).await.is_empty());

    // An ANY route: the gateway answers from the CORS configuration, as before.
    let open = preflight("/v1/open");
    assert_eq!(open.status, 204, "{open:?}");
    assert_eq!(
        open.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert!(executions(&sfn, MACHINE).await.is_empty());

    // An explicit OPTIONS route runs its integration.
    let options = preflight("/v1/opts/a/b");
    assert_eq!(options.status, 200, "{options:?}\n{}", serve.log());
    let arn: serde_json::Value = serde_json::from_str(&options.body).expect("JSON");
    let input = input_of(&sfn, arn["executionArn"].as_str().expect("executionArn")).await;
    assert_eq!(input, json!({"route": "options"}));

    // `https://*` allows any https origin, not an http one.
    let post = |origin: &str| serve.send("POST", "/v1/new-user", &[("Origin", origin)], b"");
    let https = post("https://anything.example.org");
    assert_eq!(https.status, 200, "{https:?}\n{}", serve.log());
    assert_eq!(
        https.header("access-control-allow-origin"),
        Some("https://anything.example.org")
    );
    let http = post("http://anything.example.org");
    assert_eq!(http.status, 200, "{http:?}");
    assert!(http.cors_headers().is_empty(), "{http:?}");

    // The stage is in $context.path, not in $request.path.
    let arn: serde_json::Value = serde_json::from_str(&https.body).expect("JSON");
    let input = input_of(&sfn, arn["executionArn"].as_str().expect("executionArn")).await;
    assert_eq!(input, json!({"p": "/new-user", "c": "/v1/new-user"}));
}
