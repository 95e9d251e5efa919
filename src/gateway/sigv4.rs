//! `AWS_IAM` route authorization: the request must carry a Signature Version 4 `Authorization`
//! header (IAM User Guide, "AWS Signature Version 4 for API requests"; API Gateway developer guide,
//! "Control access to HTTP APIs with IAM authorization"). Without one, or with one that does not
//! parse, the route answers 403 `{"message":"Forbidden"}`. When the access key is the one this
//! gateway's own credentials use, the signature is recomputed and must match; other keys cannot be
//! checked locally, and the request is served with a note in the log.

use aws_lc_rs::{digest, hmac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// How far a signed request's time may be from now (the SigV4 guide: a signature is valid for
/// 15 minutes).
pub const MAX_SKEW_SECS: i64 = 15 * 60;

/// The message API Gateway answers for a signature it recomputed differently.
pub const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/// The parts of a SigV4 `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// Access key id.
    pub access_key: String,
    /// `YYYYMMDD` of the credential scope.
    pub date: String,
    /// Region of the credential scope.
    pub region: String,
    /// Service of the credential scope.
    pub service: String,
    /// Signed header names, lower case, as listed.
    pub signed_headers: Vec<String>,
    /// Hex signature.
    pub signature: String,
}

/// Parses `AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, SignedHeaders=a;b,
/// Signature=HEX`; `None` when it is not that shape.
pub fn parse(header: &str) -> Option<Authorization> {
    let rest = header.trim().strip_prefix("AWS4-HMAC-SHA256")?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k.trim() {
            "Credential" => credential = Some(v.trim()),
            "SignedHeaders" => signed = Some(v.trim()),
            "Signature" => signature = Some(v.trim()),
            _ => return None,
        }
    }
    let scope: Vec<&str> = credential?.split('/').collect();
    let [access_key, date, region, service, "aws4_request"] = scope.as_slice() else {
        return None;
    };
    let signature = signature?;
    let valid_signature = signature.len() == 64 && signature.bytes().all(|b| b.is_ascii_hexdigit());
    let valid_date = date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit());
    let signed_headers: Vec<String> = signed?.split(';').map(str::to_ascii_lowercase).collect();
    if access_key.is_empty() || !valid_date || !valid_signature || !signed_headers.iter().any(|h| h == "host")
    {
        return None;
    }
    Some(Authorization {
        access_key: access_key.to_string(),
        date: date.to_string(),
        region: region.to_string(),
        service: service.to_string(),
        signed_headers,
        signature: signature.to_ascii_lowercase(),
    })
}

/// Everything but the unreserved characters `A-Z a-z 0-9 - _ . ~`.
const STRICT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
/// As [`STRICT`], keeping `/`.
const PATH: &AsciiSet = &STRICT.remove(b'/');

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(data: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, data).as_ref())
}

fn hmac_sha256(key: &[u8], data: &str) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data.as_bytes())
        .as_ref()
        .to_vec()
}

/// A request as the signature sees it.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    /// Method.
    pub method: &'a str,
    /// Raw path as sent.
    pub path: &'a str,
    /// Raw query string.
    pub query: Option<&'a str>,
    /// Headers as received.
    pub headers: &'a [(String, String)],
    /// Body.
    pub body: &'a [u8],
}

/// The canonical request of the SigV4 guide ("Create a canonical request"): the path encoded once
/// more (all services but S3 double-encode), query pairs decoded, re-encoded and sorted, the signed
/// headers with trimmed values, and the payload hash (`x-amz-content-sha256` when sent).
pub fn canonical_request(req: &Signed<'_>, signed_headers: &[String]) -> String {
    let header = |name: &str| -> Vec<String> {
        req.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    };
    let path = if req.path.is_empty() { "/" } else { req.path };
    let mut pairs: Vec<(String, String)> = req
        .query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let enc =
                |s: &str| utf8_percent_encode(&percent_decode_str(s).decode_utf8_lossy(), STRICT).to_string();
            (enc(k), enc(v))
        })
        .collect();
    pairs.sort();
    let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let headers: String = signed_headers
        .iter()
        .map(|h| format!("{h}:{}\n", header(h).join(",")))
        .collect();
    let payload = header("x-amz-content-sha256")
        .into_iter()
        .next()
        .unwrap_or_else(|| sha256_hex(req.body));
    format!(
        "{}\n{}\n{}\n{headers}\n{}\n{payload}",
        req.method,
        utf8_percent_encode(path, PATH),
        query.join("&"),
        signed_headers.join(";"),
    )
}

/// The signature the holder of `secret` computes for the request, at `amz_date`
/// (`YYYYMMDDTHHMMSSZ`).
pub fn signature(auth: &Authorization, secret: &str, amz_date: &str, canonical: &str) -> String {
    let scope = format!("{}/{}/{}/aws4_request", auth.date, auth.region, auth.service);
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical.as_bytes())
    );
    let mut key = hmac_sha256(format!("AWS4{secret}").as_bytes(), &auth.date);
    for part in [auth.region.as_str(), auth.service.as_str(), "aws4_request"] {
        key = hmac_sha256(&key, part);
    }
    hex(&hmac_sha256(&key, &to_sign))
}

/// Seconds since the epoch of `YYYYMMDDTHHMMSSZ`.
pub fn parse_amz_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hh, mm, ss) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// Why a signed request is refused: the message API Gateway answers with 403.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No or a malformed `Authorization`: `Forbidden`.
    Forbidden(String),
    /// A specific message (signature mismatch, expired, wrong scope).
    Message(String),
}

