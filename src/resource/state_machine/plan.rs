//! The diff of the stack's state machines against live state: create, update in place, replace
//! (a new type), publish, move the alias, prune old versions, delete what the stack owns and no
//! longer declares. Pure: no SDK types.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::op::{MachineOp, MachineUpdate, NewMachine, Routing, role_name};
use super::spec::{AliasTarget, DesiredMachine, GeneratedRole, Logging, MachineRole, ROLE_POLICY_NAME};
use super::{LiveMachine, LiveMachines};
use crate::domain::MachineStatus;
use crate::plan::change::{Action, Change, FieldChange, Kind};
use crate::plan::error::PlanError;
use crate::plan::op::Op;
use crate::resource::role::spec::LiveRole;

/// The changes that bring the stack's machines, versions, aliases and generated roles to what
/// `machines` declares.
pub fn plan(
    stack: &str,
    machines: &[DesiredMachine],
    live: &LiveMachines,
    adopt: bool,
) -> Result<Vec<Change>, PlanError> {
    let mut changes = Vec::new();
    for desired in machines {
        if let MachineRole::Generated(role) = &desired.role {
            plan_role(
                stack,
                desired,
                role,
                live.roles.get(&role.name),
                adopt,
                &mut changes,
            )?;
        }
        let found = live.machines.get(&desired.name);
        let publishes = plan_machine(stack, desired, found, adopt, &mut changes)?;
        // A replaced machine starts over without versions or aliases.
        let kept = found.filter(|m| m.kind == desired.kind && m.status != MachineStatus::Deleting);
        plan_alias(desired, kept, publishes, &mut changes);
        if live.versions_listed
            && let Some(machine) = kept
        {
            prune_versions(desired, machine, publishes, &mut changes);
        }
    }
    let declared: BTreeSet<&str> = machines.iter().map(|m| m.name.as_str()).collect();
    let in_use: BTreeSet<String> = machines
        .iter()
        .filter_map(|m| match &m.role {
            MachineRole::Generated(g) => Some(g.name.clone()),
            MachineRole::Existing(_) => None,
        })
        .collect();
    for machine in live.machines.values() {
        if !declared.contains(machine.name.as_str())
            && machine.owned_by(stack)
            && machine.status != MachineStatus::Deleting
        {
            tracing::debug!(
                "state machine {}: tagged for the stack, no longer declared, delete",
                machine.name
            );
            changes.extend(delete_machine(stack, machine, live, &in_use));
        }
    }
    Ok(changes)
}

/// Everything `down` deletes: every machine of the stack and the roles generated for them.
pub fn plan_down(stack: &str, live: &LiveMachines) -> Vec<Change> {
    live.machines
        .values()
        .filter(|m| m.owned_by(stack) && m.status != MachineStatus::Deleting)
        .flat_map(|m| delete_machine(stack, m, live, &BTreeSet::new()))
        .collect()
}

/// The machine, then its role if the stack generated it and nothing declared still uses it.
fn delete_machine(
    stack: &str,
    machine: &LiveMachine,
    live: &LiveMachines,
    in_use: &BTreeSet<String>,
) -> Vec<Change> {
    let mut changes = vec![change(
        Action::Delete,
        Kind::StateMachine,
        &machine.name,
        Vec::new(),
        vec![MachineOp::Delete {
            arn: machine.arn.clone(),
            name: machine.name.clone(),
            wait: false,
        }],
    )];
    let role = role_name(&machine.role_arn);
    if let Some(live_role) = live.roles.get(&role)
        && live_role.owned_by(stack)
        && !in_use.contains(&role)
    {
        changes.push(change(
            Action::Delete,
            Kind::Role,
            &role,
            Vec::new(),
            vec![MachineOp::DeleteRole {
                name: role.clone(),
                inline: live_role.inline.keys().cloned().collect(),
                machines: vec![machine.name.clone()],
            }],
        ));
    }
    changes
}

