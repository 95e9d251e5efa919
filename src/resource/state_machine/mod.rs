//! State machines the stack owns (`[[state_machine]]`), their published versions, their alias
//! and the execution role the stack generates for them, as one unit:
//!
//! - [`spec`]: the table's desired state and offline checks (pure);
//! - [`definition`] and [`yaml`]: the Amazon States Language file, its checks and diff (pure),
//!   their problems a [`located::Located`];
//! - [`duration`]: whether a definition can outlast a synchronous route's 30 s (pure);
//! - [`policy`]: the execution role's policy derived from the definition (pure);
//! - [`op`] and [`plan`]: the operations and the diff against live state (pure);
//! - [`read`] and [`apply`]: the Step Functions and IAM calls;
//! - [`emit`]: the CloudFormation resources.

pub mod apply;
pub mod definition;
pub mod duration;
pub mod emit;
pub mod located;
pub mod op;
pub mod plan;
pub mod policy;
pub mod read;
pub mod spec;
pub mod yaml;

use std::collections::BTreeMap;

use serde_json::Value;

pub use op::{MachineKey, MachineOp};
pub use spec::{DesiredMachine, MachineType};

/// What exists of the stack's machines: the declared ones found by name, the ones tagged for
/// the stack that it no longer declares, and their generated roles.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct LiveMachines {
    /// Machines, by name.
    pub machines: BTreeMap<String, LiveMachine>,
    /// Roles the stack generates (or generated) for them, by name; absent ones are not listed.
    pub roles: BTreeMap<String, crate::resource::role::spec::LiveRole>,
    /// False when the endpoint has no ListStateMachineVersions (stock moto): versions are then
    /// neither pruned nor counted.
    pub versions_listed: bool,
}

/// A state machine as DescribeStateMachine and ListTagsForResource report it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LiveMachine {
    /// Name.
    pub name: String,
    /// ARN.
    pub arn: String,
    /// `STANDARD` or `EXPRESS`.
    pub kind: MachineType,
    /// `ACTIVE` or `DELETING`.
    pub status: crate::domain::MachineStatus,
    /// The definition, parsed (`None` when it does not parse: always different).
    pub definition: Option<Value>,
    /// Execution role ARN.
    pub role_arn: String,
    /// Logging.
    pub logging: spec::Logging,
    /// Tracing.
    pub tracing: bool,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Published versions, newest first.
    pub versions: Vec<LiveVersion>,
    /// Aliases.
    pub aliases: Vec<LiveAlias>,
}

impl LiveMachines {
    /// True when nothing was read (a stack without machines).
    pub fn is_empty(&self) -> bool {
        self.machines.is_empty() && self.roles.is_empty()
    }
}

impl LiveMachine {
    /// True when the machine carries `provision:stack = stack`.
    pub fn owned_by(&self, stack: &str) -> bool {
        self.tags.get(crate::stack::rules::OWNER_TAG).map(String::as_str) == Some(stack)
    }
}

/// A published version.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LiveVersion {
    /// Version number.
    pub number: u64,
    /// Version ARN.
    pub arn: String,
}

/// An alias and where it routes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LiveAlias {
    /// Alias name.
    pub name: String,
    /// Alias ARN.
    pub arn: String,
    /// (version number, weight).
    pub routing: Vec<(u64, i32)>,
}
