//! Route selection as API Gateway HTTP APIs do it.
//!
//! The developer guide ("Create routes for HTTP APIs in API Gateway", section "Routing API requests")
//! gives the priority: "1. Full match for a route and method. 2. Match for a route and method with a
//! greedy path variable ({proxy+}). 3. The $default route." So a route without a greedy variable
//! that matches beats every greedy one (`GET /{x}/{y}` beats `GET /a/{proxy+}` for `GET /a/b`).
//! Within a tier the most specific path wins: paths are compared segment by segment from the left,
//! a literal segment beating `{param}` and `{param}` beating a greedy `{proxy+}`. For two routes with
//! the same path shape, an exact method beats `ANY` ("The ANY method matches all methods that you
//! haven't defined for a route").

use std::collections::BTreeMap;

use percent_encoding::percent_decode_str;

use crate::stack::rules::{RouteKey, parse_route_key};

/// The route a request is served by, and its path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch {
    /// Position of the route key in the slice given to [`match_route`].
    pub index: usize,
    /// The route key as given, e.g. `GET /users/{id}` or `$default`.
    pub key: String,
    /// Path parameter values by name (without braces or `+`), percent-decoded.
    pub path_params: BTreeMap<String, String>,
}

/// The best path route so far.
struct Candidate {
    /// Whether the route has a greedy variable: a full match (no greedy variable) always wins.
    greedy: bool,
    /// Kind of each route segment, compared lexicographically: smaller is more specific.
    rank: Vec<Kind>,
    /// Whether the route's method is `ANY` (loses ties to an exact method).
    any: bool,
    index: usize,
    params: BTreeMap<String, String>,
}

/// How a route segment matched; lower is more specific.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Literal,
    Param,
    Greedy,
}

