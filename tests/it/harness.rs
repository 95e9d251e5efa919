//! Proves the test harness itself: moto starts, the recording proxy forwards
//! and classifies calls, fault injection reaches the SDK, and the request
//! classifier names operations correctly.

use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_sfn::types::{ExecutionStatus, StateMachineType};
use hyper::header::{HeaderMap, HeaderValue};
use hyper::{Method, Uri};
use support::{Action, Call, Moto, RecordingProxy};

#[tokio::test]
async fn proxy_records_calls_and_forwards_them_to_moto() {
    let moto = Moto::start();
    let proxy = RecordingProxy::start(&moto.url());
    let iam = support::iam_client(&proxy.url());
    let apigw = support::apigw_client(&proxy.url());

    iam.create_role()
        .role_name("harness-role")
        .assume_role_policy_document(support::APIGW_TRUST_POLICY)
        .send()
        .await
        .expect("CreateRole through proxy");
    apigw.get_apis().send().await.expect("GetApis through proxy");
    moto.enable_execution(); // /moto-api traffic is never recorded

    assert_eq!(
        proxy.calls(),
        vec![
            Call::new("iam", "CreateRole", true),
            Call::new("apigatewayv2", "GetApis", false),
        ]
    );
    assert_eq!(proxy.mutating_calls(), vec![Call::new("iam", "CreateRole", true)]);

    let role = moto
        .iam()
        .get_role()
        .role_name("harness-role")
        .send()
        .await
        .expect("role visible to a client talking to moto directly")
        .role
        .expect("role");
    assert_eq!(
        role.arn,
        format!("arn:aws:iam::{}:role/harness-role", support::ACCOUNT_ID)
    );

    proxy.clear();
    assert!(proxy.calls().is_empty());
    let sfn = support::sfn_client(&proxy.url());
    let arn = support::create_state_machine(&sfn, "harness-sm", StateMachineType::Express).await;
    sfn.describe_state_machine()
        .state_machine_arn(&arn)
        .send()
        .await
        .expect("DescribeStateMachine through proxy");
    let api = apigw
        .create_api()
        .name("harness-api")
        .protocol_type(aws_sdk_apigatewayv2::types::ProtocolType::Http)
        .send()
        .await
        .expect("CreateApi through proxy");
    apigw
        .get_routes()
        .api_id(api.api_id().expect("api id"))
        .send()
        .await
        .expect("GetRoutes through proxy");
    assert_eq!(
        proxy.calls(),
        vec![
            Call::new("sfn", "CreateStateMachine", true),
            Call::new("sfn", "DescribeStateMachine", false),
            Call::new("apigatewayv2", "CreateApi", true),
            Call::new("apigatewayv2", "GetRoutes", false),
        ]
    );
}

#[tokio::test]
async fn injected_faults_reach_the_sdk() {
    let moto = Moto::start();
    let proxy = RecordingProxy::start(&moto.url());
    let iam = support::iam_client(&proxy.url());
    let apigw = support::apigw_client(&proxy.url());

    // A non-retryable error is surfaced with its code and nothing reaches moto.
    proxy.set_policy(|call| match call.operation.as_str() {
        "CreateApi" => Action::respond(409, "ConflictException"),
        _ => Action::Forward,
    });
    let err = apigw
        .create_api()
        .name("faulty")
        .protocol_type(aws_sdk_apigatewayv2::types::ProtocolType::Http)
        .send()
        .await
        .expect_err("injected 409");
    assert!(
        err.as_service_error().is_some_and(|e| e.is_conflict_exception()),
        "{err:?}"
    );
    let apis = moto.apigw().get_apis().send().await.expect("GetApis");
    assert!(apis.items().is_empty(), "the failed CreateApi must not land");

    // One throttle, then forward: the SDK's retry makes it succeed.
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    proxy.clear();
    proxy.set_policy(move |call| {
        if call.operation == "CreateRole" && counter.fetch_add(1, Ordering::SeqCst) == 0 {
            Action::respond(429, "Throttling")
        } else {
            Action::Forward
        }
    });
    iam.create_role()
        .role_name("throttled")
        .assume_role_policy_document(support::APIGW_TRUST_POLICY)
        .send()
        .await
        .expect("retried after throttle");
    assert_eq!(
        proxy.operations(),
        vec!["CreateRole".to_string(), "CreateRole".to_string()]
    );

    // Forward, then drop the reply: the change lands although the caller
    // never heard back.
    proxy.set_policy(|_| Action::ForwardThenReset);
    let result = iam
        .create_role()
        .role_name("lost-reply")
        .assume_role_policy_document(support::APIGW_TRUST_POLICY)
        .send()
        .await;
    assert!(result.is_err(), "no reply may reach the SDK: {result:?}");
    proxy.clear_policy();
    moto.iam()
        .get_role()
        .role_name("lost-reply")
        .send()
        .await
        .expect("role created although its reply was dropped");

    // Reset: nothing reaches moto.
    proxy.set_policy(|_| Action::Reset);
    let result = iam
        .create_role()
        .role_name("never")
        .assume_role_policy_document(support::APIGW_TRUST_POLICY)
        .send()
        .await;
    assert!(result.is_err(), "{result:?}");
    assert!(moto.iam().get_role().role_name("never").send().await.is_err());
}

