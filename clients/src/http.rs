//! The HTTP client every outside API is called with.

use std::time::Duration;

/// A client with a per-request timeout, https only (unless insecure http is allowed, for
/// tests and demos), and no redirects: a redirect would resend our credentials, or the
/// customer's, somewhere we did not configure.
pub(crate) fn build_client(timeout: Duration, allow_insecure_http: bool) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .https_only(!allow_insecure_http)
        .redirect(reqwest::redirect::Policy::none())
        .build()
}
