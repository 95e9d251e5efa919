//! Property tests: loading, validating and rendering a stack never panics, whatever the input.
//!
//! Inputs are (a) arbitrary strings, (b) arbitrary bytes read through a file, (c) mutations of
//! the onboarding stack `tests/fixtures/onboarding-existing-machine.toml` (byte edits, deleted,
//! duplicated and swapped lines, keys and values replaced) and (d) stacks generated field by field from values close to AWS's rules.
//! Every result must also be coherent: spans inside the source on character boundaries,
//! diagnostics in file order, a desired state exactly when there is no error.
//!
//! The default case counts keep this file to a few seconds; `PROPTEST_CASES=N` overrides them
//! for longer runs. Failures are kept in `tests/it/fuzz.proptest-regressions` and replayed first.

use std::io::Write;

use proptest::prelude::*;
use proptest::sample::Index;
use provision::domain::Authorization;
use provision::render::render_diagnostics;
use provision::stack::{self, Loaded};

const ONBOARDING: &str = include_str!("../fixtures/onboarding-existing-machine.toml");

/// `default` cases unless `PROPTEST_CASES` is set.
fn config(default: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = default;
    }
    config
}

/// Everything that must hold for any input, and rendering in both themes.
fn check(loaded: &Loaded) -> Result<(), TestCaseError> {
    let source = &loaded.source;
    let mut last = 0;
    for d in &loaded.diagnostics {
        prop_assert!(!d.message.is_empty(), "empty message: {d:?}");
        if let Some(span) = &d.span {
            prop_assert!(
                span.start <= span.end && span.end <= source.len(),
                "span {span:?} outside a source of {} bytes: {d:?}",
                source.len()
            );
            prop_assert!(
                source.is_char_boundary(span.start) && source.is_char_boundary(span.end),
                "span {span:?} splits a character: {d:?}"
            );
            prop_assert!(
                span.start >= last,
                "diagnostics out of file order: {:?}",
                loaded.diagnostics
            );
            last = span.start;
        }
    }
    if loaded.has_errors() {
        prop_assert!(loaded.desired.is_none(), "errors but a desired state");
    } else {
        prop_assert!(
            loaded.desired.is_some(),
            "no error but no desired state either: {:?}",
            loaded.diagnostics
        );
    }
    let plain = render_diagnostics(loaded, false, true);
    let fancy = render_diagnostics(loaded, true, true);
    prop_assert_eq!(plain.is_empty(), loaded.diagnostics.is_empty());
    prop_assert_eq!(fancy.is_empty(), loaded.diagnostics.is_empty());
    Ok(())
}

fn check_source(source: &str) -> Result<(), TestCaseError> {
    check(&stack::from_source(source))
}

fn check_bytes(bytes: &[u8]) -> Result<(), TestCaseError> {
    let mut file = tempfile::Builder::new()
        .suffix(".toml")
        .tempfile()
        .expect("temp file");
    file.write_all(bytes).expect("write temp file");
    file.flush().expect("flush temp file");
    let loaded = stack::load(file.path());
    if std::str::from_utf8(bytes).is_ok_and(|s| !s.contains('\0')) {
        prop_assert_eq!(loaded.source.as_bytes(), bytes);
    } else {
        prop_assert!(loaded.has_errors(), "binary input accepted");
    }
    check(&loaded)
}

// ---------------------------------------------------------------------------
// Pools of keys and values, near and far from what a stack accepts
// ---------------------------------------------------------------------------

const KEYS: &[&str] = &[
    "name",
    "region",
    "policy_name",
    "actions",
    "managed_policies",
    "key",
    "action",
    "state_machine",
    "parameters",
    "authorization",
    "auto_deploy",
    "throttling_burst_limit",
    "throttling_rate_limit",
    "stack",
    "api",
    "role",
    "route",
    "stage",
    "tags",
    "Input",
    "input",
    "Name",
    "ExecutionArn",
    "StateMachineArn",
    "TraceHeader",
    "nmae",
    "\"aws:owner\"",
    "\"provision:stack\"",
    "a.b.c",
    "route.key",
    "stage.name",
    "\"\"",
    "''",
    "\"é🦀\"",
    "[stage]",
    "[[route]]",
];

