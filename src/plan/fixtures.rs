//! What the planner's tests start from, shared with the units' own planner tests (a unit tests
//! its diff through the whole planner, so it sees every other kind stay still): desired state from
//! stack text, live state as `up` leaves it, and the plan read back as (action, kind, name).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::*;
use crate::domain::{Action as StepAction, Authorization, IntegrationType};
use crate::policy;
use crate::resource::api::spec::LiveApi;
use crate::resource::authorizer::spec::LiveAuthorizer;
use crate::resource::integration::spec::LiveIntegration;
use crate::resource::live::Live;
use crate::resource::role::spec::{LiveRole, RoleState};
use crate::resource::route::spec::LiveRoute;
use crate::resource::stage::spec::LiveStage;
use crate::resource::{authorizer, stage};
use crate::stack::Desired;
use crate::stack::desired::DesiredIntegration;
use crate::stack::rules::OWNER_TAG;

pub(crate) const ONBOARDING: &str = include_str!("../../tests/fixtures/onboarding-existing-machine.toml");
pub(crate) const STACK: &str = "user-onboarding";
pub(crate) const API_NAME: &str = "user-onboarding-api";
pub(crate) const ROLE: &str = "user-onboarding-api-gateway-stepfunctions-role";
pub(crate) const ROLE_ARN: &str =
    "arn:aws:iam::189107071895:role/user-onboarding-api-gateway-stepfunctions-role";
pub(crate) const POLICY: &str = "InvokeUserOnboardingWorkflow";
pub(crate) const MACHINE: &str = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding";
pub(crate) const KEY: &str = "POST /new-user";
pub(crate) const API_ID: &str = "a1b2c3d4e5";
pub(crate) const ROUTE_ID: &str = "rt00001";
pub(crate) const INT_ID: &str = "int0001";
pub(crate) const MANAGED: &str = "arn:aws:iam::aws:policy/CloudWatchLogsReadOnlyAccess";

pub(crate) fn desired_from(text: &str) -> Desired {
    let loaded = crate::stack::from_source(text);
    match loaded.desired {
        Some(d) => d,
        None => panic!("stack text did not validate: {:?}", loaded.diagnostics),
    }
}

pub(crate) fn onboarding() -> Desired {
    desired_from(ONBOARDING)
}

/// The onboarding stack with some text replaced; panics when the text is not there, so a
/// changed fixture cannot silently turn a test into a no-op.
pub(crate) fn onboarding_with(from: &str, to: &str) -> Desired {
    assert!(ONBOARDING.contains(from), "fixture lacks {from:?}");
    desired_from(&ONBOARDING.replacen(from, to, 1))
}

pub(crate) fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub(crate) fn owner_tags() -> BTreeMap<String, String> {
    map(&[(OWNER_TAG, STACK)])
}

/// The inline policy as written in the stack: both listed actions on the one machine.
pub(crate) fn onboarding_policy() -> Value {
    policy::normalize(&json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["states:StartExecution", "states:StartSyncExecution"],
            "Resource": [MACHINE]
        }]
    }))
}

/// The trust policy as IAM hands it back (Statement an object, Principal service a string).
pub(crate) fn live_trust() -> Value {
    policy::normalize(&json!({
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Principal": {"Service": "apigateway.amazonaws.com"},
            "Action": "sts:AssumeRole"
        }
    }))
}

pub(crate) fn onboarding_params() -> BTreeMap<String, String> {
    map(&[("Input", "$request.body.input"), ("StateMachineArn", MACHINE)])
}

pub(crate) fn onboarding_integration() -> DesiredIntegration {
    DesiredIntegration {
        action: StepAction::StartExecution,
        parameters: onboarding_params(),
        response: Default::default(),
    }
}

pub(crate) fn live_integration(
    id: &str,
    subtype: &str,
    parameters: BTreeMap<String, String>,
) -> LiveIntegration {
    LiveIntegration {
        id: id.into(),
        integration_type: Some(IntegrationType::AwsProxy),
        subtype: Some(subtype.into()),
        payload_format_version: Some("1.0".into()),
        credentials_arn: Some(ROLE_ARN.into()),
        parameters,
        response: Default::default(),
        ..LiveIntegration::default()
    }
}

pub(crate) fn live_route(id: &str, key: &str, integration: Option<&str>) -> LiveRoute {
    LiveRoute {
        authorizer_id: None,
        scopes: Vec::new(),
        id: id.into(),
        key: key.into(),
        target: integration.map(|i| format!("integrations/{i}")),
        authorization: Authorization::None,
        ..LiveRoute::default()
    }
}

pub(crate) fn default_stage() -> LiveStage {
    // No limits, no access log, tags not read: what `up` leaves for `[stage] auto_deploy = true`.
    crate::resource::stage::spec::samples::live_of(&crate::resource::stage::spec::samples::plain())
}

pub(crate) fn converged_role() -> LiveRole {
    LiveRole {
        name: ROLE.into(),
        arn: ROLE_ARN.into(),
        tags: owner_tags(),
        trust: live_trust(),
        inline: BTreeMap::from([(POLICY.to_string(), onboarding_policy())]),
        attached: BTreeSet::new(),
        ..LiveRole::default()
    }
}