/// The generated execution role: made, adopted, or its trust and policy brought up to date.
fn plan_role(
    stack: &str,
    desired: &DesiredMachine,
    role: &GeneratedRole,
    live: Option<&LiveRole>,
    adopt: bool,
    changes: &mut Vec<Change>,
) -> Result<(), PlanError> {
    let Some(live) = live else {
        // A machine that needs no permission gets a role without an inline policy.
        let mut fields = vec![created("trust", role.trust.clone())];
        fields.extend(
            role.policy
                .clone()
                .map(|policy| created(&format!("policy.{ROLE_POLICY_NAME}"), policy)),
        );
        changes.push(change(
            Action::Create,
            Kind::Role,
            &role.name,
            fields,
            vec![MachineOp::CreateRole {
                name: role.name.clone(),
                trust: role.trust.clone(),
                policy: role.policy.clone(),
                tags: desired.tags.clone(),
            }],
        ));
        return Ok(());
    };
    let mut ops = Vec::new();
    let mut fields = Vec::new();
    if !live.owned_by(stack) {
        if !adopt {
            return Err(PlanError::Unowned {
                kind: "role",
                name: role.name.clone(),
                stack: stack.to_string(),
            });
        }
        fields.push(created("tags", json!(desired.tags)));
        ops.push(MachineOp::TagRole {
            name: role.name.clone(),
            tags: desired.tags.clone(),
        });
    }
    if live.trust != role.trust {
        fields.push(field("trust", live.trust.clone(), role.trust.clone()));
        ops.push(MachineOp::UpdateRoleTrust {
            name: role.name.clone(),
            trust: role.trust.clone(),
        });
    }
    plan_role_policy(&desired.name, role, live, &mut fields, &mut ops);
    if !ops.is_empty() {
        changes.push(change(Action::Update, Kind::Role, &role.name, fields, ops));
    }
    Ok(())
}

/// The role's inline policy, `StateMachineExecution` (the one policy name the tool owns on a role
/// it generates; any other inline policy is left alone): put where it differs, deleted once the
/// machine needs no permission, and "no policy wanted" with none there is no change.
fn plan_role_policy(
    machine: &str,
    role: &GeneratedRole,
    live: &LiveRole,
    fields: &mut Vec<FieldChange>,
    ops: &mut Vec<MachineOp>,
) {
    let field_name = format!("policy.{ROLE_POLICY_NAME}");
    match (live.inline.get(ROLE_POLICY_NAME), &role.policy) {
        (Some(there), Some(wanted)) if there == wanted => {}
        (there, Some(wanted)) => {
            fields.push(field(
                &field_name,
                there.cloned().unwrap_or(Value::Null),
                wanted.clone(),
            ));
            ops.push(MachineOp::PutRolePolicy {
                name: role.name.clone(),
                policy: wanted.clone(),
            });
        }
        (Some(there), None) => {
            fields.push(field(&field_name, there.clone(), Value::Null));
            ops.push(MachineOp::DeleteRolePolicy {
                name: role.name.clone(),
                machine: machine.to_string(),
            });
        }
        (None, None) => {}
    }
}

