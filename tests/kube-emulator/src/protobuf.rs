//! Decoding of the protobuf request bodies real clients send and never retry as JSON (Helm's
//! release Secrets, `kubectl create configmap/namespace`, DeleteOptions): the `k8s\0` envelope
//! (`runtime.Unknown`) and the messages of v1 Secret, ConfigMap, Namespace and DeleteOptions.
//! Replies are always JSON.

use base64::Engine;
use serde_json::{Map, Value, json};

const MAGIC: &[u8] = b"k8s\x00";

#[derive(Debug, Clone)]
enum Wire<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

fn varint(buf: &[u8], pos: &mut usize) -> Result<u64, String> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *buf.get(*pos).ok_or("truncated varint")?;
        *pos += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err("varint too long".into())
}

fn fields(buf: &[u8]) -> Result<Vec<(u64, Wire<'_>)>, String> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        let tag = varint(buf, &mut pos)?;
        let (field, wire) = (tag >> 3, tag & 7);
        let value = match wire {
            0 => Wire::Varint(varint(buf, &mut pos)?),
            1 => {
                buf.get(pos..pos + 8).ok_or("truncated fixed64")?;
                pos += 8;
                Wire::Fixed
            }
            2 => {
                let len = usize::try_from(varint(buf, &mut pos)?).map_err(|_| "length")?;
                let bytes = buf
                    .get(pos..pos + len)
                    .ok_or("truncated length-delimited field")?;
                pos += len;
                Wire::Bytes(bytes)
            }
            5 => {
                buf.get(pos..pos + 4).ok_or("truncated fixed32")?;
                pos += 4;
                Wire::Fixed
            }
            other => return Err(format!("unsupported wire type {other}")),
        };
        out.push((field, value));
    }
    Ok(out)
}

fn string(w: &Wire<'_>) -> Result<String, String> {
    match w {
        Wire::Bytes(b) => {
            String::from_utf8(b.to_vec()).map_err(|_| "invalid UTF-8 in a string field".into())
        }
        _ => Err("expected a string".into()),
    }
}

fn bytes<'a>(w: &Wire<'a>) -> Result<&'a [u8], String> {
    match w {
        Wire::Bytes(b) => Ok(b),
        _ => Err("expected bytes".into()),
    }
}

/// A map entry `{1: key, 2: value}`.
fn map_entry<'a>(w: &Wire<'a>) -> Result<(String, Option<Wire<'a>>), String> {
    let mut key = String::new();
    let mut value = None;
    for (f, v) in fields(bytes(w)?)? {
        match f {
            1 => key = string(&v)?,
            2 => value = Some(v),
            _ => {}
        }
    }
    Ok((key, value))
}

