//! `X-Twilio-Signature` as Twilio computes it for form-encoded webhooks (spec §4.1).
//!
//! The stand-in signs every status callback and inbound SMS with these functions, and tests use
//! them to forge or re-derive signatures. The algorithm:
//!
//! 1. start from the full URL exactly as requested (query percent-encoding kept);
//! 2. sort the decoded POST parameters by name, byte-wise; for a repeated name sort its values
//!    and drop exact duplicates (what both helper libraries do); append `name` then `value`;
//! 3. HMAC-SHA1 keyed with the account's Auth Token, base64 (standard alphabet, padded).
//!
//! Twilio is inconsistent about ports in the signed URL, so validators try both the URL as
//! received and with the default port made explicit; [`with_explicit_port`] and
//! [`without_port`] build those variants for port tests.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// The string Twilio feeds to HMAC-SHA1: the URL followed by the sorted `name` + `value` pairs.
pub fn string_to_sign<K: AsRef<str>, V: AsRef<str>>(url: &str, params: &[(K, V)]) -> String {
    // `str`'s `Ord` is byte-wise, which is the order the helper libraries use; the set both
    // sorts a repeated key's values and drops exact duplicates.
    let mut by_name: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (name, value) in params {
        by_name.entry(name.as_ref()).or_default().insert(value.as_ref());
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

/// The `X-Twilio-Signature` header value for a form-encoded request to `url` with `params`
/// (decoded), signed with `auth_token`.
pub fn sign<K: AsRef<str>, V: AsRef<str>>(url: &str, params: &[(K, V)], auth_token: &str) -> String {
    hmac_sha1_base64(auth_token, &string_to_sign(url, params))
}

/// Like [`sign`], but over the URL with the scheme's default port made explicit (`:443` for
/// https, `:80` for http), as Twilio's back end sometimes does. A URL that already carries a
/// port is signed as given.
pub fn sign_with_explicit_port<K: AsRef<str>, V: AsRef<str>>(url: &str, params: &[(K, V)], auth_token: &str) -> String {
    sign(&with_explicit_port(url), params, auth_token)
}

/// Signs a raw `application/x-www-form-urlencoded` body: decodes it (keeping repeated keys,
/// `+` as space) and signs the pairs. Handy for replaying captured bodies such as vector V-A.
pub fn sign_form_body(url: &str, body: &[u8], auth_token: &str) -> String {
    let params: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    sign(url, &params, auth_token)
}

/// `url` with the default port inserted after the host when it has none: `:443` for `https`,
/// `:80` for `http`. Other schemes and URLs that already name a port come back unchanged.
pub fn with_explicit_port(url: &str) -> String {
    let Some(parts) = AuthorityParts::of(url) else {
        return url.to_owned();
    };
    if parts.port.is_some() {
        return url.to_owned();
    }
    let default_port = match &url[..parts.scheme_end] {
        s if s.eq_ignore_ascii_case("https") => "443",
        s if s.eq_ignore_ascii_case("http") => "80",
        _ => return url.to_owned(),
    };
    format!("{}:{default_port}{}", &url[..parts.host_end], &url[parts.host_end..])
}

/// `url` with any explicit port removed from the authority.
pub fn without_port(url: &str) -> String {
    match AuthorityParts::of(url) {
        Some(AuthorityParts { host_end, port: Some(_), authority_end, .. }) => {
            format!("{}{}", &url[..host_end], &url[authority_end..])
        }
        _ => url.to_owned(),
    }
}

/// Byte offsets into an absolute URL, found by hand rather than with the `url` crate because
/// re-serialising through `Url` would drop default ports and normalise the query, which would
/// change what gets signed.
struct AuthorityParts {
    /// End of the scheme (the index of `:` in `://`).
    scheme_end: usize,
    /// End of `userinfo@host` (where `:port` would start).
    host_end: usize,
    /// The port text, if any.
    port: Option<usize>,
    /// End of the authority (first `/`, `?` or `#` after it, or the end).
    authority_end: usize,
}

impl AuthorityParts {
    fn of(url: &str) -> Option<Self> {
        let scheme_end = url.find("://")?;
        let start = scheme_end + 3;
        let authority_end = url[start..].find(['/', '?', '#']).map_or(url.len(), |i| start + i);
        let authority = &url[start..authority_end];
        // A port is the digits after the last `:` that follows the host; skip a bracketed
        // IPv6 literal and any `userinfo@` so their colons are not mistaken for one.
        let host_start = authority.rfind('@').map_or(0, |i| i + 1);
        let after_ipv6 = authority[host_start..].rfind(']').map_or(host_start, |i| host_start + i);
        let colon = authority[after_ipv6..].rfind(':').map(|i| after_ipv6 + i);
        let (host_end, port) = match colon {
            Some(c) => (start + c, Some(start + c + 1)),
            None => (authority_end, None),
        };
        Some(Self { scheme_end, host_end, port, authority_end })
    }
}

fn hmac_sha1_base64(key: &str, message: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes()).expect("HMAC accepts any key length");
    mac.update(message.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_explicit_port_is_added_only_when_missing() {
        assert_eq!(with_explicit_port("https://a.example/x?y=1"), "https://a.example:443/x?y=1");
        assert_eq!(with_explicit_port("http://a.example"), "http://a.example:80");
        assert_eq!(with_explicit_port("http://a.example:1234/x"), "http://a.example:1234/x");
        assert_eq!(with_explicit_port("http://[::1]/x"), "http://[::1]:80/x");
    }

    #[test]
    fn a_port_is_removed_without_touching_path_or_query() {
        assert_eq!(without_port("https://a.example:443/x?p=a:b"), "https://a.example/x?p=a:b");
        assert_eq!(without_port("http://u:pw@[::1]:8080/x"), "http://u:pw@[::1]/x");
        assert_eq!(without_port("https://a.example/x"), "https://a.example/x");
    }
}
