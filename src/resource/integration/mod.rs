//! The integration: its diff (`plan`, pure), the quota a plan must keep to (`quota`, pure) and
//! its AWS calls (`apply`).

pub mod apply;
pub mod emit;
pub mod op;
pub mod plan;
pub mod quota;
pub mod read;
pub mod spec;
