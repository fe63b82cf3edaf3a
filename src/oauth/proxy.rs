//! Which requests may go through a proxy.
//!
//! Plain http is only allowed to loopback hosts, on the grounds that those bytes never leave the
//! machine. A proxy from `HTTP_PROXY`/`http_proxy`/`ALL_PROXY` would break that promise: it
//! would see the device code, the refresh token and the tokens in clear. So loopback
//! destinations are always reached directly, whatever the environment says; every other
//! (https) destination uses the proxy variables as reqwest reads them, `NO_PROXY` included.

use url::Url;

use super::provider::is_loopback;

/// How a request reaches its host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// Straight to the host, ignoring every proxy variable (loopback destinations).
    Direct,
    /// Through the proxy the environment names for it, if any (`NO_PROXY` honoured).
    FromEnvironment,
}

/// The route for a request to `url`.
pub fn route(url: &Url) -> Route {
    if is_loopback(url) {
        Route::Direct
    } else {
        Route::FromEnvironment
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_never_proxied_and_other_hosts_follow_the_environment() {
        for direct in [
            "http://127.0.0.1:8080/token",
            "http://127.9.9.9/token",
            "http://[::1]:9/token",
            "http://localhost:1234/token",
            "http://LOCALHOST/token",
        ] {
            assert_eq!(
                route(&Url::parse(direct).unwrap()),
                Route::Direct,
                "{direct}"
            );
        }
        for proxied in [
            "https://us1a.app.anaplan.com/oauth/token",
            "https://10.0.0.1/t",
        ] {
            assert_eq!(route(&Url::parse(proxied).unwrap()), Route::FromEnvironment);
        }
    }
}
