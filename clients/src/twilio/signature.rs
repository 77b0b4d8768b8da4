//! `X-Twilio-Signature` validation for the webhooks Twilio sends us (spec §4): status
//! callbacks and inbound SMS (form-encoded), and the JSON variant with `bodySHA256`.
//!
//! The string to sign is the full URL Twilio requested (query kept exactly as sent) followed
//! by every POST parameter, names sorted byte-wise, each as `name` + `value`; a repeated name
//! has its values sorted and exact duplicates dropped, as both official helper libraries do.
//! It is signed with HMAC-SHA1 under the account's Auth Token, or, when a Webhook Rule
//! applies (`X-Twilio-Webhooks-Signature-Settings`), with that rule's SharedKey and
//! algorithm. The result is base64 with padding, compared in constant time.
//!
//! Twilio is inconsistent about ports in the signed URL, so every check tries the URL
//! without a port and with one (the default 443/80 when none is given).
//!
//! Behind a proxy the URL Twilio signed is our *public* URL: rebuild it with [`public_url`]
//! from configuration, never from the internal request URI.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

#[cfg(test)]
mod tests;

/// The request header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-Twilio-Signature";
/// Present when a Webhook Rule's SharedKey signed the request instead of the Auth Token.
pub const SIGNATURE_SETTINGS_HEADER: &str = "X-Twilio-Webhooks-Signature-Settings";
/// The query parameter Twilio adds to JSON webhooks.
const BODY_HASH_PARAM: &str = "bodySHA256";

/// The HMAC used for the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SignatureAlgorithm {
    /// The classic scheme, keyed with the Auth Token.
    #[default]
    Sha1,
    /// SharedKey mode (`algorithm=HMAC_SHA256`), keyed with the Webhook Rule's key.
    Sha256,
}

/// The parsed `X-Twilio-Webhooks-Signature-Settings` header, e.g.
/// `key=…,algorithm=HMAC_SHA256`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureSettings {
    /// The `key` entry: which SharedKey signed the request (it names the key, it is not
    /// the key). Use it to pick the secret to validate with.
    pub key: Option<String>,
    pub algorithm: SignatureAlgorithm,
}

impl SignatureSettings {
    /// Reads the header. `None` when the algorithm is missing or not one we know: such a
    /// request cannot be validated and must be refused.
    pub fn parse(header: &str) -> Option<Self> {
        let mut key = None;
        let mut algorithm = None;
        for entry in header.split(',') {
            let Some((name, value)) = entry.split_once('=') else {
                continue;
            };
            match name.trim().to_ascii_lowercase().as_str() {
                "key" => key = Some(value.trim().to_owned()),
                "algorithm" => algorithm = Some(parse_algorithm(value.trim())?),
                _ => {}
            }
        }
        Some(Self { key, algorithm: algorithm? })
    }
}

fn parse_algorithm(name: &str) -> Option<SignatureAlgorithm> {
    match name.to_ascii_uppercase().as_str() {
        "HMAC_SHA256" | "HMAC-SHA256" => Some(SignatureAlgorithm::Sha256),
        "HMAC_SHA1" | "HMAC-SHA1" => Some(SignatureAlgorithm::Sha1),
        _ => None,
    }
}

/// Checks a form-encoded webhook signed with the Auth Token (HMAC-SHA1).
///
/// `url` is the full public URL Twilio requested, query included; `params` every decoded
/// POST parameter, unknown ones included (see [`form_params`]). A missing header should be
/// passed as `""`, which never validates.
pub fn validate_form(
    url: &str,
    params: &[(String, String)],
    signature_header: &str,
    auth_token: &SecretString,
) -> bool {
    validate_form_with(url, params, signature_header, auth_token, SignatureAlgorithm::Sha1)
}

/// [`validate_form`] with a chosen algorithm and key: the Auth Token for SHA-1, the Webhook
/// Rule's SharedKey when [`SignatureSettings`] says SHA-256.
pub fn validate_form_with(
    url: &str,
    params: &[(String, String)],
    signature_header: &str,
    key: &SecretString,
    algorithm: SignatureAlgorithm,
) -> bool {
    port_variants(url).iter().any(|candidate| {
        let expected = compute_signature(&string_to_sign(candidate, params), key, algorithm);
        signatures_match(expected.as_deref(), signature_header)
    })
}

/// Checks a JSON webhook signed with the Auth Token: `url` must carry
/// `bodySHA256=<hex SHA-256 of raw_body>`, the hash must match the body, and the signature
/// covers the URL alone.
pub fn validate_json(url: &str, raw_body: &[u8], signature_header: &str, auth_token: &SecretString) -> bool {
    validate_json_with(url, raw_body, signature_header, auth_token, SignatureAlgorithm::Sha1)
}

/// [`validate_json`] with a chosen algorithm and key.
pub fn validate_json_with(
    url: &str,
    raw_body: &[u8],
    signature_header: &str,
    key: &SecretString,
    algorithm: SignatureAlgorithm,
) -> bool {
    let body_matches = body_hash_param(url).is_some_and(|claimed| {
        let actual = hex::encode(Sha256::digest(raw_body));
        bool::from(actual.as_bytes().ct_eq(claimed.to_ascii_lowercase().as_bytes()))
    });
    let no_params: &[(String, String)] = &[];
    let signature_matches = validate_form_with(url, no_params, signature_header, key, algorithm);
    body_matches && signature_matches
}