/// The machine: create, replace (a new type), adopt, update. Returns true when this run
/// publishes a version of it.
fn plan_machine(
    stack: &str,
    desired: &DesiredMachine,
    live: Option<&LiveMachine>,
    adopt: bool,
    changes: &mut Vec<Change>,
) -> Result<bool, PlanError> {
    let definition = serde_json::to_string(&desired.definition).unwrap_or_default();
    let new = |wait_for_name: bool| NewMachine {
        name: desired.name.clone(),
        arn: desired.arn(),
        kind: desired.kind,
        definition: definition.clone(),
        role_arn: desired.role.arn().to_string(),
        logging: desired.logging.clone(),
        tracing: desired.tracing,
        tags: desired.tags.clone(),
        publish: desired.publish,
        wait_for_name,
    };
    let created_fields = || {
        vec![
            created("type", json!(desired.kind.as_str())),
            created("definition", desired.definition.clone()),
            created("role", json!(desired.role.arn())),
            created("logging", logging_json(&desired.logging)),
            created("tracing", json!(desired.tracing)),
            created("publish", json!(desired.publish)),
        ]
    };
    let live = match live {
        None => {
            tracing::debug!("state machine {}: none of that name, create", desired.name);
            let ops = vec![MachineOp::Create(Box::new(new(false)))];
            changes.push(change(
                Action::Create,
                Kind::StateMachine,
                &desired.name,
                created_fields(),
                ops,
            ));
            return Ok(desired.publish);
        }
        Some(live) if live.status == MachineStatus::Deleting => {
            tracing::debug!(
                "state machine {}: still deleting, create once it is gone",
                desired.name
            );
            let ops = vec![MachineOp::Create(Box::new(new(true)))];
            changes.push(change(
                Action::Create,
                Kind::StateMachine,
                &desired.name,
                created_fields(),
                ops,
            ));
            return Ok(desired.publish);
        }
        Some(live) => live,
    };
    let owned = live.owned_by(stack);
    if !owned && !adopt {
        return Err(PlanError::Unowned {
            kind: "state machine",
            name: desired.name.clone(),
            stack: stack.to_string(),
        });
    }
    if live.kind != desired.kind {
        // Step Functions cannot change a machine's type (CreateStateMachine, `type`): a new one.
        tracing::debug!(
            "state machine {}: {} → {}, replace",
            desired.name,
            live.kind,
            desired.kind.as_str()
        );
        let mut fields = vec![field("type", json!(live.kind), json!(desired.kind.as_str()))];
        fields.extend(machine_fields(desired, live));
        let ops = vec![
            MachineOp::Delete {
                arn: live.arn.clone(),
                name: live.name.clone(),
                wait: true,
            },
            MachineOp::Create(Box::new(new(true))),
        ];
        changes.push(change(
            Action::Replace,
            Kind::StateMachine,
            &desired.name,
            fields,
            ops,
        ));
        return Ok(desired.publish);
    }
    Ok(plan_update(desired, live, &definition, owned, changes))
}

/// An existing machine of the right type: tags, UpdateStateMachine, or a first version for the
/// alias. Returns true when this run publishes a version.
fn plan_update(
    desired: &DesiredMachine,
    live: &LiveMachine,
    definition: &str,
    owned: bool,
    changes: &mut Vec<Change>,
) -> bool {
    let mut ops = Vec::new();
    let (set, remove, mut fields) = tag_diff(&live.tags, &desired.tags);
    if !set.is_empty() || !remove.is_empty() {
        ops.push(MachineOp::Tag {
            arn: live.arn.clone(),
            name: live.name.clone(),
            set,
            remove,
        });
    }
    let update = machine_update(desired, live, definition);
    fields.extend(machine_fields(desired, live));
    let mut publishes = false;
    if let Some(update) = update {
        publishes = update.publish;
        ops.push(MachineOp::Update(Box::new(update)));
    } else if desired.publish && live.versions.is_empty() && desired.alias.is_some() {
        // Nothing to change, but no version for the alias to route to yet.
        fields.push(created("version", json!("published from the current revision")));
        ops.push(MachineOp::Publish {
            arn: live.arn.clone(),
            name: live.name.clone(),
        });
        publishes = true;
    }
    if !ops.is_empty() {
        let name = match owned {
            true => desired.name.clone(),
            false => format!("{} (adopted)", desired.name),
        };
        changes.push(change(Action::Update, Kind::StateMachine, &name, fields, ops));
    }
    publishes
}

