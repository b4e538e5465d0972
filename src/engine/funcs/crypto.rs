//! Sprig's crypto family as Helm v4.2.3 offers it (Sprig v3.3.0, goutils v1.1.1, Go 1.26): hashes,
//! Master Password (`derivePassword`), bcrypt and `htpasswd`, AES-CBC secrets, random strings, bytes
//! and UUIDs, private keys and X.509 certificates.
//!
//! Deterministic outputs are byte-identical to Helm's; random ones have Helm's shape (alphabets,
//! lengths, PEM block types, certificate fields and extensions in Go's order and encoding). Error
//! texts are Sprig's, including the Go runtime panics that `text/template` turns into errors; the
//! caller adds the `error calling NAME: ` prefix.
//!
//! DER, PEM and base64 decoding are done here rather than with the RustCrypto encoders because Go's
//! `encoding/pem`, `encoding/base64`, `encoding/asn1` and `crypto/x509` accept different inputs and
//! word their errors differently, and because Go writes validity dates before 1970 (overflowed
//! durations) that `der::DateTime` cannot hold. The RustCrypto crates only do the arithmetic: key
//! generation and signing.

use super::strings::base64_decode as go_base64_decode;
use crate::engine::gostr::quote as go_quote;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use rand::Rng as _;
use rand::rand_core::UnwrapErr;
use rand::rngs::SysRng;
use sha1::Sha1;
use sha2::{Digest as _, Sha256, Sha512};

// ------------------------------------------------------------------------------------------------
// Hashes
// ------------------------------------------------------------------------------------------------

/// `sha1sum`: lowercase hex SHA-1 of the string's bytes.
pub fn sha1sum(input: &str) -> String {
    hex(&Sha1::digest(input.as_bytes()))
}

/// `sha256sum`: lowercase hex SHA-256 of the string's bytes.
pub fn sha256sum(input: &str) -> String {
    hex(&Sha256::digest(input.as_bytes()))
}

/// `sha512sum`: lowercase hex SHA-512 of the string's bytes.
pub fn sha512sum(input: &str) -> String {
    hex(&Sha512::digest(input.as_bytes()))
}

/// `adler32sum`: the Adler-32 checksum of the string's bytes, in decimal.
pub fn adler32sum(input: &str) -> String {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 is the largest run for which `b` cannot overflow before the reduction (zlib's NMAX).
    for chunk in input.as_bytes().chunks(5552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    ((b << 16) | a).to_string()
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

// ------------------------------------------------------------------------------------------------
// Random values
// ------------------------------------------------------------------------------------------------

fn rng() -> UnwrapErr<SysRng> {
    // Go's crypto/rand aborts the process when the OS source fails; panicking is the equivalent.
    UnwrapErr(SysRng)
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    rng().fill_bytes(&mut buf);
    buf
}

/// `randBytes`: `count` random bytes, base64 (standard alphabet, padded).
///
/// A negative count is the Go runtime panic Sprig's `make` raises.
pub fn rand_bytes(count: i64) -> Result<String, String> {
    let n = usize::try_from(count)
        .map_err(|_| "runtime error: makeslice: len out of range".to_string())?;
    Ok(B64.encode(random_bytes(n)))
}

const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const DIGITS: &[u8] = b"0123456789";

fn random_string(count: i64, alphabet: &[u8]) -> String {
    // goutils returns an error for negative counts and Sprig drops it, printing nothing.
    let n = usize::try_from(count).unwrap_or(0);
    // Bytes at or above `limit` are rejected so that every character is equally likely.
    let limit = 256 - 256 % alphabet.len();
    let mut out = String::with_capacity(n);
    let mut buf = [0u8; 256];
    while out.len() < n {
        rng().fill_bytes(&mut buf);
        for &b in buf
            .iter()
            .filter(|&&b| usize::from(b) < limit)
            .take(n - out.len())
        {
            out.push(char::from(alphabet[usize::from(b) % alphabet.len()]));
        }
    }
    out
}

fn alphabet(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// `randAlphaNum`: `count` characters from `[A-Za-z0-9]`, uniformly (goutils draws from
/// `' '..='z'` and rejects the rest, which is the same distribution). Negative counts give `""`.
pub fn rand_alpha_num(count: i64) -> String {
    random_string(count, &alphabet(&[UPPER, LOWER, DIGITS]))
}

/// `randAlpha`: `count` characters from `[A-Za-z]`. Negative counts give `""`.
pub fn rand_alpha(count: i64) -> String {
    random_string(count, &alphabet(&[UPPER, LOWER]))
}

/// `randNumeric`: `count` characters from `[0-9]`. Negative counts give `""`.
pub fn rand_numeric(count: i64) -> String {
    random_string(count, DIGITS)
}

/// `randAscii`: `count` characters from the printable ASCII range `' '..='~'`. Negative counts
/// give `""`.
pub fn rand_ascii(count: i64) -> String {
    let printable: Vec<u8> = (b' '..=b'~').collect();
    random_string(count, &printable)
}

/// `uuidv4`: a random (version 4, RFC 4122 variant) UUID, lowercase and hyphenated.
pub fn uuidv4() -> String {
    let mut b = random_bytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// `getHostByName` as Helm v4 renders it: Helm replaces Sprig's DNS lookup with a function that
/// returns `""` unless DNS lookups are enabled (`--enable-dns`), which an offline engine never does.
pub fn get_host_by_name(_name: &str) -> String {
    String::new()
}

// ------------------------------------------------------------------------------------------------
// Passwords
// ------------------------------------------------------------------------------------------------

const MASTER_PASSWORD_SEED: &[u8] = b"com.lyndir.masterpassword";

fn password_templates(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "maximum" => &["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
        "long" => &[
            "CvcvnoCvcvCvcv",
            "CvcvCvcvnoCvcv",
            "CvcvCvcvCvcvno",
            "CvccnoCvcvCvcv",
            "CvccCvcvnoCvcv",
            "CvccCvcvCvcvno",
            "CvcvnoCvccCvcv",
            "CvcvCvccnoCvcv",
            "CvcvCvccCvcvno",
            "CvcvnoCvcvCvcc",
            "CvcvCvcvnoCvcc",
            "CvcvCvcvCvccno",
            "CvccnoCvccCvcv",
            "CvccCvccnoCvcv",
            "CvccCvccCvcvno",
            "CvcvnoCvccCvcc",
            "CvcvCvccnoCvcc",
            "CvcvCvccCvccno",
            "CvccnoCvcvCvcc",
            "CvccCvcvnoCvcc",
            "CvccCvcvCvccno",
        ],
        "medium" => &["CvcnoCvc", "CvcCvcno"],
        "short" => &["Cvcn"],
        "basic" => &["aaanaaan", "aannaaan", "aaannaaa"],
        "pin" => &["nnnn"],
        _ => return None,
    })
}

fn template_characters(class: u8) -> &'static [u8] {
    match class {
        b'V' => b"AEIOU",
        b'C' => b"BCDFGHJKLMNPQRSTVWXYZ",
        b'v' => b"aeiou",
        b'c' => b"bcdfghjklmnpqrstvwxyz",
        b'A' => b"AEIOUBCDFGHJKLMNPQRSTVWXYZ",
        b'a' => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
        b'n' => b"0123456789",
        b'o' => b"@&%?,=[]_:-+*$#!'^~;()/.",
        // Every template above only uses the classes listed, plus `x`.
        _ => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
    }
}

/// `derivePassword`: the Master Password algorithm (scrypt N=32768 r=8 p=2 over the user name,
/// HMAC-SHA256 over the site and counter, then a template of the password type).
///
/// An unknown type is not an error in Sprig: the message is the output.
pub fn derive_password(
    counter: u32,
    password_type: &str,
    password: &str,
    user: &str,
    site: &str,
) -> String {
    let Some(templates) = password_templates(password_type) else {
        return format!("cannot find password template {password_type}");
    };
    let mut salt = MASTER_PASSWORD_SEED.to_vec();
    salt.extend_from_slice(&(user.len() as u32).to_be_bytes());
    salt.extend_from_slice(user.as_bytes());
    let mut key = [0u8; 64];
    let params = scrypt::Params::new(15, 8, 2).expect("constant scrypt parameters are valid");
    if let Err(e) = scrypt::scrypt(password.as_bytes(), &salt, &params, &mut key) {
        return format!("failed to derive password: {e}");
    }

    let mut message = MASTER_PASSWORD_SEED.to_vec();
    message.extend_from_slice(&(site.len() as u32).to_be_bytes());
    message.extend_from_slice(site.as_bytes());
    message.extend_from_slice(&counter.to_be_bytes());
    let seed = hmac_sha256(&key, &message);

    let template = templates[usize::from(seed[0]) % templates.len()].as_bytes();
    template
        .iter()
        .enumerate()
        .map(|(i, &class)| {
            let chars = template_characters(class);
            char::from(chars[usize::from(seed[i + 1]) % chars.len()])
        })
        .collect()
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    use hmac::{KeyInit as _, Mac as _};
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// `bcrypt`: a `$2a$10$` bcrypt hash with a random salt. Passwords over 72 bytes are refused by Go's
/// bcrypt, and Sprig prints the failure as the output rather than failing.
pub fn bcrypt(input: &str) -> String {
    let mut salt = [0u8; 16];
    rng().fill_bytes(&mut salt);
    bcrypt_with_salt(input, salt)
}

fn bcrypt_with_salt(input: &str, salt: [u8; 16]) -> String {
    if input.len() > 72 {
        return "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
            .to_string();
    }
    match ::bcrypt::hash_with_salt(input.as_bytes(), 10, salt) {
        Ok(parts) => parts.format_for_version(::bcrypt::Version::TwoA),
        Err(e) => format!("failed to encrypt string with bcrypt: {e}"),
    }
}

/// `htpasswd`: `user:bcrypt(password)`; a user name containing `:` prints Sprig's message instead.
pub fn htpasswd(username: &str, password: &str) -> String {
    if username.contains(':') {
        return format!("invalid username: {username}");
    }
    format!("{username}:{}", bcrypt(password))
}

// ------------------------------------------------------------------------------------------------
// AES-256-CBC secrets
// ------------------------------------------------------------------------------------------------

fn aes_key(password: &str) -> aes::Aes256 {
    use aes::cipher::KeyInit as _;
    // Sprig copies the password into a zeroed 32-byte key: longer passwords are cut, shorter padded.
    let mut key = [0u8; 32];
    let n = password.len().min(32);
    key[..n].copy_from_slice(&password.as_bytes()[..n]);
    aes::Aes256::new(&key.into())
}

/// `encryptAES`: AES-256-CBC with PKCS#7 padding and a random IV, base64 of IV followed by the
/// ciphertext. An empty plaintext gives `""`.
pub fn encrypt_aes(password: &str, plaintext: &str) -> Result<String, String> {
    use aes::cipher::BlockCipherEncrypt as _;
    if plaintext.is_empty() {
        return Ok(String::new());
    }
    let cipher = aes_key(password);
    let mut content = plaintext.as_bytes().to_vec();
    let pad = 16 - content.len() % 16;
    content.extend(std::iter::repeat_n(pad as u8, pad));

    let mut out = random_bytes(16);
    let mut prev: [u8; 16] = out[..16].try_into().expect("16-byte IV");
    for chunk in content.chunks(16) {
        let mut block = aes::Block::default();
        for (i, b) in block.iter_mut().enumerate() {
            *b = chunk[i] ^ prev[i];
        }
        cipher.encrypt_block(&mut block);
        prev.copy_from_slice(&block);
        out.extend_from_slice(&block);
    }
    Ok(B64.encode(out))
}

/// `decryptAES`: the inverse of [`encrypt_aes`], with Sprig's lack of checks: the last byte is
/// trusted as the padding length, and malformed input fails with the Go runtime panic that Sprig
/// hits. Bytes that are not UTF-8 are replaced (Go would keep them in its string).
pub fn decrypt_aes(password: &str, crypt64: &str) -> Result<String, String> {
    use aes::cipher::BlockCipherDecrypt as _;
    if crypt64.is_empty() {
        return Ok(String::new());
    }
    let crypt = go_base64_decode(crypt64.as_bytes())
        .map_err(|offset| format!("illegal base64 data at input byte {offset}"))?;
    if crypt.len() < 16 {
        // Go slices within the decode buffer's capacity, which counts skipped newlines too.
        let capacity = crypt64.len() / 4 * 3;
        return Err(if capacity < 16 {
            format!("runtime error: slice bounds out of range [:16] with capacity {capacity}")
        } else {
            format!(
                "runtime error: slice bounds out of range [16:{}]",
                crypt.len()
            )
        });
    }
    let (iv, body) = crypt.split_at(16);
    if body.len() % 16 != 0 {
        return Err("crypto/cipher: input not full blocks".to_string());
    }
    if body.is_empty() {
        return Err("runtime error: index out of range [-1]".to_string());
    }
    let cipher = aes_key(password);
    let mut prev: [u8; 16] = iv.try_into().expect("16-byte IV");
    let mut plain = Vec::with_capacity(body.len());
    for chunk in body.chunks(16) {
        let mut block = aes::Block::try_from(chunk).expect("16-byte block");
        cipher.decrypt_block(&mut block);
        for (i, b) in block.iter().enumerate() {
            plain.push(b ^ prev[i]);
        }
        prev.copy_from_slice(chunk);
    }
    let pad = usize::from(plain[plain.len() - 1]);
    if pad > plain.len() {
        return Err(format!(
            "runtime error: slice bounds out of range [:{}]",
            plain.len() as i64 - pad as i64
        ));
    }
    plain.truncate(plain.len() - pad);
    Ok(String::from_utf8_lossy(&plain).into_owned())
}

// ------------------------------------------------------------------------------------------------
// PEM (Go's encoding/pem)
// ------------------------------------------------------------------------------------------------

fn pem_encode(block_type: &str, bytes: &[u8]) -> String {
    let body = B64.encode(bytes);
    let mut out = format!("-----BEGIN {block_type}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {block_type}-----\n"));
    out
}

/// The first PEM block Go's `pem.Decode` finds: its type and bytes. Go skips text before the
/// block, accepts `Key: value` headers, and moves on to the next `-----BEGIN` when a block is
/// malformed.
fn pem_decode(data: &[u8]) -> Option<(String, Vec<u8>)> {
    const START: &[u8] = b"\n-----BEGIN ";
    const END: &[u8] = b"\n-----END ";
    const DASHES: &[u8] = b"-----";
    fn get_line(data: &[u8]) -> (&[u8], &[u8]) {
        let (mut i, j) = match data.iter().position(|&b| b == b'\n') {
            Some(i) => (i, i + 1),
            None => (data.len(), data.len()),
        };
        if j > i && i > 0 && data[i - 1] == b'\r' {
            i -= 1;
        }
        let mut line = &data[..i];
        while let [rest @ .., b' ' | b'\t'] = line {
            line = rest;
        }
        (line, &data[j..])
    }
    fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len()).position(|w| w == needle)
    }

    let mut rest = data;
    loop {
        if rest.starts_with(&START[1..]) {
            rest = &rest[START.len() - 1..];
        } else if let Some(i) = find(rest, START) {
            rest = &rest[i + START.len()..];
        } else {
            return None;
        }
        let (type_line, after) = get_line(rest);
        rest = after;
        let Some(block_type) = type_line.strip_suffix(DASHES) else {
            continue;
        };

        let mut has_headers = false;
        loop {
            if rest.is_empty() {
                return None;
            }
            let (line, next) = get_line(rest);
            if !line.contains(&b':') {
                break;
            }
            has_headers = true;
            rest = next;
        }

        let (end_index, end_trailer_index) = if !has_headers && rest.starts_with(&END[1..]) {
            (0, END.len() - 1)
        } else {
            match find(rest, END) {
                Some(i) => (i, i + END.len()),
                None => continue,
            }
        };
        let end_trailer = &rest[end_trailer_index..];
        let trailer_len = block_type.len() + DASHES.len();
        if end_trailer.len() < trailer_len {
            continue;
        }
        let (trailer, rest_of_line) = end_trailer.split_at(trailer_len);
        if !trailer.starts_with(block_type) || !trailer.ends_with(DASHES) {
            continue;
        }
        if !get_line(rest_of_line).0.is_empty() {
            continue;
        }
        let body: Vec<u8> = rest[..end_index]
            .iter()
            .copied()
            .filter(|&b| b != b' ' && b != b'\t')
            .collect();
        let Ok(bytes) = go_base64_decode(&body) else {
            continue;
        };
        return Some((String::from_utf8_lossy(block_type).into_owned(), bytes));
    }
}

// ------------------------------------------------------------------------------------------------
// DER writing
// ------------------------------------------------------------------------------------------------

mod oid {
    //! DER encodings (tag, length, arcs) of the object identifiers certificates and keys use.
    pub const RSA_ENCRYPTION: &[u8] = &[6, 9, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 1, 1];
    pub const SHA256_WITH_RSA: &[u8] = &[6, 9, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 1, 11];
    pub const EC_PUBLIC_KEY: &[u8] = &[6, 7, 0x2a, 0x86, 0x48, 0xce, 0x3d, 2, 1];
    pub const ECDSA_SHA256: &[u8] = &[6, 8, 0x2a, 0x86, 0x48, 0xce, 0x3d, 4, 3, 2];
    pub const ECDSA_SHA384: &[u8] = &[6, 8, 0x2a, 0x86, 0x48, 0xce, 0x3d, 4, 3, 3];
    pub const ECDSA_SHA512: &[u8] = &[6, 8, 0x2a, 0x86, 0x48, 0xce, 0x3d, 4, 3, 4];
    pub const P224: &[u8] = &[6, 5, 0x2b, 0x81, 0x04, 0, 33];
    pub const P256: &[u8] = &[6, 8, 0x2a, 0x86, 0x48, 0xce, 0x3d, 3, 1, 7];
    pub const P384: &[u8] = &[6, 5, 0x2b, 0x81, 0x04, 0, 34];
    pub const P521: &[u8] = &[6, 5, 0x2b, 0x81, 0x04, 0, 35];
    pub const ED25519: &[u8] = &[6, 3, 0x2b, 101, 112];
    pub const X25519: &[u8] = &[6, 3, 0x2b, 101, 110];
    pub const DSA: &[u8] = &[6, 7, 0x2a, 0x86, 0x48, 0xce, 0x38, 4, 1];
    pub const COMMON_NAME: &[u8] = &[6, 3, 0x55, 4, 3];
    pub const KEY_USAGE: &[u8] = &[6, 3, 0x55, 29, 15];
    pub const EXT_KEY_USAGE: &[u8] = &[6, 3, 0x55, 29, 37];
    pub const BASIC_CONSTRAINTS: &[u8] = &[6, 3, 0x55, 29, 19];
    pub const SUBJECT_KEY_ID: &[u8] = &[6, 3, 0x55, 29, 14];
    pub const AUTHORITY_KEY_ID: &[u8] = &[6, 3, 0x55, 29, 35];
    pub const SUBJECT_ALT_NAME: &[u8] = &[6, 3, 0x55, 29, 17];
    pub const SERVER_AUTH: &[u8] = &[6, 8, 0x2b, 6, 1, 5, 5, 7, 3, 1];
    pub const CLIENT_AUTH: &[u8] = &[6, 8, 0x2b, 6, 1, 5, 5, 7, 3, 2];
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// A non-negative INTEGER from big-endian magnitude bytes.
fn der_uint(magnitude: &[u8]) -> Vec<u8> {
    let skip = magnitude.iter().take_while(|&&b| b == 0).count();
    let mut content = Vec::with_capacity(magnitude.len() + 1);
    match magnitude.get(skip) {
        None => content.push(0),
        Some(&first) => {
            if first & 0x80 != 0 {
                content.push(0);
            }
            content.extend_from_slice(&magnitude[skip..]);
        }
    }
    tlv(0x02, &content)
}

fn bit_string(bytes: &[u8]) -> Vec<u8> {
    let mut content = Vec::with_capacity(bytes.len() + 1);
    content.push(0);
    content.extend_from_slice(bytes);
    tlv(0x03, &content)
}

// ------------------------------------------------------------------------------------------------
// DER reading, with Go's cryptobyte rules (used by crypto/x509's certificate parser)
// ------------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
struct Der<'a>(&'a [u8]);

impl<'a> Der<'a> {
    /// The next element: its tag, its content, and the whole element.
    fn read_element(&mut self) -> Option<(u8, &'a [u8], &'a [u8])> {
        let data = self.0;
        let (&tag, rest) = data.split_first()?;
        if tag & 0x1f == 0x1f {
            return None;
        }
        let (&first, rest) = rest.split_first()?;
        let (len, header) = if first & 0x80 == 0 {
            (usize::from(first), 2)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n || rest[0] == 0 {
                return None;
            }
            let len = rest[..n]
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            if len < 0x80 {
                return None;
            }
            (len, 2 + n)
        };
        let end = header.checked_add(len)?;
        if data.len() < end {
            return None;
        }
        self.0 = &data[end..];
        Some((tag, &data[header..end], &data[..end]))
    }

    fn read(&mut self, tag: u8) -> Option<&'a [u8]> {
        self.read_full(tag).map(|(content, _)| content)
    }

    fn read_full(&mut self, tag: u8) -> Option<(&'a [u8], &'a [u8])> {
        let mut copy = *self;
        match copy.read_element() {
            Some((t, content, full)) if t == tag => {
                *self = copy;
                Some((content, full))
            }
            _ => None,
        }
    }

    fn peek_tag(&self) -> Option<u8> {
        self.0.first().copied()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// An INTEGER's content, checked to be minimally encoded as cryptobyte requires.
    fn read_integer(&mut self) -> Option<&'a [u8]> {
        let content = self.read(0x02)?;
        valid_integer(content).then_some(content)
    }
}

