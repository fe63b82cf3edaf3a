//! Reading `config.toml`: a walk over toml's spanned document rather than a serde derive, so
//! each problem carries the byte offset of the key or value at fault, the profile it is in, and
//! the valid choices. Choices for enum-like keys come from the clap `ValueEnum`s the flags use,
//! so a value the command line accepts is accepted here too. Every problem is collected; none
//! stops the walk.

use std::collections::BTreeMap;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::values::{
    choice, endpoint, host, label, lifespan, redirect_uri, refresh_skew, scopes, string, suggestion,
};
use super::{ETCD_KEYS, PROFILE_KEYS, Profile, TOP_LEVEL_KEYS};
use crate::cli::{ClientAuthArg, FlowArg, ProviderArg};
use crate::export::Format;
use crate::store::etcd::{EtcdSettings, check_endpoint, check_prefix};
use crate::store::{StoreChoice, validate_profile};

/// A problem: byte offset in the file, message.
pub(super) type Found = (usize, String);

/// `default_profile`, the profiles by name and the `[etcd]` table.
type Parsed = (Option<String>, BTreeMap<String, Profile>, EtcdSettings);

/// Longest excerpt of a value quoted in a message.
const WRITTEN_MAX_CHARS: usize = 60;

/// Parses the whole file, or returns every problem found.
pub(super) fn document(text: &str) -> Result<Parsed, Vec<Found>> {
    let root = DeTable::parse(text).map_err(|e| {
        let at = e.span().map_or(0, |s| s.start);
        vec![(at, format!("not valid TOML: {}", e.message()))]
    })?;
    let mut walk = Walk {
        text,
        found: Vec::new(),
    };
    let mut default_profile = None;
    let mut profiles = BTreeMap::new();
    let mut etcd = EtcdSettings::default();
    for (key, value) in root.get_ref() {
        match key.get_ref().as_ref() {
            "default_profile" => default_profile = walk.default_profile(value),
            "profiles" => profiles = walk.profiles(value),
            "etcd" => etcd = walk.etcd(value),
            other => {
                let message = if PROFILE_KEYS.contains(&other) {
                    format!("{other} belongs to a profile: put it below a [profiles.NAME] line")
                } else if ETCD_KEYS.contains(&other) {
                    format!("{other} belongs to the fleet store: put it below an [etcd] line")
                } else {
                    unknown(other, "at the top level", &TOP_LEVEL_KEYS)
                };
                walk.found.push((key.span().start, message));
            }
        }
    }
    if walk.found.is_empty() {
        Ok((default_profile, profiles, etcd))
    } else {
        Err(walk.found)
    }
}

struct Walk<'t> {
    text: &'t str,
    found: Vec<Found>,
}

