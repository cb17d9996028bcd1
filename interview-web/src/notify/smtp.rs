//! Mail over SMTP, with TLS or STARTTLS by configuration, within deadlines.
//!
//! A server that accepts the connection and then says nothing fails the delivery
//! when the step's deadline or the whole delivery's passes, whichever comes first
//! ([`SmtpTimeouts`]); lettre's own timeout covers only the TCP connect, so the
//! conversation is driven here step by step, each step under its deadline.
//!
//! Each delivery has a connection of its own, closed when the delivery ends or
//! fails: a connection abandoned in the middle of a conversation is never reused
//! (a pool would hand it to the next message while the server still expects the
//! rest of the last one).

use std::future::Future;
use std::time::Duration;

use async_trait::async_trait;
use interview_core::EmailAddress;
use interview_core::notify::{Notifier, NotifyError, OutgoingEmail};
use lettre::address::Envelope;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::transport::smtp::response::Response;

use super::{SmtpConfig, SmtpSecurity, SmtpTimeouts, build_message};

/// Delivers e-mails through an SMTP server.
pub struct SmtpNotifier {
    host: String,
    port: u16,
    encryption: Encryption,
    credentials: Option<Credentials>,
    hello: ClientId,
    from: Mailbox,
    sender: EmailAddress,
    timeouts: SmtpTimeouts,
}

/// How the connection is encrypted.
enum Encryption {
    None,
    /// TLS from the first byte.
    Wrapper(TlsParameters),
    /// STARTTLS after the greeting; a server that does not offer it is refused.
    StartTls(TlsParameters),
}

impl std::fmt::Debug for SmtpNotifier {
    // The credentials hold the password; show only where and how it sends.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpNotifier")
            .field("server", &self.server())
            .field("from", &self.from.to_string())
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}

impl SmtpNotifier {
    /// A notifier for the server in `config`.
    pub fn new(config: &SmtpConfig) -> Result<Self, NotifyError> {
        let encryption = match config.security {
            SmtpSecurity::None => Encryption::None,
            SmtpSecurity::Tls => Encryption::Wrapper(tls_parameters(config)?),
            SmtpSecurity::StartTls => Encryption::StartTls(tls_parameters(config)?),
        };
        let credentials = config
            .credentials
            .as_ref()
            .map(|(user, password)| Credentials::new(user.clone(), password.expose().to_owned()));
        let from_address = config
            .from
            .as_str()
            .parse()
            .map_err(|e| NotifyError::Backend(Box::new(e)))?;
        Ok(Self {
            host: config.host.clone(),
            port: config.port,
            encryption,
            credentials,
            hello: ClientId::default(),
            from: Mailbox::new(None, from_address),
            sender: config.from.clone(),
            timeouts: config.timeouts,
        })
    }

