//! Behaviours moto_server lacks, checked against SDK clients whose every call is answered by an
//! `aws-smithy-mocks` rule: stage updates, pagination, NotFound on delete, errors on creates, and a state machine still DELETING after DeleteStateMachine.
//!
//! Errors are answered as HTTP responses (status, `x-amzn-errortype` or an IAM XML error body),
//! so the SDK parses the error code exactly as it does for a real service. A call no rule
//! matches (or whose rule is used up) makes the mock interceptor panic, so an unexpected,
//! repeated or misaddressed call fails the test.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use aws_config::retry::RetryConfig;
use aws_sdk_apigatewayv2 as gw;
use aws_sdk_apigatewayv2::operation::update_stage::{UpdateStageInput, UpdateStageOutput};
use aws_sdk_apigatewayv2::types::{
    Api, AuthorizationType, Authorizer, AuthorizerType, Integration, IntegrationType, JwtConfiguration,
    Route, Stage,
};
use aws_sdk_iam as iam;
use aws_sdk_iam::types::{AttachedPolicy, Role, Tag};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use provision::apply::{self, Outcome, Resolved, Stopped};
use provision::aws::Clients;
use provision::domain::Authorization;
use provision::error::{AwsError, Retry};
use provision::live::{self, Live, LiveApi, LiveIntegration, LiveRole, LiveRoute, LiveStage, RoleState};
use provision::plan::op::{IntegrationOp, RouteOp, StageOp};
use provision::plan::{self, Op, PlanOptions};
use provision::stack::{self, Desired};

const REGION: &str = "ap-southeast-2";
const STACK_NAME: &str = "user-onboarding";
const API_ID: &str = "api-1";
const ROLE: &str = "user-onboarding-api-gateway-stepfunctions-role";
const ROLE_ARN: &str = "arn:aws:iam::189107071895:role/user-onboarding-api-gateway-stepfunctions-role";
const MANAGED: &str = "arn:aws:iam::aws:policy/AWSStepFunctionsReadOnlyAccess";
const ROUTE_KEY: &str = "POST /new-user";

/// The walkthrough stack with stage throttling and a managed policy.
const STACK: &str = r#"
[stack]
name = "user-onboarding"
region = "ap-southeast-2"

[api]
name = "user-onboarding-api"

[role]
name = "user-onboarding-api-gateway-stepfunctions-role"
policy_name = "InvokeUserOnboardingWorkflow"
actions = ["states:StartExecution", "states:StartSyncExecution"]
managed_policies = ["arn:aws:iam::aws:policy/AWSStepFunctionsReadOnlyAccess"]

[[route]]
key = "POST /new-user"
action = "StartExecution"
state_machine = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding"
parameters = { Input = "$request.body.input" }

[stage]
name = "$default"
auto_deploy = true
throttling_burst_limit = 100
throttling_rate_limit = 50.0
"#;

/// The test stack bound as `up` binds it, to the clients' region (its machine ARN is written out:
/// no account to bind).
fn bound(d: &Desired) -> provision::stack::BoundDesired {
    d.clone().bind(&provision::stack::Binding {
        region: REGION.into(),
        account: None,
    })
}

fn desired() -> Desired {
    let loaded = stack::from_source(STACK);
    assert!(!loaded.has_errors(), "{:#?}", loaded.diagnostics);
    loaded.desired.expect("the test stack is valid")
}

/// Clients for the region whose API Gateway and IAM calls are answered by `gw_rules` and
/// `iam_rules`. Retries are off: every rule counts exactly the calls the code sent. Step
/// Functions is not called by `live::read` or `apply`; its client has no rules ([`sfn_client`])
/// and only the mock HTTP client, so it never reaches the network.
fn clients(gw_rules: &[&Rule], iam_rules: &[&Rule]) -> Clients {
    let apigw = mock_client!(gw, RuleMode::MatchAny, gw_rules, |c| c
        .region(gw::config::Region::new(REGION))
        .retry_config(RetryConfig::disabled()));
    let iam = mock_client!(iam, RuleMode::MatchAny, iam_rules, |c| c
        .region(iam::config::Region::new(REGION))
        .retry_config(RetryConfig::disabled()));
    let sfn = sfn_client(&[]);
    // Never called here: the stacks under test do not restrict the source account.
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::Config::builder()
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new(REGION))
            .http_client(aws_smithy_mocks::create_mock_http_client())
            .build(),
    );
    Clients {
        apigw,
        iam,
        sfn,
        sts,
        region: REGION.into(),
        region_source: "--region".into(),
        profile: "default".into(),
        credentials: None,
    }
}

/// An API Gateway (restJson1) error answer.
fn gw_error(status: u16, code: &'static str) -> HttpResponse {
    let body = format!(r#"{{"message":"mocked {code}"}}"#);
    let mut response = HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::from(body));
    response.headers_mut().insert("content-type", "application/json");
    response.headers_mut().insert("x-amzn-errortype", code);
    response
}

/// An IAM (awsQuery) error answer.
fn iam_error(status: u16, code: &str) -> HttpResponse {
    let body = format!(
        "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
         <Error><Type>Sender</Type><Code>{code}</Code><Message>mocked {code}</Message></Error>\
         <RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
    );
    let mut response = HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::from(body));
    response.headers_mut().insert("content-type", "text/xml");
    response
}

