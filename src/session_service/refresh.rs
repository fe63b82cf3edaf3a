//! Steps 3–5 of the refresh protocol (see [`super`]), run with the profile lock held: probe the
//! store, mark the refresh pending, send, classify the answer, persist, and turn refusals into
//! recorded states instead of deletions.

use std::sync::Arc;

use super::{EndReason, NetProblem, RefreshFailed, Refreshed, SessionService};
use crate::domain::secret::RefreshToken;
use crate::domain::session::{PendingRefresh, Session, SessionMeta, SessionState};
use crate::oauth::http::{Transport, TransportError, TransportFailure};
use crate::oauth::provider::{Provider, host_and_port};
use crate::oauth::refresh::refresh_request;
use crate::oauth::wire::{BadAnswer, ErrorCode, RefreshReply, parse_refresh, server_skew};

impl<T: Transport> SessionService<T> {
    /// Steps 3–5 of the protocol, lock held.
    pub(super) async fn send_refresh(
        &self,
        mut session: Session,
        sent_rt: RefreshToken,
    ) -> Result<Refreshed, RefreshFailed> {
        // Built before any await: the provider (with its secret) is not kept in the future.
        let (request, host) = {
            let provider = Provider::from_session(&session)?;
            let host = host_and_port(&provider.token_endpoint);
            (refresh_request(&provider, &sent_rt), host)
        };
        let profile = session.meta.profile.clone();
        let size = crate::store::secrets_size(&session.secrets);
        self.blocking(move |s| s.probe_secrets(&profile, size))
            .await?;
        let interrupted_before = session.meta.pending_refresh.is_some();
        let unmarked = session.meta.clone();
        let marked = self.marked(&session);
        let guard = self.in_flight.begin();
        let meta = marked.clone();
        self.blocking(move |s| s.save_meta(&meta)).await?;
        session.meta = marked;

        let answer = self.transport.send(request).await;
        let now = self.clock.now();
        let resp = match answer {
            Ok(resp) => resp,
            Err(TransportError {
                kind: TransportFailure::TooLarge { status },
                message,
            }) => {
                // The server answered: a bad answer, not an outage.
                return Err(RefreshFailed::Unreachable {
                    host,
                    problem: NetProblem::Answer(BadAnswer::Unparseable {
                        status,
                        body_excerpt: message,
                    }),
                    session: Box::new(session),
                });
            }
            Err(source) => {
                if source.kind == TransportFailure::NotSent {
                    // Nothing reached the server: no interruption to report later.
                    let meta = unmarked.clone();
                    let _ = self.blocking(move |s| s.save_meta(&meta)).await;
                    session.meta = unmarked;
                } else {
                    self.holds_nothing(&mut session).await;
                }
                return Err(RefreshFailed::Unreachable {
                    host,
                    problem: NetProblem::Transport(source),
                    session: Box::new(session),
                });
            }
        };
        let result = match parse_refresh(&resp, now, &session.meta.token_type) {
            RefreshReply::Tokens(tokens) => {
                let change = session.apply_refresh(*tokens, now);
                session.meta.clock_skew = server_skew(&resp, now).or(session.meta.clock_skew);
                let saved = session.clone();
                Ok(match self.blocking(move |s| s.save(&saved)).await {
                    Ok(generation) => {
                        session.meta.generation = generation;
                        Refreshed::Fresh { session, change }
                    }
                    Err(reason) => {
                        // Not stored: one above the generation it was loaded with, so a copy
                        // kept aside while the store cannot even be read still counts as newer.
                        session.meta.generation += 1;
                        // Kept aside at once, while the lock is still held: the next process
                        // to take it must find these tokens, not spend the rotated-away one.
                        // Best effort; the caller retries the store and the kept-aside place.
                        let aside = session.clone();
                        let _ = self.blocking(move |s| s.write_kept_aside(&aside)).await;
                        Refreshed::Unsaved {
                            session,
                            change,
                            reason: Arc::new(reason),
                        }
                    }
                })
            }
            RefreshReply::Refused {
                code: ErrorCode::InvalidGrant,
                error,
            } => {
                let reason = EndReason::RefreshRejected {
                    description: error.description,
                    interrupted: interrupted_before,
                };
                self.rejected(session, &sent_rt, reason).await
            }
            RefreshReply::Refused { code, error } => {
                Err(self.refused(session, code, error.description).await)
            }
            RefreshReply::Bad(answer) => {
                self.holds_nothing(&mut session).await;
                Err(RefreshFailed::Unreachable {
                    host,
                    problem: NetProblem::Answer(answer),
                    session: Box::new(session),
                })
            }
        };
        drop(guard);
        result
    }

