//! Membership: each replica keeps its own Lease (`helm-operator-member-<replica>`) in the
//! operator's namespace, renewed every `leaseRenewInterval`, carrying the newest assignment
//! epoch it has applied; the live members are those whose Lease is fresh. Reading a Lease into a
//! [`Member`] is pure ([`member_of`]); the rest are the three API calls (renew, list, release).

use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use kube::api::{DeleteParams, ListParams, Patch, PatchParams};
use kube::{Api, Client};

use super::fence::Member;
use crate::api::FIELD_MANAGER;

/// The label every member Lease carries (value `"true"`).
pub const MEMBER_LABEL: &str = "helm-operator.ketches.cn/member";
/// The annotation with the newest epoch a member has applied.
pub const ACKNOWLEDGED_ANNOTATION: &str = "helm-operator.ketches.cn/acknowledged-epoch";
/// Member Lease names start with this.
pub const LEASE_PREFIX: &str = "helm-operator-member-";

/// The name of `replica`'s member Lease (a replica id is a pod name: a valid name part).
pub fn lease_name(replica: &str) -> String {
    format!("{LEASE_PREFIX}{replica}")
}

/// What a member Lease says at `now`: who, which epoch it applied, whether it is fresh
/// (renewed within its duration). `None` for a Lease that is not a member's.
pub fn member_of(lease: &Lease, now: jiff::Timestamp) -> Option<Member> {
    let spec = lease.spec.as_ref()?;
    let id = spec.holder_identity.clone()?;
    let acknowledged = lease
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(ACKNOWLEDGED_ANNOTATION))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let live = match (&spec.renew_time, spec.lease_duration_seconds) {
        (Some(MicroTime(renewed)), Some(seconds)) if seconds > 0 => {
            let until = renewed
                .checked_add(jiff::SignedDuration::from_secs(i64::from(seconds)))
                .unwrap_or(*renewed);
            now < until
        }
        _ => false,
    };
    Some(Member {
        id,
        acknowledged,
        live,
    })
}

/// Renews `replica`'s member Lease (creating it when missing) with the epoch it has applied.
///
/// # Errors
/// The API refused the write or did not answer within the call timeout.
pub async fn renew(
    client: &Client,
    namespace: &str,
    replica: &str,
    duration: Duration,
    acknowledged: u64,
) -> Result<(), String> {
    let api: Api<Lease> = Api::namespaced(client.clone(), namespace);
    let name = lease_name(replica);
    let mut lease = Lease::default();
    lease.metadata.name = Some(name.clone());
    lease.metadata.labels = Some([(MEMBER_LABEL.to_owned(), "true".to_owned())].into());
    lease.metadata.annotations =
        Some([(ACKNOWLEDGED_ANNOTATION.to_owned(), acknowledged.to_string())].into());
    lease.spec = Some(LeaseSpec {
        holder_identity: Some(replica.to_owned()),
        lease_duration_seconds: Some(i32::try_from(duration.as_secs().max(1)).unwrap_or(i32::MAX)),
        renew_time: Some(MicroTime(jiff::Timestamp::now())),
        ..LeaseSpec::default()
    });
    let mut object = serde_json::to_value(&lease).map_err(|e| e.to_string())?;
    object["apiVersion"] = "coordination.k8s.io/v1".into();
    object["kind"] = "Lease".into();
    let params = PatchParams::apply(FIELD_MANAGER).force();
    match tokio::time::timeout(
        crate::controller::API_CALL_TIMEOUT,
        api.patch(&name, &params, &Patch::Apply(&object)),
    )
    .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!("renewing Lease {namespace}/{name}: {e}")),
        Err(_) => Err(format!("renewing Lease {namespace}/{name} timed out")),
    }
}

/// Every member as its Lease shows it now.
///
/// # Errors
/// The API refused the list or did not answer within the call timeout.
pub async fn list(client: &Client, namespace: &str) -> Result<Vec<Member>, String> {
    let api: Api<Lease> = Api::namespaced(client.clone(), namespace);
    let params = ListParams::default().labels(&format!("{MEMBER_LABEL}=true"));
    let leases = tokio::time::timeout(crate::controller::API_CALL_TIMEOUT, api.list(&params))
        .await
        .map_err(|_| format!("listing member Leases in {namespace} timed out"))?
        .map_err(|e| format!("listing member Leases in {namespace}: {e}"))?;
    let now = jiff::Timestamp::now();
    let mut members: Vec<Member> = leases
        .items
        .iter()
        .filter_map(|l| member_of(l, now))
        .collect();
    members.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(members)
}

/// Deletes `replica`'s member Lease (a clean shutdown: the others need not wait for it to
/// expire).
///
/// # Errors
/// The API refused the delete (a missing Lease is fine).
pub async fn release(client: &Client, namespace: &str, replica: &str) -> Result<(), String> {
    let api: Api<Lease> = Api::namespaced(client.clone(), namespace);
    let name = lease_name(replica);
    match tokio::time::timeout(
        crate::controller::API_CALL_TIMEOUT,
        api.delete(&name, &DeleteParams::default()),
    )
    .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(kube::Error::Api(e))) if e.code == 404 => Ok(()),
        Ok(Err(e)) => Err(format!("deleting Lease {namespace}/{name}: {e}")),
        Err(_) => Err(format!("deleting Lease {namespace}/{name} timed out")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(
        holder: Option<&str>,
        renewed: &str,
        seconds: Option<i32>,
        epoch: Option<&str>,
    ) -> Lease {
        let mut lease = Lease::default();
        lease.metadata.name = Some("x".into());
        if let Some(epoch) = epoch {
            lease.metadata.annotations =
                Some([(ACKNOWLEDGED_ANNOTATION.to_owned(), epoch.to_owned())].into());
        }
        lease.spec = Some(LeaseSpec {
            holder_identity: holder.map(str::to_owned),
            lease_duration_seconds: seconds,
            renew_time: Some(MicroTime(renewed.parse().unwrap())),
            ..LeaseSpec::default()
        });
        lease
    }

    #[test]
    fn a_lease_is_live_until_its_duration_after_the_last_renewal() {
        let l = lease(Some("a"), "2026-01-01T00:00:00Z", Some(5), Some("7"));
        let at = |t: &str| member_of(&l, t.parse().unwrap()).unwrap();
        assert_eq!(
            at("2026-01-01T00:00:04.999Z"),
            Member {
                id: "a".into(),
                acknowledged: 7,
                live: true
            }
        );
        assert!(!at("2026-01-01T00:00:05Z").live);
    }

    #[test]
    fn a_lease_without_holder_is_no_member_and_odd_fields_are_not_live() {
        let now: jiff::Timestamp = "2026-01-01T00:00:01Z".parse().unwrap();
        assert_eq!(
            member_of(&lease(None, "2026-01-01T00:00:00Z", Some(5), None), now),
            None
        );
        let no_duration = member_of(
            &lease(Some("a"), "2026-01-01T00:00:00Z", None, Some("x")),
            now,
        )
        .unwrap();
        assert!(!no_duration.live);
        assert_eq!(no_duration.acknowledged, 0);
        assert_eq!(
            lease_name("helm-operator-7d9f-x2kqp"),
            "helm-operator-member-helm-operator-7d9f-x2kqp"
        );
    }
}
