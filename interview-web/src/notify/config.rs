//! `SMTP_*`: how invitations are delivered, and the choice between an SMTP server
//! and the outbox folder, made once for both building and reporting it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use interview_core::config::{Env, Selection};
use interview_core::notify::{Notifier, NotifyError};
use interview_core::{EmailAddress, Secret};

use super::{Mailbox, OutboxNotifier};

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// TLS from the first byte (port 465).
    Tls,
    /// Plain connection upgraded with STARTTLS (ports 587 and 25).
    StartTls,
    /// No encryption: only for a local relay or a test server.
    None,
}

/// An SMTP server for invitations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    /// `SMTP_HOST`.
    pub host: String,
    /// `SMTP_PORT` (default 587).
    pub port: u16,
    /// `SMTP_SECURITY` (`tls`, `starttls` or `none`; default `tls` on port 465,
    /// `starttls` otherwise).
    pub security: SmtpSecurity,
    /// `SMTP_USER` and `SMTP_PASSWORD`, when the server needs a login.
    pub credentials: Option<(String, Secret)>,
    /// `SMTP_FROM` (default `SMTP_USER` when that is an address).
    pub from: EmailAddress,
    /// `SMTP_CA_CERT`: a PEM file of an extra certificate authority to trust, for a
    /// relay with a private certificate. The public roots are trusted either way.
    pub ca_certificate: Option<PathBuf>,
    /// How long a delivery may take and each step of it may wait.
    pub timeouts: SmtpTimeouts,
}

/// The deadlines of one SMTP delivery: a server that accepts the connection and
/// never answers fails the delivery when the first of them passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmtpTimeouts {
    /// `SMTP_TIMEOUT_SECS` (default 30): the whole delivery, from connecting to the
    /// server's acceptance of the message.
    pub delivery: Duration,
    /// `SMTP_COMMAND_TIMEOUT_SECS` (default 10, at most the whole delivery's): each
    /// step: connecting with the greeting and EHLO, STARTTLS, the login, each
    /// command's reply, and sending the message with its final reply.
    pub command: Duration,
}

impl SmtpTimeouts {
    /// The default deadline of a whole delivery.
    pub const DEFAULT_DELIVERY: Duration = Duration::from_secs(30);
    /// The default deadline of each step.
    pub const DEFAULT_COMMAND: Duration = Duration::from_secs(10);
    /// The longest either may be set to.
    const MAX_SECS: u64 = 600;

    /// Reads `SMTP_TIMEOUT_SECS` and `SMTP_COMMAND_TIMEOUT_SECS`; a value out of
    /// range is recorded in `env` and the default used.
    pub fn from_env(env: &mut Env<'_>) -> Self {
        let mut seconds = |name: &'static str| {
            env.parse(name, "a whole number of seconds from 1 to 600", |value| {
                value
                    .parse::<u64>()
                    .ok()
                    .filter(|secs| (1..=Self::MAX_SECS).contains(secs))
                    .map(Duration::from_secs)
            })
        };
        let delivery = seconds("SMTP_TIMEOUT_SECS");
        let command = seconds("SMTP_COMMAND_TIMEOUT_SECS");
        let delivery_or_default = delivery.unwrap_or(Self::DEFAULT_DELIVERY);
        let command = match command {
            Some(command) if command > delivery_or_default => {
                env.error(
                    "SMTP_COMMAND_TIMEOUT_SECS",
                    format!(
                        "must not be longer than SMTP_TIMEOUT_SECS ({} seconds)",
                        delivery_or_default.as_secs()
                    ),
                );
                delivery_or_default
            }
            Some(command) => command,
            None => Self::DEFAULT_COMMAND.min(delivery_or_default),
        };
        Self {
            delivery: delivery_or_default,
            command,
        }
    }
}

impl Default for SmtpTimeouts {
    fn default() -> Self {
        Self {
            delivery: Self::DEFAULT_DELIVERY,
            command: Self::DEFAULT_COMMAND,
        }
    }
}

