//! One operation, dispatched to the unit of its resource kind: each unit's `apply::run` owns
//! the exhaustive match over its operations and their AWS calls, so a new operation cannot go
//! without its call and the walker never names a kind's fields. Deletes treat NotFound as done
//! (see [`super::answer::deleted`]).

use std::sync::Mutex;

use super::{Progress, Ran, Resolved};
use crate::aws::Clients;
use crate::error::AwsError;
use crate::plan::Op;
use crate::plan::op::ImportApiOp;
use crate::resource::{api, authorizer, integration, role, route, stage, state_machine};

/// Performs one operation; an ImportApi the endpoint cannot do says so, for its per-resource
/// operations to run instead.
pub(super) async fn run(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    progress: &Progress,
    op: &Op,
) -> Result<Ran, AwsError> {
    let label = op.label();
    let done = match op {
        Op::ImportApi(import) => return run_import(clients, ctx, &label, import).await,
        Op::Api(op) => api::apply::run(clients, ctx, &label, op).await,
        Op::Authorizer(op) => authorizer::apply::run(clients, ctx, &label, op).await,
        Op::Role(op) => role::apply::run(clients, ctx, &label, op).await,
        Op::Integration(op) => integration::apply::run(clients, ctx, &label, op).await,
        Op::Route(op) => route::apply::run(clients, ctx, &label, op).await,
        Op::Stage(op) => stage::apply::run(clients, ctx, &label, op).await,
        Op::Machine(op) => state_machine::apply::run(clients, ctx, progress, op).await,
    };
    done.map(|()| Ran::Done)
}

/// A new API in one ImportApi call, or the reason it cannot be.
async fn run_import(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    label: &str,
    op: &ImportApiOp,
) -> Result<Ran, AwsError> {
    let import = api::apply::Import {
        name: &op.name,
        document: &op.document,
        role_in_document: &op.role_in_document,
        role: op.role.as_ref(),
        tags: &op.tags,
    };
    let not_available = api::apply::import(clients, ctx, label, &import).await?;
    Ok(not_available.map_or(Ran::Done, |why| {
        Ran::Instead(format!(
            "{why}; api {} is created one call per resource instead",
            op.name
        ))
    }))
}
