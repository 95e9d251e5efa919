//! What the local gateway serves: the API's routes, authorizers, stages and CORS configuration as
//! read live, and how a request path selects a stage.

use std::collections::BTreeMap;

use super::jwt::JwtAuthorizer;
use crate::domain::{Action, Authorization, StageName};
use crate::iam::{self, Refusal, RolePolicies};
use crate::live::{LiveApi, LiveIntegration};
use crate::stack::desired::Cors;

/// One route as deployed.
#[derive(Debug, Clone, Default)]
pub struct ServedRoute {
    /// Route key.
    pub key: String,
    /// NONE, AWS_IAM, JWT or CUSTOM.
    pub authorization: Authorization,
    /// The JWT authorizer of a JWT route, when it exists.
    pub authorizer: Option<JwtAuthorizer>,
    /// Authorization scopes of a JWT route.
    pub scopes: Vec<String>,
    /// The integration the route targets, if it exists.
    pub integration: Option<LiveIntegration>,
}

/// One stage as deployed.
#[derive(Debug, Clone, Default)]
pub struct ServedStage {
    /// Stage name; `$default` is served at the root, any other under `/NAME`.
    pub name: StageName,
    /// Stage variables.
    pub variables: BTreeMap<String, String>,
    /// Default route throttling (rate, burst), when set.
    pub throttle: Option<(f64, i32)>,
}

/// An integration role as read with the routes.
#[derive(Debug, Clone)]
pub enum RoleRead {
    /// Read, with every policy document.
    Present(RolePolicies),
    /// No such role.
    Absent,
    /// The read failed: why.
    Unreadable(String),
}

/// Everything the gateway serves, rebuilt on reload.
#[derive(Debug, Clone, Default)]
pub struct Served {
    /// API id.
    pub api_id: String,
    /// API name.
    pub api_name: String,
    /// Stages.
    pub stages: Vec<ServedStage>,
    /// Routes.
    pub routes: Vec<ServedRoute>,
    /// CORS configuration of the API.
    pub cors: Option<Cors>,
    /// Set when the stack's API is gone (`down`, or deleted by hand): every request answers 404
    /// until a reload finds an API again. Holds the stack's name.
    pub deleted: Option<String>,
    /// The integration roles by ARN, read with the routes so that a request makes no IAM call.
    pub roles: BTreeMap<String, RoleRead>,
}

impl Served {
    /// The table of a stack whose API is gone.
    pub fn deleted(stack: &str) -> Self {
        Self {
            deleted: Some(stack.to_string()),
            ..Self::default()
        }
    }

    /// Builds the table from an API read live in `region`.
    pub fn from_live(api: &LiveApi, region: &str) -> Self {
        let (account_rate, account_burst) = crate::stack::validate::account_throttle(Some(region));
        let routes = api
            .routes
            .iter()
            .map(|r| ServedRoute {
                key: r.key.clone(),
                authorization: r.authorization,
                authorizer: r
                    .authorizer_id
                    .as_deref()
                    .and_then(|id| api.authorizers.iter().find(|a| a.id == id))
                    .filter(|a| a.is_jwt())
                    .map(JwtAuthorizer::of),
                scopes: r.scopes.clone(),
                integration: r
                    .integration_id()
                    .and_then(|id| api.integrations.iter().find(|i| i.id == id))
                    .cloned(),
            })
            .collect();
        let stages = api
            .stages
            .iter()
            .map(|s| ServedStage {
                name: s.name.clone(),
                variables: s.variables.clone(),
                throttle: match (s.throttling_rate_limit, s.throttling_burst_limit) {
                    (None, None) => None,
                    // One of the two set: the other is the account's default in the region.
                    (rate, burst) => Some((
                        rate.unwrap_or(account_rate),
                        burst.unwrap_or(i32::try_from(account_burst).unwrap_or(i32::MAX)),
                    )),
                },
            })
            .collect();
        Self {
            api_id: api.id.clone(),
            api_name: api.name.clone(),
            stages,
            routes,
            cors: api.cors.clone(),
            deleted: None,
            roles: BTreeMap::new(),
        }
    }

