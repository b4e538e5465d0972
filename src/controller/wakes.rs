//! Who wakes whom: a HelmRelease is reconciled again when a release it depends on changes its
//! readiness, and when the HelmRepository it installs from has new content, without polling.
//! The watch streams of both kinds feed [`Wakes::observe_release`] and
//! [`Wakes::observe_repository`]; an index kept from what the watches delivered maps a changed
//! object to the releases that point at it, and [`Wakes::subscribe`] hands those releases to
//! the release controllers. A lost wake (a lagging subscriber) costs only latency: every
//! release is still reconciled at its interval.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use futures::Stream;
use kube::ResourceExt;
use kube::runtime::reflector::ObjectRef;
use tokio::sync::broadcast;

use crate::api::{HelmRelease, HelmRepository};

/// `(namespace, name)`.
type Key = (String, String);

/// The edges and last-seen states behind the wakes.
#[derive(Default)]
struct Index {
    /// Release → the releases that depend on it.
    dependents: HashMap<Key, BTreeSet<Key>>,
    /// Repository → the releases that install from it.
    users: HashMap<Key, BTreeSet<Key>>,
    /// What each release points at (its dependencies and its repository), to drop old edges.
    edges: HashMap<Key, (Vec<Key>, Option<Key>)>,
    /// The readiness each release last showed.
    readiness: HashMap<Key, String>,
    /// The content each repository last showed.
    content: HashMap<Key, String>,
}

impl Index {
    /// Removes what `release` pointed at (its dependencies and its repository).
    fn drop_edges(&mut self, release: &Key) {
        if let Some((dependencies, repository)) = self.edges.remove(release) {
            for d in dependencies {
                if let Some(set) = self.dependents.get_mut(&d) {
                    set.remove(release);
                }
            }
            if let Some(r) = repository
                && let Some(set) = self.users.get_mut(&r)
            {
                set.remove(release);
            }
        }
    }
}

/// Records `state` as what `me` shows now; when it changed, the releases `targets` lists for
/// `me` are to be woken.
fn changed_wakes(
    seen: &mut HashMap<Key, String>,
    targets: &HashMap<Key, BTreeSet<Key>>,
    me: &Key,
    state: String,
) -> Vec<Key> {
    if seen.insert(me.clone(), state.clone()) == Some(state) {
        return Vec::new();
    }
    targets
        .get(me)
        .map(|s| s.iter().cloned().collect())
        .unwrap_or_default()
}

/// The wake index, the channel its wakes go out on, and the HelmRepositories as the watch last
/// delivered them (releases read their repository here instead of asking the API server).
pub struct Wakes {
    index: Mutex<Index>,
    sender: broadcast::Sender<Key>,
    repositories: std::sync::RwLock<HashMap<Key, std::sync::Arc<HelmRepository>>>,
}

impl Default for Wakes {
    fn default() -> Self {
        Self {
            index: Mutex::new(Index::default()),
            sender: broadcast::channel(4096).0,
            repositories: std::sync::RwLock::default(),
        }
    }
}

impl std::fmt::Debug for Wakes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wakes").finish_non_exhaustive()
    }
}

/// A release's readiness as its dependents see it: `Ready` for the generation it shows.
fn readiness_of(hr: &HelmRelease) -> String {
    let ready = hr
        .status
        .as_ref()
        .and_then(|s| {
            crate::api::conditions::find_condition(&s.conditions, crate::api::conditions::READY)
        })
        .map_or("", |c| c.status.as_str());
    let current = hr.status.as_ref().and_then(|s| s.observed_generation) == hr.metadata.generation;
    format!("{ready}/{current}")
}

/// What a repository offers, as far as releases care: its index digest and readiness.
fn content_of(repo: &HelmRepository) -> String {
    let status = repo.status.as_ref();
    let digest = status.and_then(|s| s.index_digest.as_deref()).unwrap_or("");
    let ready = status
        .and_then(|s| {
            crate::api::conditions::find_condition(&s.conditions, crate::api::conditions::READY)
        })
        .map_or("", |c| c.status.as_str());
    format!("{digest}/{ready}")
}

