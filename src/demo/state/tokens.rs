//! Token issuance, refresh-token rotation with reuse detection, and revocation.
//!
//! Each approved device code starts a grant family. With rotation on, a refresh token is
//! single-use: refreshing retires it, and presenting a retired one is treated as theft —
//! the whole family is revoked (RFC 9700 §4.14.2, as Auth0 and oidc-provider do). Revoking a
//! refresh token revokes its family; revoking an access token revokes only that token (RFC 7009).

use serde::Serialize;

use super::{DemoState, ErrorCode, OAuthError, secs_to_ms};
use crate::demo::codes::{IdTokenClaims, unsigned_jwt};
use crate::demo::config::{LifetimeStart, TokenStyle};

/// The demo user's subject, as in ID tokens and `/userinfo`.
pub(crate) const DEMO_SUB: &str = "demo-user";
/// The demo user's email.
pub(crate) const DEMO_EMAIL: &str = "demo.user@example.com";
/// The demo user's display name.
pub(crate) const DEMO_NAME: &str = "Demo User";

/// A successful token response (RFC 6749 §5.1, OIDC Core §3.1.3.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct TokenResponse {
    pub(crate) access_token: String,
    pub(crate) token_type: &'static str,
    pub(crate) expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) refresh_token_expires_in: Option<u64>,
    pub(crate) scope: String,
    pub(crate) id_token: String,
}

/// One grant family: everything issued from a single device-code redemption.
#[derive(Debug)]
pub(super) struct Grant {
    client_id: String,
    scope: String,
    revoked: bool,
    /// When the family started (the sign-in), for lifetimes counted from it.
    started_at_ms: u64,
}

#[derive(Debug)]
pub(super) struct AccessRecord {
    grant: usize,
    expires_at_ms: u64,
    revoked: bool,
}

#[derive(Debug)]
pub(super) struct RefreshRecord {
    grant: usize,
    expires_at_ms: Option<u64>,
    /// Replaced by a newer token of the same family (rotation on).
    rotated: bool,
}

impl DemoState {
    /// Starts a grant family and issues its first tokens.
    pub(super) fn start_grant(
        &mut self,
        client_id: String,
        scope: String,
        now_ms: u64,
    ) -> Result<TokenResponse, OAuthError> {
        let grant = self.next_grant;
        self.next_grant += 1;
        self.grants.insert(
            grant,
            Grant {
                client_id,
                scope,
                revoked: false,
                started_at_ms: now_ms,
            },
        );
        self.issue(grant, true, now_ms)
    }

