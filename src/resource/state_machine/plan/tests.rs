//! The state machine diff on plain structs: no network.

use std::collections::BTreeMap;

use serde_json::json;

use super::*;
use crate::plan::change::Action;
use crate::resource::state_machine::spec::{DesiredAlias, MachineType};
use crate::resource::state_machine::{LiveAlias, LiveVersion};

const STACK: &str = "s";

fn desired(publish: bool, alias: Option<AliasTarget>) -> DesiredMachine {
    let definition = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}});
    DesiredMachine {
        name: "m".into(),
        machine_arn: "arn:aws:states:ap-southeast-2:111122223333:stateMachine:m".into(),
        kind: MachineType::Standard,
        template: definition.clone(),
        definition,
        substitutions: BTreeMap::new(),
        logging: Logging::default(),
        tracing: false,
        tags: BTreeMap::from([("provision:stack".to_string(), STACK.to_string())]),
        role: MachineRole::Existing("arn:aws:iam::111122223333:role/r".into()),
        publish,
        keep_versions: 2,
        describes: None,
        alias: alias.map(|target| DesiredAlias {
            name: "live".into(),
            target,
        }),
    }
}

fn live_of(d: &DesiredMachine, versions: &[u64], alias_on: Option<u64>) -> LiveMachines {
    let arn = d.arn();
    let machine = LiveMachine {
        name: d.name.clone(),
        arn: arn.clone(),
        kind: MachineType::Standard,
        status: crate::domain::MachineStatus::Active,
        definition: Some(d.definition.clone()),
        role_arn: d.role.arn().to_string(),
        logging: Logging::default(),
        tracing: false,
        tags: d.tags.clone(),
        versions: versions
            .iter()
            .rev()
            .map(|n| LiveVersion {
                number: *n,
                arn: format!("{arn}:{n}"),
            })
            .collect(),
        aliases: alias_on
            .map(|v| LiveAlias {
                name: "live".into(),
                arn: format!("{arn}:live"),
                routing: vec![(v, 100)],
            })
            .into_iter()
            .collect(),
    };
    LiveMachines {
        machines: BTreeMap::from([(d.name.clone(), machine)]),
        roles: BTreeMap::new(),
        versions_listed: true,
    }
}

fn ops(changes: &[Change]) -> Vec<String> {
    changes.iter().flat_map(|c| c.ops.iter().map(Op::label)).collect()
}

#[test]
fn a_new_machine_is_created_and_its_alias_follows_the_version_it_publishes() {
    let d = desired(true, Some(AliasTarget::Latest));
    let changes = plan(STACK, std::slice::from_ref(&d), &LiveMachines::default(), false).unwrap();
    assert_eq!(
        ops(&changes),
        vec!["create state machine m", "create alias m:live"]
    );
    let Op::Machine(MachineOp::CreateAlias { routing, .. }) = &changes[1].ops[0] else {
        panic!("{changes:?}")
    };
    assert_eq!(*routing, Routing::Published);
}

#[test]
fn nothing_changed_is_no_change_even_when_aws_reformats_the_definition() {
    let d = desired(true, Some(AliasTarget::Latest));
    let mut live = live_of(&d, &[1], Some(1));
    // Key order and whitespace are not meaning.
    let reparsed: serde_json::Value = serde_json::from_str(
        "{ \"States\": {\"A\": {\"End\": true, \"Type\": \"Pass\"}},\n \"StartAt\": \"A\" }",
    )
    .unwrap();
    live.machines.get_mut("m").unwrap().definition = Some(reparsed);
    assert_eq!(plan(STACK, &[d], &live, false).unwrap(), Vec::new());
}

#[test]
fn a_definition_change_updates_publishes_and_moves_the_alias_then_prunes_beyond_the_kept_count() {
    let mut d = desired(true, Some(AliasTarget::Latest));
    let live = live_of(&d, &[1, 2, 3], Some(3));
    d.definition["States"]["A"]["Result"] = json!("new");
    let changes = plan(STACK, &[d], &live, false).unwrap();
    assert_eq!(
        ops(&changes),
        vec![
            "update state machine m and publish a version",
            "move alias m:live",
            "delete version m:2",
            "delete version m:1",
        ]
    );
    assert_eq!(changes[0].fields[0].field, "definition.States.A.Result");
}

