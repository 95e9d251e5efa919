//! One unit per resource kind: everything about an API, a route, an integration, an authorizer,
//! a stage or the role (with its policies) lives in `resource/<kind>/`.
//!
//! A unit holds, each in its own file:
//! - `spec.rs`: the kind as the stack file declares it (desired, built from the file's model)
//!   and as AWS has it (live), plain data. Pure: no AWS SDK.
//! - `read.rs`: the live state from AWS (one paginated list call per collection), with the
//!   settings the format has no key for noted by its `fn unexpressed` (spelled with
//!   [`unexpressed`]).
//! - `plan.rs`: the diff of desired against live into [`crate::plan::Change`]s carrying
//!   [`crate::plan::Op`]s, and the kind's deletes that `plan_down` composes. Pure: no AWS SDK.
//! - `op.rs`: the kind's operations, their labels and ordering keys. Pure.
//! - `apply.rs`: the AWS calls that carry out the kind's operations, and `run`, the one match
//!   over them that the executor (`apply::call`) hands each of the kind's operations to.
//! - `emit.rs`: the kind's CloudFormation fragment (`cfn`) and OpenAPI fragments (`openapi*`),
//!   the table `import` writes from the live value (`doc`, `write`, `make_portable`), and
//!   `DEPLOYER_CALLS`, the deployer policy's rows for the SDK calls of its `read.rs` and `apply.rs`.
//! - `samples` at the end of `spec.rs` (and `op.rs`), test-only: the unit's values for tests
//!   elsewhere, so that no test outside the unit spells the kind's fields.
//! - further files where a kind needs them (the role's `existing.rs`: what an existing role lacks).
//!
//! The units sit between two floors, so that no import runs in a circle:
//! - below them, the vocabulary they share: the stack file's model (`stack::model`), refs and
//!   keys (`plan::key`), changes and field changes (`plan::change`), the ids learned while
//!   applying (`apply::resolve`), the AWS answer helpers (`apply::answer`, `apply::create`), the
//!   pagination helpers (`resource::paginate`, beside the units), the spelling of settings the
//!   format lacks (`resource::unexpressed`, beside the units), the deployer policy's row type
//!   (`grant`), the error type. A unit imports only these, other units' `spec.rs`, and (for a
//!   parent kind) its children's `read.rs` or `plan.rs`;
//!   a unit's `apply.rs` reads through its own `read.rs` (`super::read`), never through `live`.
//! - beside them, [`live::Live`]: the live state of every kind as plain data, which the reader
//!   fills and the planner compares (so the planner never imports the reader).
//! - above them, what walks over every kind: the planner's driver (`plan::plan`), the
//!   executor's dispatch (`apply::call`), the reader's fan-out (`live::read`), the CloudFormation
//!   and OpenAPI documents (`synth`, `openapi`), the stack file `import` writes (`import`), the
//!   deployer's policy (`deployer`). Each names the kinds in one `match` or list and calls into
//!   the units; none names a kind's fields.
//!
//! Purity: every file of a unit but `read.rs` and `apply.rs`, and the stack model and planner,
//! never name the AWS SDK, the reader (`crate::live`), the executor (`crate::apply`) or a unit's
//! `read.rs`/`apply.rs`; a test (`purity.rs`) reads them and fails on any.
//!
//! To add a kind: make `resource/<kind>/` with `spec.rs` (the desired struct and its builder from
//! the file's section, and the live struct), `read.rs` (the list call), `plan.rs` (a
//! `plan_<kind>` that pushes changes, and `delete_<kind>` for `plan_down`), `op.rs` (its operations, their labels and ordering keys),
//! `apply.rs` (one function per operation and `run`), `emit.rs` (its fragments and
//! `DEPLOYER_CALLS`); add the kind to `plan::op::Op`, then one line each in the walkers above (the
//! planner's driver, `apply::call::run`, the reader, synth/openapi, `import`, `deployer::sdk_calls`).
//! CONTRIBUTING walks through it end to end.

pub mod api;
pub mod authorizer;
pub mod integration;
pub mod live;
pub(crate) mod paginate;
pub mod role;
pub mod route;
pub mod stage;
pub mod state_machine;
pub mod unexpressed;

#[cfg(test)]
pub(crate) mod purity;