fn valid_integer(content: &[u8]) -> bool {
    match content {
        [] => false,
        [0, b, ..] if b & 0x80 == 0 => false,
        [0xff, b, ..] if b & 0x80 != 0 => false,
        _ => true,
    }
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    &bytes[skip..]
}

/// Dotted form of an OBJECT IDENTIFIER's content, as Go prints it.
fn oid_string(content: &[u8]) -> String {
    let mut arcs = Vec::new();
    let mut value: u64 = 0;
    for &b in content {
        value = (value << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = if value < 80 { value / 40 } else { 2 };
                arcs.push(first);
                arcs.push(value - first * 40);
            } else {
                arcs.push(value);
            }
            value = 0;
        }
    }
    arcs.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

// ------------------------------------------------------------------------------------------------
// Go's encoding/asn1 Unmarshal, for the private key structures Sprig and crypto/x509 read with it
// ------------------------------------------------------------------------------------------------

/// The Go field types of the structures `asn1.Unmarshal` fills when reading private keys.
#[derive(Clone, Copy, PartialEq)]
enum GoField {
    /// `int`
    Int,
    /// `*big.Int`
    BigInt,
    /// `*big.Int` with `asn1:"optional"`
    OptBigInt,
    /// `[]byte`
    Bytes,
    /// `asn1.ObjectIdentifier`
    Oid,
    /// `pkix.AlgorithmIdentifier`
    AlgId,
    /// `asn1.ObjectIdentifier` with `asn1:"optional,explicit,tag:0"`
    OptExplicitOid0,
    /// `asn1.BitString` with `asn1:"optional,explicit,tag:1"`
    OptExplicitBits1,
    /// a slice of structures with `asn1:"optional,omitempty"`
    OptSeqOf,
}

#[derive(Clone, Copy, Debug)]
enum GoValue<'a> {
    Absent,
    Int(i64),
    /// Two's-complement content of an INTEGER.
    Big(&'a [u8]),
    Bytes(&'a [u8]),
    Oid(&'a [u8]),
    AlgId {
        oid: &'a [u8],
        params: Option<&'a [u8]>,
    },
    /// A present `SEQUENCE OF` (only its presence matters).
    SeqOf,
}

impl GoField {
    fn optional(self) -> bool {
        matches!(
            self,
            GoField::OptBigInt
                | GoField::OptExplicitOid0
                | GoField::OptExplicitBits1
                | GoField::OptSeqOf
        )
    }

    /// Go's universal tag and constructed flag for the field's type, and `reflect.Type.Name()`.
    fn universal(self) -> (u32, bool, &'static str) {
        match self {
            GoField::Int => (2, false, "int"),
            GoField::BigInt | GoField::OptBigInt => (2, false, ""),
            GoField::Bytes => (4, false, ""),
            GoField::Oid | GoField::OptExplicitOid0 => (6, false, "ObjectIdentifier"),
            GoField::OptExplicitBits1 => (3, false, "BitString"),
            GoField::AlgId => (16, true, "AlgorithmIdentifier"),
            GoField::OptSeqOf => (16, true, ""),
        }
    }
}

const GO_PLAIN_PARAMS: &str = "{optional:false explicit:false application:false private:false defaultValue:<nil> \
tag:<nil> stringType:0 timeType:0 set:false omitEmpty:false}";

struct GoTag {
    class: u8,
    tag: u32,
    compound: bool,
    length: usize,
}

fn go_asn1_syntax(msg: &str) -> String {
    format!("asn1: syntax error: {msg}")
}

fn go_asn1_structure(msg: &str) -> String {
    format!("asn1: structure error: {msg}")
}

fn go_tag_and_length(bytes: &[u8], mut offset: usize) -> Result<(GoTag, usize), String> {
    let b = bytes[offset];
    offset += 1;
    let class = b >> 6;
    let compound = b & 0x20 != 0;
    let mut tag = u32::from(b & 0x1f);
    if tag == 0x1f {
        tag = 0;
        let mut shifted = 0;
        loop {
            if offset >= bytes.len() {
                return Err(go_asn1_syntax("truncated base 128 integer"));
            }
            if shifted == 5 {
                return Err(go_asn1_structure("base 128 integer too large"));
            }
            let b = bytes[offset];
            offset += 1;
            tag = (tag << 7) | u32::from(b & 0x7f);
            shifted += 1;
            if b & 0x80 == 0 {
                break;
            }
        }
        if tag < 0x1f {
            return Err(go_asn1_syntax("non-minimal tag"));
        }
    }
    if offset >= bytes.len() {
        return Err(go_asn1_syntax("truncated tag or length"));
    }
    let b = bytes[offset];
    offset += 1;
    let length = if b & 0x80 == 0 {
        usize::from(b & 0x7f)
    } else {
        let n = usize::from(b & 0x7f);
        if n == 0 {
            return Err(go_asn1_syntax("indefinite length found (not DER)"));
        }
        let mut length = 0usize;
        for _ in 0..n {
            if offset >= bytes.len() {
                return Err(go_asn1_syntax("truncated tag or length"));
            }
            let b = bytes[offset];
            offset += 1;
            if length >= 1 << 23 {
                return Err(go_asn1_structure("length too large"));
            }
            length = (length << 8) | usize::from(b);
            if length == 0 {
                return Err(go_asn1_structure("superfluous leading zeros in length"));
            }
        }
        if length < 0x80 {
            return Err(go_asn1_structure("non-minimal length"));
        }
        length
    };
    Ok((
        GoTag {
            class,
            tag,
            compound,
            length,
        },
        offset,
    ))
}

fn go_tags_mismatch(expected: u32, t: &GoTag, type_name: &str, offset: usize) -> String {
    go_asn1_structure(&format!(
        "tags don't match ({expected} vs {{class:{} tag:{} length:{} isCompound:{}}}) {GO_PLAIN_PARAMS} {type_name} @{offset}",
        t.class, t.tag, t.length, t.compound
    ))
}

fn go_check_integer(content: &[u8]) -> Result<(), String> {
    if content.is_empty() {
        return Err(go_asn1_structure("empty integer"));
    }
    if !valid_integer(content) {
        return Err(go_asn1_structure("integer not minimally-encoded"));
    }
    Ok(())
}

fn go_check_oid(content: &[u8]) -> Result<(), String> {
    if content.is_empty() {
        return Err(go_asn1_syntax("zero length OBJECT IDENTIFIER"));
    }
    if content.last().is_some_and(|b| b & 0x80 != 0) {
        return Err(go_asn1_syntax("truncated base 128 integer"));
    }
    Ok(())
}

/// One field of a structure, as Go's `parseField` reads it.
fn go_field<'a>(
    bytes: &'a [u8],
    offset: usize,
    field: GoField,
) -> Result<(GoValue<'a>, usize), String> {
    if offset == bytes.len() {
        return if field.optional() {
            Ok((GoValue::Absent, offset))
        } else {
            Err(go_asn1_syntax("sequence truncated"))
        };
    }
    let (mut t, mut at) = go_tag_and_length(bytes, offset)?;
    let explicit = match field {
        GoField::OptExplicitOid0 => Some(0),
        GoField::OptExplicitBits1 => Some(1),
        _ => None,
    };
    if let Some(explicit_tag) = explicit {
        if t.class == 2 && t.tag == explicit_tag && (t.length == 0 || t.compound) {
            if t.length == 0 {
                return Err(go_asn1_structure(
                    "zero length explicit tag was not an asn1.Flag",
                ));
            }
            (t, at) = go_tag_and_length(bytes, at)?;
        } else {
            return Ok((GoValue::Absent, offset));
        }
    }
    let (expected, compound, type_name) = field.universal();
    if t.class != 0 || t.tag != expected || t.compound != compound {
        if field.optional() {
            return Ok((GoValue::Absent, offset));
        }
        return Err(go_tags_mismatch(expected, &t, type_name, at));
    }
    let end = at
        .checked_add(t.length)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| go_asn1_syntax("data truncated"))?;
    let inner = &bytes[at..end];
    let value = match field {
        GoField::Int => {
            go_check_integer(inner)?;
            if inner.len() > 8 {
                return Err(go_asn1_structure("integer too large"));
            }
            let mut v: i64 = if inner[0] & 0x80 != 0 { -1 } else { 0 };
            for &b in inner {
                v = (v << 8) | i64::from(b);
            }
            GoValue::Int(v)
        }
        GoField::BigInt | GoField::OptBigInt => {
            go_check_integer(inner)?;
            GoValue::Big(inner)
        }
        GoField::Bytes => GoValue::Bytes(inner),
        GoField::Oid | GoField::OptExplicitOid0 => {
            go_check_oid(inner)?;
            GoValue::Oid(inner)
        }
        GoField::OptExplicitBits1 => {
            let bad = match inner {
                [] => return Err(go_asn1_syntax("zero length BIT STRING")),
                [pad, rest @ ..] => {
                    *pad > 7
                        || (rest.is_empty() && *pad > 0)
                        || rest.last().is_some_and(|l| l & ((1u8 << *pad) - 1) != 0)
                }
            };
            if bad {
                return Err(go_asn1_syntax("invalid padding bits in BIT STRING"));
            }
            GoValue::Bytes(inner)
        }
        GoField::AlgId => {
            let (oid, next) = go_field(inner, 0, GoField::Oid)?;
            let GoValue::Oid(oid) = oid else {
                unreachable!("an OID field reads an OID")
            };
            // `Parameters asn1.RawValue` (optional): any one element, kept whole.
            let params = if next < inner.len() {
                let (pt, pat) = go_tag_and_length(inner, next)?;
                let pend = pat
                    .checked_add(pt.length)
                    .filter(|&e| e <= inner.len())
                    .ok_or_else(|| go_asn1_syntax("data truncated"))?;
                Some(&inner[next..pend])
            } else {
                None
            };
            GoValue::AlgId { oid, params }
        }
        GoField::OptSeqOf => GoValue::SeqOf,
    };
    Ok((value, end))
}

/// `asn1.Unmarshal(bytes, &structure)`: the field values and the number of trailing bytes.
fn go_unmarshal<'a>(
    bytes: &'a [u8],
    type_name: &str,
    fields: &[GoField],
) -> Result<(Vec<GoValue<'a>>, usize), String> {
    if bytes.is_empty() {
        return Err(go_asn1_syntax("sequence truncated"));
    }
    let (t, at) = go_tag_and_length(bytes, 0)?;
    if t.class != 0 || t.tag != 16 || !t.compound {
        return Err(go_tags_mismatch(16, &t, type_name, at));
    }
    let end = at
        .checked_add(t.length)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| go_asn1_syntax("data truncated"))?;
    let inner = &bytes[at..end];
    let mut offset = 0;
    let mut values = Vec::with_capacity(fields.len());
    for &field in fields {
        let (value, next) = go_field(inner, offset, field)?;
        values.push(value);
        offset = next;
    }
    // Go ignores elements after the last field: later versions of a structure may add some.
    Ok((values, bytes.len() - end))
}

const PKCS1_FIELDS: &[GoField] = &[
    GoField::Int,
    GoField::BigInt,
    GoField::Int,
    GoField::BigInt,
    GoField::BigInt,
    GoField::BigInt,
    GoField::OptBigInt,
    GoField::OptBigInt,
    GoField::OptBigInt,
    GoField::OptSeqOf,
];
const EC_FIELDS: &[GoField] = &[
    GoField::Int,
    GoField::Bytes,
    GoField::OptExplicitOid0,
    GoField::OptExplicitBits1,
];
const PKCS8_FIELDS: &[GoField] = &[GoField::Int, GoField::AlgId, GoField::Bytes];
const DSA_FIELDS: &[GoField] = &[
    GoField::Int,
    GoField::BigInt,
    GoField::BigInt,
    GoField::BigInt,
    GoField::BigInt,
    GoField::BigInt,
];

fn parses_as(bytes: &[u8], type_name: &str, fields: &[GoField]) -> bool {
    go_unmarshal(bytes, type_name, fields).is_ok()
}

// ------------------------------------------------------------------------------------------------
// Private keys
// ------------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Debug)]
enum Curve {
    P224,
    P256,
    P384,
    P521,
}

impl Curve {
    fn from_oid(content: &[u8]) -> Option<Curve> {
        [
            (oid::P224, Curve::P224),
            (oid::P256, Curve::P256),
            (oid::P384, Curve::P384),
            (oid::P521, Curve::P521),
        ]
        .into_iter()
        .find(|(der, _)| &der[2..] == content)
        .map(|(_, c)| c)
    }

    fn oid(self) -> &'static [u8] {
        match self {
            Curve::P224 => oid::P224,
            Curve::P256 => oid::P256,
            Curve::P384 => oid::P384,
            Curve::P521 => oid::P521,
        }
    }

    /// Bytes of a private scalar: `(N.BitLen()+7)/8`.
    fn scalar_len(self) -> usize {
        match self {
            Curve::P224 => 28,
            Curve::P256 => 32,
            Curve::P384 => 48,
            Curve::P521 => 66,
        }
    }
}

/// The integers of a PKCS#1 two-prime RSA key, big-endian without leading zeros.
#[derive(Clone, Debug)]
struct RsaParts {
    n: Vec<u8>,
    e: Vec<u8>,
    d: Vec<u8>,
    p: Vec<u8>,
    q: Vec<u8>,
    dp: Vec<u8>,
    dq: Vec<u8>,
    qinv: Vec<u8>,
}