const VALUES: &[&str] = &[
    "\"$request.body\"",
    "\"$request.body.input\"",
    "\"$request.body..x\"",
    "\"$request.body[\"",
    "\"$request.body['a b'][0]\"",
    "\"$request.bdy.input\"",
    "\"$request.path.id\"",
    "\"$request.path.\"",
    "\"$request.header.\"",
    "\"$context.requestId\"",
    "\"$stageVariables.x\"",
    "\"$\"",
    "\"$default\"",
    "\"POST /new-user\"",
    "\"GET /users/{id}/files/{path+}\"",
    "\"GET /{a+}/b\"",
    "\"GET /{}\"",
    "\"GET //\"",
    "\"GET /{id}/{id}\"",
    "\"PSOT /x\"",
    "\"POST\"",
    "\" \"",
    "\"StartExecution\"",
    "\"StartSyncExecution\"",
    "\"StopExecution\"",
    "\"StartExecutions\"",
    "\"AWS_IAM\"",
    "\"NONE\"",
    "\"arn:aws:states:ap-southeast-2:189107071895:stateMachine:m\"",
    "\"arn:aws:states:ap-southeast-2:189107071895:execution:m:x\"",
    "\"arn:aws:lambda:ap-southeast-2:189107071895:function:f\"",
    "\"arn:aws:iam::aws:policy/x\"",
    "\"arn:::::::\"",
    "\"arn\"",
    "[\"states:StartExecution\"]",
    "[\"states:*\"]",
    "[\"states:StopExecution\", 3]",
    "[]",
    "[[]]",
    "{}",
    "{ Input = \"$request.body\" }",
    "{ ExecutionArn = \"$request.querystring.arn\" }",
    "{ Name = \"static\", StateMachineArn = \"x\" }",
    "{ a = { b = 1 } }",
    "true",
    "false",
    "0",
    "-1",
    "2147483648",
    "9223372036854775807",
    "99999999999999999999",
    "-9223372036854775808",
    "0x7fffffffffffffff",
    "0o777",
    "0b101",
    "1_000",
    "1.5",
    "-0.0",
    "1e400",
    "nan",
    "inf",
    "-inf",
    "1979-05-27T07:32:00Z",
    "07:32:00",
    "\"\"",
    "''",
    "'''multi\nline'''",
    "\"\"\"multi\nline\"\"\"",
    "\"é🦀\u{200b}\t\u{0301}\"",
    "\"\\u0000\"",
    "\"\\t\\r\\n\"",
];

fn key() -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(KEYS).prop_map(str::to_string),
        1 => "[A-Za-z_][A-Za-z0-9_-]{0,8}",
    ]
    .boxed()
}

fn quoted(s: String) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn route_key() -> BoxedStrategy<String> {
    prop_oneof![
        1 => Just("$default".to_string()),
        8 => "((GET|POST|ANY|DELETE) /([a-z]{1,5}|\\{(id|user)\\})(/[a-z]{1,4})?(/\\{path\\+\\})?)",
        1 => "(\\$default|(GET|POST|ANY|DELETE|PSOT|get|FETCH)? ?(/(\\{[a-z_-]{0,3}\\+?\\}?|[a-z{}?# ]{0,3}))*)",
    ]
    .boxed()
}

fn mapping() -> BoxedStrategy<String> {
    prop_oneof![
        8 => "(\\$request\\.body(\\.[a-z]{1,4}(\\[[0-9]\\])?)?|\\$request\\.(path|header|querystring)\\.(id|user|path|[a-z]{1,3})|\\$context\\.requestId|[a-z ]{0,6})",
        1 => "\\$?(request|context|stageVariables|reqest)?\\.?(body|path|header|querystring|bdy)?[.a-z0-9\\[\\]'\"?@*() ]{0,12}",
    ]
    .boxed()
}

fn arn() -> BoxedStrategy<String> {
    prop_oneof![
        8 => "arn:aws:states:(ap-southeast-2|us-east-1):[0-9]{12}:stateMachine:[A-Za-z0-9_-]{1,12}",
        1 => "arn:(aws|aws-cn)?:(states|lambda|iam)?:([a-z]{2}-[a-z]{3,9}-[0-9]|[A-Za-z]{0,6}):[0-9]{0,13}:(stateMachine|execution|function)?:[A-Za-z0-9_:./ -]{0,12}",
    ]
    .boxed()
}

fn value() -> BoxedStrategy<String> {
    prop_oneof![
        4 => prop::sample::select(VALUES).prop_map(str::to_string),
        1 => route_key().prop_map(quoted),
        1 => mapping().prop_map(quoted),
        1 => arn().prop_map(quoted),
        1 => any::<String>().prop_map(quoted),
        1 => "[ -~]{0,140}".prop_map(quoted),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<f64>().prop_map(|f| format!("{f:?}")),
    ]
    .boxed()
}

