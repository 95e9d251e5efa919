//! The vocabulary every kind's diff speaks: a change, its fields, and the helpers that build
//! them. It sits below the kinds (`resource/*/plan.rs`) and the planner's driver above them.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use super::op::Op;

/// What a change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Made from nothing.
    Create,
    /// Changed in place.
    Update,
    /// Removed.
    Delete,
    /// Made anew and the old one removed, because AWS cannot change it in place.
    Replace,
}

/// What kind of resource a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The HTTP API.
    Api,
    /// A route.
    Route,
    /// An integration.
    Integration,
    /// A JWT authorizer.
    Authorizer,
    /// A stage.
    Stage,
    /// The IAM role.
    Role,
    /// An inline policy of the role.
    RolePolicy,
    /// A managed policy attached to the role.
    ManagedPolicy,
    /// A Step Functions state machine the stack owns.
    StateMachine,
    /// An alias of a state machine.
    StateMachineAlias,
    /// A published version of a state machine.
    StateMachineVersion,
}

/// One field's before and after; `null` where absent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// Field name, e.g. `request_parameters.Input`.
    pub field: String,
    /// Live value.
    pub before: Value,
    /// Desired value.
    pub after: Value,
}

/// One resource's change, as shown to people, with the operations that make it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// Create, update, delete or replace.
    pub action: Action,
    /// Resource kind.
    pub kind: Kind,
    /// Resource name: route key, API name, role name, ...
    pub name: String,
    /// Changed fields (for updates and replaces; for creates the new values).
    pub fields: Vec<FieldChange>,
    /// The AWS mutations that carry it out, in order within this change.
    #[serde(skip)]
    pub ops: Vec<Op>,
}

/// Options that change what the planner may do.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanOptions {
    /// Take over a same-named role that lacks the ownership tag.
    pub adopt: bool,
}

pub(crate) fn delete(kind: Kind, name: &str, op: Op) -> Change {
    Change {
        action: Action::Delete,
        kind,
        name: name.to_string(),
        fields: Vec::new(),
        ops: vec![op],
    }
}

pub(crate) fn created(field: &str, after: Value) -> FieldChange {
    FieldChange {
        field: field.to_string(),
        before: Value::Null,
        after,
    }
}

pub(crate) fn changed(field: &str, before: Value, after: Value) -> Option<FieldChange> {
    (before != after).then(|| FieldChange {
        field: field.to_string(),
        before,
        after,
    })
}

/// Tag differences: what to set, what to remove (never `aws:` keys, which nobody can remove),
/// and the field changes that show it.
pub(crate) fn tag_diff(
    live: &BTreeMap<String, String>,
    desired: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, Vec<String>, Vec<FieldChange>) {
    let mut set = BTreeMap::new();
    let mut fields = Vec::new();
    for (k, v) in desired {
        if live.get(k) != Some(v) {
            set.insert(k.clone(), v.clone());
            fields.push(FieldChange {
                field: format!("tags.{k}"),
                before: live.get(k).map_or(Value::Null, |v| json!(v)),
                after: json!(v),
            });
        }
    }
    let remove: Vec<String> = live
        .keys()
        .filter(|k| !desired.contains_key(*k) && !k.starts_with("aws:"))
        .cloned()
        .collect();
    for k in &remove {
        fields.push(FieldChange {
            field: format!("tags.{k}"),
            before: json!(live[k]),
            after: Value::Null,
        });
    }
    (set, remove, fields)
}

/// The names of changed fields, for the log.
pub(crate) fn field_names(fields: &[FieldChange]) -> String {
    fields
        .iter()
        .map(|f| f.field.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
