//! Where release records live: the [`ReleaseStore`] trait (list a release's revisions, create,
//! replace and delete one), its implementation over Helm's Secrets ([`SecretStore`]), and an
//! in-memory one with fault injection for the actions' tests ([`MemoryStore`]). The record
//! format itself is [`super::storage`].

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use k8s_openapi::api::core::v1::Secret;
use kube::api::{DeleteParams, ListParams, PostParams};
use kube::{Api, Client};

use super::storage::{
    LabelStamp, Release, StorageError, history_order, label_selector, release_from_secret,
    release_secret,
};
use crate::controller::API_CALL_TIMEOUT;

/// Why the store failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// A record does not encode or decode.
    #[error(transparent)]
    Format(#[from] StorageError),
    /// The API refused or failed.
    #[error("{call} release record {namespace}/{name}: {why}")]
    Api {
        /// What was called.
        call: &'static str,
        /// Namespace.
        namespace: String,
        /// Secret or release name.
        name: String,
        /// The API's answer.
        why: String,
    },
    /// A record that must be new already exists (another writer got there first).
    #[error("release record {namespace}/{name} already exists")]
    Exists {
        /// Namespace.
        namespace: String,
        /// Secret name.
        name: String,
    },
}

impl StoreError {
    /// PascalCase reason.
    pub fn reason(&self) -> &'static str {
        match self {
            StoreError::Format(_) => "InvalidReleaseRecord",
            StoreError::Api { .. } => "ReleaseStorageFailed",
            StoreError::Exists { .. } => "ReleaseRecordExists",
        }
    }
}

/// Release records of one cluster.
pub trait ReleaseStore: Send + Sync {
    /// Every revision of `name` in `namespace`, in history order (oldest first).
    fn history(
        &self,
        namespace: &str,
        name: &str,
    ) -> impl Future<Output = Result<Vec<Release>, StoreError>> + Send;
    /// Stores a new revision; fails with [`StoreError::Exists`] when it is there already.
    fn create(&self, release: &Release) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Replaces a revision (its status changed).
    fn update(&self, release: &Release) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Removes a revision (history pruning, uninstall without history).
    fn delete(
        &self,
        namespace: &str,
        name: &str,
        revision: i32,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Release records as Helm's Secrets driver keeps them.
#[derive(Clone)]
pub struct SecretStore {
    client: Client,
}

impl std::fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretStore").finish_non_exhaustive()
    }
}

impl SecretStore {
    /// A store over `client`.
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    fn api(&self, namespace: &str) -> Api<Secret> {
        Api::namespaced(self.client.clone(), namespace)
    }
}

async fn timed<T>(
    call: &'static str,
    namespace: &str,
    name: &str,
    fut: impl Future<Output = Result<T, kube::Error>>,
) -> Result<T, StoreError> {
    let api_error = |why: String| StoreError::Api {
        call,
        namespace: namespace.to_owned(),
        name: name.to_owned(),
        why,
    };
    match tokio::time::timeout(API_CALL_TIMEOUT, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(kube::Error::Api(e))) if e.code == 409 && call == "creating" => {
            Err(StoreError::Exists {
                namespace: namespace.to_owned(),
                name: name.to_owned(),
            })
        }
        Ok(Err(e)) => Err(api_error(e.to_string())),
        Err(_) => Err(api_error(format!(
            "no answer within {}s",
            API_CALL_TIMEOUT.as_secs()
        ))),
    }
}

fn now_seconds() -> i64 {
    jiff::Timestamp::now().as_second()
}

impl ReleaseStore for SecretStore {
    async fn history(&self, namespace: &str, name: &str) -> Result<Vec<Release>, StoreError> {
        let params = ListParams::default().labels(&label_selector(name));
        let list = timed(
            "listing",
            namespace,
            name,
            self.api(namespace).list(&params),
        )
        .await?;
        let mut releases = list
            .items
            .iter()
            .map(release_from_secret)
            .collect::<Result<Vec<_>, _>>()?;
        history_order(&mut releases);
        Ok(releases)
    }

    async fn create(&self, release: &Release) -> Result<(), StoreError> {
        let secret = release_secret(release, LabelStamp::Created(now_seconds()))?;
        let name = release.secret_name();
        timed(
            "creating",
            &release.namespace,
            &name,
            self.api(&release.namespace)
                .create(&PostParams::default(), &secret),
        )
        .await
        .map(|_| ())
    }

    async fn update(&self, release: &Release) -> Result<(), StoreError> {
        let secret = release_secret(release, LabelStamp::Modified(now_seconds()))?;
        let name = release.secret_name();
        timed(
            "replacing",
            &release.namespace,
            &name,
            self.api(&release.namespace)
                .replace(&name, &PostParams::default(), &secret),
        )
        .await
        .map(|_| ())
    }