impl Walk<'_> {
    /// The value as written in the file, shortened for messages.
    fn written(&self, value: &Spanned<DeValue<'_>>) -> String {
        let raw = self.text.get(value.span()).unwrap_or("?").trim();
        if raw.chars().count() > WRITTEN_MAX_CHARS {
            let head: String = raw.chars().take(WRITTEN_MAX_CHARS).collect();
            format!("{head}…")
        } else {
            raw.to_owned()
        }
    }

    fn default_profile(&mut self, value: &Spanned<DeValue<'_>>) -> Option<String> {
        let written = self.written(value);
        let name = value.get_ref().as_str().map(str::trim);
        let problem = match name.map(validate_profile) {
            Some(Ok(())) => return name.map(str::to_owned),
            Some(Err(e)) => format!("default_profile = {written} is not valid: {e}"),
            None => {
                format!("default_profile = {written} is not valid; give a profile name in quotes")
            }
        };
        self.found.push((value.span().start, problem));
        None
    }

    fn profiles(&mut self, value: &Spanned<DeValue<'_>>) -> BTreeMap<String, Profile> {
        let mut out = BTreeMap::new();
        let Some(table) = value.get_ref().as_table() else {
            let message =
                "profiles must be a table: write each profile as a [profiles.NAME] section";
            self.found.push((value.span().start, message.to_owned()));
            return out;
        };
        for (name, body) in table {
            let name_text = name.get_ref().as_ref();
            if let Err(e) = validate_profile(name_text) {
                self.found.push((name.span().start, e.to_string()));
            } else if let Some(body_table) = body.get_ref().as_table() {
                out.insert(name_text.to_owned(), self.profile(name_text, body_table));
            } else {
                let message = format!(
                    "profiles.{name_text} must be a table: write [profiles.{name_text}] above its keys"
                );
                self.found.push((body.span().start, message));
            }
        }
        out
    }

    /// The `[etcd]` table: `endpoints` (an array of URLs or one comma-separated string),
    /// `prefix`, and the files `seal_key_file`, `cacert`, `cert`, `key` (paths as written;
    /// [`super::Config::parse`] takes relative ones from the file's directory).
    fn etcd(&mut self, value: &Spanned<DeValue<'_>>) -> EtcdSettings {
        let mut out = EtcdSettings::default();
        let Some(table) = value.get_ref().as_table() else {
            let message = "etcd must be a table: write [etcd] above its keys";
            self.found.push((value.span().start, message.to_owned()));
            return out;
        };
        for (key, value) in table {
            let Some(&k) = ETCD_KEYS.iter().find(|k| **k == key.get_ref().as_ref()) else {
                let other = key.get_ref().as_ref();
                let message = unknown(other, "in [etcd]", &ETCD_KEYS);
                self.found.push((key.span().start, message));
                continue;
            };
            let (v, w) = (value.get_ref(), self.written(value));
            let result = match k {
                "endpoints" => etcd_endpoints(v, &w).map(|x| out.endpoints = Some(x)),
                "prefix" => string(k, v, &w).and_then(|x| {
                    check_prefix(&x).map_err(|why| format!("prefix = {w} is not valid: {why}"))?;
                    out.prefix = Some(x);
                    Ok(())
                }),
                "seal_key_file" => string(k, v, &w).map(|x| out.seal_key_file = Some(x.into())),
                "cacert" => string(k, v, &w).map(|x| out.cacert = Some(x.into())),
                "cert" => string(k, v, &w).map(|x| out.cert = Some(x.into())),
                _ => string(k, v, &w).map(|x| out.key = Some(x.into())),
            };
            if let Err(message) = result {
                self.found.push((value.span().start, message));
            }
        }
        out
    }

    fn profile(&mut self, name: &str, table: &DeTable<'_>) -> Profile {
        let mut p = Profile::default();
        let mut seen: BTreeMap<&'static str, usize> = BTreeMap::new();
        for (key, value) in table {
            let Some(&k) = PROFILE_KEYS.iter().find(|k| **k == key.get_ref().as_ref()) else {
                let message = match key.get_ref().as_ref() {
                    "default_profile" => "default_profile belongs at the top of the file, before any [profiles.NAME] line".to_owned(),
                    "client_secret" => "client_secret is not a key: a secret does not belong in the configuration. Put it alone in a file (chmod 600) and name that with client_secret_file, or set GRANTTY_CLIENT_SECRET".to_owned(),
                    other => unknown(other, &format!("in profile {name:?}"), &PROFILE_KEYS),
                };
                self.found.push((key.span().start, message));
                continue;
            };
            let (v, w) = (value.get_ref(), self.written(value));
            let result = match k {
                "provider" => choice::<ProviderArg>(k, v, &w).map(|x| p.provider = Some(x)),
                "host" => host(v, &w).map(|x| p.host = Some(x)),
                "issuer" => endpoint(k, v, &w).map(|x| p.issuer = Some(x)),
                "device_endpoint" => endpoint(k, v, &w).map(|x| p.device_endpoint = Some(x)),
                "token_endpoint" => endpoint(k, v, &w).map(|x| p.token_endpoint = Some(x)),
                "revocation_endpoint" => {
                    endpoint(k, v, &w).map(|x| p.revocation_endpoint = Some(x))
                }
                "logout_endpoint" => endpoint(k, v, &w).map(|x| p.logout_endpoint = Some(x)),
                "authorize_endpoint" => endpoint(k, v, &w).map(|x| p.authorize_endpoint = Some(x)),
                "redirect_uri" => redirect_uri(v, &w).map(|x| p.redirect_uri = Some(x)),
                "client_id" => string(k, v, &w).map(|x| p.client_id = Some(x)),
                "client_secret_file" => {
                    string(k, v, &w).map(|x| p.client_secret_file = Some(x.into()))
                }
                "client_auth" => choice::<ClientAuthArg>(k, v, &w).map(|x| p.client_auth = Some(x)),
                "scopes" => scopes(v, &w).map(|x| p.scopes = Some(x)),
                "flow" => choice::<FlowArg>(k, v, &w).map(|x| p.flow = Some(x)),
                "store" => choice::<StoreChoice>(k, v, &w).map(|x| p.store = Some(x)),
                "refresh_skew" => refresh_skew(v, &w).map(|x| p.refresh_skew_secs = Some(x)),
                "refresh_token_lifespan" => {
                    lifespan(v, &w).map(|x| p.refresh_token_lifespan_secs = Some(x))
                }
                "label" => label(v, &w).map(|x| p.label = Some(x)),
                _ => choice::<Format>(k, v, &w).map(|x| p.export_format = Some(x)),
            };
            match result {
                Ok(()) => {
                    seen.insert(k, key.span().start);
                }
                Err(message) => self.found.push((value.span().start, message)),
            }
        }
        for (at, message) in conflicts(name, &p, &seen) {
            self.found.push((at, message));
        }
        p
    }
}

