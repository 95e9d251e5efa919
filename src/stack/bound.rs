//! The desired state once the names in it are bound: the region the stack lives in and the
//! account it deploys into. A stack file names state machines without an ARN, and the trust
//! policy's `aws:SourceAccount` needs the account; neither is known until the clients are made
//! and STS answers. [`Desired::bind`] is the only way to a [`BoundDesired`], and the planner
//! ([`crate::plan::plan`]) takes nothing else, so an unbound stack cannot be planned.

use std::ops::Deref;

use super::Desired;

/// What the names of a stack are bound to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Binding {
    /// The region the stack's API lives in.
    pub region: String,
    /// The account, when it was needed and learned ([`Desired::needs_account`]); without it,
    /// machines named without an ARN keep their placeholders (`down`, which finds what it
    /// deletes by tag, goes on without it).
    pub account: Option<String>,
}

/// A [`Desired`] whose region and account are bound ([`Desired::bind`]). Read it as a
/// [`Desired`] (it derefs to one); it cannot be changed.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundDesired(Desired);

impl Desired {
    /// Binds the stack to a region and an account: a route whose machine lives in another
    /// region gets its `Region` ([`Desired::bind_region`]), machines named without an ARN get
    /// theirs ([`Desired::bind_machines`]), and the trust policy its `aws:SourceAccount`
    /// ([`Desired::bind_account`]).
    pub fn bind(mut self, binding: &Binding) -> BoundDesired {
        self.bind_region(&binding.region);
        if let Some(account) = &binding.account {
            if self.names_machines() {
                self.bind_machines(&binding.region, account);
            }
            self.bind_account(account);
        }
        BoundDesired(self)
    }
}

impl Deref for BoundDesired {
    type Target = Desired;

    fn deref(&self) -> &Desired {
        &self.0
    }
}

impl BoundDesired {
    /// The bound state as a plain [`Desired`], for what keeps one (`serve`'s reloader).
    pub fn into_inner(self) -> Desired {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_fills_the_machines_the_region_and_the_trust() {
        let source = "[stack]\nname = \"s\"\n[api]\nname = \"a\"\n[role]\nname = \"r\"\npolicy_name = \"p\"\n\
                      restrict_source_account = true\n\
                      [[route]]\nkey = \"POST /a\"\naction = \"StartExecution\"\nstate_machine = \"orders\"\n";
        let loaded = crate::stack::from_source(source);
        let desired = loaded
            .desired
            .unwrap_or_else(|| panic!("{:#?}", loaded.diagnostics));
        assert!(desired.names_machines());
        let unbound = desired.clone().bind(&Binding {
            region: "eu-west-1".into(),
            account: None,
        });
        assert!(
            unbound.names_machines(),
            "without an account the placeholders stay"
        );
        let bound = desired.bind(&Binding {
            region: "eu-west-1".into(),
            account: Some("111122223333".into()),
        });
        assert!(!bound.names_machines());
        assert_eq!(
            bound.routes[0].state_machine,
            "arn:aws:states:eu-west-1:111122223333:stateMachine:orders"
        );
        assert!(
            bound.role.trust.to_string().contains("111122223333"),
            "{}",
            bound.role.trust
        );
    }
}