fn string_map(entries: &[Wire<'_>]) -> Result<Value, String> {
    let mut m = Map::new();
    for e in entries {
        let (k, v) = map_entry(e)?;
        m.insert(
            k,
            Value::String(v.as_ref().map(string).transpose()?.unwrap_or_default()),
        );
    }
    Ok(Value::Object(m))
}

fn bytes_map(entries: &[Wire<'_>]) -> Result<Value, String> {
    let mut m = Map::new();
    for e in entries {
        let (k, v) = map_entry(e)?;
        let raw = v.as_ref().map(bytes).transpose()?.unwrap_or_default();
        m.insert(
            k,
            Value::String(base64::engine::general_purpose::STANDARD.encode(raw)),
        );
    }
    Ok(Value::Object(m))
}

fn owner_reference(buf: &[u8]) -> Result<Value, String> {
    let mut r = Map::new();
    for (f, v) in fields(buf)? {
        match (f, &v) {
            (1, _) => {
                r.insert("kind".into(), json!(string(&v)?));
            }
            (3, _) => {
                r.insert("name".into(), json!(string(&v)?));
            }
            (4, _) => {
                r.insert("uid".into(), json!(string(&v)?));
            }
            (5, _) => {
                r.insert("apiVersion".into(), json!(string(&v)?));
            }
            (6, Wire::Varint(b)) => {
                r.insert("controller".into(), json!(*b != 0));
            }
            (7, Wire::Varint(b)) => {
                r.insert("blockOwnerDeletion".into(), json!(*b != 0));
            }
            _ => {}
        }
    }
    Ok(Value::Object(r))
}

fn object_meta(buf: &[u8]) -> Result<Value, String> {
    let mut meta = Map::new();
    let (mut labels, mut annotations, mut owners, mut finalizers) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (f, v) in fields(buf)? {
        match f {
            1 => {
                meta.insert("name".into(), json!(string(&v)?));
            }
            2 => {
                meta.insert("generateName".into(), json!(string(&v)?));
            }
            3 => {
                meta.insert("namespace".into(), json!(string(&v)?));
            }
            5 => {
                meta.insert("uid".into(), json!(string(&v)?));
            }
            6 => {
                meta.insert("resourceVersion".into(), json!(string(&v)?));
            }
            11 => labels.push(v),
            12 => annotations.push(v),
            13 => owners.push(owner_reference(bytes(&v)?)?),
            14 => finalizers.push(json!(string(&v)?)),
            _ => {}
        }
    }
    if !labels.is_empty() {
        meta.insert("labels".into(), string_map(&labels)?);
    }
    if !annotations.is_empty() {
        meta.insert("annotations".into(), string_map(&annotations)?);
    }
    if !owners.is_empty() {
        meta.insert("ownerReferences".into(), Value::Array(owners));
    }
    if !finalizers.is_empty() {
        meta.insert("finalizers".into(), Value::Array(finalizers));
    }
    Ok(Value::Object(meta))
}

fn secret(buf: &[u8]) -> Result<Value, String> {
    let mut obj = json!({"apiVersion": "v1", "kind": "Secret"});
    let (mut data, mut string_data) = (Vec::new(), Vec::new());
    for (f, v) in fields(buf)? {
        match (f, &v) {
            (1, _) => obj["metadata"] = object_meta(bytes(&v)?)?,
            (2, _) => data.push(v),
            (3, _) => obj["type"] = json!(string(&v)?),
            (4, _) => string_data.push(v),
            (5, Wire::Varint(b)) => obj["immutable"] = json!(*b != 0),
            _ => {}
        }
    }
    if !data.is_empty() {
        obj["data"] = bytes_map(&data)?;
    }
    if !string_data.is_empty() {
        obj["stringData"] = string_map(&string_data)?;
    }
    Ok(obj)
}

fn config_map(buf: &[u8]) -> Result<Value, String> {
    let mut obj = json!({"apiVersion": "v1", "kind": "ConfigMap"});
    let (mut data, mut binary) = (Vec::new(), Vec::new());
    for (f, v) in fields(buf)? {
        match (f, &v) {
            (1, _) => obj["metadata"] = object_meta(bytes(&v)?)?,
            (2, _) => data.push(v),
            (3, _) => binary.push(v),
            (4, Wire::Varint(b)) => obj["immutable"] = json!(*b != 0),
            _ => {}
        }
    }
    if !data.is_empty() {
        obj["data"] = string_map(&data)?;
    }
    if !binary.is_empty() {
        obj["binaryData"] = bytes_map(&binary)?;
    }
    Ok(obj)
}

fn namespace(buf: &[u8]) -> Result<Value, String> {
    let mut obj = json!({"apiVersion": "v1", "kind": "Namespace"});
    for (f, v) in fields(buf)? {
        if f == 1 {
            obj["metadata"] = object_meta(bytes(&v)?)?;
        }
    }
    Ok(obj)
}

fn delete_options(buf: &[u8]) -> Result<Value, String> {
    let mut obj = json!({"apiVersion": "v1", "kind": "DeleteOptions"});
    let mut dry_run = Vec::new();
    for (f, v) in fields(buf)? {
        match (f, &v) {
            (1, Wire::Varint(n)) => obj["gracePeriodSeconds"] = json!(*n as i64),
            (2, _) => {
                let mut pre = Map::new();
                for (pf, pv) in fields(bytes(&v)?)? {
                    match pf {
                        1 => {
                            pre.insert("uid".into(), json!(string(&pv)?));
                        }
                        2 => {
                            pre.insert("resourceVersion".into(), json!(string(&pv)?));
                        }
                        _ => {}
                    }
                }
                obj["preconditions"] = Value::Object(pre);
            }
            (3, Wire::Varint(b)) => obj["orphanDependents"] = json!(*b != 0),
            (4, _) => obj["propagationPolicy"] = json!(string(&v)?),
            (5, _) => dry_run.push(json!(string(&v)?)),
            _ => {}
        }
    }
    if !dry_run.is_empty() {
        obj["dryRun"] = Value::Array(dry_run);
    }
    Ok(obj)
}

/// Decodes a protobuf body into the JSON object it stands for.
///
/// # Errors
/// A message when the envelope is missing or the kind is not one the emulator decodes.
pub fn decode(body: &[u8]) -> Result<Value, String> {
    let rest = body
        .strip_prefix(MAGIC)
        .ok_or("protobuf body without the k8s envelope")?;
    let (mut api_version, mut kind, mut raw) = (String::new(), String::new(), &[][..]);
    for (f, v) in fields(rest)? {
        match f {
            1 => {
                for (tf, tv) in fields(bytes(&v)?)? {
                    match tf {
                        1 => api_version = string(&tv)?,
                        2 => kind = string(&tv)?,
                        _ => {}
                    }
                }
            }
            2 => raw = bytes(&v)?,
            _ => {}
        }
    }
    let mut obj = match kind.as_str() {
        "Secret" => secret(raw)?,
        "ConfigMap" => config_map(raw)?,
        "Namespace" => namespace(raw)?,
        "DeleteOptions" => delete_options(raw)?,
        other => {
            return Err(format!(
                "protobuf bodies of kind {other:?} are not supported"
            ));
        }
    };
    if !api_version.is_empty() {
        obj["apiVersion"] = json!(api_version);
    }
    Ok(obj)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(field: u64, wire: u64) -> Vec<u8> {
        enc_varint((field << 3) | wire)
    }
    fn enc_varint(mut v: u64) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return out;
            }
            out.push(b | 0x80);
        }
    }
    fn ld(field: u64, payload: &[u8]) -> Vec<u8> {
        let mut out = tag(field, 2);
        out.extend(enc_varint(payload.len() as u64));
        out.extend(payload);
        out
    }
    fn entry(field: u64, k: &str, v: &[u8]) -> Vec<u8> {
        let mut e = ld(1, k.as_bytes());
        e.extend(ld(2, v));
        ld(field, &e)
    }

    #[test]
    fn decodes_a_helm_release_secret() {
        let mut meta = ld(1, b"sh.helm.release.v1.r1.v1");
        meta.extend(ld(3, b"default"));
        meta.extend(entry(11, "owner", b"helm"));
        meta.extend(entry(11, "status", b"pending-install"));
        let mut secret = ld(1, &meta);
        secret.extend(entry(2, "release", b"H4sI..."));
        secret.extend(ld(3, b"helm.sh/release.v1"));
        let mut type_meta = ld(1, b"v1");
        type_meta.extend(ld(2, b"Secret"));
        let mut body = MAGIC.to_vec();
        body.extend(ld(1, &type_meta));
        body.extend(ld(2, &secret));
        let obj = decode(&body).unwrap();
        assert_eq!(obj["metadata"]["name"], "sh.helm.release.v1.r1.v1");
        assert_eq!(obj["metadata"]["labels"]["status"], "pending-install");
        assert_eq!(obj["type"], "helm.sh/release.v1");
        assert_eq!(
            obj["data"]["release"],
            base64::engine::general_purpose::STANDARD.encode(b"H4sI...")
        );
    }

    #[test]
    fn decodes_delete_options_and_refuses_unknown_kinds() {
        let mut type_meta = ld(1, b"v1");
        type_meta.extend(ld(2, b"DeleteOptions"));
        let mut body = MAGIC.to_vec();
        body.extend(ld(1, &type_meta));
        body.extend(ld(2, &ld(4, b"Background")));
        assert_eq!(decode(&body).unwrap()["propagationPolicy"], "Background");
        assert!(decode(b"{}").is_err());
        let mut other = MAGIC.to_vec();
        let mut tm = ld(1, b"v1");
        tm.extend(ld(2, b"Pod"));
        other.extend(ld(1, &tm));
        assert!(decode(&other).unwrap_err().contains("Pod"));
    }
}