    /// The distinct credentials roles of the served integrations, whose policies are read with
    /// the routes.
    pub fn role_arns(&self) -> Vec<String> {
        let arns: std::collections::BTreeSet<String> = self
            .routes
            .iter()
            .filter_map(|r| r.integration.as_ref()?.credentials_arn.clone())
            .collect();
        arns.into_iter().collect()
    }

    /// Whether the integration's role, as read with the routes, lets API Gateway make the call
    /// (`action`, the subtype's Step Functions action, with the evaluated request parameters);
    /// the error says which check failed. The evaluation is the one `diff` makes
    /// ([`crate::iam`]); it costs no AWS call.
    pub fn role_allows(
        &self,
        role_arn: Option<&str>,
        action: Action,
        params: &BTreeMap<String, String>,
    ) -> Result<(), String> {
        let Some(arn) = role_arn else {
            return Err("the integration has no credentials role (CredentialsArn)".into());
        };
        let role = match self.roles.get(arn) {
            Some(RoleRead::Present(role)) => role,
            Some(RoleRead::Absent) => return Err(format!("the integration role {arn} does not exist")),
            Some(RoleRead::Unreadable(why)) => {
                return Err(format!("the integration role {arn} cannot be read: {why}"));
            }
            None => return Err(format!("the integration role {arn} was not read with the routes")),
        };
        let (iam_action, resource) = iam::action_and_resource(action, params);
        match role.api_gateway_may(&iam_action, &resource) {
            Ok(_) => Ok(()),
            Err(Refusal::Untrusted(d)) => Err(format!("role {arn}: {}", d.reason)),
            Err(Refusal::NotAllowed(d)) => Err(format!("role {arn} is missing a permission: {}", d.reason)),
        }
    }

    /// The stage a request path is for, and the path within it ("Routing API requests": "If a
    /// request explicitly matches a stage, API Gateway sends the request to that stage. If no stage
    /// fully matches the request, API Gateway sends the request to the $default stage."). `None`
    /// when neither exists: the API answers 404 `{"message":"Not Found"}`.
    pub fn stage_for(&self, path: &str) -> Option<(&ServedStage, String)> {
        let first = path.trim_start_matches('/').split('/').next().unwrap_or_default();
        let named = self
            .stages
            .iter()
            .find(|s| !s.name.is_default() && !first.is_empty() && s.name == first);
        if let Some(stage) = named {
            let rest = &path[1 + first.len()..];
            let rest = if rest.is_empty() { "/" } else { rest };
            return Some((stage, rest.to_string()));
        }
        self.stages
            .iter()
            .find(|s| s.name.is_default())
            .map(|s| (s, path.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served(names: &[&str]) -> Served {
        Served {
            stages: names
                .iter()
                .map(|n| ServedStage {
                    name: StageName::new(*n),
                    ..ServedStage::default()
                })
                .collect(),
            ..Served::default()
        }
    }

    #[test]
    fn paths_select_named_stages_then_default() {
        let s = served(&["v1", "$default"]);
        let pick = |p: &str| s.stage_for(p).map(|(st, rest)| (st.name.clone(), rest));
        assert_eq!(pick("/v1/new-user"), Some(("v1".into(), "/new-user".into())));
        assert_eq!(pick("/v1"), Some(("v1".into(), "/".into())));
        assert_eq!(
            pick("/v1x/new-user"),
            Some(("$default".into(), "/v1x/new-user".into()))
        );
        assert_eq!(pick("/new-user"), Some(("$default".into(), "/new-user".into())));
        let only_named = served(&["v1"]);
        assert!(only_named.stage_for("/new-user").is_none());
        assert_eq!(
            only_named.stage_for("/v1/a/b").map(|(_, r)| r),
            Some("/a/b".to_string())
        );
        assert!(served(&[]).stage_for("/").is_none());
    }
}
