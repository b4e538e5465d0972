//! Building the Helm release record of a new revision from a render, as Helm's install and
//! upgrade build theirs (pending first, then deployed or failed), with the labels that tie it to
//! its HelmRelease and inputs. Pure.

use serde_json::{Map, Value};

use super::observe::{ANNOTATION_WRITER, LABEL_DIGEST, LABEL_OWNER_NAME, LABEL_OWNER_NAMESPACE};
use super::plan::OperationKind;
use crate::cluster::storage::{
    APPLY_METHOD_SERVER_SIDE, ChartRecord, GoTime, HookRecord, Release, Status,
};
use crate::engine::chart::install::Installed;

/// `info.description` of a revision being installed (Helm's text).
pub const DESCRIPTION_INSTALLING: &str = "Initial install underway";
/// `info.description` of a revision being upgraded (Helm's text).
pub const DESCRIPTION_UPGRADING: &str = "Preparing upgrade";

/// Who a revision belongs to and what it was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance<'a> {
    /// The HelmRelease's namespace.
    pub owner_namespace: &'a str,
    /// The HelmRelease's name.
    pub owner_name: &'a str,
    /// The desired digest.
    pub digest: &'a str,
}

/// A new revision of `name` in `namespace` from `installed`, with `status` and `description`;
/// `first_deployed` is the release's first deployment (this one's time for revision 1).
#[allow(clippy::too_many_arguments)]
pub fn new_revision(
    name: &str,
    namespace: &str,
    revision: i32,
    installed: &Installed,
    user_values: &Map<String, Value>,
    provenance: &Provenance<'_>,
    now: jiff::Timestamp,
    first_deployed: Option<GoTime>,
) -> Release {
    let mut release = Release {
        name: name.to_owned(),
        namespace: namespace.to_owned(),
        version: revision,
        chart: Some(ChartRecord::from_chart(&installed.chart)),
        config: user_values.clone(),
        manifest: installed.rendered.release_manifest(false),
        hooks: installed
            .rendered
            .hooks
            .iter()
            .map(HookRecord::from_hook)
            .collect(),
        apply_method: APPLY_METHOD_SERVER_SIDE.to_owned(),
        ..Release::default()
    };
    let at = GoTime::utc(now);
    release.info.first_deployed = first_deployed.unwrap_or(at);
    release.info.last_deployed = at;
    release.info.notes = installed.rendered.notes.clone();
    release.info.status = if revision == 1 {
        Status::PendingInstall
    } else {
        Status::PendingUpgrade
    };
    release.info.description = if revision == 1 {
        DESCRIPTION_INSTALLING
    } else {
        DESCRIPTION_UPGRADING
    }
    .to_owned();
    release
        .labels
        .insert(LABEL_DIGEST.to_owned(), provenance.digest.to_owned());
    release.labels.insert(
        LABEL_OWNER_NAMESPACE.to_owned(),
        provenance.owner_namespace.to_owned(),
    );
    release.labels.insert(
        LABEL_OWNER_NAME.to_owned(),
        provenance.owner_name.to_owned(),
    );
    release.annotations.insert(
        ANNOTATION_WRITER.to_owned(),
        format!("{}/{}", provenance.owner_namespace, provenance.owner_name),
    );
    release
}

/// `release` marked with `status` and Helm's description for it, written at `now`.
pub fn with_status(
    release: &Release,
    status: Status,
    description: &str,
    now: jiff::Timestamp,
) -> Release {
    let mut next = release.clone();
    next.info.status = status;
    next.info.description = description.to_owned();
    next.info.last_deployed = GoTime::utc(now);
    next
}

/// Helm's description of a failed operation's revision: `Release "<name>" failed: <why>` for an
/// install, `Upgrade "<name>" failed: <why>` and `Rollback "<name>" failed: <why>` for the others.
pub fn failure_description(kind: OperationKind, name: &str, why: &str) -> String {
    let what = match kind {
        OperationKind::Upgrade => "Upgrade",
        OperationKind::Rollback => "Rollback",
        _ => "Release",
    };
    format!("{what} {name:?} failed: {why}")
}

/// The record of a rollback to `target` as revision `revision`: the target's chart, values,
/// manifest, hooks and labels, `pending-rollback`, described `Rollback to <target>`. Pure.
pub fn rollback_revision(target: &Release, revision: i32, now: jiff::Timestamp) -> Release {
    let mut record = target.clone();
    record.version = revision;
    record.info.status = Status::PendingRollback;
    record.info.description = format!("Rollback to {}", target.version);
    record.info.last_deployed = GoTime::utc(now);
    record.info.deleted = GoTime::zero();
    // the target's writer, or the HelmRelease that adopted a revision Helm wrote
    if let Some(owner) = owner_of(target) {
        record
            .annotations
            .insert(ANNOTATION_WRITER.to_owned(), owner);
    }
    record
}