// ---------------------------------------------------------------------------
// (c) Mutations of the onboarding stack
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Edit {
    SetByte(Index, u8),
    InsertByte(Index, u8),
    DeleteBytes(Index, usize),
    DeleteLine(Index),
    DuplicateLine(Index, Index),
    SwapLines(Index, Index),
    InsertLine(Index, String),
    ReplaceKey(Index, String),
    ReplaceValue(Index, String),
    Crlf,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        2 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Edit::SetByte(i, b)),
        2 => (any::<Index>(), prop::sample::select(b"[]{}=\"'.,#\n\r\t \\$/0aZ\xc3\xa9\xff\x00".to_vec()))
            .prop_map(|(i, b)| Edit::InsertByte(i, b)),
        1 => (any::<Index>(), 1..20usize).prop_map(|(i, n)| Edit::DeleteBytes(i, n)),
        2 => any::<Index>().prop_map(Edit::DeleteLine),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::DuplicateLine(a, b)),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        2 => (any::<Index>(), (key(), value())).prop_map(|(i, (k, v))| Edit::InsertLine(i, format!("{k} = {v}"))),
        1 => (any::<Index>(), prop::sample::select(&["[stack]", "[api]", "[role]", "[[route]]", "[stage]", "[tags]", "[route]", "[[stage]]", "[route.parameters]", "[x]", "["][..]))
            .prop_map(|(i, h)| Edit::InsertLine(i, h.to_string())),
        3 => (any::<Index>(), key()).prop_map(|(i, k)| Edit::ReplaceKey(i, k)),
        4 => (any::<Index>(), value()).prop_map(|(i, v)| Edit::ReplaceValue(i, v)),
        1 => Just(Edit::Crlf),
    ]
}

fn lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect()
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    match edit {
        Edit::SetByte(i, b) => {
            if !bytes.is_empty() {
                let at = i.index(bytes.len());
                bytes[at] = *b;
            }
        }
        Edit::InsertByte(i, b) => {
            let at = i.index(bytes.len() + 1);
            bytes.insert(at, *b);
        }
        Edit::DeleteBytes(i, n) => {
            if !bytes.is_empty() {
                let at = i.index(bytes.len());
                let end = (at + n).min(bytes.len());
                bytes.drain(at..end);
            }
        }
        Edit::DeleteLine(i) => {
            let mut ls = lines(bytes);
            let at = i.index(ls.len());
            ls.remove(at);
            *bytes = ls.join(&b'\n');
        }
        Edit::DuplicateLine(from, to) => {
            let mut ls = lines(bytes);
            let line = ls[from.index(ls.len())].clone();
            let at = to.index(ls.len() + 1);
            ls.insert(at, line);
            *bytes = ls.join(&b'\n');
        }
        Edit::SwapLines(a, b) => {
            let mut ls = lines(bytes);
            let (a, b) = (a.index(ls.len()), b.index(ls.len()));
            ls.swap(a, b);
            *bytes = ls.join(&b'\n');
        }
        Edit::InsertLine(i, line) => {
            let mut ls = lines(bytes);
            let at = i.index(ls.len() + 1);
            ls.insert(at, line.as_bytes().to_vec());
            *bytes = ls.join(&b'\n');
        }
        Edit::Crlf => {
            let ls = lines(bytes);
            *bytes = ls.join(&b"\r\n"[..]);
        }
        Edit::ReplaceKey(i, key) | Edit::ReplaceValue(i, key) => {
            let mut ls = lines(bytes);
            let assignments: Vec<usize> = (0..ls.len()).filter(|n| ls[*n].contains(&b'=')).collect();
            if assignments.is_empty() {
                return;
            }
            let n = assignments[i.index(assignments.len())];
            let line = &ls[n];
            let eq = line.iter().position(|b| *b == b'=').expect("an assignment");
            let (before, after) = line.split_at(eq);
            ls[n] = match edit {
                Edit::ReplaceKey(..) => [key.as_bytes(), b" ", after].concat(),
                _ => [before, b"= ", key.as_bytes()].concat(),
            };
            *bytes = ls.join(&b'\n');
        }
    }
}

// ---------------------------------------------------------------------------
// (d) Stacks generated field by field
// ---------------------------------------------------------------------------