/// Live state that `desired()` matches exactly: one owned API with the route, its integration
/// and the stage; the owned role with its policies.
fn matching_live(d: &Desired) -> Live {
    let route = &d.routes[0];
    Live {
        apis: vec![LiveApi {
            authorizers: Vec::new(),
            cors: None,
            id: API_ID.into(),
            name: d.api.name.clone(),
            endpoint: Some(format!("https://{API_ID}.execute-api.{REGION}.amazonaws.com")),
            created: Some(1_700_000_000),
            tags: d.tags.clone(),
            routes: vec![LiveRoute {
                authorizer_id: None,
                scopes: Vec::new(),
                id: "r-1".into(),
                key: route.key.clone(),
                target: Some("integrations/i-1".into()),
                authorization: route.authorization,
                ..LiveRoute::default()
            }],
            integrations: vec![LiveIntegration {
                id: "i-1".into(),
                integration_type: Some(provision::domain::IntegrationType::AwsProxy),
                subtype: Some(route.integration.subtype().to_string()),
                payload_format_version: Some("1.0".into()),
                credentials_arn: Some(ROLE_ARN.into()),
                parameters: route.integration.parameters.clone(),
                response: route.integration.response.clone(),
                ..LiveIntegration::default()
            }],
            stages: vec![LiveStage {
                name: d.stage.name.clone(),
                auto_deploy: d.stage.auto_deploy,
                throttling_burst_limit: d.stage.throttling_burst_limit,
                throttling_rate_limit: d.stage.throttling_rate_limit,
                ..LiveStage::default()
            }],
            ..LiveApi::default()
        }],
        role: RoleState::Present(LiveRole {
            name: d.role.name.clone(),
            arn: ROLE_ARN.into(),
            tags: d.tags.clone(),
            trust: d.role.trust.clone(),
            inline: BTreeMap::from([(d.role.policy_name.clone(), d.role.policy.clone())]),
            attached: d.role.managed_policies.clone(),
            ..LiveRole::default()
        }),
        ..Live::default()
    }
}

/// A rule answering UpdateStage of the `$default` stage of the test API, and what it was sent.
fn recorded_update_stage() -> (Rule, Arc<Mutex<Vec<UpdateStageInput>>>) {
    let sent: Arc<Mutex<Vec<UpdateStageInput>>> = Arc::default();
    let recorder = sent.clone();
    let rule = mock!(gw::Client::update_stage)
        .match_requests(|req| req.api_id() == Some(API_ID) && req.stage_name() == Some("$default"))
        .then_compute_output(move |req| {
            recorder.lock().unwrap().push(req.clone());
            UpdateStageOutput::builder()
                .stage_name("$default")
                .auto_deploy(true)
                .build()
        });
    (rule, sent)
}

fn failure(outcome: &Outcome) -> &AwsError {
    match &outcome.stopped {
        Some(Stopped::Failed(e)) => e,
        other => panic!("expected a failed call, got {other:?} (outcome {outcome:#?})"),
    }
}

#[tokio::test]
async fn the_test_live_state_matches_the_stack() {
    // Guards the other tests: their plans differ from this empty one only by what they change.
    let d = desired();
    let plan = plan::plan(&bound(&d), &matching_live(&d), PlanOptions::default()).expect("plan");
    assert!(plan.is_empty(), "{plan:#?}");
}

// moto gap: moto's UpdateStage answers 500, so a stage drift cannot be repaired against moto.
// Here the stage has drifted (auto-deploy off, other throttling): `up` must send one
// UpdateStage with auto_deploy true, the stack's default-route throttling, and no deployment id
// (an auto-deploy stage rejects one).
#[tokio::test]
async fn a_drifted_stage_is_updated_with_auto_deploy_and_throttling_and_no_deployment() {
    let d = desired();
    assert_eq!(
        (
            d.stage.auto_deploy,
            d.stage.throttling_burst_limit,
            d.stage.throttling_rate_limit
        ),
        (true, Some(100), Some(50.0))
    );
    let mut live = matching_live(&d);
    live.apis[0].stages[0] = LiveStage {
        name: "$default".into(),
        auto_deploy: false,
        throttling_burst_limit: Some(10),
        throttling_rate_limit: Some(5.0),
        ..LiveStage::default()
    };

    let plan = plan::plan(&bound(&d), &live, PlanOptions::default()).expect("plan");
    let ops: Vec<&Op> = plan.changes.iter().flat_map(|c| &c.ops).collect();
    assert_eq!(
        ops,
        [&Op::Stage(StageOp::Update {
            api_id: API_ID.into(),
            spec: d.stage.clone(),
        })],
        "{plan:#?}"
    );

    let (update_stage, sent) = recorded_update_stage();
    let clients = clients(&[&update_stage], &[]);

    let outcome = apply::apply(&clients, &plan, Resolved::default(), |_| {}).await;

    assert!(outcome.stopped.is_none(), "{outcome:#?}");
    assert_eq!(update_stage.num_calls(), 1);
    let labels: Vec<&str> = outcome.completed.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, ["update stage $default"]);
    let sent = sent.lock().unwrap();
    assert_eq!(sent.len(), 1);
    let input = &sent[0];
    assert_eq!(input.auto_deploy(), Some(true));
    assert_eq!(
        input.deployment_id(),
        None,
        "an auto-deploy stage rejects a deployment id"
    );
    let settings = input
        .default_route_settings()
        .expect("default route settings sent");
    assert_eq!(settings.throttling_burst_limit(), Some(100));
    assert_eq!(settings.throttling_rate_limit(), Some(50.0));
}

fn api(id: &str, stack: Option<&str>) -> Api {
    let mut b = Api::builder()
        .api_id(id)
        .name(format!("{id}-name"))
        .api_endpoint(format!("https://{id}.execute-api.{REGION}.amazonaws.com"))
        .created_date(aws_smithy_types::DateTime::from_secs(1_700_000_000));
    if let Some(stack) = stack {
        b = b.tags("provision:stack", stack);
    }
    b.build()
}

fn route(id: &str, key: &str, integration: &str, auth: AuthorizationType) -> Route {
    Route::builder()
        .route_id(id)
        .route_key(key)
        .target(format!("integrations/{integration}"))
        .authorization_type(auth)
        .build()
}

