//! `provision serve`, a local gateway that behaves like an API Gateway HTTP API: route selection
//! ([`matching`]), integration request parameter mapping ([`mapping`]), response parameters ([`response`]), JWT authorizers ([`jwt`],
//! keys from [`jwks`]), SigV4 checks for `AWS_IAM` routes ([`sigv4`]), CORS ([`cors`]), stage
//! throttling ([`throttle`]) and the integration role's permissions ([`crate::iam`], read with the
//! routes and cached in [`served`]). All but [`jwks`]
//! and [`server`] are pure; [`server`] answers requests with them over loopback and calls Step
//! Functions through [`crate::live::execution`].

pub mod cors;
pub mod jwks;
pub mod jwt;
pub mod mapping;
pub mod matching;
pub mod response;
pub mod served;
pub mod server;
pub mod sigv4;
pub mod throttle;

pub use mapping::{MappingError, Request, evaluate, query_params};
pub use matching::{RouteMatch, match_route};
