//! One unit per resource kind.

pub mod api;
pub mod authorizer;
pub mod integration;
pub mod role;
pub mod route;
pub mod stage;