fn integration(id: &str, action: &str) -> Integration {
    Integration::builder()
        .integration_id(id)
        .integration_type(IntegrationType::AwsProxy)
        .integration_subtype(format!("StepFunctions-{action}"))
        .payload_format_version("1.0")
        .credentials_arn(ROLE_ARN)
        .request_parameters(
            "StateMachineArn",
            format!("arn:aws:states:{REGION}:1:stateMachine:{id}"),
        )
        .build()
}

// moto gap: moto never returns NextToken (API Gateway) nor IsTruncated/Marker (IAM), so against
// moto every listing fits one page and a reader that ignores the token passes. Here every
// listing is split in two pages, the owned API is only on the second GetApis page, and each page
// answers once: a reader that stops early misses items, one that loops re-requests a page and
// matches no rule.
#[tokio::test]
async fn live_read_follows_every_page() {
    let owned = "api-owned";
    let get_apis_1 = mock!(gw::Client::get_apis)
        .match_requests(|req| req.next_token().is_none())
        .sequence()
        .output(|| {
            gw::operation::get_apis::GetApisOutput::builder()
                .items(api("api-other", Some("another-stack")))
                .items(api("api-untagged", None))
                .next_token("p2")
                .build()
        })
        .build();
    let get_apis_2 = mock!(gw::Client::get_apis)
        .match_requests(|req| req.next_token() == Some("p2"))
        .sequence()
        .output(move || {
            gw::operation::get_apis::GetApisOutput::builder()
                .items(api(owned, Some(STACK_NAME)))
                .build()
        })
        .build();
    let get_routes_1 = mock!(gw::Client::get_routes)
        .match_requests(move |req| req.api_id() == Some(owned) && req.next_token().is_none())
        .sequence()
        .output(|| {
            gw::operation::get_routes::GetRoutesOutput::builder()
                .items(route("r-1", ROUTE_KEY, "i-1", AuthorizationType::None))
                .next_token("routes-2")
                .build()
        })
        .build();
    let get_routes_2 = mock!(gw::Client::get_routes)
        .match_requests(move |req| req.api_id() == Some(owned) && req.next_token() == Some("routes-2"))
        .sequence()
        .output(|| {
            gw::operation::get_routes::GetRoutesOutput::builder()
                .items(route("r-2", "GET /status", "i-2", AuthorizationType::AwsIam))
                .build()
        })
        .build();
    let get_integrations_1 = mock!(gw::Client::get_integrations)
        .match_requests(move |req| req.api_id() == Some(owned) && req.next_token().is_none())
        .sequence()
        .output(|| {
            gw::operation::get_integrations::GetIntegrationsOutput::builder()
                .items(integration("i-1", "StartExecution"))
                .next_token("integrations-2")
                .build()
        })
        .build();
    let get_integrations_2 = mock!(gw::Client::get_integrations)
        .match_requests(move |req| req.api_id() == Some(owned) && req.next_token() == Some("integrations-2"))
        .sequence()
        .output(|| {
            gw::operation::get_integrations::GetIntegrationsOutput::builder()
                .items(integration("i-2", "StartSyncExecution"))
                .build()
        })
        .build();
    let get_stages_1 = mock!(gw::Client::get_stages)
        .match_requests(move |req| req.api_id() == Some(owned) && req.next_token().is_none())
        .sequence()
        .output(|| {
            gw::operation::get_stages::GetStagesOutput::builder()
                .items(Stage::builder().stage_name("$default").auto_deploy(true).build())
                .next_token("stages-2")
                .build()
        })
        .build();
    let get_stages_2 = mock!(gw::Client::get_stages)
        .match_requests(move |req| req.api_id() == Some(owned) && req.next_token() == Some("stages-2"))
        .sequence()
        .output(|| {
            gw::operation::get_stages::GetStagesOutput::builder()
                .items(Stage::builder().stage_name("old").auto_deploy(false).build())
                .build()
        })
        .build();

    let authorizer = |id: &str, name: &str| {
        Authorizer::builder()
            .authorizer_id(id)
            .name(name)
            .authorizer_type(AuthorizerType::Jwt)
            .identity_source("$request.header.Authorization")
            .jwt_configuration(
                JwtConfiguration::builder()
                    .issuer("https://issuer.example.com")
                    .audience("b-client")
                    .audience("a-client")
                    .build(),
            )
            .build()
    };
    let get_authorizers_1 = mock!(gw::Client::get_authorizers)
        .match_requests(move |req| req.api_id() == Some(owned) && req.next_token().is_none())
        .sequence()
        .output(move || {
            gw::operation::get_authorizers::GetAuthorizersOutput::builder()
                .items(authorizer("au-1", "cognito"))
                .next_token("authorizers-2")
                .build()
        })
        .build();
    let get_authorizers_2 = mock!(gw::Client::get_authorizers)
        .match_requests(move |req| req.api_id() == Some(owned) && req.next_token() == Some("authorizers-2"))
        .sequence()
        .output(move || {
            gw::operation::get_authorizers::GetAuthorizersOutput::builder()
                .items(authorizer("au-2", "legacy"))
                .build()
        })
        .build();

    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    // IAM returns policy documents URL-encoded.
    let encoded_trust: String =
        percent_encoding::utf8_percent_encode(trust, percent_encoding::NON_ALPHANUMERIC).to_string();
    let get_role = mock!(iam::Client::get_role)
        .match_requests(|req| req.role_name() == Some(ROLE))
        .then_output(move || {
            iam::operation::get_role::GetRoleOutput::builder()
                .role(
                    Role::builder()
                        .path("/")
                        .role_name(ROLE)
                        .role_id("AROAMOCKED")
                        .arn(ROLE_ARN)
                        .create_date(aws_smithy_types::DateTime::from_secs(1_700_000_000))
                        .assume_role_policy_document(&encoded_trust)
                        .tags(
                            Tag::builder()
                                .key("provision:stack")
                                .value(STACK_NAME)
                                .build()
                                .unwrap(),
                        )
                        .build()
                        .unwrap(),
                )
                .build()
        });
    let list_policies_1 = mock!(iam::Client::list_role_policies)
        .match_requests(|req| req.role_name() == Some(ROLE) && req.marker().is_none())
        .sequence()
        .output(|| {
            iam::operation::list_role_policies::ListRolePoliciesOutput::builder()
                .policy_names("InvokeUserOnboardingWorkflow")
                .is_truncated(true)
                .marker("m2")
                .build()
                .unwrap()
        })
        .build();
    let list_policies_2 = mock!(iam::Client::list_role_policies)
        .match_requests(|req| req.role_name() == Some(ROLE) && req.marker() == Some("m2"))
        .sequence()
        .output(|| {
            iam::operation::list_role_policies::ListRolePoliciesOutput::builder()
                .policy_names("Legacy")
                .is_truncated(false)
                .build()
                .unwrap()
        })
        .build();
    let get_role_policy = mock!(iam::Client::get_role_policy)
        .match_requests(|req| req.role_name() == Some(ROLE))
        .then_compute_output(|req| {
            let name = req.policy_name().unwrap_or_default();
            let doc = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"states:StartExecution","Resource":"arn:{name}"}}]}}"#
            );
            iam::operation::get_role_policy::GetRolePolicyOutput::builder()
                .role_name(ROLE)
                .policy_name(name)
                .policy_document(
                    percent_encoding::utf8_percent_encode(&doc, percent_encoding::NON_ALPHANUMERIC)
                        .to_string(),
                )
                .build()
                .unwrap()
        });
    let attached_1 = mock!(iam::Client::list_attached_role_policies)
        .match_requests(|req| req.role_name() == Some(ROLE) && req.marker().is_none())
        .sequence()
        .output(|| {
            iam::operation::list_attached_role_policies::ListAttachedRolePoliciesOutput::builder()
                .attached_policies(AttachedPolicy::builder().policy_arn(MANAGED).build())
                .is_truncated(true)
                .marker("a2")
                .build()
        })
        .build();
    let attached_2 = mock!(iam::Client::list_attached_role_policies)
        .match_requests(|req| req.role_name() == Some(ROLE) && req.marker() == Some("a2"))
        .sequence()
        .output(|| {
            iam::operation::list_attached_role_policies::ListAttachedRolePoliciesOutput::builder()
                .attached_policies(
                    AttachedPolicy::builder()
                        .policy_arn("arn:aws:iam::aws:policy/Other")
                        .build(),
                )
                .build()
        })
        .build();

    let pages = [
        &get_apis_1,
        &get_apis_2,
        &get_routes_1,
        &get_routes_2,
        &get_integrations_1,
        &get_integrations_2,
        &get_stages_1,
        &get_stages_2,
        &get_authorizers_1,
        &get_authorizers_2,
    ];
    let iam_pages = [&list_policies_1, &list_policies_2, &attached_1, &attached_2];
    let clients = clients(
        &pages,
        &[
            &get_role,
            &list_policies_1,
            &list_policies_2,
            &get_role_policy,
            &attached_1,
            &attached_2,
        ],
    );

    let scope = live::ReadScope {
        stack: STACK_NAME,
        role_name: ROLE,
        policy_name: "InvokeUserOnboardingWorkflow",
        // Authorizers are read (and paged) when the stack declares some.
        declares_authorizers: true,
    };
    let live = live::read_apis_and_role(&clients, scope)
        .await
        .expect("live read");

    for (i, rule) in pages.iter().chain(&iam_pages).enumerate() {
        assert_eq!(rule.num_calls(), 1, "page rule {i} answered once");
    }
    assert_eq!(live.apis.len(), 1, "{live:#?}");
    let api = &live.apis[0];
    assert_eq!(api.id, owned);
    assert_eq!(
        api.tags.get("provision:stack").map(String::as_str),
        Some(STACK_NAME)
    );
    let keys: Vec<(&str, &str, Option<&str>)> = api
        .routes
        .iter()
        .map(|r| (r.id.as_str(), r.key.as_str(), r.integration_id()))
        .collect();
    assert_eq!(
        keys,
        [
            ("r-1", ROUTE_KEY, Some("i-1")),
            ("r-2", "GET /status", Some("i-2"))
        ]
    );
    assert_eq!(api.routes[1].authorization, Authorization::AwsIam);
    let integrations: Vec<(&str, Option<&str>)> = api
        .integrations
        .iter()
        .map(|i| (i.id.as_str(), i.subtype.as_deref()))
        .collect();
    assert_eq!(
        integrations,
        [
            ("i-1", Some("StepFunctions-StartExecution")),
            ("i-2", Some("StepFunctions-StartSyncExecution"))
        ]
    );
    let stages: Vec<(&str, bool)> = api
        .stages
        .iter()
        .map(|s| (s.name.as_str(), s.auto_deploy))
        .collect();
    assert_eq!(stages, [("$default", true), ("old", false)]);
    let authorizers: Vec<(&str, &str, &[String])> = api
        .authorizers
        .iter()
        .map(|a| (a.id.as_str(), a.name.as_str(), a.audience.as_slice()))
        .collect();
    let audience = ["a-client".to_string(), "b-client".to_string()];
    assert_eq!(
        authorizers,
        [
            ("au-1", "cognito", &audience[..]),
            ("au-2", "legacy", &audience[..])
        ]
    );

    let RoleState::Present(role) = &live.role else {
        panic!("role read as absent: {live:#?}");
    };
    assert!(role.owned_by(STACK_NAME));
    assert_eq!(
        role.trust,
        provision::policy::normalize(&provision::policy::api_gateway_trust(None))
    );
    assert_eq!(
        role.inline.keys().map(String::as_str).collect::<Vec<_>>(),
        ["InvokeUserOnboardingWorkflow", "Legacy"]
    );
    // Only the stack's own policy is fetched: any other is deleted whatever it says.
    assert_eq!(
        role.inline["InvokeUserOnboardingWorkflow"]["Statement"][0]["Resource"],
        serde_json::json!(["arn:InvokeUserOnboardingWorkflow"])
    );
    assert_eq!(role.inline["Legacy"], serde_json::Value::Null);
    assert_eq!(
        role.attached,
        BTreeSet::from([MANAGED.to_string(), "arn:aws:iam::aws:policy/Other".to_string()])
    );
    assert_eq!(get_role_policy.num_calls(), 1);
}

