//! TLS to the database as libpq does it, by `sslmode`: `disable` (never), `allow`/`prefer`
//! (the default: encrypted when the server offers it, its certificate not checked), `require`
//! (always encrypted; the certificate checked only when `sslrootcert` names a file, as
//! libpq does), `verify-ca` (the certificate must chain to a trusted root) and `verify-full`
//! (and name the host). Roots: the PEM file of `sslrootcert`, else `~/.postgresql/root.crt`
//! when it exists, else the system's (`sslrootcert=system`). Built on rustls with ring.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, Error, RootCertStore, SignatureScheme};

/// How far the server's certificate is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// Not at all (`prefer`, `require` without `sslrootcert`): encrypted, not authenticated.
    None,
    /// Chains to a trusted root (`verify-ca`; `require` with `sslrootcert`).
    Chain,
    /// Chains to a trusted root and names the host (`verify-full`).
    Full,
}

/// The TLS part of a connection string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsMode {
    /// What the driver does: never, if offered, always.
    pub mode: tokio_postgres::config::SslMode,
    /// How the certificate is checked.
    pub check: Check,
    /// `sslrootcert`: a PEM file, or `system`.
    pub root_cert: Option<String>,
}

impl TlsMode {
    /// From the `sslmode` and `sslrootcert` parameters (libpq's default mode is `prefer`).
    pub fn parse(sslmode: Option<&str>, root_cert: Option<&str>) -> Result<TlsMode, String> {
        use tokio_postgres::config::SslMode;
        let given_root = root_cert.is_some_and(|r| r != "system");
        let (mode, check) = match sslmode.unwrap_or("prefer") {
            "disable" => (SslMode::Disable, Check::None),
            "allow" | "prefer" => (SslMode::Prefer, Check::None),
            "require" if given_root => (SslMode::Require, Check::Chain),
            "require" => (SslMode::Require, Check::None),
            "verify-ca" => (SslMode::Require, Check::Chain),
            "verify-full" => (SslMode::Require, Check::Full),
            other => {
                return Err(format!(
                    "sslmode '{other}' is not one of disable, allow, prefer, require, verify-ca, verify-full"
                ));
            }
        };
        Ok(TlsMode {
            mode,
            check,
            root_cert: root_cert.map(str::to_string),
        })
    }

    /// The rustls client configuration for this mode.
    pub fn client_config(&self) -> Result<rustls::ClientConfig, String> {
        // ring, not aws-lc-rs: it builds with no C toolchain beyond cc. rustls deprecates it
        // only for lacking post-quantum key exchange, which PostgreSQL servers do not offer.
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?;
        let verifier: Arc<dyn ServerCertVerifier> = match self.check {
            Check::None => Arc::new(Unchecked(provider)),
            Check::Chain | Check::Full => {
                let roots = self.roots()?;
                let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                    .build()
                    .map_err(|e| e.to_string())?;
                if self.check == Check::Full {
                    inner
                } else {
                    Arc::new(AnyName(inner))
                }
            }
        };
        Ok(builder
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth())
    }

    /// The trusted roots: `sslrootcert`, else `~/.postgresql/root.crt`, else the system's.
    fn roots(&self) -> Result<RootCertStore, String> {
        let mut roots = RootCertStore::empty();
        let file = match self.root_cert.as_deref() {
            Some("system") => None,
            Some(f) => Some(PathBuf::from(f)),
            None => std::env::var_os("HOME")
                .map(|h| PathBuf::from(h).join(".postgresql/root.crt"))
                .filter(|p| p.exists()),
        };
        match file {
            Some(file) => {
                let certs: Vec<CertificateDer> = CertificateDer::pem_file_iter(&file)
                    .and_then(|i| i.collect::<Result<_, _>>())
                    .map_err(|e| format!("cannot read sslrootcert {}: {e}", file.display()))?;
                let (added, _) = roots.add_parsable_certificates(certs);
                if added == 0 {
                    return Err(format!(
                        "sslrootcert {} holds no certificate",
                        file.display()
                    ));
                }
            }
            None => {
                let found = rustls_native_certs::load_native_certs();
                roots.add_parsable_certificates(found.certs);
            }
        }
        Ok(roots)
    }
}

/// Accepts any certificate (libpq's `prefer` and `require`), but still checks that the server
/// holds its key (the handshake's signatures).
#[derive(Debug)]
struct Unchecked(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Checks the chain but not the name (libpq's `verify-ca`).
#[derive(Debug)]
struct AnyName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_postgres::config::SslMode;

    #[test]
    fn modes_follow_libpq() {
        let m = |mode: Option<&str>, root: Option<&str>| TlsMode::parse(mode, root).unwrap();
        assert_eq!(m(None, None).mode, SslMode::Prefer);
        assert_eq!(m(Some("disable"), None).mode, SslMode::Disable);
        assert_eq!(m(Some("require"), None).check, Check::None);
        // libpq: require with a root certificate behaves as verify-ca.
        assert_eq!(m(Some("require"), Some("/etc/ca.pem")).check, Check::Chain);
        assert_eq!(m(Some("verify-ca"), None).check, Check::Chain);
        assert_eq!(m(Some("verify-full"), None).check, Check::Full);
        assert!(TlsMode::parse(Some("always"), None).is_err());
    }
}
