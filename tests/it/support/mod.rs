//! The one support module of the integration tests: a real `moto_server` per test, SDK
//! clients for checking what landed in it, a recording (and fault-injecting) HTTP proxy in front
//! of it, a `provision` command builder with all ambient AWS configuration stripped, a running
//! `provision serve` ([`serve`]), and the helpers that read what a command printed.
//!
//! Every test module uses it as `use crate::support;`. Each module uses a subset of these
//! helpers, hence the module-wide `dead_code` allow.
#![allow(dead_code)]

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_iam::config::{Credentials, SharedCredentialsProvider};
use aws_sdk_sfn::types::StateMachineType;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode, Uri};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};

mod serve;
pub use serve::{Reply, Serve, executions, input_of, send, send_head, up};

/// Account id moto is started with (`MOTO_ACCOUNT_ID`).
pub const ACCOUNT_ID: &str = "189107071895";
/// Region every client in the tests uses.
pub const REGION: &str = "ap-southeast-2";
/// Role ARN given to state machines made by [`create_state_machine`]. Moto
/// does not check that it exists.
pub const SFN_ROLE_ARN: &str = "arn:aws:iam::189107071895:role/sfn-role";
/// A trust policy that lets API Gateway assume a role.
pub const APIGW_TRUST_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

const INSTALL_HINT: &str = "install it with `scripts/moto.sh` (creates .venv with the pinned \
     moto[server]) and/or set MOTO_SERVER=/path/to/moto_server";

// ---------------------------------------------------------------------------
// moto_server
// ---------------------------------------------------------------------------

/// A `moto_server` on a free loopback port, lent to one test at a time.
///
/// Starting moto costs seconds (more on a loaded machine), so servers are pooled: a test takes
/// an idle server started with the same settings (account id, shim or stock) or starts one, and
/// when the `Moto` is dropped the server is reset (`POST /moto-api/reset`, which through
/// `scripts/moto_server.py` also turns execution and IAM enforcement back off), checked to be
/// empty, and handed to the next test. A server is killed instead when the test panicked, when
/// the test called [`Moto::discard`], when the reset or the check fails, or when it is stock moto
/// (whose reset keeps the config). Moto state is global to its process, so two tests never share
/// a server at the same time.
pub struct Moto {
    server: Option<Server>,
    /// Cleared by [`Moto::discard`]: the server is killed on drop.
    reusable: AtomicBool,
    /// Where this test's part of the server log starts.
    log_from: usize,
}

/// What a server was started with; only a test asking for the same gets it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Settings {
    account: String,
    /// `moto_server` itself, without the shim.
    stock: bool,
}

/// One `moto_server` process.
struct Server {
    child: Child,
    port: u16,
    /// Its stdout and stderr (an unlinked temporary file).
    log: std::fs::File,
    settings: Settings,
}

/// Servers that passed their reset and check, waiting for a test. The shim exits when its stdin
/// closes, so these end with the test process however it ends (statics are never dropped).
static IDLE: Mutex<Vec<Server>> = Mutex::new(Vec::new());

/// How many servers this process started (see [`Moto::started`]).
static STARTED: AtomicUsize = AtomicUsize::new(0);

impl Moto {
    /// A server (pooled, see [`Moto`]) with the shim `scripts/moto_server.py` (moto plus
    /// GetAuthorizers and the other gaps it fills), started if none is idle: blocks until
    /// `GET /moto-api/` answers (bounded by `MOTO_START_TIMEOUT_SECS`, default 30). Panics with
    /// the server's log if it does not come up. Safe to call from sync or async tests.
    pub fn start() -> Moto {
        Moto::take(Settings {
            account: ACCOUNT_ID.to_string(),
            stock: false,
        })
    }

    /// As [`Moto::start`], with another account id (`MOTO_ACCOUNT_ID`): a second environment.
    /// Its clients for another region are [`Moto::apigw_in`] and [`Moto::sfn_in`].
    pub fn start_as(account: &str) -> Moto {
        Moto::take(Settings {
            account: account.to_string(),
            stock: false,
        })
    }

    /// As [`Moto::start`], but the `moto_server` binary itself, without the shim: what a user
    /// who installed moto has (no GetAuthorizers). Never pooled.
    pub fn start_stock() -> Moto {
        Moto::take(Settings {
            account: ACCOUNT_ID.to_string(),
            stock: true,
        })
    }

    fn take(settings: Settings) -> Moto {
        let idle = {
            let mut idle = IDLE.lock().unwrap_or_else(|e| e.into_inner());
            idle.iter()
                .position(|s| s.settings == settings)
                .map(|i| idle.swap_remove(i))
        };
        let server = idle.unwrap_or_else(|| Server::launch(settings));
        let log_from = server.log().len();
        Moto {
            server: Some(server),
            reusable: AtomicBool::new(true),
            log_from,
        }
    }

    /// How many `moto_server` processes this test process has started so far.
    pub fn started() -> usize {
        STARTED.load(Ordering::SeqCst)
    }