/// `key = value` for a field that is sometimes absent, sometimes of a random value.
fn field(name: &'static str, good: impl Strategy<Value = String> + 'static) -> BoxedStrategy<String> {
    prop_oneof![
        1 => Just(String::new()),
        20 => good.prop_map(move |v| format!("{name} = {v}\n")),
        1 => value().prop_map(move |v| format!("{name} = {v}\n")),
    ]
    .boxed()
}

/// A field that is usually left out: `[role] actions` and `managed_policies`.
fn optional_field(
    name: &'static str,
    good: impl Strategy<Value = String> + 'static,
) -> BoxedStrategy<String> {
    prop_oneof![3 => Just(String::new()), 1 => field(name, good)].boxed()
}

fn name_like(max: usize) -> BoxedStrategy<String> {
    prop_oneof![
        20 => proptest::string::string_regex(&format!("[A-Za-z0-9+=,.@_-]{{1,{max}}}")).expect("regex"),
        1 => proptest::string::string_regex(&format!("[A-Za-z0-9+=,.@_ /:é-]{{0,{}}}", max + 4)).expect("regex"),
    ]
    .prop_map(quoted)
    .boxed()
}

/// `parameters = { ... }` with keys mostly from `keys`, sometimes from anywhere.
fn parameters(keys: &'static [&'static str]) -> BoxedStrategy<String> {
    let all: &'static [&'static str] = &[
        "Input",
        "Name",
        "Region",
        "ExecutionArn",
        "Cause",
        "Error",
        "TraceHeader",
        "input",
        "StateMachineArn",
    ];
    prop::collection::btree_map(
        prop_oneof![12 => prop::sample::select(keys), 1 => prop::sample::select(all)],
        mapping().prop_map(quoted),
        0..3,
    )
    .prop_map(|ps| {
        let inner: Vec<String> = ps.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        format!("{{ {} }}", inner.join(", "))
    })
    .boxed()
}

/// An action and parameters that mostly suit it.
fn action_and_parameters() -> BoxedStrategy<String> {
    let action = |a: &'static str| quoted(a.to_string());
    prop_oneof![
        6 => (field("action", Just(action("StartExecution"))), field("parameters", parameters(&["Input", "Name", "Region"]))),
        3 => (field("action", Just(action("StartSyncExecution"))), field("parameters", parameters(&["Input", "Name", "TraceHeader"]))),
        // StopExecution needs ExecutionArn: put it first so most maps have it.
        3 => (field("action", Just(action("StopExecution"))), field("parameters", parameters(&["ExecutionArn", "Cause"])
            .prop_map(|p| if p.contains("ExecutionArn") { p } else { p.replacen("{ ", "{ ExecutionArn = \"$request.querystring.arn\", ", 1) }))),
        1 => (field("action", Just(action("Start"))), field("parameters", parameters(&["Input"]))),
    ]
    .prop_map(|(a, p)| format!("{a}{p}"))
    .boxed()
}

fn route() -> BoxedStrategy<String> {
    (
        field("key", route_key().prop_map(quoted)),
        action_and_parameters(),
        field("state_machine", arn().prop_map(quoted)),
        field(
            "authorization",
            prop_oneof![20 => prop::sample::select(&["NONE", "AWS_IAM"][..]), 1 => Just("JWT")]
                .prop_map(|s| quoted(s.to_string())),
        ),
    )
        .prop_map(|(k, ap, s, au)| format!("[[route]]\n{k}{ap}{s}{au}\n"))
        .boxed()
}

