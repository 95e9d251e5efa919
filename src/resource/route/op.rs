//! The operations on routes: plain data the executor hands to [`super::apply`]. Pure. Each
//! variant serializes under the name saved plans have always held (`CreateRoute`, ...).

use crate::domain::Authorization;
use crate::plan::key::{ApiRef, AuthorizerRef, IntegrationRef, Key};

/// One AWS mutation of a route.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum RouteOp {
    /// CreateRoute.
    #[serde(rename = "CreateRoute")]
    Create {
        api: ApiRef,
        key: String,
        authorization: Authorization,
        /// The JWT authorizer, for `JWT` routes.
        authorizer: Option<AuthorizerRef>,
        /// Required scopes, for `JWT` routes.
        scopes: Vec<String>,
        integration: IntegrationRef,
    },
    /// UpdateRoute (target, authorization, authorizer, scopes).
    #[serde(rename = "UpdateRoute")]
    Update {
        api_id: String,
        id: String,
        key: String,
        authorization: Authorization,
        authorizer: Option<AuthorizerRef>,
        scopes: Vec<String>,
        integration: IntegrationRef,
        /// The integration it targeted before, freed by this change.
        previous: Option<String>,
        /// The authorizer it used before, freed by this change.
        previous_authorizer: Option<String>,
    },
    /// DeleteRoute.
    #[serde(rename = "DeleteRoute")]
    Delete {
        api_id: String,
        id: String,
        key: String,
        target: Option<String>,
        /// The authorizer it used, freed by this change.
        authorizer_id: Option<String>,
    },
}

impl std::fmt::Display for RouteOp {
    /// The operation's label, e.g. `create route POST /new-user`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RouteOp::Create { key, .. } => write!(f, "create route {key}"),
            RouteOp::Update { key, .. } => write!(f, "update route {key}"),
            RouteOp::Delete { key, .. } => write!(f, "delete route {key}"),
        }
    }
}

/// What a route waits for: the integration and the authorizer this plan creates for it.
fn targets(integration: &IntegrationRef, authorizer: Option<&AuthorizerRef>) -> Vec<Key> {
    let mut keys = Vec::new();
    if let IntegrationRef::New(k) = integration {
        keys.push(Key::Integration(k.clone()));
    }
    if let Some(AuthorizerRef::New(name)) = authorizer {
        keys.push(Key::Authorizer(name.clone()));
    }
    keys
}

impl RouteOp {
    /// What this operation provides once done.
    pub fn provides(&self) -> Vec<Key> {
        match self {
            RouteOp::Update {
                previous,
                previous_authorizer,
                ..
            } => {
                let mut keys: Vec<Key> = previous.iter().map(|p| Key::Detached(p.clone())).collect();
                keys.extend(
                    previous_authorizer
                        .iter()
                        .map(|a| Key::AuthorizerFreed(a.clone())),
                );
                keys
            }
            RouteOp::Delete {
                api_id,
                target,
                authorizer_id,
                ..
            } => {
                let mut keys = vec![Key::ApiChild(api_id.clone())];
                if let Some(t) = target.as_deref().and_then(|t| t.strip_prefix("integrations/")) {
                    keys.push(Key::Detached(t.to_string()));
                }
                keys.extend(authorizer_id.iter().map(|a| Key::AuthorizerFreed(a.clone())));
                keys
            }
            // Nothing waits for a new route.
            RouteOp::Create { .. } => Vec::new(),
        }
    }

    /// What this operation waits for.
    pub fn needs(&self) -> Vec<Key> {
        match self {
            RouteOp::Create {
                api,
                integration,
                authorizer,
                ..
            } => [api.needs(), targets(integration, authorizer.as_ref())].concat(),
            RouteOp::Update {
                integration,
                authorizer,
                ..
            } => targets(integration, authorizer.as_ref()),
            // What it acts on exists before the run.
            RouteOp::Delete { .. } => Vec::new(),
        }
    }

    /// True for a create AWS does not deduplicate.
    pub fn is_create(&self) -> bool {
        match self {
            RouteOp::Create { .. } => true,
            RouteOp::Update { .. } | RouteOp::Delete { .. } => false,
        }
    }
}
