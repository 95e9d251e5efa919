//! A route's shape, as the file declares it.

use serde_json::Value;

use crate::domain::{Action, Authorization, RouteAction};
use crate::resource::integration::spec::{DesiredIntegration, integration_parameters};
use crate::stack::model::RouteSection;
use crate::stack::model::sorted;
use crate::stack::rules;
use crate::stack::status_helper;

/// A route and the integration behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredRoute {
    /// `METHOD /path` or `$default`.
    pub key: String,
    /// `NONE`, `AWS_IAM` or `JWT`.
    pub authorization: Authorization,
    /// The JWT authorizer's name, for `JWT` routes.
    pub authorizer: Option<String>,
    /// OAuth scopes a JWT route requires, sorted.
    pub scopes: Vec<String>,
    /// The state machine the route acts on.
    pub state_machine: String,
    /// The Step Functions integration.
    pub integration: DesiredIntegration,
    /// An example request body (the route's `example`), for the "Try" lines and `invoke`.
    pub example: Option<Value>,
}

/// A route, its action and its machine (which the role's policy grants on).
pub(crate) fn desired_route(r: &RouteSection) -> Option<(DesiredRoute, Action, crate::arn::StateMachineArn)> {
    let written = &r.state_machine.as_ref()?.value;
    let action = match r.action.as_ref()?.value.parse().ok()? {
        RouteAction::DescribeExecution => return status_route(r, written),
        other => other.integration(),
    };
    let machine = match written.starts_with("arn:") {
        true => crate::arn::parse_state_machine_arn(written)
            .ok()
            .or_else(|| crate::arn::StateMachineArn::lenient(written))?,
        false => rules::named_machine(written),
    };
    // A name becomes an ARN with placeholders until [`Desired::bind`]; a route on a
    // stack machine's alias starts the alias (`...:stateMachine:NAME:ALIAS`).
    let (machine, machine_arn) = match (written.starts_with("arn:"), &r.alias) {
        (true, _) => (machine, written.clone()),
        (false, None) => {
            let arn = machine.machine();
            (machine, arn)
        }
        (false, Some(alias)) => {
            let qualified = rules::StateMachineArn {
                qualifier: Some(rules::Qualifier::Alias(alias.value.clone())),
                ..machine
            };
            let arn = qualified.to_string();
            (qualified, arn)
        }
    };
    let authorizer = r.authorizer.as_ref().map(|a| a.value.clone());
    let route = DesiredRoute {
        key: r.key.as_ref()?.value.clone(),
        authorization: route_authorization(r)?,
        // Scopes count only on a route with an authorizer.
        scopes: match &authorizer {
            Some(_) => sorted(r.scopes.iter().flatten().map(|s| s.value.clone())),
            None => Vec::new(),
        },
        authorizer,
        integration: DesiredIntegration {
            action,
            parameters: integration_parameters(r, action, &machine_arn),
            response: r
                .response
                .as_ref()
                .map(crate::stack::response::desired)
                .unwrap_or_default(),
        },
        state_machine: machine_arn,
        example: r.example.as_ref().map(|e| e.value.clone()),
    };
    Some((route, action, machine))
}

/// A status route: StartSyncExecution on the helper of the machine it describes (a declared
/// machine, by name: validation refuses anything else), its input the execution's ARN.
fn status_route(
    r: &RouteSection,
    described: &str,
) -> Option<(DesiredRoute, Action, crate::arn::StateMachineArn)> {
    let helper = rules::named_machine(&status_helper::name(described));
    let helper_arn = helper.machine();
    let parameter = |key: &str| {
        r.parameters
            .iter()
            .flatten()
            .find(|(k, _)| k.value == key)
            .map(|(_, v)| v.value.as_str())
    };
    let execution = match (parameter("ExecutionArn"), parameter("Name")) {
        (Some(arn), _) => status_helper::Execution::Arn(arn),
        (None, Some(name)) => status_helper::Execution::Name(name),
        (None, None) => return None,
    };
    let input = status_helper::input(&execution, &rules::named_machine(described));
    let action = RouteAction::DescribeExecution.integration();
    let route = DesiredRoute {
        key: r.key.as_ref()?.value.clone(),
        authorization: route_authorization(r)?,
        scopes: match &r.authorizer {
            Some(_) => sorted(r.scopes.iter().flatten().map(|s| s.value.clone())),
            None => Vec::new(),
        },
        authorizer: r.authorizer.as_ref().map(|a| a.value.clone()),
        integration: DesiredIntegration {
            action,
            parameters: [("StateMachineArn", helper_arn.clone()), ("Input", input)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            response: r
                .response
                .as_ref()
                .map(crate::stack::response::desired)
                .unwrap_or_default(),
        },
        state_machine: helper_arn,
        example: r.example.as_ref().map(|e| e.value.clone()),
    };
    Some((route, action, helper))
}

/// `JWT` for a route with an authorizer, else what the file says, else `NONE`; `None` for a
/// value that is no authorization type (which validation reports).
pub(crate) fn route_authorization(r: &RouteSection) -> Option<Authorization> {
    match (&r.authorizer, &r.authorization) {
        (Some(_), _) => Some(Authorization::Jwt),
        (None, Some(a)) => a.value.parse().ok(),
        (None, None) => Some(Authorization::None),
    }
}

/// A route.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct LiveRoute {
    /// Route id.
    pub id: String,
    /// Route key.
    pub key: String,
    /// `integrations/{id}`, when attached.
    pub target: Option<String>,
    /// `NONE`, `AWS_IAM`, `JWT`, `CUSTOM`.
    pub authorization: Authorization,
    /// The authorizer id, for `JWT` and `CUSTOM` routes.
    pub authorizer_id: Option<String>,
    /// Authorization scopes, sorted.
    pub scopes: Vec<String>,
    /// Settings the stack format lacks, as read: what `import` lists. Not part of what a saved
    /// plan was computed from.
    #[serde(skip)]
    pub unexpressed: Vec<String>,
}

impl LiveRoute {
    /// The integration id the route targets; `None` for a target that names none
    /// (`integrations/` with no id is no integration).
    pub fn integration_id(&self) -> Option<&str> {
        self.target
            .as_deref()?
            .strip_prefix("integrations/")
            .filter(|id| !id.is_empty())
    }
}
