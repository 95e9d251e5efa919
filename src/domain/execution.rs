//! A state machine's type and an execution's status.

super::spelled! {
    /// A state machine's type: botocore stepfunctions (2016-11-23) `service-2.json`, shape
    /// `StateMachineType` (`STANDARD | EXPRESS`).
    MachineType, "state machine type" {
        /// Exactly-once, up to a year.
        Standard = "STANDARD",
        /// At-least-once, up to five minutes.
        Express = "EXPRESS",
    }
}

impl Default for MachineType {
    /// CreateStateMachine's default type.
    fn default() -> Self {
        MachineType::Standard
    }
}

super::spelled! {
    /// A state machine's status: botocore stepfunctions (2016-11-23) `service-2.json`, shape
    /// `StateMachineStatus` (`ACTIVE | DELETING`). DeleteStateMachine is asynchronous: the
    /// machine stays listed as DELETING until it is gone (DeleteStateMachine, API reference).
    MachineStatus, "state machine status" {
        /// In use.
        Active = "ACTIVE",
        /// Being deleted: planned as absent.
        Deleting = "DELETING",
    }
}

impl Default for MachineStatus {
    /// A DescribeStateMachine answer without a status: the machine is there, so ACTIVE.
    fn default() -> Self {
        MachineStatus::Active
    }
}

impl MachineType {
    /// `a STANDARD`, `an EXPRESS`: the type with its article, for messages.
    pub fn with_article(self) -> String {
        match self {
            MachineType::Standard => "a STANDARD".into(),
            MachineType::Express => "an EXPRESS".into(),
        }
    }
}

super::spelled! {
    /// An execution's status: botocore stepfunctions (2016-11-23) `service-2.json`, shape
    /// `ExecutionStatus` (`RUNNING | SUCCEEDED | FAILED | TIMED_OUT | ABORTED | PENDING_REDRIVE`).
    ExecutionStatus, "execution status" {
        /// Still running.
        Running = "RUNNING",
        /// Finished with an output.
        Succeeded = "SUCCEEDED",
        /// Finished with an error.
        Failed = "FAILED",
        /// Ran past its timeout.
        TimedOut = "TIMED_OUT",
        /// Stopped (StopExecution).
        Aborted = "ABORTED",
        /// Failed, and a redrive was asked for and has not started yet.
        PendingRedrive = "PENDING_REDRIVE",
    }
}
