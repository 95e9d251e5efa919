//! What operations refer to and order by: refs to what exists or what the plan makes, and the
//! keys the executor orders operations by. Below the units' operations (`resource/*/op.rs`)
//! and the plan's `Op` that groups them, so that neither imports the other in a circle.

use crate::domain::StageName;
use crate::resource::state_machine::op::MachineKey;

/// Which API an operation acts on.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum ApiRef {
    /// An API that exists, by id.
    Existing(String),
    /// The API this plan creates.
    New,
}

/// Which integration a route should target.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum IntegrationRef {
    /// An integration that exists, by id.
    Existing(String),
    /// The integration this plan creates for the route key.
    New(String),
}

/// Which authorizer a route should use.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum AuthorizerRef {
    /// An authorizer that exists, by id.
    Existing(String),
    /// The authorizer this plan creates, by name.
    New(String),
}

/// The role integrations use as credentials.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum RoleRef {
    /// A role that exists, by ARN.
    Existing(String),
    /// The role this plan creates, by name.
    New(String),
}

impl ApiRef {
    /// What an operation on this API waits for: the API this plan creates, if it is that one.
    pub fn needs(&self) -> Vec<Key> {
        match self {
            ApiRef::New => vec![Key::Api],
            ApiRef::Existing(_) => Vec::new(),
        }
    }
}

impl RoleRef {
    /// What an operation using this role waits for: the role this plan creates, if it is that one.
    pub fn needs(&self) -> Vec<Key> {
        match self {
            RoleRef::New(_) => vec![Key::Role],
            RoleRef::Existing(_) => Vec::new(),
        }
    }
}

/// What an operation makes available or waits for; the executor orders operations by these.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// The stack's API exists.
    Api,
    /// The stack's role exists.
    Role,
    /// The integration for a route key exists.
    Integration(String),
    /// No route targets this integration any more.
    Detached(String),
    /// A child of this API is gone.
    ApiChild(String),
    /// A policy of this role is gone.
    RolePolicyGone(String),
    /// The declared policies of this role are in place (put or attached).
    RolePolicySet(String),
    /// The authorizer of this name exists.
    Authorizer(String),
    /// No route uses this authorizer id any more.
    AuthorizerFreed(String),
    /// The API's CORS configuration is gone.
    CorsCleared,
    /// The stage of this name is gone (a replace creates it again).
    StageGone(StageName),
    /// The integrations have their new credentials, or are gone: an old role may go.
    CredentialsMoved,
    /// The role of this name is gone (a path change makes it anew).
    RoleGone(String),
    /// A state machine unit's key (its machine exists, its role is ready, ...).
    StateMachine(MachineKey),
}