pub(crate) fn converged_api() -> LiveApi {
    LiveApi {
        authorizers: Vec::new(),
        cors: None,
        id: API_ID.into(),
        name: API_NAME.into(),
        endpoint: Some(format!(
            "https://{API_ID}.execute-api.ap-southeast-2.amazonaws.com"
        )),
        created: Some(1_700_000_000),
        tags: owner_tags(),
        routes: vec![live_route(ROUTE_ID, KEY, Some(INT_ID))],
        integrations: vec![live_integration(
            INT_ID,
            "StepFunctions-StartExecution",
            onboarding_params(),
        )],
        stages: vec![default_stage()],
        ..LiveApi::default()
    }
}

/// Live state exactly as `up` of the onboarding stack leaves it.
pub(crate) fn converged() -> Live {
    Live {
        apis: vec![converged_api()],
        role: RoleState::Present(converged_role()),
        ..Live::default()
    }
}

pub(crate) fn with_api(f: impl FnOnce(&mut LiveApi)) -> Live {
    let mut live = converged();
    f(&mut live.apis[0]);
    live
}

pub(crate) fn with_role(f: impl FnOnce(&mut LiveRole)) -> Live {
    let mut role = converged_role();
    f(&mut role);
    Live {
        apis: vec![converged_api()],
        role: RoleState::Present(role),
        ..Live::default()
    }
}

/// The desired state bound as `up` binds it, to the stack's region (the fixtures' machine ARNs are
/// written out, so there is no account to bind).
pub(crate) fn bound(desired: &Desired) -> crate::stack::BoundDesired {
    let region = desired.region.clone().unwrap_or_else(|| "ap-southeast-2".into());
    desired.clone().bind(&crate::stack::Binding {
        region,
        account: None,
    })
}

pub(crate) fn up(desired: &Desired, live: &Live) -> Plan {
    match plan(&bound(desired), live, PlanOptions::default()) {
        Ok(p) => p,
        Err(e) => panic!("plan failed: {e}"),
    }
}

/// (action, kind, name) of every change, in order.
pub(crate) fn summary(plan: &Plan) -> Vec<(Action, Kind, String)> {
    plan.changes
        .iter()
        .map(|c| (c.action, c.kind, c.name.clone()))
        .collect()
}

pub(crate) fn s(action: Action, kind: Kind, name: &str) -> (Action, Kind, String) {
    (action, kind, name.to_string())
}

pub(crate) fn field_names(change: &Change) -> Vec<&str> {
    change.fields.iter().map(|f| f.field.as_str()).collect()
}

pub(crate) fn all_ops(plan: &Plan) -> Vec<&Op> {
    plan.changes.iter().flat_map(|c| &c.ops).collect()
}

/// Every key the plan's ops provide: a need missing from it would be taken as already
/// satisfied, so checking needs against it catches a dependency wired to the wrong id.
pub(crate) fn provided(plan: &Plan) -> Vec<Key> {
    all_ops(plan).iter().flat_map(|o| o.provides()).collect()
}

pub(crate) fn secure() -> Desired {
    let d = desired_from(&include_str!("../../stacks/onboarding-secure.toml").replace(
        "# restrict_source_account = true",
        "restrict_source_account = true",
    ));
    // Bound as `up` binds it once STS has answered: the trust policy names the account.
    d.bind(&crate::stack::Binding {
        region: "ap-southeast-2".into(),
        account: Some("189107071895".into()),
    })
    .into_inner()
}

/// What `up` of the secure stack creates, read back as live state, with ids.
pub(crate) fn secure_live(d: &Desired) -> Live {
    let mut api = LiveApi {
        id: API_ID.into(),
        name: d.api.name.clone(),
        tags: d.tags.clone(),
        cors: d.api.cors.clone(),
        authorizers: vec![LiveAuthorizer {
            name: "cognito".into(),
            ..authorizer::spec::samples::live_of(&d.authorizers[0], "au-1")
        }],
        stages: vec![LiveStage {
            auto_deploy: true,
            ..stage::spec::samples::live_of(&d.stage)
        }],
        ..LiveApi::default()
    };
    for (i, r) in d.routes.iter().enumerate() {
        api.integrations.push(LiveIntegration {
            id: format!("i-{i}"),
            integration_type: Some(IntegrationType::AwsProxy),
            subtype: Some(r.integration.subtype().to_string()),
            payload_format_version: Some("1.0".into()),
            credentials_arn: Some(format!("arn:aws:iam::189107071895:role/{}", d.role.name)),
            parameters: r.integration.parameters.clone(),
            response: r.integration.response.clone(),
            ..LiveIntegration::default()
        });
        api.routes.push(LiveRoute {
            id: format!("r-{i}"),
            key: r.key.clone(),
            target: Some(format!("integrations/i-{i}")),
            authorization: r.authorization,
            authorizer_id: r.authorizer.as_ref().map(|_| "au-1".to_string()),
            scopes: r.scopes.clone(),
            ..LiveRoute::default()
        });
    }
    Live {
        apis: vec![api],
        role: RoleState::Present(LiveRole {
            name: d.role.name.clone(),
            arn: format!("arn:aws:iam::189107071895:role/{}", d.role.name),
            tags: d.tags.clone(),
            trust: d.role.trust.clone(),
            inline: BTreeMap::from([(d.role.policy_name.clone(), d.role.policy.clone())]),
            attached: d.role.managed_policies.clone(),
            ..LiveRole::default()
        }),
        ..Live::default()
    }
}
