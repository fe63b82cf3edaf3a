//! Where the etcd store is and how to reach it, from the environment (`GRANTTY_ETCD_*`), or
//! the config file's `[etcd]` table for what the environment leaves unset.
//!
//! Rules: at least one endpoint; `https://` anywhere, plain `http://` only to a loopback
//! address (the product's rule for every server it talks to: the lock, the metadata and the
//! sealed tokens must not cross a network in the clear, nor be changed on the way); no
//! credentials or paths in endpoint URLs. The key prefix starts and ends with `/`.

use std::path::PathBuf;

use super::error::EtcdError;

/// The key prefix when none is configured.
pub const DEFAULT_PREFIX: &str = "/grantty/";

/// Settings of the etcd store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EtcdConfig {
    /// Client URLs, tried in order.
    pub endpoints: Vec<url::Url>,
    /// Every key grantty writes starts with this.
    pub prefix: String,
    /// CA bundle for the cluster's certificates.
    pub cacert: Option<PathBuf>,
    /// Client certificate.
    pub cert: Option<PathBuf>,
    /// Client key.
    pub key: Option<PathBuf>,
    /// The 32-byte seal key.
    pub seal_key_file: PathBuf,
}

/// The raw settings, as found.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EtcdSettings {
    /// Comma-separated client URLs.
    pub endpoints: Option<String>,
    /// The key prefix.
    pub prefix: Option<String>,
    /// CA bundle file.
    pub cacert: Option<PathBuf>,
    /// Client certificate file.
    pub cert: Option<PathBuf>,
    /// Client key file.
    pub key: Option<PathBuf>,
    /// Seal key file.
    pub seal_key_file: Option<PathBuf>,
}

impl EtcdSettings {
    /// The `GRANTTY_ETCD_*` variables.
    pub fn from_env() -> Self {
        let text = |name| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let path = |name| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Self {
            endpoints: text("GRANTTY_ETCD_ENDPOINTS"),
            prefix: text("GRANTTY_ETCD_PREFIX"),
            cacert: path("GRANTTY_ETCD_CACERT"),
            cert: path("GRANTTY_ETCD_CERT"),
            key: path("GRANTTY_ETCD_KEY"),
            seal_key_file: path("GRANTTY_ETCD_SEAL_KEY_FILE"),
        }
    }

    /// These settings, with `fallback`'s where these have none.
    #[must_use]
    pub fn or(self, fallback: Self) -> Self {
        Self {
            endpoints: self.endpoints.or(fallback.endpoints),
            prefix: self.prefix.or(fallback.prefix),
            cacert: self.cacert.or(fallback.cacert),
            cert: self.cert.or(fallback.cert),
            key: self.key.or(fallback.key),
            seal_key_file: self.seal_key_file.or(fallback.seal_key_file),
        }
    }

    /// Checks the settings (see the module docs).
    pub fn validate(self) -> Result<EtcdConfig, EtcdError> {
        let config = |detail: String| EtcdError::Config { detail };
        let list = self.endpoints.unwrap_or_default();
        let mut endpoints = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            endpoints.push(endpoint(item)?);
        }
        if endpoints.is_empty() {
            return Err(config(
                "no endpoints: set GRANTTY_ETCD_ENDPOINTS to the cluster's client URLs, comma-separated (e.g. https://etcd1:2379,https://etcd2:2379), or endpoints in the configuration file's [etcd] table".into(),
            ));
        }
        let prefix = self.prefix.unwrap_or_else(|| DEFAULT_PREFIX.to_owned());
        if let Err(why) = check_prefix(&prefix) {
            return Err(config(format!(
                "{why}; check GRANTTY_ETCD_PREFIX (or prefix in the configuration file's [etcd] table)"
            )));
        }
        let Some(seal_key_file) = self.seal_key_file else {
            return Err(config(
                "no seal key: set GRANTTY_ETCD_SEAL_KEY_FILE (or seal_key_file in the configuration file's [etcd] table) to the fleet's 32-byte key file (create one with `head -c 32 /dev/urandom > FILE && chmod 600 FILE` and copy it to every machine)".into(),
            ));
        };
        Ok(EtcdConfig {
            endpoints,
            prefix,
            cacert: self.cacert,
            cert: self.cert,
            key: self.key,
            seal_key_file,
        })
    }
}