impl Wakes {
    /// Notes a HelmRelease the watch delivered: its edges, and a wake for its dependents when
    /// its readiness changed.
    pub fn observe_release(&self, hr: &HelmRelease) {
        let namespace = hr.namespace().unwrap_or_default();
        let me: Key = (namespace.clone(), hr.name_any());
        let dependencies: Vec<Key> = hr
            .spec
            .depends_on
            .iter()
            .map(|d| {
                (
                    d.namespace.clone().unwrap_or_else(|| namespace.clone()),
                    d.name.clone(),
                )
            })
            .collect();
        let repository = hr.spec.chart.repository.as_ref().map(|r| {
            (
                r.namespace.clone().unwrap_or_else(|| namespace.clone()),
                r.name.clone(),
            )
        });
        let to_wake: Vec<Key> = {
            let Ok(mut index) = self.index.lock() else {
                return;
            };
            let index = &mut *index;
            let wanted = (dependencies, repository);
            if index.edges.get(&me) != Some(&wanted) {
                index.drop_edges(&me);
                for d in &wanted.0 {
                    index
                        .dependents
                        .entry(d.clone())
                        .or_default()
                        .insert(me.clone());
                }
                if let Some(r) = &wanted.1 {
                    index.users.entry(r.clone()).or_default().insert(me.clone());
                }
                index.edges.insert(me.clone(), wanted);
            }
            changed_wakes(
                &mut index.readiness,
                &index.dependents,
                &me,
                readiness_of(hr),
            )
        };
        self.wake(to_wake);
    }

    /// Forgets a HelmRelease the watch saw deleted.
    pub fn forget_release(&self, hr: &HelmRelease) {
        let me: Key = (hr.namespace().unwrap_or_default(), hr.name_any());
        if let Ok(mut index) = self.index.lock() {
            index.drop_edges(&me);
            index.readiness.remove(&me);
        }
        // its dependents now miss a dependency: they say so
        self.wake(self.dependents_of(&me.0, &me.1));
    }