fn generated_stack() -> BoxedStrategy<String> {
    let stack = (
        field(
            "name",
            prop_oneof![8 => "[A-Za-z0-9_.-]{1,20}", 1 => "[A-Za-z0-9_. é-]{0,20}"].prop_map(quoted),
        ),
        field(
            "region",
            prop_oneof![
                4 => "[a-z]{2}(-[a-z]{2,9}){1,2}-[0-9]{1,2}",
                1 => "[A-Za-z -]{0,12}",
            ]
            .prop_map(quoted),
        ),
    )
        .prop_map(|(n, r)| format!("[stack]\n{n}{r}\n"));
    let api = field("name", name_like(130)).prop_map(|n| format!("[api]\n{n}\n"));
    let role = (
        field("name", name_like(66)),
        field("policy_name", name_like(130)),
        optional_field(
            "actions",
            prop::collection::vec(
                prop::sample::select(
                    &[
                        "states:StartExecution",
                        "states:StartSyncExecution",
                        "states:StopExecution",
                        "states:*",
                        "states:DescribeExecution",
                        "states:StartExecutoin",
                    ][..],
                ),
                0..4,
            )
            .prop_map(|a| format!("{:?}", a)),
        ),
        optional_field(
            "managed_policies",
            prop::collection::vec(
                prop_oneof![
                    3 => "arn:aws:iam::(aws|[0-9]{12}):policy/[A-Za-z/]{1,12}",
                    1 => arn(),
                ],
                0..3,
            )
            .prop_map(|a| format!("{a:?}")),
        ),
    )
        .prop_map(|(n, p, a, m)| format!("[role]\n{n}{p}{a}{m}\n"));
    let stage = prop_oneof![
        1 => Just(String::new()),
        3 => (
            field(
                "name",
                prop_oneof![8 => "(\\$default|[A-Za-z0-9_-]{1,10})", 1 => "[A-Za-z0-9_ $-]{0,10}"].prop_map(quoted),
            ),
            field("auto_deploy", any::<bool>().prop_map(|b| b.to_string())),
            field(
                "throttling_burst_limit",
                prop_oneof![4 => 0..5000i64, 1 => any::<i64>()].prop_map(|n| n.to_string()),
            ),
            field(
                "throttling_rate_limit",
                prop_oneof![4 => 0.0..1000.0f64, 1 => any::<f64>()].prop_map(|f| format!("{f:?}")),
            ),
        )
            .prop_map(|(n, a, b, r)| format!("[stage]\n{n}{a}{b}{r}\n")),
    ];
    let tags = prop_oneof![
        2 => Just(String::new()),
        1 => prop::collection::btree_map("[a-z:]{1,6}", "[ -~]{0,8}", 0..60).prop_map(|ts| {
            let lines: String = ts
                .into_iter()
                .map(|(k, v)| format!("{} = {}\n", quoted(k), quoted(v)))
                .collect();
            format!("[tags]\n{lines}")
        }),
    ];
    (
        stack,
        api,
        role,
        prop_oneof![1 => prop::collection::vec(route(), 0..1), 8 => prop::collection::vec(route(), 1..4)],
        stage,
        tags,
    )
        .prop_map(|(s, a, r, routes, st, t)| format!("{s}{a}{r}{}{st}{t}", routes.concat()))
        .boxed()
}

// ---------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(12000))]

    #[test]
    fn arbitrary_strings(source in any::<String>()) {
        check_source(&source)?;
    }

    #[test]
    fn toml_shaped_strings(source in "([\\[\\]a-z_.=\"' {},0-9$/+#:\n-]|\\[\\[route\\]\\]|\\[stack\\]|name = |key = ){0,60}") {
        check_source(&source)?;
    }
}

proptest! {
    #![proptest_config(config(4000))]

    #[test]
    fn arbitrary_bytes_through_a_file(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        check_bytes(&bytes)?;
    }

    #[test]
    fn onboarding_bytes_with_edits_through_a_file(edits in prop::collection::vec(edit(), 1..6)) {
        let mut bytes = ONBOARDING.as_bytes().to_vec();
        for e in &edits {
            apply(&mut bytes, e);
        }
        check_bytes(&bytes)?;
    }
}

