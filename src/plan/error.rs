//! Why no plan can be made.

use crate::resource::integration::quota;
use crate::stack::rules::OWNER_TAG;

/// Why no plan can be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// A role with the stack's role name exists and is not the stack's.
    #[error(
        "role {name} exists but is not owned by stack {stack} (it has no {OWNER_TAG}={stack} tag); nothing was changed\n  \
         to manage it with this stack, run `provision up --adopt`: it tags the role and from then on manages it \
         (its policies and tags become what the stack declares; `provision diff` shows how)\n  \
         otherwise choose another [role] name"
    )]
    UnownedRole {
        /// Role name.
        name: String,
        /// Stack name.
        stack: String,
    },
    /// The plan could need more integrations at once than the API's quota.
    #[error(transparent)]
    IntegrationQuota(#[from] quota::IntegrationQuota),
    /// A state machine or its generated role exists without the stack's tag.
    #[error(
        "{kind} {name} exists but is not owned by stack {stack} (it has no {OWNER_TAG}={stack} tag); nothing was changed\n  \
         to manage it with this stack, run `provision up --adopt`: it tags the {kind} and from then on manages it\n  \
         otherwise choose another name"
    )]
    Unowned {
        /// `state machine` or `role`.
        kind: &'static str,
        /// Its name.
        name: String,
        /// Stack name.
        stack: String,
    },
    /// The role belongs to another stack.
    #[error("role {name} belongs to stack {owner}, not {stack}; choose another [role] name")]
    OtherStacksRole {
        /// Role name.
        name: String,
        /// Owning stack.
        owner: String,
        /// This stack.
        stack: String,
    },
}