/// Rules answering every delete of `plan_down(matching_live)`: the API's children with
/// NotFoundException when `gone`, else success; DeleteApi with `delete_api`; the role's deletes
/// with NoSuchEntity.
struct DownRules {
    gw: Vec<Rule>,
    iam: Vec<Rule>,
}

fn down_rules(gone: bool, delete_api: Rule) -> DownRules {
    let gw_gone = move || gw_error(404, "NotFoundException");
    let iam_gone = move || iam_error(404, "NoSuchEntity");
    let (route, integration, stage) = if gone {
        (
            mock!(gw::Client::delete_route)
                .match_requests(|r| r.api_id() == Some(API_ID) && r.route_id() == Some("r-1"))
                .then_http_response(gw_gone),
            mock!(gw::Client::delete_integration)
                .match_requests(|r| r.api_id() == Some(API_ID) && r.integration_id() == Some("i-1"))
                .then_http_response(gw_gone),
            mock!(gw::Client::delete_stage)
                .match_requests(|r| r.api_id() == Some(API_ID) && r.stage_name() == Some("$default"))
                .then_http_response(gw_gone),
        )
    } else {
        (
            mock!(gw::Client::delete_route)
                .match_requests(|r| r.api_id() == Some(API_ID) && r.route_id() == Some("r-1"))
                .then_output(|| gw::operation::delete_route::DeleteRouteOutput::builder().build()),
            mock!(gw::Client::delete_integration)
                .match_requests(|r| r.api_id() == Some(API_ID) && r.integration_id() == Some("i-1"))
                .then_output(|| {
                    gw::operation::delete_integration::DeleteIntegrationOutput::builder().build()
                }),
            mock!(gw::Client::delete_stage)
                .match_requests(|r| r.api_id() == Some(API_ID) && r.stage_name() == Some("$default"))
                .then_output(|| gw::operation::delete_stage::DeleteStageOutput::builder().build()),
        )
    };
    let iam_rules = vec![
        mock!(iam::Client::delete_role_policy)
            .match_requests(|r| {
                r.role_name() == Some(ROLE) && r.policy_name() == Some("InvokeUserOnboardingWorkflow")
            })
            .then_http_response(iam_gone),
        mock!(iam::Client::detach_role_policy)
            .match_requests(|r| r.role_name() == Some(ROLE) && r.policy_arn() == Some(MANAGED))
            .then_http_response(iam_gone),
        mock!(iam::Client::delete_role)
            .match_requests(|r| r.role_name() == Some(ROLE))
            .then_http_response(iam_gone),
    ];
    DownRules {
        gw: vec![route, integration, stage, delete_api],
        iam: iam_rules,
    }
}

