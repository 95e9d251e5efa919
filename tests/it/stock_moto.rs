//! Against stock `moto_server` (the venv's binary, no `scripts/moto_server.py` shim, so no
//! GetAuthorizers): the whole life of the onboarding stack works, since authorizers are read only
//! when the stack declares one or a route uses one. And `PROVISION_LOG=debug provision diff`
//! explains each decision of the planner (that test uses the shim: it moves a route between
//! authorizers). Every check reads moto through a second client.

use crate::support;
use crate::support::labelled;

use aws_sdk_sfn::types::StateMachineType;
use support::{Moto, World, provision};

const ONBOARDING: &str = "tests/fixtures/onboarding-existing-machine.toml";
const STACK: &str = "user-onboarding";
const ROLE: &str = "user-onboarding-api-gateway-stepfunctions-role";
const POLICY: &str = "InvokeUserOnboardingWorkflow";
const MACHINE: &str = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding";

/// The role as moto holds it, or `None` when it is gone.
async fn role(moto: &Moto) -> Option<aws_sdk_iam::types::Role> {
    match moto.iam().get_role().role_name(ROLE).send().await {
        Ok(out) => out.role,
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_no_such_entity_exception()) =>
        {
            None
        }
        Err(e) => panic!("GetRole: {e}"),
    }
}

#[tokio::test]
async fn up_up_diff_and_down_of_onboarding_work_on_stock_moto_without_get_authorizers() {
    let world = World::start_stock(&[("user-onboarding", StateMachineType::Standard)]).await;
    let (moto, proxy) = (&world.moto, &world.proxy);

    // The harness really runs stock moto: it has no GetAuthorizers (500, no handler).
    let probe = moto
        .apigw()
        .create_api()
        .name("probe")
        .protocol_type(aws_sdk_apigatewayv2::types::ProtocolType::Http)
        .send()
        .await
        .expect("CreateApi");
    let probe_id = probe.api_id().expect("api id").to_string();
    assert!(
        moto.apigw()
            .get_authorizers()
            .api_id(&probe_id)
            .send()
            .await
            .is_err(),
        "stock moto answers GetAuthorizers"
    );
    moto.apigw()
        .delete_api()
        .api_id(&probe_id)
        .send()
        .await
        .expect("DeleteApi");
    let probed = moto.log().len();

    let up = world.run(&["up", ONBOARDING]);
    assert_eq!(up.status.code(), Some(0), "{}", labelled(&up));
    // Stock moto lacks ImportApi (a 500 with an HTML page, no error code): one attempt, one
    // look for an API it might have made, one note, then one call per resource.
    let stderr = support::stderr(&up);
    assert_eq!(
        stderr
            .matches("the endpoint does not implement ImportApi")
            .count(),
        1,
        "{stderr}"
    );
    assert!(
        stderr.contains("api user-onboarding-api is created one call per resource instead"),
        "{stderr}"
    );
    let mut creates: Vec<String> = proxy
        .mutating_calls()
        .iter()
        .map(|c| c.operation.clone())
        .collect();
    creates.sort();
    assert_eq!(
        creates,
        [
            "CreateApi",
            "CreateIntegration",
            "CreateRole",
            "CreateRoute",
            "CreateStage",
            "ImportApi",
            "PutRolePolicy"
        ],
        "{}",
        labelled(&up)
    );

    // Everything landed, seen through a second client.
    let api_id = world.only_api_id(STACK).await;
    let gw = moto.apigw();
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
    let integration_id = integration.integration_id().expect("integration id");
    assert!(!integration_id.is_empty());
    assert_eq!(
        route.target(),
        Some(format!("integrations/{integration_id}").as_str())
    );
    assert_eq!(
        integration.integration_subtype(),
        Some("StepFunctions-StartExecution")
    );
    assert_eq!(
        integration
            .request_parameters()
            .and_then(|p| p.get("StateMachineArn"))
            .map(String::as_str),
        Some(MACHINE)
    );
    let stages = gw.get_stages().api_id(&api_id).send().await.expect("GetStages");
    assert_eq!(
        stages
            .items()
            .iter()
            .filter_map(|s| s.stage_name())
            .collect::<Vec<_>>(),
        ["$default"]
    );
    let role_arn = role(moto).await.expect("role created").arn().to_string();
    assert_eq!(integration.credentials_arn(), Some(role_arn.as_str()));
    let policy = moto
        .iam()
        .get_role_policy()
        .role_name(ROLE)
        .policy_name(POLICY)
        .send()
        .await
        .expect("GetRolePolicy");
    let policy = support::decode_policy(policy.policy_document());
    assert_eq!(
        policy,
        serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": ["states:StartExecution", "states:StartSyncExecution"], "Resource": [MACHINE]}]})
    );

    // A second up changes nothing and says so.
    proxy.clear();
    let again = world.run(&["up", ONBOARDING]);
    assert_eq!(again.status.code(), Some(0), "{}", labelled(&again));
    assert!(labelled(&again).contains("No changes"), "{}", labelled(&again));
    assert_eq!(proxy.mutating_calls(), vec![], "second up made a mutating call");
    assert!(!proxy.operations().iter().any(|o| o == "GetAuthorizers"));

    // A no-op diff: nine reads, no GetAuthorizers, exit code 0.
    proxy.clear();
    let diff = world.run(&["diff", "--exit-code", ONBOARDING]);
    assert_eq!(diff.status.code(), Some(0), "{}", labelled(&diff));
    assert!(
        String::from_utf8_lossy(&diff.stdout).contains("No changes"),
        "{}",
        labelled(&diff)
    );
    let mut reads = proxy.operations();
    reads.sort();
    assert_eq!(
        reads,
        [
            "DescribeStateMachine",
            "GetApis",
            "GetIntegrations",
            "GetRole",
            "GetRolePolicy",
            "GetRoutes",
            "GetStages",
            "ListAttachedRolePolicies",
            "ListRolePolicies",
        ]
    );

    // down removes everything the stack made.
    let down = world.run(&["down", "--yes", ONBOARDING]);
    assert_eq!(down.status.code(), Some(0), "{}", labelled(&down));
    assert!(
        String::from_utf8_lossy(&down.stdout).contains("Stack user-onboarding deleted."),
        "{}",
        labelled(&down)
    );
    assert!(world.owned_apis(STACK).await.is_empty(), "API left after down");
    assert!(role(moto).await.is_none(), "role left after down");
    assert!(
        !moto.log()[probed..].contains("/authorizers"),
        "an authorizer call reached stock moto:\n{}",
        moto.log()
    );
}

