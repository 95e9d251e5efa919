//! Live state: what exists in AWS, read into plain structs that the planner compares.

mod adopt;
mod children;
pub mod execution;
mod iam_wait;
mod import;
mod machines;
mod mismatch;
mod read;
pub mod serve;

pub use crate::resource::api::spec::LiveApi;
pub use crate::resource::authorizer::spec::LiveAuthorizer;
pub use crate::resource::integration::spec::LiveIntegration;
pub use crate::resource::role::spec::{LiveRole, RoleState};
pub use crate::resource::route::read::read_routes;
pub use crate::resource::route::spec::LiveRoute;
pub use crate::resource::stage::spec::LiveStage;
pub use iam_wait::wait_for_role;
pub use import::{ImportRead, read_for_import};
pub use machines::{MachineProblem, check_state_machines};
pub use read::{Purpose, ReadScope, account_id, read, read_apis_and_role};

pub use crate::resource::live::Live;
pub use crate::resource::role::spec::role_name_of;
