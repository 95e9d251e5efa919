//! Where a JWT authorizer's keys come from, found as API Gateway finds them: the issuer's discovery
//! document `{issuer}/.well-known/openid-configuration` names a `jwks_uri`, whose key set is
//! fetched and cached (developer guide, "Control access to HTTP APIs with JWT authorizers": keys
//! are cached for up to two hours; a token whose `kid` is unknown makes the keys be fetched again).
//! The HTTP API quotas page bounds both fetches: 1500 ms each, at most 150000 bytes of key set.
//!
//! `provision serve --jwks ISSUER=FILE_OR_URL` points an issuer at a key set directly (a file, or an
//! `http(s)://` URL), for offline work and tests.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use jsonwebtoken::jwk::JwkSet;

/// How long fetched keys are used before they are fetched again.
pub const CACHE_FOR: Duration = Duration::from_secs(2 * 3600);
/// "Timeout for OpenID Connect discovery endpoint" and "for JSON Web Key Set endpoint" (quotas).
pub const FETCH_TIMEOUT: Duration = Duration::from_millis(1500);
/// "Response size from JSON Web Key Set endpoint" (quotas).
pub const MAX_JWKS_BYTES: usize = 150_000;

/// Keys by issuer, with the `--jwks` overrides.
#[derive(Debug, Default)]
pub struct KeyStore {
    overrides: BTreeMap<String, String>,
    cache: Mutex<HashMap<String, (Instant, Arc<JwkSet>)>>,
}

/// Parses `ISSUER=FILE_OR_URL` at the first `=` (an issuer URL has none; a key set URL may).
pub fn parse_override(arg: &str) -> Result<(String, String), String> {
    match arg.split_once('=') {
        Some((issuer, source)) if !issuer.is_empty() && !source.is_empty() => {
            Ok((issuer.to_string(), source.to_string()))
        }
        _ => Err(format!(
            "--jwks {arg}: expected ISSUER=FILE_OR_URL, e.g. https://issuer.example=keys.json"
        )),
    }
}

impl KeyStore {
    /// A store with `overrides` (issuer -> file or URL of a key set).
    pub fn new(overrides: BTreeMap<String, String>) -> Self {
        Self {
            overrides,
            cache: Mutex::default(),
        }
    }

    /// Where the keys of `issuer` come from, for the banner.
    pub fn source(&self, issuer: &str) -> String {
        self.overrides.get(issuer).cloned().unwrap_or_else(|| {
            format!(
                "{}/.well-known/openid-configuration",
                issuer.trim_end_matches('/')
            )
        })
    }

    /// The key set named by the issuer's discovery document (API Gateway's way).
    async fn discover(&self, issuer: &str) -> Result<String, String> {
        let discovery = self.source(issuer);
        let document: serde_json::Value = serde_json::from_str(&fetch(&discovery).await?)
            .map_err(|e| format!("{discovery} is not JSON: {e}"))?;
        let Some(uri) = document["jwks_uri"].as_str() else {
            return Err(format!("{discovery} has no jwks_uri"));
        };
        fetch(uri).await
    }

    /// The issuer's keys: cached unless `refresh`, else fetched. The error says why they cannot
    /// be had.
    pub async fn keys(&self, issuer: &str, refresh: bool) -> Result<Arc<JwkSet>, String> {
        if !refresh
            && let Ok(cache) = self.cache.lock()
            && let Some((at, keys)) = cache.get(issuer)
            && at.elapsed() < CACHE_FOR
        {
            return Ok(keys.clone());
        }
        let text = match self.overrides.get(issuer) {
            Some(source) if is_url(source) => fetch(source).await?,
            Some(file) => std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))?,
            None => self.discover(issuer).await.map_err(|why| {
                format!(
                    "{why}; to verify this issuer's tokens without its discovery document, run serve with \
                     --jwks {issuer}=KEYS (a JWKS file or URL)"
                )
            })?,
        };
        if text.len() > MAX_JWKS_BYTES {
            return Err(format!("the key set of {issuer} is over {MAX_JWKS_BYTES} bytes"));
        }
        let keys: JwkSet =
            serde_json::from_str(&text).map_err(|e| format!("the key set of {issuer} is not a JWKS: {e}"))?;
        let keys = Arc::new(keys);
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(issuer.to_string(), (Instant::now(), keys.clone()));
        }
        Ok(keys)
    }
}

