//! Certificates as the gateway checks see them: PEM armour through rustls' parser, X.509
//! through x509-parser, and "does this key belong to this certificate" by deriving the public
//! key from the private key (rustls' ring signer) and comparing it with the certificate's.
//! Nothing here ever returns secret bytes: messages name problems, never contents.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use x509_parser::prelude::{FromDer, SubjectPublicKeyInfo, X509Certificate};

/// Warn this long before a certificate expires.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// The facts of a certificate that messages may show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    /// Seconds since the epoch.
    pub not_after: i64,
    pub not_before: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertProblem {
    #[error("{0} holds no PEM certificate")]
    NoCertificate(String),
    #[error("{0} is not a valid X.509 certificate")]
    BadCertificate(String),
    #[error("{0} holds no PEM private key")]
    NoKey(String),
    #[error("{0} is not a usable private key (RSA, ECDSA P-256/P-384 or Ed25519)")]
    BadKey(String),
    #[error("the private key in {key} does not belong to the certificate in {cert}")]
    Mismatch { cert: String, key: String },
}

struct Parsed {
    info: CertInfo,
    /// The certificate's subjectPublicKey bits.
    public_key: Vec<u8>,
}

fn parse_leaf(pem: &[u8], name: &str) -> Result<Parsed, CertProblem> {
    let der: CertificateDer<'static> = CertificateDer::pem_slice_iter(pem)
        .next()
        .and_then(Result::ok)
        .ok_or_else(|| CertProblem::NoCertificate(name.into()))?;
    parse_der(&der, name)
}

fn parse_der(der: &CertificateDer<'_>, name: &str) -> Result<Parsed, CertProblem> {
    let (_, cert) = X509Certificate::from_der(der.as_ref())
        .map_err(|_| CertProblem::BadCertificate(name.into()))?;
    Ok(Parsed {
        info: CertInfo {
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            not_after: cert.validity().not_after.timestamp(),
            not_before: cert.validity().not_before.timestamp(),
        },
        public_key: cert.public_key().subject_public_key.data.to_vec(),
    })
}

/// The first certificate of a PEM bundle (the leaf, or the root of a CA bundle).
pub fn inspect_cert(pem: &[u8], name: &str) -> Result<CertInfo, CertProblem> {
    parse_leaf(pem, name).map(|p| p.info)
}

/// Every certificate of a PEM bundle, in order (a chain: the leaf or intermediate first, the
/// root last; a CA bundle: each root).
pub fn inspect_bundle(pem: &[u8], name: &str) -> Result<Vec<CertInfo>, CertProblem> {
    let mut out = Vec::new();
    for der in CertificateDer::pem_slice_iter(pem) {
        let der = der.map_err(|_| CertProblem::BadCertificate(name.into()))?;
        out.push(parse_der(&der, name)?.info);
    }
    if out.is_empty() {
        return Err(CertProblem::NoCertificate(name.into()));
    }
    Ok(out)
}

impl CertInfo {
    /// Self-signed: its own issuer (a root).
    pub fn is_root(&self) -> bool {
        self.subject == self.issuer
    }
}

/// A certificate and its private key: both parse and the key is the certificate's.
pub fn inspect_pair(
    cert_pem: &[u8],
    cert_name: &str,
    key_pem: &[u8],
    key_name: &str,
) -> Result<CertInfo, CertProblem> {
    let cert = parse_leaf(cert_pem, cert_name)?;
    let key =
        PrivateKeyDer::from_pem_slice(key_pem).map_err(|_| CertProblem::NoKey(key_name.into()))?;
    let signer = rustls::crypto::ring::sign::any_supported_type(&key)
        .map_err(|_| CertProblem::BadKey(key_name.into()))?;
    let spki = signer
        .public_key()
        .ok_or_else(|| CertProblem::BadKey(key_name.into()))?;
    let (_, derived) = SubjectPublicKeyInfo::from_der(spki.as_ref())
        .map_err(|_| CertProblem::BadKey(key_name.into()))?;
    if derived.subject_public_key.data.as_ref() != cert.public_key.as_slice() {
        return Err(CertProblem::Mismatch {
            cert: cert_name.into(),
            key: key_name.into(),
        });
    }
    Ok(cert.info)
}

/// How a validity period stands at `now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expiry {
    Valid { days_left: i64 },
    ExpiresSoon { days_left: i64 },
    Expired { days_ago: i64 },
    NotYetValid,
}

pub fn expiry(info: &CertInfo, now: i64) -> Expiry {
    const DAY: i64 = 86_400;
    if now < info.not_before {
        Expiry::NotYetValid
    } else if now >= info.not_after {
        Expiry::Expired {
            days_ago: (now - info.not_after) / DAY,
        }
    } else {
        let days_left = (info.not_after - now) / DAY;
        if days_left < EXPIRY_WARNING_DAYS {
            Expiry::ExpiresSoon { days_left }
        } else {
            Expiry::Valid { days_left }
        }
    }
}

/// `2026-03-01` for an epoch second.
pub fn date(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| secs.to_string())
}

#[cfg(test)]
pub mod testing {
    //! Certificates made with rcgen (a real X.509 generator), for the tests.
    use rcgen::{CertificateParams, KeyPair};