/// The UpdateStateMachine a machine needs, if any: only the fields that differ.
fn machine_update(desired: &DesiredMachine, live: &LiveMachine, definition: &str) -> Option<MachineUpdate> {
    let definition_changed = live.definition.as_ref() != Some(&desired.definition);
    let role_changed = live.role_arn != desired.role.arn();
    let logging_changed = live.logging != desired.logging;
    let tracing_changed = live.tracing != desired.tracing;
    if !(definition_changed || role_changed || logging_changed || tracing_changed) {
        return None;
    }
    Some(MachineUpdate {
        arn: live.arn.clone(),
        name: live.name.clone(),
        definition: definition_changed.then(|| definition.to_string()),
        role_arn: role_changed.then(|| desired.role.arn().to_string()),
        logging: logging_changed.then(|| desired.logging.clone()),
        tracing: tracing_changed.then_some(desired.tracing),
        // "publish: ... Set to true to publish a version" with a definition or role change.
        publish: desired.publish && (definition_changed || role_changed),
    })
}

/// The field changes shown for a machine: the definition state by state, then the settings.
fn machine_fields(desired: &DesiredMachine, live: &LiveMachine) -> Vec<FieldChange> {
    let mut fields: Vec<FieldChange> = match &live.definition {
        Some(before) => super::definition::diff(before, &desired.definition)
            .into_iter()
            .map(|(path, before, after)| FieldChange {
                field: path,
                before,
                after,
            })
            .collect(),
        None => vec![field(
            "definition",
            json!("(not JSON)"),
            desired.definition.clone(),
        )],
    };
    fields.extend(
        [
            ("role", json!(live.role_arn), json!(desired.role.arn())),
            (
                "logging",
                logging_json(&live.logging),
                logging_json(&desired.logging),
            ),
            ("tracing", json!(live.tracing), json!(desired.tracing)),
        ]
        .into_iter()
        .filter(|(_, b, a)| b != a)
        .map(|(name, b, a)| field(name, b, a)),
    );
    fields
}

/// The alias: made, moved, or left; other aliases of an owned machine removed.
fn plan_alias(
    desired: &DesiredMachine,
    live: Option<&LiveMachine>,
    publishes: bool,
    changes: &mut Vec<Change>,
) {
    let aliases = live.map(|m| m.aliases.as_slice()).unwrap_or_default();
    if let Some(alias) = &desired.alias {
        let latest = live.and_then(|m| m.versions.first()).map(|v| v.number);
        let routing = match (&alias.target, publishes, latest) {
            (AliasTarget::Versions(v), _, _) => Some(Routing::Versions(v.clone())),
            (AliasTarget::Latest, true, _) => Some(Routing::Published),
            (AliasTarget::Latest, false, Some(n)) => Some(Routing::Versions(vec![(n, 100)])),
            (AliasTarget::Latest, false, None) => None,
        };
        let machine_arn = desired.arn();
        match (aliases.iter().find(|a| a.name == alias.name), routing) {
            (_, None) => tracing::debug!("alias {}: no version to route to yet", alias.name),
            (None, Some(routing)) => changes.push(change(
                Action::Create,
                Kind::StateMachineAlias,
                &format!("{}:{}", desired.name, alias.name),
                vec![created("routing", routing_json(&routing))],
                vec![MachineOp::CreateAlias {
                    machine_arn,
                    machine: desired.name.clone(),
                    name: alias.name.clone(),
                    routing,
                }],
            )),
            (Some(live_alias), Some(routing)) => {
                let same =
                    matches!(&routing, Routing::Versions(v) if sorted(v) == sorted(&live_alias.routing));
                if !same {
                    changes.push(change(
                        Action::Update,
                        Kind::StateMachineAlias,
                        &format!("{}:{}", desired.name, alias.name),
                        vec![field(
                            "routing",
                            routing_json(&Routing::Versions(live_alias.routing.clone())),
                            routing_json(&routing),
                        )],
                        vec![MachineOp::UpdateAlias {
                            machine_arn,
                            machine: desired.name.clone(),
                            name: alias.name.clone(),
                            routing,
                        }],
                    ));
                }
            }
        }
    }
    let wanted = desired.alias.as_ref().map(|a| a.name.as_str());
    for alias in aliases.iter().filter(|a| Some(a.name.as_str()) != wanted) {
        changes.push(change(
            Action::Delete,
            Kind::StateMachineAlias,
            &format!("{}:{}", desired.name, alias.name),
            Vec::new(),
            vec![MachineOp::DeleteAlias {
                arn: alias.arn.clone(),
                machine: desired.name.clone(),
            }],
        ));
    }
}