    fn issue(
        &mut self,
        grant: usize,
        with_refresh_token: bool,
        now_ms: u64,
    ) -> Result<TokenResponse, OAuthError> {
        let lifetime = self.config.access_token_lifetime_secs;
        let access_token = self.random.token("demo-at-")?;
        let refresh_token = if with_refresh_token {
            Some(self.random.token("demo-rt-")?)
        } else {
            None
        };
        let access_token = self.styled(access_token);
        let expires_at_ms = now_ms.saturating_add(secs_to_ms(lifetime));
        self.access_tokens.insert(
            access_token.clone(),
            AccessRecord {
                grant,
                expires_at_ms,
                revoked: false,
            },
        );
        let lifetime_from_ms = match self.config.refresh_token_lifetime_from {
            LifetimeStart::Issue => now_ms,
            LifetimeStart::SignIn => self.grants.get(&grant).map_or(now_ms, |g| g.started_at_ms),
        };
        let refresh_token = refresh_token.map(|token| {
            let token = self.styled(token);
            let expires_at_ms = self
                .config
                .refresh_token_lifetime_secs
                .map(|secs| lifetime_from_ms.saturating_add(secs_to_ms(secs)));
            self.refresh_tokens.insert(
                token.clone(),
                RefreshRecord {
                    grant,
                    expires_at_ms,
                    rotated: false,
                },
            );
            token
        });
        let refresh_token_expires_in = self
            .config
            .refresh_token_lifetime_secs
            .filter(|_| {
                refresh_token.is_some()
                    && self.config.rotate_refresh_tokens
                    && self.config.announce_refresh_token_lifetime
            })
            .map(|secs| {
                let end_ms = lifetime_from_ms.saturating_add(secs_to_ms(secs));
                end_ms.saturating_sub(now_ms) / 1000
            });
        let (client_id, scope) = self
            .grants
            .get(&grant)
            .map_or(("", ""), |g| (g.client_id.as_str(), g.scope.as_str()));
        let iat = now_ms / 1000;
        let id_token = unsigned_jwt(&IdTokenClaims {
            iss: &self.issuer,
            sub: DEMO_SUB,
            aud: client_id,
            email: DEMO_EMAIL,
            name: DEMO_NAME,
            iat,
            exp: iat.saturating_add(lifetime),
        });
        Ok(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: lifetime,
            refresh_token,
            refresh_token_expires_in,
            scope: scope.to_owned(),
            id_token,
        })
    }

    /// `token` as [`TokenStyle`] asks: unchanged, or with escapes and a forged netrc line.
    fn styled(&self, token: String) -> String {
        match self.config.token_style {
            TokenStyle::Plain => token,
            TokenStyle::Hostile => format!(
                "{token}\u{1b}]52;c;cm0gLXJmIH4=\u{7}\u{1b}]0;pwned\u{7}\nmachine evil.example login x password {token}"
            ),
        }
    }

    /// Drops tokens that expired past the grace or whose family is revoked or gone, then
    /// families with no token left.
    pub(super) fn sweep_tokens(&mut self, now_ms: u64) {
        use super::sweep::forgettable;
        let grants = &self.grants;
        let live = |grant: usize| grants.get(&grant).is_some_and(|g| !g.revoked);
        self.access_tokens
            .retain(|_, record| live(record.grant) && !forgettable(record.expires_at_ms, now_ms));
        self.refresh_tokens.retain(|_, record| {
            live(record.grant)
                && !record
                    .expires_at_ms
                    .is_some_and(|at| forgettable(at, now_ms))
        });
        let mut used = std::collections::HashSet::new();
        used.extend(self.access_tokens.values().map(|record| record.grant));
        used.extend(self.refresh_tokens.values().map(|record| record.grant));
        self.grants.retain(|id, _| used.contains(id));
    }

    /// Revokes every token of grant family `grant` (a spent authorization code came back).
    pub(super) fn revoke_family(&mut self, grant: usize) {
        if let Some(grant) = self.grants.get_mut(&grant)
            && !grant.revoked
        {
            grant.revoked = true;
            self.stats.revocations += 1;
        }
    }

    /// Answers a refresh token request (RFC 6749 §6); `client_id` is checked when sent.
    pub(crate) fn refresh(
        &mut self,
        client_id: Option<&str>,
        refresh_token: &str,
        now_ms: u64,
    ) -> Result<TokenResponse, OAuthError> {
        self.sweep_if_due(now_ms);
        let invalid = |description| OAuthError::new(ErrorCode::InvalidGrant, description);
        let Some(record) = self.refresh_tokens.get(refresh_token) else {
            return Err(invalid("unknown refresh_token"));
        };
        let (grant_id, rotated, expires_at_ms) =
            (record.grant, record.rotated, record.expires_at_ms);
        let Some(grant) = self.grants.get_mut(&grant_id) else {
            return Err(invalid("unknown refresh_token"));
        };
        if client_id.is_some_and(|id| id != grant.client_id) {
            return Err(invalid("refresh_token was issued to another client"));
        }
        if grant.revoked {
            return Err(invalid("refresh_token has been revoked"));
        }
        let client = grant.client_id.clone();
        if let Some(refused) = self.refuse_disabled(&client) {
            return Err(refused);
        }
        let Some(grant) = self.grants.get_mut(&grant_id) else {
            return Err(invalid("unknown refresh_token"));
        };
        if rotated {
            grant.revoked = true;
            self.stats.reuse_detections += 1;
            return Err(invalid(
                "refresh_token was already used; the grant has been revoked",
            ));
        }
        if expires_at_ms.is_some_and(|at| now_ms >= at) {
            return Err(invalid("refresh_token has expired; sign in again"));
        }
        let rotate = self.config.rotate_refresh_tokens;
        if rotate && let Some(record) = self.refresh_tokens.get_mut(refresh_token) {
            record.rotated = true;
        }
        self.stats.refreshes += 1;
        self.issue(grant_id, rotate, now_ms)
    }

    /// Revokes `token` (RFC 7009 §2.1); unknown tokens succeed silently.
    pub(crate) fn revoke(
        &mut self,
        client_id: Option<&str>,
        token: &str,
    ) -> Result<(), OAuthError> {
        let is_refresh = self.refresh_tokens.contains_key(token);
        let grant_id = match (
            self.refresh_tokens.get(token),
            self.access_tokens.get(token),
        ) {
            (Some(record), _) => record.grant,
            (None, Some(record)) => record.grant,
            (None, None) => return Ok(()),
        };
        let Some(grant) = self.grants.get_mut(&grant_id) else {
            return Ok(());
        };
        if client_id.is_some_and(|id| id != grant.client_id) {
            return Err(OAuthError::new(
                ErrorCode::InvalidGrant,
                "token was issued to another client",
            ));
        }
        if grant.revoked {
            return Ok(());
        }
        if is_refresh {
            grant.revoked = true;
            self.stats.revocations += 1;
            self.stats.refresh_token_revocations += 1;
        } else if let Some(record) = self.access_tokens.get_mut(token)
            && !record.revoked
        {
            record.revoked = true;
            self.stats.revocations += 1;
        }
        Ok(())
    }

    /// Ends one access token, leaving its grant (and refresh token) alone; `false` when unknown.
    pub(super) fn end_access_token(&mut self, access_token: &str) -> bool {
        self.access_tokens
            .get_mut(access_token)
            .map(|record| record.revoked = true)
            .is_some()
    }

    /// A provider's token check (`/token/validate`, `/userinfo`), counted: when `access_token`
    /// is live, when it expires (Unix ms).
    pub(crate) fn check_access_token(
        &mut self,
        access_token: Option<&str>,
        now_ms: u64,
    ) -> Option<u64> {
        self.sweep_if_due(now_ms);
        let live = access_token
            .filter(|token| self.access_token_active(token, now_ms))
            .and_then(|token| self.access_tokens.get(token))
            .map(|record| record.expires_at_ms);
        if live.is_some() {
            self.stats.token_checks_accepted += 1;
        } else {
            self.stats.token_checks_refused += 1;
        }
        live
    }

    /// Whether `access_token` is live: known, unexpired, and neither it nor its family revoked.
    pub(crate) fn access_token_active(&self, access_token: &str, now_ms: u64) -> bool {
        self.access_tokens.get(access_token).is_some_and(|record| {
            !record.revoked
                && now_ms < record.expires_at_ms
                && self.grants.get(&record.grant).is_some_and(|g| !g.revoked)
        })
    }
}