/// Checks an `AWS_IAM` request. `Ok(true)` when the signature was verified with `local`
/// credentials, `Ok(false)` when it is well formed but signed with a key this gateway does not
/// hold.
pub fn check(
    req: &Signed<'_>,
    region: &str,
    local: Option<(&str, &str)>,
    now_secs: i64,
) -> Result<bool, Refusal> {
    let header = |name: &str| {
        req.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let Some(raw) = header("authorization") else {
        return Err(Refusal::Forbidden(
            "no Authorization header: the route is AWS_IAM, so sign the request with SigV4 for \
             service execute-api: `provision invoke` signs it, or \
             curl --aws-sigv4 'aws:amz:REGION:execute-api' --user \"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY\""
                .into(),
        ));
    };
    let Some(auth) = parse(raw) else {
        return Err(Refusal::Forbidden(
            "the Authorization header is not a SigV4 signature".into(),
        ));
    };
    let Some(amz_date) = header("x-amz-date").filter(|d| d.starts_with(&auth.date)) else {
        return Err(Refusal::Forbidden(
            "no X-Amz-Date header matching the credential date".into(),
        ));
    };
    let Some(signed_at) = parse_amz_date(amz_date) else {
        return Err(Refusal::Forbidden(format!(
            "X-Amz-Date {amz_date} is not YYYYMMDDTHHMMSSZ"
        )));
    };
    if auth.service != "execute-api" {
        return Err(Refusal::Message(format!(
            "Credential should be scoped to correct service: 'execute-api'. (signed for '{}')",
            auth.service
        )));
    }
    if auth.region != region {
        return Err(Refusal::Message(format!(
            "Credential should be scoped to a valid region. (signed for '{}', the API is in '{region}')",
            auth.region
        )));
    }
    if (now_secs - signed_at).abs() > MAX_SKEW_SECS {
        return Err(Refusal::Message(format!(
            "Signature expired: {amz_date} is now earlier or later than 15 minutes from the current time."
        )));
    }
    match local {
        Some((key, secret)) if key == auth.access_key => {
            let canonical = canonical_request(req, &auth.signed_headers);
            if signature(&auth, secret, amz_date, &canonical) == auth.signature {
                Ok(true)
            } else {
                Err(Refusal::Message(MISMATCH.to_string()))
            }
        }
        _ => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SigV4 test suite's `get-vanilla` case (IAM User Guide test vectors): secret
    /// `wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY`, service `service`, region `us-east-1`.
    #[test]
    fn the_vanilla_test_vector_signs_as_documented() {
        let headers = vec![
            ("Host".to_string(), "example.amazonaws.com".to_string()),
            ("X-Amz-Date".to_string(), "20150830T123600Z".to_string()),
        ];
        let req = Signed {
            method: "GET",
            path: "/",
            query: None,
            headers: &headers,
            body: b"",
        };
        let auth = parse("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31").expect("parses");
        let canonical = canonical_request(&req, &auth.signed_headers);
        assert_eq!(
            canonical,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            signature(
                &auth,
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                "20150830T123600Z",
                &canonical
            ),
            auth.signature
        );
    }

    #[test]
    fn malformed_headers_do_not_parse() {
        for bad in [
            "Bearer abc",
            "AWS4-HMAC-SHA256",
            "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=xyz",
            "AWS4-HMAC-SHA256 Credential=AKID/2015/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/execute-api, SignedHeaders=host, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/execute-api/aws4_request, SignedHeaders=x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn amz_dates_parse_to_epoch_seconds() {
        assert_eq!(parse_amz_date("19700101T000000Z"), Some(0));
        assert_eq!(parse_amz_date("20150830T123600Z"), Some(1_440_938_160));
        assert_eq!(parse_amz_date("20150830T123600"), None);
        assert_eq!(parse_amz_date("20151330T123600Z"), None);
    }

    #[test]
    fn checks_refuse_what_api_gateway_refuses() {
        let now = parse_amz_date("20150830T123600Z").expect("date");
        let headers = |auth: &str| {
            vec![
                ("host".to_string(), "example.amazonaws.com".to_string()),
                ("x-amz-date".to_string(), "20150830T123600Z".to_string()),
                ("authorization".to_string(), auth.to_string()),
            ]
        };
        let sig = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
        let scoped = |service: &str, region: &str| {
            format!(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/{region}/{service}/aws4_request, SignedHeaders=host;x-amz-date, Signature={sig}"
            )
        };
        let run = |h: &Vec<(String, String)>, local: Option<(&str, &str)>, now: i64| {
            let req = Signed {
                method: "GET",
                path: "/",
                query: None,
                headers: h,
                body: b"",
            };
            check(&req, "us-east-1", local, now)
        };
        let none: Vec<(String, String)> = vec![];
        assert!(matches!(run(&none, None, now), Err(Refusal::Forbidden(_))));
        assert!(matches!(
            run(&headers("junk"), None, now),
            Err(Refusal::Forbidden(_))
        ));
        let wrong_service = run(&headers(&scoped("service", "us-east-1")), None, now);
        assert!(matches!(wrong_service, Err(Refusal::Message(m)) if m.contains("execute-api")));
        let wrong_region = run(&headers(&scoped("execute-api", "eu-west-1")), None, now);
        assert!(matches!(wrong_region, Err(Refusal::Message(m)) if m.contains("valid region")));
        let good = headers(&scoped("execute-api", "us-east-1"));
        assert_eq!(
            run(&good, None, now),
            Ok(false),
            "well formed, key unknown: served unverified"
        );
        let late = run(&good, None, now + MAX_SKEW_SECS + 1);
        assert!(matches!(late, Err(Refusal::Message(m)) if m.starts_with("Signature expired")));
        let mismatch = run(&good, Some(("AKIDEXAMPLE", "wrong")), now);
        assert_eq!(mismatch, Err(Refusal::Message(MISMATCH.to_string())));
    }
}
