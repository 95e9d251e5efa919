//! A Step Functions integration's shape, as the file declares it.

use std::collections::BTreeMap;

use crate::domain::Action;
use crate::stack::model::RouteSection;
use crate::stack::response::ResponseParameters;

/// An `AWS_PROXY` Step Functions integration.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DesiredIntegration {
    /// The Step Functions action: the subtype `StepFunctions-<action>` (serialized as that
    /// subtype, as saved plans always held it).
    #[serde(rename = "subtype", serialize_with = "as_subtype")]
    pub action: Action,
    /// Request parameters, `StateMachineArn` included.
    pub parameters: BTreeMap<String, String>,
    /// Response parameters per integration status code (the route's `response`); empty when
    /// the answer goes to the client as the service gave it.
    pub response: ResponseParameters,
}

impl DesiredIntegration {
    /// The integration subtype, e.g. `StepFunctions-StartExecution`.
    pub fn subtype(&self) -> &'static str {
        self.action.subtype()
    }
}

fn as_subtype<S: serde::Serializer>(action: &Action, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(action.subtype())
}

/// The integration's request parameters: as written, or for a start action without any,
/// `Input = $request.body.input`; a start action always gets its `StateMachineArn` (a stop acts
/// on the `ExecutionArn` the file maps).
pub(crate) fn integration_parameters(
    r: &RouteSection,
    action: Action,
    machine_arn: &str,
) -> BTreeMap<String, String> {
    let mut parameters: BTreeMap<String, String> = match &r.parameters {
        Some(p) => p
            .iter()
            .map(|(k, v)| (k.value.clone(), v.value.clone()))
            .collect(),
        None if !action.starts() => BTreeMap::new(),
        None => BTreeMap::from([("Input".to_string(), "$request.body.input".to_string())]),
    };
    if action.starts() {
        parameters.insert("StateMachineArn".into(), machine_arn.to_string());
    }
    parameters
}

/// An integration.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct LiveIntegration {
    /// Integration id.
    pub id: String,
    /// `AWS_PROXY`, ... (`None` when the answer had none).
    pub integration_type: Option<crate::domain::IntegrationType>,
    /// `StepFunctions-StartExecution`, ...
    pub subtype: Option<String>,
    /// `1.0` for service integrations.
    pub payload_format_version: Option<String>,
    /// Role ARN API Gateway assumes.
    pub credentials_arn: Option<String>,
    /// Request parameters.
    pub parameters: BTreeMap<String, String>,
    /// Response parameters per integration status code; a code with an empty map is left out
    /// (an empty map is how UpdateIntegration removes a code).
    pub response: BTreeMap<String, BTreeMap<String, String>>,
    /// The integration URI (a Lambda function or HTTP endpoint), read for `import` only.
    #[serde(skip)]
    pub uri: Option<String>,
    /// Whether it reaches its target through a VPC link (`ConnectionType = VPC_LINK`), read
    /// for `import`, which names it.
    #[serde(skip)]
    pub vpc_link: bool,
    /// Settings the stack format lacks, as read: what `import` lists. Not part of what a saved
    /// plan was computed from.
    #[serde(skip)]
    pub unexpressed: Vec<String>,
}

impl LiveIntegration {
    /// The Step Functions action of its subtype; `None` for any other integration.
    pub fn action(&self) -> Option<Action> {
        self.subtype.as_deref().and_then(Action::from_subtype)
    }
}