    /// Kills the server when this `Moto` is dropped instead of handing it to another test: for
    /// a test that leaves it in a state a reset does not clear (requests still in flight into
    /// it, a stopped or killed process).
    pub fn discard(&self) {
        self.reusable.store(false, Ordering::SeqCst);
    }

    fn server(&self) -> &Server {
        self.server
            .as_ref()
            .expect("a Moto holds its server until dropped")
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port())
    }

    pub fn port(&self) -> u16 {
        self.server().port
    }

    /// Everything moto printed since this test got it (request log and tracebacks); handy in
    /// assertion messages.
    pub fn log(&self) -> String {
        let log = self.server().log();
        log.get(self.log_from..).unwrap_or_default().to_string()
    }

    /// Makes Step Functions actually run state machines
    /// (`{"stepfunctions":{"execute_state_machine":true}}`). Note: with this
    /// on, moto names an execution started without `name` literally "None",
    /// so always pass a name.
    pub fn enable_execution(&self) {
        let body = r#"{"stepfunctions":{"execute_state_machine":true}}"#;
        match http_request(self.port(), "POST", "/moto-api/config", &[], body) {
            Ok((200..=299, _)) => {}
            other => panic!("POST /moto-api/config failed: {other:?}"),
        }
    }

    /// A request to moto's own control API (`/moto-api/...`): status and body.
    pub fn moto_api(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        http_request(self.port(), method, path, &[], body)
            .unwrap_or_else(|e| panic!("{method} {path} on moto: {e}"))
    }

    /// Wipes all moto state (`POST /moto-api/reset`) and checks that the server is empty and
    /// executes nothing, as when it started.
    pub fn reset(&self) {
        if let Err(e) = self.server().reset() {
            panic!("{e}");
        }
    }

    /// Clients talking to moto directly (not through any proxy).
    pub fn apigw(&self) -> aws_sdk_apigatewayv2::Client {
        apigw_client(&self.url())
    }

    pub fn iam(&self) -> aws_sdk_iam::Client {
        iam_client(&self.url())
    }

    pub fn sfn(&self) -> aws_sdk_sfn::Client {
        sfn_client(&self.url())
    }

    /// An API Gateway client to moto in `region`.
    pub fn apigw_in(&self, region: &str) -> aws_sdk_apigatewayv2::Client {
        aws_sdk_apigatewayv2::Client::new(&sdk_config_in(&self.url(), region))
    }

    /// A Step Functions client to moto in `region`.
    pub fn sfn_in(&self, region: &str) -> aws_sdk_sfn::Client {
        aws_sdk_sfn::Client::new(&sdk_config_in(&self.url(), region))
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let Some(mut server) = self.server.take() else {
            return;
        };
        let keep =
            self.reusable.load(Ordering::SeqCst) && !std::thread::panicking() && !server.settings.stock;
        if !keep {
            server.kill();
            return;
        }
        match server.reset() {
            Ok(()) => IDLE.lock().unwrap_or_else(|e| e.into_inner()).push(server),
            Err(e) => {
                // Not a test failure (the test is over); the next test gets a fresh server.
                let _ = writeln!(std::io::stderr(), "moto on port {}: {e}; killed", server.port);
                server.kill();
            }
        }
    }
}

/// A call that shows a server holds nothing of one kind. Unsigned but scoped: moto routes on
/// the credential scope.
struct EmptyCheck {
    service: &'static str,
    method: &'static str,
    path: &'static str,
    header: (&'static str, &'static str),
    body: &'static str,
    /// What the answer contains when there is nothing.
    empty: &'static str,
}

const fn iam_check(body: &'static str, empty: &'static str) -> EmptyCheck {
    EmptyCheck {
        service: "iam",
        method: "POST",
        path: "/",
        header: ("Accept", "text/xml"),
        body,
        empty,
    }
}

const EMPTY_CHECKS: [EmptyCheck; 5] = [
    EmptyCheck {
        service: "apigateway",
        method: "GET",
        path: "/v2/apis",
        header: ("Accept", "application/json"),
        body: "",
        empty: r#""items": []"#,
    },
    EmptyCheck {
        service: "states",
        method: "POST",
        path: "/",
        header: ("X-Amz-Target", "AWSStepFunctions.ListStateMachines"),
        body: "{}",
        empty: r#""stateMachines": []"#,
    },
    iam_check("Action=ListRoles&Version=2010-05-08", "<Roles/>"),
    iam_check("Action=ListUsers&Version=2010-05-08", "<Users/>"),
    iam_check(
        "Action=ListPolicies&Scope=Local&Version=2010-05-08",
        "<Policies/>",
    ),
];

