//! The imported stack in the shape of the file: only keys whose values differ from the tool's
//! defaults, every value as AWS returned it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Skipped, left_alone};
use crate::live::LiveStage;
use crate::stack::desired::{Cors, DEFAULT_ACCESS_LOG_FORMAT};

/// A stack file, as `import` writes it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Doc {
    /// `[stack] name`.
    pub stack: String,
    /// `[stack] region`.
    pub region: String,
    /// `[vars]`, with `--portable`: `account` and `region`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<String, String>,
    /// `[api] name`.
    pub api_name: String,
    /// `[api.cors]`, as returned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cors: Option<Cors>,
    /// `[api] unmanaged_routes`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmanaged_routes: Vec<String>,
    /// `[api] unmanaged_stages`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmanaged_stages: Vec<String>,
    /// `[api] unmanaged_authorizers`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmanaged_authorizers: Vec<String>,
    /// `[role]`.
    pub role: DocRole,
    /// `[[authorizer]]`.
    pub authorizers: Vec<DocAuthorizer>,
    /// `[[route]]`.
    pub routes: Vec<DocRoute>,
    /// `[stage]`, when it is not the default `$default` auto-deployed stage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<DocStage>,
    /// `[tags]`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// `[role]`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DocRole {
    /// Role name.
    pub name: String,
    /// Its inline policy's name.
    pub policy_name: String,
    /// `actions`, when the policy is what they derive and not what the routes alone derive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<String>>,
    /// `policy`, the document as IAM returned it, when no derivation matches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// `managed_policies`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub managed_policies: Vec<String>,
    /// `path`, when not `/`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `permissions_boundary`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
    /// `restrict_source_account = true`, when the trust policy has the condition.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub restrict_source_account: bool,
}

/// `[[authorizer]]`.
#[derive(Debug, Clone, Serialize)]
pub struct DocAuthorizer {
    /// Name.
    pub name: String,
    /// Issuer.
    pub issuer: String,
    /// Audience, as returned.
    pub audience: Vec<String>,
    /// Identity source, when not `$request.header.Authorization`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_source: Option<String>,
}

/// `[[route]]`.
#[derive(Debug, Clone, Serialize)]
pub struct DocRoute {
    /// Route key.
    pub key: String,
    /// Step Functions action.
    pub action: crate::domain::Action,
    /// Machine ARN (or name, with `--portable`).
    pub state_machine: String,
    /// Parameters, when not the default `{ Input = "$request.body.input" }`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<BTreeMap<String, String>>,
    /// `AWS_IAM`; `NONE` is the default and a JWT route names its authorizer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization: Option<String>,
    /// The authorizer's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorizer: Option<String>,
    /// Scopes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// The integration's response parameters, per status code, as AWS spells them (the long form
    /// of `response`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub response: BTreeMap<String, BTreeMap<String, String>>,
}

/// `[stage]`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DocStage {
    /// Name, when not `$default`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Burst limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throttling_burst_limit: Option<i32>,
    /// Rate limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throttling_rate_limit: Option<f64>,
    /// `[stage.access_log]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_log: Option<DocAccessLog>,
}

/// `[stage.access_log]`.
#[derive(Debug, Clone, Serialize)]
pub struct DocAccessLog {
    /// Log group ARN.
    pub destination_arn: String,
    /// Format, when not the tool's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

/// The managed stage's keys; `None` when all are the defaults. A stage that is not
/// auto-deployed blocks: the format refuses `auto_deploy = false`, so `up` would turn it on.
/// One throttling limit without the other blocks too: the format takes both or neither.
pub(super) fn doc_stage(stage: &LiveStage, skipped: &mut Vec<Skipped>) -> Option<DocStage> {
    if !stage.auto_deploy {
        skipped.push(super::blocking(
            "stage",
            &stage.name,
            "not auto-deployed: the format serves routes through an auto-deployed stage, and `up` would turn it on"
                .into(),
        ));
    }
    let (burst, rate) = (stage.throttling_burst_limit, stage.throttling_rate_limit);
    if burst.is_some() != rate.is_some() {
        skipped.push(left_alone(
            "stage-setting",
            &stage.name,
            format!("one throttling limit without the other (burst {burst:?}, rate {rate:?})"),
        ));
    }
    let both = burst.is_some() && rate.is_some();
    let doc = DocStage {
        name: (!stage.name.is_default()).then(|| stage.name.to_string()),
        throttling_burst_limit: burst.filter(|_| both),
        throttling_rate_limit: rate.filter(|_| both),
        access_log: stage.access_log.as_ref().map(|log| DocAccessLog {
            destination_arn: log.destination_arn.clone(),
            format: (log.format != DEFAULT_ACCESS_LOG_FORMAT).then(|| log.format.clone()),
        }),
    };
    let default = doc.name.is_none() && !both && doc.access_log.is_none();
    (!default).then_some(doc)
}

/// `--portable`: each machine in the caller's account and the API's region by its name (a name
/// means that account and region, docs/stack-format.md), and the account and region in every
/// other ARN as `${var.account}` and `${var.region}`, declared under `[vars]` with the values
/// read as defaults. With the defaults the file means exactly what was read.
pub(super) fn make_portable(doc: &mut Doc, account: &str, region: &str) {
    let machine_prefix = |partition: &str| format!("arn:{partition}:states:{region}:{account}:stateMachine:");
    for route in &mut doc.routes {
        if let Ok(m) = crate::arn::parse_state_machine_arn(&route.state_machine)
            && m.qualifier.is_none()
            && route.state_machine.starts_with(&machine_prefix(&m.partition))
        {
            route.state_machine = m.name.clone();
        }
    }
    let vars = |s: &str| {
        s.replace(&format!(":{region}:{account}:"), ":${var.region}:${var.account}:")
            .replace(&format!("::{account}:"), "::${var.account}:")
    };
    let arn = |s: &mut String| {
        if s.starts_with("arn:") {
            *s = vars(s);
        }
    };
    for route in &mut doc.routes {
        arn(&mut route.state_machine);
    }
    if let Some(policy) = &mut doc.role.policy {
        *policy = vars(policy);
    }
    doc.role.managed_policies.iter_mut().for_each(arn);
    if let Some(b) = &mut doc.role.permissions_boundary {
        arn(b);
    }
    if let Some(log) = doc.stage.as_mut().and_then(|s| s.access_log.as_mut()) {
        arn(&mut log.destination_arn);
    }
    doc.vars.insert("account".into(), account.to_string());
    doc.vars.insert("region".into(), region.to_string());
    doc.region = "${var.region}".into();
}