const TWO_AUTHORIZERS: &str = r#"
[stack]
name = "explained"
region = "ap-southeast-2"

[api]
name = "explained-api"

[role]
name = "explained-role"
policy_name = "explained-policy"

[[authorizer]]
name = "first"
issuer = "https://first.example.com"
audience = ["a"]

[[authorizer]]
name = "second"
issuer = "https://second.example.com"
audience = ["a"]

[[route]]
key = "POST /start"
action = "StartExecution"
state_machine = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding"
authorizer = "first"

[[route]]
key = "POST /gone"
action = "StartExecution"
state_machine = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding"
authorization = "AWS_IAM"

[[route]]
key = "POST /kept"
action = "StartExecution"
state_machine = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding"
authorization = "AWS_IAM"
"#;

#[tokio::test]
async fn provision_log_debug_makes_diff_explain_each_decision() {
    let world = World::start(&[("user-onboarding", StateMachineType::Standard)]).await;
    let before = world.stack("explained.toml", TWO_AUTHORIZERS);
    let before = before.to_str().expect("utf-8 path");
    world.ok(&["up", before]);

    // /start moves to the second authorizer, /gone is dropped from the file, /kept stays.
    let edited = TWO_AUTHORIZERS
        .replace("authorizer = \"first\"", "authorizer = \"second\"")
        .replace(
            "[[route]]\nkey = \"POST /gone\"\naction = \"StartExecution\"\nstate_machine = \"arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding\"\nauthorization = \"AWS_IAM\"\n",
            "",
        );
    assert!(
        !edited.contains("/gone") && edited.contains("authorizer = \"second\""),
        "fixture edit failed"
    );
    let after = world.stack("explained.toml", &edited);
    let after = after.to_str().expect("utf-8 path");

    let out = provision(&world.proxy.url())
        .env("PROVISION_LOG", "debug")
        .args(["diff", "--exit-code", after])
        .output()
        .expect("run provision");
    assert_eq!(out.status.code(), Some(2), "changes pending: {}", labelled(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for decision in [
        "api explained-api: kept",
        "role explained-role: kept, owned by the stack",
        "authorizer first: kept",
        "authorizer second: kept",
        "route POST /start: matches live route",
        "route POST /start: authorizer moves from \"first (",
        "to \"second (",
        "route POST /start: update authorizer",
        // The three routes declare the same integration, so they share one (issue 26).
        "integration POST /start, POST /kept: kept",
        "route POST /kept: kept",
        "route POST /gone (",
        "): not in the stack, delete",
    ] {
        assert!(stderr.contains(decision), "no {decision:?} on stderr:\n{stderr}");
    }
    // /gone's integration is the one /start and /kept share: it stays.
    assert!(!stderr.contains("orphaned, delete"), "{stderr}");
    // The plan on stdout is unchanged by the log.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("POST /gone") && stdout.contains("POST /start"),
        "{stdout}"
    );

    // Without PROVISION_LOG, none of it.
    let quiet = world.run(&["diff", after]);
    assert!(
        !String::from_utf8_lossy(&quiet.stderr).contains("authorizer moves"),
        "{}",
        labelled(&quiet)
    );
}