proptest! {
    #![proptest_config(config(12000))]

    #[test]
    fn onboarding_mutations(edits in prop::collection::vec(edit(), 1..8)) {
        let mut bytes = ONBOARDING.as_bytes().to_vec();
        for e in &edits {
            apply(&mut bytes, e);
        }
        check_source(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn generated_stacks(source in generated_stack()) {
        check_source(&source)?;
    }
}

/// A stack valid by construction: any name in AWS's alphabets, 1-4 routes with distinct keys,
/// each action with the parameters it allows and any authorization (JWT routes through a
/// declared authorizer, with scopes), CORS, both throttling limits and access logs.
fn valid_stack() -> BoxedStrategy<String> {
    let route = (
        prop::sample::select(vec!["GET", "POST", "PUT", "PATCH", "DELETE", "ANY"]),
        "[a-z][a-z0-9-]{0,12}",
        prop::sample::select(vec!["StartExecution", "StartSyncExecution", "StopExecution"]),
        // Names Step Functions takes (dots included), unqualified, a version or an alias.
        "[A-Za-z0-9_.-]{1,40}(:[1-9][0-9]{0,3}|:[A-Za-z_.-][A-Za-z0-9_.-]{0,20})?",
        prop::sample::select(vec!["NONE", "AWS_IAM", "JWT"]),
    );
    let extras = (
        prop::collection::vec("https://[a-z]{1,10}\\.example\\.com(:[1-9][0-9]{0,3})?", 1..4),
        prop::collection::vec(prop::sample::select(vec!["GET", "POST", "OPTIONS", "*"]), 0..3),
        -1..=86400i64,
        "[A-Za-z0-9_./#-]{1,60}",
        "[a-z]{1,10}/[a-z]{1,10}",
    );
    (
        "[a-z][a-z0-9._-]{0,30}",
        "[A-Za-z0-9][A-Za-z0-9 _-]{0,40}",
        "[A-Za-z0-9+=,.@_-]{1,64}",
        "[A-Za-z0-9+=,.@_-]{1,128}",
        prop::collection::vec(route, 1..5),
        1..5000i64,
        1..5000u32,
        extras,
    )
        .prop_map(|(stack, api, role, policy, routes, burst, rate, extras)| {
            let (origins, methods, max_age, log_group, scope) = extras;
            let mut out = format!(
                "[stack]\nname = \"{stack}\"\nregion = \"ap-southeast-2\"\n[api]\nname = \"{api}\"\n\
                 [api.cors]\nallow_origins = {origins:?}\nallow_methods = {methods:?}\nmax_age = {max_age}\n\
                 [role]\nname = \"{role}\"\npolicy_name = \"{policy}\"\nrestrict_source_account = true\n"
            );
            if routes.iter().any(|r| r.4 == "JWT") {
                out.push_str(
                    "[[authorizer]]\nname = \"jwt\"\nissuer = \"https://issuer.example.com/pool\"\n\
                     audience = [\"client\"]\n",
                );
            }
            for (i, (method, path, action, machine, auth)) in routes.iter().enumerate() {
                let parameters = match *action {
                    "StopExecution" => "{ ExecutionArn = \"$request.querystring.arn\", Cause = \"stopped\" }",
                    _ if i % 2 == 0 => "{ Input = \"$request.body\", Name = \"$context.requestId\" }",
                    _ => "{ Input = \"${request.body}\", Name = \"run-${request.path.id}_${context.requestId}\" }",
                };
                let authorization = match *auth {
                    "JWT" => format!("authorizer = \"jwt\"\nscopes = [\"{scope}\"]"),
                    other => format!("authorization = \"{other}\""),
                };
                out.push_str(&format!(
                    "[[route]]\nkey = \"{method} /{path}/{i}/{{id}}\"\naction = \"{action}\"\n\
                     state_machine = \"arn:aws:states:ap-southeast-2:189107071895:stateMachine:{machine}\"\n\
                     {authorization}\nparameters = {parameters}\n"
                ));
            }
            out.push_str(&format!(
                "[stage]\nthrottling_burst_limit = {burst}\nthrottling_rate_limit = {rate}.5\n\
                 [stage.access_log]\ndestination_arn = \"arn:aws:logs:ap-southeast-2:189107071895:log-group:{log_group}\"\n"
            ));
            out
        })
        .boxed()
}

proptest! {
    #![proptest_config(config(300))]

    /// The other half of "never panics": a validator that rejected everything would pass the
    /// properties above, so valid stacks must come out clean and deployable.
    #[test]
    fn valid_stacks_have_no_errors(source in valid_stack()) {
        let loaded = stack::from_source(&source);
        let errors: Vec<_> = loaded.diagnostics.iter().filter(|d| d.is_error()).collect();
        prop_assert!(errors.is_empty(), "{errors:#?}\n{source}");
        let desired = loaded.desired.as_ref().expect("valid stacks have a desired state");
        prop_assert!(desired.api.cors.is_some() && desired.stage.access_log.is_some());
        prop_assert!(desired.role.restrict_source_account);
        let jwt = desired.routes.iter().filter(|r| r.authorization == Authorization::Jwt).count();
        prop_assert_eq!(jwt, desired.routes.iter().filter(|r| r.authorizer.is_some()).count());
        check(&loaded)?;
    }
}

#[test]
fn the_onboarding_stack_passes_the_checks() {
    check_source(ONBOARDING).unwrap();
    let crlf = ONBOARDING.replace('\n', "\r\n");
    let loaded = stack::from_source(&crlf);
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    check(&loaded).unwrap();
}