/// Keys that make no sense together, mirroring the flags' clap rules.
fn conflicts(name: &str, p: &Profile, seen: &BTreeMap<&'static str, usize>) -> Vec<Found> {
    let has = |k: &str| seen.contains_key(k);
    let at = |k: &str| seen.get(k).copied().unwrap_or(0);
    let mut out = Vec::new();
    let mut clash = |a: &str, b: &str, why: &str| {
        if has(a) && has(b) {
            let later = at(a).max(at(b));
            out.push((
                later,
                format!("{a} and {b} cannot both be set in profile {name:?}: {why}"),
            ));
        }
    };
    clash(
        "issuer",
        "host",
        "issuer is for a provider found by discovery, host for Anaplan",
    );
    clash(
        "host",
        "device_endpoint",
        "host is for Anaplan, device_endpoint and token_endpoint for other providers",
    );
    // With issuer, each endpoint key replaces only the discovered one; without, the device
    // grant needs both of its endpoints spelled out.
    let mut need = |k: &str, needs: &str, why: &str| {
        if has(k) && !has(needs) && !has("issuer") {
            out.push((
                at(k),
                format!("{k} needs {needs} in profile {name:?}, or issuer{why}"),
            ));
        }
    };
    need("device_endpoint", "token_endpoint", " to discover it");
    need("token_endpoint", "device_endpoint", " to discover it");
    need(
        "revocation_endpoint",
        "device_endpoint",
        " (with issuer it is discovered)",
    );
    match p.provider {
        Some(ProviderArg::Generic) if has("host") => out.push((
            at("host"),
            format!("host is only for provider = \"anaplan\" (profile {name:?}); a generic provider takes issuer, or device_endpoint and token_endpoint"),
        )),
        Some(ProviderArg::Anaplan) if has("issuer") || has("device_endpoint") => out.push((
            at("provider"),
            format!("provider = \"anaplan\" takes host, not issuer or device_endpoint (profile {name:?})"),
        )),
        _ => {}
    }
    out
}

/// `endpoints`: an array of client URLs or one comma-separated string, each checked as the
/// store checks it (https, or http to a loopback address); joined with commas.
fn etcd_endpoints(value: &DeValue<'_>, written: &str) -> Result<String, String> {
    let items: Vec<String> = match value {
        DeValue::String(s) => s.split(',').map(|i| i.trim().to_owned()).collect(),
        DeValue::Array(items) => items
            .iter()
            .map(|i| i.get_ref().as_str().map(|s| s.trim().to_owned()))
            .collect::<Option<_>>()
            .ok_or_else(|| {
                format!("endpoints = {written} is not valid; give URLs in quotes, e.g. [\"https://etcd1:2379\", \"https://etcd2:2379\"]")
            })?,
        _ => Vec::new(),
    };
    let items: Vec<String> = items.into_iter().filter(|i| !i.is_empty()).collect();
    if items.is_empty() {
        return Err(format!(
            "endpoints = {written} is not valid; give the cluster's client URLs, e.g. [\"https://etcd1:2379\", \"https://etcd2:2379\"]"
        ));
    }
    for item in &items {
        check_endpoint(item).map_err(|why| format!("endpoints = {written} is not valid: {why}"))?;
    }
    Ok(items.join(","))
}

/// `unknown key "k" <where> (did you mean x?); valid keys: …`.
fn unknown(key: &str, place: &str, valid: &[&str]) -> String {
    let hint = suggestion(key, valid).map_or_else(String::new, |s| format!(" (did you mean {s}?)"));
    format!(
        "unknown key {key:?} {place}{hint}; valid keys: {}",
        valid.join(", ")
    )
}
