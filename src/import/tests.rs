use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::*;
use crate::domain::{Authorization, AuthorizerType, IntegrationType};
use crate::live::{LiveApi, LiveAuthorizer, LiveIntegration, LiveRole, LiveRoute, LiveStage, RoleState};
use crate::policy;

const MACHINE: &str = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding";
const ROLE_ARN: &str = "arn:aws:iam::189107071895:role/user-onboarding-api-gateway-stepfunctions-role";
const PUSH: &str = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs";

fn policy_doc(actions: &[&str], resource: &str) -> serde_json::Value {
    policy::normalize(&json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "VisualEditor0", "Effect": "Allow", "Action": actions, "Resource": resource}
    ]}))
}

/// The walkthrough as the console leaves it.
fn console() -> ImportRead {
    let integration = LiveIntegration {
        id: "i1".into(),
        integration_type: Some(IntegrationType::AwsProxy),
        subtype: Some("StepFunctions-StartExecution".into()),
        payload_format_version: Some("1.0".into()),
        credentials_arn: Some(ROLE_ARN.into()),
        parameters: BTreeMap::from([
            ("StateMachineArn".into(), MACHINE.into()),
            ("Input".into(), "$request.body.input".into()),
        ]),
        ..LiveIntegration::default()
    };
    let role = LiveRole {
        name: "user-onboarding-api-gateway-stepfunctions-role".into(),
        arn: ROLE_ARN.into(),
        // The IAM console's trust policy carries an empty Sid.
        trust: policy::normalize(
            &json!({"Version": "2012-10-17", "Statement": [{"Sid": "", "Effect": "Allow",
            "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
        ),
        inline: BTreeMap::from([(
            "InvokeUserOnboardingWorkflow".into(),
            policy_doc(&["states:StartExecution"], MACHINE),
        )]),
        attached: BTreeSet::from([PUSH.to_string()]),
        ..LiveRole::default()
    };
    ImportRead {
        api: LiveApi {
            id: "a1".into(),
            name: "user-onboarding-api".into(),
            protocol: Some("HTTP".into()),
            routes: vec![LiveRoute {
                id: "r1".into(),
                key: "POST /new-user".into(),
                target: Some("integrations/i1".into()),
                authorization: Authorization::None,
                ..LiveRoute::default()
            }],
            integrations: vec![integration],
            stages: vec![LiveStage {
                name: "$default".into(),
                auto_deploy: true,
                ..LiveStage::default()
            }],
            ..LiveApi::default()
        },
        roles: BTreeMap::from([(ROLE_ARN.to_string(), RoleState::Present(role))]),
        policy_texts: BTreeMap::new(),
        account: "189107071895".into(),
        region: "ap-southeast-2".into(),
        mtls_domains: Vec::new(),
    }
}

fn role_mut(read: &mut ImportRead) -> &mut LiveRole {
    match read.roles.get_mut(ROLE_ARN) {
        Some(RoleState::Present(role)) => role,
        _ => unreachable!("the fixture has the role"),
    }
}

#[test]
fn the_console_walkthrough_imports_with_only_non_default_keys() {
    let imported = import(&console(), &ImportOptions::default());
    assert!(imported.skipped.is_empty(), "{:?}", imported.skipped);
    let text = imported.toml();
    let loaded = crate::stack::from_source_with(&text, &[]);
    assert!(!loaded.has_errors(), "{text}\n{:?}", loaded.diagnostics);
    let desired = loaded.desired.expect("desired");
    assert_eq!(desired.stack, "user-onboarding");
    assert_eq!(
        desired.role.policy,
        policy_doc(&["states:StartExecution"], MACHINE)
    );
    assert_eq!(desired.role.managed_policies, BTreeSet::from([PUSH.to_string()]));
    assert_eq!(desired.stage.name, "$default");
    for absent in ["[stage]", "parameters", "actions =", "policy =", "unmanaged"] {
        assert!(!text.contains(absent), "{absent}:\n{text}");
    }
}

#[test]
fn a_policy_wider_than_the_routes_is_written_as_actions_when_actions_derive_it() {
    let mut read = console();
    role_mut(&mut read).inline.insert(
        "InvokeUserOnboardingWorkflow".into(),
        policy_doc(&["states:StartExecution", "states:StartSyncExecution"], MACHINE),
    );
    let imported = import(&read, &ImportOptions::default());
    assert_eq!(
        imported.stack.role.actions,
        Some(vec![
            "states:StartExecution".to_string(),
            "states:StartSyncExecution".to_string()
        ])
    );
    assert!(imported.stack.role.policy.is_none());
}

#[test]
fn a_policy_no_derivation_gives_is_written_out_as_iam_returned_it() {
    let mut read = console();
    let raw =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"states:*","Resource":"*"}]}"#;
    role_mut(&mut read).inline.insert(
        "InvokeUserOnboardingWorkflow".into(),
        policy::normalize(&serde_json::from_str(raw).expect("json")),
    );
    read.policy_texts.insert(
        "user-onboarding-api-gateway-stepfunctions-role".into(),
        BTreeMap::from([("InvokeUserOnboardingWorkflow".into(), raw.to_string())]),
    );
    let imported = import(&read, &ImportOptions::default());
    assert_eq!(imported.stack.role.policy.as_deref(), Some(raw));
    let loaded = crate::stack::from_source_with(&imported.toml(), &[]);
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    assert_eq!(
        loaded.desired.expect("desired").role.policy,
        policy::normalize(&serde_json::from_str(raw).expect("json"))
    );
}

#[test]
fn another_trust_policy_or_a_second_inline_policy_blocks() {
    let mut read = console();
    role_mut(&mut read).trust =
        policy::normalize(&json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}));
    role_mut(&mut read)
        .inline
        .insert("Other".into(), serde_json::Value::Null);
    let imported = import(&read, &ImportOptions::default());
    assert!(imported.blocked());
    let reasons: Vec<&str> = imported.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert!(reasons.iter().any(|r| r.contains("trust policy")), "{reasons:?}");
    assert!(
        reasons.iter().any(|r| r.contains("2 inline policies")),
        "{reasons:?}"
    );
}