    /// `session`'s metadata with the "refresh pending" marker of this process (and, in a
    /// store machines share, this machine).
    fn marked(&self, session: &Session) -> SessionMeta {
        let mut marked = session.meta.clone();
        marked.pending_refresh = Some(PendingRefresh {
            started_at: self.clock.now(),
            pid: std::process::id(),
            machine: self.store.machine().map(str::to_owned),
        });
        marked
    }

    /// The refresh may have reached the server but no tokens came back: this machine holds
    /// nothing the store lacks, so the marker stops naming it (best effort) and another
    /// machine may refresh as this one would. The marker itself stays, for `status`.
    async fn holds_nothing(&self, session: &mut Session) {
        let Some(pending) = session.meta.pending_refresh.as_mut() else {
            return;
        };
        if pending.machine.take().is_some() {
            let meta = session.meta.clone();
            let _ = self.blocking(move |s| s.save_meta(&meta)).await;
        }
    }

    /// `invalid_grant`: adopt what another writer stored meanwhile, else the session is over.
    async fn rejected(
        &self,
        session: Session,
        sent_rt: &RefreshToken,
        reason: EndReason,
    ) -> Result<Refreshed, RefreshFailed> {
        // Someone who does not share our lock (another machine, an older grantty) may have
        // rotated the token meanwhile: adopt theirs rather than end the session.
        let profile = session.meta.profile.clone();
        if let Ok(Some(current)) = self.blocking(move |s| s.load(&profile)).await
            && current
                .secrets
                .refresh_token
                .as_ref()
                .is_some_and(|rt| rt != sent_rt)
        {
            return Ok(Refreshed::Adopted(current));
        }
        Err(self
            .end(session, reason, Some(ErrorCode::InvalidGrant))
            .await)
    }

    /// Records the end of refreshing in the metadata (best effort) and says so.
    pub(super) async fn end(
        &self,
        mut session: Session,
        reason: EndReason,
        code: Option<ErrorCode>,
    ) -> RefreshFailed {
        let interrupted = matches!(
            reason,
            EndReason::RefreshRejected {
                interrupted: true,
                ..
            }
        );
        session.meta.pending_refresh = None;
        session.meta.state = SessionState::Ended {
            code: code.map(|c| c.as_str().to_owned()),
            at: self.clock.now(),
            interrupted,
        };
        let meta = session.meta.clone();
        // The state is a report; failing to write it loses nothing.
        let _ = self.blocking(move |s| s.save_meta(&meta)).await;
        RefreshFailed::Dead {
            reason,
            session: Box::new(session),
        }
    }

    /// A refusal other than `invalid_grant`: keep everything, record it, try again next time.
    async fn refused(
        &self,
        mut session: Session,
        code: ErrorCode,
        description: Option<String>,
    ) -> RefreshFailed {
        let since = match &session.meta.state {
            SessionState::RefreshRefused { since, .. } => *since,
            _ => self.clock.now(),
        };
        session.meta.pending_refresh = None;
        session.meta.state = SessionState::RefreshRefused {
            code: code.as_str().to_owned(),
            since,
        };
        let meta = session.meta.clone();
        let _ = self.blocking(move |s| s.save_meta(&meta)).await;
        RefreshFailed::Refused {
            code,
            description,
            session: Box::new(session),
        }
    }
}
