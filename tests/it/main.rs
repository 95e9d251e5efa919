//! The integration tests, one binary: one module per area, all sharing [`support`] (moto
//! servers, the recording proxy, the `provision` command, `serve`). One binary links the AWS
//! SDKs once instead of once per file. Run one area with `cargo test --test it reconcile::`.
//!
//! A new area is a new module here and a file beside this one; CONTRIBUTING.md lists them all
//! (the `docs` module checks that it does).

mod support;

mod accepted;
mod cli_extras;
mod deployer_policy;
mod diagnostics;
mod docs;
mod environments;
mod errors;
mod everyday;
mod faults;
mod fuzz;
mod getting_started;
mod harness;
mod import;
mod import_api;
mod json_results;
mod mocked;
mod openapi;
mod options;
mod organisation;
mod ownership;
mod qualified;
mod reconcile;
mod responses;
mod saved_plans;
mod scale;
mod serve;
mod serve_auth;
mod serve_explains;
mod serve_gateway;
mod shared_integrations;
mod status_route;
mod stock_moto;
mod sync_execution;
mod sync_route;
mod synth;
mod walkthrough;
mod workflow;
