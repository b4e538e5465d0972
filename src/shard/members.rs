//! The Leases of membership, in the operator's namespace: each replica keeps its own
//! (`helm-operator-member-<replica>`), renewed every `leaseRenewInterval` and carrying the newest
//! assignment epoch it has applied; one leader holds `helm-operator-leader`. Reading a member
//! Lease is pure ([`member_of`], [`acknowledged`]); the rest are the API calls (renew, list,
//! release, claim and give up the leadership).

use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use kube::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::{Api, Client};

use super::fence::Member;
use crate::api::FIELD_MANAGER;

/// The label every member Lease carries (value `"true"`).
pub const MEMBER_LABEL: &str = "helm-operator.ketches.cn/member";
/// The annotation with the newest epoch a member has applied.
pub const ACKNOWLEDGED_ANNOTATION: &str = "helm-operator.ketches.cn/acknowledged-epoch";
/// Member Lease names start with this.
pub const LEASE_PREFIX: &str = "helm-operator-member-";

/// The Lease the leader holds.
pub const LEADER_LEASE: &str = "helm-operator-leader";

/// The name of `replica`'s member Lease (a replica id is a pod name: a valid name part).
pub fn lease_name(replica: &str) -> String {
    format!("{LEASE_PREFIX}{replica}")
}

/// What a member Lease says at `now`: who, which epoch it applied, whether it is fresh
/// (renewed within its duration). `None` for a Lease that is not a member's.
pub fn member_of(lease: &Lease, now: jiff::Timestamp) -> Option<Member> {
    let spec = lease.spec.as_ref()?;
    let id = spec.holder_identity.clone()?;
    let acknowledged = acknowledged(lease);
    let live = fresh(lease, now);
    Some(Member {
        id,
        acknowledged,
        live,
    })
}

/// The epoch a member Lease says its replica applied (0 when it says none).
pub fn acknowledged(lease: &Lease) -> u64 {
    lease
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(ACKNOWLEDGED_ANNOTATION))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Whether `lease` was renewed within its duration before `now`, by the time it names.
pub fn fresh(lease: &Lease, now: jiff::Timestamp) -> bool {
    let Some(spec) = lease.spec.as_ref() else {
        return false;
    };
    match (&spec.renew_time, spec.lease_duration_seconds) {
        (Some(MicroTime(renewed)), Some(seconds)) if seconds > 0 => {
            let until = renewed
                .checked_add(jiff::SignedDuration::from_secs(i64::from(seconds)))
                .unwrap_or(*renewed);
            now < until
        }
        _ => false,
    }
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

/// Takes or renews the leader Lease for `me`: creates it when `seen` is `None`, else replaces
/// the version read (`seen`), so two replicas claiming at once cannot both win. Returns the
/// Lease as written.
///
/// # Errors
/// The API refused the write (another replica won: a conflict), or did not answer in time.
pub async fn claim_leader(
    client: &Client,
    namespace: &str,
    me: &str,
    duration: Duration,
    seen: Option<&Lease>,
) -> Result<Lease, String> {
    let api: Api<Lease> = Api::namespaced(client.clone(), namespace);
    let now = MicroTime(jiff::Timestamp::now());
    let mut lease = seen.cloned().unwrap_or_default();
    lease.metadata.name = Some(LEADER_LEASE.to_owned());
    lease.metadata.managed_fields = None;
    let mut spec = lease.spec.take().unwrap_or_default();
    if spec.holder_identity.as_deref() != Some(me) {
        spec.acquire_time = Some(now.clone());
        spec.lease_transitions =
            Some(spec.lease_transitions.unwrap_or(0) + i32::from(seen.is_some()));
    }
    spec.holder_identity = Some(me.to_owned());
    spec.lease_duration_seconds =
        Some(i32::try_from(duration.as_secs().max(1)).unwrap_or(i32::MAX));
    spec.renew_time = Some(now);
    lease.spec = Some(spec);
    let write = async {
        match seen {
            None => api.create(&PostParams::default(), &lease).await,
            Some(_) => {
                api.replace(LEADER_LEASE, &PostParams::default(), &lease)
                    .await
            }
        }
    };
    match tokio::time::timeout(crate::controller::API_CALL_TIMEOUT, write).await {
        Ok(Ok(written)) => Ok(written),
        Ok(Err(e)) => Err(format!("claiming Lease {namespace}/{LEADER_LEASE}: {e}")),
        Err(_) => Err(format!(
            "claiming Lease {namespace}/{LEADER_LEASE} timed out"
        )),
    }
}

/// Gives up the leadership `seen` shows `me` holding: the holder is cleared (guarded by the
/// version read), so another replica takes over at once instead of waiting for it to expire.
///
/// # Errors
/// The API refused the write or did not answer in time.
pub async fn give_up_leader(client: &Client, namespace: &str, seen: &Lease) -> Result<(), String> {
    let api: Api<Lease> = Api::namespaced(client.clone(), namespace);
    let mut lease = seen.clone();
    lease.metadata.managed_fields = None;
    if let Some(spec) = lease.spec.as_mut() {
        spec.holder_identity = None;
        spec.renew_time = None;
    }
    let params = PostParams::default();
    let write = api.replace(LEADER_LEASE, &params, &lease);
    match tokio::time::timeout(crate::controller::API_CALL_TIMEOUT, write).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!("giving up Lease {namespace}/{LEADER_LEASE}: {e}")),
        Err(_) => Err(format!(
            "giving up Lease {namespace}/{LEADER_LEASE} timed out"
        )),
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