impl RsaParts {
    fn pkcs1_der(&self) -> Vec<u8> {
        let fields = [
            &self.n, &self.e, &self.d, &self.p, &self.q, &self.dp, &self.dq, &self.qinv,
        ];
        let mut content = der_uint(&[]);
        for f in fields {
            content.extend(der_uint(f));
        }
        tlv(0x30, &content)
    }

    fn bits(&self) -> usize {
        let n = strip_zeros(&self.n);
        n.first()
            .map_or(0, |&b| n.len() * 8 - b.leading_zeros() as usize)
    }

    fn public_der(&self) -> Vec<u8> {
        seq(&[&der_uint(&self.n), &der_uint(&self.e)])
    }

    fn from_generated(key: &rsa::PrivateKey) -> Result<RsaParts, String> {
        use rsa::pkcs1::EncodeRsaPrivateKey as _;
        let der = key
            .to_pkcs1_der()
            .map_err(|e| format!("failed to generate private key: {e}"))?;
        parse_pkcs1(der.as_bytes())
    }
}

#[derive(Clone, Debug)]
enum PrivateKey {
    Rsa(RsaParts),
    Ec {
        curve: Curve,
        scalar: Vec<u8>,
    },
    Ed25519([u8; 32]),
    /// Sprig's DSA structure; crypto/x509 can neither sign with nor certify such keys.
    Dsa,
    /// crypto/x509 reads X25519 keys from PKCS#8 but cannot sign with nor certify them.
    X25519,
}

/// A public key as crypto/x509 compares them (`Equal`): the parent certificate's against the
/// signing key's.
#[derive(PartialEq, Debug)]
enum PublicKey {
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    Ec {
        curve: Curve,
        point: Vec<u8>,
    },
    Ed25519(Vec<u8>),
    /// A key Go parses but that no signing key here can equal (DSA, X25519).
    Other,
}

fn ec_public_point(curve: Curve, scalar: &[u8]) -> Result<Vec<u8>, String> {
    let invalid = || "x509: invalid elliptic curve private key value".to_string();
    Ok(match curve {
        Curve::P256 => {
            let k = p256::ecdsa::SigningKey::from_slice(scalar).map_err(|_| invalid())?;
            k.verifying_key().to_sec1_point(false).as_bytes().to_vec()
        }
        Curve::P384 => {
            let k = p384::ecdsa::SigningKey::from_slice(scalar).map_err(|_| invalid())?;
            k.verifying_key().to_sec1_point(false).as_bytes().to_vec()
        }
        Curve::P521 => {
            let k = p521::ecdsa::SigningKey::from_slice(scalar).map_err(|_| invalid())?;
            k.verifying_key().to_sec1_point(false).as_bytes().to_vec()
        }
        // Go supports P-224; no maintained stable RustCrypto crate does.
        Curve::P224 => return Err("x509: unknown elliptic curve".to_string()),
    })
}

fn ed25519_public(seed: &[u8; 32]) -> [u8; 32] {
    ed25519_dalek::SigningKey::from_bytes(seed)
        .verifying_key()
        .to_bytes()
}

impl PrivateKey {
    /// Sprig's `pemBlockForKey`.
    fn to_pem(&self) -> Result<String, String> {
        Ok(match self {
            PrivateKey::Rsa(parts) => pem_encode("RSA PRIVATE KEY", &parts.pkcs1_der()),
            PrivateKey::Ec { curve, scalar } => {
                let point = ec_public_point(*curve, scalar)?;
                pem_encode("EC PRIVATE KEY", &sec1_der(*curve, scalar, &point))
            }
            PrivateKey::Ed25519(seed) => pem_encode("PRIVATE KEY", &ed25519_pkcs8_der(seed)),
            // Unreachable from Sprig: such keys fail before their PEM is written.
            PrivateKey::Dsa | PrivateKey::X25519 => {
                return Err("x509: unknown key type while marshaling PKCS#8".to_string());
            }
        })
    }

    /// `x509.MarshalPKIXPublicKey` of the key's public half, and the subjectPublicKey bits.
    fn public_key_info(&self) -> Result<(Vec<u8>, Vec<u8>), String> {
        let (algorithm, bits) = match self {
            PrivateKey::Rsa(parts) => (
                seq(&[oid::RSA_ENCRYPTION, &[0x05, 0x00]]),
                parts.public_der(),
            ),
            PrivateKey::Ec { curve, scalar } => (
                seq(&[oid::EC_PUBLIC_KEY, curve.oid()]),
                ec_public_point(*curve, scalar)?,
            ),
            PrivateKey::Ed25519(seed) => (seq(&[oid::ED25519]), ed25519_public(seed).to_vec()),
            PrivateKey::Dsa => {
                return Err("x509: unsupported public key type: *dsa.PublicKey".to_string());
            }
            PrivateKey::X25519 => {
                return Err("x509: unsupported public key type: *ecdh.PublicKey".to_string());
            }
        };
        Ok((seq(&[&algorithm, &bit_string(&bits)]), bits))
    }

    fn public_key(&self) -> Result<PublicKey, String> {
        Ok(match self {
            PrivateKey::Rsa(parts) => PublicKey::Rsa {
                n: strip_zeros(&parts.n).to_vec(),
                e: strip_zeros(&parts.e).to_vec(),
            },
            PrivateKey::Ec { curve, scalar } => PublicKey::Ec {
                curve: *curve,
                point: ec_public_point(*curve, scalar)?,
            },
            PrivateKey::Ed25519(seed) => PublicKey::Ed25519(ed25519_public(seed).to_vec()),
            PrivateKey::Dsa | PrivateKey::X25519 => PublicKey::Other,
        })
    }

    /// The signature AlgorithmIdentifier crypto/x509 picks for the key, or its refusal.
    fn signature_algorithm(&self) -> Result<Vec<u8>, String> {
        Ok(match self {
            PrivateKey::Rsa(_) => seq(&[oid::SHA256_WITH_RSA, &[0x05, 0x00]]),
            PrivateKey::Ec {
                curve: Curve::P224 | Curve::P256,
                ..
            } => seq(&[oid::ECDSA_SHA256]),
            PrivateKey::Ec {
                curve: Curve::P384, ..
            } => seq(&[oid::ECDSA_SHA384]),
            PrivateKey::Ec {
                curve: Curve::P521, ..
            } => seq(&[oid::ECDSA_SHA512]),
            PrivateKey::Ed25519(_) => seq(&[oid::ED25519]),
            PrivateKey::Dsa | PrivateKey::X25519 => {
                return Err(
                    "x509: certificate private key does not implement crypto.Signer".to_string(),
                );
            }
        })
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        match self {
            PrivateKey::Rsa(parts) => {
                use rsa::pkcs1::DecodeRsaPrivateKey as _;
                let bits = parts.bits();
                if bits < 1024 {
                    return Err(format!(
                        "crypto/rsa: {bits}-bit keys are insecure (see https://go.dev/pkg/crypto/rsa#hdr-Minimum_key_size)"
                    ));
                }
                let key = rsa::PrivateKey::from_pkcs1_der(&parts.pkcs1_der())
                    .map_err(|_| "crypto/rsa: invalid private key".to_string())?;
                key.sign(
                    rsa::pkcs1v15::Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(message),
                )
                .map_err(|e| format!("crypto/rsa: {e}"))
            }
            PrivateKey::Ec { curve, scalar } => {
                use p256::ecdsa::signature::Signer as _;
                let invalid = || "x509: invalid elliptic curve private key value".to_string();
                let rs = match curve {
                    Curve::P256 => {
                        let k =
                            p256::ecdsa::SigningKey::from_slice(scalar).map_err(|_| invalid())?;
                        let sig: p256::ecdsa::Signature = k.sign(message);
                        sig.to_bytes().to_vec()
                    }
                    Curve::P384 => {
                        let k =
                            p384::ecdsa::SigningKey::from_slice(scalar).map_err(|_| invalid())?;
                        let sig: p384::ecdsa::Signature = k.sign(message);
                        sig.to_bytes().to_vec()
                    }
                    Curve::P521 => {
                        let k =
                            p521::ecdsa::SigningKey::from_slice(scalar).map_err(|_| invalid())?;
                        let sig: p521::ecdsa::Signature = k.sign(message);
                        sig.to_bytes().to_vec()
                    }
                    Curve::P224 => return Err("x509: unknown elliptic curve".to_string()),
                };
                let (r, s) = rs.split_at(rs.len() / 2);
                Ok(seq(&[&der_uint(r), &der_uint(s)]))
            }
            PrivateKey::Ed25519(seed) => {
                use ed25519_dalek::Signer as _;
                Ok(ed25519_dalek::SigningKey::from_bytes(seed)
                    .sign(message)
                    .to_bytes()
                    .to_vec())
            }
            PrivateKey::Dsa | PrivateKey::X25519 => {
                Err("x509: certificate private key does not implement crypto.Signer".to_string())
            }
        }
    }
}

fn sec1_der(curve: Curve, scalar: &[u8], point: &[u8]) -> Vec<u8> {
    seq(&[
        &der_uint(&[1]),
        &tlv(0x04, scalar),
        &tlv(0xa0, curve.oid()),
        &tlv(0xa1, &bit_string(point)),
    ])
}

fn ed25519_pkcs8_der(seed: &[u8; 32]) -> Vec<u8> {
    seq(&[
        &der_uint(&[]),
        &seq(&[oid::ED25519]),
        &tlv(0x04, &tlv(0x04, seed)),
    ])
}

fn big(value: GoValue<'_>) -> Vec<u8> {
    match value {
        GoValue::Big(b) => strip_zeros(b).to_vec(),
        _ => Vec::new(),
    }
}

fn is_positive(value: GoValue<'_>) -> bool {
    matches!(value, GoValue::Big(b) if b[0] & 0x80 == 0 && b.iter().any(|&x| x != 0))
}

/// `x509.ParsePKCS1PrivateKey`.
fn parse_pkcs1(der: &[u8]) -> Result<RsaParts, String> {
    let (values, trailing) = match go_unmarshal(der, "pkcs1PrivateKey", PKCS1_FIELDS) {
        Ok(ok) => ok,
        Err(err) => {
            if parses_as(der, "ecPrivateKey", EC_FIELDS) {
                return Err("x509: failed to parse private key (use ParseECPrivateKey instead for this key format)".to_string());
            }
            if parses_as(der, "pkcs8", PKCS8_FIELDS) {
                return Err("x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)".to_string());
            }
            return Err(err);
        }
    };
    if trailing > 0 {
        return Err(go_asn1_syntax("trailing data"));
    }
    let GoValue::Int(version) = values[0] else {
        unreachable!("version is an int")
    };
    if version > 1 {
        return Err("x509: unsupported private key version".to_string());
    }
    if ![values[1], values[3], values[4], values[5]]
        .into_iter()
        .all(is_positive)
    {
        return Err("x509: private key contains zero or negative value".to_string());
    }
    if !matches!(values[9], GoValue::Absent) {
        return Err("crypto/rsa: multi-prime keys are not supported".to_string());
    }
    let GoValue::Int(e) = values[2] else {
        unreachable!("e is an int")
    };
    if e <= 0 {
        return Err("crypto/rsa: invalid public exponent".to_string());
    }
    let mut parts = RsaParts {
        n: big(values[1]),
        e: strip_zeros(&e.to_be_bytes()).to_vec(),
        d: big(values[3]),
        p: big(values[4]),
        q: big(values[5]),
        dp: big(values[6]),
        dq: big(values[7]),
        qinv: big(values[8]),
    };
    // Keys under 1024 bits are only refused when used to sign; larger ones are validated (and
    // missing CRT values filled in) as Go does when it reads them.
    if parts.bits() >= 1024 {
        use rsa::pkcs1::{DecodeRsaPrivateKey as _, EncodeRsaPrivateKey as _};
        let key = rsa::PrivateKey::from_pkcs1_der(&parts.pkcs1_der())
            .map_err(|_| "crypto/rsa: invalid private key".to_string())?;
        if parts.dp.is_empty() || parts.dq.is_empty() || parts.qinv.is_empty() {
            let der = key
                .to_pkcs1_der()
                .map_err(|_| "crypto/rsa: invalid private key".to_string())?;
            let (full, _) = go_unmarshal(der.as_bytes(), "pkcs1PrivateKey", PKCS1_FIELDS)?;
            parts.dp = big(full[6]);
            parts.dq = big(full[7]);
            parts.qinv = big(full[8]);
        }
    }
    Ok(parts)
}

/// crypto/x509's `parseECPrivateKey`, with the curve from PKCS#8 parameters when given.
fn parse_ec(named_curve: Option<&[u8]>, der: &[u8]) -> Result<PrivateKey, String> {
    let values = match go_unmarshal(der, "ecPrivateKey", EC_FIELDS) {
        Ok((values, _)) => values,
        Err(err) => {
            if parses_as(der, "pkcs8", PKCS8_FIELDS) {
                return Err("x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)".to_string());
            }
            if parses_as(der, "pkcs1PrivateKey", PKCS1_FIELDS) {
                return Err("x509: failed to parse private key (use ParsePKCS1PrivateKey instead for this key format)".to_string());
            }
            return Err(format!("x509: failed to parse EC private key: {err}"));
        }
    };
    let GoValue::Int(version) = values[0] else {
        unreachable!("version is an int")
    };
    if version != 1 {
        return Err(format!("x509: unknown EC private key version {version}"));
    }
    let curve_oid = match (named_curve, values[2]) {
        (Some(oid), _) => Some(oid),
        (None, GoValue::Oid(oid)) => Some(oid),
        _ => None,
    };
    let curve = curve_oid
        .and_then(Curve::from_oid)
        .ok_or_else(|| "x509: unknown elliptic curve".to_string())?;
    let GoValue::Bytes(mut raw) = values[1] else {
        unreachable!("the private key is bytes")
    };
    let size = curve.scalar_len();
    while raw.len() > size {
        if raw[0] != 0 {
            return Err("x509: invalid private key length".to_string());
        }
        raw = &raw[1..];
    }
    let mut scalar = vec![0u8; size];
    scalar[size - raw.len()..].copy_from_slice(raw);
    ec_public_point(curve, &scalar)?;
    Ok(PrivateKey::Ec { curve, scalar })
}

/// `x509.ParsePKCS8PrivateKey`.
fn parse_pkcs8(der: &[u8]) -> Result<PrivateKey, String> {
    let values = match go_unmarshal(der, "pkcs8", PKCS8_FIELDS) {
        Ok((values, _)) => values,
        Err(err) => {
            if parses_as(der, "ecPrivateKey", EC_FIELDS) {
                return Err("x509: failed to parse private key (use ParseECPrivateKey instead for this key format)".to_string());
            }
            if parses_as(der, "pkcs1PrivateKey", PKCS1_FIELDS) {
                return Err("x509: failed to parse private key (use ParsePKCS1PrivateKey instead for this key format)".to_string());
            }
            return Err(err);
        }
    };
    let GoValue::AlgId {
        oid: algorithm,
        params,
    } = values[1]
    else {
        unreachable!("an AlgorithmIdentifier")
    };
    let GoValue::Bytes(inner) = values[2] else {
        unreachable!("the private key is bytes")
    };
    let is = |der: &[u8]| &der[2..] == algorithm;
    if is(oid::RSA_ENCRYPTION) {
        return parse_pkcs1(inner)
            .map(PrivateKey::Rsa)
            .map_err(|e| format!("x509: failed to parse RSA private key embedded in PKCS#8: {e}"));
    }
    if is(oid::EC_PUBLIC_KEY) {
        let named = params.and_then(|p| match go_field(p, 0, GoField::Oid) {
            Ok((GoValue::Oid(oid), _)) => Some(oid),
            _ => None,
        });
        return parse_ec(named, inner)
            .map_err(|e| format!("x509: failed to parse EC private key embedded in PKCS#8: {e}"));
    }
    for (der, name, is_ed) in [
        (oid::ED25519, "Ed25519", true),
        (oid::X25519, "X25519", false),
    ] {
        if !is(der) {
            continue;
        }
        if params.is_some_and(|p| !p.is_empty()) {
            return Err(format!("x509: invalid {name} private key parameters"));
        }
        let key = match go_field(inner, 0, GoField::Bytes) {
            Ok((GoValue::Bytes(key), _)) => key,
            Ok(_) => unreachable!("a bytes field reads bytes"),
            Err(e) => return Err(format!("x509: invalid {name} private key: {e}")),
        };
        if is_ed {
            let seed: [u8; 32] = key
                .try_into()
                .map_err(|_| format!("x509: invalid Ed25519 private key length: {}", key.len()))?;
            return Ok(PrivateKey::Ed25519(seed));
        }
        if key.len() != 32 {
            return Err(
                "x509: invalid X25519 private key: crypto/ecdh: invalid private key size"
                    .to_string(),
            );
        }
        return Ok(PrivateKey::X25519);
    }
    Err(format!(
        "x509: PKCS#8 wrapping contained private key with unknown algorithm: {}",
        oid_string(algorithm)
    ))
}

/// Sprig's `parsePrivateKeyPEM`.
fn parse_private_key_pem(pem: &str) -> Result<PrivateKey, String> {
    let (block_type, bytes) =
        pem_decode(pem.as_bytes()).ok_or_else(|| "no PEM data in input".to_string())?;
    if block_type == "PRIVATE KEY" {
        return parse_pkcs8(&bytes).map_err(|e| format!("decoding PEM as PKCS#8: {e}"));
    }
    let Some(kind) = block_type.strip_suffix(" PRIVATE KEY") else {
        return Err(format!(
            "no private key data in PEM block of type {block_type}"
        ));
    };
    match kind {
        "RSA" => parse_pkcs1(&bytes)
            .map(PrivateKey::Rsa)
            .map_err(|e| format!("parsing RSA private key from PEM: {e}")),
        "EC" => parse_ec(None, &bytes).map_err(|e| format!("parsing EC private key from PEM: {e}")),
        "DSA" => go_unmarshal(&bytes, "DSAKeyFormat", DSA_FIELDS)
            .map(|_| PrivateKey::Dsa)
            .map_err(|e| format!("parsing DSA private key from PEM: {e}")),
        _ => Err(format!("invalid private key type {block_type}")),
    }
}