    /// Forgets a HelmRepository the watch saw deleted (its releases are woken to say so).
    pub fn forget_repository(&self, repo: &HelmRepository) {
        let me: Key = (repo.namespace().unwrap_or_default(), repo.name_any());
        if let Ok(mut cached) = self.repositories.write() {
            cached.remove(&me);
        }
        let users: Vec<Key> = self
            .index
            .lock()
            .map(|mut i| {
                i.content.remove(&me);
                i.users
                    .get(&me)
                    .map(|s| s.iter().cloned().collect())
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        self.wake(users);
    }

    /// The HelmRepository `namespace/name` as the watch last delivered it; `None` when this
    /// replica has not seen it (it may not watch that namespace: ask the API server then).
    pub fn repository(
        &self,
        namespace: &str,
        name: &str,
    ) -> Option<std::sync::Arc<HelmRepository>> {
        self.repositories
            .read()
            .ok()?
            .get(&(namespace.to_owned(), name.to_owned()))
            .cloned()
    }

    /// Notes a HelmRepository the watch delivered: a wake for the releases that install from
    /// it when its content or readiness changed.
    pub fn observe_repository(&self, repo: &HelmRepository) {
        let me: Key = (repo.namespace().unwrap_or_default(), repo.name_any());
        if let Ok(mut cached) = self.repositories.write() {
            cached.insert(me.clone(), std::sync::Arc::new(repo.clone()));
        }
        let to_wake: Vec<Key> = {
            let Ok(mut index) = self.index.lock() else {
                return;
            };
            let index = &mut *index;
            changed_wakes(&mut index.content, &index.users, &me, content_of(repo))
        };
        self.wake(to_wake);
    }

    fn wake(&self, releases: Vec<Key>) {
        for key in releases {
            // no subscriber yet (the controllers start after the first events): nothing to wake
            let _ = self.sender.send(key);
        }
    }

    /// The releases depending on `namespace/name` (for tests and diagnostics).
    pub fn dependents_of(&self, namespace: &str, name: &str) -> Vec<(String, String)> {
        self.index
            .lock()
            .map(|i| {
                i.dependents
                    .get(&(namespace.to_owned(), name.to_owned()))
                    .map(|s| s.iter().cloned().collect())
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    }

    /// The releases to reconcile because something they point at changed.
    pub fn subscribe(&self) -> impl Stream<Item = ObjectRef<HelmRelease>> + Send + 'static {
        let receiver = self.sender.subscribe();
        futures::stream::unfold(receiver, |mut receiver| async move {
            loop {
                match receiver.recv().await {
                    Ok((namespace, name)) => {
                        let wake = ObjectRef::<HelmRelease>::new(&name).within(&namespace);
                        return Some((wake, receiver));
                    }
                    // a lost wake costs latency only: the interval still reconciles
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    fn release(namespace: &str, name: &str, yaml_spec: &str, ready: Option<&str>) -> HelmRelease {
        let mut hr: HelmRelease = serde_saphyr::from_str(&format!(
            "apiVersion: helm-operator.ketches.cn/v1alpha1\nkind: HelmRelease\nmetadata: {{name: {name}, namespace: {namespace}, generation: 1}}\nspec:\n{yaml_spec}"
        ))
        .unwrap();
        if let Some(ready) = ready {
            hr.status = Some(
                serde_json::from_value(serde_json::json!({
                    "observedGeneration": 1,
                    "conditions": [{"type": "Ready", "status": ready, "reason": "X", "message": "",
                                    "lastTransitionTime": "2026-01-01T00:00:00Z"}]
                }))
                .unwrap(),
            );
        }
        hr
    }

    #[tokio::test]
    async fn a_dependency_becoming_ready_wakes_its_dependents_once() {
        let wakes = Wakes::default();
        let mut woken = Box::pin(wakes.subscribe());
        let db = release(
            "data",
            "db",
            "  chart: {name: pg, repository: {name: r}}\n",
            None,
        );
        let app = release(
            "team",
            "app",
            "  chart: {name: web, repository: {name: r}}\n  dependsOn: [{name: db, namespace: data}, {name: cache}]\n",
            None,
        );
        wakes.observe_release(&app);
        wakes.observe_release(&db);
        assert_eq!(
            wakes.dependents_of("data", "db"),
            [("team".to_owned(), "app".to_owned())]
        );
        assert_eq!(wakes.dependents_of("team", "cache").len(), 1);
        // the first sight of db was a change (unknown → not ready): app is woken
        let first = woken.next().await.unwrap();
        assert_eq!(
            (first.namespace.as_deref(), first.name.as_str()),
            (Some("team"), "app")
        );
        // the same readiness again: no wake
        wakes.observe_release(&db);
        let ready = release(
            "data",
            "db",
            "  chart: {name: pg, repository: {name: r}}\n",
            Some("True"),
        );
        wakes.observe_release(&ready);
        let second = woken.next().await.unwrap();
        assert_eq!(second.name, "app");
        // app stops depending on db: db's changes no longer wake it
        let app2 = release(
            "team",
            "app",
            "  chart: {name: web, repository: {name: r}}\n",
            None,
        );
        wakes.observe_release(&app2);
        assert!(wakes.dependents_of("data", "db").is_empty());
    }

    #[tokio::test]
    async fn new_repository_content_wakes_the_releases_installing_from_it() {
        let wakes = Wakes::default();
        let mut woken = Box::pin(wakes.subscribe());
        let app = release(
            "team",
            "app",
            "  chart: {name: web, repository: {name: charts}}\n",
            None,
        );
        wakes.observe_release(&app);
        let mut repo: HelmRepository = serde_saphyr::from_str(
            "apiVersion: helm-operator.ketches.cn/v1alpha1\nkind: HelmRepository\nmetadata: {name: charts, namespace: team}\nspec: {url: 'https://example.com'}\n",
        )
        .unwrap();
        wakes.observe_repository(&repo);
        assert_eq!(woken.next().await.unwrap().name, "app");
        repo.status =
            Some(serde_json::from_value(serde_json::json!({"indexDigest": "sha256:1"})).unwrap());
        wakes.observe_repository(&repo);
        assert_eq!(woken.next().await.unwrap().name, "app");
        // an unchanged index wakes nobody; a new one does
        wakes.observe_repository(&repo);
        repo.status =
            Some(serde_json::from_value(serde_json::json!({"indexDigest": "sha256:2"})).unwrap());
        wakes.observe_repository(&repo);
        assert_eq!(woken.next().await.unwrap().name, "app");
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(50), woken.next())
                .await
                .is_err(),
            "an extra wake"
        );
    }
}
