//! The live state as plain data: everything the stack could own as AWS has it now, each kind in
//! its unit's live struct. `live::read` (above the units) fills it with SDK calls; the planner
//! (`plan`) compares it with the desired state and imports it from here, below the SDK reads.

use std::collections::{BTreeMap, BTreeSet};

use crate::resource::api::spec::LiveApi;
use crate::resource::role::spec::{LiveRole, RoleState, role_name_of};

/// Everything the stack could own, as it is now.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Live {
    /// APIs carrying the stack's ownership tag. More than one only after a duplicate was made.
    pub apis: Vec<LiveApi>,
    /// The one untagged API named as the stack's API, read with its children, when none is
    /// tagged and `--adopt` asked for it (`live::read` for `--adopt`): `up --adopt` tags and keeps it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adoptable: Option<LiveApi>,
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
    /// first needed (by `live::read`).
    pub outside_credentials: Option<BTreeMap<String, Vec<String>>>,
    /// The stack's state machines, their versions, aliases and generated roles (left out of a
    /// saved plan's fingerprint when there are none, as for every stack before them).
    #[serde(skip_serializing_if = "crate::resource::state_machine::LiveMachines::is_empty")]
    pub machines: crate::resource::state_machine::LiveMachines,
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