impl SmtpConfig {
    /// The variables that configure SMTP.
    pub const VARIABLES: &[&str] = &[
        "SMTP_HOST",
        "SMTP_PORT",
        "SMTP_USER",
        "SMTP_PASSWORD",
        "SMTP_FROM",
        "SMTP_SECURITY",
        "SMTP_CA_CERT",
        "SMTP_TIMEOUT_SECS",
        "SMTP_COMMAND_TIMEOUT_SECS",
    ];

    /// Reads `SMTP_*`; `None` when `SMTP_HOST` is unset (another `SMTP_*` variable
    /// without it, except `SMTP_CA_CERT`, is an error).
    pub fn from_env(env: &mut Env<'_>) -> Option<Self> {
        let Some(host) = env.get("SMTP_HOST") else {
            // SMTP_CA_CERT alone is harmless (a shared trust setting); the others
            // only mean something for a server.
            if let Some(set) = Self::VARIABLES[1..]
                .iter()
                .filter(|name| **name != "SMTP_CA_CERT")
                .find(|name| env.get(name).is_some())
            {
                env.error("SMTP_HOST", format!("is required when {set} is set"));
            }
            return None;
        };
        let port = env
            .parse("SMTP_PORT", "a port number from 1 to 65535", |v| {
                v.parse::<u16>().ok().filter(|p| *p != 0)
            })
            .unwrap_or(587);
        let security = match env
            .get("SMTP_SECURITY")
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None if port == 465 => SmtpSecurity::Tls,
            None => SmtpSecurity::StartTls,
            Some("tls") => SmtpSecurity::Tls,
            Some("starttls") => SmtpSecurity::StartTls,
            Some("none") => SmtpSecurity::None,
            Some(_) => {
                env.error("SMTP_SECURITY", "must be tls, starttls or none");
                SmtpSecurity::StartTls
            }
        };
        let credentials = env.group(&["SMTP_USER", "SMTP_PASSWORD"]).and_then(|_| {
            Some((
                env.get("SMTP_USER")?,
                Secret::new(env.get("SMTP_PASSWORD")?),
            ))
        });
        let from = match env.get("SMTP_FROM") {
            Some(from) => EmailAddress::parse(&from)
                .map_err(|e| {
                    env.error(
                        "SMTP_FROM",
                        format!("is not an e-mail address ({})", e.message),
                    )
                })
                .ok(),
            None => {
                let user_address = credentials
                    .as_ref()
                    .and_then(|(user, _)| EmailAddress::parse(user).ok());
                if user_address.is_none() {
                    let why = if credentials.is_some() {
                        "is required when SMTP_USER is not an e-mail address"
                    } else {
                        "is required: the address invitations are sent from (or set SMTP_USER to one)"
                    };
                    env.error("SMTP_FROM", why);
                }
                user_address
            }
        };
        let ca_certificate = env.get("SMTP_CA_CERT").map(PathBuf::from);
        if let Some(path) = &ca_certificate
            && !path.is_file()
        {
            env.error(
                "SMTP_CA_CERT",
                format!("{} is not a readable file", path.display()),
            );
        }
        let timeouts = SmtpTimeouts::from_env(env);
        Some(Self {
            host,
            port,
            security,
            credentials,
            from: from?,
            ca_certificate,
            timeouts,
        })
    }
}

/// How invitations are delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MailBackend {
    /// An SMTP server.
    Smtp(SmtpConfig),
    /// `.eml` files in this folder.
    Outbox(PathBuf),
}

impl MailBackend {
    /// SMTP when configured, else the `outbox` folder in `data_dir`.
    pub fn choose(smtp: Option<&SmtpConfig>, data_dir: &Path) -> Self {
        match smtp {
            Some(smtp) => Self::Smtp(smtp.clone()),
            None => Self::Outbox(data_dir.join("outbox")),
        }
    }

