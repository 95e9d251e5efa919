//! The operations on the stack's IAM role and its policies: plain data the executor hands to
//! [`super::apply`]. Pure. Each variant serializes under the name saved plans have always held
//! (`CreateRole`, `PutRolePolicy`, ...).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::plan::key::Key;

/// One AWS mutation of the role.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum RoleOp {
    /// CreateRole with trust policy, tags, path and permissions boundary.
    #[serde(rename = "CreateRole")]
    Create {
        name: String,
        trust: Value,
        tags: BTreeMap<String, String>,
        /// IAM path, `/` by default.
        path: String,
        /// Permissions boundary ARN.
        boundary: Option<String>,
    },
    /// DeleteRolePolicy and DetachRolePolicy for each, then DeleteRole: one step, for a role
    /// that is made again under another path.
    #[serde(rename = "ClearAndDeleteRole")]
    ClearAndDelete {
        name: String,
        inline: Vec<String>,
        attached: Vec<String>,
    },
    /// PutRolePermissionsBoundary.
    #[serde(rename = "PutRoleBoundary")]
    PutBoundary { name: String, arn: String },
    /// DeleteRolePermissionsBoundary.
    #[serde(rename = "DeleteRoleBoundary")]
    DeleteBoundary { name: String },
    /// TagRole / UntagRole.
    #[serde(rename = "TagRole")]
    Tag {
        name: String,
        set: BTreeMap<String, String>,
        remove: Vec<String>,
    },
    /// UpdateAssumeRolePolicy.
    UpdateTrust { name: String, trust: Value },
    /// PutRolePolicy.
    #[serde(rename = "PutRolePolicy")]
    PutPolicy {
        role: String,
        policy_name: String,
        document: Value,
    },
    /// DeleteRolePolicy.
    #[serde(rename = "DeleteRolePolicy")]
    DeletePolicy { role: String, policy_name: String },
    /// AttachRolePolicy.
    #[serde(rename = "AttachRolePolicy")]
    Attach { role: String, arn: String },
    /// DetachRolePolicy.
    #[serde(rename = "DetachRolePolicy")]
    Detach { role: String, arn: String },
    /// DeleteRole.
    #[serde(rename = "DeleteRole")]
    Delete { name: String },
}

impl std::fmt::Display for RoleOp {
    /// The operation's label, e.g. `put role policy InvokeStepFunctions`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RoleOp::Create { name, .. } => write!(f, "create role {name}"),
            RoleOp::Tag { name, .. } => write!(f, "tag role {name}"),
            RoleOp::UpdateTrust { name, .. } => write!(f, "update trust policy of role {name}"),
            RoleOp::PutPolicy { policy_name, .. } => write!(f, "put role policy {policy_name}"),
            RoleOp::DeletePolicy { policy_name, .. } => write!(f, "delete role policy {policy_name}"),
            RoleOp::Attach { arn, .. } => write!(f, "attach managed policy {arn}"),
            RoleOp::Detach { arn, .. } => write!(f, "detach managed policy {arn}"),
            RoleOp::Delete { name } => write!(f, "delete role {name}"),
            RoleOp::ClearAndDelete { name, .. } => write!(f, "delete role {name} (to make it anew)"),
            RoleOp::PutBoundary { name, .. } => write!(f, "set permissions boundary of role {name}"),
            RoleOp::DeleteBoundary { name } => write!(f, "remove permissions boundary of role {name}"),
        }
    }
}

impl RoleOp {
    /// What this operation provides once done.
    pub fn provides(&self) -> Vec<Key> {
        match self {
            // Tagging an existing role (adoption) comes before any change to it, so that a run
            // cut short never leaves an untagged role modified.
            RoleOp::Create { .. } | RoleOp::Tag { .. } => vec![Key::Role],
            RoleOp::PutPolicy { role, .. } | RoleOp::Attach { role, .. } => {
                vec![Key::RolePolicySet(role.clone())]
            }
            RoleOp::DeletePolicy { role, .. } | RoleOp::Detach { role, .. } => {
                vec![Key::RolePolicyGone(role.clone())]
            }
            RoleOp::Delete { name } | RoleOp::ClearAndDelete { name, .. } => {
                vec![Key::RoleGone(name.clone())]
            }
            // Nothing waits for these: they make nothing another operation needs.
            RoleOp::PutBoundary { .. } | RoleOp::DeleteBoundary { .. } | RoleOp::UpdateTrust { .. } => {
                Vec::new()
            }
        }
    }

    /// What this operation waits for.
    pub fn needs(&self) -> Vec<Key> {
        match self {
            RoleOp::Create { name, .. } => vec![Key::RoleGone(name.clone())],
            RoleOp::Tag { .. }
            | RoleOp::PutBoundary { .. }
            | RoleOp::DeleteBoundary { .. }
            | RoleOp::UpdateTrust { .. }
            | RoleOp::PutPolicy { .. }
            | RoleOp::Attach { .. } => vec![Key::Role],
            // The old policy goes only once the new one is in place: never a role without one.
            // And only once the integrations are repointed (or gone): never one that lost its
            // permissions while still in use.
            RoleOp::DeletePolicy { role, .. } | RoleOp::Detach { role, .. } => {
                vec![Key::Role, Key::RolePolicySet(role.clone()), Key::CredentialsMoved]
            }
            RoleOp::Delete { name } => vec![Key::RolePolicyGone(name.clone()), Key::CredentialsMoved],
            // What it acts on exists before the run.
            RoleOp::ClearAndDelete { .. } => Vec::new(),
        }
    }

    /// True for a create AWS does not deduplicate.
    pub fn is_create(&self) -> bool {
        match self {
            RoleOp::Create { .. } => true,
            RoleOp::ClearAndDelete { .. }
            | RoleOp::PutBoundary { .. }
            | RoleOp::DeleteBoundary { .. }
            | RoleOp::Tag { .. }
            | RoleOp::UpdateTrust { .. }
            | RoleOp::PutPolicy { .. }
            | RoleOp::DeletePolicy { .. }
            | RoleOp::Attach { .. }
            | RoleOp::Detach { .. }
            | RoleOp::Delete { .. } => false,
        }
    }
}