#[test]
fn a_lambda_route_a_second_stage_and_a_lambda_authorizer_are_skipped_as_unmanaged() {
    let mut read = console();
    read.api.integrations.push(LiveIntegration {
        id: "i2".into(),
        integration_type: Some(IntegrationType::AwsProxy),
        payload_format_version: Some("2.0".into()),
        uri: Some("arn:aws:lambda:ap-southeast-2:189107071895:function:legacy".into()),
        ..LiveIntegration::default()
    });
    read.api.authorizers.push(LiveAuthorizer {
        id: "au1".into(),
        name: "legacy-auth".into(),
        authorizer_type: Some(AuthorizerType::Request),
        ..LiveAuthorizer::default()
    });
    read.api.routes.push(LiveRoute {
        id: "r2".into(),
        key: "GET /legacy".into(),
        target: Some("integrations/i2".into()),
        authorization: Authorization::Custom,
        authorizer_id: Some("au1".into()),
        ..LiveRoute::default()
    });
    read.api.stages.push(LiveStage {
        name: "beta".into(),
        auto_deploy: true,
        ..LiveStage::default()
    });
    read.api.stages[0].unexpressed = vec!["StageVariables = {env}".into()];
    let imported = import(&read, &ImportOptions::default());
    assert!(!imported.blocked(), "{:?}", imported.skipped);
    assert_eq!(imported.stack.unmanaged_routes, ["GET /legacy"]);
    assert_eq!(imported.stack.unmanaged_stages, ["beta"]);
    assert_eq!(imported.stack.unmanaged_authorizers, ["legacy-auth"]);
    let text = imported.toml();
    assert!(
        text.contains("#   route GET /legacy: a Lambda integration"),
        "{text}"
    );
    assert!(text.contains("StageVariables = {env}"), "{text}");
    let loaded = crate::stack::from_source_with(&text, &[]);
    assert!(!loaded.has_errors(), "{text}\n{:?}", loaded.diagnostics);
}

#[test]
fn portable_names_machines_of_the_callers_account_and_region_and_declares_vars() {
    let imported = import(
        &console(),
        &ImportOptions {
            portable: true,
            ..ImportOptions::default()
        },
    );
    assert_eq!(imported.stack.routes[0].state_machine, "user-onboarding");
    assert_eq!(imported.stack.region, "${var.region}");
    let loaded = crate::stack::from_source_with(&imported.toml(), &[]);
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    assert_eq!(
        loaded.desired.expect("desired").region.as_deref(),
        Some("ap-southeast-2")
    );
}

#[test]
fn a_websocket_api_blocks() {
    let mut read = console();
    read.api.protocol = Some("WEBSOCKET".into());
    assert!(import(&read, &ImportOptions::default()).blocked());
}

#[test]
fn response_parameters_are_written_in_the_long_form_and_read_back_the_same() {
    let mut read = console();
    let codes = BTreeMap::from([(
        "200".to_string(),
        BTreeMap::from([
            ("overwrite:statuscode".to_string(), "202".to_string()),
            (
                "overwrite:header.Location".to_string(),
                "$response.body.executionArn".to_string(),
            ),
        ]),
    )]);
    read.api.integrations[0].response = codes.clone();
    let imported = import(&read, &ImportOptions::default());
    assert!(imported.skipped.is_empty(), "{:?}", imported.skipped);
    let text = imported.toml();
    let loaded = crate::stack::from_source_with(&text, &[]);
    assert!(!loaded.has_errors(), "{text}\n{:?}", loaded.diagnostics);
    let desired = loaded.desired.expect("desired");
    assert_eq!(
        serde_json::to_value(&desired.routes[0].integration.response).expect("json"),
        serde_json::to_value(&codes).expect("json"),
        "{text}"
    );
}
