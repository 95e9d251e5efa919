//! `provision`: expose an AWS Step Functions workflow over an API Gateway HTTP API from one
//! declarative TOML stack, with an idempotent reconciler and no state file.
//!
//! The layers, each in its own module:
//! - [`stack`]: the TOML model, loading and offline validation (pure);
//! - [`live`]: reads AWS into plain structs;
//! - [`plan`]: `plan(desired, live) -> Plan`, a pure function;
//! - [`apply`]: the executor (dependency order, concurrency, NotFound-tolerant deletes);
//! - [`iam`]: the one evaluator of integration roles, for `serve` and `diff` (pure);
//! - [`deployer`]: the IAM policy the deployer needs, derived from the stack (pure);
//! - [`render`]: the one printer, text or JSON;
//! - [`commands`] and [`cli`]: thin orchestration and the command line.

pub mod apply;
pub mod arn;
pub mod aws;
pub mod cli;
pub mod commands;
pub mod deployer;
pub mod error;
pub mod gateway;
pub mod iam;
pub mod live;
pub mod openapi;
pub mod outputs;
pub mod pace;
pub mod plan;
pub mod policy;
pub mod render;
pub mod request;
pub mod resource;
pub mod stack;
pub mod synth;
pub mod tried;
