//! Configuration of the demo authorization server.
//!
//! Defaults mirror a typical device-grant deployment: a 5 s polling interval, 10 min
//! device codes, 35 min access tokens (Anaplan's) and rotating refresh tokens.

/// What the demo server's user does with a pending device authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Grant access: the next poll receives tokens.
    Approve,
    /// Refuse access: polls receive `access_denied` (RFC 8628 §3.5).
    Deny,
}

/// A decision the server takes by itself, `after_secs` after each device authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoDecision {
    /// Seconds after the device authorization at which the decision applies.
    pub after_secs: u64,
    /// The decision taken at that moment.
    pub decision: Decision,
}

/// What the tokens the demo server issues look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenStyle {
    /// Printable ASCII, as RFC 6749 appendix A requires.
    #[default]
    Plain,
    /// Hostile: each token carries an OSC 52 clipboard write, an OSC 0 title change and a
    /// newline followed by a forged netrc entry, as a malicious server could send.
    Hostile,
}

/// What the discovery document (RFC 8414 / OIDC Discovery) lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MetadataStyle {
    /// Every endpoint the server has.
    #[default]
    Complete,
    /// No `device_authorization_endpoint`, as django-oauth-toolkit publishes it: the device
    /// endpoint still works, a client has to be told where it is.
    WithoutDeviceEndpoint,
}

/// Where a refresh token's lifetime ([`DemoConfig::refresh_token_lifetime_secs`]) counts from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LifetimeStart {
    /// From when the token was issued: each rotation restarts it.
    #[default]
    Issue,
    /// From the sign-in, across every rotation: a rotated token ends when the first one would
    /// have (how an Anaplan tenant may count a rotatable token's lifespan; it does not say).
    SignIn,
}

/// Settings of a [`crate::demo::DemoServer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoConfig {
    /// Minimum seconds between polls, returned as `interval` (RFC 8628 §3.2).
    pub interval_secs: u64,
    /// Lifetime of a device code, returned as `expires_in` (RFC 8628 §3.2).
    pub device_code_lifetime_secs: u64,
    /// Lifetime of each access token, returned as `expires_in` (RFC 6749 §5.1).
    pub access_token_lifetime_secs: u64,
    /// Whether each refresh returns a new refresh token and retires the old one.
    pub rotate_refresh_tokens: bool,
    /// Lifetime of each refresh token; `None` means it never expires.
    pub refresh_token_lifetime_secs: Option<u64>,
    /// Where that lifetime counts from: each token's issue, or the sign-in.
    pub refresh_token_lifetime_from: LifetimeStart,
    /// Whether token responses say `refresh_token_expires_in` (with rotation on); Anaplan's
    /// do not, so a client must go by the configured lifespan.
    pub announce_refresh_token_lifetime: bool,
    /// Decide by itself after a delay; `None` waits for the page or [`crate::demo::DemoServer::decide`].
    pub auto_decision: Option<AutoDecision>,
    /// Milliseconds each successful refresh reply is held after the token has rotated, so a
    /// test can stop a client between the server's answer and its write; 0 answers at once.
    pub refresh_reply_delay_ms: u64,
    /// How many refresh-token grants, from the first, are answered `200` with a body that is
    /// not a usable token response, before anything rotates: a server that broke mid-answer.
    /// The bodies take turns: no `access_token`, not JSON, an `invalid_grant` error object,
    /// a `token_type` other than `Bearer`. Later refreshes are answered normally.
    pub malformed_refresh_answers: u32,
    /// Plain or hostile token values.
    pub token_style: TokenStyle,
    /// Complete discovery document, or one without the device endpoint.
    pub metadata: MetadataStyle,
    /// The one confidential client: it must authenticate on every endpoint it uses.
    pub confidential_client: ConfidentialClient,
    /// `token_endpoint_auth_methods_supported` as advertised, and the methods the confidential
    /// client may use (`client_secret_basic`, `client_secret_post`).
    pub client_auth_methods: Vec<String>,
    /// `userinfo_endpoint` as the discovery document names it; `None`: the server's own
    /// `/userinfo`. A test points it at another origin to see that no token is sent there.
    pub userinfo_endpoint: Option<String>,
}

/// A confidential client registered with the demo server (RFC 6749 §2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfidentialClient {
    /// Its `client_id`.
    pub client_id: String,
    /// Its secret (a demo value, worthless elsewhere).
    pub secret: String,
    /// A registered redirect URI that is not loopback, as Anaplan's are; the server never
    /// contacts it (the user pastes the address back).
    pub redirect_uri: String,
}

impl Default for ConfidentialClient {
    fn default() -> Self {
        Self {
            client_id: "grantty-confidential".to_owned(),
            secret: "demo-client-secret-7f3a9c2e".to_owned(),
            redirect_uri: "https://callback.example.test/anaplan".to_owned(),
        }
    }
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            interval_secs: 5,
            device_code_lifetime_secs: 600,
            access_token_lifetime_secs: 2100,
            rotate_refresh_tokens: true,
            refresh_token_lifetime_secs: Some(43_000),
            refresh_token_lifetime_from: LifetimeStart::Issue,
            announce_refresh_token_lifetime: true,
            auto_decision: None,
            refresh_reply_delay_ms: 0,
            malformed_refresh_answers: 0,
            token_style: TokenStyle::Plain,
            metadata: MetadataStyle::Complete,
            confidential_client: ConfidentialClient::default(),
            client_auth_methods: ["none", "client_secret_basic", "client_secret_post"]
                .map(str::to_owned)
                .to_vec(),
            userinfo_endpoint: None,
        }
    }
}