    /// A self-signed certificate valid from `from_days` to `until_days` (relative to today,
    /// at midnight UTC) and its key, both PEM.
    pub fn self_signed(cn: &str, from_days: i64, until_days: i64) -> (String, String) {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(vec![cn.to_string()]).expect("params");
        params.not_before = day(from_days);
        params.not_after = day(until_days);
        let cert = params.self_signed(&key).expect("sign");
        (cert.pem(), key.serialize_pem())
    }

    /// A CA chain as Istio's plugged-in `cacerts` holds it: a root CA valid over `root` days
    /// and an intermediate CA it signed, valid over `intermediate` days (relative to today).
    /// Returns (root PEM, intermediate PEM).
    pub fn ca_chain(root: (i64, i64), intermediate: (i64, i64)) -> (String, String) {
        use rcgen::{BasicConstraints, DnType, IsCa, Issuer};
        let ca = |cn: &str, (from, until): (i64, i64)| {
            let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
            params.distinguished_name.push(DnType::CommonName, cn);
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.not_before = day(from);
            params.not_after = day(until);
            params
        };
        let root_key = KeyPair::generate().expect("key");
        let root_params = ca("Root CA", root);
        let root_cert = root_params.self_signed(&root_key).expect("sign root");
        let issuer = Issuer::new(root_params, root_key);
        let inter_key = KeyPair::generate().expect("key");
        let inter = ca("Intermediate CA", intermediate)
            .signed_by(&inter_key, &issuer)
            .expect("sign intermediate");
        (root_cert.pem(), inter.pem())
    }

    fn day(offset: i64) -> time::OffsetDateTime {
        let t = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * offset);
        let d = t.to_zoned(jiff::tz::TimeZone::UTC).date();
        rcgen::date_time_ymd(i32::from(d.year()), d.month() as u8, d.day() as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::testing::self_signed;
    use super::*;

    fn now() -> i64 {
        jiff::Timestamp::now().as_second()
    }

    #[test]
    fn a_valid_pair() {
        let (cert, key) = self_signed("kyma.example", -1, 365);
        let info = inspect_pair(cert.as_bytes(), "tls.crt", key.as_bytes(), "tls.key").unwrap();
        assert!(
            info.subject.contains("kyma.example") || info.subject.contains("rcgen"),
            "{}",
            info.subject
        );
        assert!(matches!(expiry(&info, now()), Expiry::Valid { days_left } if days_left >= 363));
    }

    #[test]
    fn expired_and_expiring() {
        let (cert, _) = self_signed("old", -400, -1);
        let info = inspect_cert(cert.as_bytes(), "tls.crt").unwrap();
        assert!(matches!(expiry(&info, now()), Expiry::Expired { days_ago } if days_ago <= 1));
        let (cert, _) = self_signed("soon", -1, 10);
        let info = inspect_cert(cert.as_bytes(), "tls.crt").unwrap();
        assert!(
            matches!(expiry(&info, now()), Expiry::ExpiresSoon { days_left } if (9..=10).contains(&days_left))
        );
        let (cert, _) = self_signed("later", 5, 100);
        let info = inspect_cert(cert.as_bytes(), "tls.crt").unwrap();
        assert_eq!(expiry(&info, now()), Expiry::NotYetValid);
    }

    #[test]
    fn the_key_of_another_certificate_is_a_mismatch() {
        let (cert, _) = self_signed("a", -1, 365);
        let (_, other_key) = self_signed("b", -1, 365);
        assert_eq!(
            inspect_pair(cert.as_bytes(), "tls.crt", other_key.as_bytes(), "tls.key"),
            Err(CertProblem::Mismatch {
                cert: "tls.crt".into(),
                key: "tls.key".into()
            })
        );
    }

    #[test]
    fn rsa_keys_in_pkcs1_match_too() {
        // Kyma's old Secrets held RSA keys ("BEGIN RSA PRIVATE KEY").
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256);
        let Ok(key) = key else {
            return; // ring cannot generate RSA keys; covered by ECDSA above
        };
        let cert = rcgen::CertificateParams::new(vec!["rsa".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        inspect_pair(
            cert.pem().as_bytes(),
            "c",
            key.serialize_pem().as_bytes(),
            "k",
        )
        .unwrap();
    }

    #[test]
    fn garbage() {
        let (cert, key) = self_signed("a", -1, 365);
        assert_eq!(
            inspect_cert(b"not a certificate", "tls.crt"),
            Err(CertProblem::NoCertificate("tls.crt".into()))
        );
        let broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert_eq!(
            inspect_cert(broken.as_bytes(), "tls.crt"),
            Err(CertProblem::BadCertificate("tls.crt".into()))
        );
        assert_eq!(
            inspect_pair(cert.as_bytes(), "tls.crt", b"garbage", "tls.key"),
            Err(CertProblem::NoKey("tls.key".into()))
        );
        let bad_key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        assert_eq!(
            inspect_pair(cert.as_bytes(), "tls.crt", bad_key.as_bytes(), "tls.key"),
            Err(CertProblem::BadKey("tls.key".into()))
        );
        // A key is not a certificate.
        assert!(inspect_cert(key.as_bytes(), "tls.crt").is_err());
    }
}