    /// What fills the "e-mail" role, and the variable that decided it.
    pub fn selection(&self) -> Selection {
        match self {
            Self::Smtp(smtp) => Selection::new(
                "e-mail",
                format!("SMTP {}:{}", smtp.host, smtp.port),
                "SMTP_HOST is set",
            ),
            Self::Outbox(folder) => Selection::new(
                "e-mail",
                format!("outbox folder {}", folder.display()),
                "SMTP_HOST is not set",
            ),
        }
    }

    /// The notifier. Without the `smtp` feature, an SMTP configuration is an error.
    pub fn open(&self) -> Result<Arc<dyn Notifier>, NotifyError> {
        match self {
            #[cfg(feature = "smtp")]
            Self::Smtp(smtp) => Ok(Arc::new(super::SmtpNotifier::new(smtp)?)),
            #[cfg(not(feature = "smtp"))]
            Self::Smtp(_) => Err(NotifyError::Backend(
                "SMTP_HOST is set, but this build does not include SMTP (feature `smtp`)".into(),
            )),
            Self::Outbox(folder) => {
                let from: Mailbox = "Interviews <no-reply@localhost>"
                    .parse()
                    .map_err(|e| NotifyError::Backend(Box::new(e)))?;
                Ok(Arc::new(OutboxNotifier::new(folder.clone(), from)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use interview_core::config::ConfigErrors;

    use super::*;

    fn smtp(vars: &[(&str, &str)]) -> Result<Option<SmtpConfig>, ConfigErrors> {
        Env::read_pairs(vars, |env| Some(SmtpConfig::from_env(env)))
    }

    fn problems(vars: &[(&str, &str)]) -> Vec<(&'static str, String)> {
        smtp(vars)
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| (e.variable, e.problem))
            .collect()
    }

    #[test]
    fn the_original_variables_are_read() {
        let config = smtp(&[
            ("SMTP_HOST", "smtp.example.com"),
            ("SMTP_PORT", "465"),
            ("SMTP_USER", "hr@example.com"),
            ("SMTP_PASSWORD", "smtp-secret"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!((config.port, config.security), (465, SmtpSecurity::Tls));
        assert_eq!(config.from.as_str(), "hr@example.com");
        assert_eq!(
            config.credentials.as_ref().unwrap().1.expose(),
            "smtp-secret"
        );
        assert!(!format!("{config:?}").contains("smtp-secret"));
        assert_eq!(smtp(&[("SMTP_HOST", "")]).unwrap(), None);
    }

    #[test]
    fn security_follows_the_port_unless_set() {
        let base = [("SMTP_HOST", "h"), ("SMTP_FROM", "a@b.co")];
        let config = |extra: &[(&str, &str)]| {
            let vars: Vec<(&str, &str)> = base.iter().chain(extra).copied().collect();
            smtp(&vars).unwrap().unwrap()
        };
        assert_eq!(config(&[]).port, 587);
        assert_eq!(config(&[]).security, SmtpSecurity::StartTls);
        assert!(config(&[]).credentials.is_none() && config(&[]).ca_certificate.is_none());
        assert_eq!(
            config(&[("SMTP_PORT", "1025"), ("SMTP_SECURITY", "NONE")]).security,
            SmtpSecurity::None
        );
        assert_eq!(
            problems(&[base[0], base[1], ("SMTP_SECURITY", "ssl")])[0].0,
            "SMTP_SECURITY"
        );
        assert_eq!(
            problems(&[base[0], base[1], ("SMTP_CA_CERT", "/nonexistent/ca.pem")])[0].0,
            "SMTP_CA_CERT"
        );
    }

    #[test]
    fn wrong_values_are_named_and_secrets_never_appear() {
        assert_eq!(
            problems(&[("SMTP_PASSWORD", "p")]),
            [(
                "SMTP_HOST",
                "is required when SMTP_PASSWORD is set".to_owned()
            )]
        );
        let found = problems(&[
            ("SMTP_HOST", "smtp.example.com"),
            ("SMTP_PORT", "abc"),
            ("SMTP_USER", "hr"),
            ("SMTP_PASSWORD", "hunter2-secret"),
        ]);
        let variables: Vec<&str> = found.iter().map(|(v, _)| *v).collect();
        assert_eq!(variables, ["SMTP_PORT", "SMTP_FROM"]);
        assert!(found[0].1.contains("\"abc\""), "{}", found[0].1);
        assert!(!format!("{found:?}").contains("hunter2-secret"));
        let text = smtp(&[
            ("SMTP_HOST", "h"),
            ("SMTP_PORT", "99999"),
            ("SMTP_FROM", "a@b.co"),
        ])
        .unwrap_err()
        .to_string();
        assert!(text.contains("SMTP_PORT: expected a port number"), "{text}");
    }

    #[test]
    fn smtp_host_alone_asks_for_the_sender_without_blaming_an_unset_user() {
        assert_eq!(
            problems(&[("SMTP_HOST", "smtp.example.com")]),
            [(
                "SMTP_FROM",
                "is required: the address invitations are sent from (or set SMTP_USER to one)"
                    .to_owned()
            )]
        );
        let found = problems(&[
            ("SMTP_HOST", "h"),
            ("SMTP_USER", "hr"),
            ("SMTP_PASSWORD", "p"),
        ]);
        assert_eq!(
            found[0].1,
            "is required when SMTP_USER is not an e-mail address"
        );
    }

    #[test]
    fn timeouts_default_and_are_read_and_checked() {
        let base = [("SMTP_HOST", "h"), ("SMTP_FROM", "a@b.co")];
        let read = |extra: &[(&str, &str)]| {
            let vars: Vec<(&str, &str)> = base.iter().chain(extra).copied().collect();
            smtp(&vars).map(|config| config.unwrap().timeouts)
        };
        let secs = Duration::from_secs;
        assert_eq!(read(&[]).unwrap(), SmtpTimeouts::default());
        assert_eq!(
            read(&[("SMTP_TIMEOUT_SECS", "5")]).unwrap(),
            SmtpTimeouts {
                delivery: secs(5),
                command: secs(5)
            }
        );
        assert_eq!(
            read(&[
                ("SMTP_TIMEOUT_SECS", "60"),
                ("SMTP_COMMAND_TIMEOUT_SECS", "20")
            ])
            .unwrap(),
            SmtpTimeouts {
                delivery: secs(60),
                command: secs(20)
            }
        );
        let too_long = problems(&[
            base[0],
            base[1],
            ("SMTP_TIMEOUT_SECS", "5"),
            ("SMTP_COMMAND_TIMEOUT_SECS", "6"),
        ]);
        assert_eq!(
            too_long,
            [(
                "SMTP_COMMAND_TIMEOUT_SECS",
                "must not be longer than SMTP_TIMEOUT_SECS (5 seconds)".to_owned()
            )]
        );
        assert_eq!(
            problems(&[("SMTP_TIMEOUT_SECS", "5")]),
            [(
                "SMTP_HOST",
                "is required when SMTP_TIMEOUT_SECS is set".to_owned()
            )]
        );
        for bad in ["0", "601", "ten", "-1"] {
            let found = problems(&[base[0], base[1], ("SMTP_TIMEOUT_SECS", bad)]);
            assert_eq!(found[0].0, "SMTP_TIMEOUT_SECS", "{bad}");
            assert!(found[0].1.contains("seconds from 1 to 600"), "{found:?}");
        }
    }

    #[test]
    fn the_choice_names_the_deciding_variable() {
        let outbox = MailBackend::choose(None, Path::new("data")).selection();
        assert_eq!(
            outbox.to_string(),
            "e-mail          outbox folder data/outbox (SMTP_HOST is not set)"
        );
        let config = smtp(&[("SMTP_HOST", "smtp.example.com"), ("SMTP_FROM", "a@b.co")])
            .unwrap()
            .unwrap();
        let server = MailBackend::choose(Some(&config), Path::new("data")).selection();
        assert_eq!(
            server.to_string(),
            "e-mail          SMTP smtp.example.com:587 (SMTP_HOST is set)"
        );
    }
}
