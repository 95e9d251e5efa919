//! One row of the deployer's policy: an AWS SDK call the tool makes, the IAM actions that
//! authorise it, and when the deployer needs them. It sits below every unit: each unit lists the
//! rows of its own calls in its `emit.rs` (`DEPLOYER_CALLS`), as it emits its CloudFormation
//! fragment, and [`crate::deployer`] assembles the policy from them and its own rows (the
//! readers', `invoke`'s and `import`'s calls). Also where the policy points
//! ([`DeployerTarget`]), which the units' deployer statements (the role's, the state machines')
//! take. Pure.

use crate::stack::Desired;

/// When the deployer needs a row's actions.
#[derive(Debug, Clone, Copy)]
pub enum When {
    /// For every stack: `up`, `diff` or `down` may make the call whatever the stack says (a read,
    /// or a repair of drift such as detaching a policy someone attached by hand).
    Always,
    /// Only when the unit says the stack needs it: a predicate of the unit, which knows the field
    /// that calls for it (so the deployer does not name it).
    Unit(fn(&Desired) -> bool),
    /// Only when the trust policy needs the account (`restrict_source_account`).
    CallerAccount,
    /// Never for the deployer: `invoke` and `serve` make these calls, not `up`, `diff` or `down`.
    NotDeploying,
    /// Only when the stack declares `[[state_machine]]` tables (the machines it owns).
    StateMachines,
    /// Never for the deployer: only `import` makes these reads.
    Importing,
    /// Not granted: a courtesy read on an error path that works without it (the did-you-mean
    /// of a missing state machine lists the account's machines when it may).
    Courtesy,
}

/// One AWS SDK call the tool makes and the IAM actions that authorise it.
#[derive(Debug, Clone, Copy)]
pub struct SdkCall {
    /// The SDK client method, e.g. `create_role`.
    pub method: &'static str,
    /// The IAM actions AWS checks for it, e.g. `iam:CreateRole`.
    pub actions: &'static [&'static str],
    /// When the deployer needs them.
    pub when: When,
}

/// A row, written the way the tables read: `call("delete_route", &["apigateway:DELETE"], When::Always)`.
pub const fn call(method: &'static str, actions: &'static [&'static str], when: When) -> SdkCall {
    SdkCall {
        method,
        actions,
        when,
    }
}

/// Where the deployer's policy points (the deployer's target as plain text): a value that could
/// not be known offline is an IAM policy variable, and `iam_account` is `*` where the account is
/// not known (IAM ARNs refuse a variable there).
#[derive(Debug, Clone, Copy)]
pub struct DeployerTarget<'a> {
    /// `aws`, `aws-cn`, ...
    pub partition: &'a str,
    /// The stack's region, or a policy variable.
    pub region: &'a str,
    /// The stack's account, or a policy variable.
    pub account: &'a str,
    /// The account in IAM ARNs.
    pub iam_account: &'a str,
}
