//! The stage: created, updated, or replaced when a throttling limit is dropped; other stages
//! deleted.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::plan::change::{
    Action, Change, FieldChange, Kind, changed, created, delete, field_names, tag_diff,
};
use crate::plan::op::{ApiOp, StageOp};
use crate::plan::op::{ApiRef, Op};
use crate::resource::api::spec::LiveApi;
use crate::resource::stage::spec::DesiredStage;
use crate::resource::stage::spec::LiveStage;
use crate::stack::Desired;

/// Plans the declared stage (create, replace, update or keep) and deletes every other stage.
pub(crate) fn plan_stages(desired: &Desired, api: &LiveApi, api_ref: &ApiRef, changes: &mut Vec<Change>) {
    let want = &desired.stage;
    match api.stages.iter().find(|s| s.name == want.name) {
        None => {
            tracing::debug!("stage {}: absent, create", want.name);
            changes.push(Change {
                action: Action::Create,
                kind: Kind::Stage,
                name: want.name.to_string(),
                fields: stage_fields(None, want),
                ops: vec![Op::Stage(StageOp::Create {
                    api: api_ref.clone(),
                    spec: want.clone(),
                    tags: desired.tags.clone(),
                    variables: BTreeMap::new(),
                })],
            });
        }
        Some(live) if throttling_removed(live, want) => {
            changes.push(replace_stage(desired, api, api_ref, live))
        }
        Some(live) => changes.extend(update_stage(desired, api, api_ref, live)),
    }
    for stage in api.stages.iter().filter(|s| s.name != want.name) {
        if desired.api.unmanaged_stages.contains(stage.name.as_str()) {
            tracing::debug!("stage {}: unmanaged, left alone", stage.name);
            continue;
        }
        tracing::debug!("stage {}: not in the stack, delete", stage.name);
        changes.push(delete_stage(api, stage));
    }
}

/// The delete of a stage of the API (one the file does not declare, or every stage on `down`).
pub(crate) fn delete_stage(api: &LiveApi, stage: &LiveStage) -> Change {
    delete(
        Kind::Stage,
        &stage.name,
        Op::Stage(StageOp::Delete {
            api_id: api.id.clone(),
            name: stage.name.clone(),
        }),
    )
}

/// UpdateStage cannot unset a limit and a 0 rejects every request, so a stage whose limits the
/// file dropped is made anew (keeping its variables); with auto-deploy it serves the current
/// routes again within seconds.
pub(crate) fn replace_stage(desired: &Desired, api: &LiveApi, api_ref: &ApiRef, live: &LiveStage) -> Change {
    let want = &desired.stage;
    tracing::debug!(
        "stage {}: replaced: a throttling limit cannot be unset in place",
        want.name
    );
    let mut fields = stage_fields(Some(live), want);
    fields.extend(
        [
            ("throttling_burst_limit", json!(live.throttling_burst_limit)),
            ("throttling_rate_limit", json!(live.throttling_rate_limit)),
        ]
        .into_iter()
        .filter(|(_, before)| !before.is_null())
        .map(|(field, before)| FieldChange {
            field: field.into(),
            before,
            after: Value::Null,
        }),
    );
    Change {
        action: Action::Replace,
        kind: Kind::Stage,
        name: want.name.to_string(),
        fields,
        ops: vec![
            Op::Stage(StageOp::Delete {
                api_id: api.id.clone(),
                name: want.name.clone(),
            }),
            Op::Stage(StageOp::Create {
                api: api_ref.clone(),
                spec: want.clone(),
                tags: desired.tags.clone(),
                variables: live.variables.clone(),
            }),
        ],
    }
}

/// The live stage compared with the declared one: UpdateStage for changed settings,
/// DeleteAccessLogSettings when the file drops access logs, tags when the listing returned
/// them; nothing when all match.
pub(crate) fn update_stage(
    desired: &Desired,
    api: &LiveApi,
    api_ref: &ApiRef,
    live: &LiveStage,
) -> Option<Change> {
    let want = &desired.stage;
    let mut fields = stage_fields(Some(live), want);
    let mut ops = Vec::new();
    let log_removed = want.access_log.is_none() && live.access_log.is_some();
    if fields.iter().any(|f| !(log_removed && f.field == "access_log")) {
        ops.push(Op::Stage(StageOp::Update {
            api_id: api.id.clone(),
            spec: want.clone(),
        }));
    }
    if log_removed {
        ops.push(Op::Stage(StageOp::DeleteAccessLog {
            api_id: api.id.clone(),
            stage: want.name.clone(),
        }));
    }
    // Stage tags are compared only when the listing returned them.
    if let Some(tags) = &live.tags {
        let (set, remove, tag_fields) = tag_diff(tags, &desired.tags);
        if !tag_fields.is_empty() {
            fields.extend(tag_fields);
            ops.push(Op::Api(ApiOp::Tag {
                api: api_ref.clone(),
                stage: Some(want.name.clone()),
                set,
                remove,
            }));
        }
    }
    if ops.is_empty() {
        tracing::debug!("stage {}: kept, unchanged", want.name);
        return None;
    }
    tracing::debug!("stage {}: update {}", want.name, field_names(&fields));
    Some(Change {
        action: Action::Update,
        kind: Kind::Stage,
        name: want.name.to_string(),
        fields,
        ops,
    })
}

/// True when the stage has throttling limits and the file sets none.
pub(crate) fn throttling_removed(live: &LiveStage, want: &DesiredStage) -> bool {
    want.throttling_burst_limit.is_none()
        && want.throttling_rate_limit.is_none()
        && (live.throttling_burst_limit.is_some() || live.throttling_rate_limit.is_some())
}

