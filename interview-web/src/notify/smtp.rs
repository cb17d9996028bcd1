//! Invitations over SMTP, with TLS or STARTTLS by configuration.

use std::time::Duration;

use async_trait::async_trait;
use interview_core::notify::{Notifier, NotifyError, OutgoingEmail};
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::{SmtpConfig, SmtpSecurity, build_message};

/// How long one delivery may take, connection included.
const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

/// Delivers e-mails through an SMTP server.
pub struct SmtpNotifier {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    server: String,
}

impl std::fmt::Debug for SmtpNotifier {
    // The transport holds the password; show only where it sends.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpNotifier")
            .field("server", &self.server)
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl SmtpNotifier {
    /// A notifier for the server in `config`.
    pub fn new(config: &SmtpConfig) -> Result<Self, NotifyError> {
        let tls = match config.security {
            SmtpSecurity::None => Tls::None,
            SmtpSecurity::Tls => Tls::Wrapper(tls_parameters(config)?),
            SmtpSecurity::StartTls => Tls::Required(tls_parameters(config)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(SMTP_TIMEOUT));
        if let Some((user, password)) = &config.credentials {
            builder =
                builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
        }
        let from_address = config
            .from
            .as_str()
            .parse()
            .map_err(|e| NotifyError::Backend(Box::new(e)))?;
        Ok(Self {
            transport: builder.build(),
            from: Mailbox::new(None, from_address),
            server: format!("{}:{}", config.host, config.port),
        })
    }
}

/// TLS for `config.host`: the public roots, plus `SMTP_CA_CERT` when given.
fn tls_parameters(config: &SmtpConfig) -> Result<TlsParameters, NotifyError> {
    let backend = |e: lettre::transport::smtp::Error| NotifyError::Backend(Box::new(e));
    let mut parameters = TlsParameters::builder(config.host.clone());
    if let Some(path) = &config.ca_certificate {
        let pem = std::fs::read(path).map_err(|e| {
            NotifyError::Backend(format!("cannot read SMTP_CA_CERT {}: {e}", path.display()).into())
        })?;
        parameters = parameters.add_root_certificate(Certificate::from_pem(&pem).map_err(backend)?);
    }
    parameters.build_rustls().map_err(backend)
}

#[async_trait]
impl Notifier for SmtpNotifier {
    async fn deliver(&self, email: &OutgoingEmail) -> Result<(), NotifyError> {
        let message = build_message(email, &self.from)?;
        match self.transport.send(message).await {
            Ok(response) => {
                tracing::info!(server = %self.server, to = %email.to, code = %response.code(), "invitation sent");
                Ok(())
            }
            Err(error) if error.is_permanent() => Err(NotifyError::Rejected(error.to_string())),
            Err(error) => Err(NotifyError::Unavailable(Box::new(error))),
        }
    }
}