fn generate_rsa(bits: usize) -> Result<RsaParts, String> {
    let key = rsa::PrivateKey::new(&mut rng(), bits).map_err(|e| e.to_string())?;
    RsaParts::from_generated(&key)
}

/// `genPrivateKey`: a PEM private key of type `rsa` (or `""`: 4096-bit PKCS#1), `dsa` (L=2048,
/// N=256, Sprig's own `DSA PRIVATE KEY` structure), `ecdsa` (P-256, SEC 1 `EC PRIVATE KEY`) or
/// `ed25519` (PKCS#8 `PRIVATE KEY`). Other types print `Unknown type TYPE`, as Sprig does.
pub fn gen_private_key(typ: &str) -> String {
    let pem = match typ {
        "" | "rsa" => {
            generate_rsa(4096).map(|parts| pem_encode("RSA PRIVATE KEY", &parts.pkcs1_der()))
        }
        "dsa" => generate_dsa(),
        "ecdsa" => {
            let key =
                <p256::ecdsa::SigningKey as p256::elliptic_curve::Generate>::generate_from_rng(
                    &mut rng(),
                );
            let scalar = key.to_bytes().to_vec();
            let point = key.verifying_key().to_sec1_point(false).as_bytes().to_vec();
            Ok(pem_encode(
                "EC PRIVATE KEY",
                &sec1_der(Curve::P256, &scalar, &point),
            ))
        }
        "ed25519" => {
            let mut seed = [0u8; 32];
            rng().fill_bytes(&mut seed);
            Ok(pem_encode("PRIVATE KEY", &ed25519_pkcs8_der(&seed)))
        }
        _ => return format!("Unknown type {typ}"),
    };
    pem.unwrap_or_else(|e| format!("failed to generate private key: {e}"))
}

fn generate_dsa() -> Result<String, String> {
    let components = dsa::Components::try_generate_from_rng_with_key_size(
        &mut rng(),
        dsa::KeySize::DSA_2048_256,
    )
    .map_err(|e| e.to_string())?;
    let key = dsa::SigningKey::try_generate_from_rng_with_components(&mut rng(), components)
        .map_err(|e| e.to_string())?;
    let public = key.verifying_key();
    let c = public.components();
    let int = |v: &dsa::BoxedUint| der_uint(&v.to_be_bytes());
    let der = seq(&[
        &der_uint(&[]),
        &int(c.p()),
        &int(c.q()),
        &int(c.g()),
        &int(public.y()),
        &int(key.x()),
    ]);
    Ok(pem_encode("DSA PRIVATE KEY", &der))
}

// ------------------------------------------------------------------------------------------------
// Certificates
// ------------------------------------------------------------------------------------------------

/// Sprig's `certificate`: PEM certificate and PEM private key. Templates read them as `.Cert` and
/// `.Key`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    /// The certificate, one PEM `CERTIFICATE` block.
    pub cert: String,
    /// The private key, one PEM block (see [`gen_private_key`] for the block types).
    pub key: String,
}

/// An element of the `ips` or `dnsNames` list a template passes: Sprig takes `[]interface{}` and
/// rejects elements that are not strings, naming them with Go's `%v`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListItem<'a> {
    /// A string element.
    Str(&'a str),
    /// Any other element, as Go's `%v` prints it (`5`, `<nil>`, `map[a:1]`).
    NotString(String),
}

/// The part of Go's `x509.Certificate` template Sprig fills in.
struct Template {
    serial: Vec<u8>,
    subject: Vec<u8>,
    ips: Vec<Vec<u8>>,
    dns: Vec<String>,
    not_before: Vec<u8>,
    not_after: Vec<u8>,
    is_ca: bool,
}

/// Sprig's `getBaseCertTemplate`.
fn base_template(
    cn: &str,
    ips: &[ListItem<'_>],
    dns: &[ListItem<'_>],
    days_valid: i64,
) -> Result<Template, String> {
    let mut ip_bytes = Vec::with_capacity(ips.len());
    for item in ips {
        match item {
            ListItem::Str(s) => {
                ip_bytes.push(parse_go_ip(s).ok_or_else(|| format!("error parsing ip: {s}"))?)
            }
            ListItem::NotString(v) => return Err(format!("error parsing ip: {v} is not a string")),
        }
    }
    let mut names = Vec::with_capacity(dns.len());
    for item in dns {
        match item {
            ListItem::Str(s) => names.push((*s).to_string()),
            ListItem::NotString(v) => {
                return Err(format!(
                    "error processing alternate dns name: {v} is not a string"
                ));
            }
        }
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128);
    let (not_before, not_after) = validity(now, days_valid);
    Ok(Template {
        serial: random_bytes(16),
        subject: name_der(cn),
        ips: ip_bytes,
        dns: names,
        not_before,
        not_after,
        is_ca: false,
    })
}

/// NotBefore and NotAfter for `now` (Unix nanoseconds) and Sprig's `daysValid`.
fn validity(now: i128, days_valid: i64) -> (Vec<u8>, Vec<u8>) {
    // Go multiplies time.Duration (int64 nanoseconds) and wraps on overflow: 106752 days and
    // more land centuries in the past.
    let valid = 86_400_000_000_000i64.wrapping_mul(days_valid);
    (go_time_der(now), go_time_der(now + i128::from(valid)))
}

/// `pkix.Name{CommonName: cn}` as Go marshals it: PrintableString when every character allows it,
/// otherwise UTF8String; an empty name is an empty sequence.
fn name_der(cn: &str) -> Vec<u8> {
    if cn.is_empty() {
        return seq(&[]);
    }
    let printable = cn
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b));
    let value = tlv(if printable { 0x13 } else { 0x0c }, cn.as_bytes());
    seq(&[&tlv(0x31, &seq(&[oid::COMMON_NAME, &value]))])
}

/// Go's `net.ParseIP` as the SAN bytes crypto/x509 writes: 4 bytes for IPv4 and IPv4-mapped IPv6,
/// 16 for other IPv6. No zones, no leading zeros in IPv4 parts.
fn parse_go_ip(s: &str) -> Option<Vec<u8>> {
    if let Ok(v4) = s.parse::<std::net::Ipv4Addr>() {
        return Some(v4.octets().to_vec());
    }
    if !s.contains(':') || s.contains('%') {
        return None;
    }
    let v6 = s.parse::<std::net::Ipv6Addr>().ok()?;
    Some(match v6.to_ipv4_mapped() {
        Some(v4) => v4.octets().to_vec(),
        None => v6.octets().to_vec(),
    })
}

/// A Go `time.Time` (Unix nanoseconds) as `encoding/asn1` writes it: UTCTime for 1950..2049,
/// GeneralizedTime otherwise.
fn go_time_der(unix_nanos: i128) -> Vec<u8> {
    let secs = unix_nanos.div_euclid(1_000_000_000) as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let time = format!(
        "{month:02}{day:02}{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    if (1950..2050).contains(&year) {
        tlv(0x17, format!("{:02}{time}", year % 100).as_bytes())
    } else {
        tlv(0x18, format!("{year:04}{time}").as_bytes())
    }
}

/// Proleptic Gregorian date of a day count from 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The parts of a parsed issuer certificate that crypto/x509 uses when it signs with it.
struct ParentCert {
    raw_subject: Vec<u8>,
    public_key: Option<PublicKey>,
    subject_key_id: Vec<u8>,
}

fn extension(oid: &[u8], critical: bool, value: &[u8]) -> Vec<u8> {
    let critical: &[u8] = if critical { &[0x01, 0x01, 0xff] } else { &[] };
    seq(&[oid, critical, &tlv(0x04, value)])
}

/// crypto/x509's `CreateCertificate` for Sprig's templates, then Sprig's PEM encoding of the
/// certificate and of the subject's key.
fn create_certificate(
    template: &Template,
    subject_key: &PrivateKey,
    parent: Option<&ParentCert>,
    signing_key: &PrivateKey,
) -> Result<Certificate, String> {
    let wrap = |e: String| format!("error creating certificate: {e}");
    let signature_algorithm = signing_key.signature_algorithm().map_err(wrap)?;
    let (spki, public_bits) = subject_key.public_key_info().map_err(wrap)?;

    let issuer = parent.map_or(&template.subject, |p| &p.raw_subject);
    let subject_key_id = if template.is_ca {
        // Go 1.26 derives the identifier with SHA-256 truncated to 160 bits (RFC 7093 method 1).
        Sha256::digest(&public_bits)[..20].to_vec()
    } else {
        Vec::new()
    };
    let authority_key_id = match parent {
        Some(p) if *issuer != template.subject && !p.subject_key_id.is_empty() => {
            p.subject_key_id.clone()
        }
        _ => Vec::new(),
    };
    if let Some(Some(parent_key)) = parent.map(|p| &p.public_key)
        && signing_key.public_key().map_err(wrap)? != *parent_key
    {
        return Err(wrap(
            "x509: provided PrivateKey doesn't match parent's PublicKey".to_string(),
        ));
    }

    let mut extensions = Vec::new();
    let key_usage: &[u8] = if template.is_ca {
        &[0x03, 0x02, 0x02, 0xa4]
    } else {
        &[0x03, 0x02, 0x05, 0xa0]
    };
    extensions.push(extension(oid::KEY_USAGE, true, key_usage));
    extensions.push(extension(
        oid::EXT_KEY_USAGE,
        false,
        &seq(&[oid::SERVER_AUTH, oid::CLIENT_AUTH]),
    ));
    let basic: &[u8] = if template.is_ca {
        &[0x30, 0x03, 0x01, 0x01, 0xff]
    } else {
        &[0x30, 0x00]
    };
    extensions.push(extension(oid::BASIC_CONSTRAINTS, true, basic));
    if !subject_key_id.is_empty() {
        extensions.push(extension(
            oid::SUBJECT_KEY_ID,
            false,
            &tlv(0x04, &subject_key_id),
        ));
    }
    if !authority_key_id.is_empty() {
        extensions.push(extension(
            oid::AUTHORITY_KEY_ID,
            false,
            &seq(&[&tlv(0x80, &authority_key_id)]),
        ));
    }
    if !template.dns.is_empty() || !template.ips.is_empty() {
        let mut names = Vec::new();
        for name in &template.dns {
            if !name.is_ascii() {
                return Err(wrap(format!(
                    "x509: {} cannot be encoded as an IA5String",
                    go_quote(name)
                )));
            }
            names.extend(tlv(0x82, name.as_bytes()));
        }
        for ip in &template.ips {
            names.extend(tlv(0x87, ip));
        }
        // RFC 5280 4.2.1.6: the SAN extension is critical when the subject is empty.
        let subject_is_empty = template.subject == [0x30, 0x00];
        extensions.push(extension(
            oid::SUBJECT_ALT_NAME,
            subject_is_empty,
            &tlv(0x30, &names),
        ));
    }

    let validity = seq(&[&template.not_before, &template.not_after]);
    let tbs = seq(&[
        &tlv(0xa0, &der_uint(&[2])),
        &der_uint(&template.serial),
        &signature_algorithm,
        issuer,
        &validity,
        &template.subject,
        &spki,
        &tlv(0xa3, &tlv(0x30, &extensions.concat())),
    ]);
    let signature = signing_key.sign(&tbs).map_err(wrap)?;
    let der = seq(&[&tbs, &signature_algorithm, &bit_string(&signature)]);
    Ok(Certificate {
        cert: pem_encode("CERTIFICATE", &der),
        key: subject_key.to_pem()?,
    })
}

/// `x509.ParseCertificate`: Go's structural checks (with its messages), the subject, the public
/// key and the subject key identifier. Field contents Go also validates (names, times, other
/// extensions) are not checked.
fn parse_certificate(der: &[u8]) -> Result<ParentCert, String> {
    let malformed = |what: &str| format!("x509: malformed {what}");
    let mut input = Der(der);
    let (_, certificate, _) = input
        .read_element()
        .filter(|(t, ..)| *t == 0x30)
        .ok_or_else(|| malformed("certificate"))?;
    let trailing = !input.is_empty();
    let mut input = Der(certificate);
    let mut tbs = Der(input
        .read(0x30)
        .ok_or_else(|| malformed("tbs certificate"))?);

    let mut version = 0i64;
    if tbs.peek_tag() == Some(0xa0) {
        let mut explicit = Der(tbs.read(0xa0).ok_or_else(|| malformed("version"))?);
        let v = explicit
            .read_integer()
            .filter(|v| v.len() <= 8)
            .ok_or_else(|| malformed("version"))?;
        version = v
            .iter()
            .fold(if v[0] & 0x80 != 0 { -1 } else { 0 }, |acc, &b| {
                (acc << 8) | i64::from(b)
            });
        if version < 0 {
            return Err(malformed("version"));
        }
    }
    if version + 1 > 3 {
        return Err("x509: invalid version".to_string());
    }
    let serial = tbs
        .read_integer()
        .ok_or_else(|| malformed("serial number"))?;
    if serial[0] & 0x80 != 0 {
        return Err("x509: negative serial number".to_string());
    }
    let signature_algorithm = tbs
        .read(0x30)
        .ok_or_else(|| malformed("signature algorithm identifier"))?;
    let outer_algorithm = input
        .read(0x30)
        .ok_or_else(|| malformed("algorithm identifier"))?;
    if signature_algorithm != outer_algorithm {
        return Err(
            "x509: inner and outer signature algorithm identifiers don't match".to_string(),
        );
    }
    tbs.read(0x30).ok_or_else(|| malformed("issuer"))?;
    let mut validity = Der(tbs.read(0x30).ok_or_else(|| malformed("validity"))?);
    for _ in 0..2 {
        validity
            .read_element()
            .filter(|(t, ..)| *t == 0x17 || *t == 0x18)
            .ok_or_else(|| malformed("validity"))?;
    }
    let (_, raw_subject) = tbs.read_full(0x30).ok_or_else(|| malformed("subject"))?;
    let mut spki = Der(tbs.read(0x30).ok_or_else(|| malformed("spki"))?);
    let mut algorithm = Der(spki
        .read(0x30)
        .ok_or_else(|| malformed("public key algorithm identifier"))?);
    let key_oid = algorithm.read(0x06).ok_or_else(|| malformed("OID"))?;
    let key_params = algorithm.read_element();
    let key_bits = spki
        .read(0x03)
        .and_then(|b| b.split_first())
        .filter(|(pad, _)| **pad == 0)
        .map(|(_, bits)| bits)
        .ok_or_else(|| malformed("subjectPublicKey"))?;
    let public_key = parse_public_key(key_oid, key_params, key_bits)?;

    let mut subject_key_id = Vec::new();
    if version >= 1 {
        for (tag, what) in [(0x81u8, "issuerUniqueID"), (0x82, "subjectUniqueID")] {
            if tbs.peek_tag() == Some(tag) && tbs.read(tag).is_none() {
                return Err(malformed(what));
            }
        }
        if version == 2 && tbs.peek_tag() == Some(0xa3) {
            let explicit = tbs.read(0xa3).ok_or_else(|| malformed("extensions"))?;
            let mut list = Der(Der(explicit)
                .read(0x30)
                .ok_or_else(|| malformed("extensions"))?);
            let mut seen: Vec<&[u8]> = Vec::new();
            while !list.is_empty() {
                let mut ext = Der(list.read(0x30).ok_or_else(|| malformed("extension"))?);
                let id = ext
                    .read(0x06)
                    .ok_or_else(|| malformed("extension OID field"))?;
                let critical = match ext.read(0x01) {
                    Some([0xff]) => true,
                    Some([0x00]) => false,
                    Some(_) => return Err(malformed("extension critical field")),
                    None => false,
                };
                let value = ext
                    .read(0x04)
                    .ok_or_else(|| malformed("extension value field"))?;
                if seen.contains(&id) {
                    return Err(format!(
                        "x509: certificate contains duplicate extension with OID {}",
                        go_quote(&oid_string(id))
                    ));
                }
                seen.push(id);
                if id == &oid::SUBJECT_KEY_ID[2..] {
                    if critical {
                        return Err(
                            "x509: subject key identifier incorrectly marked critical".to_string()
                        );
                    }
                    subject_key_id = Der(value)
                        .read(0x04)
                        .ok_or_else(|| "x509: invalid subject key identifier".to_string())?
                        .to_vec();
                }
            }
        }
    }
    input.read(0x03).ok_or_else(|| malformed("signature"))?;
    if trailing {
        return Err("x509: trailing data".to_string());
    }
    Ok(ParentCert {
        raw_subject: raw_subject.to_vec(),
        public_key,
        subject_key_id,
    })
}

