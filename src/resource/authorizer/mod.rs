//! The authorizer: its diff (`plan`, pure) and its AWS calls (`apply`).

pub mod apply;
pub mod check;
pub mod emit;
pub mod op;
pub mod plan;
pub mod read;
pub mod spec;
