//! The operations on state machines, their versions and aliases and their generated roles:
//! plain data the executor hands to [`super::apply`]. Pure.

use std::collections::BTreeMap;

use serde_json::Value;

use super::spec::{Logging, MachineType};

/// What a machine operation makes available or waits for (the executor orders by these).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MachineKey {
    /// The generated role of this name exists with its policy.
    RoleReady(String),
    /// The machine of this name exists with the stack's definition and role.
    Ready(String),
    /// A version of this machine was published by this run.
    Published(String),
    /// The machine of this name is gone, its name free again.
    Gone(String),
    /// The machine's aliases route where the stack says (old versions may go).
    AliasesSet(String),
    /// The machine of this name carries the stack's tag (adoption comes before changes).
    Tagged(String),
    /// The role of this name carries the stack's tag.
    RoleTagged(String),
}

/// Where an alias is made to route.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Routing {
    /// The version this run published (known once published).
    Published,
    /// These versions and weights.
    Versions(Vec<(u64, i32)>),
}

/// A machine as CreateStateMachine takes it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NewMachine {
    /// Name.
    pub name: String,
    /// The ARN it will have.
    pub arn: String,
    /// Type.
    pub kind: MachineType,
    /// Definition (JSON text).
    pub definition: String,
    /// Execution role ARN.
    pub role_arn: String,
    /// Logging.
    pub logging: Logging,
    /// Tracing.
    pub tracing: bool,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Publish version 1 with it.
    pub publish: bool,
    /// Wait for a machine of the same name to finish deleting first.
    pub wait_for_name: bool,
}

/// What UpdateStateMachine changes (`None`: unchanged).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MachineUpdate {
    /// Machine ARN.
    pub arn: String,
    /// Name, for messages.
    pub name: String,
    /// New definition.
    pub definition: Option<String>,
    /// New role.
    pub role_arn: Option<String>,
    /// New logging.
    pub logging: Option<Logging>,
    /// New tracing.
    pub tracing: Option<bool>,
    /// Publish a version with the change.
    pub publish: bool,
}

/// One AWS mutation of this unit.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum MachineOp {
    /// CreateRole (trusted by Step Functions, tagged) then PutRolePolicy, unless the machine
    /// needs no permission (`None`: no inline policy at all).
    CreateRole {
        name: String,
        trust: Value,
        policy: Option<Value>,
        tags: BTreeMap<String, String>,
    },
    /// TagRole: adoption of a same-named role, or tags brought up to date.
    TagRole {
        name: String,
        tags: BTreeMap<String, String>,
    },
    /// UpdateAssumeRolePolicy.
    UpdateRoleTrust { name: String, trust: Value },
    /// PutRolePolicy of the derived policy.
    PutRolePolicy { name: String, policy: Value },
    /// DeleteRolePolicy of the tool's own inline policy, once `machine` needs no permission;
    /// after the machine has its new definition, so a run in between keeps what it needs.
    DeleteRolePolicy { name: String, machine: String },
    /// Every inline policy deleted, then DeleteRole.
    DeleteRole {
        name: String,
        inline: Vec<String>,
        /// The machines that use it, gone first.
        machines: Vec<String>,
    },
    /// CreateStateMachine.
    Create(Box<NewMachine>),
    /// UpdateStateMachine.
    Update(Box<MachineUpdate>),
    /// PublishStateMachineVersion of the current revision.
    Publish { arn: String, name: String },
    /// TagResource / UntagResource on the machine.
    Tag {
        arn: String,
        name: String,
        set: BTreeMap<String, String>,
        remove: Vec<String>,
    },
    /// DeleteStateMachine (versions and aliases go with it); `wait` until it is gone.
    Delete { arn: String, name: String, wait: bool },
    /// CreateStateMachineAlias.
    CreateAlias {
        machine_arn: String,
        machine: String,
        name: String,
        routing: Routing,
    },
    /// UpdateStateMachineAlias.
    UpdateAlias {
        machine_arn: String,
        machine: String,
        name: String,
        routing: Routing,
    },
    /// DeleteStateMachineAlias.
    DeleteAlias { arn: String, machine: String },
    /// DeleteStateMachineVersion.
    DeleteVersion { arn: String, machine: String },
}

impl std::fmt::Display for MachineOp {
    /// The operation's label, e.g. `create state machine user-onboarding`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MachineOp::CreateRole { name, .. } => write!(f, "create workflow role {name}"),
            MachineOp::TagRole { name, .. } => write!(f, "tag workflow role {name}"),
            MachineOp::UpdateRoleTrust { name, .. } => {
                write!(f, "update trust policy of workflow role {name}")
            }
            MachineOp::PutRolePolicy { name, .. } => write!(f, "put policy of workflow role {name}"),
            MachineOp::DeleteRolePolicy { name, .. } => {
                write!(f, "delete policy of workflow role {name}")
            }
            MachineOp::DeleteRole { name, .. } => write!(f, "delete workflow role {name}"),
            MachineOp::Create(m) => write!(f, "create state machine {}", m.name),
            MachineOp::Update(u) => write!(
                f,
                "update state machine {}{}",
                u.name,
                if u.publish { " and publish a version" } else { "" }
            ),
            MachineOp::Publish { name, .. } => write!(f, "publish a version of state machine {name}"),
            MachineOp::Tag { name, .. } => write!(f, "tag state machine {name}"),
            MachineOp::Delete { name, .. } => write!(f, "delete state machine {name}"),
            MachineOp::CreateAlias { machine, name, .. } => write!(f, "create alias {machine}:{name}"),
            MachineOp::UpdateAlias { machine, name, .. } => write!(f, "move alias {machine}:{name}"),
            MachineOp::DeleteAlias { arn, .. } => write!(f, "delete alias {}", short(arn)),
            MachineOp::DeleteVersion { arn, .. } => write!(f, "delete version {}", short(arn)),
        }
    }
}