#[tokio::test]
async fn enable_execution_runs_state_machines() {
    let moto = Moto::start();
    moto.enable_execution();
    let sfn = moto.sfn();
    let arn = support::create_state_machine(&sfn, "runs", StateMachineType::Standard).await;
    let exec = sfn
        .start_execution()
        .state_machine_arn(&arn)
        .name("first")
        .input(r#"{"hello":"world"}"#)
        .send()
        .await
        .expect("StartExecution")
        .execution_arn;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let d = sfn
            .describe_execution()
            .execution_arn(&exec)
            .send()
            .await
            .expect("DescribeExecution");
        if d.status == ExecutionStatus::Succeeded {
            assert_eq!(d.output(), Some(r#"{"hello": "world"}"#));
            break;
        }
        assert!(
            d.status == ExecutionStatus::Running && Instant::now() < deadline,
            "execution ended as {:?}\n{}",
            d.status,
            moto.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[test]
fn apigw_operations_are_named_from_method_and_path() {
    let cases = [
        ("GET", "/v2/apis", "GetApis"),
        ("POST", "/v2/apis", "CreateApi"),
        ("PUT", "/v2/apis", "ImportApi"),
        ("GET", "/v2/apis/a1", "GetApi"),
        ("PATCH", "/v2/apis/a1", "UpdateApi"),
        ("DELETE", "/v2/apis/a1", "DeleteApi"),
        ("PUT", "/v2/apis/a1", "ReimportApi"),
        ("GET", "/v2/apis/a1/routes", "GetRoutes"),
        ("POST", "/v2/apis/a1/routes", "CreateRoute"),
        ("PATCH", "/v2/apis/a1/routes/r1", "UpdateRoute"),
        ("POST", "/v2/apis/a1/integrations", "CreateIntegration"),
        ("GET", "/v2/apis/a1/integrations", "GetIntegrations"),
        ("PATCH", "/v2/apis/a1/integrations/i1", "UpdateIntegration"),
        ("DELETE", "/v2/apis/a1/integrations/i1", "DeleteIntegration"),
        (
            "GET",
            "/v2/apis/a1/integrations/i1/integrationresponses",
            "GetIntegrationResponses",
        ),
        ("POST", "/v2/apis/a1/stages", "CreateStage"),
        ("GET", "/v2/apis/a1/stages/%24default", "GetStage"),
        ("PATCH", "/v2/apis/a1/stages/prod", "UpdateStage"),
        ("DELETE", "/v2/apis/a1/stages/prod", "DeleteStage"),
        ("POST", "/v2/apis/a1/deployments", "CreateDeployment"),
        ("DELETE", "/v2/apis/a1/cors", "DeleteCorsConfiguration"),
        (
            "DELETE",
            "/v2/apis/a1/stages/prod/accesslogsettings",
            "DeleteAccessLogSettings",
        ),
        (
            "DELETE",
            "/v2/apis/a1/routes/r1/requestparameters/x",
            "DeleteRouteRequestParameter",
        ),
        (
            "GET",
            "/v2/domainnames/x.example.com/apimappings",
            "GetApiMappings",
        ),
        ("GET", "/v2/vpclinks/v1", "GetVpcLink"),
        (
            "POST",
            "/v2/tags/arn%3Aaws%3Aapigateway%3Aap-southeast-2%3A%3A%2Fapis%2Fa1",
            "TagResource",
        ),
        (
            "DELETE",
            "/v2/tags/arn:aws:apigateway:ap-southeast-2::/apis/a1",
            "UntagResource",
        ),
        ("GET", "/v2/tags/arn%3Aaws%3Aapigateway", "GetTags"),
        ("POST", "/v2/apis/a1/routes/r1", "POST /v2/apis/a1/routes/r1"),
    ];
    for (method, path, want) in cases {
        assert_eq!(support::apigw_operation(method, path), want, "{method} {path}");
    }
}

#[test]
fn requests_are_classified_by_protocol() {
    let auth = |service: &str| {
        HeaderValue::from_str(&format!(
            "AWS4-HMAC-SHA256 Credential=test/20250101/ap-southeast-2/{service}/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature=abc"
        ))
        .unwrap()
    };
    let uri = |s: &str| s.parse::<Uri>().unwrap();

    let mut iam = HeaderMap::new();
    iam.insert("authorization", auth("iam"));
    let body = b"Action=GetRole&Version=2010-05-08&RoleName=x";
    assert_eq!(
        support::classify(&Method::POST, &uri("/"), &iam, body),
        Some(Call::new("iam", "GetRole", false))
    );
    let body = b"Action=PutRolePolicy&Version=2010-05-08";
    assert_eq!(
        support::classify(&Method::POST, &uri("/"), &iam, body),
        Some(Call::new("iam", "PutRolePolicy", true))
    );

    let mut sfn = HeaderMap::new();
    sfn.insert("authorization", auth("states"));
    sfn.insert(
        "x-amz-target",
        HeaderValue::from_static("AWSStepFunctions.StartExecution"),
    );
    assert_eq!(
        support::classify(&Method::POST, &uri("/"), &sfn, b"{}"),
        Some(Call::new("sfn", "StartExecution", true))
    );
    sfn.insert(
        "x-amz-target",
        HeaderValue::from_static("AWSStepFunctions.ListStateMachines"),
    );
    assert_eq!(
        support::classify(&Method::POST, &uri("/"), &sfn, b"{}"),
        Some(Call::new("sfn", "ListStateMachines", false))
    );

    let mut apigw = HeaderMap::new();
    apigw.insert("authorization", auth("apigateway"));
    assert_eq!(
        support::classify(&Method::DELETE, &uri("/v2/apis/a1/stages/s"), &apigw, b""),
        Some(Call::new("apigatewayv2", "DeleteStage", true))
    );
    assert_eq!(
        support::classify(&Method::GET, &uri("/v2/apis?maxResults=5"), &apigw, b""),
        Some(Call::new("apigatewayv2", "GetApis", false))
    );

    assert_eq!(
        support::classify(&Method::POST, &uri("/moto-api/config"), &HeaderMap::new(), b"{}"),
        None
    );
}

/// What the pool relies on: `POST /moto-api/reset` (through the shim) leaves the server as it
/// started: no resources, execution off, IAM enforcement off.
#[tokio::test]
async fn a_reset_server_is_as_it_started() {
    let moto = Moto::start();
    let sfn = moto.sfn();
    support::create_state_machine(&sfn, "before-reset", StateMachineType::Standard).await;
    moto.apigw()
        .create_api()
        .name("before-reset")
        .protocol_type(aws_sdk_apigatewayv2::types::ProtocolType::Http)
        .send()
        .await
        .expect("CreateApi");
    moto.iam()
        .create_role()
        .role_name("before-reset")
        .assume_role_policy_document(support::APIGW_TRUST_POLICY)
        .send()
        .await
        .expect("CreateRole");
    moto.enable_execution();
    let (status, config) = moto.moto_api("GET", "/moto-api/config", "");
    assert_eq!(status, 201, "{config}");
    assert!(config.contains(r#""execute_state_machine": true"#), "{config}");
    // IAM enforcement on: the tests' `test` access key is not an IAM user, so calls are refused.
    assert_eq!(moto.moto_api("POST", "/moto-api/reset-auth", "0").0, 200);
    assert!(
        sfn.list_state_machines().send().await.is_err(),
        "enforcement is on"
    );

    moto.reset();

    let machines = sfn
        .list_state_machines()
        .send()
        .await
        .expect("enforcement is off again");
    assert!(machines.state_machines().is_empty(), "{machines:?}");
    let apis = moto.apigw().get_apis().send().await.expect("GetApis");
    assert!(apis.items().is_empty(), "{apis:?}");
    assert!(
        moto.iam()
            .get_role()
            .role_name("before-reset")
            .send()
            .await
            .is_err()
    );
    // What moto's StartExecution reads to decide whether to run the machine.
    let (_, config) = moto.moto_api("GET", "/moto-api/config", "");
    assert!(config.contains(r#""execute_state_machine": false"#), "{config}");
}

/// A server the test gave up on (a panic, or [`Moto::discard`]) is killed, not handed on.
#[test]
fn a_discarded_or_panicked_server_is_killed_not_pooled() {
    let discarded = Moto::start();
    let port = discarded.port();
    discarded.discard();
    drop(discarded);
    let refused = std::net::TcpStream::connect(("127.0.0.1", port));
    assert!(refused.is_err(), "moto on {port} still answers after discard");

    let panicked = std::thread::spawn(|| {
        let moto = Moto::start();
        let port = moto.port();
        std::panic::panic_any(port);
    })
    .join()
    .expect_err("the thread panicked");
    let port = *panicked.downcast::<u16>().expect("the port");
    let refused = std::net::TcpStream::connect(("127.0.0.1", port));
    assert!(refused.is_err(), "moto on {port} still answers after a panic");
}