/// Matches like HTTP APIs do over the given route keys (e.g. `"POST /new-user"`, `"GET /users/{id}"`,
/// `"ANY /files/{proxy+}"`, `"$default"`).
///
/// A full match (a route without a greedy variable) beats any route with one. Within that, exact
/// method beats `ANY`; the most specific path wins (literal segments beat `{param}`, `{param}`
/// beats greedy `{p+}`; more segments matched literally first). Path specificity is decided before
/// the method: `ANY /users/me` beats `GET /users/{id}` for `GET /users/me`. `$default` is chosen
/// only when nothing else matches; no match gives `None`. Among equally specific routes the first
/// listed wins.
///
/// Path parameter values are percent-decoded; a greedy `{p+}` captures the rest of the path (without
/// leading slash) and needs at least one segment. Trailing slash: `/a/` does not match `/a`. The
/// method compare is case-sensitive, upper-case as sent. Route keys that do not parse are ignored.
pub fn match_route(route_keys: &[String], method: &str, path: &str) -> Option<RouteMatch> {
    let mut best: Option<Candidate> = None;
    let mut default = None;
    for (index, key) in route_keys.iter().enumerate() {
        match parse_route_key(key) {
            Err(_) => {}
            Ok(RouteKey::Default) => {
                default.get_or_insert(index);
            }
            Ok(RouteKey::Path {
                method: route_method,
                path: pattern,
            }) => {
                let any = route_method == "ANY";
                if !any && route_method != method {
                    continue;
                }
                let Some((rank, params)) = match_path(&pattern, path) else {
                    continue;
                };
                let greedy = rank.last() == Some(&Kind::Greedy);
                let better = match &best {
                    None => true,
                    Some(b) => (greedy, &rank, any) < (b.greedy, &b.rank, b.any),
                };
                if better {
                    best = Some(Candidate {
                        greedy,
                        rank,
                        any,
                        index,
                        params,
                    });
                }
            }
        }
    }
    match best {
        Some(Candidate { index, params, .. }) => Some(RouteMatch {
            index,
            key: route_keys[index].clone(),
            path_params: params,
        }),
        None => default.map(|index| RouteMatch {
            index,
            key: route_keys[index].clone(),
            path_params: BTreeMap::new(),
        }),
    }
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Matches a request path (raw, as sent) against a route path; returns the kind of each route
/// segment and the decoded parameters.
fn match_path(pattern: &str, path: &str) -> Option<(Vec<Kind>, BTreeMap<String, String>)> {
    let rest = path.strip_prefix('/')?;
    let pattern = pattern.strip_prefix('/')?;
    let route: Vec<&str> = if pattern.is_empty() {
        Vec::new()
    } else {
        pattern.split('/').collect()
    };
    let segments: Vec<&str> = if rest.is_empty() {
        Vec::new()
    } else {
        rest.split('/').collect()
    };
    let mut kinds = Vec::with_capacity(route.len());
    let mut params = BTreeMap::new();
    for (i, part) in route.iter().enumerate() {
        let param = part.strip_prefix('{').and_then(|p| p.strip_suffix('}'));
        match param {
            Some(name) if name.ends_with('+') => {
                // The rest of the raw path from this segment on, decoded as a whole.
                let captured = segments.get(i..).map(|s| s.join("/")).unwrap_or_default();
                if captured.is_empty() {
                    return None;
                }
                params.insert(name.trim_end_matches('+').to_string(), decode(&captured));
                kinds.push(Kind::Greedy);
                return Some((kinds, params));
            }
            Some(name) => {
                let segment = segments.get(i).filter(|s| !s.is_empty())?;
                params.insert(name.to_string(), decode(segment));
                kinds.push(Kind::Param);
            }
            None => {
                let segment = segments.get(i)?;
                if decode(segment) != *part {
                    return None;
                }
                kinds.push(Kind::Literal);
            }
        }
    }
    (segments.len() == route.len()).then_some((kinds, params))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUTES: &[&str] = &[
        "POST /new-user",
        "GET /users/{id}",
        "GET /users/me",
        "ANY /users/{id}",
        "GET /users/{id}/files/{path+}",
        "ANY /files/{proxy+}",
        "GET /files/{proxy+}",
        "GET /a/{x}/c",
        "GET /{y}/b/c",
        "GET /p/{x}",
        "GET /p/{rest+}",
        "DELETE /items/{id}",
        "ANY /any-only",
        "GET /",
        "not a route key",
        "GET /broken/{",
        "$default",
    ];

    /// Same routes without `$default`, so that a miss is visible.
    fn without_default() -> Vec<&'static str> {
        ROUTES.iter().copied().filter(|k| *k != "$default").collect()
    }

    /// Path specificity is decided before the method; the first listed wins a full tie.
    const PRIORITY: &[&str] = &["ANY /users/me", "GET /users/{id}", "GET /users/{other}"];

    type Row = (
        &'static [&'static str],
        &'static str,
        &'static str,
        Option<(&'static str, &'static [(&'static str, &'static str)])>,
    );

    /// Matches each row's method and path over its routes against the expected route.
    fn check(table: &[Row]) {
        for (routes, method, path, want) in table {
            let keys: Vec<String> = routes.iter().map(|k| k.to_string()).collect();
            let got = match_route(&keys, method, path);
            let want = want.map(|(key, params)| RouteMatch {
                index: routes
                    .iter()
                    .position(|k| *k == key)
                    .expect("expected key is in the table"),
                key: key.to_string(),
                path_params: params
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            });
            assert_eq!(got, want, "{method} {path} over {routes:?}");
        }
    }

    /// Literal, parameter and greedy routes; methods and `ANY` (the guide's "Routing API requests").
    #[test]
    fn routes_are_selected_like_http_apis() {
        check(&[
            // Literal routes and method.
            (ROUTES, "POST", "/new-user", Some(("POST /new-user", &[]))),
            (ROUTES, "GET", "/new-user", Some(("$default", &[]))),
            (ROUTES, "GET", "/", Some(("GET /", &[]))),
            (ROUTES, "HEAD", "/any-only", Some(("ANY /any-only", &[]))),
            // Exact beats param beats greedy.
            (ROUTES, "GET", "/users/me", Some(("GET /users/me", &[]))),
            (
                ROUTES,
                "GET",
                "/users/42",
                Some(("GET /users/{id}", &[("id", "42")])),
            ),
            (ROUTES, "GET", "/p/q", Some(("GET /p/{x}", &[("x", "q")]))),
            (
                ROUTES,
                "GET",
                "/p/q/r",
                Some(("GET /p/{rest+}", &[("rest", "q/r")])),
            ),
            // Leftmost literal segment wins.
            (ROUTES, "GET", "/a/b/c", Some(("GET /a/{x}/c", &[("x", "b")]))),
            (ROUTES, "GET", "/z/b/c", Some(("GET /{y}/b/c", &[("y", "z")]))),
            // ANY vs method.
            (
                ROUTES,
                "PUT",
                "/users/42",
                Some(("ANY /users/{id}", &[("id", "42")])),
            ),
            (
                ROUTES,
                "GET",
                "/files/a/b",
                Some(("GET /files/{proxy+}", &[("proxy", "a/b")])),
            ),
            (
                ROUTES,
                "POST",
                "/files/a",
                Some(("ANY /files/{proxy+}", &[("proxy", "a")])),
            ),
            (
                ROUTES,
                "get",
                "/users/42",
                Some(("ANY /users/{id}", &[("id", "42")])),
            ),
            (ROUTES, "get", "/new-user", Some(("$default", &[]))),
            // Greedy captures the rest and needs a segment.
            (
                ROUTES,
                "GET",
                "/users/7/files/x/y.txt",
                Some((
                    "GET /users/{id}/files/{path+}",
                    &[("id", "7"), ("path", "x/y.txt")],
                )),
            ),
            (ROUTES, "GET", "/users/7/files", Some(("$default", &[]))),
            (ROUTES, "GET", "/files", Some(("$default", &[]))),
            (ROUTES, "GET", "/files/", Some(("$default", &[]))),
        ]);
    }

    /// Decoding, distinct trailing slashes, `$default` and ties.
    #[test]
    fn paths_are_decoded_and_defaults_and_ties_resolved_like_http_apis() {
        check(&[
            // Percent-decoded parameters; `+` is not a space in a path.
            (
                ROUTES,
                "GET",
                "/users/a%20b%2Fc+d",
                Some(("GET /users/{id}", &[("id", "a b/c+d")])),
            ),
            (
                ROUTES,
                "DELETE",
                "/items/%E2%9C%93",
                Some(("DELETE /items/{id}", &[("id", "✓")])),
            ),
            (
                ROUTES,
                "GET",
                "/files/a%2Fb/c%20d",
                Some(("GET /files/{proxy+}", &[("proxy", "a/b/c d")])),
            ),
            (ROUTES, "POST", "/new%2Duser", Some(("POST /new-user", &[]))),
            // Trailing slash and empty segments are distinct paths.
            (ROUTES, "POST", "/new-user/", Some(("$default", &[]))),
            (ROUTES, "GET", "/users/42/", Some(("$default", &[]))),
            (ROUTES, "GET", "/users//", Some(("$default", &[]))),
            (ROUTES, "GET", "/users/", Some(("$default", &[]))),
            (ROUTES, "GET", "/a//c", Some(("$default", &[]))),
            // $default only when nothing else matches; no $default -> no match.
            (ROUTES, "PATCH", "/nowhere", Some(("$default", &[]))),
            (&[], "GET", "/", None),
            (&["GET /a"], "GET", "/b", None),
            (&["GET /a"], "POST", "/a", None),
            (&["GET /a"], "GET", "a", None),
            (&["nonsense", "GET /{p+"], "GET", "/x", None),
            (&["GET /{p+}"], "GET", "/", None),
            (
                &["GET /{p+}"],
                "GET",
                "/x/y",
                Some(("GET /{p+}", &[("p", "x/y")])),
            ),
            // Path before method; first listed on a full tie.
            (PRIORITY, "GET", "/users/me", Some(("ANY /users/me", &[]))),
            (
                PRIORITY,
                "GET",
                "/users/1",
                Some(("GET /users/{id}", &[("id", "1")])),
            ),
            (
                &["ANY /x/{a}", "GET /x/{b}"],
                "GET",
                "/x/1",
                Some(("GET /x/{b}", &[("b", "1")])),
            ),
            (&["$default", "GET /x"], "GET", "/x", Some(("GET /x", &[]))),
        ]);
    }

    /// The guide's example table ("Routing API requests") keeps its documented winners.
    #[test]
    fn the_developer_guide_example_keeps_its_winners() {
        let routes = [
            "GET /pets/dog/1",
            "GET /pets/dog/{id}",
            "GET /pets/{proxy+}",
            "ANY /{proxy+}",
            "$default",
        ];
        let keys: Vec<String> = routes.iter().map(|k| k.to_string()).collect();
        for (method, path, want) in [
            ("GET", "/pets/dog/1", "GET /pets/dog/1"),
            ("GET", "/pets/dog/2", "GET /pets/dog/{id}"),
            ("GET", "/pets/cat/1", "GET /pets/{proxy+}"),
            ("POST", "/pets/dog/1", "ANY /{proxy+}"),
            ("GET", "/", "$default"),
        ] {
            let got = match_route(&keys, method, path).map(|m| m.key);
            assert_eq!(got.as_deref(), Some(want), "{method} {path}");
        }
    }

    /// "Full match" before "greedy": a route of parameters beats a greedy route with a literal
    /// prefix, whatever their order.
    #[test]
    fn a_full_match_beats_a_greedy_route() {
        for routes in [
            ["GET /{x}/{y}", "GET /a/{proxy+}"],
            ["GET /a/{proxy+}", "GET /{x}/{y}"],
        ] {
            let keys: Vec<String> = routes.iter().map(|k| k.to_string()).collect();
            let got = match_route(&keys, "GET", "/a/b").expect("matches");
            assert_eq!(got.key, "GET /{x}/{y}");
            assert_eq!(got.path_params.get("x").map(String::as_str), Some("a"));
            let deeper = match_route(&keys, "GET", "/a/b/c").expect("matches");
            assert_eq!(deeper.key, "GET /a/{proxy+}");
        }
        let keys: Vec<String> = ["ANY /{x}/{y}", "GET /a/{proxy+}"]
            .iter()
            .map(|k| k.to_string())
            .collect();
        assert_eq!(
            match_route(&keys, "GET", "/a/b").map(|m| m.key).as_deref(),
            Some("ANY /{x}/{y}"),
            "a full match with ANY still beats a greedy match with the method"
        );
    }

    #[test]
    fn misses_without_default() {
        let keys: Vec<String> = without_default().iter().map(|k| k.to_string()).collect();
        for (method, path) in [
            ("GET", "/users/7/files"),
            ("GET", "/files"),
            ("PATCH", "/nowhere"),
            ("GET", ""),
        ] {
            assert_eq!(match_route(&keys, method, path), None, "{method} {path}");
        }
        let hit = match_route(&keys, "GET", "/users/me").expect("matches");
        assert_eq!(keys[hit.index], hit.key);
    }
}