fn clients_for(rules: &DownRules) -> Clients {
    let gw: Vec<&Rule> = rules.gw.iter().collect();
    let iam: Vec<&Rule> = rules.iam.iter().collect();
    clients(&gw, &iam)
}

// moto gap: moto answers a delete of a missing id with success, so the NotFound-tolerance of
// `down` (another run or a person deleted things first) is never exercised against moto. Here
// every delete answers NotFoundException (404) or IAM's NoSuchEntity, and `down` must still
// finish, every delete counted as done.
#[tokio::test]
async fn down_treats_not_found_and_no_such_entity_as_done() {
    let d = desired();
    let plan = plan::plan_down(&bound(&d), &matching_live(&d));
    let delete_api = mock!(gw::Client::delete_api)
        .match_requests(|r| r.api_id() == Some(API_ID))
        .then_http_response(|| gw_error(404, "NotFoundException"));
    let rules = down_rules(true, delete_api);
    let clients = clients_for(&rules);

    let outcome = apply::apply(&clients, &plan, Resolved::default(), |_| {}).await;

    assert!(outcome.stopped.is_none(), "{outcome:#?}");
    assert!(outcome.not_started.is_empty(), "{outcome:#?}");
    for (i, rule) in rules.gw.iter().chain(&rules.iam).enumerate() {
        assert_eq!(rule.num_calls(), 1, "delete rule {i} called once");
    }
    let mut labels: Vec<&str> = outcome.completed.iter().map(|c| c.label.as_str()).collect();
    labels.sort_unstable();
    let mut expected = vec![
        "delete route POST /new-user".to_string(),
        "delete integration i-1".to_string(),
        "delete stage $default".to_string(),
        format!("delete api {API_ID}"),
        "delete role policy InvokeUserOnboardingWorkflow".to_string(),
        format!("detach managed policy {MANAGED}"),
        format!("delete role {ROLE}"),
    ];
    expected.sort_unstable();
    assert_eq!(labels, expected);
}