/// Versions beyond the kept count, oldest first, never one an alias routes to (now or after
/// this run): "You can publish up to 1000 versions" ("State machine versions").
fn prune_versions(desired: &DesiredMachine, live: &LiveMachine, publishes: bool, changes: &mut Vec<Change>) {
    let keep = desired.keep_versions as usize - usize::from(publishes && desired.keep_versions > 1);
    let mut routed: BTreeSet<u64> = live
        .aliases
        .iter()
        .flat_map(|a| a.routing.iter().map(|(v, _)| *v))
        .collect();
    if let Some(AliasTarget::Versions(v)) = desired.alias.as_ref().map(|a| &a.target) {
        routed.extend(v.iter().map(|(n, _)| *n));
    }
    // An alias following `latest` without a publish this run stays on the newest version.
    if let Some(newest) = live.versions.first() {
        routed.insert(newest.number);
    }
    for version in live.versions.iter().skip(keep) {
        if routed.contains(&version.number) {
            continue;
        }
        changes.push(change(
            Action::Delete,
            Kind::StateMachineVersion,
            &format!("{}:{}", desired.name, version.number),
            Vec::new(),
            vec![MachineOp::DeleteVersion {
                arn: version.arn.clone(),
                machine: desired.name.clone(),
            }],
        ));
    }
}

fn sorted(v: &[(u64, i32)]) -> Vec<(u64, i32)> {
    let mut v = v.to_vec();
    v.sort();
    v
}

fn routing_json(routing: &Routing) -> Value {
    match routing {
        Routing::Published => json!("the version this run publishes"),
        Routing::Versions(v) => Value::Object(v.iter().map(|(n, w)| (n.to_string(), json!(w))).collect()),
    }
}

fn logging_json(logging: &Logging) -> Value {
    json!({
        "level": logging.level,
        "include_execution_data": logging.include_execution_data,
        "log_group": logging.log_group,
    })
}

fn change(action: Action, kind: Kind, name: &str, fields: Vec<FieldChange>, ops: Vec<MachineOp>) -> Change {
    Change {
        action,
        kind,
        name: name.to_string(),
        fields,
        ops: ops.into_iter().map(Op::Machine).collect(),
    }
}

fn created(name: &str, after: Value) -> FieldChange {
    field(name, Value::Null, after)
}

fn field(name: &str, before: Value, after: Value) -> FieldChange {
    FieldChange {
        field: name.to_string(),
        before,
        after,
    }
}

/// Tags to set and remove (never `aws:` keys) and the field changes that show them.
fn tag_diff(
    live: &BTreeMap<String, String>,
    desired: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, Vec<String>, Vec<FieldChange>) {
    let set: BTreeMap<String, String> = desired
        .iter()
        .filter(|(k, v)| live.get(*k) != Some(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let remove: Vec<String> = live
        .keys()
        .filter(|k| !desired.contains_key(*k) && !k.starts_with("aws:"))
        .cloned()
        .collect();
    let mut fields: Vec<FieldChange> = set
        .iter()
        .map(|(k, v)| {
            field(
                &format!("tags.{k}"),
                live.get(k).map_or(Value::Null, |l| json!(l)),
                json!(v),
            )
        })
        .collect();
    fields.extend(
        remove
            .iter()
            .map(|k| field(&format!("tags.{k}"), json!(live[k]), Value::Null)),
    );
    (set, remove, fields)
}

#[cfg(test)]
mod tests;
