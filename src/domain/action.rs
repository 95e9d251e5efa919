//! The Step Functions action a route's integration takes.

use super::MachineType;

/// What every Step Functions integration subtype starts with.
pub const SUBTYPE_PREFIX: &str = "StepFunctions-";

super::spelled! {
    /// The Step Functions action of an `AWS_PROXY` integration: the part after `StepFunctions-`
    /// of its subtype ("Integration subtype reference", API Gateway developer guide: subtypes
    /// `StepFunctions-StartExecution`, `StepFunctions-StartSyncExecution`,
    /// `StepFunctions-StopExecution`; botocore apigatewayv2 `service-2.json` types
    /// `IntegrationSubtype` as a plain string, so the guide is the list).
    Action, "Step Functions action" {
        /// Starts an execution and answers with its ARN.
        StartExecution = "StartExecution",
        /// Runs an EXPRESS execution and answers with its result.
        StartSyncExecution = "StartSyncExecution",
        /// Stops a STANDARD execution.
        StopExecution = "StopExecution",
    }
}

impl Action {
    /// The integration subtype, e.g. `StepFunctions-StartExecution`.
    pub fn subtype(self) -> &'static str {
        match self {
            Action::StartExecution => "StepFunctions-StartExecution",
            Action::StartSyncExecution => "StepFunctions-StartSyncExecution",
            Action::StopExecution => "StepFunctions-StopExecution",
        }
    }

    /// The action of an integration subtype; `None` for any other subtype.
    pub fn from_subtype(subtype: &str) -> Option<Self> {
        subtype.strip_prefix(SUBTYPE_PREFIX)?.parse().ok()
    }

    /// The IAM action the integration's role needs (Step Functions' actions are named as its
    /// API operations: "Actions, resources, and condition keys for AWS Step Functions").
    pub fn iam_action(self) -> &'static str {
        StatesAction::from(self).as_str()
    }

    /// The machine type the action works on, if it needs one: StartSyncExecution runs EXPRESS
    /// machines only ("Synchronous and Asynchronous Express Workflows", Step Functions guide);
    /// StopExecution stops STANDARD executions only (StopExecution, API reference).
    pub fn machine_type(self) -> Option<MachineType> {
        match self {
            Action::StartExecution => None,
            Action::StartSyncExecution => Some(MachineType::Express),
            Action::StopExecution => Some(MachineType::Standard),
        }
    }

    /// True for an action that starts an execution of the route's machine (it takes
    /// `StateMachineArn`); false for one that acts on an execution (`ExecutionArn`).
    pub fn starts(self) -> bool {
        match self {
            Action::StartExecution | Action::StartSyncExecution => true,
            Action::StopExecution => false,
        }
    }

    /// The request parameters API Gateway accepts for the subtype: (required, optional)
    /// ("Integration subtype reference", API Gateway developer guide).
    pub fn parameters(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Action::StartExecution => (&["StateMachineArn"], &["Name", "Input", "Region"]),
            Action::StartSyncExecution => (&["StateMachineArn"], &["Name", "Input", "Region", "TraceHeader"]),
            Action::StopExecution => (&["ExecutionArn"], &["Cause", "Error", "Region"]),
        }
    }
}

super::spelled! {
    /// What a route's `action` names: an integration's [`Action`], or `DescribeExecution`, which
    /// no integration subtype calls ("Integration subtype reference": HTTP APIs have no
    /// DescribeExecution integration) and the stack serves with StartSyncExecution on a status
    /// helper machine it owns (`stack::status_helper`).
    RouteAction, "route action" {
        /// Starts an execution and answers with its ARN.
        StartExecution = "StartExecution",
        /// Runs an EXPRESS execution and answers with its result.
        StartSyncExecution = "StartSyncExecution",
        /// Stops a STANDARD execution.
        StopExecution = "StopExecution",
        /// Describes an execution of a STANDARD machine of the stack, through its status helper.
        DescribeExecution = "DescribeExecution",
    }
}

impl RouteAction {
    /// The action the route's integration takes: its own, or StartSyncExecution (on the status
    /// helper) for `DescribeExecution`.
    pub fn integration(self) -> Action {
        match self {
            RouteAction::StartExecution => Action::StartExecution,
            RouteAction::StartSyncExecution | RouteAction::DescribeExecution => Action::StartSyncExecution,
            RouteAction::StopExecution => Action::StopExecution,
        }
    }

    /// The parameters the route may write: the integration's for the three integration
    /// actions; a status route takes the execution by `ExecutionArn` or by `Name`, one of the
    /// two (`stack::status_helper::validate` requires it). (required, optional).
    pub fn parameters(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            RouteAction::DescribeExecution => (&[], &["ExecutionArn", "Name"]),
            other => other.integration().parameters(),
        }
    }
}

super::spelled! {
    /// The Step Functions IAM actions a stack's role may grant (`[role] actions`): the
    /// integrations' own ([`Action::iam_action`]) and the reads of a machine and its executions
    /// ("Actions, resources, and condition keys for AWS Step Functions", Service Authorization
    /// Reference).
    StatesAction, "Step Functions IAM action" {
        /// Starts an execution (resource: the state machine).
        StartExecution = "states:StartExecution",
        /// Runs an EXPRESS execution (resource: the state machine).
        StartSyncExecution = "states:StartSyncExecution",
        /// Stops an execution (resource: the execution).
        StopExecution = "states:StopExecution",
        /// Describes an execution (resource: the execution).
        DescribeExecution = "states:DescribeExecution",
        /// Describes a state machine (resource: the state machine).
        DescribeStateMachine = "states:DescribeStateMachine",
        /// Reads an execution's events (resource: the execution).
        GetExecutionHistory = "states:GetExecutionHistory",
        /// Lists a machine's executions (resource: the state machine).
        ListExecutions = "states:ListExecutions",
    }
}

impl StatesAction {
    /// The action named with or without its `states:` prefix.
    pub fn named(action: &str) -> Option<Self> {
        match action.strip_prefix("states:") {
            Some(_) => action.parse().ok(),
            None => format!("states:{action}").parse().ok(),
        }
    }

    /// True when the action's IAM resource type is the execution (granted on
    /// `execution:MACHINE:*`), false when it is the state machine ("Resource types" of each
    /// action, Service Authorization Reference for Step Functions).
    pub fn on_execution(self) -> bool {
        match self {
            StatesAction::StopExecution
            | StatesAction::DescribeExecution
            | StatesAction::GetExecutionHistory => true,
            StatesAction::StartExecution
            | StatesAction::StartSyncExecution
            | StatesAction::DescribeStateMachine
            | StatesAction::ListExecutions => false,
        }
    }
}

impl From<Action> for StatesAction {
    /// The IAM action an integration's role needs ([`Action::iam_action`]).
    fn from(action: Action) -> Self {
        match action {
            Action::StartExecution => StatesAction::StartExecution,
            Action::StartSyncExecution => StatesAction::StartSyncExecution,
            Action::StopExecution => StatesAction::StopExecution,
        }
    }
}
