//! The operations on Step Functions integrations: plain data the executor hands to
//! [`super::apply`]. Pure. Each variant serializes under the name saved plans have always held
//! (`CreateIntegration`, ...).

use crate::plan::key::{ApiRef, Key, RoleRef};
use crate::resource::integration::spec::DesiredIntegration;
use crate::resource::state_machine::op::MachineKey;

/// One AWS mutation of an integration.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum IntegrationOp {
    /// CreateIntegration for a route key.
    #[serde(rename = "CreateIntegration")]
    Create {
        api: ApiRef,
        route_key: String,
        spec: DesiredIntegration,
        role: RoleRef,
    },
    /// UpdateIntegration, always with the whole parameter map.
    #[serde(rename = "UpdateIntegration")]
    Update {
        api_id: String,
        id: String,
        route_key: String,
        spec: DesiredIntegration,
        role: RoleRef,
        /// Response status codes whose live parameters lose a key or go: each is sent as an
        /// empty map (the guide's way to remove a code's mappings) before the new maps.
        clear_response: Vec<String>,
    },
    /// DeleteIntegration.
    #[serde(rename = "DeleteIntegration")]
    Delete { api_id: String, id: String },
}

impl std::fmt::Display for IntegrationOp {
    /// The operation's label, e.g. `create integration POST /new-user`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IntegrationOp::Create { route_key, .. } => write!(f, "create integration {route_key}"),
            IntegrationOp::Update { route_key, .. } => write!(f, "update integration {route_key}"),
            IntegrationOp::Delete { id, .. } => write!(f, "delete integration {id}"),
        }
    }
}

/// An integration waits for the stack's machine it starts (and, on an alias, the alias).
fn machine(spec: &DesiredIntegration) -> Vec<Key> {
    let arn = spec.parameters.get("StateMachineArn");
    match arn.and_then(|a| crate::arn::parse_state_machine_arn(a).ok()) {
        Some(m) => vec![
            Key::StateMachine(MachineKey::Ready(m.name.clone())),
            Key::StateMachine(MachineKey::AliasesSet(m.name)),
        ],
        None => Vec::new(),
    }
}

impl IntegrationOp {
    /// What this operation provides once done.
    pub fn provides(&self) -> Vec<Key> {
        match self {
            IntegrationOp::Create { route_key, .. } => vec![Key::Integration(route_key.clone())],
            IntegrationOp::Update { .. } => vec![Key::CredentialsMoved],
            IntegrationOp::Delete { api_id, .. } => {
                vec![Key::ApiChild(api_id.clone()), Key::CredentialsMoved]
            }
        }
    }

    /// What this operation waits for.
    pub fn needs(&self) -> Vec<Key> {
        match self {
            IntegrationOp::Create { api, role, spec, .. } => {
                [api.needs(), role.needs(), machine(spec)].concat()
            }
            IntegrationOp::Update { role, spec, .. } => [role.needs(), machine(spec)].concat(),
            IntegrationOp::Delete { id, .. } => vec![Key::Detached(id.clone())],
        }
    }

    /// True when both are creates of the same integration. A create that lost its response
    /// finds what it made by its spec (`apply::create`), so twins run one after the other: the
    /// lookup must not mistake a twin's fresh integration for its own.
    pub fn creates_same(&self, other: &IntegrationOp) -> bool {
        match (self, other) {
            (IntegrationOp::Create { spec: a, .. }, IntegrationOp::Create { spec: b, .. }) => a == b,
            (
                IntegrationOp::Create { .. } | IntegrationOp::Update { .. } | IntegrationOp::Delete { .. },
                _,
            ) => false,
        }
    }

    /// True for a create AWS does not deduplicate.
    pub fn is_create(&self) -> bool {
        match self {
            IntegrationOp::Create { .. } => true,
            IntegrationOp::Update { .. } | IntegrationOp::Delete { .. } => false,
        }
    }
}
