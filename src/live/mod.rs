//! Live state: what exists in AWS, read into plain structs that the planner compares.

pub mod execution;
mod iam_wait;
mod machines;
mod mismatch;
mod paginate;
mod read;
pub mod serve;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

pub use iam_wait::wait_for_role;
pub use machines::{MachineProblem, check_state_machines};
pub use read::{
    ApiChildren, ReadScope, account_id, list_owned_apis, outside_credentials, read, read_api_children,
    read_authorizers, read_integrations, read_role, read_role_documents, read_routes, read_stages,
    roles_made_for,
};

use crate::resource::api::spec::Cors;
pub use crate::resource::role::spec::role_name_of;
use crate::resource::stage::spec::AccessLog;

/// Everything the stack could own, as it is now.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Live {
    /// APIs carrying the stack's ownership tag. More than one only after a duplicate was made.
    pub apis: Vec<LiveApi>,
    /// The role named in the stack.
    pub role: RoleState,
    /// Other roles the stack's integrations use as credentials (after a `[role] name` rename,
    /// the old one), read by the name in their ARN. Those tagged for the stack are the stack's
    /// and deleted once nothing of the stack uses them; the others are reported and left alone.
    pub former_roles: Vec<LiveRole>,
    /// Role names and, for each, the APIs outside the stack whose integrations use it as
    /// credentials: such a role is never deleted, even when tagged for the stack. Filled only
    /// where a delete of a tagged role is in question (`down`, a renamed role).
    pub used_outside: BTreeMap<String, Vec<String>>,
    /// Every other API of the account, (id, name), from the same GetApis listing.
    pub other_apis: Vec<(String, String)>,
    /// The credentials ARNs the other APIs' integrations use, with those APIs: read once, when
    /// first needed ([`outside_credentials`]).
    pub outside_credentials: Option<BTreeMap<String, Vec<String>>>,
}

impl Live {
    /// The names of the roles, other than `current`, that the stack's integrations use.
    pub fn credential_role_names(&self, current: &str) -> BTreeSet<String> {
        self.apis
            .iter()
            .flat_map(|a| &a.integrations)
            .filter_map(|i| i.credentials_arn.as_deref())
            .map(role_name_of)
            .filter(|n| !n.eq_ignore_ascii_case(current) && !n.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// An HTTP API and everything inside it.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct LiveApi {
    /// API id.
    pub id: String,
    /// API name.
    pub name: String,
    /// `https://{id}.execute-api.{region}.amazonaws.com`.
    pub endpoint: Option<String>,
    /// Creation time, milliseconds since the epoch: the oldest of duplicates is kept.
    pub created: Option<i64>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Routes.
    pub routes: Vec<LiveRoute>,
    /// Integrations.
    pub integrations: Vec<LiveIntegration>,
    /// Stages.
    pub stages: Vec<LiveStage>,
    /// Authorizers.
    pub authorizers: Vec<LiveAuthorizer>,
    /// CORS configuration, canonical; `None` when the API has none.
    pub cors: Option<Cors>,
}

/// An authorizer of the API.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct LiveAuthorizer {
    /// Authorizer id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `JWT` or `REQUEST`.
    pub authorizer_type: String,
    /// JWT issuer.
    pub issuer: Option<String>,
    /// JWT audiences, sorted.
    pub audience: Vec<String>,
    /// Identity sources.
    pub identity_source: Vec<String>,
}

/// A route.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct LiveRoute {
    /// Route id.
    pub id: String,
    /// Route key.
    pub key: String,
    /// `integrations/{id}`, when attached.
    pub target: Option<String>,
    /// `NONE`, `AWS_IAM`, `JWT`, `CUSTOM`.
    pub authorization: String,
    /// The authorizer id, for `JWT` and `CUSTOM` routes.
    pub authorizer_id: Option<String>,
    /// Authorization scopes, sorted.
    pub scopes: Vec<String>,
}

