//! Deterministic models for the render tests: RFC 8628's example user code, `example.com`
//! URLs, literal timestamps and fake tokens. Poller states are reached through the poller's own
//! API (`poll_sent`, `on_reply`), so they are states the real app can be in.

use grantty::app::{App, Approved, ErrorView, Notice, SaveState, Screen, Waiting};
use grantty::domain::clock::Timestamp;
use grantty::domain::grant::{DeviceAuthorization, GrantFailure, PollReply, Poller, ServerError};
use grantty::domain::secret::{AccessToken, DeviceCode, IdToken, RefreshToken};
use grantty::domain::token::{TokenSet, UnverifiedClaims};

use super::example::{ACCESS_TOKEN, ID_TOKEN, ISSUED_AT, REFRESH_TOKEN, at, provider};

/// `expires_in` of the device authorization response.
pub const EXPIRES_IN_SECS: u64 = 600;
/// The RFC 8628 example user code.
pub const USER_CODE: &str = "WDJB-MJHT";
/// `verification_uri`.
pub const VERIFICATION_URI: &str = "https://example.com/device";
/// `verification_uri_complete`.
pub const VERIFICATION_URI_COMPLETE: &str = "https://example.com/device?user_code=WDJB-MJHT";
/// A device code that must never be drawn.
pub const DEVICE_CODE: &str = "fake-device-code-GmRhmhcxhwAzkoEqiMEg";
/// The device authorization response, with `verification_uri_complete`.
pub fn authorization() -> DeviceAuthorization {
    DeviceAuthorization {
        device_code: DeviceCode::new(DEVICE_CODE),
        user_code: USER_CODE.to_owned(),
        verification_uri: VERIFICATION_URI.to_owned(),
        verification_uri_complete: Some(VERIFICATION_URI_COMPLETE.to_owned()),
        issued_at: at(0),
        expires_at: at(EXPIRES_IN_SECS),
        interval_secs: 5,
    }
}

/// A waiting app whose poller received `replies`, each at its offset from `ISSUED_AT`.
pub fn waiting_after(replies: Vec<(u64, PollReply)>) -> App {
    let auth = authorization();
    let mut poller = Poller::new(&auth, at(0));
    for (secs, reply) in replies {
        poller.poll_sent();
        poller.on_reply(reply, at(secs));
    }
    let waiting = Waiting {
        auth,
        poller,
        poll_request: None,
    };
    App::with_screen(provider(), Screen::Waiting(Box::new(waiting)))
}

/// Two `authorization_pending` answers, at 5 s and 11 s; the next poll is due at 17 s.
pub fn waiting() -> App {
    waiting_after(vec![(5, PollReply::Pending), (11, PollReply::Pending)])
}

/// When to look at [`waiting`]: 2 s after the last answer, 4 s before the next poll.
pub fn waiting_now() -> Timestamp {
    at(13)
}

/// Two `slow_down` answers, at 5 s and 16 s: the interval went 5 → 10 → 15 s.
pub fn after_slow_down() -> App {
    let slow = || PollReply::SlowDown {
        interval_secs: None,
    };
    waiting_after(vec![(5, slow()), (16, slow())])
}

/// A pending answer, then two transport errors backing off to 20 s.
pub fn transport_backoff() -> App {
    let reset = || PollReply::Transport {
        message: "connection reset by peer".to_owned(),
    };
    waiting_after(vec![(5, PollReply::Pending), (11, reset()), (22, reset())])
}

/// [`waiting`] with the notice the copy key leaves.
pub fn waiting_with_notice(now: Timestamp) -> App {
    let mut app = waiting();
    app.notice = Some(Notice {
        text: "Code sent to the clipboard (OSC 52); it stays on screen too".to_owned(),
        at: now,
    });
    app
}

/// Asking for a code since 3 s before `ISSUED_AT`.
pub fn requesting() -> App {
    App::with_screen(
        provider(),
        Screen::Requesting {
            since: Timestamp::from_unix_secs(ISSUED_AT - 3),
        },
    )
}