// moto gap: as above, moto never answers a delete with an error, so nothing shows that only
// NotFound is tolerated. Here DeleteApi answers 400 BadRequestException after its children are
// gone: `down` must stop on it and name the call.
#[tokio::test]
async fn down_stops_on_a_delete_error_other_than_not_found() {
    let d = desired();
    let plan = plan::plan_down(&bound(&d), &matching_live(&d));
    let delete_api = mock!(gw::Client::delete_api)
        .match_requests(|r| r.api_id() == Some(API_ID))
        .then_http_response(|| gw_error(400, "BadRequestException"));
    let rules = down_rules(false, delete_api);
    let clients = clients_for(&rules);

    let outcome = apply::apply(&clients, &plan, Resolved::default(), |_| {}).await;

    let e = failure(&outcome);
    assert_eq!(e.call, "DeleteApi");
    assert_eq!(e.resource, format!("api {API_ID}"));
    assert_eq!(e.code.as_deref(), Some("BadRequestException"));
    assert_eq!(e.retry, Retry::Never);
    // The children went first, each once; the API delete was sent once and not counted done.
    for rule in &rules.gw {
        assert_eq!(rule.num_calls(), 1);
    }
    assert!(
        !outcome
            .completed
            .iter()
            .any(|c| c.label.starts_with("delete api")),
        "{outcome:#?}"
    );
}

// moto gap: moto accepts any CreateIntegration, so an AWS refusal of a create is never seen.
// Here CreateIntegration answers 400 BadRequestException: the error names the call and the route,
// the create is not sent again, and the route that would target it is never started.
#[tokio::test]
async fn a_refused_create_names_the_call_and_route_and_stops_what_depends_on_it() {
    let d = desired();
    let mut live = matching_live(&d);
    live.apis[0].routes.clear();
    live.apis[0].integrations.clear();
    let plan = plan::plan(&bound(&d), &live, PlanOptions::default()).expect("plan");
    let labels: Vec<String> = plan.changes.iter().flat_map(|c| &c.ops).map(Op::label).collect();
    assert_eq!(
        labels,
        [
            format!("create integration {ROUTE_KEY}"),
            format!("create route {ROUTE_KEY}")
        ]
    );

    let create_integration = mock!(gw::Client::create_integration)
        .match_requests(|r| r.api_id() == Some(API_ID) && r.credentials_arn() == Some(ROLE_ARN))
        .then_http_response(|| gw_error(400, "BadRequestException"));
    let create_route = mock!(gw::Client::create_route)
        .then_output(|| gw::operation::create_route::CreateRouteOutput::builder().build());
    let clients = clients(&[&create_integration, &create_route], &[]);

    let outcome = apply::apply(&clients, &plan, Resolved::default(), |_| {}).await;

    let e = failure(&outcome);
    assert_eq!(e.call, "CreateIntegration");
    assert!(e.resource.contains(ROUTE_KEY), "resource {:?}", e.resource);
    assert_eq!(e.code.as_deref(), Some("BadRequestException"));
    assert!(e.to_string().contains("CreateIntegration"), "{e}");
    assert_eq!(
        create_integration.num_calls(),
        1,
        "a refused create is not sent again"
    );
    assert_eq!(create_route.num_calls(), 0);
    assert!(outcome.completed.is_empty(), "{outcome:#?}");
    assert_eq!(outcome.not_started, [format!("create route {ROUTE_KEY}")]);
}

// moto never answers IAM's LimitExceeded (a 409 quota error, not a transient one): a create that
// hits a quota must fail at once, not be retried as if the service were busy.
#[tokio::test]
async fn a_quota_error_is_not_retried() {
    let d = desired();
    let mut live = matching_live(&d);
    live.role = RoleState::Absent;
    let plan = plan::plan(&bound(&d), &live, PlanOptions::default()).expect("plan");
    let create_role = mock!(iam::Client::create_role).then_http_response(|| iam_error(409, "LimitExceeded"));
    let clients = clients(&[], &[&create_role]);

    let outcome = apply::apply(&clients, &plan, Resolved::default(), |_| {}).await;

    let e = failure(&outcome);
    assert_eq!(e.call, "CreateRole");
    assert_eq!(e.code.as_deref(), Some("LimitExceeded"));
    assert_eq!(e.retry, Retry::Never);
    assert_eq!(create_role.num_calls(), 1, "a quota error is sent once");
}

// moto has no ConflictException: a 409 "concurrent modification, try again later" on a create is
// sent again after a backoff, and the create then goes through once.
#[tokio::test]
async fn a_busy_conflict_on_a_create_is_sent_again() {
    let d = desired();
    let mut live = matching_live(&d);
    live.apis[0].stages.clear();
    let plan = plan::plan(&bound(&d), &live, PlanOptions::default()).expect("plan");
    let busy = || {
        let body = r#"{"message":"Unable to complete operation due to concurrent modification. Please try again later."}"#;
        let mut response = HttpResponse::new(StatusCode::try_from(409).unwrap(), SdkBody::from(body));
        response.headers_mut().insert("content-type", "application/json");
        response
            .headers_mut()
            .insert("x-amzn-errortype", "ConflictException");
        response
    };
    let create_stage = mock!(gw::Client::create_stage)
        .sequence()
        .http_response(busy)
        .output(|| gw::operation::create_stage::CreateStageOutput::builder().build())
        .build();
    let clients = clients(&[&create_stage], &[]);

    let outcome = apply::apply(&clients, &plan, Resolved::default(), |_| {}).await;

    assert!(outcome.stopped.is_none(), "{outcome:#?}");
    assert_eq!(create_stage.num_calls(), 2, "refused once as busy, then created");
}