impl LiveRoute {
    /// The integration id the route targets; `None` for a target that names none
    /// (`integrations/` with no id is no integration).
    pub fn integration_id(&self) -> Option<&str> {
        self.target
            .as_deref()?
            .strip_prefix("integrations/")
            .filter(|id| !id.is_empty())
    }
}

/// An integration.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct LiveIntegration {
    /// Integration id.
    pub id: String,
    /// `AWS_PROXY`, ...
    pub integration_type: String,
    /// `StepFunctions-StartExecution`, ...
    pub subtype: Option<String>,
    /// `1.0` for service integrations.
    pub payload_format_version: Option<String>,
    /// Role ARN API Gateway assumes.
    pub credentials_arn: Option<String>,
    /// Request parameters.
    pub parameters: BTreeMap<String, String>,
    /// Response parameters per integration status code; a code with an empty map is left out
    /// (an empty map is how UpdateIntegration removes a code).
    pub response: BTreeMap<String, BTreeMap<String, String>>,
}

/// A stage.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct LiveStage {
    /// Stage name.
    pub name: String,
    /// Auto-deploy.
    pub auto_deploy: bool,
    /// Default route throttling burst.
    pub throttling_burst_limit: Option<i32>,
    /// Default route throttling rate.
    pub throttling_rate_limit: Option<f64>,
    /// Access logging, when on.
    pub access_log: Option<AccessLog>,
    /// Tags, when the listing returned them (`None`: not known, not compared).
    pub tags: Option<BTreeMap<String, String>>,
    /// Stage variables, for `$stageVariables.X` in the local gateway.
    pub variables: BTreeMap<String, String>,
}

/// The stack's role, as found by name.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
// One value per read: boxing the role would only add noise to every match.
#[allow(clippy::large_enum_variant)]
pub enum RoleState {
    /// No role with that name.
    #[default]
    Absent,
    /// A role with that name exists.
    Present(LiveRole),
}

/// An IAM role with its policies.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LiveRole {
    /// Role name.
    pub name: String,
    /// Role ARN.
    pub arn: String,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Trust policy, normalised.
    pub trust: Value,
    /// Inline policies by name. The stack's own policy is read, normalised; any other is only
    /// listed (`Value::Null`), since the plan deletes it whatever it says.
    pub inline: BTreeMap<String, Value>,
    /// Attached managed policy ARNs.
    pub attached: BTreeSet<String>,
    /// The IAM path (`/` by default).
    pub path: String,
    /// The permissions boundary's ARN, if any.
    pub permissions_boundary: Option<String>,
    /// Attached managed policies' default-version documents, normalised: read only for an
    /// existing role (`[role] arn`), whose permissions are checked, not managed.
    pub attached_documents: BTreeMap<String, Value>,
}

impl Default for LiveRole {
    fn default() -> Self {
        LiveRole {
            name: String::new(),
            arn: String::new(),
            tags: BTreeMap::new(),
            trust: Value::Null,
            inline: BTreeMap::new(),
            attached: BTreeSet::new(),
            path: "/".to_string(),
            permissions_boundary: None,
            attached_documents: BTreeMap::new(),
        }
    }
}

impl LiveRole {
    /// The role's policies for the one evaluator ([`crate::iam`]): the trust policy, each inline
    /// policy as `inline NAME`, each attached one by its ARN. Inline policies whose document was
    /// not read count as empty.
    pub fn policies(&self) -> crate::iam::RolePolicies {
        let inline = self
            .inline
            .iter()
            .map(|(name, doc)| (format!("inline {name}"), doc.clone()));
        let attached = self
            .attached_documents
            .iter()
            .map(|(arn, doc)| (arn.clone(), doc.clone()));
        crate::iam::RolePolicies {
            arn: self.arn.clone(),
            trust: self.trust.clone(),
            permissions: inline.chain(attached).collect(),
        }
    }

    /// True when the role carries `provision:stack = stack`.
    pub fn owned_by(&self, stack: &str) -> bool {
        self.tags.get(crate::stack::rules::OWNER_TAG).map(String::as_str) == Some(stack)
    }
}