/// Signed in at 40 s, with a refresh token and ID token claims.
pub fn approved() -> App {
    let tokens = TokenSet {
        access_token: AccessToken::new(ACCESS_TOKEN),
        token_type: "Bearer".to_owned(),
        expires_at: Some(at(40 + 3600)),
        refresh_token: Some(RefreshToken::new(REFRESH_TOKEN)),
        refresh_token_expires_at: None,
        scope: Some("openid profile offline_access".to_owned()),
        id_token: Some(IdToken::new(ID_TOKEN)),
        issued_at: at(40),
    };
    let claims = UnverifiedClaims {
        subject: Some("user-1234".to_owned()),
        email: Some("ann@example.com".to_owned()),
        name: Some("Ann Example".to_owned()),
        issuer: Some("https://example.com".to_owned()),
        expires_at: Some(at(40 + 3600)),
    };
    let approved = Approved {
        saved: SaveState::Saving,
        tokens,
        claims: Some(claims),
        user_code: USER_CODE.to_owned(),
    };
    App::with_screen(provider(), Screen::Approved(Box::new(approved)))
}

/// Signed in without an ID token, refresh token, expiry or granted scope.
pub fn approved_minimal() -> App {
    let tokens = TokenSet {
        access_token: AccessToken::new(ACCESS_TOKEN),
        token_type: "Bearer".to_owned(),
        expires_at: None,
        refresh_token: None,
        refresh_token_expires_at: None,
        scope: None,
        id_token: None,
        issued_at: at(40),
    };
    let approved = Approved {
        saved: SaveState::Saving,
        tokens,
        claims: None,
        user_code: USER_CODE.to_owned(),
    };
    App::with_screen(provider(), Screen::Approved(Box::new(approved)))
}

/// When to look at [`approved`]: 30 s after the tokens arrived.
pub fn approved_now() -> Timestamp {
    at(70)
}

/// The grant ended with `failure`.
pub fn ended(failure: GrantFailure) -> App {
    App::with_screen(
        provider(),
        Screen::Ended {
            failure,
            user_code: Some(USER_CODE.to_owned()),
        },
    )
}

/// The user declined.
pub fn denied() -> App {
    ended(GrantFailure::Denied {
        description: Some("The user declined the sign-in request".to_owned()),
    })
}

/// The local deadline passed.
pub fn expired() -> App {
    ended(GrantFailure::Expired { by_server: false })
}

/// The token endpoint refused the client.
pub fn server_error() -> App {
    ended(GrantFailure::Server(ServerError {
        status: 401,
        code: "invalid_client".to_owned(),
        description: Some("Client authentication failed (unknown client)".to_owned()),
    }))
}

/// A poll reply was lost, then the code's second use was refused.
pub fn lost_reply() -> App {
    ended(GrantFailure::LostReply(ServerError {
        status: 400,
        code: "invalid_grant".to_owned(),
        description: Some("device code already redeemed".to_owned()),
    }))
}

/// The token endpoint answered with something that is not OAuth.
pub fn unparseable() -> App {
    ended(GrantFailure::Unparseable {
        status: 502,
        body_excerpt: "<html><body>Bad Gateway</body></html>".to_owned(),
    })
}

/// Getting a code failed before any was shown.
pub fn failed() -> App {
    App::with_screen(
        provider(),
        Screen::Failed(ErrorView {
            kind: grantty::app::ErrorKind::default(),
            title: "Could not reach example.com".to_owned(),
            detail:
                "error sending request for url (https://example.com/oauth/device_authorization): \
                     connection refused"
                    .to_owned(),
            hint: "Check your network or proxy settings, then press n to try again.".to_owned(),
        }),
    )
}

/// Every screen, for tests that must hold on all of them.
pub fn all_screens() -> Vec<(&'static str, App, Timestamp)> {
    vec![
        ("requesting", requesting(), at(0)),
        ("waiting", waiting(), waiting_now()),
        ("slow_down", after_slow_down(), at(20)),
        ("backoff", transport_backoff(), at(25)),
        ("notice", waiting_with_notice(waiting_now()), waiting_now()),
        ("approved", approved(), approved_now()),
        ("approved_minimal", approved_minimal(), approved_now()),
        (
            "expired_by_server",
            ended(GrantFailure::Expired { by_server: true }),
            at(300),
        ),
        ("denied", denied(), at(60)),
        ("expired", expired(), at(EXPIRES_IN_SECS)),
        ("server_error", server_error(), at(60)),
        ("lost_reply", lost_reply(), at(60)),
        ("failed", failed(), at(0)),
        ("unparseable", unparseable(), at(60)),
    ]
}
