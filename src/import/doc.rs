//! The imported stack in the shape of the file: only keys whose values differ from the tool's
//! defaults, every value as AWS returned it.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::resource::authorizer::emit::DocAuthorizer;
use crate::resource::role::emit::DocRole;
pub use crate::resource::route::emit::DocRoute;
use crate::resource::stage::emit::DocStage;
use crate::stack::desired::Cors;

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

/// `--portable`: each machine in the caller's account and the API's region by its name (a name
/// means that account and region, docs/stack-format.md), and the account and region in every
/// other ARN as `${var.account}` and `${var.region}`, declared under `[vars]` with the values
/// read as defaults. With the defaults the file means exactly what was read.
pub(super) fn make_portable(doc: &mut Doc, account: &str, region: &str) {
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
        route.make_portable(account, region, &arn);
    }
    doc.role.make_portable(&vars, &arn);
    if let Some(stage) = doc.stage.as_mut() {
        stage.make_portable(&arn);
    }
    doc.vars.insert("account".into(), account.to_string());
    doc.vars.insert("region".into(), region.to_string());
    doc.region = "${var.region}".into();
}
