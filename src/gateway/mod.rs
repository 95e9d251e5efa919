//! The pure core of `provision serve`, a local gateway that behaves like an API Gateway HTTP API:
//! route selection ([`matching`]) and integration request parameter mapping ([`mapping`]).
//! Both are pure; [`server`] answers requests with them over loopback and calls Step Functions
//! through [`crate::live::execution`].

pub mod mapping;
pub mod matching;
pub mod server;

pub use mapping::{MappingError, Request, evaluate, query_params};
pub use matching::{RouteMatch, match_route};