impl MachineOp {
    /// What this operation provides once done.
    pub fn provides(&self) -> Vec<MachineKey> {
        match self {
            MachineOp::CreateRole { name, .. }
            | MachineOp::PutRolePolicy { name, .. }
            | MachineOp::UpdateRoleTrust { name, .. } => vec![MachineKey::RoleReady(name.clone())],
            MachineOp::Create(m) => {
                let mut keys = vec![MachineKey::Ready(m.name.clone())];
                if m.publish {
                    keys.push(MachineKey::Published(m.name.clone()));
                }
                keys
            }
            MachineOp::Update(u) => {
                let mut keys = vec![MachineKey::Ready(u.name.clone())];
                if u.publish {
                    keys.push(MachineKey::Published(u.name.clone()));
                }
                keys
            }
            MachineOp::Tag { name, .. } => {
                vec![MachineKey::Ready(name.clone()), MachineKey::Tagged(name.clone())]
            }
            MachineOp::TagRole { name, .. } => vec![MachineKey::RoleTagged(name.clone())],
            MachineOp::Publish { name, .. } => vec![MachineKey::Published(name.clone())],
            MachineOp::Delete { name, .. } => vec![MachineKey::Gone(name.clone())],
            MachineOp::CreateAlias { machine, .. }
            | MachineOp::UpdateAlias { machine, .. }
            | MachineOp::DeleteAlias { machine, .. } => vec![MachineKey::AliasesSet(machine.clone())],
            // Nothing waits for these.
            MachineOp::DeleteRole { .. }
            | MachineOp::DeleteRolePolicy { .. }
            | MachineOp::DeleteVersion { .. } => Vec::new(),
        }
    }

    /// What this operation waits for; a key nobody in the plan provides is already satisfied.
    pub fn needs(&self) -> Vec<MachineKey> {
        match self {
            // An adopted role is tagged before it is changed, so that a run cut short never
            // leaves an untagged role modified.
            MachineOp::PutRolePolicy { name, .. } | MachineOp::UpdateRoleTrust { name, .. } => {
                vec![MachineKey::RoleTagged(name.clone())]
            }
            MachineOp::Create(m) => vec![
                MachineKey::RoleReady(role_name(&m.role_arn)),
                MachineKey::Gone(m.name.clone()),
            ],
            MachineOp::Update(u) => {
                let mut keys = u
                    .role_arn
                    .iter()
                    .map(|r| MachineKey::RoleReady(role_name(r)))
                    .collect::<Vec<_>>();
                // An adopted machine is tagged before it is changed.
                keys.push(MachineKey::Tagged(u.name.clone()));
                keys
            }
            MachineOp::DeleteRolePolicy { name, machine } => vec![
                MachineKey::RoleTagged(name.clone()),
                MachineKey::Ready(machine.clone()),
            ],
            MachineOp::Publish { name, .. } => vec![MachineKey::Ready(name.clone())],
            MachineOp::CreateAlias { machine, routing, .. }
            | MachineOp::UpdateAlias { machine, routing, .. } => {
                let mut keys = vec![MachineKey::Ready(machine.clone())];
                if *routing == Routing::Published {
                    keys.push(MachineKey::Published(machine.clone()));
                }
                keys
            }
            MachineOp::DeleteVersion { machine, .. } => {
                vec![
                    MachineKey::AliasesSet(machine.clone()),
                    MachineKey::Published(machine.clone()),
                ]
            }
            MachineOp::DeleteRole { machines, .. } => {
                machines.iter().map(|m| MachineKey::Gone(m.clone())).collect()
            }
            // These wait for nothing: what they act on exists before the run, or they are
            // ordered by the operations that wait for them.
            MachineOp::CreateRole { .. }
            | MachineOp::TagRole { .. }
            | MachineOp::Tag { .. }
            | MachineOp::Delete { .. }
            | MachineOp::DeleteAlias { .. } => Vec::new(),
        }
    }

    /// True for a create AWS does not deduplicate by itself (the executor looks before it
    /// resends). CreateStateMachine and CreateStateMachineAlias are idempotent on the same
    /// settings (Step Functions API reference); CreateRole answers EntityAlreadyExists.
    pub fn is_create(&self) -> bool {
        match self {
            MachineOp::CreateRole { .. }
            | MachineOp::TagRole { .. }
            | MachineOp::UpdateRoleTrust { .. }
            | MachineOp::PutRolePolicy { .. }
            | MachineOp::DeleteRolePolicy { .. }
            | MachineOp::DeleteRole { .. }
            | MachineOp::Create(_)
            | MachineOp::Update(_)
            | MachineOp::Publish { .. }
            | MachineOp::Tag { .. }
            | MachineOp::Delete { .. }
            | MachineOp::CreateAlias { .. }
            | MachineOp::UpdateAlias { .. }
            | MachineOp::DeleteAlias { .. }
            | MachineOp::DeleteVersion { .. } => false,
        }
    }
}

/// The role name in a role ARN (after any path): [`crate::arn::role_name_of`].
pub fn role_name(arn: &str) -> String {
    crate::arn::role_name_of(arn).to_string()
}

/// `NAME:QUALIFIER` of a version or alias ARN, for labels (the ARN as it is when it is none).
fn short(arn: &str) -> String {
    match crate::arn::StateMachineArn::lenient(arn) {
        Some(m) => match m.qualifier {
            Some(q) => format!("{}:{q}", m.name),
            None => m.name,
        },
        None => arn.to_string(),
    }
}