/// `namespace/name` of the HelmRelease a record's labels name.
fn owner_of(record: &Release) -> Option<String> {
    let ns = record.labels.get(LABEL_OWNER_NAMESPACE)?;
    let name = record.labels.get(LABEL_OWNER_NAME)?;
    Some(format!("{ns}/{name}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::chart::install::{InstallOptions, render_install};
    use crate::engine::chart::load::{LoadLimits, load_files};
    use crate::engine::chart::objects::Capabilities;
    use crate::engine::chart::render::ReleaseInfo;

    fn installed() -> Installed {
        let files = vec![
            crate::engine::chart::File {
                name: "Chart.yaml".into(),
                data: std::sync::Arc::from(&b"apiVersion: v2\nname: app\nversion: 1.2.0\n"[..]),
            },
            crate::engine::chart::File {
                name: "values.yaml".into(),
                data: std::sync::Arc::from(&b"replicas: 1\n"[..]),
            },
            crate::engine::chart::File {
                name: "templates/cm.yaml".into(),
                data: std::sync::Arc::from(
                    &b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  r: {{ .Values.replicas | quote }}\n"[..],
                ),
            },
            crate::engine::chart::File {
                name: "templates/NOTES.txt".into(),
                data: std::sync::Arc::from(&b"hello {{ .Release.Name }}"[..]),
            },
        ];
        let chart = load_files(files, &LoadLimits::default()).unwrap();
        let release = ReleaseInfo {
            name: "web".into(),
            namespace: "team".into(),
            revision: 1,
            is_install: true,
        };
        let caps = Capabilities::default();
        let mut values = Map::new();
        values.insert("replicas".into(), Value::from(3.0));
        render_install(&chart, &values, InstallOptions::offline(&release, &caps)).unwrap()
    }

    #[test]
    fn a_first_revision_is_pending_install_with_helms_fields_and_our_labels() {
        let installed = installed();
        let mut values = Map::new();
        values.insert("replicas".into(), Value::from(3.0));
        let now: jiff::Timestamp = "2026-01-02T03:04:05Z".parse().unwrap();
        let provenance = Provenance {
            owner_namespace: "team",
            owner_name: "web-hr",
            digest: "abcd",
        };
        let r = new_revision(
            "web",
            "team",
            1,
            &installed,
            &values,
            &provenance,
            now,
            None,
        );
        assert_eq!(r.info.status, Status::PendingInstall);
        assert_eq!(r.info.description, "Initial install underway");
        assert_eq!(r.info.first_deployed, r.info.last_deployed);
        assert_eq!(r.info.notes, "hello web");
        assert!(
            r.manifest.contains("name: web") && r.manifest.contains("r: \"3\""),
            "{}",
            r.manifest
        );
        assert_eq!(r.config["replicas"], 3.0);
        assert_eq!(r.chart.as_ref().unwrap().version(), "1.2.0");
        assert_eq!(r.labels[LABEL_DIGEST], "abcd");
        assert_eq!(r.labels[LABEL_OWNER_NAME], "web-hr");
        assert_eq!(r.apply_method, "ssa");
        let upgrade = new_revision(
            "web",
            "team",
            2,
            &installed,
            &values,
            &provenance,
            now,
            Some(r.info.first_deployed),
        );
        assert_eq!(upgrade.info.status, Status::PendingUpgrade);
        assert_eq!(upgrade.info.description, "Preparing upgrade");
        let done = with_status(&upgrade, Status::Deployed, "Upgrade complete", now);
        assert_eq!(done.info.status, Status::Deployed);
        assert_eq!(
            failure_description(OperationKind::Install, "web", "timed out"),
            "Release \"web\" failed: timed out"
        );
        // the words real Helm v4.2.3 wrote for a failed upgrade
        assert_eq!(
            failure_description(OperationKind::Upgrade, "r", "pre-upgrade hooks failed: x"),
            "Upgrade \"r\" failed: pre-upgrade hooks failed: x"
        );
    }

    #[test]
    fn a_rollback_copies_its_target_as_a_new_pending_revision() {
        let installed = installed();
        let now: jiff::Timestamp = "2026-01-02T03:04:05Z".parse().unwrap();
        let provenance = Provenance {
            owner_namespace: "team",
            owner_name: "web-hr",
            digest: "abcd",
        };
        let mut target = new_revision(
            "web",
            "team",
            1,
            &installed,
            &Map::new(),
            &provenance,
            now,
            None,
        );
        target.info.status = Status::Superseded;
        let later: jiff::Timestamp = "2026-01-03T00:00:00Z".parse().unwrap();
        let r = rollback_revision(&target, 4, later);
        assert_eq!(r.version, 4);
        assert_eq!(r.info.status, Status::PendingRollback);
        assert_eq!(r.info.description, "Rollback to 1");
        assert_eq!(r.manifest, target.manifest);
        assert_eq!(r.labels, target.labels);
        assert_eq!(r.info.first_deployed, target.info.first_deployed);
        assert_eq!(r.info.last_deployed, GoTime::utc(later));
    }
}
