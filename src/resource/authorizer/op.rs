//! The operations on JWT authorizers: plain data the executor hands to [`super::apply`]. Pure.
//! Each variant serializes under the name saved plans have always held (`CreateAuthorizer`, ...).

use crate::plan::key::{ApiRef, Key};
use crate::resource::authorizer::spec::DesiredAuthorizer;

/// One AWS mutation of an authorizer.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum AuthorizerOp {
    /// CreateAuthorizer (JWT).
    #[serde(rename = "CreateAuthorizer")]
    Create { api: ApiRef, spec: DesiredAuthorizer },
    /// UpdateAuthorizer, with every field.
    #[serde(rename = "UpdateAuthorizer")]
    Update {
        api_id: String,
        id: String,
        spec: DesiredAuthorizer,
    },
    /// DeleteAuthorizer.
    #[serde(rename = "DeleteAuthorizer")]
    Delete {
        api_id: String,
        id: String,
        name: String,
    },
}

impl std::fmt::Display for AuthorizerOp {
    /// The operation's label, e.g. `create authorizer cognito`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuthorizerOp::Create { spec, .. } => write!(f, "create authorizer {}", spec.name),
            AuthorizerOp::Update { spec, .. } => write!(f, "update authorizer {}", spec.name),
            AuthorizerOp::Delete { name, id, .. } => write!(f, "delete authorizer {name} ({id})"),
        }
    }
}

impl AuthorizerOp {
    /// What this operation provides once done.
    pub fn provides(&self) -> Vec<Key> {
        match self {
            AuthorizerOp::Create { spec, .. } => vec![Key::Authorizer(spec.name.clone())],
            AuthorizerOp::Delete { api_id, .. } => vec![Key::ApiChild(api_id.clone())],
            AuthorizerOp::Update { .. } => Vec::new(),
        }
    }

    /// What this operation waits for.
    pub fn needs(&self) -> Vec<Key> {
        match self {
            AuthorizerOp::Create { api, .. } => api.needs(),
            AuthorizerOp::Delete { id, .. } => vec![Key::AuthorizerFreed(id.clone())],
            AuthorizerOp::Update { .. } => Vec::new(),
        }
    }

    /// True for a create AWS does not deduplicate.
    pub fn is_create(&self) -> bool {
        match self {
            AuthorizerOp::Create { .. } => true,
            AuthorizerOp::Update { .. } | AuthorizerOp::Delete { .. } => false,
        }
    }
}