/// Why `prefix` cannot be the key prefix (it must start and end with `/`).
pub(crate) fn check_prefix(prefix: &str) -> Result<(), String> {
    if !prefix.starts_with('/') || !prefix.ends_with('/') || prefix.chars().any(char::is_control) {
        return Err(format!(
            "the key prefix {:?} must start and end with '/' (e.g. {DEFAULT_PREFIX})",
            crate::domain::text::sanitize(prefix, 100)
        ));
    }
    Ok(())
}

/// Why `text` cannot be an endpoint, for the configuration file (which says where it is).
pub(crate) fn check_endpoint(text: &str) -> Result<(), String> {
    match endpoint(text) {
        Ok(_) => Ok(()),
        Err(EtcdError::Config { detail }) => Err(detail),
        Err(other) => Err(other.to_string()),
    }
}

/// One endpoint URL, checked.
fn endpoint(text: &str) -> Result<url::Url, EtcdError> {
    let bad = |why: &str| EtcdError::Config {
        detail: format!(
            "the endpoint {:?} {why}",
            crate::domain::text::sanitize(text, 100)
        ),
    };
    let url = url::Url::parse(text).map_err(|_| bad("is not a URL (e.g. https://etcd1:2379)"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "carries credentials; use client certificates (GRANTTY_ETCD_CERT, GRANTTY_ETCD_KEY)",
        ));
    }
    if !matches!(url.path(), "" | "/") || url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must be only scheme, host and port"));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(bad(
            "uses plain http to a host that is not this machine; use https (with GRANTTY_ETCD_CACERT for the cluster's CA): the lock and the session must not cross a network in the clear",
        )),
        _ => Err(bad("must use https (or http to a loopback address)")),
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(endpoints: &str) -> EtcdSettings {
        EtcdSettings {
            endpoints: Some(endpoints.to_owned()),
            seal_key_file: Some(PathBuf::from("/k")),
            ..EtcdSettings::default()
        }
    }

    #[test]
    fn endpoints_are_split_on_commas_and_the_prefix_defaults() {
        let config = settings("http://127.0.0.1:2379, https://etcd.example.com:2379")
            .validate()
            .unwrap();
        assert_eq!(config.endpoints.len(), 2);
        assert_eq!(config.prefix, DEFAULT_PREFIX);
    }

    #[test]
    fn plain_http_is_refused_beyond_loopback() {
        let err = settings("http://etcd.example.com:2379")
            .validate()
            .unwrap_err();
        assert!(err.to_string().contains("use https"), "{err}");
        assert!(settings("http://[::1]:2379").validate().is_ok());
        assert!(settings("http://localhost:2379").validate().is_ok());
    }

    #[test]
    fn missing_endpoints_or_seal_key_or_a_bad_prefix_say_what_to_set() {
        let none = EtcdSettings::default().validate().unwrap_err();
        assert!(
            none.to_string().contains("GRANTTY_ETCD_ENDPOINTS"),
            "{none}"
        );
        let mut no_key = settings("http://127.0.0.1:1");
        no_key.seal_key_file = None;
        let err = no_key.validate().unwrap_err();
        assert!(
            err.to_string().contains("GRANTTY_ETCD_SEAL_KEY_FILE"),
            "{err}"
        );
        let mut prefix = settings("http://127.0.0.1:1");
        prefix.prefix = Some("grantty".into());
        assert!(prefix.validate().is_err());
    }

    #[test]
    fn credentials_and_paths_in_endpoints_are_refused() {
        assert!(settings("https://u:p@etcd:2379").validate().is_err());
        assert!(settings("https://etcd:2379/v3").validate().is_err());
    }

    #[test]
    fn environment_wins_over_the_config_file() {
        let env = EtcdSettings {
            prefix: Some("/a/".into()),
            ..EtcdSettings::default()
        };
        let file = EtcdSettings {
            prefix: Some("/b/".into()),
            endpoints: Some("http://127.0.0.1:1".into()),
            ..EtcdSettings::default()
        };
        let merged = env.or(file);
        assert_eq!(merged.prefix.as_deref(), Some("/a/"));
        assert_eq!(merged.endpoints.as_deref(), Some("http://127.0.0.1:1"));
    }
}