impl Server {
    fn launch(settings: Settings) -> Server {
        let bin = moto_server_path();
        let timeout = std::env::var("MOTO_START_TIMEOUT_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Duration::from_secs)
            .unwrap_or(Duration::from_secs(30));
        let mut last_err = String::new();
        // The port is free when picked but could be taken before moto binds
        // it; a couple of retries on early exit covers that race.
        for _ in 0..3 {
            let port = free_port();
            let log = tempfile::tempfile().expect("create moto log file");
            let stdout = log.try_clone().expect("clone moto log");
            let stderr = log.try_clone().expect("clone moto log");
            // moto's own Python runs scripts/moto_server.py: moto_server plus GetAuthorizers,
            // the one call moto lacks that every read of an API makes (see that file).
            let shim = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/moto_server.py");
            let mut cmd = if settings.stock {
                let mut cmd = Command::new(&bin);
                cmd.stdin(Stdio::null());
                cmd
            } else {
                let mut cmd = Command::new(python());
                // The shim exits when this process, which holds the pipe's other end, ends.
                cmd.arg(&shim)
                    .env("MOTO_EXIT_WITH_STDIN", "1")
                    .stdin(Stdio::piped());
                cmd
            };
            cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .env("MOTO_ACCOUNT_ID", &settings.account)
                .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
                .stdout(stdout)
                .stderr(stderr);
            for key in aws_env_keys() {
                cmd.env_remove(key);
            }
            let child = cmd.spawn().unwrap_or_else(|e| {
                panic!(
                    "failed to spawn moto_server at {}: {e}; {INSTALL_HINT}",
                    bin.display()
                )
            });
            STARTED.fetch_add(1, Ordering::SeqCst);
            // `MOTO_START_LOG=FILE` counts the starts of a whole run (one line each).
            if let Some(path) = std::env::var_os("MOTO_START_LOG") {
                let line = format!("{port} {:?}\n", settings);
                let _ = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .and_then(|mut f| f.write_all(line.as_bytes()));
            }
            let mut server = Server {
                child,
                port,
                log,
                settings: settings.clone(),
            };
            let deadline = Instant::now() + timeout;
            loop {
                // The answer must come from this child: its own log says it bound the port
                // (another process's server could hold a port this process thought free).
                let ready = matches!(http_request(port, "GET", "/moto-api/", &[], ""), Ok((200, _)))
                    && server
                        .log()
                        .contains(&format!("Running on http://127.0.0.1:{port}"));
                let exited = server.child.try_wait().ok().flatten();
                if ready && exited.is_none() {
                    return server;
                }
                if let Some(status) = exited {
                    last_err = format!("moto_server exited early with {status}");
                    break;
                }
                if Instant::now() >= deadline {
                    panic!(
                        "moto_server ({}) did not answer on port {port} within {timeout:?}; \
                         if it is not installed, {INSTALL_HINT}\n--- moto log ---\n{}",
                        bin.display(),
                        server.log()
                    );
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            last_err = format!("{last_err}\n--- moto log ---\n{}", server.log());
            server.kill();
        }
        panic!("could not start moto_server ({}): {last_err}", bin.display());
    }

    /// Everything the process printed so far.
    fn log(&self) -> String {
        use std::os::unix::fs::FileExt;
        let mut bytes = Vec::new();
        let mut chunk = vec![0; 64 * 1024];
        while let Ok(n @ 1..) = self.log.read_at(&mut chunk, bytes.len() as u64) {
            bytes.extend_from_slice(&chunk[..n]);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// `POST /moto-api/reset`, then checks that the server is alive, holds no API, state
    /// machine, role, user or policy, and no longer runs executions.
    fn reset(&self) -> Result<(), String> {
        // A server that died or hangs fails here (connect or read timeout).
        match http_request(self.port, "POST", "/moto-api/reset", &[], "") {
            Ok((200..=299, _)) => {}
            other => return Err(format!("POST /moto-api/reset failed: {other:?}")),
        }
        if !self.settings.stock {
            // Stock moto keeps the config across a reset and does not show this section.
            match http_request(self.port, "GET", "/moto-api/config", &[], "") {
                Ok((200..=299, body)) if body.contains(r#""execute_state_machine": false"#) => {}
                other => return Err(format!("execution still on after the reset: {other:?}")),
            }
        }
        for EmptyCheck {
            service,
            method,
            path,
            header,
            body,
            empty,
        } in EMPTY_CHECKS
        {
            let region = if service == "iam" { "us-east-1" } else { REGION };
            let scope = format!(
                "AWS4-HMAC-SHA256 Credential=test/20240101/{region}/{service}/aws4_request, \
                 SignedHeaders=host, Signature=0"
            );
            let content_type = match service {
                "states" => "application/x-amz-json-1.0",
                "iam" => "application/x-www-form-urlencoded",
                _ => "application/json",
            };
            let headers = [
                ("Authorization", scope.as_str()),
                ("Content-Type", content_type),
                header,
            ];
            match http_request(self.port, method, path, &headers, body) {
                Ok((200, answer)) if answer.contains(empty) => {}
                other => return Err(format!("not empty after the reset ({service} {body}): {other:?}")),
            }
        }
        Ok(())
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `$MOTO_SERVER`, else `<crate>/.venv/bin/moto_server`, else `moto_server`
/// on PATH; panics with install instructions if none exists.
pub fn moto_server_path() -> PathBuf {
    if let Some(p) = std::env::var_os("MOTO_SERVER").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        if !p.is_file() {
            no_moto(&format!("MOTO_SERVER={} does not exist", p.display()));
        }
        return p;
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/moto_server");
    if venv.is_file() {
        return venv;
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join("moto_server");
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    no_moto("moto_server was not found (MOTO_SERVER is unset, there is no .venv, none on PATH)");
}

/// Without moto the integration tests cannot run: one clear line for the whole test binary
/// (not a panic trace per test), then exit 1 so the run fails.
fn no_moto(detail: &str) -> ! {
    use std::io::Write;
    static SAID: std::sync::Once = std::sync::Once::new();
    SAID.call_once(|| {
        // Straight to the process's stderr: the test harness captures `eprintln!`.
        let _ = writeln!(
            std::io::stderr(),
            "\nerror: {detail}; the integration tests need moto: run `scripts/test.sh` (it installs \
             the pinned moto[server] into .venv), or set MOTO_SERVER=/path/to/moto_server\n"
        );
    });
    std::process::exit(1);
}

/// The venv python next to the moto_server the harness uses (it has moto and the pinned boto3),
/// else `python3` on PATH.
pub fn python() -> PathBuf {
    Some(moto_server_path().with_file_name("python"))
        .filter(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from("python3"))
}

/// A loopback port that is free now and was never handed out before in this
/// process, so two tests starting moto concurrently cannot race for the same
/// port (and one cannot mistake the other's server for its own).
fn free_port() -> u16 {
    static HANDED_OUT: Mutex<Vec<u16>> = Mutex::new(Vec::new());
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("bind a free loopback port")
            .port();
        if !handed_out.contains(&port) {
            handed_out.push(port);
            return port;
        }
    }
}

/// Minimal blocking HTTP/1.1 request to 127.0.0.1:port, used for moto's
/// control API (no async runtime needed). Returns status and body.
fn http_request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<(u16, String)> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        head.push_str("Content-Type: application/json\r\n");
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    let req = format!("{head}Content-Length: {}\r\n\r\n{body}", body.len());
    stream.write_all(req.as_bytes())?;
    let mut resp = String::new();
    stream.read_to_string(&mut resp)?;
    let status = resp
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad HTTP response: {resp:?}")))?;
    let body = resp
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

fn aws_env_keys() -> Vec<OsString> {
    std::env::vars_os()
        .map(|(k, _)| k)
        .filter(|k| k.to_string_lossy().starts_with("AWS_"))
        .collect()
}

// ---------------------------------------------------------------------------
// SDK clients
// ---------------------------------------------------------------------------

/// SDK configuration for `endpoint` with static `test`/`test` credentials and
/// region ap-southeast-2. Built directly (not via `aws_config::defaults`), so
/// no environment variable, profile or `~/.aws` file can influence it, and it
/// needs no async runtime to build.
pub fn sdk_config(endpoint: &str) -> SdkConfig {
    sdk_config_in(endpoint, REGION)
}

/// As [`sdk_config`], in `region`.
pub fn sdk_config_in(endpoint: &str, region: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(region.to_string()))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "test", "test", None, None, "static",
        )))
        .build()
}

pub fn apigw_client(endpoint: &str) -> aws_sdk_apigatewayv2::Client {
    aws_sdk_apigatewayv2::Client::new(&sdk_config(endpoint))
}

pub fn iam_client(endpoint: &str) -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::new(&sdk_config(endpoint))
}

pub fn sfn_client(endpoint: &str) -> aws_sdk_sfn::Client {
    aws_sdk_sfn::Client::new(&sdk_config(endpoint))
}

/// Creates a one-state Pass machine named `name` and returns its ARN.
pub async fn create_state_machine(sfn: &aws_sdk_sfn::Client, name: &str, ty: StateMachineType) -> String {
    let definition = r#"{"Comment":"test","StartAt":"Done","States":{"Done":{"Type":"Pass","End":true}}}"#;
    sfn.create_state_machine()
        .name(name)
        .definition(definition)
        .role_arn(SFN_ROLE_ARN)
        .r#type(ty)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateStateMachine {name}: {e:?}"))
        .state_machine_arn
}

/// The role `name`, read directly from moto, asserted to carry `provision:stack = stack`.
pub async fn owned_role(iam: &aws_sdk_iam::Client, name: &str, stack: &str) -> aws_sdk_iam::types::Role {
    let role = iam
        .get_role()
        .role_name(name)
        .send()
        .await
        .expect("GetRole")
        .role
        .expect("role");
    assert!(
        role.tags()
            .iter()
            .any(|t| t.key() == "provision:stack" && t.value() == stack),
        "role {name} carries provision:stack={stack}: {:?}",
        role.tags()
    );
    role
}

// ---------------------------------------------------------------------------
// The usual setup: moto, its state machines, a recording proxy, a scratch dir
// ---------------------------------------------------------------------------

/// A moto server holding `machines`, a recording proxy in front of it through which `provision`
/// runs, and a scratch directory for stack files.
pub struct World {
    /// What `provision` sent. Declared first so that it is dropped first: no request reaches
    /// the server through it once the server is reset for the next test.
    pub proxy: RecordingProxy,
    /// The server, for checks through a second client.
    pub moto: Moto,
    /// Scratch space, removed on drop.
    pub dir: tempfile::TempDir,
}

impl World {
    /// Starts moto with these state machines (name, type) and a proxy in front of it.
    pub async fn start(machines: &[(&str, StateMachineType)]) -> World {
        World::around(Moto::start(), machines).await
    }

    /// As [`World::start`], on stock `moto_server` ([`Moto::start_stock`]).
    pub async fn start_stock(machines: &[(&str, StateMachineType)]) -> World {
        World::around(Moto::start_stock(), machines).await
    }

    async fn around(moto: Moto, machines: &[(&str, StateMachineType)]) -> World {
        let sfn = moto.sfn();
        for (name, kind) in machines {
            create_state_machine(&sfn, name, kind.clone()).await;
        }
        let proxy = RecordingProxy::start(&moto.url());
        World {
            moto,
            proxy,
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// `provision ARGS` through the proxy.
    pub fn run(&self, args: &[&str]) -> std::process::Output {
        provision(&self.proxy.url())
            .args(args)
            .output()
            .expect("run provision")
    }

    /// `provision ARGS` through the proxy, asserted to succeed.
    pub fn ok(&self, args: &[&str]) -> std::process::Output {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "provision {args:?} failed ({:?}):\n{}\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// `up` of a stack that is already up: it says "No changes" and makes no mutating call. The
    /// proxy is cleared first, so what this `up` called can be read after.
    pub fn assert_no_op_up(&self, stack: &str) {
        self.proxy.clear();
        let again = self.ok(&["up", stack]);
        assert!(printed(&again).contains("No changes"), "{}", printed(&again));
        assert_eq!(
            self.proxy.mutating_calls(),
            Vec::new(),
            "a no-op up mutates nothing"
        );
    }

    /// Writes `text` as the stack file `name` in the scratch dir.
    pub fn stack(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write stack");
        path
    }

    /// The APIs moto holds that carry `provision:stack = stack`.
    pub async fn owned_apis(&self, stack: &str) -> Vec<aws_sdk_apigatewayv2::types::Api> {
        let apis = self.moto.apigw().get_apis().send().await.expect("GetApis");
        apis.items()
            .iter()
            .filter(|a| {
                a.tags()
                    .and_then(|t| t.get("provision:stack"))
                    .map(String::as_str)
                    == Some(stack)
            })
            .cloned()
            .collect()
    }

    /// The id of the one API `stack` owns, asserted to be one.
    pub async fn only_api_id(&self, stack: &str) -> String {
        let apis = self.owned_apis(stack).await;
        assert_eq!(apis.len(), 1, "exactly one owned API: {apis:?}");
        apis[0].api_id().expect("api id").to_string()
    }
}

/// A policy document as IAM returns it (URL-encoded JSON), decoded.
pub fn decode_policy(document: &str) -> serde_json::Value {
    let text = percent_encoding::percent_decode_str(document).decode_utf8_lossy();
    serde_json::from_str(&text).expect("policy JSON")
}

// ---------------------------------------------------------------------------
// provision binary
// ---------------------------------------------------------------------------

/// The repository root (where `Cargo.toml` is).
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The file at `path` (relative to the repository root), which must exist.
pub fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

/// Bytes a command printed, as text (invalid UTF-8 replaced).
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Everything a command printed: its stdout, then its stderr.
pub fn printed(out: &Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

/// A command's exit code, stdout and stderr, labelled: for assertion messages.
pub fn labelled(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    )
}

/// What a command printed on stderr.
pub fn stderr(out: &Output) -> String {
    text(&out.stderr)
}

/// What a command printed on stdout.
pub fn stdout(out: &Output) -> String {
    text(&out.stdout)
}

/// Runs [`provision`] against `endpoint` with `args` to its end.
pub fn run(endpoint: &str, args: &[&str]) -> Output {
    provision(endpoint)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run provision: {e}"))
}

/// `provision` pointed at `endpoint` (moto or a proxy) with every inherited
/// `AWS_*` variable removed, dummy credentials, no readable config files, no
/// IMDS, `NO_COLOR=1`, run from the crate root.
pub fn provision(endpoint: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_provision"));
    for key in aws_env_keys() {
        cmd.env_remove(key);
    }
    let nowhere = Path::new("/nonexistent-provision-test");
    cmd.env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", REGION)
        .env("AWS_CONFIG_FILE", nowhere.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", nowhere.join("credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null());
    cmd
}

// ---------------------------------------------------------------------------
// Recording proxy
// ---------------------------------------------------------------------------

/// One AWS API call seen by the proxy.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Call {
    /// "iam", "sfn", "apigatewayv2"; otherwise the SigV4 credential-scope
    /// service name, or "unknown".
    pub service: String,
    /// The API operation name, e.g. "CreateRole", "StartExecution", "GetApis".
    pub operation: String,
    /// False only for reads (Get*/List*/Describe*; GET/HEAD for API Gateway).
    pub mutating: bool,
}

impl Call {
    pub fn new(service: &str, operation: &str, mutating: bool) -> Call {
        Call {
            service: service.to_string(),
            operation: operation.to_string(),
            mutating,
        }
    }
}

/// What the proxy does with a request, decided per call by the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Forward to moto and relay its reply (the default).
    Forward,
    /// Do not forward; answer with `status` and an error body in the call's
    /// protocol carrying error code `code` (e.g. 429 "Throttling" for IAM,
    /// 429 "TooManyRequestsException" for API Gateway, 503
    /// "ServiceUnavailable", 409 "ConflictException").
    Respond { status: u16, code: String },
    /// Do not forward; close the connection without any reply.
    Reset,
    /// Forward to moto (so the change happens), then close the connection
    /// instead of relaying the reply.
    ForwardThenReset,
    /// Wait this long, then forward: a slow control plane.
    Delay(Duration),
}

impl Action {
    pub fn respond(status: u16, code: &str) -> Action {
        Action::Respond {
            status,
            code: code.to_string(),
        }
    }
}

/// Decides the [`Action`] for each recorded call. Requests under /moto-api
/// are never recorded nor passed to the policy; they are always forwarded.
pub type Policy = Arc<dyn Fn(&Call) -> Action + Send + Sync>;

struct ProxyState {
    upstream: Uri,
    calls: Mutex<Vec<Call>>,
    policy: Mutex<Policy>,
    client: HttpClient<HttpConnector, Full<Bytes>>,
    /// Requests being delayed or forwarded (see [`RecordingProxy::wait_idle`]).
    in_flight: AtomicUsize,
}

/// Counts a request in flight until dropped.
struct InFlight(Arc<ProxyState>);

impl InFlight {
    fn new(state: &Arc<ProxyState>) -> InFlight {
        state.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(state.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// An HTTP/1.1 proxy on 127.0.0.1 in front of moto that records every AWS
/// call and forwards it unchanged (Host rewritten to moto's). Runs on its own
/// thread and runtime, so it keeps serving while a test blocks on a child
/// process. Stopped on drop.
pub struct RecordingProxy {
    addr: SocketAddr,
    state: Arc<ProxyState>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl RecordingProxy {
    /// Starts a proxy forwarding to `upstream` (e.g. `moto.url()`).
    pub fn start(upstream: &str) -> RecordingProxy {
        let upstream: Uri = upstream.parse().expect("upstream URL");
        assert!(
            upstream.scheme_str() == Some("http") && upstream.authority().is_some(),
            "upstream must be http://host:port, got {upstream}"
        );
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy port");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("proxy addr");
        let forward_all: Policy = Arc::new(|_: &Call| Action::Forward);
        let state = Arc::new(ProxyState {
            upstream,
            calls: Mutex::new(Vec::new()),
            policy: Mutex::new(forward_all),
            client: HttpClient::builder(TokioExecutor::new()).build_http(),
            in_flight: AtomicUsize::new(0),
        });
        let (tx, rx) = tokio::sync::oneshot::channel();
        let thread_state = state.clone();
        let thread = std::thread::Builder::new()
            .name(format!("recording-proxy-{}", addr.port()))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("proxy runtime");
                rt.block_on(accept_loop(listener, thread_state, rx));
            })
            .expect("spawn proxy thread");
        RecordingProxy {
            addr,
            state,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every recorded call so far, in arrival order (retries included).
    pub fn calls(&self) -> Vec<Call> {
        self.state.calls.lock().unwrap().clone()
    }

    /// Recorded calls that change state.
    pub fn mutating_calls(&self) -> Vec<Call> {
        self.calls().into_iter().filter(|c| c.mutating).collect()
    }

    /// Operation names of all recorded calls, in order.
    pub fn operations(&self) -> Vec<String> {
        self.calls().into_iter().map(|c| c.operation).collect()
    }

    pub fn clear(&self) {
        self.state.calls.lock().unwrap().clear();
    }

    /// Replaces the per-call policy (fault-injection hook).
    pub fn set_policy(&self, policy: impl Fn(&Call) -> Action + Send + Sync + 'static) {
        *self.state.policy.lock().unwrap() = Arc::new(policy);
    }

    /// Back to forwarding everything.
    pub fn clear_policy(&self) {
        self.set_policy(|_| Action::Forward);
    }

    /// Waits (polling, up to 30 s) until no request is being delayed or forwarded: what a killed
    /// client had in flight has landed. Panics if requests are still in flight then.
    pub fn wait_idle(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.state.in_flight.load(Ordering::SeqCst) > 0 {
            assert!(
                Instant::now() < deadline,
                "the proxy still has requests in flight after 30 s"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for RecordingProxy {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    state: Arc<ProxyState>,
    mut shutdown: tokio::sync::oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let state = state.clone();
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req| {
                        handle(state.clone(), req)
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        }
    }
}

/// Error returned to hyper to make it drop the connection without a reply.
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("fault injected: connection dropped")
    }
}

impl std::error::Error for DropConnection {}

async fn handle(
    state: Arc<ProxyState>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, DropConnection> {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Err(DropConnection),
    };
    let action = match classify(&parts.method, &parts.uri, &parts.headers, &body) {
        Some(call) => {
            state.calls.lock().unwrap().push(call.clone());
            let policy = state.policy.lock().unwrap().clone();
            let action = policy(&call);
            if let Action::Respond { status, code } = &action {
                return Ok(fault_response(&call, *status, code));
            }
            action
        }
        None => Action::Forward,
    };
    if action == Action::Reset {
        return Err(DropConnection);
    }
    // The delay and the forward run on their own task, counted in flight: a client killed
    // mid-request (its connection dropped) does not cancel a request already on its way, and
    // `wait_idle` sees it land.
    let guard = InFlight::new(&state);
    let delay = match action {
        Action::Delay(pause) => Some(pause),
        _ => None,
    };
    let task = tokio::spawn(async move {
        let _guard = guard;
        if let Some(pause) = delay {
            tokio::time::sleep(pause).await;
        }
        forward(&state, parts, body).await
    });
    let Ok(reply) = task.await else {
        return Err(DropConnection);
    };
    match action {
        Action::ForwardThenReset => Err(DropConnection),
        _ => Ok(reply),
    }
}

async fn forward(
    state: &ProxyState,
    parts: hyper::http::request::Parts,
    body: Bytes,
) -> Response<Full<Bytes>> {
    let path_and_query = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let uri = format!("{}{}", origin(&state.upstream), path_and_query);
    let mut builder = Request::builder().method(parts.method).uri(uri);
    let headers = builder.headers_mut().expect("fresh builder");
    copy_end_to_end_headers(&parts.headers, headers);
    if let Some(authority) = state.upstream.authority() {
        headers.insert(
            hyper::header::HOST,
            HeaderValue::from_str(authority.as_str()).expect("authority is a valid header"),
        );
    }
    let upstream_req = builder.body(Full::new(body)).expect("valid upstream request");
    let result = async {
        let resp = state.client.request(upstream_req).await?;
        let (parts, body) = resp.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>((parts, body))
    }
    .await;
    match result {
        Ok((parts, body)) => {
            let mut resp = Response::new(Full::new(body));
            *resp.status_mut() = parts.status;
            copy_end_to_end_headers(&parts.headers, resp.headers_mut());
            resp
        }
        Err(e) => {
            let mut resp = Response::new(Full::new(Bytes::from(format!(
                "recording proxy: upstream {} failed: {e}",
                state.upstream
            ))));
            *resp.status_mut() = StatusCode::BAD_GATEWAY;
            resp
        }
    }
}

fn origin(uri: &Uri) -> String {
    format!(
        "{}://{}",
        uri.scheme_str().unwrap_or("http"),
        uri.authority().map_or("", |a| a.as_str())
    )
}

fn copy_end_to_end_headers(from: &HeaderMap, to: &mut HeaderMap) {
    const HOP_BY_HOP: [&str; 9] = [
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    ];
    for (name, value) in from {
        if !HOP_BY_HOP.contains(&name.as_str()) && name != hyper::header::HOST {
            to.append(name.clone(), value.clone());
        }
    }
}

/// An error reply in the wire format of `call.service`, so the SDK parses
/// `code` as the error code.
fn fault_response(call: &Call, status: u16, code: &str) -> Response<Full<Bytes>> {
    // A 409 says what API Gateway and IAM say while another change is in progress, so that the
    // client can tell it from a real conflict.
    let message = if status == 409 {
        format!(
            "Unable to complete operation due to concurrent modification. Please try again later. \
             (fault injected by RecordingProxy into {})",
            call.operation
        )
    } else {
        format!("fault injected by RecordingProxy into {}", call.operation)
    };
    let (content_type, body, error_type_header) = match call.service.as_str() {
        "iam" => {
            let kind = if status >= 500 { "Receiver" } else { "Sender" };
            (
                "text/xml",
                format!(
                    "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
                     <Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message>\
                     </Error><RequestId>injected-fault</RequestId></ErrorResponse>"
                ),
                false,
            )
        }
        "sfn" => (
            "application/x-amz-json-1.0",
            format!(r#"{{"__type":"{code}","message":"{message}"}}"#),
            false,
        ),
        _ => ("application/json", format!(r#"{{"message":"{message}"}}"#), true),
    };
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = resp.headers_mut();
    headers.insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static(content_type),
    );
    headers.insert(
        HeaderName::from_static("x-amzn-requestid"),
        HeaderValue::from_static("injected-fault"),
    );
    if error_type_header && let Ok(v) = HeaderValue::from_str(code) {
        headers.insert(HeaderName::from_static("x-amzn-errortype"), v);
    }
    resp
}

// ---------------------------------------------------------------------------
// Request classification
// ---------------------------------------------------------------------------

/// Which AWS call a raw request is; `None` for moto's own /moto-api.
pub fn classify(method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Option<Call> {
    let path = uri.path();
    if path == "/moto-api" || path.starts_with("/moto-api/") {
        return None;
    }
    let scope = headers
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(credential_scope_service);
    if let Some(target) = headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
        let (prefix, op) = target.rsplit_once('.').unwrap_or(("", target));
        let service = match (scope.as_deref(), prefix) {
            (Some("states"), _) | (_, "AWSStepFunctions") => "sfn".to_string(),
            (Some(s), _) => s.to_string(),
            (None, _) => prefix.to_string(),
        };
        return Some(Call::new(&service, op, !is_read(op)));
    }
    if (path == "/v2" || path.starts_with("/v2/")) && matches!(scope.as_deref(), None | Some("apigateway")) {
        let op = apigw_operation(method.as_str(), path);
        let mutating = !matches!(*method, Method::GET | Method::HEAD);
        return Some(Call::new("apigatewayv2", &op, mutating));
    }
    let service = scope.unwrap_or_else(|| "unknown".to_string());
    let action = form_param(body, "Action").or_else(|| form_param(uri.query()?.as_bytes(), "Action"));
    match action {
        Some(op) => Some(Call::new(&service, &op, !is_read(&op))),
        None => {
            let op = format!("{method} {path}");
            Some(Call::new(&service, &op, *method != Method::GET))
        }
    }
}

fn is_read(operation: &str) -> bool {
    // ValidateStateMachineDefinition only reads what it is sent.
    ["Get", "List", "Describe", "Validate"]
        .iter()
        .any(|p| operation.starts_with(p))
}

/// `AWS4-HMAC-SHA256 Credential=AKID/20240101/region/SERVICE/aws4_request, ...`
fn credential_scope_service(authorization: &str) -> Option<String> {
    let cred = authorization.split("Credential=").nth(1)?;
    let cred = cred.split([',', ' ']).next()?;
    cred.split('/').nth(3).map(str::to_string)
}

fn form_param(form: &[u8], key: &str) -> Option<String> {
    let form = std::str::from_utf8(form).ok()?;
    form.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| {
            percent_encoding::percent_decode_str(&v.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

/// API Gateway v2 operation name for a REST-JSON request, e.g.
/// `("PATCH", "/v2/apis/a1/integrations/i1")` → "UpdateIntegration".
/// Unknown shapes come back as "METHOD /path".
pub fn apigw_operation(method: &str, path: &str) -> String {
    const NOUNS: [(&str, &str, &str); 12] = [
        ("apis", "Apis", "Api"),
        ("authorizers", "Authorizers", "Authorizer"),
        ("deployments", "Deployments", "Deployment"),
        ("integrations", "Integrations", "Integration"),
        (
            "integrationresponses",
            "IntegrationResponses",
            "IntegrationResponse",
        ),
        ("models", "Models", "Model"),
        ("routes", "Routes", "Route"),
        ("routeresponses", "RouteResponses", "RouteResponse"),
        ("stages", "Stages", "Stage"),
        ("domainnames", "DomainNames", "DomainName"),
        ("apimappings", "ApiMappings", "ApiMapping"),
        ("vpclinks", "VpcLinks", "VpcLink"),
    ];
    let fallback = || format!("{method} {path}");
    let rest = path.strip_prefix("/v2").unwrap_or(path);
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    if segs.first() == Some(&"tags") && segs.len() >= 2 {
        return match method {
            "GET" => "GetTags",
            "POST" => "TagResource",
            "DELETE" => "UntagResource",
            _ => return fallback(),
        }
        .to_string();
    }
    // Odd positions are identifiers: apis/{id}/routes/{id}/...
    let template: Vec<&str> = segs
        .iter()
        .enumerate()
        .map(|(i, s)| if i % 2 == 1 { "*" } else { *s })
        .collect();
    let special = match (method, template.join("/").as_str()) {
        ("PUT", "apis") => Some("ImportApi"),
        ("PUT", "apis/*") => Some("ReimportApi"),
        ("DELETE", "apis/*/cors") => Some("DeleteCorsConfiguration"),
        ("GET", "apis/*/exports/*") => Some("ExportApi"),
        ("GET", "apis/*/models/*/template") => Some("GetModelTemplate"),
        ("DELETE", "apis/*/routes/*/requestparameters/*") => Some("DeleteRouteRequestParameter"),
        ("DELETE", "apis/*/stages/*/accesslogsettings") => Some("DeleteAccessLogSettings"),
        ("DELETE", "apis/*/stages/*/cache/*") => Some("ResetAuthorizersCache"),
        ("DELETE", "apis/*/stages/*/routesettings/*") => Some("DeleteRouteSettings"),
        _ => None,
    };
    if let Some(op) = special {
        return op.to_string();
    }
    let Some(last) = segs.len().checked_sub(1) else {
        return fallback();
    };
    let (collection, is_item) = if last % 2 == 0 {
        (segs[last], false)
    } else {
        (segs[last - 1], true)
    };
    let Some(&(_, plural, singular)) = NOUNS.iter().find(|(seg, _, _)| *seg == collection) else {
        return fallback();
    };
    match (method, is_item) {
        ("GET", false) => format!("Get{plural}"),
        ("POST", false) => format!("Create{singular}"),
        ("GET", true) => format!("Get{singular}"),
        ("PATCH", true) => format!("Update{singular}"),
        ("DELETE", true) => format!("Delete{singular}"),
        _ => fallback(),
    }
}
