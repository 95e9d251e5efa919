//! StartSyncExecution, which moto does not implement (it answers 500): the local gateway's call
//! is checked on the wire against a loopback fake of the Step Functions endpoint. A mock client
//! would skip endpoint resolution, and that is the part at stake: the SDK puts `sync-` in front
//! of the host, which cannot resolve for an IP endpoint, and the tool must drop it there.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;

use aws_sdk_iam::config::{BehaviorVersion, Credentials, Region};
use provision::aws::Clients;
use provision::domain::Action;
use provision::live::execution::call_action;

/// What the fake endpoint received.
struct Seen {
    host: String,
    target: String,
    body: String,
}

/// Answers one request with `reply` and reports what it saw.
fn fake_sfn(reply: &'static str) -> (String, mpsc::Receiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let (mut host, mut target, mut length) = (String::new(), String::new(), 0usize);
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            let (name, value) = line.split_once(':').unwrap_or((&line, ""));
            let value = value.trim().to_string();
            match name.to_ascii_lowercase().as_str() {
                "host" => host = value,
                "x-amz-target" => target = value,
                "content-length" => length = value.parse().unwrap_or(0),
                _ => {}
            }
        }
        let mut body = vec![0; length];
        let _ = reader.read_exact(&mut body);
        let mut stream = stream;
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{reply}",
            reply.len()
        );
        let _ = tx.send(Seen {
            host,
            target,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
    });
    (url, rx)
}

fn clients(endpoint: &str) -> Clients {
    let credentials = Credentials::new("test", "test", None, None, "static");
    let region = Region::new("ap-southeast-2");
    Clients {
        apigw: aws_sdk_apigatewayv2::Client::from_conf(
            aws_sdk_apigatewayv2::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .endpoint_url(endpoint)
                .region(region.clone())
                .credentials_provider(credentials.clone())
                .build(),
        ),
        iam: aws_sdk_iam::Client::from_conf(
            aws_sdk_iam::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .endpoint_url(endpoint)
                .region(region.clone())
                .credentials_provider(credentials.clone())
                .build(),
        ),
        sfn: aws_sdk_sfn::Client::from_conf(
            aws_sdk_sfn::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .endpoint_url(endpoint)
                .region(region.clone())
                .credentials_provider(credentials.clone())
                .build(),
        ),
        sts: aws_sdk_sts::Client::from_conf(
            aws_sdk_sts::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .endpoint_url(endpoint)
                .region(region)
                .credentials_provider(credentials)
                .build(),
        ),
        region: "ap-southeast-2".into(),
        region_source: "--region".into(),
        profile: "default".into(),
        credentials: None,
    }
}

#[tokio::test]
async fn a_sync_execution_reaches_an_ip_endpoint_and_a_failed_run_still_answers_200() {
    let (url, seen) = fake_sfn(
        r#"{"executionArn":"arn:aws:states:ap-southeast-2:189107071895:express:fast:run-1:abc",
            "stateMachineArn":"arn:aws:states:ap-southeast-2:189107071895:stateMachine:fast",
            "name":"run-1","startDate":1795608000.0,"stopDate":1795608001.5,"status":"FAILED",
            "error":"States.TaskFailed","cause":"boom","input":"{\"user\":1}"}"#,
    );
    let params = BTreeMap::from([
        (
            "StateMachineArn".to_string(),
            "arn:aws:states:ap-southeast-2:189107071895:stateMachine:fast".to_string(),
        ),
        ("Input".to_string(), r#"{"user":1}"#.to_string()),
        ("Name".to_string(), "run-1".to_string()),
    ]);
    let reply = call_action(&clients(&url), Action::StartSyncExecution, &params)
        .await
        .expect("the call reaches the loopback endpoint");

    let seen = seen.recv().expect("the fake saw the request");
    assert_eq!(
        seen.host,
        url.trim_start_matches("http://"),
        "no sync- prefix on an IP host"
    );
    assert_eq!(seen.target, "AWSStepFunctions.StartSyncExecution");
    let sent: serde_json::Value = serde_json::from_str(&seen.body).expect("JSON request");
    assert_eq!(
        sent["stateMachineArn"],
        "arn:aws:states:ap-southeast-2:189107071895:stateMachine:fast"
    );
    assert_eq!(sent["input"], r#"{"user":1}"#);
    assert_eq!(sent["name"], "run-1");

    // API Gateway relays a failed synchronous execution as a 200: the client must read status.
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["status"], "FAILED");
    assert_eq!(reply.body["error"], "States.TaskFailed");
    assert_eq!(reply.body["cause"], "boom");
}