    fn server(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// The conversation up to the server's acceptance of the message; the open
    /// connection comes back with the final reply, to say goodbye on.
    async fn transfer(
        &self,
        envelope: &Envelope,
        content: &[u8],
    ) -> Result<(AsyncSmtpConnection, Response), NotifyError> {
        let wrapper = match &self.encryption {
            Encryption::Wrapper(parameters) => Some(parameters.clone()),
            Encryption::None | Encryption::StartTls(_) => None,
        };
        let mut connection = self
            .step(
                Step::Connect,
                AsyncSmtpConnection::connect_tokio1(
                    (self.host.as_str(), self.port),
                    Some(self.timeouts.command),
                    &self.hello,
                    wrapper,
                    None,
                ),
            )
            .await?;
        if let Encryption::StartTls(parameters) = &self.encryption {
            self.step(
                Step::StartTls,
                connection.starttls(parameters.clone(), &self.hello),
            )
            .await?;
        }
        if let Some(credentials) = &self.credentials {
            self.step(
                Step::Login,
                connection.auth(DEFAULT_MECHANISMS, credentials),
            )
            .await?;
        }
        let mut options = Vec::new();
        if !content.is_ascii() {
            if !connection
                .server_info()
                .supports_feature(Extension::EightBitMime)
            {
                return Err(NotifyError::Backend(
                    "the message has 8-bit content and the server does not offer 8BITMIME".into(),
                ));
            }
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        self.step(
            Step::MailFrom,
            connection.command(Mail::new(envelope.from().cloned(), options)),
        )
        .await?;
        for recipient in envelope.to() {
            self.step(
                Step::RcptTo,
                connection.command(Rcpt::new(recipient.clone(), Vec::new())),
            )
            .await?;
        }
        self.step(Step::Data, connection.command(Data)).await?;
        let accepted = self
            .step(Step::Message, connection.message(content))
            .await?;
        Ok((connection, accepted))
    }

    /// Runs one step of the conversation within the per-step deadline.
    async fn step<T>(
        &self,
        step: Step,
        work: impl Future<Output = Result<T, lettre::transport::smtp::Error>>,
    ) -> Result<T, NotifyError> {
        match tokio::time::timeout(self.timeouts.command, work).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(failure(step, &error)),
            Err(_) => Err(NotifyError::Unavailable(Box::new(SmtpFailure::TimedOut {
                waiting_for: step.waiting_for(),
                after: self.timeouts.command,
            }))),
        }
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

/// The steps of a delivery, named for error messages.
#[derive(Debug, Clone, Copy)]
enum Step {
    Connect,
    StartTls,
    Login,
    MailFrom,
    RcptTo,
    Data,
    Message,
}

impl Step {
    /// What the delivery was doing or waiting for.
    fn waiting_for(self) -> &'static str {
        match self {
            Self::Connect => "the connection and the server's greeting",
            Self::StartTls => "STARTTLS",
            Self::Login => "the login",
            Self::MailFrom => "the reply to MAIL FROM",
            Self::RcptTo => "the reply to RCPT TO",
            Self::Data => "the reply to DATA",
            Self::Message => "the server to accept the message",
        }
    }
}

/// Why a delivery failed, in words that carry no address and no server text
/// (a server's reply can quote the recipient).
#[derive(Debug, thiserror::Error)]
enum SmtpFailure {
    #[error("the SMTP delivery timed out after {} s waiting for {waiting_for}", after.as_secs_f32())]
    TimedOut {
        waiting_for: &'static str,
        after: Duration,
    },
    #[error("the SMTP delivery failed at {waiting_for}: {detail}")]
    Failed {
        waiting_for: &'static str,
        detail: String,
    },
}

/// A refusal (5xx) is final; anything else (4xx, network, TLS) is worth a retry.
fn failure(step: Step, error: &lettre::transport::smtp::Error) -> NotifyError {
    let detail = match error.status() {
        Some(code) => format!("the server answered {code}"),
        None if error.is_response() => "the server's reply could not be read".to_owned(),
        // Network, TLS and client errors: the operating system's or lettre's words.
        None => error.to_string(),
    };
    if error.is_permanent() {
        NotifyError::Rejected(format!("{}: {detail}", step.waiting_for()))
    } else {
        NotifyError::Unavailable(Box::new(SmtpFailure::Failed {
            waiting_for: step.waiting_for(),
            detail,
        }))
    }
}

#[async_trait]
impl Notifier for SmtpNotifier {
    async fn deliver(&self, email: &OutgoingEmail) -> Result<(), NotifyError> {
        let message = build_message(email, &self.from)?;
        let envelope = message.envelope().clone();
        let content = message.formatted();
        let delivery =
            tokio::time::timeout(self.timeouts.delivery, self.transfer(&envelope, &content));
        let (mut connection, accepted) = delivery.await.map_err(|_| {
            NotifyError::Unavailable(Box::new(SmtpFailure::TimedOut {
                waiting_for: "the whole delivery",
                after: self.timeouts.delivery,
            }))
        })??;
        // The message is accepted: QUIT in the background, so that a server slow to
        // say goodbye cannot make a delivered message look failed (and resent).
        let quit_within = self.timeouts.command;
        tokio::spawn(async move {
            let _ = tokio::time::timeout(quit_within, connection.quit()).await;
        });
        tracing::info!(
            server = %self.server(),
            booking = ?email.thread.as_ref().map(|thread| thread.booking()),
            code = %accepted.code(),
            "e-mail sent"
        );
        Ok(())
    }

    fn sender(&self) -> Option<&EmailAddress> {
        Some(&self.sender)
    }
}