    async fn delete(&self, namespace: &str, name: &str, revision: i32) -> Result<(), StoreError> {
        let secret = super::storage::secret_name(name, revision);
        match tokio::time::timeout(
            API_CALL_TIMEOUT,
            self.api(namespace)
                .delete(&secret, &DeleteParams::default()),
        )
        .await
        {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(kube::Error::Api(e))) if e.code == 404 => Ok(()),
            Ok(Err(e)) => Err(StoreError::Api {
                call: "deleting",
                namespace: namespace.to_owned(),
                name: secret,
                why: e.to_string(),
            }),
            Err(_) => Err(StoreError::Api {
                call: "deleting",
                namespace: namespace.to_owned(),
                name: secret,
                why: format!("no answer within {}s", API_CALL_TIMEOUT.as_secs()),
            }),
        }
    }
}

/// Which calls of a [`MemoryStore`] fail, for testing failure paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Faults {
    /// `history` fails.
    pub history: bool,
    /// `create` fails.
    pub create: bool,
    /// `update` fails.
    pub update: bool,
    /// `delete` fails.
    pub delete: bool,
}

/// Records by namespace, release name and revision.
type RecordMap = BTreeMap<(String, String, i32), Release>;

/// Records in memory, keyed by namespace, name and revision; calls fail as [`Faults`] says.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    records: Arc<Mutex<RecordMap>>,
    faults: Arc<Mutex<Faults>>,
}

impl MemoryStore {
    /// Makes the next calls fail as `faults` says.
    pub fn set_faults(&self, faults: Faults) {
        *self
            .faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = faults;
    }

    /// Every record held, in key order.
    pub fn all(&self) -> Vec<Release> {
        self.lock().values().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RecordMap> {
        self.records
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn fail(
        &self,
        pick: fn(&Faults) -> bool,
        call: &'static str,
        ns: &str,
        name: &str,
    ) -> Result<(), StoreError> {
        let faults = *self
            .faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if pick(&faults) {
            return Err(StoreError::Api {
                call,
                namespace: ns.to_owned(),
                name: name.to_owned(),
                why: "injected fault".to_owned(),
            });
        }
        Ok(())
    }
}

impl ReleaseStore for MemoryStore {
    async fn history(&self, namespace: &str, name: &str) -> Result<Vec<Release>, StoreError> {
        self.fail(|f| f.history, "listing", namespace, name)?;
        let mut releases: Vec<Release> = self
            .lock()
            .iter()
            .filter(|((ns, n, _), _)| ns == namespace && n == name)
            .map(|(_, r)| r.clone())
            .collect();
        history_order(&mut releases);
        Ok(releases)
    }

    async fn create(&self, release: &Release) -> Result<(), StoreError> {
        self.fail(|f| f.create, "creating", &release.namespace, &release.name)?;
        // the codec runs as it would against the API, so a record that cannot be stored fails here too
        super::storage::encode_release(release)?;
        let key = (
            release.namespace.clone(),
            release.name.clone(),
            release.version,
        );
        let mut records = self.lock();
        if records.contains_key(&key) {
            return Err(StoreError::Exists {
                namespace: release.namespace.clone(),
                name: release.secret_name(),
            });
        }
        records.insert(key, release.clone());
        Ok(())
    }

    async fn update(&self, release: &Release) -> Result<(), StoreError> {
        self.fail(|f| f.update, "replacing", &release.namespace, &release.name)?;
        super::storage::encode_release(release)?;
        let key = (
            release.namespace.clone(),
            release.name.clone(),
            release.version,
        );
        self.lock().insert(key, release.clone());
        Ok(())
    }

    async fn delete(&self, namespace: &str, name: &str, revision: i32) -> Result<(), StoreError> {
        self.fail(|f| f.delete, "deleting", namespace, name)?;
        self.lock()
            .remove(&(namespace.to_owned(), name.to_owned(), revision));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::storage::Status;

    fn release(version: i32, status: Status) -> Release {
        let mut r = Release {
            name: "web".into(),
            namespace: "team".into(),
            version,
            ..Release::default()
        };
        r.info.status = status;
        r
    }

    #[tokio::test]
    async fn the_memory_store_keeps_history_in_order_and_refuses_a_second_create() {
        let store = MemoryStore::default();
        store.create(&release(2, Status::Deployed)).await.unwrap();
        store.create(&release(1, Status::Superseded)).await.unwrap();
        let again = store.create(&release(2, Status::Failed)).await.unwrap_err();
        assert_eq!(again.reason(), "ReleaseRecordExists");
        let history = store.history("team", "web").await.unwrap();
        let versions: Vec<i32> = history.iter().map(|r| r.version).collect();
        assert_eq!(versions, [1, 2]);
        assert!(store.history("other", "web").await.unwrap().is_empty());
        store.update(&release(2, Status::Failed)).await.unwrap();
        assert_eq!(
            store.history("team", "web").await.unwrap()[1].info.status,
            Status::Failed
        );
        store.delete("team", "web", 1).await.unwrap();
        assert_eq!(store.all().len(), 1);
    }

    #[tokio::test]
    async fn injected_faults_fail_the_chosen_calls_only() {
        let store = MemoryStore::default();
        store.set_faults(Faults {
            create: true,
            ..Faults::default()
        });
        let e = store
            .create(&release(1, Status::PendingInstall))
            .await
            .unwrap_err();
        assert_eq!(e.reason(), "ReleaseStorageFailed");
        assert!(e.to_string().contains("injected fault"));
        assert!(store.history("team", "web").await.unwrap().is_empty());
    }
}