/// The URL followed by the sorted `name` + `value` pairs (spec §4.1 step 2).
pub fn string_to_sign(url: &str, params: &[(String, String)]) -> String {
    // `str` orders byte-wise, as the helper libraries do; the set sorts a repeated name's
    // values and drops exact duplicates.
    let mut by_name: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (name, value) in params {
        by_name.entry(name).or_default().insert(value);
    }
    let mut out = String::from(url);
    for (name, values) in by_name {
        for value in values {
            out.push_str(name);
            out.push_str(value);
        }
    }
    out
}

/// Base64 HMAC of `string_to_sign`. `None` for an empty key: a blank token must never make
/// every forged request valid.
pub fn compute_signature(string_to_sign: &str, key: &SecretString, algorithm: SignatureAlgorithm) -> Option<String> {
    let key = key.expose_secret().as_bytes();
    if key.is_empty() {
        return None;
    }
    let message = string_to_sign.as_bytes();
    let mac = match algorithm {
        SignatureAlgorithm::Sha1 => hmac_sha1(key, message),
        SignatureAlgorithm::Sha256 => hmac_sha256(key, message),
    };
    Some(STANDARD.encode(mac))
}

fn hmac_sha1(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

fn signatures_match(expected: Option<&str>, header: &str) -> bool {
    let header = header.trim();
    match expected {
        Some(expected) if !header.is_empty() => expected.as_bytes().ct_eq(header.as_bytes()).into(),
        _ => false,
    }
}

/// Decodes a raw `application/x-www-form-urlencoded` body the way the signature needs it:
/// `+` as space, percent-escapes decoded, repeated keys kept.
pub fn form_params(raw_body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(raw_body).into_owned().collect()
}

/// The URL Twilio signed when it called us through a proxy: our configured public base
/// (scheme, host, optional port and path prefix) followed by the request's path and query
/// exactly as received. E.g. `public_url("https://sms.example.com/", "/twilio/inbound?x=1")`
/// gives `https://sms.example.com/twilio/inbound?x=1`.
pub fn public_url(public_base_url: &str, path_and_query: &str) -> String {
    let base = public_base_url.trim_end_matches('/');
    let rest = path_and_query.trim_start_matches('/');
    format!("{base}/{rest}")
}

/// The `bodySHA256` query value, if the URL has one.
fn body_hash_param(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let query = query.split_once('#').map_or(query, |(q, _)| q);
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == BODY_HASH_PARAM)
        .map(|(_, value)| value.into_owned())
}

/// The URL as given, then the same URL with its port dropped or the default one added
/// (twilio-python `remove_port`/`add_port`). Built by string surgery so that the path and
/// query keep their exact bytes; a URL parser would re-encode them.
fn port_variants(url: &str) -> Vec<String> {
    let mut variants = vec![url.to_owned()];
    let Some(parts) = UrlParts::split(url) else {
        return variants;
    };
    let other = match parts.port {
        Some(_) => Some(parts.rebuild(None)),
        None => parts.default_port().map(|port| parts.rebuild(Some(port))),
    };
    variants.extend(other.filter(|other| other != url));
    variants
}

/// A URL cut around its port: `{prefix}{host}[:{port}]{rest}`.
struct UrlParts<'a> {
    scheme: &'a str,
    /// `scheme://` plus any `userinfo@`, then the host.
    up_to_host: &'a str,
    port: Option<&'a str>,
    /// Path, query and fragment, untouched.
    rest: &'a str,
}

impl<'a> UrlParts<'a> {
    fn split(url: &'a str) -> Option<Self> {
        let scheme_end = url.find("://")?;
        let authority_start = scheme_end + 3;
        let authority_len = url[authority_start..].find(['/', '?', '#']).unwrap_or(url.len() - authority_start);
        let authority_end = authority_start + authority_len;
        let authority = &url[authority_start..authority_end];
        let host_start = authority.rfind('@').map_or(0, |at| at + 1);
        let host_port = &authority[host_start..];
        let port_at = port_separator(host_port);
        let host_end = authority_start + host_start + port_at.unwrap_or(host_port.len());
        Some(Self {
            scheme: &url[..scheme_end],
            up_to_host: &url[..host_end],
            port: port_at.map(|at| &host_port[at + 1..]),
            rest: &url[authority_end..],
        })
    }

    fn default_port(&self) -> Option<&'static str> {
        match self.scheme.to_ascii_lowercase().as_str() {
            "https" => Some("443"),
            "http" => Some("80"),
            _ => None,
        }
    }

    fn rebuild(&self, port: Option<&str>) -> String {
        match port {
            Some(port) => format!("{}:{port}{}", self.up_to_host, self.rest),
            None => format!("{}{}", self.up_to_host, self.rest),
        }
    }
}

/// Index of the `:` before a numeric port in `host[:port]`, skipping IPv6 brackets.
fn port_separator(host_port: &str) -> Option<usize> {
    let search_from = host_port.rfind(']').map_or(0, |close| close + 1);
    let colon = search_from + host_port[search_from..].find(':')?;
    let port = &host_port[colon + 1..];
    (!port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())).then_some(colon)
}
