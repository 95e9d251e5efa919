//! The operations on the HTTP API itself: plain data the executor hands to [`super::apply`].
//! Pure. Each variant serializes under the name saved plans have always held (`CreateApi`, ...).

use std::collections::BTreeMap;

use crate::domain::StageName;
use crate::plan::key::{ApiRef, Key};
use crate::resource::api::spec::Cors;

/// One AWS mutation of the API.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum ApiOp {
    /// CreateApi with the ownership tag and the CORS configuration.
    #[serde(rename = "CreateApi")]
    Create {
        name: String,
        tags: BTreeMap<String, String>,
        cors: Option<Cors>,
    },
    /// UpdateApi: the name, and the CORS configuration when given.
    #[serde(rename = "UpdateApi")]
    Update {
        id: String,
        name: String,
        cors: Option<Cors>,
    },
    /// DeleteCorsConfiguration: the only way to remove a CORS field or the whole configuration.
    DeleteCors { api_id: String },
    /// TagResource / UntagResource on an API or stage ARN path.
    #[serde(rename = "TagApiResource")]
    Tag {
        /// The API.
        api: ApiRef,
        /// `None` for the API itself, else the stage name.
        stage: Option<StageName>,
        /// Tags to set.
        set: BTreeMap<String, String>,
        /// Tag keys to remove.
        remove: Vec<String>,
    },
    /// DeleteApi.
    #[serde(rename = "DeleteApi")]
    Delete { id: String },
}

impl std::fmt::Display for ApiOp {
    /// The operation's label, e.g. `create api user-onboarding`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiOp::Create { name, .. } => write!(f, "create api {name}"),
            ApiOp::Update { id, .. } => write!(f, "update api {id}"),
            ApiOp::DeleteCors { api_id } => write!(f, "delete cors configuration of api {api_id}"),
            ApiOp::Tag { stage: None, .. } => write!(f, "tag api"),
            ApiOp::Tag { stage: Some(s), .. } => write!(f, "tag stage {s}"),
            ApiOp::Delete { id } => write!(f, "delete api {id}"),
        }
    }
}

impl ApiOp {
    /// What this operation provides once done.
    pub fn provides(&self) -> Vec<Key> {
        match self {
            ApiOp::Create { .. } => vec![Key::Api],
            ApiOp::DeleteCors { .. } => vec![Key::CorsCleared],
            // Nothing waits for these: they make nothing another operation needs.
            ApiOp::Update { .. } | ApiOp::Tag { .. } | ApiOp::Delete { .. } => Vec::new(),
        }
    }

    /// What this operation waits for.
    pub fn needs(&self) -> Vec<Key> {
        match self {
            ApiOp::Update { .. } => vec![Key::CorsCleared],
            ApiOp::Tag { api, .. } => api.needs(),
            ApiOp::Delete { id } => vec![Key::ApiChild(id.clone())],
            ApiOp::Create { .. } | ApiOp::DeleteCors { .. } => Vec::new(),
        }
    }

    /// True for a create AWS does not deduplicate.
    pub fn is_create(&self) -> bool {
        match self {
            ApiOp::Create { .. } => true,
            ApiOp::Update { .. } | ApiOp::DeleteCors { .. } | ApiOp::Tag { .. } | ApiOp::Delete { .. } => {
                false
            }
        }
    }
}