#[test]
fn a_version_an_alias_routes_to_is_never_pruned() {
    let d = desired(true, Some(AliasTarget::Versions(vec![(1, 90), (4, 10)])));
    let live = live_of(&d, &[1, 2, 3, 4], Some(4));
    let changes = plan(STACK, &[d], &live, false).unwrap();
    let labels = ops(&changes);
    assert!(labels.contains(&"move alias m:live".to_string()), "{labels:?}");
    assert!(labels.contains(&"delete version m:2".to_string()), "{labels:?}");
    assert!(
        !labels
            .iter()
            .any(|l| l == "delete version m:1" || l == "delete version m:4"),
        "{labels:?}"
    );
}

#[test]
fn a_type_change_replaces_and_an_unowned_machine_needs_adopt() {
    let mut d = desired(false, None);
    let mut live = live_of(&d, &[], None);
    d.kind = MachineType::Express;
    let changes = plan(STACK, std::slice::from_ref(&d), &live, false).unwrap();
    assert_eq!(changes[0].action, Action::Replace);
    assert_eq!(
        ops(&changes),
        vec!["delete state machine m", "create state machine m"]
    );

    d.kind = MachineType::Standard;
    live.machines.get_mut("m").unwrap().tags.clear();
    let refused = plan(STACK, std::slice::from_ref(&d), &live, false).unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("state machine m exists but is not owned by stack s")
    );
    let adopted = plan(STACK, &[d], &live, true).unwrap();
    assert_eq!(ops(&adopted), vec!["tag state machine m"]);
    assert_eq!(adopted[0].name, "m (adopted)");
}

#[test]
fn a_machine_tagged_for_the_stack_and_no_longer_declared_is_deleted() {
    let d = desired(false, None);
    let live = live_of(&d, &[], None);
    let changes = plan(STACK, &[], &live, false).unwrap();
    assert_eq!(ops(&changes), vec!["delete state machine m"]);
    assert_eq!(ops(&plan_down(STACK, &live)), vec!["delete state machine m"]);
    assert!(plan_down("other", &live).is_empty());
}

/// DeleteStateMachine is asynchronous: a machine still DELETING (botocore stepfunctions
/// `StateMachineStatus`) is planned as absent: created again, never deleted twice.
#[test]
fn a_machine_still_deleting_is_created_again_and_not_deleted_again() {
    let d = desired(false, None);
    let mut live = live_of(&d, &[], None);
    live.machines.get_mut("m").unwrap().status = crate::domain::MachineStatus::Deleting;
    let changes = plan(STACK, std::slice::from_ref(&d), &live, false).unwrap();
    assert_eq!(ops(&changes), vec!["create state machine m"]);
    assert_eq!(plan_down(STACK, &live), Vec::new());
    assert_eq!(plan(STACK, &[], &live, false).unwrap(), Vec::new());
    // ACTIVE, the same machine is deleted by both.
    live.machines.get_mut("m").unwrap().status = crate::domain::MachineStatus::Active;
    assert_eq!(ops(&plan_down(STACK, &live)), vec!["delete state machine m"]);
}

/// `desired(..)` with the role the stack generates: its policy derived from the definition.
fn with_generated_role(mut d: DesiredMachine) -> DesiredMachine {
    let derived = crate::resource::state_machine::policy::derive(&d.definition, false, false);
    d.role = MachineRole::Generated(GeneratedRole {
        name: "StepFunctions-m".into(),
        arn: "arn:aws:iam::111122223333:role/StepFunctions-m".into(),
        trust: crate::resource::state_machine::policy::trust(&d.arn()),
        policy: derived.policy,
        warnings: derived.warnings,
    });
    d
}

/// A Task on a DynamoDB table: the role needs `dynamodb:PutItem` on it.
fn put_item(d: &mut DesiredMachine) {
    d.definition = json!({"StartAt": "A", "States": {"A": {"Type": "Task",
        "Resource": "arn:aws:states:::dynamodb:putItem",
        "Parameters": {"TableName": "t", "Item": {}}, "End": true}}});
}