/// Stage fields that differ. Throttling is compared here only where the file sets it; a removed
/// limit is a replace ([`throttling_removed`]).
pub(crate) fn stage_fields(live: Option<&LiveStage>, want: &DesiredStage) -> Vec<FieldChange> {
    let mut pairs = vec![(
        "auto_deploy",
        json!(live.map(|l| l.auto_deploy)),
        json!(want.auto_deploy),
    )];
    if want.throttling_burst_limit.is_some() {
        pairs.push((
            "throttling_burst_limit",
            json!(live.and_then(|l| l.throttling_burst_limit)),
            json!(want.throttling_burst_limit),
        ));
    }
    if want.throttling_rate_limit.is_some() {
        pairs.push((
            "throttling_rate_limit",
            json!(live.and_then(|l| l.throttling_rate_limit)),
            json!(want.throttling_rate_limit),
        ));
    }
    if want.access_log.is_some() || live.is_some_and(|l| l.access_log.is_some()) {
        pairs.push((
            "access_log",
            json!(live.and_then(|l| l.access_log.as_ref())),
            json!(want.access_log),
        ));
    }
    pairs
        .into_iter()
        .filter_map(|(field, before, after)| match live {
            None => Some(created(field, after)),
            Some(_) => changed(field, before, after),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    //! The stage's diff through the whole planner (so every other kind is seen to stay still),
    //! from the planner's fixtures: the onboarding stack and the live state `up` leaves.

    use std::collections::BTreeMap;

    use serde_json::{Value, json};

    use crate::plan::fixtures::*;
    use crate::plan::op::StageOp;
    use crate::plan::*;
    use crate::resource::stage::spec::DesiredStage;
    use crate::stack::Desired;

    fn throttled() -> Desired {
        onboarding_with(
            "auto_deploy = true",
            "auto_deploy = true\nthrottling_burst_limit = 20\nthrottling_rate_limit = 10.5",
        )
    }

    fn throttled_stage() -> DesiredStage {
        DesiredStage {
            access_log: None,
            name: "$default".into(),
            auto_deploy: true,
            throttling_burst_limit: Some(20),
            throttling_rate_limit: Some(10.5),
        }
    }

    #[test]
    fn throttling_drift_updates_stage_without_deployments() {
        let d = throttled();
        assert_eq!(d.stage, throttled_stage());
        let live = with_api(|api| {
            api.stages[0].throttling_burst_limit = Some(5000);
            api.stages[0].throttling_rate_limit = None;
        });
        let p = up(&d, &live);
        assert_eq!(summary(&p), vec![s(Action::Update, Kind::Stage, "$default")]);
        assert_eq!(
            p.changes[0].fields,
            vec![
                FieldChange {
                    field: "throttling_burst_limit".into(),
                    before: json!(5000),
                    after: json!(20),
                },
                FieldChange {
                    field: "throttling_rate_limit".into(),
                    before: Value::Null,
                    after: json!(10.5),
                },
            ]
        );
        assert_eq!(
            p.changes[0].ops,
            vec![Op::Stage(StageOp::Update {
                api_id: API_ID.into(),
                spec: throttled_stage(),
            })]
        );
        // Stages auto-deploy: no deployment appears anywhere in the plan.
        let text = format!("{:?} {}", p.changes, serde_json::to_string(&p).unwrap());
        assert!(!text.to_lowercase().contains("deployment"), "{text}");
    }

    #[test]
    fn matching_throttling_plans_nothing() {
        let live = with_api(|api| {
            api.stages[0].throttling_burst_limit = Some(20);
            api.stages[0].throttling_rate_limit = Some(10.5);
        });
        assert!(up(&throttled(), &live).is_empty());
    }

    #[test]
    fn throttling_removed_from_the_file_replaces_the_stage() {
        // UpdateStage cannot clear a limit and a 0 would block all traffic: the stage is made anew,
        // deleted first, created after, and the next plan is empty.
        let live = with_api(|api| {
            api.stages[0].throttling_burst_limit = Some(20);
            api.stages[0].throttling_rate_limit = Some(10.5);
            api.stages[0].variables = BTreeMap::from([("env".to_string(), "prod".to_string())]);
        });
        let p = up(&onboarding(), &live);
        assert_eq!(summary(&p), vec![s(Action::Replace, Kind::Stage, "$default")]);
        let fields: Vec<(&str, &Value, &Value)> = p.changes[0]
            .fields
            .iter()
            .map(|f| (f.field.as_str(), &f.before, &f.after))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("throttling_burst_limit", &json!(20), &Value::Null),
                ("throttling_rate_limit", &json!(10.5), &Value::Null)
            ]
        );
        let ops = &p.changes[0].ops;
        assert!(matches!(&ops[0], Op::Stage(StageOp::Delete { name, .. }) if name == "$default"));
        assert!(
            matches!(&ops[1], Op::Stage(StageOp::Create { spec, variables, .. })
            if spec.throttling_burst_limit.is_none() && variables["env"] == "prod"),
            "stage variables are carried over"
        );
        assert!(
            ops[1].needs().iter().any(|k| ops[0].provides().contains(k)),
            "create waits for the delete"
        );

        let replaced = with_api(|_| {});
        assert!(up(&onboarding(), &replaced).is_empty());
    }

    #[test]
    fn created_stage_shows_throttling() {
        let live = with_api(|api| api.stages.clear());
        let p = up(&throttled(), &live);
        assert_eq!(summary(&p), vec![s(Action::Create, Kind::Stage, "$default")]);
        assert_eq!(
            field_names(&p.changes[0]),
            vec!["auto_deploy", "throttling_burst_limit", "throttling_rate_limit"]
        );
        assert!(p.changes[0].fields.iter().all(|f| f.before.is_null()));
    }
}
