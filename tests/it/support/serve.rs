//! Running `provision serve` in a test: the process with its whole log kept, a raw HTTP/1.1
//! client (independent of the tool's own), and the executions a machine holds, read back through
//! the SDK. Part of the support module: `support::Serve`, `support::send`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running `provision serve`, killed on drop, with everything it printed on stderr.
pub struct Serve {
    child: Child,
    /// The port it listens on.
    pub port: u16,
    log: Arc<Mutex<Vec<String>>>,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    /// `provision serve STACK --port 0 EXTRA...` against `endpoint`, with `envs` set; waits for
    /// the address it prints.
    pub fn start(endpoint: &str, stack: &str, extra: &[&str], envs: &[(&str, &str)]) -> Serve {
        let mut cmd = crate::support::provision(endpoint);
        cmd.args(["serve", stack, "--port", "0"]).args(extra);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn serve");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let lines = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("on http://127.0.0.1:").nth(1) {
                    let _ = tx.send(rest.trim().parse::<u16>().ok());
                }
                lines.lock().expect("log").push(line);
            }
        });
        let mut serve = Serve { child, port: 0, log };
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(Some(port)) => serve.port = port,
            _ => panic!("serve did not print its address within 60 s:\n{}", serve.log()),
        }
        serve
    }

    /// Sends SIGHUP (serve re-reads the API and its roles).
    pub fn hangup(&self) {
        let status = std::process::Command::new("kill")
            .args(["-HUP", &self.child.id().to_string()])
            .status()
            .expect("kill -HUP");
        assert!(status.success(), "kill -HUP failed");
    }

    /// Everything printed so far.
    pub fn log(&self) -> String {
        self.log.lock().expect("log").join("\n")
    }

    /// Waits up to 5 s for `needle` to appear in the log.
    pub fn log_contains(&self, needle: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if self.log().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// The walkthrough's status route, `GET /onboarding-status/{execution}` (200 expected): the
    /// described execution (the StartSyncExecution envelope's `output`, parsed; null when the
    /// helper failed) and the envelope.
    pub fn onboarding_status(&self, execution: &str) -> (serde_json::Value, serde_json::Value) {
        let reply = self.send("GET", &format!("/onboarding-status/{execution}"), &[], b"");
        assert_eq!(reply.status, 200, "{reply:?}\n{}", self.log());
        let envelope: serde_json::Value = serde_json::from_str(&reply.body).expect("envelope JSON");
        let described = envelope["output"].as_str().map_or(serde_json::Value::Null, |o| {
            serde_json::from_str(o).expect("output JSON")
        });
        (described, envelope)
    }

    /// Sends a request and reads the whole reply.
    pub fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        send(self.port, method, path, headers, body)
    }
}

/// An HTTP reply.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// Body text.
    pub body: String,
}

impl Reply {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `access-control-*` headers.
    pub fn cors_headers(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .filter(|(k, _)| k.starts_with("access-control-"))
            .cloned()
            .collect()
    }
}

/// A raw HTTP/1.1 exchange on 127.0.0.1:`port` (`Connection: close`).
pub fn send(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut all: Vec<(&str, String)> = headers.iter().map(|(k, v)| (*k, v.to_string())).collect();
    all.push(("Content-Length", body.len().to_string()));
    exchange(port, method, path, &all, body)
}

/// The request line and `headers` alone, as written (a `Content-Length` among them is sent as
/// is), no body: what the gateway answers before reading any body. Answers must come within 10 s.
pub fn send_head(port: u16, method: &str, path: &str, headers: &[(&str, String)]) -> Reply {
    exchange(port, method, path, headers, b"")
}

fn exchange(port: u16, method: &str, path: &str, headers: &[(&str, String)], body: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let timeout = if body.is_empty() { 10 } else { 60 };
    stream
        .set_read_timeout(Some(Duration::from_secs(timeout)))
        .expect("timeout");
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("write head");
    stream.write_all(body).expect("write body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: body.to_string(),
    }
}

/// The executions of `machine`, read through the SDK.
pub async fn executions(
    sfn: &aws_sdk_sfn::Client,
    machine: &str,
) -> Vec<aws_sdk_sfn::types::ExecutionListItem> {
    sfn.list_executions()
        .state_machine_arn(machine)
        .send()
        .await
        .expect("ListExecutions")
        .executions()
        .to_vec()
}

/// The input of an execution, parsed.
pub async fn input_of(sfn: &aws_sdk_sfn::Client, execution: &str) -> serde_json::Value {
    let described = sfn
        .describe_execution()
        .execution_arn(execution)
        .send()
        .await
        .expect("DescribeExecution");
    serde_json::from_str(described.input().unwrap_or("null")).expect("input JSON")
}

/// `provision up STACK` against `endpoint`, which must succeed.
pub fn up(endpoint: &str, stack: &str) {
    let out = crate::support::provision(endpoint)
        .args(["up", stack])
        .output()
        .expect("up");
    assert!(
        out.status.success(),
        "up {stack} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
