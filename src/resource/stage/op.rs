//! The operations on the stage: plain data the executor hands to [`super::apply`]. Pure. Each
//! variant serializes under the name saved plans have always held (`CreateStage`, ...).

use std::collections::BTreeMap;

use crate::domain::StageName;
use crate::plan::key::{ApiRef, Key};
use crate::resource::stage::spec::DesiredStage;

/// One AWS mutation of a stage.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum StageOp {
    /// CreateStage with tags, never with a deployment id.
    #[serde(rename = "CreateStage")]
    Create {
        api: ApiRef,
        spec: DesiredStage,
        tags: BTreeMap<String, String>,
        /// Stage variables to carry over when a stage is made anew (the file does not declare
        /// them, but `$stageVariables.X` mappings may read them).
        variables: BTreeMap<String, String>,
    },
    /// UpdateStage, never with a deployment id.
    #[serde(rename = "UpdateStage")]
    Update { api_id: String, spec: DesiredStage },
    /// DeleteStage.
    #[serde(rename = "DeleteStage")]
    Delete { api_id: String, name: StageName },
    /// DeleteAccessLogSettings: turns a stage's access logging off.
    DeleteAccessLog { api_id: String, stage: StageName },
}

impl std::fmt::Display for StageOp {
    /// The operation's label, e.g. `create stage $default`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StageOp::Create { spec, .. } => write!(f, "create stage {}", spec.name),
            StageOp::Update { spec, .. } => write!(f, "update stage {}", spec.name),
            StageOp::Delete { name, .. } => write!(f, "delete stage {name}"),
            StageOp::DeleteAccessLog { stage, .. } => write!(f, "turn off access logs of stage {stage}"),
        }
    }
}

impl StageOp {
    /// What this operation provides once done.
    pub fn provides(&self) -> Vec<Key> {
        match self {
            StageOp::Delete { api_id, name } => {
                vec![Key::ApiChild(api_id.clone()), Key::StageGone(name.clone())]
            }
            // Nothing waits for these.
            StageOp::Create { .. } | StageOp::Update { .. } | StageOp::DeleteAccessLog { .. } => Vec::new(),
        }
    }

    /// What this operation waits for.
    pub fn needs(&self) -> Vec<Key> {
        match self {
            // A replaced stage is made again once the old one is gone.
            StageOp::Create { api, spec, .. } => {
                [api.needs(), vec![Key::StageGone(spec.name.clone())]].concat()
            }
            // What they act on exists before the run.
            StageOp::Update { .. } | StageOp::Delete { .. } | StageOp::DeleteAccessLog { .. } => Vec::new(),
        }
    }

    /// True for a create AWS does not deduplicate.
    pub fn is_create(&self) -> bool {
        match self {
            StageOp::Create { .. } => true,
            StageOp::Update { .. } | StageOp::Delete { .. } | StageOp::DeleteAccessLog { .. } => false,
        }
    }
}

/// One operation of every variant, for the pins of every operation's JSON and label
/// (`plan::op`'s tests), written here so they do not spell the stage's fields.
#[cfg(test)]
pub(crate) fn samples(tags: BTreeMap<String, String>) -> Vec<StageOp> {
    let stage = super::spec::samples::throttled(5, 1.5);
    vec![
        StageOp::Create {
            api: ApiRef::New,
            spec: stage.clone(),
            tags,
            variables: BTreeMap::new(),
        },
        StageOp::Update {
            api_id: "i".into(),
            spec: stage,
        },
        StageOp::Delete {
            api_id: "i".into(),
            name: StageName::new("old"),
        },
        StageOp::DeleteAccessLog {
            api_id: "i".into(),
            stage: StageName::default_stage(),
        },
    ]
}