/// crypto/x509's `parsePublicKey` for the key types a signer here can match; `None` for
/// algorithms Go does not know (it then skips the key match).
fn parse_public_key(
    key_oid: &[u8],
    params: Option<(u8, &[u8], &[u8])>,
    bits: &[u8],
) -> Result<Option<PublicKey>, String> {
    let is = |der: &[u8]| &der[2..] == key_oid;
    if is(oid::RSA_ENCRYPTION) {
        if !matches!(params, Some((0x05, [], _))) {
            return Err("x509: RSA key missing NULL parameters".to_string());
        }
        let mut outer = Der(bits);
        let mut key = Der(outer
            .read(0x30)
            .ok_or_else(|| "x509: invalid RSA public key".to_string())?);
        let n = key
            .read_integer()
            .ok_or_else(|| "x509: invalid RSA modulus".to_string())?;
        let e = key
            .read_integer()
            .ok_or_else(|| "x509: invalid RSA public exponent".to_string())?;
        if n[0] & 0x80 != 0 || strip_zeros(n).is_empty() {
            return Err("x509: RSA modulus is not a positive number".to_string());
        }
        if e[0] & 0x80 != 0 || strip_zeros(e).is_empty() {
            return Err("x509: RSA public exponent is not a positive number".to_string());
        }
        return Ok(Some(PublicKey::Rsa {
            n: strip_zeros(n).to_vec(),
            e: strip_zeros(e).to_vec(),
        }));
    }
    if is(oid::EC_PUBLIC_KEY) {
        let curve_oid = match params {
            Some((0x06, content, _)) => content,
            _ => return Err("x509: failed to parse ECDSA parameters as named curve".to_string()),
        };
        let curve = Curve::from_oid(curve_oid)
            .ok_or_else(|| "x509: unsupported elliptic curve".to_string())?;
        if bits.len() != 1 + 2 * curve.scalar_len() || bits[0] != 4 {
            return Err("x509: failed to unmarshal elliptic curve point".to_string());
        }
        return Ok(Some(PublicKey::Ec {
            curve,
            point: bits.to_vec(),
        }));
    }
    if is(oid::ED25519) {
        if params.is_some() {
            return Err("x509: Ed25519 key encoded with illegal parameters".to_string());
        }
        if bits.len() != 32 {
            return Err("x509: wrong Ed25519 public key size".to_string());
        }
        return Ok(Some(PublicKey::Ed25519(bits.to_vec())));
    }
    if is(oid::X25519) || is(oid::DSA) {
        return Ok(Some(PublicKey::Other));
    }
    Ok(None)
}

/// The signing CA of `genSignedCert*`: Sprig decodes `ca.Cert`, parses it, then parses `ca.Key`.
fn parse_ca(ca: &Certificate) -> Result<(ParentCert, PrivateKey), String> {
    let (_, der) =
        pem_decode(ca.cert.as_bytes()).ok_or_else(|| "unable to decode certificate".to_string())?;
    let parent = parse_certificate(&der)
        .map_err(|e| format!("error parsing certificate: decodedSignerCert.Bytes: {e}"))?;
    let key =
        parse_private_key_pem(&ca.key).map_err(|e| format!("error parsing private key: {e}"))?;
    Ok((parent, key))
}

fn generate_rsa_2048() -> Result<PrivateKey, String> {
    generate_rsa(2048)
        .map(PrivateKey::Rsa)
        .map_err(|e| format!("error generating rsa key: {e}"))
}

fn parse_key_argument(pem: &str) -> Result<PrivateKey, String> {
    parse_private_key_pem(pem).map_err(|e| format!("parsing private key: {e}"))
}

fn ca_with_key(cn: &str, days_valid: i64, key: &PrivateKey) -> Result<Certificate, String> {
    let mut template = base_template(cn, &[], &[], days_valid)?;
    template.is_ca = true;
    create_certificate(&template, key, None, key)
}