/// The live state `up` leaves for `d`: the machine, and its generated role with the inline
/// policy `up` puts on it (none when the machine needs no permission).
fn live_with_role(d: &DesiredMachine) -> LiveMachines {
    let MachineRole::Generated(role) = &d.role else {
        panic!("a generated role: {:?}", d.role)
    };
    let mut live = live_of(d, &[], None);
    live.roles.insert(
        role.name.clone(),
        LiveRole {
            name: role.name.clone(),
            arn: role.arn.clone(),
            tags: d.tags.clone(),
            trust: role.trust.clone(),
            inline: role
                .policy
                .iter()
                .map(|p| (ROLE_POLICY_NAME.to_string(), p.clone()))
                .collect(),
            path: "/".into(),
            ..LiveRole::default()
        },
    );
    live
}

/// A machine of only Pass states needs no permission: its role is created without an inline
/// policy (IAM refuses `"Statement": []`: "IAM JSON policy elements: Statement", the element is
/// required), and the role as `up` leaves it, with no policy, is no change.
#[test]
fn a_machine_that_needs_no_permission_gets_a_role_without_a_policy_and_that_is_no_change() {
    let d = with_generated_role(desired(false, None));
    let MachineRole::Generated(role) = &d.role else {
        unreachable!()
    };
    assert_eq!(role.policy, None);
    let changes = plan(STACK, std::slice::from_ref(&d), &LiveMachines::default(), false).unwrap();
    assert_eq!(
        ops(&changes),
        vec!["create workflow role StepFunctions-m", "create state machine m"]
    );
    let Op::Machine(MachineOp::CreateRole { policy, .. }) = &changes[0].ops[0] else {
        panic!("{changes:?}")
    };
    assert_eq!(*policy, None);
    let fields: Vec<&str> = changes[0].fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["trust"]);

    let live = live_with_role(&d);
    assert!(live.roles["StepFunctions-m"].inline.is_empty());
    assert_eq!(plan(STACK, &[d], &live, false).unwrap(), Vec::new());
}

/// A machine that needed a permission and no longer does: the machine is updated, then the
/// tool's own inline policy is deleted (DeleteRolePolicy after the machine, so a run in between
/// keeps what it needs); an inline policy of another name on the role is left alone.
#[test]
fn a_machine_that_stops_needing_permissions_has_the_tool_s_policy_deleted_after_its_update() {
    let mut before = desired(false, None);
    put_item(&mut before);
    let before = with_generated_role(before);
    let mut live = live_with_role(&before);
    let role = live.roles.get_mut("StepFunctions-m").unwrap();
    assert_eq!(role.inline.len(), 1, "{:?}", role.inline);
    role.inline.insert("SomeoneElse".into(), serde_json::Value::Null);

    let after = with_generated_role(desired(false, None));
    let changes = plan(STACK, std::slice::from_ref(&after), &live, false).unwrap();
    assert_eq!(
        ops(&changes),
        vec![
            "delete policy of workflow role StepFunctions-m",
            "update state machine m"
        ]
    );
    assert_eq!(changes[0].fields[0].field, "policy.StateMachineExecution");
    assert_eq!(changes[0].fields[0].after, serde_json::Value::Null);
    let delete = &changes[0].ops[0];
    assert_eq!(
        delete,
        &Op::Machine(MachineOp::DeleteRolePolicy {
            name: "StepFunctions-m".into(),
            machine: "m".into(),
        })
    );
    // Ordered after the machine's update, which provides Ready(m).
    let ready =
        crate::plan::key::Key::StateMachine(crate::resource::state_machine::MachineKey::Ready("m".into()));
    assert!(delete.needs().contains(&ready), "{:?}", delete.needs());
    assert!(changes[1].ops[0].provides().contains(&ready));

    // And back: a machine that needs a permission again gets the policy put.
    let mut again = after.clone();
    put_item(&mut again);
    let again = with_generated_role(again);
    let mut live = live_with_role(&after);
    live.machines.get_mut("m").unwrap().definition = Some(after.definition.clone());
    let changes = plan(STACK, &[again], &live, false).unwrap();
    assert_eq!(
        ops(&changes),
        vec![
            "put policy of workflow role StepFunctions-m",
            "update state machine m"
        ]
    );
}