// moto gap: moto's UpdateStage answers 500, so access logs cannot be turned on for an existing
// stage against moto. Here the stage has none and the stack asks for them: one UpdateStage
// carrying the destination and the format, and the throttling limits with it.
#[tokio::test]
async fn access_logs_are_turned_on_with_update_stage() {
    let mut d = desired();
    let log = provision::resource::stage::spec::AccessLog {
        destination_arn: "arn:aws:logs:ap-southeast-2:189107071895:log-group:/aws/apigateway/x".into(),
        format: provision::resource::stage::spec::DEFAULT_ACCESS_LOG_FORMAT.into(),
    };
    d.stage.access_log = Some(log.clone());
    let plan = plan::plan(&bound(&d), &matching_live(&d), PlanOptions::default()).expect("plan");
    let ops: Vec<&Op> = plan.changes.iter().flat_map(|c| &c.ops).collect();
    assert_eq!(
        ops,
        [&Op::Stage(StageOp::Update {
            api_id: API_ID.into(),
            spec: d.stage.clone(),
        })],
        "{plan:#?}"
    );

    let (update_stage, sent) = recorded_update_stage();
    let clients = clients(&[&update_stage], &[]);
    let outcome = apply::apply(&clients, &plan, Resolved::default(), |_| {}).await;

    assert!(outcome.stopped.is_none(), "{outcome:#?}");
    let sent = sent.lock().unwrap();
    assert_eq!(sent.len(), 1);
    let settings = sent[0].access_log_settings().expect("access log settings sent");
    assert_eq!(settings.destination_arn(), Some(log.destination_arn.as_str()));
    assert_eq!(settings.format(), Some(log.format.as_str()));
    let route = sent[0].default_route_settings().expect("limits sent with it");
    assert_eq!(route.throttling_burst_limit(), Some(100));
}

// moto gap: moto has no DeleteAccessLogSettings (and no UpdateStage), so turning access logs off
// cannot be shown against moto. Here the stage logs and the stack no longer asks for it: the one
// call is DeleteAccessLogSettings on that stage (an UpdateStage cannot unset them), and a stage
// whose settings are already gone (NotFoundException) counts as done.
#[tokio::test]
async fn access_logs_removed_are_turned_off_with_delete_access_log_settings() {
    let d = desired();
    let mut live = matching_live(&d);
    live.apis[0].stages[0].access_log = Some(provision::resource::stage::spec::AccessLog {
        destination_arn: "arn:aws:logs:ap-southeast-2:189107071895:log-group:old".into(),
        format: "$context.requestId".into(),
    });
    let plan = plan::plan(&bound(&d), &live, PlanOptions::default()).expect("plan");
    let ops: Vec<&Op> = plan.changes.iter().flat_map(|c| &c.ops).collect();
    assert_eq!(
        ops,
        [&Op::Stage(StageOp::DeleteAccessLog {
            api_id: API_ID.into(),
            stage: "$default".into(),
        })],
        "{plan:#?}"
    );

    for answer in [None, Some(404)] {
        let delete = mock!(gw::Client::delete_access_log_settings)
            .match_requests(|req| req.api_id() == Some(API_ID) && req.stage_name() == Some("$default"));
        let delete = match answer {
            None => delete.then_output(|| {
                gw::operation::delete_access_log_settings::DeleteAccessLogSettingsOutput::builder().build()
            }),
            Some(status) => delete.then_http_response(move || gw_error(status, "NotFoundException")),
        };
        let clients = clients(&[&delete], &[]);
        let outcome = apply::apply(&clients, &plan, Resolved::default(), |_| {}).await;
        assert!(outcome.stopped.is_none(), "{answer:?}: {outcome:#?}");
        assert_eq!(delete.num_calls(), 1);
    }
}

// moto always returns ids, so an answer without one cannot be seen against it. Here
// CreateIntegration succeeds with no IntegrationId: the apply must stop on that call, never
// record an empty id, and so never create a route targeting `integrations/`.
#[tokio::test]
async fn a_create_answer_without_an_id_stops_the_apply_and_no_route_targets_integrations_slash() {
    let d = desired();
    let route = &d.routes[0];
    let ops = vec![
        Op::Integration(IntegrationOp::Create {
            api: plan::ApiRef::Existing(API_ID.into()),
            route_key: ROUTE_KEY.into(),
            spec: route.integration.clone(),
            role: plan::RoleRef::Existing(ROLE_ARN.into()),
        }),
        Op::Route(RouteOp::Create {
            api: plan::ApiRef::Existing(API_ID.into()),
            key: ROUTE_KEY.into(),
            authorization: Authorization::None,
            authorizer: None,
            scopes: Vec::new(),
            integration: plan::IntegrationRef::New(ROUTE_KEY.into()),
        }),
    ];
    let plan = plan::Plan {
        stack: STACK_NAME.into(),
        changes: vec![plan::Change {
            action: plan::Action::Create,
            kind: plan::Kind::Route,
            name: ROUTE_KEY.into(),
            fields: Vec::new(),
            ops,
        }],
    };
    let create_integration = mock!(gw::Client::create_integration)
        .match_requests(|r| r.api_id() == Some(API_ID))
        .then_output(|| gw::operation::create_integration::CreateIntegrationOutput::builder().build());
    let create_route = mock!(gw::Client::create_route).then_output(|| {
        gw::operation::create_route::CreateRouteOutput::builder()
            .route_id("r-1")
            .build()
    });
    let clients = clients(&[&create_integration, &create_route], &[]);

    let outcome = apply::apply(&clients, &plan, Resolved::default(), |_| {}).await;

    let e = failure(&outcome);
    assert_eq!(e.call, "CreateIntegration");
    assert_eq!(e.resource, format!("integration for route {ROUTE_KEY}"));
    assert!(e.message.contains("no IntegrationId"), "{}", e.message);
    assert_eq!(
        e.retry,
        Retry::Never,
        "not sent again: the first may have made one"
    );
    assert_eq!(create_integration.num_calls(), 1);
    assert_eq!(
        create_route.num_calls(),
        0,
        "no route created without its integration's id"
    );
    assert!(outcome.resolved.integrations.is_empty(), "{:?}", outcome.resolved);
    assert_eq!(outcome.not_started, [format!("create route {ROUTE_KEY}")]);
}