fn self_signed_with_key(
    cn: &str,
    ips: &[ListItem<'_>],
    dns_names: &[ListItem<'_>],
    days_valid: i64,
    key: &PrivateKey,
) -> Result<Certificate, String> {
    let template = base_template(cn, ips, dns_names, days_valid)?;
    create_certificate(&template, key, None, key)
}

fn signed_with_key(
    cn: &str,
    ips: &[ListItem<'_>],
    dns_names: &[ListItem<'_>],
    days_valid: i64,
    ca: &Certificate,
    key: &PrivateKey,
) -> Result<Certificate, String> {
    let (parent, signing_key) = parse_ca(ca)?;
    let template = base_template(cn, ips, dns_names, days_valid)?;
    create_certificate(&template, key, Some(&parent), &signing_key)
}

/// `genCA`: a self-signed CA certificate (CN only, 2048-bit RSA key, KeyUsage digitalSignature,
/// keyEncipherment and certSign, ExtKeyUsage serverAuth and clientAuth, CA:TRUE, SHA-256
/// subject key identifier) valid from now for `days_valid` days.
pub fn gen_ca(cn: &str, days_valid: i64) -> Result<Certificate, String> {
    let key = generate_rsa_2048()?;
    ca_with_key(cn, days_valid, &key)
}

/// `genCAWithKey`: [`gen_ca`] with the given PEM private key.
pub fn gen_ca_with_key(cn: &str, days_valid: i64, key_pem: &str) -> Result<Certificate, String> {
    let key = parse_key_argument(key_pem)?;
    ca_with_key(cn, days_valid, &key)
}

/// `genSelfSignedCert`: a self-signed leaf certificate (2048-bit RSA key, KeyUsage
/// digitalSignature and keyEncipherment, ExtKeyUsage serverAuth and clientAuth, CA:FALSE) with the
/// IP and DNS subject alternative names given. Templates may pass `nil` lists: pass `&[]`.
pub fn gen_self_signed_cert(
    cn: &str,
    ips: &[ListItem<'_>],
    dns_names: &[ListItem<'_>],
    days_valid: i64,
) -> Result<Certificate, String> {
    let key = generate_rsa_2048()?;
    self_signed_with_key(cn, ips, dns_names, days_valid, &key)
}

/// `genSelfSignedCertWithKey`: [`gen_self_signed_cert`] with the given PEM private key.
pub fn gen_self_signed_cert_with_key(
    cn: &str,
    ips: &[ListItem<'_>],
    dns_names: &[ListItem<'_>],
    days_valid: i64,
    key_pem: &str,
) -> Result<Certificate, String> {
    let key = parse_key_argument(key_pem)?;
    self_signed_with_key(cn, ips, dns_names, days_valid, &key)
}

/// `genSignedCert`: a leaf certificate like [`gen_self_signed_cert`] issued by `ca` (its subject
/// becomes the issuer, its subject key identifier the authority key identifier).
pub fn gen_signed_cert(
    cn: &str,
    ips: &[ListItem<'_>],
    dns_names: &[ListItem<'_>],
    days_valid: i64,
    ca: &Certificate,
) -> Result<Certificate, String> {
    let key = generate_rsa_2048()?;
    signed_with_key(cn, ips, dns_names, days_valid, ca, &key)
}

/// `genSignedCertWithKey`: [`gen_signed_cert`] with the given PEM private key.
pub fn gen_signed_cert_with_key(
    cn: &str,
    ips: &[ListItem<'_>],
    dns_names: &[ListItem<'_>],
    days_valid: i64,
    ca: &Certificate,
    key_pem: &str,
) -> Result<Certificate, String> {
    let key = parse_key_argument(key_pem)?;
    signed_with_key(cn, ips, dns_names, days_valid, ca, &key)
}

/// `buildCustomCert`: a [`Certificate`] from base64 PEM certificate and key, both checked to parse
/// and returned decoded (bytes that are not UTF-8 are replaced).
pub fn build_custom_cert(b64_cert: &str, b64_key: &str) -> Result<Certificate, String> {
    let cert = go_base64_decode(b64_cert.as_bytes())
        .map_err(|_| "unable to decode base64 certificate".to_string())?;
    let key = go_base64_decode(b64_key.as_bytes())
        .map_err(|_| "unable to decode base64 private key".to_string())?;
    let (_, der) = pem_decode(&cert).ok_or_else(|| "unable to decode certificate".to_string())?;
    parse_certificate(&der)
        .map_err(|e| format!("error parsing certificate: decodedCert.Bytes: {e}"))?;
    let key = String::from_utf8_lossy(&key).into_owned();
    parse_private_key_pem(&key).map_err(|e| format!("error parsing private key: {e}"))?;
    Ok(Certificate {
        cert: String::from_utf8_lossy(&cert).into_owned(),
        key,
    })
}

// ---------------------------------------------------------------------------------------------
// wiring to templates

use super::{Registry, Ty};
use crate::engine::exec::Context;
use crate::engine::value::Value;

/// Sprig's `certificate` struct as a template value (`.Cert`, `.Key`).
impl crate::engine::value::Object for Certificate {
    fn type_name(&self) -> &'static str {
        "sprig.certificate"
    }
    fn kind_name(&self) -> &'static str {
        "struct"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Cert" => Some(Value::string(self.cert.as_str())),
            "Key" => Some(Value::string(self.key.as_str())),
            _ => None,
        }
    }
    fn fmt_go(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{{{} {}}}", self.cert, self.key)
    }
    fn to_data(&self) -> Value {
        let map = crate::engine::value::Map::default();
        map.insert("Cert", Value::string(self.cert.as_str()));
        map.insert("Key", Value::string(self.key.as_str()));
        Value::Map(map)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

const CERTIFICATE: Ty = Ty::Object("sprig.certificate");

fn text(v: &Value) -> &str {
    match v {
        Value::String(s) => s,
        _ => "",
    }
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i, _) => *i,
        Value::Uint(u) => *u as i64,
        _ => 0,
    }
}

fn items(v: &Value) -> Vec<ListItem<'_>> {
    match v {
        Value::List(items, _) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => ListItem::Str(s),
                other => ListItem::NotString(other.to_string()),
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn certificate_arg(v: &Value) -> Result<&Certificate, String> {
    match v {
        Value::Object(o) => o.as_any().downcast_ref::<Certificate>().ok_or_else(|| {
            format!(
                "wrong type for value; expected sprig.certificate; got {}",
                o.type_name()
            )
        }),
        other => Err(format!(
            "wrong type for value; expected sprig.certificate; got {}",
            other.type_name()
        )),
    }
}

type Body = fn(&[Value], &mut Context<'_>) -> Result<Value, String>;

fn cert_value(c: Certificate) -> Value {
    Value::object(c)
}

/// Registers Sprig's hash, crypto, certificate and UUID functions (the random-string functions
/// are registered with the string family).
pub fn register(r: &mut Registry) {
    let s = &[Ty::String];
    r.add("sha1sum", s, None, |a, _| {
        Ok(Value::string(sha1sum(text(&a[0]))))
    });
    r.add("sha256sum", s, None, |a, _| {
        Ok(Value::string(sha256sum(text(&a[0]))))
    });
    r.add("sha512sum", s, None, |a, _| {
        Ok(Value::string(sha512sum(text(&a[0]))))
    });
    r.add("adler32sum", s, None, |a, _| {
        Ok(Value::string(adler32sum(text(&a[0]))))
    });
    r.add("randBytes", &[Ty::Int], None, |a, _| {
        rand_bytes(int(&a[0])).map(Value::string)
    });
    r.add("uuidv4", &[], None, |_, _| Ok(Value::string(uuidv4())));
    r.add("getHostByName", s, None, |a, _| {
        Ok(Value::string(get_host_by_name(text(&a[0]))))
    });
    r.add(
        "derivePassword",
        &[Ty::Uint32, Ty::String, Ty::String, Ty::String, Ty::String],
        None,
        |a, _| {
            Ok(Value::string(derive_password(
                int(&a[0]) as u32,
                text(&a[1]),
                text(&a[2]),
                text(&a[3]),
                text(&a[4]),
            )))
        },
    );
    r.add("bcrypt", s, None, |a, _| {
        Ok(Value::string(bcrypt(text(&a[0]))))
    });
    r.add("htpasswd", &[Ty::String, Ty::String], None, |a, _| {
        Ok(Value::string(htpasswd(text(&a[0]), text(&a[1]))))
    });
    r.add("encryptAES", &[Ty::String, Ty::String], None, |a, _| {
        encrypt_aes(text(&a[0]), text(&a[1])).map(Value::string)
    });
    r.add("decryptAES", &[Ty::String, Ty::String], None, |a, _| {
        decrypt_aes(text(&a[0]), text(&a[1])).map(Value::string)
    });
    r.add("genPrivateKey", s, None, |a, _| {
        Ok(Value::string(gen_private_key(text(&a[0]))))
    });
    let ca: Body = |a, _| gen_ca(text(&a[0]), int(&a[1])).map(cert_value);
    r.add("genCA", &[Ty::String, Ty::Int], None, ca);
    let ca_with_key: Body =
        |a, _| gen_ca_with_key(text(&a[0]), int(&a[1]), text(&a[2])).map(cert_value);
    r.add(
        "genCAWithKey",
        &[Ty::String, Ty::Int, Ty::String],
        None,
        ca_with_key,
    );
    let self_signed: Body = |a, _| {
        gen_self_signed_cert(text(&a[0]), &items(&a[1]), &items(&a[2]), int(&a[3])).map(cert_value)
    };
    r.add(
        "genSelfSignedCert",
        &[Ty::String, Ty::List, Ty::List, Ty::Int],
        None,
        self_signed,
    );
    let self_signed_with_key: Body = |a, _| {
        gen_self_signed_cert_with_key(
            text(&a[0]),
            &items(&a[1]),
            &items(&a[2]),
            int(&a[3]),
            text(&a[4]),
        )
        .map(cert_value)
    };
    r.add(
        "genSelfSignedCertWithKey",
        &[Ty::String, Ty::List, Ty::List, Ty::Int, Ty::String],
        None,
        self_signed_with_key,
    );
    let signed: Body = |a, _| {
        gen_signed_cert(
            text(&a[0]),
            &items(&a[1]),
            &items(&a[2]),
            int(&a[3]),
            certificate_arg(&a[4])?,
        )
        .map(cert_value)
    };
    r.add(
        "genSignedCert",
        &[Ty::String, Ty::List, Ty::List, Ty::Int, CERTIFICATE],
        None,
        signed,
    );
    let signed_with_key: Body = |a, _| {
        gen_signed_cert_with_key(
            text(&a[0]),
            &items(&a[1]),
            &items(&a[2]),
            int(&a[3]),
            certificate_arg(&a[4])?,
            text(&a[5]),
        )
        .map(cert_value)
    };
    r.add(
        "genSignedCertWithKey",
        &[
            Ty::String,
            Ty::List,
            Ty::List,
            Ty::Int,
            CERTIFICATE,
            Ty::String,
        ],
        None,
        signed_with_key,
    );
    r.add(
        "buildCustomCert",
        &[Ty::String, Ty::String],
        None,
        |a, _| build_custom_cert(text(&a[0]), text(&a[1])).map(cert_value),
    );
}

#[cfg(test)]
mod tests {
    //! Expected values are Helm v4.2.3's own output (rendered through helm-python-sdk), or shapes
    //! Helm's output has; random outputs are parsed back and compared field by field.

    use super::*;

    /// A P-256 CA Helm generated (`genCAWithKey "ec-ca" 5 (genPrivateKey "ecdsa")`), and its key.
    const HELM_EC_CA_CERT: &str = "-----BEGIN CERTIFICATE-----
MIIBfjCCASWgAwIBAgIQYoo2L6/a2ByhVybbAs7cUzAKBggqhkjOPQQDAjAQMQ4w
DAYDVQQDEwVlYy1jYTAeFw0yNjExMjkxNzAyMDFaFw0yNjEyMDQxNzAyMDFaMBAx
DjAMBgNVBAMTBWVjLWNhMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEXXCueYpC
0uFMjp+oLxgThaRcNQ1qq/7P2g3ARwiOTDXPnhaYx6EDDmQaaPQyyuXC+Q5goRDx
VOcVTgroH+P9E6NhMF8wDgYDVR0PAQH/BAQDAgKkMB0GA1UdJQQWMBQGCCsGAQUF
BwMBBggrBgEFBQcDAjAPBgNVHRMBAf8EBTADAQH/MB0GA1UdDgQWBBTiQHA3ag7G
fqA6FkLvbEaTC9LHpjAKBggqhkjOPQQDAgNHADBEAiApqCfFO01sLnYIz+h20pZ5
W05WOJd7Sj3kj8SLUCVsEgIgOZjKFSdZTXuMKOucANUGzosc7WWh29n9Ae5Ob0vo
jF0=
-----END CERTIFICATE-----
";
    const HELM_EC_CA_KEY: &str = "-----BEGIN EC PRIVATE KEY-----
MHcCAQEEII2PTeW87776iqVfOHf3DCsS4OfU2o6T3s3S3ON7i9dxoAoGCCqGSM49
AwEHoUQDQgAEXXCueYpC0uFMjp+oLxgThaRcNQ1qq/7P2g3ARwiOTDXPnhaYx6ED
DmQaaPQyyuXC+Q5goRDxVOcVTgroH+P9Ew==
-----END EC PRIVATE KEY-----
";
    /// The subject key identifier Helm wrote into `HELM_EC_CA_CERT`.
    const HELM_EC_CA_SKID: &str = "e24070376a0ec67ea03a1642ef6c46930bd2c7a6";

    /// An OpenSSL P-384 key; Helm's `genCAWithKey` printed it back unchanged, with this SKID.
    const P384_SEC1: &str = "-----BEGIN EC PRIVATE KEY-----
MIGkAgEBBDA8CwsltrA0pn52Vpsi7XGiD1IDa13HYMoTanFyTt4/0qry3WkafoKv
Vqjvo9urlU6gBwYFK4EEACKhZANiAATFTx2j26FMuhSPjm+EXEd5gpJVBxbNPD+1
X/EtORGGZV/Qz4FxIy5kjrUEKTtV2zdZNKg+n/dvOZHU71ELzPREe0t3GogWPUfY
Fg7XBdzQyODdoDgn2JuX4C4vxDYt2mY=
-----END EC PRIVATE KEY-----
";
    const P384_HELM_SKID: &str = "42a64e793ae9e4853b5fc1bce91203039e7caa0a";

    /// An OpenSSL Ed25519 key; Helm printed it back unchanged, with this SKID.
    const ED25519_PKCS8: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJUlniv5rx756DnMFGJ38I/EImnF4GakeH+zjmTKCGl4
-----END PRIVATE KEY-----
";
    const ED25519_HELM_SKID: &str = "d3bfb4af9d7741b5812863eff121488d03fdb5b1";

    /// A 512-bit OpenSSL RSA key in PKCS#8; Helm's `genSignedCertWithKey` printed it as
    /// `RSA512_PKCS1` and certified it with `RSA512_HELM_SPKI`.
    const RSA512_PKCS8: &str = "-----BEGIN PRIVATE KEY-----
MIIBUwIBADANBgkqhkiG9w0BAQEFAASCAT0wggE5AgEAAkEAqcpCCmiChlxD9+Rg
I7ijqgWowjlIAvjhJsjv8l7SrF7zvSWYJqqB49JYixsoXSYOOLVj4u7R0cJjAmMo
FoG0PwIDAQABAkBIiys2STrjb052/rN47621uh9FhLXY1z9Tk+y5MHxwupqZiOHv
XtMv6gUKs/L8GyPmerJf7VD2RwD+1hYj2dDBAiEA3Fn8eQW2u7B9BBM4WzAScvIa
uDQ9jtxPPyGSXrQXIaECIQDFQjvlZC3xa24URaEpNExMoEceTkTcDd6pt5dV0HTJ
3wIgdz+vtaMU+FAT5/+q0Rab9V72fNewtL6fmG/Hsb7OgeECIF12gIKz8MDOsh2Q
0EeBrBUybAAD/cR2HeY0QtQ6LNvpAiBCFMmsdhCO13RL6xqiL24B1pCTak8CMxvL
rfAYCZ10WQ==
-----END PRIVATE KEY-----
";
    const RSA512_PKCS1: &str = "-----BEGIN RSA PRIVATE KEY-----
MIIBOQIBAAJBAKnKQgpogoZcQ/fkYCO4o6oFqMI5SAL44SbI7/Je0qxe870lmCaq
gePSWIsbKF0mDji1Y+Lu0dHCYwJjKBaBtD8CAwEAAQJASIsrNkk6429Odv6zeO+t
tbofRYS12Nc/U5PsuTB8cLqamYjh717TL+oFCrPy/Bsj5nqyX+1Q9kcA/tYWI9nQ
wQIhANxZ/HkFtruwfQQTOFswEnLyGrg0PY7cTz8hkl60FyGhAiEAxUI75WQt8Wtu
FEWhKTRMTKBHHk5E3A3eqbeXVdB0yd8CIHc/r7WjFPhQE+f/qtEWm/Ve9nzXsLS+
n5hvx7G+zoHhAiBddoCCs/DAzrIdkNBHgawVMmwAA/3Edh3mNELUOizb6QIgQhTJ
rHYQjtd0S+saoi9uAdaQk2pPAjMby63wGAmddFk=
-----END RSA PRIVATE KEY-----
";
    const RSA512_HELM_SPKI: &str = "305c300d06092a864886f70d0101010500034b003048024100a9ca420a6882865c43f7e46023b8a3aa0\
5a8c2394802f8e126c8eff25ed2ac5ef3bd259826aa81e3d2588b1b285d260e38b563e2eed1d1c2630263281681b43f0203010001";

    /// An OpenSSL self-signed CA whose key is `RSA512_PKCS1`.
    const RSA512_CA_CERT: &str = "-----BEGIN CERTIFICATE-----
MIIBdzCCASGgAwIBAgIUJ1FnXKPOpl13QDl+9ScbWCMZt8swDQYJKoZIhvcNAQEL
BQAwEDEOMAwGA1UEAwwFc21hbGwwHhcNMjYxMTI5MTcwODU3WhcNMjYxMjAyMTcw
ODU3WjAQMQ4wDAYDVQQDDAVzbWFsbDBcMA0GCSqGSIb3DQEBAQUAA0sAMEgCQQCp
ykIKaIKGXEP35GAjuKOqBajCOUgC+OEmyO/yXtKsXvO9JZgmqoHj0liLGyhdJg44
tWPi7tHRwmMCYygWgbQ/AgMBAAGjUzBRMB0GA1UdDgQWBBRQDgZZpv5mfhFF2N+g
dK/0VAZDZjAfBgNVHSMEGDAWgBRQDgZZpv5mfhFF2N+gdK/0VAZDZjAPBgNVHRMB
Af8EBTADAQH/MA0GCSqGSIb3DQEBCwUAA0EAhHXcu26DFvVDBJ3a/kvz//24EbHH
G54qsZgw7XZ/bTjxai8vRsohjL7sK5ToS245KT8w6lu53YRvB8CGXMF5sA==
-----END CERTIFICATE-----
";

    /// Extensions exactly as Helm wrote them (KeyUsage, ExtKeyUsage, BasicConstraints).
    const LEAF_KEY_USAGE: &str = "300e0603551d0f0101ff0404030205a0";
    const CA_KEY_USAGE: &str = "300e0603551d0f0101ff0404030202a4";
    const EXT_KEY_USAGE: &str = "301d0603551d250416301406082b0601050507030106082b06010505070302";
    const LEAF_BASIC_CONSTRAINTS: &str = "300c0603551d130101ff04023000";
    const CA_BASIC_CONSTRAINTS: &str = "300f0603551d130101ff040530030101ff";
    const SHA256_WITH_RSA: &str = "300d06092a864886f70d01010b0500";
    const ECDSA_WITH_SHA256: &str = "300a06082a8648ce3d040302";

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// A certificate's elements, each the whole DER element.
    struct Parsed {
        tbs: Vec<u8>,
        version: Vec<u8>,
        serial: Vec<u8>,
        signature_algorithm: Vec<u8>,
        issuer: Vec<u8>,
        not_before: Vec<u8>,
        not_after: Vec<u8>,
        subject: Vec<u8>,
        spki: Vec<u8>,
        extensions: Vec<Vec<u8>>,
        outer_algorithm: Vec<u8>,
        signature: Vec<u8>,
    }

    impl Parsed {
        fn extension(&self, oid: &[u8]) -> Option<&Vec<u8>> {
            self.extensions.iter().find(|e| e[2..].starts_with(oid))
        }

        /// The subjectPublicKey bits.
        fn public_bits(&self) -> Vec<u8> {
            let mut spki = Der(&self.spki);
            let mut inner = Der(spki.read(0x30).unwrap());
            inner.read(0x30).unwrap();
            inner.read(0x03).unwrap()[1..].to_vec()
        }
    }

    fn parse(pem: &str) -> Parsed {
        let (block_type, der) = pem_decode(pem.as_bytes()).expect("a PEM block");
        assert_eq!(block_type, "CERTIFICATE");
        let mut outer = Der(&der);
        let (_, certificate, _) = outer.read_element().unwrap();
        assert!(outer.is_empty());
        let mut certificate = Der(certificate);
        let (_, tbs_content, tbs) = certificate.read_element().unwrap();
        let mut fields = Der(tbs_content);
        let mut next = || fields.read_element().unwrap().2.to_vec();
        let (version, serial, signature_algorithm, issuer) = (next(), next(), next(), next());
        let validity = next();
        let (subject, spki, extensions_wrapper) = (next(), next(), next());
        let mut times = Der(Der(&validity).read(0x30).unwrap());
        let not_before = times.read_element().unwrap().2.to_vec();
        let not_after = times.read_element().unwrap().2.to_vec();
        let mut list = Der(Der(Der(&extensions_wrapper).read(0xa3).unwrap())
            .read(0x30)
            .unwrap());
        let mut extensions = Vec::new();
        while !list.is_empty() {
            extensions.push(list.read_element().unwrap().2.to_vec());
        }
        let outer_algorithm = certificate.read_element().unwrap().2.to_vec();
        let signature = certificate.read(0x03).unwrap()[1..].to_vec();
        Parsed {
            tbs: tbs.to_vec(),
            version,
            serial,
            signature_algorithm,
            issuer,
            not_before,
            not_after,
            subject,
            spki,
            extensions,
            outer_algorithm,
            signature,
        }
    }

    fn seconds_between(a: &[u8], b: &[u8]) -> i64 {
        fn secs(t: &[u8]) -> i64 {
            let s = std::str::from_utf8(&t[2..]).unwrap();
            let (year, rest) = if t[0] == 0x17 {
                let yy: i64 = s[..2].parse().unwrap();
                (if yy < 50 { 2000 + yy } else { 1900 + yy }, &s[2..])
            } else {
                (s[..4].parse().unwrap(), &s[4..])
            };
            let n = |i: usize| rest[i..i + 2].parse::<i64>().unwrap();
            let days = (0..4000)
                .map(|d| d - 2000)
                .find(|&d| civil_from_days(d * 365).0 >= year)
                .map(|d| {
                    let mut day = (d - 1) * 365;
                    while civil_from_days(day) != (year, n(0) as u32, n(2) as u32) {
                        day += 1;
                    }
                    day
                })
                .unwrap();
            days * 86_400 + n(4) * 3600 + n(6) * 60 + n(8)
        }
        secs(b) - secs(a)
    }

    fn verify_rsa(parent: &Parsed, child: &Parsed) {
        use rsa::pkcs1::DecodeRsaPublicKey as _;
        let key = rsa::PublicKey::from_pkcs1_der(&parent.public_bits()).unwrap();
        key.verify(
            rsa::pkcs1v15::Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(&child.tbs),
            &child.signature,
        )
        .expect("the signature verifies with the issuer's key");
    }

    fn verify_p256(parent: &Parsed, child: &Parsed) {
        use p256::ecdsa::signature::Verifier as _;
        let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&parent.public_bits()).unwrap();
        let mut sig = Der(&child.signature);
        let mut rs = Der(sig.read(0x30).unwrap());
        let mut bytes = [0u8; 64];
        for half in bytes.chunks_mut(32) {
            let v = strip_zeros(rs.read_integer().unwrap());
            half[32 - v.len()..].copy_from_slice(v);
        }
        let sig = p256::ecdsa::Signature::from_slice(&bytes).unwrap();
        key.verify(&child.tbs, &sig)
            .expect("the signature verifies with the issuer's key");
    }

    fn s(v: &str) -> ListItem<'_> {
        ListItem::Str(v)
    }

    // --- hashes -----------------------------------------------------------------------------

    #[test]
    fn hashes_print_what_helm_prints() {
        let unicode = "héllo wörld ✓ the quick brown fox jumps over the lazy dog";
        let long = "ÿ".repeat(6000);
        let cases: [(&str, [&str; 4]); 4] = [
            (
                "",
                [
                    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
                    "1",
                ],
            ),
            (
                "hello",
                [
                    "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d",
                    "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
                    "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043",
                    "103547413",
                ],
            ),
            (
                unicode,
                [
                    "fcad38ba800e6be4adbc051b960e807cd9d4f42f",
                    "4870aa1d285de6861d7c20afdc76e0d57d818790406357c6c06a75908ef56fca",
                    "2b22248041130f6d4033ed01a9e572e8ca4d6fa1086b9ba88b3bfa32740e37ce9f4376dac37106dbafa31a7c94d756fe2c37790247ef70023b40c9528f3ca948",
                    "784799928",
                ],
            ),
            (
                &long,
                [
                    "d814d5d440685782702293c6bd0032cd3eb0393a",
                    "44f73ee5cf8638ae93d1c54acebf8b5b97101e65c249ffa7313259b8536b9bd7",
                    "d6b5911b760e868926bc894c2cd28ff4bb3d1249565e787df9b771733f7f8061720d298f9b8860b0db6b73aa62054ea93462e4f6af08bfedddf4f040afe75a40",
                    "3070908654",
                ],
            ),
        ];
        for (input, [sha1, sha256, sha512, adler]) in cases {
            assert_eq!(sha1sum(input), sha1);
            assert_eq!(sha256sum(input), sha256);
            assert_eq!(sha512sum(input), sha512);
            assert_eq!(
                adler32sum(input),
                adler,
                "adler32sum of {} bytes",
                input.len()
            );
        }
        assert_eq!(adler32sum("Wikipedia"), "300286872");
        assert_eq!(adler32sum(&"x".repeat(6000)), "497351959");
    }

    // --- passwords --------------------------------------------------------------------------

    #[test]
    fn derive_password_gives_helms_password_for_every_type() {
        let unicode = ("pässwörd ✓", "ユーザー", "例え.jp");
        assert_eq!(
            derive_password(1, "maximum", "password", "user", "example.com"),
            "pf4zS1LjCg&LjhsZ7T2~"
        );
        assert_eq!(
            derive_password(1, "long", "password", "user", "example.com"),
            "ZedaFaxcZaso9*"
        );
        assert_eq!(
            derive_password(u32::MAX, "medium", unicode.0, unicode.1, unicode.2),
            "PuqPik3/"
        );
        let long_password = "x".repeat(100);
        assert_eq!(
            derive_password(
                7,
                "short",
                &long_password,
                "Robert Lee Mitchell",
                "masterpasswordapp.com"
            ),
            "Fak7"
        );
        assert_eq!(derive_password(0, "basic", "", "", ""), "tLA7wHk7");
        assert_eq!(
            derive_password(u32::MAX, "pin", unicode.0, unicode.1, unicode.2),
            "6936"
        );
    }

    #[test]
    fn derive_password_prints_sprigs_message_for_an_unknown_type() {
        assert_eq!(
            derive_password(1, "nope", "p", "u", "s"),
            "cannot find password template nope"
        );
    }

    #[test]
    fn bcrypt_with_helms_salt_reproduces_helms_hash() {
        for (password, helm) in [
            (
                "hello",
                "$2a$10$Wyk9dQRLD1BwGK0QYEShQu37hWi7xUxq0D5YoOprMV2B/nhuKw2sq",
            ),
            (
                "",
                "$2a$10$WTuyilNEJjzksnbusLgFUuYm0qQ60p.7/CLfblSOuImoLVP0j4sbS",
            ),
            (
                &"a".repeat(72),
                "$2a$10$91TzQr9yyB/guj.gEEgIpuIPsu7mvu/DeNtSRK7bZmBBD9NIhrzc6",
            ),
        ] {
            let salt = helm.parse::<::bcrypt::HashParts>().unwrap().get_salt_raw();
            assert_eq!(bcrypt_with_salt(password, salt), helm);
        }
    }

    #[test]
    fn bcrypt_and_htpasswd_have_helms_shape_and_messages() {
        let hash = bcrypt("hello");
        assert!(hash.starts_with("$2a$10$") && hash.len() == 60, "{hash}");
        assert!(::bcrypt::verify("hello", &hash).unwrap());
        let line = htpasswd("user", "pw");
        let (user, hash) = line.split_once(':').unwrap();
        assert_eq!(user, "user");
        assert!(::bcrypt::verify("pw", hash).unwrap());
        assert_eq!(htpasswd("a:b", "pw"), "invalid username: a:b");
        let too_long =
            "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes";
        assert_eq!(bcrypt(&"a".repeat(73)), too_long);
        assert_eq!(htpasswd("u", &"b".repeat(80)), format!("u:{too_long}"));
    }

    // --- AES --------------------------------------------------------------------------------

    #[test]
    fn decrypt_aes_reads_helms_ciphertexts() {
        let long_key = "K".repeat(40);
        for (password, ciphertext, plain) in [
            (
                "secretkey",
                "sWFxQ2g12QEbNobz7xu/XVwuWEj+bOVU9ng3tqV/Aro=",
                "hello world",
            ),
            (
                long_key.as_str(),
                "ufq3WHCwGsWSWKKsYwSyRmJZavhgeiCePGKQV8ZOixvtEFfWXCRMvd3P4R8hn8qk",
                "0123456789abcdef",
            ),
            (
                "k",
                "TW7bZDLckr2nDvWmGp5LlLbEQwksZQ3VMDPol/hFQug=",
                "héllo ✓",
            ),
            ("", "/cq3Wcn2WPESSifFgmtZzHeD02ra9SXAROAIz2jauGw=", "x"),
        ] {
            assert_eq!(decrypt_aes(password, ciphertext).unwrap(), plain);
        }
        // Sprig cuts passwords to 32 bytes, so Helm's 40-byte key and its first 32 bytes agree.
        let cut = "K".repeat(32);
        assert_eq!(
            decrypt_aes(
                &cut,
                "ufq3WHCwGsWSWKKsYwSyRmJZavhgeiCePGKQV8ZOixvtEFfWXCRMvd3P4R8hn8qk"
            )
            .unwrap(),
            "0123456789abcdef"
        );
    }

    #[test]
    fn encrypt_aes_round_trips_with_a_random_iv() {
        for plain in ["hello world", "0123456789abcdef", "héllo ✓", "x"] {
            let a = encrypt_aes("secretkey", plain).unwrap();
            let b = encrypt_aes("secretkey", plain).unwrap();
            assert_ne!(a, b, "the IV is random");
            let raw = B64.decode(&a).unwrap();
            assert_eq!(raw.len(), 16 + (plain.len() / 16 + 1) * 16);
            assert_eq!(decrypt_aes("secretkey", &a).unwrap(), plain);
        }
        // A whole block of padding leaves nothing (Helm printed an empty string).
        assert_eq!(
            decrypt_aes("k", "AAECAwQFBgcICQoLDA0OD1kZphAXm0pp4bInTtP35ww=").unwrap(),
            ""
        );
        assert_eq!(encrypt_aes("k", "").unwrap(), "");
        assert_eq!(decrypt_aes("k", "").unwrap(), "");
    }

    #[test]
    fn decrypt_aes_fails_like_helm_on_malformed_input() {
        let cases = [
            (
                "AAAAAAAAAAAAAAAAAAAAAA==",
                "runtime error: index out of range [-1]",
            ),
            (
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                "crypto/cipher: input not full blocks",
            ),
            (
                "AAAAAAAAAAAAAAAAAAAAAAEBAQEBAQEBAQEBAQEBAQE=",
                "runtime error: slice bounds out of range [:-36]",
            ),
            (
                "sWFxQ2g12QEbNobz7xu/XVwuWEj+bOVU9ng3tqV/Aro=",
                "runtime error: slice bounds out of range [:-22]",
            ),
            (
                "AAAAAAAAAAAAAAAAAAAAAA",
                "illegal base64 data at input byte 20",
            ),
            (
                "AAAA\nAAAAAAAAAAAAAAAAAA==",
                "runtime error: index out of range [-1]",
            ),
            (
                "AAAAAAAAAAAAAAAAAAAA",
                "runtime error: slice bounds out of range [:16] with capacity 15",
            ),
            (
                "AAAAAAAAAAAAAAAAAAAA\n\n\n\n\n\n",
                "runtime error: slice bounds out of range [16:15]",
            ),
            ("AA==AA", "illegal base64 data at input byte 4"),
            ("A===", "illegal base64 data at input byte 1"),
            ("AB=C", "illegal base64 data at input byte 2"),
            ("AAA=\n=", "illegal base64 data at input byte 5"),
            (
                "AA=\r\n=",
                "runtime error: slice bounds out of range [:16] with capacity 3",
            ),
            ("=AAA", "illegal base64 data at input byte 0"),
            ("AAAA====", "illegal base64 data at input byte 4"),
            ("AAAAAA==x", "illegal base64 data at input byte 8"),
            ("AAAAAAA", "illegal base64 data at input byte 4"),
            ("AAAAAA=", "illegal base64 data at input byte 7"),
            ("AA\n", "illegal base64 data at input byte 1"),
            ("ab$d", "illegal base64 data at input byte 2"),
            (
                "abcd\r\nefgh\r\n",
                "runtime error: slice bounds out of range [:16] with capacity 9",
            ),
            // Last byte 17 in a 16-byte plaintext.
            (
                "AAECAwQFBgcICQoLDA0OD6PpQpBDtNfvaN+b5O4o06M=",
                "runtime error: slice bounds out of range [:-1]",
            ),
        ];
        for (input, message) in cases {
            assert_eq!(
                decrypt_aes("k", input),
                Err(message.to_string()),
                "{input:?}"
            );
        }
    }

    // --- random values ----------------------------------------------------------------------

    #[test]
    fn random_strings_use_goutils_alphabets() {
        let check = |s: String, n: usize, ok: fn(char) -> bool| {
            assert_eq!(s.chars().count(), n);
            assert!(s.chars().all(ok), "{s}");
        };
        check(rand_alpha_num(500), 500, |c| c.is_ascii_alphanumeric());
        check(rand_alpha(500), 500, |c| c.is_ascii_alphabetic());
        check(rand_numeric(500), 500, |c| c.is_ascii_digit());
        check(rand_ascii(500), 500, |c| (' '..='~').contains(&c));
        let many = rand_ascii(5000);
        assert!(many.contains(' ') && many.contains('~') && many.contains('`'));
        assert!(rand_alpha_num(5000).contains('z') && rand_numeric(1000).contains('9'));
        for f in [rand_alpha_num, rand_alpha, rand_numeric, rand_ascii] {
            assert_eq!(f(0), "");
            assert_eq!(f(-5), "");
        }
    }

    #[test]
    fn rand_bytes_is_base64_and_fails_like_go_on_negative_counts() {
        assert_eq!(B64.decode(rand_bytes(33).unwrap()).unwrap().len(), 33);
        assert_eq!(rand_bytes(0).unwrap(), "");
        assert_eq!(
            rand_bytes(-1),
            Err("runtime error: makeslice: len out of range".to_string())
        );
    }

    #[test]
    fn uuidv4_is_a_lowercase_version_4_uuid() {
        let u = uuidv4();
        let groups: Vec<&str> = u.split('-').collect();
        assert_eq!(
            groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(
            u.chars()
                .all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c))
        );
        assert!(groups[2].starts_with('4'));
        assert!("89ab".contains(&groups[3][..1]));
        assert_ne!(uuidv4(), u);
    }

    #[test]
    fn get_host_by_name_is_empty_offline_as_in_helm() {
        assert_eq!(get_host_by_name("localhost"), "");
    }

    // --- private keys -----------------------------------------------------------------------

    #[test]
    fn gen_private_key_prints_sprigs_message_for_unknown_types() {
        assert_eq!(gen_private_key("foo"), "Unknown type foo");
        assert_eq!(gen_private_key("RSA"), "Unknown type RSA");
    }

    #[test]
    fn generated_ecdsa_and_ed25519_keys_have_helms_block_types_and_round_trip() {
        let ec = gen_private_key("ecdsa");
        assert!(ec.starts_with("-----BEGIN EC PRIVATE KEY-----\n"));
        let PrivateKey::Ec { curve, .. } = parse_private_key_pem(&ec).unwrap() else {
            panic!("an EC key")
        };
        assert_eq!(curve, Curve::P256);
        assert_eq!(parse_private_key_pem(&ec).unwrap().to_pem().unwrap(), ec);

        let ed = gen_private_key("ed25519");
        assert!(ed.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert!(matches!(
            parse_private_key_pem(&ed).unwrap(),
            PrivateKey::Ed25519(_)
        ));
        assert_eq!(parse_private_key_pem(&ed).unwrap().to_pem().unwrap(), ed);
        assert_eq!(pem_decode(ed.as_bytes()).unwrap().1.len(), 48);
    }

    #[test]
    fn generated_rsa_keys_are_4096_bit_pkcs1() {
        // `""` takes the same path (Helm printed a 4096-bit PKCS#1 key for both).
        let pem = gen_private_key("rsa");
        assert!(
            pem.starts_with("-----BEGIN RSA PRIVATE KEY-----\nMIIJ"),
            "{pem}"
        );
        let PrivateKey::Rsa(parts) = parse_private_key_pem(&pem).unwrap() else {
            panic!("an RSA key")
        };
        assert_eq!(parts.bits(), 4096);
        assert_eq!(parts.e, [1, 0, 1]);
        assert_eq!(PrivateKey::Rsa(parts).to_pem().unwrap(), pem);
    }

    #[test]
    fn generated_dsa_keys_use_sprigs_structure_with_l2048_n256() {
        let pem = gen_private_key("dsa");
        let (block_type, der) = pem_decode(pem.as_bytes()).unwrap();
        assert_eq!(block_type, "DSA PRIVATE KEY");
        let (values, trailing) = go_unmarshal(&der, "DSAKeyFormat", DSA_FIELDS).unwrap();
        assert_eq!(trailing, 0);
        assert!(matches!(values[0], GoValue::Int(0)));
        let bits = |v: GoValue<'_>| {
            let b = big(v);
            b.len() * 8 - b[0].leading_zeros() as usize
        };
        assert_eq!(bits(values[1]), 2048, "P");
        assert_eq!(bits(values[2]), 256, "Q");
        assert!(bits(values[5]) <= 256, "X < Q");
        assert!(matches!(parse_private_key_pem(&pem), Ok(PrivateKey::Dsa)));
    }

    #[test]
    fn keys_helm_read_are_written_back_as_helm_wrote_them() {
        // genCAWithKey printed both keys back unchanged and derived these SKIDs from them.
        for (pem, skid) in [
            (P384_SEC1, P384_HELM_SKID),
            (ED25519_PKCS8, ED25519_HELM_SKID),
        ] {
            let ca = gen_ca_with_key("k", 3, pem).unwrap();
            assert_eq!(ca.key, pem);
            let cert = parse(&ca.cert);
            assert_eq!(
                cert.extension(oid::SUBJECT_KEY_ID).unwrap()[2 + 5 + 4..],
                unhex(skid)[..]
            );
        }
        // A PKCS#8 RSA key comes back as PKCS#1, with the subject public key Helm certified.
        let ca = gen_ca("ca", 3).unwrap();
        let leaf = gen_signed_cert_with_key("leaf", &[], &[], 3, &ca, RSA512_PKCS8).unwrap();
        assert_eq!(leaf.key, RSA512_PKCS1);
        assert_eq!(parse(&leaf.cert).spki, unhex(RSA512_HELM_SPKI));
    }

    #[test]
    fn malformed_keys_fail_with_helms_messages() {
        let block = |t: &str, body: &str| format!("-----BEGIN {t}-----\n{body}-----END {t}-----\n");
        let der_block = |t: &str, der: &[u8]| pem_encode(t, der);
        let tags = |tag: u8, len: u8, name: &str| {
            format!(
                "asn1: structure error: tags don't match (16 vs {{class:0 tag:{tag} length:{len} isCompound:false}}) \
                 {GO_PLAIN_PARAMS} {name} @2"
            )
        };
        let swap =
            |pem: &str, from: &str, to: &str| pem.replace(&format!(" {from}-"), &format!(" {to}-"));
        let cases = [
            ("garbage".to_string(), "parsing private key: no PEM data in input".to_string()),
            (block("RSA PRIVATE KEY", "!!!!\n"), "parsing private key: no PEM data in input".to_string()),
            (P384_SEC1.replace("END EC", "END RSA"), "parsing private key: no PEM data in input".to_string()),
            (
                block("CERTIFICATE", "AAAA\n"),
                "parsing private key: no private key data in PEM block of type CERTIFICATE".to_string(),
            ),
            (block("FOO PRIVATE KEY", "AAAA\n"), "parsing private key: invalid private key type FOO PRIVATE KEY".to_string()),
            (
                block("RSA PRIVATE KEY", "AAAA\n"),
                format!("parsing private key: parsing RSA private key from PEM: {}", tags(0, 0, "pkcs1PrivateKey")),
            ),
            (
                block("EC PRIVATE KEY", "AAAA\n"),
                format!(
                    "parsing private key: parsing EC private key from PEM: x509: failed to parse EC private key: {}",
                    tags(0, 0, "ecPrivateKey")
                ),
            ),
            (
                block("DSA PRIVATE KEY", "AAAA\n"),
                format!("parsing private key: parsing DSA private key from PEM: {}", tags(0, 0, "DSAKeyFormat")),
            ),
            (block("PRIVATE KEY", "AAAA\n"), format!("parsing private key: decoding PEM as PKCS#8: {}", tags(0, 0, "pkcs8"))),
            (
                der_block("RSA PRIVATE KEY", &[2, 1, 0]),
                format!("parsing private key: parsing RSA private key from PEM: {}", tags(2, 1, "pkcs1PrivateKey")),
            ),
            (
                block("RSA PRIVATE KEY", ""),
                "parsing private key: parsing RSA private key from PEM: asn1: syntax error: sequence truncated".to_string(),
            ),
            (
                block("PRIVATE KEY", ""),
                "parsing private key: decoding PEM as PKCS#8: asn1: syntax error: sequence truncated".to_string(),
            ),
            (
                der_block("EC PRIVATE KEY", &[0x30, 0]),
                "parsing private key: parsing EC private key from PEM: x509: failed to parse EC private key: \
                 asn1: syntax error: sequence truncated"
                    .to_string(),
            ),
            (
                der_block("RSA PRIVATE KEY", &[0x30, 0x81, 5, 2, 1, 0, 2, 0]),
                "parsing private key: parsing RSA private key from PEM: asn1: structure error: non-minimal length".to_string(),
            ),
            (
                der_block("RSA PRIVATE KEY", &[0x30, 0x80, 2, 1, 0]),
                "parsing private key: parsing RSA private key from PEM: asn1: syntax error: indefinite length found (not DER)"
                    .to_string(),
            ),
            (
                der_block("RSA PRIVATE KEY", &[0x30, 0x05, 2, 1, 0, 4, 0]),
                "parsing private key: parsing RSA private key from PEM: x509: failed to parse private key \
                 (use ParseECPrivateKey instead for this key format)"
                    .to_string(),
            ),
            (
                der_block("EC PRIVATE KEY", &[0x30, 6, 2, 1, 2, 4, 1, 1]),
                "parsing private key: parsing EC private key from PEM: x509: unknown EC private key version 2".to_string(),
            ),
            (
                der_block("EC PRIVATE KEY", &[0x30, 6, 2, 1, 1, 4, 1, 1]),
                "parsing private key: parsing EC private key from PEM: x509: unknown elliptic curve".to_string(),
            ),
            (
                der_block("PRIVATE KEY", &[0x30, 13, 2, 1, 0, 0x30, 5, 6, 3, 0x2b, 101, 113, 4, 1, 0]),
                "parsing private key: decoding PEM as PKCS#8: x509: PKCS#8 wrapping contained private key with unknown \
                 algorithm: 1.3.101.113"
                    .to_string(),
            ),
            (
                der_block("PRIVATE KEY", &[0x30, 15, 2, 1, 0, 0x30, 7, 6, 3, 0x2b, 101, 112, 5, 0, 4, 1, 0]),
                "parsing private key: decoding PEM as PKCS#8: x509: invalid Ed25519 private key parameters".to_string(),
            ),
            (
                der_block("PRIVATE KEY", &[0x30, 15, 2, 1, 0, 0x30, 5, 6, 3, 0x2b, 101, 112, 4, 3, 4, 1, 0]),
                "parsing private key: decoding PEM as PKCS#8: x509: invalid Ed25519 private key length: 1".to_string(),
            ),
            (
                der_block("PRIVATE KEY", &[0x30, 14, 2, 1, 0, 0x30, 5, 6, 3, 0x2b, 101, 112, 4, 2, 2, 0]),
                format!(
                    "parsing private key: decoding PEM as PKCS#8: x509: invalid Ed25519 private key: asn1: structure \
                     error: tags don't match (4 vs {{class:0 tag:2 length:0 isCompound:false}}) {GO_PLAIN_PARAMS}  @2"
                ),
            ),
            (
                swap(P384_SEC1, "EC PRIVATE KEY", "RSA PRIVATE KEY"),
                "parsing private key: parsing RSA private key from PEM: x509: failed to parse private key \
                 (use ParseECPrivateKey instead for this key format)"
                    .to_string(),
            ),
            (
                swap(P384_SEC1, "EC PRIVATE KEY", "PRIVATE KEY"),
                "parsing private key: decoding PEM as PKCS#8: x509: failed to parse private key \
                 (use ParseECPrivateKey instead for this key format)"
                    .to_string(),
            ),
            (
                swap(RSA512_PKCS8, "PRIVATE KEY", "RSA PRIVATE KEY"),
                "parsing private key: parsing RSA private key from PEM: x509: failed to parse private key \
                 (use ParsePKCS8PrivateKey instead for this key format)"
                    .to_string(),
            ),
            (
                swap(RSA512_PKCS1, "RSA PRIVATE KEY", "EC PRIVATE KEY"),
                "parsing private key: parsing EC private key from PEM: x509: failed to parse private key \
                 (use ParsePKCS1PrivateKey instead for this key format)"
                    .to_string(),
            ),
            (
                swap(RSA512_PKCS1, "RSA PRIVATE KEY", "PRIVATE KEY"),
                "parsing private key: decoding PEM as PKCS#8: x509: failed to parse private key \
                 (use ParsePKCS1PrivateKey instead for this key format)"
                    .to_string(),
            ),
            (
                swap(RSA512_PKCS1, "RSA PRIVATE KEY", "DSA PRIVATE KEY"),
                "error creating certificate: x509: certificate private key does not implement crypto.Signer".to_string(),
            ),
            (
                RSA512_PKCS1.to_string(),
                "error creating certificate: crypto/rsa: 512-bit keys are insecure \
                 (see https://go.dev/pkg/crypto/rsa#hdr-Minimum_key_size)"
                    .to_string(),
            ),
        ];
        for (pem, message) in cases {
            assert_eq!(gen_ca_with_key("k", 3, &pem), Err(message), "{pem}");
        }
        let (_, mut der) = pem_decode(RSA512_PKCS1.as_bytes()).unwrap();
        der.push(0);
        assert_eq!(
            gen_ca_with_key("k", 3, &pem_encode("RSA PRIVATE KEY", &der)),
            Err("parsing private key: parsing RSA private key from PEM: asn1: syntax error: trailing data".to_string())
        );
        der.truncate(der.len() - 6);
        assert_eq!(
            gen_ca_with_key("k", 3, &pem_encode("RSA PRIVATE KEY", &der)),
            Err("parsing private key: parsing RSA private key from PEM: asn1: syntax error: data truncated".to_string())
        );
    }

    #[test]
    fn pem_input_is_read_as_go_reads_it() {
        let variants = [
            P384_SEC1.replace('\n', "\r\n"),
            P384_SEC1.trim_end().to_string(),
            format!("hello\n{P384_SEC1}junk"),
            P384_SEC1.replacen("-----\n", "-----\nFoo: bar\n\n", 1),
            P384_SEC1.replace('\n', " \t\n"),
            format!("-----BEGIN X-----\nAAAA\n-----END Y-----\n{P384_SEC1}"),
        ];
        for pem in variants {
            assert_eq!(
                gen_ca_with_key("k", 3, &pem).map(|c| c.key),
                Ok(P384_SEC1.to_string()),
                "{pem:?}"
            );
        }
    }

    // --- certificates -----------------------------------------------------------------------

    #[test]
    fn gen_ca_is_a_self_signed_rsa_ca_with_helms_extensions() {
        let ca = gen_ca("my-ca", 365).unwrap();
        assert!(ca.key.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
        let PrivateKey::Rsa(parts) = parse_private_key_pem(&ca.key).unwrap() else {
            panic!("an RSA key")
        };
        assert_eq!(parts.bits(), 2048);
        let cert = parse(&ca.cert);
        assert_eq!(cert.version, unhex("a003020102"));
        assert_eq!(cert.serial[0], 2);
        assert!(
            cert.serial.len() <= 2 + 17 && cert.serial[2] & 0x80 == 0,
            "a positive serial below 2^128"
        );
        assert_eq!(cert.signature_algorithm, unhex(SHA256_WITH_RSA));
        assert_eq!(cert.outer_algorithm, unhex(SHA256_WITH_RSA));
        assert_eq!(cert.subject, unhex("3010310e300c060355040313056d792d6361"));
        assert_eq!(cert.issuer, cert.subject);
        assert_eq!(
            seconds_between(&cert.not_before, &cert.not_after),
            365 * 86_400
        );
        let skid = [
            &[0x30, 0x1d, 6, 3, 0x55, 29, 14, 4, 0x16, 4, 0x14][..],
            &Sha256::digest(cert.public_bits())[..20],
        ]
        .concat();
        let expected = [CA_KEY_USAGE, EXT_KEY_USAGE, CA_BASIC_CONSTRAINTS].map(unhex);
        assert_eq!(cert.extensions, [&expected[..], &[skid]].concat());
        assert_eq!(
            parse(&ca.cert).spki,
            PrivateKey::Rsa(parts).public_key_info().unwrap().0
        );
        verify_rsa(&cert, &cert);
    }

    #[test]
    fn gen_self_signed_cert_writes_helms_subject_alternative_names() {
        let ips = [
            s("10.0.0.1"),
            s("::1"),
            s("::ffff:1.2.3.4"),
            s("2001:db8::1"),
        ];
        let dns = [s("foo.com"), s("bar.com"), s("*.x.y")];
        let c = gen_self_signed_cert("foo.com", &ips, &dns, 365).unwrap();
        let cert = parse(&c.cert);
        assert_eq!(
            cert.subject,
            unhex("30123110300e06035504031307666f6f2e636f6d")
        );
        assert_eq!(cert.issuer, cert.subject);
        let san = concat!(
            "30520603551d11044b30498207666f6f2e636f6d82076261722e636f6d82052a2e782e7987040a000001871000",
            "000000000000000000000000000001870401020304871020010db8000000000000000000000001"
        );
        let expected = [LEAF_KEY_USAGE, EXT_KEY_USAGE, LEAF_BASIC_CONSTRAINTS, san].map(unhex);
        assert_eq!(cert.extensions, expected);
        verify_rsa(&cert, &cert);
    }

    #[test]
    fn an_empty_common_name_gives_an_empty_subject_and_a_critical_san_as_in_helm() {
        let cert = parse(
            &gen_self_signed_cert("", &[s("1.1.1.1")], &[], 1)
                .unwrap()
                .cert,
        );
        assert_eq!(cert.subject, [0x30, 0]);
        assert_eq!(cert.issuer, [0x30, 0]);
        assert_eq!(
            cert.extensions[3],
            unhex("30120603551d110101ff04083006870401010101")
        );
        let cert = parse(&gen_self_signed_cert("", &[], &[], 1).unwrap().cert);
        assert_eq!(cert.extensions.len(), 3, "no SAN extension without names");
    }

    #[test]
    fn common_names_use_the_string_type_go_picks() {
        assert_eq!(
            name_der("a*b&c"),
            unhex("3010310e300c06035504030c05612a622663")
        );
        assert_eq!(
            name_der("héllo_x"),
            unhex("30133111300f06035504030c0868c3a96c6c6f5f78")
        );
        assert_eq!(name_der("x"), unhex("300c310a30080603550403130178"));
        assert_eq!(
            name_der("my-ca"),
            unhex("3010310e300c060355040313056d792d6361")
        );
    }

    #[test]
    fn gen_signed_cert_is_issued_by_helms_ca() {
        let ca = Certificate {
            cert: HELM_EC_CA_CERT.to_string(),
            key: HELM_EC_CA_KEY.to_string(),
        };
        let parent = parse(HELM_EC_CA_CERT);
        let leaf = gen_signed_cert("srv", &[s("1.2.3.4")], &[s("a.b")], 30, &ca).unwrap();
        let cert = parse(&leaf.cert);
        assert_eq!(cert.issuer, parent.subject);
        assert_eq!(cert.subject, unhex("300e310c300a06035504031303737276"));
        assert_eq!(cert.signature_algorithm, unhex(ECDSA_WITH_SHA256));
        let akid = [
            &unhex("301f0603551d230418301680")[..],
            &[0x14],
            &unhex(HELM_EC_CA_SKID),
        ]
        .concat();
        let san = unhex("30140603551d11040d300b8203612e62870401020304");
        let expected = [LEAF_KEY_USAGE, EXT_KEY_USAGE, LEAF_BASIC_CONSTRAINTS].map(unhex);
        assert_eq!(cert.extensions, [&expected[..], &[akid, san]].concat());
        assert_eq!(
            seconds_between(&cert.not_before, &cert.not_after),
            30 * 86_400
        );
        verify_p256(&parent, &cert);
        assert!(leaf.key.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));

        let ec_leaf =
            gen_signed_cert_with_key("e", &[], &[s("x")], 5, &ca, HELM_EC_CA_KEY).unwrap();
        assert_eq!(ec_leaf.key, HELM_EC_CA_KEY);
        verify_p256(&parent, &parse(&ec_leaf.cert));
    }

    #[test]
    fn a_leaf_named_like_its_ca_gets_no_authority_key_id_as_in_helm() {
        let ca = Certificate {
            cert: HELM_EC_CA_CERT.to_string(),
            key: HELM_EC_CA_KEY.to_string(),
        };
        let cert = parse(
            &gen_signed_cert_with_key("ec-ca", &[], &[], 3, &ca, HELM_EC_CA_KEY)
                .unwrap()
                .cert,
        );
        assert_eq!(cert.issuer, cert.subject);
        assert!(cert.extension(oid::AUTHORITY_KEY_ID).is_none());
    }

    #[test]
    fn signing_fails_like_helm_when_keys_do_not_fit() {
        let ec_ca = Certificate {
            cert: HELM_EC_CA_CERT.to_string(),
            key: P384_SEC1.to_string(),
        };
        let mismatch = "error creating certificate: x509: provided PrivateKey doesn't match parent's PublicKey";
        assert_eq!(
            gen_signed_cert_with_key("l", &[], &[s("é")], 3, &ec_ca, HELM_EC_CA_KEY),
            Err(mismatch.to_string())
        );
        let small_ca = Certificate {
            cert: RSA512_CA_CERT.to_string(),
            key: RSA512_PKCS1.to_string(),
        };
        assert_eq!(
            gen_signed_cert_with_key("l", &[], &[s("é")], 3, &small_ca, HELM_EC_CA_KEY),
            Err(
                "error creating certificate: x509: \"é\" cannot be encoded as an IA5String"
                    .to_string()
            )
        );
        assert_eq!(
            gen_signed_cert_with_key("l", &[], &[], 3, &small_ca, HELM_EC_CA_KEY),
            Err(
                "error creating certificate: crypto/rsa: 512-bit keys are insecure \
                 (see https://go.dev/pkg/crypto/rsa#hdr-Minimum_key_size)"
                    .to_string()
            )
        );
        let good_ca = Certificate {
            cert: HELM_EC_CA_CERT.to_string(),
            key: HELM_EC_CA_KEY.to_string(),
        };
        let x25519 = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VuBCIEIHAKp8vpJRi4Y2Oe9JnWrPuz1QsDsW41D0IiJfx8Ra5+\n-----END PRIVATE KEY-----\n";
        assert_eq!(
            gen_signed_cert_with_key("l", &[], &[], 3, &ec_ca, x25519),
            Err(
                "error creating certificate: x509: unsupported public key type: *ecdh.PublicKey"
                    .to_string()
            )
        );
        assert_eq!(
            gen_ca_with_key("l", 3, x25519),
            Err("error creating certificate: x509: certificate private key does not implement crypto.Signer".to_string())
        );
        let dsa = swap_type(RSA512_PKCS1, "RSA", "DSA");
        assert_eq!(
            gen_signed_cert_with_key("l", &[], &[], 3, &good_ca, &dsa),
            Err(
                "error creating certificate: x509: unsupported public key type: *dsa.PublicKey"
                    .to_string()
            )
        );
        assert_eq!(
            gen_signed_cert("l", &[s("x")], &[], 3, &good_ca).map(|_| ()),
            Err("error parsing ip: x".to_string())
        );
    }

    fn swap_type(pem: &str, from: &str, to: &str) -> String {
        pem.replace(&format!(" {from} "), &format!(" {to} "))
    }

    #[test]
    fn ip_addresses_parse_as_go_parses_them() {
        for (ip, bytes) in [
            ("::1.2.3.4", "00000000000000000000000001020304"),
            ("0:0:0:0:0:ffff:102:304", "01020304"),
            ("::FFFF:1.2.3.4", "01020304"),
            ("::", "00000000000000000000000000000000"),
            ("1:2:3:4:5:6:1.2.3.4", "00010002000300040005000601020304"),
            ("10.0.0.1", "0a000001"),
            ("2001:db8::1", "20010db8000000000000000000000001"),
        ] {
            assert_eq!(parse_go_ip(ip), Some(unhex(bytes)), "{ip}");
        }
        for ip in [
            "0.0.0.0",
            "1::",
            "1:2:3:4:5:6:7::",
            "::1:2:3:4:5:6:7",
            "ABCD::EF",
            "1:2:3:4:5:6:7:8",
            "::0:1.2.3.4",
            "01:2::3",
        ] {
            assert!(parse_go_ip(ip).is_some(), "{ip}");
        }
        for ip in [
            "1.2.3.4 ",
            "",
            "1:2:3:4:5:6:7:8:9",
            "1.2.3",
            "0x1.2.3.4",
            "1.2.3.04",
            "[::1]",
            "fe80::1%eth0",
            "00000::1",
            "::ffff:01.2.3.4",
            "1::2::3",
            ":1::",
            "1.2.3.4.5",
            "::ffff:1.2.3",
            "abcd::12345",
            "001.2.3.4",
            "1.2.3.4:",
            "localhost",
            "01.2.3.4",
            "1.2.3.256",
        ] {
            assert_eq!(
                gen_self_signed_cert_with_key("x", &[s(ip)], &[], 1, P384_SEC1).map(|_| ()),
                Err(format!("error parsing ip: {ip}")),
                "{ip}"
            );
        }
    }

    #[test]
    fn list_elements_that_are_not_strings_fail_as_in_helm() {
        assert_eq!(
            gen_self_signed_cert_with_key(
                "x",
                &[ListItem::NotString("5".into())],
                &[],
                1,
                P384_SEC1
            ),
            Err("error parsing ip: 5 is not a string".to_string())
        );
        assert_eq!(
            gen_self_signed_cert_with_key(
                "x",
                &[s("bad")],
                &[ListItem::NotString("5".into())],
                1,
                P384_SEC1
            ),
            Err("error parsing ip: bad".to_string()),
            "IPs are checked before DNS names"
        );
        assert_eq!(
            gen_self_signed_cert_with_key(
                "x",
                &[],
                &[ListItem::NotString("5".into()), s("a")],
                1,
                P384_SEC1
            ),
            Err("error processing alternate dns name: 5 is not a string".to_string())
        );
    }

    #[test]
    fn dns_names_outside_ascii_fail_with_gos_quoting() {
        for (name, quoted) in [
            ("é.com", r#""é.com""#),
            ("é\n\"", r#""é\n\"""#),
            ("é\n\"\\\u{200b}😀", r#""é\n\"\\\u200b😀""#),
            ("\u{a0}x", r#""\u00a0x""#),
            ("\u{2028}\u{feff}", r#""\u2028\ufeff""#),
        ] {
            assert_eq!(
                gen_self_signed_cert_with_key("x", &[], &[s(name)], 1, P384_SEC1).map(|_| ()),
                Err(format!(
                    "error creating certificate: x509: {quoted} cannot be encoded as an IA5String"
                ))
            );
        }
        for name in ["a\u{0}b", "a\u{7f}b\u{1}", "", "a b"] {
            assert!(
                gen_self_signed_cert_with_key("x", &[], &[s(name)], 1, P384_SEC1).is_ok(),
                "{name:?}"
            );
        }
    }

    #[test]
    fn validity_dates_are_encoded_as_go_encodes_them_even_after_overflow() {
        // Helm's certificates made at 2026-11-29T17:02:01Z (the fraction of a second matters
        // once the duration wraps).
        let now = 1_795_971_721_800_000_000i128;
        let (before, after) = validity(now, 365);
        assert_eq!(before, [&[0x17, 13][..], b"261129170201Z"].concat());
        assert_eq!(after, [&[0x17, 13][..], b"271129170201Z"].concat());
        assert_eq!(
            validity(now, 30000).1,
            [&[0x18, 15][..], b"21090118170201Z"].concat()
        );
        assert_eq!(
            validity(now, 106_752).1,
            [&[0x18, 15][..], b"17340820172728Z"].concat()
        );
        assert_eq!(
            validity(now, 9_999_999).1,
            [&[0x18, 15][..], b"19311210125737Z"].concat()
        );
        assert_eq!(
            validity(now, -1).1,
            [&[0x17, 13][..], b"261128170201Z"].concat()
        );
        assert_eq!(validity(now, 0).1, before);
        // The UTCTime/GeneralizedTime boundaries, from Helm runs at 17:25:16, :17 and :21.
        let at = |secs: i128| secs * 1_000_000_000 + 500_000_000;
        let utc = |s: &[u8]| [&[0x17, 13][..], s].concat();
        let generalized = |s: &[u8]| [&[0x18, 15][..], s].concat();
        assert_eq!(validity(at(1_795_973_116), 8433).1, utc(b"491231172516Z"));
        assert_eq!(
            validity(at(1_795_973_116), 8434).1,
            generalized(b"20500101172516Z")
        );
        assert_eq!(
            validity(at(1_795_973_116), 12000).1,
            generalized(b"20591007172516Z")
        );
        assert_eq!(validity(at(1_795_973_117), -28000).1, utc(b"500402172517Z"));
        assert_eq!(
            validity(at(1_795_973_121), -28100).1,
            generalized(b"19491223172521Z")
        );
    }

    #[test]
    fn build_custom_cert_returns_its_decoded_inputs() {
        let b64 = |s: &str| B64.encode(s);
        let built = build_custom_cert(&b64(HELM_EC_CA_CERT), &b64(HELM_EC_CA_KEY)).unwrap();
        assert_eq!(
            built,
            Certificate {
                cert: HELM_EC_CA_CERT.to_string(),
                key: HELM_EC_CA_KEY.to_string()
            }
        );
        // Go does not check the certificate's PEM type.
        let foo = HELM_EC_CA_CERT.replace("CERTIFICATE", "FOO");
        assert!(build_custom_cert(&b64(&foo), &b64(HELM_EC_CA_KEY)).is_ok());
    }

    #[test]
    fn build_custom_cert_fails_with_helms_messages() {
        let b64 = |s: &str| B64.encode(s);
        let (_, der) = pem_decode(HELM_EC_CA_CERT.as_bytes()).unwrap();
        let cert_of = |der: &[u8]| b64(&pem_encode("CERTIFICATE", der));
        let key = b64(HELM_EC_CA_KEY);
        let prefix = "error parsing certificate: decodedCert.Bytes: x509: ";
        let cases = [
            (
                cert_of(&[&der[..], &[0]].concat()),
                key.clone(),
                format!("{prefix}trailing data"),
            ),
            (
                cert_of(&der[..der.len() - 10]),
                key.clone(),
                format!("{prefix}malformed certificate"),
            ),
            (
                cert_of(&[2, 1, 0]),
                key.clone(),
                format!("{prefix}malformed certificate"),
            ),
            (
                cert_of(&[0x30, 0]),
                key.clone(),
                format!("{prefix}malformed tbs certificate"),
            ),
            (
                cert_of(&[0x30, 2, 0x30, 0]),
                key.clone(),
                format!("{prefix}malformed serial number"),
            ),
            (
                b64("hello"),
                key.clone(),
                "unable to decode certificate".to_string(),
            ),
            (
                "!!".to_string(),
                key.clone(),
                "unable to decode base64 certificate".to_string(),
            ),
            (
                b64(HELM_EC_CA_CERT),
                "!!".to_string(),
                "unable to decode base64 private key".to_string(),
            ),
            (
                b64(HELM_EC_CA_CERT),
                b64("hello"),
                "error parsing private key: no PEM data in input".to_string(),
            ),
        ];
        for (cert, key, message) in cases {
            assert_eq!(build_custom_cert(&cert, &key), Err(message));
        }
        let bad_ca = Certificate {
            cert: String::new(),
            key: String::new(),
        };
        assert_eq!(
            gen_signed_cert_with_key("x", &[], &[], 1, &bad_ca, P384_SEC1),
            Err("unable to decode certificate".to_string())
        );
    }

    #[test]
    fn go_base64_decoding_accepts_what_go_accepts() {
        assert_eq!(go_base64_decode(b"aGVsbG8=").unwrap(), b"hello");
        assert_eq!(go_base64_decode(b"aGVs\r\nbG8=\n").unwrap(), b"hello");
        assert_eq!(go_base64_decode(b"").unwrap(), b"");
        assert_eq!(go_base64_decode(b"aGVsbA=="), Ok(b"hell".to_vec()));
        assert_eq!(go_base64_decode(b"aGVsbG8"), Err(4));
    }
}