fn is_url(s: &str) -> bool {
    s.starts_with("https://") || s.starts_with("http://")
}

/// GETs `url` within [`FETCH_TIMEOUT`], reading at most [`MAX_JWKS_BYTES`] (plus one, to tell).
pub async fn fetch(url: &str) -> Result<String, String> {
    let client = crate::request::client().map_err(|e| format!("no TLS roots to fetch {url}: {e}"))?;
    let request = hyper::Request::get(url)
        .header("accept", "application/json")
        .body(Full::new(Bytes::new()))
        .map_err(|e| format!("{url} is not a usable URL: {e}"))?;
    let exchange = async {
        let response = client
            .request(request)
            .await
            .map_err(|e| format!("GET {url} failed: {e}"))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("GET {url} answered {status}"));
        }
        let body = Limited::new(response.into_body(), MAX_JWKS_BYTES + 1)
            .collect()
            .await
            .map_err(|e| format!("GET {url}: {e}"))?
            .to_bytes();
        String::from_utf8(body.to_vec()).map_err(|_| format!("GET {url}: the answer is not UTF-8"))
    };
    tokio::time::timeout(FETCH_TIMEOUT, exchange)
        .await
        .map_err(|_| format!("GET {url} took longer than {} ms", FETCH_TIMEOUT.as_millis()))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const JWKS: &str = r#"{"keys":[{"kty":"RSA","kid":"k1","n":"AQAB","e":"AQAB"}]}"#;

    /// A one-path HTTP server on loopback: the discovery document and the key set.
    async fn issuer() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let jwks_uri = format!("{base}/keys");
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let mut buf = vec![0u8; 4096];
                let n = stream.read(&mut buf).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]).to_string();
                let body = if request.starts_with("GET /.well-known/openid-configuration") {
                    format!(r#"{{"issuer":"x","jwks_uri":"{jwks_uri}"}}"#)
                } else {
                    JWKS.to_string()
                };
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(reply.as_bytes()).await;
            }
        });
        base
    }

    #[tokio::test]
    async fn keys_are_found_through_the_discovery_document() {
        let issuer = issuer().await;
        let store = KeyStore::default();
        let keys = store.keys(&issuer, false).await.expect("keys");
        assert!(keys.find("k1").is_some());
        assert_eq!(
            store.source(&issuer),
            format!("{issuer}/.well-known/openid-configuration")
        );
    }

    #[tokio::test]
    async fn overrides_and_failures() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("keys.json");
        std::fs::write(&file, JWKS).expect("write");
        let store = KeyStore::new(
            [
                ("https://a.example".to_string(), file.display().to_string()),
                (
                    "https://b.example".to_string(),
                    "http://127.0.0.1:9/none".to_string(),
                ),
                (
                    "https://c.example".to_string(),
                    dir.path().join("missing.json").display().to_string(),
                ),
            ]
            .into_iter()
            .collect(),
        );
        assert!(
            store
                .keys("https://a.example", false)
                .await
                .expect("file")
                .find("k1")
                .is_some()
        );
        let refused = store
            .keys("https://b.example", false)
            .await
            .expect_err("nothing listens");
        assert!(refused.contains("GET http://127.0.0.1:9/none"), "{refused}");
        let missing = store.keys("https://c.example", false).await.expect_err("no file");
        assert!(missing.contains("cannot read"), "{missing}");
        assert_eq!(
            parse_override("https://i.example=keys.json"),
            Ok(("https://i.example".to_string(), "keys.json".to_string()))
        );
        assert!(parse_override("no-equals").is_err());
    }
}