// moto always lists ids and keys. Here GetRoutes lists a route without a RouteId, then one
// without a RouteKey: each read fails naming GetRoutes rather than planning on an empty id.
// A target of `integrations/` (no id) targets no integration.
#[tokio::test]
async fn a_listed_item_without_its_id_is_an_error_naming_the_call() {
    let no_id = mock!(gw::Client::get_routes)
        .sequence()
        .output(|| {
            gw::operation::get_routes::GetRoutesOutput::builder()
                .items(Route::builder().route_key(ROUTE_KEY).build())
                .build()
        })
        .output(|| {
            gw::operation::get_routes::GetRoutesOutput::builder()
                .items(Route::builder().route_id("r-1").build())
                .build()
        })
        .output(|| {
            gw::operation::get_routes::GetRoutesOutput::builder()
                .items(
                    Route::builder()
                        .route_id("r-1")
                        .route_key(ROUTE_KEY)
                        .target("integrations/")
                        .build(),
                )
                .build()
        })
        .build();
    let clients = clients(&[&no_id], &[]);
    for field in ["RouteId", "RouteKey"] {
        let Err(e) = live::read_routes(&clients, API_ID).await else {
            panic!("a route without a {field} was accepted");
        };
        assert_eq!(e.call, "GetRoutes");
        assert_eq!(e.resource, format!("API {API_ID}"));
        assert!(e.message.contains(field), "{}", e.message);
    }
    let routes = live::read_routes(&clients, API_ID)
        .await
        .expect("a complete route");
    assert_eq!(routes[0].integration_id(), None, "{routes:?}");
    assert_eq!(no_id.num_calls(), 3);
}

/// A Step Functions (awsJson1_0) error answer.
fn sfn_error(code: &str) -> HttpResponse {
    let mut response = HttpResponse::new(
        StatusCode::try_from(400).expect("status"),
        SdkBody::from(format!(r#"{{"__type":"{code}","message":"{code}"}}"#)),
    );
    response
        .headers_mut()
        .insert("content-type", "application/x-amz-json-1.0");
    response
}

/// A Step Functions client answered by `rules` in order, one call each (built by hand: the
/// Step Functions SDK is linked without its test defaults).
fn sfn_client(rules: &[&Rule]) -> aws_sdk_sfn::Client {
    let mut interceptor = aws_smithy_mocks::MockResponseInterceptor::new().rule_mode(RuleMode::Sequential);
    for rule in rules {
        interceptor = interceptor.with_rule(rule);
    }
    aws_sdk_sfn::Client::from_conf(
        aws_sdk_sfn::Config::builder()
            .behavior_version(aws_sdk_sfn::config::BehaviorVersion::latest())
            .region(aws_sdk_sfn::config::Region::new(REGION))
            .credentials_provider(aws_sdk_sfn::config::Credentials::new(
                "AKIDMOCKED",
                "secret",
                None,
                None,
                "mocked",
            ))
            .retry_config(RetryConfig::disabled())
            .http_client(aws_smithy_mocks::create_mock_http_client())
            .interceptor(interceptor)
            .build(),
    )
}

// moto gap: moto deletes a state machine at once, so the wait for one that is DELETING
// (DeleteStateMachine: "the state machine's status is set to DELETING", Step Functions API
// reference) is never seen there. Here DescribeStateMachine answers DELETING once, then
// StateMachineDoesNotExist: the operation, which runs in a task of the executor, says that it
// waits as a progress event (never on the terminal itself), before its step is done.
#[tokio::test]
async fn waiting_for_a_machine_to_finish_deleting_is_a_progress_event() {
    use aws_sdk_sfn::operation::delete_state_machine::DeleteStateMachineOutput;
    use aws_sdk_sfn::operation::describe_state_machine::DescribeStateMachineOutput;
    use aws_sdk_sfn::types::{StateMachineStatus, StateMachineType};
    use provision::resource::state_machine::MachineOp;

    const ARN: &str = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:old";
    let delete = mock!(aws_sdk_sfn::Client::delete_state_machine)
        .match_requests(|r| r.state_machine_arn() == Some(ARN))
        .then_output(|| DeleteStateMachineOutput::builder().build());
    let deleting = mock!(aws_sdk_sfn::Client::describe_state_machine)
        .match_requests(|r| r.state_machine_arn() == Some(ARN))
        .then_output(|| {
            DescribeStateMachineOutput::builder()
                .state_machine_arn(ARN)
                .name("old")
                .status(StateMachineStatus::Deleting)
                .definition("{}")
                .role_arn("arn:aws:iam::189107071895:role/sfn-role")
                .r#type(StateMachineType::Standard)
                .creation_date(aws_smithy_types::DateTime::from_secs(0))
                .build()
                .expect("DescribeStateMachineOutput")
        });
    let gone = mock!(aws_sdk_sfn::Client::describe_state_machine)
        .match_requests(|r| r.state_machine_arn() == Some(ARN))
        .then_http_response(|| sfn_error("StateMachineDoesNotExist"));
    let mut clients = clients(&[], &[]);
    clients.sfn = sfn_client(&[&delete, &deleting, &gone]);
    let plan = plan::Plan {
        stack: STACK_NAME.into(),
        changes: vec![plan::Change {
            action: plan::Action::Delete,
            kind: plan::Kind::StateMachine,
            name: "old".into(),
            fields: Vec::new(),
            ops: vec![Op::Machine(MachineOp::Delete {
                arn: ARN.into(),
                name: "old".into(),
                wait: true,
            })],
        }],
    };

    let mut events = Vec::new();
    let outcome = apply::apply(&clients, &plan, Resolved::default(), |event| {
        events.push(match event {
            apply::Event::Progress(line) => format!("progress: {line}"),
            apply::Event::Done(done) => format!("done: {}", done.label),
            apply::Event::Note(note) => format!("note: {note}"),
        })
    })
    .await;

    assert!(outcome.stopped.is_none(), "{outcome:#?}");
    assert_eq!(
        events,
        vec![
            "progress:   … waiting for state machine old to finish deleting (0s)".to_string(),
            "done: delete state machine old".to_string(),
        ]
    );
    for rule in [&delete, &deleting, &gone] {
        assert_eq!(rule.num_calls(), 1);
    }
}
